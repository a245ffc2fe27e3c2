// SPDX-License-Identifier: GPL-2.0
/*
 * The "mvmm" generic netlink family (ipc.h): requests built from the data
 * model, replies and notifications decoded into it, following the layout
 * documented in uapi/linux/mvmm.h. nl.c underneath carries one request
 * at a time and keeps the kernel's extended ACK.
 *
 * A reply without an attribute the header promises is reported as an
 * error rather than shown as zero: it means the tool and the module
 * disagree about the ABI.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "nl.h"
#include "policy_file.h"

/*
 * Send @cmd, with what @put adds unless NULL, and call @fn for every
 * reply: MVMM_EXIT_OK, or MVMM_EXIT_FAIL after the error is printed.
 * The callers open @nl, which their reply callbacks report errors on.
 */
static int request(struct mvmm_nl *nl, uint8_t cmd, int flags,
		   void (*put)(struct nl_msg *msg, const void *arg),
		   const void *put_arg, mvmm_nl_reply_fn fn, void *fn_arg)
{
	struct nl_msg *msg;
	int ret;

	msg = mvmm_nl_msg(nl, cmd, flags);
	if (put)
		put(msg, put_arg);
	ret = mvmm_nl_request(nl, msg, fn, fn_arg);
	/*
	 * NLM_F_DUMP_INTR: a table changed between two parts of the dump,
	 * which may mix both states. Nothing is shown; no retry either,
	 * so that a caller sees every interrupted dump (man page: EXIT
	 * STATUS).
	 */
	if (ret == -EAGAIN && cmd == MVMM_CMD_GET_RULE)
		return mvmm_fail("the rules changed during the dump; try again");
	if (ret)
		return mvmm_nl_report(nl, ret);
	return MVMM_EXIT_OK;
}

/* Room for one more element in a reply array of @size-byte elements. */
static void *grow(void *arr, int n, int *cap, size_t size, int first)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : first;
	arr = realloc(arr, *cap * size);
	if (!arr)
		mvmm_oom();
	return arr;
}

/* Name of the first of @names's attributes that @tb lacks, or NULL. */
static const char *missing(struct nlattr **tb, const char *const *names,
			   int max)
{
	int i;

	for (i = 1; i <= max; i++)
		if (names[i] && !tb[i])
			return names[i];
	return NULL;
}

/* The table attribute: MVMM_A_VM_ID, or MVMM_A_DEFAULT for @vm_id 0. */
static int put_table(struct nl_msg *msg, uint32_t vm_id)
{
	return vm_id ? nla_put_u32(msg, MVMM_A_VM_ID, vm_id) :
		       nla_put_flag(msg, MVMM_A_DEFAULT);
}

/* The attributes at the top level of every message of the family. */
static struct nla_policy top_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID]		= { .type = NLA_U32 },
	[MVMM_A_VM_PID]		= { .type = NLA_U32 },
	[MVMM_A_VM_COMM]	= { .type = NLA_STRING },
	[MVMM_A_VM_VCPUS]	= { .type = NLA_U32 },
	[MVMM_A_VM_AGE_MS]	= { .type = NLA_U64 },
	[MVMM_A_VM_STATS]	= { .type = NLA_NESTED },
	[MVMM_A_DEFAULT]	= { .type = NLA_FLAG },
	[MVMM_A_RULE]		= { .type = NLA_NESTED },
	[MVMM_A_HANDLER]	= { .type = NLA_NESTED },
	[MVMM_A_GROUP]		= { .type = NLA_NESTED },
};

/* ---- VMs and their counters --------------------------------------------- */

static struct nla_policy evstat_policy[MVMM_A_EVSTAT_MAX + 1] = {
	[MVMM_A_EVSTAT_TYPE]		= { .type = NLA_U32 },
	[MVMM_A_EVSTAT_EXITS]		= { .type = NLA_U64 },
	[MVMM_A_EVSTAT_FASTPATH]	= { .type = NLA_U64 },
	[MVMM_A_EVSTAT_L2]		= { .type = NLA_U64 },
	[MVMM_A_EVSTAT_ROUTED]		= { .type = NLA_U64 },
	[MVMM_A_EVSTAT_COMPLETED]	= { .type = NLA_U64 },
};

static const char *const vm_attr_names[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID]		= "MVMM_A_VM_ID",
	[MVMM_A_VM_PID]		= "MVMM_A_VM_PID",
	[MVMM_A_VM_COMM]	= "MVMM_A_VM_COMM",
	[MVMM_A_VM_VCPUS]	= "MVMM_A_VM_VCPUS",
	[MVMM_A_VM_AGE_MS]	= "MVMM_A_VM_AGE_MS",
};

static const char *const evstat_attr_names[MVMM_A_EVSTAT_MAX + 1] = {
	[MVMM_A_EVSTAT_TYPE]		= "MVMM_A_EVSTAT_TYPE",
	[MVMM_A_EVSTAT_EXITS]		= "MVMM_A_EVSTAT_EXITS",
	[MVMM_A_EVSTAT_FASTPATH]	= "MVMM_A_EVSTAT_FASTPATH",
	[MVMM_A_EVSTAT_L2]		= "MVMM_A_EVSTAT_L2",
	[MVMM_A_EVSTAT_ROUTED]		= "MVMM_A_EVSTAT_ROUTED",
	[MVMM_A_EVSTAT_COMPLETED]	= "MVMM_A_EVSTAT_COMPLETED",
};

struct vm_dump {
	struct mvmm_nl *nl;
	const struct mvmm_vm_sel *sel;
	struct mvmm_vms *out;
	int cap;
};

static int parse_evstats(struct mvmm_nl *nl, struct nlattr *nest,
			 struct mvmm_vm_info *vm)
{
	struct nlattr *tb[MVMM_A_EVSTAT_MAX + 1];
	struct mvmm_evstat *ev;
	struct nlattr *pos;
	const char *lack;
	int rem, n = 0;

	nla_for_each_nested(pos, nest, rem)
		n++;
	vm->ev = calloc(n ? n : 1, sizeof(*vm->ev));
	if (!vm->ev)
		mvmm_oom();

	nla_for_each_nested(pos, nest, rem) {
		if (nla_parse_nested(tb, MVMM_A_EVSTAT_MAX, pos, evstat_policy)) {
			mvmm_nl_set_err(nl, "malformed event counters in the reply for VM %u",
					vm->id);
			return -EPROTO;
		}
		lack = missing(tb, evstat_attr_names, MVMM_A_EVSTAT_MAX);
		if (lack) {
			mvmm_nl_set_err(nl, "reply for VM %u lacks %s", vm->id, lack);
			return -EPROTO;
		}
		ev = &vm->ev[vm->nev++];
		ev->type = nla_get_u32(tb[MVMM_A_EVSTAT_TYPE]);
		ev->exits = nla_get_u64(tb[MVMM_A_EVSTAT_EXITS]);
		ev->fastpath = nla_get_u64(tb[MVMM_A_EVSTAT_FASTPATH]);
		ev->l2 = nla_get_u64(tb[MVMM_A_EVSTAT_L2]);
		ev->routed = nla_get_u64(tb[MVMM_A_EVSTAT_ROUTED]);
		ev->completed = nla_get_u64(tb[MVMM_A_EVSTAT_COMPLETED]);
	}
	return 0;
}

static int vm_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct vm_dump *st = arg;
	struct mvmm_vms *out = st->out;
	struct mvmm_vm_info vm = { 0 };
	const char *lack;
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy);
	if (err) {
		mvmm_nl_set_err(st->nl, "malformed reply from the kernel: %s",
				nl_geterror(err));
		return -EPROTO;
	}
	lack = missing(tb, vm_attr_names, MVMM_A_MAX);
	if (lack) {
		mvmm_nl_set_err(st->nl, "reply from the kernel lacks %s", lack);
		return -EPROTO;
	}

	vm.id = nla_get_u32(tb[MVMM_A_VM_ID]);
	vm.pid = nla_get_u32(tb[MVMM_A_VM_PID]);
	vm.vcpus = nla_get_u32(tb[MVMM_A_VM_VCPUS]);
	vm.age_ms = nla_get_u64(tb[MVMM_A_VM_AGE_MS]);
	nla_strlcpy(vm.comm, tb[MVMM_A_VM_COMM], sizeof(vm.comm));

	if (st->sel->by == MVMM_VM_PID && vm.pid != st->sel->pid)
		return 0;

	/* A VM without any exit yet may come without the nest. */
	if (tb[MVMM_A_VM_STATS]) {
		err = parse_evstats(st->nl, tb[MVMM_A_VM_STATS], &vm);
		if (err) {
			free(vm.ev);
			return err;
		}
	}

	out->vm = grow(out->vm, out->n, &st->cap, sizeof(*out->vm), 16);
	out->vm[out->n++] = vm;
	return 0;
}

static int cmp_vm(const void *a, const void *b)
{
	const struct mvmm_vm_info *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_ev(const void *a, const void *b)
{
	const struct mvmm_evstat *x = a, *y = b;

	return (x->type > y->type) - (x->type < y->type);
}

static void put_vm_id(struct nl_msg *msg, const void *arg)
{
	const struct mvmm_vm_sel *sel = arg;

	if (nla_put_u32(msg, MVMM_A_VM_ID, sel->id))
		mvmm_oom();
}

int mvmm_ipc_get_vms(const struct mvmm_vm_sel *sel, bool stats,
		     struct mvmm_vms *out)
{
	struct vm_dump st = { .sel = sel, .out = out };
	bool one = sel->by == MVMM_VM_ID;
	int ret, i;

	memset(out, 0, sizeof(*out));
	st.nl = mvmm_nl_open();
	if (!st.nl)
		return MVMM_EXIT_FAIL;
	ret = request(st.nl, stats ? MVMM_CMD_GET_STATS : MVMM_CMD_GET_VM,
		      one ? 0 : NLM_F_DUMP, one ? put_vm_id : NULL, sel,
		      vm_reply, &st);
	mvmm_nl_close(st.nl);
	if (ret) {
		mvmm_vms_free(out);
		return ret;
	}

	if (out->n)
		qsort(out->vm, out->n, sizeof(*out->vm), cmp_vm);
	for (i = 0; i < out->n; i++)
		if (out->vm[i].nev)
			qsort(out->vm[i].ev, out->vm[i].nev,
			      sizeof(*out->vm[i].ev), cmp_ev);
	return MVMM_EXIT_OK;
}

void mvmm_vms_free(struct mvmm_vms *vms)
{
	int i;

	for (i = 0; i < vms->n; i++)
		free(vms->vm[i].ev);
	free(vms->vm);
	vms->vm = NULL;
	vms->n = 0;
}

/* ---- rules and their pre-registered answers ----------------------------- */

static int put_answer(struct nl_msg *msg, const struct mvmm_answer_spec *a)
{
	struct nlattr *nest, *reg;
	int i;

	nest = nla_nest_start(msg, MVMM_A_RULE_ANSWER);
	if (!nest)
		return -NLE_NOMEM;
	if ((a->has_value && nla_put_u64(msg, MVMM_A_ANSWER_VALUE, a->value)) ||
	    (a->ignore && nla_put_flag(msg, MVMM_A_ANSWER_IGNORE)))
		return -NLE_NOMEM;
	for (i = 0; i < MVMM_ANSWER_REGS; i++) {
		uint8_t g = a->reg_given[i];

		if (!g)
			continue;
		reg = nla_nest_start(msg, MVMM_A_ANSWER_EAX + i);
		if (!reg ||
		    ((g & MVMM_ANSREG_VALUE) &&
		     nla_put_u32(msg, MVMM_A_ANSWER_REG_VALUE, a->reg_value[i])) ||
		    ((g & MVMM_ANSREG_AND) &&
		     nla_put_u32(msg, MVMM_A_ANSWER_REG_AND, a->reg_and[i])) ||
		    ((g & MVMM_ANSREG_OR) &&
		     nla_put_u32(msg, MVMM_A_ANSWER_REG_OR, a->reg_or[i])))
			return -NLE_NOMEM;
		nla_nest_end(msg, reg);
	}
	nla_nest_end(msg, nest);
	return 0;
}

static struct nla_policy reg_policy[MVMM_A_ANSWER_REG_MAX + 1] = {
	[MVMM_A_ANSWER_REG_VALUE]	= { .type = NLA_U32 },
	[MVMM_A_ANSWER_REG_AND]		= { .type = NLA_U32 },
	[MVMM_A_ANSWER_REG_OR]		= { .type = NLA_U32 },
};

static struct nla_policy answer_policy[MVMM_A_ANSWER_MAX + 1] = {
	[MVMM_A_ANSWER_VALUE]	= { .type = NLA_U64 },
	[MVMM_A_ANSWER_IGNORE]	= { .type = NLA_FLAG },
	[MVMM_A_ANSWER_EAX]	= { .type = NLA_NESTED },
	[MVMM_A_ANSWER_EBX]	= { .type = NLA_NESTED },
	[MVMM_A_ANSWER_ECX]	= { .type = NLA_NESTED },
	[MVMM_A_ANSWER_EDX]	= { .type = NLA_NESTED },
	[MVMM_A_ANSWER_HITS]	= { .type = NLA_U64 },
};

/* From MVMM_A_RULE_ANSWER: 0, or -1 if it is malformed. */
static int parse_answer(struct nlattr *nest, struct mvmm_answer_spec *a)
{
	struct nlattr *tb[MVMM_A_ANSWER_MAX + 1], *rt[MVMM_A_ANSWER_REG_MAX + 1];
	int i;

	memset(a, 0, sizeof(*a));
	if (nla_parse_nested(tb, MVMM_A_ANSWER_MAX, nest, answer_policy))
		return -1;
	if (tb[MVMM_A_ANSWER_VALUE]) {
		a->has_value = true;
		a->value = nla_get_u64(tb[MVMM_A_ANSWER_VALUE]);
	}
	a->ignore = tb[MVMM_A_ANSWER_IGNORE];
	if (tb[MVMM_A_ANSWER_HITS]) {
		a->has_hits = true;
		a->hits = nla_get_u64(tb[MVMM_A_ANSWER_HITS]);
	}
	for (i = 0; i < MVMM_ANSWER_REGS; i++) {
		a->reg_and[i] = UINT32_MAX;
		if (!tb[MVMM_A_ANSWER_EAX + i])
			continue;
		if (nla_parse_nested(rt, MVMM_A_ANSWER_REG_MAX,
				     tb[MVMM_A_ANSWER_EAX + i], reg_policy))
			return -1;
		if (rt[MVMM_A_ANSWER_REG_VALUE]) {
			a->reg_given[i] |= MVMM_ANSREG_VALUE;
			a->reg_value[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_VALUE]);
		}
		if (rt[MVMM_A_ANSWER_REG_AND]) {
			a->reg_given[i] |= MVMM_ANSREG_AND;
			a->reg_and[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_AND]);
		}
		if (rt[MVMM_A_ANSWER_REG_OR]) {
			a->reg_given[i] |= MVMM_ANSREG_OR;
			a->reg_or[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_OR]);
		}
	}
	return 0;
}

/* MVMM_A_RULE with @r, or with only its id. */
static void put_rule(struct nl_msg *msg, const struct mvmm_rule_spec *r,
		     bool id_only)
{
	struct nlattr *nest = nla_nest_start(msg, MVMM_A_RULE);
	int err = !nest;

	if (!err && r->id)
		err = nla_put_u32(msg, MVMM_A_RULE_ID, r->id);
	if (!err && !id_only) {
		err = nla_put_u32(msg, MVMM_A_RULE_TYPE, r->type) ||
		      (r->ranged &&
		       (nla_put_u64(msg, MVMM_A_RULE_LO, r->lo) ||
			nla_put_u64(msg, MVMM_A_RULE_HI, r->hi))) ||
		      nla_put_u8(msg, MVMM_A_RULE_ORIGIN, r->origin) ||
		      nla_put_u8(msg, MVMM_A_RULE_MODE, r->mode) ||
		      nla_put_u8(msg, MVMM_A_RULE_FALLBACK, r->fallback) ||
		      (r->has_answer ? put_answer(msg, &r->answer) :
		       nla_put_string(msg, r->group ? MVMM_A_RULE_GROUP :
				      MVMM_A_RULE_TARGET, r->target));
	}
	if (err)
		mvmm_oom();
	nla_nest_end(msg, nest);
}

static struct nla_policy rule_policy[MVMM_A_RULE_MAX + 1] = {
	[MVMM_A_RULE_ID]	= { .type = NLA_U32 },
	[MVMM_A_RULE_TYPE]	= { .type = NLA_U32 },
	[MVMM_A_RULE_LO]	= { .type = NLA_U64 },
	[MVMM_A_RULE_HI]	= { .type = NLA_U64 },
	[MVMM_A_RULE_ORIGIN]	= { .type = NLA_U8 },
	[MVMM_A_RULE_MODE]	= { .type = NLA_U8 },
	[MVMM_A_RULE_FALLBACK]	= { .type = NLA_U8 },
	[MVMM_A_RULE_TARGET]	= { .type = NLA_STRING },
	[MVMM_A_RULE_GROUP]	= { .type = NLA_STRING },
	[MVMM_A_RULE_ANSWER]	= { .type = NLA_NESTED },
};

static const char *const rule_attr_names[MVMM_A_RULE_MAX + 1] = {
	[MVMM_A_RULE_ID]	= "MVMM_A_RULE_ID",
	[MVMM_A_RULE_TYPE]	= "MVMM_A_RULE_TYPE",
	[MVMM_A_RULE_LO]	= "MVMM_A_RULE_LO",
	[MVMM_A_RULE_HI]	= "MVMM_A_RULE_HI",
	[MVMM_A_RULE_ORIGIN]	= "MVMM_A_RULE_ORIGIN",
	[MVMM_A_RULE_MODE]	= "MVMM_A_RULE_MODE",
	[MVMM_A_RULE_FALLBACK]	= "MVMM_A_RULE_FALLBACK",
	[MVMM_A_RULE_TARGET]	= "MVMM_A_RULE_TARGET",
};

/*
 * Fill @r from an MVMM_A_RULE nest of a reply or notification: 0, or
 * -EPROTO with the reason in @why.
 */
static int parse_rule(struct nlattr *nest, struct mvmm_rule_spec *r,
		      char *why, size_t len)
{
	struct nlattr *rt[MVMM_A_RULE_MAX + 1];
	int err, i;

	memset(r, 0, sizeof(*r));
	err = nla_parse_nested(rt, MVMM_A_RULE_MAX, nest, rule_policy);
	if (err) {
		snprintf(why, len, "malformed rule in the reply from the kernel: %s",
			 nl_geterror(err));
		return -EPROTO;
	}
	for (i = 1; i <= MVMM_A_RULE_MAX; i++) {
		/* A group rule has RULE_GROUP instead of RULE_TARGET. */
		if (i == MVMM_A_RULE_TARGET && rt[MVMM_A_RULE_GROUP])
			continue;
		/* So has an answer rule RULE_ANSWER. */
		if (i == MVMM_A_RULE_TARGET && rt[MVMM_A_RULE_ANSWER])
			continue;
		if (rule_attr_names[i] && !rt[i]) {
			snprintf(why, len, "rule in the reply from the kernel lacks %s",
				 rule_attr_names[i]);
			return -EPROTO;
		}
	}

	r->id = nla_get_u32(rt[MVMM_A_RULE_ID]);
	r->type = nla_get_u32(rt[MVMM_A_RULE_TYPE]);
	r->lo = nla_get_u64(rt[MVMM_A_RULE_LO]);
	r->hi = nla_get_u64(rt[MVMM_A_RULE_HI]);
	r->ranged = r->lo != 0 || r->hi != UINT64_MAX;
	r->origin = nla_get_u8(rt[MVMM_A_RULE_ORIGIN]);
	r->mode = nla_get_u8(rt[MVMM_A_RULE_MODE]);
	r->fallback = nla_get_u8(rt[MVMM_A_RULE_FALLBACK]);
	if (rt[MVMM_A_RULE_ANSWER]) {
		r->has_answer = true;
		if (parse_answer(rt[MVMM_A_RULE_ANSWER], &r->answer)) {
			snprintf(why, len, "malformed MVMM_A_RULE_ANSWER in the reply from the kernel");
			return -EPROTO;
		}
		return 0;
	}
	r->group = rt[MVMM_A_RULE_GROUP];
	nla_strlcpy(r->target, rt[r->group ? MVMM_A_RULE_GROUP :
				   MVMM_A_RULE_TARGET], sizeof(r->target));
	return 0;
}

struct rule_dump {
	struct mvmm_nl *nl;
	struct mvmm_rules *out;
	int cap;
};

/* One MVMM_A_RULE reply (a dump part, or the answer to an add). */
static int rule_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct rule_dump *d = arg;
	struct mvmm_rule_spec r;
	char why[160];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy);
	if (!err && !tb[MVMM_A_RULE])
		err = -NLE_MISSING_ATTR;
	if (err) {
		mvmm_nl_set_err(d->nl, "malformed rule in the reply from the kernel: %s",
				nl_geterror(err));
		return -EPROTO;
	}
	if (parse_rule(tb[MVMM_A_RULE], &r, why, sizeof(why))) {
		mvmm_nl_set_err(d->nl, "%s", why);
		return -EPROTO;
	}

	d->out->r = grow(d->out->r, d->out->n, &d->cap, sizeof(r), 64);
	d->out->r[d->out->n++] = r;
	return 0;
}

/* What a rule command sends: the table and, unless NULL, the rule. */
struct rule_req {
	uint32_t vm_id;
	const struct mvmm_rule_spec *r;
	bool id_only;
};

static void put_rule_req(struct nl_msg *msg, const void *arg)
{
	const struct rule_req *q = arg;

	if (put_table(msg, q->vm_id))
		mvmm_oom();
	if (q->r)
		put_rule(msg, q->r, q->id_only);
}

/* Send @cmd with @q; the rules in the replies go to @out. */
static int rule_request(uint8_t cmd, int flags, const struct rule_req *q,
			struct mvmm_rules *out)
{
	struct rule_dump d = { .out = out };
	int ret;

	memset(out, 0, sizeof(*out));
	d.nl = mvmm_nl_open();
	if (!d.nl)
		return MVMM_EXIT_FAIL;
	ret = request(d.nl, cmd, flags, put_rule_req, q, rule_reply, &d);
	mvmm_nl_close(d.nl);
	if (ret)
		mvmm_rules_free(out);
	return ret;
}

int mvmm_ipc_get_rules(uint32_t vm_id, struct mvmm_rules *out)
{
	struct rule_req q = { .vm_id = vm_id };

	return rule_request(MVMM_CMD_GET_RULE, NLM_F_DUMP, &q, out);
}

int mvmm_ipc_add_rule(uint32_t vm_id, const struct mvmm_rule_spec *r,
		      struct mvmm_rule_spec *stored)
{
	struct rule_req q = { .vm_id = vm_id, .r = r };
	struct mvmm_rules l;
	int ret;

	ret = rule_request(MVMM_CMD_RULE_ADD, 0, &q, &l);
	if (ret)
		return ret;
	if (l.n == 1)
		*stored = l.r[0];
	else
		ret = mvmm_fail("the kernel stored the rule but replied with %d rules",
				l.n);
	mvmm_rules_free(&l);
	return ret;
}

/* A change that the module answers with an ACK only. */
static int rule_change(uint8_t cmd, const struct rule_req *q)
{
	struct mvmm_rules l;
	int ret;

	ret = rule_request(cmd, 0, q, &l);
	mvmm_rules_free(&l);
	return ret;
}

int mvmm_ipc_replace_rule(uint32_t vm_id, const struct mvmm_rule_spec *r)
{
	struct rule_req q = { .vm_id = vm_id, .r = r };

	return rule_change(MVMM_CMD_RULE_REPLACE, &q);
}

int mvmm_ipc_del_rule(uint32_t vm_id, uint32_t id)
{
	struct mvmm_rule_spec r = { .id = id };
	struct rule_req q = { .vm_id = vm_id, .r = &r, .id_only = true };

	return rule_change(MVMM_CMD_RULE_DEL, &q);
}

int mvmm_ipc_flush_rules(uint32_t vm_id)
{
	struct rule_req q = { .vm_id = vm_id };

	return rule_change(MVMM_CMD_RULE_FLUSH, &q);
}

void mvmm_rules_free(struct mvmm_rules *rules)
{
	free(rules->r);
	rules->r = NULL;
	rules->n = 0;
}

/* ---- policy files ------------------------------------------------------- */

/* Line @o of the file as one MVMM_A_OP. */
static void put_op(struct nl_msg *msg, const struct mvmm_pf_op *o,
		   uint32_t vm_id)
{
	struct nlattr *op;
	int err;

	op = nla_nest_start(msg, MVMM_A_OP);
	err = !op || put_table(msg, vm_id);
	if (!err && o->flush)
		err = nla_put_flag(msg, MVMM_A_FLUSH);
	if (err)
		mvmm_oom();
	if (!o->flush)
		put_rule(msg, &o->rule, false);
	nla_nest_end(msg, op);
}

/*
 * One MVMM_A_OP per line of the file. libnl messages do not grow: each
 * operation is built once on its own (a rule takes well under a page,
 * pre-registered answers included) to size the request exactly.
 */
static struct nl_msg *apply_msg(struct mvmm_nl *nl,
				const struct mvmm_policy_file *pf,
				const uint32_t *vm_ids)
{
	struct nl_msg *msg, *one;
	size_t size = 4096;
	int i;

	for (i = 0; i < pf->n; i++) {
		one = mvmm_nl_msg_size(nl, MVMM_CMD_RULE_APPLY, 0, 4096);
		put_op(one, &pf->op[i], vm_ids[i]);
		size += nlmsg_datalen(nlmsg_hdr(one));
		nlmsg_free(one);
	}
	msg = mvmm_nl_msg_size(nl, MVMM_CMD_RULE_APPLY, 0, size);
	for (i = 0; i < pf->n; i++)
		put_op(msg, &pf->op[i], vm_ids[i]);
	return msg;
}

/* The kernel's refusal, at the line of the operation it names. */
static int apply_report(struct mvmm_nl *nl, int err, const char *name,
			const struct mvmm_policy_file *pf)
{
	const char *msg = mvmm_nl_errmsg(nl, err);
	uint32_t cookie[2];
	int len;

	/* uapi/linux/mvmm.h: the index of the operation, and on EEXIST the rule. */
	len = mvmm_nl_cookie(nl, cookie, sizeof(cookie));
	if (len < (int)sizeof(uint32_t) || cookie[0] >= (uint32_t)pf->n)
		return mvmm_fail("%s: %s", name, msg);
	if (err == -EEXIST && len == sizeof(cookie))
		return mvmm_fail("%s:%d: %s: rule %u", name,
				 pf->op[cookie[0]].line, msg, cookie[1]);
	return mvmm_fail("%s:%d: %s", name, pf->op[cookie[0]].line, msg);
}

static int no_reply(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}

int mvmm_ipc_apply(const char *name, const struct mvmm_policy_file *pf,
		   const uint32_t *vm_ids)
{
	struct mvmm_nl *nl;
	struct nl_msg *msg;
	uint32_t size;
	long buf;
	int ret;

	nl = mvmm_nl_open();
	if (!nl)
		return MVMM_EXIT_FAIL;
	msg = apply_msg(nl, pf, vm_ids);
	size = nlmsg_hdr(msg)->nlmsg_len;
	/* The kernel takes no request larger than the send buffer - 32. */
	buf = mvmm_nl_sndbuf(nl, size + 4096);
	if (buf < (long)size + 32) {
		nlmsg_free(msg);
		ret = mvmm_fail("%s: the request (%u bytes) does not fit in the socket's send buffer (%ld bytes): raising it needs CAP_NET_ADMIN",
				name, size, buf);
		goto out;
	}
	ret = mvmm_nl_request(nl, msg, no_reply, NULL);
	if (ret)
		ret = apply_report(nl, ret, name, pf);
out:
	mvmm_nl_close(nl);
	return ret;
}

/* ---- handlers ----------------------------------------------------------- */

static const int counter_attrs[MVMM_HC_NR] = {
	[MVMM_HC_EVENTS]	= MVMM_A_HANDLER_EVENTS,
	[MVMM_HC_HANDLED]	= MVMM_A_HANDLER_HANDLED,
	[MVMM_HC_TO_MAIN]	= MVMM_A_HANDLER_TO_MAIN,
	[MVMM_HC_INJECTED]	= MVMM_A_HANDLER_INJECTED,
	[MVMM_HC_FALLBACK]	= MVMM_A_HANDLER_FALLBACK,
	[MVMM_HC_INVALID]	= MVMM_A_HANDLER_INVALID,
	[MVMM_HC_OBSERVED]	= MVMM_A_HANDLER_OBSERVED,
	[MVMM_HC_TIMEOUTS]	= MVMM_A_HANDLER_TIMEOUTS,
	[MVMM_HC_DROPPED]	= MVMM_A_HANDLER_DROPPED,
	[MVMM_HC_RESTARTS]	= MVMM_A_HANDLER_RESTARTS,
};

static struct nla_policy load_policy[MVMM_A_HLOAD_MAX + 1] = {
	[MVMM_A_HLOAD_INFLIGHT]	= { .type = NLA_U32 },
	[MVMM_A_HLOAD_SAMPLES]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_EWMA_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_P50_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_P99_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_MAX_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_USABLE]	= { .type = NLA_U8 },
	[MVMM_A_HLOAD_CPU_NS]	= { .type = NLA_U64 },
};

/* The load nest, from a module that has groups; else has_load stays 0. */
static void parse_load(struct nlattr *nest, struct mvmm_handler_info *h)
{
	struct nlattr *lt[MVMM_A_HLOAD_MAX + 1];
	int i;

	if (!nest || nla_parse_nested(lt, MVMM_A_HLOAD_MAX, nest, load_policy))
		return;
	for (i = MVMM_A_HLOAD_INFLIGHT; i <= MVMM_A_HLOAD_USABLE; i++)
		if (!lt[i])
			return;
	h->has_load = true;
	h->inflight = nla_get_u32(lt[MVMM_A_HLOAD_INFLIGHT]);
	h->samples = nla_get_u64(lt[MVMM_A_HLOAD_SAMPLES]);
	h->ewma_ns = nla_get_u64(lt[MVMM_A_HLOAD_EWMA_NS]);
	h->p50_ns = nla_get_u64(lt[MVMM_A_HLOAD_P50_NS]);
	h->p99_ns = nla_get_u64(lt[MVMM_A_HLOAD_P99_NS]);
	h->max_ns = nla_get_u64(lt[MVMM_A_HLOAD_MAX_NS]);
	h->usable = nla_get_u8(lt[MVMM_A_HLOAD_USABLE]);
	h->has_cpu = lt[MVMM_A_HLOAD_CPU_NS];
	if (h->has_cpu)
		h->cpu_ns = nla_get_u64(lt[MVMM_A_HLOAD_CPU_NS]);
}

static struct nla_policy handler_policy[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME]		= { .type = NLA_STRING },
	[MVMM_A_HANDLER_ID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_ATTACHED]	= { .type = NLA_U8 },
	[MVMM_A_HANDLER_EVENTS]		= { .type = NLA_U64 },
	[MVMM_A_HANDLER_HANDLED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_TO_MAIN]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_INJECTED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_FALLBACK]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_INVALID]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_OBSERVED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_USER]		= { .type = NLA_FLAG },
	[MVMM_A_HANDLER_PID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_VM_ID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_TIMEOUTS]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_DROPPED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_RESTARTS]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_OUTSTANDING]	= { .type = NLA_U32 },
	[MVMM_A_HANDLER_LOAD]		= { .type = NLA_NESTED },
};

static const char *const handler_attr_names[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME]		= "MVMM_A_HANDLER_NAME",
	[MVMM_A_HANDLER_ID]		= "MVMM_A_HANDLER_ID",
	[MVMM_A_HANDLER_ATTACHED]	= "MVMM_A_HANDLER_ATTACHED",
	[MVMM_A_HANDLER_EVENTS]		= "MVMM_A_HANDLER_EVENTS",
	[MVMM_A_HANDLER_HANDLED]	= "MVMM_A_HANDLER_HANDLED",
	[MVMM_A_HANDLER_TO_MAIN]	= "MVMM_A_HANDLER_TO_MAIN",
	[MVMM_A_HANDLER_INJECTED]	= "MVMM_A_HANDLER_INJECTED",
	[MVMM_A_HANDLER_FALLBACK]	= "MVMM_A_HANDLER_FALLBACK",
	[MVMM_A_HANDLER_INVALID]	= "MVMM_A_HANDLER_INVALID",
	[MVMM_A_HANDLER_OBSERVED]	= "MVMM_A_HANDLER_OBSERVED",
	[MVMM_A_HANDLER_TIMEOUTS]	= "MVMM_A_HANDLER_TIMEOUTS",
	[MVMM_A_HANDLER_DROPPED]	= "MVMM_A_HANDLER_DROPPED",
	[MVMM_A_HANDLER_RESTARTS]	= "MVMM_A_HANDLER_RESTARTS",
};

struct handler_dump {
	struct mvmm_nl *nl;
	struct mvmm_handlers *out;
	int cap;
};

static int handler_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1], *ht[MVMM_A_HANDLER_MAX + 1];
	struct handler_dump *d = arg;
	struct mvmm_handler_info h = { 0 };
	const char *lack;
	int err, i;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy);
	if (!err && !tb[MVMM_A_HANDLER])
		err = -NLE_MISSING_ATTR;
	if (!err)
		err = nla_parse_nested(ht, MVMM_A_HANDLER_MAX, tb[MVMM_A_HANDLER],
				       handler_policy);
	if (err) {
		mvmm_nl_set_err(d->nl, "malformed handler in the reply from the kernel: %s",
				nl_geterror(err));
		return -EPROTO;
	}
	lack = missing(ht, handler_attr_names, MVMM_A_HANDLER_MAX);
	if (lack) {
		mvmm_nl_set_err(d->nl, "handler in the reply from the kernel lacks %s",
				lack);
		return -EPROTO;
	}

	nla_strlcpy(h.name, ht[MVMM_A_HANDLER_NAME], sizeof(h.name));
	h.id = nla_get_u32(ht[MVMM_A_HANDLER_ID]);
	h.attached = nla_get_u8(ht[MVMM_A_HANDLER_ATTACHED]);
	for (i = 0; i < MVMM_HC_NR; i++)
		h.count[i] = nla_get_u64(ht[counter_attrs[i]]);
	h.user = ht[MVMM_A_HANDLER_USER] && ht[MVMM_A_HANDLER_PID] &&
		 ht[MVMM_A_HANDLER_VM_ID] && ht[MVMM_A_HANDLER_OUTSTANDING];
	if (h.user) {
		h.pid = nla_get_u32(ht[MVMM_A_HANDLER_PID]);
		h.vm = nla_get_u32(ht[MVMM_A_HANDLER_VM_ID]);
		h.outstanding = nla_get_u32(ht[MVMM_A_HANDLER_OUTSTANDING]);
	}
	parse_load(ht[MVMM_A_HANDLER_LOAD], &h);

	d->out->h = grow(d->out->h, d->out->n, &d->cap, sizeof(h), 16);
	d->out->h[d->out->n++] = h;
	return 0;
}

int mvmm_ipc_get_handlers(struct mvmm_handlers *out)
{
	struct handler_dump d = { .out = out };
	int ret;

	memset(out, 0, sizeof(*out));
	d.nl = mvmm_nl_open();
	if (!d.nl)
		return MVMM_EXIT_FAIL;
	ret = request(d.nl, MVMM_CMD_GET_HANDLER, NLM_F_DUMP, NULL, NULL,
		      handler_reply, &d);
	mvmm_nl_close(d.nl);
	if (ret)
		mvmm_handlers_free(out);
	return ret;
}

void mvmm_handlers_free(struct mvmm_handlers *handlers)
{
	free(handlers->h);
	handlers->h = NULL;
	handlers->n = 0;
}

/* ---- groups ------------------------------------------------------------- */

static struct nla_policy group_policy[MVMM_A_GROUP_MAX + 1] = {
	[MVMM_A_GROUP_NAME]	= { .type = NLA_STRING },
	[MVMM_A_GROUP_ID]	= { .type = NLA_U32 },
	[MVMM_A_GROUP_POLICY]	= { .type = NLA_U8 },
	[MVMM_A_GROUP_MEMBERS]	= { .type = NLA_NESTED },
	[MVMM_A_GROUP_NO_MEMBER] = { .type = NLA_U64 },
};

static struct nla_policy member_policy[MVMM_A_MEMBER_MAX + 1] = {
	[MVMM_A_MEMBER_NAME]	= { .type = NLA_STRING },
	[MVMM_A_MEMBER_WEIGHT]	= { .type = NLA_U32 },
	[MVMM_A_MEMBER_HANDLER_ID] = { .type = NLA_U32 },
	[MVMM_A_MEMBER_CHOSEN]	= { .type = NLA_U64 },
	[MVMM_A_MEMBER_USABLE]	= { .type = NLA_U8 },
};

static int parse_member(struct nlattr *a, struct mvmm_group_member *m)
{
	struct nlattr *mt[MVMM_A_MEMBER_MAX + 1];
	int i;

	if (nla_parse_nested(mt, MVMM_A_MEMBER_MAX, a, member_policy))
		return -1;
	for (i = 1; i < MVMM_A_MEMBER_PAD; i++)
		if (!mt[i])
			return -1;
	nla_strlcpy(m->name, mt[MVMM_A_MEMBER_NAME], sizeof(m->name));
	m->weight = nla_get_u32(mt[MVMM_A_MEMBER_WEIGHT]);
	m->handler_id = nla_get_u32(mt[MVMM_A_MEMBER_HANDLER_ID]);
	m->chosen = nla_get_u64(mt[MVMM_A_MEMBER_CHOSEN]);
	m->usable = nla_get_u8(mt[MVMM_A_MEMBER_USABLE]);
	return 0;
}

struct group_dump {
	struct mvmm_nl *nl;
	struct mvmm_groups *out;
	int cap;
};

static int group_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1], *gt[MVMM_A_GROUP_MAX + 1], *a;
	struct group_dump *d = arg;
	struct mvmm_group_info g = { 0 };
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy) ||
	    !tb[MVMM_A_GROUP] ||
	    nla_parse_nested(gt, MVMM_A_GROUP_MAX, tb[MVMM_A_GROUP],
			     group_policy) ||
	    !gt[MVMM_A_GROUP_NAME] || !gt[MVMM_A_GROUP_ID] ||
	    !gt[MVMM_A_GROUP_POLICY] || !gt[MVMM_A_GROUP_MEMBERS] ||
	    !gt[MVMM_A_GROUP_NO_MEMBER])
		goto bad;
	nla_strlcpy(g.name, gt[MVMM_A_GROUP_NAME], sizeof(g.name));
	g.id = nla_get_u32(gt[MVMM_A_GROUP_ID]);
	g.policy = nla_get_u8(gt[MVMM_A_GROUP_POLICY]);
	g.no_member = nla_get_u64(gt[MVMM_A_GROUP_NO_MEMBER]);
	nla_for_each_nested(a, gt[MVMM_A_GROUP_MEMBERS], rem) {
		if (nla_type(a) != MVMM_A_GROUP_MEMBER ||
		    g.nr == MVMM_GROUP_MAX_MEMBERS ||
		    parse_member(a, &g.m[g.nr]))
			goto bad;
		g.nr++;
	}
	d->out->g = grow(d->out->g, d->out->n, &d->cap, sizeof(g), 8);
	d->out->g[d->out->n++] = g;
	return 0;
bad:
	mvmm_nl_set_err(d->nl, "malformed group in the reply from the kernel");
	return -EPROTO;
}

/* MVMM_A_GROUP with @g's name, and with the rest unless @name_only. */
static void put_group(struct nl_msg *msg, const struct mvmm_group_info *g,
		      bool name_only)
{
	struct nlattr *nest, *members, *m;
	uint32_t i;
	int err;

	nest = nla_nest_start(msg, MVMM_A_GROUP);
	err = !nest || nla_put_string(msg, MVMM_A_GROUP_NAME, g->name);
	if (!err && !name_only) {
		err = nla_put_u8(msg, MVMM_A_GROUP_POLICY, g->policy);
		members = nla_nest_start(msg, MVMM_A_GROUP_MEMBERS);
		err = err || !members;
		for (i = 0; !err && i < g->nr; i++) {
			m = nla_nest_start(msg, MVMM_A_GROUP_MEMBER);
			err = !m ||
			      nla_put_string(msg, MVMM_A_MEMBER_NAME, g->m[i].name) ||
			      nla_put_u32(msg, MVMM_A_MEMBER_WEIGHT, g->m[i].weight);
			if (!err)
				nla_nest_end(msg, m);
		}
		if (!err)
			nla_nest_end(msg, members);
	}
	if (err)
		mvmm_oom();
	nla_nest_end(msg, nest);
}

static void put_group_name(struct nl_msg *msg, const void *arg)
{
	put_group(msg, arg, true);
}

static void put_group_whole(struct nl_msg *msg, const void *arg)
{
	put_group(msg, arg, false);
}

/* Send @cmd (with @g, or a dump without); replies in @out. */
static int group_request(uint8_t cmd, int flags,
			 void (*put)(struct nl_msg *msg, const void *arg),
			 const struct mvmm_group_info *g,
			 struct mvmm_groups *out)
{
	struct group_dump d = { .out = out };
	int ret;

	memset(out, 0, sizeof(*out));
	d.nl = mvmm_nl_open();
	if (!d.nl)
		return MVMM_EXIT_FAIL;
	ret = request(d.nl, cmd, flags, put, g, group_reply, &d);
	mvmm_nl_close(d.nl);
	if (ret)
		mvmm_groups_free(out);
	return ret;
}

int mvmm_ipc_get_groups(const char *name, struct mvmm_groups *out)
{
	struct mvmm_group_info g = { 0 };

	if (!name)
		return group_request(MVMM_CMD_GET_GROUP, NLM_F_DUMP, NULL, NULL,
				     out);
	snprintf(g.name, sizeof(g.name), "%s", name);
	return group_request(MVMM_CMD_GET_GROUP, 0, put_group_name, &g, out);
}

int mvmm_ipc_set_group(const struct mvmm_group_info *g, bool replace)
{
	struct mvmm_groups l;
	int ret;

	ret = group_request(replace ? MVMM_CMD_GROUP_SET : MVMM_CMD_GROUP_ADD,
			    0, put_group_whole, g, &l);
	mvmm_groups_free(&l);
	return ret;
}

int mvmm_ipc_del_group(const char *name)
{
	struct mvmm_group_info g = { 0 };
	struct mvmm_groups l;
	int ret;

	snprintf(g.name, sizeof(g.name), "%s", name);
	ret = group_request(MVMM_CMD_GROUP_DEL, 0, put_group_name, &g, &l);
	mvmm_groups_free(&l);
	return ret;
}

void mvmm_groups_free(struct mvmm_groups *groups)
{
	free(groups->g);
	groups->g = NULL;
	groups->n = 0;
}

/* ---- notifications ------------------------------------------------------ */

/* What each notification command is about. */
static const enum mvmm_notif_object notif_objects[MVMM_CMD_MAX + 1] = {
	[MVMM_CMD_RULE_ADD]		= MVMM_NOTIF_RULE,
	[MVMM_CMD_RULE_REPLACE]		= MVMM_NOTIF_RULE,
	[MVMM_CMD_RULE_DEL]		= MVMM_NOTIF_RULE,
	[MVMM_CMD_RULE_FLUSH]		= MVMM_NOTIF_RULE,
	[MVMM_CMD_RULE_APPLY]		= MVMM_NOTIF_RULE,
	[MVMM_CMD_HANDLER_ATTACH]	= MVMM_NOTIF_HANDLER,
	[MVMM_CMD_HANDLER_DETACH]	= MVMM_NOTIF_HANDLER,
	[MVMM_CMD_VM_NEW]		= MVMM_NOTIF_VM,
	[MVMM_CMD_VM_DEL]		= MVMM_NOTIF_VM,
};

/* NLA_STRING does not promise a NUL within the payload; check for one. */
static bool str_ok(struct nlattr *a)
{
	return !a || (nla_len(a) > 0 &&
		      memchr(nla_data(a), '\0', nla_len(a)) != NULL);
}

static void parse_rule_notif(struct nlattr **tb, struct mvmm_notification *n)
{
	n->vm_id = tb[MVMM_A_VM_ID] ? nla_get_u32(tb[MVMM_A_VM_ID]) : 0;
	if (!n->vm_id && !tb[MVMM_A_DEFAULT]) {
		snprintf(n->bad, sizeof(n->bad),
			 "rule notification without a table");
		return;
	}
	n->has_rule = tb[MVMM_A_RULE];
	if (n->has_rule)
		parse_rule(tb[MVMM_A_RULE], &n->rule, n->bad, sizeof(n->bad));
}

static void parse_handler_notif(struct nlattr **tb,
				struct mvmm_notification *n)
{
	struct nlattr *ht[MVMM_A_HANDLER_MAX + 1];

	if (!tb[MVMM_A_HANDLER] ||
	    nla_parse_nested(ht, MVMM_A_HANDLER_MAX, tb[MVMM_A_HANDLER],
			     handler_policy) ||
	    !ht[MVMM_A_HANDLER_NAME] || !ht[MVMM_A_HANDLER_ID] ||
	    !str_ok(ht[MVMM_A_HANDLER_NAME])) {
		snprintf(n->bad, sizeof(n->bad), "malformed handler notification");
		return;
	}
	snprintf(n->name, sizeof(n->name), "%s",
		 (char *)nla_data(ht[MVMM_A_HANDLER_NAME]));
	n->id = nla_get_u32(ht[MVMM_A_HANDLER_ID]);
	n->user = ht[MVMM_A_HANDLER_USER] && ht[MVMM_A_HANDLER_PID] &&
		  ht[MVMM_A_HANDLER_VM_ID];
	if (n->user) {
		n->pid = nla_get_u32(ht[MVMM_A_HANDLER_PID]);
		n->vm = nla_get_u32(ht[MVMM_A_HANDLER_VM_ID]);
	}
}

static void parse_vm_notif(struct nlattr **tb, struct mvmm_notification *n)
{
	struct nlattr *comm = tb[MVMM_A_VM_COMM];

	if (!tb[MVMM_A_VM_ID] || !tb[MVMM_A_VM_PID] || !str_ok(comm)) {
		snprintf(n->bad, sizeof(n->bad), "malformed VM notification");
		return;
	}
	n->vm_info.id = nla_get_u32(tb[MVMM_A_VM_ID]);
	n->vm_info.pid = nla_get_u32(tb[MVMM_A_VM_PID]);
	/* Without a command name (the process is gone): "?". */
	snprintf(n->vm_info.comm, sizeof(n->vm_info.comm), "%s",
		 comm ? (char *)nla_data(comm) : "?");
}

/* The attributes of a notification whose object is known. */
static void parse_notif(struct nlmsghdr *nlh, struct mvmm_notification *n)
{
	struct nlattr *tb[MVMM_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, MVMM_A_MAX, top_policy))
		snprintf(n->bad, sizeof(n->bad),
			 "malformed notification (command %u)", n->cmd);
	else if (n->object == MVMM_NOTIF_RULE)
		parse_rule_notif(tb, n);
	else if (n->object == MVMM_NOTIF_HANDLER)
		parse_handler_notif(tb, n);
	else
		parse_vm_notif(tb, n);
}

struct monitor {
	int family;
	mvmm_notification_fn fn;
	void *arg;
};

static int notif_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct mvmm_notification *n;
	struct monitor *m = arg;

	if (nlh->nlmsg_type != m->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	/* Large (a rule and its answer): not on the stack of every call. */
	n = calloc(1, sizeof(*n));
	if (!n)
		mvmm_oom();
	n->cmd = gh->cmd;
	if (n->cmd <= MVMM_CMD_MAX)
		n->object = notif_objects[n->cmd];
	if (n->object != MVMM_NOTIF_UNKNOWN)
		parse_notif(nlh, n);
	m->fn(n, m->arg);
	free(n);
	return NL_OK;
}

int mvmm_ipc_monitor(mvmm_notification_fn fn, void *arg)
{
	struct monitor m = { .fn = fn, .arg = arg };
	struct mvmm_nl *nl;
	int ret;

	nl = mvmm_nl_open();
	if (!nl)
		return MVMM_EXIT_FAIL;
	m.family = mvmm_nl_family(nl);
	ret = mvmm_nl_join(nl, MVMM_GENL_MCGRP_EVENTS);
	if (!ret)
		ret = mvmm_nl_listen(nl, notif_msg, &m);
	mvmm_nl_close(nl);
	return ret;
}

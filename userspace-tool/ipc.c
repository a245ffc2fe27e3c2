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


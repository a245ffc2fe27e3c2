// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl rule: the policy tables, one per VM plus the default table that
 * VMs start from (grammar in rule_parse.h).
 *
 *   mvmmctl rule add TABLE RULE
 *   mvmmctl rule replace TABLE id N RULE
 *   mvmmctl rule del TABLE id N
 *   mvmmctl rule flush TABLE
 *   mvmmctl rule show TABLE
 *
 * "show" prints one line per rule, in id order, that is the TABLE and RULE
 * arguments of the "rule add" that makes the same rule:
 *
 *   vm 2 id 3 io port 0xe9 origin any mode sync handler debugcon fallback main
 *
 * and "add" prints the rule the module stored (its id included) the same
 * way. JSON (-j), kept stable; both print an array:
 *
 *   [ { "id": 3, "type": "io", "lo": 233, "hi": 233, "origin": "any",
 *       "mode": "sync", "fallback": "main", "target": "debugcon" } ]
 *
 * "type" is the event name, or its number (a JSON number) with -n; "lo"
 * and "hi" are 0 and 18446744073709551615 for a rule on a whole type;
 * "target" is "main" or a handler's name; a rule whose target is a group
 * (mvmmctl group) has "group": its name, instead of "target".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "nl.h"
#include "out.h"
#include "rule.h"
#include "rule_nl.h"
#include "rule_parse.h"

static int rule_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl rule add TABLE RULE\n"
	     "       mvmmctl rule replace TABLE id N RULE\n"
	     "       mvmmctl rule del TABLE id N\n"
	     "       mvmmctl rule flush TABLE\n"
	     "       mvmmctl rule show TABLE\n"
	     "       mvmmctl rule show -f [ TABLE ]\n"
	     "       mvmmctl rule help\n"
	     "TABLE := { vm ID | vm pid PID | default }\n"
	     "RULE := EVENT [ QUALIFIER RANGE ] [ origin { l1 | l2 | any } ]\n"
	     "        [ mode { sync | observe } ]\n"
	     "        { handler NAME | group NAME | main | answer ITEM... }\n"
	     "        [ fallback { main | deny } ] [ id N ]\n"
	     "EVENT := { TYPE | msr { read | write } [ RANGE ] }\n"
	     "RANGE := { N | N-M }\n"
	     "ITEM := { value N | ignore | REG N | REG and N [ or N ] | REG or N [ and N ] }\n"
	     "REG := { eax | ebx | ecx | edx }\n"
	     "TYPE is an event type name or number and QUALIFIER its first qualifier,\n"
	     "as \"mvmmctl events\" lists them: io port, msr-read index, cpuid leaf,\n"
	     "hypercall nr, exception vector, cr nr, mmio gpa, ... A TYPE without a\n"
	     "QUALIFIER means all its events. Numbers are decimal or 0x-prefixed hex,\n"
	     "ranges inclusive. Without \"id\", add lets the module pick the id.\n"
	     "Defaults: origin any, mode sync, fallback main.\n"
	     "\"answer\": mvmm completes the event itself with fixed results: value N\n"
	     "for a read (MSR read, IN, MMIO read, hypercall RAX), ignore for a write,\n"
	     "CPUID registers fixed or as KVM's value & and | or (N may be ~N).\n"
	     "\"default\" is the table VMs start from when mvmm first sees them.\n"
	     "Examples:\n"
	     "  mvmmctl rule add vm 3 io port 0xe9 handler debugcon fallback main\n"
	     "  mvmmctl rule add default cpuid leaf 0x40000000-0x400000ff handler cpuidsig\n"
	     "  mvmmctl rule add vm pid 1234 msr read 0xc0000080 mode observe handler debugcon\n"
	     "  mvmmctl rule add vm 3 cpuid leaf 1 answer ecx and ~0x80000000\n"
	     "  mvmmctl rule add vm 3 msr read 0x10 answer value 0x1234");
	return MVMM_EXIT_OK;
}

int mvmm_rule_table_id(const struct mvmm_table_sel *t, uint32_t *vm_id,
		       char *err, size_t errlen)
{
	struct mvmm_vms vms;
	int ret;

	*vm_id = 0;
	err[0] = '\0';
	if (t->is_default)
		return MVMM_EXIT_OK;
	if (t->vm.by == MVMM_VM_ID) {
		*vm_id = t->vm.id;
		return MVMM_EXIT_OK;
	}

	ret = mvmm_ipc_get_vms(&t->vm, false, &vms);
	if (ret)
		return ret;
	ret = MVMM_EXIT_FAIL;
	if (!vms.n)
		snprintf(err, errlen, "no VM created by pid %u", t->vm.pid);
	else if (vms.n > 1)
		snprintf(err, errlen, "pid %u created %d VMs; name one by id (mvmmctl vm list pid %u)",
			 t->vm.pid, vms.n, t->vm.pid);
	else
		ret = MVMM_EXIT_OK;
	if (!ret)
		*vm_id = vms.vm[0].id;
	mvmm_vms_free(&vms);
	return ret;
}

/* The VM id a table selector names (0: the default table). */
static int resolve_table(const struct mvmm_table_sel *t, uint32_t *vm_id)
{
	char err[MVMM_ERRLEN];
	int ret;

	ret = mvmm_rule_table_id(t, vm_id, err, sizeof(err));
	if (ret && err[0])
		mvmm_fail("%s", err);
	return ret;
}

static struct nl_msg *table_msg(struct mvmm_nl *nl, uint8_t cmd, int flags,
				uint32_t vm_id)
{
	struct nl_msg *msg = mvmm_nl_msg(nl, cmd, flags);
	int err;

	err = vm_id ? nla_put_u32(msg, MVMM_A_VM_ID, vm_id) :
		      nla_put_flag(msg, MVMM_A_DEFAULT);
	if (err)
		mvmm_oom();
	return msg;
}

/* MVMM_A_RULE with @r, or with only its id. */
void mvmm_rule_put(struct nl_msg *msg, const struct mvmm_rule_spec *r,
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
		      (r->has_answer ? mvmm_answer_put(msg, &r->answer) :
		       nla_put_string(msg, r->group ? MVMM_A_RULE_GROUP :
				      MVMM_A_RULE_TARGET, r->target));
	}
	if (err)
		mvmm_oom();
	nla_nest_end(msg, nest);
}

static struct nla_policy top_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID]		= { .type = NLA_U32 },
	[MVMM_A_DEFAULT]	= { .type = NLA_FLAG },
	[MVMM_A_RULE]		= { .type = NLA_NESTED },
};

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

struct rule_list {
	struct mvmm_nl *nl;
	struct mvmm_rule_spec *r;
	int n, cap;
};

int mvmm_rule_from_nl(struct nlattr *nest, struct mvmm_rule_spec *r,
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
		if (mvmm_answer_from_nl(rt[MVMM_A_RULE_ANSWER], &r->answer)) {
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

/* One MVMM_A_RULE reply (a dump part, or the answer to an add). */
static int rule_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct rule_list *l = arg;
	struct mvmm_rule_spec r;
	char why[160];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy);
	if (!err && !tb[MVMM_A_RULE])
		err = -NLE_MISSING_ATTR;
	if (err) {
		mvmm_nl_set_err(l->nl, "malformed rule in the reply from the kernel: %s",
				nl_geterror(err));
		return -EPROTO;
	}
	if (mvmm_rule_from_nl(tb[MVMM_A_RULE], &r, why, sizeof(why))) {
		mvmm_nl_set_err(l->nl, "%s", why);
		return -EPROTO;
	}

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		if (!l->r)
			mvmm_oom();
	}
	l->r[l->n++] = r;
	return 0;
}

/* A JSON string for a known enum value, else its number. */
static struct json_object *enum_json(const char *name, unsigned int v)
{
	return name ? mvmm_json_str(name) : mvmm_json_u64(v);
}

struct json_object *mvmm_rule_json(const struct mvmm_ctx *ctx,
				   const struct mvmm_rule_spec *r)
{
	struct json_object *o = mvmm_json_object();

	mvmm_json_add(o, "id", mvmm_json_u64(r->id));
	mvmm_json_add(o, "type", mvmm_type_json(ctx, r->type));
	mvmm_json_add(o, "lo", mvmm_json_u64(r->lo));
	mvmm_json_add(o, "hi", mvmm_json_u64(r->hi));
	mvmm_json_add(o, "origin",
		      enum_json(mvmm_origin_name(r->origin), r->origin));
	mvmm_json_add(o, "mode", enum_json(mvmm_mode_name(r->mode), r->mode));
	mvmm_json_add(o, "fallback",
		      enum_json(mvmm_fallback_name(r->fallback), r->fallback));
	if (r->has_answer) {
		mvmm_json_add(o, "target", mvmm_json_str("answer"));
		mvmm_json_add(o, "answer", mvmm_answer_json(&r->answer));
		return o;
	}
	mvmm_json_add(o, r->group ? "group" : "target",
		      mvmm_json_str(r->target));
	return o;
}

static void print_rules(const struct mvmm_ctx *ctx, uint32_t vm_id,
			const struct rule_list *l)
{
	struct json_object *arr;
	char table[32], line[512];
	int i;

	if (ctx->json) {
		arr = mvmm_json_array();
		for (i = 0; i < l->n; i++)
			mvmm_json_append(arr, mvmm_rule_json(ctx, &l->r[i]));
		mvmm_json_print(ctx, arr);
		return;
	}

	if (vm_id)
		snprintf(table, sizeof(table), "vm %u", vm_id);
	else
		snprintf(table, sizeof(table), "default");
	/* rule show -f: a policy file replaces the table (apply.c). */
	if (ctx->file)
		printf("flush %s\n", table);
	for (i = 0; i < l->n; i++) {
		mvmm_fmt_rule(&l->r[i], ctx->numeric, line, sizeof(line));
		printf("%s %s\n", table, line);
	}
}

/*
 * Send @cmd for the table @t names, with @r (whole, or only its id) unless
 * NULL. Replies (add, dump) are printed. Returns an exit status.
 */
static int rule_request(const struct mvmm_ctx *ctx, uint8_t cmd, int flags,
			const struct mvmm_table_sel *t,
			const struct mvmm_rule_spec *r, bool id_only)
{
	struct rule_list l = { 0 };
	struct nl_msg *msg;
	uint32_t vm_id;
	int ret;

	ret = resolve_table(t, &vm_id);
	if (ret)
		return ret;
	l.nl = mvmm_nl_open();
	if (!l.nl)
		return MVMM_EXIT_FAIL;

	msg = table_msg(l.nl, cmd, flags, vm_id);
	if (r)
		mvmm_rule_put(msg, r, id_only);
	ret = mvmm_nl_request(l.nl, msg, rule_reply, &l);
	/*
	 * NLM_F_DUMP_INTR: a table changed between two parts of the dump,
	 * which may mix both states. Nothing is printed; no retry either,
	 * so that a caller sees every interrupted dump (man page: EXIT
	 * STATUS).
	 */
	if (ret == -EAGAIN && cmd == MVMM_CMD_GET_RULE) {
		ret = mvmm_fail("the rules changed during the dump; try again");
		goto out;
	}
	if (ret) {
		ret = mvmm_nl_report(l.nl, ret);
		goto out;
	}
	if (cmd == MVMM_CMD_RULE_ADD && l.n != 1) {
		ret = mvmm_fail("the kernel stored the rule but replied with %d rules",
				l.n);
		goto out;
	}
	if (cmd == MVMM_CMD_RULE_ADD || cmd == MVMM_CMD_GET_RULE)
		print_rules(ctx, vm_id, &l);
	ret = MVMM_EXIT_OK;
out:
	free(l.r);
	mvmm_nl_close(l.nl);
	return ret;
}

/* TABLE at the start of @argv; the arguments used, or -1 after the error. */
static int table_arg(int argc, char **argv, struct mvmm_table_sel *t)
{
	char err[MVMM_ERRLEN];
	int used;

	used = mvmm_parse_table(argc, argv, t, err, sizeof(err));
	if (used < 0)
		mvmm_usage_err("rule", "%s", err);
	return used;
}

/* add and replace: TABLE RULE, where replace's RULE names its id. */
static int rule_set(const struct mvmm_ctx *ctx, int argc, char **argv,
		    uint8_t cmd)
{
	struct mvmm_table_sel t;
	struct mvmm_rule_spec r;
	char err[MVMM_ERRLEN];
	int used;

	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (mvmm_parse_rule(argc - used, argv + used, &r, err, sizeof(err)))
		return mvmm_usage_err("rule", "%s", err);
	if (cmd == MVMM_CMD_RULE_REPLACE && !r.id)
		return mvmm_usage_err("rule", "\"replace\" needs the id of the rule to replace (\"id N\")");
	return rule_request(ctx, cmd, 0, &t, &r, false);
}

static int rule_add(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return rule_set(ctx, argc, argv, MVMM_CMD_RULE_ADD);
}

static int rule_replace(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return rule_set(ctx, argc, argv, MVMM_CMD_RULE_REPLACE);
}

static int rule_del(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_rule_spec r = { 0 };
	struct mvmm_table_sel t;
	char err[MVMM_ERRLEN];
	int used;

	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (mvmm_parse_rule_id(argc - used, argv + used, &r.id, err, sizeof(err)))
		return mvmm_usage_err("rule", "%s", err);
	return rule_request(ctx, MVMM_CMD_RULE_DEL, 0, &t, &r, true);
}

/* flush and show: TABLE and nothing else. */
static int rule_table_only(const struct mvmm_ctx *ctx, int argc, char **argv,
			   uint8_t cmd, int flags)
{
	struct mvmm_table_sel t;
	int used;

	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (argc > used)
		return mvmm_usage_err("rule", "unexpected argument \"%s\"", argv[used]);
	return rule_request(ctx, cmd, flags, &t, NULL, false);
}

static int rule_flush(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return rule_table_only(ctx, argc, argv, MVMM_CMD_RULE_FLUSH, 0);
}

static int rule_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	if (argc && !strcmp(argv[0], "-f"))
		return mvmm_rule_show_file(ctx, argc - 1, argv + 1);
	return rule_table_only(ctx, argc, argv, MVMM_CMD_GET_RULE, NLM_F_DUMP);
}

int mvmm_rule_show_table(const struct mvmm_ctx *ctx,
			 const struct mvmm_table_sel *t)
{
	return rule_request(ctx, MVMM_CMD_GET_RULE, NLM_F_DUMP, t, NULL, false);
}

static const struct mvmmctl_cmd rule_cmds[] = {
	{ "show",	rule_show },
	{ "list",	rule_show },
	{ "add",	rule_add },
	{ "replace",	rule_replace },
	{ "del",	rule_del },
	{ "flush",	rule_flush },
	{ "help",	rule_help },
	{ NULL,		NULL },
};

int mvmm_rule_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "rule", rule_cmds, argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl group: groups of handlers, one member chosen per event by load
 * (uapi/linux/mvmm.h, "Groups"). A rule targets one with "group NAME".
 *
 *   mvmmctl group add NAME [ policy POLICY ] MEMBER...
 *   mvmmctl group set NAME [ policy POLICY ] MEMBER...
 *   mvmmctl group del NAME
 *   mvmmctl group show [NAME]
 *   mvmmctl group [list]
 *
 *   POLICY := { least-outstanding | ewma | weighted }
 *   MEMBER := member HANDLER [ weight N ]
 *
 * JSON (-j), kept stable; an array in group id order:
 *
 *   [ { "name": "uarts", "id": 0, "policy": "ewma", "no_member": 0,
 *       "members": [ { "name": "u1", "handler_id": 3, "weight": 1,
 *                      "usable": true, "chosen": 1200 } ] } ]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "nl.h"
#include "out.h"
#include "parse.h"
#include "rule_parse.h"

static const char *const policy_names[] = {
	[MVMM_GROUP_LEAST_OUTSTANDING] = "least-outstanding",
	[MVMM_GROUP_EWMA] = "ewma",
	[MVMM_GROUP_WEIGHTED] = "weighted",
	NULL,
};

struct member {
	char name[MVMM_TARGET_LEN];
	uint32_t weight, handler_id;
	uint64_t chosen;
	bool usable, has_weight;
};

struct group {
	char name[MVMM_TARGET_LEN];
	uint32_t id, policy, nr;
	uint64_t no_member;
	struct member m[MVMM_GROUP_MAX_MEMBERS];
};

/* ---- the command line ---------------------------------------------------- */

/* NAME [ policy P ] MEMBER...: 0, or -1 with a message in @err. */
static int parse_group(int argc, char **argv, struct group *g, char *err,
		       size_t errlen)
{
	static const char *const words[] = { "policy", "member", "weight", NULL };
	bool policy_seen = false;
	uint64_t v;
	int i, k;

	memset(g, 0, sizeof(*g));
	if (argc < 1) {
		snprintf(err, errlen, "missing group NAME");
		return -1;
	}
	/* "main" is refused by the kernel too: it reads as KVM in rules. */
	if (!mvmm_handler_name_ok(argv[0]) || !strcmp(argv[0], "main")) {
		snprintf(err, errlen, "invalid group name \"%s\" "
			 MVMM_HANDLER_NAME_HELP, argv[0]);
		return -1;
	}
	snprintf(g->name, sizeof(g->name), "%s", argv[0]);
	for (i = 1; i < argc; i += 2) {
		k = mvmm_match_err(argv[i], words, "keyword", err, errlen);
		if (k < 0)
			return -1;
		if (i + 1 >= argc) {
			snprintf(err, errlen, "\"%s\" needs a value", words[k]);
			return -1;
		}
		switch (k) {
		case 0:
			if (policy_seen) {
				snprintf(err, errlen, "\"policy\" given twice");
				return -1;
			}
			policy_seen = true;
			k = mvmm_match(argv[i + 1], policy_names);
			if (k < 0) {
				snprintf(err, errlen, "invalid policy \"%s\" (expected least-outstanding, ewma or weighted)",
					 argv[i + 1]);
				return -1;
			}
			g->policy = k;
			break;
		case 1:
			if (g->nr == MVMM_GROUP_MAX_MEMBERS) {
				snprintf(err, errlen, "too many members (at most %d)",
					 MVMM_GROUP_MAX_MEMBERS);
				return -1;
			}
			if (!mvmm_handler_name_ok(argv[i + 1])) {
				snprintf(err, errlen, "invalid handler name \"%s\" "
					 MVMM_HANDLER_NAME_HELP, argv[i + 1]);
				return -1;
			}
			snprintf(g->m[g->nr].name, sizeof(g->m[0].name), "%s",
				 argv[i + 1]);
			g->m[g->nr++].weight = 1;
			break;
		default:
			if (!g->nr || g->m[g->nr - 1].has_weight) {
				snprintf(err, errlen, "\"weight\" belongs after \"member HANDLER\", once");
				return -1;
			}
			if (mvmm_parse_num(argv[i + 1], "weight", 1,
					   MVMM_GROUP_WEIGHT_MAX, &v, err, errlen))
				return -1;
			g->m[g->nr - 1].weight = v;
			g->m[g->nr - 1].has_weight = true;
			break;
		}
	}
	if (!g->nr) {
		snprintf(err, errlen, "a group needs at least one \"member HANDLER\"");
		return -1;
	}
	return 0;
}

/* ---- netlink --------------------------------------------------------------- */

struct group_list {
	struct mvmm_nl *nl;
	struct group *g;
	int n, cap;
};

static struct nla_policy top_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_GROUP]	= { .type = NLA_NESTED },
};

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

static int parse_member(struct nlattr *a, struct member *m)
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

static int group_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1], *gt[MVMM_A_GROUP_MAX + 1], *a;
	struct group_list *l = arg;
	struct group g = { 0 };
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
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->g = realloc(l->g, l->cap * sizeof(*l->g));
		if (!l->g)
			mvmm_oom();
	}
	l->g[l->n++] = g;
	return 0;
bad:
	mvmm_nl_set_err(l->nl, "malformed group in the reply from the kernel");
	return -EPROTO;
}

/* MVMM_A_GROUP with @g's name, and with the rest unless @name_only. */
static void put_group(struct nl_msg *msg, const struct group *g,
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

/* Send @cmd (with @g, or a dump without); replies in @l. */
static int group_request(struct group_list *l, uint8_t cmd, int flags,
			 const struct group *g, bool name_only)
{
	struct nl_msg *msg;
	int ret;

	l->nl = mvmm_nl_open();
	if (!l->nl)
		return MVMM_EXIT_FAIL;
	msg = mvmm_nl_msg(l->nl, cmd, flags);
	if (g)
		put_group(msg, g, name_only);
	ret = mvmm_nl_request(l->nl, msg, group_reply, l);
	if (ret)
		ret = mvmm_nl_report(l->nl, ret);
	return ret;
}

static void group_list_free(struct group_list *l)
{
	free(l->g);
	if (l->nl)
		mvmm_nl_close(l->nl);
}

/* ---- output ---------------------------------------------------------------- */

static const char *policy_str(uint32_t p, char *buf, size_t len)
{
	if (p < ARRAY_SIZE(policy_names) - 1)
		return policy_names[p];
	snprintf(buf, len, "%u", p);
	return buf;
}

static struct json_object *jbool(bool v)
{
	struct json_object *b = json_object_new_boolean(v);

	if (!b)
		mvmm_oom();
	return b;
}

static void print_json(const struct mvmm_ctx *ctx, const struct group_list *l)
{
	struct json_object *arr = mvmm_json_array(), *o, *ms, *m;
	char buf[16];
	int i;
	uint32_t k;

	for (i = 0; i < l->n; i++) {
		const struct group *g = &l->g[i];

		o = mvmm_json_object();
		mvmm_json_add(o, "name", mvmm_json_str(g->name));
		mvmm_json_add(o, "id", mvmm_json_u64(g->id));
		mvmm_json_add(o, "policy",
			      mvmm_json_str(policy_str(g->policy, buf, sizeof(buf))));
		mvmm_json_add(o, "no_member", mvmm_json_u64(g->no_member));
		ms = mvmm_json_array();
		for (k = 0; k < g->nr; k++) {
			m = mvmm_json_object();
			mvmm_json_add(m, "name", mvmm_json_str(g->m[k].name));
			mvmm_json_add(m, "handler_id",
				      mvmm_json_u64(g->m[k].handler_id));
			mvmm_json_add(m, "weight", mvmm_json_u64(g->m[k].weight));
			mvmm_json_add(m, "usable", jbool(g->m[k].usable));
			mvmm_json_add(m, "chosen", mvmm_json_u64(g->m[k].chosen));
			mvmm_json_append(ms, m);
		}
		mvmm_json_add(o, "members", ms);
		mvmm_json_append(arr, o);
	}
	mvmm_json_print(ctx, arr);
}

static void print_list(const struct group_list *l)
{
	struct mvmm_table *t = mvmm_table_new(5);
	char buf[16], members[MVMM_GROUP_MAX_MEMBERS * (MVMM_TARGET_LEN + 1)];
	size_t off;
	uint32_t k;
	int i;

	mvmm_table_col(t, 0, "NAME", 0);
	mvmm_table_col(t, 1, "ID", MVMM_COL_RIGHT);
	mvmm_table_col(t, 2, "POLICY", 0);
	mvmm_table_col(t, 3, "NO-MEMBER", MVMM_COL_RIGHT);
	mvmm_table_col(t, 4, "MEMBERS", 0);
	for (i = 0; i < l->n; i++) {
		const struct group *g = &l->g[i];

		members[0] = '\0';
		for (k = 0, off = 0; k < g->nr && off < sizeof(members); k++)
			off += snprintf(members + off, sizeof(members) - off,
					"%s%s", k ? "," : "", g->m[k].name);
		mvmm_table_add(t, "%s", g->name);
		mvmm_table_add(t, "%u", g->id);
		mvmm_table_add(t, "%s", policy_str(g->policy, buf, sizeof(buf)));
		mvmm_table_add(t, "%llu", (unsigned long long)g->no_member);
		mvmm_table_add(t, "%s", members);
	}
	mvmm_table_print(t, stdout, "");
	mvmm_table_free(t);
}

/* One block per group: its line, then a table of its members. */
static void print_show(const struct group_list *l)
{
	struct mvmm_table *t;
	char buf[16];
	uint32_t k;
	int i;

	for (i = 0; i < l->n; i++) {
		const struct group *g = &l->g[i];

		printf("%sgroup %s id %u policy %s no-member %llu\n",
		       i ? "\n" : "", g->name, g->id,
		       policy_str(g->policy, buf, sizeof(buf)),
		       (unsigned long long)g->no_member);
		t = mvmm_table_new(5);
		mvmm_table_col(t, 0, "MEMBER", 0);
		mvmm_table_col(t, 1, "HANDLER-ID", MVMM_COL_RIGHT);
		mvmm_table_col(t, 2, "WEIGHT", MVMM_COL_RIGHT);
		mvmm_table_col(t, 3, "USABLE", 0);
		mvmm_table_col(t, 4, "CHOSEN", MVMM_COL_RIGHT);
		for (k = 0; k < g->nr; k++) {
			mvmm_table_add(t, "%s", g->m[k].name);
			mvmm_table_add(t, "%u", g->m[k].handler_id);
			mvmm_table_add(t, "%u", g->m[k].weight);
			mvmm_table_add(t, "%s", g->m[k].usable ? "yes" : "no");
			mvmm_table_add(t, "%llu",
				       (unsigned long long)g->m[k].chosen);
		}
		mvmm_table_print(t, stdout, "  ");
		mvmm_table_free(t);
	}
}

/* ---- commands -------------------------------------------------------------- */

static int group_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl group add NAME [ policy POLICY ] MEMBER...\n"
	     "       mvmmctl group set NAME [ policy POLICY ] MEMBER...\n"
	     "       mvmmctl group del NAME\n"
	     "       mvmmctl group show [NAME]\n"
	     "       mvmmctl group [list]\n"
	     "       mvmmctl group help\n"
	     "POLICY := { least-outstanding | ewma | weighted }\n"
	     "MEMBER := member HANDLER [ weight N ]\n"
	     "A group of 1-16 handlers (kernel or userspace) that rules can target with\n"
	     "\"group NAME\": each event goes to one member, chosen by the policy:\n"
	     "  least-outstanding  fewest events waiting on it (default)\n"
	     "  ewma               lowest recent service time\n"
	     "  weighted           weighted round robin, weight 1-255 (default 1)\n"
	     "A member without a handler attached, or that timed out in the last\n"
	     "second, is left out; with no usable member the rule's fallback applies\n"
	     "(NO-MEMBER counts those events). \"set\" replaces policy and members.\n"
	     "Deleting a group its rules still name makes them fall back.\n"
	     "CHOSEN: events each member was chosen for since the group was set.\n"
	     "Example:\n"
	     "  mvmmctl group add uarts policy ewma member uart-a member uart-b\n"
	     "  mvmmctl rule add vm 1 io port 0x3f8-0x3ff group uarts");
	return MVMM_EXIT_OK;
}

static int group_change(int argc, char **argv, uint8_t cmd)
{
	struct group_list l = { 0 };
	char err[MVMM_ERRLEN];
	struct group g;
	int ret;

	if (parse_group(argc, argv, &g, err, sizeof(err)))
		return mvmm_usage_err("group", "%s", err);
	ret = group_request(&l, cmd, 0, &g, false);
	group_list_free(&l);
	return ret;
}

static int group_add(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return group_change(argc, argv, MVMM_CMD_GROUP_ADD);
}

static int group_set(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return group_change(argc, argv, MVMM_CMD_GROUP_SET);
}

static int group_del(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct group_list l = { 0 };
	struct group g = { 0 };
	int ret;

	(void)ctx;
	if (argc < 1)
		return mvmm_usage_err("group", "missing group NAME");
	if (argc > 1)
		return mvmm_usage_err("group", "unexpected argument \"%s\"", argv[1]);
	if (!mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("group", "invalid group name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	snprintf(g.name, sizeof(g.name), "%s", argv[0]);
	ret = group_request(&l, MVMM_CMD_GROUP_DEL, 0, &g, true);
	group_list_free(&l);
	return ret;
}

static int group_get(const struct mvmm_ctx *ctx, int argc, char **argv,
		     bool detail)
{
	struct group_list l = { 0 };
	struct group g = { 0 };
	int ret;

	if (argc > 1 || (argc && !detail))
		return mvmm_usage_err("group", "unexpected argument \"%s\"",
				      argv[argc - 1]);
	if (argc && !mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("group", "invalid group name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	if (argc)
		snprintf(g.name, sizeof(g.name), "%s", argv[0]);
	ret = group_request(&l, MVMM_CMD_GET_GROUP, argc ? 0 : NLM_F_DUMP,
			    argc ? &g : NULL, true);
	if (!ret) {
		if (ctx->json)
			print_json(ctx, &l);
		else if (detail)
			print_show(&l);
		else
			print_list(&l);
	}
	group_list_free(&l);
	return ret;
}

static int group_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return group_get(ctx, argc, argv, false);
}

static int group_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return group_get(ctx, argc, argv, true);
}

static const struct mvmmctl_cmd group_cmds[] = {
	{ "list",	group_list },
	{ "add",	group_add },
	{ "set",	group_set },
	{ "del",	group_del },
	{ "show",	group_show },
	{ "help",	group_help },
	{ NULL,		NULL },
};

int mvmm_group_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "group", group_cmds, argc, argv);
}

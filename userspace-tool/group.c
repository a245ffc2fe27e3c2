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
#include <stdio.h>
#include <string.h>

#include <linux/mvmm.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "out.h"
#include "parse.h"
#include "print.h"
#include "rule_parse.h"

static const char *const policy_names[] = {
	[MVMM_GROUP_LEAST_OUTSTANDING] = "least-outstanding",
	[MVMM_GROUP_EWMA] = "ewma",
	[MVMM_GROUP_WEIGHTED] = "weighted",
	NULL,
};

/* ---- the command line ---------------------------------------------------- */

/* NAME [ policy P ] MEMBER...: 0, or -1 with a message in @err. */
static int parse_group(int argc, char **argv, struct mvmm_group_info *g, char *err,
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

/* ---- output ---------------------------------------------------------------- */

static const char *policy_str(uint32_t p, char *buf, size_t len)
{
	if (p < ARRAY_SIZE(policy_names) - 1)
		return policy_names[p];
	snprintf(buf, len, "%u", p);
	return buf;
}

static const struct print_col group_cols[] = {
	{ "name",	"NAME",		0 },
	{ "id",		"ID",		MVMM_COL_RIGHT },
	{ "policy",	"POLICY",	0 },
	{ "no_member",	"NO-MEMBER",	MVMM_COL_RIGHT },
	{ "members",	"MEMBERS",	0 },
};

static const struct print_col member_cols[] = {
	{ "name",	"MEMBER",	0 },
	{ "handler_id",	"HANDLER-ID",	MVMM_COL_RIGHT },
	{ "weight",	"WEIGHT",	MVMM_COL_RIGHT },
	{ "usable",	"USABLE",	0 },
	{ "chosen",	"CHOSEN",	MVMM_COL_RIGHT },
};

static void print_member(const struct mvmm_group_member *m)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%s", m->name);
	print_uint(PRINT_ANY, "handler_id", "%u", m->handler_id);
	print_uint(PRINT_ANY, "weight", "%u", m->weight);
	print_bool(PRINT_ANY, "usable", "%s", m->usable);
	print_u64(PRINT_ANY, "chosen", "%llu", m->chosen);
	close_json_object();
}

/*
 * One group: a row of the "group list" table, its members' names in one
 * cell; or with @block ("group show") its line and a table of members.
 */
static void print_group(const struct mvmm_group_info *g, bool block)
{
	char buf[16], names[MVMM_GROUP_MAX_MEMBERS * (MVMM_TARGET_LEN + 1)];
	size_t off = 0;
	uint32_t k;

	open_json_object(NULL);
	print_string(PRINT_ANY, "name", block ? "group %s" : "%s", g->name);
	print_uint(PRINT_ANY, "id", block ? " id %u" : "%u", g->id);
	print_string(PRINT_ANY, "policy", block ? " policy %s" : "%s",
		     policy_str(g->policy, buf, sizeof(buf)));
	print_u64(PRINT_ANY, "no_member", block ? " no-member %llu\n" : "%llu",
		  g->no_member);
	open_json_array("members");
	if (block)
		print_table_open(member_cols, ARRAY_SIZE(member_cols), "  ");
	for (k = 0; k < g->nr; k++) {
		/* The list's text has the names only, in one cell. */
		if (block || is_json_context())
			print_member(&g->m[k]);
		mvmm_buf_append(names, sizeof(names), &off, "%s%s",
				k ? "," : "", g->m[k].name);
	}
	if (block)
		print_table_close();
	close_json_array();
	if (!block)
		print_string(PRINT_FP, "members", "%s", off ? names : "");
	close_json_object();
}

static void print_groups(const struct mvmm_ctx *ctx,
			 const struct mvmm_groups *l, bool block)
{
	int i;

	print_start(ctx);
	open_json_array(NULL);
	if (!block)
		print_table_open(group_cols, ARRAY_SIZE(group_cols), "");
	for (i = 0; i < l->n; i++) {
		if (block && i)
			print_string(PRINT_FP, NULL, "%s", "\n");
		print_group(&l->g[i], block);
	}
	if (!block)
		print_table_close();
	close_json_array();
	print_end();
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

static int group_change(int argc, char **argv, bool replace)
{
	struct mvmm_group_info g;
	char err[MVMM_ERRLEN];

	if (parse_group(argc, argv, &g, err, sizeof(err)))
		return mvmm_usage_err("group", "%s", err);
	return mvmm_ipc_set_group(&g, replace);
}

static int group_add(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return group_change(argc, argv, false);
}

static int group_set(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return group_change(argc, argv, true);
}

static int group_del(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc < 1)
		return mvmm_usage_err("group", "missing group NAME");
	if (argc > 1)
		return mvmm_usage_err("group", "unexpected argument \"%s\"", argv[1]);
	if (!mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("group", "invalid group name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	return mvmm_ipc_del_group(argv[0]);
}

static int group_get(const struct mvmm_ctx *ctx, int argc, char **argv,
		     bool detail)
{
	struct mvmm_groups l;
	int ret;

	if (argc > 1 || (argc && !detail))
		return mvmm_usage_err("group", "unexpected argument \"%s\"",
				      argv[argc - 1]);
	if (argc && !mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("group", "invalid group name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	ret = mvmm_ipc_get_groups(argc ? argv[0] : NULL, &l);
	if (!ret)
		print_groups(ctx, &l, detail);
	mvmm_groups_free(&l);
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

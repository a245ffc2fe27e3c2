// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl monitor: print the notifications of the mvmm family's "events"
 * multicast group (uapi/linux/mvmm.h, "Notifications") as they come, one
 * line each, until killed:
 *
 *   rule add vm 2 id 3 io port 0xe9 origin any mode sync handler debugcon fallback main
 *   rule replace default id 4 ...
 *   rule del vm 2 id 3 ...           (the rule as it was)
 *   rule flush vm 2
 *   rule apply default               (a policy file replaced the table)
 *   handler attach debugcon id 0 kernel
 *   handler attach uart id 1 user pid 812 vm 2
 *   handler detach uart id 1 user pid 812 vm 2
 *   vm new 3 pid 901 comm qemu-system-x86
 *   vm del 3 pid 901 comm qemu-system-x86
 *
 * With -j, one JSON object per line (JSON lines; -p is ignored):
 *
 *   {"object":"rule","action":"add","table":"vm","vm":2,"rule":{...}}
 *   {"object":"rule","action":"flush","table":"default"}
 *   {"object":"handler","action":"attach","name":"uart","id":1,
 *    "user":true,"pid":812,"vm":2}
 *   {"object":"vm","action":"new","id":3,"pid":901,"comm":"qemu"}
 *
 * where "rule" is an object of "mvmmctl -j rule show". Arguments choose
 * the objects to show: "mvmmctl monitor rule vm" (default: all).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "out.h"
#include "parse.h"
#include "rule_nl.h"

enum { MON_RULE = 1, MON_HANDLER = 2, MON_VM = 4, MON_ALL = 7 };

struct monitor {
	const struct mvmm_ctx *ctx;
	int family;
	unsigned int show;	/* MON_* */
	int err;		/* exit status once set */
};

static struct nla_policy mon_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID]		= { .type = NLA_U32 },
	[MVMM_A_VM_PID]		= { .type = NLA_U32 },
	[MVMM_A_VM_COMM]	= { .type = NLA_STRING },
	[MVMM_A_DEFAULT]	= { .type = NLA_FLAG },
	[MVMM_A_RULE]		= { .type = NLA_NESTED },
	[MVMM_A_HANDLER]	= { .type = NLA_NESTED },
};

static struct nla_policy mon_handler_policy[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME]	= { .type = NLA_STRING },
	[MVMM_A_HANDLER_ID]	= { .type = NLA_U32 },
	[MVMM_A_HANDLER_USER]	= { .type = NLA_FLAG },
	[MVMM_A_HANDLER_PID]	= { .type = NLA_U32 },
	[MVMM_A_HANDLER_VM_ID]	= { .type = NLA_U32 },
};

static int monitor_help(void)
{
	puts("Usage: mvmmctl monitor [ OBJECT ... ]\n"
	     "       mvmmctl monitor help\n"
	     "OBJECT := { rule | handler | vm | all }\n"
	     "Prints a line for each rule change (add, replace, del, flush, apply),\n"
	     "handler attach and detach, and VM seen first or destroyed, until killed.\n"
	     "With -j each line is a JSON object. Default: all objects.\n"
	     "Needs CAP_NET_ADMIN.");
	return MVMM_EXIT_OK;
}

static void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static struct json_object *event_json(const char *object, const char *action)
{
	struct json_object *o = mvmm_json_object();

	mvmm_json_add(o, "object", mvmm_json_str(object));
	mvmm_json_add(o, "action", mvmm_json_str(action));
	return o;
}

static const char *nla_str(struct nlattr *a)
{
	/* NLA_STRING with a NUL somewhere in it, checked by the caller. */
	return a ? nla_data(a) : "?";
}

/* A string attribute is NUL-terminated within its payload. */
static bool str_ok(struct nlattr *a)
{
	return !a || (nla_len(a) > 0 &&
		      memchr(nla_data(a), '\0', nla_len(a)) != NULL);
}

static int show_rule(struct monitor *m, const char *action,
		     struct nlattr **tb)
{
	struct mvmm_rule_spec r;
	struct json_object *o;
	char table[32], line[512], why[160];
	uint32_t vm = tb[MVMM_A_VM_ID] ? nla_get_u32(tb[MVMM_A_VM_ID]) : 0;

	if (!vm && !tb[MVMM_A_DEFAULT]) {
		fprintf(stderr, "Warning: rule notification without a table\n");
		return 0;
	}
	if (tb[MVMM_A_RULE] &&
	    mvmm_rule_from_nl(tb[MVMM_A_RULE], &r, why, sizeof(why))) {
		fprintf(stderr, "Warning: %s\n", why);
		return 0;
	}

	if (m->ctx->json) {
		o = event_json("rule", action);
		mvmm_json_add(o, "table", mvmm_json_str(vm ? "vm" : "default"));
		if (vm)
			mvmm_json_add(o, "vm", mvmm_json_u64(vm));
		if (tb[MVMM_A_RULE])
			mvmm_json_add(o, "rule", mvmm_rule_json(m->ctx, &r));
		print_json(o);
		return 0;
	}
	if (vm)
		snprintf(table, sizeof(table), "vm %u", vm);
	else
		snprintf(table, sizeof(table), "default");
	if (tb[MVMM_A_RULE]) {
		mvmm_fmt_rule(&r, m->ctx->numeric, line, sizeof(line));
		printf("rule %s %s %s\n", action, table, line);
	} else {
		printf("rule %s %s\n", action, table);
	}
	return 0;
}

static int show_handler(struct monitor *m, const char *action,
			struct nlattr **tb)
{
	struct nlattr *ht[MVMM_A_HANDLER_MAX + 1];
	struct json_object *o;
	bool user;

	if (!tb[MVMM_A_HANDLER] ||
	    nla_parse_nested(ht, MVMM_A_HANDLER_MAX, tb[MVMM_A_HANDLER],
			     mon_handler_policy) ||
	    !ht[MVMM_A_HANDLER_NAME] || !ht[MVMM_A_HANDLER_ID] ||
	    !str_ok(ht[MVMM_A_HANDLER_NAME])) {
		fprintf(stderr, "Warning: malformed handler notification\n");
		return 0;
	}
	user = ht[MVMM_A_HANDLER_USER] && ht[MVMM_A_HANDLER_PID] &&
	       ht[MVMM_A_HANDLER_VM_ID];

	if (m->ctx->json) {
		o = event_json("handler", action);
		mvmm_json_add(o, "name", mvmm_json_str(nla_str(ht[MVMM_A_HANDLER_NAME])));
		mvmm_json_add(o, "id", mvmm_json_u64(nla_get_u32(ht[MVMM_A_HANDLER_ID])));
		mvmm_json_add(o, "user", json_object_new_boolean(user));
		if (user) {
			mvmm_json_add(o, "pid",
				      mvmm_json_u64(nla_get_u32(ht[MVMM_A_HANDLER_PID])));
			mvmm_json_add(o, "vm",
				      mvmm_json_u64(nla_get_u32(ht[MVMM_A_HANDLER_VM_ID])));
		}
		print_json(o);
		return 0;
	}
	printf("handler %s %s id %u", action, nla_str(ht[MVMM_A_HANDLER_NAME]),
	       nla_get_u32(ht[MVMM_A_HANDLER_ID]));
	if (user)
		printf(" user pid %u vm %u\n", nla_get_u32(ht[MVMM_A_HANDLER_PID]),
		       nla_get_u32(ht[MVMM_A_HANDLER_VM_ID]));
	else
		printf(" kernel\n");
	return 0;
}

static int show_vm(struct monitor *m, const char *action, struct nlattr **tb)
{
	struct json_object *o;

	if (!tb[MVMM_A_VM_ID] || !tb[MVMM_A_VM_PID] ||
	    !str_ok(tb[MVMM_A_VM_COMM])) {
		fprintf(stderr, "Warning: malformed VM notification\n");
		return 0;
	}
	if (m->ctx->json) {
		o = event_json("vm", action);
		mvmm_json_add(o, "id", mvmm_json_u64(nla_get_u32(tb[MVMM_A_VM_ID])));
		mvmm_json_add(o, "pid", mvmm_json_u64(nla_get_u32(tb[MVMM_A_VM_PID])));
		mvmm_json_add(o, "comm", mvmm_json_str(nla_str(tb[MVMM_A_VM_COMM])));
		print_json(o);
		return 0;
	}
	printf("vm %s %u pid %u comm %s\n", action, nla_get_u32(tb[MVMM_A_VM_ID]),
	       nla_get_u32(tb[MVMM_A_VM_PID]), nla_str(tb[MVMM_A_VM_COMM]));
	return 0;
}

static const struct {
	unsigned int what;	/* MON_* */
	const char *action;
	int (*show)(struct monitor *m, const char *action, struct nlattr **tb);
} mon_cmds[MVMM_CMD_MAX + 1] = {
	[MVMM_CMD_RULE_ADD]		= { MON_RULE, "add", show_rule },
	[MVMM_CMD_RULE_REPLACE]		= { MON_RULE, "replace", show_rule },
	[MVMM_CMD_RULE_DEL]		= { MON_RULE, "del", show_rule },
	[MVMM_CMD_RULE_FLUSH]		= { MON_RULE, "flush", show_rule },
	[MVMM_CMD_RULE_APPLY]		= { MON_RULE, "apply", show_rule },
	[MVMM_CMD_HANDLER_ATTACH]	= { MON_HANDLER, "attach", show_handler },
	[MVMM_CMD_HANDLER_DETACH]	= { MON_HANDLER, "detach", show_handler },
	[MVMM_CMD_VM_NEW]		= { MON_VM, "new", show_vm },
	[MVMM_CMD_VM_DEL]		= { MON_VM, "del", show_vm },
};

static int monitor_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct monitor *m = arg;
	unsigned int cmd;

	if (nlh->nlmsg_type != m->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	cmd = gh->cmd;
	if (cmd > MVMM_CMD_MAX || !mon_cmds[cmd].show) {
		/* A newer module: say so rather than drop it silently. */
		if (m->ctx->json) {
			struct json_object *o = event_json("unknown", "unknown");

			mvmm_json_add(o, "cmd", mvmm_json_u64(cmd));
			print_json(o);
		} else {
			printf("unknown notification (command %u)\n", cmd);
		}
		return NL_OK;
	}
	if (!(mon_cmds[cmd].what & m->show))
		return NL_OK;
	if (genlmsg_parse(nlh, 0, tb, MVMM_A_MAX, mon_policy)) {
		fprintf(stderr, "Warning: malformed notification (command %u)\n", cmd);
		return NL_OK;
	}
	mon_cmds[cmd].show(m, mon_cmds[cmd].action, tb);
	return NL_OK;
}

static int parse_objects(int argc, char **argv, unsigned int *show)
{
	static const char *const names[] = { "rule", "handler", "vm", "all",
					     "help", NULL };
	static const unsigned int bits[] = { MON_RULE, MON_HANDLER, MON_VM,
					     MON_ALL };
	char err[MVMM_ERRLEN];
	int i, idx;

	*show = argc ? 0 : MON_ALL;
	for (i = 0; i < argc; i++) {
		idx = mvmm_match_err(argv[i], names, "object", err, sizeof(err));
		if (idx < 0)
			return mvmm_usage_err("monitor", "%s", err);
		if (!names[idx + 1]) {
			if (argc > 1)
				return mvmm_usage_err("monitor",
						      "\"help\" takes no other argument");
			return -1;
		}
		*show |= bits[idx];
	}
	return 0;
}

int mvmm_monitor_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct monitor m = { .ctx = ctx };
	struct nl_sock *sk;
	int grp, ret;

	ret = parse_objects(argc, argv, &m.show);
	if (ret < 0)
		return monitor_help();
	if (ret)
		return ret;

	sk = nl_socket_alloc();
	if (!sk)
		mvmm_oom();
	ret = genl_connect(sk);
	if (ret) {
		ret = mvmm_fail("cannot open a generic netlink socket: %s",
				nl_geterror(ret));
		goto out;
	}
	m.family = genl_ctrl_resolve(sk, MVMM_GENL_NAME);
	if (m.family == -NLE_OBJ_NOTFOUND) {
		ret = mvmm_fail("generic netlink family \"%s\" not found (is mvmm.ko loaded?)",
				MVMM_GENL_NAME);
		goto out;
	}
	grp = m.family < 0 ? m.family :
	      genl_ctrl_resolve_grp(sk, MVMM_GENL_NAME, MVMM_GENL_MCGRP_EVENTS);
	if (grp == -NLE_OBJ_NOTFOUND) {
		ret = mvmm_fail("generic netlink family \"%s\" has no group \"%s\" (an older mvmm.ko?)",
				MVMM_GENL_NAME, MVMM_GENL_MCGRP_EVENTS);
		goto out;
	}
	if (grp < 0) {
		ret = mvmm_fail("cannot resolve generic netlink family \"%s\": %s",
				MVMM_GENL_NAME, nl_geterror(grp));
		goto out;
	}
	ret = nl_socket_add_membership(sk, grp);
	/* The kernel's EPERM says no more: the group needs the capability. */
	if (ret == -NLE_PERM) {
		ret = mvmm_fail("cannot join the \"%s\" group: CAP_NET_ADMIN required",
				MVMM_GENL_MCGRP_EVENTS);
		goto out;
	}
	if (ret) {
		ret = mvmm_fail("cannot join the \"%s\" group: %s",
				MVMM_GENL_MCGRP_EVENTS, nl_geterror(ret));
		goto out;
	}
	/* Bursts (a VM's rules flushed, many VMs) should not overrun us. */
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_msg, &m);
	/* Each line as it happens, also into a pipe or a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (;;) {
		ret = nl_recvmsgs_default(sk);
		if (ret >= 0 || ret == -NLE_INTR || ret == -NLE_AGAIN)
			continue;
		/* ENOBUFS: our buffer overran, or the module lost some. */
		if (ret == -NLE_NOMEM) {
			fprintf(stderr, "Warning: notifications were lost\n");
			continue;
		}
		ret = mvmm_fail("netlink: %s", nl_geterror(ret));
		break;
	}
out:
	nl_socket_free(sk);
	return ret;
}

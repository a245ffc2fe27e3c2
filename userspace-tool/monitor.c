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
#include <stdio.h>

#include <linux/mvmm.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "parse.h"
#include "print.h"
#include "rule.h"

enum { MON_RULE = 1, MON_HANDLER = 2, MON_VM = 4, MON_ALL = 7 };

struct monitor {
	struct mvmm_ctx ctx;	/* the caller's, without -p */
	unsigned int show;	/* MON_* */
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

static const char *const actions[MVMM_CMD_MAX + 1] = {
	[MVMM_CMD_RULE_ADD]		= "add",
	[MVMM_CMD_RULE_REPLACE]		= "replace",
	[MVMM_CMD_RULE_DEL]		= "del",
	[MVMM_CMD_RULE_FLUSH]		= "flush",
	[MVMM_CMD_RULE_APPLY]		= "apply",
	[MVMM_CMD_HANDLER_ATTACH]	= "attach",
	[MVMM_CMD_HANDLER_DETACH]	= "detach",
	[MVMM_CMD_VM_NEW]		= "new",
	[MVMM_CMD_VM_DEL]		= "del",
};

static void show_rule(const struct monitor *m,
		      const struct mvmm_notification *n)
{
	print_string(PRINT_JSON, "table", NULL, n->vm_id ? "vm" : "default");
	if (n->vm_id)
		print_uint(PRINT_ANY, "vm", " vm %u", n->vm_id);
	else
		print_string(PRINT_FP, NULL, "%s", " default");
	if (n->has_rule)
		mvmm_print_rule(&m->ctx, "rule", " %s", &n->rule);
}

static void show_handler(const struct mvmm_notification *n)
{
	print_string(PRINT_ANY, "name", " %s", n->name);
	print_uint(PRINT_ANY, "id", " id %u", n->id);
	print_bool(PRINT_JSON, "user", NULL, n->user);
	if (n->user) {
		print_uint(PRINT_ANY, "pid", " user pid %u", n->pid);
		print_uint(PRINT_ANY, "vm", " vm %u", n->vm);
	} else {
		print_string(PRINT_FP, NULL, "%s", " kernel");
	}
}

static void show_vm(const struct mvmm_notification *n)
{
	print_uint(PRINT_ANY, "id", " %u", n->vm_info.id);
	print_uint(PRINT_ANY, "pid", " pid %u", n->vm_info.pid);
	print_string(PRINT_ANY, "comm", " comm %s", n->vm_info.comm);
}

/* A line of text, or a JSON object on one line (JSON lines). */
static void show(const struct mvmm_notification *n, void *arg)
{
	static const char *const objects[] = {
		[MVMM_NOTIF_RULE] = "rule",
		[MVMM_NOTIF_HANDLER] = "handler",
		[MVMM_NOTIF_VM] = "vm",
	};
	static const unsigned int bits[] = {
		[MVMM_NOTIF_RULE] = MON_RULE,
		[MVMM_NOTIF_HANDLER] = MON_HANDLER,
		[MVMM_NOTIF_VM] = MON_VM,
	};
	const struct monitor *m = arg;

	if (n->object != MVMM_NOTIF_UNKNOWN && !(bits[n->object] & m->show))
		return;
	if (n->bad[0]) {
		fprintf(stderr, "Warning: %s\n", n->bad);
		return;
	}
	print_start(&m->ctx);
	open_json_object(NULL);
	if (n->object == MVMM_NOTIF_UNKNOWN) {
		/* A newer module: say so rather than drop it silently. */
		print_string(PRINT_JSON, "object", NULL, "unknown");
		print_string(PRINT_JSON, "action", NULL, "unknown");
		print_uint(PRINT_ANY, "cmd", "unknown notification (command %u)\n",
			   n->cmd);
	} else {
		print_string(PRINT_ANY, "object", "%s", objects[n->object]);
		print_string(PRINT_ANY, "action", " %s", actions[n->cmd]);
		if (n->object == MVMM_NOTIF_RULE)
			show_rule(m, n);
		else if (n->object == MVMM_NOTIF_HANDLER)
			show_handler(n);
		else
			show_vm(n);
		print_string(PRINT_FP, NULL, "%s", "\n");
	}
	close_json_object();
	print_end();
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
	struct monitor m = { .ctx = *ctx };
	int ret;

	ret = parse_objects(argc, argv, &m.show);
	if (ret < 0)
		return monitor_help();
	if (ret)
		return ret;
	m.ctx.pretty = false;
	/* Each line as it happens, also into a pipe or a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return mvmm_ipc_monitor(show, &m);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl stats: per-VM, per-event-type exit counters.
 *
 *   mvmmctl stats [vm [ ID | pid PID ]]
 *
 * Text: one block per VM, a row per event type that has occurred, and a
 * total. JSON (-j), kept stable:
 *
 *   [ { "id": 1, "pid": 123, "comm": "qemu", "vcpus": 2, "age_ms": 5,
 *       "events": [ { "type": "io", "exits": 10, "fastpath": 0, "l2": 0 },
 *                   ... ] },
 *     ... ]
 *
 * "type" is the event name from "mvmmctl events", or its number (a JSON
 * number) with -n; a type this mvmmctl has no name for is its number as a
 * string. "fastpath" and "l2" are subsets of "exits". Only event types
 * with a non-zero count are listed. "stats vm ID" and "stats vm pid PID"
 * fail (exit 2) when no such VM exists.
 */
#include <stdio.h>

#include <linux/mvmm.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "parse.h"
#include "print.h"

static int stats_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl stats [vm [ ID | pid PID ]]\n"
	     "       mvmmctl stats help\n"
	     "Per VM and event type: all exits, those KVM completed in its fastpath,\n"
	     "those taken while a nested (L2) guest ran, the events a rule sent to a\n"
	     "secondary (handler, group or answer; observe copies included) and, of\n"
	     "those, the ones mvmm completed itself (KVM never handled them).");
	return MVMM_EXIT_OK;
}

static const struct print_col ev_cols[] = {
	{ "type",	"EVENT",	0 },
	{ "exits",	"EXITS",	MVMM_COL_RIGHT },
	{ "fastpath",	"FASTPATH",	MVMM_COL_RIGHT },
	{ "l2",		"L2",		MVMM_COL_RIGHT },
	{ "routed",	"ROUTED",	MVMM_COL_RIGHT },
	{ "completed",	"COMPLETED",	MVMM_COL_RIGHT },
};

/* A row of counters: one event type's, or (text only) their total. */
static void print_counters(enum output_type t, const struct mvmm_evstat *ev)
{
	print_u64(t, "exits", "%llu", ev->exits);
	print_u64(t, "fastpath", "%llu", ev->fastpath);
	print_u64(t, "l2", "%llu", ev->l2);
	print_u64(t, "routed", "%llu", ev->routed);
	print_u64(t, "completed", "%llu", ev->completed);
}

static void print_vm_stats(const struct mvmm_vm_info *vm)
{
	struct mvmm_evstat total = { 0 };
	int i;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "id", "vm %u", vm->id);
	print_uint(PRINT_ANY, "pid", "  pid %u", vm->pid);
	print_string(PRINT_ANY, "comm", "  comm %s", vm->comm);
	print_uint(PRINT_ANY, "vcpus", "  vcpus %u\n", vm->vcpus);
	print_u64(PRINT_JSON, "age_ms", NULL, vm->age_ms);
	open_json_array("events");
	if (!vm->nev)
		print_string(PRINT_FP, NULL, "%s", "  no exits yet\n");
	else
		print_table_open(ev_cols, ARRAY_SIZE(ev_cols), "  ");
	for (i = 0; i < vm->nev; i++) {
		const struct mvmm_evstat *ev = &vm->ev[i];

		open_json_object(NULL);
		print_event_type(PRINT_ANY, "type", "%s", ev->type);
		print_counters(PRINT_ANY, ev);
		close_json_object();
		total.exits += ev->exits;
		total.fastpath += ev->fastpath;
		total.l2 += ev->l2;
		total.routed += ev->routed;
		total.completed += ev->completed;
	}
	if (vm->nev && !is_json_context()) {
		open_json_object(NULL);
		print_string(PRINT_FP, "type", "%s", "total");
		print_counters(PRINT_FP, &total);
		close_json_object();
	}
	if (vm->nev)
		print_table_close();
	close_json_array();
	close_json_object();
}

static int stats_vm(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_vm_sel sel = { .by = MVMM_VM_ALL };
	char err[MVMM_ERRLEN];
	struct mvmm_vms vms;
	int used = 0, ret, i;

	if (argc) {
		used = mvmm_parse_vm_sel(argc, argv, &sel, err, sizeof(err));
		if (used < 0)
			return mvmm_usage_err("stats", "%s", err);
	}
	if (argc > used)
		return mvmm_usage_err("stats", "unexpected argument \"%s\"", argv[used]);

	ret = mvmm_ipc_get_vms(&sel, true, &vms);
	if (ret)
		return ret;

	if (sel.by == MVMM_VM_PID && !vms.n) {
		ret = mvmm_fail("no VM created by pid %u", sel.pid);
	} else {
		print_start(ctx);
		open_json_array(NULL);
		for (i = 0; i < vms.n; i++) {
			if (i)
				print_string(PRINT_FP, NULL, "%s", "\n");
			print_vm_stats(&vms.vm[i]);
		}
		close_json_array();
		print_end();
	}
	mvmm_vms_free(&vms);
	return ret;
}

static const struct mvmmctl_cmd stats_cmds[] = {
	{ "vm",		stats_vm },
	{ "help",	stats_help },
	{ NULL,		NULL },
};

int mvmm_stats_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "stats", stats_cmds, argc, argv);
}

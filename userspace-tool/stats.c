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

#include "mvmmctl.h"
#include "out.h"
#include "parse.h"
#include "vms.h"

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

static struct json_object *vm_json(const struct mvmm_ctx *ctx, const struct mvmm_vm_info *vm)
{
	struct json_object *o = mvmm_json_object(), *evs = mvmm_json_array(), *e;
	int i;

	mvmm_json_add(o, "id", mvmm_json_u64(vm->id));
	mvmm_json_add(o, "pid", mvmm_json_u64(vm->pid));
	mvmm_json_add(o, "comm", mvmm_json_str(vm->comm));
	mvmm_json_add(o, "vcpus", mvmm_json_u64(vm->vcpus));
	mvmm_json_add(o, "age_ms", mvmm_json_u64(vm->age_ms));
	for (i = 0; i < vm->nev; i++) {
		const struct mvmm_evstat *ev = &vm->ev[i];

		e = mvmm_json_object();
		mvmm_json_add(e, "type", mvmm_type_json(ctx, ev->type));
		mvmm_json_add(e, "exits", mvmm_json_u64(ev->exits));
		mvmm_json_add(e, "fastpath", mvmm_json_u64(ev->fastpath));
		mvmm_json_add(e, "l2", mvmm_json_u64(ev->l2));
		mvmm_json_add(e, "routed", mvmm_json_u64(ev->routed));
		mvmm_json_add(e, "completed", mvmm_json_u64(ev->completed));
		mvmm_json_append(evs, e);
	}
	mvmm_json_add(o, "events", evs);
	return o;
}

static void vm_text(const struct mvmm_ctx *ctx, const struct mvmm_vm_info *vm)
{
	unsigned long long exits = 0, fastpath = 0, l2 = 0, routed = 0;
	unsigned long long completed = 0;
	struct mvmm_table *t;
	char buf[16];
	int i;

	printf("vm %u  pid %u  comm %s  vcpus %u\n", vm->id, vm->pid, vm->comm,
	       vm->vcpus);
	if (!vm->nev) {
		puts("  no exits yet");
		return;
	}

	t = mvmm_table_new(6);
	mvmm_table_col(t, 0, "EVENT", 0);
	mvmm_table_col(t, 1, "EXITS", MVMM_COL_RIGHT);
	mvmm_table_col(t, 2, "FASTPATH", MVMM_COL_RIGHT);
	mvmm_table_col(t, 3, "L2", MVMM_COL_RIGHT);
	mvmm_table_col(t, 4, "ROUTED", MVMM_COL_RIGHT);
	mvmm_table_col(t, 5, "COMPLETED", MVMM_COL_RIGHT);
	for (i = 0; i < vm->nev; i++) {
		const struct mvmm_evstat *ev = &vm->ev[i];

		mvmm_table_add(t, "%s", mvmm_type_str(ctx, ev->type, buf, sizeof(buf)));
		mvmm_table_add(t, "%llu", (unsigned long long)ev->exits);
		mvmm_table_add(t, "%llu", (unsigned long long)ev->fastpath);
		mvmm_table_add(t, "%llu", (unsigned long long)ev->l2);
		mvmm_table_add(t, "%llu", (unsigned long long)ev->routed);
		mvmm_table_add(t, "%llu", (unsigned long long)ev->completed);
		exits += ev->exits;
		fastpath += ev->fastpath;
		l2 += ev->l2;
		routed += ev->routed;
		completed += ev->completed;
	}
	mvmm_table_add(t, "total");
	mvmm_table_add(t, "%llu", exits);
	mvmm_table_add(t, "%llu", fastpath);
	mvmm_table_add(t, "%llu", l2);
	mvmm_table_add(t, "%llu", routed);
	mvmm_table_add(t, "%llu", completed);
	mvmm_table_print(t, stdout, "  ");
	mvmm_table_free(t);
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

	ret = mvmm_vms_get(MVMM_CMD_GET_STATS, &sel, &vms);
	if (ret)
		return ret;

	if (sel.by == MVMM_VM_PID && !vms.n) {
		ret = mvmm_fail("no VM created by pid %u", sel.pid);
	} else if (ctx->json) {
		struct json_object *arr = mvmm_json_array();

		for (i = 0; i < vms.n; i++)
			mvmm_json_append(arr, vm_json(ctx, &vms.vm[i]));
		mvmm_json_print(ctx, arr);
	} else {
		for (i = 0; i < vms.n; i++) {
			if (i)
				putchar('\n');
			vm_text(ctx, &vms.vm[i]);
		}
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

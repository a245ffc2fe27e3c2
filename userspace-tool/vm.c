// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl vm: the VMs mvmm has seen.
 *
 *   mvmmctl vm [list] [pid PID]
 *   mvmmctl vm show { ID | pid PID }
 *
 * JSON (-j), kept stable; both commands print an array, like "ip -j link
 * show dev X", so that scripts handle one shape:
 *
 *   [ { "id": 1, "pid": 123, "comm": "qemu", "vcpus": 2, "age_ms": 5 }, ... ]
 *
 * "vm list pid PID" prints an empty list when that process has no VM;
 * "vm show" fails (exit 2) when the VM it names does not exist.
 */
#include <stdio.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "out.h"
#include "parse.h"
#include "vms.h"

static int vm_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl vm [list] [pid PID]\n"
	     "       mvmmctl vm show { ID | pid PID }\n"
	     "       mvmmctl vm help\n"
	     "ID and PID are decimal or 0x-prefixed hex numbers.");
	return MVMM_EXIT_OK;
}

static void print_json(const struct mvmm_ctx *ctx, const struct mvmm_vms *vms)
{
	struct json_object *arr = mvmm_json_array(), *o;
	int i;

	for (i = 0; i < vms->n; i++) {
		const struct mvmm_vm_info *vm = &vms->vm[i];

		o = mvmm_json_object();
		mvmm_json_add(o, "id", mvmm_json_u64(vm->id));
		mvmm_json_add(o, "pid", mvmm_json_u64(vm->pid));
		mvmm_json_add(o, "comm", mvmm_json_str(vm->comm));
		mvmm_json_add(o, "vcpus", mvmm_json_u64(vm->vcpus));
		mvmm_json_add(o, "age_ms", mvmm_json_u64(vm->age_ms));
		mvmm_json_append(arr, o);
	}
	mvmm_json_print(ctx, arr);
}

static void print_table(const struct mvmm_vms *vms)
{
	struct mvmm_table *t = mvmm_table_new(5);
	char age[32];
	int i;

	mvmm_table_col(t, 0, "ID", MVMM_COL_RIGHT);
	mvmm_table_col(t, 1, "PID", MVMM_COL_RIGHT);
	mvmm_table_col(t, 2, "COMM", 0);
	mvmm_table_col(t, 3, "VCPUS", MVMM_COL_RIGHT);
	mvmm_table_col(t, 4, "AGE", MVMM_COL_RIGHT);
	for (i = 0; i < vms->n; i++) {
		const struct mvmm_vm_info *vm = &vms->vm[i];

		mvmm_fmt_age(vm->age_ms, age, sizeof(age));
		mvmm_table_add(t, "%u", vm->id);
		mvmm_table_add(t, "%u", vm->pid);
		mvmm_table_add(t, "%s", vm->comm);
		mvmm_table_add(t, "%u", vm->vcpus);
		mvmm_table_add(t, "%s", age);
	}
	mvmm_table_print(t, stdout, "");
	mvmm_table_free(t);
}

static void print_details(const struct mvmm_vms *vms)
{
	char age[32];
	int i;

	for (i = 0; i < vms->n; i++) {
		const struct mvmm_vm_info *vm = &vms->vm[i];

		mvmm_fmt_age(vm->age_ms, age, sizeof(age));
		printf("%svm %u\n"
		       "  pid:    %u\n"
		       "  comm:   %s\n"
		       "  vcpus:  %u\n"
		       "  age:    %s\n",
		       i ? "\n" : "", vm->id, vm->pid, vm->comm, vm->vcpus, age);
	}
}

static int show(const struct mvmm_ctx *ctx, const struct mvmm_vm_sel *sel,
		bool details)
{
	struct mvmm_vms vms;
	int ret;

	ret = mvmm_vms_get(MVMM_CMD_GET_VM, sel, &vms);
	if (ret)
		return ret;

	if (details && sel->by == MVMM_VM_PID && !vms.n)
		ret = mvmm_fail("no VM created by pid %u", sel->pid);
	else if (ctx->json)
		print_json(ctx, &vms);
	else if (details)
		print_details(&vms);
	else
		print_table(&vms);

	mvmm_vms_free(&vms);
	return ret;
}

static int vm_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_vm_sel sel;
	char err[MVMM_ERRLEN];

	if (mvmm_parse_pid_filter(argc, argv, &sel, err, sizeof(err)))
		return mvmm_usage_err("vm", "%s", err);
	return show(ctx, &sel, false);
}

static int vm_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_vm_sel sel;
	char err[MVMM_ERRLEN];
	int used;

	used = mvmm_parse_vm_sel(argc, argv, &sel, err, sizeof(err));
	if (used < 0)
		return mvmm_usage_err("vm", "%s", err);
	if (argc > used)
		return mvmm_usage_err("vm", "unexpected argument \"%s\"", argv[used]);
	return show(ctx, &sel, true);
}

static const struct mvmmctl_cmd vm_cmds[] = {
	{ "list",	vm_list },
	{ "show",	vm_show },
	{ "help",	vm_help },
	{ NULL,		NULL },
};

int mvmm_vm_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "vm", vm_cmds, argc, argv);
}

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

#include "ipc.h"
#include "mvmmctl.h"
#include "parse.h"
#include "print.h"

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

static const struct print_col vm_cols[] = {
	{ "id",		"ID",		MVMM_COL_RIGHT },
	{ "pid",	"PID",		MVMM_COL_RIGHT },
	{ "comm",	"COMM",		0 },
	{ "vcpus",	"VCPUS",	MVMM_COL_RIGHT },
	{ "age_ms",	"AGE",		MVMM_COL_RIGHT },
};

/*
 * One VM: a row of the "vm list" table, or with @block the lines of
 * "vm show" (the JSON is the same).
 */
static void print_vm(const struct mvmm_vm_info *vm, bool block)
{
	open_json_object(NULL);
	print_uint(PRINT_ANY, "id", block ? "vm %u\n" : "%u", vm->id);
	print_uint(PRINT_ANY, "pid", block ? "  pid:    %u\n" : "%u", vm->pid);
	print_string(PRINT_ANY, "comm", block ? "  comm:   %s\n" : "%s",
		     vm->comm);
	print_uint(PRINT_ANY, "vcpus", block ? "  vcpus:  %u\n" : "%u",
		   vm->vcpus);
	print_age_ms(PRINT_ANY, "age_ms", block ? "  age:    %s\n" : "%s",
		     vm->age_ms);
	close_json_object();
}

static void print_vms(const struct mvmm_ctx *ctx, const struct mvmm_vms *vms,
		      bool details)
{
	int i;

	print_start(ctx);
	open_json_array(NULL);
	if (!details)
		print_table_open(vm_cols, ARRAY_SIZE(vm_cols), "");
	for (i = 0; i < vms->n; i++) {
		if (details && i)
			print_string(PRINT_FP, NULL, "%s", "\n");
		print_vm(&vms->vm[i], details);
	}
	if (!details)
		print_table_close();
	close_json_array();
	print_end();
}

static int show(const struct mvmm_ctx *ctx, const struct mvmm_vm_sel *sel,
		bool details)
{
	struct mvmm_vms vms;
	int ret;

	ret = mvmm_ipc_get_vms(sel, false, &vms);
	if (ret)
		return ret;

	if (details && sel->by == MVMM_VM_PID && !vms.n)
		ret = mvmm_fail("no VM created by pid %u", sel->pid);
	else
		print_vms(ctx, &vms, details);

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

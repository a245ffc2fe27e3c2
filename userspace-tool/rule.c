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
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "print.h"
#include "rule.h"
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

/* A pre-registered answer: JSON only, its text is part of the rule's. */
static void print_answer(const struct mvmm_answer_spec *a)
{
	int i;

	open_json_object("answer");
	if (a->has_value)
		print_u64(PRINT_JSON, "value", NULL, a->value);
	if (a->ignore)
		print_bool(PRINT_JSON, "ignore", NULL, true);
	for (i = 0; i < MVMM_ANSWER_REGS; i++) {
		uint8_t g = a->reg_given[i];

		if (!g)
			continue;
		open_json_object(mvmm_answer_reg_name(i));
		if (g & MVMM_ANSREG_VALUE)
			print_uint(PRINT_JSON, "value", NULL, a->reg_value[i]);
		if (g & MVMM_ANSREG_AND)
			print_uint(PRINT_JSON, "and", NULL, a->reg_and[i]);
		if (g & MVMM_ANSREG_OR)
			print_uint(PRINT_JSON, "or", NULL, a->reg_or[i]);
		close_json_object();
	}
	if (a->has_hits)
		print_u64(PRINT_JSON, "hits", NULL, a->hits);
	close_json_object();
}

void mvmm_print_rule(const struct mvmm_ctx *ctx, const char *key,
		     const char *fmt, const struct mvmm_rule_spec *r)
{
	char line[512];

	/*
	 * The text is the rule's own syntax (rule_parse.c), which "rule add"
	 * and policy files read back; JSON has a member per field.
	 */
	if (!is_json_context()) {
		mvmm_fmt_rule(r, ctx->numeric, line, sizeof(line));
		print_string(PRINT_FP, NULL, fmt, line);
		return;
	}
	open_json_object(key);
	print_uint(PRINT_JSON, "id", NULL, r->id);
	print_event_type(PRINT_JSON, "type", NULL, r->type);
	print_u64(PRINT_JSON, "lo", NULL, r->lo);
	print_u64(PRINT_JSON, "hi", NULL, r->hi);
	print_enum(PRINT_JSON, "origin", NULL, mvmm_origin_name(r->origin),
		   r->origin);
	print_enum(PRINT_JSON, "mode", NULL, mvmm_mode_name(r->mode), r->mode);
	print_enum(PRINT_JSON, "fallback", NULL,
		   mvmm_fallback_name(r->fallback), r->fallback);
	if (r->has_answer) {
		print_string(PRINT_JSON, "target", NULL, "answer");
		print_answer(&r->answer);
	} else {
		print_string(PRINT_JSON, r->group ? "group" : "target", NULL,
			     r->target);
	}
	close_json_object();
}

/* "rule show" and "rule add": a line per rule, each led by its table. */
static void print_rules(const struct mvmm_ctx *ctx, uint32_t vm_id,
			const struct mvmm_rule_spec *r, int n)
{
	char table[32];
	int i;

	if (vm_id)
		snprintf(table, sizeof(table), "vm %u", vm_id);
	else
		snprintf(table, sizeof(table), "default");
	print_start(ctx);
	open_json_array(NULL);
	/* rule show -f: a policy file replaces the table (apply.c). */
	if (ctx->file)
		print_string(PRINT_FP, NULL, "flush %s\n", table);
	for (i = 0; i < n; i++) {
		print_string(PRINT_FP, NULL, "%s ", table);
		mvmm_print_rule(ctx, NULL, "%s\n", &r[i]);
	}
	close_json_array();
	print_end();
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
		    bool replace)
{
	struct mvmm_rule_spec r, stored;
	struct mvmm_table_sel t;
	char err[MVMM_ERRLEN];
	uint32_t vm_id;
	int used, ret;

	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (mvmm_parse_rule(argc - used, argv + used, &r, err, sizeof(err)))
		return mvmm_usage_err("rule", "%s", err);
	if (replace && !r.id)
		return mvmm_usage_err("rule", "\"replace\" needs the id of the rule to replace (\"id N\")");
	ret = resolve_table(&t, &vm_id);
	if (ret)
		return ret;
	if (replace)
		return mvmm_ipc_replace_rule(vm_id, &r);
	ret = mvmm_ipc_add_rule(vm_id, &r, &stored);
	if (!ret)
		print_rules(ctx, vm_id, &stored, 1);
	return ret;
}

static int rule_add(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return rule_set(ctx, argc, argv, false);
}

static int rule_replace(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return rule_set(ctx, argc, argv, true);
}

static int rule_del(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_table_sel t;
	char err[MVMM_ERRLEN];
	uint32_t id, vm_id;
	int used, ret;

	(void)ctx;
	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (mvmm_parse_rule_id(argc - used, argv + used, &id, err, sizeof(err)))
		return mvmm_usage_err("rule", "%s", err);
	ret = resolve_table(&t, &vm_id);
	return ret ? ret : mvmm_ipc_del_rule(vm_id, id);
}

/* flush and show: TABLE and nothing else; its VM id in @vm_id. */
static int table_only(int argc, char **argv, uint32_t *vm_id)
{
	struct mvmm_table_sel t;
	int used;

	used = table_arg(argc, argv, &t);
	if (used < 0)
		return MVMM_EXIT_USAGE;
	if (argc > used)
		return mvmm_usage_err("rule", "unexpected argument \"%s\"", argv[used]);
	return resolve_table(&t, vm_id);
}

static int rule_flush(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	uint32_t vm_id;
	int ret;

	(void)ctx;
	ret = table_only(argc, argv, &vm_id);
	return ret ? ret : mvmm_ipc_flush_rules(vm_id);
}

static int show_table(const struct mvmm_ctx *ctx, uint32_t vm_id)
{
	struct mvmm_rules l;
	int ret;

	ret = mvmm_ipc_get_rules(vm_id, &l);
	if (!ret)
		print_rules(ctx, vm_id, l.r, l.n);
	mvmm_rules_free(&l);
	return ret;
}

static int rule_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	uint32_t vm_id;
	int ret;

	if (argc && !strcmp(argv[0], "-f"))
		return mvmm_rule_show_file(ctx, argc - 1, argv + 1);
	ret = table_only(argc, argv, &vm_id);
	return ret ? ret : show_table(ctx, vm_id);
}

int mvmm_rule_show_table(const struct mvmm_ctx *ctx,
			 const struct mvmm_table_sel *t)
{
	uint32_t vm_id;
	int ret;

	ret = resolve_table(t, &vm_id);
	return ret ? ret : show_table(ctx, vm_id);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl handler: the secondary VMM handlers mvmm knows, by name, with
 * their counters (uapi/linux/mvmm.h, MVMM_CMD_GET_HANDLER). A name stays
 * listed after its module unregisters it ("attached no"), so that rules
 * naming it keep working and its counters are not lost.
 *
 *   mvmmctl handler [list]
 *   mvmmctl handler show [NAME]
 *
 * JSON (-j), kept stable; an array in id order:
 *
 *   [ { "name": "debugcon", "id": 0, "attached": true, "events": 10,
 *       "handled": 9, "to_main": 0, "injected": 0, "fallback": 1,
 *       "invalid": 0, "observed": 0, "timeouts": 0, "dropped": 0,
 *       "restarts": 0 } ]
 *
 * A handler attached through /dev/mvmm also has "user": true, "pid",
 * "vm" (the VM it serves) and "outstanding" (requests unanswered now).
 *
 * With a module that has groups, every handler also has its load:
 * "inflight", "samples", "ewma_ns", "p50_ns", "p99_ns", "max_ns" (service
 * times; percentiles are upper bounds of power-of-two buckets), "usable"
 * (groups may choose it now), and for a userspace handler "cpu_ns" (CPU
 * time of the attached process). "handler show" prints them as a second
 * table in text; "handler list" does not.
 *
 * "handler show NAME" fails (exit 2) when no handler has that name.
 */
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "print.h"
#include "rule_parse.h"

/* The counters, in the order of the uapi header, text and JSON. */
static const char *const counter_keys[MVMM_HC_NR] = {
	[MVMM_HC_EVENTS]	= "events",
	[MVMM_HC_HANDLED]	= "handled",
	[MVMM_HC_TO_MAIN]	= "to_main",
	[MVMM_HC_INJECTED]	= "injected",
	[MVMM_HC_FALLBACK]	= "fallback",
	[MVMM_HC_INVALID]	= "invalid",
	[MVMM_HC_OBSERVED]	= "observed",
	[MVMM_HC_TIMEOUTS]	= "timeouts",
	[MVMM_HC_DROPPED]	= "dropped",
	[MVMM_HC_RESTARTS]	= "restarts",
};

static const struct print_col handler_cols[] = {
	{ "name",	"NAME",		0 },
	{ "id",		"ID",		MVMM_COL_RIGHT },
	{ "attached",	"ATTACHED",	0 },
	/* Userspace handlers: the process and the VM it serves; else "-". */
	{ "pid",	"PID",		MVMM_COL_RIGHT },
	{ "vm",		"VM",		MVMM_COL_RIGHT },
	{ "events",	"EVENTS",	MVMM_COL_RIGHT },
	{ "handled",	"HANDLED",	MVMM_COL_RIGHT },
	{ "to_main",	"TO-MAIN",	MVMM_COL_RIGHT },
	{ "injected",	"INJECTED",	MVMM_COL_RIGHT },
	{ "fallback",	"FALLBACK",	MVMM_COL_RIGHT },
	{ "invalid",	"INVALID",	MVMM_COL_RIGHT },
	{ "observed",	"OBSERVED",	MVMM_COL_RIGHT },
	{ "timeouts",	"TIMEOUTS",	MVMM_COL_RIGHT },
	{ "dropped",	"DROPPED",	MVMM_COL_RIGHT },
	{ "restarts",	"RESTARTS",	MVMM_COL_RIGHT },
};

/* handler show: what groups choose by, per handler. */
static const struct print_col load_cols[] = {
	{ "name",	"NAME",		0 },
	{ "inflight",	"INFLIGHT",	MVMM_COL_RIGHT },
	{ "samples",	"SAMPLES",	MVMM_COL_RIGHT },
	{ "ewma_ns",	"EWMA",		MVMM_COL_RIGHT },
	{ "p50_ns",	"P50",		MVMM_COL_RIGHT },
	{ "p99_ns",	"P99",		MVMM_COL_RIGHT },
	{ "max_ns",	"MAX",		MVMM_COL_RIGHT },
	{ "usable",	"USABLE",	0 },
	{ "cpu_ns",	"CPU",		MVMM_COL_RIGHT },
};

static void print_handler(const struct mvmm_handler_info *h)
{
	int c;

	print_string(PRINT_ANY, "name", "%s", h->name);
	print_uint(PRINT_ANY, "id", "%u", h->id);
	print_bool(PRINT_ANY, "attached", "%s", h->attached);
	for (c = 0; c < MVMM_HC_NR; c++)
		print_u64(PRINT_ANY, counter_keys[c], "%llu", h->count[c]);
	if (h->user) {
		print_bool(PRINT_JSON, "user", NULL, true);
		print_uint(PRINT_ANY, "pid", "%u", h->pid);
		print_uint(PRINT_ANY, "vm", "%u", h->vm);
		print_uint(PRINT_JSON, "outstanding", NULL, h->outstanding);
	} else {
		print_string(PRINT_FP, "pid", "%s", "-");
		print_string(PRINT_FP, "vm", "%s", "-");
	}
}

static void print_load(const struct mvmm_handler_info *h)
{
	/* Percentiles are bucket bounds: "<=". */
	const char *bound = h->samples ? "<=%s" : "%s";

	print_string(PRINT_FP, "name", "%s", h->name);
	print_uint(PRINT_ANY, "inflight", "%u", h->inflight);
	print_u64(PRINT_ANY, "samples", "%llu", h->samples);
	print_ns(PRINT_ANY, "ewma_ns", "%s", h->ewma_ns);
	print_ns(PRINT_ANY, "p50_ns", bound, h->p50_ns);
	print_ns(PRINT_ANY, "p99_ns", bound, h->p99_ns);
	print_ns(PRINT_ANY, "max_ns", bound, h->max_ns);
	print_bool(PRINT_ANY, "usable", "%s", h->usable);
	if (h->has_cpu)
		print_ns(PRINT_ANY, "cpu_ns", "%s", h->cpu_ns);
	else
		print_string(PRINT_FP, "cpu_ns", "%s", "-");
}

/*
 * JSON: an object per handler, its load included. Text: a table of
 * names and counters, and with @detail a second one of their load.
 */
static void print_handlers(const struct mvmm_handlers *l, bool detail)
{
	int i;

	open_json_array(NULL);
	print_table_open(handler_cols, ARRAY_SIZE(handler_cols), "");
	for (i = 0; i < l->n; i++) {
		open_json_object(NULL);
		print_handler(&l->h[i]);
		if (is_json_context() && l->h[i].has_load)
			print_load(&l->h[i]);
		close_json_object();
	}
	print_table_close();
	close_json_array();
	if (!detail || is_json_context())
		return;

	print_string(PRINT_FP, NULL, "%s", "\n");
	print_table_open(load_cols, ARRAY_SIZE(load_cols), "");
	for (i = 0; i < l->n; i++) {
		if (!l->h[i].has_load)
			continue;
		open_json_object(NULL);
		print_load(&l->h[i]);
		close_json_object();
	}
	print_table_close();
}

static int show(const struct mvmm_ctx *ctx, const char *only, bool detail)
{
	struct mvmm_handlers l;
	int ret, i, n = 0;

	ret = mvmm_ipc_get_handlers(&l);
	if (ret)
		return ret;
	/* Keep the handler named @only, if any. */
	for (i = 0; i < l.n; i++)
		if (!only || !strcmp(l.h[i].name, only))
			l.h[n++] = l.h[i];
	l.n = n;
	if (only && !l.n) {
		ret = mvmm_fail("no handler named \"%s\"", only);
	} else {
		print_start(ctx);
		print_handlers(&l, detail);
		print_end();
	}
	mvmm_handlers_free(&l);
	return ret;
}

static int handler_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl handler [list]\n"
	     "       mvmmctl handler show [NAME]\n"
	     "       mvmmctl handler help\n"
	     "Secondary VMM handlers by name, whether one is registered now (attached),\n"
	     "and their counters: events routed to the name, handled by it, passed back\n"
	     "to main (KVM), answered with an exception (injected), rule fallback applied\n"
	     "(handler absent, failed or answered invalidly), invalid answers among\n"
	     "those, observe-mode copies delivered, time-outs and observe copies\n"
	     "dropped (userspace handlers), and waits resumed after a signal.\n"
	     "PID and VM: the process and VM of a handler attached through /dev/mvmm.\n"
	     "\"show\" adds each handler's load (what groups choose by): vCPUs waiting\n"
	     "on it now, calls timed, their service time EWMA and percentiles (upper\n"
	     "bounds of power-of-two buckets), whether groups may choose it now (not\n"
	     "after a time-out in the last second), and the CPU time of the process\n"
	     "attached to a userspace handler.");
	return MVMM_EXIT_OK;
}

static int handler_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	if (argc)
		return mvmm_usage_err("handler", "unexpected argument \"%s\"", argv[0]);
	return show(ctx, NULL, false);
}

static int handler_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	if (argc > 1)
		return mvmm_usage_err("handler", "unexpected argument \"%s\"", argv[1]);
	if (argc && !mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("handler", "invalid handler name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	return show(ctx, argc ? argv[0] : NULL, true);
}

static const struct mvmmctl_cmd handler_cmds[] = {
	{ "list",	handler_list },
	{ "show",	handler_show },
	{ "help",	handler_help },
	{ NULL,		NULL },
};

int mvmm_handler_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "handler", handler_cmds, argc, argv);
}

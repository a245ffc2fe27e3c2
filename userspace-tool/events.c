// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl events: the event types mvmm classifies exits into, with the
 * qualifiers each one carries (see the table in uapi/linux/mvmm.h).
 *
 *   mvmmctl events [list]
 *
 * JSON (-j), kept stable:
 *
 *   [ { "type": 22, "name": "io",
 *       "qualifiers": [ "port", "size", "write", "string", "rep" ] }, ... ]
 *
 * Names come from kmod/core/event_names.c, the table the module uses too.
 */
#include <stdio.h>
#include <string.h>

#include <linux/mvmm.h>

#include "classify.h"
#include "mvmmctl.h"
#include "out.h"

#define MAX_QUALS 6

/*
 * Qualifier keywords per type, from the uapi table: "qual", "sub" and the
 * flags that apply. Every event also has an origin (L1 or L2 guest).
 */
static const char *const quals[__MVMM_EV_MAX][MAX_QUALS] = {
	[MVMM_EV_OTHER]		= { "reason" },
	[MVMM_EV_EXCEPTION]	= { "vector", "errcode" },
	[MVMM_EV_SIPI]		= { "vector" },
	[MVMM_EV_TASK_SWITCH]	= { "selector" },
	[MVMM_EV_CPUID]		= { "leaf", "subleaf" },
	[MVMM_EV_INVLPG]	= { "addr" },
	[MVMM_EV_RDPMC]		= { "counter" },
	[MVMM_EV_HYPERCALL]	= { "nr" },
	[MVMM_EV_CR_ACCESS]	= { "cr", "gpr", "write" },
	[MVMM_EV_DR_ACCESS]	= { "dr", "gpr", "write" },
	[MVMM_EV_IO]		= { "port", "size", "write", "string", "rep" },
	[MVMM_EV_MSR_READ]	= { "index" },
	[MVMM_EV_MSR_WRITE]	= { "index" },
	[MVMM_EV_XSETBV]	= { "xcr" },
	[MVMM_EV_NPF]		= { "gpa", "errcode", "write", "fetch" },
	[MVMM_EV_MMIO]		= { "gpa", "size", "write", "fetch" },
	[MVMM_EV_NESTED]	= { "insn" },
};

static int events_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl events [list]\n"
	     "       mvmmctl events help\n"
	     "Lists event type numbers, names and the qualifiers each type carries.\n"
	     "Every event also records its origin: the VM's guest (L1) or a nested guest (L2).");
	return MVMM_EXIT_OK;
}

static void quals_str(unsigned int type, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < MAX_QUALS && quals[type][i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				quals[type][i]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

static int events_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct json_object *arr, *o, *q;
	struct mvmm_table *t;
	char buf[128];
	unsigned int type;
	int i;

	if (argc)
		return mvmm_usage_err("events", "unexpected argument \"%s\"", argv[0]);

	if (ctx->json) {
		arr = mvmm_json_array();
		for (type = 0; type < __MVMM_EV_MAX; type++) {
			o = mvmm_json_object();
			q = mvmm_json_array();
			mvmm_json_add(o, "type", mvmm_json_u64(type));
			mvmm_json_add(o, "name", mvmm_json_str(mvmm_event_name(type) ?: ""));
			for (i = 0; i < MAX_QUALS && quals[type][i]; i++)
				mvmm_json_append(q, mvmm_json_str(quals[type][i]));
			mvmm_json_add(o, "qualifiers", q);
			mvmm_json_append(arr, o);
		}
		mvmm_json_print(ctx, arr);
		return MVMM_EXIT_OK;
	}

	t = mvmm_table_new(3);
	mvmm_table_col(t, 0, "TYPE", MVMM_COL_RIGHT);
	mvmm_table_col(t, 1, "NAME", 0);
	mvmm_table_col(t, 2, "QUALIFIERS", 0);
	for (type = 0; type < __MVMM_EV_MAX; type++) {
		quals_str(type, buf, sizeof(buf));
		mvmm_table_add(t, "%u", type);
		mvmm_table_add(t, "%s", mvmm_event_name(type) ?: "-");
		mvmm_table_add(t, "%s", buf);
	}
	mvmm_table_print(t, stdout, "");
	mvmm_table_free(t);
	return MVMM_EXIT_OK;
}

static const struct mvmmctl_cmd events_cmds[] = {
	{ "list",	events_list },
	{ "help",	events_help },
	{ NULL,		NULL },
};

int mvmm_events_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "events", events_cmds, argc, argv);
}

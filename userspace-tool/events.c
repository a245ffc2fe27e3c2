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
#include "print.h"

static int events_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl events [list]\n"
	     "       mvmmctl events help\n"
	     "Lists event type numbers, names and the qualifiers each type carries.\n"
	     "Every event also records its origin: the VM's guest (L1) or a nested guest (L2).\n"
	     "Rules match ranges of a type's first qualifier (see \"mvmmctl rule help\").");
	return MVMM_EXIT_OK;
}

static const struct print_col event_cols[] = {
	{ "type",	"TYPE",		MVMM_COL_RIGHT },
	{ "name",	"NAME",		0 },
	{ "qualifiers",	"QUALIFIERS",	0 },
};

static void print_event(unsigned int type)
{
	const char *const *quals = mvmm_event_desc(type)->quals;
	const char *name = mvmm_event_name(type);
	char buf[128];
	size_t off = 0;
	int i;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "type", "%u", type);
	/* A type without a name: "" in JSON, "-" in the table. */
	print_string(PRINT_JSON, "name", NULL, name ?: "");
	print_string(PRINT_FP, "name", "%s", name ?: "-");
	open_json_array("qualifiers");
	for (i = 0; i < MVMM_EVENT_QUALS && quals[i]; i++) {
		print_string(PRINT_JSON, NULL, NULL, quals[i]);
		mvmm_buf_append(buf, sizeof(buf), &off, "%s%s", i ? " " : "",
				quals[i]);
	}
	close_json_array();
	print_string(PRINT_FP, "qualifiers", "%s", off ? buf : "-");
	close_json_object();
}

static int events_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	unsigned int type;

	if (argc)
		return mvmm_usage_err("events", "unexpected argument \"%s\"", argv[0]);

	print_start(ctx);
	open_json_array(NULL);
	print_table_open(event_cols, ARRAY_SIZE(event_cols), "");
	for (type = 0; type < __MVMM_EV_MAX; type++)
		print_event(type);
	print_table_close();
	close_json_array();
	print_end();
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

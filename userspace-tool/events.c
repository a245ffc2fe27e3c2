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
#include "quals.h"

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

static void quals_str(unsigned int type, char *buf, size_t len)
{
	const char *const *names = mvmm_evquals(type)->names;
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < MVMM_MAX_QUALS && names[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				names[i]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

static int events_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct json_object *arr, *o, *q;
	const char *const *names;
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
			names = mvmm_evquals(type)->names;
			for (i = 0; i < MVMM_MAX_QUALS && names[i]; i++)
				mvmm_json_append(q, mvmm_json_str(names[i]));
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

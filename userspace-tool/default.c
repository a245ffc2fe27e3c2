// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl default: the default table (the one VMs start from), as an
 * object of its own. Every command is the rule command of the same name
 * on table "default":
 *
 *   mvmmctl default add RULE        = mvmmctl rule add default RULE
 *   mvmmctl default show [-f]       = mvmmctl rule show [-f] default
 *
 * and so on for replace, del and flush. Output, errors and exit statuses
 * are rule.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvmmctl.h"
#include "parse.h"

static int default_help(void)
{
	puts("Usage: mvmmctl default show [ -f ]\n"
	     "       mvmmctl default add RULE\n"
	     "       mvmmctl default replace id N RULE\n"
	     "       mvmmctl default del id N\n"
	     "       mvmmctl default flush\n"
	     "       mvmmctl default help\n"
	     "The table VMs start from when mvmm first sees them: each command is\n"
	     "\"mvmmctl rule COMMAND default ...\" (RULE: see \"mvmmctl rule help\").");
	return MVMM_EXIT_OK;
}

/* The rule commands that name one table, and which of them take "-f". */
static const char *const default_cmds[] = {
	"show", "list", "add", "replace", "del", "flush", "help", NULL
};

int mvmm_default_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	char err[MVMM_ERRLEN], **rargv;
	int idx, i, n = 0, ret;

	idx = argc ? mvmm_match_err(argv[0], default_cmds, "command", err,
				    sizeof(err)) : 0;
	if (idx < 0)
		return mvmm_usage_err("default", "%s", err);
	if (!strcmp(default_cmds[idx], "help"))
		return default_help();

	/* rule CMD [-f] default ARGS... */
	rargv = calloc(argc + 3, sizeof(*rargv));
	if (!rargv)
		mvmm_oom();
	rargv[n++] = (char *)default_cmds[idx];
	i = argc ? 1 : 0;
	if (idx <= 1 && i < argc && !strcmp(argv[i], "-f"))
		rargv[n++] = argv[i++];
	rargv[n++] = "default";
	while (i < argc)
		rargv[n++] = argv[i++];
	ret = mvmm_rule_main(ctx, n, rargv);
	free(rargv);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl: show and control mvmm through its generic netlink family.
 * Grammar, as in iproute2 and devlink:
 *
 *   mvmmctl [-j] [-p] [-n] OBJECT [COMMAND [ARGS]]
 *
 * This file parses the global options and hands the rest to the object's
 * own file through mvmm_dispatch(). Objects and commands may be shortened
 * to any unique prefix; "help" works at every level.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "parse.h"

#define MVMM_MAX_WORDS 32

int mvmm_usage_err(const char *object, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"mvmmctl %s%shelp\".\n",
		object ? object : "", object ? " " : "");
	return MVMM_EXIT_USAGE;
}

int mvmm_fail_status(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

void mvmm_oom(void)
{
	fputs("Error: out of memory\n", stderr);
	exit(MVMM_EXIT_FAIL);
}

int mvmm_dispatch(const struct mvmm_ctx *ctx, const char *object,
		  const struct mvmmctl_cmd *cmds, int argc, char **argv)
{
	const char *names[MVMM_MAX_WORDS + 1];
	char err[MVMM_ERRLEN];
	int i, idx;

	if (!argc)
		return cmds[0].fn(ctx, 0, argv);

	for (i = 0; cmds[i].name && i < MVMM_MAX_WORDS; i++)
		names[i] = cmds[i].name;
	names[i] = NULL;

	idx = mvmm_match_err(argv[0], names, object ? "command" : "object",
			     err, sizeof(err));
	if (idx < 0)
		return mvmm_usage_err(object, "%s", err);
	return cmds[idx].fn(ctx, argc - 1, argv + 1);
}

static void usage(FILE *f)
{
	fputs("Usage: mvmmctl [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
	      "       mvmmctl [OBJECT] help\n"
	      "OBJECT := { vm | rule | default | handler | stats | events | monitor | apply | group }\n"
	      "OPTIONS := { -j | -p | -n | -V | -h }\n"
	      "           (long forms: --json --pretty --numeric --version --help)\n"
	      "  -j  JSON output\n"
	      "  -p  pretty-printed JSON output (implies -j)\n"
	      "  -n  show event types as numbers instead of names\n"
	      "Objects and commands may be abbreviated to any unique prefix.\n"
	      "Exit status: 0 ok, 1 bad command line (nothing was sent), 2 the kernel\n"
	      "refused or could not be asked.\n",
	      f);
}

static int help_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc)
		return mvmm_usage_err(NULL, "unexpected argument \"%s\"", argv[0]);
	usage(stdout);
	return MVMM_EXIT_OK;
}

static int missing_object(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return mvmm_usage_err(NULL, "missing OBJECT");
}

/*
 * The first entry only runs for a bare "mvmmctl"; its name can never be
 * typed, so it never takes part in prefix matching.
 */
static const struct mvmmctl_cmd objects[] = {
	{ "",		missing_object },
	{ "vm",		mvmm_vm_main },
	{ "rule",	mvmm_rule_main },
	{ "default",	mvmm_default_main },
	{ "handler",	mvmm_handler_main },
	{ "stats",	mvmm_stats_main },
	{ "events",	mvmm_events_main },
	{ "monitor",	mvmm_monitor_main },
	{ "apply",	mvmm_apply_main },
	{ "group",	mvmm_group_main },
	{ "help",	help_main },
	{ NULL,		NULL },
};

static const struct option long_opts[] = {
	{ "json",	no_argument, NULL, 'j' },
	{ "pretty",	no_argument, NULL, 'p' },
	{ "numeric",	no_argument, NULL, 'n' },
	{ "version",	no_argument, NULL, 'V' },
	{ "help",	no_argument, NULL, 'h' },
	{ NULL,		0,	     NULL, 0 },
};

int main(int argc, char **argv)
{
	struct mvmm_ctx ctx = { 0 };
	int c;

	opterr = 0;	/* our own message format below */
	while ((c = getopt_long(argc, argv, "+jpnVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.json = true;
			ctx.pretty = true;
			break;
		case 'n':
			ctx.numeric = true;
			break;
		case 'V':
			printf("mvmmctl for mvmm netlink family version %d\n",
			       MVMM_GENL_VERSION);
			return MVMM_EXIT_OK;
		case 'h':
			usage(stdout);
			return MVMM_EXIT_OK;
		default:
			if (optopt)
				return mvmm_usage_err(NULL, "unknown option \"-%c\"", optopt);
			return mvmm_usage_err(NULL, "unknown option \"%s\"",
					      argv[optind - 1]);
		}
	}

	return mvmm_dispatch(&ctx, NULL, objects, argc - optind, argv + optind);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvmmctl: what main.c (global options, dispatch) shares with the files
 * that implement the commands of one object each (vm.c, rule.c,
 * handler.c, group.c, stats.c, events.c, monitor.c, apply.c, default.c).
 *
 * As in WireGuard's wg, the commands sit on two layers they share:
 * containers.h, the data model (VMs, rules, handlers, groups,
 * notifications as plain structs), which ipc.h fills from the kernel and
 * sends to it (the only netlink-aware code: ipc.c on nl.c), and print.h,
 * the one printer that writes each value as text or JSON.
 */
#ifndef MVMMCTL_H
#define MVMMCTL_H

#include <stdarg.h>
#include <stdbool.h>

/* The kernel's spellings, as tools/include has them. */
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Exit statuses, documented in the man page. */
enum {
	MVMM_EXIT_OK = 0,
	MVMM_EXIT_USAGE = 1,	/* bad command line; nothing was sent */
	MVMM_EXIT_FAIL = 2,	/* the kernel said no, or could not be asked */
};

struct mvmm_ctx {
	bool json;	/* -j */
	bool pretty;	/* -p, implies -j */
	bool numeric;	/* -n: event types as numbers */
	bool file;	/* rule show -f: tables as a policy file */
};

/*
 * One word of the grammar at some level. @fn gets the arguments after the
 * word and returns an exit status. The first entry of a table is the
 * default when the word is left out ("mvmmctl vm" is "mvmmctl vm list").
 */
struct mvmmctl_cmd {
	const char *name;
	int (*fn)(const struct mvmm_ctx *ctx, int argc, char **argv);
};

/*
 * Run the entry of @cmds (terminated by a NULL name) that argv[0] names,
 * by unique prefix. @object ("vm") is used in error messages and hints.
 */
int mvmm_dispatch(const struct mvmm_ctx *ctx, const char *object,
		  const struct mvmmctl_cmd *cmds, int argc, char **argv);

/*
 * Print "Error: <fmt>" and a hint to run "mvmmctl [@object] help" on
 * stderr; returns MVMM_EXIT_USAGE.
 */
__printf(2, 3) int mvmm_usage_err(const char *object, const char *fmt, ...);

/* Print "Error: <fmt>" on stderr; returns @status. */
__printf(2, 3) int mvmm_fail_status(int status, const char *fmt, ...);
/* The same, returning MVMM_EXIT_FAIL. */
#define mvmm_fail(...)	mvmm_fail_status(MVMM_EXIT_FAIL, __VA_ARGS__)

/* A command-line tool has nothing better to do on ENOMEM than to stop. */
__noreturn void mvmm_oom(void);

/* Objects */
int mvmm_vm_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_rule_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_handler_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_stats_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_events_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_default_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_apply_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_monitor_main(const struct mvmm_ctx *ctx, int argc, char **argv);
int mvmm_group_main(const struct mvmm_ctx *ctx, int argc, char **argv);

#endif /* MVMMCTL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing that needs no kernel: numbers, keyword prefixes and
 * VM selectors. Every function reports problems as text in a caller's
 * buffer instead of printing, so that tests/test_parse.c can check the
 * exact messages.
 */
#ifndef MVMMCTL_PARSE_H
#define MVMMCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define MVMM_ERRLEN 256

/* mvmm numbers VMs from 1; the kernel rejects 0 (NLA_POLICY_MIN). */
#define MVMM_VM_ID_MIN 1

/* Largest pid the kernel can hand out (PID_MAX_LIMIT on 64-bit). */
#define MVMM_PID_MAX 4194304

enum mvmm_match_result {
	MVMM_MATCH_NONE = -1,
	MVMM_MATCH_AMBIGUOUS = -2,
};

/*
 * Index in the NULL-terminated @names of the entry that @arg names: an exact
 * match, else the only entry that @arg is a prefix of. An empty @arg names
 * nothing.
 */
int mvmm_match(const char *arg, const char *const *names);

/*
 * As mvmm_match(), and on failure writes "unknown WHAT "ARG"" or
 * "ambiguous WHAT "ARG" (could be: a, b)" into @err.
 */
int mvmm_match_err(const char *arg, const char *const *names, const char *what,
		   char *err, size_t errlen);

/*
 * Parse an unsigned number, decimal or 0x-prefixed hex, with no sign,
 * space or trailing characters, within [@min, @max]. Returns 0, or -1 with
 * a message naming @what in @err.
 */
int mvmm_parse_num(const char *s, const char *what, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen);

/* How a command names VMs: all of them, one by id, or by creator pid. */
enum mvmm_vm_by {
	MVMM_VM_ALL,
	MVMM_VM_ID,
	MVMM_VM_PID,
};

struct mvmm_vm_sel {
	enum mvmm_vm_by by;
	uint32_t id;
	uint32_t pid;
};

/*
 * Parse "ID" or "pid PID" from the start of @argv. Returns the number of
 * arguments used (1 or 2), or -1 with a message in @err.
 */
int mvmm_parse_vm_sel(int argc, char **argv, struct mvmm_vm_sel *sel,
		      char *err, size_t errlen);

/*
 * Parse an optional "pid PID" filter that must make up all of @argv.
 * Returns 0 (sel->by is MVMM_VM_ALL or MVMM_VM_PID) or -1 with @err set.
 */
int mvmm_parse_pid_filter(int argc, char **argv, struct mvmm_vm_sel *sel,
			  char *err, size_t errlen);

#endif /* MVMMCTL_PARSE_H */

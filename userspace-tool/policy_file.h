/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files, as "mvmmctl apply -f FILE" reads them and "mvmmctl rule
 * show -f" writes them (the man page's POLICY FILE FORMAT):
 *
 *   # comment, from "#" to the end of the line
 *   flush TABLE		empty TABLE (its rule ids go on counting)
 *   TABLE RULE		add RULE to TABLE, as "mvmmctl rule add TABLE RULE"
 *
 * TABLE and RULE are the rule grammar of rule_parse.h, words separated by
 * blanks (spaces, tabs). Lines end in LF or CRLF; the last one may lack
 * its newline. A line may hold at most MVMM_PF_LINE_MAX characters.
 *
 * Parsing needs no kernel (tests/test_policy.c): errors come back as
 * "NAME:LINE: message" in a caller's buffer.
 */
#ifndef MVMMCTL_POLICY_FILE_H
#define MVMMCTL_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "rule_parse.h"

/* Longest line (without its line end), and most words on one line. */
#define MVMM_PF_LINE_MAX	1024
#define MVMM_PF_WORDS_MAX	32

/* One operation of the file: a flush, or a rule to add. */
struct mvmm_pf_op {
	int line;			/* from 1 */
	bool flush;
	struct mvmm_table_sel table;
	struct mvmm_rule_spec rule;	/* !flush */
};

struct mvmm_policy_file {
	struct mvmm_pf_op *op;
	int n;
	int cap;
};

/*
 * Parse the @len bytes at @text, named @name in messages ("stdin" or a
 * path), appending to @pf (zeroed by the caller). Returns 0, or -1 with
 * "NAME:LINE: message" in @err; @pf is then left with the lines before.
 */
int mvmm_pf_parse(const char *name, const char *text, size_t len,
		  struct mvmm_policy_file *pf, char *err, size_t errlen);

void mvmm_pf_free(struct mvmm_policy_file *pf);

#endif /* MVMMCTL_POLICY_FILE_H */

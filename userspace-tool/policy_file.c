// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files (format in policy_file.h): split into lines and words,
 * then each line goes through the same parser as "mvmmctl rule add".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvmmctl.h"
#include "parse.h"
#include "policy_file.h"

static const char *const flush_word[] = { "flush", NULL };

/* One line's words, split in place at blanks, up to a "#". */
static int split_words(char *s, char **argv, const char **err)
{
	int n = 0;

	*err = NULL;
	s[strcspn(s, "#")] = '\0';
	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			return n;
		if (n == MVMM_PF_WORDS_MAX) {
			*err = "too many words (at most 32)";
			return -1;
		}
		argv[n++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
}

/* Parse the words of one line into @op; -1 with a message in @err. */
static int parse_op(int argc, char **argv, struct mvmm_pf_op *op, char *err,
		    size_t errlen)
{
	int used;

	memset(op, 0, sizeof(*op));
	if (mvmm_match(argv[0], flush_word) == 0) {
		op->flush = true;
		used = mvmm_parse_table(argc - 1, argv + 1, &op->table, err,
					errlen);
		if (used < 0)
			return -1;
		if (argc > used + 1) {
			snprintf(err, errlen, "unexpected argument \"%s\"",
				 argv[used + 1]);
			return -1;
		}
		return 0;
	}
	used = mvmm_parse_table(argc, argv, &op->table, err, errlen);
	if (used < 0)
		return -1;
	return mvmm_parse_rule(argc - used, argv + used, &op->rule, err,
			       errlen);
}

static void add_op(struct mvmm_policy_file *pf, const struct mvmm_pf_op *op)
{
	if (pf->n == pf->cap) {
		pf->cap = pf->cap ? 2 * pf->cap : 64;
		pf->op = realloc(pf->op, pf->cap * sizeof(*pf->op));
		if (!pf->op)
			mvmm_oom();
	}
	pf->op[pf->n++] = *op;
}

int mvmm_pf_parse(const char *name, const char *text, size_t len,
		  struct mvmm_policy_file *pf, char *err, size_t errlen)
{
	char buf[MVMM_PF_LINE_MAX + 2], msg[MVMM_ERRLEN];
	char *argv[MVMM_PF_WORDS_MAX];
	const char *p = text, *end = text + len, *nl, *werr;
	struct mvmm_pf_op op;
	int line = 0, argc;
	size_t n;

	while (p < end) {
		line++;
		nl = memchr(p, '\n', end - p);
		n = (nl ? nl : end) - p;
		/* CRLF files, as an editor on another system writes them. */
		if (n && p[n - 1] == '\r')
			n--;
		if (n > MVMM_PF_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line longer than %d characters",
				 name, line, MVMM_PF_LINE_MAX);
			return -1;
		}
		if (memchr(p, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL character (not a text file?)",
				 name, line);
			return -1;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		p = nl ? nl + 1 : end;

		argc = split_words(buf, argv, &werr);
		if (argc < 0) {
			snprintf(err, errlen, "%s:%d: %s", name, line, werr);
			return -1;
		}
		if (!argc)
			continue;	/* blank or comment */
		if (parse_op(argc, argv, &op, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", name, line, msg);
			return -1;
		}
		op.line = line;
		add_op(pf, &op);
	}
	return 0;
}

void mvmm_pf_free(struct mvmm_policy_file *pf)
{
	free(pf->op);
	pf->op = NULL;
	pf->n = 0;
	pf->cap = 0;
}

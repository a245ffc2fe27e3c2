/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP output for mvmmctl's tests; tests/run counts the lines and
 * prints the "N passed, N failed" summary.
 */
#ifndef MVMMCTL_TAP_H
#define MVMMCTL_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_result(int ok, const char *what, const char *file, int line)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s", ok ? "" : "not ", tap_n, what);
	if (!ok)
		printf("  (%s:%d)", file, line);
	putchar('\n');
}

#define CHECK(cond, what) tap_result(!!(cond), what, __FILE__, __LINE__)

/* Compare strings, printing both when they differ. */
#define CHECK_STR(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int ok_ = g_ && !strcmp(g_, w_);				\
	tap_result(ok_, what, __FILE__, __LINE__);			\
	if (!ok_)							\
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",		\
		       g_ ? g_ : "(null)", w_);				\
} while (0)

static inline int tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#endif /* MVMMCTL_TAP_H */

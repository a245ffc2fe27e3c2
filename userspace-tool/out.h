/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text output helpers: aligned tables (print.c's text back end), and the
 * formatting of values for people.
 */
#ifndef MVMMCTL_OUT_H
#define MVMMCTL_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mvmmctl.h"

/* Column flags */
#define MVMM_COL_RIGHT	1	/* right-align (numbers) */

struct mvmm_table;

/* A table with @ncols columns; set each title with mvmm_table_col(). */
struct mvmm_table *mvmm_table_new(int ncols);
void mvmm_table_col(struct mvmm_table *t, int col, const char *title,
		    unsigned int flags);
/* Append the next cell, row by row. */
__printf(2, 3) void mvmm_table_add(struct mvmm_table *t, const char *fmt, ...);
/* Print titles and rows, each line starting with @indent. */
void mvmm_table_print(const struct mvmm_table *t, FILE *f, const char *indent);
void mvmm_table_free(struct mvmm_table *t);

/*
 * An event type for people: its name ("io"), or its number with -n or when
 * this mvmmctl does not know it.
 */
const char *mvmm_type_str(const struct mvmm_ctx *ctx, unsigned int type,
			  char *buf, size_t len);

/* "850ms", "12.3s", "5m03s", "2h05m", "3d04h". */
void mvmm_fmt_age(uint64_t ms, char *buf, size_t len);

/* A duration: "850ns", "41.2us", "2.10ms", "1.50s". */
void mvmm_fmt_ns(uint64_t ns, char *buf, size_t len);

/* snprintf() that appends at *@off and never runs past @len. */
__printf(4, 5)
void mvmm_buf_append(char *buf, size_t len, size_t *off, const char *fmt, ...);

#endif /* MVMMCTL_OUT_H */

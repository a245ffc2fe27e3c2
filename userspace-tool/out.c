// SPDX-License-Identifier: GPL-2.0
/*
 * Text output for mvmmctl: aligned tables and values for people.
 */
#define _GNU_SOURCE	/* vasprintf() */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "out.h"

struct mvmm_col {
	const char *title;
	unsigned int flags;
};

struct mvmm_table {
	int ncols;
	struct mvmm_col *cols;
	char **cells;		/* row-major */
	size_t ncells, cap;
};

struct mvmm_table *mvmm_table_new(int ncols)
{
	struct mvmm_table *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		mvmm_oom();
	t->ncols = ncols;
	t->cols = calloc(ncols, sizeof(*t->cols));
	if (!t->cols)
		mvmm_oom();
	return t;
}

void mvmm_table_col(struct mvmm_table *t, int col, const char *title,
		    unsigned int flags)
{
	t->cols[col].title = title;
	t->cols[col].flags = flags;
}

void mvmm_table_add(struct mvmm_table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;

	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		mvmm_oom();
	va_end(ap);

	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
		if (!t->cells)
			mvmm_oom();
	}
	t->cells[t->ncells++] = cell;
}

static void print_row(const struct mvmm_table *t, FILE *f, const char *indent,
		      const char *const *row, const size_t *width)
{
	int c;

	fputs(indent, f);
	for (c = 0; c < t->ncols; c++) {
		int w = (int)width[c];
		bool last = c == t->ncols - 1;

		if (t->cols[c].flags & MVMM_COL_RIGHT)
			fprintf(f, "%*s", w, row[c]);
		else
			fprintf(f, "%-*s", last ? 0 : w, row[c]);
		fputs(last ? "\n" : "  ", f);
	}
}

void mvmm_table_print(const struct mvmm_table *t, FILE *f, const char *indent)
{
	const char **titles;
	size_t *width;
	size_t i;
	int c;

	titles = calloc(t->ncols, sizeof(*titles));
	width = calloc(t->ncols, sizeof(*width));
	if (!titles || !width)
		mvmm_oom();

	for (c = 0; c < t->ncols; c++) {
		titles[c] = t->cols[c].title;
		width[c] = strlen(titles[c]);
	}
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		if (strlen(t->cells[i]) > width[c])
			width[c] = strlen(t->cells[i]);
	}

	print_row(t, f, indent, titles, width);
	/* A partly filled last row is a caller's bug; leave it out. */
	for (i = 0; i + t->ncols <= t->ncells; i += t->ncols)
		print_row(t, f, indent, (const char *const *)&t->cells[i], width);

	free(titles);
	free(width);
}

void mvmm_table_free(struct mvmm_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->cols);
	free(t);
}

const char *mvmm_type_str(const struct mvmm_ctx *ctx, unsigned int type,
			  char *buf, size_t len)
{
	const char *name = ctx->numeric ? NULL : mvmm_event_name(type);

	if (name)
		return name;
	snprintf(buf, len, "%u", type);
	return buf;
}

void mvmm_fmt_age(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, len, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ms % 1000) / 100);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)(s % 3600) / 60);
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)(s % 86400) / 3600);
}

void mvmm_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

void mvmm_buf_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += n;
}

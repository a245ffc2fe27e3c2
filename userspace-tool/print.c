// SPDX-License-Identifier: GPL-2.0
/*
 * The one printer (print.h): JSON through json-c, text through printf()
 * or an aligned table (out.c).
 *
 * The JSON document is built whole and printed at the end, rather than
 * streamed: json-c's own layout of -p is what scripts have seen so far.
 */
#define _GNU_SOURCE	/* vasprintf() */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "out.h"
#include "print.h"

/* Deeper than any document of ours: rule, answer, register. */
#define JSON_DEPTH_MAX	8

static struct {
	struct mvmm_ctx ctx;
	struct json_object *root;
	struct json_object *stack[JSON_DEPTH_MAX];
	int depth;
	/* The open text table, if any, and its row being filled. */
	const struct print_col *cols;
	int ncols;
	const char *indent;
	char **cells;		/* row-major, ncols a row */
	size_t ncells;
} out;

static struct json_object *nonnull(struct json_object *obj)
{
	if (!obj)
		mvmm_oom();
	return obj;
}

void print_start(const struct mvmm_ctx *ctx)
{
	out.ctx = *ctx;
}

bool is_json_context(void)
{
	return out.ctx.json;
}

void print_end(void)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (!out.root)
		return;
	flags |= out.ctx.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				  JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(out.root, flags));
	json_object_put(out.root);
	out.root = NULL;
	out.depth = 0;
}

/* @v as member @key of the innermost object, or the next of its array. */
static void json_add(const char *key, struct json_object *v)
{
	struct json_object *top;

	if (!out.depth) {
		out.root = v;
		return;
	}
	top = out.stack[out.depth - 1];
	if (json_object_is_type(top, json_type_array) ?
	    json_object_array_add(top, v) : json_object_object_add(top, key, v))
		mvmm_oom();
}

static void json_open(const char *key, struct json_object *v)
{
	if (out.depth == JSON_DEPTH_MAX)
		abort();
	json_add(key, v);
	out.stack[out.depth++] = v;
}

/* A new row of the open table, its cells empty until printed. */
static void table_row(void)
{
	size_t i;

	out.cells = realloc(out.cells,
			    (out.ncells + out.ncols) * sizeof(*out.cells));
	if (!out.cells)
		mvmm_oom();
	for (i = 0; i < (size_t)out.ncols; i++)
		out.cells[out.ncells++] = NULL;
}

void open_json_object(const char *key)
{
	if (out.ctx.json)
		json_open(key, nonnull(json_object_new_object()));
	else if (out.cols)
		table_row();
}

void open_json_array(const char *key)
{
	if (out.ctx.json)
		json_open(key, nonnull(json_object_new_array()));
}

void close_json_object(void)
{
	if (out.ctx.json)
		out.depth--;
}

void close_json_array(void)
{
	if (out.ctx.json)
		out.depth--;
}

void print_table_open(const struct print_col *cols, int n, const char *indent)
{
	if (out.ctx.json)
		return;
	if (out.cols)
		abort();
	out.cols = cols;
	out.ncols = n;
	out.indent = indent;
	out.ncells = 0;
}

void print_table_close(void)
{
	struct mvmm_table *t;
	size_t i;
	int c;

	if (out.ctx.json)
		return;
	t = mvmm_table_new(out.ncols);
	for (c = 0; c < out.ncols; c++)
		mvmm_table_col(t, c, out.cols[c].title, out.cols[c].flags);
	for (i = 0; i < out.ncells; i++) {
		mvmm_table_add(t, "%s", out.cells[i] ?: "");
		free(out.cells[i]);
	}
	mvmm_table_print(t, stdout, out.indent);
	mvmm_table_free(t);
	free(out.cells);
	out.cells = NULL;
	out.ncells = 0;
	out.cols = NULL;
}

/* The text of a value: printed, or the cell of column @key in a table. */
__printf(2, 3) static void text(const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int c;

	va_start(ap, fmt);
	if (!out.cols) {
		vprintf(fmt, ap);
		va_end(ap);
		return;
	}
	if (vasprintf(&s, fmt, ap) < 0)
		mvmm_oom();
	va_end(ap);
	for (c = 0; c < out.ncols; c++)
		if (key && !strcmp(out.cols[c].key, key))
			break;
	/* A value for no column, or before the first row: a bug of ours. */
	if (c == out.ncols || !out.ncells)
		abort();
	free(out.cells[out.ncells - out.ncols + c]);
	out.cells[out.ncells - out.ncols + c] = s;
}

static bool to_json(enum output_type t)
{
	return out.ctx.json && (t & PRINT_JSON);
}

static bool to_text(enum output_type t)
{
	return !out.ctx.json && (t & PRINT_FP);
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int v)
{
	print_u64(t, key, fmt, v);
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       unsigned long long v)
{
	if (to_json(t))
		json_add(key, nonnull(json_object_new_uint64(v)));
	else if (to_text(t))
		text(key, fmt, v);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *s)
{
	if (to_json(t))
		json_add(key, nonnull(json_object_new_string(s)));
	else if (to_text(t))
		text(key, fmt, s);
}

void print_bool(enum output_type t, const char *key, const char *fmt, bool v)
{
	if (to_json(t))
		json_add(key, nonnull(json_object_new_boolean(v)));
	else if (to_text(t))
		text(key, fmt, v ? "yes" : "no");
}

void print_event_type(enum output_type t, const char *key, const char *fmt,
		      unsigned int type)
{
	char buf[16];

	if (to_json(t) && out.ctx.numeric)
		print_u64(t, key, fmt, type);
	else
		print_string(t, key, fmt,
			     mvmm_type_str(&out.ctx, type, buf, sizeof(buf)));
}

void print_enum(enum output_type t, const char *key, const char *fmt,
		const char *name, unsigned int v)
{
	char buf[16];

	if (name) {
		print_string(t, key, fmt, name);
	} else if (to_json(t)) {
		print_u64(t, key, fmt, v);
	} else {
		snprintf(buf, sizeof(buf), "%u", v);
		print_string(t, key, fmt, buf);
	}
}

/* A number for scripts, the text @people writes of it for people. */
static void print_scaled(enum output_type t, const char *key, const char *fmt,
			 uint64_t v,
			 void (*people)(uint64_t v, char *buf, size_t len))
{
	char buf[32];

	if (to_json(t)) {
		print_u64(t, key, fmt, v);
	} else {
		people(v, buf, sizeof(buf));
		print_string(t, key, fmt, buf);
	}
}

void print_age_ms(enum output_type t, const char *key, const char *fmt,
		  uint64_t ms)
{
	print_scaled(t, key, fmt, ms, mvmm_fmt_age);
}

void print_ns(enum output_type t, const char *key, const char *fmt,
	      uint64_t ns)
{
	print_scaled(t, key, fmt, ns, mvmm_fmt_ns);
}

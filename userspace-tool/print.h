/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one printer of mvmmctl's output, in iproute2's style: each value is
 * described once, by one call that writes it as a JSON member with -j
 * and as text without:
 *
 *	print_uint(PRINT_ANY, "vcpus", "  vcpus %u", vm->vcpus);
 *
 * PRINT_JSON values only go into the JSON document, PRINT_FP values only
 * into the text. JSON objects and arrays nest as opened; the document is
 * printed by print_end(). In text a value is printf()ed with its format,
 * or, while a table is open, becomes the cell of the column with its key
 * in the current row: an object opened in a table starts a row, so that
 * the text of a list is aligned columns and its JSON an array of objects
 * with the same values.
 */
#ifndef MVMMCTL_PRINT_H
#define MVMMCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "mvmmctl.h"
#include "out.h"

enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/*
 * Start output as @ctx says (-j, -p, -n); print_end() prints the JSON
 * document (-p: pretty) and ends it.
 */
void print_start(const struct mvmm_ctx *ctx);
void print_end(void);
bool is_json_context(void);

/* @key: the member name; NULL in an array or for the document itself. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* One column of a text table: the key of its values, title, MVMM_COL_*. */
struct print_col {
	const char *key;
	const char *title;
	unsigned int flags;
};

/*
 * Text: collect the values printed until print_table_close() into a
 * table of the @n columns @cols, each line printed with @indent. JSON:
 * nothing. Tables do not nest.
 */
void print_table_open(const struct print_col *cols, int n, const char *indent);
void print_table_close(void);

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int v);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       unsigned long long v);
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *s);
/* JSON true or false; text "yes" or "no" through @fmt. */
void print_bool(enum output_type t, const char *key, const char *fmt, bool v);

/*
 * An event type: its name from "mvmmctl events", or its number with -n
 * (a JSON number) or when this mvmmctl has no name for it (a string).
 */
void print_event_type(enum output_type t, const char *key, const char *fmt,
		      unsigned int type);

/* A value of a uapi enum: its @name (a string), or NULL for its number. */
void print_enum(enum output_type t, const char *key, const char *fmt,
		const char *name, unsigned int v);

/* Milliseconds: a JSON number, text as mvmm_fmt_age() writes it ("5m03s"). */
void print_age_ms(enum output_type t, const char *key, const char *fmt,
		  uint64_t ms);

/* Nanoseconds: a JSON number, text as mvmm_fmt_ns() writes it ("41.2us"). */
void print_ns(enum output_type t, const char *key, const char *fmt,
	      uint64_t ns);

#endif /* MVMMCTL_PRINT_H */

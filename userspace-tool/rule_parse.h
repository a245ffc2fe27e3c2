/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule grammar of mvmmctl, with no netlink: parsing (errors as text in
 * a caller's buffer, for tests/test_parse.c) and printing rules back in
 * the same syntax.
 *
 *   TABLE := { vm ID | vm pid PID | default }
 *   RULE  := [ id N ] EVENT [ QUALIFIER RANGE ] [ origin { l1 | l2 | any } ]
 *            [ mode { sync | observe } ]
 *            { handler NAME | group NAME | main | answer ITEM... }
 *            [ fallback { main | deny } ] [ id N ]
 *   EVENT := { NAME | NUMBER | msr { read | write } [ RANGE ] }
 *   RANGE := { N | N-M }	decimal or 0x-prefixed hex, inclusive
 *
 * QUALIFIER is the event type's primary qualifier keyword ("io port",
 * "cpuid leaf", see kmod/core/event_names.c); a type given without one means every event
 * of that type. Keywords after EVENT come in any order, each at most once,
 * and may be abbreviated to a unique prefix.
 */
#ifndef MVMMCTL_RULE_PARSE_H
#define MVMMCTL_RULE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvmm.h>

#include "answer.h"
#include "parse.h"

/* Handler names: 1-31 characters of [a-zA-Z0-9_.-], never "main". */
#define MVMM_HANDLER_NAME_MAX	(MVMM_HANDLER_NAME_LEN - 1)
#define MVMM_HANDLER_NAME_HELP	"(1-31 characters of a-z A-Z 0-9 _ . -)"

/* Which policy table a command names. */
struct mvmm_table_sel {
	bool is_default;
	struct mvmm_vm_sel vm;	/* !is_default: by MVMM_VM_ID or MVMM_VM_PID */
};

/*
 * Parse TABLE from the start of @argv. Returns the number of arguments
 * used, or -1 with a message in @err.
 */
int mvmm_parse_table(int argc, char **argv, struct mvmm_table_sel *t,
		     char *err, size_t errlen);

/*
 * Parse RULE, which must make up all of @argv. Unset options get the
 * module's defaults (origin any, mode sync, fallback main). Returns 0, or
 * -1 with a message in @err.
 */
int mvmm_parse_rule(int argc, char **argv, struct mvmm_rule_spec *r,
		    char *err, size_t errlen);

/* Parse "id N", which must make up all of @argv. Returns 0 or -1. */
int mvmm_parse_rule_id(int argc, char **argv, uint32_t *id, char *err,
		       size_t errlen);

/* Is @s a valid handler name (not "main", which names KVM in rules)? */
bool mvmm_handler_name_ok(const char *s);

/* Names of the enum values ("any"), or NULL for a value not in the enum. */
const char *mvmm_origin_name(unsigned int v);
const char *mvmm_mode_name(unsigned int v);
const char *mvmm_fallback_name(unsigned int v);

/*
 * @r in RULE syntax: "id 3 io port 0xe9 origin any mode sync handler
 * debugcon fallback main". With @numeric the event type is its number.
 */
void mvmm_fmt_rule(const struct mvmm_rule_spec *r, bool numeric, char *buf,
		   size_t len);

#endif /* MVMMCTL_RULE_PARSE_H */

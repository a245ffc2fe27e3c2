/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rule.c lends the other commands on tables: "mvmmctl apply" and
 * "rule show -f" (apply.c), "mvmmctl default" (default.c), and rules as
 * "mvmmctl monitor" prints them.
 */
#ifndef MVMMCTL_RULE_H
#define MVMMCTL_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "mvmmctl.h"
#include "rule_parse.h"

/*
 * The VM id @t names (0: the default table); "vm pid PID" asks the
 * kernel. MVMM_EXIT_OK, or MVMM_EXIT_FAIL with the reason in @err (left
 * empty when the failure was printed already).
 */
int mvmm_rule_table_id(const struct mvmm_table_sel *t, uint32_t *vm_id,
		       char *err, size_t errlen);

/*
 * @r through the printer (print.h): JSON, an object (member @key of the
 * current one, or NULL); text, its RULE syntax through @fmt.
 */
void mvmm_print_rule(const struct mvmm_ctx *ctx, const char *key,
		     const char *fmt, const struct mvmm_rule_spec *r);

/* "mvmmctl rule show TABLE"; with ctx->file as a policy file. */
int mvmm_rule_show_table(const struct mvmm_ctx *ctx,
			 const struct mvmm_table_sel *t);

/* apply.c: "mvmmctl rule show -f [TABLE]", the arguments after "-f". */
int mvmm_rule_show_file(const struct mvmm_ctx *ctx, int argc, char **argv);

#endif /* MVMMCTL_RULE_H */

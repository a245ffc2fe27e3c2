/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules as the kernel sends them (rule.c), shared with "mvmmctl monitor"
 * (monitor.c), which prints rule notifications as "rule show" prints rules.
 */
#ifndef MVMMCTL_RULE_NL_H
#define MVMMCTL_RULE_NL_H

#include <stddef.h>

#include <netlink/attr.h>

#include "out.h"
#include "rule_parse.h"

/*
 * Fill @r from an MVMM_A_RULE nest of a reply or notification: 0, or
 * -EPROTO with the reason in @why.
 */
int mvmm_rule_from_nl(struct nlattr *nest, struct mvmm_rule_spec *r,
		      char *why, size_t len);

/* @r as one object of "mvmmctl -j rule show" (see rule.c). */
struct json_object *mvmm_rule_json(const struct mvmm_ctx *ctx,
				   const struct mvmm_rule_spec *r);

#endif /* MVMMCTL_RULE_NL_H */

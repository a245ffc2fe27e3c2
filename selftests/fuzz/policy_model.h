/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of a policy builder for the fuzzer: a flat array of
 * rules and linear scans, written from the contract in kmod/core/policy.h
 * without sharing any code with kmod/core/policy.c.
 */
#ifndef _MVMM_POLICY_MODEL_H
#define _MVMM_POLICY_MODEL_H

#include <stdbool.h>

#include "policy.h"

struct model {
	struct mvmm_rule *rules;	/* in no particular order */
	unsigned int nr;
	unsigned int max;
	__u32 next_id;
};

void model_init(struct model *m, unsigned int max);
void model_free(struct model *m);

/* Same return values as mvmm_policy_add/replace/delete. */
int model_add(struct model *m, struct mvmm_rule *r);
int model_replace(struct model *m, const struct mvmm_rule *r);
int model_delete(struct model *m, __u32 id);
void model_flush(struct model *m);

/* The rule with @id, or NULL. */
const struct mvmm_rule *model_find(const struct model *m, __u32 id);

/* Would @a and @b both match some event? */
bool model_overlap(const struct mvmm_rule *a, const struct mvmm_rule *b);

/* The one rule that matches, or NULL; *@count: how many matched. */
const struct mvmm_rule *model_lookup(const struct model *m,
				     const struct mvmm_event *ev,
				     unsigned int *count);

#endif /* _MVMM_POLICY_MODEL_H */

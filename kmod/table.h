/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_TABLE_H
#define _MVMM_TABLE_H

#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include "core/policy.h"

/*
 * A published policy: a builder (for edits and dumps) and its compiled
 * table (for the exit path), immutable once published. VMs and the
 * default slot share policies by reference; a writer stages a copy and
 * swaps the pointer (policy_txn.h). Readers run with preemption off,
 * then under the exit SRCU, so a policy is freed only after an RCU grace
 * period and then an exit-SRCU one (exit_srcu.h).
 */
struct mvmm_policy {
	struct rcu_head rcu;
	refcount_t ref;
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	/*
	 * BIT(type) of the events its rules route (sync, not to main) and
	 * observe: the exit path tests these before any look-up, and the
	 * policy holds the hooks they need while it lives.
	 */
	u64 route_types;
	u64 observe_types;
	bool hooked;
	/* Its rules' answers are held (answer_tgt.h) until it is freed. */
	bool answers_held;
	/* Its rules' handler names are pinned (handler.h) until then too. */
	bool names_held;
};

/*
 * Make @p (its builder complete) usable on the exit path: compile it,
 * install the hooks its rules need and hold the answers they name, which
 * the caller must hold meanwhile (through the table @p was copied from,
 * or its request). 0, or -ENOMEM / -E2BIG / the hook's error with
 * @err->msg set. @p is still the caller's to put.
 */
int mvmm_policy_activate(struct mvmm_policy *p, struct mvmm_policy_err *err);

static inline struct mvmm_policy *mvmm_policy_get(struct mvmm_policy *p)
{
	if (p)
		refcount_inc(&p->ref);
	return p;
}

void mvmm_policy_put(struct mvmm_policy *p);

/* The table new VMs start from, with a reference, or NULL (empty). */
struct mvmm_policy *mvmm_default_policy_get(void);
/* Replace the default; takes over the caller's reference to @p. */
void mvmm_default_policy_set(struct mvmm_policy *p);
void mvmm_default_policy_exit(void);

/* Serializes every policy writer (policy_txn.c). */
extern struct mutex mvmm_policy_mutex;

#endif /* _MVMM_TABLE_H */

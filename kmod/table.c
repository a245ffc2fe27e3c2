// SPDX-License-Identifier: GPL-2.0
/*
 * Published policies and the default table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>
#include "answer_tgt.h"
#include "compat.h"
#include "exit_srcu.h"
#include "handler.h"
#include "hook.h"
#include "table.h"

/* Serializes policy writers: each derives from the policy it replaces. */
DEFINE_MUTEX(mvmm_policy_mutex);

/* Written under mvmm_policy_mutex and mvmm_default_lock. */
static struct mvmm_policy __rcu *mvmm_default_policy;
static DEFINE_SPINLOCK(mvmm_default_lock);

/*
 * Take (@get) or drop a reference on the answer of each answer rule of
 * @p's compiled table: a slot is reused only once no table names it.
 */
static void mvmm_policy_answers(const struct mvmm_policy *p, bool get)
{
	const struct mvmm_rule *r = mvmm_policy_table_rules(p->t);
	u32 i, n = mvmm_policy_table_count(p->t);

	for (i = 0; i < n; i++) {
		if (r[i].target.kind != MVMM_TARGET_ANSWER)
			continue;
		if (get)
			mvmm_answer_tgt_ref(r[i].target.index);
		else
			mvmm_answer_tgt_unref(r[i].target.index);
	}
}

/* Drop the pins on the names of @p's first @n rules. */
static void mvmm_policy_unpin(const struct mvmm_policy *p, u32 n)
{
	const struct mvmm_rule *r = mvmm_policy_table_rules(p->t);

	while (n--)
		if (r[n].target.kind == MVMM_TARGET_HANDLER)
			mvmm_hslot_unpin(r[n].target.index);
}

/*
 * Pin the handler name of each rule of @p's compiled table, so that it
 * is not reclaimed while a rule names it: 0 or -ENOENT (a name was
 * reclaimed between the parse of the rule and now).
 */
static int mvmm_policy_pin(const struct mvmm_policy *p)
{
	const struct mvmm_rule *r = mvmm_policy_table_rules(p->t);
	u32 i, n = mvmm_policy_table_count(p->t);

	for (i = 0; i < n; i++) {
		if (r[i].target.kind != MVMM_TARGET_HANDLER)
			continue;
		if (mvmm_hslot_pin(r[i].target.index)) {
			mvmm_policy_unpin(p, i);
			return -ENOENT;
		}
	}
	return 0;
}

static void mvmm_policy_free(struct rcu_head *rcu)
{
	struct mvmm_policy *p = container_of(rcu, struct mvmm_policy, rcu);

	/* No exit can read @p any more, nor the answers it names. */
	if (p->answers_held)
		mvmm_policy_answers(p, false);
	if (p->names_held)
		mvmm_policy_unpin(p, mvmm_policy_table_count(p->t));
	if (p->hooked)
		mvmm_hooks_put(p->route_types, p->observe_types);
	mvmm_policy_table_free(p->t);
	mvmm_policy_destroy(&p->b);
	kfree(p);
}

/*
 * An RCU grace period, then the exit SRCU's: a vCPU reads the table with
 * preemption off, and takes the exit SRCU before preemption comes back
 * on to go on to a handler (exit_srcu.h). Once the RCU grace period is
 * over, every vCPU that read the table has left it or holds the SRCU,
 * which the SRCU grace period started after it then waits for. (The
 * other order would miss a vCPU that took the SRCU once that grace
 * period was under way.)
 */
static void mvmm_policy_unread(struct rcu_head *rcu)
{
	mvmm_exit_call_srcu(rcu, mvmm_policy_free);
}

void mvmm_policy_put(struct mvmm_policy *p)
{
	if (p && refcount_dec_and_test(&p->ref))
		mvmm_call_rcu_hurry(&p->rcu, mvmm_policy_unread);
}

int mvmm_policy_activate(struct mvmm_policy *p, struct mvmm_policy_err *err)
{
	const char *failed = NULL;
	int ret;

	ret = mvmm_policy_compile(&p->b, &p->t);
	if (ret) {
		if (ret == -E2BIG && err)
			err->msg = "the table would be too large to compile";
		return ret;
	}
	mvmm_policy_types(&p->b, &p->route_types, &p->observe_types);
	ret = mvmm_hooks_get(p->route_types, p->observe_types, &failed);
	if (ret) {
		pr_err("a table needs a hook on %s, which failed: %d\n",
		       failed, ret);
		if (err)
			err->msg = "mvmm could not hook the KVM function these rules need (the kernel log names it)";
		return ret;
	}
	p->hooked = true;
	ret = mvmm_policy_pin(p);
	if (ret) {
		if (err)
			err->msg = "a handler name a rule targets was reclaimed meanwhile";
		return ret;
	}
	p->names_held = true;
	mvmm_policy_answers(p, true);
	p->answers_held = true;
	return 0;
}

struct mvmm_policy *mvmm_default_policy_get(void)
{
	struct mvmm_policy *p;

	/* May run with interrupts off (first exit seen in the fastpath). */
	spin_lock(&mvmm_default_lock);
	p = rcu_dereference_protected(mvmm_default_policy,
				      lockdep_is_held(&mvmm_default_lock));
	mvmm_policy_get(p);
	spin_unlock(&mvmm_default_lock);
	return p;
}

void mvmm_default_policy_set(struct mvmm_policy *p)
{
	struct mvmm_policy *old;

	lockdep_assert_held(&mvmm_policy_mutex);
	spin_lock(&mvmm_default_lock);
	old = rcu_replace_pointer(mvmm_default_policy, p,
				  lockdep_is_held(&mvmm_default_lock));
	spin_unlock(&mvmm_default_lock);
	mvmm_policy_put(old);
}

void mvmm_default_policy_exit(void)
{
	mutex_lock(&mvmm_policy_mutex);
	mvmm_default_policy_set(NULL);
	mutex_unlock(&mvmm_policy_mutex);
}

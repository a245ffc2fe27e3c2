// SPDX-License-Identifier: GPL-2.0
/*
 * Policy transactions (policy_txn.h), over the policy store (table.c)
 * and the VMs' tables (vm.c).
 */
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "policy_txn.h"
#include "table.h"
#include "vm.h"

void mvmm_policy_txn_begin(struct mvmm_policy_txn *t)
{
	memset(t, 0, sizeof(*t));
	mutex_lock(&mvmm_policy_mutex);
}

/* A private policy holding a copy of @old's rules (@old may be NULL). */
static struct mvmm_policy *mvmm_policy_txn_copy(const struct mvmm_policy *old)
{
	struct mvmm_policy *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	refcount_set(&p->ref, 1);
	/* The id counter comes with the copy: ids go on from the table's. */
	mvmm_policy_init(&p->b, 0);
	if (old && mvmm_policy_copy(&p->b, &old->b)) {
		kfree(p);
		return NULL;
	}
	return p;
}

int mvmm_policy_txn_stage(struct mvmm_policy_txn *t, u32 vm_id,
			  struct mvmm_policy_builder **b)
{
	struct mvmm_policy_stage *st;
	struct mvmm_policy *old, *p;
	unsigned int i;

	lockdep_assert_held(&mvmm_policy_mutex);
	/* Policy files group their lines by table: the last one first. */
	if (t->nr && t->st[t->last].vm_id == vm_id)
		goto found;
	for (i = 0; i < t->nr; i++) {
		if (t->st[i].vm_id == vm_id) {
			t->last = i;
			goto found;
		}
	}

	old = vm_id ? mvmm_vm_policy_ref(vm_id) : mvmm_default_policy_get();
	if (IS_ERR(old))
		return -ESRCH;
	p = mvmm_policy_txn_copy(old);
	if (!p)
		goto err_old;
	if (t->nr == t->cap) {
		st = krealloc_array(t->st, t->cap ? 2 * t->cap : 4,
				    sizeof(*st), GFP_KERNEL);
		if (!st)
			goto err_p;
		t->st = st;
		t->cap = t->cap ? 2 * t->cap : 4;
	}
	t->last = t->nr++;
	t->st[t->last] = (struct mvmm_policy_stage) {
		.vm_id = vm_id, .p = p, .old = old,
	};
found:
	*b = &t->st[t->last].p->b;
	return 0;

err_p:
	mvmm_policy_put(p);
err_old:
	mvmm_policy_put(old);
	return -ENOMEM;
}

int mvmm_policy_txn_commit(struct mvmm_policy_txn *t,
			   struct mvmm_policy_err *err)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&mvmm_policy_mutex);
	for (i = 0; i < t->nr; i++) {
		ret = mvmm_policy_activate(t->st[i].p, err);
		if (ret)
			return ret;
		cond_resched();
	}
	/* Each publication takes over the stage's reference. */
	for (i = 0; i < t->nr; i++) {
		if (t->st[i].vm_id)
			mvmm_vm_policy_set(t->st[i].vm_id, t->st[i].p);
		else
			mvmm_default_policy_set(t->st[i].p);
		t->st[i].p = NULL;
	}
	return 0;
}

void mvmm_policy_txn_end(struct mvmm_policy_txn *t)
{
	unsigned int i;

	mutex_unlock(&mvmm_policy_mutex);
	for (i = 0; i < t->nr; i++) {
		mvmm_policy_put(t->st[i].p);
		mvmm_policy_put(t->st[i].old);
	}
	kfree(t->st);
	t->st = NULL;
	t->nr = 0;
}

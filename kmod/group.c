// SPDX-License-Identifier: GPL-2.0
/*
 * Groups of handlers: a member chosen per event by load (core/group.c),
 * lock-free on the exit path.
 *
 * A group's member set is immutable once published: changing a group
 * publishes a new set and frees the old one after an exit-SRCU grace
 * period, so that a vCPU choosing from it never sees it change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include "exit_srcu.h"
#include "group.h"

struct mvmm_gset {
	struct rcu_head rcu;
	atomic_t tick;
	/* [i]: events member i was chosen for; [MAX]: none usable */
	u64 __percpu *stats;
	struct mvmm_group_cfg cfg;
};

struct mvmm_group {
	char name[MVMM_HANDLER_NAME_LEN];
	u32 id;
	struct mvmm_gset __rcu *set;	/* NULL: deleted */
};

/* Serializes every change; the exit path and lookups are lock-free. */
static DEFINE_MUTEX(mvmm_groups_mutex);
static struct mvmm_group *mvmm_groups[MVMM_MAX_GROUPS];
static u32 mvmm_nr_groups;

static struct mvmm_group *mvmm_group_slot(u32 gid)
{
	if (gid >= MVMM_MAX_GROUPS)
		return NULL;
	/* Pairs with smp_store_release() in mvmm_group_get_or_add(). */
	return smp_load_acquire(&mvmm_groups[gid]);
}

static int mvmm_group_find(const char *name)
{
	/* Pairs with the release in mvmm_group_get_or_add(): @n are set. */
	u32 i, n = smp_load_acquire(&mvmm_nr_groups);

	for (i = 0; i < n; i++) {
		struct mvmm_group *g = mvmm_group_slot(i);

		if (g && !strcmp(g->name, name))
			return i;
	}
	return -ENOENT;
}

int mvmm_group_lookup(const char *name)
{
	int id = mvmm_group_find(name);

	if (id < 0 || !rcu_access_pointer(mvmm_groups[id]->set))
		return -ENOENT;
	return id;
}

const char *mvmm_group_name(u32 gid)
{
	struct mvmm_group *g = mvmm_group_slot(gid);

	return g ? g->name : NULL;
}

struct mvmm_hslot *mvmm_group_pick(u32 gid, struct mvmm_gpick *gp)
{
	struct mvmm_group_load load[MVMM_GROUP_MAX_MEMBERS];
	struct mvmm_gset *set = gp->set;
	struct mvmm_handler *h;
	struct mvmm_hslot *s;
	u64 now = 0;
	int i;

	if (!set) {
		struct mvmm_group *g = mvmm_group_slot(gid);

		if (!g)
			return NULL;
		set = mvmm_exit_dereference(g->set);
		if (!set)
			return NULL;
		gp->set = set;
	}
	for (i = 0; i < set->cfg.nr; i++) {
		s = mvmm_hslot(set->cfg.member[i]);
		/* The handler that would serve this VM: its load, not another's. */
		h = s ? mvmm_handler_peek(s, gp->vm_id) : NULL;
		load[i].usable = h && !(gp->tried & BIT(i)) &&
				 mvmm_hload_usable(h, &now);
		load[i].outstanding = h ? max(atomic_read(&h->load.inflight), 0) : 0;
		load[i].ewma_ns = h ? atomic64_read(&h->load.ewma_ns) : 0;
	}
	i = mvmm_group_choose(&set->cfg, load, atomic_inc_return(&set->tick));
	if (i < 0) {
		this_cpu_inc(set->stats[MVMM_GROUP_MAX_MEMBERS]);
		return NULL;
	}
	gp->tried |= BIT(i);
	this_cpu_inc(set->stats[i]);
	return mvmm_hslot(set->cfg.member[i]);
}

static void mvmm_gset_unpin(struct mvmm_gset *set, u32 nr)
{
	while (nr--)
		mvmm_hslot_unpin(set->cfg.member[nr]);
}

/* Keep the members' names while @set lives: 0 or -ENOENT. */
static int mvmm_gset_pin(struct mvmm_gset *set)
{
	u32 i;

	for (i = 0; i < set->cfg.nr; i++) {
		if (mvmm_hslot_pin(set->cfg.member[i])) {
			mvmm_gset_unpin(set, i);
			return -ENOENT;
		}
	}
	return 0;
}

static void mvmm_gset_free(struct mvmm_gset *set)
{
	if (set) {
		mvmm_gset_unpin(set, set->cfg.nr);
		free_percpu(set->stats);
		kfree(set);
	}
}

static void mvmm_gset_free_cb(struct rcu_head *head)
{
	mvmm_gset_free(container_of(head, struct mvmm_gset, rcu));
}

static struct mvmm_group *mvmm_group_get_or_add(const char *name)
{
	struct mvmm_group *g;
	int id;

	lockdep_assert_held(&mvmm_groups_mutex);
	id = mvmm_group_find(name);
	if (id >= 0)
		return mvmm_groups[id];
	if (mvmm_nr_groups == MVMM_MAX_GROUPS)
		return ERR_PTR(-ENOSPC);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	strscpy(g->name, name, sizeof(g->name));
	g->id = mvmm_nr_groups;
	/* Lock-free readers see the group only once it is initialised. */
	smp_store_release(&mvmm_groups[g->id], g);
	/* ...and the count only once the group is in place. */
	smp_store_release(&mvmm_nr_groups, g->id + 1);
	return g;
}

int mvmm_group_set(const struct mvmm_group_spec *sp, bool replace,
		   const char **msg)
{
	struct mvmm_gset *set, *old;
	struct mvmm_group *g;
	int ret;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	set->stats = __alloc_percpu(sizeof(u64) * (MVMM_GROUP_MAX_MEMBERS + 1),
				    __alignof__(u64));
	if (!set->stats) {
		kfree(set);
		return -ENOMEM;
	}
	ret = mvmm_group_cfg_init(&set->cfg, sp->policy, sp->member,
				  sp->weight, sp->nr, msg);
	if (ret) {
		set->cfg.nr = 0;
		goto err_free;
	}
	ret = mvmm_gset_pin(set);
	if (ret) {
		*msg = "a member's handler name was reclaimed meanwhile";
		set->cfg.nr = 0;
		goto err_free;
	}

	mutex_lock(&mvmm_groups_mutex);
	if (replace) {
		ret = mvmm_group_find(sp->name);
		g = ret < 0 ? NULL : mvmm_groups[ret];
	} else {
		g = mvmm_group_get_or_add(sp->name);
	}
	if (IS_ERR_OR_NULL(g)) {
		ret = g ? PTR_ERR(g) : -ENOENT;
		goto err_unlock;
	}
	old = rcu_dereference_protected(g->set,
					lockdep_is_held(&mvmm_groups_mutex));
	if (!!old != replace) {
		ret = old ? -EEXIST : -ENOENT;
		goto err_unlock;
	}
	rcu_assign_pointer(g->set, set);
	mutex_unlock(&mvmm_groups_mutex);
	if (old)
		mvmm_exit_call_srcu(&old->rcu, mvmm_gset_free_cb);
	return 0;

err_unlock:
	mutex_unlock(&mvmm_groups_mutex);
err_free:
	mvmm_gset_free(set);
	return ret;
}

int mvmm_group_del(const char *name)
{
	struct mvmm_gset *old = NULL;
	int id;

	mutex_lock(&mvmm_groups_mutex);
	id = mvmm_group_find(name);
	if (id >= 0) {
		old = rcu_dereference_protected(mvmm_groups[id]->set,
						lockdep_is_held(&mvmm_groups_mutex));
		RCU_INIT_POINTER(mvmm_groups[id]->set, NULL);
	}
	mutex_unlock(&mvmm_groups_mutex);
	if (!old)
		return -ENOENT;
	mvmm_exit_call_srcu(&old->rcu, mvmm_gset_free_cb);
	return 0;
}

static void mvmm_group_fill(struct mvmm_group *g, struct mvmm_gset *set,
			    struct mvmm_group_info *info)
{
	u64 sum[MVMM_GROUP_MAX_MEMBERS + 1] = { 0 };
	u32 i;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i <= MVMM_GROUP_MAX_MEMBERS; i++)
			sum[i] += READ_ONCE(per_cpu_ptr(set->stats, cpu)[i]);
	memset(info, 0, sizeof(*info));
	strscpy(info->name, g->name, sizeof(info->name));
	info->id = g->id;
	info->policy = set->cfg.policy;
	info->nr = set->cfg.nr;
	info->no_member = sum[MVMM_GROUP_MAX_MEMBERS];
	for (i = 0; i < set->cfg.nr; i++) {
		info->m[i].slot = set->cfg.member[i];
		info->m[i].weight = set->cfg.weight[i];
		info->m[i].chosen = sum[i];
		info->m[i].usable = mvmm_hslot_usable(set->cfg.member[i]);
	}
}

int mvmm_group_get(u32 from, struct mvmm_group_info *info)
{
	struct mvmm_gset *set;
	int ret = -ENOENT;
	u32 i;

	/* The mutex keeps the set from being freed while we copy it. */
	mutex_lock(&mvmm_groups_mutex);
	for (i = from; i < mvmm_nr_groups; i++) {
		set = rcu_dereference_protected(mvmm_groups[i]->set,
						lockdep_is_held(&mvmm_groups_mutex));
		if (set) {
			mvmm_group_fill(mvmm_groups[i], set, info);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&mvmm_groups_mutex);
	return ret;
}

/* After the exit hooks are gone and every exit-SRCU callback has run. */
void mvmm_groups_exit(void)
{
	u32 i;

	for (i = 0; i < mvmm_nr_groups; i++) {
		mvmm_gset_free(rcu_dereference_protected(mvmm_groups[i]->set, 1));
		kfree(mvmm_groups[i]);
		mvmm_groups[i] = NULL;
	}
	mvmm_nr_groups = 0;
}

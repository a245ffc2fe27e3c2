/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_GROUP_H
#define _MVMM_GROUP_H

#include <linux/types.h>
#include "core/group.h"
#include "core/policy.h"
#include "handler.h"

/*
 * Groups of handlers, by name. Like handler names, group names are
 * interned on first use and live until unload: a rule holds a group's
 * number, and a deleted group only has no member set (its rules take
 * their fallback). Members are handler names: a member set pins them
 * (mvmm_hslot_pin()) while it lives, whether or not handlers are
 * registered under them.
 */
#define MVMM_MAX_GROUPS		64

struct mvmm_gset;

/*
 * One event's pick: the VM whose event it is (whose handlers are members),
 * the set it was made from and the members tried.
 */
struct mvmm_gpick {
	u32 vm_id;
	struct mvmm_gset *set;
	u32 tried;
};

/*
 * A member of group @gid for the next event, or NULL (no such group, or
 * no usable member: counted). Call again with the same @gp after a member
 * failed in a way that lets another one take the event: it is not chosen
 * again. Exit path: lock-free, under the exit SRCU.
 */
struct mvmm_hslot *mvmm_group_pick(u32 gid, struct mvmm_gpick *gp);

/* May another member take an event that failed with @err? */
static inline bool mvmm_group_retry(const struct mvmm_gpick *gp, int err)
{
	return gp->set && (err == -ENODEV || err == -EXDEV || err == -ERANGE);
}

/* The handler slot a rule's event goes to first (see mvmm_group_pick()). */
static inline struct mvmm_hslot *mvmm_target_slot(const struct mvmm_rule *r,
						  struct mvmm_gpick *gp)
{
	if (r->target.kind == MVMM_TARGET_GROUP)
		return mvmm_group_pick(r->target.index, gp);
	return mvmm_hslot(r->target.index);
}

/* The number of the group named @name if it has members now, or -ENOENT. */
int mvmm_group_lookup(const char *name);
/* Name of group @gid (for dumps of rules), or NULL. */
const char *mvmm_group_name(u32 gid);

/* Configuration, under the groups' mutex (netlink). */
struct mvmm_group_spec {
	char name[MVMM_HANDLER_NAME_LEN];
	u32 policy;
	u32 nr;
	u32 member[MVMM_GROUP_MAX_MEMBERS];	/* handler slot ids */
	u32 weight[MVMM_GROUP_MAX_MEMBERS];
};

/*
 * Add (@replace false: -EEXIST if it has members) or replace (-ENOENT
 * if not) a group. -EINVAL with *@msg, -ENOSPC, -ENOMEM.
 */
int mvmm_group_set(const struct mvmm_group_spec *sp, bool replace,
		   const char **msg);
int mvmm_group_del(const char *name);

/* A copy of one group for a dump, with its counters summed. */
struct mvmm_group_info {
	char name[MVMM_HANDLER_NAME_LEN];
	u32 id;
	u32 policy;
	u32 nr;
	u64 no_member;
	struct {
		u32 slot;
		u32 weight;
		u64 chosen;
		bool usable;
	} m[MVMM_GROUP_MAX_MEMBERS];
};

/*
 * The first group with members whose number is >= @from: 0 and @info,
 * or -ENOENT.
 */
int mvmm_group_get(u32 from, struct mvmm_group_info *info);

void mvmm_groups_exit(void);

#endif /* _MVMM_GROUP_H */

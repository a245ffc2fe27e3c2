/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Groups of handlers: which member gets an event.
 *
 * A group is a fixed list of members (handler numbers, meaningless here)
 * and a policy (enum mvmm_group_policy, uapi). The owner builds a
 * struct mvmm_group_cfg once per configuration, with every check done
 * here, and on each event fills one struct mvmm_group_load per member from
 * its live counters and calls mvmm_group_choose(), which reads nothing
 * else and writes nothing: the owner keeps the counters (atomics in the
 * module) and the round-robin tick.
 *
 * Plain C with only <linux/types.h> and the uapi header, like policy.h,
 * so that the module, the unit tests and the instruction-count benchmark
 * run the same code.
 */
#ifndef _MVMM_CORE_GROUP_H
#define _MVMM_CORE_GROUP_H

#include <linux/types.h>
#include <linux/mvmm.h>

#ifndef __KERNEL__
#include <stdbool.h>
#endif

/* The weighted schedule: one entry per unit of weight. */
#define MVMM_GROUP_SCHED_MAX	(MVMM_GROUP_MAX_MEMBERS * MVMM_GROUP_WEIGHT_MAX)

struct mvmm_group_cfg {
	__u8 policy;		/* enum mvmm_group_policy */
	__u8 nr;		/* members, 1..MVMM_GROUP_MAX_MEMBERS */
	__u16 total;		/* weighted: sum of the weights */
	__u32 member[MVMM_GROUP_MAX_MEMBERS];
	__u8 weight[MVMM_GROUP_MAX_MEMBERS];
	/* weighted: member index for tick % total, smoothly interleaved */
	__u8 sched[MVMM_GROUP_SCHED_MAX];
};

/* What the owner knows of one member when an event comes. */
struct mvmm_group_load {
	__u64 ewma_ns;		/* recent service time, 0: none yet */
	__u32 outstanding;	/* events waiting on it now */
	__u32 usable;		/* 0: leave it out of the choice */
};

/*
 * Build @g: 0, or -EINVAL with @msg set (no member, too many, a member
 * twice, a weight of 0 or above MVMM_GROUP_WEIGHT_MAX, unknown policy).
 * @weight may be NULL (all 1). Weights are kept for every policy but only
 * the weighted one uses them.
 */
int mvmm_group_cfg_init(struct mvmm_group_cfg *g, unsigned int policy,
			const __u32 *member, const __u32 *weight,
			unsigned int nr, const char **msg);

/*
 * The index (in g->member) of the member that gets the next event, or -1
 * if no member is usable. @load has g->nr entries; @tick is a counter the
 * owner advances once per call (weighted round robin, and the turn among
 * members that tie).
 */
int mvmm_group_choose(const struct mvmm_group_cfg *g,
		      const struct mvmm_group_load *load, __u32 tick);

/* "least-outstanding", "ewma", "weighted", or NULL. */
const char *mvmm_group_policy_name(unsigned int policy);

#endif /* _MVMM_CORE_GROUP_H */

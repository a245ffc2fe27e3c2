// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing a member of a group of handlers (see group.h).
 */
#include "group.h"
#include "port.h"

static const char *const mvmm_group_policy_names[] = {
	[MVMM_GROUP_LEAST_OUTSTANDING] = "least-outstanding",
	[MVMM_GROUP_EWMA] = "ewma",
	[MVMM_GROUP_WEIGHTED] = "weighted",
};

const char *mvmm_group_policy_name(unsigned int policy)
{
	return policy <= MVMM_GROUP_POLICY_MAX ?
	       mvmm_group_policy_names[policy] : NULL;
}

/*
 * Smooth weighted round robin (nginx's), run once here instead of per
 * event: each step every member gains its weight, the richest is picked
 * and pays the total. Over one round a member appears weight times, and
 * the picks of heavy members are spread out rather than bunched.
 */
static void mvmm_group_schedule(struct mvmm_group_cfg *g)
{
	int cur[MVMM_GROUP_MAX_MEMBERS] = { 0 };
	unsigned int step, i, best;

	for (step = 0; step < g->total; step++) {
		best = 0;
		for (i = 0; i < g->nr; i++) {
			cur[i] += g->weight[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= g->total;
		g->sched[step] = best;
	}
}

int mvmm_group_cfg_init(struct mvmm_group_cfg *g, unsigned int policy,
			const __u32 *member, const __u32 *weight,
			unsigned int nr, const char **msg)
{
	unsigned int i, j, total = 0;

	*msg = NULL;
	if (policy > MVMM_GROUP_POLICY_MAX)
		*msg = "unknown group policy";
	else if (!nr)
		*msg = "a group needs at least one member";
	else if (nr > MVMM_GROUP_MAX_MEMBERS)
		*msg = "too many members (at most 16)";
	for (i = 0; !*msg && i < nr; i++) {
		if (weight && (!weight[i] || weight[i] > MVMM_GROUP_WEIGHT_MAX))
			*msg = "member weight out of range (1-255)";
		for (j = 0; j < i && !*msg; j++)
			if (member[j] == member[i])
				*msg = "member named twice";
		if (!*msg)
			total += weight ? weight[i] : 1;
	}
	if (*msg)
		return -EINVAL;

	memset(g, 0, sizeof(*g));
	g->policy = policy;
	g->nr = nr;
	g->total = total;
	for (i = 0; i < nr; i++) {
		g->member[i] = member[i];
		g->weight[i] = weight ? weight[i] : 1;
	}
	mvmm_group_schedule(g);
	return 0;
}

/*
 * The schedule's member for @tick if usable; else a pick among the usable
 * members in proportion to their weights (the schedule would skip the
 * unusable ones' turns onto whoever follows them).
 */
static int mvmm_group_weighted(const struct mvmm_group_cfg *g,
			       const struct mvmm_group_load *load, __u32 tick)
{
	unsigned int i, w = 0, r;
	int m = g->sched[tick % g->total];

	if (load[m].usable)
		return m;
	for (i = 0; i < g->nr; i++)
		if (load[i].usable)
			w += g->weight[i];
	if (!w)
		return -1;
	r = tick % w;
	for (i = 0; i < g->nr; i++) {
		if (!load[i].usable)
			continue;
		if (r < g->weight[i])
			return i;
		r -= g->weight[i];
	}
	return -1;	/* not reached */
}

/* Is @a a better choice than @b under @policy (strictly)? */
static bool mvmm_group_better(unsigned int policy,
			      const struct mvmm_group_load *a,
			      const struct mvmm_group_load *b)
{
	__u64 ca, cb;

	if (policy == MVMM_GROUP_LEAST_OUTSTANDING) {
		if (a->outstanding != b->outstanding)
			return a->outstanding < b->outstanding;
		return a->ewma_ns < b->ewma_ns;
	}
	/*
	 * Expected wait: the service time for each event ahead plus this
	 * one. Service times stay far below 2^59 ns: no overflow for 17.
	 */
	ca = a->ewma_ns * ((__u64)a->outstanding + 1);
	cb = b->ewma_ns * ((__u64)b->outstanding + 1);
	return ca < cb;
}

int mvmm_group_choose(const struct mvmm_group_cfg *g,
		      const struct mvmm_group_load *load, __u32 tick)
{
	unsigned int k, i, start;
	int best = -1;

	if (g->policy == MVMM_GROUP_WEIGHTED)
		return mvmm_group_weighted(g, load, tick);

	/* Start the scan at a turning member: ties go round. */
	start = tick % g->nr;
	for (k = 0, i = start; k < g->nr; k++, i = i + 1 == g->nr ? 0 : i + 1) {
		if (!load[i].usable)
			continue;
		if (best < 0 ||
		    mvmm_group_better(g->policy, &load[i], &load[best]))
			best = i;
	}
	return best;
}

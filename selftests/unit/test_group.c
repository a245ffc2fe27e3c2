// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing a member of a group of handlers (kmod/core/group.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "group.h"

static const __u32 ids[MVMM_GROUP_MAX_MEMBERS + 1] = {
	10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
};

static struct mvmm_group_cfg cfg;

static int init(unsigned int policy, unsigned int nr, const __u32 *w)
{
	const char *msg;

	return mvmm_group_cfg_init(&cfg, policy, ids, w, nr, &msg);
}

static void all_usable(struct mvmm_group_load *l, unsigned int nr)
{
	unsigned int i;

	memset(l, 0, nr * sizeof(*l));
	for (i = 0; i < nr; i++)
		l[i].usable = 1;
}

TEST(group_cfg_refusals)
{
	static const __u32 dup[3] = { 7, 8, 7 };
	__u32 w[3] = { 1, 1, 1 };
	const char *msg;

	EXPECT_EQ(init(MVMM_GROUP_LEAST_OUTSTANDING, 0, NULL), -EINVAL);
	EXPECT_EQ(init(MVMM_GROUP_LEAST_OUTSTANDING,
		       MVMM_GROUP_MAX_MEMBERS + 1, NULL), -EINVAL);
	EXPECT_EQ(init(MVMM_GROUP_POLICY_MAX + 1, 2, NULL), -EINVAL);
	EXPECT_EQ(mvmm_group_cfg_init(&cfg, MVMM_GROUP_EWMA, dup, NULL, 3,
				      &msg), -EINVAL);
	EXPECT_TRUE(msg && strstr(msg, "twice"));
	w[1] = 0;
	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 3, w), -EINVAL);
	w[1] = MVMM_GROUP_WEIGHT_MAX + 1;
	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 3, w), -EINVAL);
	w[1] = MVMM_GROUP_WEIGHT_MAX;
	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 3, w), 0);
	EXPECT_EQ(cfg.total, 2 + MVMM_GROUP_WEIGHT_MAX);
	EXPECT_EQ(init(MVMM_GROUP_LEAST_OUTSTANDING, MVMM_GROUP_MAX_MEMBERS,
		       NULL), 0);
	EXPECT_EQ(init(MVMM_GROUP_EWMA, 1, NULL), 0);
}

TEST(group_policy_names)
{
	EXPECT_TRUE(!strcmp(mvmm_group_policy_name(MVMM_GROUP_EWMA), "ewma"));
	EXPECT_TRUE(!strcmp(mvmm_group_policy_name(MVMM_GROUP_WEIGHTED),
			    "weighted"));
	EXPECT_TRUE(!strcmp(mvmm_group_policy_name(0), "least-outstanding"));
	EXPECT_TRUE(!mvmm_group_policy_name(3));
}

TEST(group_least_outstanding)
{
	struct mvmm_group_load l[4];
	unsigned int t, n[4] = { 0 };

	EXPECT_EQ(init(MVMM_GROUP_LEAST_OUTSTANDING, 4, NULL), 0);
	all_usable(l, 4);
	l[0].outstanding = 3;
	l[1].outstanding = 1;
	l[2].outstanding = 2;
	l[3].outstanding = 1;
	l[3].ewma_ns = 500;
	l[1].ewma_ns = 900;
	/* 1 and 3 tie on outstanding: the faster one, whatever the tick. */
	for (t = 0; t < 8; t++)
		EXPECT_EQ(mvmm_group_choose(&cfg, l, t), 3);
	l[3].usable = 0;
	EXPECT_EQ(mvmm_group_choose(&cfg, l, 0), 1);
	/* Full ties take turns. */
	all_usable(l, 4);
	for (t = 0; t < 400; t++)
		n[mvmm_group_choose(&cfg, l, t)]++;
	EXPECT_EQ(n[0], 100);
	EXPECT_EQ(n[1], 100);
	EXPECT_EQ(n[2], 100);
	EXPECT_EQ(n[3], 100);
}

TEST(group_ewma)
{
	struct mvmm_group_load l[2];
	unsigned int t;

	EXPECT_EQ(init(MVMM_GROUP_EWMA, 2, NULL), 0);
	all_usable(l, 2);
	l[0].ewma_ns = 2000000;	/* slow: 2 ms */
	l[1].ewma_ns = 40000;	/* fast: 40 us */
	for (t = 0; t < 10; t++)
		EXPECT_EQ(mvmm_group_choose(&cfg, l, t), 1);
	/* A member with no sample yet is tried first. */
	l[0].ewma_ns = 0;
	EXPECT_EQ(mvmm_group_choose(&cfg, l, 1), 0);
	/* Busy enough, the fast one costs more than the idle slow one. */
	l[0].ewma_ns = 100000;
	l[1].outstanding = 1;	/* 2 x 40 us < 100 us */
	EXPECT_EQ(mvmm_group_choose(&cfg, l, 0), 1);
	l[1].outstanding = 2;	/* 3 x 40 us > 100 us */
	EXPECT_EQ(mvmm_group_choose(&cfg, l, 0), 0);
	EXPECT_EQ(mvmm_group_choose(&cfg, l, 1), 0);
}

TEST(group_none_usable)
{
	struct mvmm_group_load l[3];
	__u32 w[3] = { 3, 2, 1 };
	unsigned int p;

	for (p = 0; p <= MVMM_GROUP_POLICY_MAX; p++) {
		EXPECT_EQ(init(p, 3, w), 0);
		memset(l, 0, sizeof(l));
		EXPECT_EQ(mvmm_group_choose(&cfg, l, 5), -1);
		l[2].usable = 1;
		EXPECT_EQ(mvmm_group_choose(&cfg, l, 5), 2);
	}
}

TEST(group_weighted_3_1)
{
	static const __u32 w[2] = { 3, 1 };
	struct mvmm_group_load l[2];
	unsigned int t, n[2] = { 0 }, run = 0, max_run = 0;
	int prev = -1, m;

	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 2, w), 0);
	all_usable(l, 2);
	for (t = 0; t < 10000; t++) {
		m = mvmm_group_choose(&cfg, l, t);
		n[m]++;
		run = m == prev ? run + 1 : 1;
		if (m == 0 && run > max_run)
			max_run = run;
		prev = m;
	}
	EXPECT_EQ(n[0], 7500);
	EXPECT_EQ(n[1], 2500);
	EXPECT_EQ(max_run, 3);
}

TEST(group_weighted_interleaved)
{
	static const __u32 w[3] = { 5, 1, 1 };
	struct mvmm_group_load l[3];
	unsigned int t, run = 0, max_run = 0;
	int prev = -1, m;

	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 3, w), 0);
	all_usable(l, 3);
	/* Smooth: 0 0 1 0 2 0 0 in a round, not 0 0 0 0 0 1 2. */
	for (t = 0; t < cfg.total; t++) {
		m = mvmm_group_choose(&cfg, l, t);
		run = m == prev ? run + 1 : 1;
		if (run > max_run)
			max_run = run;
		prev = m;
	}
	EXPECT_TRUE(max_run <= 2);
}

TEST(group_weighted_unusable_member)
{
	static const __u32 w[3] = { 2, 1, 1 };
	struct mvmm_group_load l[3];
	unsigned int t, n[3] = { 0 };

	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, 3, w), 0);
	all_usable(l, 3);
	l[0].usable = 0;
	/* Its turns go to the others by their weights: 1:1. */
	for (t = 0; t < 4000; t++)
		n[mvmm_group_choose(&cfg, l, t)]++;
	EXPECT_EQ(n[0], 0);
	EXPECT_TRUE(n[1] >= 1900 && n[1] <= 2100);
	EXPECT_EQ(n[1] + n[2], 4000);
}

TEST(group_weighted_max)
{
	__u32 w[MVMM_GROUP_MAX_MEMBERS];
	struct mvmm_group_load l[MVMM_GROUP_MAX_MEMBERS];
	unsigned int i, t, n[MVMM_GROUP_MAX_MEMBERS] = { 0 };

	for (i = 0; i < MVMM_GROUP_MAX_MEMBERS; i++)
		w[i] = i == 0 ? MVMM_GROUP_WEIGHT_MAX : i;
	EXPECT_EQ(init(MVMM_GROUP_WEIGHTED, MVMM_GROUP_MAX_MEMBERS, w), 0);
	all_usable(l, MVMM_GROUP_MAX_MEMBERS);
	/* Exactly the weights over a whole round, near the top of the ticks. */
	for (t = 0; t < cfg.total; t++)
		n[mvmm_group_choose(&cfg, l, 0xffffffffU - t)]++;
	for (i = 0; i < MVMM_GROUP_MAX_MEMBERS; i++)
		EXPECT_TRUE(n[i] >= w[i] - 1 && n[i] <= w[i] + 1);
}

// SPDX-License-Identifier: GPL-2.0
/* Ids of live objects (kmod/core/ids.h): never 0, never one in use. */
#include "helpers.h"
#include "ids.h"

/* The ids in use: a few, as a VM list would hold. */
struct live {
	__u32 ids[8];
	int n;
	int calls;	/* how often the allocator asked */
};

static bool live_in_use(__u32 id, void *arg)
{
	struct live *l = arg;
	int i;

	l->calls++;
	for (i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

TEST(ids_count_from_one_without_asking)
{
	struct live l = { .ids = { 2, 3 }, .n = 2 };
	struct mvmm_ids ids = {};

	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 1);
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 2);
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 3);
	/* Before the first wrap nothing ahead of the counter is in use. */
	EXPECT_EQ(l.calls, 0);
}

TEST(ids_wrap_past_zero_and_ids_in_use)
{
	/* VMs 1, 2 and 4 still live when the counter wraps. */
	struct live l = { .ids = { 1, 2, 4, 0xfffffffeU }, .n = 4 };
	struct mvmm_ids ids = { .last = 0xfffffffdU };

	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 0xfffffffeU);
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 0xffffffffU);
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 3);
	EXPECT_TRUE(ids.wrapped);
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 5);
	/* 4 gone: the next round may give it again, not before. */
	l.n = 2;
	EXPECT_EQ(mvmm_ids_next(&ids, live_in_use, &l), 6);
}

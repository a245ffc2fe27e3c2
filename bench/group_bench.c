// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions per group choice (kmod/core/group.c, mvmm_group_choose()),
 * counted by callgrind (bench/Makefile "group"): not timed.
 *
 *   group_bench POLICY MEMBERS choose|baseline N
 *
 * POLICY is least-outstanding, ewma or weighted (weights 1..MEMBERS),
 * MEMBERS 1..16. The loads change from call to call (outstanding counts
 * and EWMAs from a table of pseudo-random values; one member in eight
 * unusable) as they would between events, so that no branch is learnt
 * from a constant. "baseline" runs the same loop without the call: the
 * Makefile subtracts it. Without "N" it prints the group's shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

#define noinline	__attribute__((noinline))
#define LSIZE		1024	/* load snapshots, a power of 2 */

static struct mvmm_group_load loads[LSIZE][MVMM_GROUP_MAX_MEMBERS];
static struct mvmm_group_cfg cfg;

static unsigned int rnd(void)
{
	static unsigned int x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static noinline unsigned long long run_choose(unsigned long n)
{
	unsigned long long sink = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += mvmm_group_choose(&cfg, loads[i & (LSIZE - 1)], i);
	return sink;
}

static noinline unsigned long long run_baseline(unsigned long n)
{
	unsigned long long sink = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += loads[i & (LSIZE - 1)][0].outstanding;
	return sink;
}

int main(int argc, char **argv)
{
	__u32 member[MVMM_GROUP_MAX_MEMBERS], weight[MVMM_GROUP_MAX_MEMBERS];
	unsigned int nr, i, k;
	const char *msg;
	int policy;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: %s POLICY MEMBERS [choose|baseline N]\n",
			argv[0]);
		return 2;
	}
	for (policy = 0; policy <= MVMM_GROUP_POLICY_MAX; policy++)
		if (!strcmp(argv[1], mvmm_group_policy_name(policy)))
			break;
	nr = atoi(argv[2]);
	for (i = 0; i < nr && i < MVMM_GROUP_MAX_MEMBERS; i++) {
		member[i] = 100 + i;
		weight[i] = i + 1;
	}
	if (mvmm_group_cfg_init(&cfg, policy, member, weight, nr, &msg)) {
		fprintf(stderr, "%s: %s\n", argv[0], msg);
		return 2;
	}
	for (k = 0; k < LSIZE; k++) {
		for (i = 0; i < nr; i++) {
			loads[k][i].outstanding = rnd() % 4;
			loads[k][i].ewma_ns = 20000 + rnd() % 2000000;
			loads[k][i].usable = rnd() % 8 != 0;
		}
	}
	if (argc == 3) {
		printf("%s, %u members, weighted schedule of %u\n",
		       argv[1], nr, cfg.total);
		return 0;
	}
	if (!strcmp(argv[3], "choose"))
		printf("%llu\n", run_choose(strtoul(argv[4], NULL, 0)));
	else
		printf("%llu\n", run_baseline(strtoul(argv[4], NULL, 0)));
	return 0;
}

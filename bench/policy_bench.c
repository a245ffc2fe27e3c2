// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction count of a policy lookup, for `make -C bench policy`, which
 * runs this program under callgrind, counting only inside the two loop
 * functions (--toggle-collect), so that building the table is not counted:
 *
 *   policy_bench RULES DIST lookup|baseline hit|miss|empty N
 *
 * builds a table of RULES rules of one event type laid out as DIST (see
 * dists[] below), then looks up N events taken round-robin from a set of
 * precomputed ones: "hit" events fall inside rules, "miss" events of the
 * same type fall between or around them, "empty" events have a type with
 * no rule (what most exits see). "baseline" runs the same loop over the
 * same events without the call. The difference of the two counts divided
 * by N is the cost of one lookup, call included.
 *
 * Without N it prints the compiled table's shape instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define noinline	__attribute__((noinline))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define QSIZE		4096	/* power of two: the loops index with a mask */
#define RULE_TYPE	MVMM_EV_MMIO
#define EMPTY_TYPE	MVMM_EV_IO

static struct mvmm_event queries[QSIZE];

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic, so every run builds the same table. */
static __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Rule i covers [lo[i], hi[i]]: sorted, disjoint, with gaps between. */
static __u64 *lo, *hi;

/* Make sorted starts disjoint: a rare collision moves a rule up. */
static void fix_overlaps(unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++) {
		if (lo[i] <= hi[i - 1] + 1) {
			lo[i] = hi[i - 1] + 2;
			if (hi[i] < lo[i])
				hi[i] = lo[i];
		}
	}
}

/* Random ranges of 1 to 4096 keys anywhere below 2^48 (MSR, GPA, ...). */
static void dist_spread(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		lo[i] = rnd() >> 16;
	qsort(lo, n, sizeof(*lo), cmp_u64);
	for (i = 0; i < n; i++)
		hi[i] = lo[i] + rnd() % 4096;
	fix_overlaps(n);
}

/* Consecutive single keys two apart: IO ports, MSRs of one block. */
static void dist_dense(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		lo[i] = 0x1000 + 2 * (__u64)i;
		hi[i] = lo[i];
	}
}

/*
 * MMIO: nine rules in ten are 4 KiB pages of one device window (every
 * other page), the rest are scattered up to 2^40 (high BARs).
 */
static void dist_cluster(unsigned int n)
{
	unsigned int i, far = n / 10;

	for (i = 0; i < far; i++)
		lo[i] = ((rnd() % (1ULL << 28)) + (1ULL << 20)) << 12;
	for (; i < n; i++)
		lo[i] = 0xfe000000ULL + (__u64)(i - far) * 0x2000;
	qsort(lo, n, sizeof(*lo), cmp_u64);
	for (i = 0; i < n; i++)
		hi[i] = lo[i] + 0xfff;
	fix_overlaps(n);
}

/*
 * Worst case for a radix index: clusters nested at every scale, 2^60
 * down to single keys, so that no number of radix levels separates
 * them and the compiler must fall back to binary search.
 */
static void dist_nested(unsigned int n)
{
	unsigned int i, per = n / 16 ? n / 16 : 1, level;

	for (i = 0; i < n; i++) {
		level = i / per;
		lo[i] = (1ULL << (60 - 4 * (level % 16))) + 2 * (__u64)(i % per);
	}
	qsort(lo, n, sizeof(*lo), cmp_u64);
	for (i = 0; i < n; i++)
		hi[i] = lo[i];
	fix_overlaps(n);
}

static const struct {
	const char *name;
	void (*fn)(unsigned int n);
} dists[] = {
	{ "spread", dist_spread },
	{ "dense", dist_dense },
	{ "cluster", dist_cluster },
	{ "nested", dist_nested },
};

static noinline unsigned long long
run_lookup(const struct mvmm_policy_table *t, unsigned long n)
{
	unsigned long long sink = 0;
	const struct mvmm_rule *r;
	unsigned long i;

	for (i = 0; i < n; i++) {
		r = mvmm_policy_lookup(t, &queries[i & (QSIZE - 1)]);
		sink += (unsigned long)r;
	}
	return sink;
}

static noinline unsigned long long
run_baseline(const struct mvmm_policy_table *t, unsigned long n)
{
	unsigned long long sink = (unsigned long)t;
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += queries[i & (QSIZE - 1)].qual;
	return sink;
}

/* Events inside rules, between them, or of a type without rules. */
static void make_queries(unsigned int n, const char *kind)
{
	unsigned int i, k;
	__u64 q;

	for (i = 0; i < QSIZE; i++) {
		k = rnd() % n;
		memset(&queries[i], 0, sizeof(queries[i]));
		queries[i].type = RULE_TYPE;
		queries[i].origin = i & 1 ? MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1;
		if (!strcmp(kind, "hit")) {
			q = lo[k] + rnd() % (hi[k] - lo[k] + 1);
		} else {
			/* below the first, in a gap, or above the last */
			if (k == 0 && lo[0])
				q = lo[0] - 1 - rnd() % lo[0];
			else if (k + 1 < n && lo[k + 1] > hi[k] + 1)
				q = hi[k] + 1 + rnd() % (lo[k + 1] - hi[k] - 1);
			else
				q = hi[n - 1] + 1 + rnd() % 1000;
			if (!strcmp(kind, "empty"))
				queries[i].type = EMPTY_TYPE;
		}
		queries[i].qual = q;
	}
}

int main(int argc, char **argv)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_stats st;
	const struct mvmm_rule *r;
	unsigned int n, i, d;
	unsigned long count;
	struct mvmm_rule rule;
	int err;

	if (argc != 3 && argc != 6)
		goto usage;
	n = strtoul(argv[1], NULL, 0);
	for (d = 0; d < ARRAY_SIZE(dists); d++)
		if (!strcmp(argv[2], dists[d].name))
			break;
	if (!n || n > MVMM_POLICY_MAX_RULES || d == ARRAY_SIZE(dists))
		goto usage;
	lo = calloc(n, sizeof(*lo));
	hi = calloc(n, sizeof(*hi));
	if (!lo || !hi)
		return 1;
	dists[d].fn(n);

	mvmm_policy_init(&b, 0);
	for (i = 0; i < n; i++) {
		memset(&rule, 0, sizeof(rule));
		rule.type = RULE_TYPE;
		rule.lo = lo[i];
		rule.hi = hi[i];
		rule.target.kind = MVMM_TARGET_HANDLER;
		rule.target.index = i % 7;
		err = mvmm_policy_add(&b, &rule, NULL);
		if (err) {
			fprintf(stderr, "rule %u [%#llx, %#llx]: error %d\n", i,
				(unsigned long long)lo[i],
				(unsigned long long)hi[i], err);
			return 1;
		}
	}
	err = mvmm_policy_compile(&b, &t);
	if (err) {
		fprintf(stderr, "compile: error %d\n", err);
		return 1;
	}

	if (argc == 3) {
		mvmm_policy_table_stats(t, &st);
		printf("%u rules (%s): worst case %u; ", n, argv[2],
		       st.max_cost);
		printf("%u bytes, %u nodes, %u leaves, %u deep leaves, radix depth %u\n",
		       st.bytes, st.nodes, st.leaves, st.deep_leaves,
		       st.max_radix_depth);
		return 0;
	}

	make_queries(n, argv[4]);
	/* Check the queries are what they claim before counting them. */
	for (i = 0; i < QSIZE; i++) {
		r = mvmm_policy_lookup(t, &queries[i]);
		if (!!r != !strcmp(argv[4], "hit")) {
			fprintf(stderr, "query %u (%#llx) %s\n", i,
				(unsigned long long)queries[i].qual,
				r ? "hit" : "missed");
			return 1;
		}
	}
	count = strtoul(argv[5], NULL, 0);
	if (!strcmp(argv[3], "lookup"))
		printf("%llu\n", run_lookup(t, count));
	else if (!strcmp(argv[3], "baseline"))
		printf("%llu\n", run_baseline(t, count));
	else
		goto usage;
	mvmm_policy_table_free(t);
	mvmm_policy_destroy(&b);
	free(lo);
	free(hi);
	return 0;
usage:
	fprintf(stderr, "usage: %s RULES spread|dense|cluster|nested", argv[0]);
	fprintf(stderr, " [lookup|baseline hit|miss|empty N]\n");
	return 2;
}

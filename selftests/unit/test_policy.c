// SPDX-License-Identifier: GPL-2.0
/*
 * Policy tables: validation, the builder's add/replace/delete/flush, and
 * lookups in compiled tables, checked against a brute-force scan of the
 * builder's rules where the answer is not obvious.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define U64_ALL		0xffffffffffffffffULL
#define HOLE		0xffffffffu	/* "no rule" in expected ids */

static struct mvmm_rule rule(__u16 type, __u64 lo, __u64 hi, __u8 origin)
{
	struct mvmm_rule r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.lo = lo;
	r.hi = hi;
	r.origin = origin;
	r.target.kind = MVMM_TARGET_HANDLER;
	r.target.index = 7;
	return r;
}

static int add(struct mvmm_policy_builder *b, __u16 type, __u64 lo, __u64 hi,
	       __u8 origin, __u32 *id)
{
	struct mvmm_rule r = rule(type, lo, hi, origin);
	int ret = mvmm_policy_add(b, &r, NULL);

	if (id)
		*id = ret ? 0 : r.id;
	return ret;
}

static struct mvmm_event event(__u16 type, __u8 origin, __u64 qual)
{
	struct mvmm_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.origin = origin;
	ev.qual = qual;
	return ev;
}

/* Id of the rule @t gives for the event, 0 for none. */
static __u32 look(const struct mvmm_policy_table *t, __u16 type, __u8 origin,
		  __u64 qual)
{
	struct mvmm_event ev = event(type, origin, qual);
	const struct mvmm_rule *r = mvmm_policy_lookup(t, &ev);

	return r ? r->id : 0;
}

/* The same answer by scanning every rule of the builder. */
static __u32 scan(const struct mvmm_policy_builder *b, __u16 type,
		  __u8 origin, __u64 qual)
{
	const struct mvmm_rule *r;
	__u32 found = 0, i;

	for (i = 0, r = b->rules; i < b->nr; i++, r++)
		if (r->type == type && r->lo <= qual && qual <= r->hi &&
		    (r->origin == MVMM_MATCH_ANY ||
		     r->origin == origin + 1)) {
			if (found)	/* two rules match: overlap got in */
				return HOLE;
			found = r->id;
		}
	return found;
}

static struct mvmm_policy_table *compile(const struct mvmm_policy_builder *b)
{
	struct mvmm_policy_table *t = NULL;
	int ret = mvmm_policy_compile(b, &t);

	EXPECT_EQ(ret, 0);
	EXPECT_TRUE(t);
	return t;
}

/*
 * Compare the compiled table with the scan at every rule's edges and just
 * outside them, for both origins. Returns the number of mismatches.
 */
static unsigned int check_table(const struct mvmm_policy_builder *b)
{
	struct mvmm_policy_table *t = compile(b);
	unsigned int bad = 0, o, k;
	const struct mvmm_rule *r;
	__u64 q[4];

	if (!t)
		return 1;
	for (r = mvmm_policy_next(b, 0); r; r = mvmm_policy_next(b, r->id)) {
		q[0] = r->lo - 1;
		q[1] = r->lo;
		q[2] = r->hi;
		q[3] = r->hi + 1;
		for (o = 0; o < 2; o++)
			for (k = 0; k < 4; k++)
				if (look(t, r->type, o, q[k]) !=
				    scan(b, r->type, o, q[k]))
					bad++;
	}
	mvmm_policy_table_free(t);
	return bad;
}

static __u64 rng = 88172645463325252ULL;

static __u64 rnd(void)
{
	return unit_xorshift(&rng);
}

TEST(policy_empty_table)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_stats st;
	unsigned int type, o;

	mvmm_policy_init(&b, 0);
	t = compile(&b);
	if (!t)
		return;
	for (type = 0; type < __MVMM_EV_MAX; type++)
		for (o = 0; o < 2; o++) {
			EXPECT_EQ(look(t, type, o, 0), 0);
			EXPECT_EQ(look(t, type, o, U64_ALL), 0);
		}
	mvmm_policy_table_stats(t, &st);
	EXPECT_EQ(st.slots, 0);
	EXPECT_EQ(st.nodes, 0);
	EXPECT_EQ(mvmm_policy_table_count(t), 0);
	EXPECT_EQ(mvmm_policy_count(&b), 0);
	EXPECT_TRUE(!mvmm_policy_next(&b, 0));
	mvmm_policy_table_free(t);
	mvmm_policy_destroy(&b);
}

TEST(policy_ids)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	__u32 id;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 1, 1, 0, &id), 0);
	EXPECT_EQ(id, 1);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 2, 2, 0, &id), 0);
	EXPECT_EQ(id, 2);

	/* A caller's id is kept; the counter then steps over it. */
	r = rule(MVMM_EV_IO, 3, 3, 0);
	r.id = 3;
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), 0);
	EXPECT_EQ(r.id, 3);
	r = rule(MVMM_EV_IO, 4, 4, 0);
	r.id = 1000;
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 5, 5, 0, &id), 0);
	EXPECT_EQ(id, 4);

	/* Taken id: refused, naming it, even with a free range. */
	r = rule(MVMM_EV_IO, 100, 100, 0);
	r.id = 1000;
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, 1000);
	EXPECT_TRUE(err.msg);
	EXPECT_EQ(mvmm_policy_count(&b), 5);

	/* Deleted ids are not handed out again. */
	EXPECT_EQ(mvmm_policy_delete(&b, 4), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 6, 6, 0, &id), 0);
	EXPECT_EQ(id, 5);

	/* The stored rule is a copy with the id set. */
	EXPECT_TRUE(mvmm_policy_find(&b, 1000));
	if (mvmm_policy_find(&b, 1000)) {
		EXPECT_EQ(mvmm_policy_find(&b, 1000)->lo, 4);
		EXPECT_EQ(mvmm_policy_find(&b, 1000)->target.index, 7);
	}
	EXPECT_TRUE(!mvmm_policy_find(&b, 4));
	EXPECT_TRUE(!mvmm_policy_find(&b, 0));
	mvmm_policy_destroy(&b);
}

/* The id counter wraps to 1 and skips ids in use. */
TEST(policy_id_wrap)
{
	struct mvmm_policy_builder b;
	struct mvmm_rule r;
	__u32 id;

	mvmm_policy_init(&b, 0);
	r = rule(MVMM_EV_IO, 0, 0, 0);
	r.id = 0xfffffffe;
	EXPECT_EQ(mvmm_policy_add(&b, &r, NULL), 0);
	r = rule(MVMM_EV_IO, 1, 1, 0);
	r.id = 1;
	EXPECT_EQ(mvmm_policy_add(&b, &r, NULL), 0);
	b.next_id = 0xfffffffe;	/* as after four billion adds */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 2, 2, 0, &id), 0);
	EXPECT_EQ(id, 0xffffffff);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 3, 3, 0, &id), 0);
	EXPECT_EQ(id, 2);
	EXPECT_TRUE(!mvmm_policy_next(&b, 0xffffffff));
	EXPECT_EQ(mvmm_policy_next(&b, 0xfffffffe)->id, 0xffffffff);
	mvmm_policy_destroy(&b);
}

TEST(policy_overlap_ranges)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	__u32 a, id;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 10, 20, 0, &a), 0);

	/* Touching at one key is an overlap: ranges are inclusive. */
	r = rule(MVMM_EV_IO, 20, 30, 0);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, a);
	EXPECT_TRUE(err.msg);
	EXPECT_EQ(r.id, 0);		/* not written on failure */
	r = rule(MVMM_EV_IO, 0, 10, 0);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, a);
	/* Containing and contained ranges. */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0, 100, 0, NULL), -EEXIST);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 15, 15, 0, NULL), -EEXIST);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 10, 20, 0, NULL), -EEXIST);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0, U64_ALL, 0, NULL), -EEXIST);
	EXPECT_EQ(mvmm_policy_count(&b), 1);

	/* Adjacent ranges are fine. */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 21, 30, 0, &id), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0, 9, 0, NULL), 0);
	/* Between two rules: names one of them. */
	r = rule(MVMM_EV_IO, 5, 25, 0);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_TRUE(err.conflict_id != 0);
	/* Other types are separate. */
	EXPECT_EQ(add(&b, MVMM_EV_CPUID, 10, 20, 0, NULL), 0);
	EXPECT_EQ(add(&b, MVMM_EV_MSR_READ, 0, U64_ALL, 0, NULL), 0);
	EXPECT_EQ(mvmm_policy_count(&b), 5);
	EXPECT_EQ(check_table(&b), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_overlap_origins)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	__u32 l1, l2, any;

	mvmm_policy_init(&b, 0);
	/* L1 and L2 rules may share a range: no event matches both. */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 10, 20, MVMM_MATCH_L1, &l1), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 10, 20, MVMM_MATCH_L2, &l2), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 15, 15, MVMM_MATCH_L1, NULL), -EEXIST);

	/* "any" meets both. */
	r = rule(MVMM_EV_IO, 20, 25, MVMM_MATCH_ANY);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_TRUE(err.conflict_id == l1 || err.conflict_id == l2);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 30, 40, MVMM_MATCH_ANY, &any), 0);
	r = rule(MVMM_EV_IO, 40, 40, MVMM_MATCH_L2);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, any);
	r = rule(MVMM_EV_IO, 29, 30, MVMM_MATCH_L1);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, any);

	/* An L2-only range next to an L1-only one: any must avoid both. */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 21, 22, MVMM_MATCH_L1, NULL), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 23, 24, MVMM_MATCH_L2, NULL), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 22, 23, MVMM_MATCH_ANY, NULL), -EEXIST);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 23, 23, MVMM_MATCH_L1, NULL), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 21, 21, MVMM_MATCH_L2, NULL), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 25, 29, MVMM_MATCH_ANY, NULL), 0);
	EXPECT_EQ(mvmm_policy_count(&b), 8);
	EXPECT_EQ(check_table(&b), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_lookup_by_origin)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_stats st;
	__u32 l1, l2, any;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_CPUID, 0x40000000, 0x400000ff, MVMM_MATCH_L1,
		      &l1), 0);
	EXPECT_EQ(add(&b, MVMM_EV_CPUID, 0x40000000, 0x4000000f, MVMM_MATCH_L2,
		      &l2), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0xe9, 0xe9, MVMM_MATCH_ANY, &any), 0);
	t = compile(&b);
	if (!t)
		return;
	EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L1, 0x40000010), l1);
	EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L2, 0x40000010), 0);
	EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L2, 0x4000000f), l2);
	EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L1, 0x4000000f), l1);
	EXPECT_EQ(look(t, MVMM_EV_IO, MVMM_ORIGIN_L1, 0xe9), any);
	EXPECT_EQ(look(t, MVMM_EV_IO, MVMM_ORIGIN_L2, 0xe9), any);
	/* Malformed events find nothing rather than a wrong slot. */
	EXPECT_EQ(look(t, MVMM_EV_IO, 2, 0xe9), 0);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0xff, 0xe9), 0);
	EXPECT_EQ(look(t, __MVMM_EV_MAX, 0, 0xe9), 0);
	EXPECT_EQ(look(t, 0xffff, 0, 0xe9), 0);
	/* Only the qualifier counts: sub, size and flags do not. */
	{
		struct mvmm_event ev = event(MVMM_EV_IO, 0, 0xe9);

		ev.sub = 0x1234;
		ev.size = 4;
		ev.flags = MVMM_EVF_WRITE;
		EXPECT_TRUE(mvmm_policy_lookup(t, &ev));
	}
	/* The any-origin IO rule indexes once for both origins; CPUID twice. */
	mvmm_policy_table_stats(t, &st);
	EXPECT_EQ(st.slots, 3);
	mvmm_policy_table_free(t);
	mvmm_policy_destroy(&b);
}

TEST(policy_rejects_malformed)
{
	static const struct {
		const char *what;
		__u16 type;
		__u64 lo, hi;
		__u8 origin, mode, fallback;
		__u32 kind, index;
	} bad[] = {
		{ "type", __MVMM_EV_MAX, 0, 0, 0, 0, 0, 1, 0 },
		{ "type", 0xffff, 0, 0, 0, 0, 0, 1, 0 },
		{ "range", MVMM_EV_IO, 2, 1, 0, 0, 0, 1, 0 },
		{ "range", MVMM_EV_IO, U64_ALL, 0, 0, 0, 0, 1, 0 },
		{ "origin", MVMM_EV_IO, 0, 0, 3, 0, 0, 1, 0 },
		{ "mode", MVMM_EV_IO, 0, 0, 0, 2, 0, 1, 0 },
		{ "fallback", MVMM_EV_IO, 0, 0, 0, 0, 2, 1, 0 },
		{ "kind", MVMM_EV_IO, 0, 0, 0, 0, 0, 4, 0 },
		{ "kind", MVMM_EV_IO, 0, 0, 0, 0, 0, 0xffffffff, 0 },
		{ "main index", MVMM_EV_IO, 0, 0, 0, 0, 0, 0, 1 },
	};
	struct mvmm_policy_builder b;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	const char *msg;
	unsigned int i;
	__u32 id;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0, 0, 0, &id), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r = rule(bad[i].type, bad[i].lo, bad[i].hi, bad[i].origin);
		r.mode = bad[i].mode;
		r.fallback = bad[i].fallback;
		r.target.kind = bad[i].kind;
		r.target.index = bad[i].index;
		msg = NULL;
		EXPECT_EQ(mvmm_policy_rule_check(&r, &msg), -EINVAL);
		EXPECT_TRUE(msg);
		err.msg = NULL;
		EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -EINVAL);
		EXPECT_TRUE(err.msg == msg);
		r.id = id;
		EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), -EINVAL);
	}
	EXPECT_EQ(mvmm_policy_count(&b), 1);
	EXPECT_EQ(mvmm_policy_find(&b, id)->hi, 0);

	/* Every value of every enum is accepted. */
	r = rule(MVMM_EV_FAILED_ENTRY, 0, U64_ALL, MVMM_MATCH_L2);
	r.mode = MVMM_MODE_OBSERVE;
	r.fallback = MVMM_FALLBACK_DENY;
	r.target.kind = MVMM_TARGET_ANSWER;
	r.target.index = 0xffffffff;
	EXPECT_EQ(mvmm_policy_rule_check(&r, &msg), 0);
	EXPECT_TRUE(!msg);
	EXPECT_EQ(mvmm_policy_add(&b, &r, NULL), 0);
	r = rule(MVMM_EV_OTHER, 5, 5, MVMM_MATCH_L1);
	r.target.kind = MVMM_TARGET_MAIN;
	r.target.index = 0;
	EXPECT_EQ(mvmm_policy_add(&b, &r, NULL), 0);
	r = rule(MVMM_EV_OTHER, 6, 6, MVMM_MATCH_L1);
	r.target.kind = MVMM_TARGET_GROUP;
	EXPECT_EQ(mvmm_policy_add(&b, &r, NULL), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_limits)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	__u32 i, id;

	mvmm_policy_init(&b, 3);
	EXPECT_EQ(b.max_rules, 3);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(add(&b, MVMM_EV_IO, i, i, 0, &id), 0);
	r = rule(MVMM_EV_IO, 10, 10, 0);
	EXPECT_EQ(mvmm_policy_add(&b, &r, &err), -ENOSPC);
	EXPECT_TRUE(err.msg);
	/* An overlap is reported before the table is full. */
	EXPECT_EQ(add(&b, MVMM_EV_IO, 1, 1, 0, NULL), -EEXIST);
	/* A replace needs no room. */
	r = rule(MVMM_EV_IO, 10, 10, 0);
	r.id = id;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, NULL), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, id), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 10, 10, 0, NULL), 0);
	mvmm_policy_destroy(&b);

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(b.max_rules, MVMM_POLICY_MAX_RULES);
	mvmm_policy_init(&b, MVMM_POLICY_MAX_RULES + 1);
	EXPECT_EQ(b.max_rules, MVMM_POLICY_MAX_RULES);

	/*
	 * The real limit, with one rule per key from 0 (past the IO port
	 * space: the core takes any qualifier, netlink checks the range).
	 */
	for (i = 0; i < MVMM_POLICY_MAX_RULES; i++)
		if (add(&b, MVMM_EV_IO, i, i, 0, NULL))
			break;
	EXPECT_EQ(i, MVMM_POLICY_MAX_RULES);
	EXPECT_EQ(add(&b, MVMM_EV_IO, i, i, 0, NULL), -ENOSPC);
	t = compile(&b);
	if (t) {
		EXPECT_EQ(mvmm_policy_table_count(t), MVMM_POLICY_MAX_RULES);
		EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0), 1);
		EXPECT_EQ(look(t, MVMM_EV_IO, 1, 0xffff), 0x10000);
		EXPECT_EQ(look(t, MVMM_EV_IO, 0, MVMM_POLICY_MAX_RULES), 0);
		mvmm_policy_table_free(t);
	}
	mvmm_policy_destroy(&b);
}

TEST(policy_delete)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	__u32 a, c;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_MSR_READ, 0x10, 0x10, 0, &a), 0);
	EXPECT_EQ(add(&b, MVMM_EV_MSR_READ, 0x1b, 0x1b, MVMM_MATCH_L1, &c), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, a), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, a), -ENOENT);
	EXPECT_EQ(mvmm_policy_delete(&b, 0), -ENOENT);
	EXPECT_EQ(mvmm_policy_delete(&b, 12345), -ENOENT);
	EXPECT_EQ(mvmm_policy_count(&b), 1);
	t = compile(&b);
	if (t) {
		EXPECT_EQ(look(t, MVMM_EV_MSR_READ, 0, 0x10), 0);
		EXPECT_EQ(look(t, MVMM_EV_MSR_READ, 0, 0x1b), c);
		mvmm_policy_table_free(t);
	}
	/* Its range is free again, in both origins. */
	EXPECT_EQ(add(&b, MVMM_EV_MSR_READ, 0x10, 0x10, MVMM_MATCH_L2, NULL), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, c), 0);
	EXPECT_EQ(add(&b, MVMM_EV_MSR_READ, 0x1b, 0x1b, MVMM_MATCH_ANY, NULL), 0);
	EXPECT_EQ(check_table(&b), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_replace)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_err err;
	struct mvmm_rule r;
	__u32 a, c;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0x60, 0x64, MVMM_MATCH_L1, &a), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0x70, 0x71, MVMM_MATCH_ANY, &c), 0);

	/* Growing over its own old range is fine; the id stays. */
	r = rule(MVMM_EV_IO, 0x5f, 0x6f, MVMM_MATCH_L1);
	r.id = a;
	r.mode = MVMM_MODE_OBSERVE;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), 0);
	EXPECT_EQ(mvmm_policy_find(&b, a)->lo, 0x5f);
	EXPECT_EQ(mvmm_policy_find(&b, a)->mode, MVMM_MODE_OBSERVE);
	EXPECT_EQ(mvmm_policy_count(&b), 2);

	/* Onto another rule: refused, and the old rule is intact. */
	r = rule(MVMM_EV_IO, 0x60, 0x70, MVMM_MATCH_L1);
	r.id = a;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), -EEXIST);
	EXPECT_EQ(err.conflict_id, c);
	EXPECT_EQ(mvmm_policy_find(&b, a)->hi, 0x6f);
	/* From L1 to any, where L2 has nothing in the way: fine. */
	r = rule(MVMM_EV_IO, 0x5f, 0x6f, MVMM_MATCH_ANY);
	r.id = a;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), 0);
	/* To another type. */
	r = rule(MVMM_EV_CPUID, 0, 0, MVMM_MATCH_L2);
	r.id = c;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0x70, 0x71, MVMM_MATCH_L1, NULL), 0);

	/* With the stored rule itself: a no-op. */
	EXPECT_EQ(mvmm_policy_replace(&b, mvmm_policy_find(&b, a), &err), 0);
	EXPECT_EQ(mvmm_policy_find(&b, a)->hi, 0x6f);
	EXPECT_EQ(mvmm_policy_find(&b, a)->origin, MVMM_MATCH_ANY);

	r.id = 999;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), -ENOENT);
	r.id = 0;
	EXPECT_EQ(mvmm_policy_replace(&b, &r, &err), -ENOENT);
	EXPECT_EQ(mvmm_policy_count(&b), 3);

	t = compile(&b);
	if (t) {
		EXPECT_EQ(look(t, MVMM_EV_IO, MVMM_ORIGIN_L2, 0x5f), a);
		EXPECT_EQ(look(t, MVMM_EV_IO, MVMM_ORIGIN_L2, 0x70), 0);
		EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L2, 0), c);
		EXPECT_EQ(look(t, MVMM_EV_CPUID, MVMM_ORIGIN_L1, 0), 0);
		mvmm_policy_table_free(t);
	}
	EXPECT_EQ(check_table(&b), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_flush)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	__u32 id, i;

	mvmm_policy_init(&b, 0);
	for (i = 0; i < 100; i++)
		EXPECT_EQ(add(&b, i % __MVMM_EV_MAX, i, i, 0, &id), 0);
	mvmm_policy_flush(&b);
	EXPECT_EQ(mvmm_policy_count(&b), 0);
	EXPECT_TRUE(!mvmm_policy_next(&b, 0));
	t = compile(&b);
	if (t) {
		EXPECT_EQ(look(t, 0, 0, 0), 0);
		mvmm_policy_table_free(t);
	}
	/* Works again, with new ids. */
	EXPECT_EQ(add(&b, 0, 0, 0, 0, &id), 0);
	EXPECT_EQ(id, 101);
	mvmm_policy_flush(&b);
	mvmm_policy_flush(&b);
	mvmm_policy_destroy(&b);
}

TEST(policy_lookup_edges)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	__u32 a, c;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0x60, 0x64, 0, &a), 0);
	EXPECT_EQ(add(&b, MVMM_EV_IO, 0x65, 0x65, 0, &c), 0);
	t = compile(&b);
	if (!t)
		return;
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x5f), 0);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x60), a);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x64), a);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x65), c);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x66), 0);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0), 0);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, U64_ALL), 0);
	EXPECT_EQ(look(t, MVMM_EV_IO, 0, 0x10000000060ULL), 0);
	EXPECT_EQ(look(t, MVMM_EV_CPUID, 0, 0x60), 0);
	mvmm_policy_table_free(t);
	mvmm_policy_destroy(&b);
}

TEST(policy_u64_edges)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	__u32 top, low, half, all;

	mvmm_policy_init(&b, 0);
	EXPECT_EQ(add(&b, MVMM_EV_MMIO, U64_ALL - 1, U64_ALL, 0, &top), 0);
	EXPECT_EQ(add(&b, MVMM_EV_MMIO, 0, 0, 0, &low), 0);
	EXPECT_EQ(add(&b, MVMM_EV_NPF, 0, 0x7fffffffffffffffULL, 0, &half), 0);
	EXPECT_EQ(add(&b, MVMM_EV_NPF, 0x8000000000000000ULL, U64_ALL, 0, &all),
		  0);
	EXPECT_EQ(add(&b, MVMM_EV_HLT, 0, U64_ALL, MVMM_MATCH_L2, NULL), 0);
	t = compile(&b);
	if (!t)
		return;
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 0, U64_ALL), top);
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 1, U64_ALL - 1), top);
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 0, U64_ALL - 2), 0);
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 0, 0), low);
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 0, 1), 0);
	EXPECT_EQ(look(t, MVMM_EV_MMIO, 0, 0x8000000000000000ULL), 0);
	EXPECT_EQ(look(t, MVMM_EV_NPF, 0, 0), half);
	EXPECT_EQ(look(t, MVMM_EV_NPF, 0, 0x7fffffffffffffffULL), half);
	EXPECT_EQ(look(t, MVMM_EV_NPF, 0, 0x8000000000000000ULL), all);
	EXPECT_EQ(look(t, MVMM_EV_NPF, 1, U64_ALL), all);
	EXPECT_TRUE(look(t, MVMM_EV_HLT, 1, 0) != 0);
	EXPECT_TRUE(look(t, MVMM_EV_HLT, 1, U64_ALL) != 0);
	EXPECT_EQ(look(t, MVMM_EV_HLT, 0, 0), 0);
	mvmm_policy_table_free(t);
	EXPECT_EQ(add(&b, MVMM_EV_NPF, U64_ALL, U64_ALL, 0, NULL), -EEXIST);
	EXPECT_EQ(add(&b, MVMM_EV_MMIO, 1, U64_ALL - 2, 0, NULL), 0);
	EXPECT_EQ(check_table(&b), 0);
	mvmm_policy_destroy(&b);
}

TEST(policy_dump_order)
{
	struct mvmm_policy_builder b;
	const struct mvmm_rule *r;
	__u32 i, prev, n;

	mvmm_policy_init(&b, 0);
	/* Ranges added in descending order; the dump follows the ids. */
	for (i = 0; i < 50; i++)
		EXPECT_EQ(add(&b, MVMM_EV_IO, 1000 - i, 1000 - i, 0, NULL), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, 10), 0);
	EXPECT_EQ(mvmm_policy_delete(&b, 11), 0);
	prev = 0;
	n = 0;
	for (r = mvmm_policy_next(&b, 0); r; r = mvmm_policy_next(&b, r->id)) {
		EXPECT_TRUE(r->id > prev);
		EXPECT_EQ(r->lo, 1001 - r->id);
		prev = r->id;
		n++;
	}
	EXPECT_EQ(n, 48);
	/* Resuming after a deleted id goes on with the next one. */
	EXPECT_EQ(mvmm_policy_next(&b, 10)->id, 12);
	mvmm_policy_destroy(&b);
}

TEST(policy_copy)
{
	struct mvmm_policy_builder a, c;
	__u32 id;

	mvmm_policy_init(&a, 10);
	mvmm_policy_init(&c, 0);
	EXPECT_EQ(add(&a, MVMM_EV_IO, 1, 2, 0, NULL), 0);
	EXPECT_EQ(add(&a, MVMM_EV_IO, 3, 4, MVMM_MATCH_L2, NULL), 0);
	EXPECT_EQ(add(&c, MVMM_EV_CPUID, 1, 1, 0, NULL), 0);
	EXPECT_EQ(mvmm_policy_copy(&c, &a), 0);
	EXPECT_EQ(mvmm_policy_count(&c), 2);
	EXPECT_EQ(c.max_rules, 10);
	EXPECT_EQ(mvmm_policy_find(&c, 2)->lo, 3);
	/* Independent from now on, ids going on from the source's. */
	EXPECT_EQ(add(&c, MVMM_EV_IO, 5, 5, 0, &id), 0);
	EXPECT_EQ(id, 3);
	EXPECT_EQ(add(&c, MVMM_EV_IO, 3, 3, MVMM_MATCH_L2, NULL), -EEXIST);
	EXPECT_EQ(mvmm_policy_delete(&a, 1), 0);
	EXPECT_TRUE(mvmm_policy_find(&c, 1));
	EXPECT_EQ(check_table(&c), 0);
	/* An empty source empties the copy. */
	mvmm_policy_flush(&a);
	EXPECT_EQ(mvmm_policy_copy(&c, &a), 0);
	EXPECT_EQ(mvmm_policy_count(&c), 0);
	mvmm_policy_destroy(&a);
	mvmm_policy_destroy(&c);
}

TEST(policy_table_rules)
{
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	const struct mvmm_rule *rules, *r;
	__u32 i;

	mvmm_policy_init(&b, 0);
	for (i = 0; i < 20; i++)
		EXPECT_EQ(add(&b, MVMM_EV_IO, 100 - 2 * i, 100 - 2 * i, 0, NULL),
			  0);
	EXPECT_EQ(mvmm_policy_delete(&b, 5), 0);
	t = compile(&b);
	if (!t)
		return;
	EXPECT_EQ(mvmm_policy_table_count(t), 19);
	rules = mvmm_policy_table_rules(t);
	for (i = 1; i < 19; i++)
		EXPECT_TRUE(rules[i - 1].id < rules[i].id);
	/* Lookups return elements of that array. */
	{
		struct mvmm_event ev = event(MVMM_EV_IO, 0, 100 - 2 * 9);

		r = mvmm_policy_lookup(t, &ev);
		EXPECT_TRUE(r == &rules[8]);
		EXPECT_EQ(r ? r->id : 0, 10);
	}
	mvmm_policy_table_free(t);
	mvmm_policy_destroy(&b);
}

/*
 * Layouts that make the compiler use each of its structures: radix
 * children, small leaves and deep leaves. Each is checked exhaustively
 * at rule edges.
 */
TEST_POINTS(policy_layouts)
{
	static const char *const names[] = {
		"single keys", "dense ports", "cluster in a wide space",
		"nested clusters", "random widths",
	};
	struct mvmm_policy_builder b;
	struct mvmm_policy_table *t;
	struct mvmm_policy_stats st;
	__u64 lo, w;
	__u32 i, n, layout;

	for (layout = 0; layout < 5; layout++) {
		POINT("policy layout: %s", names[layout]);
		mvmm_policy_init(&b, 0);
		/* few enough nested clusters that radix levels cannot win */
		n = layout == 3 ? 200 : 3000;
		for (i = 0; i < n; i++) {
			switch (layout) {
			case 0:
				lo = rnd();
				w = 0;
				break;
			case 1:
				lo = 3 * i;
				w = i % 2;
				break;
			case 2:
				lo = i % 10 ? 0xfe000000ULL + 0x2000 * i :
					      rnd() >> 20;
				w = 0xfff;
				break;
			case 3:
				lo = (1ULL << (60 - 4 * (i % 16))) + 2 * i;
				w = 0;
				break;
			default:
				lo = rnd() >> (rnd() % 64);
				w = rnd() >> (16 + rnd() % 48);
				break;
			}
			if (lo + w < lo)
				w = 0;
			/* Overlaps are refused; the rest makes the table. */
			add(&b, MVMM_EV_MMIO, lo, lo + w, rnd() % 3, NULL);
		}
		EXPECT_TRUE(mvmm_policy_count(&b) > n / 4);
		EXPECT_EQ(check_table(&b), 0);
		t = compile(&b);
		if (t) {
			mvmm_policy_table_stats(t, &st);
			EXPECT_TRUE(st.nodes >= 1);
			if (layout >= 2)
				EXPECT_TRUE(st.max_radix_depth >= 2);
			if (layout == 3)
				EXPECT_TRUE(st.deep_leaves > 0);
			if (layout == 0 || layout == 4)
				EXPECT_TRUE(st.leaves > 0);
			mvmm_policy_table_free(t);
		}
		mvmm_policy_destroy(&b);
		END();
	}
}

/* Many random changes, compiled and checked every so often. */
TEST(policy_compile_after_mutations)
{
	struct mvmm_policy_builder b;
	struct mvmm_rule r;
	__u32 i, ids[64], nids = 0, k;
	unsigned int bad = 0;
	__u64 lo;

	mvmm_policy_init(&b, 0);
	for (i = 0; i < 20000; i++) {
		lo = rnd() % 4096;
		r = rule(MVMM_EV_IO + rnd() % 2, lo, lo + rnd() % 64,
			 rnd() % 3);
		switch (rnd() % 4) {
		case 0:
		case 1:
			if (!mvmm_policy_add(&b, &r, NULL) && nids < 64)
				ids[nids++] = r.id;
			break;
		case 2:
			if (nids) {
				r.id = ids[rnd() % nids];
				mvmm_policy_replace(&b, &r, NULL);
			}
			break;
		default:
			if (nids) {
				k = rnd() % nids;
				mvmm_policy_delete(&b, ids[k]);
				ids[k] = ids[--nids];
			}
			break;
		}
		if (i % 1000 == 999)
			bad += check_table(&b);
	}
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(mvmm_policy_count(&b) > 100);
	mvmm_policy_destroy(&b);
}

/*
 * Views open room at either end (view_open()): rules arriving in
 * ascending, descending, outside-in and inside-out order, and deletions
 * between, must leave the same views: every add of a free point works,
 * every add of a taken point is refused as an overlap, and the compiled
 * table agrees with the scan.
 */
TEST(policy_insert_orders)
{
	static const char *const name[] = {
		"ascending", "descending", "outside-in", "inside-out",
	};
	const __u32 n = 3000;
	struct mvmm_policy_builder b;
	unsigned int order, bad, refused;
	__u32 i, k, id;

	for (order = 0; order < 4; order++) {
		bad = 0;
		refused = 0;
		mvmm_policy_init(&b, 0);
		for (i = 0; i < n; i++) {
			switch (order) {
			case 0:
				k = i;
				break;
			case 1:
				k = n - 1 - i;
				break;
			case 2:
				k = i % 2 ? n - 1 - i / 2 : i / 2;
				break;
			default:
				k = i % 2 ? n / 2 + i / 2 : n / 2 - 1 - i / 2;
				break;
			}
			bad += !!add(&b, MVMM_EV_IO, 2 * k, 2 * k, k % 3, &id);
		}
		for (k = 0; k < n; k++)
			refused += add(&b, MVMM_EV_IO, 2 * k, 2 * k, MVMM_MATCH_ANY,
				       NULL) == -EEXIST;
		bad += check_table(&b);
		/* Every other rule deleted from the top, then added again. */
		for (k = n; k-- > 0;)
			if (k % 2)
				bad += !!mvmm_policy_delete(&b, scan(&b, MVMM_EV_IO,
					k % 3 == MVMM_MATCH_L2 ? 1 : 0, 2 * k));
		bad += check_table(&b);
		for (k = 0; k < n; k++)
			if (k % 2)
				bad += !!add(&b, MVMM_EV_IO, 2 * k, 2 * k,
					     k % 3, NULL);
		bad += check_table(&b);
		if (bad || refused != n || mvmm_policy_count(&b) != n)
			unit_fail(__FILE__, __LINE__,
				  "%s: %u bad, %u of %u re-adds refused, %u rules",
				  name[order], bad, refused, n,
				  mvmm_policy_count(&b));
		mvmm_policy_destroy(&b);
	}
}

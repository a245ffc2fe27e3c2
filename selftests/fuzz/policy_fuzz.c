// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the policy tables (kmod/core/policy.c).
 *
 * The input is a program: two header bytes (the builder's rule limit, and
 * one ignored: it chose a ->routable() hook the builder no longer has;
 * the committed corpus keeps it), then operations, each an opcode
 * byte and its operands (add, replace, delete, flush, copy, compile, look
 * up, add many). Every operation runs on the real builder and on the
 * reference model (policy_model.c), and the two must agree: the same
 * return values, the same ids, a conflict that really overlaps, the same
 * rules in id order, and compiled tables that answer every lookup as a
 * linear scan of the rules does. Any difference aborts with a message.
 *
 * Operands are drawn mostly from small sets (a few types, keys near 0,
 * near 2^64, at powers of two) so that overlaps, edges and rejections are
 * common; "add many" builds large tables of a few shapes (dense, random,
 * clustered, nested) so that the compiler's radix nodes and leaves of
 * every kind are exercised.
 *
 * The same file links with replay.c into a plain program that runs the
 * committed corpus without libFuzzer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_model.h"

#define U64_ALL		0xffffffffffffffffULL
#define FUZZ_MAX_RULES	2048	/* keeps the linear model fast enough */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "policy_fuzz: %s:%d: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fprintf(stderr, "\n");				\
			abort();					\
		}							\
	} while (0)

struct input {
	const __u8 *p;
	size_t n;
};

static __u8 u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static __u64 u64n(struct input *in, int bytes)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v |= (__u64)u8(in) << (8 * i);
	return v;
}

/* A key: mostly small or at interesting places, sometimes anything. */
static __u64 key(struct input *in)
{
	__u8 sel = u8(in);

	switch (sel % 8) {
	case 0:
	case 1:
	case 2:
		return u8(in) % 32;
	case 3:
		return U64_ALL - u8(in) % 4;
	case 4:
		return (1ULL << (u8(in) % 64)) - 2 + u8(in) % 4;
	case 5:
		return 0xfe000000ULL + ((__u64)u8(in) << 12);
	case 6:
		return u64n(in, 4);
	default:
		return u64n(in, 8);
	}
}

static void read_rule(struct input *in, struct mvmm_rule *r)
{
	__u8 v, w;

	memset(r, 0, sizeof(*r));
	v = u8(in);
	if (v < 200) {
		static const __u16 types[] = {
			MVMM_EV_IO, MVMM_EV_MSR_READ, MVMM_EV_CPUID, MVMM_EV_MMIO,
		};

		r->type = types[v % 4];
	} else if (v < 250) {
		r->type = v % __MVMM_EV_MAX;
	} else {
		r->type = (__u16)u64n(in, 2);
	}
	r->lo = key(in);
	w = u8(in);
	switch (w % 5) {
	case 0:
		r->hi = r->lo;
		break;
	case 1:
		r->hi = r->lo + u8(in) % 8;
		break;
	case 2:
		r->hi = r->lo + u8(in);
		break;
	case 3:
		r->hi = key(in);	/* may be below lo: refused */
		break;
	default:
		r->hi = U64_ALL;
		break;
	}
	if (r->hi < r->lo && w % 5 != 3)
		r->hi = U64_ALL;	/* lo + width wrapped */
	v = u8(in);
	r->origin = v < 240 ? v % 3 : v;
	v = u8(in);
	r->mode = v < 250 ? v % 2 : v;
	v = u8(in);
	r->fallback = v < 250 ? v % 2 : v;
	v = u8(in);
	r->target.kind = v < 248 ? v % 4 : v;
	v = u8(in);
	if (r->target.kind == MVMM_TARGET_MAIN)
		r->target.index = v >= 250;	/* mostly 0, as it must be */
	else
		r->target.index = v;
	v = u8(in);
	if (v >= 192)
		r->id = v >= 250 ? 0xffffffffu - v % 2 : v % 16 + 1u;
}

/* An id: mostly one the model has, sometimes any. */
static __u32 pick_id(struct input *in, const struct model *m)
{
	__u8 v = u8(in);

	if (m->nr && v < 224)
		return m->rules[(v + (unsigned int)u8(in) * 256) % m->nr].id;
	return v % 3 ? v % 32 : 0xffffffffu;
}

/* Rules whose exits KVM completes in its fastpath, as the module will. */
struct state {
	unsigned int added, refused, lookups;	/* for POLICY_FUZZ_VERBOSE */
	struct mvmm_policy_builder b;
	struct model m;
	struct mvmm_policy_table *t;	/* last compiled table, or NULL */
	struct model snap;		/* the model when t was compiled */
};

static void check_err(int ret, const struct mvmm_policy_err *err)
{
	if (ret == 0)
		CHECK(!err->msg, "message on success: %s", err->msg);
	else
		CHECK(err->msg, "error %d without a message", ret);
}

static void do_add(struct state *s, struct mvmm_rule *r)
{
	struct mvmm_rule mr = *r, br = *r;
	const struct mvmm_rule *c;
	struct mvmm_policy_err err;
	int want, got;

	want = model_add(&s->m, &mr);
	got = mvmm_policy_add(&s->b, &br, &err);
	CHECK(got == want, "add: builder %d, model %d (type %u [%#llx, %#llx] origin %u id %u)",
	      got, want, r->type, (unsigned long long)r->lo,
	      (unsigned long long)r->hi, r->origin, r->id);
	check_err(got, &err);
	if (!got) {
		CHECK(br.id == mr.id, "add: id %u, model %u", br.id, mr.id);
		s->added++;
		return;
	}
	s->refused++;
	CHECK(br.id == r->id, "failed add changed the id");
	if (got != -EEXIST)
		return;
	if (r->id && err.conflict_id == r->id) {
		CHECK(model_find(&s->m, r->id), "id %u said taken", r->id);
		return;
	}
	c = model_find(&s->m, err.conflict_id);
	CHECK(c && model_overlap(c, r), "add: conflict %u does not overlap",
	      err.conflict_id);
}

static void do_replace(struct state *s, struct mvmm_rule *r)
{
	const struct mvmm_rule *c;
	struct mvmm_policy_err err;
	int want, got;

	want = model_replace(&s->m, r);
	got = mvmm_policy_replace(&s->b, r, &err);
	CHECK(got == want, "replace %u: builder %d, model %d", r->id, got,
	      want);
	check_err(got, &err);
	if (got == -EEXIST) {
		c = model_find(&s->m, err.conflict_id);
		CHECK(c && c->id != r->id && model_overlap(c, r),
		      "replace: conflict %u does not overlap", err.conflict_id);
	}
}

static int by_id(const void *a, const void *b)
{
	__u32 x = ((const struct mvmm_rule *)a)->id;
	__u32 y = ((const struct mvmm_rule *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * The builder holds exactly the model's rules and dumps them by id; so
 * does the compiled table @t, if given. Compares with a sorted copy of the
 * model (in s->snap) rather than a scan per rule, to stay fast.
 */
static void check_rules(struct state *s, const struct mvmm_policy_table *t)
{
	const struct mvmm_rule *r, *sorted = s->snap.rules;
	unsigned int n = 0;

	s->snap.nr = s->m.nr;
	memcpy(s->snap.rules, s->m.rules, s->m.nr * sizeof(*s->m.rules));
	qsort(s->snap.rules, s->snap.nr, sizeof(*s->snap.rules), by_id);

	CHECK(mvmm_policy_count(&s->b) == s->m.nr, "count %u, model %u",
	      mvmm_policy_count(&s->b), s->m.nr);
	for (r = mvmm_policy_next(&s->b, 0); r; r = mvmm_policy_next(&s->b, r->id)) {
		CHECK(n < s->m.nr, "more rules than the model's %u", s->m.nr);
		CHECK(!memcmp(&sorted[n], r, sizeof(*r)),
		      "rule %u: model has %u next", r->id, sorted[n].id);
		CHECK(mvmm_policy_find(&s->b, r->id) == r, "find %u", r->id);
		n++;
	}
	CHECK(n == s->m.nr, "dumped %u of %u rules", n, s->m.nr);
	if (!t)
		return;
	CHECK(mvmm_policy_table_count(t) == n, "table count");
	CHECK(!n || !memcmp(mvmm_policy_table_rules(t), sorted,
			    n * sizeof(*sorted)), "table rules");
}

static void check_lookup(struct state *s, const struct mvmm_event *ev)
{
	const struct mvmm_rule *got, *want, *rules;
	unsigned int count;

	got = mvmm_policy_lookup(s->t, ev);
	want = model_lookup(&s->snap, ev, &count);
	s->lookups++;
	CHECK(count <= 1, "%u rules match type %u origin %u key %#llx", count,
	      ev->type, ev->origin, (unsigned long long)ev->qual);
	CHECK(!got == !want,
	      "type %u origin %u key %#llx: table %u, model %u", ev->type,
	      ev->origin, (unsigned long long)ev->qual, got ? got->id : 0,
	      want ? want->id : 0);
	if (!got)
		return;
	CHECK(!memcmp(got, want, sizeof(*got)), "rule %u differs", got->id);
	rules = mvmm_policy_table_rules(s->t);
	CHECK(got >= rules && got < rules + mvmm_policy_table_count(s->t),
	      "rule outside the table's array");
}

static void lookup_at(struct state *s, __u16 type, __u8 origin, __u64 q)
{
	struct mvmm_event ev;

	memset(&ev, 0xa5, sizeof(ev));	/* other fields must not matter */
	ev.type = type;
	ev.origin = origin;
	ev.qual = q;
	check_lookup(s, &ev);
}

/* Compile, check the table, and keep it and the model for lookups. */
static void do_compile(struct state *s, struct input *in)
{
	struct mvmm_policy_stats st;
	const struct mvmm_rule *r;
	unsigned int i, k, o, step;
	int ret;

	mvmm_policy_table_free(s->t);
	s->t = NULL;
	ret = mvmm_policy_compile(&s->b, &s->t);
	CHECK(ret == 0 && s->t, "compile: %d", ret);
	check_rules(s, s->t);		/* leaves the model in s->snap */
	mvmm_policy_table_stats(s->t, &st);
	CHECK(st.bytes > 0 && st.max_radix_depth <= 9, "stats");

	/* Edges of about 32 rules (every rule of small tables). */
	step = s->snap.nr <= 32 ? 1 : s->snap.nr / 32 + u8(in) % 4;
	for (i = u8(in) % step; i < s->snap.nr; i += step) {
		__u64 q[4];

		r = &s->snap.rules[i];
		q[0] = r->lo - 1;
		q[1] = r->lo;
		q[2] = r->hi;
		q[3] = r->hi + 1;
		for (o = 0; o < 2; o++)
			for (k = 0; k < 4; k++)
				lookup_at(s, r->type, o, q[k]);
	}
}

static void do_lookups(struct state *s, struct input *in)
{
	unsigned int n = u8(in) % 16 + 1, i;
	__u8 v;
	__u16 type;

	if (!s->t)
		return;
	for (i = 0; i < n; i++) {
		v = u8(in);
		type = v < 200 ? (v % 2 ? MVMM_EV_IO : MVMM_EV_MMIO) :
			v < 250 ? v % __MVMM_EV_MAX : (__u16)u64n(in, 2);
		v = u8(in);
		lookup_at(s, type, v < 250 ? v % 2 : v, key(in));
	}
}

/* Many rules of one shape, to grow radix nodes and leaves of all kinds. */
static void do_many(struct state *s, struct input *in)
{
	unsigned int layout = u8(in) % 4, n = u8(in) + 1, i;
	__u64 seed = u64n(in, 8) | 1, step = u8(in) % 16 + 1;
	struct mvmm_rule r;

	for (i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		memset(&r, 0, sizeof(r));
		r.type = MVMM_EV_MMIO;
		r.origin = seed % 8 ? MVMM_MATCH_ANY : 1 + (seed >> 8) % 2;
		r.target.kind = MVMM_TARGET_HANDLER;
		r.target.index = i;
		switch (layout) {
		case 0:		/* dense: ports, MSR blocks */
			r.lo = step * i;
			r.hi = r.lo + (seed >> 3) % step;
			break;
		case 1:		/* anywhere */
			r.lo = seed >> (seed % 64);
			r.hi = r.lo + (seed >> 40) % 16;
			break;
		case 2:		/* a cluster of pages and a few far ones */
			r.lo = i % 10 ? 0xfe000000ULL + (i << 13) : seed >> 24;
			r.hi = r.lo + 0xfff;
			break;
		default:	/* clusters nested at every scale */
			r.lo = (1ULL << (60 - 4 * (i % 16))) + step * (i / 16);
			r.hi = r.lo + (seed >> 5) % 2;
			break;
		}
		if (r.hi < r.lo)
			r.hi = U64_ALL;
		do_add(s, &r);
	}
}

static void do_copy(struct state *s)
{
	struct mvmm_policy_builder n;

	/* Continue with a copy: it must behave exactly as the original. */
	const struct mvmm_rule *a, *c;

	mvmm_policy_init(&n, 1);
	CHECK(mvmm_policy_copy(&n, &s->b) == 0, "copy");
	CHECK(n.max_rules == s->b.max_rules && n.next_id == s->b.next_id &&
	      mvmm_policy_count(&n) == mvmm_policy_count(&s->b), "copy");
	for (a = mvmm_policy_next(&s->b, 0), c = mvmm_policy_next(&n, 0); a;
	     a = mvmm_policy_next(&s->b, a->id), c = mvmm_policy_next(&n, c->id))
		CHECK(c && !memcmp(a, c, sizeof(*a)), "copy: rule %u", a->id);
	mvmm_policy_destroy(&s->b);
	s->b = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mvmm_rule r;
	struct state s;
	unsigned int max;
	__u8 op;

	max = u8(&in);
	max = max ? max : FUZZ_MAX_RULES;
	memset(&s, 0, sizeof(s));
	mvmm_policy_init(&s.b, max);
	model_init(&s.m, max);
	model_init(&s.snap, max);
	u8(&in);	/* was: set a ->routable() hook */

	while (in.n) {
		op = u8(&in) % 16;
		switch (op) {
		case 0 ... 5:
			read_rule(&in, &r);
			do_add(&s, &r);
			break;
		case 6:
		case 7:
			read_rule(&in, &r);
			r.id = pick_id(&in, &s.m);
			do_replace(&s, &r);
			break;
		case 8:
		case 9: {
			__u32 id = pick_id(&in, &s.m);
			int want = model_delete(&s.m, id);
			int got = mvmm_policy_delete(&s.b, id);

			CHECK(got == want, "delete %u: builder %d, model %d",
			      id, got, want);
			break;
		}
		case 10:
			if (u8(&in) % 4 == 0) {
				mvmm_policy_flush(&s.b);
				model_flush(&s.m);
			} else {
				do_copy(&s);
			}
			break;
		case 11:
		case 12:
			do_compile(&s, &in);
			break;
		case 13:
		case 14:
			do_lookups(&s, &in);
			break;
		default:
			do_many(&s, &in);
			break;
		}
		CHECK(mvmm_policy_count(&s.b) == s.m.nr, "op %u: count %u, model %u",
		      op, mvmm_policy_count(&s.b), s.m.nr);
	}
	do_compile(&s, &in);

	if (getenv("POLICY_FUZZ_VERBOSE")) {
		struct mvmm_policy_stats st;

		mvmm_policy_table_stats(s.t, &st);
		fprintf(stderr, "%u added, %u refused, %u rules; ", s.added,
			s.refused, s.m.nr);
		fprintf(stderr, "%u nodes, %u leaves, %u deep leaves, depth %u; ",
			st.nodes, st.leaves, st.deep_leaves, st.max_radix_depth);
		fprintf(stderr, "%u lookups checked\n", s.lookups);
	}
	mvmm_policy_table_free(s.t);
	mvmm_policy_destroy(&s.b);
	model_free(&s.m);
	model_free(&s.snap);
	return 0;
}

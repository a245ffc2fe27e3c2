// SPDX-License-Identifier: GPL-2.0
/*
 * Policy tables: rule validation, the builder, the compiler and lookup.
 *
 * Lookup runs on every VM exit, so the compiled table is shaped for it.
 * For each (event type, origin) pair with rules, the rules that accept the
 * origin are disjoint ranges; with the gaps between them they tile
 * [lowest lo, highest hi] into *segments*, each naming a rule or none.
 * The segments are indexed by an adaptive radix tree:
 *
 *  - a *node* splits its key range into 2^k equal buckets (bits chosen
 *    from the number of segments it holds, up to 2^16); the bucket of a
 *    key is one subtraction and one shift, however the keys are spread;
 *  - a bucket inside a single segment holds the answer itself; one with
 *    2 to 4 segments points to a *leaf* of 3 sorted segment ends, where
 *    counting the ends below the key gives the segment; a bucket with
 *    more segments gets a child node (a dense cluster of rules, e.g. MMIO
 *    pages far from the others, gets its own radix level) or, if
 *    another level would cost more, a *deep leaf*: a branchless binary
 *    search over an Eytzinger-ordered array of segment ends.
 *
 * The compiler estimates the instructions of every path and picks, for
 * each crowded bucket, the cheaper of a child node and a deep leaf: no
 * lookup costs more than one radix level plus a binary search, and
 * typical tables need one or two radix levels and no search at all
 * (bench/policy_bench.c measures them).
 *
 * Everything lives in one allocation, which its entries point into, so a
 * table is freed with one call and never written after it is compiled.
 */
#include <linux/types.h>
#include <linux/mvmm.h>
#include "port.h"
#include "policy.h"

#define U64_ALL		(~0ULL)
#define ID_MAX		0xffffffffu

/* One rule in a per-origin view, sorted by (type, lo). */
struct mvmm_policy_view {
	__u64 lo;
	__u64 hi;
	__u32 id;
	__u32 type;
};

/* Compiled table */

/*
 * Entries of nodes and table slots are addresses inside the table: every
 * block is 8-byte aligned, so the low bits say what an entry points to. A
 * rule entry is the rule's address, so a lookup returns it as it is (0:
 * no rule).
 */
#define TAG_RULE	0ul
#define TAG_NODE	1ul
#define TAG_LEAF	2ul
#define TAG_DEEP	3ul
#define TAG_MASK	3ul

#define LEAF_SEGS	4	/* segments of a small leaf */
#define RADIX_MAX_BITS	16	/* buckets of a node: at most 2^16 */
#define RADIX_MAX_DEPTH	8	/* bounds the compiler's recursion */

/*
 * A node indexes the segments of [base, base + span]; keys outside it
 * belong to the segments on either side (the root: to no rule). Narrowing
 * a child to the segments strictly inside its bucket is what lets a dense
 * cluster far from the other rules spread over a whole node.
 */
struct pnode {
	__u64 base;
	__u64 span;
	unsigned long below;	/* rule entry for keys below base */
	unsigned long above;	/* rule entry for keys above base + span */
	__u32 shift;		/* bucket = (key - base) >> shift */
	__u32 nb;		/* buckets */
	unsigned long e[];
};

/* Segment i holds the keys in (end[i - 1], end[i]]: i = ends below key. */
struct pleaf {
	__u64 end[LEAF_SEGS - 1];	/* ascending; unused ones U64_ALL */
	unsigned long val[LEAF_SEGS];
};

/*
 * A complete binary tree in Eytzinger order: k[1 .. 2^depth - 1] are
 * segment ends, k[2^depth .. 2^(depth + 1) - 1] the rule entries of the
 * leaves, so that the descent ends on its answer.
 */
struct pdeep {
	__u64 depth;
	__u64 k[];
};

struct mvmm_policy_table {
	__u32 size;
	__u32 nr_rules;
	struct mvmm_policy_stats stats;
	unsigned long root[__MVMM_EV_MAX][2];	/* node entries, 0: no rule */
	/* struct mvmm_rule rules[nr_rules], sorted by id, then the nodes */
};

static inline __u32 align8(__u32 x)
{
	return (x + 7) & ~7u;
}

static inline __u32 rules_offset(void)
{
	return align8(sizeof(struct mvmm_policy_table));
}

static inline __u32 deep_size(__u32 depth)
{
	return sizeof(struct pdeep) + (sizeof(__u64) << (depth + 1));
}

/*
 * Descend the tree: the leaf reached is the rank of @q among the ends.
 * Written so that gcc emits cmp + lea + adc per level (unrolling by depth
 * saved only one instruction per level: gcc then indexes by bytes).
 */
static unsigned long deep_lookup(const struct pdeep *d, __u64 q)
{
	const __u64 *key = d->k;
	unsigned long k = 1;
	__u32 i;

	for (i = d->depth; i; i--)
		k = 2 * k + 1 - (q <= key[k]);
	return key[k];
}

/* The rule entry of a small or deep leaf for @q. */
static unsigned long leaf_lookup(unsigned long e, __u64 q)
{
	const struct pleaf *l;

	if ((e & TAG_MASK) == TAG_DEEP)
		return deep_lookup((const struct pdeep *)(e - TAG_DEEP), q);
	l = (const struct pleaf *)(e - TAG_LEAF);
	return l->val[(l->end[0] < q) + (l->end[1] < q) + (l->end[2] < q)];
}

const struct mvmm_rule *mvmm_policy_lookup(const struct mvmm_policy_table *t,
					   const struct mvmm_event *ev)
{
	const struct pnode *n;
	unsigned long e;
	__u64 q, x;

	if (ev->type >= __MVMM_EV_MAX || ev->origin > MVMM_ORIGIN_L2)
		return NULL;
	e = t->root[ev->type][ev->origin];
	if (!e)
		return NULL;		/* the common case: no rule for the type */

	q = ev->qual;
	for (;;) {
		n = (const struct pnode *)(e - TAG_NODE);
		x = q - n->base;	/* wraps around when q < base */
		if (x > n->span) {
			e = q < n->base ? n->below : n->above;
			break;
		}
		e = n->e[x >> n->shift];
		if (!(e & TAG_MASK))
			break;		/* the bucket holds the answer */
		if ((e & TAG_MASK) != TAG_NODE) {
			e = leaf_lookup(e, q);
			break;
		}
	}
	return (const struct mvmm_rule *)e;
}

__u32 mvmm_policy_table_count(const struct mvmm_policy_table *t)
{
	return t->nr_rules;
}

const struct mvmm_rule *mvmm_policy_table_rules(const struct mvmm_policy_table *t)
{
	return (const struct mvmm_rule *)((const char *)t + rules_offset());
}

void mvmm_policy_table_stats(const struct mvmm_policy_table *t,
			     struct mvmm_policy_stats *st)
{
	*st = t->stats;
}

void mvmm_policy_table_free(struct mvmm_policy_table *t)
{
	mvmm_free(t);
}

/* Rules */

static inline __u32 origin_mask(__u8 match)
{
	/* bit (1 << enum mvmm_origin) per accepted origin */
	return match == MVMM_MATCH_ANY ? 3 : match;
}

int mvmm_policy_rule_check(const struct mvmm_rule *r, const char **msg)
{
	const char *why = NULL;

	if (r->type >= __MVMM_EV_MAX)
		why = "unknown event type";
	else if (r->lo > r->hi)
		why = "qualifier range is inverted (lo > hi)";
	else if (r->origin > MVMM_MATCH_L2)
		why = "origin must be l1, l2 or any";
	else if (r->mode > MVMM_MODE_OBSERVE)
		why = "mode must be sync or observe";
	else if (r->fallback > MVMM_FALLBACK_DENY)
		why = "fallback must be main or deny";
	else if (r->target.kind > MVMM_TARGET_KIND_MAX)
		why = "unknown target kind";
	else if (r->target.kind == MVMM_TARGET_MAIN && r->target.index)
		why = "target main takes no index";
	if (msg)
		*msg = why;
	return why ? -EINVAL : 0;
}

/* A copy with every padding byte zero, so stored rules compare with memcmp. */
static void rule_copy(struct mvmm_rule *dst, const struct mvmm_rule *src,
		      __u32 id)
{
	memset(dst, 0, sizeof(*dst));
	dst->lo = src->lo;
	dst->hi = src->hi;
	dst->target.kind = src->target.kind;
	dst->target.index = src->target.index;
	dst->id = id;
	dst->type = src->type;
	dst->origin = src->origin;
	dst->mode = src->mode;
	dst->fallback = src->fallback;
}

/* Builder */

void mvmm_policy_init(struct mvmm_policy_builder *b, __u32 max_rules)
{
	memset(b, 0, sizeof(*b));
	if (!max_rules || max_rules > MVMM_POLICY_MAX_RULES)
		max_rules = MVMM_POLICY_MAX_RULES;
	b->max_rules = max_rules;
	b->next_id = 1;
}

static void free_arrays(struct mvmm_policy_builder *b)
{
	mvmm_free(b->rules);
	mvmm_free(b->view[0]);
	mvmm_free(b->view[1]);
	b->rules = NULL;
	b->view[0] = NULL;
	b->view[1] = NULL;
	b->nr = 0;
	b->nr_view[0] = 0;
	b->nr_view[1] = 0;
	b->view_off[0] = 0;
	b->view_off[1] = 0;
	b->cap = 0;
}

/* The entries of view @o, in order. */
static inline struct mvmm_policy_view *
view_base(const struct mvmm_policy_builder *b, int o)
{
	/* No arithmetic on the NULL of an empty builder. */
	return b->view[o] ? b->view[o] + b->view_off[o] : NULL;
}

void mvmm_policy_destroy(struct mvmm_policy_builder *b)
{
	free_arrays(b);
}

void mvmm_policy_flush(struct mvmm_policy_builder *b)
{
	/* Ids go on from where they were: a flushed id is not reused. */
	free_arrays(b);
}

/* Index of the first rule with id >= @id. */
static __u32 id_lower_bound(const struct mvmm_policy_builder *b, __u32 id)
{
	__u32 lo = 0, hi = b->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->rules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of rule @id, or -1. */
static long id_find(const struct mvmm_policy_builder *b, __u32 id)
{
	__u32 i = id_lower_bound(b, id);

	return i < b->nr && b->rules[i].id == id ? (long)i : -1;
}

const struct mvmm_rule *mvmm_policy_find(const struct mvmm_policy_builder *b,
					 __u32 id)
{
	long i = id ? id_find(b, id) : -1;

	return i < 0 ? NULL : &b->rules[i];
}

const struct mvmm_rule *mvmm_policy_next(const struct mvmm_policy_builder *b,
					 __u32 after)
{
	__u32 i;

	if (after == ID_MAX)
		return NULL;
	i = id_lower_bound(b, after + 1);
	return i < b->nr ? &b->rules[i] : NULL;
}

/* Index of the first view entry ordered after (type, lo). */
static __u32 view_upper(const struct mvmm_policy_view *v, __u32 n,
			__u32 type, __u64 lo)
{
	__u32 a = 0, z = n, mid;

	while (a < z) {
		mid = a + (z - a) / 2;
		if (v[mid].type < type ||
		    (v[mid].type == type && v[mid].lo <= lo))
			a = mid + 1;
		else
			z = mid;
	}
	return a;
}

/*
 * The rule of view @o overlapping [lo, hi] of @type, or 0. Ranges of a
 * type are disjoint within a view, so only the last one starting at or
 * below @hi can reach @lo.
 */
static __u32 view_conflict(const struct mvmm_policy_builder *b, int o,
			   __u32 type, __u64 lo, __u64 hi)
{
	const struct mvmm_policy_view *v = view_base(b, o);
	__u32 p = view_upper(v, b->nr_view[o], type, hi);

	if (p && v[p - 1].type == type && v[p - 1].hi >= lo)
		return v[p - 1].id;
	return 0;
}

static __u32 find_conflict(const struct mvmm_policy_builder *b,
			   const struct mvmm_rule *r)
{
	__u32 mask = origin_mask(r->origin);
	__u32 id = 0;
	int o;

	for (o = 0; o < 2 && !id; o++)
		if (mask & (1u << o))
			id = view_conflict(b, o, r->type, r->lo, r->hi);
	return id;
}

/*
 * A free entry at position @p of view @o (a view has fewer entries than
 * the arrays' capacity), moving the shorter side of the view: entries
 * before @p one down into the room at the front, or those from @p on one
 * up. When that side has no room, the view is first centred in its
 * array. Files of rules in descending order insert at the front each
 * time: they cost O(log n) moves per rule this way, not O(n).
 */
static struct mvmm_policy_view *view_open(struct mvmm_policy_builder *b,
					  int o, __u32 p)
{
	struct mvmm_policy_view *v = b->view[o];
	__u32 n = b->nr_view[o], off = b->view_off[o];
	bool front = p < n - p;
	__u32 mid;

	if (front ? !off : off + n == b->cap) {
		mid = (b->cap - n) / 2;
		memmove(&v[mid], &v[off], n * sizeof(*v));
		off = mid;
	}
	/* Room on the chosen side, or else (cap - n == 1) on the other. */
	if (off && (front || off + n == b->cap)) {
		memmove(&v[off - 1], &v[off], p * sizeof(*v));
		off--;
	} else {
		memmove(&v[off + p + 1], &v[off + p], (n - p) * sizeof(*v));
	}
	b->view_off[o] = off;
	b->nr_view[o] = n + 1;
	return &v[off + p];
}

/* Callers checked for overlap and made room. */
static void view_insert(struct mvmm_policy_builder *b,
			const struct mvmm_rule *r)
{
	__u32 mask = origin_mask(r->origin);
	struct mvmm_policy_view *v;
	int o;

	for (o = 0; o < 2; o++) {
		if (!(mask & (1u << o)))
			continue;
		v = view_open(b, o, view_upper(view_base(b, o),
					       b->nr_view[o], r->type, r->lo));
		v->lo = r->lo;
		v->hi = r->hi;
		v->id = r->id;
		v->type = r->type;
	}
}

static void view_remove(struct mvmm_policy_builder *b,
			const struct mvmm_rule *r)
{
	__u32 mask = origin_mask(r->origin);
	struct mvmm_policy_view *v;
	__u32 p;
	int o;

	for (o = 0; o < 2; o++) {
		if (!(mask & (1u << o)))
			continue;
		v = view_base(b, o);
		/* (type, lo) is unique in a view: it is the entry before. */
		p = view_upper(v, b->nr_view[o], r->type, r->lo) - 1;
		b->nr_view[o]--;
		memmove(&v[p], &v[p + 1], (b->nr_view[o] - p) * sizeof(*v));
	}
}

/* Room for one more rule: all three arrays grow together. */
static int reserve(struct mvmm_policy_builder *b)
{
	struct mvmm_policy_view *v0, *v1;
	struct mvmm_rule *rules;
	__u32 cap;

	if (b->nr < b->cap)
		return 0;
	cap = b->cap ? b->cap * 2 : 16;
	if (cap > b->max_rules)
		cap = b->max_rules;
	rules = mvmm_alloc_array(cap, sizeof(*rules));
	v0 = mvmm_alloc_array(cap, sizeof(*v0));
	v1 = mvmm_alloc_array(cap, sizeof(*v1));
	if (!rules || !v0 || !v1) {
		mvmm_free(rules);
		mvmm_free(v0);
		mvmm_free(v1);
		return -ENOMEM;
	}
	/* Each view centred in its new array: room at both ends. */
	if (b->nr) {
		memcpy(rules, b->rules, b->nr * sizeof(*rules));
		memcpy(v0 + (cap - b->nr_view[0]) / 2, view_base(b, 0),
		       b->nr_view[0] * sizeof(*v0));
		memcpy(v1 + (cap - b->nr_view[1]) / 2, view_base(b, 1),
		       b->nr_view[1] * sizeof(*v1));
	}
	mvmm_free(b->rules);
	mvmm_free(b->view[0]);
	mvmm_free(b->view[1]);
	b->rules = rules;
	b->view[0] = v0;
	b->view[1] = v1;
	b->view_off[0] = (cap - b->nr_view[0]) / 2;
	b->view_off[1] = (cap - b->nr_view[1]) / 2;
	b->cap = cap;
	return 0;
}

/* The next unused id from the counter; max_rules < 2^32 - 1 ends it. */
static __u32 next_free_id(const struct mvmm_policy_builder *b)
{
	__u32 id = b->next_id ? b->next_id : 1;

	while (id_find(b, id) >= 0)
		id = id == ID_MAX ? 1 : id + 1;
	return id;
}

static int refuse(struct mvmm_policy_err *err, int ret, const char *msg,
		  __u32 conflict)
{
	if (err) {
		err->msg = msg;
		err->conflict_id = conflict;
	}
	return ret;
}

/* What add and replace check first: a malformed rule. */
static int check_new(const struct mvmm_rule *r, struct mvmm_policy_err *err)
{
	const char *msg;

	if (mvmm_policy_rule_check(r, &msg))
		return refuse(err, -EINVAL, msg, 0);
	return 0;
}

int mvmm_policy_add(struct mvmm_policy_builder *b, struct mvmm_rule *r,
		    struct mvmm_policy_err *err)
{
	struct mvmm_rule new;
	__u32 id, pos, conflict;
	int ret;

	refuse(err, 0, NULL, 0);
	ret = check_new(r, err);
	if (ret)
		return ret;
	if (r->id && id_find(b, r->id) >= 0)
		return refuse(err, -EEXIST, "rule id already in use", r->id);
	conflict = find_conflict(b, r);
	if (conflict)
		return refuse(err, -EEXIST, "range overlaps another rule",
			      conflict);
	if (b->nr >= b->max_rules)
		return refuse(err, -ENOSPC, "too many rules", 0);
	if (reserve(b))
		return refuse(err, -ENOMEM, "out of memory", 0);

	id = r->id;
	if (!id) {
		id = next_free_id(b);
		b->next_id = id == ID_MAX ? 1 : id + 1;
	}
	rule_copy(&new, r, id);		/* before @r may move, if it is ours */
	pos = id_lower_bound(b, id);
	memmove(&b->rules[pos + 1], &b->rules[pos],
		(b->nr - pos) * sizeof(*b->rules));
	b->rules[pos] = new;
	b->nr++;
	view_insert(b, &b->rules[pos]);
	r->id = id;
	return 0;
}

int mvmm_policy_replace(struct mvmm_policy_builder *b,
			const struct mvmm_rule *r, struct mvmm_policy_err *err)
{
	struct mvmm_rule *old, new;
	__u32 conflict;
	long pos;
	int ret;

	refuse(err, 0, NULL, 0);
	ret = check_new(r, err);
	if (ret)
		return ret;
	pos = r->id ? id_find(b, r->id) : -1;
	if (pos < 0)
		return refuse(err, -ENOENT, "no rule with this id", 0);
	old = &b->rules[pos];
	rule_copy(&new, r, r->id);	/* @r may be @old itself */

	/* Out of the views first, so that it is not in its own way. */
	view_remove(b, old);
	conflict = find_conflict(b, &new);
	if (conflict) {
		view_insert(b, old);	/* back where it was: no allocation */
		return refuse(err, -EEXIST, "range overlaps another rule",
			      conflict);
	}
	*old = new;
	view_insert(b, old);
	return 0;
}

int mvmm_policy_delete(struct mvmm_policy_builder *b, __u32 id)
{
	long pos = id ? id_find(b, id) : -1;

	if (pos < 0)
		return -ENOENT;
	view_remove(b, &b->rules[pos]);
	b->nr--;
	memmove(&b->rules[pos], &b->rules[pos + 1],
		(b->nr - pos) * sizeof(*b->rules));
	return 0;
}

int mvmm_policy_copy(struct mvmm_policy_builder *dst,
		     const struct mvmm_policy_builder *src)
{
	struct mvmm_policy_builder n;

	n = *src;
	n.rules = NULL;
	n.view[0] = NULL;
	n.view[1] = NULL;
	n.nr = 0;
	n.nr_view[0] = 0;
	n.nr_view[1] = 0;
	n.view_off[0] = 0;
	n.view_off[1] = 0;
	n.cap = 0;
	if (src->nr) {
		n.cap = src->nr;
		n.rules = mvmm_alloc_array(n.cap, sizeof(*n.rules));
		n.view[0] = mvmm_alloc_array(n.cap, sizeof(*n.view[0]));
		n.view[1] = mvmm_alloc_array(n.cap, sizeof(*n.view[1]));
		if (!n.rules || !n.view[0] || !n.view[1]) {
			free_arrays(&n);
			return -ENOMEM;
		}
		memcpy(n.rules, src->rules, src->nr * sizeof(*n.rules));
		memcpy(n.view[0], view_base(src, 0),
		       src->nr_view[0] * sizeof(*n.view[0]));
		memcpy(n.view[1], view_base(src, 1),
		       src->nr_view[1] * sizeof(*n.view[1]));
		n.nr = src->nr;
		n.nr_view[0] = src->nr_view[0];
		n.nr_view[1] = src->nr_view[1];
	}
	free_arrays(dst);
	*dst = n;
	return 0;
}

/* Compiler */

/* Segment: keys from the previous segment's end + 1 up to @end. */
struct seg {
	__u64 end;
	unsigned long val;	/* rule entry, 0 for a gap */
};

enum entry_kind { E_RULE, E_LEAF, E_DEEP, E_NODE };

struct plan {
	__u32 cost;		/* worst-case instructions below the entry */
	__u32 kind;		/* enum entry_kind */
	__u64 size;		/* bytes of the blocks below the entry */
};

/*
 * Instructions of the lookup paths (gcc 12 -O2, x86-64), counted in its
 * output and checked with callgrind by bench/policy_bench.c: the compiler
 * uses them to choose between a child node and a deep leaf, and reports
 * the worst case in the table's stats.
 */
#define COST_ROOT	16	/* call, checks, the slot */
#define COST_NODE	12	/* range check, bucket */
#define COST_CHILD	2	/* a bucket pointing to a node */
#define COST_RULE	3	/* a bucket holding the answer, return */
#define COST_LEAF	17	/* a small leaf, return */
#define COST_DEEP	16	/* a deep leaf, return, plus ... */
#define COST_DEEP_LEVEL	5	/* ... per level */

struct compiler {
	char *out;		/* NULL while planning */
	__u32 pos;		/* next free byte of out */
	struct mvmm_policy_stats st;
};

static __u32 ceil_log2(__u64 x)
{
	__u32 n = 0;

	while (n < 64 && (1ULL << n) < x)
		n++;
	return n;
}

static __u32 bit_length(__u64 x)
{
	__u32 n = 0;

	while (x) {
		x >>= 1;
		n++;
	}
	return n;
}

static inline __u32 node_size(__u32 nb)
{
	return sizeof(struct pnode) + nb * sizeof(unsigned long);
}

/*
 * Buckets of a node over [lo, hi] holding @m segments: about two per
 * segment (a power of two, at most 2^RADIX_MAX_BITS), fewer when the
 * range has fewer keys.
 */
struct bucket_walk {
	__u64 lo, hi;
	__u32 shift, nb, i, f;
	const struct seg *s;
};

static void walk_init(struct bucket_walk *w, const struct seg *s, __u32 m,
		      __u64 lo, __u64 hi)
{
	__u32 bits = ceil_log2(m) + 1;
	__u32 len = bit_length(hi - lo);

	if (bits > RADIX_MAX_BITS)
		bits = RADIX_MAX_BITS;
	w->shift = len > bits ? len - bits : 0;
	w->nb = (__u32)((hi - lo) >> w->shift) + 1;
	w->lo = lo;
	w->hi = hi;
	w->s = s;
	w->i = 0;
	w->f = 0;
}

/*
 * Next bucket: its range [*bs, *be] and the segments that meet it,
 * s[*first .. *first + *cnt). The node's segments end at or after hi.
 */
static int walk_next(struct bucket_walk *w, __u64 *bs, __u64 *be,
		     __u32 *first, __u32 *cnt)
{
	__u64 width_m1 = (1ULL << w->shift) - 1;
	__u32 l;

	if (w->i >= w->nb)
		return 0;
	*bs = w->lo + ((__u64)w->i << w->shift);
	*be = w->hi - *bs <= width_m1 ? w->hi : *bs + width_m1;
	while (w->s[w->f].end < *bs)
		w->f++;
	l = w->f;
	while (w->s[l].end < *be)
		l++;
	*first = w->f;
	*cnt = l - w->f + 1;
	w->i++;
	return 1;
}

static struct plan plan_entry(const struct seg *s, __u32 m, __u32 depth);

static struct plan plan_node(const struct seg *s, __u32 m, __u64 lo,
			     __u64 hi, __u32 depth)
{
	struct bucket_walk w;
	struct plan p, c;
	__u32 first, cnt;
	__u64 bs, be;

	walk_init(&w, s, m, lo, hi);
	p.kind = E_NODE;
	p.cost = 0;
	p.size = node_size(w.nb);
	while (walk_next(&w, &bs, &be, &first, &cnt)) {
		c = plan_entry(s + first, cnt, depth + 1);
		if (c.cost > p.cost)
			p.cost = c.cost;
		p.size += c.size;
	}
	p.cost += COST_NODE;
	return p;
}

/*
 * A bucket met by the @m segments s[0..m): the first and last may reach
 * outside it. A child node covers only the segments strictly inside.
 */
static struct plan plan_entry(const struct seg *s, __u32 m, __u32 depth)
{
	struct plan deep, node;

	if (m == 1) {
		deep.kind = E_RULE;
		deep.cost = COST_RULE;
		deep.size = 0;
		return deep;
	}
	if (m <= LEAF_SEGS) {
		deep.kind = E_LEAF;
		deep.cost = COST_LEAF;
		deep.size = sizeof(struct pleaf);
		return deep;
	}
	deep.kind = E_DEEP;
	deep.cost = COST_DEEP + COST_DEEP_LEVEL * ceil_log2(m);
	deep.size = deep_size(ceil_log2(m));
	if (depth >= RADIX_MAX_DEPTH)
		return deep;
	node = plan_node(s + 1, m - 2, s[0].end + 1, s[m - 2].end, depth);
	node.cost += COST_CHILD;
	return node.cost <= deep.cost ? node : deep;
}

/* A block of @size bytes: its address in the table being filled. */
static char *emit_alloc(struct compiler *c, __u32 size)
{
	char *p = c->out + c->pos;

	c->pos += align8(size);
	return p;
}

static unsigned long emit_leaf(struct compiler *c, const struct seg *s,
			       __u32 m)
{
	struct pleaf *l = (struct pleaf *)emit_alloc(c, sizeof(*l));
	__u32 i;

	for (i = 0; i < LEAF_SEGS - 1; i++)
		l->end[i] = i + 1 < m ? s[i].end : U64_ALL;
	for (i = 0; i < LEAF_SEGS; i++)
		l->val[i] = i < m ? s[i].val : 0;
	c->st.leaves++;
	return (unsigned long)l | TAG_LEAF;
}

/*
 * In-order fill of the complete tree under @k with the ends of the
 * segments but the last, padded with U64_ALL (which no key is below).
 */
static void eytzinger_fill(__u64 *key, __u32 k, __u32 size,
			   const struct seg *s, __u32 nkeys, __u32 *next)
{
	if (k >= size)
		return;
	eytzinger_fill(key, 2 * k, size, s, nkeys, next);
	key[k] = *next < nkeys ? s[*next].end : U64_ALL;
	(*next)++;
	eytzinger_fill(key, 2 * k + 1, size, s, nkeys, next);
}

static unsigned long emit_deep(struct compiler *c, const struct seg *s,
			       __u32 m)
{
	__u32 depth = ceil_log2(m), next = 0, i;
	struct pdeep *d = (struct pdeep *)emit_alloc(c, deep_size(depth));

	d->depth = depth;
	d->k[0] = 0;
	eytzinger_fill(d->k, 1, 1u << depth, s, m - 1, &next);
	/* Leaf 2^depth + r is reached by keys of rank r: at most m - 1. */
	for (i = 0; i < (1u << depth); i++)
		d->k[(1u << depth) + i] = i < m ? s[i].val : 0;
	c->st.deep_leaves++;
	return (unsigned long)d | TAG_DEEP;
}

static unsigned long emit_entry(struct compiler *c, const struct seg *s,
				__u32 m, __u32 depth);

static unsigned long emit_node(struct compiler *c, const struct seg *s,
			       __u32 m, __u64 lo, __u64 hi,
			       unsigned long below, unsigned long above,
			       __u32 depth)
{
	struct bucket_walk w;
	__u32 first, cnt, i;
	struct pnode *n;
	__u64 bs, be;

	walk_init(&w, s, m, lo, hi);
	n = (struct pnode *)emit_alloc(c, node_size(w.nb));
	n->base = lo;
	n->span = hi - lo;
	n->below = below;
	n->above = above;
	n->shift = w.shift;
	n->nb = w.nb;
	c->st.nodes++;
	if (depth + 1 > c->st.max_radix_depth)
		c->st.max_radix_depth = depth + 1;
	i = 0;
	while (walk_next(&w, &bs, &be, &first, &cnt))
		n->e[i++] = emit_entry(c, s + first, cnt, depth + 1);
	return (unsigned long)n | TAG_NODE;
}

static unsigned long emit_entry(struct compiler *c, const struct seg *s,
				__u32 m, __u32 depth)
{
	struct plan p = plan_entry(s, m, depth);

	switch (p.kind) {
	case E_RULE:
		return s[0].val;
	case E_LEAF:
		return emit_leaf(c, s, m);
	case E_DEEP:
		return emit_deep(c, s, m);
	default:
		return emit_node(c, s + 1, m - 2, s[0].end + 1, s[m - 2].end,
				 s[0].val, s[m - 1].val, depth);
	}
}

/* Offset of rule @id in the table: rules are copied in id order. */
static __u32 rule_offset(const struct mvmm_policy_builder *b, __u32 id)
{
	return rules_offset() + id_lower_bound(b, id) * sizeof(struct mvmm_rule);
}

/*
 * Segments of view @o for @type, from entry *@vi on (the view is sorted
 * by type): returns their number (0 if the view has no rule of @type),
 * the range [*a, *z], and advances *@vi past the type. Rule entries are
 * addresses in @t, or offsets while planning (@t NULL).
 */
static __u32 slot_segments(const struct mvmm_policy_builder *b,
			   const struct mvmm_policy_table *t, int o,
			   __u32 type, __u32 *vi, struct seg *s, __u64 *a,
			   __u64 *z)
{
	const struct mvmm_policy_view *v = view_base(b, o);
	__u32 m = 0;

	for (; *vi < b->nr_view[o] && v[*vi].type == type; (*vi)++) {
		if (!m) {
			*a = v[*vi].lo;
		} else if (v[*vi].lo > s[m - 1].end + 1) {
			s[m].end = v[*vi].lo - 1;	/* the gap before */
			s[m].val = 0;
			m++;
		}
		s[m].end = v[*vi].hi;
		s[m].val = (unsigned long)t + rule_offset(b, v[*vi].id);
		m++;
	}
	if (m)
		*z = s[m - 1].end;
	return m;
}

static int same_segments(const struct seg *s0, __u32 m0, __u64 a0,
			 const struct seg *s1, __u32 m1, __u64 a1)
{
	__u32 i;

	if (m0 != m1 || a0 != a1)
		return 0;
	for (i = 0; i < m0; i++)
		if (s0[i].end != s1[i].end || s0[i].val != s1[i].val)
			return 0;
	return 1;
}

/* Plan (@t NULL: returns the size) or emit the index of one slot. */
static __u64 compile_slot(struct compiler *c, struct mvmm_policy_table *t,
			  __u32 type, int o, const struct seg *s, __u32 m,
			  __u64 a, __u64 z)
{
	struct plan p;

	if (!t) {
		/* The root is a node: keys outside [a, z] have no rule. */
		p = plan_node(s, m, a, z, 0);
		if (p.cost + COST_ROOT > c->st.max_cost)
			c->st.max_cost = p.cost + COST_ROOT;
		return p.size;
	}
	t->root[type][o] = emit_node(c, s, m, a, z, 0, 0, 0);
	c->st.slots++;
	return 0;
}

/*
 * One pass over the slots: sizes the table when @t is NULL, fills it
 * otherwise. Rules that accept any origin are in both views; when the two
 * origins of a type have the same segments (the usual case) they share
 * one index.
 */
static __u64 compile_pass(const struct mvmm_policy_builder *b,
			  struct mvmm_policy_table *t, struct seg *s[2],
			  struct compiler *c)
{
	__u64 size = rules_offset() + (__u64)b->nr * sizeof(struct mvmm_rule);
	__u32 vi[2] = { 0, 0 }, m[2], type;
	__u64 a[2], z[2];

	for (type = 0; type < __MVMM_EV_MAX; type++) {
		m[0] = slot_segments(b, t, 0, type, &vi[0], s[0], &a[0], &z[0]);
		m[1] = slot_segments(b, t, 1, type, &vi[1], s[1], &a[1], &z[1]);
		if (m[0])
			size += compile_slot(c, t, type, 0, s[0], m[0], a[0],
					     z[0]);
		if (m[0] && same_segments(s[0], m[0], a[0], s[1], m[1], a[1])) {
			if (t)
				t->root[type][1] = t->root[type][0];
			continue;
		}
		if (m[1])
			size += compile_slot(c, t, type, 1, s[1], m[1], a[1],
					     z[1]);
	}
	return size;
}

void mvmm_policy_types(const struct mvmm_policy_builder *b, __u64 *route,
		       __u64 *observe)
{
	const struct mvmm_rule *r;
	__u32 i;

	*route = 0;
	*observe = 0;
	for (i = 0; i < b->nr; i++) {
		r = &b->rules[i];
		if (r->target.kind == MVMM_TARGET_MAIN || r->type >= 64)
			continue;
		if (r->mode == MVMM_MODE_OBSERVE)
			*observe |= 1ULL << r->type;
		else
			*route |= 1ULL << r->type;
	}
}

int mvmm_policy_compile(const struct mvmm_policy_builder *b,
			struct mvmm_policy_table **out)
{
	struct mvmm_policy_table *t = NULL;
	struct seg *s[2];
	struct compiler c;
	__u64 size;
	int ret;

	*out = NULL;
	/* A slot has at most every rule and a gap between each two. */
	s[0] = mvmm_alloc_array(2 * (size_t)b->nr + 1, sizeof(struct seg));
	s[1] = mvmm_alloc_array(2 * (size_t)b->nr + 1, sizeof(struct seg));
	ret = -ENOMEM;
	if (!s[0] || !s[1])
		goto out;

	memset(&c, 0, sizeof(c));
	size = compile_pass(b, NULL, s, &c);
	ret = -E2BIG;
	if (size > 0x7fffffffu)
		goto out;
	ret = -ENOMEM;
	t = mvmm_alloc_array(1, size);
	if (!t)
		goto out;

	memset(t, 0, size);
	t->size = size;
	t->nr_rules = b->nr;
	if (b->nr)
		memcpy((char *)t + rules_offset(), b->rules,
		       b->nr * sizeof(struct mvmm_rule));
	c.out = (char *)t;
	c.pos = rules_offset() + b->nr * sizeof(struct mvmm_rule);
	compile_pass(b, t, s, &c);
	ret = -EINVAL;
	if (c.pos != size) {
		/* Both passes make the same choices: this is a bug. */
		mvmm_free(t);
		goto out;
	}
	c.st.bytes = size;
	t->stats = c.st;
	*out = t;
	ret = 0;
out:
	mvmm_free(s[0]);
	mvmm_free(s[1]);
	return ret;
}

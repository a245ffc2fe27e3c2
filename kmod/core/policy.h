/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy tables: which events of a VM go where.
 *
 * A rule matches events of one type whose qualifier (struct mvmm_event
 * .qual: port, GPA, MSR index, CPUID leaf, ...) lies in [lo, hi] and whose
 * origin (L1 or L2) it accepts, and names a target. Within one table the
 * ranges of two rules of the same type never overlap when the rules
 * accept a common origin, so an event matches at most one rule. An event
 * that matches none goes to main (KVM itself).
 *
 * Tables exist in two forms:
 *
 *  - a *builder*, edited one rule at a time (add, replace, delete, flush)
 *    under the owner's lock, and walked in rule id order for dumps;
 *  - a *compiled table*, made from a builder, immutable, one allocation:
 *    the exit path looks events up in it without locks or writes, and an
 *    update publishes a new table; its owner frees the old one once no
 *    reader can hold it (the module: after an exit-SRCU grace period).
 *
 * Plain C with only <linux/types.h> and the uapi header, like classify.h,
 * so that the same code runs in the module and in the userspace unit
 * tests, fuzzer and instruction-count benchmark.
 *
 * The origin, mode and fallback enums are netlink values: they are in
 * the uapi header.
 */
#ifndef _MVMM_CORE_POLICY_H
#define _MVMM_CORE_POLICY_H

#include <linux/types.h>
#include <linux/mvmm.h>

#ifndef __KERNEL__
#include <stdbool.h>
#endif

/* enum mvmm_origin_match, mvmm_rule_mode, mvmm_rule_fallback: uapi. */

enum mvmm_target_kind {
	MVMM_TARGET_MAIN = 0,	/* KVM; index must be 0 */
	MVMM_TARGET_HANDLER = 1, /* index: a registered handler's number */
	MVMM_TARGET_GROUP = 2,	/* index: a group of handlers */
	MVMM_TARGET_ANSWER = 3,	/* index: a pre-registered answer */
};

#define MVMM_TARGET_KIND_MAX	MVMM_TARGET_ANSWER

/*
 * The index of a handler, group or answer target means nothing here: the
 * module owns those name spaces, checks the index before adding a rule and
 * resolves it on the exit path.
 */
struct mvmm_target {
	__u32 kind;		/* enum mvmm_target_kind */
	__u32 index;
};

struct mvmm_rule {
	__u64 lo;		/* qualifier range, inclusive; */
	__u64 hi;		/* [0, U64_MAX] matches the whole type */
	struct mvmm_target target;
	__u32 id;		/* 1..U32_MAX; 0 on add: "choose one" */
	__u16 type;		/* enum mvmm_event_type */
	__u8 origin;		/* enum mvmm_origin_match */
	__u8 mode;		/* enum mvmm_rule_mode */
	__u8 fallback;		/* enum mvmm_rule_fallback */
};

/*
 * Per table (builder). 2^17 holds the 100,000-rule tables that dumps are
 * measured with; a full table costs about 20 MB (builder and compiled
 * table), twice that while an edit derives the next one.
 */
#define MVMM_POLICY_MAX_RULES	131072

/* Why a change was refused, for the caller's extack message. */
struct mvmm_policy_err {
	const char *msg;	/* static string, or NULL */
	__u32 conflict_id;	/* -EEXIST: the rule in the way */
};

struct mvmm_policy_view;

/*
 * Rules are kept sorted by id (dumps, lookups by id) and, for each origin,
 * in a "view" sorted by (type, lo) holding the rules that accept that
 * origin: within a view ranges of one type are disjoint, which makes the
 * overlap check two binary searches and the views the compiler's input.
 * Use only through the functions below.
 */
struct mvmm_policy_builder {
	struct mvmm_rule *rules;
	struct mvmm_policy_view *view[2];	/* [enum mvmm_origin] */
	__u32 view_off[2];	/* first entry: free room at both ends */
	__u32 nr_view[2];
	__u32 nr;
	__u32 cap;
	__u32 max_rules;
	__u32 next_id;
};

/* @max_rules: 1..MVMM_POLICY_MAX_RULES; 0 means MVMM_POLICY_MAX_RULES. */
void mvmm_policy_init(struct mvmm_policy_builder *b, __u32 max_rules);
/* Frees every rule; the builder can be used again (it is empty). */
void mvmm_policy_destroy(struct mvmm_policy_builder *b);

/*
 * 0, or -EINVAL with @msg set if @r is malformed (type, range, origin,
 * mode, fallback or target out of their enums, index given for main).
 * The id is not checked.
 */
int mvmm_policy_rule_check(const struct mvmm_rule *r, const char **msg);

/*
 * Add @r. If r->id is 0 the builder chooses an id (never reused until the
 * id space wraps) and writes it to r->id. Checks in this order:
 *   -EINVAL      malformed rule (err->msg says why)
 *   -EEXIST      r->id is taken (err->conflict_id == r->id), or the range
 *                overlaps a rule of the same type that accepts a common
 *                origin (err->conflict_id: that rule)
 *   -ENOSPC      the builder holds max_rules rules
 *   -ENOMEM
 * On error nothing changed. @err may be NULL.
 */
int mvmm_policy_add(struct mvmm_policy_builder *b, struct mvmm_rule *r,
		    struct mvmm_policy_err *err);

/*
 * Replace rule r->id by @r, keeping its id. Checks in this order:
 * -EINVAL (as for add), -ENOENT (no rule has id r->id), then
 * -EEXIST (overlap with another rule: a rule is never in its own way).
 * On error nothing changed. Needs no memory.
 */
int mvmm_policy_replace(struct mvmm_policy_builder *b,
			const struct mvmm_rule *r, struct mvmm_policy_err *err);

/* 0, or -ENOENT. */
int mvmm_policy_delete(struct mvmm_policy_builder *b, __u32 id);

void mvmm_policy_flush(struct mvmm_policy_builder *b);

/* Make @dst (initialised) a copy of @src: 0 or -ENOMEM (@dst unchanged). */
int mvmm_policy_copy(struct mvmm_policy_builder *dst,
		     const struct mvmm_policy_builder *src);

static inline __u32 mvmm_policy_count(const struct mvmm_policy_builder *b)
{
	return b->nr;
}

const struct mvmm_rule *mvmm_policy_find(const struct mvmm_policy_builder *b,
					 __u32 id);

/*
 * The rule with the smallest id above @after, or NULL: dumps start at 0
 * and resume after the last id they sent, whatever changed in between.
 */
const struct mvmm_rule *mvmm_policy_next(const struct mvmm_policy_builder *b,
					 __u32 after);

/*
 * The event types @b's rules act on, as masks of BIT(type): @route, those
 * some sync rule sends to a handler, group or answer (not to main);
 * @observe, those some observe rule copies. The module installs the
 * hooks a table needs from these.
 */
void mvmm_policy_types(const struct mvmm_policy_builder *b, __u64 *route,
		       __u64 *observe);

/* Compiled tables */
struct mvmm_policy_table;

/* 0 and *@out, or -ENOMEM / -E2BIG (the table would exceed 2 GiB). */
int mvmm_policy_compile(const struct mvmm_policy_builder *b,
			struct mvmm_policy_table **out);

/* Free @t: its owner knows that no reader can hold it any more. */
void mvmm_policy_table_free(struct mvmm_policy_table *t);

/*
 * The rule matching @ev, or NULL (main). Only ev->type, ->origin and ->qual
 * count; an event whose type or origin is out of its enum matches nothing.
 * @t must not be NULL. Reads @t only; the rule lives as long as @t.
 */
const struct mvmm_rule *mvmm_policy_lookup(const struct mvmm_policy_table *t,
					   const struct mvmm_event *ev);

/*
 * The table's rules, sorted by id, are an array: the owner can keep per
 * rule data (resolved handlers, counters) in arrays of the same length.
 */
__u32 mvmm_policy_table_count(const struct mvmm_policy_table *t);
const struct mvmm_rule *mvmm_policy_table_rules(const struct mvmm_policy_table *t);

/* Shape of a compiled table, for tests and benchmarks. */
struct mvmm_policy_stats {
	__u32 bytes;		/* the whole allocation */
	__u32 slots;		/* indexes: one per type and origin with */
				/* rules, one per type if both have the same */
	__u32 nodes;		/* radix nodes */
	__u32 leaves;		/* small sorted leaves */
	__u32 deep_leaves;	/* Eytzinger leaves */
	__u32 max_radix_depth;	/* radix nodes on the longest path */
	__u32 max_cost;		/* the compiler's worst-case cost estimate */
};

void mvmm_policy_table_stats(const struct mvmm_policy_table *t,
			     struct mvmm_policy_stats *st);

#endif /* _MVMM_CORE_POLICY_H */

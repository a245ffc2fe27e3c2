/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ANSWER_TGT_H
#define _MVMM_ANSWER_TGT_H

#include <linux/bitmap.h>
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <net/netlink.h>
#include <asm/msr-index.h>
#include <linux/mvmm.h>
#include "core/answer.h"
#include "core/classify.h"
#include "ksyms.h"

/*
 * Pre-registered answers: the target of a rule of kind MVMM_TARGET_ANSWER
 * (uapi/linux/mvmm.h, "Pre-registered answers"). target.index names one
 * of the slots of a module-wide store that keeps each distinct answer
 * once, immutable while any table or request holds it. Tables hold their
 * answers from activation until they are freed, after the grace periods
 * that also end every exit still reading them (table.h); so the exit path
 * uses an answer without references or locks, and a slot no table and no
 * request holds is free for the next new answer.
 */

#define MVMM_ANSWERS_MAX	2048

/*
 * The answers one netlink request holds (one reference each), from the
 * moment it stores or names them until it has published its tables or
 * given up: between the two, no table may hold them yet, or none any more.
 */
struct mvmm_answer_hold {
	DECLARE_BITMAP(held, MVMM_ANSWERS_MAX);
};

extern const struct nla_policy mvmm_nl_answer_policy[MVMM_A_ANSWER_MAX + 1];

#define MVMM_CPUID_REGS	4	/* EAX, EBX, ECX, EDX, in that order */

/* An answer's content: zeroed, then filled, so that memcmp() compares it. */
struct mvmm_answer_key {
	u64 value;
	u32 reg_and[MVMM_CPUID_REGS];	/* register = KVM's & and | or */
	u32 reg_or[MVMM_CPUID_REGS];
	u16 type;			/* enum mvmm_event_type */
	u8 flags;			/* what it has: answer_tgt.c */
	u8 reg_given[MVMM_CPUID_REGS];	/* as given, for dumps */
};

/*
 * Check MVMM_A_RULE_ANSWER @nest against a rule of event type @type:
 * 0 and @k, or -errno with @extack naming the attribute.
 */
int mvmm_answer_tgt_parse(const struct nlattr *nest, u16 type,
			  struct mvmm_answer_key *k,
			  struct netlink_ext_ack *extack);

/*
 * Store @k, or find its twin, held by @hold: 0 and *@index, or -ENOSPC /
 * -ENOMEM (the message naming @nest). mvmm_answer_tgt_release() undoes it.
 */
int mvmm_answer_tgt_store(const struct mvmm_answer_key *k, u32 *index,
			  struct mvmm_answer_hold *hold,
			  const struct nlattr *nest,
			  struct netlink_ext_ack *extack);

/* Hold answer @index, which a live table names, in @hold too. */
void mvmm_answer_tgt_hold(struct mvmm_answer_hold *hold, u32 index);

/* Drop every answer @hold holds; it is empty again. */
void mvmm_answer_tgt_release(struct mvmm_answer_hold *hold);

/*
 * A table's reference on answer @index, taken when it is activated
 * (another table or a request holds the answer then) and dropped when
 * it is freed. Neither sleeps.
 */
void mvmm_answer_tgt_ref(u32 index);
void mvmm_answer_tgt_unref(u32 index);

/* Put answer @index as MVMM_A_RULE_ANSWER, with its hit counter. */
int mvmm_answer_tgt_put(struct sk_buff *skb, u32 index);

struct mvmm_stored_answer {
	struct mvmm_answer_key key;
	bool need_kvm;		/* some register starts from KVM's value */
	u64 __percpu *hits;
};

/*
 * The store, by index; written only by answer_tgt.c, and only in a slot
 * that nothing holds.
 */
extern struct mvmm_stored_answer mvmm_answers[MVMM_ANSWERS_MAX];

/*
 * The exit path's part is inline, compiled into the code that gives the
 * answer (complete.c at the exit, route.c on the buses): every call and
 * every page an exit touches costs.
 */
static inline const struct mvmm_stored_answer *mvmm_answer_get(u32 index)
{
	/* An entry never stored has type 0, which no answer has. */
	return index < MVMM_ANSWERS_MAX ? &mvmm_answers[index] : NULL;
}

/*
 * The stored answer @index for an event of @type, or NULL: an entry
 * never stored has type 0, which no answer has.
 */
static inline const struct mvmm_answer_key *mvmm_answer_key(u32 index,
							    u16 type)
{
	const struct mvmm_stored_answer *a = mvmm_answer_get(index);

	return likely(a && a->key.type == type) ? &a->key : NULL;
}

/* Does the answer give a result to this direction of an IO or MMIO access? */
static inline bool mvmm_answer_has_dir(const struct mvmm_answer_key *k,
				       const struct mvmm_event *ev)
{
	return k->flags & ((ev->flags & MVMM_EVF_WRITE) ? MVMM_ANS_IGNORE :
			   MVMM_ANS_VALUE);
}

/* Count a hit of answer @index, which was given. */
static inline void mvmm_answer_hit(u32 index)
{
	this_cpu_inc(*mvmm_answers[index].hits);
}

/*
 * CPUID's registers: KVM's entry for the leaf and subleaf in RAX and RCX,
 * masked by @k (answer_tgt.c; out of line, as its locals need a stack
 * protector).
 */
void mvmm_answer_cpuid_masked(struct kvm_vcpu *vcpu,
			      const struct mvmm_answer_key *k);

/*
 * CPUID: KVM's entry for the leaf and subleaf, masked, or fixed values.
 * (A CPUID that faults is KVM's: complete.c never answers it.)
 */
static inline void mvmm_answer_cpuid(struct kvm_vcpu *vcpu,
				     const struct mvmm_stored_answer *a)
{
	const struct mvmm_answer_key *k = &a->key;
	unsigned long *regs = vcpu->arch.regs;

	if (a->need_kvm) {
		mvmm_answer_cpuid_masked(vcpu, k);
		return;
	}
	/* Every register given whole: reg_and[] is 0. */
	regs[VCPU_REGS_RAX] = k->reg_or[0];
	regs[VCPU_REGS_RBX] = k->reg_or[1];
	regs[VCPU_REGS_RCX] = k->reg_or[2];
	regs[VCPU_REGS_RDX] = k->reg_or[3];
}

/*
 * Give @ev, the event of @vcpu's exit, the answer @index: write the
 * registers its instruction leaves (nothing for an OUT or an MSR write
 * ignored); the caller then completes the instruction. False, with
 * nothing written, if KVM must handle the event (see the uapi header).
 * Counts the hit. Runs on the exit path, lock-free: no struct
 * mvmm_answer in between, the registers are written straight from the
 * stored answer. @type is @ev's: a constant where the caller knows it,
 * so that only that type's case is compiled in.
 */
static __always_inline bool
mvmm_answer_tgt_regs(struct kvm_vcpu *vcpu, const struct mvmm_event *ev,
		     u16 type, u32 index)
{
	const struct mvmm_answer_key *k = mvmm_answer_key(index, type);
	unsigned long *regs = vcpu->arch.regs;

	if (!k)
		return false;
	switch (type) {
	case MVMM_EV_CPUID:
		mvmm_answer_cpuid(vcpu, &mvmm_answers[index]);
		break;
	case MVMM_EV_IO:
		/* String IO is answered element by element, on the bus. */
		if ((ev->flags & MVMM_EVF_STRING) || !mvmm_answer_has_dir(k, ev))
			return false;
		if (!(ev->flags & MVMM_EVF_WRITE))
			regs[VCPU_REGS_RAX] = mvmm_in_rax(regs[VCPU_REGS_RAX],
							  ev->size, k->value);
		break;
	case MVMM_EV_MSR_READ:
		regs[VCPU_REGS_RAX] = (u32)k->value;
		regs[VCPU_REGS_RDX] = k->value >> 32;
		break;
	case MVMM_EV_HYPERCALL:
		regs[VCPU_REGS_RAX] = k->value;
		break;
	case MVMM_EV_MSR_WRITE:		/* ignored */
		break;
	default:			/* MMIO: on the bus */
		return false;
	}
	mvmm_answer_hit(index);
	return true;
}

/*
 * The answer @index gives @ev, an element of string IO or an MMIO access
 * on one of KVM's buses: true with the value read in *@value (nothing
 * for a write, which is ignored), false if KVM must handle the access.
 * Counts the hit. Runs on the exit path, lock-free.
 */
static inline bool mvmm_answer_tgt_bus(const struct mvmm_event *ev, u32 index,
				       u64 *value)
{
	const struct mvmm_answer_key *k = mvmm_answer_key(index, ev->type);

	if (!k || !mvmm_answer_has_dir(k, ev))
		return false;
	*value = k->value;
	mvmm_answer_hit(index);
	return true;
}

/* Free every answer: no rule or exit may use one any more. */
void mvmm_answer_tgt_exit(void);

#endif /* _MVMM_ANSWER_TGT_H */

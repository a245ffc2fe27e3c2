/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ANSWER_TGT_H
#define _MVMM_ANSWER_TGT_H

#include <linux/bitmap.h>
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <net/netlink.h>
#include <asm/msr-index.h>
#include <linux/mvmm.h>
#include "core/classify.h"
#include "ksyms.h"

/*
 * Pre-registered answers: the target of a rule of kind MVMM_TARGET_ANSWER
 * (uapi/linux/mvmm.h, "Pre-registered answers"). target.index names one
 * of the slots of a module-wide store that keeps each distinct answer
 * once, immutable while any table or request holds it. Tables hold their
 * answers from activation until they are freed, after the exit-SRCU grace
 * period that also ends every exit still reading them; so the exit path
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
 * The exit path's part is inline, compiled into route.c next to the code
 * that applies the answer: on a rig that emulates the CPU, every page an
 * exit touches costs, and this keeps them few.
 */
static inline const struct mvmm_stored_answer *mvmm_answer_get(u32 index)
{
	/* An entry never stored has type 0, which no answer has. */
	return index < MVMM_ANSWERS_MAX ? &mvmm_answers[index] : NULL;
}

/* CPUID: KVM's entry for the leaf and subleaf, masked, or fixed values. */
static inline bool mvmm_answer_cpuid(struct kvm_vcpu *vcpu,
				     const struct mvmm_stored_answer *a,
				     struct mvmm_answer *ans)
{
	const struct mvmm_answer_key *k = &a->key;
	u32 r[MVMM_CPUID_REGS] = {};

	/* A faulting CPUID (#GP above CPL 0) is KVM's to emulate. */
	if (vcpu->arch.msr_misc_features_enables &
	    MSR_MISC_FEATURES_ENABLES_CPUID_FAULT)
		return false;
	if (a->need_kvm) {
		/* What kvm_emulate_cpuid() would put in the registers. */
		r[0] = vcpu->arch.regs[VCPU_REGS_RAX];
		r[2] = vcpu->arch.regs[VCPU_REGS_RCX];
		mvmm_kvm.cpuid(vcpu, &r[0], &r[1], &r[2], &r[3], false);
	}
	ans->gprs[MVMM_GPR_RAX] = (r[0] & k->reg_and[0]) | k->reg_or[0];
	ans->gprs[MVMM_GPR_RBX] = (r[1] & k->reg_and[1]) | k->reg_or[1];
	ans->gprs[MVMM_GPR_RCX] = (r[2] & k->reg_and[2]) | k->reg_or[2];
	ans->gprs[MVMM_GPR_RDX] = (r[3] & k->reg_and[3]) | k->reg_or[3];
	ans->gpr_mask = BIT(MVMM_GPR_RAX) | BIT(MVMM_GPR_RBX) |
			BIT(MVMM_GPR_RCX) | BIT(MVMM_GPR_RDX);
	return true;
}

/*
 * The answer @index gives @ev on @vcpu, as a secondary's handled answer
 * in @ans; false if KVM must handle the event (see the uapi header).
 * Counts the hit. Runs on the exit path, lock-free.
 */
static inline bool mvmm_answer_tgt_fill(struct kvm_vcpu *vcpu,
					const struct mvmm_event *ev, u32 index,
					struct mvmm_answer *ans)
{
	const struct mvmm_stored_answer *a = mvmm_answer_get(index);
	const struct mvmm_answer_key *k;

	if (unlikely(!a || a->key.type != ev->type))
		return false;
	k = &a->key;
	ans->action = MVMM_ACT_HANDLED;
	ans->gpr_mask = 0;
	ans->reserved = 0;
	ans->value = k->value;

	switch (ev->type) {
	case MVMM_EV_IO:
	case MVMM_EV_MMIO:
		/*
		 * A direction without an answer is KVM's. String IO is
		 * answered element by element, on KVM's PIO bus (bus.c).
		 */
		if (!(k->flags & ((ev->flags & MVMM_EVF_WRITE) ?
				  MVMM_ANS_IGNORE : MVMM_ANS_VALUE)))
			return false;
		break;
	case MVMM_EV_CPUID:
		if (!mvmm_answer_cpuid(vcpu, a, ans))
			return false;
		break;
	default:	/* MSR read (value), MSR write (ignore), hypercall */
		break;
	}
	this_cpu_inc(*a->hits);
	return true;
}

/* Free every answer: no rule or exit may use one any more. */
void mvmm_answer_tgt_exit(void);

#endif /* _MVMM_ANSWER_TGT_H */

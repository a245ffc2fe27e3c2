/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ANSWER_APPLY_H
#define _MVMM_ANSWER_APPLY_H

#include <linux/kvm_host.h>
#include "core/answer.h"
#include "route.h"

/*
 * Write the registers a checked MVMM_ACT_HANDLED answer @a to @ev, of
 * @type (a constant where the caller knows it), sets. True: what is left
 * is skipping the instruction; false: the guest resumes where the answer
 * put RIP. Never sleeps.
 */
static __always_inline bool mvmm_answer_regs(struct kvm_vcpu *vcpu,
					     const struct mvmm_event *ev,
					     u16 type,
					     const struct mvmm_answer *a)
{
	unsigned long *regs = vcpu->arch.regs;
	unsigned int i;

	switch (type) {
	case MVMM_EV_IO:
		if (ev->flags & MVMM_EVF_WRITE)
			break;
		regs[VCPU_REGS_RAX] = mvmm_in_rax(regs[VCPU_REGS_RAX],
						  ev->size, a->value);
		break;
	case MVMM_EV_MSR_READ:
		regs[VCPU_REGS_RAX] = (u32)a->value;
		regs[VCPU_REGS_RDX] = a->value >> 32;
		break;
	case MVMM_EV_HYPERCALL: {
		/* mvmm_answer_check() kept RSP and RIP out of the mask. */
		unsigned long mask = a->gpr_mask;

		if (!mask)
			regs[VCPU_REGS_RAX] = a->value;
		for_each_set_bit(i, &mask, MVMM_NR_GPRS)
			regs[i] = a->gprs[i];
		break;
	}
	case MVMM_EV_CPUID:
		/* Four registers at most: no loop. */
		if (a->gpr_mask & BIT(MVMM_GPR_RAX))
			regs[VCPU_REGS_RAX] = a->gprs[MVMM_GPR_RAX];
		if (a->gpr_mask & BIT(MVMM_GPR_RBX))
			regs[VCPU_REGS_RBX] = a->gprs[MVMM_GPR_RBX];
		if (a->gpr_mask & BIT(MVMM_GPR_RCX))
			regs[VCPU_REGS_RCX] = a->gprs[MVMM_GPR_RCX];
		if (a->gpr_mask & BIT(MVMM_GPR_RDX))
			regs[VCPU_REGS_RDX] = a->gprs[MVMM_GPR_RDX];
		break;
	case MVMM_EV_EXCEPTION:
		/* The exception is consumed: resume where the answer says. */
		regs[VCPU_REGS_RIP] = a->rip;
		__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_avail);
		__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_dirty);
		return false;
	default:
		break;
	}
	return true;
}

int mvmm_apply_handled(struct kvm_vcpu *vcpu, const struct mvmm_event *ev,
		       const struct mvmm_answer *ans);
int mvmm_apply_inject(struct kvm_vcpu *vcpu, unsigned int vector,
		      bool has_error_code, u32 error_code);
int mvmm_apply_deny(struct kvm_vcpu *vcpu, const struct mvmm_event *ev);

/*
 * Carry out @out for @ev at the exit, with the checked answer @ans;
 * *@ret: what KVM's handler returns to vcpu_run(), for DONE and RETRY.
 * Inline, so that the applier's frame is the only call (bench/exit_profile
 * cpuidsig, 6.1: out of line, 5 more instructions per routed exit).
 */
static __always_inline enum mvmm_route_result
mvmm_apply_exit(struct kvm_vcpu *vcpu, const struct mvmm_event *ev,
		const struct mvmm_answer *ans, enum mvmm_outcome out, int *ret)
{
	/* The common outcome, tested first: one compare for an answer. */
	if (likely(out == MVMM_OUT_HANDLED)) {
		*ret = mvmm_apply_handled(vcpu, ev, ans);
		return MVMM_ROUTE_DONE;
	}
	switch (out) {
	case MVMM_OUT_INJECT:
		*ret = mvmm_apply_inject(vcpu, ans->vector,
					 ans->has_error_code, ans->error_code);
		return MVMM_ROUTE_DONE;
	case MVMM_OUT_DENY:
		*ret = mvmm_apply_deny(vcpu, ev);
		return MVMM_ROUTE_DONE;
	case MVMM_OUT_RETRY:
		/*
		 * Back into vcpu_run() without completing the instruction:
		 * the pending signal makes KVM_RUN return -EINTR before the
		 * guest runs again, and the guest then retakes this exit.
		 */
		*ret = 1;
		return MVMM_ROUTE_RETRY;
	default:
		return MVMM_ROUTE_KVM;
	}
}

/* Carry out @out for a bus access @ev whose data is at @val. */
enum mvmm_route_result mvmm_apply_bus(const struct mvmm_event *ev,
				      const struct mvmm_answer *ans,
				      enum mvmm_outcome out, void *val);

#endif /* _MVMM_ANSWER_APPLY_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out what a routed event's target decided, where the event is:
 * at the exit (registers, RIP, an exception for the guest) or on one of
 * KVM's buses (the access's data). A secondary's answer, checked, is
 * applied here, as is a fixed answer and a fallback's denial.
 */
#include <linux/kvm_host.h>
#include "core/answer.h"
#include "answer_apply.h"
#include "ksyms.h"

/* Write a checked MVMM_ACT_HANDLED answer and complete the instruction. */
int mvmm_apply_handled(struct kvm_vcpu *vcpu, const struct mvmm_event *ev,
		       const struct mvmm_answer *a)
{
	unsigned long *regs = vcpu->arch.regs;
	unsigned int i;

	switch (ev->type) {
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
		return 1;
	default:
		break;
	}
	return static_call(mvmm_kvm_skip_insn)(vcpu);
}

/* Queue the exception @vector for the guest instead of completing. */
int mvmm_apply_inject(struct kvm_vcpu *vcpu, unsigned int vector,
		      bool has_error_code, u32 error_code)
{
	if (has_error_code)
		mvmm_kvm.queue_exception_e(vcpu, vector, error_code);
	else
		mvmm_kvm.queue_exception(vcpu, vector);
	/* Resume the guest: the instruction faults. */
	return 1;
}

/* Fallback deny: a fault that keeps the event from KVM. */
int mvmm_apply_deny(struct kvm_vcpu *vcpu, const struct mvmm_event *ev)
{
	switch (ev->type) {
	case MVMM_EV_IO:
	case MVMM_EV_MSR_READ:
	case MVMM_EV_MSR_WRITE:
		return mvmm_apply_inject(vcpu, MVMM_GP_VECTOR, true, 0);
	default:
		return mvmm_apply_inject(vcpu, MVMM_UD_VECTOR, false, 0);
	}
}

/*
 * Carry out @out for an access of KVM's MMIO or PIO bus, whose data is at
 * @val: a read gets the answer's value, in the bus's byte order
 * (little-endian, as in RAX). An injection is not one a bus access can
 * make: KVM handles the access.
 */
enum mvmm_route_result mvmm_apply_bus(const struct mvmm_event *ev,
				      const struct mvmm_answer *ans,
				      enum mvmm_outcome out, void *val)
{
	bool read = !(ev->flags & MVMM_EVF_WRITE);

	switch (out) {
	case MVMM_OUT_HANDLED:
		if (read)
			memcpy(val, &ans->value, ev->size);
		return MVMM_ROUTE_DONE;
	case MVMM_OUT_DENY:
		/* What an unclaimed bus does: reads float high, writes vanish. */
		if (read)
			memset(val, 0xff, ev->size);
		return MVMM_ROUTE_DONE;
	case MVMM_OUT_RETRY:
		return MVMM_ROUTE_RETRY;
	default:
		return MVMM_ROUTE_KVM;
	}
}

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
	if (!mvmm_answer_regs(vcpu, ev, ev->type, a))
		return 1;
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

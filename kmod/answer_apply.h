/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ANSWER_APPLY_H
#define _MVMM_ANSWER_APPLY_H

#include <linux/kvm_host.h>
#include "route.h"

/* What the rule's target decided, for the caller to carry out. */
enum mvmm_outcome {
	MVMM_OUT_MAIN,		/* KVM handles it (answer, observe, fallback) */
	MVMM_OUT_HANDLED,	/* apply the checked answer */
	MVMM_OUT_INJECT,	/* inject the answer's exception */
	MVMM_OUT_DENY,		/* fallback deny */
	MVMM_OUT_RETRY,		/* a signal: leave the exit to recur */
};

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

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

/*
 * Carry out @out for @ev at the exit, with the checked answer @ans;
 * *@ret: what KVM's handler returns to vcpu_run(), for DONE and RETRY.
 */
enum mvmm_route_result mvmm_apply_exit(struct kvm_vcpu *vcpu,
				       const struct mvmm_event *ev,
				       const struct mvmm_answer *ans,
				       enum mvmm_outcome out, int *ret);

/* Carry out @out for a bus access @ev whose data is at @val. */
enum mvmm_route_result mvmm_apply_bus(const struct mvmm_event *ev,
				      const struct mvmm_answer *ans,
				      enum mvmm_outcome out, void *val);

#endif /* _MVMM_ANSWER_APPLY_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ROUTE_H
#define _MVMM_ROUTE_H

#include <linux/kvm_host.h>
#include "core/policy.h"

struct mvmm_vcpu;

/* What the rule's target decided, for the caller to carry out. */
enum mvmm_outcome {
	MVMM_OUT_MAIN,		/* KVM handles it (answer, observe, fallback) */
	MVMM_OUT_HANDLED,	/* apply the checked answer */
	MVMM_OUT_INJECT,	/* inject the answer's exception */
	MVMM_OUT_DENY,		/* fallback deny */
	MVMM_OUT_RETRY,		/* a signal: leave the exit to recur */
};

/* What the dispatch did with an event. */
enum mvmm_route_result {
	MVMM_ROUTE_KVM,		/* nothing: KVM handles the event */
	MVMM_ROUTE_DONE,	/* mvmm completed it (answer, fault, deny) */
	MVMM_ROUTE_RETRY,	/* a signal: leave it undone, the guest retakes it */
};

/*
 * The data path's one dispatch (route.c: mvmm_route(), one body for both
 * entries): carry out sync @rule (to a handler, group, or on a bus an
 * answer) for @ev
 * on @vcpu (mvmm's state of it: @vc) where it is. The rule's target
 * decides (route.c), answer_apply.c carries it out.
 *
 * mvmm_route_exit(): at the exit, where KVM's own handler for @ev would
 * start (complete.c); *@ret, for DONE and RETRY, is what KVM's handler
 * returns. A signal ends a wait for a secondary, and the guest retakes
 * the exit.
 */
enum mvmm_route_result mvmm_route_exit(struct kvm_vcpu *vcpu,
				       struct mvmm_vcpu *vc,
				       const struct mvmm_event *ev,
				       const struct mvmm_rule *rule, int *ret);

/*
 * mvmm_route_bus(): on one of KVM's buses, for an access KVM's emulator is
 * about to make (bus.c: @val is the access's data; an MMIO access, or an
 * element of a string IO instruction). With @restartable, a signal ends a
 * wait for a secondary and the request stays outstanding for the event's
 * retake (bus.c undoes the access's instruction); otherwise only SIGKILL
 * does.
 */
enum mvmm_route_result mvmm_route_bus(struct kvm_vcpu *vcpu,
				      struct mvmm_vcpu *vc,
				      const struct mvmm_event *ev,
				      const struct mvmm_rule *rule, void *val,
				      bool restartable);

/* Give observe @rule's target a copy of @ev at the exit; KVM then handles it. */
void mvmm_route_observe(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			const struct mvmm_event *ev,
			const struct mvmm_rule *rule);

#endif /* _MVMM_ROUTE_H */

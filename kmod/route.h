/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ROUTE_H
#define _MVMM_ROUTE_H

#include <linux/kvm_host.h>
#include "core/policy.h"

struct mvmm_vcpu;

/* What mvmm_route() did with an event. */
enum mvmm_route_result {
	MVMM_ROUTE_KVM,		/* nothing: KVM handles the event */
	MVMM_ROUTE_DONE,	/* mvmm completed it (answer, fault, deny) */
	MVMM_ROUTE_RETRY,	/* a signal: leave it undone, the guest retakes it */
};

/*
 * The data path's one dispatch: carry out sync @rule (to a handler, group
 * or answer) for @ev on @vcpu (mvmm's state of it: @vc) where it is: at
 * the exit, where KVM's own handler for it would start (complete.c: @val
 * NULL, and *@ret, for DONE and RETRY, what KVM's handler returns), or on
 * one of KVM's buses, for an access KVM's emulator is about to make
 * (bus.c: @val is the access's data; an MMIO access, or an element of a
 * string IO instruction). With @restartable, a signal ends a wait for a
 * secondary and the request stays outstanding for the event's retake
 * (bus.c undoes a bus access's instruction); otherwise only SIGKILL does.
 * The rule's target decides (route.c), answer_apply.c carries it out.
 */
enum mvmm_route_result mvmm_route(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
				  const struct mvmm_event *ev,
				  const struct mvmm_rule *rule, void *val,
				  bool restartable, int *ret);

/* Give observe @rule's target a copy of @ev at the exit; KVM then handles it. */
void mvmm_route_observe(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			const struct mvmm_event *ev,
			const struct mvmm_rule *rule);

#endif /* _MVMM_ROUTE_H */

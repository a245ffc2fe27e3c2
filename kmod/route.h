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
 * Where a routed event is carried out: at the exit, where KVM's own
 * handler for it would start (complete.c), or on one of KVM's buses, for
 * an access KVM's emulator is about to make (bus.c): an MMIO access, or
 * an element of a string IO instruction.
 */
struct mvmm_site {
	void *val;		/* bus: the access's data; NULL: the exit */
	/*
	 * A signal ends a wait for a secondary, the request staying
	 * outstanding for the event's retake (bus.c undoes the instruction
	 * of a bus access); otherwise only SIGKILL does.
	 */
	bool restartable;
	int ret;		/* exit, DONE or RETRY: what KVM's handler returns */
};

/*
 * The data path's one dispatch: carry out sync @rule (to a handler, group
 * or answer) for @ev on @vcpu (mvmm's state of it: @vc) at @at. The rule's
 * target decides (route.c), the site applies what it decided.
 */
enum mvmm_route_result mvmm_route(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
				  const struct mvmm_event *ev,
				  const struct mvmm_rule *rule,
				  struct mvmm_site *at);

/* Give observe @rule's target a copy of @ev at the exit; KVM then handles it. */
void mvmm_route_observe(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			const struct mvmm_event *ev,
			const struct mvmm_rule *rule);

#endif /* _MVMM_ROUTE_H */

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
 * Carry out sync @rule (to a handler, group or answer) for @ev on @vcpu
 * (mvmm's state of it: @vc), where KVM's own handling of the event would
 * start (complete.c). For DONE and RETRY, *@ret is what KVM's handler
 * returns to vcpu_run().
 */
enum mvmm_route_result mvmm_route(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
				  const struct mvmm_event *ev,
				  const struct mvmm_rule *rule, int *ret);

/* Give observe @rule's target a copy of @ev; KVM then handles it. */
void mvmm_route_observe(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			const struct mvmm_event *ev,
			const struct mvmm_rule *rule);

/*
 * Carry out @rule for one access KVM's emulator is about to make on its
 * MMIO bus (@ev: MVMM_EV_MMIO) or PIO bus (@ev: MVMM_EV_IO with
 * MVMM_EVF_STRING, an element of a string instruction), with address,
 * size and direction; @val: the data. With @restartable, a signal ends a
 * wait for a secondary: the request stays outstanding, to be resumed by
 * the access's retake (bus.c undoes the instruction); otherwise only
 * SIGKILL does.
 */
enum mvmm_route_result mvmm_route_bus(struct kvm_vcpu *vcpu,
				      struct mvmm_vcpu *vc,
				      const struct mvmm_event *ev,
				      const struct mvmm_rule *rule, void *val,
				      bool restartable);

#endif /* _MVMM_ROUTE_H */

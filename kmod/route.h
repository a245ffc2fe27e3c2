/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_ROUTE_H
#define _MVMM_ROUTE_H

#include <linux/kvm_host.h>
#include "core/policy.h"

/*
 * Carry out @rule for @ev on @vcpu; @rule targets a handler, a group or
 * an answer (exit.c leaves rules to main alone, and answers to IO reach
 * mvmm_route_mmio() from KVM's PIO bus). Returns true when mvmm completed
 * the exit, with KVM's handle_exit return value in *@ret; false when KVM
 * must handle it (observe mode, an L2 event, or a fallback to main).
 */
bool mvmm_route(struct kvm_vcpu *vcpu, u32 vm_id, const struct mvmm_event *ev,
		const struct mvmm_rule *rule, int *ret);

/*
 * Carry out @rule for an MMIO access KVM's emulator is about to dispatch
 * (@ev: MVMM_EV_MMIO with address, size and direction; @val: the data),
 * or for a PIO access (@ev: MVMM_EV_IO, port; pre-registered answers
 * only). True when mvmm completed it (a read's data in @val).
 */
bool mvmm_route_mmio(struct kvm_vcpu *vcpu, u32 vm_id,
		     const struct mvmm_event *ev, const struct mvmm_rule *rule,
		     void *val);

#endif /* _MVMM_ROUTE_H */

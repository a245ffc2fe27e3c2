/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_BUS_H
#define _MVMM_BUS_H

/* MMIO accesses and string IO elements, routed on KVM's buses. */
void mvmm_bus_hooks_init(void);

struct kvm_vcpu;
struct mvmm_vcpu;

/*
 * After KVM's handle_exit returned @ret for @vc's exit, in which a signal
 * stopped a bus access (@vc->bus_stopped): leave the instruction undone
 * for the guest to retake, and return what handle_exit should return.
 */
int mvmm_bus_unwind(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc, int ret);

#endif /* _MVMM_BUS_H */

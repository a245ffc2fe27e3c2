/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_COMPLETE_TRAMP_H
#define _MVMM_COMPLETE_TRAMP_H

#include <linux/types.h>

struct kvm_vcpu;

/*
 * The KVM functions complete.c takes over through direct hooks (hook.h):
 * complete_tramp.S has a trampoline mvmm_tramp_<fn> for each, which calls
 * mvmm_take_<fn>() with the function's arguments. That returns
 * MVMM_DIRECT_PASS or mvmm_direct_return() (hook.h).
 */
void mvmm_tramp_emulate_cpuid(void);
void mvmm_tramp_fast_pio(void);
void mvmm_tramp_emulate_rdmsr(void);
void mvmm_tramp_emulate_wrmsr(void);
void mvmm_tramp_emulate_halt(void);
void mvmm_tramp_emulate_hypercall(void);
void mvmm_tramp_handle_ud(void);

u64 mvmm_take_emulate_cpuid(struct kvm_vcpu *vcpu);
u64 mvmm_take_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		       int in);
u64 mvmm_take_emulate_rdmsr(struct kvm_vcpu *vcpu);
u64 mvmm_take_emulate_wrmsr(struct kvm_vcpu *vcpu);
u64 mvmm_take_emulate_halt(struct kvm_vcpu *vcpu);
u64 mvmm_take_emulate_hypercall(struct kvm_vcpu *vcpu);
u64 mvmm_take_handle_ud(struct kvm_vcpu *vcpu);

#endif /* _MVMM_COMPLETE_TRAMP_H */

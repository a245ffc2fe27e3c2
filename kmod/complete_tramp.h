/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_COMPLETE_TRAMP_H
#define _MVMM_COMPLETE_TRAMP_H

/*
 * The KVM functions complete.c takes over through direct hooks (hook.h):
 * complete_tramp.S has a trampoline mvmm_tramp_<fn> for each, which calls
 * mvmm_take_<fn>() with the function's arguments. That returns
 * MVMM_DIRECT_PASS, mvmm_direct_return() (hook.h), or MVMM_TAKE_SKIP.
 *
 * MVMM_TAKE_SKIP: the event is answered, its registers written; what is
 * left is what KVM's handlers end with, kvm_skip_emulated_instruction(),
 * whose result KVM's function returns. The trampoline jumps to it (the
 * static call mvmm_kvm_skip_insn, ksyms.h) in place of KVM's function,
 * so that it returns to that function's caller: no frame of mvmm's is on
 * the stack while KVM's emulator, which may fault on guest memory and
 * sleep, skips the instruction.
 */
#define MVMM_TAKE_SKIP_BIT	33

#ifndef __ASSEMBLY__
#include <linux/bits.h>
#include <linux/types.h>

#define MVMM_TAKE_SKIP		BIT_ULL(MVMM_TAKE_SKIP_BIT)

struct kvm_vcpu;

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
#endif /* __ASSEMBLY__ */

#endif /* _MVMM_COMPLETE_TRAMP_H */

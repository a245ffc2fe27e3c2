/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trampolines of mvmm's direct hooks (hook.h). KVM's function, at its
 * entry, calls one of these; the return address on the stack is then the
 * rest of KVM's function, and above it the return address of its caller.
 *
 * The trampoline calls mvmm's function for it with the arguments KVM's
 * function got, which it keeps. Zero (MVMM_DIRECT_PASS): back into KVM's
 * function with its arguments, as if nothing happened. Anything else
 * (mvmm_direct_return()): the low 32 bits, in EAX, are what KVM's
 * function returns, and the trampoline returns straight to its caller,
 * dropping the return address into KVM's function, as BPF trampolines do
 * for fmod_ret programs. MVMM_TAKE_SKIP: the same, but through
 * kvm_skip_emulated_instruction(), which the trampoline jumps to with
 * the vCPU as its argument (complete_tramp.h).
 */
#include <linux/linkage.h>
#include <linux/version.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "complete_tramp.h"

/*
 * A call into the trampoline counts for call depth tracking (retbleed=
 * stuff), an assembler macro since 6.2; 6.1 has no such tracking.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define MVMM_CALL_DEPTH_ACCOUNT	CALL_DEPTH_ACCOUNT
#else
#define MVMM_CALL_DEPTH_ACCOUNT
#endif

	.text

.macro MVMM_DIRECT_TRAMP fn
SYM_FUNC_START(mvmm_tramp_\fn)
	MVMM_CALL_DEPTH_ACCOUNT
	pushq	%rbp
	movq	%rsp, %rbp
	/* The arguments KVM's functions take (four at most), kept. */
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	call	mvmm_take_\fn
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	testq	%rax, %rax
	jnz	1f
	RET
1:
	/* Taken: return to the caller of KVM's function. */
	addq	$8, %rsp
	UNWIND_HINT_FUNC
	btq	$MVMM_TAKE_SKIP_BIT, %rax
	jc	2f
	RET
2:
	/* Answered: KVM skips the instruction, %rdi is the vCPU. */
	jmp	__SCT__mvmm_kvm_skip_insn
SYM_FUNC_END(mvmm_tramp_\fn)
.endm

/*
 * The trampolines' jumps are static call sites, which objtool records
 * with the call's key when the object refers to it: what static_call()
 * does in C (__ADDRESSABLE). Without it the site names the trampoline
 * instead, and 6.1 refuses to load the module ("Failed to fixup
 * __raw_static_call() usage").
 */
	.pushsection .discard.addressable, "aw"
	.quad	__SCK__mvmm_kvm_skip_insn
	.popsection

/* complete_tramp.h declares them, and the functions they call. */
MVMM_DIRECT_TRAMP emulate_cpuid
MVMM_DIRECT_TRAMP fast_pio
MVMM_DIRECT_TRAMP emulate_rdmsr
MVMM_DIRECT_TRAMP emulate_wrmsr
MVMM_DIRECT_TRAMP emulate_halt
MVMM_DIRECT_TRAMP emulate_hypercall
MVMM_DIRECT_TRAMP handle_ud

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the KVM selftest libraries of the kernels the
 * tests are built against (linux-source-6.1 and -6.12), in one place.
 * kvm.mk includes this header in every program, after telling it the
 * library's kernel version (MVMM_KSFT_VERSION, from the tree's Makefile).
 */
#ifndef MVMM_SELFTEST_KSFT_COMPAT_H
#define MVMM_SELFTEST_KSFT_COMPAT_H

#define MVMM_KSFT(a, b)		((a) * 256 + (b))

/*
 * Where our guest code starts: 6.1's library enters guest code with RSP
 * 16-byte aligned, not 16n - 8 as the ABI wants; realign it, or the
 * compiler's SSE stores to the stack fault.
 */
#define MVMM_GUEST_ENTRY	__attribute__((force_align_arg_pointer))

/* What changed between 6.1 and 6.12 (the exact release does not matter). */
#if MVMM_KSFT_VERSION >= MVMM_KSFT(6, 12)

#include "kvm_util.h"
#include "processor.h"

/*
 * Guest asserts became printf-style (__GUEST_ASSERT(cond, fmt, ...)),
 * reported by REPORT_GUEST_ASSERT() alone: GUEST_ASSERT_1/_2 and
 * REPORT_GUEST_ASSERT_1/_2 are gone.
 */
#ifndef GUEST_ASSERT_1
#define GUEST_ASSERT_1(cond, a)						\
	__GUEST_ASSERT(cond, "%s: %#lx", #a, (unsigned long)(a))
#define GUEST_ASSERT_2(cond, a, b)					\
	__GUEST_ASSERT(cond, "%s: %#lx, %s: %#lx", #a, (unsigned long)(a), \
		       #b, (unsigned long)(b))
#define REPORT_GUEST_ASSERT_1(uc, fmt)	REPORT_GUEST_ASSERT(uc)
#define REPORT_GUEST_ASSERT_2(uc, fmt)	REPORT_GUEST_ASSERT(uc)
#endif

/*
 * Every VM and vCPU gets the library's IDT and exception handlers when it
 * is created: the calls that set them up are gone.
 */
#define vm_init_descriptor_tables(vm)		do { } while (0)
#define vcpu_init_descriptor_tables(vcpu)	do { } while (0)

/*
 * KVM_ASM_SAFE() also reports the error code, through a second output
 * operand (KVM_ASM_SAFE_OUTPUTS(v, ec)). The tests use the vector alone:
 * the 6.1 forms, which leave r10 (the error code) a clobber.
 */
#undef KVM_ASM_SAFE
#define KVM_ASM_SAFE(insn)					\
	"mov $" __stringify(KVM_EXCEPTION_MAGIC) ", %%r9\n\t"	\
	"lea 1f(%%rip), %%r10\n\t"				\
	"lea 2f(%%rip), %%r11\n\t"				\
	"1: " insn "\n\t"					\
	"movb $0, %[vector]\n\t"				\
	"jmp 3f\n\t"						\
	"2:\n\t"						\
	"mov  %%r9b, %[vector]\n\t"				\
	"3:\n\t"
#undef KVM_ASM_SAFE_OUTPUTS
#define KVM_ASM_SAFE_OUTPUTS(v)	[vector] "=qm"(v)
#undef kvm_asm_safe
#define kvm_asm_safe(insn, inputs...)			\
({							\
	uint8_t vector;					\
							\
	asm volatile(KVM_ASM_SAFE(insn)			\
		     : KVM_ASM_SAFE_OUTPUTS(vector)	\
		     : inputs				\
		     : KVM_ASM_SAFE_CLOBBERS);		\
	vector;						\
})

/*
 * kselftest_harness.h orders its constructors itself: a test with its own
 * main() needs nothing of TEST_HARNESS_MAIN's but main().
 */
#define MVMM_HARNESS_CONSTRUCTORS

/* The host's vendor became a variable the library sets at startup. */
#define is_amd_cpu()		host_cpu_is_amd
#define is_intel_cpu()		host_cpu_is_intel

#else /* 6.1 */

/* What TEST_HARNESS_MAIN adds besides main(), for tests with their own. */
#define MVMM_HARNESS_CONSTRUCTORS					\
static void __attribute__((constructor)) __constructor_order_last(void) \
{									\
	if (!__constructor_order)					\
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;	\
}

#endif /* >= 6.12 */

#endif /* MVMM_SELFTEST_KSFT_COMPAT_H */

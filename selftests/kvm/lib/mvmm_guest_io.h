/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port IO from guest code, one copy for every test (processor.h has only
 * outl()). Each is ordered with the guest's memory accesses ("memory"
 * clobber), so a test may publish a value in guest memory and then exit.
 * A fault is the test's failure with these.
 *
 * The mvmm_safe_*() forms below wrap the access in KVM_ASM_SAFE and
 * return the vector of the fault it took (0: none), for the guests that
 * count faults (an injected exception, a deny) instead of dying of them.
 * A guest using them installs a handler that ends in
 * mvmm_safe_fixup(), and is built with MVMM_GUEST_CFLAGS (kvm.mk).
 */
#ifndef MVMM_SELFTEST_GUEST_IO_H
#define MVMM_SELFTEST_GUEST_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "processor.h"

static inline uint8_t mvmm_guest_inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t mvmm_guest_inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void mvmm_guest_outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void mvmm_guest_outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

/*
 * The end of an exception handler under KVM_ASM_SAFE, as the library's
 * own handler does it: resume after the instruction, with the vector in
 * R9 for KVM_ASM_SAFE_OUTPUTS. Anything else faulting is the guest's bug.
 */
static inline void mvmm_safe_fixup(struct ex_regs *regs)
{
	GUEST_ASSERT_2(regs->r9 == KVM_EXCEPTION_MAGIC &&
		       regs->rip == regs->r10, regs->vector, regs->rip);
	regs->rip = regs->r11;
	regs->r9 = regs->vector;
}

/*
 * IN of @size bytes (1, 2, else 4) from @port into *@v, RAX holding
 * @rax_fill before: what an IN leaves of the bytes it does not write.
 */
static inline uint8_t mvmm_safe_in(uint16_t port, int size, uint64_t rax_fill,
				   uint64_t *v)
{
	uint64_t rax = rax_fill;
	uint8_t vector;

	if (size == 1)
		asm volatile(KVM_ASM_SAFE("inb %%dx, %%al")
			     : "+a"(rax), KVM_ASM_SAFE_OUTPUTS(vector)
			     : "d"(port) : KVM_ASM_SAFE_CLOBBERS);
	else if (size == 2)
		asm volatile(KVM_ASM_SAFE("inw %%dx, %%ax")
			     : "+a"(rax), KVM_ASM_SAFE_OUTPUTS(vector)
			     : "d"(port) : KVM_ASM_SAFE_CLOBBERS);
	else
		asm volatile(KVM_ASM_SAFE("inl %%dx, %%eax")
			     : "+a"(rax), KVM_ASM_SAFE_OUTPUTS(vector)
			     : "d"(port) : KVM_ASM_SAFE_CLOBBERS);
	*v = rax;
	return vector;
}

/* OUT of the low @size bytes (1, 2, else 4) of @val to @port. */
static inline uint8_t mvmm_safe_out(uint16_t port, int size, uint32_t val)
{
	if (size == 1)
		return kvm_asm_safe("outb %%al, %%dx", "a"((uint8_t)val),
				    "d"(port));
	if (size == 2)
		return kvm_asm_safe("outw %%ax, %%dx", "a"((uint16_t)val),
				    "d"(port));
	return kvm_asm_safe("outl %%eax, %%dx", "a"(val), "d"(port));
}

/* CPUID leaf @leaf, subleaf @sub: EAX..EDX in @v[0..3]. */
static inline uint8_t mvmm_safe_cpuid(uint32_t leaf, uint32_t sub,
				      uint64_t *v)
{
	uint32_t a = leaf, b = 0, c = sub, d = 0;
	uint8_t vector;

	asm volatile(KVM_ASM_SAFE("cpuid")
		     : "+a"(a), "+b"(b), "+c"(c), "+d"(d),
		       KVM_ASM_SAFE_OUTPUTS(vector)
		     : : KVM_ASM_SAFE_CLOBBERS);
	v[0] = a;
	v[1] = b;
	v[2] = c;
	v[3] = d;
	return vector;
}

/*
 * A hypercall, VMMCALL on AMD (@amd) else VMCALL: RAX = @nr, RCX = @rcx,
 * RBX = RDX = RSI = 0. RAX, RBX, RCX, RDX after it in @v[0..3]: a
 * secondary may answer in any of them.
 */
static inline uint8_t mvmm_safe_hypercall(bool amd, uint64_t nr, uint64_t rcx,
					  uint64_t *v)
{
	uint64_t rax = nr, rbx = 0, rdx = 0;
	uint8_t vector;

	if (amd)
		asm volatile(KVM_ASM_SAFE("vmmcall")
			     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx),
			       KVM_ASM_SAFE_OUTPUTS(vector)
			     : "S"(0UL) : KVM_ASM_SAFE_CLOBBERS, "memory");
	else
		asm volatile(KVM_ASM_SAFE("vmcall")
			     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx),
			       KVM_ASM_SAFE_OUTPUTS(vector)
			     : "S"(0UL) : KVM_ASM_SAFE_CLOBBERS, "memory");
	v[0] = rax;
	v[1] = rbx;
	v[2] = rcx;
	v[3] = rdx;
	return vector;
}

#endif /* MVMM_SELFTEST_GUEST_IO_H */

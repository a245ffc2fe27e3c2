/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port IO from guest code, one copy for every test (processor.h has only
 * outl()). Each is ordered with the guest's memory accesses ("memory"
 * clobber), so a test may publish a value in guest memory and then exit.
 * A fault is the test's failure here; route_test's KVM_ASM_SAFE forms
 * return the vector instead.
 */
#ifndef MVMM_SELFTEST_GUEST_IO_H
#define MVMM_SELFTEST_GUEST_IO_H

#include <stdint.h>

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

#endif /* MVMM_SELFTEST_GUEST_IO_H */

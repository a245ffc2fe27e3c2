/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mvmm_testsec.ko (handler "testsec") answers, shared by the module
 * and by the VM tests that check a guest saw exactly that. Only #defines
 * and one enum, so that a kernel module and a static userspace test can
 * both include it.
 *
 * In the default mode (TESTSEC_ANSWER) the handler completes the events
 * below and passes every other event to main:
 *
 *   IO in of a port in [PORT_LO, PORT_HI]     TESTSEC_IO_IN(port), by size
 *   IO out of such a port                     recorded (debugfs "io")
 *   MSR read of [MSR_LO, MSR_HI]              TESTSEC_MSR_VAL(index)
 *   MSR write of such an MSR                  recorded (debugfs "msr")
 *   CPUID leaf in [LEAF_LO, LEAF_HI]          EAX = leaf, EBX = ~leaf,
 *                                             ECX = TESTSEC_CPUID_ECX,
 *                                             EDX = subleaf
 *   hypercall nr in [HC_LO, HC_HI]            RAX = TESTSEC_HC_RET(nr)
 *   HLT                                       nothing: the vCPU goes on
 *   exception #UD (vector 6)                  consumed, resume at RIP + 2
 *                                             (after a ud2)
 *   IO out of TESTSEC_MSI_PORT, value V       mvmm_msi() into the VM:
 *                                             fixed vector V to APIC id 0
 *   IO out of TESTSEC_LINE_PORT, value V      mvmm_irq_line() into the
 *                                             VM: GSI V >> 1 to V & 1
 *   IO out of TESTSEC_MEM_PORT, value V       mvmm_guest_read() of
 *                                             TESTSEC_MEM_LEN bytes at
 *                                             GPA V, mvmm_guest_write()
 *                                             of their complement at
 *                                             V + TESTSEC_MEM_LEN
 *   IO out of TESTSEC_MEM_LATER_PORT, V       the same, later, from a
 *                                             work item (debugfs "mem")
 * The last four pass the OUT to main (the VMM sees it) when the call
 * fails, and always when the module was loaded with atomic=1.
 */
#ifndef _MVMM_TESTSEC_H
#define _MVMM_TESTSEC_H

#define TESTSEC_NAME		"testsec"

#define TESTSEC_PORT_LO		0x5e0
#define TESTSEC_PORT_HI		0x5ef
#define TESTSEC_NR_PORTS	(TESTSEC_PORT_HI - TESTSEC_PORT_LO + 1)
#define TESTSEC_IO_IN(port)	(0x5ec00000U | (port))

#define TESTSEC_MSR_LO		0x4b564d80U
#define TESTSEC_MSR_HI		0x4b564d8fU
#define TESTSEC_NR_MSRS		(TESTSEC_MSR_HI - TESTSEC_MSR_LO + 1)
#define TESTSEC_MSR_VAL(msr)	(((unsigned long long)(msr) << 32) | \
				 ((msr) ^ 0x5ec05ec0U))

#define TESTSEC_LEAF_LO		0x4d560000U
#define TESTSEC_LEAF_HI		0x4d5600ffU
#define TESTSEC_CPUID_ECX	0x74736574U	/* "tset" */

#define TESTSEC_HC_LO		0x5ec00000U
#define TESTSEC_HC_HI		0x5ec000ffU
#define TESTSEC_HC_RET(nr)	(((unsigned long long)(nr) << 16) | 0xc0deU)

#define TESTSEC_UD_VECTOR	6

/* Interrupts from a kernel secondary (mvmm_irq_test). */
#define TESTSEC_MSI_PORT	0x5f0
#define TESTSEC_LINE_PORT	0x5f1

/* Guest memory from a kernel secondary (mvmm_guest_mem_test). */
#define TESTSEC_MEM_PORT	0x5f2
#define TESTSEC_MEM_LATER_PORT	0x5f3
#define TESTSEC_MEM_LEN		16

/* Module parameter "mode" (/sys/module/mvmm_testsec/parameters/mode). */
enum testsec_mode {
	TESTSEC_ANSWER = 0,	/* the answers above */
	TESTSEC_MAIN = 1,	/* MVMM_ACT_MAIN for everything */
	TESTSEC_INJECT = 2,	/* inject inject_vector (inject_error) */
	TESTSEC_INVALID = 3,	/* HANDLED writing RSP: always refused */
	TESTSEC_FAIL = 4,	/* ->handle() returns -EIO */
	TESTSEC_DETACH = 5,	/* unregister inside ->handle(), answer main */
	TESTSEC_EINTR = 6,	/* ->handle() returns -EINTR */
	TESTSEC_NR_MODES
};

/*
 * Per-type counters in debugfs "stats", one line each:
 * "<name> <calls> <handled>" (calls: ->handle() invocations, observe mode
 * included; handled: HANDLED answers given).
 */
#define TESTSEC_DEBUGFS		"/sys/kernel/debug/mvmm_testsec"
#define TESTSEC_PARAMS		"/sys/module/mvmm_testsec/parameters"

#endif /* _MVMM_TESTSEC_H */

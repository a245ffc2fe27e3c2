// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit code + exit information -> vendor-neutral mvmm event.
 *
 * Exit codes and EXITINFO layouts are those of the AMD64 Architecture
 * Programmer's Manual vol. 2, appendix C "SVM Intercept Exit Codes" and
 * section 15 ("Secure Virtual Machine"). Every code that KVM 6.1's
 * svm_exit_handlers[] handles is decoded; the few architectural codes that
 * KVM never intercepts but that have an obvious meaning are decoded too.
 *
 * Every VM exit is counted by its type: mvmm_exit_type_svm(), a table look-
 * up. The whole event (mvmm_classify_svm(): one switch, no loops, no
 * calls, only the fields of @x that the exit code needs are read) is made
 * only for exits that a rule may act on. The kernel builds without jump
 * tables (retpolines), so the switch becomes a short tree of compares;
 * under callgrind (bench/classify_bench.c) that took fewer instructions
 * than a lookup table followed by a per-decoder switch. The unit tests
 * check that both functions give every exit the same type.
 */
#include <linux/types.h>
#include <linux/mvmm.h>
#include "classify.h"
#include "exit_codes.h"

/* MOV CRn with decode assists: EXITINFO1[63] valid, [3:0] GPR number. */
#define SVM_CR_VALID			(1ULL << 63)
#define SVM_GPR_MASK			0xfULL

/* IOIO EXITINFO1 */
#define SVM_IOIO_TYPE_IN		(1ULL << 0)
#define SVM_IOIO_STR			(1ULL << 2)
#define SVM_IOIO_REP			(1ULL << 3)
#define SVM_IOIO_SIZE_SHIFT		4	/* SZ8, SZ16, SZ32: one-hot = bytes */
#define SVM_IOIO_PORT_SHIFT		16

/* NPF error code (EXITINFO1), x86 #PF error code layout */
#define SVM_NPF_WRITE			(1ULL << 1)
#define SVM_NPF_RSVD			(1ULL << 3)
#define SVM_NPF_FETCH			(1ULL << 4)

/* AVIC unaccelerated access EXITINFO1: [11:4] offset, [32] write */
#define SVM_AVIC_OFFSET_MASK		0xff0ULL
#define SVM_AVIC_WRITE			(1ULL << 32)

#define APIC_OFFSET_ICR			0x300
#define MSR_EFER			0xc0000080u

/*
 * Vectors whose exception pushes an error code, which the intercept
 * reports in EXITINFO1: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX.
 */
#define SVM_ERRCODE_VECTORS		((1u << 8) | (1u << 10) | (1u << 11) | \
					 (1u << 12) | (1u << 13) | (1u << 14) | \
					 (1u << 17) | (1u << 21) | (1u << 29) | \
					 (1u << 30))

/* MOV CRn reports its GPR only with decode assists; CLTS/LMSW never do. */
static inline __u64 svm_cr_gpr(__u64 info1)
{
	return (info1 & SVM_CR_VALID) ? (info1 & SVM_GPR_MASK) : ~0ULL;
}

/*
 * The event type of each exit code up to SVM_EXIT_INVPCID: what
 * mvmm_classify_svm() decides, for the count every exit gets (see
 * mvmm_exit_type_svm()). MVMM_EV_OTHER is 0: codes not listed are OTHER.
 */
static const __u8 svm_types[SVM_EXIT_INVPCID + 1] = {
	[SVM_EXIT_READ_CR0 ... SVM_EXIT_READ_CR0 + 15] = MVMM_EV_CR_ACCESS,
	[SVM_EXIT_WRITE_CR0 ... SVM_EXIT_WRITE_CR0 + 15] = MVMM_EV_CR_ACCESS,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR0 + 15] = MVMM_EV_DR_ACCESS,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR0 + 15] = MVMM_EV_DR_ACCESS,
	[SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_BASE + 31] = MVMM_EV_EXCEPTION,
	[SVM_EXIT_INTR] = MVMM_EV_INTR,
	[SVM_EXIT_NMI] = MVMM_EV_NMI,
	[SVM_EXIT_SMI] = MVMM_EV_SMI,
	[SVM_EXIT_INIT] = MVMM_EV_INIT,
	[SVM_EXIT_VINTR] = MVMM_EV_INTR_WINDOW,
	[SVM_EXIT_CR0_SEL_WRITE] = MVMM_EV_CR_ACCESS,
	[SVM_EXIT_RDTSC] = MVMM_EV_RDTSC,
	[SVM_EXIT_RDPMC] = MVMM_EV_RDPMC,
	[SVM_EXIT_CPUID] = MVMM_EV_CPUID,
	[SVM_EXIT_IRET] = MVMM_EV_NMI_WINDOW,
	[SVM_EXIT_INVD] = MVMM_EV_INVD,
	[SVM_EXIT_PAUSE] = MVMM_EV_PAUSE,
	[SVM_EXIT_HLT] = MVMM_EV_HLT,
	[SVM_EXIT_INVLPG] = MVMM_EV_INVLPG,
	[SVM_EXIT_INVLPGA] = MVMM_EV_NESTED,
	[SVM_EXIT_IOIO] = MVMM_EV_IO,
	[SVM_EXIT_MSR] = MVMM_EV_MSR_READ,	/* EXITINFO1 bit 0: write */
	[SVM_EXIT_TASK_SWITCH] = MVMM_EV_TASK_SWITCH,
	[SVM_EXIT_SHUTDOWN] = MVMM_EV_SHUTDOWN,
	[SVM_EXIT_VMRUN] = MVMM_EV_NESTED,
	[SVM_EXIT_VMMCALL] = MVMM_EV_HYPERCALL,
	[SVM_EXIT_VMLOAD ... SVM_EXIT_SKINIT] = MVMM_EV_NESTED,
	[SVM_EXIT_RDTSCP] = MVMM_EV_RDTSCP,
	[SVM_EXIT_WBINVD] = MVMM_EV_WBINVD,
	[SVM_EXIT_MONITOR] = MVMM_EV_MONITOR,
	[SVM_EXIT_MWAIT] = MVMM_EV_MWAIT,
	[SVM_EXIT_MWAIT_COND] = MVMM_EV_MWAIT,
	[SVM_EXIT_XSETBV] = MVMM_EV_XSETBV,
	[SVM_EXIT_EFER_WRITE_TRAP] = MVMM_EV_MSR_WRITE,
	[SVM_EXIT_CR0_WRITE_TRAP ... SVM_EXIT_CR0_WRITE_TRAP + 15] =
		MVMM_EV_CR_ACCESS,
	[SVM_EXIT_INVPCID] = MVMM_EV_INVPCID,
};

int mvmm_exit_type_svm(const struct mvmm_exit_info *x)
{
	__u32 code = x->reason;

	if (code < sizeof(svm_types)) {
		if (code == SVM_EXIT_MSR && (x->info1 & 1))
			return MVMM_EV_MSR_WRITE;
		return svm_types[code];
	}
	switch (code) {
	case SVM_EXIT_NPF:
		return (x->info1 & SVM_NPF_RSVD) && !x->l2 ? MVMM_EV_MMIO :
							      MVMM_EV_NPF;
	case SVM_EXIT_AVIC_INCOMPLETE_IPI:
	case SVM_EXIT_AVIC_UNACCELERATED_ACCESS:
		return MVMM_EV_APIC_ACCESS;
	case SVM_EXIT_ERR:
		return MVMM_EV_FAILED_ENTRY;
	default:
		return MVMM_EV_OTHER;
	}
}

int mvmm_classify_svm(const struct mvmm_exit_info *x, struct mvmm_event *ev)
{
	__u32 code = x->reason;
	__u64 info1 = x->info1;
	__u32 vec;

	ev->type = MVMM_EV_OTHER;
	ev->origin = x->l2 ? MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1;
	ev->size = 0;
	ev->flags = 0;
	ev->qual = 0;
	ev->sub = 0;
	ev->raw_reason = code;

	switch (code) {
	case SVM_EXIT_READ_CR0 ... SVM_EXIT_READ_CR0 + 15:
		ev->type = MVMM_EV_CR_ACCESS;
		ev->qual = code & 0xf;
		ev->sub = svm_cr_gpr(info1);
		break;
	case SVM_EXIT_WRITE_CR0 ... SVM_EXIT_WRITE_CR0 + 15:
		ev->type = MVMM_EV_CR_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = code & 0xf;
		ev->sub = svm_cr_gpr(info1);
		break;
	case SVM_EXIT_CR0_SEL_WRITE:
		ev->type = MVMM_EV_CR_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->sub = svm_cr_gpr(info1);
		break;
	case SVM_EXIT_CR0_WRITE_TRAP ... SVM_EXIT_CR0_WRITE_TRAP + 15:
		/* SEV-ES trap after the write: EXITINFO1 is the new value. */
		ev->type = MVMM_EV_CR_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = code & 0xf;
		ev->sub = ~0ULL;
		break;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR0 + 15:
		/*
		 * Decode assists put the GPR in EXITINFO1[3:0] without a valid
		 * bit, so a zero there cannot be told from "no decode assists".
		 */
		ev->type = MVMM_EV_DR_ACCESS;
		ev->qual = code & 0xf;
		ev->sub = ~0ULL;
		break;
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR0 + 15:
		ev->type = MVMM_EV_DR_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = code & 0xf;
		ev->sub = ~0ULL;
		break;
	case SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_BASE + 31:
		vec = code - SVM_EXIT_EXCP_BASE;
		ev->type = MVMM_EV_EXCEPTION;
		ev->qual = vec;
		if (SVM_ERRCODE_VECTORS & (1u << vec)) {
			ev->flags = MVMM_EVF_ERRCODE;
			ev->sub = (__u32)info1;
		}
		break;
	case SVM_EXIT_INTR:
		ev->type = MVMM_EV_INTR;
		break;
	case SVM_EXIT_NMI:
		ev->type = MVMM_EV_NMI;
		break;
	case SVM_EXIT_SMI:
		ev->type = MVMM_EV_SMI;
		break;
	case SVM_EXIT_INIT:
		ev->type = MVMM_EV_INIT;
		break;
	case SVM_EXIT_VINTR:
		ev->type = MVMM_EV_INTR_WINDOW;
		break;
	case SVM_EXIT_IDTR_READ ... SVM_EXIT_TR_WRITE:
	case SVM_EXIT_PUSHF:
	case SVM_EXIT_POPF:
	case SVM_EXIT_RSM:
	case SVM_EXIT_SWINT:
	case SVM_EXIT_FERR_FREEZE:
	case SVM_EXIT_ICEBP:
	case SVM_EXIT_RDPRU:
	case SVM_EXIT_VMGEXIT:
		/* Known, no event type of their own: raw_reason tells. */
		break;
	case SVM_EXIT_RDTSC:
		ev->type = MVMM_EV_RDTSC;
		break;
	case SVM_EXIT_RDPMC:
		ev->type = MVMM_EV_RDPMC;
		ev->qual = (__u32)x->rcx;
		break;
	case SVM_EXIT_CPUID:
		ev->type = MVMM_EV_CPUID;
		ev->qual = (__u32)x->rax;
		ev->sub = (__u32)x->rcx;
		break;
	case SVM_EXIT_IRET:
		/* KVM intercepts IRET only to open the NMI window. */
		ev->type = MVMM_EV_NMI_WINDOW;
		break;
	case SVM_EXIT_INVD:
		ev->type = MVMM_EV_INVD;
		break;
	case SVM_EXIT_PAUSE:
		ev->type = MVMM_EV_PAUSE;
		break;
	case SVM_EXIT_HLT:
		ev->type = MVMM_EV_HLT;
		break;
	case SVM_EXIT_INVLPG:
		/* Linear address with decode assists, else 0. */
		ev->type = MVMM_EV_INVLPG;
		ev->qual = info1;
		break;
	case SVM_EXIT_IOIO:
		ev->type = MVMM_EV_IO;
		ev->qual = (info1 >> SVM_IOIO_PORT_SHIFT) & 0xffff;
		ev->size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7;
		ev->flags = ((info1 & SVM_IOIO_TYPE_IN) ? 0 : MVMM_EVF_WRITE) |
			    ((info1 & SVM_IOIO_STR) ? MVMM_EVF_STRING : 0) |
			    ((info1 & SVM_IOIO_REP) ? MVMM_EVF_REP : 0);
		break;
	case SVM_EXIT_MSR:
		/* EXITINFO1: 0 = RDMSR, 1 = WRMSR */
		if (info1 & 1) {
			ev->type = MVMM_EV_MSR_WRITE;
			ev->flags = MVMM_EVF_WRITE;
		} else {
			ev->type = MVMM_EV_MSR_READ;
		}
		ev->qual = (__u32)x->rcx;
		break;
	case SVM_EXIT_EFER_WRITE_TRAP:
		/* SEV-ES: the guest wrote EFER (new value in EXITINFO1). */
		ev->type = MVMM_EV_MSR_WRITE;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = MSR_EFER;
		break;
	case SVM_EXIT_TASK_SWITCH:
		ev->type = MVMM_EV_TASK_SWITCH;
		ev->qual = info1 & 0xffff;
		break;
	case SVM_EXIT_SHUTDOWN:
		ev->type = MVMM_EV_SHUTDOWN;
		break;
	case SVM_EXIT_VMMCALL:
		ev->type = MVMM_EV_HYPERCALL;
		ev->qual = x->rax;
		break;
	case SVM_EXIT_VMRUN:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_VMRUN;
		break;
	case SVM_EXIT_VMLOAD:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_VMLOAD;
		break;
	case SVM_EXIT_VMSAVE:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_VMSAVE;
		break;
	case SVM_EXIT_STGI:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_STGI;
		break;
	case SVM_EXIT_CLGI:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_CLGI;
		break;
	case SVM_EXIT_SKINIT:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_SKINIT;
		break;
	case SVM_EXIT_INVLPGA:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_INVLPGA;
		break;
	case SVM_EXIT_RDTSCP:
		ev->type = MVMM_EV_RDTSCP;
		break;
	case SVM_EXIT_WBINVD:
		ev->type = MVMM_EV_WBINVD;
		break;
	case SVM_EXIT_MONITOR:
		ev->type = MVMM_EV_MONITOR;
		break;
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		ev->type = MVMM_EV_MWAIT;
		break;
	case SVM_EXIT_XSETBV:
		ev->type = MVMM_EV_XSETBV;
		ev->qual = (__u32)x->rcx;
		break;
	case SVM_EXIT_INVPCID:
		ev->type = MVMM_EV_INVPCID;
		break;
	case SVM_EXIT_NPF:
		/*
		 * KVM marks GPAs that no memslot backs with MMIO SPTEs carrying
		 * reserved bits, so the RSVD bit means MMIO. The first access
		 * to such a GPA (no SPTE yet) is a plain not-present NPF: the
		 * module, which can look at the memslots, upgrades that NPF to
		 * MMIO when no memslot backs the GPA. An L2 fault reports L2's
		 * GPA, not the L1 address an MMIO rule would name: it stays NPF.
		 */
		ev->type = (info1 & SVM_NPF_RSVD) && !x->l2 ? MVMM_EV_MMIO :
							       MVMM_EV_NPF;
		ev->qual = x->info2;
		ev->sub = info1;
		ev->flags = ((info1 & SVM_NPF_WRITE) ? MVMM_EVF_WRITE : 0) |
			    ((info1 & SVM_NPF_FETCH) ? MVMM_EVF_FETCH : 0);
		break;
	case SVM_EXIT_AVIC_INCOMPLETE_IPI:
		/* An ICR write that AVIC could not deliver completely. */
		ev->type = MVMM_EV_APIC_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = APIC_OFFSET_ICR;
		break;
	case SVM_EXIT_AVIC_UNACCELERATED_ACCESS:
		ev->type = MVMM_EV_APIC_ACCESS;
		ev->flags = (info1 & SVM_AVIC_WRITE) ? MVMM_EVF_WRITE : 0;
		ev->qual = info1 & SVM_AVIC_OFFSET_MASK;
		break;
	case SVM_EXIT_ERR:
		ev->type = MVMM_EV_FAILED_ENTRY;
		break;
	default:
		/* Unknown to us: still OTHER, still matchable by its code. */
		ev->qual = code;
		return -1;
	}
	/* The exit code is the only qualifier an OTHER event has. */
	if (ev->type == MVMM_EV_OTHER)
		ev->qual = code;
	return 0;
}

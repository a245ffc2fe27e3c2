// SPDX-License-Identifier: GPL-2.0
/*
 * VMX exit reason + exit qualification -> vendor-neutral mvmm event.
 *
 * Basic exit reasons and exit-qualification layouts are those of the
 * Intel SDM vol. 3, appendix C "VMX Basic Exit Reasons" and the "VM Exits"
 * chapter (exit qualifications). Every basic reason that KVM 6.1
 * handles (kvm_vmx_exit_handlers[] and the nested exit paths) is decoded.
 *
 * This runs on every VM exit: one switch, no loops, no calls. The kernel
 * builds without jump tables (retpolines), so the switch becomes a short
 * tree of compares, as in classify_svm.c, where that took fewer instructions
 * under callgrind than a lookup table followed by a per-decoder switch.
 */
#include <linux/types.h>
#include <linux/mvmm.h>
#include "classify.h"
#include "exit_codes.h"

#define VMX_EXIT_REASON_BASIC		0xffffu
#define VMX_EXIT_REASON_FAILED_ENTRY	(1u << 31)

/* VM-exit interruption information */
#define INTR_INFO_VECTOR_MASK		0xffu
#define INTR_INFO_TYPE_SHIFT		8
#define INTR_INFO_TYPE_MASK		7u
#define INTR_INFO_ERRCODE_VALID		(1u << 11)
#define INTR_INFO_VALID			(1u << 31)
#define INTR_TYPE_NMI			2

/* Exit qualification: control-register access */
#define CR_QUAL_NUM_MASK		0xfULL
#define CR_QUAL_TYPE_SHIFT		4
#define CR_QUAL_MOV_TO_CR		0
#define CR_QUAL_MOV_FROM_CR		1
#define CR_QUAL_GPR_SHIFT		8	/* also for MOV DR */

/* Exit qualification: MOV DR */
#define DR_QUAL_NUM_MASK		7ULL
#define DR_QUAL_FROM_DR			(1ULL << 4)

/* Exit qualification: I/O instruction */
#define IO_QUAL_SIZE_MASK		7ULL	/* bytes - 1 */
#define IO_QUAL_IN			(1ULL << 3)
#define IO_QUAL_STRING			(1ULL << 4)
#define IO_QUAL_REP			(1ULL << 5)
#define IO_QUAL_PORT_SHIFT		16

/* Exit qualification: EPT violation */
#define EPT_QUAL_WRITE			(1ULL << 1)
#define EPT_QUAL_FETCH			(1ULL << 2)

/* Exit qualification: APIC access, [15:12] access type */
#define APIC_QUAL_OFFSET_MASK		0xfffULL
#define APIC_QUAL_TYPE_SHIFT		12
#define APIC_ACCESS_LINEAR_WRITE	1
#define APIC_ACCESS_LINEAR_FETCH	2
#define APIC_ACCESS_LINEAR_MAX		3	/* 0-3 carry an offset */

#define APIC_OFFSET_EOI			0xb0

/* Basic reasons 19-27 in the order of enum mvmm_nested_insn. */
_Static_assert(MVMM_NESTED_VMXON - MVMM_NESTED_VMCLEAR ==
	       EXIT_REASON_VMON - EXIT_REASON_VMCLEAR,
	       "enum mvmm_nested_insn must follow VMX basic reasons 19-27");

static inline void vmx_apic_access(__u64 qual, struct mvmm_event *ev)
{
	__u32 type = (qual >> APIC_QUAL_TYPE_SHIFT) & 0xf;

	ev->type = MVMM_EV_APIC_ACCESS;
	if (type > APIC_ACCESS_LINEAR_MAX)
		return;	/* guest-physical access: no offset recorded */
	ev->qual = qual & APIC_QUAL_OFFSET_MASK;
	if (type == APIC_ACCESS_LINEAR_WRITE)
		ev->flags = MVMM_EVF_WRITE;
	else if (type == APIC_ACCESS_LINEAR_FETCH)
		ev->flags = MVMM_EVF_FETCH;
}

/*
 * The event type of each basic exit reason: what mvmm_classify_vmx()
 * decides, for the count every exit gets (see mvmm_exit_type_vmx()).
 * MVMM_EV_OTHER is 0: reasons not listed are OTHER.
 */
static const __u8 vmx_types[EXIT_REASON_NOTIFY + 1] = {
	[EXIT_REASON_EXCEPTION_NMI] = MVMM_EV_EXCEPTION,	/* or NMI */
	[EXIT_REASON_EXTERNAL_INTERRUPT] = MVMM_EV_INTR,
	[EXIT_REASON_TRIPLE_FAULT] = MVMM_EV_SHUTDOWN,
	[EXIT_REASON_INIT_SIGNAL] = MVMM_EV_INIT,
	[EXIT_REASON_SIPI_SIGNAL] = MVMM_EV_SIPI,
	[EXIT_REASON_IO_SMI] = MVMM_EV_SMI,
	[EXIT_REASON_OTHER_SMI] = MVMM_EV_SMI,
	[EXIT_REASON_INTERRUPT_WINDOW] = MVMM_EV_INTR_WINDOW,
	[EXIT_REASON_NMI_WINDOW] = MVMM_EV_NMI_WINDOW,
	[EXIT_REASON_TASK_SWITCH] = MVMM_EV_TASK_SWITCH,
	[EXIT_REASON_CPUID] = MVMM_EV_CPUID,
	[EXIT_REASON_HLT] = MVMM_EV_HLT,
	[EXIT_REASON_INVD] = MVMM_EV_INVD,
	[EXIT_REASON_INVLPG] = MVMM_EV_INVLPG,
	[EXIT_REASON_RDPMC] = MVMM_EV_RDPMC,
	[EXIT_REASON_RDTSC] = MVMM_EV_RDTSC,
	[EXIT_REASON_VMCALL] = MVMM_EV_HYPERCALL,
	[EXIT_REASON_VMCLEAR ... EXIT_REASON_VMON] = MVMM_EV_NESTED,
	[EXIT_REASON_INVEPT] = MVMM_EV_NESTED,
	[EXIT_REASON_INVVPID] = MVMM_EV_NESTED,
	[EXIT_REASON_VMFUNC] = MVMM_EV_NESTED,
	[EXIT_REASON_CR_ACCESS] = MVMM_EV_CR_ACCESS,
	[EXIT_REASON_DR_ACCESS] = MVMM_EV_DR_ACCESS,
	[EXIT_REASON_IO_INSTRUCTION] = MVMM_EV_IO,
	[EXIT_REASON_MSR_READ] = MVMM_EV_MSR_READ,
	[EXIT_REASON_MSR_WRITE] = MVMM_EV_MSR_WRITE,
	[EXIT_REASON_INVALID_STATE] = MVMM_EV_FAILED_ENTRY,
	[EXIT_REASON_MSR_LOAD_FAIL] = MVMM_EV_FAILED_ENTRY,
	[EXIT_REASON_MCE_DURING_VMENTRY] = MVMM_EV_FAILED_ENTRY,
	[EXIT_REASON_MWAIT_INSTRUCTION] = MVMM_EV_MWAIT,
	[EXIT_REASON_MONITOR_INSTRUCTION] = MVMM_EV_MONITOR,
	[EXIT_REASON_PAUSE_INSTRUCTION] = MVMM_EV_PAUSE,
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = MVMM_EV_APIC_ACCESS,
	[EXIT_REASON_APIC_ACCESS] = MVMM_EV_APIC_ACCESS,
	[EXIT_REASON_EOI_INDUCED] = MVMM_EV_APIC_ACCESS,
	[EXIT_REASON_APIC_WRITE] = MVMM_EV_APIC_ACCESS,
	[EXIT_REASON_EPT_VIOLATION] = MVMM_EV_NPF,
	[EXIT_REASON_EPT_MISCONFIG] = MVMM_EV_MMIO,	/* L2's: NPF */
	[EXIT_REASON_RDTSCP] = MVMM_EV_RDTSCP,
	[EXIT_REASON_PREEMPTION_TIMER] = MVMM_EV_PREEMPT_TIMER,
	[EXIT_REASON_WBINVD] = MVMM_EV_WBINVD,
	[EXIT_REASON_XSETBV] = MVMM_EV_XSETBV,
	[EXIT_REASON_INVPCID] = MVMM_EV_INVPCID,
	[EXIT_REASON_XSAVES] = MVMM_EV_XSAVES,
	[EXIT_REASON_XRSTORS] = MVMM_EV_XSAVES,
};

int mvmm_exit_type_vmx(const struct mvmm_exit_info *x)
{
	__u32 basic = x->reason & VMX_EXIT_REASON_BASIC;

	if (x->reason & VMX_EXIT_REASON_FAILED_ENTRY)
		return MVMM_EV_FAILED_ENTRY;
	if (basic >= sizeof(vmx_types))
		return MVMM_EV_OTHER;
	if (basic == EXIT_REASON_EXCEPTION_NMI &&
	    ((x->intr_info >> INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK) ==
	    INTR_TYPE_NMI)
		return MVMM_EV_NMI;
	if (basic == EXIT_REASON_EPT_MISCONFIG && x->l2)
		return MVMM_EV_NPF;
	return vmx_types[basic];
}

int mvmm_classify_vmx(const struct mvmm_exit_info *x, struct mvmm_event *ev)
{
	__u32 reason = x->reason;
	__u64 qual = x->info1;
	__u32 intr = x->intr_info;

	ev->type = MVMM_EV_OTHER;
	ev->origin = x->l2 ? MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1;
	ev->size = 0;
	ev->flags = 0;
	ev->qual = 0;
	ev->sub = 0;
	ev->raw_reason = reason;

	if (reason & VMX_EXIT_REASON_FAILED_ENTRY) {
		ev->type = MVMM_EV_FAILED_ENTRY;
		return 0;
	}

	switch (reason & VMX_EXIT_REASON_BASIC) {
	case EXIT_REASON_EXCEPTION_NMI:
		if (((intr >> INTR_INFO_TYPE_SHIFT) & INTR_INFO_TYPE_MASK) ==
		    INTR_TYPE_NMI) {
			ev->type = MVMM_EV_NMI;
			break;
		}
		ev->type = MVMM_EV_EXCEPTION;
		ev->qual = intr & INTR_INFO_VECTOR_MASK;
		if (intr & INTR_INFO_ERRCODE_VALID) {
			ev->flags = MVMM_EVF_ERRCODE;
			ev->sub = x->error_code;
		}
		break;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		/* KVM acknowledges interrupts on exit: the vector is known. */
		ev->type = MVMM_EV_INTR;
		if (intr & INTR_INFO_VALID)
			ev->qual = intr & INTR_INFO_VECTOR_MASK;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		ev->type = MVMM_EV_SHUTDOWN;
		break;
	case EXIT_REASON_INIT_SIGNAL:
		ev->type = MVMM_EV_INIT;
		break;
	case EXIT_REASON_SIPI_SIGNAL:
		ev->type = MVMM_EV_SIPI;
		ev->qual = qual & 0xff;
		break;
	case EXIT_REASON_IO_SMI:
	case EXIT_REASON_OTHER_SMI:
		ev->type = MVMM_EV_SMI;
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
		ev->type = MVMM_EV_INTR_WINDOW;
		break;
	case EXIT_REASON_NMI_WINDOW:
		ev->type = MVMM_EV_NMI_WINDOW;
		break;
	case EXIT_REASON_TASK_SWITCH:
		ev->type = MVMM_EV_TASK_SWITCH;
		ev->qual = qual & 0xffff;
		break;
	case EXIT_REASON_CPUID:
		ev->type = MVMM_EV_CPUID;
		ev->qual = (__u32)x->rax;
		ev->sub = (__u32)x->rcx;
		break;
	case EXIT_REASON_HLT:
		ev->type = MVMM_EV_HLT;
		break;
	case EXIT_REASON_INVD:
		ev->type = MVMM_EV_INVD;
		break;
	case EXIT_REASON_INVLPG:
		ev->type = MVMM_EV_INVLPG;
		ev->qual = qual;
		break;
	case EXIT_REASON_RDPMC:
		ev->type = MVMM_EV_RDPMC;
		ev->qual = (__u32)x->rcx;
		break;
	case EXIT_REASON_RDTSC:
		ev->type = MVMM_EV_RDTSC;
		break;
	case EXIT_REASON_VMCALL:
		ev->type = MVMM_EV_HYPERCALL;
		ev->qual = x->rax;
		break;
	case EXIT_REASON_VMCLEAR ... EXIT_REASON_VMON:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_VMCLEAR +
			   ((reason & VMX_EXIT_REASON_BASIC) - EXIT_REASON_VMCLEAR);
		break;
	case EXIT_REASON_INVEPT:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_INVEPT;
		break;
	case EXIT_REASON_INVVPID:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_INVVPID;
		break;
	case EXIT_REASON_VMFUNC:
		ev->type = MVMM_EV_NESTED;
		ev->qual = MVMM_NESTED_VMFUNC;
		break;
	case EXIT_REASON_CR_ACCESS:
		ev->type = MVMM_EV_CR_ACCESS;
		switch ((qual >> CR_QUAL_TYPE_SHIFT) & 3) {
		case CR_QUAL_MOV_TO_CR:
			ev->flags = MVMM_EVF_WRITE;
			ev->qual = qual & CR_QUAL_NUM_MASK;
			ev->sub = (qual >> CR_QUAL_GPR_SHIFT) & 0xf;
			break;
		case CR_QUAL_MOV_FROM_CR:
			ev->qual = qual & CR_QUAL_NUM_MASK;
			ev->sub = (qual >> CR_QUAL_GPR_SHIFT) & 0xf;
			break;
		default:
			/* CLTS, LMSW: write CR0, no GPR */
			ev->flags = MVMM_EVF_WRITE;
			ev->sub = ~0ULL;
			break;
		}
		break;
	case EXIT_REASON_DR_ACCESS:
		ev->type = MVMM_EV_DR_ACCESS;
		ev->qual = qual & DR_QUAL_NUM_MASK;
		ev->sub = (qual >> CR_QUAL_GPR_SHIFT) & 0xf;
		ev->flags = (qual & DR_QUAL_FROM_DR) ? 0 : MVMM_EVF_WRITE;
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		ev->type = MVMM_EV_IO;
		ev->qual = (qual >> IO_QUAL_PORT_SHIFT) & 0xffff;
		ev->size = (qual & IO_QUAL_SIZE_MASK) + 1;
		ev->flags = ((qual & IO_QUAL_IN) ? 0 : MVMM_EVF_WRITE) |
			    ((qual & IO_QUAL_STRING) ? MVMM_EVF_STRING : 0) |
			    ((qual & IO_QUAL_REP) ? MVMM_EVF_REP : 0);
		break;
	case EXIT_REASON_MSR_READ:
		ev->type = MVMM_EV_MSR_READ;
		ev->qual = (__u32)x->rcx;
		break;
	case EXIT_REASON_MSR_WRITE:
		ev->type = MVMM_EV_MSR_WRITE;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = (__u32)x->rcx;
		break;
	case EXIT_REASON_INVALID_STATE:
	case EXIT_REASON_MSR_LOAD_FAIL:
	case EXIT_REASON_MCE_DURING_VMENTRY:
		/* Architecturally always with bit 31 set; be robust anyway. */
		ev->type = MVMM_EV_FAILED_ENTRY;
		break;
	case EXIT_REASON_MWAIT_INSTRUCTION:
		ev->type = MVMM_EV_MWAIT;
		break;
	case EXIT_REASON_MONITOR_INSTRUCTION:
		ev->type = MVMM_EV_MONITOR;
		break;
	case EXIT_REASON_PAUSE_INSTRUCTION:
		ev->type = MVMM_EV_PAUSE;
		break;
	case EXIT_REASON_TPR_BELOW_THRESHOLD:
		ev->type = MVMM_EV_APIC_ACCESS;
		break;
	case EXIT_REASON_APIC_ACCESS:
		vmx_apic_access(qual, ev);
		break;
	case EXIT_REASON_EOI_INDUCED:
		ev->type = MVMM_EV_APIC_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = APIC_OFFSET_EOI;
		ev->sub = qual & 0xff;	/* vector */
		break;
	case EXIT_REASON_APIC_WRITE:
		ev->type = MVMM_EV_APIC_ACCESS;
		ev->flags = MVMM_EVF_WRITE;
		ev->qual = qual & APIC_QUAL_OFFSET_MASK;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		/*
		 * The module upgrades this to MMIO when no memslot backs the
		 * GPA (KVM's first touch of an MMIO GPA lands here).
		 */
		ev->type = MVMM_EV_NPF;
		ev->qual = x->gpa;
		ev->sub = qual;
		ev->flags = ((qual & EPT_QUAL_WRITE) ? MVMM_EVF_WRITE : 0) |
			    ((qual & EPT_QUAL_FETCH) ? MVMM_EVF_FETCH : 0);
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		/*
		 * KVM misconfigures EPT entries only to catch MMIO. An L2
		 * fault reports L2's GPA: it stays NPF, as on SVM.
		 */
		ev->type = x->l2 ? MVMM_EV_NPF : MVMM_EV_MMIO;
		ev->qual = x->gpa;
		break;
	case EXIT_REASON_RDTSCP:
		ev->type = MVMM_EV_RDTSCP;
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		ev->type = MVMM_EV_PREEMPT_TIMER;
		break;
	case EXIT_REASON_WBINVD:
		ev->type = MVMM_EV_WBINVD;
		break;
	case EXIT_REASON_XSETBV:
		ev->type = MVMM_EV_XSETBV;
		ev->qual = (__u32)x->rcx;
		break;
	case EXIT_REASON_INVPCID:
		ev->type = MVMM_EV_INVPCID;
		break;
	case EXIT_REASON_XSAVES:
	case EXIT_REASON_XRSTORS:
		ev->type = MVMM_EV_XSAVES;
		break;
	case EXIT_REASON_MONITOR_TRAP_FLAG:
	case EXIT_REASON_GDTR_IDTR:
	case EXIT_REASON_LDTR_TR:
	case EXIT_REASON_RDRAND:
	case EXIT_REASON_ENCLS:
	case EXIT_REASON_RDSEED:
	case EXIT_REASON_PML_FULL:
	case EXIT_REASON_UMWAIT:
	case EXIT_REASON_TPAUSE:
	case EXIT_REASON_BUS_LOCK:
	case EXIT_REASON_NOTIFY:
		/* Known, no event type of their own: raw_reason tells. */
		break;
	default:
		/* Unknown to us: still OTHER, still matchable by its code. */
		ev->qual = reason & VMX_EXIT_REASON_BASIC;
		return -1;
	}
	/* The exit code is the only qualifier an OTHER event has. */
	if (ev->type == MVMM_EV_OTHER)
		ev->qual = reason & VMX_EXIT_REASON_BASIC;
	return 0;
}

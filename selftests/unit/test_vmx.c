// SPDX-License-Identifier: GPL-2.0
/*
 * VMX classification. Expected values are written from the Intel SDM
 * vol. 3 (appendix C "VMX Basic Exit Reasons", the exit-qualification
 * tables of the "VM Exits" chapter) as literal numbers, independently of
 * the classifier's own constants. This is the only place the VMX path runs here: the test
 * platform is AMD (nested SVM under QEMU).
 */
#include "helpers.h"

#define VMX(x, ev)	classify(mvmm_classify_vmx, (x), (ev))

/* Every basic exit reason KVM 6.1 handles; qual checked with zero input. */
static const struct vmx_row {
	__u32 reason;
	__u16 type;
	__u64 qual;
} vmx_rows[] = {
	{ 0, MVMM_EV_EXCEPTION, 0 },	/* intr info 0: vector 0 */
	{ 1, MVMM_EV_INTR, 0 },
	{ 2, MVMM_EV_SHUTDOWN, 0 },	/* triple fault */
	{ 3, MVMM_EV_INIT, 0 },
	{ 4, MVMM_EV_SIPI, 0 },
	{ 5, MVMM_EV_SMI, 0 },		/* I/O SMI */
	{ 6, MVMM_EV_SMI, 0 },		/* other SMI */
	{ 7, MVMM_EV_INTR_WINDOW, 0 },
	{ 8, MVMM_EV_NMI_WINDOW, 0 },
	{ 9, MVMM_EV_TASK_SWITCH, 0 },
	{ 10, MVMM_EV_CPUID, 0 },
	{ 12, MVMM_EV_HLT, 0 },
	{ 13, MVMM_EV_INVD, 0 },
	{ 14, MVMM_EV_INVLPG, 0 },
	{ 15, MVMM_EV_RDPMC, 0 },
	{ 16, MVMM_EV_RDTSC, 0 },
	{ 18, MVMM_EV_HYPERCALL, 0 },	/* VMCALL */
	{ 19, MVMM_EV_NESTED, MVMM_NESTED_VMCLEAR },
	{ 20, MVMM_EV_NESTED, MVMM_NESTED_VMLAUNCH },
	{ 21, MVMM_EV_NESTED, MVMM_NESTED_VMPTRLD },
	{ 22, MVMM_EV_NESTED, MVMM_NESTED_VMPTRST },
	{ 23, MVMM_EV_NESTED, MVMM_NESTED_VMREAD },
	{ 24, MVMM_EV_NESTED, MVMM_NESTED_VMRESUME },
	{ 25, MVMM_EV_NESTED, MVMM_NESTED_VMWRITE },
	{ 26, MVMM_EV_NESTED, MVMM_NESTED_VMXOFF },
	{ 27, MVMM_EV_NESTED, MVMM_NESTED_VMXON },
	{ 28, MVMM_EV_CR_ACCESS, 0 },
	{ 29, MVMM_EV_DR_ACCESS, 0 },
	{ 30, MVMM_EV_IO, 0 },
	{ 31, MVMM_EV_MSR_READ, 0 },
	{ 32, MVMM_EV_MSR_WRITE, 0 },
	{ 33, MVMM_EV_FAILED_ENTRY, 0 },	/* invalid guest state */
	{ 34, MVMM_EV_FAILED_ENTRY, 0 },	/* MSR loading */
	{ 36, MVMM_EV_MWAIT, 0 },
	{ 37, MVMM_EV_OTHER, 37 },		/* monitor trap flag */
	{ 39, MVMM_EV_MONITOR, 0 },
	{ 40, MVMM_EV_PAUSE, 0 },
	{ 41, MVMM_EV_FAILED_ENTRY, 0 },	/* machine check on entry */
	{ 43, MVMM_EV_APIC_ACCESS, 0 },		/* TPR below threshold */
	{ 44, MVMM_EV_APIC_ACCESS, 0 },
	{ 45, MVMM_EV_APIC_ACCESS, 0xb0 },	/* virtualized EOI */
	{ 46, MVMM_EV_OTHER, 46 },		/* GDTR/IDTR */
	{ 47, MVMM_EV_OTHER, 47 },		/* LDTR/TR */
	{ 48, MVMM_EV_NPF, 0 },			/* EPT violation */
	{ 49, MVMM_EV_MMIO, 0 },		/* EPT misconfig */
	{ 50, MVMM_EV_NESTED, MVMM_NESTED_INVEPT },
	{ 51, MVMM_EV_RDTSCP, 0 },
	{ 52, MVMM_EV_PREEMPT_TIMER, 0 },
	{ 53, MVMM_EV_NESTED, MVMM_NESTED_INVVPID },
	{ 54, MVMM_EV_WBINVD, 0 },
	{ 55, MVMM_EV_XSETBV, 0 },
	{ 56, MVMM_EV_APIC_ACCESS, 0 },		/* APIC write */
	{ 57, MVMM_EV_OTHER, 57 },		/* RDRAND */
	{ 58, MVMM_EV_INVPCID, 0 },
	{ 59, MVMM_EV_NESTED, MVMM_NESTED_VMFUNC },
	{ 60, MVMM_EV_OTHER, 60 },		/* ENCLS */
	{ 61, MVMM_EV_OTHER, 61 },		/* RDSEED */
	{ 62, MVMM_EV_OTHER, 62 },		/* PML full */
	{ 63, MVMM_EV_XSAVES, 0 },
	{ 64, MVMM_EV_XSAVES, 0 },		/* XRSTORS */
	{ 67, MVMM_EV_OTHER, 67 },		/* UMWAIT */
	{ 68, MVMM_EV_OTHER, 68 },		/* TPAUSE */
	{ 74, MVMM_EV_OTHER, 74 },		/* bus lock */
	{ 75, MVMM_EV_OTHER, 75 },		/* notify */
};

#define N_VMX_ROWS	ARRAY_SIZE(vmx_rows)

TEST_POINTS(vmx_every_basic_reason)
{
	unsigned int i;

	for (i = 0; i < N_VMX_ROWS; i++) {
		const struct vmx_row *r = &vmx_rows[i];
		struct mvmm_exit_info x = exit_info(r->reason);
		struct mvmm_event ev;

		POINT("vmx reason %u -> %s", r->reason, tname(r->type));
		EXPECT_EQ(VMX(&x, &ev), 0);
		EXPECT_EQ(ev.type, r->type);
		EXPECT_EQ(ev.origin, MVMM_ORIGIN_L1);
		EXPECT_EQ(ev.raw_reason, r->reason);
		EXPECT_EQ(ev.qual, r->qual);
		END();
	}
}

TEST(vmx_unknown_reasons_are_other)
{
	struct mvmm_exit_info x;
	struct mvmm_event ev;
	unsigned int i, known, bad = 0;
	__u32 reason;

	for (reason = 0; reason <= 0xffff && bad < 5; reason++) {
		int ret;

		for (known = 0, i = 0; i < N_VMX_ROWS; i++)
			known |= vmx_rows[i].reason == reason;
		if (known)
			continue;
		x = exit_info(reason);
		ret = VMX(&x, &ev);
		if (ret != -1 || ev.type != MVMM_EV_OTHER ||
		    ev.raw_reason != reason || ev.qual != reason) {
			bad++;
			unit_fail(__FILE__, __LINE__,
				  "reason %u: ret %d, type %u, raw 0x%llx, qual 0x%llx",
				  reason, ret, ev.type, ev.raw_reason, ev.qual);
		}
	}
}

/* Bit 31 of the exit reason: VM entry failed, whatever the basic reason. */
TEST(vmx_failed_entry)
{
	static const __u32 reasons[] = {
		0x80000021, 0x80000022, 0x80000029, 0x8000000a,
	};
	struct mvmm_exit_info x;
	struct mvmm_event ev;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		x = exit_info(reasons[i]);
		EXPECT_EQ(VMX(&x, &ev), 0);
		EXPECT_EQ(ev.type, MVMM_EV_FAILED_ENTRY);
		EXPECT_EQ(ev.raw_reason, reasons[i]);
	}
}

/* Bits 27 (enclave), 28 (pending MTF), 29 (from VMX root) keep the type. */
TEST(vmx_reason_high_bits)
{
	struct mvmm_exit_info x = exit_info(0x1000000a);
	struct mvmm_event ev;

	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CPUID);
	EXPECT_EQ(ev.raw_reason, 0x1000000a);
	x = exit_info(0x0800001e);
	x.info1 = 0x00600008;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_IO);
	EXPECT_EQ(ev.qual, 0x60);
	x = exit_info(0x2000000c);
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_HLT);
}

/*
 * I/O qualification: [31:16] port, [6] immediate, [5] rep, [4] string,
 * [3] in, [2:0] size - 1
 */
static const struct io_case vmx_io_cases[] = {
	{ "in eax, dx (dx = 0xcf8)", 0x0cf8000b, 0xcf8, 4, 0 },
	{ "out 0x80, al", 0x00800040, 0x80, 1, MVMM_EVF_WRITE },
	{ "out dx, ax (dx = 0x3f8)", 0x03f80001, 0x3f8, 2, MVMM_EVF_WRITE },
	{ "rep insw from 0x1f0", 0x01f00039, 0x1f0, 2,
	  MVMM_EVF_STRING | MVMM_EVF_REP },
	{ "rep outsb to 0x3f8", 0x03f80030, 0x3f8, 1,
	  MVMM_EVF_WRITE | MVMM_EVF_STRING | MVMM_EVF_REP },
};

TEST_POINTS(vmx_io)
{
	check_io_cases("vmx", mvmm_classify_vmx, 30, vmx_io_cases,
		       ARRAY_SIZE(vmx_io_cases));
}

/* Control-register access qualifications: [3:0] CR, [5:4] type, [11:8] GPR */
static const struct cr_case {
	const char *insn;
	__u64 qual;
	__u64 cr, gpr;
	__u32 flags;
} cr_cases[] = {
	{ "mov cr4, rax", 0x004, 4, 0, MVMM_EVF_WRITE },
	{ "mov cr4, rcx", 0x104, 4, 1, MVMM_EVF_WRITE },
	{ "mov cr3, rbx", 0x303, 3, 3, MVMM_EVF_WRITE },
	{ "mov cr8, r15", 0xf08, 8, 15, MVMM_EVF_WRITE },
	{ "mov cr0, rdx", 0x200, 0, 2, MVMM_EVF_WRITE },
	{ "mov rax, cr3", 0x013, 3, 0, 0 },
	{ "mov rbx, cr8", 0x318, 8, 3, 0 },
	{ "mov r9, cr4", 0x914, 4, 9, 0 },
	{ "clts", 0x020, 0, ALL_ONES, MVMM_EVF_WRITE },
	{ "lmsw ax (ax = 1)", 0x00010030, 0, ALL_ONES, MVMM_EVF_WRITE },
	{ "lmsw [mem]", 0x000f0070, 0, ALL_ONES, MVMM_EVF_WRITE },
};

TEST_POINTS(vmx_cr_access)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cr_cases); i++) {
		const struct cr_case *c = &cr_cases[i];
		struct mvmm_exit_info x = exit_info(28);
		struct mvmm_event ev;

		POINT("vmx cr access: %s", c->insn);
		x.info1 = c->qual;
		EXPECT_EQ(VMX(&x, &ev), 0);
		EXPECT_EQ(ev.type, MVMM_EV_CR_ACCESS);
		EXPECT_EQ(ev.qual, c->cr);
		EXPECT_EQ(ev.sub, c->gpr);
		EXPECT_EQ(ev.flags, c->flags);
		END();
	}
}

/* MOV DR: [2:0] DR, [4] 1 = from DR, [11:8] GPR */
TEST(vmx_dr_access)
{
	struct mvmm_exit_info x = exit_info(29);
	struct mvmm_event ev;

	x.info1 = 0x007;		/* mov dr7, rax */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_DR_ACCESS);
	EXPECT_EQ(ev.qual, 7);
	EXPECT_EQ(ev.sub, 0);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x.info1 = 0x216;		/* mov rdx, dr6 */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 6);
	EXPECT_EQ(ev.sub, 2);
	EXPECT_EQ(ev.flags, 0);
}

/* VM-exit interruption info: [7:0] vector, [10:8] type, [11] error code */
TEST(vmx_exception_pf_errcode)
{
	struct mvmm_exit_info x = exit_info(0);
	struct mvmm_event ev;

	x.intr_info = 0x80000b0e;
	x.error_code = 0x2;
	x.info1 = 0xffffc90000001000ULL;	/* the faulting address */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_EXCEPTION);
	EXPECT_EQ(ev.qual, 14);
	EXPECT_EQ(ev.sub, 2);
	EXPECT_EQ(ev.flags, MVMM_EVF_ERRCODE);
}

TEST(vmx_exception_nmi)
{
	struct mvmm_exit_info x = exit_info(0);
	struct mvmm_event ev;

	x.intr_info = 0x80000202;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NMI);
	EXPECT_EQ(ev.flags, 0);
}

static const struct exc_case {
	const char *what;
	__u32 intr_info, error_code;
	__u64 vector;
	int has_err;
} exc_cases[] = {
	{ "#UD", 0x80000306, 0, 6, 0 },
	{ "#BP (int3)", 0x80000603, 0, 3, 0 },
	{ "#DB (icebp)", 0x80000501, 0, 1, 0 },
	{ "#GP(0)", 0x80000b0d, 0, 13, 1 },
	{ "#GP(0x18)", 0x80000b0d, 0x18, 13, 1 },
	{ "#AC(0)", 0x80000b11, 0, 17, 1 },
	{ "#MC", 0x80000312, 0, 18, 0 },
	{ "#DE", 0x80000300, 0, 0, 0 },
};

TEST_POINTS(vmx_exceptions)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exc_cases); i++) {
		const struct exc_case *c = &exc_cases[i];
		struct mvmm_exit_info x = exit_info(0);
		struct mvmm_event ev;

		POINT("vmx exception %s", c->what);
		x.intr_info = c->intr_info;
		x.error_code = c->error_code;
		EXPECT_EQ(VMX(&x, &ev), 0);
		EXPECT_EQ(ev.type, MVMM_EV_EXCEPTION);
		EXPECT_EQ(ev.qual, c->vector);
		EXPECT_EQ(ev.sub, c->error_code);
		EXPECT_EQ(ev.flags, c->has_err ? MVMM_EVF_ERRCODE : 0);
		END();
	}
}

TEST(vmx_external_interrupt_vector)
{
	struct mvmm_exit_info x = exit_info(1);
	struct mvmm_event ev;

	x.intr_info = 0x800000ec;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_INTR);
	EXPECT_EQ(ev.qual, 0xec);
	x.intr_info = 0x000000ec;	/* not valid: no vector */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0);
}

TEST(vmx_msr_read_write)
{
	struct mvmm_exit_info x = exit_info(31);
	struct mvmm_event ev;

	x.rcx = 0xffffffff00000010ULL;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MSR_READ);
	EXPECT_EQ(ev.qual, 0x10);
	EXPECT_EQ(ev.flags, 0);
	x = exit_info(32);
	x.rcx = 0x6e0;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MSR_WRITE);
	EXPECT_EQ(ev.qual, 0x6e0);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(vmx_cpuid_vmcall_xsetbv)
{
	struct mvmm_exit_info x = exit_info(10);
	struct mvmm_event ev;

	x.rax = 0xdead00004000000aULL;
	x.rcx = 0xbeef000000000002ULL;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CPUID);
	EXPECT_EQ(ev.qual, 0x4000000a);
	EXPECT_EQ(ev.sub, 2);
	x.reason = 18;
	x.rax = 0x100000005ULL;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_HYPERCALL);
	EXPECT_EQ(ev.qual, 0x100000005ULL);
	x.reason = 55;
	x.rcx = 0x100000001ULL;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_XSETBV);
	EXPECT_EQ(ev.qual, 1);
}

/* EPT violation qualification: [0] read, [1] write, [2] fetch */
TEST(vmx_ept_violation)
{
	struct mvmm_exit_info x = exit_info(48);
	struct mvmm_event ev;

	x.info1 = 0x182;
	x.gpa = 0xfee00000;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NPF);
	EXPECT_EQ(ev.qual, 0xfee00000);
	EXPECT_EQ(ev.sub, 0x182);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x.info1 = 0x184;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.flags, MVMM_EVF_FETCH);
	x.info1 = 0x181;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.flags, 0);
}

TEST(vmx_ept_misconfig_is_mmio)
{
	struct mvmm_exit_info x = exit_info(49);
	struct mvmm_event ev;

	x.gpa = 0xfebf1000;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MMIO);
	EXPECT_EQ(ev.qual, 0xfebf1000);
}

/* L2's misconfigured EPT entry: L2's GPA, so NPF, never MMIO. */
TEST(vmx_ept_misconfig_l2_is_npf)
{
	struct mvmm_exit_info x = exit_info(49);
	struct mvmm_event ev;

	x.gpa = 0xfebf1000;
	x.l2 = 1;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NPF);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	EXPECT_EQ(ev.qual, 0xfebf1000);
}

TEST(vmx_task_switch_sipi_invlpg)
{
	struct mvmm_exit_info x = exit_info(9);
	struct mvmm_event ev;

	x.info1 = 0x40000028;		/* IRET to selector 0x28 */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_TASK_SWITCH);
	EXPECT_EQ(ev.qual, 0x28);
	x = exit_info(4);
	x.info1 = 0x9a;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_SIPI);
	EXPECT_EQ(ev.qual, 0x9a);
	x = exit_info(14);
	x.info1 = 0xffff888000002000ULL;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_INVLPG);
	EXPECT_EQ(ev.qual, 0xffff888000002000ULL);
}

/* APIC access qualification: [11:0] offset, [15:12] access type */
TEST(vmx_apic)
{
	struct mvmm_exit_info x = exit_info(44);
	struct mvmm_event ev;

	x.info1 = 0x1080;		/* linear write, TPR */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_APIC_ACCESS);
	EXPECT_EQ(ev.qual, 0x80);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x.info1 = 0x0300;		/* linear read, ICR low */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0x300);
	EXPECT_EQ(ev.flags, 0);
	x.info1 = 0x2000;		/* linear fetch */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.flags, MVMM_EVF_FETCH);
	x.info1 = 0xa000;		/* guest-physical, event delivery */
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0);
	EXPECT_EQ(ev.flags, 0);
	x = exit_info(56);		/* APIC write (trap-like) */
	x.info1 = 0x300;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_APIC_ACCESS);
	EXPECT_EQ(ev.qual, 0x300);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x = exit_info(45);		/* virtualized EOI of vector 0x31 */
	x.info1 = 0x31;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0xb0);
	EXPECT_EQ(ev.sub, 0x31);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(vmx_origin_l2)
{
	struct mvmm_exit_info x = exit_info(30);
	struct mvmm_event ev;

	x.l2 = 1;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	x = exit_info(0x80000021);
	x.l2 = 1;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	x.l2 = 0;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L1);
}

TEST(vmx_clears_fields)
{
	struct mvmm_exit_info x = exit_info(12);
	struct mvmm_event ev;

	x.info1 = ALL_ONES;
	x.info2 = ALL_ONES;
	x.gpa = ALL_ONES;
	x.rax = ALL_ONES;
	x.rcx = ALL_ONES;
	x.intr_info = 0xffffffff;
	x.error_code = 0xffffffff;
	EXPECT_EQ(VMX(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_HLT);
	EXPECT_EQ(ev.size, 0);
	EXPECT_EQ(ev.flags, 0);
	EXPECT_EQ(ev.qual, 0);
	EXPECT_EQ(ev.sub, 0);
}

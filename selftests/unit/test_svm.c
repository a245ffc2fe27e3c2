// SPDX-License-Identifier: GPL-2.0
/*
 * SVM classification. Expected values are written from the AMD APM vol. 2
 * (appendix C "SVM Intercept Exit Codes", EXITINFO1/2 layouts of section
 * 15) as literal numbers, independently of the classifier's own constants.
 */
#include "helpers.h"

#define SVM(x, ev)	classify(mvmm_classify_svm, (x), (ev))

/*
 * Every exit code KVM 6.1 handles (and a few more the APM defines).
 * numbered: qual = code - lo (CR, DR, exception number); OTHER: qual =
 * the exit code (the documented qualifier of OTHER); else qual = qual.
 * flags == -1: flags not checked here (depends on EXITINFO1).
 */
static const struct svm_row {
	__u32 lo, hi;
	__u16 type;
	int numbered;
	__u64 qual;
	long long flags;
} svm_rows[] = {
	{ 0x000, 0x00f, MVMM_EV_CR_ACCESS, 1, 0, 0 },
	{ 0x010, 0x01f, MVMM_EV_CR_ACCESS, 1, 0, MVMM_EVF_WRITE },
	{ 0x020, 0x02f, MVMM_EV_DR_ACCESS, 1, 0, 0 },
	{ 0x030, 0x03f, MVMM_EV_DR_ACCESS, 1, 0, MVMM_EVF_WRITE },
	{ 0x040, 0x05f, MVMM_EV_EXCEPTION, 1, 0, -1 },
	{ 0x060, 0x060, MVMM_EV_INTR, 0, 0, 0 },
	{ 0x061, 0x061, MVMM_EV_NMI, 0, 0, 0 },
	{ 0x062, 0x062, MVMM_EV_SMI, 0, 0, 0 },
	{ 0x063, 0x063, MVMM_EV_INIT, 0, 0, 0 },
	{ 0x064, 0x064, MVMM_EV_INTR_WINDOW, 0, 0, 0 },
	{ 0x065, 0x065, MVMM_EV_CR_ACCESS, 0, 0, MVMM_EVF_WRITE },
	{ 0x066, 0x06d, MVMM_EV_OTHER, 0, 0, 0 },	/* IDTR..TR r/w */
	{ 0x06e, 0x06e, MVMM_EV_RDTSC, 0, 0, 0 },
	{ 0x06f, 0x06f, MVMM_EV_RDPMC, 0, 0, 0 },
	{ 0x070, 0x071, MVMM_EV_OTHER, 0, 0, 0 },	/* PUSHF, POPF */
	{ 0x072, 0x072, MVMM_EV_CPUID, 0, 0, 0 },
	{ 0x073, 0x073, MVMM_EV_OTHER, 0, 0, 0 },	/* RSM */
	{ 0x074, 0x074, MVMM_EV_NMI_WINDOW, 0, 0, 0 },	/* IRET */
	{ 0x075, 0x075, MVMM_EV_OTHER, 0, 0, 0 },	/* SWINT */
	{ 0x076, 0x076, MVMM_EV_INVD, 0, 0, 0 },
	{ 0x077, 0x077, MVMM_EV_PAUSE, 0, 0, 0 },
	{ 0x078, 0x078, MVMM_EV_HLT, 0, 0, 0 },
	{ 0x079, 0x079, MVMM_EV_INVLPG, 0, 0, 0 },
	{ 0x07a, 0x07a, MVMM_EV_NESTED, 0, MVMM_NESTED_INVLPGA, 0 },
	{ 0x07b, 0x07b, MVMM_EV_IO, 0, 0, -1 },
	{ 0x07c, 0x07c, MVMM_EV_MSR_READ, 0, 0, 0 },	/* EXITINFO1 = 0 */
	{ 0x07d, 0x07d, MVMM_EV_TASK_SWITCH, 0, 0, 0 },
	{ 0x07e, 0x07e, MVMM_EV_OTHER, 0, 0, 0 },	/* FERR_FREEZE */
	{ 0x07f, 0x07f, MVMM_EV_SHUTDOWN, 0, 0, 0 },
	{ 0x080, 0x080, MVMM_EV_NESTED, 0, MVMM_NESTED_VMRUN, 0 },
	{ 0x081, 0x081, MVMM_EV_HYPERCALL, 0, 0, 0 },	/* VMMCALL */
	{ 0x082, 0x082, MVMM_EV_NESTED, 0, MVMM_NESTED_VMLOAD, 0 },
	{ 0x083, 0x083, MVMM_EV_NESTED, 0, MVMM_NESTED_VMSAVE, 0 },
	{ 0x084, 0x084, MVMM_EV_NESTED, 0, MVMM_NESTED_STGI, 0 },
	{ 0x085, 0x085, MVMM_EV_NESTED, 0, MVMM_NESTED_CLGI, 0 },
	{ 0x086, 0x086, MVMM_EV_NESTED, 0, MVMM_NESTED_SKINIT, 0 },
	{ 0x087, 0x087, MVMM_EV_RDTSCP, 0, 0, 0 },
	{ 0x088, 0x088, MVMM_EV_OTHER, 0, 0, 0 },	/* ICEBP */
	{ 0x089, 0x089, MVMM_EV_WBINVD, 0, 0, 0 },
	{ 0x08a, 0x08a, MVMM_EV_MONITOR, 0, 0, 0 },
	{ 0x08b, 0x08c, MVMM_EV_MWAIT, 0, 0, 0 },	/* MWAIT, MWAIT_COND */
	{ 0x08d, 0x08d, MVMM_EV_XSETBV, 0, 0, 0 },
	{ 0x08e, 0x08e, MVMM_EV_OTHER, 0, 0, 0 },	/* RDPRU */
	{ 0x08f, 0x08f, MVMM_EV_MSR_WRITE, 0, 0xc0000080, MVMM_EVF_WRITE },
	{ 0x090, 0x09f, MVMM_EV_CR_ACCESS, 1, 0, MVMM_EVF_WRITE },
	{ 0x0a2, 0x0a2, MVMM_EV_INVPCID, 0, 0, 0 },
	{ 0x400, 0x400, MVMM_EV_NPF, 0, 0, 0 },
	{ 0x401, 0x401, MVMM_EV_APIC_ACCESS, 0, 0x300, MVMM_EVF_WRITE },
	{ 0x402, 0x402, MVMM_EV_APIC_ACCESS, 0, 0, 0 },
	{ 0x403, 0x403, MVMM_EV_OTHER, 0, 0, 0 },	/* VMGEXIT */
	{ 0xffffffff, 0xffffffff, MVMM_EV_FAILED_ENTRY, 0, 0, 0 },
};

TEST_POINTS(svm_every_exit_code)
{
	unsigned int i;
	__u64 code;

	for (i = 0; i < ARRAY_SIZE(svm_rows); i++) {
		const struct svm_row *r = &svm_rows[i];

		for (code = r->lo; code <= r->hi; code++) {
			struct mvmm_exit_info x = exit_info(code);
			struct mvmm_event ev;
			int ret;

			POINT("svm exit 0x%03llx -> %s", code, tname(r->type));
			ret = SVM(&x, &ev);
			EXPECT_EQ(ret, 0);
			EXPECT_EQ(ev.type, r->type);
			EXPECT_EQ(ev.origin, MVMM_ORIGIN_L1);
			EXPECT_EQ(ev.raw_reason, code);
			EXPECT_EQ(ev.qual, r->type == MVMM_EV_OTHER ? code :
					   r->numbered ? code - r->lo : r->qual);
			if (r->flags >= 0)
				EXPECT_EQ(ev.flags, r->flags);
			END();
		}
	}
}

TEST(svm_unknown_codes_are_other)
{
	static const __u32 extra[] = { 0xf0000000, 0x7fffffff, 0xfffffffe };
	struct mvmm_exit_info x;
	struct mvmm_event ev;
	unsigned int i, bad = 0;
	__u32 code;

	for (code = 0x0a0; code < 0x1000 && bad < 5; code++) {
		if (code == 0x0a2 || (code >= 0x400 && code <= 0x403))
			continue;
		int ret;

		x = exit_info(code);
		x.info1 = 0x1234;
		ret = SVM(&x, &ev);
		if (ret != -1 || ev.type != MVMM_EV_OTHER ||
		    ev.raw_reason != code || ev.qual != code) {
			bad++;
			unit_fail(__FILE__, __LINE__,
				  "code 0x%x: ret %d, type %u, raw 0x%llx, qual 0x%llx",
				  code, ret, ev.type, ev.raw_reason, ev.qual);
		}
	}
	for (i = 0; i < 3; i++) {
		x = exit_info(extra[i]);
		EXPECT_EQ(SVM(&x, &ev), -1);
		EXPECT_EQ(ev.type, MVMM_EV_OTHER);
		EXPECT_EQ(ev.raw_reason, extra[i]);
		EXPECT_EQ(ev.qual, extra[i]);
	}
}

/*
 * IOIO EXITINFO1: [31:16] port, [12:10] segment, [9:7] address size,
 * [6:4] operand size (one bit each), [3] rep, [2] string, [0] in
 */
static const struct io_case svm_io_cases[] = {
	{ "in al, 0x60", 0x00600011, 0x60, 1, 0 },
	{ "out dx, ax (dx = 0x3f8)", 0x03f80020, 0x3f8, 2, MVMM_EVF_WRITE },
	{ "in eax, dx (dx = 0xcf8)", 0x0cf80041, 0xcf8, 4, 0 },
	/* 64-bit mode (A64), DS segment */
	{ "rep outsb to 0x3f8", 0x03f80e1c, 0x3f8, 1,
	  MVMM_EVF_WRITE | MVMM_EVF_STRING | MVMM_EVF_REP },
	{ "rep insw from 0x1f0", 0x01f0022d, 0x1f0, 2,
	  MVMM_EVF_STRING | MVMM_EVF_REP },
	{ "outsd without rep", 0xffff0e44, 0xffff, 4,
	  MVMM_EVF_WRITE | MVMM_EVF_STRING },
};

TEST_POINTS(svm_ioio)
{
	check_io_cases("svm", mvmm_classify_svm, 0x7b, svm_io_cases,
		       ARRAY_SIZE(svm_io_cases));
}

TEST(svm_msr_read)
{
	struct mvmm_exit_info x = exit_info(0x7c);
	struct mvmm_event ev;

	x.info1 = 0;
	x.rcx = 0xdeadbeefc0000080ULL;	/* RDMSR uses ECX only */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MSR_READ);
	EXPECT_EQ(ev.qual, 0xc0000080);
	EXPECT_EQ(ev.flags, 0);
}

TEST(svm_msr_write)
{
	struct mvmm_exit_info x = exit_info(0x7c);
	struct mvmm_event ev;

	x.info1 = 1;
	x.rcx = 0x1b;
	x.rax = 0xfee00900;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MSR_WRITE);
	EXPECT_EQ(ev.qual, 0x1b);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(svm_cpuid_leaf_subleaf)
{
	struct mvmm_exit_info x = exit_info(0x72);
	struct mvmm_event ev;

	x.rax = 0x1234567800000007ULL;
	x.rcx = 0xabcdef0000000001ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CPUID);
	EXPECT_EQ(ev.qual, 7);
	EXPECT_EQ(ev.sub, 1);
}

TEST(svm_vmmcall_nr)
{
	struct mvmm_exit_info x = exit_info(0x81);
	struct mvmm_event ev;

	x.rax = 12;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_HYPERCALL);
	EXPECT_EQ(ev.qual, 12);
	x.rax = 0x100000005ULL;		/* 64-bit guests pass all of RAX */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0x100000005ULL);
}

TEST(svm_rdpmc_xsetbv_ecx)
{
	struct mvmm_exit_info x = exit_info(0x6f);
	struct mvmm_event ev;

	x.rcx = 0xffffffff40000001ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_RDPMC);
	EXPECT_EQ(ev.qual, 0x40000001);
	x.reason = 0x8d;
	x.rcx = 0x100000000ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_XSETBV);
	EXPECT_EQ(ev.qual, 0);
}

/* NPF on RAM: present=0, write, user, final translation (bit 32) */
TEST(svm_npf_ram)
{
	struct mvmm_exit_info x = exit_info(0x400);
	struct mvmm_event ev;

	x.info1 = 0x100000006ULL;
	x.info2 = 0x12345000;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NPF);
	EXPECT_EQ(ev.qual, 0x12345000);
	EXPECT_EQ(ev.sub, 0x100000006ULL);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(svm_npf_fetch)
{
	struct mvmm_exit_info x = exit_info(0x400);
	struct mvmm_event ev;

	x.info1 = 0x100000011ULL;
	x.info2 = 0x7fff0000;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NPF);
	EXPECT_EQ(ev.flags, MVMM_EVF_FETCH);
}

/* KVM's MMIO SPTEs have reserved bits: the NPF error code has RSVD (bit 3) */
/* L2's reserved-bit NPF: L2's GPA, so NPF, never MMIO. */
TEST(svm_npf_rsvd_l2_is_npf)
{
	struct mvmm_exit_info x = exit_info(0x400);
	struct mvmm_event ev;

	x.info1 = 0x10000000bULL;	/* present, write, rsvd */
	x.info2 = 0xfebf0000;
	x.l2 = 1;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_NPF);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	EXPECT_EQ(ev.qual, 0xfebf0000);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(svm_npf_rsvd_is_mmio)
{
	struct mvmm_exit_info x = exit_info(0x400);
	struct mvmm_event ev;

	x.info1 = 0x10000000bULL;	/* present, write, rsvd */
	x.info2 = 0xfebf0000;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MMIO);
	EXPECT_EQ(ev.qual, 0xfebf0000);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x.info1 = 0x100000009ULL;	/* present, read, rsvd */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_MMIO);
	EXPECT_EQ(ev.flags, 0);
}

/* #PF intercept: EXITINFO1 = error code, EXITINFO2 = CR2 */
TEST(svm_exception_pf_errcode)
{
	struct mvmm_exit_info x = exit_info(0x4e);
	struct mvmm_event ev;

	x.info1 = 0x2;
	x.info2 = 0xffffc90000001000ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_EXCEPTION);
	EXPECT_EQ(ev.qual, 14);
	EXPECT_EQ(ev.sub, 2);
	EXPECT_EQ(ev.flags, MVMM_EVF_ERRCODE);
}

TEST(svm_exception_gp_ud)
{
	struct mvmm_exit_info x = exit_info(0x4d);
	struct mvmm_event ev;

	x.info1 = 0x18;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 13);
	EXPECT_EQ(ev.sub, 0x18);
	EXPECT_EQ(ev.flags, MVMM_EVF_ERRCODE);
	x = exit_info(0x46);
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 6);
	EXPECT_EQ(ev.sub, 0);
	EXPECT_EQ(ev.flags, 0);
}

/* Error code only for #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
TEST_POINTS(svm_exception_errcode_vectors)
{
	static const int has_err[32] = {
		[8] = 1, [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1,
		[17] = 1, [21] = 1, [29] = 1, [30] = 1,
	};
	unsigned int vec;

	for (vec = 0; vec < 32; vec++) {
		struct mvmm_exit_info x = exit_info(0x40 + vec);
		struct mvmm_event ev;

		POINT("svm exception %u error code: %s", vec,
		      has_err[vec] ? "yes" : "no");
		x.info1 = 0xabcd;
		EXPECT_EQ(SVM(&x, &ev), 0);
		EXPECT_EQ(ev.type, MVMM_EV_EXCEPTION);
		EXPECT_EQ(ev.qual, vec);
		EXPECT_EQ(ev.flags, has_err[vec] ? MVMM_EVF_ERRCODE : 0);
		EXPECT_EQ(ev.sub, has_err[vec] ? 0xabcd : 0);
		END();
	}
}

/* mov cr3, rbx (decode assists: EXITINFO1[63] valid, [3:0] GPR) */
TEST(svm_cr_write_decode_assist)
{
	struct mvmm_exit_info x = exit_info(0x13);
	struct mvmm_event ev;

	x.info1 = 0x8000000000000003ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CR_ACCESS);
	EXPECT_EQ(ev.qual, 3);
	EXPECT_EQ(ev.sub, 3);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

/* mov r12, cr4 */
TEST(svm_cr_read_decode_assist)
{
	struct mvmm_exit_info x = exit_info(0x04);
	struct mvmm_event ev;

	x.info1 = 0x800000000000000cULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 4);
	EXPECT_EQ(ev.sub, 12);
	EXPECT_EQ(ev.flags, 0);
}

/* CLTS (CR0 write), LMSW (selective CR0 write), CR4 write trap: no GPR */
TEST(svm_cr_without_gpr)
{
	struct mvmm_exit_info x = exit_info(0x10);
	struct mvmm_event ev;

	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0);
	EXPECT_EQ(ev.sub, ALL_ONES);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x = exit_info(0x65);
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CR_ACCESS);
	EXPECT_EQ(ev.qual, 0);
	EXPECT_EQ(ev.sub, ALL_ONES);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x = exit_info(0x94);
	x.info1 = 0x3506f0;		/* the new CR4 value */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_CR_ACCESS);
	EXPECT_EQ(ev.qual, 4);
	EXPECT_EQ(ev.sub, ALL_ONES);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
}

TEST(svm_dr_access)
{
	struct mvmm_exit_info x = exit_info(0x37);
	struct mvmm_event ev;

	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_DR_ACCESS);
	EXPECT_EQ(ev.qual, 7);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x = exit_info(0x26);
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 6);
	EXPECT_EQ(ev.flags, 0);
}

TEST(svm_task_switch_invlpg)
{
	struct mvmm_exit_info x = exit_info(0x7d);
	struct mvmm_event ev;

	x.info1 = 0x28;
	x.info2 = 1ULL << 36;		/* via IRET */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_TASK_SWITCH);
	EXPECT_EQ(ev.qual, 0x28);
	x = exit_info(0x79);
	x.info1 = 0xffff888000001000ULL;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_INVLPG);
	EXPECT_EQ(ev.qual, 0xffff888000001000ULL);
}

/* AVIC: EXITINFO1 [11:4] offset, [32] write */
TEST(svm_avic)
{
	struct mvmm_exit_info x = exit_info(0x402);
	struct mvmm_event ev;

	x.info1 = 0x100000080ULL;	/* TPR write */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_APIC_ACCESS);
	EXPECT_EQ(ev.qual, 0x80);
	EXPECT_EQ(ev.flags, MVMM_EVF_WRITE);
	x.info1 = 0x310;		/* ICR high read */
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.qual, 0x310);
	EXPECT_EQ(ev.flags, 0);
}

TEST(svm_failed_entry)
{
	struct mvmm_exit_info x = exit_info((__u32)-1);
	struct mvmm_event ev;

	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_FAILED_ENTRY);
	EXPECT_EQ(ev.raw_reason, 0xffffffffULL);
}

TEST(svm_origin_l2)
{
	struct mvmm_exit_info x = exit_info(0x72);
	struct mvmm_event ev;

	x.l2 = 1;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	x.l2 = 0x100;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	x = exit_info(0x12345);		/* unknown keeps origin too */
	x.l2 = 1;
	EXPECT_EQ(SVM(&x, &ev), -1);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L2);
	x.l2 = 0;
	EXPECT_EQ(SVM(&x, &ev), -1);
	EXPECT_EQ(ev.origin, MVMM_ORIGIN_L1);
}

/* Every field is written, so a stale event never leaks qualifiers. */
TEST(svm_clears_fields)
{
	struct mvmm_exit_info x = exit_info(0x78);
	struct mvmm_event ev;

	x.info1 = ALL_ONES;
	x.info2 = ALL_ONES;
	x.rax = ALL_ONES;
	x.rcx = ALL_ONES;
	EXPECT_EQ(SVM(&x, &ev), 0);
	EXPECT_EQ(ev.type, MVMM_EV_HLT);
	EXPECT_EQ(ev.size, 0);
	EXPECT_EQ(ev.flags, 0);
	EXPECT_EQ(ev.qual, 0);
	EXPECT_EQ(ev.sub, 0);
}

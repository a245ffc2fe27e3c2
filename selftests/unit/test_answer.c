// SPDX-License-Identifier: GPL-2.0
/*
 * What a secondary may answer to each event (kmod/core/answer.c).
 */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "answer.h"

#define BITG(r)	(1U << (r))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct mvmm_event ev_of(unsigned int type, unsigned int flags)
{
	struct mvmm_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.flags = flags;
	return ev;
}

static struct mvmm_answer handled(unsigned int mask)
{
	struct mvmm_answer a;

	memset(&a, 0, sizeof(a));
	a.action = MVMM_ACT_HANDLED;
	a.gpr_mask = mask;
	return a;
}

TEST(answer_main_always_ok)
{
	struct mvmm_answer a;
	unsigned int t;

	memset(&a, 0, sizeof(a));
	for (t = 0; t <= MVMM_EV_MAX; t++) {
		struct mvmm_event ev = ev_of(t, 0);

		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	}
}

TEST(answer_handleable_types)
{
	static const unsigned int yes[] = {
		MVMM_EV_IO, MVMM_EV_MSR_READ, MVMM_EV_MSR_WRITE, MVMM_EV_CPUID,
		MVMM_EV_HYPERCALL, MVMM_EV_HLT, MVMM_EV_EXCEPTION, MVMM_EV_MMIO,
	};
	unsigned int t, i, expect;

	for (t = 0; t <= MVMM_EV_MAX; t++) {
		struct mvmm_event ev = ev_of(t, 0);

		expect = 0;
		for (i = 0; i < ARRAY_SIZE(yes); i++)
			expect |= yes[i] == t;
		EXPECT_EQ(mvmm_event_handleable(&ev), expect);
	}
}

/* An element of string IO, on KVM's PIO bus: a value, never a fault. */
TEST(answer_string_io_value_only_no_inject)
{
	struct mvmm_event ev = ev_of(MVMM_EV_IO, MVMM_EVF_STRING);
	struct mvmm_answer a = handled(0);

	EXPECT_EQ(mvmm_event_handleable(&ev), 1);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask = BITG(MVMM_GPR_RAX);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
	memset(&a, 0, sizeof(a));
	a.action = MVMM_ACT_INJECT;
	a.vector = 13;
	a.has_error_code = 1;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_NO_INJECT);
	/* A plain IN or OUT may be answered with a fault. */
	ev.flags = 0;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
}

TEST(answer_cpuid_regs)
{
	struct mvmm_event ev = ev_of(MVMM_EV_CPUID, 0);
	struct mvmm_answer a = handled(BITG(MVMM_GPR_RAX) | BITG(MVMM_GPR_RBX) |
				       BITG(MVMM_GPR_RCX) | BITG(MVMM_GPR_RDX));

	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask |= BITG(MVMM_GPR_RSI);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
	a.gpr_mask = MVMM_ANS_RIP;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
}

TEST(answer_hypercall_regs)
{
	struct mvmm_event ev = ev_of(MVMM_EV_HYPERCALL, 0);
	struct mvmm_answer a = handled(0);

	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask = ((1U << MVMM_NR_GPRS) - 1) & ~BITG(MVMM_GPR_RSP);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask |= BITG(MVMM_GPR_RSP);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
}

TEST(answer_no_regs_for_io_msr_hlt)
{
	static const unsigned int types[] = {
		MVMM_EV_IO, MVMM_EV_MSR_READ, MVMM_EV_MSR_WRITE, MVMM_EV_HLT,
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct mvmm_event ev = ev_of(types[i], 0);
		struct mvmm_answer a = handled(0);

		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
		a.gpr_mask = BITG(MVMM_GPR_RAX);
		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
	}
}

TEST(answer_exception_needs_rip)
{
	struct mvmm_event ev = ev_of(MVMM_EV_EXCEPTION, 0);
	struct mvmm_answer a = handled(0);

	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_NEED_RIP);
	a.gpr_mask = MVMM_ANS_RIP;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask |= BITG(MVMM_GPR_RAX);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
}

TEST(answer_not_handleable_types)
{
	struct mvmm_event ev = ev_of(MVMM_EV_CR_ACCESS, 0);
	struct mvmm_answer a = handled(0);

	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_NOT_HANDLEABLE);
}

TEST(answer_mmio_value_only_no_inject)
{
	struct mvmm_event ev = ev_of(MVMM_EV_MMIO, 0);
	struct mvmm_answer a = handled(0);

	a.value = 0x1234;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	a.gpr_mask = BITG(MVMM_GPR_RAX);
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_REGS);
	memset(&a, 0, sizeof(a));
	a.action = MVMM_ACT_INJECT;
	a.vector = 6;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_NO_INJECT);
}

TEST_POINTS(answer_inject_vectors)
{
	struct mvmm_event ev = ev_of(MVMM_EV_IO, 0);
	unsigned int v;

	for (v = 0; v < 40; v++) {
		/* Intel SDM vol. 3 table 6-1: exceptions that push an error code */
		int ec = v == 8 || (v >= 10 && v <= 14) || v == 17 ||
			 v == 21 || v == 29 || v == 30;
		/* not NMI, not reserved, not #BP, #OF or #VC (see below) */
		int ok = v < 32 && v != 2 && v != 3 && v != 4 && v != 15 &&
			 !(v >= 22 && v <= 27) && v != 29 && v != 31;
		struct mvmm_answer a;

		POINT("inject vector %u", v);
		memset(&a, 0, sizeof(a));
		a.action = MVMM_ACT_INJECT;
		a.vector = v;
		a.has_error_code = ec;
		EXPECT_EQ(mvmm_vector_has_error_code(v), v < 32 && ec);
		EXPECT_EQ(mvmm_vector_injectable(v), ok);
		EXPECT_EQ(mvmm_answer_check(&ev, &a),
			  ok ? MVMM_ANSWER_OK : MVMM_ANSWER_BAD_VECTOR);
		if (ok) {
			/* the wrong error-code presence is refused */
			a.has_error_code = !ec;
			EXPECT_EQ(mvmm_answer_check(&ev, &a),
				  MVMM_ANSWER_BAD_ERROR_CODE);
		}
		END();
	}
}

/*
 * KVM takes an injected #BP or #OF for INT3 or INTO (RIP advanced past
 * the instruction that exited), and SVM does not inject #BP, #OF or #VC
 * again when an NPF interrupts their delivery: refused, with or without
 * an error code, for every event that may take a fault.
 */
TEST(answer_inject_refuses_bp_of_vc)
{
	static const unsigned int refused[] = { 3, 4, 29 };
	static const unsigned int types[] = {
		MVMM_EV_IO, MVMM_EV_MSR_READ, MVMM_EV_MSR_WRITE, MVMM_EV_CPUID,
		MVMM_EV_HYPERCALL, MVMM_EV_HLT, MVMM_EV_EXCEPTION,
	};
	struct mvmm_answer a;
	unsigned int t, i;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		struct mvmm_event ev = ev_of(types[t], 0);

		memset(&a, 0, sizeof(a));
		a.action = MVMM_ACT_INJECT;
		for (i = 0; i < ARRAY_SIZE(refused); i++) {
			a.vector = refused[i];
			a.has_error_code = 0;
			a.error_code = 0;
			EXPECT_EQ(mvmm_answer_check(&ev, &a),
				  MVMM_ANSWER_BAD_VECTOR);
			a.has_error_code = 1;
			EXPECT_EQ(mvmm_answer_check(&ev, &a),
				  MVMM_ANSWER_BAD_VECTOR);
		}
		/* #UD, #GP(0x18) and #PF(2) still go in */
		a.vector = 6;
		a.has_error_code = 0;
		a.error_code = 0;
		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
		a.vector = 13;
		a.has_error_code = 1;
		a.error_code = 0x18;
		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
		a.vector = 14;
		a.error_code = 2;
		EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_OK);
	}
}

TEST(answer_inject_stray_error_code)
{
	struct mvmm_event ev = ev_of(MVMM_EV_CPUID, 0);
	struct mvmm_answer a;

	memset(&a, 0, sizeof(a));
	a.action = MVMM_ACT_INJECT;
	a.vector = 6;		/* #UD has no error code */
	a.error_code = 5;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_ERROR_CODE);
	a.error_code = 0;
	a.has_error_code = 2;	/* a boolean, nothing else */
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_ERROR_CODE);
}

TEST(answer_bad_action_and_reserved)
{
	struct mvmm_event ev = ev_of(MVMM_EV_IO, 0);
	struct mvmm_answer a = handled(0);

	a.action = 3;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_ACTION);
	a.action = 0xffffffff;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_BAD_ACTION);
	a = handled(0);
	a.reserved = 1;
	EXPECT_EQ(mvmm_answer_check(&ev, &a), MVMM_ANSWER_RESERVED);
}

TEST(answer_reasons_named)
{
	unsigned int v;

	for (v = 0; v < __MVMM_ANSWER_MAX; v++)
		EXPECT_TRUE(strcmp(mvmm_answer_why(v), "?") != 0);
	EXPECT_TRUE(strcmp(mvmm_answer_why(__MVMM_ANSWER_MAX), "?") == 0);
}

TEST(answer_in_rax_by_size)
{
	const __u64 rax = 0x1122334455667788ULL;

	/* IN AL and IN AX keep the rest of RAX; IN EAX zero-extends. */
	EXPECT_EQ(mvmm_in_rax(rax, 1, 0xabcdef99), 0x1122334455667799ULL);
	EXPECT_EQ(mvmm_in_rax(rax, 2, 0xabcdef99), 0x112233445566ef99ULL);
	EXPECT_EQ(mvmm_in_rax(rax, 4, 0xabcdef99), 0xabcdef99ULL);
	EXPECT_EQ(mvmm_in_rax(rax, 4, 0xffffffff00000001ULL), 1ULL);
}

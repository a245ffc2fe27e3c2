// SPDX-License-Identifier: GPL-2.0
/*
 * What a secondary may answer to each event (see the table in
 * uapi/linux/mvmm.h).
 */
#include "answer.h"

#define MVMM_GPR_BIT(r)		(1U << (r))
#define MVMM_ALL_GPRS		((1U << MVMM_NR_GPRS) - 1)
#define MVMM_CPUID_GPRS		(MVMM_GPR_BIT(MVMM_GPR_RAX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RBX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RCX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RDX))
/* RSP is cached lazily by VMX; letting secondaries write it buys nothing. */
#define MVMM_HYPERCALL_GPRS	(MVMM_ALL_GPRS & ~MVMM_GPR_BIT(MVMM_GPR_RSP))

int mvmm_vector_has_error_code(unsigned int vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14:
	case 17: case 21: case 29: case 30:
		return 1;
	default:
		return 0;
	}
}

int mvmm_event_handleable(const struct mvmm_event *ev)
{
	switch (ev->type) {
	case MVMM_EV_IO:	/* string IO: each element, on KVM's PIO bus */
	case MVMM_EV_MSR_READ:
	case MVMM_EV_MSR_WRITE:
	case MVMM_EV_CPUID:
	case MVMM_EV_HYPERCALL:
	case MVMM_EV_HLT:
	case MVMM_EV_EXCEPTION:
	case MVMM_EV_MMIO:	/* decoded by KVM's emulator, see mvmm_mmio */
		return 1;
	default:
		return 0;
	}
}

/* The registers (and RIP) a handled answer to @ev may write. */
static __u32 mvmm_writable(const struct mvmm_event *ev)
{
	switch (ev->type) {
	case MVMM_EV_CPUID:
		return MVMM_CPUID_GPRS;
	case MVMM_EV_HYPERCALL:
		return MVMM_HYPERCALL_GPRS;
	case MVMM_EV_EXCEPTION:
		return MVMM_ANS_RIP;
	default:
		return 0;
	}
}

int mvmm_vector_injectable(unsigned int vector)
{
	/* NMI (2) is not an exception; 15 and 22-27, 31 are reserved. */
	if (vector >= 32 || vector == 2 || vector == 15 ||
	    (vector >= 22 && vector <= 27) || vector == 31)
		return 0;
	/*
	 * KVM cannot deliver these as a fault of the instruction that
	 * exited: it takes #BP (3) and #OF (4) for INT3 and INTO, "soft"
	 * exceptions reported after the instruction, and advances RIP past
	 * it, so the guest would skip the IN or CPUID it never completed;
	 * and when an NPF on the guest's IDT or stack interrupts their
	 * delivery, SVM injects neither them nor #VC (29) again, so the
	 * guest retakes the exit and it is routed a second time.
	 */
	if (vector == 3 || vector == 4 || vector == 29)
		return 0;
	return 1;
}

static enum mvmm_answer_verdict mvmm_check_inject(const struct mvmm_answer *a)
{
	if (!mvmm_vector_injectable(a->vector))
		return MVMM_ANSWER_BAD_VECTOR;
	if (!!a->has_error_code != mvmm_vector_has_error_code(a->vector) ||
	    a->has_error_code > 1 || (!a->has_error_code && a->error_code))
		return MVMM_ANSWER_BAD_ERROR_CODE;
	return MVMM_ANSWER_OK;
}

enum mvmm_answer_verdict mvmm_answer_check(const struct mvmm_event *ev,
					   const struct mvmm_answer *a)
{
	if (a->reserved)
		return MVMM_ANSWER_RESERVED;

	switch (a->action) {
	case MVMM_ACT_MAIN:
		return MVMM_ANSWER_OK;
	case MVMM_ACT_INJECT:
		/*
		 * MMIO and string IO are answered from inside KVM's
		 * emulator, an access at a time: no faults there.
		 */
		if (ev->type == MVMM_EV_MMIO ||
		    (ev->type == MVMM_EV_IO && (ev->flags & MVMM_EVF_STRING)))
			return MVMM_ANSWER_NO_INJECT;
		return mvmm_check_inject(a);
	case MVMM_ACT_HANDLED:
		break;
	default:
		return MVMM_ANSWER_BAD_ACTION;
	}

	if (!mvmm_event_handleable(ev))
		return MVMM_ANSWER_NOT_HANDLEABLE;
	if (a->gpr_mask & ~mvmm_writable(ev))
		return MVMM_ANSWER_BAD_REGS;
	if (ev->type == MVMM_EV_EXCEPTION && !(a->gpr_mask & MVMM_ANS_RIP))
		return MVMM_ANSWER_NEED_RIP;
	return MVMM_ANSWER_OK;
}

const char *mvmm_answer_why(enum mvmm_answer_verdict v)
{
	static const char *const why[__MVMM_ANSWER_MAX] = {
		[MVMM_ANSWER_OK] = "ok",
		[MVMM_ANSWER_BAD_ACTION] = "unknown action",
		[MVMM_ANSWER_NOT_HANDLEABLE] = "event cannot be handled by a secondary",
		[MVMM_ANSWER_BAD_REGS] = "answer writes registers this event does not allow",
		[MVMM_ANSWER_NEED_RIP] = "handled exception needs a new RIP",
		[MVMM_ANSWER_BAD_VECTOR] = "vector cannot be injected",
		[MVMM_ANSWER_BAD_ERROR_CODE] = "error code does not match the vector",
		[MVMM_ANSWER_RESERVED] = "reserved field not zero",
		[MVMM_ANSWER_NO_INJECT] = "event cannot be answered with an exception",
	};

	return (unsigned int)v < __MVMM_ANSWER_MAX ? why[v] : "?";
}

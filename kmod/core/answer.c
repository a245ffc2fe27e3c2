// SPDX-License-Identifier: GPL-2.0
/*
 * What a secondary may answer to each event (see the table in
 * uapi/linux/mvmm.h).
 */
#include "answer.h"

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
	return mvmm_type_handleable(ev->type);
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

enum mvmm_answer_verdict mvmm_check_inject(const struct mvmm_answer *a)
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
	return mvmm_answer_check_as(ev->type, ev, a);
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Portable check of a secondary's answer against the event it answers:
 * which results an answer may carry is a property of the event alone, so
 * it is decided here, in plain C, and unit-tested in userspace.
 */
#ifndef _MVMM_CORE_ANSWER_H
#define _MVMM_CORE_ANSWER_H

#include <linux/types.h>
#include <linux/mvmm.h>

enum mvmm_answer_verdict {
	MVMM_ANSWER_OK = 0,
	MVMM_ANSWER_BAD_ACTION,		/* unknown action */
	MVMM_ANSWER_NOT_HANDLEABLE,	/* this event cannot be handled */
	MVMM_ANSWER_BAD_REGS,		/* gpr_mask writes a register it may not */
	MVMM_ANSWER_NEED_RIP,		/* exception handled without a new RIP */
	MVMM_ANSWER_BAD_VECTOR,		/* injected vector not allowed */
	MVMM_ANSWER_BAD_ERROR_CODE,	/* error code given/missing wrongly */
	MVMM_ANSWER_RESERVED,		/* reserved field not zero */
	MVMM_ANSWER_NO_INJECT,		/* event cannot take an exception */
	__MVMM_ANSWER_MAX
};

/* MVMM_ANSWER_OK or why @ans is not a valid answer to @ev. */
enum mvmm_answer_verdict mvmm_answer_check(const struct mvmm_event *ev,
					   const struct mvmm_answer *ans);

/* One-line reason for a verdict, for logs and tracepoints. */
const char *mvmm_answer_why(enum mvmm_answer_verdict v);

/* Can a secondary complete events of this type (MVMM_ACT_HANDLED)? */
int mvmm_event_handleable(const struct mvmm_event *ev);

/*
 * RAX after an IN of @size bytes (1, 2 or 4) that read @value: the
 * instruction writes AL or AX and keeps the rest, or writes EAX, which
 * zero-extends.
 */
static inline __u64 mvmm_in_rax(__u64 rax, unsigned int size, __u64 value)
{
	if (size == 4)
		return (__u32)value;
	if (size == 2)
		return (rax & ~0xffffULL) | (value & 0xffff);
	return (rax & ~0xffULL) | (value & 0xff);
}

/* The exception vectors mvmm itself injects or completes. */
#define MVMM_UD_VECTOR	6
#define MVMM_GP_VECTOR	13

/* Does exception @vector push an error code? */
int mvmm_vector_has_error_code(unsigned int vector);

/*
 * May a secondary inject exception @vector (MVMM_ACT_INJECT)? Not NMI,
 * not a reserved vector, not #BP, #OF or #VC (answer.c says why).
 */
int mvmm_vector_injectable(unsigned int vector);

#endif /* _MVMM_CORE_ANSWER_H */

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

/* One-line reason for a verdict, for logs and tracepoints. */
const char *mvmm_answer_why(enum mvmm_answer_verdict v);

/* Can a secondary complete events of @type (MVMM_ACT_HANDLED)? */
static inline int mvmm_type_handleable(__u16 type)
{
	switch (type) {
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

/* The same for the type of @ev. */
int mvmm_event_handleable(const struct mvmm_event *ev);

#define MVMM_GPR_BIT(r)		(1U << (r))
#define MVMM_ALL_GPRS		((1U << MVMM_NR_GPRS) - 1)
#define MVMM_CPUID_GPRS		(MVMM_GPR_BIT(MVMM_GPR_RAX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RBX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RCX) | \
				 MVMM_GPR_BIT(MVMM_GPR_RDX))
/* RSP is cached lazily by VMX; letting secondaries write it buys nothing. */
#define MVMM_HYPERCALL_GPRS	(MVMM_ALL_GPRS & ~MVMM_GPR_BIT(MVMM_GPR_RSP))

/* The registers (and RIP) a handled answer to an event of @type may write. */
static inline __u32 mvmm_answer_writable(__u16 type)
{
	switch (type) {
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

/* The checks of an MVMM_ACT_INJECT answer: its vector and error code. */
enum mvmm_answer_verdict mvmm_check_inject(const struct mvmm_answer *a);

/*
 * MVMM_ANSWER_OK or why @a is not a valid answer to @ev, an event of
 * @type. Inline: where the caller knows @type at compile time (the exit's
 * completion, one copy per event type), a handled answer is checked in a
 * few instructions.
 */
static inline enum mvmm_answer_verdict
mvmm_answer_check_as(__u16 type, const struct mvmm_event *ev,
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
		if (type == MVMM_EV_MMIO ||
		    (type == MVMM_EV_IO && (ev->flags & MVMM_EVF_STRING)))
			return MVMM_ANSWER_NO_INJECT;
		return mvmm_check_inject(a);
	case MVMM_ACT_HANDLED:
		break;
	default:
		return MVMM_ANSWER_BAD_ACTION;
	}

	if (!mvmm_type_handleable(type))
		return MVMM_ANSWER_NOT_HANDLEABLE;
	if (a->gpr_mask & ~mvmm_answer_writable(type))
		return MVMM_ANSWER_BAD_REGS;
	if (type == MVMM_EV_EXCEPTION && !(a->gpr_mask & MVMM_ANS_RIP))
		return MVMM_ANSWER_NEED_RIP;
	return MVMM_ANSWER_OK;
}

/* MVMM_ANSWER_OK or why @a is not a valid answer to @ev. */
enum mvmm_answer_verdict mvmm_answer_check(const struct mvmm_event *ev,
					   const struct mvmm_answer *a);

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

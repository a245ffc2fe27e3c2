/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the classifier unit tests. */
#ifndef _MVMM_UNIT_HELPERS_H
#define _MVMM_UNIT_HELPERS_H

#include <string.h>

#include "classify.h"
#include "unit.h"

/* An exit with only the vendor code set, the rest zero. */
static inline struct mvmm_exit_info exit_info(__u32 reason)
{
	struct mvmm_exit_info x;

	memset(&x, 0, sizeof(x));
	x.reason = reason;
	return x;
}

/* Classify with the event pre-filled with garbage: every field must be set. */
static inline int classify(int (*fn)(const struct mvmm_exit_info *,
				     struct mvmm_event *),
			   const struct mvmm_exit_info *x, struct mvmm_event *ev)
{
	memset(ev, 0xa5, sizeof(*ev));
	return fn(x, ev);
}

static inline const char *tname(unsigned int type)
{
	const char *n = mvmm_event_name(type);

	return n ? n : "(null)";
}

/*
 * An I/O instruction's exit: the vendor's qualification (SVM EXITINFO1,
 * VMX exit qualification) and the port, size and flags it decodes to. The
 * decoded side is the same for both vendors, so one checker serves both.
 */
struct io_case {
	const char *insn;
	__u64 info1;
	__u64 port;
	__u32 size, flags;
};

/* One test point per case: the I/O exit @reason of @vendor's @fn. */
static inline void check_io_cases(const char *vendor,
				  int (*fn)(const struct mvmm_exit_info *,
					    struct mvmm_event *),
				  __u32 reason, const struct io_case *c,
				  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct mvmm_exit_info x = exit_info(reason);
		struct mvmm_event ev;

		POINT("%s io: %s", vendor, c[i].insn);
		x.info1 = c[i].info1;
		EXPECT_EQ(classify(fn, &x, &ev), 0);
		EXPECT_EQ(ev.type, MVMM_EV_IO);
		EXPECT_EQ(ev.qual, c[i].port);
		EXPECT_EQ(ev.size, c[i].size);
		EXPECT_EQ(ev.flags, c[i].flags);
		END();
	}
}

#define ALL_ONES	0xffffffffffffffffULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* _MVMM_UNIT_HELPERS_H */

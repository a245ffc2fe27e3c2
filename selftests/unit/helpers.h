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

#define ALL_ONES	0xffffffffffffffffULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* _MVMM_UNIT_HELPERS_H */

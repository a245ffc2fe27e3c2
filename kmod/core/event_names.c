// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the ABI: event types, as mvmmctl prints and parses them, and
 * how handler and group names are spelt. The same code serves the module
 * and userspace (mvmmctl, tests), so it uses no libc.
 */
#include <linux/types.h>
#include <linux/mvmm.h>
#include "classify.h"

/* The kernel's <linux/types.h> brings NULL, the uapi one does not. */
#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static const char *const mvmm_event_names[] = {
	[MVMM_EV_OTHER]		= "other",
	[MVMM_EV_EXCEPTION]	= "exception",
	[MVMM_EV_INTR]		= "intr",
	[MVMM_EV_NMI]		= "nmi",
	[MVMM_EV_SMI]		= "smi",
	[MVMM_EV_INIT]		= "init",
	[MVMM_EV_SIPI]		= "sipi",
	[MVMM_EV_INTR_WINDOW]	= "intr-window",
	[MVMM_EV_NMI_WINDOW]	= "nmi-window",
	[MVMM_EV_TASK_SWITCH]	= "task-switch",
	[MVMM_EV_CPUID]		= "cpuid",
	[MVMM_EV_HLT]		= "hlt",
	[MVMM_EV_INVD]		= "invd",
	[MVMM_EV_WBINVD]	= "wbinvd",
	[MVMM_EV_INVLPG]	= "invlpg",
	[MVMM_EV_INVPCID]	= "invpcid",
	[MVMM_EV_RDPMC]		= "rdpmc",
	[MVMM_EV_RDTSC]		= "rdtsc",
	[MVMM_EV_RDTSCP]	= "rdtscp",
	[MVMM_EV_HYPERCALL]	= "hypercall",
	[MVMM_EV_CR_ACCESS]	= "cr",
	[MVMM_EV_DR_ACCESS]	= "dr",
	[MVMM_EV_IO]		= "io",
	[MVMM_EV_MSR_READ]	= "msr-read",
	[MVMM_EV_MSR_WRITE]	= "msr-write",
	[MVMM_EV_MONITOR]	= "monitor",
	[MVMM_EV_MWAIT]		= "mwait",
	[MVMM_EV_PAUSE]		= "pause",
	[MVMM_EV_XSETBV]	= "xsetbv",
	[MVMM_EV_NPF]		= "npf",
	[MVMM_EV_MMIO]		= "mmio",
	[MVMM_EV_APIC_ACCESS]	= "apic",
	[MVMM_EV_NESTED]	= "nested",
	[MVMM_EV_SHUTDOWN]	= "shutdown",
	[MVMM_EV_XSAVES]	= "xsaves",
	[MVMM_EV_PREEMPT_TIMER]	= "preempt-timer",
	[MVMM_EV_FAILED_ENTRY]	= "failed-entry",
};

/*
 * A type added at the end of enum mvmm_event_type without a name here
 * breaks the build; a hole in the middle is caught by the unit tests.
 */
_Static_assert(ARRAY_SIZE(mvmm_event_names) == __MVMM_EV_MAX,
	       "mvmm_event_names[] must name every event type");

const char *mvmm_event_name(unsigned int type)
{
	if (type >= __MVMM_EV_MAX)
		return NULL;
	return mvmm_event_names[type];
}

static int mvmm_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int mvmm_event_lookup(const char *name)
{
	unsigned int i;

	if (!name)
		return -1;
	for (i = 0; i < __MVMM_EV_MAX; i++)
		if (mvmm_event_names[i] && mvmm_streq(mvmm_event_names[i], name))
			return i;
	return -1;
}

int mvmm_name_ok(const char *name)
{
	unsigned int i;

	/* Letters and digits of ASCII only: no locale, no Latin-1. */
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i == MVMM_HANDLER_NAME_LEN - 1)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return i > 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Names and limits of the ABI, in one place: event types as mvmmctl
 * prints and parses them, the qualifiers each carries and the largest
 * value a rule may name, and how handler and group names are spelt. The
 * same code serves the module (netlink checks) and userspace (mvmmctl,
 * tests), so it uses no libc.
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

#define U8	0xffULL
#define U16	0xffffULL
#define U32	0xffffffffULL
#define U64	(~0ULL)

/*
 * Per type: its name; the keywords of its qualifiers, "qual" first, then
 * "sub" and the flags that apply (the table in uapi/linux/mvmm.h); the
 * largest qual the classifiers (classify_svm.c, classify_vmx.c) give it,
 * which a rule's range may not pass, and what that qual is; the results
 * a pre-registered answer to it may give.
 */
static const struct mvmm_event_desc mvmm_events[] = {
	/* SVM exit codes include -1 (VMEXIT_INVALID) as a 64-bit value. */
	[MVMM_EV_OTHER]		= { "other", { "reason" }, U64, 1 },
	/* Exceptions are vectors 0-31 by definition. */
	[MVMM_EV_EXCEPTION]	= { "exception", { "vector", "errcode" }, 31, 0,
				    "exception vector" },
	[MVMM_EV_INTR]		= { "intr", { "vector" }, U8, 0,
				    "interrupt vector" },
	[MVMM_EV_NMI]		= { "nmi" },
	[MVMM_EV_SMI]		= { "smi" },
	[MVMM_EV_INIT]		= { "init" },
	[MVMM_EV_SIPI]		= { "sipi", { "vector" }, U8, 0, "SIPI vector" },
	[MVMM_EV_INTR_WINDOW]	= { "intr-window" },
	[MVMM_EV_NMI_WINDOW]	= { "nmi-window" },
	[MVMM_EV_TASK_SWITCH]	= { "task-switch", { "selector" }, U16, 1,
				    "TSS selector" },
	[MVMM_EV_CPUID]		= { "cpuid", { "leaf", "subleaf" }, U32, 1,
				    "CPUID leaf", MVMM_ANS_REGS },
	[MVMM_EV_HLT]		= { "hlt" },
	[MVMM_EV_INVD]		= { "invd" },
	[MVMM_EV_WBINVD]	= { "wbinvd" },
	[MVMM_EV_INVLPG]	= { "invlpg", { "addr" }, U64, 1 },
	[MVMM_EV_INVPCID]	= { "invpcid" },
	[MVMM_EV_RDPMC]		= { "rdpmc", { "counter" }, U32, 1,
				    "performance counter (ECX)" },
	[MVMM_EV_RDTSC]		= { "rdtsc" },
	[MVMM_EV_RDTSCP]	= { "rdtscp" },
	[MVMM_EV_HYPERCALL]	= { "hypercall", { "nr" }, U64, 0, NULL,
				    MVMM_ANS_VALUE },
	[MVMM_EV_CR_ACCESS]	= { "cr", { "nr", "gpr", "write" }, 15, 0,
				    "control register" },
	[MVMM_EV_DR_ACCESS]	= { "dr", { "nr", "gpr", "write" }, 15, 0,
				    "debug register" },
	[MVMM_EV_IO]		= { "io", { "port", "size", "write", "string",
					    "rep" }, U16, 1, "IO port",
				    MVMM_ANS_VALUE | MVMM_ANS_IGNORE },
	[MVMM_EV_MSR_READ]	= { "msr-read", { "index" }, U32, 1,
				    "MSR index", MVMM_ANS_VALUE },
	[MVMM_EV_MSR_WRITE]	= { "msr-write", { "index" }, U32, 1,
				    "MSR index", MVMM_ANS_IGNORE },
	[MVMM_EV_MONITOR]	= { "monitor" },
	[MVMM_EV_MWAIT]		= { "mwait" },
	[MVMM_EV_PAUSE]		= { "pause" },
	[MVMM_EV_XSETBV]	= { "xsetbv", { "xcr" }, U32, 0, "XCR index" },
	[MVMM_EV_NPF]		= { "npf", { "gpa", "errcode", "write", "fetch" },
				    U64, 1 },
	[MVMM_EV_MMIO]		= { "mmio", { "gpa", "size", "write", "fetch" },
				    U64, 1, NULL, MVMM_ANS_VALUE | MVMM_ANS_IGNORE },
	/* The offset is within the 4 KiB APIC page. */
	[MVMM_EV_APIC_ACCESS]	= { "apic", { "offset", "eoi-vector", "write",
					      "fetch" }, 0xfff, 1,
				    "APIC register offset" },
	[MVMM_EV_NESTED]	= { "nested", { "insn" }, MVMM_NESTED_VMFUNC, 0,
				    "nested instruction (VMFUNC)" },
	[MVMM_EV_SHUTDOWN]	= { "shutdown" },
	[MVMM_EV_XSAVES]	= { "xsaves" },
	[MVMM_EV_PREEMPT_TIMER]	= { "preempt-timer" },
	[MVMM_EV_FAILED_ENTRY]	= { "failed-entry" },
};

/*
 * A type added at the end of enum mvmm_event_type without an entry here
 * breaks the build; a hole in the middle is caught by the unit tests.
 */
_Static_assert(ARRAY_SIZE(mvmm_events) == __MVMM_EV_MAX,
	       "mvmm_events[] must describe every event type");

const struct mvmm_event_desc *mvmm_event_desc(unsigned int type)
{
	return type < __MVMM_EV_MAX ? &mvmm_events[type] : NULL;
}

const char *mvmm_event_name(unsigned int type)
{
	if (type >= __MVMM_EV_MAX)
		return NULL;
	return mvmm_events[type].name;
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
		if (mvmm_events[i].name && mvmm_streq(mvmm_events[i].name, name))
			return i;
	return -1;
}

int mvmm_is_qual_keyword(const char *word)
{
	unsigned int i;

	for (i = 0; i < __MVMM_EV_MAX; i++)
		if (mvmm_events[i].quals[0] &&
		    mvmm_streq(mvmm_events[i].quals[0], word))
			return 1;
	return 0;
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

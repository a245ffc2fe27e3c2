// SPDX-License-Identifier: GPL-2.0
/*
 * Qualifier keywords per event type, from the table in uapi/linux/mvmm.h:
 * "qual" first, then "sub" and the flags that apply. Every event also has
 * an origin (L1 or L2 guest), which is not listed here.
 */
#include <stddef.h>
#include <string.h>

#include <linux/mvmm.h>

#include "quals.h"

#define U8	0xffULL
#define U16	0xffffULL
#define U32	0xffffffffULL
#define U64	UINT64_MAX

static const struct mvmm_evquals quals[__MVMM_EV_MAX] = {
	/* SVM exit codes include -1 (VMEXIT_INVALID) as a 64-bit value. */
	[MVMM_EV_OTHER]		= { { "reason" }, U64, true },
	/* Exceptions are vectors 0-31 by definition. */
	[MVMM_EV_EXCEPTION]	= { { "vector", "errcode" }, 31, false },
	[MVMM_EV_INTR]		= { { "vector" }, U8, false },
	[MVMM_EV_SIPI]		= { { "vector" }, U8, false },
	[MVMM_EV_TASK_SWITCH]	= { { "selector" }, U16, true },
	[MVMM_EV_CPUID]		= { { "leaf", "subleaf" }, U32, true },
	[MVMM_EV_INVLPG]	= { { "addr" }, U64, true },
	[MVMM_EV_RDPMC]		= { { "counter" }, U32, true },
	[MVMM_EV_HYPERCALL]	= { { "nr" }, U64, false },
	[MVMM_EV_CR_ACCESS]	= { { "nr", "gpr", "write" }, 15, false },
	[MVMM_EV_DR_ACCESS]	= { { "nr", "gpr", "write" }, 15, false },
	[MVMM_EV_IO]		= { { "port", "size", "write", "string", "rep" },
				    U16, true },
	[MVMM_EV_MSR_READ]	= { { "index" }, U32, true },
	[MVMM_EV_MSR_WRITE]	= { { "index" }, U32, true },
	[MVMM_EV_XSETBV]	= { { "xcr" }, U32, false },
	[MVMM_EV_NPF]		= { { "gpa", "errcode", "write", "fetch" },
				    U64, true },
	[MVMM_EV_MMIO]		= { { "gpa", "size", "write", "fetch" },
				    U64, true },
	/* The offset is within the 4 KiB APIC page. */
	[MVMM_EV_APIC_ACCESS]	= { { "offset", "eoi-vector", "write", "fetch" },
				    0xfff, true },
	[MVMM_EV_NESTED]	= { { "insn" }, MVMM_NESTED_VMFUNC, false },
};

const struct mvmm_evquals *mvmm_evquals(unsigned int type)
{
	return type < __MVMM_EV_MAX ? &quals[type] : NULL;
}

bool mvmm_is_qual_keyword(const char *word)
{
	unsigned int t;

	for (t = 0; t < __MVMM_EV_MAX; t++)
		if (quals[t].names[0] && !strcmp(quals[t].names[0], word))
			return true;
	return false;
}

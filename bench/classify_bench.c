// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction count of the portable classifier, for `make -C bench
 * classify`, which runs this program under callgrind:
 *
 *   classify_bench svm|vmx classify|baseline N
 *
 * "classify" classifies N exits taken round-robin from a realistic mix of
 * encodings of one vendor; "baseline" runs the same loop over the same
 * data without the call. The difference of the two callgrind totals,
 * divided by N, is the cost of one classification (call included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define noinline	__attribute__((noinline))

#define MIX_SIZE	64	/* power of two: the loop indexes with a mask */

struct mix_entry {
	unsigned int weight;	/* out of MIX_SIZE */
	struct mvmm_exit_info x;
};

/*
 * Roughly what a Linux guest with virtio-less legacy devices produces:
 * port IO, MMIO and RAM faults, MSRs, HLT, interrupts, some CPUID and
 * exceptions. Encodings are the AMD APM's.
 */
static const struct mix_entry svm_mix[] = {
	{ 6, { .reason = 0x7b, .info1 = 0x00600011 } },	/* in al, 0x60 */
	{ 6, { .reason = 0x7b, .info1 = 0x03f80010 } },	/* out dx, al */
	{ 4, { .reason = 0x7b, .info1 = 0x0cfc0041 } },	/* in eax, dx */
	{ 2, { .reason = 0x7b, .info1 = 0x03f80e1c } },	/* rep outsb */
	{ 2, { .reason = 0x72, .rax = 0x1 } },			/* cpuid */
	{ 1, { .reason = 0x72, .rax = 0x7, .rcx = 0 } },
	{ 1, { .reason = 0x72, .rax = 0x40000001 } },
	{ 3, { .reason = 0x7c, .info1 = 0, .rcx = 0x1b } },	/* rdmsr */
	{ 5, { .reason = 0x7c, .info1 = 1, .rcx = 0x6e0 } },	/* wrmsr */
	{ 8, { .reason = 0x400, .info1 = 0x10000000bULL,	/* MMIO */
	       .info2 = 0xfebf0000 } },
	{ 4, { .reason = 0x400, .info1 = 0x100000006ULL,	/* RAM */
	       .info2 = 0x12345000 } },
	{ 6, { .reason = 0x78 } },				/* hlt */
	{ 6, { .reason = 0x60 } },				/* intr */
	{ 2, { .reason = 0x64 } },				/* vintr */
	{ 1, { .reason = 0x77 } },				/* pause */
	{ 2, { .reason = 0x81, .rax = 12 } },			/* vmmcall */
	{ 2, { .reason = 0x4e, .info1 = 2,			/* #PF */
	       .info2 = 0xffffc90000001000ULL } },
	{ 1, { .reason = 0x46 } },				/* #UD */
	{ 1, { .reason = 0x4d, .info1 = 0 } },			/* #GP */
	{ 1, { .reason = 0x74 } },				/* iret */
};

/* The same workload with the Intel SDM's encodings. */
static const struct mix_entry vmx_mix[] = {
	{ 6, { .reason = 30, .info1 = 0x00600048 } },		/* in al, 0x60 */
	{ 6, { .reason = 30, .info1 = 0x03f80000 } },		/* out dx, al */
	{ 4, { .reason = 30, .info1 = 0x0cfc000b } },		/* in eax, dx */
	{ 2, { .reason = 30, .info1 = 0x03f80030 } },		/* rep outsb */
	{ 2, { .reason = 10, .rax = 0x1 } },			/* cpuid */
	{ 1, { .reason = 10, .rax = 0x7, .rcx = 0 } },
	{ 1, { .reason = 10, .rax = 0x40000001 } },
	{ 3, { .reason = 31, .rcx = 0x1b } },			/* rdmsr */
	{ 5, { .reason = 32, .rcx = 0x6e0 } },			/* wrmsr */
	{ 8, { .reason = 49, .gpa = 0xfebf0000 } },		/* MMIO */
	{ 4, { .reason = 48, .info1 = 0x182,			/* RAM */
	       .gpa = 0x12345000 } },
	{ 6, { .reason = 12 } },				/* hlt */
	{ 6, { .reason = 1, .intr_info = 0x800000ec } },	/* intr */
	{ 2, { .reason = 7 } },					/* intr window */
	{ 1, { .reason = 40 } },				/* pause */
	{ 2, { .reason = 18, .rax = 12 } },			/* vmcall */
	{ 2, { .reason = 0, .intr_info = 0x80000b0e,		/* #PF */
	       .error_code = 2 } },
	{ 1, { .reason = 0, .intr_info = 0x80000306 } },	/* #UD */
	{ 1, { .reason = 0, .intr_info = 0x80000b0d } },	/* #GP */
	{ 1, { .reason = 8 } },					/* NMI window */
};

static struct mvmm_exit_info mix[MIX_SIZE];

/* Spread the weighted entries over mix[] so that kinds interleave. */
static int build_mix(const struct mix_entry *m, unsigned int n)
{
	unsigned int i, k, total = 0, pos = 0;

	for (i = 0; i < n; i++)
		total += m[i].weight;
	if (total != MIX_SIZE)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < m[i].weight; k++) {
			mix[pos] = m[i].x;
			pos = (pos + 37) % MIX_SIZE;	/* 37 is odd: a permutation */
		}
	return 0;
}

typedef int (*classify_fn)(const struct mvmm_exit_info *, struct mvmm_event *);

static noinline unsigned long long
run_classify(classify_fn fn, unsigned long n)
{
	unsigned long long sink = 0;
	struct mvmm_event ev;
	unsigned long i;

	for (i = 0; i < n; i++) {
		fn(&mix[i & (MIX_SIZE - 1)], &ev);
		sink += ev.type;
	}
	return sink;
}

static noinline unsigned long long
run_baseline(unsigned long n)
{
	unsigned long long sink = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		sink += mix[i & (MIX_SIZE - 1)].reason;
	return sink;
}

int main(int argc, char **argv)
{
	const struct mix_entry *m;
	classify_fn fn;
	unsigned long n;
	unsigned int count;

	if (argc != 4)
		goto usage;
	if (!strcmp(argv[1], "svm")) {
		m = svm_mix;
		count = ARRAY_SIZE(svm_mix);
		fn = mvmm_classify_svm;
	} else if (!strcmp(argv[1], "vmx")) {
		m = vmx_mix;
		count = ARRAY_SIZE(vmx_mix);
		fn = mvmm_classify_vmx;
	} else {
		goto usage;
	}
	n = strtoul(argv[3], NULL, 0);
	if (!n || build_mix(m, count)) {
		fprintf(stderr, "bad count or mix weights\n");
		return 1;
	}
	/* The sink is printed so that neither loop is optimised away. */
	if (!strcmp(argv[2], "classify"))
		printf("%llu\n", run_classify(fn, n));
	else if (!strcmp(argv[2], "baseline"))
		printf("%llu\n", run_baseline(n));
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: %s svm|vmx classify|baseline N\n", argv[0]);
	return 2;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Portable exit classification: vendor exit information in, one
 * struct mvmm_event out. Plain C with only <linux/types.h> and the uapi
 * header, so that the same file is built into the module and into the
 * userspace unit tests, fuzzers and instruction-count benchmarks.
 */
#ifndef _MVMM_CORE_CLASSIFY_H
#define _MVMM_CORE_CLASSIFY_H

#include <linux/types.h>
#include <linux/mvmm.h>

/*
 * What the vendor tells us about one exit, as returned by KVM's
 * kvm_x86_ops.get_exit_info() plus the few guest registers that carry
 * qualifiers (CPUID leaf, MSR index, hypercall number).
 */
struct mvmm_exit_info {
	__u32 reason;		/* SVM: EXITCODE; VMX: full exit reason */
	__u32 intr_info;	/* SVM: EXITINTINFO; VMX: VM-exit intr. info */
	__u64 info1;		/* SVM: EXITINFO1; VMX: exit qualification */
	__u64 info2;		/* SVM: EXITINFO2; VMX: IDT-vectoring info */
	__u32 error_code;	/* exception error code when valid */
	__u32 l2;		/* non-zero: a nested (L2) guest was running */
	__u64 gpa;		/* VMX only: guest-physical address field */
	__u64 rax;		/* guest RAX */
	__u64 rcx;		/* guest RCX */
};

/* Both return 0, or -1 for an exit code they do not know (type OTHER). */
int mvmm_classify_svm(const struct mvmm_exit_info *x, struct mvmm_event *ev);
int mvmm_classify_vmx(const struct mvmm_exit_info *x, struct mvmm_event *ev);

/*
 * The type alone (enum mvmm_event_type), as the functions above decide it,
 * for far fewer instructions: what counting every exit needs. Only
 * reason, info1, intr_info and l2 of @x are read.
 */
int mvmm_exit_type_svm(const struct mvmm_exit_info *x);
int mvmm_exit_type_vmx(const struct mvmm_exit_info *x);

/* Qualifier keywords an event type has at most (mvmm_event_desc). */
#define MVMM_EVENT_QUALS	6

/* The results a pre-registered answer may give (struct mvmm_event_desc). */
enum {
	MVMM_ANS_VALUE = 1 << 0,	/* reads: a value */
	MVMM_ANS_IGNORE = 1 << 1,	/* writes: done, nothing written */
	MVMM_ANS_REGS = 1 << 2,		/* CPUID: some register */
};

/**
 * struct mvmm_event_desc - an event type as the ABI names it
 * @name: short lower-case name ("io", "msr-read")
 * @quals: keywords of the qualifiers: the first is struct mvmm_event
 *	.qual, whose ranges rules match ("port" for io), then .sub and the
 *	flags that apply; NULL after the last, and first if there is none
 * @max: the largest .qual the classifiers give: a rule's range beyond it
 *	is refused, unless @max is all ones (any value)
 * @hex: values of .qual read best in hex
 * @what: what .qual is, for the refusal ("IO port"), when @max limits it
 * @answers: the results a pre-registered answer to it may give
 *	(MVMM_ANS_*); 0: it has none
 */
struct mvmm_event_desc {
	const char *name;
	const char *quals[MVMM_EVENT_QUALS];
	__u64 max;
	int hex;
	const char *what;
	unsigned int answers;
};

/* The description of event type @type, or NULL for one out of the enum. */
const struct mvmm_event_desc *mvmm_event_desc(unsigned int type);

/* Short lower-case name of an event type ("io", "msr-read"), or NULL. */
const char *mvmm_event_name(unsigned int type);

/* Is @word the first qualifier keyword of some event type (1, else 0)? */
int mvmm_is_qual_keyword(const char *word);

/* Inverse of mvmm_event_name(): the event type named @name, or -1. */
int mvmm_event_lookup(const char *name);

/*
 * Is @name spelt as a handler or group name may be (1, else 0): 1 to
 * MVMM_HANDLER_NAME_LEN - 1 characters of [a-zA-Z0-9_.-]? ("main", which
 * names KVM in rules, is spelt so too: the module refuses it.)
 */
int mvmm_name_ok(const char *name);

#endif /* _MVMM_CORE_CLASSIFY_H */

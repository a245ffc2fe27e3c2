// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and refused rule requests of the "mvmm" family.
 *
 * Each case is one request that differs from a valid one in one way
 * (a bad value, a wrong attribute length, a missing attribute, a conflict,
 * an unprivileged sender ...). For each the test checks:
 *
 *  - the errno the kernel returned;
 *  - the extended ACK message (NLMSGERR_ATTR_MSG), exactly;
 *  - the attribute it blames (NLMSGERR_ATTR_OFFS, the offset of that
 *    attribute in the request), or that it blames none;
 *  - the cookie (the conflicting rule's id) for overlaps and taken ids;
 *  - the missing attribute the kernel names (NLMSGERR_ATTR_MISS_TYPE), or
 *    that it names none;
 *  - that neither the VM's table nor the default table changed (a dump
 *    before and after, compared field by field).
 *
 * The valid requests the cases derive from are sent too, first, and must
 * be accepted: a refusal is then due to the one defect. Rules at the edge
 * of what is valid (the last IO port, a range up to U64_MAX, ...) are
 * added and deleted again, each a test of its own. A live VM (this
 * program's) and the handler "testsec" (mvmm_testsec.ko, loaded from the
 * directory of $MVMM_KO) must exist: their absence is a failure.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "testsec.h"

#define NOBODY		65534
#define MISSING_VM	0x7ffffff0U
#define MISSING_RULE	77777U
/* The seed rules in both tables: explicit ids, so cookies are known. */
#define SEED_IO		4000001U
#define SEED_CPUID	4000002U
#define MAX_RULES	64

/* Who the kernel must blame (NLMSGERR_ATTR_OFFS). */
enum blame {
	B_NONE, B_VM_ID, B_DEFAULT, B_RULE, B_ID, B_TYPE, B_LO, B_HI,
	B_ORIGIN, B_MODE, B_FALLBACK, B_TARGET, B_EXTRA, B_NR,
	B_DUMP_VM_ID,	/* VM_ID where the kernel says it in NLMSG_DONE */
};

/* Is the running kernel @major.@minor or later? */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	TEST_ASSERT(!uname(&u) && sscanf(u.release, "%d.%d", &a, &b) == 2,
		    "uname: %s", strerror(errno));
	return a > major || (a == major && b >= minor);
}

static const char *const blame_names[B_NR] = {
	"nothing", "VM_ID", "DEFAULT", "RULE", "RULE_ID", "RULE_TYPE",
	"RULE_LO", "RULE_HI", "RULE_ORIGIN", "RULE_MODE", "RULE_FALLBACK",
	"RULE_TARGET", "the extra attribute",
};

/* Which table attributes the request carries. */
enum table {
	T_VM,		/* this program's VM */
	T_DEFAULT,
	T_BOTH,		/* VM_ID and DEFAULT */
	T_NONE,
	T_VM_ZERO,	/* VM_ID 0 */
	T_VM_MISSING,	/* a VM id nobody has */
	T_VM_U64,	/* VM_ID sent as 8 bytes */
};

#define F_ID		(1 << 0)
#define F_TYPE		(1 << 1)
#define F_LO		(1 << 2)
#define F_HI		(1 << 3)
#define F_ORIGIN	(1 << 4)
#define F_MODE		(1 << 5)
#define F_FALLBACK	(1 << 6)
#define F_TARGET	(1 << 7)
#define F_ALL_BUT_ID	(F_TYPE | F_LO | F_HI | F_ORIGIN | F_MODE | \
			 F_FALLBACK | F_TARGET)

struct ecase {
	const char *name;
	uint8_t cmd;
	bool dump;
	enum table table;
	bool no_rule;		/* no MVMM_A_RULE at all */
	bool rule_flagless;	/* MVMM_A_RULE without NLA_F_NESTED */
	unsigned int fields;	/* F_*: the MVMM_A_RULE_* sent */
	uint32_t id, type;
	uint64_t lo, hi;
	uint8_t origin, mode, fallback;
	const char *target;
	bool target_no_nul;
	enum blame short_attr;	/* send this attribute with short_len bytes */
	int short_len;
	int extra_top;		/* a top-level attribute of this type (0: none) */
	int extra_rule;		/* one inside MVMM_A_RULE (0: none) */
	bool as_nobody;
	/* expected */
	int err;
	const char *msg;
	enum blame blame;
	uint32_t cookie;	/* rule id in the cookie, 0: no cookie */
	uint32_t miss;		/* NLMSGERR_ATTR_MISS_TYPE, 0: none */
};

/* A valid add: the cases below change one thing of it. */
#define GOOD_ADD	.cmd = MVMM_CMD_RULE_ADD, .fields = F_ALL_BUT_ID, \
			.type = MVMM_EV_IO, .lo = 0x5f0, .hi = 0x5f0, \
			.target = TESTSEC_NAME

#define E_RANGE		"integer out of range"
#define E_POLICY	"Attribute failed policy validation"
#define E_LENGTH	"invalid attribute length"
#define E_UNKNOWN	"Unknown attribute type"
#define E_TABLE		"name exactly one table: VM_ID or DEFAULT"
#define E_NO_VM		"no VM with this id"
#define E_NO_RULE	"no rule with this id"
#define E_OVERLAP	"range overlaps another rule"
#define E_FASTPATH	"writes to MSRs 0x6e0 and 0x830 are completed in KVM's fastpath: no handler can get them, not even in observe mode"
#define E_SYNC		"a secondary cannot complete this event type; use observe mode"
#define E_PERM		"CAP_NET_ADMIN required"
#define E_DEL_ONLY_ID	"RULE_DEL takes only RULE_ID in RULE"
#define E_FLUSH_RULE	"RULE_FLUSH takes no RULE: it empties the whole table"
#define E_NO_VM_ID	"missing VM_ID (to list every VM, send a dump: NLM_F_DUMP)"
/* Qualifier limits (kmod/nl_rule.c): @max as the kernel spells it. */
#define E_LO(max, what)	"RULE_LO above " max ", the last " what \
			": the rule could never match"
#define E_HI(max, what)	"RULE_HI above " max ", the last " what \
			" (U64_MAX means: up to the last)"
#define E_UD_ONLY	"of the exceptions, only #UD (vector 6) can be completed" \
			" by a secondary; use observe mode for the others"
#define E_LO_NOQUAL	"RULE_LO must be 0: this event type has no qualifier"
#define E_HI_NOQUAL	"RULE_HI must be 0 or U64_MAX: this event type has no qualifier"

static const char long_name[] = "a_handler_name_of_forty_characters_xxxxx";
static const char name31[] = "nosuch_handler_name_31_chars_xx";
static const char name32[] = "nosuch_handler_name_32_chars_xxx";

static const struct ecase cases[] = {
	/* Values out of range */
	{ "type above MVMM_EV_MAX", GOOD_ADD, .type = MVMM_EV_MAX + 1,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_TYPE },
	{ "type 0xffffffff", GOOD_ADD, .type = 0xffffffff,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_TYPE },
	{ "inverted range (lo > hi)", GOOD_ADD, .lo = 0x5f8, .hi = 0x5f0,
	  .err = -EINVAL, .msg = "range end below its start", .blame = B_HI },
	{ "origin 3", GOOD_ADD, .origin = 3,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_ORIGIN },
	{ "mode 2", GOOD_ADD, .mode = 2,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_MODE },
	{ "fallback 2", GOOD_ADD, .fallback = 2,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_FALLBACK },
	{ "rule id 0 on add", GOOD_ADD, .fields = F_ALL_BUT_ID | F_ID, .id = 0,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_ID },

	/* Conflicts with the seed rules */
	{ "overlap in the VM's table", GOOD_ADD, .lo = 0x5e4, .hi = 0x5e4,
	  .err = -EEXIST, .msg = E_OVERLAP, .blame = B_RULE, .cookie = SEED_IO },
	{ "overlap in the default table", GOOD_ADD, .table = T_DEFAULT,
	  .lo = 0x5e7, .hi = 0x5f0,
	  .err = -EEXIST, .msg = E_OVERLAP, .blame = B_RULE, .cookie = SEED_IO },
	{ "whole type over a range", GOOD_ADD, .fields = F_TYPE | F_TARGET,
	  .err = -EEXIST, .msg = E_OVERLAP, .blame = B_RULE, .cookie = SEED_IO },
	{ "duplicate rule id", GOOD_ADD, .fields = F_ALL_BUT_ID | F_ID,
	  .id = SEED_CPUID,
	  .err = -EEXIST, .msg = "rule id already in use", .blame = B_RULE,
	  .cookie = SEED_CPUID },

	/* Targets */
	{ "unknown handler", GOOD_ADD, .target = "nosuch",
	  .err = -ENOENT, .msg = "no handler of this name was ever registered",
	  .blame = B_TARGET },
	{ "handler name of 31 characters (fits, unknown)", GOOD_ADD,
	  .target = name31,
	  .err = -ENOENT, .msg = "no handler of this name was ever registered",
	  .blame = B_TARGET },
	{ "handler name of 32 characters", GOOD_ADD, .target = name32,
	  .err = -EINVAL, .msg = E_POLICY, .blame = B_TARGET },
	{ "handler name of 40 characters", GOOD_ADD, .target = long_name,
	  .err = -EINVAL, .msg = E_POLICY, .blame = B_TARGET },
	{ "target without its NUL", GOOD_ADD, .target = "main",
	  .target_no_nul = true,
	  .err = -EINVAL, .msg = E_POLICY, .blame = B_TARGET },
	{ "sync handler rule for RDTSC", GOOD_ADD, .type = MVMM_EV_RDTSC,
	  .fields = F_TYPE | F_TARGET,
	  .err = -EOPNOTSUPP, .msg = E_SYNC, .blame = B_TYPE },
	{ "sync handler rule for NMI", GOOD_ADD, .type = MVMM_EV_NMI,
	  .fields = F_TYPE | F_MODE | F_TARGET,
	  .err = -EOPNOTSUPP, .msg = E_SYNC, .blame = B_TYPE },
	/*
	 * KVM intercepts the other exceptions for its own needs (#DB on SVM
	 * for NMI single-stepping, #PF for shadow paging, ...): a sync rule
	 * would take them from it.
	 */
	{ "sync handler rule for #DB (vector 1)", GOOD_ADD,
	  .type = MVMM_EV_EXCEPTION, .lo = 1, .hi = 1,
	  .err = -EOPNOTSUPP, .msg = E_UD_ONLY, .blame = B_LO },
	{ "sync handler rule for exceptions 0-31", GOOD_ADD,
	  .type = MVMM_EV_EXCEPTION, .lo = 0, .hi = 31,
	  .err = -EOPNOTSUPP, .msg = E_UD_ONLY, .blame = B_LO },
	{ "sync handler rule for MSR writes 0x600-0x6ff", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .lo = 0x600, .hi = 0x6ff,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_LO },
	{ "sync handler rule for MSR write 0x830", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .lo = 0x830, .hi = 0x830,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_LO },
	{ "sync handler rule for every MSR write", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .fields = F_TYPE | F_TARGET,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_RULE },
	{ "observe handler rule for MSR write 0x6e0", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .lo = 0x6e0, .hi = 0x6e0,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_LO },
	{ "observe handler rule for MSR writes 0x800-0x8ff", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .lo = 0x800, .hi = 0x8ff,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_LO },
	{ "observe handler rule for every MSR write", GOOD_ADD,
	  .type = MVMM_EV_MSR_WRITE, .fields = F_TYPE | F_MODE | F_TARGET,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -EOPNOTSUPP, .msg = E_FASTPATH, .blame = B_RULE },

	/* Ranges beyond the largest qualifier of the type */
	{ "IO port 0x10000", GOOD_ADD, .lo = 0x10000, .hi = 0x10000,
	  .err = -ERANGE, .msg = E_LO("0xffff", "IO port"), .blame = B_LO },
	{ "IO ports 0x5f0-0x10000", GOOD_ADD, .hi = 0x10000,
	  .err = -ERANGE, .msg = E_HI("0xffff", "IO port"), .blame = B_HI },
	{ "IO ports up to U64_MAX - 1", GOOD_ADD, .hi = UINT64_MAX - 1,
	  .err = -ERANGE, .msg = E_HI("0xffff", "IO port"), .blame = B_HI },
	{ "IO port 0x10000 as LO alone", GOOD_ADD, .lo = 0x10000,
	  .fields = F_ALL_BUT_ID & ~F_HI,
	  .err = -ERANGE, .msg = E_LO("0xffff", "IO port"), .blame = B_LO },
	{ "exception vector 32", GOOD_ADD, .type = MVMM_EV_EXCEPTION,
	  .lo = 32, .hi = 40,
	  .err = -ERANGE, .msg = E_LO("31", "exception vector"), .blame = B_LO },
	{ "exception vectors 14-32", GOOD_ADD, .type = MVMM_EV_EXCEPTION,
	  .lo = 14, .hi = 32,
	  .err = -ERANGE, .msg = E_HI("31", "exception vector"), .blame = B_HI },
	{ "CR 16", GOOD_ADD, .type = MVMM_EV_CR_ACCESS, .lo = 16, .hi = 16,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("15", "control register"), .blame = B_LO },
	{ "DR 0-16", GOOD_ADD, .type = MVMM_EV_DR_ACCESS, .lo = 0, .hi = 16,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_HI("15", "debug register"), .blame = B_HI },
	{ "interrupt vector 0x100", GOOD_ADD, .type = MVMM_EV_INTR,
	  .lo = 0x100, .hi = 0x100, .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("0xff", "interrupt vector"), .blame = B_LO },
	{ "SIPI vector 0x100", GOOD_ADD, .type = MVMM_EV_SIPI,
	  .lo = 0x100, .hi = 0x100, .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("0xff", "SIPI vector"), .blame = B_LO },
	{ "TSS selector 0x10000", GOOD_ADD, .type = MVMM_EV_TASK_SWITCH,
	  .lo = 0x10000, .hi = 0x10000, .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("0xffff", "TSS selector"), .blame = B_LO },
	{ "CPUID leaf 2^32", GOOD_ADD, .type = MVMM_EV_CPUID,
	  .lo = 0x100000000ULL, .hi = 0x100000000ULL,
	  .err = -ERANGE, .msg = E_LO("0xffffffff", "CPUID leaf"), .blame = B_LO },
	{ "RDPMC counter 2^32", GOOD_ADD, .type = MVMM_EV_RDPMC,
	  .lo = 0x100000000ULL, .hi = 0x100000000ULL,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("0xffffffff", "performance counter (ECX)"),
	  .blame = B_LO },
	{ "MSR reads 0xc0000080-2^32", GOOD_ADD, .type = MVMM_EV_MSR_READ,
	  .lo = 0xc0000080, .hi = 0x100000000ULL,
	  .err = -ERANGE, .msg = E_HI("0xffffffff", "MSR index"), .blame = B_HI },
	{ "MSR write 2^32", GOOD_ADD, .type = MVMM_EV_MSR_WRITE,
	  .lo = 0x100000000ULL, .hi = 0x100000000ULL,
	  .err = -ERANGE, .msg = E_LO("0xffffffff", "MSR index"), .blame = B_LO },
	{ "XCR 2^32", GOOD_ADD, .type = MVMM_EV_XSETBV,
	  .lo = 0x100000000ULL, .hi = 0x100000000ULL,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("0xffffffff", "XCR index"), .blame = B_LO },
	{ "APIC offset 0x1000", GOOD_ADD, .type = MVMM_EV_APIC_ACCESS,
	  .lo = 0x300, .hi = 0x1000, .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_HI("0xfff", "APIC register offset"),
	  .blame = B_HI },
	{ "nested instruction 19", GOOD_ADD, .type = MVMM_EV_NESTED,
	  .lo = MVMM_NESTED_VMFUNC + 1, .hi = MVMM_NESTED_VMFUNC + 1,
	  .mode = MVMM_MODE_OBSERVE,
	  .err = -ERANGE, .msg = E_LO("18", "nested instruction (VMFUNC)"),
	  .blame = B_LO },
	{ "HLT with LO 1 (no qualifier)", GOOD_ADD, .type = MVMM_EV_HLT,
	  .lo = 1, .hi = 1,
	  .err = -ERANGE, .msg = E_LO_NOQUAL, .blame = B_LO },
	{ "HLT with HI 1 (no qualifier)", GOOD_ADD, .type = MVMM_EV_HLT,
	  .lo = 0, .hi = 1,
	  .err = -ERANGE, .msg = E_HI_NOQUAL, .blame = B_HI },
	{ "RDTSC with LO 5 alone (no qualifier)", GOOD_ADD,
	  .type = MVMM_EV_RDTSC, .lo = 5, .mode = MVMM_MODE_OBSERVE,
	  .fields = F_ALL_BUT_ID & ~F_HI,
	  .err = -ERANGE, .msg = E_LO_NOQUAL, .blame = B_LO },
	{ "range checked before the target", GOOD_ADD, .lo = 0x10000,
	  .hi = 0x10000, .target = "nosuch",
	  .err = -ERANGE, .msg = E_LO("0xffff", "IO port"), .blame = B_LO },

	/* Tables */
	{ "VM id 0", GOOD_ADD, .table = T_VM_ZERO,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_VM_ID },
	{ "no VM with this id", GOOD_ADD, .table = T_VM_MISSING,
	  .err = -ENOENT, .msg = E_NO_VM, .blame = B_VM_ID },
	{ "both VM_ID and DEFAULT", GOOD_ADD, .table = T_BOTH,
	  .err = -EINVAL, .msg = E_TABLE, .blame = B_DEFAULT },
	{ "neither VM_ID nor DEFAULT", GOOD_ADD, .table = T_NONE,
	  .err = -EINVAL, .msg = E_TABLE, .blame = B_NONE },

	/* Attribute types and lengths */
	{ "VM_ID as u64", GOOD_ADD, .table = T_VM_U64,
	  .err = -EINVAL, .msg = E_LENGTH, .blame = B_VM_ID },
	{ "RULE_TYPE as u8", GOOD_ADD, .short_attr = B_TYPE, .short_len = 1,
	  .err = -EINVAL, .msg = E_LENGTH, .blame = B_TYPE },
	{ "RULE_LO as u32", GOOD_ADD, .short_attr = B_LO, .short_len = 4,
	  .err = -EINVAL, .msg = E_LENGTH, .blame = B_LO },
	{ "RULE_ORIGIN as u32", GOOD_ADD, .short_attr = B_ORIGIN,
	  .short_len = 4,
	  .err = -EINVAL, .msg = E_LENGTH, .blame = B_ORIGIN },
	{ "RULE_ID as u16", GOOD_ADD, .fields = F_ALL_BUT_ID | F_ID, .id = 9,
	  .short_attr = B_ID, .short_len = 2,
	  .err = -EINVAL, .msg = E_LENGTH, .blame = B_ID },
	{ "RULE without NLA_F_NESTED", GOOD_ADD, .rule_flagless = true,
	  .err = -EINVAL, .msg = "NLA_F_NESTED is missing", .blame = B_RULE },
	{ "unknown attribute inside RULE", GOOD_ADD,
	  .extra_rule = MVMM_A_RULE_MAX + 3,
	  .err = -EINVAL, .msg = E_UNKNOWN, .blame = B_EXTRA },
	{ "unknown top-level attribute", GOOD_ADD, .extra_top = MVMM_A_MAX + 3,
	  .err = -EINVAL, .msg = E_UNKNOWN, .blame = B_EXTRA },
	{ "VM_PID in a rule request", GOOD_ADD, .extra_top = MVMM_A_VM_PID,
	  .err = -EINVAL, .msg = "Unsupported attribute", .blame = B_EXTRA },
	/* Each command has its own policy: what another command takes is refused. */
	{ "OP in a rule request", GOOD_ADD, .extra_top = MVMM_A_OP,
	  .err = -EINVAL, .msg = "Unsupported attribute", .blame = B_EXTRA },
	{ "GROUP in a GET_VM doit", .cmd = MVMM_CMD_GET_VM, .no_rule = true,
	  .extra_top = MVMM_A_GROUP,
	  .err = -EINVAL, .msg = "Unsupported attribute", .blame = B_EXTRA },

	/* Missing attributes */
	{ "add without RULE", GOOD_ADD, .no_rule = true,
	  .err = -EINVAL, .msg = "missing RULE attribute", .blame = B_NONE },
	{ "add without RULE_TYPE", GOOD_ADD, .fields = F_ALL_BUT_ID & ~F_TYPE,
	  .err = -EINVAL, .msg = "missing RULE_TYPE", .blame = B_RULE },
	{ "add without RULE_TARGET", GOOD_ADD,
	  .fields = F_ALL_BUT_ID & ~F_TARGET,
	  .err = -EINVAL, .msg = "missing RULE_TARGET", .blame = B_RULE },
	{ "replace without RULE_ID", GOOD_ADD, .cmd = MVMM_CMD_RULE_REPLACE,
	  .err = -EINVAL, .msg = "missing RULE_ID", .blame = B_RULE },
	{ "del without RULE_ID", .cmd = MVMM_CMD_RULE_DEL, .fields = 0,
	  .err = -EINVAL, .msg = "missing RULE_ID", .blame = B_RULE },
	{ "del without RULE", .cmd = MVMM_CMD_RULE_DEL, .no_rule = true,
	  .err = -EINVAL, .msg = "missing RULE attribute", .blame = B_NONE },
	{ "get VM without VM_ID", .cmd = MVMM_CMD_GET_VM, .table = T_NONE,
	  .no_rule = true,
	  .err = -EINVAL, .msg = E_NO_VM_ID, .blame = B_NONE,
	  .miss = MVMM_A_VM_ID },
	{ "get stats without VM_ID", .cmd = MVMM_CMD_GET_STATS,
	  .table = T_NONE, .no_rule = true,
	  .err = -EINVAL, .msg = E_NO_VM_ID, .blame = B_NONE,
	  .miss = MVMM_A_VM_ID },

	/* Attributes a command does not take (a seed rule's id: ignoring them would delete or flush it) */
	{ "del with RULE_TYPE (no RULE_TARGET)", .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_ID | F_TYPE, .id = SEED_IO, .type = MVMM_EV_IO,
	  .err = -EINVAL, .msg = E_DEL_ONLY_ID, .blame = B_TYPE },
	{ "del with the whole rule", GOOD_ADD, .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_ALL_BUT_ID | F_ID, .id = SEED_IO,
	  .err = -EINVAL, .msg = E_DEL_ONLY_ID, .blame = B_TYPE },
	{ "del with RULE_TARGET", .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_ID | F_TARGET, .id = SEED_IO, .target = TESTSEC_NAME,
	  .table = T_DEFAULT,
	  .err = -EINVAL, .msg = E_DEL_ONLY_ID, .blame = B_TARGET },
	{ "del with RULE_HI", .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_ID | F_HI, .id = SEED_IO, .hi = 0x5e7,
	  .err = -EINVAL, .msg = E_DEL_ONLY_ID, .blame = B_HI },
	{ "del with RULE_TYPE but no RULE_ID", .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_TYPE, .type = MVMM_EV_IO,
	  .err = -EINVAL, .msg = E_DEL_ONLY_ID, .blame = B_TYPE },
	{ "flush with a RULE", .cmd = MVMM_CMD_RULE_FLUSH, .fields = F_ID,
	  .id = SEED_IO,
	  .err = -EINVAL, .msg = E_FLUSH_RULE, .blame = B_RULE },
	{ "flush of the default table with a RULE", GOOD_ADD,
	  .cmd = MVMM_CMD_RULE_FLUSH, .table = T_DEFAULT,
	  .err = -EINVAL, .msg = E_FLUSH_RULE, .blame = B_RULE },
	{ "flush with an empty RULE", .cmd = MVMM_CMD_RULE_FLUSH, .fields = 0,
	  .err = -EINVAL, .msg = E_FLUSH_RULE, .blame = B_RULE },

	/* Rules that do not exist */
	{ "replace of a missing rule id", GOOD_ADD,
	  .cmd = MVMM_CMD_RULE_REPLACE, .fields = F_ALL_BUT_ID | F_ID,
	  .id = MISSING_RULE,
	  .err = -ENOENT, .msg = E_NO_RULE, .blame = B_RULE },
	{ "replace into an overlap", GOOD_ADD, .cmd = MVMM_CMD_RULE_REPLACE,
	  .fields = F_ALL_BUT_ID | F_ID, .id = SEED_CPUID, .lo = 0x5e2,
	  .hi = 0x5e2,
	  .err = -EEXIST, .msg = E_OVERLAP, .blame = B_RULE, .cookie = SEED_IO },
	{ "replace in a missing VM", GOOD_ADD, .cmd = MVMM_CMD_RULE_REPLACE,
	  .table = T_VM_MISSING, .fields = F_ALL_BUT_ID | F_ID, .id = SEED_IO,
	  .err = -ENOENT, .msg = E_NO_VM, .blame = B_VM_ID },
	{ "del of a missing rule id", .cmd = MVMM_CMD_RULE_DEL, .fields = F_ID,
	  .id = MISSING_RULE,
	  .err = -ENOENT, .msg = E_NO_RULE, .blame = B_RULE },
	{ "del of rule id 0", .cmd = MVMM_CMD_RULE_DEL, .fields = F_ID, .id = 0,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_ID },
	{ "del in a missing VM", .cmd = MVMM_CMD_RULE_DEL,
	  .table = T_VM_MISSING, .fields = F_ID, .id = SEED_IO,
	  .err = -ENOENT, .msg = E_NO_VM, .blame = B_VM_ID },
	{ "flush of a missing VM", .cmd = MVMM_CMD_RULE_FLUSH,
	  .table = T_VM_MISSING, .no_rule = true,
	  .err = -ENOENT, .msg = E_NO_VM, .blame = B_VM_ID },
	{ "flush of both tables", .cmd = MVMM_CMD_RULE_FLUSH, .table = T_BOTH,
	  .no_rule = true,
	  .err = -EINVAL, .msg = E_TABLE, .blame = B_DEFAULT },
	{ "flush of VM id 0", .cmd = MVMM_CMD_RULE_FLUSH, .table = T_VM_ZERO,
	  .no_rule = true,
	  .err = -ERANGE, .msg = E_RANGE, .blame = B_VM_ID },

	/*
	 * Dumps: a failed dump reports in NLMSG_DONE, which carries the
	 * offending attribute's offset on 6.12, not on 6.1.
	 */
	{ "dump of a missing VM's table", .cmd = MVMM_CMD_GET_RULE,
	  .dump = true, .table = T_VM_MISSING, .no_rule = true,
	  .err = -ENOENT, .msg = E_NO_VM, .blame = B_DUMP_VM_ID },
	{ "dump of no table", .cmd = MVMM_CMD_GET_RULE, .dump = true,
	  .table = T_NONE, .no_rule = true,
	  .err = -EINVAL, .msg = E_TABLE, .blame = B_NONE },

	/* Unprivileged callers (uid 65534, no capability) */
	{ "unprivileged add", GOOD_ADD, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged add to the default table", GOOD_ADD,
	  .table = T_DEFAULT, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged replace", GOOD_ADD, .cmd = MVMM_CMD_RULE_REPLACE,
	  .fields = F_ALL_BUT_ID | F_ID, .id = SEED_IO, .lo = 0x5e0,
	  .hi = 0x5e1, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged del", .cmd = MVMM_CMD_RULE_DEL, .fields = F_ID,
	  .id = SEED_IO, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged flush", .cmd = MVMM_CMD_RULE_FLUSH, .no_rule = true,
	  .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged flush of the default table", .cmd = MVMM_CMD_RULE_FLUSH,
	  .table = T_DEFAULT, .no_rule = true, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	/* The capability is checked before anything the request names. */
	{ "unprivileged add naming both tables", GOOD_ADD, .table = T_BOTH,
	  .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged add of an overlapping rule", GOOD_ADD, .lo = 0x5e4,
	  .hi = 0x5e4, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged del of a missing rule id", .cmd = MVMM_CMD_RULE_DEL,
	  .fields = F_ID, .id = MISSING_RULE, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
	{ "unprivileged flush of a missing VM", .cmd = MVMM_CMD_RULE_FLUSH,
	  .table = T_VM_MISSING, .no_rule = true, .as_nobody = true,
	  .err = -EPERM, .msg = E_PERM, .blame = B_NONE },
};

#define NR_CASES	ARRAY_SIZE(cases)

/* Rules at the edge of what is valid: each is added, found, deleted. */
struct acase {
	const char *name;
	bool in_default;	/* the default table, else the VM's */
	struct mvmm_rule_info r;
};

#define A_MAIN(t, l, h)	{ .type = (t), .lo = (l), .hi = (h), .target = "main" }

static const struct acase accepted[] = {
	{ "IO port 0xffff, the last", .r = A_MAIN(MVMM_EV_IO, 0xffff, 0xffff) },
	{ "IO ports 0xfff0 up to U64_MAX",
	  .r = A_MAIN(MVMM_EV_IO, 0xfff0, UINT64_MAX) },
	{ "IO port 0xffff in the default table", .in_default = true,
	  .r = A_MAIN(MVMM_EV_IO, 0xffff, 0xffff) },
	{ "every MSR read, sent as 0-U64_MAX",
	  .r = A_MAIN(MVMM_EV_MSR_READ, 0, UINT64_MAX) },
	{ "exception vector 31, the last",
	  .r = A_MAIN(MVMM_EV_EXCEPTION, 31, 31) },
	{ "CR 15", .r = A_MAIN(MVMM_EV_CR_ACCESS, 15, 15) },
	{ "APIC offsets 0-0xfff", .r = A_MAIN(MVMM_EV_APIC_ACCESS, 0, 0xfff) },
	{ "nested instruction 18 (VMFUNC)",
	  .r = A_MAIN(MVMM_EV_NESTED, MVMM_NESTED_VMFUNC, MVMM_NESTED_VMFUNC) },
	{ "CPUID leaf 0xffffffff",
	  .r = A_MAIN(MVMM_EV_CPUID, 0xffffffff, 0xffffffff) },
	{ "HLT with LO 0, HI 0", .r = A_MAIN(MVMM_EV_HLT, 0, 0) },
	{ "RDTSC with LO 0, HI U64_MAX",
	  .r = A_MAIN(MVMM_EV_RDTSC, 0, UINT64_MAX) },
	{ "hypercall nr U64_MAX - 1 (RAX: no limit)",
	  .r = A_MAIN(MVMM_EV_HYPERCALL, UINT64_MAX - 1, UINT64_MAX - 1) },
	{ "MMIO GPAs from 2^63 (no limit)",
	  .r = A_MAIN(MVMM_EV_MMIO, 1ULL << 63, UINT64_MAX - 1) },
	{ "OTHER qualifier 0x66 (no limit)",
	  .r = A_MAIN(MVMM_EV_OTHER, 0x66, 0x66) },
	{ "MSR write 0x830 to main (nothing to deliver)",
	  .r = A_MAIN(MVMM_EV_MSR_WRITE, 0x830, 0x830) },
	{ "observe MSR writes 0x6e1-0x82f, between the fastpath MSRs",
	  .r = { .type = MVMM_EV_MSR_WRITE, .lo = 0x6e1, .hi = 0x82f,
		 .mode = MVMM_MODE_OBSERVE, .target = TESTSEC_NAME } },
	{ "sync MSR writes 0x831-0xffffffff to a handler",
	  .r = { .type = MVMM_EV_MSR_WRITE, .lo = 0x831, .hi = 0xffffffff,
		 .target = TESTSEC_NAME } },
};

#define NR_ACCEPTED	ARRAY_SIZE(accepted)

static uint32_t vm_id;

/* Little-endian @v in @len bytes (the test runs on x86). */
static uint32_t put_sized(struct mvmm_msg *m, uint16_t type, uint64_t v,
			  int natural, enum blame who, const struct ecase *e)
{
	int len = e->short_attr == who ? e->short_len : natural;

	return mvmm_msg_put(m, type, &v, len);
}

/* Build @e's request; @off[] gets the offset of each attribute sent. */
static void build(struct mvmm_msg *m, uint16_t family, const struct ecase *e,
		  uint32_t off[B_NR])
{
	uint32_t u = 0;

	memset(off, 0, sizeof(uint32_t) * B_NR);
	mvmm_msg_init(m, family, e->cmd, e->dump ? NLM_F_DUMP : 0);
	switch (e->table) {
	case T_VM:
		off[B_VM_ID] = mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm_id);
		break;
	case T_DEFAULT:
		off[B_DEFAULT] = mvmm_msg_put_flag(m, MVMM_A_DEFAULT);
		break;
	case T_BOTH:
		off[B_VM_ID] = mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm_id);
		off[B_DEFAULT] = mvmm_msg_put_flag(m, MVMM_A_DEFAULT);
		break;
	case T_NONE:
		break;
	case T_VM_ZERO:
		off[B_VM_ID] = mvmm_msg_put_u32(m, MVMM_A_VM_ID, 0);
		break;
	case T_VM_MISSING:
		off[B_VM_ID] = mvmm_msg_put_u32(m, MVMM_A_VM_ID, MISSING_VM);
		break;
	case T_VM_U64:
		off[B_VM_ID] = mvmm_msg_put_u64(m, MVMM_A_VM_ID, vm_id);
		break;
	}
	if (e->extra_top)
		off[B_EXTRA] = mvmm_msg_put(m, e->extra_top, &u, sizeof(u));
	if (e->no_rule)
		return;

	off[B_RULE] = e->rule_flagless ? mvmm_msg_nest_raw(m, MVMM_A_RULE) :
					 mvmm_msg_nest(m, MVMM_A_RULE);
	if (e->fields & F_ID)
		off[B_ID] = put_sized(m, MVMM_A_RULE_ID, e->id, 4, B_ID, e);
	if (e->fields & F_TYPE)
		off[B_TYPE] = put_sized(m, MVMM_A_RULE_TYPE, e->type, 4, B_TYPE,
					e);
	if (e->fields & F_LO)
		off[B_LO] = put_sized(m, MVMM_A_RULE_LO, e->lo, 8, B_LO, e);
	if (e->fields & F_HI)
		off[B_HI] = put_sized(m, MVMM_A_RULE_HI, e->hi, 8, B_HI, e);
	if (e->fields & F_ORIGIN)
		off[B_ORIGIN] = put_sized(m, MVMM_A_RULE_ORIGIN, e->origin, 1,
					  B_ORIGIN, e);
	if (e->fields & F_MODE)
		off[B_MODE] = put_sized(m, MVMM_A_RULE_MODE, e->mode, 1, B_MODE,
					e);
	if (e->fields & F_FALLBACK)
		off[B_FALLBACK] = put_sized(m, MVMM_A_RULE_FALLBACK,
					    e->fallback, 1, B_FALLBACK, e);
	if (e->fields & F_TARGET)
		off[B_TARGET] = mvmm_msg_put(m, MVMM_A_RULE_TARGET, e->target,
					     strlen(e->target) +
					     !e->target_no_nul);
	if (e->extra_rule)
		off[B_EXTRA] = mvmm_msg_put(m, e->extra_rule, &u, sizeof(u));
	mvmm_msg_nest_end(m);
}

static int dump_cb(const struct nlattr *attrs, int len, void *arg)
{
	return 0;
}

/* Send @e's request as this process. */
static int send_case(struct mvmm_rsk *s, const struct ecase *e,
		     uint32_t off[B_NR], struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	build(&m, mvmm_rsk_family(s), e, off);
	return mvmm_rsk_talk(s, &m, dump_cb, NULL, ack);
}

/* Send @e's request from a child that dropped root and every capability. */
static int send_case_nobody(const struct ecase *e, uint32_t off[B_NR],
			    struct mvmm_ack *ack)
{
	int fds[2], status, ret;
	pid_t pid;

	TEST_ASSERT(!pipe(fds), "pipe: %s", strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct mvmm_rsk *s;

		close(fds[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		/* A uid change from 0 clears the effective capabilities. */
		if (!setuid(0))
			_exit(11);
		s = mvmm_rsk_open();
		if (!s)
			_exit(12);
		memset(ack, 0, sizeof(*ack));
		send_case(s, e, off, ack);
		if (write(fds[1], ack, sizeof(*ack)) != sizeof(*ack))
			_exit(13);
		_exit(0);
	}
	close(fds[1]);
	ret = read(fds[0], ack, sizeof(*ack));
	close(fds[0]);
	waitpid(pid, &status, 0);
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status) &&
		    ret == sizeof(*ack),
		    "Expected the unprivileged child to report, got status %#x",
		    status);
	/* The offsets are the same in the child's identical request. */
	{
		struct mvmm_msg m;

		build(&m, 0, e, off);
	}
	return ack->error;
}

struct tables {
	int n_vm, n_def;
	struct mvmm_rule_info vm[MAX_RULES], def[MAX_RULES];
};

static void dump_tables(struct mvmm_rsk *s, struct tables *t)
{
	memset(t, 0, sizeof(*t));
	t->n_vm = mvmm_rule_dump(s, vm_id, t->vm, MAX_RULES, NULL);
	t->n_def = mvmm_rule_dump(s, MVMM_TABLE_DEFAULT, t->def, MAX_RULES,
				  NULL);
	TEST_ASSERT(t->n_vm >= 0 && t->n_vm <= MAX_RULES &&
		    t->n_def >= 0 && t->n_def <= MAX_RULES,
		    "Expected dumps of VM %u's and the default table, got %d and %d",
		    vm_id, t->n_vm, t->n_def);
}

static bool same_tables(const struct tables *a, const struct tables *b)
{
	return a->n_vm == b->n_vm && a->n_def == b->n_def &&
	       !memcmp(a->vm, b->vm, sizeof(a->vm[0]) * a->n_vm) &&
	       !memcmp(a->def, b->def, sizeof(a->def[0]) * a->n_def);
}

static void print_tables(const char *what, const struct tables *t)
{
	char buf[200];
	int i;

	for (i = 0; i < t->n_vm; i++)
		printf("#   %s: vm %u %s\n", what, vm_id,
		       mvmm_rule_str(&t->vm[i], buf, sizeof(buf)));
	for (i = 0; i < t->n_def; i++)
		printf("#   %s: default %s\n", what,
		       mvmm_rule_str(&t->def[i], buf, sizeof(buf)));
}

static bool run_case(struct mvmm_rsk *s, const struct ecase *e)
{
	struct tables before, after;
	struct mvmm_ack ack;
	uint32_t off[B_NR], cookie = 0;
	enum blame blame;
	bool ok = true;
	int ret;

	dump_tables(s, &before);
	ret = e->as_nobody ? send_case_nobody(e, off, &ack) :
			     send_case(s, e, off, &ack);
	dump_tables(s, &after);

	if (ack.cookie_len == sizeof(cookie))
		memcpy(&cookie, ack.cookie, sizeof(cookie));
	printf("# %s: %s (%d), \"%s\", offset %s%u, cookie %d bytes %u, missing %u\n",
	       e->name, strerror(-ret), ret, ack.msg,
	       ack.has_offs ? "" : "none ", ack.offs, ack.cookie_len, cookie,
	       ack.miss_type);

	if (ret != e->err) {
		printf("#   expected errno %s (%d), got %d\n", strerror(-e->err),
		       e->err, ret);
		ok = false;
	}
	if (strcmp(ack.msg, e->msg)) {
		printf("#   expected message \"%s\"\n", e->msg);
		ok = false;
	}
	blame = e->blame;
	if (blame == B_DUMP_VM_ID)
		blame = kernel_at_least(6, 12) ? B_VM_ID : B_NONE;
	if (blame == B_NONE ? ack.has_offs :
	    !ack.has_offs || ack.offs != off[blame]) {
		printf("#   expected the offset of %s (%u)\n",
		       blame_names[blame], off[blame]);
		ok = false;
	}
	if (e->cookie ? ack.cookie_len != sizeof(cookie) ||
			cookie != e->cookie : ack.cookie_len != 0) {
		printf("#   expected cookie %u\n", e->cookie);
		ok = false;
	}
	if (ack.miss_type != e->miss) {
		printf("#   expected missing attribute %u\n", e->miss);
		ok = false;
	}
	if (!same_tables(&before, &after)) {
		printf("#   a table changed\n");
		print_tables("before", &before);
		print_tables("after", &after);
		ok = false;
	}
	return ok;
}

static void guest_code(void)
{
	GUEST_SYNC(0);
	GUEST_DONE();
}

static const char *testsec_path(char *buf, size_t len)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(buf, len, "%s/mvmm_testsec.ko", dirname(dir));
	return buf;
}

static void add_or_die(struct mvmm_rsk *s, uint32_t table,
		       const struct mvmm_rule_info *r)
{
	struct mvmm_ack ack;
	uint32_t id;
	char buf[200];
	int ret = mvmm_rule_add(s, table, r, &id, &ack);

	TEST_ASSERT(!ret && id == r->id,
		    "Expected add of %s to table %u to work, got %s (%s), id %u",
		    mvmm_rule_str(r, buf, sizeof(buf)), table, strerror(-ret),
		    ack.msg, id);
}

static bool same_rule(const struct mvmm_rule_info *a,
		      const struct mvmm_rule_info *b)
{
	return a->type == b->type && a->lo == b->lo && a->hi == b->hi &&
	       a->origin == b->origin && a->mode == b->mode &&
	       a->fallback == b->fallback && !strcmp(a->target, b->target);
}

/* @a is added, dumped as sent, deleted; the tables end as they began. */
static bool run_accepted(struct mvmm_rsk *s, const struct acase *a)
{
	uint32_t table = a->in_default ? MVMM_TABLE_DEFAULT : vm_id;
	struct mvmm_rule_info got[MAX_RULES];
	struct tables before, after;
	struct mvmm_ack ack;
	char buf[200];
	uint32_t id = 0;
	bool ok = true;
	int ret, n, i;

	dump_tables(s, &before);
	ret = mvmm_rule_add(s, table, &a->r, &id, &ack);
	printf("# %s: %s (%d), \"%s\", id %u\n", a->name, strerror(-ret), ret,
	       ack.msg, id);
	if (ret)
		return false;
	n = mvmm_rule_dump(s, table, got, MAX_RULES, NULL);
	for (i = 0; i < n && i < MAX_RULES; i++)
		if (got[i].id == id)
			break;
	if (i == n || i == MAX_RULES || !same_rule(&got[i], &a->r)) {
		printf("#   expected %s in the dump\n",
		       mvmm_rule_str(&a->r, buf, sizeof(buf)));
		ok = false;
	}
	ret = mvmm_rule_del(s, table, id, &ack);
	if (ret) {
		printf("#   del of rule %u: %s (%s)\n", id, strerror(-ret),
		       ack.msg);
		ok = false;
	}
	dump_tables(s, &after);
	if (!same_tables(&before, &after)) {
		printf("#   the tables did not come back\n");
		print_tables("before", &before);
		print_tables("after", &after);
		ok = false;
	}
	return ok;
}

/* The valid requests the cases derive from are accepted. */
static void check_valid_requests(struct mvmm_rsk *s)
{
	static const struct ecase add = { GOOD_ADD };
	struct ecase replace = { GOOD_ADD, .cmd = MVMM_CMD_RULE_REPLACE,
				 .fields = F_ALL_BUT_ID | F_ID };
	struct ecase del = { .cmd = MVMM_CMD_RULE_DEL, .fields = F_ID };
	struct tables before, after;
	struct mvmm_ack ack;
	uint32_t off[B_NR];
	int ret, table;

	for (table = 0; table < 2; table++) {
		struct ecase a = add;
		struct mvmm_rule_info got[MAX_RULES];
		int n, i;

		a.table = table ? T_DEFAULT : T_VM;
		dump_tables(s, &before);
		ret = send_case(s, &a, off, &ack);
		TEST_ASSERT(!ret, "Expected the valid add to work, got %s (%s)",
			    strerror(-ret), ack.msg);
		n = mvmm_rule_dump(s, table ? MVMM_TABLE_DEFAULT : vm_id, got,
				   MAX_RULES, NULL);
		for (i = 0; i < n; i++)
			if (got[i].type == MVMM_EV_IO && got[i].lo == 0x5f0)
				break;
		TEST_ASSERT(i < n, "Expected the added rule in the dump");
		replace.table = del.table = a.table;
		replace.id = del.id = got[i].id;
		replace.hi = 0x5f1;
		ret = send_case(s, &replace, off, &ack);
		TEST_ASSERT(!ret, "Expected the valid replace to work, got %s (%s)",
			    strerror(-ret), ack.msg);
		ret = send_case(s, &del, off, &ack);
		TEST_ASSERT(!ret, "Expected the valid del to work, got %s (%s)",
			    strerror(-ret), ack.msg);
		dump_tables(s, &after);
		TEST_ASSERT(same_tables(&before, &after),
			    "Expected add, replace, del to leave the table as it was");
	}
}

int main(void)
{
	struct mvmm_rule_info seed_io = {
		.id = SEED_IO, .type = MVMM_EV_IO, .lo = TESTSEC_PORT_LO,
		.hi = TESTSEC_PORT_LO + 7, .target = TESTSEC_NAME,
	};
	struct mvmm_rule_info seed_cpuid = {
		.id = SEED_CPUID, .type = MVMM_EV_CPUID, .lo = TESTSEC_LEAF_LO,
		.hi = TESTSEC_LEAF_HI, .mode = MVMM_MODE_OBSERVE,
		.target = TESTSEC_NAME,
	};
	struct tables initial, final;
	struct mvmm_vm_info info;
	struct kvm_vcpu *vcpu;
	struct mvmm_rsk *s;
	struct kvm_vm *vm;
	bool had_testsec;
	char path[300];
	size_t i;
	int ret;

	setbuf(stdout, NULL);
	s = mvmm_rsk_open();
	TEST_ASSERT(s, "Expected the \"mvmm\" generic netlink family, got %s",
		    strerror(errno));
	ret = mvmm_kmod_load(testsec_path(path, sizeof(path)));
	TEST_ASSERT(!ret || ret == -EEXIST, "Expected insmod %s to work, got %s",
		    path, strerror(-ret));
	had_testsec = ret == -EEXIST;

	/* A VM of this process, seen by mvmm. */
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	ret = mvmm_nl_find_vm(mvmm_rsk_nl(s), getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s",
		    strerror(-ret));
	vm_id = info.id;

	dump_tables(s, &initial);
	add_or_die(s, vm_id, &seed_io);
	add_or_die(s, vm_id, &seed_cpuid);
	add_or_die(s, MVMM_TABLE_DEFAULT, &seed_io);
	add_or_die(s, MVMM_TABLE_DEFAULT, &seed_cpuid);
	check_valid_requests(s);

	ksft_print_header();
	ksft_set_plan(NR_CASES + NR_ACCEPTED);
	for (i = 0; i < NR_CASES; i++) {
		if (run_case(s, &cases[i]))
			ksft_test_result_pass("%s\n", cases[i].name);
		else
			ksft_test_result_fail("%s\n", cases[i].name);
	}
	for (i = 0; i < NR_ACCEPTED; i++) {
		if (run_accepted(s, &accepted[i]))
			ksft_test_result_pass("accepted: %s\n", accepted[i].name);
		else
			ksft_test_result_fail("accepted: %s\n", accepted[i].name);
	}

	/* Leave everything as found. */
	mvmm_rule_del(s, vm_id, SEED_IO, NULL);
	mvmm_rule_del(s, vm_id, SEED_CPUID, NULL);
	mvmm_rule_del(s, MVMM_TABLE_DEFAULT, SEED_IO, NULL);
	mvmm_rule_del(s, MVMM_TABLE_DEFAULT, SEED_CPUID, NULL);
	dump_tables(s, &final);
	TEST_ASSERT(same_tables(&initial, &final),
		    "Expected the tables as they were before the test");
	kvm_vm_free(vm);
	mvmm_rsk_close(s);
	if (!had_testsec && syscall(SYS_delete_module, "mvmm_testsec",
				    O_NONBLOCK))
		printf("# rmmod mvmm_testsec: %s\n", strerror(errno));
	ksft_print_cnts();
	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	ksft_exit_pass();
}

// SPDX-License-Identifier: GPL-2.0
/* Event type names: the table, its inverse and their round trip. */
#include "helpers.h"

/* Written out in enum order from uapi/linux/mvmm.h. */
static const char *const expected_names[] = {
	"other", "exception", "intr", "nmi", "smi", "init", "sipi",
	"intr-window", "nmi-window", "task-switch", "cpuid", "hlt", "invd",
	"wbinvd", "invlpg", "invpcid", "rdpmc", "rdtsc", "rdtscp",
	"hypercall", "cr", "dr", "io", "msr-read", "msr-write", "monitor",
	"mwait", "pause", "xsetbv", "npf", "mmio", "apic", "nested",
	"shutdown", "xsaves", "preempt-timer", "failed-entry",
};

#define N_NAMES	ARRAY_SIZE(expected_names)

TEST(names_cover_every_type)
{
	EXPECT_EQ(N_NAMES, __MVMM_EV_MAX);
	EXPECT_EQ(MVMM_EV_IO, 22);		/* spot checks of the order */
	EXPECT_EQ(MVMM_EV_FAILED_ENTRY, 36);
}

TEST_POINTS(names_round_trip)
{
	unsigned int t;

	for (t = 0; t < __MVMM_EV_MAX; t++) {
		const char *n = mvmm_event_name(t);

		POINT("event %u is \"%s\"", t,
		      t < N_NAMES ? expected_names[t] : "?");
		EXPECT_TRUE(n != NULL);
		if (n && t < N_NAMES)
			EXPECT_TRUE(!strcmp(n, expected_names[t]));
		EXPECT_EQ(mvmm_event_lookup(n), t);
		END();
	}
}

TEST(names_out_of_range)
{
	EXPECT_TRUE(mvmm_event_name(__MVMM_EV_MAX) == NULL);
	EXPECT_TRUE(mvmm_event_name(0xffffffffu) == NULL);
}

TEST(names_lookup_rejects)
{
	EXPECT_EQ(mvmm_event_lookup(NULL), -1);
	EXPECT_EQ(mvmm_event_lookup(""), -1);
	EXPECT_EQ(mvmm_event_lookup("IO"), -1);
	EXPECT_EQ(mvmm_event_lookup("msr"), -1);
	EXPECT_EQ(mvmm_event_lookup("msr-readx"), -1);
	EXPECT_EQ(mvmm_event_lookup("io "), -1);
	EXPECT_EQ(mvmm_event_lookup("c"), -1);
	EXPECT_EQ(mvmm_event_lookup("cr"), MVMM_EV_CR_ACCESS);
}

TEST(names_unique)
{
	unsigned int a, b;

	for (a = 0; a < __MVMM_EV_MAX; a++)
		for (b = a + 1; b < __MVMM_EV_MAX; b++) {
			const char *na = mvmm_event_name(a);
			const char *nb = mvmm_event_name(b);

			if (na && nb && !strcmp(na, nb))
				unit_fail(__FILE__, __LINE__,
					  "types %u and %u share \"%s\"",
					  a, b, na);
		}
}

/* Handler and group names: the one check the module and mvmmctl share. */
TEST(names_handler_spelling)
{
	char longest[MVMM_HANDLER_NAME_LEN], too_long[MVMM_HANDLER_NAME_LEN + 1];

	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	EXPECT_TRUE(mvmm_name_ok("uart0"));
	EXPECT_TRUE(mvmm_name_ok("a.B-c_9"));
	EXPECT_TRUE(mvmm_name_ok("main"));	/* spelt right; the module refuses it */
	EXPECT_TRUE(mvmm_name_ok(longest));
	EXPECT_TRUE(!mvmm_name_ok(too_long));
	EXPECT_TRUE(!mvmm_name_ok(""));
	EXPECT_TRUE(!mvmm_name_ok("a b"));
	EXPECT_TRUE(!mvmm_name_ok("a/b"));
	EXPECT_TRUE(!mvmm_name_ok("fz\xe9"));	/* Latin-1 letter */
	EXPECT_TRUE(!mvmm_name_ok("a\x80"));
}

/*
 * The limits of core/event_names.c, which the module's range checks and
 * mvmmctl's both use: a type without qualifier has none; a limited
 * qualifier says what it is (the module's refusal names it).
 */
TEST_POINTS(limits_described)
{
	unsigned int t;

	for (t = 0; t < __MVMM_EV_MAX; t++) {
		const struct mvmm_event_desc *d = mvmm_event_desc(t);

		POINT("event %s: qualifier limit described", d->name);
		if (!d->quals[0])
			EXPECT_TRUE(d->max == 0 && !d->what);
		else
			EXPECT_TRUE(!d->what == (d->max == ~0ULL));
		END();
	}
	EXPECT_TRUE(mvmm_event_desc(__MVMM_EV_MAX) == NULL);
}

static __u64 limits_rand_state = 0x9e3779b97f4a7c15ULL;

/* The same exits every run. */
static __u64 limits_rand(void)
{
	return unit_xorshift(&limits_rand_state);
}

/*
 * No exit the classifiers decode has a qualifier beyond its type's limit:
 * a rule refused for naming a larger one could have matched nothing.
 * Random exit codes around every code either vendor uses, random
 * information and registers.
 */
TEST(limits_hold_for_classified_exits)
{
	struct mvmm_exit_info x;
	struct mvmm_event ev;
	unsigned int i, vmx;

	for (i = 0; i < 400000; i++) {
		vmx = i & 1;
		memset(&x, 0, sizeof(x));
		x.reason = vmx ? limits_rand() % 80 : limits_rand() % 0x410;
		x.intr_info = limits_rand();
		x.info1 = limits_rand();
		x.info2 = limits_rand();
		x.error_code = limits_rand();
		x.l2 = limits_rand() & 1;
		x.gpa = limits_rand();
		x.rax = limits_rand();
		x.rcx = limits_rand();
		/*
		 * Only vectors the exception bitmap (32 bits) intercepts
		 * exit with reason 0: hardware never reports a larger one.
		 */
		if (vmx && x.reason == 0)
			x.intr_info &= ~0xe0u;
		if (vmx)
			mvmm_classify_vmx(&x, &ev);
		else
			mvmm_classify_svm(&x, &ev);
		if (ev.type != MVMM_EV_OTHER &&
		    ev.qual > mvmm_event_desc(ev.type)->max)
			unit_fail(__FILE__, __LINE__,
				  "%s reason %u: %s qual %#llx above %#llx",
				  vmx ? "vmx" : "svm", x.reason,
				  mvmm_event_name(ev.type),
				  (unsigned long long)ev.qual,
				  (unsigned long long)mvmm_event_desc(ev.type)->max);
	}
}

/* The results a pre-registered answer may give, per type (both checkers). */
TEST(answers_per_type)
{
	unsigned int t, n = 0;

	EXPECT_EQ(mvmm_event_desc(MVMM_EV_CPUID)->answers, MVMM_ANS_REGS);
	EXPECT_EQ(mvmm_event_desc(MVMM_EV_MSR_READ)->answers, MVMM_ANS_VALUE);
	EXPECT_EQ(mvmm_event_desc(MVMM_EV_MSR_WRITE)->answers, MVMM_ANS_IGNORE);
	EXPECT_EQ(mvmm_event_desc(MVMM_EV_HYPERCALL)->answers, MVMM_ANS_VALUE);
	EXPECT_EQ(mvmm_event_desc(MVMM_EV_IO)->answers,
		  MVMM_ANS_VALUE | MVMM_ANS_IGNORE);
	EXPECT_EQ(mvmm_event_desc(MVMM_EV_MMIO)->answers,
		  MVMM_ANS_VALUE | MVMM_ANS_IGNORE);
	for (t = 0; t < __MVMM_EV_MAX; t++)
		n += !!mvmm_event_desc(t)->answers;
	EXPECT_EQ(n, 6);
}

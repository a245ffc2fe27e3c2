// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the rule grammar (rule_parse.c) and the qualifier table
 * (kmod/core/event_names.c): every piece of TABLE and RULE, the exact
 * error messages, and that "rule show" lines parse back into the same
 * rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mvmm.h>

#include "../mvmmctl.h"
#include "../rule_parse.h"
#include "classify.h"
#include "tap.h"

void mvmm_oom(void)
{
	puts("Bail out! out of memory");
	exit(2);
}

#define MAX_WORDS 32

/* Split @line at spaces into @argv (pointing into @buf). */
static int split(const char *line, char *buf, size_t len, char **argv)
{
	char *save, *w;
	int n = 0;

	snprintf(buf, len, "%s", line);
	for (w = strtok_r(buf, " ", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	return n;
}

static int parse_line(const char *line, struct mvmm_rule_spec *r, char *err)
{
	char buf[512], *argv[MAX_WORDS];
	int argc = split(line, buf, sizeof(buf), argv);

	return mvmm_parse_rule(argc, argv, r, err, MVMM_ERRLEN);
}

static void test_table(void)
{
	char err[MVMM_ERRLEN] = "", buf[128], *argv[MAX_WORDS];
	struct mvmm_table_sel t;
	int argc;

#define TABLE(line) (argc = split(line, buf, sizeof(buf), argv), \
		     mvmm_parse_table(argc, argv, &t, err, sizeof(err)))
	CHECK(TABLE("default io main") == 1 && t.is_default, "table default");
	CHECK(TABLE("d io") == 1 && t.is_default, "\"d\" abbreviates default");
	CHECK(TABLE("vm 3 io") == 2 && !t.is_default && t.vm.by == MVMM_VM_ID &&
	      t.vm.id == 3, "table vm ID");
	CHECK(TABLE("vm pid 77 io") == 3 && !t.is_default &&
	      t.vm.by == MVMM_VM_PID && t.vm.pid == 77, "table vm pid PID");
	CHECK(TABLE("v 0x10") == 2 && t.vm.id == 16, "\"v\" abbreviates vm, hex id");

	CHECK(mvmm_parse_table(0, NULL, &t, err, sizeof(err)) == -1, "no table");
	CHECK_STR(err, "missing table (\"vm ID\", \"vm pid PID\" or \"default\")",
		  "no table message");
	CHECK(TABLE("io port 5") == -1, "not a table");
	CHECK_STR(err, "unknown table \"io\" (expected \"vm ID\", \"vm pid PID\" or \"default\")",
		  "not a table message");
	CHECK(TABLE("vm") == -1, "vm without id");
	CHECK_STR(err, "missing VM (ID or \"pid PID\")", "vm without id message");
	CHECK(TABLE("vm 0") == -1, "vm 0");
	CHECK_STR(err, "VM ID \"0\" out of range (1-4294967295)", "vm 0 message");
	CHECK(TABLE("vm pid") == -1, "vm pid without value");
	CHECK_STR(err, "\"pid\" needs a process id", "vm pid without value message");
#undef TABLE
}

/* Parse @line and check every field. */
static void rule_ok(const char *line, uint32_t id, unsigned int type,
		    bool ranged, uint64_t lo, uint64_t hi, uint8_t origin,
		    uint8_t mode, uint8_t fallback, const char *target)
{
	char err[MVMM_ERRLEN] = "", what[256];
	struct mvmm_rule_spec r;
	int ret;

	ret = parse_line(line, &r, err);
	snprintf(what, sizeof(what), "parse \"%s\"", line);
	CHECK(ret == 0 && r.id == id && r.type == type && r.ranged == ranged &&
	      r.lo == lo && r.hi == hi && r.origin == origin && r.mode == mode &&
	      r.fallback == fallback && !strcmp(r.target, target), what);
	if (ret)
		printf("#   error: %s\n", err);
}

#define ANY	MVMM_MATCH_ANY
#define SYNC	MVMM_MODE_SYNC
#define FB_MAIN	MVMM_FALLBACK_MAIN

static void test_rule_ok(void)
{
	/* Every qualifier form of the brief and issue 3. */
	rule_ok("io port 0xe9 handler debugcon fallback main", 0, MVMM_EV_IO,
		true, 0xe9, 0xe9, ANY, SYNC, FB_MAIN, "debugcon");
	rule_ok("io port 0x3f8-0x3ff main", 0, MVMM_EV_IO, true, 0x3f8, 0x3ff,
		ANY, SYNC, FB_MAIN, "main");
	rule_ok("msr read 0xc0000080 handler m", 0, MVMM_EV_MSR_READ, true,
		0xc0000080, 0xc0000080, ANY, SYNC, FB_MAIN, "m");
	rule_ok("msr write 0x10-0x20 handler m", 0, MVMM_EV_MSR_WRITE, true,
		0x10, 0x20, ANY, SYNC, FB_MAIN, "m");
	rule_ok("msr w 0x10 main", 0, MVMM_EV_MSR_WRITE, true, 0x10, 0x10, ANY,
		SYNC, FB_MAIN, "main");
	rule_ok("msr read main", 0, MVMM_EV_MSR_READ, false, 0, UINT64_MAX, ANY, SYNC, FB_MAIN,
		"main");
	rule_ok("msr-write index 0x1b main", 0, MVMM_EV_MSR_WRITE, true, 0x1b,
		0x1b, ANY, SYNC, FB_MAIN, "main");
	rule_ok("msr-read main", 0, MVMM_EV_MSR_READ, false, 0, UINT64_MAX, ANY, SYNC, FB_MAIN,
		"main");
	rule_ok("cpuid leaf 0x40000000-0x400000ff handler sig", 0, MVMM_EV_CPUID,
		true, 0x40000000, 0x400000ff, ANY, SYNC, FB_MAIN, "sig");
	rule_ok("hypercall nr 12 handler hc", 0, MVMM_EV_HYPERCALL, true, 12, 12,
		ANY, SYNC, FB_MAIN, "hc");
	rule_ok("exception vector 6 handler ud", 0, MVMM_EV_EXCEPTION, true, 6,
		6, ANY, SYNC, FB_MAIN, "ud");
	rule_ok("cr nr 4 mode observe handler crlog", 0, MVMM_EV_CR_ACCESS, true,
		4, 4, ANY, MVMM_MODE_OBSERVE, FB_MAIN, "crlog");
	rule_ok("mmio gpa 0xfed00000-0xfed00fff handler hpet", 0, MVMM_EV_MMIO,
		true, 0xfed00000, 0xfed00fff, ANY, SYNC, FB_MAIN, "hpet");
	rule_ok("hlt handler idle", 0, MVMM_EV_HLT, false, 0, UINT64_MAX, ANY, SYNC, FB_MAIN,
		"idle");
	rule_ok("io main", 0, MVMM_EV_IO, false, 0, UINT64_MAX, ANY, SYNC, FB_MAIN, "main");
	rule_ok("22 port 5 main", 0, MVMM_EV_IO, true, 5, 5, ANY, SYNC, FB_MAIN,
		"main");
	rule_ok("mmio gpa 0-18446744073709551615 main", 0, MVMM_EV_MMIO, true, 0,
		UINT64_MAX, ANY, SYNC, FB_MAIN, "main");

	/* Options, in any order, abbreviated, and the id in both places. */
	rule_ok("io port 5 origin l2 mode observe handler h fallback deny id 7",
		7, MVMM_EV_IO, true, 5, 5, MVMM_MATCH_L2, MVMM_MODE_OBSERVE,
		MVMM_FALLBACK_DENY, "h");
	rule_ok("id 9 io fallback deny handler h origin l1 port 1-2 mode sync",
		9, MVMM_EV_IO, true, 1, 2, MVMM_MATCH_L1, SYNC,
		MVMM_FALLBACK_DENY, "h");
	rule_ok("io p 5 o l1 mo o ha h f d i 0x10", 16, MVMM_EV_IO, true, 5, 5,
		MVMM_MATCH_L1, MVMM_MODE_OBSERVE, MVMM_FALLBACK_DENY, "h");
	rule_ok("io port 5 origin any mode sync main fallback main", 0,
		MVMM_EV_IO, true, 5, 5, ANY, SYNC, FB_MAIN, "main");
	rule_ok("io port 0 handler A-z_0.9", 0, MVMM_EV_IO, true, 0, 0, ANY, SYNC,
		FB_MAIN, "A-z_0.9");
	rule_ok("io port 0xffff handler a234567890123456789012345678901", 0,
		MVMM_EV_IO, true, 0xffff, 0xffff, ANY, SYNC, FB_MAIN,
		"a234567890123456789012345678901");
	rule_ok("id 4294967295 exception vector 0-31 main", UINT32_MAX,
		MVMM_EV_EXCEPTION, true, 0, 31, ANY, SYNC, FB_MAIN, "main");
}

static void rule_err(const char *line, const char *msg)
{
	char err[MVMM_ERRLEN] = "", what[256];
	struct mvmm_rule_spec r;

	snprintf(what, sizeof(what), "\"%s\" is refused", line);
	CHECK(parse_line(line, &r, err) == -1, what);
	snprintf(what, sizeof(what), "\"%s\" message", line);
	CHECK_STR(err, msg, what);
}

#define NUMERR "(expected a decimal or 0x-prefixed hex number)"

static void test_rule_err(void)
{
	rule_err("", "missing EVENT (see \"mvmmctl events\")");
	rule_err("id 3", "missing EVENT (see \"mvmmctl events\")");
	rule_err("id", "\"id\" needs a rule id");
	rule_err("bogus main", "unknown event type \"bogus\" (see \"mvmmctl events\")");
	rule_err("IO main", "unknown event type \"IO\" (see \"mvmmctl events\")");
	rule_err("i main", "unknown event type \"i\" (see \"mvmmctl events\")");
	rule_err("37 main", "event type \"37\" out of range (0-36)");
	rule_err("msr", "\"msr\" needs \"read\" or \"write\"");
	rule_err("msr rw 5 main", "\"msr\" needs \"read\" or \"write\", not \"rw\"");
	rule_err("msr read 0x100000000 main",
		 "index \"0x100000000\" out of range (0-4294967295)");
	rule_err("msr read 5 index 6 main", "\"index\" given twice");
	rule_err("io port 5", "missing target (\"handler NAME\" or \"main\")");
	rule_err("io port", "\"port\" needs a number or range");
	rule_err("io port 0x3ff-0x3f8 main",
		 "inverted port range \"0x3ff-0x3f8\" (start above end)");
	rule_err("io port 0x10000 main", "port \"0x10000\" out of range (0-65535)");
	rule_err("io port 1-0x10000 main", "port \"0x10000\" out of range (0-65535)");
	rule_err("mmio gpa 0x10000000000000000 main",
		 "gpa \"0x10000000000000000\" out of range (0-18446744073709551615)");
	rule_err("io port 5- main", "invalid port range \"5-\" (expected N or N-M)");
	rule_err("io port -5 main", "invalid port range \"-5\" (expected N or N-M)");
	rule_err("io port 1--2 main", "invalid port \"-2\" " NUMERR);
	rule_err("io port 1-2-3 main", "invalid port \"2-3\" " NUMERR);
	rule_err("io port x main", "invalid port \"x\" " NUMERR);
	rule_err("io port 5 port 6 main", "\"port\" given twice");
	rule_err("io 0xe9 main", "expected \"port\" before \"0xe9\"");
	rule_err("io leaf 5 main", "event type \"io\" takes \"port\", not \"leaf\"");
	rule_err("hlt port 4 main", "event type \"hlt\" takes no qualifier (got \"port\")");
	rule_err("hlt 4 main", "event type \"hlt\" takes no qualifier (got \"4\")");
	rule_err("exception vector 32 main", "vector \"32\" out of range (0-31)");
	rule_err("cr nr 16 main", "nr \"16\" out of range (0-15)");
	rule_err("io port 5 frob main", "unknown keyword \"frob\"");
	rule_err("io port 5 m", "ambiguous keyword \"m\" (could be: mode, main)");
	rule_err("msr-read i 5 main", "ambiguous keyword \"i\" (could be: index, id)");
	rule_err("io main origin", "\"origin\" needs l1, l2 or any");
	rule_err("io main origin l3", "invalid origin \"l3\" (expected l1, l2 or any)");
	rule_err("io main origin l", "invalid origin \"l\" (expected l1, l2 or any)");
	rule_err("io main mode", "\"mode\" needs sync or observe");
	rule_err("io main mode async", "invalid mode \"async\" (expected sync or observe)");
	rule_err("io main fallback", "\"fallback\" needs main or deny");
	rule_err("io main fallback gp", "invalid fallback \"gp\" (expected main or deny)");
	rule_err("io main origin l1 origin l2", "\"origin\" given twice");
	rule_err("io main main", "target given twice");
	rule_err("io handler a handler b", "target given twice");
	rule_err("io handler a main", "target given twice");
	rule_err("io handler", "\"handler\" needs a name");
	rule_err("io handler main", "\"main\" is no handler name (write \"main\" alone to target KVM)");
	/* Spelled out: the macro of the code under test could be wrong. */
#define HNAME "(1-31 characters of a-z A-Z 0-9 _ . -)"
	rule_err("io handler a/b", "invalid handler name \"a/b\" " HNAME);
	rule_err("io handler a2345678901234567890123456789012",
		 "invalid handler name \"a2345678901234567890123456789012\" " HNAME);
#undef HNAME
	rule_err("id 0 io main", "rule id \"0\" out of range (1-4294967295)");
	rule_err("io main id 4294967296", "rule id \"4294967296\" out of range (1-4294967295)");
	rule_err("io main id", "\"id\" needs a rule id");
	rule_err("id 1 io main id 2", "\"id\" given twice");
	rule_err("io main id 1 id 2", "\"id\" given twice");
}

static void test_rule_id(void)
{
	char err[MVMM_ERRLEN] = "", buf[128], *argv[MAX_WORDS];
	uint32_t id = 0;
	int argc;

#define RID(line) (argc = split(line, buf, sizeof(buf), argv), \
		   mvmm_parse_rule_id(argc, argv, &id, err, sizeof(err)))
	CHECK(RID("id 5") == 0 && id == 5, "id 5");
	CHECK(RID("i 0x20") == 0 && id == 32, "\"i\" abbreviates id");
	CHECK(mvmm_parse_rule_id(0, NULL, &id, err, sizeof(err)) == -1, "no id");
	CHECK_STR(err, "missing \"id N\"", "no id message");
	CHECK(RID("5") == -1, "bare number");
	CHECK_STR(err, "expected \"id N\", not \"5\"", "bare number message");
	CHECK(RID("id") == -1, "id without value");
	CHECK_STR(err, "\"id\" needs a rule id", "id without value message");
	CHECK(RID("id 0") == -1, "id 0");
	CHECK_STR(err, "rule id \"0\" out of range (1-4294967295)", "id 0 message");
	CHECK(RID("id 1 2") == -1, "trailing argument");
	CHECK_STR(err, "unexpected argument \"2\"", "trailing argument message");
#undef RID
}

static void fmt_is(const struct mvmm_rule_spec *r, bool numeric, const char *want,
		   const char *what)
{
	char buf[512];

	mvmm_fmt_rule(r, numeric, buf, sizeof(buf));
	CHECK_STR(buf, want, what);
}

static void test_rule_fmt(void)
{
	struct mvmm_rule_spec r = {
		.id = 3, .type = MVMM_EV_IO, .ranged = true, .lo = 0xe9,
		.hi = 0xe9, .target = "debugcon",
	};
	char want[128];

	fmt_is(&r, false, "id 3 io port 0xe9 origin any mode sync handler debugcon fallback main",
	       "io port, the brief's example");
	r.hi = 0xef;
	r.origin = MVMM_MATCH_L2;
	r.mode = MVMM_MODE_OBSERVE;
	r.fallback = MVMM_FALLBACK_DENY;
	fmt_is(&r, false, "id 3 io port 0xe9-0xef origin l2 mode observe handler debugcon fallback deny",
	       "range and every option");
	snprintf(want, sizeof(want),
		 "id 3 %d port 0xe9-0xef origin l2 mode observe handler debugcon fallback deny",
		 MVMM_EV_IO);
	fmt_is(&r, true, want, "-n: type as a number");

	r = (struct mvmm_rule_spec){ .id = 1, .type = MVMM_EV_HLT, .hi = UINT64_MAX,
				     .target = "main" };
	fmt_is(&r, false, "id 1 hlt origin any mode sync main fallback main",
	       "whole type, target main");
	r.type = MVMM_EV_MSR_READ;
	fmt_is(&r, false, "id 1 msr-read origin any mode sync main fallback main",
	       "whole msr-read");
	r.ranged = true;
	r.lo = 0xc0000080;
	r.hi = 0xc0000080;
	fmt_is(&r, false, "id 1 msr read 0xc0000080 origin any mode sync main fallback main",
	       "msr read INDEX");
	r.type = MVMM_EV_MSR_WRITE;
	snprintf(want, sizeof(want),
		 "id 1 %d index 0xc0000080 origin any mode sync main fallback main",
		 MVMM_EV_MSR_WRITE);
	fmt_is(&r, true, want, "-n: msr-write by number and keyword");
	r.type = MVMM_EV_HYPERCALL;
	r.lo = 12;
	r.hi = 12;
	fmt_is(&r, false, "id 1 hypercall nr 12 origin any mode sync main fallback main",
	       "hypercall numbers in decimal");
	r.type = MVMM_EV_EXCEPTION;
	r.lo = 6;
	r.hi = 13;
	fmt_is(&r, false, "id 1 exception vector 6-13 origin any mode sync main fallback main",
	       "exception vectors in decimal");
	r.type = MVMM_EV_HLT;
	fmt_is(&r, false, "id 1 hlt qual 6-13 origin any mode sync main fallback main",
	       "a range on a type without qualifier is still shown");

	r = (struct mvmm_rule_spec){ .id = 2, .type = __MVMM_EV_MAX, .hi = UINT64_MAX,
				     .origin = 7, .mode = 8, .fallback = 9,
				     .target = "x" };
	snprintf(want, sizeof(want),
		 "id 2 %d origin 7 mode 8 handler x fallback 9", __MVMM_EV_MAX);
	fmt_is(&r, false, want, "values this mvmmctl does not know are numbers");

	CHECK_STR(mvmm_origin_name(MVMM_MATCH_L1), "l1", "origin name");
	CHECK(!mvmm_origin_name(3), "no origin name past the enum");
	CHECK_STR(mvmm_mode_name(MVMM_MODE_OBSERVE), "observe", "mode name");
	CHECK(!mvmm_mode_name(2), "no mode name past the enum");
	CHECK_STR(mvmm_fallback_name(MVMM_FALLBACK_DENY), "deny", "fallback name");
	CHECK(!mvmm_fallback_name(2), "no fallback name past the enum");
}

/*
 * Print each of @lines as "rule show" does (and with -n), parse it back:
 * the same rule, with an answer if @answer. One check per line and form,
 * named "@what[ -n] TEXT".
 */
static void roundtrip(const char *const *lines, size_t n, const char *what,
		      bool answer)
{
	char err[MVMM_ERRLEN], text[512], name[600];
	struct mvmm_rule_spec a, b;
	size_t i;
	int numeric;

	for (i = 0; i < n; i++) {
		for (numeric = 0; numeric < 2; numeric++) {
			err[0] = '\0';
			if (parse_line(lines[i], &a, err)) {
				snprintf(name, sizeof(name), "parse \"%s\": %s",
					 lines[i], err);
				CHECK(0, name);
				continue;
			}
			mvmm_fmt_rule(&a, numeric, text, sizeof(text));
			snprintf(name, sizeof(name), "%s%s \"%s\"", what,
				 numeric ? " -n" : "", text);
			CHECK((!answer || a.has_answer) &&
			      !parse_line(text, &b, err) &&
			      !memcmp(&a, &b, sizeof(a)), name);
		}
	}
}

/* Print each rule as "rule show" does, parse it back: the same rule. */
static void test_rule_roundtrip(void)
{
	static const char *const lines[] = {
		"id 1 io port 0xe9 handler debugcon",
		"id 2 io port 0x3f8-0x3ff origin l1 mode observe handler serial fallback deny",
		"id 3 msr read 0xc0000080 main",
		"id 4 msr write 0x10-0x20 handler m origin l2",
		"id 5 msr-read main",
		"id 6 cpuid leaf 0x40000000-0x400000ff handler sig",
		"id 7 hypercall nr 12 handler hc",
		"id 8 exception vector 6 handler ud fallback deny",
		"id 9 cr nr 4 mode observe handler crlog",
		"id 10 mmio gpa 0xfed00000-0xfed00fff handler hpet",
		"id 11 hlt handler idle",
		"id 12 apic offset 0x300 mode observe handler icr",
		"id 13 nested insn 0 handler vmrun",
		"id 4294967295 other reason 0xffffffffffffffff main",
	};

	roundtrip(lines, ARRAY_SIZE(lines), "round trip", false);
}

/* Pre-registered answers: what parses, what shows, what is refused. */
static void test_answer(void)
{
	static const char *const lines[] = {
		"id 1 msr read 0x10 answer value 0x1234",
		"id 2 cpuid leaf 0x40000000 answer eax 0x40000001 ebx 0x6d6d766d ecx 0 edx ~0",
		"id 3 cpuid leaf 1 answer ecx and ~0x80000000 origin l1",
		"id 4 cpuid leaf 7 answer ebx or 1 and 0xfe ecx and 0x1 or 0x2 edx or 4",
		"id 5 io port 0x80 answer value 0xff ignore",
		"id 6 io port 0x81 answer ignore fallback main mode sync",
		"id 7 msr write 0x1234 answer ignore",
		"id 8 mmio gpa 0xfed00000-0xfed003ff answer value 0x1122334455667788",
		"id 9 hypercall nr 0x4242 answer value ~0",
	};
	char err[MVMM_ERRLEN], text[512];
	struct mvmm_rule_spec a;

	roundtrip(lines, ARRAY_SIZE(lines), "answer round trip", true);

	parse_line(lines[2], &a, err);
	mvmm_fmt_rule(&a, false, text, sizeof(text));
	CHECK_STR(text, "id 3 cpuid leaf 0x1 origin l1 mode sync answer ecx and 0x7fffffff fallback main",
		  "answer shown as rule show prints it");
	CHECK(a.answer.reg_given[2] == MVMM_ANSREG_AND &&
	      a.answer.reg_and[2] == 0x7fffffff && !a.answer.reg_given[0],
	      "ecx and ~0x80000000: AND 0x7fffffff, other registers KVM's");
	parse_line("cpuid leaf 1 answer ecx and 1 or l2", &a, err);
	CHECK(a.origin == MVMM_MATCH_L2 && a.answer.reg_given[2] == MVMM_ANSREG_AND,
	      "\"or\" before a non-number is \"origin\"");

	rule_err("cpuid answer", "\"answer\" needs \"value N\", \"ignore\" or CPUID registers (eax, ebx, ecx, edx)");
	rule_err("cpuid answer value 1", "a cpuid answer is registers: eax, ebx, ecx and/or edx");
	rule_err("cpuid answer eax 1 eax 2", "\"eax\" given twice");
	rule_err("cpuid answer eax 1 eax and 2", "\"eax and\": the register has a value already (a value is the whole register)");
	rule_err("cpuid answer eax 0x100000000", "eax \"0x100000000\" out of range (0-4294967295)");
	rule_err("cpuid answer eax", "\"eax\" needs a value, or \"and N\" / \"or N\"");
	rule_err("cpuid answer eax main", "\"eax\" needs a value, or \"and N\" / \"or N\" (not \"main\")");
	rule_err("msr read 1 answer ignore", "an msr read is answered with \"value N\" (EDX:EAX) only");
	rule_err("msr write 1 answer value 1", "an msr write has no result: \"answer ignore\" only");
	rule_err("hypercall answer value 1 ignore", "a hypercall is answered with \"value N\" (RAX) only");
	rule_err("io port 1 answer eax 1", "an io answer is \"value N\" (reads) and/or \"ignore\" (writes)");
	rule_err("io port 1 answer value 0x100000000", "IO reads are at most 4 bytes: answer value above 0xffffffff");
	rule_err("hlt answer ignore", "event type \"hlt\" has no pre-registered answer (cpuid, msr read, msr write, io, mmio and hypercall have)");
	rule_err("io answer ignore mode observe", "an answer is given, not observed: \"answer\" takes no \"mode observe\"");
	rule_err("io answer ignore fallback deny", "an answer cannot fail: \"answer\" takes no \"fallback deny\"");
	rule_err("io answer ignore main", "target given twice");
	rule_err("io handler h answer ignore", "target given twice");
	rule_err("io answer ignore ignore", "\"ignore\" given twice");
}

static void test_quals(void)
{
	unsigned int t;
	int good = 1;

	CHECK(!mvmm_event_desc(__MVMM_EV_MAX), "no qualifiers past the enum");
	CHECK_STR(mvmm_event_desc(MVMM_EV_IO)->quals[0], "port", "io: port");
	CHECK(mvmm_event_desc(MVMM_EV_IO)->max == 0xffff, "ports are 16-bit");
	CHECK_STR(mvmm_event_desc(MVMM_EV_CPUID)->quals[0], "leaf", "cpuid: leaf");
	CHECK_STR(mvmm_event_desc(MVMM_EV_CR_ACCESS)->quals[0], "nr", "cr: nr");
	CHECK(!mvmm_event_desc(MVMM_EV_HLT)->quals[0], "hlt: none");
	CHECK(mvmm_is_qual_keyword("gpa") && !mvmm_is_qual_keyword("size") &&
	      !mvmm_is_qual_keyword("handler"), "primary qualifier keywords");

	/*
	 * A qualifier keyword equal to an option keyword would make that
	 * option unreachable for its event type.
	 */
	for (t = 0; t < __MVMM_EV_MAX; t++) {
		static const char *const opts[] = {
			"id", "origin", "mode", "handler", "main", "fallback",
		};
		const char *q = mvmm_event_desc(t)->quals[0];
		size_t i;

		for (i = 0; q && i < ARRAY_SIZE(opts); i++)
			if (!strcmp(q, opts[i])) {
				printf("# %s is also an option keyword\n", q);
				good = 0;
			}
	}
	CHECK(good, "qualifier keywords are never option keywords");

	good = 1;
	for (t = 0; t < __MVMM_EV_MAX; t++)
		if (mvmm_event_lookup(mvmm_event_name(t)) != (int)t)
			good = 0;
	CHECK(good, "every event name parses back to its type");
}

int main(void)
{
	test_table();
	test_rule_ok();
	test_rule_err();
	test_rule_id();
	test_rule_fmt();
	test_rule_roundtrip();
	test_answer();
	test_quals();
	return tap_done();
}

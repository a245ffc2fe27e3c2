// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for parse.c (numbers, prefixes, VM selectors) and the
 * formatting helpers in out.c. The rule grammar has tests/test_rule.c.
 */
#include <stdint.h>
#include <stdlib.h>

#include <linux/mvmm.h>

#include "../mvmmctl.h"
#include "../out.h"
#include "../parse.h"
#include "tap.h"

void mvmm_oom(void)
{
	puts("Bail out! out of memory");
	exit(2);
}

static void check_num_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	char err[MVMM_ERRLEN] = "", what[128];
	uint64_t v = ~want;
	int ret;

	ret = mvmm_parse_num(s, "N", min, max, &v, err, sizeof(err));
	snprintf(what, sizeof(what), "parse \"%s\" = %llu", s, (unsigned long long)want);
	CHECK(ret == 0 && v == want, what);
}

static void check_num_err(const char *s, uint64_t min, uint64_t max, const char *msg)
{
	char err[MVMM_ERRLEN] = "", what[128];
	uint64_t v = 12345;
	int ret;

	ret = mvmm_parse_num(s, "N", min, max, &v, err, sizeof(err));
	snprintf(what, sizeof(what), "parse \"%s\" fails and leaves the output alone", s);
	CHECK(ret == -1 && v == 12345, what);
	snprintf(what, sizeof(what), "parse \"%s\" message", s);
	CHECK_STR(err, msg, what);
}

#define INVALID(s) "invalid N \"" s "\" (expected a decimal or 0x-prefixed hex number)"

static void test_numbers(void)
{
	check_num_ok("0", 0, 10, 0);
	check_num_ok("42", 0, UINT32_MAX, 42);
	check_num_ok("010", 0, 100, 10);	/* decimal, not octal */
	check_num_ok("0x2a", 0, UINT32_MAX, 42);
	check_num_ok("0X2A", 0, UINT32_MAX, 42);
	check_num_ok("0xffffffff", 0, UINT32_MAX, UINT32_MAX);
	check_num_ok("4294967295", 0, UINT32_MAX, UINT32_MAX);
	check_num_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	check_num_ok("0xFFFFFFFFFFFFFFFF", 0, UINT64_MAX, UINT64_MAX);

	check_num_err("", 0, 10, INVALID(""));
	check_num_err("0x", 0, 10, INVALID("0x"));
	check_num_err("-1", 0, 10, INVALID("-1"));
	check_num_err("+1", 0, 10, INVALID("+1"));
	check_num_err(" 1", 0, 10, INVALID(" 1"));
	check_num_err("1 ", 0, 10, INVALID("1 "));
	check_num_err("12abc", 0, 100, INVALID("12abc"));
	check_num_err("0x1g", 0, 100, INVALID("0x1g"));
	check_num_err("1e3", 0, 10000, INVALID("1e3"));
	check_num_err("ten", 0, 100, INVALID("ten"));
	check_num_err("4294967296", 0, UINT32_MAX,
		      "N \"4294967296\" out of range (0-4294967295)");
	check_num_err("0x100000000", 0, UINT32_MAX,
		      "N \"0x100000000\" out of range (0-4294967295)");
	check_num_err("18446744073709551616", 0, UINT64_MAX,
		      "N \"18446744073709551616\" out of range (0-18446744073709551615)");
	check_num_err("0x10000000000000000", 0, UINT64_MAX,
		      "N \"0x10000000000000000\" out of range (0-18446744073709551615)");
	check_num_err("0", 1, 5, "N \"0\" out of range (1-5)");
	check_num_err("6", 1, 5, "N \"6\" out of range (1-5)");
}

static const char *const words[] = { "list", "show", "showall", "stats", "help", NULL };

static void test_match(void)
{
	char err[MVMM_ERRLEN] = "";

	CHECK(mvmm_match("list", words) == 0, "exact match");
	CHECK(mvmm_match("l", words) == 0, "unique one-letter prefix");
	CHECK(mvmm_match("he", words) == 4, "unique prefix");
	CHECK(mvmm_match("show", words) == 1, "exact match wins over a longer name");
	CHECK(mvmm_match("showa", words) == 2, "prefix of the longer name");
	CHECK(mvmm_match("s", words) == MVMM_MATCH_AMBIGUOUS, "ambiguous prefix");
	CHECK(mvmm_match("sh", words) == MVMM_MATCH_AMBIGUOUS, "ambiguous between show/showall");
	CHECK(mvmm_match("x", words) == MVMM_MATCH_NONE, "unknown word");
	CHECK(mvmm_match("lists", words) == MVMM_MATCH_NONE, "longer than any name");
	CHECK(mvmm_match("", words) == MVMM_MATCH_NONE, "empty word names nothing");
	CHECK(mvmm_match("LIST", words) == MVMM_MATCH_NONE, "case matters");

	CHECK(mvmm_match_err("s", words, "command", err, sizeof(err)) ==
	      MVMM_MATCH_AMBIGUOUS, "ambiguous with message");
	CHECK_STR(err, "ambiguous command \"s\" (could be: show, showall, stats)",
		  "ambiguous message lists the candidates");
	CHECK(mvmm_match_err("bogus", words, "object", err, sizeof(err)) ==
	      MVMM_MATCH_NONE, "unknown with message");
	CHECK_STR(err, "unknown object \"bogus\"", "unknown message");
	CHECK(mvmm_match_err("st", words, "command", err, sizeof(err)) == 3,
	      "match_err returns the index");
}

/* An argv for the parsers, and its length: ARGS("pid", "12"), NARGS(...) */
#define ARGS(...)	((char *[]){ __VA_ARGS__ })
#define NARGS(...)	((int)(sizeof(ARGS(__VA_ARGS__)) / sizeof(char *)))

static void test_vm_sel(void)
{
	char err[MVMM_ERRLEN] = "";
	struct mvmm_vm_sel sel;

#define SEL(...) mvmm_parse_vm_sel(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), &sel, \
				      err, sizeof(err))
	CHECK(SEL("7") == 1 && sel.by == MVMM_VM_ID && sel.id == 7, "VM by id");
	CHECK(SEL("0x10", "extra") == 1 && sel.by == MVMM_VM_ID && sel.id == 16,
	      "VM by hex id uses one argument");
	CHECK(SEL("pid", "1234") == 2 && sel.by == MVMM_VM_PID && sel.pid == 1234,
	      "VM by pid");
	CHECK(SEL("p", "0x10") == 2 && sel.by == MVMM_VM_PID && sel.pid == 16,
	      "\"p\" abbreviates pid");

	CHECK(mvmm_parse_vm_sel(0, NULL, &sel, err, sizeof(err)) == -1, "no VM given");
	CHECK_STR(err, "missing VM (ID or \"pid PID\")", "no VM given message");
	CHECK(SEL("pid") == -1, "pid without value");
	CHECK_STR(err, "\"pid\" needs a process id", "pid without value message");
	CHECK(SEL("abc") == -1, "VM ID not a number");
	CHECK_STR(err, "invalid VM ID \"abc\" (expected a decimal or 0x-prefixed hex number)",
		  "VM ID not a number message");
	CHECK(SEL("0") == -1, "VM ID 0");
	CHECK_STR(err, "VM ID \"0\" out of range (1-4294967295)", "VM ID 0 message");
	CHECK(SEL("pid", "0") == -1, "pid 0");
	CHECK_STR(err, "pid \"0\" out of range (1-4194304)", "pid 0 message");
	CHECK(SEL("pid", "4194305") == -1, "pid too big");
	CHECK_STR(err, "pid \"4194305\" out of range (1-4194304)", "pid too big message");
	CHECK(SEL("pid", "12x") == -1, "pid not a number");
	CHECK_STR(err, "invalid pid \"12x\" (expected a decimal or 0x-prefixed hex number)",
		  "pid not a number message");
#undef SEL
}

static void test_pid_filter(void)
{
	char err[MVMM_ERRLEN] = "";
	struct mvmm_vm_sel sel;

#define FILTER(...) mvmm_parse_pid_filter(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), \
					 &sel, err, sizeof(err))
	CHECK(mvmm_parse_pid_filter(0, NULL, &sel, err, sizeof(err)) == 0 &&
	      sel.by == MVMM_VM_ALL, "no filter");
	CHECK(FILTER("pid", "99") == 0 && sel.by == MVMM_VM_PID && sel.pid == 99,
	      "pid filter");
	CHECK(FILTER("pid", "99", "x") == -1, "pid filter with trailing argument");
	CHECK_STR(err, "unexpected argument \"x\"", "trailing argument message");
	CHECK(FILTER("vm") == -1, "unknown filter keyword");
	CHECK_STR(err, "unknown argument \"vm\"", "unknown filter keyword message");
	CHECK(FILTER("pid") == -1, "pid filter without value");
	CHECK_STR(err, "\"pid\" needs a process id", "pid filter without value message");
#undef FILTER
}

static void test_format(void)
{
	static const struct {
		uint64_t ms;
		const char *want, *what;
	} ages[] = {
		{ 0, "0ms", "age 0" },
		{ 999, "999ms", "age below a second" },
		{ 12345, "12.3s", "age in seconds" },
		{ 60000, "1m00s", "age in minutes" },
		{ 3723000, "1h02m", "age in hours" },
		{ 90000000, "1d01h", "age in days" },
	};
	struct mvmm_ctx names = { 0 }, numeric = { .numeric = true };
	char buf[32], want[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ages); i++) {
		mvmm_fmt_age(ages[i].ms, buf, sizeof(buf));
		CHECK_STR(buf, ages[i].want, ages[i].what);
	}

	CHECK_STR(mvmm_type_str(&names, MVMM_EV_IO, buf, sizeof(buf)), "io", "type name");
	snprintf(want, sizeof(want), "%d", MVMM_EV_IO);
	CHECK_STR(mvmm_type_str(&numeric, MVMM_EV_IO, buf, sizeof(buf)), want,
		  "type number with -n");
	snprintf(want, sizeof(want), "%d", __MVMM_EV_MAX);
	CHECK_STR(mvmm_type_str(&names, __MVMM_EV_MAX, buf, sizeof(buf)), want,
		  "unknown type shown as its number");
}

int main(void)
{
	test_numbers();
	test_match();
	test_vm_sel();
	test_pid_filter();
	test_format();
	return tap_done();
}

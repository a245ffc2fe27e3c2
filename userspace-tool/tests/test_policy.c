// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for policy files (policy_file.c): lines, comments, blanks,
 * line ends, limits, the exact "NAME:LINE: message" of each refusal, and
 * that what "rule show -f" prints parses back into the same operations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mvmm.h>

#include "../mvmmctl.h"
#include "../policy_file.h"
#include "../rule_parse.h"
#include "tap.h"

void mvmm_oom(void)
{
	puts("Bail out! out of memory");
	exit(2);
}

static char err[MVMM_ERRLEN + 64];

/* Parse @text (a C string) as file "p.conf" into a fresh @pf. */
static int parse(const char *text, struct mvmm_policy_file *pf)
{
	memset(pf, 0, sizeof(*pf));
	err[0] = '\0';
	return mvmm_pf_parse("p.conf", text, strlen(text), pf, err, sizeof(err));
}

/* @text must be refused with exactly @msg. */
static void bad(const char *what, const char *text, const char *msg)
{
	struct mvmm_policy_file pf;

	CHECK(parse(text, &pf) == -1, what);
	CHECK_STR(err, msg, what);
	mvmm_pf_free(&pf);
}

static void test_lines(void)
{
	struct mvmm_policy_file pf;
	const struct mvmm_pf_op *o;

	CHECK(parse("# a policy\n"
		    "\n"
		    "flush default\n"
		    "   \t\n"
		    "default io port 0x3f8-0x3ff handler uart fallback main\n"
		    "  # indented comment\n"
		    "vm 3 cpuid leaf 0x40000000-0x400000ff main   # trailing\n"
		    "f vm pid 77\n"
		    "d id 9 hlt mode observe main\n", &pf) == 0, "a file parses");
	CHECK(pf.n == 5, "five operations");
	o = pf.op;
	CHECK(o[0].line == 3 && o[0].flush && o[0].table.is_default,
	      "flush default on line 3");
	CHECK(o[1].line == 5 && !o[1].flush && o[1].table.is_default &&
	      o[1].rule.type == MVMM_EV_IO && o[1].rule.lo == 0x3f8 &&
	      o[1].rule.hi == 0x3ff && !strcmp(o[1].rule.target, "uart") &&
	      o[1].rule.fallback == MVMM_FALLBACK_MAIN, "rule on line 5");
	CHECK(o[2].line == 7 && !o[2].table.is_default &&
	      o[2].table.vm.by == MVMM_VM_ID && o[2].table.vm.id == 3 &&
	      o[2].rule.type == MVMM_EV_CPUID && o[2].rule.hi == 0x400000ff &&
	      !strcmp(o[2].rule.target, "main"),
	      "VM rule with a trailing comment on line 7");
	CHECK(o[3].line == 8 && o[3].flush && o[3].table.vm.by == MVMM_VM_PID &&
	      o[3].table.vm.pid == 77, "\"f\" abbreviates flush; vm pid");
	CHECK(o[4].line == 9 && o[4].table.is_default && o[4].rule.id == 9 &&
	      o[4].rule.mode == MVMM_MODE_OBSERVE, "\"d\" abbreviates default; id");
	mvmm_pf_free(&pf);

	CHECK(parse("", &pf) == 0 && pf.n == 0, "empty file: no operation");
	CHECK(parse("# only\n#comments\n\n", &pf) == 0 && pf.n == 0,
	      "comments only: no operation");
	CHECK(parse("\n\n\n", &pf) == 0 && pf.n == 0, "blank lines only");
	CHECK(parse("default hlt main", &pf) == 0 && pf.n == 1 &&
	      pf.op[0].line == 1, "no newline at the end");
	mvmm_pf_free(&pf);
	CHECK(parse("flush default\r\ndefault hlt main\r\n", &pf) == 0 &&
	      pf.n == 2 && !strcmp(pf.op[1].rule.target, "main"),
	      "CRLF line ends");
	mvmm_pf_free(&pf);
	CHECK(parse("default hlt main#no space before the comment\n", &pf) == 0 &&
	      pf.n == 1 && !strcmp(pf.op[0].rule.target, "main"),
	      "a comment right after a word");
	mvmm_pf_free(&pf);
	CHECK(parse("default\thlt\t\tmain\n", &pf) == 0 && pf.n == 1,
	      "tabs separate words");
	mvmm_pf_free(&pf);
}

/* A line of @n characters: "default hlt main", then blanks, then "#x...". */
static char *long_line(size_t n, const char *end)
{
	static const char start[] = "default hlt main #";
	char *s = malloc(n + strlen(end) + 1);

	if (!s)
		mvmm_oom();
	memset(s, 'x', n);
	memcpy(s, start, sizeof(start) - 1);
	strcpy(s + n, end);
	return s;
}

static void test_limits(void)
{
	struct mvmm_policy_file pf;
	char words[512], *s;
	int i;

	s = long_line(MVMM_PF_LINE_MAX, "\n");
	CHECK(parse(s, &pf) == 0 && pf.n == 1, "a line of 1024 characters");
	mvmm_pf_free(&pf);
	free(s);
	s = long_line(MVMM_PF_LINE_MAX, "\r\n");
	CHECK(parse(s, &pf) == 0 && pf.n == 1,
	      "1024 characters and CRLF (the CR is no character of the line)");
	mvmm_pf_free(&pf);
	free(s);
	s = long_line(MVMM_PF_LINE_MAX + 1, "\n");
	bad("a line of 1025 characters", s,
	    "p.conf:1: line longer than 1024 characters");
	free(s);
	s = long_line(MVMM_PF_LINE_MAX + 1, "");
	bad("1025 characters, no newline", s,
	    "p.conf:1: line longer than 1024 characters");
	free(s);

	/* 32 words get to the rule parser, which refuses the 6th. */
	strcpy(words, "default io port 5 main");	/* 5 words */
	for (i = 5; i < 32; i++)
		strcat(words, " x");
	CHECK(parse(words, &pf) == -1 &&
	      !strcmp(err, "p.conf:1: unknown keyword \"x\""),
	      "32 words reach the rule parser");
	strcat(words, " x");
	bad("33 words", words, "p.conf:1: too many words (at most 32)");
}

static void test_errors(void)
{
	static const char nul[] = "default hlt\0 main\n";
	struct mvmm_policy_file pf;

	bad("unknown word", "default io port 5 bogus main\n",
	    "p.conf:1: unknown keyword \"bogus\"");
	bad("inverted range", "default io port 0x3ff-0x3f8 main\n",
	    "p.conf:1: inverted port range \"0x3ff-0x3f8\" (start above end)");
	bad("range past the type", "default io port 0x10000 main\n",
	    "p.conf:1: port \"0x10000\" out of range (0-65535)");
	bad("half a range", "default io port 5- main\n",
	    "p.conf:1: invalid port range \"5-\" (expected N or N-M)");
	bad("unknown table", "table io main\n",
	    "p.conf:1: unknown table \"table\" (expected \"vm ID\", \"vm pid PID\" or \"default\")");
	bad("missing target", "default io port 5\n",
	    "p.conf:1: missing target (\"handler NAME\" or \"main\")");
	bad("table alone", "default\n",
	    "p.conf:1: missing EVENT (see \"mvmmctl events\")");
	bad("unknown event", "vm 2 iox main\n",
	    "p.conf:1: unknown event type \"iox\" (see \"mvmmctl events\")");
	bad("flush without table", "flush\n",
	    "p.conf:1: missing table (\"vm ID\", \"vm pid PID\" or \"default\")");
	bad("flush with a rule", "flush default hlt main\n",
	    "p.conf:1: unexpected argument \"hlt\"");
	bad("flush vm 0", "flush vm 0\n",
	    "p.conf:1: VM ID \"0\" out of range (1-4294967295)");
	bad("vm without id", "vm hlt main\n",
	    "p.conf:1: invalid VM ID \"hlt\" (expected a decimal or 0x-prefixed hex number)");
	bad("two targets", "default hlt main handler x\n",
	    "p.conf:1: target given twice");
	bad("bad handler name", "default hlt handler a/b\n",
	    "p.conf:1: invalid handler name \"a/b\" (1-31 characters of a-z A-Z 0-9 _ . -)");
	bad("rule id 0", "default id 0 hlt main\n",
	    "p.conf:1: rule id \"0\" out of range (1-4294967295)");
	bad("the line counts blanks, comments and CRLF",
	    "# x\r\n\r\nflush default\r\n  # y\r\ndefault io port 0x3f8 origin l3 main\r\n",
	    "p.conf:5: invalid origin \"l3\" (expected l1, l2 or any)");
	bad("a commented-out target is missing",
	    "default io port 5 # main\n",
	    "p.conf:1: missing target (\"handler NAME\" or \"main\")");

	CHECK(mvmm_pf_parse("p.conf", nul, sizeof(nul) - 1, &pf, err,
			    sizeof(err)) == -1, "NUL character");
	CHECK_STR(err, "p.conf:1: NUL character (not a text file?)",
		  "NUL character message");
	mvmm_pf_free(&pf);

	/* The lines before the error stay parsed; the caller drops them. */
	CHECK(parse("flush default\ndefault hlt main\ndefault bogus main\n",
		    &pf) == -1 && pf.n == 2, "an error keeps the lines before");
	CHECK_STR(err, "p.conf:3: unknown event type \"bogus\" (see \"mvmmctl events\")",
		  "an error on line 3");
	mvmm_pf_free(&pf);
}

/* What "rule show -f" prints parses back into the same rules. */
static void test_round_trip(void)
{
	static const struct mvmm_rule_spec rules[] = {
		{ .id = 1, .type = MVMM_EV_IO, .ranged = true, .lo = 0x3f8,
		  .hi = 0x3ff, .target = "uart" },
		{ .id = 7, .type = MVMM_EV_MSR_WRITE, .ranged = true, .lo = 0x1b,
		  .hi = 0x1b, .origin = MVMM_MATCH_L2, .mode = MVMM_MODE_OBSERVE,
		  .fallback = MVMM_FALLBACK_DENY, .target = "msrlog" },
		{ .id = 4294967295u, .type = MVMM_EV_HLT, .hi = UINT64_MAX,
		  .target = "main" },
		{ .id = 12, .type = MVMM_EV_MMIO, .ranged = true, .lo = 0,
		  .hi = UINT64_MAX - 1, .target = "main" },
	};
	struct mvmm_policy_file pf;
	char text[4096], line[512];
	size_t off;
	unsigned int i;
	bool numeric;
	int same;

	for (numeric = false; ; numeric = true) {
		off = snprintf(text, sizeof(text), "flush vm 5\n");
		for (i = 0; i < ARRAY_SIZE(rules); i++) {
			mvmm_fmt_rule(&rules[i], numeric, line, sizeof(line));
			off += snprintf(text + off, sizeof(text) - off,
					"vm 5 %s\n", line);
		}
		CHECK(parse(text, &pf) == 0 && pf.n == ARRAY_SIZE(rules) + 1,
		      numeric ? "show -n -f output parses" : "show -f output parses");
		same = pf.n == ARRAY_SIZE(rules) + 1 && pf.op[0].flush;
		for (i = 0; same && i < ARRAY_SIZE(rules); i++) {
			const struct mvmm_rule_spec *a = &rules[i];
			const struct mvmm_rule_spec *b = &pf.op[i + 1].rule;

			same = !pf.op[i + 1].flush && pf.op[i + 1].table.vm.id == 5 &&
			       a->id == b->id && a->type == b->type &&
			       a->lo == b->lo && a->hi == b->hi &&
			       a->origin == b->origin && a->mode == b->mode &&
			       a->fallback == b->fallback &&
			       !strcmp(a->target, b->target);
		}
		CHECK(same, numeric ? "the same rules back (-n)" : "the same rules back");
		if (!same)
			printf("#   file:\n%s", text);
		mvmm_pf_free(&pf);
		if (numeric)
			break;
	}
}

int main(void)
{
	test_lines();
	test_limits();
	test_errors();
	test_round_trip();
	return tap_done();
}

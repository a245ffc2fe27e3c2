// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-registered answers (answer.h): the "answer ..." target of a rule,
 * its checks against the event type (the module's own table, so that a
 * bad command line sends nothing), and its text form. ipc.c carries it to
 * the module and back, rule.c prints it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <linux/mvmm.h>

#include "answer.h"
#include "classify.h"
#include "mvmmctl.h"
#include "out.h"
#include "parse.h"

static const char *const reg_names[MVMM_ANSWER_REGS + 1] = {
	"eax", "ebx", "ecx", "edx", NULL,
};

/* A number or ~number of @bits bits; 0, or -1 with @err set. */
static int parse_bits(const char *s, const char *what, unsigned int bits,
		      uint64_t *v, char *err, size_t errlen)
{
	uint64_t max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	bool not = s[0] == '~';

	if (mvmm_parse_num(s + not, what, 0, max, v, err, errlen))
		return -1;
	if (not)
		*v = ~*v & max;
	return 0;
}

/* Does @s look like a number parse_bits() would take? */
static bool numberish(const char *s)
{
	return isdigit((unsigned char)s[s[0] == '~']);
}

/* "and N" / "or N" after REG @i at argv[0..1]; the arguments used or -1. */
static int parse_reg_op(char **argv, int i,
			struct mvmm_answer_spec *a, char *err, size_t errlen)
{
	bool is_and = !strcmp(argv[0], "and");
	uint8_t bit = is_and ? MVMM_ANSREG_AND : MVMM_ANSREG_OR;
	char what[16];
	uint64_t v;

	snprintf(what, sizeof(what), "%s %s", reg_names[i], argv[0]);
	if (a->reg_given[i] & (bit | MVMM_ANSREG_VALUE)) {
		snprintf(err, errlen, a->reg_given[i] & MVMM_ANSREG_VALUE ?
			 "\"%s\": the register has a value already (a value is the whole register)" :
			 "\"%s\" given twice", what);
		return -1;
	}
	if (parse_bits(argv[1], what, 32, &v, err, errlen))
		return -1;
	a->reg_given[i] |= bit;
	if (is_and)
		a->reg_and[i] = v;
	else
		a->reg_or[i] = v;
	return 2;
}

/* REG at argv[0]: "REG N" or "REG and N [or N]"; arguments used or -1. */
static int parse_reg(int argc, char **argv, int i, struct mvmm_answer_spec *a,
		     char *err, size_t errlen)
{
	int used = 1, n;
	uint64_t v;

	if (argc < 2) {
		snprintf(err, errlen, "\"%s\" needs a value, or \"and N\" / \"or N\"",
			 argv[0]);
		return -1;
	}
	if (numberish(argv[1])) {
		if (a->reg_given[i]) {
			snprintf(err, errlen, "\"%s\" given twice", argv[0]);
			return -1;
		}
		if (parse_bits(argv[1], argv[0], 32, &v, err, errlen))
			return -1;
		a->reg_given[i] = MVMM_ANSREG_VALUE;
		a->reg_value[i] = v;
		return 2;
	}
	while (used + 1 < argc &&
	       (!strcmp(argv[used], "and") || !strcmp(argv[used], "or")) &&
	       numberish(argv[used + 1])) {
		n = parse_reg_op(argv + used, i, a, err, errlen);
		if (n < 0)
			return -1;
		used += n;
	}
	if (used == 1) {
		snprintf(err, errlen, "\"%s\" needs a value, or \"and N\" / \"or N\" (not \"%s\")",
			 argv[0], argv[1]);
		return -1;
	}
	return used;
}

int mvmm_parse_answer(int argc, char **argv, struct mvmm_answer_spec *a,
		      char *err, size_t errlen)
{
	int used = 1, n, i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < MVMM_ANSWER_REGS; i++)
		a->reg_and[i] = UINT32_MAX;

	while (used < argc) {
		const char *w = argv[used];

		if (!strcmp(w, "value")) {
			if (a->has_value) {
				snprintf(err, errlen, "\"value\" given twice");
				return -1;
			}
			if (used + 1 >= argc) {
				snprintf(err, errlen, "\"value\" needs a number");
				return -1;
			}
			if (parse_bits(argv[used + 1], "answer value", 64,
				       &a->value, err, errlen))
				return -1;
			a->has_value = true;
			used += 2;
		} else if (!strcmp(w, "ignore")) {
			if (a->ignore) {
				snprintf(err, errlen, "\"ignore\" given twice");
				return -1;
			}
			a->ignore = true;
			used++;
		} else {
			for (i = 0; reg_names[i] && strcmp(w, reg_names[i]); i++)
				;
			if (!reg_names[i])
				break;
			n = parse_reg(argc - used, argv + used, i, a, err,
				      errlen);
			if (n < 0)
				return -1;
			used += n;
		}
	}
	if (used == 1) {
		snprintf(err, errlen, "\"answer\" needs \"value N\", \"ignore\" or CPUID registers (eax, ebx, ecx, edx)");
		return -1;
	}
	return used;
}

int mvmm_answer_spec_check(const struct mvmm_answer_spec *a, uint32_t type,
			   char *err, size_t errlen)
{
	bool regs = a->reg_given[0] || a->reg_given[1] || a->reg_given[2] ||
		    a->reg_given[3];
	const struct mvmm_event_desc *d = mvmm_event_desc(type);
	unsigned int may = d ? d->answers : 0;
	const char *name = mvmm_event_name(type);
	bool bad;

	if (!may) {
		snprintf(err, errlen, "event type \"%s\" has no pre-registered answer (cpuid, msr read, msr write, io, mmio and hypercall have)",
			 name ?: "?");
		return -1;
	}
	if (type == MVMM_EV_IO && a->has_value && a->value > UINT32_MAX) {
		snprintf(err, errlen, "IO reads are at most 4 bytes: answer value above 0xffffffff");
		return -1;
	}
	/* The module's rule (core/event_names.c): what the type may give. */
	bad = (regs && !(may & MVMM_ANS_REGS)) ||
	      (a->has_value && !(may & MVMM_ANS_VALUE)) ||
	      (a->ignore && !(may & MVMM_ANS_IGNORE)) ||
	      !(regs || a->has_value || a->ignore);
	if (!bad)
		return 0;
	switch (type) {
	case MVMM_EV_CPUID:
		snprintf(err, errlen, "a cpuid answer is registers: eax, ebx, ecx and/or edx");
		break;
	case MVMM_EV_MSR_READ:
		snprintf(err, errlen, "an msr read is answered with \"value N\" (EDX:EAX) only");
		break;
	case MVMM_EV_HYPERCALL:
		snprintf(err, errlen, "a hypercall is answered with \"value N\" (RAX) only");
		break;
	case MVMM_EV_MSR_WRITE:
		snprintf(err, errlen, "an msr write has no result: \"answer ignore\" only");
		break;
	default:
		snprintf(err, errlen, "an %s answer is \"value N\" (reads) and/or \"ignore\" (writes)",
			 name);
		break;
	}
	return -1;
}

void mvmm_fmt_answer(const struct mvmm_answer_spec *a, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	if (a->has_value)
		mvmm_buf_append(buf, len, &off, " value 0x%llx",
		       (unsigned long long)a->value);
	if (a->ignore)
		mvmm_buf_append(buf, len, &off, " ignore");
	for (i = 0; i < MVMM_ANSWER_REGS; i++) {
		uint8_t g = a->reg_given[i];

		if (!g)
			continue;
		mvmm_buf_append(buf, len, &off, " %s", reg_names[i]);
		if (g & MVMM_ANSREG_VALUE)
			mvmm_buf_append(buf, len, &off, " 0x%x", a->reg_value[i]);
		if (g & MVMM_ANSREG_AND)
			mvmm_buf_append(buf, len, &off, " and 0x%x", a->reg_and[i]);
		if (g & MVMM_ANSREG_OR)
			mvmm_buf_append(buf, len, &off, " or 0x%x", a->reg_or[i]);
	}
	/* Without the leading space. */
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
}

const char *mvmm_answer_reg_name(int i)
{
	return reg_names[i];
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing for mvmmctl. Nothing here touches netlink, so usage
 * errors are found (and tested) before the kernel is asked anything.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"

int mvmm_match(const char *arg, const char *const *names)
{
	size_t len = strlen(arg);
	int found = MVMM_MATCH_NONE;
	int i;

	if (!len)
		return MVMM_MATCH_NONE;

	for (i = 0; names[i]; i++) {
		if (!strcmp(arg, names[i]))
			return i;	/* exact wins over any prefix */
		if (strncmp(arg, names[i], len))
			continue;
		found = found == MVMM_MATCH_NONE ? i : MVMM_MATCH_AMBIGUOUS;
	}
	return found;
}

int mvmm_match_err(const char *arg, const char *const *names, const char *what,
		   char *err, size_t errlen)
{
	size_t len = strlen(arg), off;
	const char *sep = "";
	int idx, i;

	idx = mvmm_match(arg, names);
	if (idx >= 0)
		return idx;

	if (idx == MVMM_MATCH_NONE) {
		snprintf(err, errlen, "unknown %s \"%s\"", what, arg);
		return idx;
	}

	off = snprintf(err, errlen, "ambiguous %s \"%s\" (could be:", what, arg);
	for (i = 0; names[i] && off < errlen; i++) {
		if (strncmp(arg, names[i], len))
			continue;
		off += snprintf(err + off, errlen - off, "%s %s", sep, names[i]);
		sep = ",";
	}
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
	return idx;
}

static int digit_value(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/*
 * Not strtoull(): it accepts leading space and a minus sign (wrapping
 * "-1" to UINT64_MAX), and base 0 would read "010" as octal.
 */
int mvmm_parse_num(const char *s, const char *what, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen)
{
	unsigned int base = 10;
	const char *p = s;
	uint64_t v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		goto invalid;

	for (; *p; p++) {
		d = digit_value(*p, base);
		if (d < 0)
			goto invalid;
		if (v > (UINT64_MAX - d) / base)
			goto range;
		v = v * base + d;
	}
	if (v < min || v > max)
		goto range;

	*out = v;
	return 0;

invalid:
	snprintf(err, errlen, "invalid %s \"%s\" (expected a decimal or 0x-prefixed hex number)",
		 what, s);
	return -1;
range:
	snprintf(err, errlen, "%s \"%s\" out of range (%llu-%llu)", what, s,
		 (unsigned long long)min, (unsigned long long)max);
	return -1;
}

static const char *const vm_keywords[] = { "pid", NULL };

static int parse_pid(int argc, char **argv, struct mvmm_vm_sel *sel,
		     char *err, size_t errlen)
{
	uint64_t v;

	if (argc < 2) {
		snprintf(err, errlen, "\"pid\" needs a process id");
		return -1;
	}
	if (mvmm_parse_num(argv[1], "pid", 1, MVMM_PID_MAX, &v, err, errlen))
		return -1;
	sel->by = MVMM_VM_PID;
	sel->pid = v;
	return 2;
}

int mvmm_parse_vm_sel(int argc, char **argv, struct mvmm_vm_sel *sel,
		      char *err, size_t errlen)
{
	uint64_t v;

	if (argc < 1) {
		snprintf(err, errlen, "missing VM (ID or \"pid PID\")");
		return -1;
	}
	/* A VM ID starts with a digit, so a keyword can never be mistaken for one. */
	if (mvmm_match(argv[0], vm_keywords) == 0)
		return parse_pid(argc, argv, sel, err, errlen);

	if (mvmm_parse_num(argv[0], "VM ID", MVMM_VM_ID_MIN, UINT32_MAX, &v, err, errlen))
		return -1;
	sel->by = MVMM_VM_ID;
	sel->id = v;
	return 1;
}

int mvmm_parse_pid_filter(int argc, char **argv, struct mvmm_vm_sel *sel,
			  char *err, size_t errlen)
{
	int used;

	sel->by = MVMM_VM_ALL;
	if (!argc)
		return 0;
	if (mvmm_match_err(argv[0], vm_keywords, "argument", err, errlen) < 0)
		return -1;
	used = parse_pid(argc, argv, sel, err, errlen);
	if (used < 0)
		return -1;
	if (argc > used) {
		snprintf(err, errlen, "unexpected argument \"%s\"", argv[used]);
		return -1;
	}
	return 0;
}

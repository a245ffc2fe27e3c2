// SPDX-License-Identifier: GPL-2.0
/*
 * The rule grammar (see rule_parse.h). Everything here is decided before
 * any netlink socket is opened, so that a bad command line changes nothing
 * and fails with exit status 1.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <linux/mvmm.h>

#include "classify.h"
#include "mvmmctl.h"
#include "out.h"
#include "rule_parse.h"

static const char *const origin_names[] = {
	[MVMM_MATCH_ANY] = "any",
	[MVMM_MATCH_L1] = "l1",
	[MVMM_MATCH_L2] = "l2",
	NULL,
};

static const char *const mode_names[] = {
	[MVMM_MODE_SYNC] = "sync",
	[MVMM_MODE_OBSERVE] = "observe",
	NULL,
};

static const char *const fallback_names[] = {
	[MVMM_FALLBACK_MAIN] = "main",
	[MVMM_FALLBACK_DENY] = "deny",
	NULL,
};

/* The last entry of each table is its NULL terminator. */
#define NAME_OF(names, v) ((v) < ARRAY_SIZE(names) - 1 ? (names)[v] : NULL)

const char *mvmm_origin_name(unsigned int v)
{
	return NAME_OF(origin_names, v);
}

const char *mvmm_mode_name(unsigned int v)
{
	return NAME_OF(mode_names, v);
}

const char *mvmm_fallback_name(unsigned int v)
{
	return NAME_OF(fallback_names, v);
}

static const char *const table_words[] = { "vm", "default", NULL };

#define TABLE_HELP "\"vm ID\", \"vm pid PID\" or \"default\""

int mvmm_parse_table(int argc, char **argv, struct mvmm_table_sel *t,
		     char *err, size_t errlen)
{
	int used;

	memset(t, 0, sizeof(*t));
	if (argc < 1) {
		snprintf(err, errlen, "missing table (" TABLE_HELP ")");
		return -1;
	}
	switch (mvmm_match(argv[0], table_words)) {
	case 0:
		used = mvmm_parse_vm_sel(argc - 1, argv + 1, &t->vm, err, errlen);
		return used < 0 ? -1 : used + 1;
	case 1:
		t->is_default = true;
		return 1;
	default:
		snprintf(err, errlen, "unknown table \"%s\" (expected " TABLE_HELP ")",
			 argv[0]);
		return -1;
	}
}

static int parse_id(int argc, char **argv, uint32_t *id, char *err,
		    size_t errlen)
{
	uint64_t v;

	if (argc < 2) {
		snprintf(err, errlen, "\"id\" needs a rule id");
		return -1;
	}
	if (mvmm_parse_num(argv[1], "rule id", 1, UINT32_MAX, &v, err, errlen))
		return -1;
	*id = v;
	return 0;
}

int mvmm_parse_rule_id(int argc, char **argv, uint32_t *id, char *err,
		       size_t errlen)
{
	static const char *const id_word[] = { "id", NULL };

	if (argc < 1) {
		snprintf(err, errlen, "missing \"id N\"");
		return -1;
	}
	if (mvmm_match(argv[0], id_word) != 0) {
		snprintf(err, errlen, "expected \"id N\", not \"%s\"", argv[0]);
		return -1;
	}
	if (parse_id(argc, argv, id, err, errlen))
		return -1;
	if (argc > 2) {
		snprintf(err, errlen, "unexpected argument \"%s\"", argv[2]);
		return -1;
	}
	return 0;
}

/* "N" or "N-M" of qualifier @kw into @r, within [0, @max]. */
static int parse_range(const char *s, const char *kw, uint64_t max,
		       struct mvmm_rule_spec *r, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	char lo[32];
	size_t n;

	if (!dash) {
		if (mvmm_parse_num(s, kw, 0, max, &r->lo, err, errlen))
			return -1;
		r->hi = r->lo;
		r->ranged = true;
		return 0;
	}

	n = dash - s;
	if (!n || !dash[1] || n >= sizeof(lo)) {
		snprintf(err, errlen, "invalid %s range \"%s\" (expected N or N-M)",
			 kw, s);
		return -1;
	}
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (mvmm_parse_num(lo, kw, 0, max, &r->lo, err, errlen) ||
	    mvmm_parse_num(dash + 1, kw, 0, max, &r->hi, err, errlen))
		return -1;
	if (r->lo > r->hi) {
		snprintf(err, errlen, "inverted %s range \"%s\" (start above end)",
			 kw, s);
		return -1;
	}
	r->ranged = true;
	return 0;
}

/* EVENT at the start of @argv; returns the arguments used or -1. */
static int parse_event(int argc, char **argv, struct mvmm_rule_spec *r,
		       char *err, size_t errlen)
{
	static const char *const msr_access[] = { "read", "write", NULL };
	uint64_t v;
	int t;

	if (!strcmp(argv[0], "msr")) {
		t = argc > 1 ? mvmm_match(argv[1], msr_access) : -1;
		if (t < 0) {
			if (argc > 1)
				snprintf(err, errlen, "\"msr\" needs \"read\" or \"write\", not \"%s\"",
					 argv[1]);
			else
				snprintf(err, errlen, "\"msr\" needs \"read\" or \"write\"");
			return -1;
		}
		r->type = t ? MVMM_EV_MSR_WRITE : MVMM_EV_MSR_READ;
		/* "msr read 0x10": the range needs no keyword. */
		if (argc > 2 && isdigit((unsigned char)argv[2][0])) {
			if (parse_range(argv[2], "index",
					mvmm_event_desc(r->type)->max, r, err, errlen))
				return -1;
			return 3;
		}
		return 2;
	}

	if (isdigit((unsigned char)argv[0][0])) {
		if (mvmm_parse_num(argv[0], "event type", 0, MVMM_EV_MAX, &v, err,
				   errlen))
			return -1;
		r->type = v;
		return 1;
	}

	t = mvmm_event_lookup(argv[0]);
	if (t < 0) {
		snprintf(err, errlen, "unknown event type \"%s\" (see \"mvmmctl events\")",
			 argv[0]);
		return -1;
	}
	r->type = t;
	return 1;
}

/* Keywords after EVENT; KW_QUAL's name depends on the event type. */
enum {
	KW_QUAL, KW_ID, KW_ORIGIN, KW_MODE, KW_HANDLER, KW_MAIN, KW_FALLBACK,
	KW_GROUP, KW_ANSWER,
	NR_KW
};

/* The keywords that name the rule's target: one of them, once. */
static bool target_kw(int k)
{
	return k == KW_MAIN || k == KW_HANDLER || k == KW_GROUP ||
	       k == KW_ANSWER;
}

static bool target_seen(const bool *seen)
{
	return seen[KW_MAIN] || seen[KW_HANDLER] || seen[KW_GROUP] ||
	       seen[KW_ANSWER];
}

bool mvmm_handler_name_ok(const char *s)
{
	return mvmm_name_ok(s);
}

/* Value of enum keyword @kw (argv[1]) among @names, or -1. */
static int parse_enum(int argc, char **argv, const char *kw,
		      const char *const *names, const char *expect,
		      char *err, size_t errlen)
{
	int v;

	if (argc < 2) {
		snprintf(err, errlen, "\"%s\" needs %s", kw, expect);
		return -1;
	}
	v = mvmm_match(argv[1], names);
	if (v < 0)
		snprintf(err, errlen, "invalid %s \"%s\" (expected %s)", kw,
			 argv[1], expect);
	return v;
}

/* A word where a keyword belongs that is none of @kw: say why. */
static void bad_keyword(const char *word, const struct mvmm_rule_spec *r,
			const char *const *kw, char *err, size_t errlen)
{
	const char *qual = kw[KW_QUAL][0] ? kw[KW_QUAL] : NULL;
	const char *type = mvmm_event_name(r->type);
	char num[16];

	if (!type) {
		snprintf(num, sizeof(num), "%u", r->type);
		type = num;
	}
	if (mvmm_match(word, kw) == MVMM_MATCH_AMBIGUOUS) {
		mvmm_match_err(word, kw, "keyword", err, errlen);
	} else if (isdigit((unsigned char)word[0]) || mvmm_is_qual_keyword(word)) {
		if (!qual)
			snprintf(err, errlen, "event type \"%s\" takes no qualifier (got \"%s\")",
				 type, word);
		else if (isdigit((unsigned char)word[0]))
			snprintf(err, errlen, "expected \"%s\" before \"%s\"", qual,
				 word);
		else
			snprintf(err, errlen, "event type \"%s\" takes \"%s\", not \"%s\"",
				 type, qual, word);
	} else {
		snprintf(err, errlen, "unknown keyword \"%s\"", word);
	}
}

/* What the module refuses in a rule with an answer, refused first here. */
static int check_answer_rule(const struct mvmm_rule_spec *r, char *err,
			     size_t errlen)
{
	if (r->mode != MVMM_MODE_SYNC) {
		snprintf(err, errlen, "an answer is given, not observed: \"answer\" takes no \"mode observe\"");
		return -1;
	}
	if (r->fallback != MVMM_FALLBACK_MAIN) {
		snprintf(err, errlen, "an answer cannot fail: \"answer\" takes no \"fallback deny\"");
		return -1;
	}
	return mvmm_answer_spec_check(&r->answer, r->type, err, errlen);
}

int mvmm_parse_rule(int argc, char **argv, struct mvmm_rule_spec *r,
		    char *err, size_t errlen)
{
	const char *kw[NR_KW + 1] = {
		[KW_ID] = "id", [KW_ORIGIN] = "origin", [KW_MODE] = "mode",
		[KW_HANDLER] = "handler", [KW_MAIN] = "main",
		[KW_FALLBACK] = "fallback", [KW_GROUP] = "group",
		[KW_ANSWER] = "answer",
	};
	const struct mvmm_event_desc *q;
	bool seen[NR_KW] = { false };
	int i = 0, used, k, v;

	memset(r, 0, sizeof(*r));
	r->hi = UINT64_MAX;
	r->origin = MVMM_MATCH_ANY;
	r->mode = MVMM_MODE_SYNC;
	r->fallback = MVMM_FALLBACK_MAIN;

	/* "rule show" prints the id first; only the full word fits here. */
	if (argc > 0 && !strcmp(argv[0], "id")) {
		if (parse_id(argc, argv, &r->id, err, errlen))
			return -1;
		seen[KW_ID] = true;
		i = 2;
	}
	if (i >= argc) {
		snprintf(err, errlen, "missing EVENT (see \"mvmmctl events\")");
		return -1;
	}
	used = parse_event(argc - i, argv + i, r, err, errlen);
	if (used < 0)
		return -1;
	seen[KW_QUAL] = r->ranged;
	i += used;

	q = mvmm_event_desc(r->type);
	kw[KW_QUAL] = q->quals[0] ?: "";	/* "" never matches */

	for (; i < argc; i += 2) {
		k = mvmm_match(argv[i], kw);
		if (k < 0) {
			bad_keyword(argv[i], r, kw, err, errlen);
			return -1;
		}
		if (seen[k] || (target_kw(k) && target_seen(seen))) {
			if (target_kw(k))
				snprintf(err, errlen, "target given twice");
			else
				snprintf(err, errlen, "\"%s\" given twice", kw[k]);
			return -1;
		}
		seen[k] = true;

		switch (k) {
		case KW_QUAL:
			if (i + 1 >= argc) {
				snprintf(err, errlen, "\"%s\" needs a number or range",
					 kw[k]);
				return -1;
			}
			if (parse_range(argv[i + 1], kw[k], q->max, r, err, errlen))
				return -1;
			break;
		case KW_ID:
			if (parse_id(argc - i, argv + i, &r->id, err, errlen))
				return -1;
			break;
		case KW_ORIGIN:
			v = parse_enum(argc - i, argv + i, kw[k], origin_names,
				       "l1, l2 or any", err, errlen);
			if (v < 0)
				return -1;
			r->origin = v;
			break;
		case KW_MODE:
			v = parse_enum(argc - i, argv + i, kw[k], mode_names,
				       "sync or observe", err, errlen);
			if (v < 0)
				return -1;
			r->mode = v;
			break;
		case KW_FALLBACK:
			v = parse_enum(argc - i, argv + i, kw[k], fallback_names,
				       "main or deny", err, errlen);
			if (v < 0)
				return -1;
			r->fallback = v;
			break;
		case KW_MAIN:
			snprintf(r->target, sizeof(r->target), "main");
			i--;	/* takes no value */
			break;
		case KW_HANDLER:
			if (i + 1 >= argc) {
				snprintf(err, errlen, "\"handler\" needs a name");
				return -1;
			}
			if (!strcmp(argv[i + 1], "main")) {	/* names KVM */
				snprintf(err, errlen, "\"main\" is no handler name (write \"main\" alone to target KVM)");
				return -1;
			}
			if (!mvmm_handler_name_ok(argv[i + 1])) {
				snprintf(err, errlen, "invalid handler name \"%s\" "
					 MVMM_HANDLER_NAME_HELP, argv[i + 1]);
				return -1;
			}
			snprintf(r->target, sizeof(r->target), "%s", argv[i + 1]);
			break;
		case KW_GROUP:
			if (i + 1 >= argc) {
				snprintf(err, errlen, "\"group\" needs a name");
				return -1;
			}
			if (!mvmm_handler_name_ok(argv[i + 1])) {
				snprintf(err, errlen, "invalid group name \"%s\" "
					 MVMM_HANDLER_NAME_HELP, argv[i + 1]);
				return -1;
			}
			snprintf(r->target, sizeof(r->target), "%s", argv[i + 1]);
			r->group = true;
			break;
		case KW_ANSWER:
			used = mvmm_parse_answer(argc - i, argv + i, &r->answer,
						 err, errlen);
			if (used < 0)
				return -1;
			r->has_answer = true;
			i += used - 2;	/* the loop steps over 2 */
			break;
		}
	}

	if (r->has_answer)
		return check_answer_rule(r, err, errlen);
	if (!r->target[0]) {
		snprintf(err, errlen, "missing target (\"handler NAME\" or \"main\")");
		return -1;
	}
	return 0;
}

static size_t fmt_value(char *buf, size_t len, uint64_t v, bool hex)
{
	return snprintf(buf, len, hex ? "0x%llx" : "%llu", (unsigned long long)v);
}

void mvmm_fmt_rule(const struct mvmm_rule_spec *r, bool numeric, char *buf,
		   size_t len)
{
	const struct mvmm_event_desc *q = mvmm_event_desc(r->type);
	const char *name = numeric ? NULL : mvmm_event_name(r->type);
	const char *kw = q ? q->quals[0] : NULL;
	bool hex = q ? q->hex : true;
	bool msr = name && (r->type == MVMM_EV_MSR_READ ||
			    r->type == MVMM_EV_MSR_WRITE);
	char lo[32], hi[32], v[16], ans[256];
	const char *s;
	size_t off = 0;

	buf[0] = '\0';
	mvmm_buf_append(buf, len, &off, "id %u ", r->id);
	if (msr && r->ranged)
		mvmm_buf_append(buf, len, &off, "msr %s",
		       r->type == MVMM_EV_MSR_READ ? "read" : "write");
	else if (name)
		mvmm_buf_append(buf, len, &off, "%s", name);
	else
		mvmm_buf_append(buf, len, &off, "%u", r->type);

	if (r->ranged) {
		fmt_value(lo, sizeof(lo), r->lo, hex);
		fmt_value(hi, sizeof(hi), r->hi, hex);
		/*
		 * A range on a type without a qualifier keyword can only
		 * come from another tool or a newer module: show it anyway.
		 */
		if (!msr)
			mvmm_buf_append(buf, len, &off, " %s", kw ?: "qual");
		mvmm_buf_append(buf, len, &off, " %s", lo);
		if (r->hi != r->lo)
			mvmm_buf_append(buf, len, &off, "-%s", hi);
	}

#define APPEND_ENUM(word, fn, val) do {					\
	s = fn(val);							\
	if (!s) {							\
		snprintf(v, sizeof(v), "%u", (unsigned int)(val));	\
		s = v;							\
	}								\
	mvmm_buf_append(buf, len, &off, " " word " %s", s);			\
} while (0)

	APPEND_ENUM("origin", mvmm_origin_name, r->origin);
	APPEND_ENUM("mode", mvmm_mode_name, r->mode);
	if (r->has_answer) {
		mvmm_fmt_answer(&r->answer, ans, sizeof(ans));
		mvmm_buf_append(buf, len, &off, " answer %s", ans);
	} else if (r->group) {
		mvmm_buf_append(buf, len, &off, " group %s", r->target);
	} else if (!strcmp(r->target, "main")) {
		mvmm_buf_append(buf, len, &off, " main");
	} else {
		mvmm_buf_append(buf, len, &off, " handler %s", r->target);
	}
	APPEND_ENUM("fallback", mvmm_fallback_name, r->fallback);
#undef APPEND_ENUM
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The rule helpers that fail the test (TEST_ASSERT) on any error, with
 * the kernel's message: for the KVM selftests only. mvmm_rule.c itself
 * needs no kselftest, so that nl_dump links it too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#include "mvmm_nl.h"
#include "mvmm_rule.h"

struct mvmm_rsk *mvmm_rsk_open_ok(void)
{
	struct mvmm_rsk *s = mvmm_rsk_open();

	TEST_ASSERT(s, "Expected the \"mvmm\" generic netlink family, got %s%s",
		    strerror(errno),
		    errno == ENOENT ? " (mvmm.ko is not loaded)" : "");
	return s;
}

uint32_t mvmm_rule_add_ok(struct mvmm_rsk *s, uint32_t table,
			  const struct mvmm_rule_info *r)
{
	struct mvmm_ack ack;
	uint32_t id = 0;
	char buf[200];
	int ret = mvmm_rule_add(s, table, r, &id, &ack);

	TEST_ASSERT(!ret, "Expected rule add (table %u: %s) to work, got %s (%s)",
		    table, mvmm_rule_str(r, buf, sizeof(buf)), strerror(-ret),
		    ack.msg);
	return id;
}

void mvmm_rule_replace_ok(struct mvmm_rsk *s, uint32_t table,
			  const struct mvmm_rule_info *r)
{
	struct mvmm_ack ack;
	char buf[200];
	int ret = mvmm_rule_replace(s, table, r, &ack);

	TEST_ASSERT(!ret, "Expected rule replace (table %u: %s) to work, got %s (%s)",
		    table, mvmm_rule_str(r, buf, sizeof(buf)), strerror(-ret),
		    ack.msg);
}

void mvmm_hd_check(const char *what, const struct mvmm_handler_info *a,
		   const struct mvmm_handler_info *b,
		   const struct mvmm_hdelta *d)
{
	printf("# %s: %s events +%lu handled +%lu to_main +%lu injected +%lu fallback +%lu invalid +%lu observed +%lu timeouts +%lu dropped +%lu restarts +%lu\n",
	       what, b->name, b->events - a->events, b->handled - a->handled,
	       b->to_main - a->to_main, b->injected - a->injected,
	       b->fallback - a->fallback, b->invalid - a->invalid,
	       b->observed - a->observed, b->timeouts - a->timeouts,
	       b->dropped - a->dropped, b->restarts - a->restarts);
	fflush(stdout);
#define CHECK_H(f)							\
	TEST_ASSERT(b->f - a->f == d->f,				\
		    "%s: Expected handler %s's " #f " to grow by %lu, got %lu", \
		    what, b->name, d->f, b->f - a->f)
	CHECK_H(events);
	CHECK_H(handled);
	CHECK_H(to_main);
	CHECK_H(injected);
	CHECK_H(fallback);
	CHECK_H(invalid);
	CHECK_H(observed);
	CHECK_H(timeouts);
	CHECK_H(dropped);
	CHECK_H(restarts);
#undef CHECK_H
}

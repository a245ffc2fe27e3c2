// SPDX-License-Identifier: GPL-2.0
/*
 * nl_dump: big tables and interrupted dumps of the mvmm family, for
 * tests/vm/monitor.sh and bench/dump_bench.sh, against the real module.
 * All on the default table.
 *
 *   nl_dump fill N         flush the default table and add N rules (msr
 *                          read 0 ... N-1, target main) in one atomic
 *                          MVMM_CMD_RULE_APPLY; prints the time taken
 *   nl_dump count [N]      dump the table (GET_RULE), check that ids rise,
 *                          print "COUNT rules in T s (P parts)"; exit 1 on
 *                          NLM_F_DUMP_INTR or if N is given and differs
 *   nl_dump add N          add N rules one by one (RULE_ADD, msr write
 *                          0x10000 + i) on top of what the table holds;
 *                          prints the time per add
 *   nl_dump churn K [MS]   forever: replace the whole table with K rules
 *                          of tag 0, 1, 0, ... (one RULE_APPLY each: flush,
 *                          then msr read index tag * 0x100000 + i), with
 *                          MS (default 5) ms pauses
 *   nl_dump race TRIES K   run churn K 10 in a child and dump up to TRIES
 *                          times, slowly (2 ms between reads), until 5
 *                          dumps were flagged NLM_F_DUMP_INTR and 5 were
 *                          not; fails if a dump that is not flagged is
 *                          mixed (not K rules of one tag) or if no dump
 *                          was ever flagged
 *   nl_dump timeit CMD...  run CMD, print "T s" on stderr, exit as CMD
 *
 * Needs CAP_NET_ADMIN for fill, add, churn and race.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mvmm.h>

/* The tests' netlink client (selftests/kvm/lib), linked in. */
#include "mvmm_nl.h"
#include "mvmm_rule.h"

#define TAG_SHIFT	20	/* churn: lo = tag << TAG_SHIFT | i */
#define MSR_READ_BASE	0	/* fill */
#define MSR_WRITE_BASE	0x10000	/* add */

static struct mvmm_rsk *sk;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* @err: -errno; @ack (may be NULL): the kernel's message, if it gave one. */
static void __attribute__((noreturn)) die(const char *what, int err,
					  const struct mvmm_ack *ack)
{
	fprintf(stderr, "nl_dump: %s: %s%s%s\n", what, strerror(-err),
		ack && ack->msg[0] ? ": " : "", ack ? ack->msg : "");
	exit(2);
}

static void nl_open(void)
{
	int big = 64 << 20;

	sk = mvmm_rsk_open();
	if (!sk)
		die("family mvmm", -errno, NULL);
	/* A RULE_APPLY of 100,000 rules is about 8 MB, in one message. */
	if (setsockopt(mvmm_nl_fd(mvmm_rsk_nl(sk)), SOL_SOCKET, SO_SNDBUFFORCE,
		       &big, sizeof(big)))
		perror("nl_dump: SO_SNDBUFFORCE");
}

/* A rule of the default table: msr @type @qual, target main. */
static void rule_init(struct mvmm_rule_info *r, uint32_t type, uint64_t qual)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->lo = r->hi = qual;
	strcpy(r->target, "main");
}

/* The default table: flush, then @n rules of msr read @base + (0..n-1). */
static void apply(uint32_t n, uint64_t base)
{
	struct mvmm_rule_info r;
	struct mvmm_ack ack;
	struct mvmm_msg m;
	uint32_t i;
	int ret;

	/* About 88 bytes a rule: grown by the library if that is short. */
	ret = mvmm_msg_init_big(&m, mvmm_rsk_family(sk), MVMM_CMD_RULE_APPLY,
				0, 64 + 96 * (size_t)n);
	if (ret)
		die("RULE_APPLY", ret, NULL);
	mvmm_msg_nest(&m, MVMM_A_OP);
	mvmm_msg_put_table(&m, MVMM_TABLE_DEFAULT);
	mvmm_msg_put_flag(&m, MVMM_A_FLUSH);
	mvmm_msg_nest_end(&m);
	/*
	 * Ascending: the builder keeps its per-origin views sorted by
	 * qualifier with an insertion each, so that descending qualifiers
	 * would cost O(n^2) memmove.
	 */
	for (i = 0; i < n; i++) {
		mvmm_msg_nest(&m, MVMM_A_OP);
		mvmm_msg_put_table(&m, MVMM_TABLE_DEFAULT);
		rule_init(&r, MVMM_EV_MSR_READ, base + i);
		mvmm_msg_put_rule(&m, &r);
		mvmm_msg_nest_end(&m);
	}
	ret = mvmm_rsk_talk(sk, &m, NULL, NULL, &ack);
	mvmm_msg_free(&m);
	if (ret)
		die("RULE_APPLY", ret, &ack);
}

struct dump {
	uint32_t count, parts, last_id;
	bool intr, ids_rise, one_tag, malformed;
	uint64_t tag;
};

static int dump_rule(const struct mvmm_rule_info *r, void *arg)
{
	struct dump *d = arg;

	/* Every rule the module reports has an id: ids start at 1. */
	if (!r->id) {
		d->malformed = true;
		return 1;
	}
	if (d->count && r->id <= d->last_id)
		d->ids_rise = false;
	if (!d->count)
		d->tag = r->lo >> TAG_SHIFT;
	else if (r->lo >> TAG_SHIFT != d->tag)
		d->one_tag = false;
	d->last_id = r->id;
	d->count++;
	return 0;
}

/*
 * Dump the default table, sleeping @delay_us before each read (so that
 * changes can land between parts).
 */
static int dump(struct dump *d, unsigned int delay_us)
{
	struct mvmm_ack ack;
	int ret;

	memset(d, 0, sizeof(*d));
	d->ids_rise = d->one_tag = true;
	mvmm_nl_set_read_pause(mvmm_rsk_nl(sk), delay_us);
	ret = mvmm_rule_dump_each(sk, MVMM_TABLE_DEFAULT, dump_rule, d, &ack);
	mvmm_nl_set_read_pause(mvmm_rsk_nl(sk), 0);
	d->intr = ack.dump_intr;
	d->parts = ack.reads;
	if (d->malformed) {
		fprintf(stderr, "nl_dump: malformed rule message\n");
		return -1;
	}
	if (ret < 0) {
		fprintf(stderr, "nl_dump: GET_RULE failed: %s\n",
			strerror(-ret));
		return -1;
	}
	return 0;
}

static int cmd_count(long want)
{
	struct dump d;
	double t = now();

	if (dump(&d, 0))
		return 2;
	t = now() - t;
	printf("%u rules in %.3f s (%u parts)%s\n", d.count, t, d.parts,
	       d.intr ? ", NLM_F_DUMP_INTR" : "");
	if (!d.ids_rise)
		fprintf(stderr, "nl_dump: ids not in rising order\n");
	return d.intr || !d.ids_rise || (want >= 0 && d.count != want);
}

static int cmd_add(uint32_t n)
{
	struct mvmm_rule_info r;
	struct mvmm_ack ack;
	double t = now();
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++) {
		rule_init(&r, MVMM_EV_MSR_WRITE, MSR_WRITE_BASE + i);
		ret = mvmm_rule_add(sk, MVMM_TABLE_DEFAULT, &r, NULL, &ack);
		if (ret)
			die("RULE_ADD", ret, &ack);
	}
	t = now() - t;
	printf("%u adds in %.3f s: %.2f ms per add, %.0f adds/s\n", n, t,
	       n ? t * 1e3 / n : 0, t > 0 ? n / t : 0);
	return 0;
}

static void __attribute__((noreturn)) churn(uint32_t k, unsigned int ms)
{
	uint64_t tag;

	for (tag = 0;; tag ^= 1) {
		apply(k, tag << TAG_SHIFT);
		/* Let dumps make progress between changes. */
		usleep(ms * 1000);
	}
}

static int cmd_race(long tries, uint32_t k)
{
	long i, intr = 0, clean = 0, bad = 0;
	struct dump d;
	pid_t child;
	int status;

	apply(k, 0);
	child = fork();
	if (child < 0) {
		perror("nl_dump: fork");
		return 2;
	}
	if (!child) {
		/* A socket of its own: replies go to the port that asked. */
		mvmm_rsk_close(sk);
		nl_open();
		/*
		 * A dump resumes after the last id it sent, so that one
		 * which reads slower than the table is replaced chases the
		 * new rules and never ends. 10 ms between changes keeps the
		 * rate below the reader's (2 ms a part), as 5 ms did while
		 * each change also cost libnl's message building.
		 */
		churn(k, 10);
	}
	for (i = 0; i < tries && (intr < 5 || clean < 5); i++) {
		if (dump(&d, 2000)) {
			bad++;
			break;
		}
		if (d.intr) {
			intr++;
			continue;
		}
		clean++;
		if (d.count != k || !d.one_tag || !d.ids_rise) {
			bad++;
			printf("not flagged but mixed: %u rules (want %u), %s tag, ids %s\n",
			       d.count, k, d.one_tag ? "one" : "more than one",
			       d.ids_rise ? "rising" : "not rising");
		}
	}
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	printf("%ld dumps of %u rules: %ld flagged NLM_F_DUMP_INTR, %ld consistent, %ld mixed or failed\n",
	       i, k, intr, clean, bad);
	if (!intr)
		printf("no dump was ever flagged while the table changed\n");
	return bad || !intr;
}

static int cmd_timeit(char **argv)
{
	double t = now();
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	fprintf(stderr, "%.3f s\n", now() - t);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "timeit") && argc > 2)
		return cmd_timeit(argv + 2);
	nl_open();
	if (!strcmp(cmd, "fill") && argc == 3) {
		uint32_t n = strtoul(argv[2], NULL, 0);
		double t = now();

		apply(n, MSR_READ_BASE);
		printf("%u rules applied in %.3f s\n", n, now() - t);
		return 0;
	}
	if (!strcmp(cmd, "count") && argc <= 3)
		return cmd_count(argc == 3 ? strtol(argv[2], NULL, 0) : -1);
	if (!strcmp(cmd, "add") && argc == 3)
		return cmd_add(strtoul(argv[2], NULL, 0));
	if (!strcmp(cmd, "churn") && (argc == 3 || argc == 4))
		churn(strtoul(argv[2], NULL, 0),
		      argc == 4 ? strtoul(argv[3], NULL, 0) : 5);
	if (!strcmp(cmd, "race") && argc == 4)
		return cmd_race(strtol(argv[2], NULL, 0),
				strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: nl_dump { fill N | count [N] | add N | churn K [MS] | race TRIES K | timeit CMD... }\n");
	return 2;
}

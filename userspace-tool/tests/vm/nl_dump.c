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
 *   nl_dump race TRIES K   run churn K in a child and dump up to TRIES
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

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#define TAG_SHIFT	20	/* churn: lo = tag << TAG_SHIFT | i */
#define MSR_READ_BASE	0	/* fill */
#define MSR_WRITE_BASE	0x10000	/* add */

static struct nl_sock *sk;
static int family;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "nl_dump: %s: %s\n", what, nl_geterror(err));
	exit(2);
}

static void nl_open(void)
{
	int one = 1, big = 64 << 20, err;

	sk = nl_socket_alloc();
	if (!sk)
		die("nl_socket_alloc", NLE_NOMEM);
	err = genl_connect(sk);
	if (err)
		die("genl_connect", err);
	family = genl_ctrl_resolve(sk, MVMM_GENL_NAME);
	if (family < 0)
		die("family mvmm", family);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	/* A RULE_APPLY of 100,000 rules is about 6 MB, in one message. */
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_SNDBUFFORCE, &big,
		       sizeof(big)))
		perror("nl_dump: SO_SNDBUFFORCE");
}

static struct nl_msg *msg_new(uint8_t cmd, int flags, size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(size);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, MVMM_GENL_VERSION))
		die("message", NLE_NOMEM);
	return msg;
}

static void put_rule(struct nl_msg *msg, uint32_t type, uint64_t qual)
{
	struct nlattr *r = nla_nest_start(msg, MVMM_A_RULE);

	if (!r || nla_put_u32(msg, MVMM_A_RULE_TYPE, type) ||
	    nla_put_u64(msg, MVMM_A_RULE_LO, qual) ||
	    nla_put_u64(msg, MVMM_A_RULE_HI, qual) ||
	    nla_put_string(msg, MVMM_A_RULE_TARGET, "main"))
		die("message too small", NLE_NOMEM);
	nla_nest_end(msg, r);
}

/* Send @msg (consumed) and wait for its ACK; exits on a refusal. */
static void request(struct nl_msg *msg, const char *what)
{
	int err = nl_send_auto(sk, msg);

	nlmsg_free(msg);
	if (err < 0)
		die(what, err);
	err = nl_wait_for_ack(sk);
	if (err < 0)
		die(what, err);
}

/* The default table: flush, then @n rules of msr read @base + (0..n-1). */
static void apply(uint32_t n, uint64_t base)
{
	struct nl_msg *msg = msg_new(MVMM_CMD_RULE_APPLY, 0, 64 + 72 * (size_t)n);
	struct nlattr *op;
	uint32_t i;

	op = nla_nest_start(msg, MVMM_A_OP);
	if (!op || nla_put_flag(msg, MVMM_A_DEFAULT) ||
	    nla_put_flag(msg, MVMM_A_FLUSH))
		die("message too small", NLE_NOMEM);
	nla_nest_end(msg, op);
	/*
	 * Ascending: the builder keeps its per-origin views sorted by
	 * qualifier with an insertion each, so that descending qualifiers
	 * would cost O(n^2) memmove.
	 */
	for (i = 0; i < n; i++) {
		op = nla_nest_start(msg, MVMM_A_OP);
		if (!op || nla_put_flag(msg, MVMM_A_DEFAULT))
			die("message too small", NLE_NOMEM);
		put_rule(msg, MVMM_EV_MSR_READ, base + i);
		nla_nest_end(msg, op);
	}
	request(msg, "RULE_APPLY");
}

struct dump {
	uint32_t count, parts, last_id;
	bool intr, ids_rise, one_tag;
	uint64_t tag;
};

/*
 * Dump the default table, reading with a 32 KiB buffer and sleeping
 * @delay_us between reads (so that changes can land between parts).
 */
static int dump(struct dump *d, unsigned int delay_us)
{
	struct nl_msg *msg = msg_new(MVMM_CMD_GET_RULE, NLM_F_DUMP, 256);
	static char buf[32768];
	int fd = nl_socket_get_fd(sk);
	ssize_t n;
	int err;

	memset(d, 0, sizeof(*d));
	d->ids_rise = d->one_tag = true;
	if (nla_put_flag(msg, MVMM_A_DEFAULT))
		die("message", NLE_NOMEM);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die("GET_RULE", err);

	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (delay_us)
			usleep(delay_us);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("nl_dump: recv");
			return -1;
		}
		d->parts++;
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			struct nlattr *tb[MVMM_A_MAX + 1], *rt[MVMM_A_RULE_MAX + 1];
			uint32_t id;
			uint64_t lo;

			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				d->intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				fprintf(stderr, "nl_dump: GET_RULE failed: %s\n",
					strerror(-e->error));
				return -1;
			}
			if (nlh->nlmsg_type != family)
				continue;
			if (nla_parse(tb, MVMM_A_MAX,
				      (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
				      nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, NULL) ||
			    !tb[MVMM_A_RULE] ||
			    nla_parse_nested(rt, MVMM_A_RULE_MAX, tb[MVMM_A_RULE], NULL) ||
			    !rt[MVMM_A_RULE_ID] || !rt[MVMM_A_RULE_LO]) {
				fprintf(stderr, "nl_dump: malformed rule message\n");
				return -1;
			}
			id = nla_get_u32(rt[MVMM_A_RULE_ID]);
			lo = nla_get_u64(rt[MVMM_A_RULE_LO]);
			if (d->count && id <= d->last_id)
				d->ids_rise = false;
			if (!d->count)
				d->tag = lo >> TAG_SHIFT;
			else if (lo >> TAG_SHIFT != d->tag)
				d->one_tag = false;
			d->last_id = id;
			d->count++;
		}
	}
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
	double t = now();
	struct nl_msg *msg;
	uint32_t i;

	for (i = 0; i < n; i++) {
		msg = msg_new(MVMM_CMD_RULE_ADD, 0, 256);
		if (nla_put_flag(msg, MVMM_A_DEFAULT))
			die("message", NLE_NOMEM);
		put_rule(msg, MVMM_EV_MSR_WRITE, MSR_WRITE_BASE + i);
		request(msg, "RULE_ADD");
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
		nl_socket_free(sk);
		nl_open();
		churn(k, 5);
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

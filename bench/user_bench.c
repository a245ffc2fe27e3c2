// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of an IO exit handled by a userspace secondary (/dev/mvmm, libmvmm)
 * against the same exit handled by the main VMM, in one boot of the rig.
 *
 * The guest loops on OUT (workload io-out) or IN (io-in, 4 bytes) to port
 * USER_PORT, where KVM has no device, in batches of BATCH ending in a
 * GUEST_SYNC. Each round times one window in each of these modes:
 *
 *   main      no rule: every access is a KVM_EXIT_IO that this program
 *             completes in the thread that called KVM_RUN (the baseline,
 *             a lean loop: mvmm_bench_vcpu_run())
 *   eventfd   a rule routes the port to a secondary, woken by its eventfd,
 *             running on another CPU than the vCPU thread; the vCPU
 *             spins adaptively before it sleeps (the default)
 *   eventfd1  the same, on the vCPU thread's CPU
 *   eventfd*  the same, neither thread pinned: where the scheduler puts them
 *   nospin    eventfd with MVMM_ATTACH_NOSPIN: the vCPU sleeps at once
 *   poll      the secondary attached with MVMM_ATTACH_POLL, spinning on
 *             the ring on another CPU (on the vCPU's CPU it could only
 *             run once the vCPU gave up its own spin)
 *
 * In the eventfd modes the secondary blocks in read() of its eventfd
 * whenever it has nothing to do. Each mode's line shows, per event, how
 * often it woke (eventfd reads) and really slept (voluntary context
 * switches of its thread, getrusage), how often it had to kick a sleeping
 * vCPU, and how the vCPU waited (MVMM_IOC_STATS: answers its spin caught,
 * times it slept), so that no spinning can pass for the eventfd mode.
 *
 * The secondary is a separate process by default, the realistic case (a
 * device model that does not share the main VMM's address space): forked
 * before any VM exists, it gets each VM's fd over a unix socket
 * (mvmm_send_fd) and attaches per window. "thread" runs the same code in
 * a thread of this process instead, for comparison (no address-space
 * switch on a wake-up). The vCPU thread is pinned to the first CPU it may
 * use and the secondary to the second (or the first, for eventfd1), except
 * in eventfd*.
 *
 * The figure of a mode is the median over rounds of the per-round ratio of
 * time per event, mode/main, with its range (the order of the modes
 * rotates from round to round, so that a drift of the host favours none).
 * Every window is checked: with a rule, the handler's counters must show
 * exactly the guest's events of the window handled, none completed by the
 * fallback or reaching this program, and the secondary must have answered
 * each of them; an IN must read IN_VALUE in the guest (it asserts). The
 * issue's targets (eventfd <= 2.0, polling <= 1.2) are printed with
 * whether they were met; nothing asserts on time.
 *
 * Usage: user_bench [seconds_per_window [rounds [process|thread [poll_us]]]]
 *        user_bench loop MODE WORKLOAD   (for bench/exit_profile user-MODE-WORKLOAD)
 * mvmm.ko must be loaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "libmvmm.h"
#include "mvmm_rule.h"

#define BATCH		100
#define MAX_ROUNDS	MVMM_BENCH_MAX_ROUNDS
#define USER_PORT	0x7e		/* no device in KVM */
#define OUT_VALUE	0x42
#define IN_VALUE	0x6d766d6dU	/* "mvmm" */
#define SEC_NAME	"user_bench"
/* Generous: a timeout would end in the fallback, which a window refuses. */
#define SEC_TIMEOUT_MS	5000
#define EVENTFD_TARGET	2.0
#define POLL_TARGET	1.2

enum workload { WL_OUT, WL_IN, NR_WL };

static const char * const wl_name[NR_WL] = {
	[WL_OUT] = "io-out",
	[WL_IN] = "io-in",
};

enum mode {
	M_MAIN, M_EVENTFD, M_EVENTFD_SAME, M_EVENTFD_FREE, M_NOSPIN, M_POLL,
	NR_MODES
};

enum placement { CPU_OTHER, CPU_SAME, CPU_FREE };

static const struct {
	const char *name;
	unsigned int flags;	/* MVMM_ATTACH_* */
	enum placement where;	/* of the secondary, against the vCPU's */
	double target;		/* the bound on the ratio, or 0 */
	const char *what;
} mode_info[NR_MODES] = {
	[M_MAIN] = { "main", 0, CPU_OTHER, 0,
		     "KVM_EXIT_IO completed by the thread that called KVM_RUN" },
	[M_EVENTFD] = { "eventfd", 0, CPU_OTHER, EVENTFD_TARGET,
			"secondary woken by eventfd, on another CPU" },
	[M_EVENTFD_SAME] = { "eventfd1", 0, CPU_SAME, EVENTFD_TARGET,
			     "secondary woken by eventfd, on the vCPU's CPU" },
	[M_EVENTFD_FREE] = { "eventfd*", 0, CPU_FREE, EVENTFD_TARGET,
			     "secondary woken by eventfd, nothing pinned" },
	[M_NOSPIN] = { "nospin", MVMM_ATTACH_NOSPIN, CPU_OTHER, EVENTFD_TARGET,
		       "eventfd, on another CPU, the vCPU sleeps at once" },
	[M_POLL] = { "poll", MVMM_ATTACH_POLL, CPU_OTHER, POLL_TARGET,
		     "secondary polling the ring, on another CPU" },
};

/* How a window's events were waited for, per event: see the top. */
enum wstat { W_WAKE, W_SLEEP, W_KICK, W_SPUN, W_VSLEEP, NR_WSTATS };

static void guest_code(uint64_t wl)
{
	uint64_t batch, i;
	uint32_t v;

	for (batch = 1;; batch++) {
		if (wl == WL_OUT) {
			for (i = 0; i < BATCH; i++)
				asm volatile("outb %0, %w1"
					     : : "a"((uint8_t)OUT_VALUE),
					       "Nd"((uint16_t)USER_PORT));
		} else {
			for (i = 0; i < BATCH; i++) {
				asm volatile("inl %w1, %0"
					     : "=a"(v)
					     : "Nd"((uint16_t)USER_PORT));
				GUEST_ASSERT_1(v == IN_VALUE, v);
			}
		}
		GUEST_SYNC(batch);
	}
}

/*
 * The secondary's side. It serves requests of the benchmark over a
 * SOCK_SEQPACKET socket, one struct ctl each way per request.
 */
enum ctl_op {
	CTL_VM,		/* then an fd message: the VM to attach to */
	CTL_PUT_VM,	/* close that fd */
	CTL_ATTACH,	/* attach with .flags and run on CPU .cpu */
	CTL_DETACH,	/* stop, detach, report the counts */
	CTL_QUIT,
};

struct ctl {
	uint32_t op;		/* enum ctl_op */
	uint32_t flags;		/* CTL_ATTACH: MVMM_ATTACH_* */
	int32_t cpu;		/* CTL_ATTACH */
	uint32_t poll_us;	/* CTL_ATTACH */
	uint32_t vm_id;		/* CTL_VM: mvmm's id of that VM */
	int32_t err;		/* reply: 0 or -errno */
	uint64_t handled;	/* CTL_DETACH reply: requests answered */
	uint64_t unexpected;	/* ... not for the port (answered MAIN) */
	uint64_t bad;		/* ... for the port, with wrong contents */
	uint64_t nvcsw;		/* ... times the serving thread slept */
	struct mvmm_sec_stats lib;	/* ... libmvmm's counts */
	struct mvmm_ustats k;		/* ... the kernel's (MVMM_IOC_STATS) */
};

struct sec_state {
	struct mvmm_sec *s;
	pthread_t thread;
	int cpu;		/* -1: not pinned */
	int ret;		/* of mvmm_sec_run() */
	uint64_t nvcsw;		/* voluntary context switches in run() */
	uint32_t vm_id;
	uint64_t handled;
	uint64_t unexpected;
	uint64_t bad;
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static uint64_t thread_nvcsw(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nvcsw;
}

/* The device: OUT swallows OUT_VALUE, IN reads IN_VALUE. */
static int sec_fn(const struct mvmm_request *req, struct mvmm_answer *ans,
		  void *arg)
{
	struct sec_state *st = arg;
	bool out = req->ev.flags & MVMM_EVF_WRITE;

	if (req->ev.type != MVMM_EV_IO || req->ev.qual != USER_PORT ||
	    (req->flags & MVMM_REQF_OBSERVE)) {
		st->unexpected++;
		return 0;	/* ans stays zeroed: MVMM_ACT_MAIN */
	}
	if (req->vm_id != st->vm_id || (out && req->data != OUT_VALUE) ||
	    (!out && req->ev.size != 4))
		st->bad++;
	mvmm_ans_handled(ans, out ? 0 : IN_VALUE);
	st->handled++;
	return 0;
}

static void *sec_run(void *arg)
{
	struct sec_state *st = arg;
	uint64_t nvcsw;

	st->ret = st->cpu >= 0 ? pin(st->cpu) : 0;
	if (!st->ret) {
		nvcsw = thread_nvcsw();
		st->ret = mvmm_sec_run(st->s, sec_fn, st);
		st->nvcsw = thread_nvcsw() - nvcsw;
	}
	return NULL;
}

static int ctl_send(int sock, const struct ctl *c)
{
	return send(sock, c, sizeof(*c), MSG_NOSIGNAL) == sizeof(*c) ? 0 : -1;
}

static int ctl_recv(int sock, struct ctl *c)
{
	return recv(sock, c, sizeof(*c), 0) == sizeof(*c) ? 0 : -1;
}

static void sec_attach(struct sec_state *st, int vm_fd, struct ctl *c)
{
	struct mvmm_sec_opts opts = {
		.flags = c->flags,
		.timeout_ms = SEC_TIMEOUT_MS,
		.poll_us = c->poll_us,
	};
	int ret;

	st->s = mvmm_sec_attach(vm_fd, SEC_NAME, &opts);
	if (!st->s) {
		c->err = -errno;
		return;
	}
	st->cpu = c->cpu;
	st->handled = st->unexpected = st->bad = 0;
	ret = pthread_create(&st->thread, NULL, sec_run, st);
	if (ret) {
		mvmm_sec_detach(st->s);
		st->s = NULL;
		c->err = -ret;
	}
}

static void sec_detach(struct sec_state *st, struct ctl *c)
{
	if (!st->s) {
		c->err = -ENOTCONN;
		return;
	}
	mvmm_sec_stop(st->s);
	pthread_join(st->thread, NULL);
	mvmm_sec_stats(st->s, &c->lib);
	c->err = mvmm_sec_kstats(st->s, &c->k);
	mvmm_sec_detach(st->s);
	st->s = NULL;
	if (st->ret < 0)
		c->err = st->ret;
	c->nvcsw = st->nvcsw;
	c->handled = st->handled;
	c->unexpected = st->unexpected;
	c->bad = st->bad;
}

/* Serve until CTL_QUIT or the benchmark's end of the socket goes. */
static void *sec_server(void *arg)
{
	struct sec_state st = {};
	int sock = (long)arg;
	int vm_fd = -1;
	struct ctl c;

	while (!ctl_recv(sock, &c) && c.op != CTL_QUIT) {
		c.err = 0;
		switch (c.op) {
		case CTL_VM:
			if (vm_fd >= 0)
				close(vm_fd);
			vm_fd = mvmm_recv_fd(sock);
			c.err = vm_fd < 0 ? vm_fd : 0;
			st.vm_id = c.vm_id;
			break;
		case CTL_PUT_VM:
			if (vm_fd >= 0)
				close(vm_fd);
			vm_fd = -1;
			break;
		case CTL_ATTACH:
			sec_attach(&st, vm_fd, &c);
			break;
		case CTL_DETACH:
			sec_detach(&st, &c);
			break;
		default:
			c.err = -EINVAL;
		}
		if (ctl_send(sock, &c))
			break;
	}
	if (st.s) {
		mvmm_sec_stop(st.s);
		pthread_join(st.thread, NULL);
		mvmm_sec_detach(st.s);
	}
	if (vm_fd >= 0)
		close(vm_fd);
	close(sock);
	return NULL;
}

/* The benchmark's side. */
struct bench {
	int sock;		/* to the secondary */
	bool thread;		/* the secondary is a thread, not a process */
	pid_t pid;		/* the secondary's process */
	pthread_t server;	/* or its thread */
	int cpu[2];		/* the vCPU thread's, another one */
	cpu_set_t all;		/* every CPU we may use */
	unsigned int poll_us;
	struct mvmm_rsk *s;
	struct mvmm_bench_vm v;
	enum workload wl;
	double secs;
};

static void ctl_call(struct bench *b, struct ctl *c)
{
	uint32_t op = c->op;

	TEST_ASSERT(!ctl_send(b->sock, c) && !ctl_recv(b->sock, c),
		    "Expected the secondary to answer request %u, got %s", op,
		    strerror(errno));
	TEST_ASSERT(c->op == op, "Expected the reply to %u, got %u", op,
		    c->op);
}

static void sec_start(struct bench *b)
{
	int sv[2];

	TEST_ASSERT(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv),
		    "socketpair: %s", strerror(errno));
	b->sock = sv[0];
	if (b->thread) {
		TEST_ASSERT(!pthread_create(&b->server, NULL, sec_server,
					    (void *)(long)sv[1]),
			    "pthread_create failed");
		return;
	}
	b->pid = fork();
	TEST_ASSERT(b->pid >= 0, "fork: %s", strerror(errno));
	if (!b->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		sec_server((void *)(long)sv[1]);
		_exit(0);
	}
	close(sv[1]);
}

static void sec_end(struct bench *b)
{
	struct ctl c = { .op = CTL_QUIT };
	int status;

	TEST_ASSERT(!ctl_send(b->sock, &c), "Expected the secondary to quit");
	if (b->thread) {
		pthread_join(b->server, NULL);
	} else {
		TEST_ASSERT(waitpid(b->pid, &status, 0) == b->pid &&
			    WIFEXITED(status) && !WEXITSTATUS(status),
			    "Expected the secondary process to exit cleanly");
	}
	close(b->sock);
}

/* Give the secondary the VM's fd: the capability to attach to it. */
static void sec_give_vm(struct bench *b)
{
	struct ctl c = { .op = CTL_VM, .vm_id = b->v.id };

	TEST_ASSERT(!ctl_send(b->sock, &c) && !mvmm_send_fd(b->sock, b->v.vm->fd),
		    "Expected to pass the VM fd, got %s", strerror(errno));
	TEST_ASSERT(!ctl_recv(b->sock, &c) && c.op == CTL_VM && !c.err,
		    "Expected the secondary to receive the VM fd, got %s",
		    strerror(-c.err));
}

/*
 * Let the secondary drop its reference to the VM, so that the VM goes
 * (and mvmm forgets it) when this program frees it.
 */
static void sec_put_vm(struct bench *b)
{
	struct ctl c = { .op = CTL_PUT_VM };

	ctl_call(b, &c);
	TEST_ASSERT(!c.err, "Expected the secondary to close the VM fd");
}

/* Events routed to the handler so far (0 before its first attach). */
static uint64_t handler_events(struct bench *b)
{
	struct mvmm_handler_info h;
	int ret = mvmm_handler_get(b->s, SEC_NAME, &h);

	if (ret == -ENOENT)
		return 0;
	TEST_ASSERT(!ret, "Expected handler %s, got %s", SEC_NAME,
		    strerror(-ret));
	return h.events;
}

static uint64_t run_for(struct bench *b, double secs, bool routed,
			double *elapsed)
{
	struct mvmm_bench_run r;
	uint64_t done;

	mvmm_bench_run_for(b->v.vcpu, secs, USER_PORT, IN_VALUE, &r);
	done = r.syncs * BATCH;
	TEST_ASSERT(r.port_exits == (routed ? 0 : done),
		    "%s: Expected %lu of %lu accesses to reach this program, got %lu",
		    wl_name[b->wl], routed ? 0 : done, done, r.port_exits);
	*elapsed = r.elapsed;
	return done;
}

/* One window of the main VMM's path: events per second. */
static double window_main(struct bench *b)
{
	uint64_t done, ev0;
	double elapsed;

	run_for(b, 0.1, false, &elapsed);	/* warm up */
	ev0 = handler_events(b);
	done = run_for(b, b->secs, false, &elapsed);
	TEST_ASSERT(handler_events(b) == ev0,
		    "%s: Expected no event routed to %s without the rule",
		    wl_name[b->wl], SEC_NAME);
	return done / elapsed;
}

/* Per event, how the window's events were waited for. */
static void wait_stats(const struct ctl *c, double w[NR_WSTATS])
{
	double n = c->handled ? c->handled : 1;

	w[W_WAKE] = c->lib.wakeups / n;
	w[W_SLEEP] = c->nvcsw / n;
	w[W_KICK] = c->lib.kicks / n;
	w[W_SPUN] = c->k.posted ? (double)c->k.spun / c->k.posted : 0;
	w[W_VSLEEP] = c->k.posted ? (double)c->k.sleeps / c->k.posted : 0;
}

/* One window with the port routed to the secondary: events per second. */
static double window_sec(struct bench *b, enum mode m, double w[NR_WSTATS])
{
	struct mvmm_rule_info r = {
		.type = MVMM_EV_IO,
		.lo = USER_PORT,
		.hi = USER_PORT,
		.target = SEC_NAME,
	};
	struct ctl c = {
		.op = CTL_ATTACH,
		.flags = mode_info[m].flags,
		.cpu = mode_info[m].where == CPU_FREE ? -1 :
		       b->cpu[mode_info[m].where == CPU_OTHER],
		/* The poll time, or else the ceiling of the adaptive spin. */
		.poll_us = mode_info[m].flags & MVMM_ATTACH_NOSPIN ? 0 : b->poll_us,
	};
	struct mvmm_handler_info h0, h1, h2;
	struct mvmm_ack ack;
	uint64_t done;
	double elapsed;
	uint32_t id;
	int ret;

	ctl_call(b, &c);
	TEST_ASSERT(!c.err, "%s: Expected the %s secondary to attach, got %s",
		    wl_name[b->wl], mode_info[m].name, strerror(-c.err));
	ret = mvmm_rule_add(b->s, b->v.id, &r, &id, &ack);
	TEST_ASSERT(!ret, "Expected the rule, got %s (%s)", strerror(-ret),
		    ack.msg);
	if (mode_info[m].where == CPU_FREE)
		TEST_ASSERT(!sched_setaffinity(0, sizeof(b->all), &b->all),
			    "Expected to unpin the vCPU thread, got %s",
			    strerror(errno));
	mvmm_bench_handler(b->s, SEC_NAME, &h0);
	run_for(b, 0.1, true, &elapsed);	/* warm up */
	mvmm_bench_handler(b->s, SEC_NAME, &h1);
	done = run_for(b, b->secs, true, &elapsed);
	mvmm_bench_handler(b->s, SEC_NAME, &h2);
	if (mode_info[m].where == CPU_FREE) {
		ret = pin(b->cpu[0]);
		TEST_ASSERT(!ret, "Expected to pin the vCPU thread again, got %s",
			    strerror(-ret));
	}
	ret = mvmm_rule_del(b->s, b->v.id, id, &ack);
	TEST_ASSERT(!ret, "Expected the rule to go, got %s (%s)",
		    strerror(-ret), ack.msg);

	c = (struct ctl){ .op = CTL_DETACH };
	ctl_call(b, &c);
	TEST_ASSERT(!c.err, "%s: Expected the %s secondary's loop to end cleanly, got %s",
		    wl_name[b->wl], mode_info[m].name, strerror(-c.err));
	TEST_ASSERT(h2.handled - h1.handled == done &&
		    h2.events - h1.events == done,
		    "%s/%s: Expected %s to handle all %lu events of the window, got %lu of %lu",
		    wl_name[b->wl], mode_info[m].name, SEC_NAME, done,
		    h2.handled - h1.handled, h2.events - h1.events);
	TEST_ASSERT(h2.fallback == h0.fallback && h2.to_main == h0.to_main,
		    "%s/%s: Expected no fallback and no pass to main, got %lu and %lu",
		    wl_name[b->wl], mode_info[m].name, h2.fallback - h0.fallback,
		    h2.to_main - h0.to_main);
	TEST_ASSERT(c.handled == h2.handled - h0.handled && !c.unexpected &&
		    !c.bad,
		    "%s/%s: Expected the secondary to answer the %lu events it got, right; it answered %lu, %lu unexpected, %lu wrong",
		    wl_name[b->wl], mode_info[m].name, h2.handled - h0.handled,
		    c.handled, c.unexpected, c.bad);
	TEST_ASSERT(c.k.posted == c.handled && c.lib.served == c.handled,
		    "%s/%s: Expected the kernel to post and the library to serve the %lu answered, got %llu and %lu",
		    wl_name[b->wl], mode_info[m].name, c.handled,
		    (unsigned long long)c.k.posted, c.lib.served);
	TEST_ASSERT(!(mode_info[m].flags & MVMM_ATTACH_POLL) ||
		    (!c.lib.wakeups && !c.k.signals),
		    "%s/%s: Expected no eventfd signal when polling",
		    wl_name[b->wl], mode_info[m].name);
	TEST_ASSERT(!(mode_info[m].flags & MVMM_ATTACH_NOSPIN) || !c.k.spun,
		    "%s/%s: Expected no spin with MVMM_ATTACH_NOSPIN",
		    wl_name[b->wl], mode_info[m].name);
	wait_stats(&c, w);
	return done / elapsed;
}

/* The first two CPUs this process may run on (the same one if only one). */
static void pick_cpus(int cpu[2], cpu_set_t *set)
{
	int i, n = 0;

	TEST_ASSERT(!sched_getaffinity(0, sizeof(*set), set),
		    "sched_getaffinity: %s", strerror(errno));
	cpu[0] = cpu[1] = -1;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, set))
			cpu[n++] = i;
	if (n < 2)
		cpu[1] = cpu[0];
}

static void print_header(const struct bench *b, int rounds)
{
	printf("# time per IO event, userspace secondary (a %s) vs the main VMM, %.1fs windows, %d rounds, poll_us %u (poll mode: the spin, else the adaptive spin's ceiling; 0: the defaults); vCPU thread on CPU %d, secondary on CPU %d (eventfd1: %d; eventfd*: neither pinned); every window checked against the handler's counters\n",
	       b->thread ? "thread" : "process", b->secs, rounds, b->poll_us,
	       b->cpu[0], b->cpu[1], b->cpu[0]);
	printf("# per event: wake = the secondary's eventfd reads, sleep = its voluntary context switches, kick = its MVMM_IOC_KICKs; vCPU: spun = share of answers its spin caught, slept = its sleeps\n");
	if (b->cpu[1] == b->cpu[0])
		printf("# only one CPU: every mode runs on it\n");
}

static void print_round(enum workload wl, int r,
			double rate[NR_MODES][MAX_ROUNDS])
{
	double main_rate = rate[M_MAIN][r];
	char line[512];
	int m, n;

	n = snprintf(line, sizeof(line), "%s round %d: %.0f events/s by main, ratios",
		     wl_name[wl], r + 1, main_rate);
	for (m = M_MAIN + 1; m < NR_MODES && n < (int)sizeof(line); m++)
		n += snprintf(line + n, sizeof(line) - n, " %s %.3f",
			      mode_info[m].name, main_rate / rate[m][r]);
	printf("# %s\n", line);
}

/* Medians over the rounds of the per-event wait figures of mode @m. */
static void print_waits(enum workload wl, int m,
			double w[NR_MODES][NR_WSTATS][MAX_ROUNDS], int rounds)
{
	struct mvmm_bench_stat st[NR_WSTATS];
	int i;

	for (i = 0; i < NR_WSTATS; i++)
		mvmm_bench_stat(w[m][i], rounds, &st[i]);
	printf("%s: %s per event: secondary wake %.2f, sleep %.2f, kick %.2f; vCPU spun %.0f%%, slept %.2f (medians)\n",
	       wl_name[wl], mode_info[m].name, st[W_WAKE].median,
	       st[W_SLEEP].median, st[W_KICK].median, 100 * st[W_SPUN].median,
	       st[W_VSLEEP].median);
}

/*
 * With one CPU (the icount rig) a mode meant for another CPU runs on the
 * vCPU's: say so, and give no verdict on a target it does not measure.
 */
static void report(enum workload wl, double rate[NR_MODES][MAX_ROUNDS],
		   double w[NR_MODES][NR_WSTATS][MAX_ROUNDS], int rounds,
		   bool one_cpu)
{
	const char *verdict;
	bool moved;

	double ratio[MAX_ROUNDS];
	struct mvmm_bench_stat st, st_rate;
	int m, r;

	mvmm_bench_stat(rate[M_MAIN], rounds, &st_rate);
	printf("%s: main %.0f events/s (median of %d windows)  [%s]\n",
	       wl_name[wl], st_rate.median, rounds, mode_info[M_MAIN].what);
	for (m = M_MAIN + 1; m < NR_MODES; m++) {
		/* time per event, secondary over main */
		for (r = 0; r < rounds; r++)
			ratio[r] = rate[M_MAIN][r] / rate[m][r];
		mvmm_bench_stat(ratio, rounds, &st);
		mvmm_bench_stat(rate[m], rounds, &st_rate);
		moved = one_cpu && mode_info[m].where == CPU_OTHER;
		verdict = moved ? "not measured here (it is for another CPU)" :
			  st.median <= mode_info[m].target ? "met" : "NOT met";
		printf("%s: %s/main ratio %.3f (time per event, median of %d rounds, range %.2f..%.2f), target <= %.1f %s; %.0f events/s  [%s%s]\n",
		       wl_name[wl], mode_info[m].name, st.median, rounds, st.lo,
		       st.hi, mode_info[m].target, verdict, st_rate.median,
		       mode_info[m].what,
		       moved ? "; one CPU: ran on the vCPU's" : "");
		print_waits(wl, m, w, rounds);
	}
}

/*
 * user_bench loop MODE WORKLOAD: the guest's loop on @b's workload with
 * mode @m set up (main: no rule), said on the console, for ever
 * (bench/exit_profile user-MODE-WORKLOAD single-steps it).
 */
static int loop(struct bench *b, int m)
{
	struct mvmm_rule_info r = {
		.type = MVMM_EV_IO,
		.lo = USER_PORT,
		.hi = USER_PORT,
		.target = SEC_NAME,
	};
	double elapsed;
	struct mvmm_ack ack;
	struct ctl c = { .op = CTL_ATTACH };
	uint32_t id;
	int ret;

	mvmm_bench_vm_create(&b->v, guest_code, b->wl, USER_PORT, IN_VALUE);
	sec_give_vm(b);
	if (m != M_MAIN) {
		c.flags = mode_info[m].flags;
		c.cpu = b->cpu[mode_info[m].where == CPU_OTHER];
		ctl_call(b, &c);
		TEST_ASSERT(!c.err, "Expected the secondary to attach, got %s",
			    strerror(-c.err));
		ret = mvmm_rule_add(b->s, b->v.id, &r, &id, &ack);
		TEST_ASSERT(!ret, "Expected the rule, got %s (%s)",
			    strerror(-ret), ack.msg);
	}
	run_for(b, 0.1, m != M_MAIN, &elapsed);
	printf("MVMM-PROFILE-READY %s %s\n", mode_info[m].name, wl_name[b->wl]);
	for (;;)
		run_for(b, 3600, m != M_MAIN, &elapsed);
	return 0;
}

int main(int argc, char *argv[])
{
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	static double w[NR_MODES][NR_WSTATS][MAX_ROUNDS];
	double rate[NR_MODES][MAX_ROUNDS], wr[NR_WSTATS];
	struct bench b = {};
	bool looping = argc == 4 && !strcmp(argv[1], "loop");
	int wl, r, k, i, ret, m = 0;

	b.secs = argc > 1 && !looping ? atof(argv[1]) : 0.5;
	b.thread = argc > 3 && !strcmp(argv[3], "thread");
	b.poll_us = argc > 4 ? atoi(argv[4]) : 0;
	TEST_ASSERT(looping || (b.secs > 0 && rounds > 0 && rounds <= MAX_ROUNDS &&
		    (argc <= 3 || b.thread || !strcmp(argv[3], "process")) &&
		    b.poll_us <= MVMM_POLL_MAX_US),
		    "usage: %s [seconds_per_window [rounds <= %d [process|thread [poll_us]]]] | loop MODE WORKLOAD",
		    argv[0], MAX_ROUNDS);
	if (looping) {
		while (m < NR_MODES && strcmp(mode_info[m].name, argv[2]))
			m++;
		while (b.wl < NR_WL && strcmp(wl_name[b.wl], argv[3]))
			b.wl++;
		TEST_ASSERT(m < NR_MODES && m != M_EVENTFD_FREE && b.wl < NR_WL,
			    "usage: %s loop main|eventfd|eventfd1|nospin|poll io-out|io-in",
			    argv[0]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * Fork before any VM or socket exists: the child gets the VM fds
	 * explicitly, as a separate device-model process would.
	 */
	sec_start(&b);
	b.s = mvmm_rsk_open();
	TEST_ASSERT(b.s, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));
	pick_cpus(b.cpu, &b.all);
	ret = pin(b.cpu[0]);
	TEST_ASSERT(!ret, "Expected to pin the vCPU thread to CPU %d, got %s",
		    b.cpu[0], strerror(-ret));
	if (looping)
		return loop(&b, m);
	print_header(&b, rounds);

	for (wl = 0; wl < NR_WL; wl++) {
		b.wl = wl;
		mvmm_bench_vm_create(&b.v, guest_code, wl, USER_PORT, IN_VALUE);
		sec_give_vm(&b);

		for (r = 0; r < rounds; r++) {
			for (k = 0; k < NR_MODES; k++) {
				int m = (r + k) % NR_MODES;

				if (m == M_MAIN) {
					rate[m][r] = window_main(&b);
					continue;
				}
				rate[m][r] = window_sec(&b, m, wr);
				for (i = 0; i < NR_WSTATS; i++)
					w[m][i][r] = wr[i];
			}
			print_round(wl, r, rate);
		}
		sec_put_vm(&b);
		kvm_vm_free(b.v.vm);
		report(wl, rate, w, rounds, b.cpu[1] == b.cpu[0]);
	}
	sec_end(&b);
	mvmm_rsk_close(b.s);
	return 0;
}

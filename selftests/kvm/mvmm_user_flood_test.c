// SPDX-License-Identifier: GPL-2.0
/*
 * kill -9 of a userspace secondary in the middle of a flood of 100,000
 * events: nothing lost, nothing doubled.
 *
 * The guest writes 0, 1, ..., FLOOD_N - 1 with OUT (4 bytes) to a port
 * routed to the secondary, whose rule falls back to main. The secondary, a
 * separate process given the VM fd over a socket, answers each OUT through
 * libmvmm's ring and marks its value in a shared bitmap (which outlives
 * it). Once it has answered KILL_AT of them, the test kills it with
 * SIGKILL; the remaining OUTs fall back and reach this program as
 * KVM_EXIT_IO, whose values it marks in its own bitmap.
 *
 * With one vCPU the secondary gets request k + 1 only once request k was
 * completed, so every value it saw but the last was handled by it. The
 * last one may have been answered or not when it died: it was completed
 * by exactly one of the two, and the kernel's counters say which. So:
 *
 *   guest completions == FLOOD_N, every OUT without a fault;
 *   every value in one of the bitmaps (nothing lost), none twice in one,
 *   in both at most the secondary's last value (its answer lost with it);
 *   FALLBACK == OUTs seen here, HANDLED == values only the secondary saw,
 *   EVENTS == HANDLED + FALLBACK == FLOOD_N; no timeout, no invalid answer.
 *
 * Variants: the secondary waits on the eventfd, or polls the ring.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "libmvmm.h"
#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"

#define FLOOD_N		100000
#define KILL_AT		(FLOOD_N / 2)
#define FLOOD_PORT	0x5f0
#define SEC_NAME	"u-flood"
#define SEC_TIMEOUT_MS	20000	/* only a hang would take so long */
#define BITMAP_BYTES	((FLOOD_N + 7) / 8)

struct flood_shm {
	uint64_t seen;		/* requests answered (callbacks) */
	uint64_t last;		/* value of the last one */
	uint64_t dup;		/* values seen twice */
	uint64_t bad;		/* requests that are not our OUTs */
	uint32_t attached;
	int32_t err;		/* attach or run error */
	int32_t vm_fds;		/* VM fds held before the passing */
	uint8_t bits[BITMAP_BYTES];
};

struct flood_opts {
	uint32_t flags;
};

static bool bit_test_set(uint8_t *bits, uint64_t v)
{
	bool was = bits[v / 8] & (1 << (v % 8));

	bits[v / 8] |= 1 << (v % 8);
	return was;
}

static int flood_cb(const struct mvmm_request *req, struct mvmm_answer *ans,
		    void *arg)
{
	struct flood_shm *shm = arg;
	uint64_t v = req->data;

	if (req->ev.type != MVMM_EV_IO || req->ev.qual != FLOOD_PORT ||
	    !(req->ev.flags & MVMM_EVF_WRITE) || req->ev.size != 4 ||
	    v >= FLOOD_N) {
		__atomic_fetch_add(&shm->bad, 1, __ATOMIC_RELAXED);
		return 0;	/* MVMM_ACT_MAIN */
	}
	/*
	 * @last first: SIGKILL can land between the two stores (polling,
	 * this process never enters the kernel), and a value marked seen
	 * must be @last if it is also seen by the main VMM.
	 */
	__atomic_store_n(&shm->last, v, __ATOMIC_RELAXED);
	if (bit_test_set(shm->bits, v))
		__atomic_fetch_add(&shm->dup, 1, __ATOMIC_RELAXED);
	/* The test reads the bitmap only after our death: a count will do. */
	__atomic_fetch_add(&shm->seen, 1, __ATOMIC_RELEASE);
	mvmm_ans_handled(ans, 0);
	return 0;
}

/* The secondary: get the VM fd, attach, serve until killed. */
static int flood_main(int sock, void *p, void *arg)
{
	const struct flood_opts *o = arg;
	struct mvmm_sec_opts opts = {
		.flags = o->flags, .timeout_ms = SEC_TIMEOUT_MS,
	};
	struct flood_shm *shm = p;
	struct mvmm_sec *s;
	int vm_fd;

	shm->vm_fds = mvmm_count_vm_fds();
	vm_fd = mvmm_recv_fd(sock);
	if (vm_fd < 0) {
		shm->err = vm_fd;
		return 1;
	}
	s = mvmm_sec_attach(vm_fd, SEC_NAME, &opts);
	close(vm_fd);
	if (!s) {
		shm->err = -errno;
		__atomic_store_n(&shm->attached, 2, __ATOMIC_RELEASE);
		return 1;
	}
	__atomic_store_n(&shm->attached, 1, __ATOMIC_RELEASE);
	shm->err = mvmm_sec_run(s, flood_cb, shm);
	return 1;	/* only a kill ends a healthy run */
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* What reached this program: the OUTs that fell back. */
struct mainside {
	uint8_t bits[BITMAP_BYTES];
	uint64_t count, dup, bad;
};

static void flood_io(struct ug_vm *c, struct kvm_run *run)
{
	struct mainside *m = c->priv;
	uint32_t v = 0;

	if (run->io.port != FLOOD_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1) {
		m->bad++;
		return;
	}
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	if (v >= FLOOD_N) {
		m->bad++;
		return;
	}
	if (bit_test_set(m->bits, v))
		m->dup++;
	m->count++;
}

struct killer {
	pthread_t thread;
	struct mvmm_sp *sp;
	struct flood_shm *shm;
	uint64_t seen_at_kill, t_kill;
	int status;
};

static void *killer_fn(void *arg)
{
	struct killer *k = arg;
	uint64_t end = now_ms() + 600000;

	while (__atomic_load_n(&k->shm->seen, __ATOMIC_ACQUIRE) < KILL_AT &&
	       now_ms() < end)
		usleep(1000);
	k->seen_at_kill = __atomic_load_n(&k->shm->seen, __ATOMIC_ACQUIRE);
	k->t_kill = now_ms();
	k->status = mvmm_sp_kill(k->sp);
	return NULL;
}

FIXTURE(flood) {
	struct ug_vm *c;
	struct mvmm_rsk *s;
	struct mvmm_sp sp;
	struct mainside *m;
};

FIXTURE_VARIANT(flood) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(flood, eventfd) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(flood, poll) {
	.flags = MVMM_ATTACH_POLL,
};

FIXTURE_SETUP(flood)
{
	self->c = ug_vm_start(NULL, 0);
	self->s = mvmm_rsk_open();
	TEST_ASSERT(self->s, "Expected the mvmm netlink family, got %s",
		    strerror(errno));
	self->m = calloc(1, sizeof(*self->m));
	self->c->on_io = flood_io;
	self->c->priv = self->m;
}

FIXTURE_TEARDOWN(flood)
{
	mvmm_sp_free(&self->sp);
	mvmm_rsk_close(self->s);
	ug_vm_stop(self->c);
	free(self->m);
}

TEST_F_TIMEOUT(flood, kill9, 1800)
{
	struct flood_opts o = { .flags = variant->flags };
	struct ug_cmd cmd = {
		.op = UG_OUT, .n = FLOOD_N, .arg = FLOOD_PORT, .size = 4,
		.val = 0,
	};
	struct mvmm_rule_info r = {
		.type = MVMM_EV_IO, .lo = FLOOD_PORT, .hi = FLOOD_PORT,
		.mode = MVMM_MODE_SYNC, .fallback = MVMM_FALLBACK_MAIN,
		.origin = MVMM_MATCH_ANY, .target = SEC_NAME,
	};
	struct mainside *m = self->m;
	struct mvmm_handler_info h0, h1;
	struct flood_shm *shm;
	struct mvmm_ack ack;
	struct killer k = {};
	uint64_t i, both = 0, none = 0, sec_only = 0, sec_n = 0, t0;
	int ret;

	ret = mvmm_sp_fork(&self->sp, sizeof(*shm), flood_main, &o);
	TEST_ASSERT(!ret, "fork: %s", strerror(-ret));
	shm = self->sp.shm;
	ret = mvmm_send_fd(self->sp.sock, ug_vm_fd(self->c));
	TEST_ASSERT(!ret, "Expected to pass the VM fd, got %s", strerror(-ret));
	t0 = now_ms();
	while (!__atomic_load_n(&shm->attached, __ATOMIC_ACQUIRE) &&
	       now_ms() - t0 < 20000)
		usleep(1000);
	TEST_ASSERT(shm->attached == 1,
		    "Expected the secondary to attach, got %s",
		    shm->attached ? strerror(-shm->err) : "nothing in 20 s");
	TEST_ASSERT(shm->vm_fds == 0,
		    "Expected the secondary to hold no VM fd before the passing, got %d",
		    shm->vm_fds);
	/* A rule may name only a handler the module has seen. */
	ret = mvmm_rule_add(self->s, self->c->id, &r, NULL, &ack);
	TEST_ASSERT(!ret, "rule add: %s (%s)", strerror(-ret), ack.msg);
	ret = mvmm_handler_get(self->s, SEC_NAME, &h0);
	TEST_ASSERT(!ret && h0.attached && h0.user,
		    "Expected %s attached, got %s", SEC_NAME, strerror(-ret));

	k.sp = &self->sp;
	k.shm = shm;
	pthread_create(&k.thread, NULL, killer_fn, &k);
	t0 = now_ms();
	ug_cmd("flood", self->c, &cmd);
	pthread_join(k.thread, NULL);
	ret = mvmm_handler_get(self->s, SEC_NAME, &h1);
	TEST_ASSERT(!ret, "handler dump: %s", strerror(-ret));

	for (i = 0; i < FLOOD_N; i++) {
		bool s = shm->bits[i / 8] & (1 << (i % 8));
		bool mm = m->bits[i / 8] & (1 << (i % 8));

		sec_n += s;
		both += s && mm;
		none += !s && !mm;
		sec_only += s && !mm;
		if (s && mm)
			TEST_ASSERT(i == shm->last,
				    "Expected only the secondary's last value (%lu) to be seen twice, got %lu",
				    shm->last, i);
	}
	printf("# %d OUTs in %lu s; the secondary was killed (status %#x) after answering %lu, %lu ms after the flood began\n",
	       FLOOD_N, (now_ms() - t0) / 1000, k.status, k.seen_at_kill,
	       k.t_kill - t0);
	printf("# guest completions %lu = handled by the secondary %lu + fallback to main %lu; the secondary saw %lu, %lu of them also here (its last, %lu)\n",
	       self->c->sh->done, h1.handled - h0.handled,
	       h1.fallback - h0.fallback, sec_n, both, shm->last);
	printf("# netlink: events +%lu handled +%lu fallback +%lu timeouts +%lu invalid +%lu to_main +%lu; KVM_EXIT_IO here %lu\n",
	       h1.events - h0.events, h1.handled - h0.handled,
	       h1.fallback - h0.fallback, h1.timeouts - h0.timeouts,
	       h1.invalid - h0.invalid, h1.to_main - h0.to_main, m->count);

	TEST_ASSERT(WIFSIGNALED(k.status) && WTERMSIG(k.status) == SIGKILL,
		    "Expected the secondary killed by SIGKILL, got status %#x (err %s)",
		    k.status, strerror(-shm->err));
	TEST_ASSERT(k.seen_at_kill >= KILL_AT && k.seen_at_kill < FLOOD_N,
		    "Expected the kill in the middle of the flood, after %lu answers",
		    k.seen_at_kill);
	TEST_ASSERT(self->c->sh->done == FLOOD_N &&
		    self->c->sh->vec[0] == FLOOD_N,
		    "Expected %d OUTs completed without a fault, got %lu (%lu without)",
		    FLOOD_N, self->c->sh->done, self->c->sh->vec[0]);
	TEST_ASSERT(!none, "Expected no value lost, got %lu seen by nobody",
		    none);
	TEST_ASSERT(!shm->dup && !m->dup && !shm->bad && !m->bad,
		    "Expected every value once on each side, got %lu/%lu twice, %lu/%lu unexpected (secondary/here)",
		    shm->dup, m->dup, shm->bad, m->bad);
	TEST_ASSERT(both <= 1, "Expected at most one value on both sides, got %lu",
		    both);
	TEST_ASSERT(h1.events - h0.events == FLOOD_N &&
		    h1.handled - h0.handled == sec_only &&
		    h1.fallback - h0.fallback == m->count &&
		    h1.handled - h0.handled + h1.fallback - h0.fallback == FLOOD_N,
		    "Expected events %d = handled %lu (values only the secondary saw) + fallback %lu (OUTs here), got events %lu handled %lu fallback %lu",
		    FLOOD_N, sec_only, m->count, h1.events - h0.events,
		    h1.handled - h0.handled, h1.fallback - h0.fallback);
	TEST_ASSERT(h1.timeouts == h0.timeouts && h1.invalid == h0.invalid &&
		    h1.to_main == h0.to_main && h1.injected == h0.injected &&
		    h1.restarts == h0.restarts,
		    "Expected no timeout, invalid answer, to-main, injection or restart");
	TEST_ASSERT(!h1.attached && h1.outstanding == 0,
		    "Expected %s detached with nothing outstanding after the kill",
		    SEC_NAME);
}

/* The harness ends each test with _exit(): nothing may stay buffered. */
static void __attribute__((constructor)) line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * libmvmm's side of the /dev/mvmm ring protocol, on the host.
 *
 * This is a protocol test of the library, not of KVM or of the module: the
 * "kernel" is fake_kernel.h, threads that post requests into an in-memory
 * ring and wait for the answers following the uapi header's ordering
 * rules. The library is compiled into this program (to build a struct
 * mvmm_sec around that ring and to catch its ioctls), with run()'s idle
 * timeout made so long that any wake-up other than the eventfd would show
 * up as a hang. The real module is tested by the VM suite.
 */
#define MVMM_SEC_WAIT_MS	30000
#include "../libmvmm.c"

#include <signal.h>
#include <stdio.h>
#include <sys/time.h>

#include "../../tests/tap.h"
#include "fake_kernel.h"

#define CHECK_EQ(got, want, what) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	tap_result(g_ == w_, what, __FILE__, __LINE__);			\
	if (g_ != w_)							\
		printf("#   got %llu (%#llx), want %llu (%#llx)\n",	\
		       g_, g_, w_, w_);					\
} while (0)

static struct mvmm_request io_req(uint16_t port, bool write, uint64_t data)
{
	struct mvmm_request r;

	memset(&r, 0, sizeof(r));
	r.ev.type = MVMM_EV_IO;
	r.ev.size = 1;
	r.ev.qual = port;
	r.ev.flags = write ? MVMM_EVF_WRITE : 0;
	r.data = data;
	r.vm_id = 7;
	return r;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* What the test secondary answers to @req: derived from all it says. */
static uint64_t expected_value(const struct mvmm_request *req)
{
	return req->ev.qual ^ (req->data << 16) ^ ((uint64_t)req->vcpu_idx << 40) ^
	       ((uint64_t)req->ev.type << 48);
}

/* --- a recording secondary ---------------------------------------------- */

struct rec {
	unsigned int calls, observed;
	struct mvmm_request last;
	bool ans_was_zero;		/* every call got a zeroed answer */
	int ret;			/* what fn returns */
	void (*hook)(struct rec *r);	/* runs inside fn */
	struct fake *f;
};

static int rec_fn(const struct mvmm_request *req, struct mvmm_answer *ans,
		  void *arg)
{
	static const struct mvmm_answer zero;
	struct rec *r = arg;

	r->calls++;
	if (req->flags & MVMM_REQF_OBSERVE)
		r->observed++;
	if (memcmp(ans, &zero, sizeof(zero)))
		r->ans_was_zero = false;
	r->last = *req;
	if (r->hook)
		r->hook(r);
	mvmm_ans_handled(ans, expected_value(req));
	return r->ret;
}

static void test_single(void)
{
	struct fake *f = fake_new(4, 8, false);
	struct rec r = { .ans_was_zero = true };
	struct mvmm_request req = io_req(0x3f8, false, 0);
	struct mvmm_slot *sl;
	uint64_t seq;

	seq = fake_post(f, 0, &req);
	sl = fake_slot(f, 0);
	/* Garbage in the slot's answer must not reach fn. */
	memset(&sl->ans, 0xa5, sizeof(sl->ans));
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "poll_once serves one request");
	CHECK(r.ans_was_zero, "fn gets a zeroed answer");
	CHECK(r.last.seq == seq && r.last.ev.qual == 0x3f8 && r.last.vm_id == 7 &&
	      !(r.last.flags & MVMM_REQF_OBSERVE), "fn sees the posted request");
	CHECK_EQ(sl->state, MVMM_SLOT_ANSWER, "slot goes to ANSWER");
	CHECK_EQ(sl->ans_seq, seq, "ans_seq echoes the request's seq");
	CHECK(sl->ans.action == MVMM_ACT_HANDLED &&
	      sl->ans.value == expected_value(&r.last), "the answer is fn's");
	CHECK_EQ(f->kicks_total, 0, "no kick while the vCPU is not sleeping");
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "an answered slot is not served again");
	fake_retire(f, 0);
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "an idle slot is not served");
	CHECK_EQ(r.calls, 1, "fn ran once");
	fake_free(f);
}

static void test_kick(void)
{
	struct fake *f = fake_new(4, 8, false);
	struct mvmm_request req = io_req(0x60, true, 1);
	struct rec r = { 0 };

	fake_post(f, 2, &req);
	fake_slot(f, 2)->sleeping = 1;
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "request in slot 2 served");
	CHECK(f->kicks[2] == 1 && f->kicks_total == 1, "sleeping vCPU kicked once, by its index");
	fake_free(f);
}

static void test_slots_used(void)
{
	struct fake *f = fake_new(4, 8, false);
	struct mvmm_request req = io_req(0x70, false, 0);
	struct mvmm_slot *sl = fake_slot(f, 2);
	struct rec r = { 0 };

	/* A request in slot 2 while the kernel says only slot 0 is in use. */
	sl->seq = 99;
	sl->req = req;
	sl->req.seq = 99;
	sl->state = MVMM_SLOT_REQUEST;
	f->ring->slots_used = 1;
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "slots at or above slots_used are not scanned");
	__atomic_store_n(&f->ring->slots_used, 3, __ATOMIC_RELEASE);
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "...and are once slots_used covers them");
	/* A scribbled slots_used beyond nr_slots is clamped. */
	fake_retire(f, 2);
	f->ring->slots_used = 1000;
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "slots_used above nr_slots is clamped");
	fake_free(f);
}

static void test_inconsistent(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct mvmm_request req = io_req(0x80, false, 0);
	struct mvmm_slot *sl = fake_slot(f, 0);
	struct rec r = { 0 };

	fake_post(f, 0, &req);
	sl->req.seq = sl->seq + 1;	/* being rewritten by the kernel */
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "a request whose seq disagrees is skipped");
	CHECK_EQ(sl->state, MVMM_SLOT_REQUEST, "...and left alone");
	sl->req.seq = 0;
	sl->seq = 0;
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0, "seq 0 is no request");
	fake_free(f);
}

static void test_fn_error(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct mvmm_request req = io_req(0x90, false, 0);
	struct rec r = { .ret = -42 };

	fake_post(f, 1, &req);
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), (unsigned long long)-42,
		 "poll_once returns fn's negative value");
	CHECK_EQ(fake_slot(f, 1)->state, MVMM_SLOT_REQUEST, "that request stays unanswered");
	CHECK_EQ(mvmm_sec_run(f->s, rec_fn, &r), (unsigned long long)-42, "run returns it too");
	fake_free(f);
}

/* Inside fn: the kernel times the request out and posts the next one. */
static void repost_hook(struct rec *r)
{
	struct mvmm_request req = io_req(0xa1, false, 0);

	r->hook = NULL;
	fake_retire(r->f, 0);
	fake_post(r->f, 0, &req);
}

/* Inside fn: the request is withdrawn. */
static void withdraw_hook(struct rec *r)
{
	r->hook = NULL;
	fake_retire(r->f, 0);
}

static void test_late_answer(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct mvmm_request req = io_req(0xa0, false, 0);
	struct rec r = { .hook = repost_hook, .f = f };
	struct mvmm_answer ans;
	uint64_t seq, next;

	seq = fake_post(f, 0, &req);
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "late answer: fn ran");
	next = seq + 1;
	CHECK(!fake_check(f, 0, next, &ans) && f->stale == 1,
	      "the late answer lands on the next request and is refused");
	CHECK_EQ(fake_slot(f, 0)->state, MVMM_SLOT_REQUEST, "the slot is back to REQUEST");
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "the next request is served");
	CHECK_EQ(r.last.seq, next, "...with its own seq");
	CHECK(fake_check(f, 0, next, &ans) && ans.value == expected_value(&r.last),
	      "...and its answer taken");

	r.hook = withdraw_hook;
	fake_post(f, 0, &req);
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 1, "withdrawn: fn ran");
	CHECK_EQ(fake_slot(f, 0)->state, MVMM_SLOT_IDLE, "an answer to a withdrawn request leaves the slot IDLE");
	fake_free(f);
}

static void test_observe(void)
{
	struct fake *f = fake_new(2, 4, false);
	struct mvmm_request req = io_req(0xb0, true, 0);
	struct rec r = { 0 };
	uint64_t last_seq = 0;
	unsigned int i, dropped = 0, got = 0;
	bool order = true;

	for (i = 0; i < 3; i++) {
		req.data = i;
		fake_observe(f, &req);
	}
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 3, "observe copies served");
	CHECK(r.observed == 3 && r.last.data == 2, "...in order, flagged OBSERVE");
	CHECK_EQ(f->ring->obs_tail, 3, "obs_tail follows");
	CHECK_EQ(fake_slot(f, 0)->state, MVMM_SLOT_IDLE, "observe answers touch no slot");
	/* Wrap around the 4 entries, filling the ring: the rest is dropped. */
	for (i = 0; i < 10; i++) {
		req.data = 100 + i;
		dropped += fake_observe(f, &req) == -ENOSPC;
	}
	CHECK_EQ(dropped, 6, "a full ring drops copies");
	CHECK_EQ(mvmm_sec_obs_dropped(f->s), 6, "mvmm_sec_obs_dropped() shows them");
	r.calls = 0;
	r.last.data = 0;
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 4, "a full ring is served whole");
	CHECK_EQ(r.last.data, 103, "...up to the last copy stored");
	/* Interleaved producer and consumer across many wraps. */
	for (i = 0; i < 1000; i++) {
		req.data = i;
		fake_observe(f, &req);
		if (i % 3 == 2) {
			r.calls = 0;
			last_seq = r.last.seq;
			got += mvmm_sec_poll_once(f->s, rec_fn, &r);
			order &= r.last.seq > last_seq;
		}
	}
	got += mvmm_sec_poll_once(f->s, rec_fn, &r);
	CHECK(got == 1000 && order, "1000 copies through a 4-entry ring, in order");
	fake_free(f);
}

/* --- threads: vCPUs and a secondary ---------------------------------- */

#define NR_VCPUS	4
#define PER_VCPU	20000
#define NR_OBS		20000

struct flood {
	struct fake *f;
	unsigned long served[NR_VCPUS];	/* by the secondary's fn */
	unsigned long observed;
	uint64_t last_seq[NR_VCPUS];
	uint64_t last_obs;
	unsigned long dups, obs_order;
	unsigned long bad[NR_VCPUS];		/* wrong answers seen by vCPUs */
	unsigned long timeouts[NR_VCPUS];
	int run_ret;
};

struct vcpu_arg {
	struct flood *fl;
	uint32_t idx;
};

static int flood_fn(const struct mvmm_request *req, struct mvmm_answer *ans,
		    void *arg)
{
	struct flood *fl = arg;

	if (req->flags & MVMM_REQF_OBSERVE) {
		fl->obs_order += req->seq <= fl->last_obs;
		fl->last_obs = req->seq;
		fl->observed++;
		return 0;
	}
	if (req->vcpu_idx >= NR_VCPUS)
		return -EINVAL;
	/* Seqs grow: one vCPU's requests are served once, in order. */
	fl->dups += req->seq <= fl->last_seq[req->vcpu_idx];
	fl->last_seq[req->vcpu_idx] = req->seq;
	fl->served[req->vcpu_idx]++;
	mvmm_ans_handled(ans, expected_value(req));
	return 0;
}

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *va = p;
	struct flood *fl = va->fl;
	struct mvmm_request req;
	struct mvmm_answer ans;
	unsigned int i;
	uint64_t seq;

	for (i = 0; i < PER_VCPU; i++) {
		req = io_req(0x3f8 + (i & 7), i & 1, i);
		req.vcpu_idx = va->idx;
		seq = fake_post(fl->f, va->idx, &req);
		/* Few spins: most waits go through sleeping and the kick. */
		if (fake_wait(fl->f, va->idx, seq, &ans, i % 4 ? 0 : 50, 2000)) {
			fl->timeouts[va->idx]++;
			break;
		}
		fl->bad[va->idx] += ans.action != MVMM_ACT_HANDLED ||
				    ans.value != expected_value(&req);
	}
	return NULL;
}

static void *obs_thread(void *p)
{
	struct flood *fl = p;
	struct mvmm_request req = io_req(0x2f8, true, 0);
	unsigned int i;

	for (i = 0; i < NR_OBS; i++) {
		req.data = i;
		fake_observe(fl->f, &req);
		if (!(i % 4))
			usleep(1);
	}
	return NULL;
}

static void *sec_thread(void *p)
{
	struct flood *fl = p;

	fl->run_ret = mvmm_sec_run(fl->f->s, flood_fn, fl);
	return NULL;
}

static void test_flood(bool poll)
{
	struct flood fl = { .f = fake_new(NR_VCPUS, 64, poll) };
	struct vcpu_arg va[NR_VCPUS];
	pthread_t vcpus[NR_VCPUS], sec, obs;
	unsigned long served = 0, bad = 0, timeouts = 0;
	const char *mode = poll ? "poll" : "eventfd";
	unsigned int i;
	char what[160];
	double t0 = now();

	pthread_create(&sec, NULL, sec_thread, &fl);
	pthread_create(&obs, NULL, obs_thread, &fl);
	for (i = 0; i < NR_VCPUS; i++) {
		va[i].fl = &fl;
		va[i].idx = i;
		pthread_create(&vcpus[i], NULL, vcpu_thread, &va[i]);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(vcpus[i], NULL);
	pthread_join(obs, NULL);
	/* Let the secondary drain the observe ring, then stop it. */
	while (__atomic_load_n(&fl.f->ring->obs_tail, __ATOMIC_ACQUIRE) !=
	       fl.f->obs_head)
		usleep(1000);
	mvmm_sec_stop(fl.f->s);
	pthread_join(sec, NULL);

	for (i = 0; i < NR_VCPUS; i++) {
		served += fl.served[i];
		bad += fl.bad[i];
		timeouts += fl.timeouts[i];
	}
	printf("# %s: %u requests in %.2f s, %lu kicks, %lu observed, %llu dropped\n",
	       mode, NR_VCPUS * PER_VCPU, now() - t0, fl.f->kicks_total,
	       fl.observed, (unsigned long long)fl.f->obs_dropped);
	snprintf(what, sizeof(what), "%s: run returns 0 after mvmm_sec_stop()", mode);
	CHECK_EQ(fl.run_ret, 0, what);
	snprintf(what, sizeof(what), "%s: no vCPU timed out (every sleeping vCPU was kicked)", mode);
	CHECK_EQ(timeouts, 0, what);
	snprintf(what, sizeof(what), "%s: every request served once", mode);
	CHECK(served == NR_VCPUS * PER_VCPU && !fl.dups, what);
	snprintf(what, sizeof(what), "%s: every vCPU got its own answer", mode);
	CHECK_EQ(bad, 0, what);
	snprintf(what, sizeof(what), "%s: observe copies: served + dropped == sent, in order", mode);
	CHECK(fl.observed + fl.f->obs_dropped == NR_OBS && !fl.obs_order, what);
	snprintf(what, sizeof(what), "%s: no answer was stale", mode);
	CHECK_EQ(fl.f->stale, 0, what);
	fake_free(fl.f);
}

/* --- stopping ------------------------------------------------------------ */

static struct mvmm_sec *alarm_sec;

static void on_alarm(int sig)
{
	(void)sig;
	mvmm_sec_stop(alarm_sec);
}

static void test_stop_signal(bool poll)
{
	struct fake *f = fake_new(2, 8, poll);
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct rec r = { 0 };
	char what[120];
	double t0, dt;
	int ret;

	alarm_sec = f->s;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = now();
	ret = mvmm_sec_run(f->s, rec_fn, &r);
	dt = now() - t0;
	snprintf(what, sizeof(what),
		 "%s: stop from a signal handler ends run (0 after %.3f s)",
		 poll ? "poll" : "eventfd", dt);
	CHECK(ret == 0 && dt > 0.08 && dt < 5, what);
	signal(SIGALRM, SIG_DFL);
	CHECK_EQ(mvmm_sec_run(f->s, rec_fn, &r), 0, "a stop sticks: the next run returns at once");
	fake_free(f);
}

static void *stopper(void *p)
{
	usleep(100000);
	mvmm_sec_stop(p);
	return NULL;
}

static void test_stop_thread(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct rec r = { 0 };
	pthread_t t;
	double t0, dt;
	int ret;

	pthread_create(&t, NULL, stopper, f->s);
	t0 = now();
	ret = mvmm_sec_run(f->s, rec_fn, &r);
	dt = now() - t0;
	pthread_join(t, NULL);
	CHECK(ret == 0 && dt > 0.08 && dt < 5,
	      "stop from another thread wakes a run sleeping on the eventfd");
	fake_free(f);
}

/* What mvmm_usersec_vm_gone() does to the ring, 100 ms from now. */
static void *vm_killer(void *p)
{
	struct fake *f = p;

	usleep(100000);
	__atomic_store_n(&f->ring->flags, MVMM_RING_VM_GONE, __ATOMIC_RELEASE);
	fake_notify(f);
	return NULL;
}

static void test_vm_gone(bool poll)
{
	struct fake *f = fake_new(2, 8, poll);
	struct rec r = { 0 };
	struct mvmm_sec_stats st;
	char what[128];
	pthread_t t;
	double t0, dt;
	int ret;

	CHECK(!mvmm_sec_vm_gone(f->s), "the VM is there");
	pthread_create(&t, NULL, vm_killer, f);
	t0 = now();
	ret = mvmm_sec_run(f->s, rec_fn, &r);
	dt = now() - t0;
	pthread_join(t, NULL);
	snprintf(what, sizeof(what),
		 "%s: run returns 0 once the VM is gone (after %.3f s)",
		 poll ? "poll" : "eventfd", dt);
	CHECK(ret == 0 && dt > 0.08 && dt < 5 && mvmm_sec_vm_gone(f->s), what);
	mvmm_sec_stats(f->s, &st);
	CHECK(poll ? !st.wakeups : st.wakeups == 1 && st.signals == 1,
	      "...woken once by the eventfd (none when polling)");
	fake_free(f);
}

/* --- read() and MVMM_IOC_ANSWER ------------------------------------------ */

static void test_read(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct mvmm_request in[3], out[5];
	int p[2], i;

	if (pipe(p))
		abort();
	f->s->fd = p[0];	/* closed by fake_free */
	for (i = 0; i < 3; i++) {
		in[i] = io_req(0x10 + i, false, 0);
		in[i].seq = 50 + i;
	}
	if (write(p[1], in, sizeof(in)) != sizeof(in))
		abort();
	CHECK_EQ(mvmm_sec_read(f->s, out, 2), 2, "read returns up to n records");
	CHECK(!memcmp(out, in, 2 * sizeof(in[0])), "...the records written");
	CHECK_EQ(mvmm_sec_read(f->s, out, 5), 1, "read returns fewer if fewer are there");
	CHECK_EQ(out[0].seq, 52, "...the next one");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(mvmm_sec_read(f->s, out, 5) == -EAGAIN && errno == EAGAIN,
	      "read with nothing there, nonblocking: -EAGAIN, errno set");
	if (write(p[1], in, sizeof(in[0]) / 2) < 0)
		abort();
	CHECK_EQ(mvmm_sec_read(f->s, out, 5), (unsigned long long)-EIO, "a partial record is -EIO");
	CHECK_EQ(mvmm_sec_read(f->s, out, 0), (unsigned long long)-EINVAL, "n == 0 is -EINVAL");
	close(p[1]);
	fake_free(f);
}

static void test_answer_ioctl(void)
{
	struct fake *f = fake_new(2, 8, false);
	struct mvmm_request req = io_req(0xc0, false, 0);
	struct mvmm_answer ans = { 0 };
	struct rec r = { 0 };
	uint64_t seq;

	seq = fake_post(f, 1, &req);
	req.seq = seq;
	req.vcpu_idx = 1;
	mvmm_ans_handled(&ans, 0x1234);
	CHECK_EQ(mvmm_sec_answer(f->s, &req, &ans), 0, "answer: 0 when the kernel takes it");
	CHECK(f->replies == 1 && f->reply.seq == seq && f->reply.vcpu_idx == 1 &&
	      !f->reply.flags && !memcmp(&f->reply.ans, &ans, sizeof(ans)),
	      "answer: the reply carries seq, vcpu_idx, flags 0 and the answer");
	CHECK_EQ(mvmm_sec_poll_once(f->s, rec_fn, &r), 0,
		 "a request answered by ioctl is not served again from the ring");
	f->answer_ret = -ESTALE;
	errno = 0;
	CHECK(mvmm_sec_answer(f->s, &req, &ans) == -ESTALE && errno == ESTALE,
	      "answer: the kernel's errno comes back, negated and in errno");
	fake_free(f);
}

/* --- MVMM_IOC_IRQ_LINE and MVMM_IOC_MSI ---------------------------------- */

static void test_irq(void)
{
	struct fake *f = fake_new(1, 8, true);
	int st = 0;

	f->irq_status = 1;
	CHECK(mvmm_sec_irq_line(f->s, 11, 1, &st) == 0 && st == 1,
	      "irq_line: 0, the kernel's status");
	CHECK(f->irq.gsi == 11 && f->irq.level == 1 && !f->irq.flags,
	      "...gsi, level and flags 0 passed");
	CHECK_EQ(mvmm_sec_irq_line(f->s, 11, 0, NULL), 0,
		 "irq_line: a NULL status is fine");
	CHECK(f->irq.gsi == 11 && f->irq.level == 0, "...the line lowered");
	f->irq_status = 2;
	CHECK(mvmm_sec_msi(f->s, 0x12345678fee01000ULL, 0x4041, &st) == 0 &&
	      st == 2, "msi: 0, the kernel's status");
	CHECK(f->msi.address_lo == 0xfee01000 &&
	      f->msi.address_hi == 0x12345678 && f->msi.data == 0x4041 &&
	      !f->msi.flags && !f->msi.devid && !f->msi.reserved,
	      "...the address split in halves, data, zero flags and reserved");
	f->irq_ret = -ENOTCONN;
	st = 7;
	errno = 0;
	CHECK(mvmm_sec_irq_line(f->s, 4, 1, &st) == -ENOTCONN &&
	      errno == ENOTCONN && st == 7,
	      "irq_line: the kernel's errno, negated and in errno; no status");
	f->irq_ret = -ENXIO;
	errno = 0;
	CHECK(mvmm_sec_msi(f->s, 0xfee00000, 0x40, &st) == -ENXIO &&
	      errno == ENXIO && st == 7,
	      "msi: the kernel's errno, negated and in errno; no status");
	fake_free(f);
}

/* --- MVMM_IOC_MEM_READ and MVMM_IOC_MEM_WRITE --------------------------- */

static void test_mem(void)
{
	struct fake *f = fake_new(1, 8, true);
	char buf[32];

	CHECK(mvmm_sec_mem_read(f->s, 0x123456789000ULL, buf, 32) == 0 &&
	      f->mem_cmd == MVMM_IOC_MEM_READ,
	      "mem_read: 0, MVMM_IOC_MEM_READ");
	CHECK(f->mem.gpa == 0x123456789000ULL &&
	      f->mem.addr == (uint64_t)(uintptr_t)buf && f->mem.len == 32 &&
	      !f->mem.flags && !f->mem.reserved,
	      "...gpa, buffer, len passed, flags and reserved 0");
	CHECK(mvmm_sec_mem_write(f->s, 0x1000, buf + 1, 7) == 0 &&
	      f->mem_cmd == MVMM_IOC_MEM_WRITE && f->mem.gpa == 0x1000 &&
	      f->mem.addr == (uint64_t)(uintptr_t)(buf + 1) && f->mem.len == 7,
	      "mem_write: 0, MVMM_IOC_MEM_WRITE with its arguments");
	f->mem_ret = -EROFS;
	errno = 0;
	CHECK(mvmm_sec_mem_write(f->s, 0x1000, buf, 8) == -EROFS &&
	      errno == EROFS,
	      "mem_write: the kernel's errno, negated and in errno");
	f->mem_ret = -ENOENT;
	errno = 0;
	CHECK(mvmm_sec_mem_read(f->s, 0x1000, buf, 8) == -ENOENT &&
	      errno == ENOENT,
	      "mem_read: the kernel's errno, negated and in errno");
	fake_free(f);
}

/* --- the ring's geometry ------------------------------------------------- */

static int setup_with(void (*spoil)(struct mvmm_ring *r), size_t size)
{
	struct fake *f = fake_new(2, 8, true);
	struct mvmm_sec *s = mvmm_sec_alloc();
	int ret;

	spoil(f->ring);
	ret = mvmm_sec_setup(s, f->ring, size ? size : f->s->map_size);
	s->ring = NULL;		/* the fake's mapping: not s's to unmap */
	mvmm_sec_detach(s);
	fake_free(f);
	return ret;
}

static void spoil_none(struct mvmm_ring *r) { (void)r; }
static void spoil_version(struct mvmm_ring *r) { r->version++; }
static void spoil_slot_size(struct mvmm_ring *r) { r->slot_size = sizeof(struct mvmm_slot) - 8; }
static void spoil_obs_pow2(struct mvmm_ring *r) { r->obs_entries = 6; }
static void spoil_obs_offset(struct mvmm_ring *r) { r->obs_offset = 1 << 30; }
static void spoil_slots(struct mvmm_ring *r) { r->nr_slots = 1 << 20; }
static void spoil_align(struct mvmm_ring *r) { r->slots_offset += 4; }

static void test_setup(void)
{
	CHECK_EQ(setup_with(spoil_none, 0), 0, "a well-formed ring is accepted");
	CHECK_EQ(setup_with(spoil_version, 0), (unsigned long long)-EPROTO, "another ring version: -EPROTO");
	CHECK_EQ(setup_with(spoil_slot_size, 0), (unsigned long long)-EPROTO, "slots smaller than struct mvmm_slot: -EPROTO");
	CHECK_EQ(setup_with(spoil_obs_pow2, 0), (unsigned long long)-EPROTO, "obs_entries not a power of 2: -EPROTO");
	CHECK_EQ(setup_with(spoil_obs_offset, 0), (unsigned long long)-EPROTO, "observe ring beyond the mapping: -EPROTO");
	CHECK_EQ(setup_with(spoil_slots, 0), (unsigned long long)-EPROTO, "slots beyond the mapping: -EPROTO");
	CHECK_EQ(setup_with(spoil_align, 0), (unsigned long long)-EPROTO, "misaligned slots: -EPROTO");
	CHECK_EQ(setup_with(spoil_none, 16), (unsigned long long)-EPROTO, "a mapping smaller than the header: -EPROTO");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_single();
	test_kick();
	test_slots_used();
	test_inconsistent();
	test_fn_error();
	test_late_answer();
	test_observe();
	test_read();
	test_answer_ioctl();
	test_irq();
	test_mem();
	test_setup();
	test_stop_signal(false);
	test_stop_signal(true);
	test_stop_thread();
	test_vm_gone(false);
	test_vm_gone(true);
	test_flood(false);
	test_flood(true);
	return tap_done();
}

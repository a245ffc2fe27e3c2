// SPDX-License-Identifier: GPL-2.0
/*
 * paths_vmm: libmvmm's two delivery paths against the real module, in the
 * rig's guest (mvmm.ko loaded, mvmmctl on PATH).
 *
 * Usage: paths_vmm
 *
 * One VM whose guest reads port 0x510 1000 times, adding up the values,
 * and writes each one to port 0x511. A secondary thread of this process
 * attaches as "paths"; rules send 0x510 to it (sync) and copies of 0x511
 * (observe), which KVM then hands to us. Twice: first the secondary uses
 * read() and MVMM_IOC_ANSWER (mvmm_sec_read/answer, with a double answer
 * and an invalid one to check their errnos), then, attached anew under the
 * same name, the ring (mvmm_sec_run). Each time the guest's sum must be
 * the secondary's, every request answered once, and every copy observed
 * or counted as dropped. TAP-like output; exit 1 on a failure.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "libmvmm.h"
#include "tiny_vm.h"

#define CODE_GPA	0x1000
#define SUM_GPA		0x3000
#define LOOPS		1000
#define IN_PORT		0x510
#define OBS_PORT	0x511

static const unsigned char guest_code[] = {
	0x31, 0xc0,		/* xor ax, ax */
	0x8e, 0xd8,		/* mov ds, ax */
	0x31, 0xdb,		/* xor bx, bx		sum */
	0xb9, 0xe8, 0x03,	/* mov cx, 1000 */
	0xba, 0x10, 0x05,	/* 1: mov dx, 0x510 */
	0xec,			/* in al, dx */
	0x00, 0xc3,		/* add bl, al */
	0x80, 0xd7, 0x00,	/* adc bh, 0 */
	0xba, 0x11, 0x05,	/* mov dx, 0x511 */
	0xee,			/* out dx, al */
	0xe2, 0xf1,		/* loop 1b */
	0x89, 0x1e, 0x00, 0x30,	/* mov [0x3000], bx */
	0xf4,			/* hlt */
};

static int failed;

static void check(bool ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	failed |= !ok;
}

/* Run the guest from its start to HLT: the port exits that reached us. */
static int vm_run(struct tiny_vm *vm, int *in_exits)
{
	int out = 0;

	tiny_vm_start_at(vm, CODE_GPA);
	*in_exits = 0;
	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0))
			err(1, "KVM_RUN");
		if (vm->run->exit_reason == KVM_EXIT_HLT)
			return out;
		if (vm->run->exit_reason != KVM_EXIT_IO)
			errx(1, "unexpected exit reason %u", vm->run->exit_reason);
		if (vm->run->io.port == OBS_PORT)
			out++;
		else
			++*in_exits;
	}
}

/* The secondary. */
struct sec {
	struct mvmm_sec *s;
	pthread_t thread;
	bool use_read;
	int stop;		/* __atomic, for the read loop */
	int ret;
	unsigned long answered, observed, unexpected, bad_obs;
	unsigned int sum;	/* what the guest should add up */
	int double_answer;	/* errno of answering a request twice */
	int invalid_answer;	/* errno of an answer writing RBX to IO-in */
};

static uint8_t value_of(const struct mvmm_request *req)
{
	return req->seq % 7 + 1;
}

/* Both paths: the answer for a sync request, the check of a copy. */
static int serve(const struct mvmm_request *req, struct mvmm_answer *ans,
		 void *arg)
{
	struct sec *sc = arg;

	if (req->flags & MVMM_REQF_OBSERVE) {
		sc->observed++;
		sc->bad_obs += req->ev.qual != OBS_PORT;
		return 0;
	}
	if (req->ev.type != MVMM_EV_IO || req->ev.qual != IN_PORT ||
	    (req->ev.flags & MVMM_EVF_WRITE)) {
		sc->unexpected++;
		return 0;
	}
	mvmm_ans_handled(ans, value_of(req));
	return 0;
}

/*
 * Answer through MVMM_IOC_ANSWER. The first request also gets an invalid
 * answer before the good one and a second answer after it, for their
 * errnos.
 */
static void read_one(struct sec *sc, const struct mvmm_request *req)
{
	struct mvmm_answer ans = { 0 }, bad;
	bool first = !sc->answered;
	int ret;

	serve(req, &ans, sc);
	if (req->flags & MVMM_REQF_OBSERVE)
		return;
	bad = ans;
	mvmm_ans_gpr(&bad, MVMM_GPR_RBX, 1);
	if (first)
		sc->invalid_answer = -mvmm_sec_answer(sc->s, req, &bad);
	ret = mvmm_sec_answer(sc->s, req, &ans);
	if (ret) {
		sc->ret = ret;
		return;
	}
	if (first)
		sc->double_answer = -mvmm_sec_answer(sc->s, req, &ans);
	sc->answered++;
	sc->sum += ans.value;
}

static void *read_loop(struct sec *sc)
{
	struct pollfd p = { .fd = mvmm_sec_fd(sc->s), .events = POLLIN };
	struct mvmm_request reqs[16];
	ssize_t n, i;

	fcntl(p.fd, F_SETFL, O_NONBLOCK);
	while (!__atomic_load_n(&sc->stop, __ATOMIC_ACQUIRE) && !sc->ret) {
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = mvmm_sec_read(sc->s, reqs, 16);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			sc->ret = n;
			break;
		}
		for (i = 0; i < n; i++)
			read_one(sc, &reqs[i]);
	}
	return NULL;
}

static int count_fn(const struct mvmm_request *req, struct mvmm_answer *ans,
		    void *arg)
{
	struct sec *sc = arg;

	serve(req, ans, sc);
	if (ans->action == MVMM_ACT_HANDLED) {
		sc->answered++;
		sc->sum += ans->value;
	}
	return 0;
}

static void *sec_thread(void *arg)
{
	struct sec *sc = arg;

	if (sc->use_read)
		return read_loop(sc);
	sc->ret = mvmm_sec_run(sc->s, count_fn, sc);
	return NULL;
}

static void shell(const char *fmt, int arg)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (system(cmd))
		errx(1, "failed: %s", cmd);
}

/* Copies are queued before KVM hands us the exit; give the thread time. */
static void wait_copies(struct sec *sc, int n)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (__atomic_load_n(&sc->observed, __ATOMIC_RELAXED) +
		    mvmm_sec_obs_dropped(sc->s) >= (unsigned long)n)
			return;
		usleep(10000);
	}
}

static void one_pass(struct tiny_vm *vm, bool use_read, bool first)
{
	const char *p = use_read ? "read" : "ring";
	struct sec sc = { .use_read = use_read };
	int obs_exits, in_exits;
	uint16_t guest_sum;
	char what[200];

	sc.s = mvmm_sec_attach(vm->fd, "paths", NULL);
	if (!sc.s)
		err(1, "mvmm_sec_attach");
	if (first) {
		shell("mvmmctl rule add vm pid %d io port 0x510 handler paths", getpid());
		shell("mvmmctl rule add vm pid %d io port 0x511 mode observe handler paths",
		      getpid());
	}
	if (pthread_create(&sc.thread, NULL, sec_thread, &sc))
		errx(1, "pthread_create");
	obs_exits = vm_run(vm, &in_exits);
	wait_copies(&sc, obs_exits);
	if (use_read)
		__atomic_store_n(&sc.stop, 1, __ATOMIC_RELEASE);
	else
		mvmm_sec_stop(sc.s);
	pthread_join(sc.thread, NULL);
	memcpy(&guest_sum, vm->mem + SUM_GPA, sizeof(guest_sum));

	snprintf(what, sizeof(what), "%s: the loop ended cleanly (%d)", p, sc.ret);
	check(!sc.ret, what);
	snprintf(what, sizeof(what), "%s: %lu requests answered, %d reached us",
		 p, sc.answered, in_exits);
	check(sc.answered == LOOPS && !in_exits && !sc.unexpected, what);
	snprintf(what, sizeof(what), "%s: guest sum %u == secondary's %u", p,
		 guest_sum, sc.sum & 0xffff);
	check(guest_sum == (sc.sum & 0xffff), what);
	snprintf(what, sizeof(what),
		 "%s: %lu copies observed + %llu dropped == %d writes KVM handled",
		 p, sc.observed,
		 (unsigned long long)mvmm_sec_obs_dropped(sc.s), obs_exits);
	check(obs_exits == LOOPS && !sc.bad_obs &&
	      sc.observed + mvmm_sec_obs_dropped(sc.s) == LOOPS, what);
	if (use_read) {
		snprintf(what, sizeof(what), "read: a second answer is ESTALE (%s)",
			 strerror(sc.double_answer));
		check(sc.double_answer == ESTALE, what);
		snprintf(what, sizeof(what),
			 "read: writing RBX for an IO-in is EINVAL (%s)",
			 strerror(sc.invalid_answer));
		check(sc.invalid_answer == EINVAL, what);
	}
	mvmm_sec_detach(sc.s);
}

int main(void)
{
	struct tiny_vm vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tiny_vm_create(&vm, CODE_GPA, guest_code, sizeof(guest_code));
	one_pass(&vm, true, true);
	one_pass(&vm, false, false);
	return failed;
}

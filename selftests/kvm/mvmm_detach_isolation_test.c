// SPDX-License-Identifier: GPL-2.0
/*
 * Detaching one handler does not wait for the requests of another.
 *
 * One process attaches a /dev/mvmm file to VM A and another to VM B, as a
 * daemon serving several VMs does. VM A's guest does an IN that a rule
 * routes to A's handler, which does not answer yet. The process then
 * closes B's file. That close must not wait for A's request: when it
 * returns, A's request is still outstanding and has not timed out (with
 * one module-wide wait for every exit in a handler, the close returned
 * only once A's request timed out, and A's guest got the fallback). Then
 * A's handler answers and the guest sees its value.
 *
 * No wall-clock assertion: A's timeout (10 s) is what a close that waits
 * for A would run into; the close's own duration is printed.
 */
#include "kvm_util.h"
#include "processor.h"

#include <poll.h>
#include <pthread.h>

#include "kselftest.h"
#include "libmvmm.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "mvmm_guest_io.h"

#define PORT		0x5e7
#define NAME_A		"u-detach-a"
#define NAME_B		"u-detach-b"
#define TIMEOUT_MS	10000
#define VALUE		0x1234abcdU

static void guest_code(void)
{
	uint32_t v;

	GUEST_SYNC(0);
	v = mvmm_guest_inl(PORT);
	GUEST_ASSERT(v == VALUE);
	GUEST_DONE();
}

static struct kvm_vm *vm_to_first_sync(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);
	struct ucall uc;

	vcpu_run(*vcpu);
	TEST_ASSERT(get_ucall(*vcpu, &uc) == UCALL_SYNC,
		    "Expected the guest's first sync, got exit %d",
		    (*vcpu)->run->exit_reason);
	return vm;
}

static void *run_vcpu(void *arg)
{
	vcpu_run(arg);
	return NULL;
}

int main(void)
{
	struct mvmm_sec_opts opts = { .timeout_ms = TIMEOUT_MS };
	struct kvm_vcpu *vcpu_a, *vcpu_b;
	struct kvm_vm *vm_a, *vm_b;
	struct mvmm_sec *sec_a, *sec_b;
	struct mvmm_request req;
	struct mvmm_answer ans = {};
	struct mvmm_rsk *rsk;
	struct mvmm_handler_info h;
	struct pollfd pfd;
	struct ucall uc;
	pthread_t thread;
	uint64_t t0, close_ms;
	ssize_t n;
	int ret;

	ksft_print_header();
	ksft_set_plan(2);

	vm_a = vm_to_first_sync(&vcpu_a);
	vm_b = vm_to_first_sync(&vcpu_b);
	sec_a = mvmm_sec_attach(vm_a->fd, NAME_A, &opts);
	TEST_ASSERT(sec_a, "attach to VM A: %s", strerror(errno));
	sec_b = mvmm_sec_attach(vm_b->fd, NAME_B, &opts);
	TEST_ASSERT(sec_b, "attach to VM B: %s", strerror(errno));
	rsk = mvmm_ut_rsk_open();
	mvmm_ut_rule_add(rsk, mvmm_sec_vm_id(sec_a), MVMM_EV_IO, PORT, PORT,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, NAME_A);

	/* A's vCPU takes the IN and waits for A's handler. */
	ret = pthread_create(&thread, NULL, run_vcpu, vcpu_a);
	TEST_ASSERT(!ret, "pthread_create: %s", strerror(ret));
	pfd = (struct pollfd){ .fd = mvmm_sec_fd(sec_a), .events = POLLIN };
	ret = poll(&pfd, 1, TIMEOUT_MS);
	TEST_ASSERT(ret == 1, "Expected A's request within %d ms, poll gave %d",
		    TIMEOUT_MS, ret);
	n = mvmm_sec_read(sec_a, &req, 1);
	TEST_ASSERT(n == 1 && req.ev.type == MVMM_EV_IO && req.ev.qual == PORT,
		    "Expected A's IN request, got %zd (type %u, port %#llx)",
		    n, req.ev.type, (unsigned long long)req.ev.qual);

	t0 = mvmm_ut_now_ms();
	mvmm_sec_detach(sec_b);
	close_ms = mvmm_ut_now_ms() - t0;
	mvmm_ut_uh(rsk, NAME_A, &h);
	ksft_print_msg("close of B's file: %lu ms; A: outstanding %u, timeouts %lu, fallbacks %lu\n",
		       close_ms, h.outstanding, h.timeouts, h.fallback);
	ksft_test_result(h.outstanding == 1 && !h.timeouts && !h.fallback,
			 "closing B's handler left A's waiting request alone\n");

	mvmm_ans_handled(&ans, VALUE);
	ret = mvmm_sec_answer(sec_a, &req, &ans);
	TEST_ASSERT(!ret, "Expected A's answer taken, got %s", strerror(-ret));
	pthread_join(thread, NULL);
	ret = get_ucall(vcpu_a, &uc);
	if (ret == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	ksft_test_result(ret == UCALL_DONE,
			 "A's guest got its handler's answer\n");

	mvmm_sec_detach(sec_a);
	mvmm_rsk_close(rsk);
	kvm_vm_free(vm_b);
	kvm_vm_free(vm_a);
	ksft_finished();
}

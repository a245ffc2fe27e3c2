// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's view of CR0 and CR3 stays current across exits that mvmm
 * completes itself.
 *
 * On SVM the guest changes CR3 (with nested paging) and CR0.TS without
 * any exit; svm_handle_exit() copies both from the VMCB into vcpu->arch
 * at the start of every exit. An exit that mvmm completes never reaches
 * that code, so mvmm must do the same: otherwise KVM_GET_SREGS right
 * after such an exit shows the values from before the guest changed them
 * (and so would a migration that saves the vCPU there).
 *
 * The guest sets CR0.TS and CR3.PWT, then does an IN that a userspace
 * secondary holds; a signal makes KVM_RUN return -EINTR while the vCPU
 * waits, without KVM ever handling an exit after the change. KVM_GET_SREGS
 * must show both bits. Once the secondary answers, the guest clears TS
 * and ends; KVM_GET_SREGS must show TS clear again.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#define PORT		0x5e4
#define NAME		"u-cr-sync"
#define WAIT_MS		20000
#define CR3_PWT		(1UL << 3)

static void guest_code(void)
{
	uint32_t v;

	GUEST_SYNC(0);
	/* Neither write exits: KVM leaves both to the VMCB. */
	asm volatile("mov %0, %%cr0" : : "r"(get_cr0() | X86_CR0_TS));
	asm volatile("mov %0, %%cr3" : : "r"(get_cr3() | CR3_PWT) : "memory");
	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(PORT));
	asm volatile("clts");
	GUEST_ASSERT_1(v == MVMM_SP_IN(PORT), v);
	GUEST_DONE();
}

static void on_signal(int sig)
{
}

struct kicker {
	pthread_t vcpu;
	struct mvmm_sp_shm *shm;
};

/* Signal the vCPU thread once the secondary holds its request. */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	TEST_ASSERT(mvmm_ut_wait_nonzero(&k->shm->holding, WAIT_MS),
		    "Expected the secondary to get the IN within %d ms",
		    WAIT_MS);
	/* Let the vCPU settle into its wait. */
	usleep(50 * 1000);
	pthread_kill(k->vcpu, SIGUSR1);
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct mvmm_vm_info info;
	struct kvm_sregs before, sregs;
	struct mvmm_ut_sec sec;
	struct kvm_vcpu *vcpu;
	struct mvmm_rsk *rsk;
	struct kicker k;
	struct kvm_vm *vm;
	struct mvmm_nl *nl;
	struct ucall uc;
	pthread_t thread;
	sigset_t set;
	int ret;

	ksft_print_header();
	ksft_set_plan(3);

	/* No SA_RESTART: the signal must end KVM_RUN with -EINTR. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction: %s",
		    strerror(errno));

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "Expected the guest's first sync, got exit %d",
		    vcpu->run->exit_reason);
	vcpu_sregs_get(vcpu, &before);

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm netlink family: %s",
		    strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM: %s",
		    strerror(-ret));
	mvmm_nl_close(nl);

	/* A secondary in its own process that holds the request. */
	mvmm_ut_fork(&sec);
	SP_SET(sec.shm->hold, 1);
	mvmm_ut_give_vm(&sec, vm->fd);
	mvmm_ut_attach(&sec, NAME, 0, 30000, 0);
	ret = mvmm_sp_op(&sec.p, MVMM_SP_SERVE, MVMM_SP_READPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	rsk = mvmm_ut_rsk_open();
	mvmm_ut_rule_add(rsk, info.id, MVMM_EV_IO, PORT, PORT, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, NAME);

	/* Only this (the vCPU) thread takes SIGUSR1. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	k.vcpu = pthread_self();
	k.shm = sec.shm;
	pthread_create(&thread, NULL, kick, &k);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	/* __vcpu_run(): _vcpu_run() would retry on EINTR. */
	ret = __vcpu_run(vcpu);
	TEST_ASSERT(ret == -1 && errno == EINTR,
		    "Expected KVM_RUN to return -EINTR mid-wait, got %d, exit %d (port %#x), secondary requests %lu",
		    ret, vcpu->run->exit_reason, vcpu->run->io.port,
		    SP_GET(sec.shm->requests));
	pthread_join(thread, NULL);
	vcpu_sregs_get(vcpu, &sregs);
	ksft_print_msg("CR0 %#llx -> %#llx, CR3 %#llx -> %#llx while the IN waits\n",
		       before.cr0, sregs.cr0, before.cr3, sregs.cr3);
	ksft_test_result(sregs.cr0 & X86_CR0_TS,
			 "CR0.TS set by the guest is in KVM_GET_SREGS\n");
	/* With nested paging only: else CR3 writes exit and KVM saw it. */
	ksft_test_result(sregs.cr3 == (before.cr3 | CR3_PWT),
			 "CR3.PWT set by the guest is in KVM_GET_SREGS\n");

	SP_SET(sec.shm->hold, 0);
	vcpu_run(vcpu);
	ret = get_ucall(vcpu, &uc);
	if (ret == UCALL_ABORT)
		REPORT_GUEST_ASSERT_1(uc, "IN returned %#lx");
	TEST_ASSERT(ret == UCALL_DONE, "Expected the guest done, got %d", ret);
	vcpu_sregs_get(vcpu, &sregs);
	ksft_test_result(!(sregs.cr0 & X86_CR0_TS) &&
			 SP_GET(sec.shm->answered) == 1,
			 "the secondary answered the IN once; CR0.TS clear again\n");

	mvmm_ut_quit(&sec);
	mvmm_rsk_close(rsk);
	kvm_vm_free(vm);
	ksft_finished();
}

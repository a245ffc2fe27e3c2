// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's view of CR0 and CR3 stays current across exits that mvmm
 * completes itself.
 *
 * On SVM the guest changes CR3 (with nested paging) and CR0.TS without
 * any exit; svm_handle_exit() copies both from the VMCB into vcpu->arch
 * at the start of every exit. mvmm completes an event only where KVM's
 * own handler would start, after that copy, so it need not (and does
 * not) redo it; were the copy skipped, KVM_GET_SREGS right after such an
 * exit would show the values from before the guest changed them (and so
 * would a migration that saves the vCPU there).
 *
 * The guest sets CR0.TS and CR3.PWT, then does an IN that a userspace
 * secondary holds; a signal makes KVM_RUN return -EINTR while the vCPU
 * waits, without KVM ever handling an exit after the change. KVM_GET_SREGS
 * must show both bits. Once the secondary answers, the guest clears TS
 * and ends; KVM_GET_SREGS must show TS clear again.
 */
#include "kvm_util.h"
#include "processor.h"

#include "kselftest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "mvmm_guest_io.h"

#define PORT		0x5e4
#define NAME		"u-cr-sync"
#define CR3_PWT		(1UL << 3)

static void guest_code(void)
{
	uint32_t v;

	GUEST_SYNC(0);
	/* Neither write exits: KVM leaves both to the VMCB. */
	asm volatile("mov %0, %%cr0" : : "r"(get_cr0() | X86_CR0_TS));
	asm volatile("mov %0, %%cr3" : : "r"(get_cr3() | CR3_PWT) : "memory");
	v = mvmm_guest_inl(PORT);
	asm volatile("clts");
	GUEST_ASSERT_1(v == MVMM_SP_IN(PORT), v);
	GUEST_DONE();
}

int main(void)
{
	struct kvm_sregs before, sregs;
	struct mvmm_ut_sec sec;
	struct kvm_vcpu *vcpu;
	struct mvmm_rsk *rsk;
	struct kvm_vm *vm;
	struct ucall uc;
	int ret;

	ksft_print_header();
	ksft_set_plan(3);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "Expected the guest's first sync, got exit %d",
		    vcpu->run->exit_reason);
	vcpu_sregs_get(vcpu, &before);

	mvmm_ut_interrupt_held_in(vm, vcpu, PORT, NAME, &sec, &rsk);
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

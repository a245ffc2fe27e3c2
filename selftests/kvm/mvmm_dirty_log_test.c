// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty log is complete when a routed exit ends KVM_RUN mid-wait.
 *
 * The guest writes one page of a memslot that logs dirty pages, then does
 * an IN that a userspace secondary holds. A signal makes KVM_RUN return
 * -EINTR while the vCPU waits, as a VMM stopping its vCPUs for the last
 * pass of a live migration does; no other exit happens in between.
 * KVM_GET_DIRTY_LOG must show the page. Then the secondary answers and
 * the guest checks the value.
 *
 * On Intel, the CPU logs the write in the PML buffer without an exit, and
 * KVM moves that buffer into the dirty bitmap in __vmx_handle_exit() at
 * every exit, before it handles the exit: a routed exit that skipped that
 * step would lose the page (silent memory corruption on the migration's
 * destination). On AMD (this rig) KVM write-protects logged pages and
 * marks them at the write fault, so the page is logged either way: here
 * the test checks the protocol, on Intel it checks PML.
 */
#include "kvm_util.h"
#include "processor.h"

#include <string.h>

#include "kselftest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "mvmm_guest_io.h"

#define PORT		0x5e6
#define NAME		"u-dirty-log"
#define SLOT		1
#define SLOT_GPA	0x10000000ULL
#define SLOT_PAGES	16
#define PAGE		5		/* the page the guest writes */

static void guest_code(void)
{
	uint32_t v;

	GUEST_SYNC(0);
	WRITE_ONCE(*(volatile uint64_t *)(SLOT_GPA + PAGE * 4096), 0x5eed);
	v = mvmm_guest_inl(PORT);
	GUEST_ASSERT(v == MVMM_SP_IN(PORT));
	GUEST_DONE();
}

static bool page_dirty(const unsigned long *bitmap, int page)
{
	return bitmap[page / (8 * sizeof(long))] &
	       (1UL << (page % (8 * sizeof(long))));
}

static int dirty_count(const unsigned long *bitmap)
{
	int i, n = 0;

	for (i = 0; i < SLOT_PAGES; i++)
		n += page_dirty(bitmap, i);
	return n;
}

int main(void)
{
	unsigned long bitmap[(SLOT_PAGES + 63) / 64] = {};
	struct mvmm_ut_sec sec;
	struct kvm_vcpu *vcpu;
	struct mvmm_rsk *rsk;
	struct kvm_vm *vm;
	struct ucall uc;
	int ret;

	ksft_print_header();
	ksft_set_plan(2);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, SLOT_GPA, SLOT,
				    SLOT_PAGES, KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, SLOT_GPA, SLOT_GPA, SLOT_PAGES);
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "Expected the guest's first sync, got exit %d",
		    vcpu->run->exit_reason);
	/* Start from a clean log: this read clears it. */
	kvm_vm_get_dirty_log(vm, SLOT, bitmap);

	mvmm_ut_interrupt_held_in(vm, vcpu, PORT, NAME, &sec, &rsk);
	memset(bitmap, 0, sizeof(bitmap));
	kvm_vm_get_dirty_log(vm, SLOT, bitmap);
	ksft_print_msg("dirty log while the IN waits: page %d %s, %d dirty pages in the slot\n",
		       PAGE, page_dirty(bitmap, PAGE) ? "dirty" : "clean",
		       dirty_count(bitmap));
	ksft_test_result(page_dirty(bitmap, PAGE),
			 "the page the guest wrote before the routed IN is in KVM_GET_DIRTY_LOG\n");

	SP_SET(sec.shm->hold, 0);
	vcpu_run(vcpu);
	ret = get_ucall(vcpu, &uc);
	if (ret == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(ret == UCALL_DONE, "Expected the guest done, got %d", ret);
	ksft_test_result(SP_GET(sec.shm->answered) == 1,
			 "the secondary answered the IN once\n");

	mvmm_ut_quit(&sec);
	mvmm_rsk_close(rsk);
	kvm_vm_free(vm);
	ksft_finished();
}

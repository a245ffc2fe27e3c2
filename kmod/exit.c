// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-exit path: every exit KVM handles passes through
 * mvmm_handle_exit() (in place of the vendor's handle_exit), and every
 * exit KVM completes in its MSR fastpath through mvmm_fastpath_msr().
 * Both classify the exit, account it to its VM, and call KVM's own code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/srcu.h>
#include <asm/svm.h>
#include "core/classify.h"
#include "exit.h"
#include "hook.h"
#include "ksyms.h"
#include "route.h"
#include "table.h"
#include "vm.h"

/* VMCS field encoding of the guest-physical address (Intel SDM B.2.1). */
#define MVMM_VMCS_GUEST_PHYSICAL_ADDRESS	0x2400UL
#define MVMM_VMX_EPT_VIOLATION			48
#define MVMM_VMX_EPT_MISCONFIG			49

/*
 * Held by every vCPU while it runs module code on the exit path, so that
 * unloading waits for it to leave.
 */
DEFINE_SRCU(mvmm_exit_srcu);

static int (*mvmm_orig_handle_exit)(struct kvm_vcpu *vcpu, fastpath_t fp);
static fastpath_t (*mvmm_orig_fastpath_msr)(struct kvm_vcpu *vcpu);
static void (*mvmm_get_exit_info)(struct kvm_vcpu *vcpu, u32 *reason,
				  u64 *info1, u64 *info2, u32 *intr_info,
				  u32 *error_code);

static u64 mvmm_vmx_guest_gpa(void)
{
	u64 gpa;

	/* Runs on the vCPU's thread: its VMCS is current on this CPU. */
	asm volatile("vmread %1, %0"
		     : "=rm"(gpa)
		     : "r"(MVMM_VMCS_GUEST_PHYSICAL_ADDRESS)
		     : "cc");
	return gpa;
}

static void mvmm_classify_exit(struct kvm_vcpu *vcpu, struct mvmm_event *ev)
{
	struct mvmm_exit_info x;

	mvmm_get_exit_info(vcpu, &x.reason, &x.info1, &x.info2, &x.intr_info,
			   &x.error_code);
	x.l2 = !!(vcpu->arch.hflags & HF_GUEST_MASK);
	/* GPRs other than RSP are current in regs[] after every exit. */
	x.rax = vcpu->arch.regs[VCPU_REGS_RAX];
	x.rcx = vcpu->arch.regs[VCPU_REGS_RCX];

	if (mvmm_kvm.vmx) {
		u16 basic = x.reason & 0xffff;

		x.gpa = 0;
		if (basic == MVMM_VMX_EPT_VIOLATION ||
		    basic == MVMM_VMX_EPT_MISCONFIG)
			x.gpa = mvmm_vmx_guest_gpa();
		mvmm_classify_vmx(&x, ev);
	} else {
		mvmm_classify_svm(&x, ev);
	}

	/*
	 * A fault on a GPA that no memslot backs is an MMIO access however
	 * the hardware reported it. L2 addresses are L1's business.
	 */
	if (ev->type == MVMM_EV_NPF && !x.l2 &&
	    !mvmm_kvm.gfn_to_memslot(vcpu, gpa_to_gfn(ev->qual)))
		ev->type = MVMM_EV_MMIO;
}

/*
 * svm_handle_exit() starts every exit by copying CR0 (when its writes are
 * not intercepted) and, with nested paging, CR3 from the VMCB into
 * vcpu->arch: the guest changes them without exiting. An exit that mvmm
 * completes never gets there, so copy them the same way first, or KVM
 * (and KVM_GET_SREGS once a signal ends KVM_RUN mid-wait) would use stale
 * values. SEV-ES state is encrypted: KVM leaves it alone too. VMX reads
 * both lazily through its register cache: nothing to do there.
 */
static void mvmm_svm_sync_crs(struct kvm_vcpu *vcpu)
{
	/* struct vcpu_svm (6.1 svm.h): the vCPU, then its current VMCB. */
	struct vmcb *vmcb = *(struct vmcb **)(vcpu + 1);

	if (vcpu->arch.guest_state_protected)
		return;
	if (!test_bit(INTERCEPT_CR0_WRITE,
		      (unsigned long *)vmcb->control.intercepts))
		vcpu->arch.cr0 = vmcb->save.cr0;
	if (READ_ONCE(*mvmm_kvm.npt_enabled))
		vcpu->arch.cr3 = vmcb->save.cr3;
}

/* Should mvmm complete this exit instead of KVM? */
static bool mvmm_dispatch(struct kvm_vcpu *vcpu, struct mvmm_vm *vm,
			  const struct mvmm_event *ev, int *ret)
{
	const struct mvmm_policy *p = srcu_dereference(vm->policy,
						       &mvmm_exit_srcu);
	const struct mvmm_rule *rule;
	bool done;

	/* MMIO is routed once KVM's emulator has decoded it: see mmio.c. */
	if (!p || ev->type == MVMM_EV_MMIO)
		return false;
	rule = mvmm_policy_lookup(p->t, ev);
	/*
	 * A rule to main leaves the exit to KVM untouched, and so does an
	 * answer to IO: mmio.c gives it on KVM's PIO bus.
	 */
	if (!rule || rule->target.kind == MVMM_TARGET_MAIN ||
	    (rule->target.kind == MVMM_TARGET_ANSWER && ev->type == MVMM_EV_IO))
		return false;
	/* Harmless if KVM handles it after all: it copies the same. */
	if (!mvmm_kvm.vmx)
		mvmm_svm_sync_crs(vcpu);
	done = mvmm_route(vcpu, vm->id, ev, rule, ret);
	mvmm_vm_count_routed(vm, ev, done);
	return done;
}

static int mvmm_handle_exit(struct kvm_vcpu *vcpu, fastpath_t fastpath)
{
	struct mvmm_event ev;
	struct mvmm_vm *vm;
	int idx, ret;

	idx = srcu_read_lock(&mvmm_exit_srcu);
	mvmm_classify_exit(vcpu, &ev);
	vm = mvmm_vm_get(vcpu->kvm, GFP_KERNEL);
	if (unlikely(!vm))
		goto out_main;

	if (fastpath != EXIT_FASTPATH_NONE) {
		/* MSR fastpath exits were counted in mvmm_fastpath_msr(). */
		if (ev.type != MVMM_EV_MSR_WRITE)
			mvmm_vm_count(vm, &ev, true);
		/* KVM already completed it: nothing left to route. */
		goto out_main;
	}
	mvmm_vm_count(vm, &ev, false);
	if (mvmm_dispatch(vcpu, vm, &ev, &ret))
		goto out;

out_main:
	ret = mvmm_orig_handle_exit(vcpu, fastpath);
out:
	srcu_read_unlock(&mvmm_exit_srcu, idx);
	return ret;
}

/*
 * KVM completes x2APIC ICR and TSC-deadline writes here with interrupts
 * off; the TSC-deadline ones re-enter the guest without ever reaching
 * handle_exit, so this is the only place that sees them.
 */
static fastpath_t mvmm_fastpath_msr(struct kvm_vcpu *vcpu)
{
	u32 msr = vcpu->arch.regs[VCPU_REGS_RCX];
	fastpath_t ret;
	int idx;

	idx = srcu_read_lock(&mvmm_exit_srcu);
	ret = mvmm_orig_fastpath_msr(vcpu);
	if (ret != EXIT_FASTPATH_NONE) {
		struct mvmm_vm *vm = mvmm_vm_get(vcpu->kvm, GFP_ATOMIC);
		struct mvmm_event ev = {
			.type = MVMM_EV_MSR_WRITE,
			.origin = (vcpu->arch.hflags & HF_GUEST_MASK) ?
				  MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1,
			.flags = MVMM_EVF_WRITE,
			.qual = msr,
		};

		if (vm)
			mvmm_vm_count(vm, &ev, true);
	}
	srcu_read_unlock(&mvmm_exit_srcu, idx);
	return ret;
}

static struct mvmm_redirect mvmm_exit_redirect = {
	.replacement = mvmm_handle_exit,
};

static struct mvmm_redirect mvmm_fastpath_redirect = {
	.replacement = mvmm_fastpath_msr,
};

void mvmm_exit_sync(void)
{
	synchronize_srcu(&mvmm_exit_srcu);
}

void mvmm_exit_call_srcu(struct rcu_head *head, rcu_callback_t fn)
{
	call_srcu(&mvmm_exit_srcu, head, fn);
}

void mvmm_exit_barrier(void)
{
	srcu_barrier(&mvmm_exit_srcu);
}

int mvmm_exit_hooks_init(void)
{
	struct kvm_x86_ops *ops = mvmm_kvm.x86_ops;
	int ret;

	mvmm_get_exit_info = ops->get_exit_info;
	mvmm_orig_handle_exit = ops->handle_exit;
	mvmm_orig_fastpath_msr = (void *)mvmm_kvm.fastpath_msr;

	mvmm_fastpath_redirect.target = mvmm_kvm.fastpath_msr;
	ret = mvmm_redirect_install(&mvmm_fastpath_redirect,
				    "handle_fastpath_set_msr_irqoff");
	if (ret)
		return ret;

	mvmm_exit_redirect.target = (unsigned long)ops->handle_exit;
	ret = mvmm_redirect_install(&mvmm_exit_redirect, "handle_exit");
	if (ret)
		goto err_fastpath;
	return 0;

err_fastpath:
	mvmm_redirect_remove(&mvmm_fastpath_redirect);
	mvmm_exit_quiesce();
	return ret;
}

void mvmm_exit_hooks_exit(void)
{
	mvmm_redirect_remove(&mvmm_exit_redirect);
	mvmm_redirect_remove(&mvmm_fastpath_redirect);
	mvmm_exit_quiesce();
}

void mvmm_exit_quiesce(void)
{
	/*
	 * A vCPU that ftrace already sent to our code may not have reached
	 * srcu_read_lock() yet; once every task has passed a voluntary
	 * context switch it has, and SRCU then waits for it to leave.
	 */
	synchronize_rcu_tasks();
	synchronize_srcu(&mvmm_exit_srcu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-exit path, where every exit is classified and counted.
 *
 * mvmm points KVM's kvm_x86_vcpu_run static call at mvmm_vcpu_run(): the
 * vendor's vcpu_run returns at every VM exit, fastpath ones included, and
 * mvmm classifies and counts the exit there, then leaves it to KVM. That
 * is all an exit costs while no table routes or observes its type: one
 * direct call, the classifier, a counter.
 *
 * Nothing is completed here. An exit a rule routes is completed where
 * KVM's own handling of it starts (complete.c, bus.c), after the vendor's
 * handle_exit did everything it does for every exit (PML flush, the
 * kvm_exit tracepoint and exit statistics, register caches, the nested
 * decision whether L1 gets the exit). Observe copies are sent from
 * mvmm_handle_exit(), in KVM's kvm_x86_handle_exit static call while some
 * table observes events, before KVM handles the event; while some table
 * routes MMIO, it is there to undo an instruction a signal stopped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/srcu.h>
#include <linux/static_call.h>
#include "core/classify.h"
#include "bus.h"
#include "exit.h"
#include "exit_srcu.h"
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
 * Held by every vCPU while it runs module code on the exit path that may
 * sleep (handle_exit, the hooks completing events), so that unloading
 * waits for it to leave.
 */
static struct mvmm_scall mvmm_run_call;
static struct mvmm_scall mvmm_exit_call;

/*
 * The vendor's functions mvmm calls on every exit, as static calls of
 * its own: direct calls, where calls through a pointer would each go
 * through a retpoline.
 */
DEFINE_STATIC_CALL_NULL(mvmm_vendor_vcpu_run,
			*((struct kvm_x86_ops *)0)->vcpu_run);
DEFINE_STATIC_CALL_NULL(mvmm_vendor_handle_exit,
			*((struct kvm_x86_ops *)0)->handle_exit);
DEFINE_STATIC_CALL_NULL(mvmm_vendor_get_exit_info,
			*((struct kvm_x86_ops *)0)->get_exit_info);

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

/* Does no memslot back @gpa? KVM's memslots are read under its SRCU. */
static bool mvmm_gpa_unbacked(struct kvm_vcpu *vcpu, u64 gpa)
{
	bool unbacked;
	int idx;

	idx = srcu_read_lock(&vcpu->kvm->srcu);
	unbacked = !mvmm_kvm.gfn_to_memslot(vcpu, gpa_to_gfn(gpa));
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	return unbacked;
}

/*
 * Record what the vendor says of the exit in @vc, and its type. Only the
 * type is needed to count it; the whole event waits until something
 * asks (mvmm_exit_event()).
 */
static __always_inline void mvmm_exit_read(struct kvm_vcpu *vcpu,
					   struct mvmm_vcpu *vc)
{
	struct mvmm_exit_info *x = &vc->exit;
	u16 basic;

	static_call(mvmm_vendor_get_exit_info)(vcpu, &x->reason, &x->info1,
					       &x->info2, &x->intr_info,
					       &x->error_code);
	x->l2 = mvmm_vcpu_in_l2(vcpu);
	/* GPRs other than RSP are current in regs[] after every exit. */
	x->rax = vcpu->arch.regs[VCPU_REGS_RAX];
	x->rcx = vcpu->arch.regs[VCPU_REGS_RCX];
	vc->ev_valid = false;
	if (!mvmm_kvm.vmx) {
		vc->type = mvmm_exit_type_svm(x);
	} else {
		basic = x->reason & 0xffff;
		/* The VMCS field is read now: later the VMCS may be gone. */
		x->gpa = basic == MVMM_VMX_EPT_VIOLATION ||
			 basic == MVMM_VMX_EPT_MISCONFIG ?
			 mvmm_vmx_guest_gpa() : 0;
		vc->type = mvmm_exit_type_vmx(x);
	}
	/*
	 * A fault on a GPA that no memslot backs is an MMIO access however
	 * the hardware reported it (the first access to such a GPA, before
	 * KVM marked it). L2 addresses are L1's business.
	 */
	if (unlikely(vc->type == MVMM_EV_NPF) && !x->l2 &&
	    mvmm_gpa_unbacked(vcpu, mvmm_kvm.vmx ? x->gpa : x->info2))
		vc->type = MVMM_EV_MMIO;
}

void mvmm_exit_classify(struct mvmm_vcpu *vc)
{
	if (mvmm_kvm.vmx)
		mvmm_classify_vmx(&vc->exit, &vc->ev);
	else
		mvmm_classify_svm(&vc->exit, &vc->ev);
	/* The type counted, MMIO found in the memslots included. */
	vc->ev.type = vc->type;
	vc->ev_valid = true;
}

/*
 * Runs with interrupts off, right after the guest exited. Every exit
 * passes here exactly once, whether KVM then completes it in its fastpath
 * (and may re-enter the guest without ever calling handle_exit) or not.
 */
static __always_inline void mvmm_exit_seen(struct kvm_vcpu *vcpu,
					   struct mvmm_vcpu *vc,
					   fastpath_t fastpath)
{
	mvmm_exit_read(vcpu, vc);
	mvmm_vm_count(vc->vm, vc->type, vc->exit.l2,
		      fastpath != EXIT_FASTPATH_NONE);
	/* KVM's fastpath completed it already: nothing left to route. */
	vc->pending = fastpath == EXIT_FASTPATH_NONE;
}

/* A vCPU mvmm does not know yet: registered at its first exit. */
static noinline fastpath_t mvmm_vcpu_run_first(struct kvm_vcpu *vcpu,
					       u64 run_flags)
{
	struct mvmm_vcpu *vc;
	fastpath_t fastpath;
	int idx;

	idx = srcu_read_lock(&mvmm_exit_srcu);
	fastpath = static_call(mvmm_vendor_vcpu_run)(vcpu, run_flags);
	vc = mvmm_vcpu_add(vcpu, GFP_ATOMIC);
	if (vc)
		mvmm_exit_seen(vcpu, vc, fastpath);
	srcu_read_unlock(&mvmm_exit_srcu, idx);
	return fastpath;
}

/*
 * Every exit of every VM comes here: keep it short. KVM calls vcpu_run
 * with interrupts off, and they stay off here but for the guest's run.
 * Unloading waits for ->in_run to clear instead of an SRCU grace period,
 * which would cost this path two calls (see mvmm_exit_hooks_exit()).
 */
static fastpath_t mvmm_vcpu_run(struct kvm_vcpu *vcpu, u64 run_flags)
{
	struct mvmm_vcpu_cache *c = this_cpu_ptr(&mvmm_vcpu_cache);
	struct mvmm_vcpu *vc = c->vc;
	fastpath_t fastpath;

	if (unlikely(c->vcpu != vcpu)) {
		/* Interrupts are off: an RCU read-side section already. */
		vc = __mvmm_vcpu_find(vcpu);
		if (unlikely(!vc))
			return mvmm_vcpu_run_first(vcpu, run_flags);
		c->vcpu = vcpu;
		c->vc = vc;
	}
	WRITE_ONCE(vc->in_run, true);
	fastpath = static_call(mvmm_vendor_vcpu_run)(vcpu, run_flags);
	mvmm_exit_seen(vcpu, vc, fastpath);
	WRITE_ONCE(vc->in_run, false);
	return fastpath;
}

/*
 * Observe copies of the exit's event, before KVM handles it; and after,
 * the instruction a signal stopped on a bus access is left undone.
 */
static int mvmm_handle_exit(struct kvm_vcpu *vcpu, fastpath_t fastpath)
{
	const struct mvmm_event *ev;
	const struct mvmm_policy *p;
	const struct mvmm_rule *rule;
	struct mvmm_vcpu *vc;
	int idx, ret;

	idx = srcu_read_lock(&mvmm_exit_srcu);
	vc = mvmm_vcpu_find(vcpu);
	p = vc ? mvmm_exit_dereference(vc->vm->policy) : NULL;
	/* MMIO is copied with its data, from KVM's emulator (bus.c). */
	if (p && fastpath == EXIT_FASTPATH_NONE &&
	    (p->observe_types & BIT_ULL(vc->type)) &&
	    vc->type != MVMM_EV_MMIO) {
		ev = mvmm_exit_event(vc);
		rule = mvmm_policy_lookup(p->t, ev);
		if (rule && rule->mode == MVMM_MODE_OBSERVE) {
			mvmm_route_observe(vcpu, vc, ev, rule);
			mvmm_vm_count_routed(vc->vm, ev, false);
		}
	}
	if (unlikely(!vc)) {
		ret = static_call(mvmm_vendor_handle_exit)(vcpu, fastpath);
		goto out;
	}
	vc->exit_wrapped = true;
	ret = static_call(mvmm_vendor_handle_exit)(vcpu, fastpath);
	vc->exit_wrapped = false;
	if (unlikely(vc->bus_stopped))
		ret = mvmm_bus_unwind(vcpu, vc, ret);
out:
	srcu_read_unlock(&mvmm_exit_srcu, idx);
	return ret;
}

static int mvmm_handle_exit_install(void)
{
	return mvmm_scall_patch(&mvmm_exit_call, "kvm_x86_handle_exit");
}

static void mvmm_handle_exit_remove(void)
{
	mvmm_scall_unpatch(&mvmm_exit_call, "kvm_x86_handle_exit");
}

/*
 * Observing every type but MMIO, which bus.c copies; routing MMIO, whose
 * waits a signal may stop only inside this wrapper (bus.c).
 */
static struct mvmm_hookpoint mvmm_handle_exit_hook = {
	.name = "kvm_x86_handle_exit",
	.route_types = BIT_ULL(MVMM_EV_MMIO),
	.observe_types = ~BIT_ULL(MVMM_EV_MMIO),
	.install = mvmm_handle_exit_install,
	.remove = mvmm_handle_exit_remove,
};

int mvmm_exit_hooks_init(void)
{
	int ret;

	BUILD_BUG_ON(__MVMM_EV_MAX > 64);
	ret = mvmm_scall_resolve(&mvmm_run_call, "vcpu_run");
	if (ret)
		return ret;
	ret = mvmm_scall_resolve(&mvmm_exit_call, "handle_exit");
	if (ret)
		return ret;
	static_call_update(mvmm_vendor_vcpu_run, mvmm_run_call.orig);
	static_call_update(mvmm_vendor_handle_exit, mvmm_exit_call.orig);
	static_call_update(mvmm_vendor_get_exit_info,
			   mvmm_kvm.x86_ops->get_exit_info);
	mvmm_run_call.func = mvmm_vcpu_run;
	mvmm_exit_call.func = mvmm_handle_exit;

	ret = mvmm_scall_patch(&mvmm_run_call, "kvm_x86_vcpu_run");
	if (ret)
		return ret;
	mvmm_hookpoint_register(&mvmm_handle_exit_hook);
	return 0;
}

/* Once the hook points are gone (mvmm_hookpoints_remove_all()). */
void mvmm_exit_hooks_exit(void)
{
	mvmm_scall_unpatch(&mvmm_run_call, "kvm_x86_vcpu_run");
	/*
	 * mvmm_vcpu_run() runs with interrupts off but for the guest's run,
	 * which RCU counts as quiescent. A vCPU that entered it before the
	 * unpatch has set ->in_run by the end of this grace period (or left).
	 */
	synchronize_rcu();
	/* Kick those in the guest out of it until every ->in_run is clear. */
	while (mvmm_vcpus_kick_running())
		schedule_timeout_uninterruptible(1);
	/* What they run after clearing it, interrupts still off, is done. */
	synchronize_rcu();
	mvmm_exit_quiesce();
}


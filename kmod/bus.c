// SPDX-License-Identifier: GPL-2.0
/*
 * Routing on KVM's buses. At the exit, an access to an unbacked GPA is
 * only a fault address, and a string IO instruction only a port: size,
 * direction and data are known once KVM's emulator has decoded the
 * instruction and dispatches each access (each element, for INS/OUTS) to
 * its MMIO or PIO bus, ahead of KVM's in-kernel devices. So while some
 * table routes MMIO or IO, or observes MMIO, mvmm redirects
 * kvm_io_bus_read() and kvm_io_bus_write() for the accesses a rule
 * routes; every other access goes on to KVM's devices unchanged.
 *
 * Plain port IO (IN, OUT) never gets here routed: complete.c carries it
 * out in kvm_fast_pio(), and KVM dispatches it to the PIO bus only when
 * no rule routed it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include "compat.h"
#include "bus.h"
#include "exit.h"
#include "exit_srcu.h"
#include "hook.h"
#include "ksyms.h"
#include "route.h"
#include "table.h"
#include "vm.h"

/* The bus access @ev of @vcpu, and the rule a table has for it, if any. */
static bool mvmm_bus_event(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			   gpa_t addr, int len, bool write,
			   struct mvmm_event *ev)
{
	struct mvmm_vcpu *vc;

	/*
	 * The emulator dispatches an access in pieces of at most 8 bytes,
	 * split at page boundaries first: a misaligned access that crosses
	 * a page comes as two pieces of any size (3 + 1 bytes, 5 + 3, ...).
	 * Each piece is an event, looked up by its address like any access,
	 * so that splitting an access does not take a piece past the rule
	 * for its address. (A rule matches an access by its first byte: an
	 * access that starts below a rule's range and reaches into it, in
	 * one piece, is not that rule's; Documentation/mvmm.rst.)
	 */
	if (!vcpu || len < 1 || len > 8)
		return false;
	*ev = (struct mvmm_event) {
		.origin = mvmm_vcpu_origin(vcpu),
		.size = len,
		.flags = write ? MVMM_EVF_WRITE : 0,
		.qual = addr,
	};
	if (bus_idx == KVM_MMIO_BUS) {
		ev->type = MVMM_EV_MMIO;
		return true;
	}
	if (bus_idx != KVM_PIO_BUS)
		return false;
	/* An element of the string IO instruction this exit is about. */
	vc = mvmm_vcpu_find(vcpu);
	if (!vc || vc->type != MVMM_EV_IO ||
	    !(mvmm_exit_event(vc)->flags & MVMM_EVF_STRING))
		return false;
	ev->type = MVMM_EV_IO;
	ev->flags |= MVMM_EVF_STRING;
	return true;
}

/*
 * Which rule of @vc's VM applies to @ev, copied to *@rule (if not NULL):
 * false if none routes it. The exit SRCU must be held, until the copy is
 * done with: what the rule names (an answer's slot, a handler's name)
 * lives as long as a table holding it, which is freed after an exit-SRCU
 * grace period (table.h).
 */
static bool mvmm_bus_rule_locked(struct mvmm_vcpu *vc,
				 const struct mvmm_event *ev,
				 struct mvmm_rule *rule)
{
	const struct mvmm_policy *p;
	const struct mvmm_rule *r;

	p = mvmm_exit_dereference(vc->vm->policy);
	if (!p || !((p->route_types | p->observe_types) & BIT_ULL(ev->type)))
		return false;
	r = mvmm_policy_lookup(p->t, ev);
	/* String IO is observed at the exit, MMIO only here. */
	if (!r || r->target.kind == MVMM_TARGET_MAIN ||
	    (r->mode != MVMM_MODE_SYNC && ev->type != MVMM_EV_MMIO))
		return false;
	if (rule)
		*rule = *r;
	return true;
}

static bool mvmm_bus_rule(struct mvmm_vcpu *vc, const struct mvmm_event *ev)
{
	bool found;
	int idx;

	idx = mvmm_exit_read_lock();
	found = mvmm_bus_rule_locked(vc, ev, NULL);
	mvmm_exit_read_unlock(idx);
	return found;
}

/*
 * The redirects' decisions, at the entry of kvm_io_bus_read/write(): does
 * a rule route the access? The replacement, which runs right after on the
 * same vCPU thread (bus accesses of one vCPU never nest), looks the rule
 * up again in its own exit-SRCU section: between the two the vCPU may be
 * preempted, for longer than it takes to free a table. Once a signal
 * stopped an access, every later one of the instruction is swallowed.
 */
static bool mvmm_bus_decide(struct ftrace_regs *fregs, bool write)
{
	struct kvm_vcpu *vcpu = (void *)mvmm_fregs_arg(fregs, 0);
	struct mvmm_event ev;
	struct mvmm_vcpu *vc;

	if (!mvmm_bus_event(vcpu, mvmm_fregs_arg(fregs, 1),
			    mvmm_fregs_arg(fregs, 2), mvmm_fregs_arg(fregs, 3),
			    write, &ev))
		return false;
	vc = mvmm_vcpu_find(vcpu);
	return vc && !vc->bus_to_kvm &&
	       (vc->bus_stopped || mvmm_bus_rule(vc, &ev));
}

static bool mvmm_bus_read_decide(struct ftrace_regs *fregs)
{
	return mvmm_bus_decide(fregs, false);
}

static bool mvmm_bus_write_decide(struct ftrace_regs *fregs)
{
	return mvmm_bus_decide(fregs, true);
}

/* Never called: mvmm_bus_unwind() takes it back first. */
static int mvmm_bus_resume(struct kvm_vcpu *vcpu)
{
	return 1;
}

/*
 * A signal interrupted the wait for @vc's secondary in the middle of an
 * instruction KVM's emulator is running. The emulator cannot be told to
 * stop, but it leaves an instruction undone, registers and all, when it
 * must go to userspace for it: make it so, and mvmm_bus_unwind() turns
 * that exit into a return to vcpu_run() with the signal pending, so that
 * KVM_RUN returns -EINTR and the guest retakes the instruction, whose
 * access resumes the request left outstanding.
 *
 * A read is left unclaimed: the emulator then asks userspace for it and
 * stops before using the value (no register or memory written). A write
 * is taken, with the instruction marked as waiting for userspace: the
 * emulator finishes the element but writes back neither RIP nor flags,
 * and the GPRs it did write back (a REP string's counts and pointers)
 * are restored from before the access.
 */
static int mvmm_bus_stop(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			 bool write)
{
	if (!vc->bus_stopped) {
		/* After mvmm_fill_request(): RSP is in regs[] too. */
		memcpy(vc->bus_gprs, vcpu->arch.regs, sizeof(vc->bus_gprs));
		vc->bus_stopped = true;
		/* KVM sets another exit reason if emulation then fails. */
		vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	}
	if (!write)
		return -EOPNOTSUPP;
	vcpu->arch.complete_userspace_io = mvmm_bus_resume;
	return 0;
}

int mvmm_bus_unwind(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc, int ret)
{
	int (*cui)(struct kvm_vcpu *vcpu) = vcpu->arch.complete_userspace_io;
	bool undone;

	vc->bus_stopped = false;
	/*
	 * Left undone for userspace: by mvmm_bus_stop()'s mark, or by the
	 * read it left unclaimed. (A write KVM sends to userspace counts as
	 * done: then the instruction completed, and so did the access the
	 * signal stopped, as posted. So does an emulation failure: KVM's
	 * internal error goes to userspace as it would.)
	 */
	undone = !ret && (cui == mvmm_bus_resume ||
			  (vcpu->mmio_needed && !vcpu->mmio_is_write)) &&
		 vcpu->run->exit_reason != KVM_EXIT_INTERNAL_ERROR;
	if (cui == mvmm_bus_resume)
		vcpu->arch.complete_userspace_io = NULL;
	if (!undone)
		return ret;

	memcpy(vcpu->arch.regs, vc->bus_gprs, sizeof(vc->bus_gprs));
	/* The emulator's copy of them is stale: never written back. */
	vcpu->arch.emulate_regs_need_sync_to_vcpu = false;
	if (vcpu->mmio_needed) {
		/* No MMIO exit happens after all. */
		vcpu->stat.mmio_exits--;
		vcpu->mmio_needed = 0;
		vcpu->arch.complete_userspace_io = NULL;
	}
	vcpu->mmio_nr_fragments = 0;
	vcpu->mmio_cur_fragment = 0;
	/* Back to vcpu_run(), which returns -EINTR for the signal. */
	return 1;
}

/*
 * May a signal stop this MMIO access? Only inside the wrapper that undoes
 * the instruction, and only for an instruction KVM emulates for an MMIO
 * exit (L1's, or L2's nested page fault): string port IO reads its
 * elements ahead, a batch per bus call, so a REP INS into MMIO would ask
 * for them twice; SEV-ES MMIO is a VMGEXIT request, not an instruction
 * to retake. (An instruction that loads a segment before a stopped write,
 * a far CALL or INT pushing onto an MMIO stack, keeps the segment: guests
 * do not put their stacks in device memory.)
 */
static bool mvmm_bus_restartable(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc)
{
	return vc->exit_wrapped && !vcpu->arch.guest_state_protected &&
	       (vc->type == MVMM_EV_MMIO || vc->type == MVMM_EV_NPF);
}

/* mvmm_bus_route(): the access is KVM's (kvm_io_bus_* return 0 or -errno). */
#define MVMM_BUS_TO_KVM	1

/*
 * Carry out the rule for the access, looked up again under the caller's
 * exit SRCU (mvmm_bus_decide()): 0 when mvmm completed the
 * access, -EOPNOTSUPP for an access left unclaimed (mvmm_bus_stop()), or
 * MVMM_BUS_TO_KVM with *@vcp set to the vCPU state to mark while KVM's
 * original runs (NULL: nothing to mark).
 */
static int mvmm_bus_route(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			  gpa_t addr, int len, void *val, bool write,
			  struct mvmm_vcpu **vcp)
{
	struct mvmm_vcpu *vc = mvmm_vcpu_find(vcpu);
	enum mvmm_route_result r;
	struct mvmm_event ev;
	bool restartable;

	*vcp = vc;
	if (WARN_ON_ONCE(!vc) ||
	    !mvmm_bus_event(vcpu, bus_idx, addr, len, write, &ev))
		return MVMM_BUS_TO_KVM;
	if (vc->bus_stopped) {
		*vcp = NULL;
		return mvmm_bus_stop(vcpu, vc, write);
	}
	/* The table may have changed since the decision: KVM's, then. */
	if (!mvmm_bus_rule_locked(vc, &ev, &vc->bus_rule))
		return MVMM_BUS_TO_KVM;
	restartable = ev.type == MVMM_EV_MMIO && mvmm_bus_restartable(vcpu, vc);
	r = mvmm_route_bus(vcpu, vc, &ev, &vc->bus_rule, val, restartable);
	if (r == MVMM_ROUTE_RETRY) {
		*vcp = NULL;
		return mvmm_bus_stop(vcpu, vc, write);
	}
	mvmm_vm_count_routed(vc->vm, &ev, r == MVMM_ROUTE_DONE);
	return r == MVMM_ROUTE_DONE ? 0 : MVMM_BUS_TO_KVM;
}

/*
 * The replacements hold the exit SRCU across KVM's original too: it may
 * sleep (the PIT's mutex), and unloading must wait for a task to be out
 * of this code, return address included.
 */
static int mvmm_io_bus_read(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			    gpa_t addr, int len, void *val)
{
	struct mvmm_vcpu *vc;
	int idx, ret;

	idx = mvmm_exit_read_lock();
	ret = mvmm_bus_route(vcpu, bus_idx, addr, len, val, false, &vc);
	if (ret == MVMM_BUS_TO_KVM && vc) {
		vc->bus_to_kvm = true;
		ret = mvmm_kvm.io_bus_read(vcpu, bus_idx, addr, len, val);
		vc->bus_to_kvm = false;
	} else if (ret == MVMM_BUS_TO_KVM) {
		ret = mvmm_kvm.io_bus_read(vcpu, bus_idx, addr, len, val);
	}
	mvmm_exit_read_unlock(idx);
	return ret;
}

static int mvmm_io_bus_write(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			     gpa_t addr, int len, const void *val)
{
	struct mvmm_vcpu *vc;
	int idx, ret;

	idx = mvmm_exit_read_lock();
	ret = mvmm_bus_route(vcpu, bus_idx, addr, len, (void *)val, true,
			     &vc);
	if (ret == MVMM_BUS_TO_KVM && vc) {
		vc->bus_to_kvm = true;
		ret = mvmm_kvm.io_bus_write(vcpu, bus_idx, addr, len, val);
		vc->bus_to_kvm = false;
	} else if (ret == MVMM_BUS_TO_KVM) {
		ret = mvmm_kvm.io_bus_write(vcpu, bus_idx, addr, len, val);
	}
	mvmm_exit_read_unlock(idx);
	return ret;
}

static struct mvmm_redirect mvmm_read_redirect = {
	.decide = mvmm_bus_read_decide,
	.replacement = mvmm_io_bus_read,
};

static struct mvmm_redirect mvmm_write_redirect = {
	.decide = mvmm_bus_write_decide,
	.replacement = mvmm_io_bus_write,
};

static int mvmm_bus_install(void)
{
	int ret;

	mvmm_read_redirect.target = (unsigned long)mvmm_kvm.io_bus_read;
	ret = mvmm_redirect_install(&mvmm_read_redirect, "kvm_io_bus_read");
	if (ret)
		return ret;
	mvmm_write_redirect.target = (unsigned long)mvmm_kvm.io_bus_write;
	ret = mvmm_redirect_install(&mvmm_write_redirect, "kvm_io_bus_write");
	if (ret)
		mvmm_redirect_remove(&mvmm_read_redirect);
	return ret;
}

static void mvmm_bus_remove(void)
{
	mvmm_redirect_remove(&mvmm_write_redirect);
	mvmm_redirect_remove(&mvmm_read_redirect);
}

static struct mvmm_hookpoint mvmm_bus_hook = {
	.name = "kvm_io_bus_read/write",
	.route_types = BIT_ULL(MVMM_EV_MMIO) | BIT_ULL(MVMM_EV_IO),
	.observe_types = BIT_ULL(MVMM_EV_MMIO),
	.install = mvmm_bus_install,
	.remove = mvmm_bus_remove,
};

void mvmm_bus_hooks_init(void)
{
	mvmm_hookpoint_register(&mvmm_bus_hook);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Completing routed events where KVM's own handling of them starts.
 *
 * The vendor's handle_exit does its part for every exit first (flushing
 * the PML log into the dirty bitmap, the kvm_exit tracepoint and exit
 * statistics, register caches, deciding whether L1 gets an L2 exit), then
 * calls the handler for the exit reason, which for the events mvmm
 * completes is one of these exported, vendor-neutral functions of
 * kvm.ko, the same in 6.1 and 6.12:
 *
 *   CPUID               kvm_emulate_cpuid()
 *   IO (IN, OUT)        kvm_fast_pio()
 *   MSR read, write     kvm_emulate_rdmsr(), kvm_emulate_wrmsr()
 *   HLT                 kvm_emulate_halt()
 *   hypercall           kvm_emulate_hypercall()
 *   exception #UD       handle_ud()
 *
 * (MMIO and string IO are completed on KVM's buses: bus.c.) While some
 * table routes a type, its function has a direct hook (hook.h): at the
 * entry, when the exit is of that type and its VM routes the type, mvmm
 * looks the event up (made from what the vendor said at the exit,
 * exit.c) and carries out the rule. KVM's function then returns what its
 * handling would have, without running; when no rule takes the event or
 * it falls back to KVM, KVM's function runs as usual. Everything KVM does
 * after its handler (injecting events, re-entering the guest) is left as
 * it is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include "core/answer.h"
#include "answer_apply.h"
#include "answer_tgt.h"
#include "compat.h"
#include "complete.h"
#include "decide.h"
#include "complete_tramp.h"
#include "exit.h"
#include "exit_srcu.h"
#include "handler.h"
#include "hook.h"
#include "ksyms.h"
#include "mvmm_trace.h"
#include "route.h"
#include "table.h"
#include "vm.h"

/* What KVM's own handler counts in the vCPU's statistics, kept true. */
static void mvmm_complete_stat(struct kvm_vcpu *vcpu, u16 type)
{
	if (type == MVMM_EV_HLT)
		++vcpu->stat.halt_exits;
	else if (type == MVMM_EV_HYPERCALL)
		++vcpu->stat.hypercalls;
}

/* The access kvm_fast_pio() was called for. */
struct mvmm_pio {
	int size;
	unsigned short port;
	int in;
};

/*
 * The rule the exit's event, of @type (a constant), matches if one
 * routes it to mvmm's side (sync, not to main), with the event in *@evp;
 * else NULL. @pio:
 * kvm_fast_pio()'s access, which must be the exit's. Preemption is off:
 * the table is read in the exit section's atomic form (exit_srcu.h).
 */
static __always_inline const struct mvmm_rule *
mvmm_complete_rule(struct mvmm_vcpu *vc, u16 type, const struct mvmm_pio *pio,
		   const struct mvmm_event **evp)
{
	const struct mvmm_policy *p;
	const struct mvmm_rule *rule;
	const struct mvmm_event *ev;

	ev = mvmm_exit_event(vc);
	if (pio && ((ev->flags & MVMM_EVF_STRING) || ev->size != pio->size ||
		    ev->qual != pio->port ||
		    !(ev->flags & MVMM_EVF_WRITE) != !!pio->in))
		return NULL;
	/* handle_ud() is where #UD, and only #UD, starts. */
	if (type == MVMM_EV_EXCEPTION && ev->qual != MVMM_UD_VECTOR)
		return NULL;
	p = mvmm_exit_dereference_table(vc->vm->policy);
	rule = p ? mvmm_policy_lookup(p->t, ev) : NULL;
	if (!rule || rule->mode != MVMM_MODE_SYNC ||
	    rule->target.kind == MVMM_TARGET_MAIN)
		return NULL;
	*evp = ev;
	return rule;
}

/*
 * Is the event KVM's whatever a rule says? kvm_emulate_hypercall() and
 * kvm_emulate_cpuid() (6.1, 6.12) decide these before their handling
 * starts, and no rule may change that:
 *  - a VM that enabled Xen's or Hyper-V's hypercall ABI makes their
 *    hypercalls, which KVM hands to that emulation: a rule's number is
 *    one of KVM's ABI, in RAX (Hyper-V's call code is in RCX). A VM that
 *    asked for Xen's is taken at its word, as KVM does once any VM has
 *    set Xen's hypercall MSR;
 *  - a hypercall above CPL 0 gets -KVM_EPERM: a guest's user mode must
 *    not reach a secondary through one;
 *  - CPUID above CPL 0 raises #GP while the guest has CPUID faulting on.
 * The CPL is asked of the vendor (the VMCB, or the VMCS loaded here).
 */
static __always_inline bool mvmm_complete_kvms(struct kvm_vcpu *vcpu, u16 type)
{
	if (type == MVMM_EV_HYPERCALL)
		return (vcpu->kvm->arch.xen_hvm_config.flags &
			KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL) ||
		       mvmm_hv_hypercall_enabled(vcpu) ||
		       mvmm_kvm.x86_ops->get_cpl(vcpu) != 0;
	if (type == MVMM_EV_CPUID)
		return (vcpu->arch.msr_misc_features_enables &
			MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
		       mvmm_kvm.x86_ops->get_cpl(vcpu) != 0;
	return false;
}

/*
 * Give @ev the answer @rule names (a MVMM_TARGET_ANSWER rule): write the
 * registers the instruction leaves, and count the event. True if it was
 * answered; the instruction is then KVM's to complete. False: KVM
 * handles the event. Never sleeps, nothing waits: preemption is off.
 */
static __always_inline bool mvmm_complete_answer(struct kvm_vcpu *vcpu,
						 struct mvmm_vcpu *vc,
						 const struct mvmm_event *ev,
						 u16 type,
						 const struct mvmm_rule *rule)
{
	bool ok = mvmm_answer_tgt_regs(vcpu, ev, type, rule->target.index);

	/* The vCPU's routed events, numbered for resuming them (route.c). */
	vc->routes++;
	trace_mvmm_route(vc->vm->id, vcpu->vcpu_id, ev, "answer",
			 ok ? "answered" : "to-main");
	mvmm_vm_count_routed(vc->vm, ev, ok);
	return ok;
}

/*
 * Carry out @rule, which names @h, a kernel handler that never sleeps,
 * for @ev: the call, and applying its outcome, with preemption still off
 * (on again when this returns). What the direct hook returns; a handled
 * instruction is skipped from the trampoline, as an answered one is.
 */
static __always_inline u64 mvmm_complete_atomic(struct kvm_vcpu *vcpu,
						struct mvmm_vcpu *vc,
						const struct mvmm_event *ev,
						u16 type,
						const struct mvmm_rule *rule,
						struct mvmm_handler *h)
{
	const struct mvmm_answer *ans = &vc->ans;
	u64 taken;

	switch (mvmm_decide_atomic(vcpu, vc, type, ev, rule, h)) {
	case MVMM_OUT_HANDLED:
		taken = mvmm_answer_regs(vcpu, ev, type, ans) ?
			MVMM_TAKE_SKIP : mvmm_direct_return(1);
		break;
	case MVMM_OUT_INJECT:
		taken = mvmm_direct_return(mvmm_apply_inject(vcpu, ans->vector,
							     ans->has_error_code,
							     ans->error_code));
		break;
	case MVMM_OUT_DENY:
		taken = mvmm_direct_return(mvmm_apply_deny(vcpu, ev));
		break;
	default:
		taken = MVMM_DIRECT_PASS;
		break;
	}
	mvmm_vm_count_routed(vc->vm, ev, taken != MVMM_DIRECT_PASS);
	preempt_enable();
	if (taken != MVMM_DIRECT_PASS)
		mvmm_complete_stat(vcpu, type);
	return taken;
}

/*
 * Carry out @rule, a handler's or a group's, for @ev under the exit
 * SRCU: the call may sleep. What the direct hook returns: mvmm took the
 * event (completed it, or a signal interrupted the wait: it recurs), or
 * KVM's function is to run. Out of line, with the stack protector its
 * result's address needs.
 */
static noinline u64 mvmm_complete_routed(struct kvm_vcpu *vcpu,
					 struct mvmm_vcpu *vc,
					 const struct mvmm_event *ev,
					 const struct mvmm_rule *rule)
{
	enum mvmm_route_result r;
	int ret;

	r = mvmm_route_exit(vcpu, vc, ev, rule, &ret);
	if (r == MVMM_ROUTE_RETRY)	/* counted when the guest retakes it */
		return mvmm_direct_return(ret);
	mvmm_vm_count_routed(vc->vm, ev, r == MVMM_ROUTE_DONE);
	if (r == MVMM_ROUTE_KVM)
		return MVMM_DIRECT_PASS;
	mvmm_complete_stat(vcpu, ev->type);
	return mvmm_direct_return(ret);
}

/*
 * At the entry of KVM's function for @type events (a direct hook): is the
 * exit the vCPU is handling such an event, and does its VM route any of
 * them? Then mvmm looks the event up and carries out its rule. Each exit
 * is taken once: should KVM's function be called again in the same exit,
 * it runs as it is.
 *
 * Up to the rule, and for an answer or a kernel handler that never
 * sleeps (ops->atomic), preemption is all the protection needed (the
 * exit section's atomic form, exit_srcu.h): no SRCU read section to
 * enter and leave. Only other handlers' and groups' rules take the exit
 * SRCU, before preemption comes back on, for their call. KVM completes
 * an answered or handled instruction
 * from the trampoline (MVMM_TAKE_SKIP), with preemption on and no frame
 * of mvmm's left on the stack: its emulator may fault on guest memory
 * and sleep. When KVM's function runs, no frame of mvmm's is left on the
 * stack either.
 */
static __always_inline u64 mvmm_take(struct kvm_vcpu *vcpu, u16 type,
				     const struct mvmm_pio *pio)
{
	const struct mvmm_event *ev;
	const struct mvmm_rule *rule;
	struct mvmm_handler *h;
	struct mvmm_vcpu *vc;
	bool answered;
	u64 taken;
	int idx;

	preempt_disable();
	vc = mvmm_vcpu_find_atomic(vcpu);
	if (!vc || !vc->pending || vc->type != type ||
	    !(READ_ONCE(vc->vm->route_types) & BIT_ULL(type)))
		goto pass;
	vc->pending = false;
	if (mvmm_complete_kvms(vcpu, type))
		goto pass;
	rule = mvmm_complete_rule(vc, type, pio, &ev);
	if (!rule)
		goto pass;
	if (rule->target.kind == MVMM_TARGET_ANSWER) {
		answered = mvmm_complete_answer(vcpu, vc, ev, type, rule);
		preempt_enable();
		if (!answered)
			return MVMM_DIRECT_PASS;
		/* A hypercall answered: what KVM's handler counts. */
		mvmm_complete_stat(vcpu, type);
		/* KVM skips the instruction, from the trampoline. */
		return MVMM_TAKE_SKIP;
	}
	if (rule->target.kind == MVMM_TARGET_HANDLER) {
		h = mvmm_handler_atomic(rule->target.index);
		if (h)
			return mvmm_complete_atomic(vcpu, vc, ev, type, rule, h);
	}
	idx = mvmm_exit_read_lock();
	preempt_enable();
	taken = mvmm_complete_routed(vcpu, vc, ev, rule);
	mvmm_exit_read_unlock(idx);
	return taken;
pass:
	preempt_enable();
	return MVMM_DIRECT_PASS;
}

/* Called by complete_tramp.S's trampolines only. */
#define MVMM_TAKE(fn, type)						\
u64 mvmm_take_##fn(struct kvm_vcpu *vcpu)				\
{									\
	return mvmm_take(vcpu, type, NULL);				\
}

MVMM_TAKE(emulate_cpuid, MVMM_EV_CPUID)
MVMM_TAKE(emulate_rdmsr, MVMM_EV_MSR_READ)
MVMM_TAKE(emulate_wrmsr, MVMM_EV_MSR_WRITE)
MVMM_TAKE(emulate_halt, MVMM_EV_HLT)
MVMM_TAKE(emulate_hypercall, MVMM_EV_HYPERCALL)
MVMM_TAKE(handle_ud, MVMM_EV_EXCEPTION)

/* kvm_fast_pio(vcpu, size, port, in): IN and OUT, never string IO. */
u64 mvmm_take_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		       int in)
{
	struct mvmm_pio pio = { .size = size, .port = port, .in = in };

	return mvmm_take(vcpu, MVMM_EV_IO, &pio);
}

/*
 * Kernels that complete HLT in the vendor's fastpath (6.12, when the CPU
 * reports the next RIP) call kvm_emulate_halt() there with interrupts
 * off, where no handler can be waited for. A HLT that a rule routes is
 * kept out of it: the fastpath declines it and KVM takes the usual path,
 * to kvm_emulate_halt() from handle_exit. The exit is not classified yet
 * (that happens when vcpu_run returns), so the event is made here: the
 * fastpath takes only HLTs of the VM's own guest. For the same reason
 * what ->pending says is of an earlier exit, which KVM may have left to
 * no handler of its own (an L2 HLT reflected to L1): mvmm_take() must not
 * complete this HLT as that one.
 */
static bool mvmm_decide_fastpath_hlt(struct ftrace_regs *fregs)
{
	struct kvm_vcpu *vcpu = (void *)mvmm_fregs_arg(fregs, 0);
	struct mvmm_vcpu *vc = mvmm_vcpu_find(vcpu);
	struct mvmm_event ev = {
		.type = MVMM_EV_HLT,
		.origin = mvmm_vcpu_origin(vcpu),
	};
	const struct mvmm_policy *p;
	const struct mvmm_rule *rule;
	bool routed = false;
	int idx;

	if (!vc)
		return false;
	vc->pending = false;
	idx = mvmm_exit_read_lock();
	p = mvmm_exit_dereference(vc->vm->policy);
	if (p && (p->route_types & BIT_ULL(MVMM_EV_HLT))) {
		rule = mvmm_policy_lookup(p->t, &ev);
		routed = rule && rule->mode == MVMM_MODE_SYNC &&
			 rule->target.kind != MVMM_TARGET_MAIN;
	}
	mvmm_exit_read_unlock(idx);
	return routed;
}

static fastpath_t mvmm_fastpath_hlt(struct kvm_vcpu *vcpu)
{
	return EXIT_FASTPATH_NONE;
}

/* One KVM function and the event type mvmm completes there. */
struct mvmm_completer {
	struct mvmm_hookpoint hp;
	struct mvmm_direct d;
	const unsigned long *kvm_fn;	/* in struct mvmm_kvm */
};

static int mvmm_completer_install(struct mvmm_completer *c)
{
	c->d.target = *c->kvm_fn;
	return mvmm_direct_install(&c->d, c->hp.name);
}

#define MVMM_COMPLETER_HOOK(fn, sym, type)				\
static struct mvmm_completer mvmm_hook_##fn;				\
									\
static int mvmm_install_##fn(void)					\
{									\
	return mvmm_completer_install(&mvmm_hook_##fn);		\
}									\
									\
static void mvmm_remove_##fn(void)					\
{									\
	mvmm_direct_remove(&mvmm_hook_##fn.d);				\
}									\
									\
static struct mvmm_completer mvmm_hook_##fn = {			\
	.hp = {								\
		.name = sym,						\
		.route_types = BIT_ULL(type),				\
		.install = mvmm_install_##fn,				\
		.remove = mvmm_remove_##fn,				\
	},								\
	.d.tramp = mvmm_tramp_##fn,					\
	.kvm_fn = (const unsigned long *)&mvmm_kvm.fn,			\
}

MVMM_COMPLETER_HOOK(emulate_cpuid, "kvm_emulate_cpuid", MVMM_EV_CPUID);
MVMM_COMPLETER_HOOK(fast_pio, "kvm_fast_pio", MVMM_EV_IO);
MVMM_COMPLETER_HOOK(emulate_rdmsr, "kvm_emulate_rdmsr", MVMM_EV_MSR_READ);
MVMM_COMPLETER_HOOK(emulate_wrmsr, "kvm_emulate_wrmsr", MVMM_EV_MSR_WRITE);
MVMM_COMPLETER_HOOK(emulate_hypercall, "kvm_emulate_hypercall",
		    MVMM_EV_HYPERCALL);
MVMM_COMPLETER_HOOK(handle_ud, "handle_ud", MVMM_EV_EXCEPTION);

/* HLT: kvm_emulate_halt(), and handle_fastpath_hlt() where KVM has it. */
static struct mvmm_redirect mvmm_fastpath_hlt_redirect = {
	.decide = mvmm_decide_fastpath_hlt,
	.replacement = mvmm_fastpath_hlt,
};

static struct mvmm_completer mvmm_hook_emulate_halt;

static int mvmm_install_emulate_halt(void)
{
	int ret;

	if (mvmm_kvm.fastpath_hlt) {
		mvmm_fastpath_hlt_redirect.target = mvmm_kvm.fastpath_hlt;
		ret = mvmm_redirect_install(&mvmm_fastpath_hlt_redirect,
					    "handle_fastpath_hlt");
		if (ret)
			return ret;
	}
	ret = mvmm_completer_install(&mvmm_hook_emulate_halt);
	if (ret && mvmm_kvm.fastpath_hlt)
		mvmm_redirect_remove(&mvmm_fastpath_hlt_redirect);
	return ret;
}

static void mvmm_remove_emulate_halt(void)
{
	mvmm_direct_remove(&mvmm_hook_emulate_halt.d);
	if (mvmm_kvm.fastpath_hlt)
		mvmm_redirect_remove(&mvmm_fastpath_hlt_redirect);
}

static struct mvmm_completer mvmm_hook_emulate_halt = {
	.hp = {
		.name = "kvm_emulate_halt",
		.route_types = BIT_ULL(MVMM_EV_HLT),
		.install = mvmm_install_emulate_halt,
		.remove = mvmm_remove_emulate_halt,
	},
	.d.tramp = mvmm_tramp_emulate_halt,
	.kvm_fn = (const unsigned long *)&mvmm_kvm.emulate_halt,
};

void mvmm_complete_hooks_init(void)
{
	mvmm_hookpoint_register(&mvmm_hook_emulate_cpuid.hp);
	mvmm_hookpoint_register(&mvmm_hook_fast_pio.hp);
	mvmm_hookpoint_register(&mvmm_hook_emulate_rdmsr.hp);
	mvmm_hookpoint_register(&mvmm_hook_emulate_wrmsr.hp);
	mvmm_hookpoint_register(&mvmm_hook_emulate_halt.hp);
	mvmm_hookpoint_register(&mvmm_hook_emulate_hypercall.hp);
	mvmm_hookpoint_register(&mvmm_hook_handle_ud.hp);
}

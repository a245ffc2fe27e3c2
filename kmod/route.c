// SPDX-License-Identifier: GPL-2.0
/*
 * Routing an event to a secondary and carrying out its answer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include "core/answer.h"
#include "core/classify.h"
#include "handler.h"
#include "ksyms.h"
#include "mvmm_trace.h"
#include "route.h"

#define MVMM_GP_VECTOR	13
#define MVMM_UD_VECTOR	6

static u64 mvmm_reg_read(struct kvm_vcpu *vcpu, enum kvm_reg reg)
{
	/* RSP and RIP are cached lazily on VMX. */
	if (!test_bit(reg, (unsigned long *)&vcpu->arch.regs_avail))
		mvmm_kvm.x86_ops->cache_reg(vcpu, reg);
	return vcpu->arch.regs[reg];
}

static void mvmm_fill_request(struct kvm_vcpu *vcpu, u32 vm_id,
			      const struct mvmm_event *ev,
			      struct mvmm_request *req)
{
	unsigned int i;

	req->ev = *ev;
	req->seq = 0;
	req->vm_id = vm_id;
	req->vcpu_id = vcpu->vcpu_id;
	for (i = 0; i < MVMM_NR_GPRS; i++)
		req->gprs[i] = i == MVMM_GPR_RSP ?
			mvmm_reg_read(vcpu, VCPU_REGS_RSP) :
			vcpu->arch.regs[i];
	req->rip = mvmm_reg_read(vcpu, VCPU_REGS_RIP);
}

/* Write a checked MVMM_ACT_HANDLED answer and complete the instruction. */
static int mvmm_apply_handled(struct kvm_vcpu *vcpu,
			      const struct mvmm_event *ev,
			      const struct mvmm_answer *a)
{
	unsigned long *regs = vcpu->arch.regs;
	unsigned int i;

	switch (ev->type) {
	case MVMM_EV_IO:
		if (ev->flags & MVMM_EVF_WRITE)
			break;
		if (ev->size == 4)	/* a 32-bit write zero-extends RAX */
			regs[VCPU_REGS_RAX] = (u32)a->value;
		else if (ev->size == 2)
			regs[VCPU_REGS_RAX] = (regs[VCPU_REGS_RAX] & ~0xffffUL) |
					      (a->value & 0xffff);
		else
			regs[VCPU_REGS_RAX] = (regs[VCPU_REGS_RAX] & ~0xffUL) |
					      (a->value & 0xff);
		break;
	case MVMM_EV_MSR_READ:
		regs[VCPU_REGS_RAX] = (u32)a->value;
		regs[VCPU_REGS_RDX] = a->value >> 32;
		break;
	case MVMM_EV_HYPERCALL:
		if (!a->gpr_mask) {
			regs[VCPU_REGS_RAX] = a->value;
			break;
		}
		fallthrough;
	case MVMM_EV_CPUID:
		/* mvmm_answer_check() kept RSP and RIP out of the mask. */
		for (i = 0; i < MVMM_NR_GPRS; i++)
			if (a->gpr_mask & BIT(i))
				regs[i] = a->gprs[i];
		break;
	case MVMM_EV_EXCEPTION:
		/* The exception is consumed: resume where the answer says. */
		regs[VCPU_REGS_RIP] = a->rip;
		__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_avail);
		__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_dirty);
		return 1;
	default:
		break;
	}
	return mvmm_kvm.skip_insn(vcpu);
}

static int mvmm_inject(struct kvm_vcpu *vcpu, unsigned int vector,
		       bool has_error_code, u32 error_code)
{
	if (has_error_code)
		mvmm_kvm.queue_exception_e(vcpu, vector, error_code);
	else
		mvmm_kvm.queue_exception(vcpu, vector);
	/* Resume the guest: the instruction faults instead of completing. */
	return 1;
}

/* The rule's fallback: KVM, or a fault that keeps the event from KVM. */
static bool mvmm_fallback(struct kvm_vcpu *vcpu, u32 vm_id,
			  const struct mvmm_event *ev,
			  const struct mvmm_rule *rule, struct mvmm_hslot *s,
			  const char *why, int *ret)
{
	bool deny = rule->fallback == MVMM_FALLBACK_DENY;

	if (s)
		mvmm_hstat_inc(s, MVMM_HSTAT_FALLBACK);
	trace_mvmm_fallback(vm_id, vcpu->vcpu_id, s ? s->name : "?", ev->type,
			    deny, why);
	trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, s ? s->name : "?",
			 deny ? "fallback-deny" : "fallback-main");
	if (!deny)
		return false;
	switch (ev->type) {
	case MVMM_EV_IO:
	case MVMM_EV_MSR_READ:
	case MVMM_EV_MSR_WRITE:
		*ret = mvmm_inject(vcpu, MVMM_GP_VECTOR, true, 0);
		break;
	default:
		*ret = mvmm_inject(vcpu, MVMM_UD_VECTOR, false, 0);
		break;
	}
	return true;
}

/* Call the handler; the latency is measured only while someone traces. */
static int mvmm_call(struct mvmm_handler *h, u32 vm_id,
		     const struct mvmm_request *req, struct mvmm_answer *ans)
{
	u64 start = 0;
	int ret;

	if (trace_mvmm_answer_enabled())
		start = ktime_get_ns();
	ret = h->ops->handle(h, req, ans);
	if (trace_mvmm_answer_enabled())
		trace_mvmm_answer(vm_id, req->vcpu_id, h->slot->name,
				  req->ev.type, ret, ans->action,
				  start ? ktime_get_ns() - start : 0);
	return ret;
}

bool mvmm_route(struct kvm_vcpu *vcpu, u32 vm_id, const struct mvmm_event *ev,
		const struct mvmm_rule *rule, int *ret)
{
	enum mvmm_answer_verdict v;
	struct mvmm_answer ans = { .action = MVMM_ACT_MAIN };
	struct mvmm_request req;
	struct mvmm_handler *h;
	struct mvmm_hslot *s;

	if (rule->target.kind != MVMM_TARGET_HANDLER)
		return false;
	s = mvmm_hslot(rule->target.index);
	if (!s)
		return mvmm_fallback(vcpu, vm_id, ev, rule, NULL,
				     "no such handler", ret);
	mvmm_hstat_inc(s, MVMM_HSTAT_EVENTS);

	/* The exit path holds mvmm's exit SRCU: unregister waits for it. */
	h = rcu_dereference_check(s->live, 1);

	/* A copy for the secondary; KVM handles the event as usual. */
	if (rule->mode == MVMM_MODE_OBSERVE) {
		if (h) {
			mvmm_fill_request(vcpu, vm_id, ev, &req);
			mvmm_call(h, vm_id, &req, &ans);
			mvmm_hstat_inc(s, MVMM_HSTAT_OBSERVED);
		}
		trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, s->name,
				 h ? "observed" : "not-observed");
		return false;
	}

	if (!h)
		return mvmm_fallback(vcpu, vm_id, ev, rule, s,
				     "no handler registered", ret);
	mvmm_fill_request(vcpu, vm_id, ev, &req);
	if (mvmm_call(h, vm_id, &req, &ans))
		return mvmm_fallback(vcpu, vm_id, ev, rule, s,
				     "handler failed", ret);

	v = mvmm_answer_check(ev, &ans);
	if (v != MVMM_ANSWER_OK) {
		pr_warn_ratelimited("handler %s: %s (event %s), fallback\n",
				    s->name, mvmm_answer_why(v),
				    mvmm_event_name(ev->type) ?: "?");
		mvmm_hstat_inc(s, MVMM_HSTAT_INVALID);
		return mvmm_fallback(vcpu, vm_id, ev, rule, s,
				     mvmm_answer_why(v), ret);
	}

	switch (ans.action) {
	case MVMM_ACT_HANDLED:
		mvmm_hstat_inc(s, MVMM_HSTAT_HANDLED);
		trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, s->name, "handled");
		*ret = mvmm_apply_handled(vcpu, ev, &ans);
		return true;
	case MVMM_ACT_INJECT:
		mvmm_hstat_inc(s, MVMM_HSTAT_INJECTED);
		trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, s->name, "injected");
		*ret = mvmm_inject(vcpu, ans.vector, ans.has_error_code,
				   ans.error_code);
		return true;
	default:
		mvmm_hstat_inc(s, MVMM_HSTAT_TO_MAIN);
		trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, s->name, "to-main");
		return false;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deciding a routed event with a handler: the request it gets, the
 * answer it fills in, and what the answer comes to. Inline, so that the
 * exit's completion (complete.c), one copy per event type, folds what
 * the type fixes (the IO data, the registers an answer may write); the
 * rare outcomes (failures, invalid answers) stay out of line in route.c.
 */
#ifndef _MVMM_DECIDE_H
#define _MVMM_DECIDE_H

#include <linux/kvm_host.h>
#include "core/answer.h"
#include "handler.h"
#include "ksyms.h"
#include "mvmm_trace.h"
#include "route.h"
#include "vm.h"

static inline u64 mvmm_reg_read(struct kvm_vcpu *vcpu, enum kvm_reg reg)
{
	/* RSP and RIP are cached lazily on VMX. */
	if (!test_bit(reg, (unsigned long *)&vcpu->arch.regs_avail))
		mvmm_kvm.x86_ops->cache_reg(vcpu, reg);
	return vcpu->arch.regs[reg];
}

/* The request for @ev, an event of @type, on @vcpu of VM @vm_id. */
static __always_inline void mvmm_fill_request(struct kvm_vcpu *vcpu,
					      u32 vm_id, u16 type,
					      const struct mvmm_event *ev,
					      struct mvmm_request *req)
{
	req->ev = *ev;
	req->seq = 0;
	req->vm_id = vm_id;
	req->vcpu_id = vcpu->vcpu_id;
	req->vcpu_idx = vcpu->vcpu_idx;
	req->flags = 0;
	/* IO out: the value written, as the secondary would find it in RAX. */
	req->data = type == MVMM_EV_IO && (ev->flags & MVMM_EVF_WRITE) ?
		    vcpu->arch.regs[VCPU_REGS_RAX] &
		    (ev->size == 4 ? 0xffffffffUL : (1UL << (8 * ev->size)) - 1) :
		    0;
	/* enum mvmm_gpr is KVM's register order: one copy, then RSP. */
	BUILD_BUG_ON((int)MVMM_GPR_R15 != (int)VCPU_REGS_R15 ||
		     (int)MVMM_GPR_RSP != (int)VCPU_REGS_RSP);
	memcpy(req->gprs, vcpu->arch.regs, sizeof(req->gprs));
	req->gprs[MVMM_GPR_RSP] = mvmm_reg_read(vcpu, VCPU_REGS_RSP);
	req->rip = mvmm_reg_read(vcpu, VCPU_REGS_RIP);
}

/*
 * A clean answer for a handler to fill in: a field it leaves alone means
 * nothing (gprs[] are read only where gpr_mask says). The buffer is the
 * vCPU's, reused event after event.
 */
static inline void mvmm_answer_reset(struct mvmm_answer *a)
{
	a->action = MVMM_ACT_MAIN;
	a->gpr_mask = 0;
	a->value = 0;
	a->rip = 0;
	a->vector = 0;
	a->has_error_code = 0;
	a->reserved = 0;
	a->error_code = 0;
}

/*
 * route.c, out of line: the rule's fallback, for @why; a handler's call
 * that failed with @err; an answer found invalid (@v), logged.
 */
enum mvmm_outcome mvmm_fallback(const struct mvmm_request *req,
				const struct mvmm_rule *rule,
				struct mvmm_hslot *s, const char *why);
enum mvmm_outcome mvmm_failed(const struct mvmm_request *req,
			      const struct mvmm_rule *rule,
			      struct mvmm_hslot *s, int err);
enum mvmm_outcome mvmm_invalid(const struct mvmm_request *req,
			       const struct mvmm_rule *rule,
			       struct mvmm_hslot *s,
			       enum mvmm_answer_verdict v);

/*
 * What handler @s's answer @ans to @req, an event of @type, comes to,
 * once its call returned @err (not a signal's -EINTR): checked, counted
 * and traced.
 */
static __always_inline enum mvmm_outcome
mvmm_verdict(const struct mvmm_request *req, u16 type,
	     const struct mvmm_rule *rule, struct mvmm_hslot *s, int err,
	     const struct mvmm_answer *ans)
{
	const struct mvmm_event *ev = &req->ev;
	enum mvmm_answer_verdict v;

	if (err)
		return mvmm_failed(req, rule, s, err);
	v = mvmm_answer_check_as(type, ev, ans);
	if (v != MVMM_ANSWER_OK)
		return mvmm_invalid(req, rule, s, v);

	switch (ans->action) {
	case MVMM_ACT_HANDLED:
		mvmm_hstat_inc(s, MVMM_HSTAT_HANDLED);
		trace_mvmm_route(req->vm_id, req->vcpu_id, ev, s->name,
				 "handled");
		return MVMM_OUT_HANDLED;
	case MVMM_ACT_INJECT:
		mvmm_hstat_inc(s, MVMM_HSTAT_INJECTED);
		trace_mvmm_route(req->vm_id, req->vcpu_id, ev, s->name,
				 "injected");
		return MVMM_OUT_INJECT;
	default:
		mvmm_hstat_inc(s, MVMM_HSTAT_TO_MAIN);
		trace_mvmm_route(req->vm_id, req->vcpu_id, ev, s->name,
				 "to-main");
		return MVMM_OUT_MAIN;
	}
}

/*
 * At the exit, with preemption off (complete.c): ask @h, a kernel handler
 * that never sleeps (mvmm_handler_atomic()) and that sync @rule names,
 * about @ev, an event of @type, on @vcpu. The outcome, counted and
 * traced, with the checked answer in @vc->ans, for the caller to carry
 * out. No wait, so no load to account and no signal to end it; no
 * reference, since unregistering @h waits for calls made with preemption
 * off.
 */
static __always_inline enum mvmm_outcome
mvmm_decide_atomic(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc, u16 type,
		   const struct mvmm_event *ev, const struct mvmm_rule *rule,
		   struct mvmm_handler *h)
{
	struct mvmm_request *req = &vc->req;
	struct mvmm_answer *ans = &vc->ans;
	struct mvmm_hslot *s = h->slot;
	int err;

	vc->routes++;
	mvmm_fill_request(vcpu, vc->vm->id, type, ev, req);
	mvmm_hstat_inc(s, MVMM_HSTAT_EVENTS);
	mvmm_answer_reset(ans);
	err = h->ops->handle(h, req, ans);
	if (trace_mvmm_answer_enabled())
		trace_mvmm_answer(req->vm_id, req->vcpu_id, s->name, type,
				  err, ans->action, 0);
	return mvmm_verdict(req, type, rule, s, err, ans);
}

#endif /* _MVMM_DECIDE_H */

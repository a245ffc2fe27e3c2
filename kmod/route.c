// SPDX-License-Identifier: GPL-2.0
/*
 * The data path's one dispatch: an event a rule routes goes to its
 * target (a handler, a group's member, a fixed answer), which decides;
 * answer_apply.c carries out the decision where the event is. A fixed
 * answer to an exit's event is the exception: complete.c writes the
 * registers straight from the stored answer, with preemption off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/sched/clock.h>
#include "core/answer.h"
#include "core/classify.h"
#include "answer_apply.h"
#include "answer_tgt.h"
#include "decide.h"
#include "group.h"
#include "handler.h"
#include "ksyms.h"
#include "mvmm_trace.h"
#include "route.h"
#include "vm.h"

/* The rule's fallback: KVM, or a fault that keeps the event from KVM. */
enum mvmm_outcome mvmm_fallback(const struct mvmm_request *req,
				const struct mvmm_rule *rule,
				struct mvmm_hslot *s, const char *why)
{
	bool deny = rule->fallback == MVMM_FALLBACK_DENY;

	if (s)
		mvmm_hstat_inc(s, MVMM_HSTAT_FALLBACK);
	trace_mvmm_fallback(req->vm_id, req->vcpu_id, s ? s->name : "?",
			    req->ev.type, deny, why);
	trace_mvmm_route(req->vm_id, req->vcpu_id, &req->ev, s ? s->name : "?",
			 deny ? "fallback-deny" : "fallback-main");
	return deny ? MVMM_OUT_DENY : MVMM_OUT_MAIN;
}

/* Why a handler's call failed, for the fallback's trace. */
static const char *mvmm_call_why(struct mvmm_hslot *s, int err)
{
	switch (err) {
	case -ETIMEDOUT:
	case -ETIME:	/* its exit's time was up: not even asked */
		mvmm_hstat_inc(s, MVMM_HSTAT_TIMEOUT);
		return "handler timed out";
	case -ENODEV:
		return "handler detached";
	case -EXDEV:
		return "handler serves another VM";
	case -ERANGE:
		return "vCPU index beyond the handler's slots";
	default:
		return "handler failed";
	}
}

enum mvmm_outcome mvmm_failed(const struct mvmm_request *req,
			      const struct mvmm_rule *rule,
			      struct mvmm_hslot *s, int err)
{
	return mvmm_fallback(req, rule, s, mvmm_call_why(s, err));
}

enum mvmm_outcome mvmm_invalid(const struct mvmm_request *req,
			       const struct mvmm_rule *rule,
			       struct mvmm_hslot *s,
			       enum mvmm_answer_verdict v)
{
	pr_warn_ratelimited("handler %s: %s (event %s), fallback\n",
			    s->name, mvmm_answer_why(v),
			    mvmm_event_name(req->ev.type) ?: "?");
	mvmm_hstat_inc(s, MVMM_HSTAT_INVALID);
	return mvmm_fallback(req, rule, s, mvmm_answer_why(v));
}

/*
 * Call the handler's backend, timed for its load (groups, handler dumps).
 * A kernel handler may unregister from inside ->handle(): @vc says it is
 * in there.
 */
static int mvmm_call(struct mvmm_handler *h, struct kvm_vcpu *vcpu,
		     struct mvmm_vcpu *vc, const struct mvmm_request *req,
		     struct mvmm_answer *ans, enum mvmm_wait how)
{
	u64 start, ns;
	int ret;

	mvmm_hload_begin(h);
	/* The cheapest clock: only short differences matter here. */
	start = sched_clock();
	WRITE_ONCE(vc->in_handle, h);
	if (h->backend->call) {
		ret = h->backend->call(h, vcpu, req, ans, how, vc->routes);
	} else {
		/*
		 * One that never sleeps is called with preemption off here
		 * too, as at the exit: it cannot unregister itself from
		 * inside, which unregistering relies on (handler.c).
		 */
		if (h->atomic)
			preempt_disable();
		ret = h->ops->handle(h, req, ans);
		if (h->atomic)
			preempt_enable();
	}
	WRITE_ONCE(vc->in_handle, NULL);
	ns = sched_clock() - start;
	mvmm_hload_end(h, ret, ns);
	if (trace_mvmm_answer_enabled())
		trace_mvmm_answer(req->vm_id, req->vcpu_id, h->slot->name,
				  req->ev.type, ret, ans->action, ns);
	return ret;
}

/* A copy for the secondary; KVM handles the event as usual. */
static void mvmm_observe(struct mvmm_handler *h, struct mvmm_hslot *s,
			 struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			 const struct mvmm_request *req,
			 struct mvmm_answer *ans)
{
	const char *what = "not-observed";

	if (h && h->backend->observe) {
		/* Never waits: a full ring drops the copy and counts it. */
		if (!h->backend->observe(h, req))
			what = "observed";
		else
			mvmm_hstat_inc(s, MVMM_HSTAT_DROPPED);
	} else if (h) {
		mvmm_answer_reset(ans);
		mvmm_call(h, vcpu, vc, req, ans, MVMM_WAIT_KILLABLE);
		what = "observed";
	}
	if (what[0] == 'o')
		mvmm_hstat_inc(s, MVMM_HSTAT_OBSERVED);
	trace_mvmm_route(req->vm_id, req->vcpu_id, &req->ev, s->name, what);
}

/* Ask @rule's target about @req; a usable answer ends up in @ans. */
static enum mvmm_outcome mvmm_decide(struct kvm_vcpu *vcpu,
				     struct mvmm_vcpu *vc,
				     const struct mvmm_request *req,
				     const struct mvmm_rule *rule,
				     enum mvmm_wait how,
				     struct mvmm_answer *ans)
{
	const struct mvmm_event *ev = &req->ev;
	struct mvmm_handler *h;
	struct mvmm_gpick gp = { .vm_id = req->vm_id };
	struct mvmm_hslot *s;
	bool waited;
	int err;

again:
	s = mvmm_target_slot(rule, &gp);
	if (!s)
		return mvmm_fallback(req, rule, NULL,
				     rule->target.kind == MVMM_TARGET_GROUP ?
				     "no usable group member" :
				     "no such handler");
	mvmm_hstat_inc(s, MVMM_HSTAT_EVENTS);

	/* Held for the call: unregistering waits for it. */
	h = mvmm_handler_get(s, req->vm_id);

	if (rule->mode == MVMM_MODE_OBSERVE) {
		mvmm_observe(h, s, vcpu, vc, req, ans);
		if (h)
			mvmm_handler_put(h);
		return MVMM_OUT_MAIN;
	}
	if (!h && gp.set) {
		/* Detached since the group chose it. */
		mvmm_hstat_dec(s, MVMM_HSTAT_EVENTS);
		goto again;
	}
	if (!h)
		return mvmm_fallback(req, rule, s, "no handler registered");

	mvmm_answer_reset(ans);
	/*
	 * Only a backend's wait ends on a signal. A kernel handler's
	 * -EINTR is a failure like any other (secondary.h): with no signal
	 * pending, a retake would find the same answer for ever.
	 */
	waited = !!h->backend->call;
	err = mvmm_call(h, vcpu, vc, req, ans, how);
	mvmm_handler_put(h);
	if (err == -EINTR && waited) {
		/* Not completed: the guest retakes the exit after KVM_RUN. */
		mvmm_hstat_dec(s, MVMM_HSTAT_EVENTS);
		trace_mvmm_route(req->vm_id, req->vcpu_id, ev, s->name,
				 "interrupted");
		return MVMM_OUT_RETRY;
	}
	if (mvmm_group_retry(&gp, err)) {
		/* Another member of the group takes it: not this one's. */
		mvmm_hstat_dec(s, MVMM_HSTAT_EVENTS);
		goto again;
	}
	return mvmm_verdict(req, ev->type, rule, s, err, ans);
}

/*
 * A pre-registered answer (answer_tgt.c) to an element of string IO or
 * an MMIO access, on one of KVM's buses (bus.c): the value read, in
 * @ans. Nothing waits, nothing can fail: without a result for @ev, KVM
 * handles it. (At the exit, complete.c gives answers itself.)
 */
static enum mvmm_outcome mvmm_answer_bus(struct kvm_vcpu *vcpu, u32 vm_id,
					 const struct mvmm_event *ev,
					 const struct mvmm_rule *rule,
					 struct mvmm_answer *ans)
{
	bool ok = mvmm_answer_tgt_bus(ev, rule->target.index, &ans->value);

	trace_mvmm_route(vm_id, vcpu->vcpu_id, ev, "answer",
			 ok ? "answered" : "to-main");
	return ok ? MVMM_OUT_HANDLED : MVMM_OUT_MAIN;
}

/*
 * The one dispatch, for both entries below. Always inlined: each entry
 * gets a copy with its own site's constants folded (at the exit, no bus
 * data and a restartable wait), so the exit pays for no bus argument
 * (bench/exit_profile cpuidsig, 6.1: one copy for both cost 16 more
 * instructions per routed exit).
 */
static __always_inline enum mvmm_route_result
mvmm_route(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
	   const struct mvmm_event *ev, const struct mvmm_rule *rule,
	   void *val, bool restartable, int *ret)
{
	struct mvmm_request *req = &vc->req;
	struct mvmm_answer *ans = &vc->ans;
	enum mvmm_outcome out;

	vc->routes++;
	switch (rule->target.kind) {
	case MVMM_TARGET_ANSWER:
		/* At the exit, complete.c gives the answer. */
		if (WARN_ON_ONCE(!val))
			return MVMM_ROUTE_KVM;
		out = mvmm_answer_bus(vcpu, vc->vm->id, ev, rule, ans);
		break;
	case MVMM_TARGET_HANDLER:
	case MVMM_TARGET_GROUP:
		mvmm_fill_request(vcpu, vc->vm->id, ev->type, ev, req);
		/* On a bus: the element or access written, not RAX. */
		if (val && (ev->flags & MVMM_EVF_WRITE))
			memcpy(&req->data, val, ev->size);
		out = mvmm_decide(vcpu, vc, req, rule, restartable ?
				  MVMM_WAIT_RESTARTABLE : MVMM_WAIT_KILLABLE,
				  ans);
		break;
	default:
		return MVMM_ROUTE_KVM;
	}
	return val ? mvmm_apply_bus(ev, ans, out, val) :
		     mvmm_apply_exit(vcpu, ev, ans, out, ret);
}

enum mvmm_route_result mvmm_route_exit(struct kvm_vcpu *vcpu,
				       struct mvmm_vcpu *vc,
				       const struct mvmm_event *ev,
				       const struct mvmm_rule *rule, int *ret)
{
	return mvmm_route(vcpu, vc, ev, rule, NULL, true, ret);
}

enum mvmm_route_result mvmm_route_bus(struct kvm_vcpu *vcpu,
				      struct mvmm_vcpu *vc,
				      const struct mvmm_event *ev,
				      const struct mvmm_rule *rule, void *val,
				      bool restartable)
{
	return mvmm_route(vcpu, vc, ev, rule, val, restartable, NULL);
}

void mvmm_route_observe(struct kvm_vcpu *vcpu, struct mvmm_vcpu *vc,
			const struct mvmm_event *ev,
			const struct mvmm_rule *rule)
{
	mvmm_fill_request(vcpu, vc->vm->id, ev->type, ev, &vc->req);
	mvmm_decide(vcpu, vc, &vc->req, rule, MVMM_WAIT_KILLABLE, &vc->ans);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvmm tracepoints: /sys/kernel/tracing/events/mvmm/.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mvmm

#if !defined(_MVMM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MVMM_TRACE_H

#include <linux/tracepoint.h>
#include <linux/mvmm.h>
#include "compat.h"

/* An event a rule sent to a secondary, and what became of it. */
TRACE_EVENT(mvmm_route,
	TP_PROTO(u32 vm, u32 vcpu, const struct mvmm_event *ev,
		 const char *target, const char *outcome),
	TP_ARGS(vm, vcpu, ev, target, outcome),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__field(u16, type)
		__field(u8, origin)
		__field(u64, qual)
		__string(target, target)
		__string(outcome, outcome)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->type = ev->type;
		__entry->origin = ev->origin;
		__entry->qual = ev->qual;
		mvmm_assign_str(target, target);
		mvmm_assign_str(outcome, outcome);
	),
	TP_printk("vm=%u vcpu=%u type=%u origin=L%u qual=0x%llx target=%s outcome=%s",
		  __entry->vm, __entry->vcpu, __entry->type,
		  __entry->origin + 1, __entry->qual, __get_str(target),
		  __get_str(outcome))
);

/* A secondary's ->handle() returned, after @latency_ns. */
TRACE_EVENT(mvmm_answer,
	TP_PROTO(u32 vm, u32 vcpu, const char *handler, u16 type, int ret,
		 u32 action, u64 latency_ns),
	TP_ARGS(vm, vcpu, handler, type, ret, action, latency_ns),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__string(handler, handler)
		__field(u16, type)
		__field(int, ret)
		__field(u32, action)
		__field(u64, latency_ns)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		mvmm_assign_str(handler, handler);
		__entry->type = type;
		__entry->ret = ret;
		__entry->action = action;
		__entry->latency_ns = latency_ns;
	),
	TP_printk("vm=%u vcpu=%u handler=%s type=%u ret=%d action=%u latency_ns=%llu",
		  __entry->vm, __entry->vcpu, __get_str(handler),
		  __entry->type, __entry->ret, __entry->action,
		  __entry->latency_ns)
);

/* A rule's fallback was applied, and why. */
TRACE_EVENT(mvmm_fallback,
	TP_PROTO(u32 vm, u32 vcpu, const char *handler, u16 type,
		 bool deny, const char *why),
	TP_ARGS(vm, vcpu, handler, type, deny, why),
	TP_STRUCT__entry(
		__field(u32, vm)
		__field(u32, vcpu)
		__string(handler, handler)
		__field(u16, type)
		__field(bool, deny)
		__string(why, why)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		mvmm_assign_str(handler, handler);
		__entry->type = type;
		__entry->deny = deny;
		mvmm_assign_str(why, why);
	),
	TP_printk("vm=%u vcpu=%u handler=%s type=%u fallback=%s why=%s",
		  __entry->vm, __entry->vcpu, __get_str(handler),
		  __entry->type, __entry->deny ? "deny" : "main",
		  __get_str(why))
);

#endif /* _MVMM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mvmm_trace
#include <trace/define_trace.h>

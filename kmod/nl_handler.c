// SPDX-License-Identifier: GPL-2.0
/*
 * Handler dump of the mvmm family.
 */
#include <net/genetlink.h>
#include "exit_srcu.h"
#include "handler.h"
#include "netlink.h"

static const int mvmm_hstat_attr[__MVMM_HSTAT_MAX] = {
	[MVMM_HSTAT_EVENTS] = MVMM_A_HANDLER_EVENTS,
	[MVMM_HSTAT_HANDLED] = MVMM_A_HANDLER_HANDLED,
	[MVMM_HSTAT_TO_MAIN] = MVMM_A_HANDLER_TO_MAIN,
	[MVMM_HSTAT_INJECTED] = MVMM_A_HANDLER_INJECTED,
	[MVMM_HSTAT_FALLBACK] = MVMM_A_HANDLER_FALLBACK,
	[MVMM_HSTAT_INVALID] = MVMM_A_HANDLER_INVALID,
	[MVMM_HSTAT_OBSERVED] = MVMM_A_HANDLER_OBSERVED,
	[MVMM_HSTAT_TIMEOUT] = MVMM_A_HANDLER_TIMEOUTS,
	[MVMM_HSTAT_DROPPED] = MVMM_A_HANDLER_DROPPED,
	[MVMM_HSTAT_RESTART] = MVMM_A_HANDLER_RESTARTS,
};

/* Load: what groups choose by, and the CPU time of a userspace one. */
static int mvmm_nl_put_load(struct sk_buff *skb,
			    const struct mvmm_hload_info *li,
			    const struct mvmm_hinfo *in)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, MVMM_A_HANDLER_LOAD);
	if (!nest ||
	    nla_put_u32(skb, MVMM_A_HLOAD_INFLIGHT, li->inflight) ||
	    nla_put_u64_64bit(skb, MVMM_A_HLOAD_SAMPLES, li->samples,
			      MVMM_A_HLOAD_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_HLOAD_EWMA_NS, li->ewma_ns,
			      MVMM_A_HLOAD_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_HLOAD_P50_NS, li->p50_ns,
			      MVMM_A_HLOAD_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_HLOAD_P99_NS, li->p99_ns,
			      MVMM_A_HLOAD_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_HLOAD_MAX_NS, li->max_ns,
			      MVMM_A_HLOAD_PAD) ||
	    nla_put_u8(skb, MVMM_A_HLOAD_USABLE, li->usable) ||
	    (in->has_cpu &&
	     nla_put_u64_64bit(skb, MVMM_A_HLOAD_CPU_NS, in->cpu_ns,
			       MVMM_A_HLOAD_PAD))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * mvmm_nl_handler_fill() - the attributes of a message about a handler
 * @skb: the message buffer
 * @d: where it goes: a GET_HANDLER dump (the whole entry: state, load
 *     and counters), or the notifications HANDLER_ATTACH and
 *     HANDLER_DETACH (the name and who is attached under it)
 * @obj: a struct mvmm_nl_handler
 *
 * Return: 0, or -EMSGSIZE.
 */
int mvmm_nl_handler_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
			 const void *obj)
{
	bool full = d->cmd == MVMM_CMD_GET_HANDLER;
	const struct mvmm_nl_handler *h = obj;
	const struct mvmm_hinfo *in = &h->info;
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, MVMM_A_HANDLER);
	if (!nest ||
	    nla_put_string(skb, MVMM_A_HANDLER_NAME, h->s->name) ||
	    nla_put_u32(skb, MVMM_A_HANDLER_ID, h->s->id) ||
	    (full && nla_put_u8(skb, MVMM_A_HANDLER_ATTACHED, in->attached)))
		return -EMSGSIZE;
	if (in->user &&
	    (nla_put_flag(skb, MVMM_A_HANDLER_USER) ||
	     nla_put_u32(skb, MVMM_A_HANDLER_PID, in->pid) ||
	     nla_put_u32(skb, MVMM_A_HANDLER_VM_ID, in->vm_id) ||
	     (full && nla_put_u32(skb, MVMM_A_HANDLER_OUTSTANDING,
				  in->outstanding))))
		return -EMSGSIZE;
	if (full) {
		if (mvmm_nl_put_load(skb, &h->li, in))
			return -EMSGSIZE;
		for (i = 0; i < __MVMM_HSTAT_MAX; i++)
			if (nla_put_u64_64bit(skb, mvmm_hstat_attr[i],
					      mvmm_hstat_read(h->s, i),
					      MVMM_A_HANDLER_PAD))
				return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * cb->args[0]: the index of the next name to send, cb->args[2] the next
 * entry of that name (mvmm_hslot_entry()).
 */
static bool mvmm_nl_handler_next(struct netlink_callback *cb, void *obj)
{
	struct mvmm_nl_handler *h = obj;

	for (; cb->args[0] < MVMM_MAX_HANDLERS; cb->args[0]++, cb->args[2] = 0) {
		h->pos = cb->args[2];
		h->s = mvmm_hslot_entry(cb->args[0], &h->pos, &h->info, &h->li);
		if (h->s)
			return true;
	}
	return false;
}

static void mvmm_nl_handler_sent(struct netlink_callback *cb, const void *obj)
{
	const struct mvmm_nl_handler *h = obj;

	cb->args[2] = h->pos;
}

static const struct mvmm_nl_dump_ops mvmm_nl_handler_dump_ops = {
	.next = mvmm_nl_handler_next,
	.fill = mvmm_nl_handler_fill,
	.sent = mvmm_nl_handler_sent,
};

/*
 * cb->args[1]: the sender may (mvmm_nl_dump_admin()). Handlers show the
 * pids, command names and CPU time of the processes attached:
 * CAP_NET_ADMIN only.
 */
int mvmm_nl_get_handler_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct mvmm_nl_handler h;
	int ret, idx;

	ret = mvmm_nl_dump_admin(cb, 1);
	if (ret)
		return ret;

	/* Keeps each slot valid while we copy it: it may be reclaimed. */
	idx = mvmm_exit_read_lock();
	ret = mvmm_nl_dump_each(skb, cb, &mvmm_nl_handler_dump_ops, &h);
	mvmm_exit_read_unlock(idx);
	return ret;
}

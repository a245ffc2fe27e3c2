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

/* Who is attached to a userspace handler now. */
static int mvmm_nl_put_user(struct sk_buff *skb, const struct mvmm_hinfo *in)
{
	if (!in->user)
		return 0;
	if (nla_put_flag(skb, MVMM_A_HANDLER_USER) ||
	    nla_put_u32(skb, MVMM_A_HANDLER_PID, in->pid) ||
	    nla_put_u32(skb, MVMM_A_HANDLER_VM_ID, in->vm_id) ||
	    nla_put_u32(skb, MVMM_A_HANDLER_OUTSTANDING, in->outstanding))
		return -EMSGSIZE;
	return 0;
}

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

/* One entry: handler @info (with load @li) under @s, or the bare name. */
static int mvmm_nl_put_handler(struct sk_buff *skb, struct mvmm_hslot *s,
			       const struct mvmm_hinfo *info,
			       const struct mvmm_hload_info *li)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, MVMM_A_HANDLER);
	if (!nest ||
	    nla_put_string(skb, MVMM_A_HANDLER_NAME, s->name) ||
	    nla_put_u32(skb, MVMM_A_HANDLER_ID, s->id) ||
	    nla_put_u8(skb, MVMM_A_HANDLER_ATTACHED, info->attached) ||
	    mvmm_nl_put_user(skb, info) ||
	    mvmm_nl_put_load(skb, li, info))
		goto err_cancel;
	for (i = 0; i < __MVMM_HSTAT_MAX; i++)
		if (nla_put_u64_64bit(skb, mvmm_hstat_attr[i],
				      mvmm_hstat_read(s, i),
				      MVMM_A_HANDLER_PAD))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * cb->args[0]: the index of the next name to send, cb->args[2] the next
 * entry of that name (mvmm_hslot_entry()); cb->args[1]: the sender may
 * (mvmm_nl_dump_admin()). Handlers show the pids, command names and CPU
 * time of the processes attached: CAP_NET_ADMIN only.
 */
int mvmm_nl_get_handler_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct mvmm_hload_info li;
	struct mvmm_hinfo info;
	unsigned long pos;
	struct mvmm_hslot *s;
	int ret, idx;
	void *hdr;

	ret = mvmm_nl_dump_admin(cb, 1);
	if (ret)
		return ret;

	/* Keeps each slot valid while we copy it: it may be reclaimed. */
	idx = mvmm_exit_read_lock();
	for (; cb->args[0] < MVMM_MAX_HANDLERS; cb->args[0]++, cb->args[2] = 0) {
		for (;;) {
			pos = cb->args[2];
			s = mvmm_hslot_entry(cb->args[0], &pos, &info, &li);
			if (!s)
				break;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &mvmm_genl_family,
					  NLM_F_MULTI, MVMM_CMD_GET_HANDLER);
			if (!hdr)
				goto out;
			if (mvmm_nl_put_handler(skb, s, &info, &li)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[2] = pos;
		}
	}
out:
	mvmm_exit_read_unlock(idx);
	return skb->len;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The "mvmm" generic netlink family. uapi/linux/mvmm.h documents every
 * command and attribute.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>
#include "netlink.h"
#include "nl_notify.h"
#include "vm.h"

static const struct nla_policy mvmm_nl_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
	[MVMM_A_RULE] = NLA_POLICY_NESTED(mvmm_nl_rule_policy),
	[MVMM_A_GROUP] = NLA_POLICY_NESTED(mvmm_nl_group_policy),
	[MVMM_A_OP] = NLA_POLICY_NESTED(mvmm_nl_op_policy),
};

static int mvmm_nl_put_stats(struct sk_buff *skb,
			     const struct mvmm_vm_snap *s)
{
	struct nlattr *all, *one;
	unsigned int t;

	all = nla_nest_start(skb, MVMM_A_VM_STATS);
	if (!all)
		return -EMSGSIZE;
	for (t = 0; t <= MVMM_EV_MAX; t++) {
		if (!s->exits[t])
			continue;
		one = nla_nest_start(skb, t);
		if (!one ||
		    nla_put_u32(skb, MVMM_A_EVSTAT_TYPE, t) ||
		    nla_put_u64_64bit(skb, MVMM_A_EVSTAT_EXITS, s->exits[t],
				      MVMM_A_EVSTAT_PAD) ||
		    nla_put_u64_64bit(skb, MVMM_A_EVSTAT_FASTPATH,
				      s->fastpath[t], MVMM_A_EVSTAT_PAD) ||
		    nla_put_u64_64bit(skb, MVMM_A_EVSTAT_L2, s->l2[t],
				      MVMM_A_EVSTAT_PAD) ||
		    nla_put_u64_64bit(skb, MVMM_A_EVSTAT_ROUTED, s->routed[t],
				      MVMM_A_EVSTAT_PAD) ||
		    nla_put_u64_64bit(skb, MVMM_A_EVSTAT_COMPLETED,
				      s->completed[t], MVMM_A_EVSTAT_PAD))
			goto err_cancel;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, all);
	return 0;

err_cancel:
	nla_nest_cancel(skb, all);
	return -EMSGSIZE;
}

static int mvmm_nl_fill_vm(struct sk_buff *skb, u32 portid, u32 seq,
			   int flags, u8 cmd, const struct mvmm_vm_snap *s)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mvmm_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MVMM_A_VM_ID, s->id) ||
	    nla_put_u32(skb, MVMM_A_VM_PID, s->pid) ||
	    nla_put_string(skb, MVMM_A_VM_COMM, s->comm) ||
	    nla_put_u32(skb, MVMM_A_VM_VCPUS, s->vcpus) ||
	    nla_put_u64_64bit(skb, MVMM_A_VM_AGE_MS, s->age_ms, MVMM_A_PAD))
		goto err_cancel;
	if (cmd == MVMM_CMD_GET_STATS && mvmm_nl_put_stats(skb, s))
		goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int mvmm_nl_get_vm_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mvmm_vm_snap *snap;
	struct sk_buff *msg;
	int ret;

	if (!info->attrs[MVMM_A_VM_ID]) {
		NL_SET_ERR_MSG(info->extack,
			       "missing VM_ID (to list every VM, send a dump: NLM_F_DUMP)");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, MVMM_A_VM_ID);
		return -EINVAL;
	}

	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	ret = mvmm_vm_snapshot(nla_get_u32(info->attrs[MVMM_A_VM_ID]), true,
			       snap);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_VM_ID],
				    "no VM with this id");
		goto out;
	}

	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	ret = mvmm_nl_fill_vm(msg, info->snd_portid, info->snd_seq, 0,
			      info->genlhdr->cmd, snap);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	kfree(snap);
	return ret;
}

/* cb->args[0]: the id of the last VM dumped so far. */
static int mvmm_nl_get_vm_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct mvmm_vm_snap *snap;
	int ret = 0;

	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	while (!mvmm_vm_snapshot(cb->args[0], false, snap)) {
		ret = mvmm_nl_fill_vm(skb, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      info->op.cmd, snap);
		if (ret)
			break;
		cb->args[0] = snap->id;
	}
	kfree(snap);
	/* A full skb is not an error: the dump continues in the next one. */
	if (ret == -EMSGSIZE && skb->len)
		ret = 0;
	return ret ?: skb->len;
}

/*
 * The rule commands check CAP_NET_ADMIN themselves (nl_rule.c) instead of
 * with GENL_ADMIN_PERM, so that a refusal carries a message.
 */
static const struct genl_ops mvmm_genl_ops[] = {
	{
		.cmd = MVMM_CMD_GET_VM,
		.doit = mvmm_nl_get_vm_doit,
		.dumpit = mvmm_nl_get_vm_dumpit,
	},
	{
		.cmd = MVMM_CMD_GET_STATS,
		.doit = mvmm_nl_get_vm_doit,
		.dumpit = mvmm_nl_get_vm_dumpit,
	},
	{
		.cmd = MVMM_CMD_RULE_ADD,
		.doit = mvmm_nl_rule_add_doit,
	},
	{
		.cmd = MVMM_CMD_RULE_REPLACE,
		.doit = mvmm_nl_rule_replace_doit,
	},
	{
		.cmd = MVMM_CMD_RULE_DEL,
		.doit = mvmm_nl_rule_del_doit,
	},
	{
		.cmd = MVMM_CMD_RULE_FLUSH,
		.doit = mvmm_nl_rule_flush_doit,
	},
	{
		.cmd = MVMM_CMD_GET_RULE,
		.dumpit = mvmm_nl_get_rule_dumpit,
	},
	{
		.cmd = MVMM_CMD_GET_HANDLER,
		.dumpit = mvmm_nl_get_handler_dumpit,
	},
	{
		.cmd = MVMM_CMD_RULE_APPLY,
		.doit = mvmm_nl_rule_apply_doit,
	},
	{
		.cmd = MVMM_CMD_GROUP_ADD,
		.doit = mvmm_nl_group_add_doit,
	},
	{
		.cmd = MVMM_CMD_GROUP_SET,
		.doit = mvmm_nl_group_set_doit,
	},
	{
		.cmd = MVMM_CMD_GROUP_DEL,
		.doit = mvmm_nl_group_del_doit,
	},
	{
		.cmd = MVMM_CMD_GET_GROUP,
		.doit = mvmm_nl_get_group_doit,
		.dumpit = mvmm_nl_get_group_dumpit,
	},
};

struct genl_family mvmm_genl_family __ro_after_init = {
	.name = MVMM_GENL_NAME,
	.version = MVMM_GENL_VERSION,
	.maxattr = MVMM_A_MAX,
	.policy = mvmm_nl_policy,
	.module = THIS_MODULE,
	.ops = mvmm_genl_ops,
	.n_ops = ARRAY_SIZE(mvmm_genl_ops),
	.resv_start_op = MVMM_CMD_GET_HANDLER + 1,
	.mcgrps = mvmm_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mvmm_nl_mcgrps),
};

int __init mvmm_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&mvmm_genl_family);
	if (!ret)
		mvmm_nl_notify_start();
	return ret;
}

void mvmm_netlink_exit(void)
{
	mvmm_nl_notify_stop();
	genl_unregister_family(&mvmm_genl_family);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The "mvmm" generic netlink family. uapi/linux/mvmm.h documents every
 * command and attribute.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "netlink.h"
#include "nl_notify.h"
#include "vm.h"

/**
 * mvmm_nl_admin() - may the sender of a request see and change everything?
 * @skb: the request: a doit's skb, or a dump's cb->skb
 * @extack: where a refusal says why; NULL to ask without refusing
 *
 * The family's one permission check (Documentation/netlink.rst,
 * "Permissions"): changes, the default table, handlers and groups need
 * CAP_NET_ADMIN; without it a sender sees only the VMs its uid created
 * (mvmm_nl_viewer()). It is what GENL_ADMIN_PERM checks, the capability
 * in the initial user namespace held by the socket's opener and by the
 * sender, done here to give a message and to let reads show less rather
 * than fail. The tables and VMs are host-wide: root of a child user
 * namespace gets no more than anyone. The "events" group asks the genl
 * core for the same capability (GENL_MCAST_CAP_NET_ADMIN, nl_notify.c).
 * Call it in the sender's context: a doit, or the first part of a dump
 * (mvmm_nl_dump_admin()).
 *
 * Return: 0, or -EPERM with the message "CAP_NET_ADMIN required".
 */
int mvmm_nl_admin(const struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	if (extack)
		NL_SET_ERR_MSG(extack, "CAP_NET_ADMIN required");
	return -EPERM;
}

/**
 * mvmm_nl_dump_admin() - mvmm_nl_admin() for a dump
 * @cb: the dump
 * @slot: a cb->args[] slot the dump leaves to this, 0 at its start
 *
 * The first part of a dump runs in the sender's context, as a doit does;
 * the parts after run in whoever reads the socket. The sender's answer
 * is kept in cb->args[@slot] for them.
 *
 * Return: 0, or -EPERM with the message in cb->extack.
 */
int mvmm_nl_dump_admin(struct netlink_callback *cb, int slot)
{
	int ret;

	if (cb->args[slot])
		return 0;
	ret = mvmm_nl_admin(cb->skb, cb->extack);
	if (!ret)
		cb->args[slot] = 1;
	return ret;
}

/**
 * mvmm_nl_viewer() - which VMs the sender of a request may see
 * @skb: the request, in the sender's context (see mvmm_nl_admin())
 * @v: the answer: every VM, or those its effective uid created
 */
void mvmm_nl_viewer(const struct sk_buff *skb, struct mvmm_vm_viewer *v)
{
	v->all = !mvmm_nl_admin(skb, NULL);
	v->uid = current_euid();
}

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
	struct mvmm_vm_viewer v;
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
	mvmm_nl_viewer(skb, &v);
	ret = mvmm_vm_snapshot(nla_get_u32(info->attrs[MVMM_A_VM_ID]), true,
			       &v, snap);
	/* The same answer for another's VM: its id does not leak. */
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

/*
 * The VMs a dump shows: decided by its first part, which runs in the
 * sender's context (mvmm_nl_dump_admin()); cb->args[1] is set then, and
 * cb->args[2] and [3] keep the answer for the parts after.
 */
static void mvmm_nl_dump_viewer(struct netlink_callback *cb,
				struct mvmm_vm_viewer *v)
{
	if (!cb->args[1]) {
		mvmm_nl_viewer(cb->skb, v);
		cb->args[1] = 1;
		cb->args[2] = v->all;
		cb->args[3] = __kuid_val(v->uid);
		return;
	}
	v->all = cb->args[2];
	v->uid = KUIDT_INIT(cb->args[3]);
}

/* cb->args[0]: the id of the last VM dumped so far; [1..3]: the viewer. */
static int mvmm_nl_get_vm_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct mvmm_vm_viewer v;
	struct mvmm_vm_snap *snap;
	int ret = 0;

	mvmm_nl_dump_viewer(cb, &v);
	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	while (!mvmm_vm_snapshot(cb->args[0], false, &v, snap)) {
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
 * The commands check permissions themselves (mvmm_nl_admin()) instead of
 * with GENL_ADMIN_PERM, so that a refusal carries a message and the VM
 * reads show an unprivileged sender its own VMs.
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The "mvmm" generic netlink family. uapi/linux/mvmm.h documents every
 * command and attribute.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "compat.h"
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
 * Call it in the sender's context: before a doit (mvmm_nl_pre_doit(),
 * for the commands flagged MVMM_NL_ADMIN), or in the first part of a
 * dump (mvmm_nl_dump_admin()).
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

/**
 * mvmm_nl_msg() - one whole message of the family
 * @skb: the message buffer
 * @d: where it goes and its command
 * @fill: the object's fill function, which writes the attributes
 * @obj: the object
 *
 * Return: 0, or -EMSGSIZE with @skb as it was.
 */
int mvmm_nl_msg(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		mvmm_nl_fill_t fill, const void *obj)
{
	void *hdr;

	hdr = genlmsg_put(skb, d->portid, d->seq, &mvmm_genl_family,
			  d->flags, d->cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (fill(skb, d, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * mvmm_nl_reply() - answer a doit with one object's message
 * @info: the request
 * @fill: the object's fill function
 * @obj: the object
 *
 * Return: 0, or -ENOMEM, -EMSGSIZE or what sending the reply gave.
 */
int mvmm_nl_reply(struct genl_info *info, mvmm_nl_fill_t fill,
		  const void *obj)
{
	struct mvmm_nl_dest d = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.cmd = info->genlhdr->cmd,
	};
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = mvmm_nl_msg(msg, &d, fill, obj);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * mvmm_nl_dump_each() - the one dump loop of the family
 * @skb: this part of the dump
 * @cb: the dump, whose cb->args hold the cursor of @ops
 * @ops: how to find, send and step over each object
 * @obj: room for one object, for @ops
 *
 * Sends one message per object, from the cursor on, until there is none
 * left or @skb is full; the next part resumes at the cursor. Each message
 * is checked for consistency against cb->seq, which a dump that cares
 * sets (nl_dump_check_consistent(); with cb->seq 0 nothing is flagged).
 *
 * Return: the length of @skb (0: the dump is over), or an error when
 * not even one object fits.
 */
int mvmm_nl_dump_each(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct mvmm_nl_dump_ops *ops, void *obj)
{
	const struct genlmsghdr *ghdr = nlmsg_data(cb->nlh);
	struct mvmm_nl_dest d = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cmd = ghdr->cmd,
	};
	struct nlmsghdr *nlh;
	int ret = 0;

	while (ops->next(cb, obj)) {
		nlh = (struct nlmsghdr *)skb_tail_pointer(skb);
		ret = mvmm_nl_msg(skb, &d, ops->fill, obj);
		if (ret)
			break;
		nl_dump_check_consistent(cb, nlh);
		ops->sent(cb, obj);
	}
	/* A full skb is not an error: the dump continues in the next one. */
	if (ret == -EMSGSIZE && skb->len)
		ret = 0;
	return ret ?: skb->len;
}

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

/**
 * mvmm_nl_vm_fill() - the attributes of a message about one VM
 * @skb: the message buffer
 * @d: where it goes: GET_VM, GET_STATS, or the notifications VM_NEW and
 *     VM_DEL
 * @obj: the VM's struct mvmm_vm_ident; for GET_VM and GET_STATS, the
 *       .who of a struct mvmm_vm_snap, whose other fields they add
 *
 * Return: 0, or -EMSGSIZE.
 */
int mvmm_nl_vm_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		    const void *obj)
{
	const struct mvmm_vm_ident *who = obj;
	const struct mvmm_vm_snap *s;

	if (nla_put_u32(skb, MVMM_A_VM_ID, who->id) ||
	    nla_put_u32(skb, MVMM_A_VM_PID, who->pid) ||
	    nla_put_string(skb, MVMM_A_VM_COMM, who->comm))
		return -EMSGSIZE;
	if (d->cmd != MVMM_CMD_GET_VM && d->cmd != MVMM_CMD_GET_STATS)
		return 0;
	s = container_of(who, struct mvmm_vm_snap, who);
	if (nla_put_u32(skb, MVMM_A_VM_VCPUS, s->vcpus) ||
	    nla_put_u64_64bit(skb, MVMM_A_VM_AGE_MS, s->age_ms, MVMM_A_PAD) ||
	    (d->cmd == MVMM_CMD_GET_STATS && mvmm_nl_put_stats(skb, s)))
		return -EMSGSIZE;
	return 0;
}

static int mvmm_nl_get_vm_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mvmm_vm_viewer v;
	struct mvmm_vm_snap *snap;
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
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_VM_ID],
				    "no VM with this id");
	else
		ret = mvmm_nl_reply(info, mvmm_nl_vm_fill, &snap->who);
	kfree(snap);
	return ret;
}

/* A VM dump: who may see what, and room for one VM. */
struct mvmm_nl_vm_dump {
	struct mvmm_vm_viewer v;
	struct mvmm_vm_snap s;
};

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
static bool mvmm_nl_vm_next(struct netlink_callback *cb, void *obj)
{
	struct mvmm_nl_vm_dump *vd = obj;

	return !mvmm_vm_snapshot(cb->args[0], false, &vd->v, &vd->s);
}

static int mvmm_nl_vm_dump_fill(struct sk_buff *skb,
				const struct mvmm_nl_dest *d, const void *obj)
{
	const struct mvmm_nl_vm_dump *vd = obj;

	return mvmm_nl_vm_fill(skb, d, &vd->s.who);
}

static void mvmm_nl_vm_sent(struct netlink_callback *cb, const void *obj)
{
	const struct mvmm_nl_vm_dump *vd = obj;

	cb->args[0] = vd->s.who.id;
}

static const struct mvmm_nl_dump_ops mvmm_nl_vm_dump_ops = {
	.next = mvmm_nl_vm_next,
	.fill = mvmm_nl_vm_dump_fill,
	.sent = mvmm_nl_vm_sent,
};

static int mvmm_nl_get_vm_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct mvmm_nl_vm_dump *vd;
	int ret;

	vd = kmalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return -ENOMEM;
	mvmm_nl_dump_viewer(cb, &vd->v);
	ret = mvmm_nl_dump_each(skb, cb, &mvmm_nl_vm_dump_ops, vd);
	kfree(vd);
	return ret;
}

/*
 * The attribute policy of each command: the top-level attributes it
 * takes, each with its nested policy, and those it refuses with a message
 * of its own. The genl core checks every request against its command's
 * policy first, strictly: any other attribute is refused there, with
 * EINVAL ("Unsupported attribute"; "Unknown attribute type" above
 * MVMM_A_MAX). Every policy spans MVMM_A_MAX, so that the two messages
 * mean the same for every command.
 */

/* GET_VM, GET_STATS: a VM (doit), or nothing (dump). */
static const struct nla_policy mvmm_nl_vm_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/*
 * The rule changes: a table and a rule (which RULE_FLUSH refuses with a
 * message: mvmm_nl_rule_flush_doit()).
 */
static const struct nla_policy mvmm_nl_table_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
	[MVMM_A_RULE] = NLA_POLICY_NESTED(mvmm_nl_rule_policy),
};

/* GET_RULE: a table. */
static const struct nla_policy mvmm_nl_get_rule_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
};

/*
 * RULE_APPLY: operations, each naming its table; the others are there to
 * be refused with a message (mvmm_nl_rule_apply_doit()).
 */
static const struct nla_policy mvmm_nl_apply_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
	[MVMM_A_RULE] = NLA_POLICY_NESTED(mvmm_nl_rule_policy),
	[MVMM_A_GROUP] = NLA_POLICY_NESTED(mvmm_nl_group_policy),
	[MVMM_A_OP] = NLA_POLICY_NESTED(mvmm_nl_op_policy),
};

/* GET_HANDLER: no attribute. */
static const struct nla_policy mvmm_nl_none_policy[MVMM_A_MAX + 1] = {};

/* The group commands: a group. */
static const struct nla_policy mvmm_nl_group_cmd_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_GROUP] = NLA_POLICY_NESTED(mvmm_nl_group_policy),
};

/* genl_ops.internal_flags: the doit needs CAP_NET_ADMIN. */
#define MVMM_NL_ADMIN	BIT(0)

/*
 * The permission check of every doit, run by the genl core once the
 * request passed its command's policy: mvmm_nl_admin() rather than
 * GENL_ADMIN_PERM, so that a refusal carries a message and the VM reads
 * show an unprivileged sender its own VMs. Dumps check in their first
 * part (mvmm_nl_dump_admin(), mvmm_nl_viewer()).
 */
static int mvmm_nl_pre_doit(const struct mvmm_genl_doit_ops *ops,
			    struct sk_buff *skb, struct genl_info *info)
{
	if (ops->internal_flags & MVMM_NL_ADMIN)
		return mvmm_nl_admin(skb, info->extack);
	return 0;
}

static const struct genl_ops mvmm_genl_ops[] = {
	{
		.cmd = MVMM_CMD_GET_VM,
		.doit = mvmm_nl_get_vm_doit,
		.dumpit = mvmm_nl_get_vm_dumpit,
		.policy = mvmm_nl_vm_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GET_STATS,
		.doit = mvmm_nl_get_vm_doit,
		.dumpit = mvmm_nl_get_vm_dumpit,
		.policy = mvmm_nl_vm_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_RULE_ADD,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_rule_add_doit,
		.policy = mvmm_nl_table_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_RULE_REPLACE,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_rule_replace_doit,
		.policy = mvmm_nl_table_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_RULE_DEL,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_rule_del_doit,
		.policy = mvmm_nl_table_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_RULE_FLUSH,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_rule_flush_doit,
		.policy = mvmm_nl_table_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GET_RULE,
		.dumpit = mvmm_nl_get_rule_dumpit,
		.policy = mvmm_nl_get_rule_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GET_HANDLER,
		.dumpit = mvmm_nl_get_handler_dumpit,
		.policy = mvmm_nl_none_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_RULE_APPLY,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_rule_apply_doit,
		.policy = mvmm_nl_apply_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GROUP_ADD,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_group_add_doit,
		.policy = mvmm_nl_group_cmd_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GROUP_SET,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_group_set_doit,
		.policy = mvmm_nl_group_cmd_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		.cmd = MVMM_CMD_GROUP_DEL,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_group_del_doit,
		.policy = mvmm_nl_group_cmd_policy,
		.maxattr = MVMM_A_MAX,
	},
	{
		/* Groups name handlers, whose load they show: as GET_HANDLER. */
		.cmd = MVMM_CMD_GET_GROUP,
		.internal_flags = MVMM_NL_ADMIN,
		.doit = mvmm_nl_get_group_doit,
		.dumpit = mvmm_nl_get_group_dumpit,
		.policy = mvmm_nl_group_cmd_policy,
		.maxattr = MVMM_A_MAX,
	},
};

struct genl_family mvmm_genl_family __ro_after_init = {
	.name = MVMM_GENL_NAME,
	.version = MVMM_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = mvmm_genl_ops,
	.n_ops = ARRAY_SIZE(mvmm_genl_ops),
	.pre_doit = mvmm_nl_pre_doit,
	.resv_start_op = MVMM_CMD_GET_HANDLER + 1,
	.mcgrps = mvmm_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mvmm_nl_mcgrps),
};

int __init mvmm_netlink_init(void)
{
	int ret;

	mvmm_nl_rule_init();
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

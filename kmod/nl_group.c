// SPDX-License-Identifier: GPL-2.0
/*
 * Group commands of the mvmm family: add, set, delete, get and dump.
 */
#include <net/genetlink.h>
#include "core/classify.h"
#include "group.h"
#include "handler.h"
#include "netlink.h"

static const struct nla_policy mvmm_nl_member_policy[MVMM_A_MEMBER_MAX + 1] = {
	[MVMM_A_MEMBER_NAME] = { .type = NLA_NUL_STRING,
				 .len = MVMM_HANDLER_NAME_LEN - 1 },
	[MVMM_A_MEMBER_WEIGHT] = NLA_POLICY_RANGE(NLA_U32, 1,
						  MVMM_GROUP_WEIGHT_MAX),
};

static const struct nla_policy
mvmm_nl_members_policy[MVMM_A_GROUP_MEMBERS_MAX + 1] = {
	[MVMM_A_GROUP_MEMBER] = NLA_POLICY_NESTED(mvmm_nl_member_policy),
};

const struct nla_policy mvmm_nl_group_policy[MVMM_A_GROUP_MAX + 1] = {
	[MVMM_A_GROUP_NAME] = { .type = NLA_NUL_STRING,
				.len = MVMM_HANDLER_NAME_LEN - 1 },
	[MVMM_A_GROUP_POLICY] = NLA_POLICY_MAX(NLA_U8, MVMM_GROUP_POLICY_MAX),
	[MVMM_A_GROUP_MEMBERS] = NLA_POLICY_NESTED(mvmm_nl_members_policy),
};

/* Group names are spelt as handler names. */
static bool mvmm_nl_group_name_ok(const char *name)
{
	return mvmm_name_ok(name) && strcmp(name, "main");
}

/* The request's MVMM_A_GROUP with a name: its attributes in @tb. */
static int mvmm_nl_group_attrs(struct genl_info *info, struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[MVMM_A_GROUP];
	int ret;

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing GROUP attribute");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, MVMM_A_GROUP);
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, MVMM_A_GROUP_MAX, nest, mvmm_nl_group_policy,
			       info->extack);
	if (ret)
		return ret;
	if (!tb[MVMM_A_GROUP_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "missing GROUP_NAME");
		return -EINVAL;
	}
	return 0;
}

/* One MVMM_A_GROUP_MEMBER into member @i of @sp. */
static int mvmm_nl_group_member(struct nlattr *m, struct mvmm_group_spec *sp,
				u32 i, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MVMM_A_MEMBER_MAX + 1];
	int ret, slot;
	u32 j;

	ret = nla_parse_nested(tb, MVMM_A_MEMBER_MAX, m, mvmm_nl_member_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[MVMM_A_MEMBER_NAME]) {
		NL_SET_ERR_MSG_ATTR(extack, m, "missing MEMBER_NAME");
		return -EINVAL;
	}
	slot = mvmm_hslot_lookup(nla_data(tb[MVMM_A_MEMBER_NAME]));
	if (slot < 0) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_MEMBER_NAME],
				    "no handler of this name was ever registered");
		return -ENOENT;
	}
	for (j = 0; j < i; j++) {
		if (sp->member[j] == slot) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_MEMBER_NAME],
					    "member named twice");
			return -EINVAL;
		}
	}
	sp->member[i] = slot;
	sp->weight[i] = tb[MVMM_A_MEMBER_WEIGHT] ?
			nla_get_u32(tb[MVMM_A_MEMBER_WEIGHT]) : 1;
	return 0;
}

/* A whole group (add, set) from the request into @sp. */
static int mvmm_nl_group_parse(struct genl_info *info,
			       struct mvmm_group_spec *sp)
{
	struct nlattr *tb[MVMM_A_GROUP_MAX + 1], *m;
	struct netlink_ext_ack *extack = info->extack;
	int ret, rem;

	ret = mvmm_nl_group_attrs(info, tb);
	if (ret)
		return ret;
	memset(sp, 0, sizeof(*sp));
	strscpy(sp->name, nla_data(tb[MVMM_A_GROUP_NAME]), sizeof(sp->name));
	if (!mvmm_nl_group_name_ok(sp->name)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_GROUP_NAME],
				    "invalid group name (1-31 characters of a-z A-Z 0-9 _ . -, not \"main\")");
		return -EINVAL;
	}
	sp->policy = tb[MVMM_A_GROUP_POLICY] ?
		     nla_get_u8(tb[MVMM_A_GROUP_POLICY]) :
		     MVMM_GROUP_LEAST_OUTSTANDING;
	if (!tb[MVMM_A_GROUP_MEMBERS]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[MVMM_A_GROUP],
				    "missing GROUP_MEMBERS");
		return -EINVAL;
	}
	nla_for_each_nested(m, tb[MVMM_A_GROUP_MEMBERS], rem) {
		if (nla_type(m) != MVMM_A_GROUP_MEMBER)
			continue;	/* refused by the policy already */
		if (sp->nr == MVMM_GROUP_MAX_MEMBERS) {
			NL_SET_ERR_MSG_ATTR(extack, m,
					    "too many members (at most 16)");
			return -EINVAL;
		}
		ret = mvmm_nl_group_member(m, sp, sp->nr, extack);
		if (ret)
			return ret;
		sp->nr++;
	}
	if (!sp->nr) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_GROUP_MEMBERS],
				    "a group needs at least one member");
		return -EINVAL;
	}
	return 0;
}

static int mvmm_nl_group_set(struct sk_buff *skb, struct genl_info *info,
			     bool replace)
{
	struct mvmm_group_spec *sp;
	const char *msg = NULL;
	int ret;

	sp = kmalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	ret = mvmm_nl_group_parse(info, sp);
	if (ret)
		goto out;
	ret = mvmm_group_set(sp, replace, &msg);
	switch (ret) {
	case 0:
	case -ENOMEM:
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_GROUP],
				    "a group of this name exists (change it with GROUP_SET)");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_GROUP],
				    "no group of this name");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_GROUP],
				    "too many group names");
		break;
	default:
		if (info->extack) {
			info->extack->_msg = msg ?: "bad group";
			info->extack->bad_attr = info->attrs[MVMM_A_GROUP];
		}
		break;
	}
out:
	kfree(sp);
	return ret;
}

int mvmm_nl_group_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_group_set(skb, info, false);
}

int mvmm_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_group_set(skb, info, true);
}

int mvmm_nl_group_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[MVMM_A_GROUP_MAX + 1];
	int ret, i;

	ret = mvmm_nl_group_attrs(info, tb);
	if (ret)
		return ret;
	/* Refused, not ignored: nobody should take them for a filter. */
	for (i = 1; i <= MVMM_A_GROUP_MAX; i++) {
		if (i != MVMM_A_GROUP_NAME && tb[i]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "GROUP_DEL takes only GROUP_NAME in GROUP");
			return -EINVAL;
		}
	}
	ret = mvmm_group_del(nla_data(tb[MVMM_A_GROUP_NAME]));
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MVMM_A_GROUP_NAME],
				    "no group of this name");
	return ret;
}

static int mvmm_nl_put_member(struct sk_buff *skb,
			      const struct mvmm_group_info *gi, u32 i)
{
	char name[MVMM_HANDLER_NAME_LEN];
	struct nlattr *nest;

	mvmm_hslot_name(gi->m[i].slot, name);
	nest = nla_nest_start(skb, MVMM_A_GROUP_MEMBER);
	if (!nest ||
	    nla_put_string(skb, MVMM_A_MEMBER_NAME, name) ||
	    nla_put_u32(skb, MVMM_A_MEMBER_WEIGHT, gi->m[i].weight) ||
	    nla_put_u32(skb, MVMM_A_MEMBER_HANDLER_ID, gi->m[i].slot) ||
	    nla_put_u64_64bit(skb, MVMM_A_MEMBER_CHOSEN, gi->m[i].chosen,
			      MVMM_A_MEMBER_PAD) ||
	    nla_put_u8(skb, MVMM_A_MEMBER_USABLE, gi->m[i].usable)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * mvmm_nl_group_fill() - the attributes of a message about one group
 * @skb: the message buffer
 * @d: where it goes: the reply to a GET_GROUP doit, or its dump
 * @obj: a struct mvmm_group_info
 *
 * Return: 0, or -EMSGSIZE.
 */
int mvmm_nl_group_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		       const void *obj)
{
	const struct mvmm_group_info *gi = obj;
	struct nlattr *nest, *members;
	u32 i;

	nest = nla_nest_start(skb, MVMM_A_GROUP);
	if (!nest ||
	    nla_put_string(skb, MVMM_A_GROUP_NAME, gi->name) ||
	    nla_put_u32(skb, MVMM_A_GROUP_ID, gi->id) ||
	    nla_put_u8(skb, MVMM_A_GROUP_POLICY, gi->policy) ||
	    nla_put_u64_64bit(skb, MVMM_A_GROUP_NO_MEMBER, gi->no_member,
			      MVMM_A_GROUP_PAD))
		goto err_cancel;
	members = nla_nest_start(skb, MVMM_A_GROUP_MEMBERS);
	if (!members)
		goto err_cancel;
	for (i = 0; i < gi->nr; i++)
		if (mvmm_nl_put_member(skb, gi, i))
			goto err_cancel;
	nla_nest_end(skb, members);
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int mvmm_nl_get_group_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[MVMM_A_GROUP_MAX + 1];
	struct mvmm_group_info *gi;
	int ret, id;

	ret = mvmm_nl_group_attrs(info, tb);
	if (ret)
		return ret;
	id = mvmm_group_lookup(nla_data(tb[MVMM_A_GROUP_NAME]));
	gi = kmalloc(sizeof(*gi), GFP_KERNEL);
	if (!gi)
		return -ENOMEM;
	/* Deleted since the lookup: the same answer as before it. */
	if (id < 0 || mvmm_group_get(id, gi) || gi->id != id) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MVMM_A_GROUP_NAME],
				    "no group of this name");
		ret = -ENOENT;
	} else {
		ret = mvmm_nl_reply(info, mvmm_nl_group_fill, gi);
	}
	kfree(gi);
	return ret;
}

/* cb->args[0]: the number of the next group to look at. */
static bool mvmm_nl_group_next(struct netlink_callback *cb, void *obj)
{
	return !mvmm_group_get(cb->args[0], obj);
}

static void mvmm_nl_group_sent(struct netlink_callback *cb, const void *obj)
{
	const struct mvmm_group_info *gi = obj;

	cb->args[0] = gi->id + 1;
}

static const struct mvmm_nl_dump_ops mvmm_nl_group_dump_ops = {
	.next = mvmm_nl_group_next,
	.fill = mvmm_nl_group_fill,
	.sent = mvmm_nl_group_sent,
};

/* cb->args[1]: the sender may (mvmm_nl_dump_admin()). */
int mvmm_nl_get_group_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mvmm_group_info *gi;
	int ret;

	ret = mvmm_nl_dump_admin(cb, 1);
	if (ret)
		return ret;
	gi = kmalloc(sizeof(*gi), GFP_KERNEL);
	if (!gi)
		return -ENOMEM;
	ret = mvmm_nl_dump_each(skb, cb, &mvmm_nl_group_dump_ops, gi);
	kfree(gi);
	return ret;
}

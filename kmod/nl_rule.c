// SPDX-License-Identifier: GPL-2.0
/*
 * Rule commands of the mvmm family: add, replace, delete, flush, dump.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include "core/answer.h"
#include "handler.h"
#include "netlink.h"
#include "table.h"
#include "vm.h"

/* MSRs whose writes KVM completes in its fastpath (x86.c). */
#define MVMM_MSR_TSC_DEADLINE	0x6e0
#define MVMM_MSR_X2APIC_ICR	0x830

const struct nla_policy mvmm_nl_rule_policy[MVMM_A_RULE_MAX + 1] = {
	[MVMM_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_RULE_TYPE] = NLA_POLICY_MAX(NLA_U32, MVMM_EV_MAX),
	[MVMM_A_RULE_LO] = { .type = NLA_U64 },
	[MVMM_A_RULE_HI] = { .type = NLA_U64 },
	[MVMM_A_RULE_ORIGIN] = NLA_POLICY_MAX(NLA_U8, MVMM_MATCH_L2),
	[MVMM_A_RULE_MODE] = NLA_POLICY_MAX(NLA_U8, MVMM_MODE_OBSERVE),
	[MVMM_A_RULE_FALLBACK] = NLA_POLICY_MAX(NLA_U8, MVMM_FALLBACK_DENY),
	[MVMM_A_RULE_TARGET] = { .type = NLA_NUL_STRING,
				 .len = MVMM_HANDLER_NAME_LEN - 1 },
};

/* Which table a request names: a VM id, or 0 for the default table. */
static int mvmm_nl_table(struct nlattr **attrs, struct netlink_ext_ack *extack,
			 u32 *vm_id)
{
	bool vm = attrs[MVMM_A_VM_ID], def = attrs[MVMM_A_DEFAULT];

	if (vm == def) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[MVMM_A_DEFAULT] ?:
				    attrs[MVMM_A_VM_ID],
				    "name exactly one table: VM_ID or DEFAULT");
		return -EINVAL;
	}
	*vm_id = vm ? nla_get_u32(attrs[MVMM_A_VM_ID]) : 0;
	return 0;
}

static bool mvmm_type_handleable(u16 type)
{
	struct mvmm_event ev = { .type = type };

	return mvmm_event_handleable(&ev);
}

/* Fill @r from MVMM_A_RULE; every refusal names its attribute. */
static int mvmm_nl_parse_rule(struct nlattr *nest, bool need_id,
			      struct mvmm_rule *r,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MVMM_A_RULE_MAX + 1];
	const char *target;
	int ret, slot;

	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing RULE attribute");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, MVMM_A_RULE_MAX, nest, mvmm_nl_rule_policy,
			       extack);
	if (ret)
		return ret;

	memset(r, 0, sizeof(*r));
	if (tb[MVMM_A_RULE_ID]) {
		r->id = nla_get_u32(tb[MVMM_A_RULE_ID]);
	} else if (need_id) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_ID");
		return -EINVAL;
	}
	if (!need_id || tb[MVMM_A_RULE_TYPE] || tb[MVMM_A_RULE_TARGET]) {
		if (!tb[MVMM_A_RULE_TYPE]) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_TYPE");
			return -EINVAL;
		}
		if (!tb[MVMM_A_RULE_TARGET]) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_TARGET");
			return -EINVAL;
		}
	}
	if (!tb[MVMM_A_RULE_TYPE])
		return 0;	/* delete: the id is all there is */

	r->type = nla_get_u32(tb[MVMM_A_RULE_TYPE]);
	r->lo = tb[MVMM_A_RULE_LO] ? nla_get_u64(tb[MVMM_A_RULE_LO]) : 0;
	r->hi = tb[MVMM_A_RULE_HI] ? nla_get_u64(tb[MVMM_A_RULE_HI]) :
		tb[MVMM_A_RULE_LO] ? r->lo : U64_MAX;
	if (r->lo > r->hi) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_HI],
				    "range end below its start");
		return -EINVAL;
	}
	if (tb[MVMM_A_RULE_ORIGIN])
		r->origin = nla_get_u8(tb[MVMM_A_RULE_ORIGIN]);
	if (tb[MVMM_A_RULE_MODE])
		r->mode = nla_get_u8(tb[MVMM_A_RULE_MODE]);
	if (tb[MVMM_A_RULE_FALLBACK])
		r->fallback = nla_get_u8(tb[MVMM_A_RULE_FALLBACK]);

	target = nla_data(tb[MVMM_A_RULE_TARGET]);
	if (!strcmp(target, "main")) {
		r->target.kind = MVMM_TARGET_MAIN;
		return 0;
	}
	slot = mvmm_hslot_lookup(target);
	if (slot < 0) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_TARGET],
				    "no handler of this name was ever registered");
		return -ENOENT;
	}
	r->target.kind = MVMM_TARGET_HANDLER;
	r->target.index = slot;

	if (r->mode == MVMM_MODE_SYNC && !mvmm_type_handleable(r->type)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_TYPE],
				    "a secondary cannot complete this event type; use observe mode");
		return -EOPNOTSUPP;
	}
	if (r->mode == MVMM_MODE_SYNC && r->type == MVMM_EV_MSR_WRITE &&
	    ((r->lo <= MVMM_MSR_TSC_DEADLINE && r->hi >= MVMM_MSR_TSC_DEADLINE) ||
	     (r->lo <= MVMM_MSR_X2APIC_ICR && r->hi >= MVMM_MSR_X2APIC_ICR))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_LO] ?: nest,
				    "writes to MSRs 0x6e0 and 0x830 are completed in KVM's fastpath and cannot be routed");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int mvmm_edit_add(struct mvmm_policy_builder *b,
			 struct mvmm_policy_edit *e,
			 struct mvmm_policy_err *err)
{
	struct mvmm_rule r = e->rule;
	int ret;

	ret = mvmm_policy_add(b, &r, err);
	if (!ret)
		e->new_id = r.id;
	return ret;
}

static int mvmm_edit_replace(struct mvmm_policy_builder *b,
			     struct mvmm_policy_edit *e,
			     struct mvmm_policy_err *err)
{
	return mvmm_policy_replace(b, &e->rule, err);
}

static int mvmm_edit_delete(struct mvmm_policy_builder *b,
			    struct mvmm_policy_edit *e,
			    struct mvmm_policy_err *err)
{
	return mvmm_policy_delete(b, e->rule.id);
}

static int mvmm_edit_flush(struct mvmm_policy_builder *b,
			   struct mvmm_policy_edit *e,
			   struct mvmm_policy_err *err)
{
	mvmm_policy_flush(b);
	return 0;
}

/* Apply @e to the table named by @vm_id (0: default). */
static int mvmm_nl_edit(u32 vm_id, struct mvmm_policy_edit *e,
			struct mvmm_policy_err *err)
{
	struct mvmm_policy *old, *new;
	int ret;

	mutex_lock(&mvmm_policy_mutex);
	if (vm_id) {
		ret = mvmm_vm_policy_edit(vm_id, e, err);
		goto out;
	}
	old = mvmm_default_policy_get();
	new = mvmm_policy_derive(old, e, err);
	mvmm_policy_put(old);
	ret = PTR_ERR_OR_ZERO(new);
	if (!ret)
		mvmm_default_policy_set(new);
out:
	mutex_unlock(&mvmm_policy_mutex);
	return ret;
}

/* NL_SET_ERR_MSG_ATTR() for a message chosen at run time (static text). */
static void mvmm_nl_set_err(struct netlink_ext_ack *extack,
			    const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

static void mvmm_nl_edit_error(struct genl_info *info, int ret,
			       const struct mvmm_policy_err *err,
			       struct nlattr *rule_attr)
{
	struct netlink_ext_ack *extack = info->extack;

	switch (ret) {
	case -ESRCH:
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[MVMM_A_VM_ID],
				    "no VM with this id");
		break;
	case -ENOENT:
		mvmm_nl_set_err(extack, rule_attr,
				err->msg ?: "no rule with this id");
		break;
	case -EEXIST:
		/* The rule in the way, for the caller to name it. */
		memcpy(extack->cookie, &err->conflict_id,
		       sizeof(err->conflict_id));
		extack->cookie_len = sizeof(err->conflict_id);
		mvmm_nl_set_err(extack, rule_attr, err->msg ?:
				"rule id taken, or range overlaps a rule (its id is in the cookie)");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(extack, rule_attr, "table is full");
		break;
	case -ENOMEM:
		break;
	default:
		mvmm_nl_set_err(extack, rule_attr, err->msg ?: "bad rule");
		break;
	}
}

static int mvmm_nl_put_rule(struct sk_buff *skb, const struct mvmm_rule *r)
{
	struct mvmm_hslot *s;
	struct nlattr *nest;
	const char *target = "main";

	if (r->target.kind == MVMM_TARGET_HANDLER) {
		s = mvmm_hslot(r->target.index);
		target = s ? s->name : "?";
	}
	nest = nla_nest_start(skb, MVMM_A_RULE);
	if (!nest ||
	    nla_put_u32(skb, MVMM_A_RULE_ID, r->id) ||
	    nla_put_u32(skb, MVMM_A_RULE_TYPE, r->type) ||
	    nla_put_u64_64bit(skb, MVMM_A_RULE_LO, r->lo, MVMM_A_RULE_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_RULE_HI, r->hi, MVMM_A_RULE_PAD) ||
	    nla_put_u8(skb, MVMM_A_RULE_ORIGIN, r->origin) ||
	    nla_put_u8(skb, MVMM_A_RULE_MODE, r->mode) ||
	    nla_put_u8(skb, MVMM_A_RULE_FALLBACK, r->fallback) ||
	    nla_put_string(skb, MVMM_A_RULE_TARGET, target)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int mvmm_nl_put_table(struct sk_buff *skb, u32 vm_id)
{
	return vm_id ? nla_put_u32(skb, MVMM_A_VM_ID, vm_id) :
		       nla_put_flag(skb, MVMM_A_DEFAULT);
}

static int mvmm_nl_rule_reply(struct genl_info *info, u32 vm_id,
			      const struct mvmm_rule *r)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mvmm_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || mvmm_nl_put_table(msg, vm_id) || mvmm_nl_put_rule(msg, r)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int mvmm_nl_rule_modify(struct genl_info *info,
			       int (*apply)(struct mvmm_policy_builder *,
					    struct mvmm_policy_edit *,
					    struct mvmm_policy_err *),
			       bool need_rule, bool need_id)
{
	struct nlattr *rule_attr = info->attrs[MVMM_A_RULE];
	struct mvmm_policy_err err = {};
	struct mvmm_policy_edit e = { .apply = apply };
	u32 vm_id;
	int ret;

	ret = mvmm_nl_table(info->attrs, info->extack, &vm_id);
	if (ret)
		return ret;
	if (need_rule) {
		ret = mvmm_nl_parse_rule(rule_attr, need_id, &e.rule,
					 info->extack);
		if (ret)
			return ret;
	}
	ret = mvmm_nl_edit(vm_id, &e, &err);
	if (ret) {
		mvmm_nl_edit_error(info, ret, &err, rule_attr);
		return ret == -ESRCH ? -ENOENT : ret;
	}
	if (apply == mvmm_edit_add) {
		e.rule.id = e.new_id;
		return mvmm_nl_rule_reply(info, vm_id, &e.rule);
	}
	return 0;
}

int mvmm_nl_rule_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_modify(info, mvmm_edit_add, true, false);
}

int mvmm_nl_rule_replace_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_modify(info, mvmm_edit_replace, true, true);
}

int mvmm_nl_rule_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_modify(info, mvmm_edit_delete, true, true);
}

int mvmm_nl_rule_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_modify(info, mvmm_edit_flush, false, false);
}

/*
 * cb->args[0]: table (VM id, 0 default) + 1, set by the first call;
 * cb->args[1]: id of the last rule sent.
 */
int mvmm_nl_get_rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	const struct mvmm_rule *r;
	struct mvmm_policy *p;
	u32 vm_id;
	void *hdr;
	int ret;

	if (!cb->args[0]) {
		ret = mvmm_nl_table(info->attrs, cb->extack, &vm_id);
		if (ret)
			return ret;
		cb->args[0] = vm_id + 1;
	}
	vm_id = cb->args[0] - 1;

	p = vm_id ? mvmm_vm_policy_ref(vm_id) : mvmm_default_policy_get();
	if (IS_ERR(p)) {
		NL_SET_ERR_MSG_ATTR(cb->extack, info->attrs[MVMM_A_VM_ID],
				    "no VM with this id");
		return PTR_ERR(p);
	}
	ret = 0;
	while (p && (r = mvmm_policy_next(&p->b, cb->args[1]))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &mvmm_genl_family,
				  NLM_F_MULTI, MVMM_CMD_GET_RULE);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		if (mvmm_nl_put_table(skb, vm_id) || mvmm_nl_put_rule(skb, r)) {
			genlmsg_cancel(skb, hdr);
			ret = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[1] = r->id;
	}
	mvmm_policy_put(p);
	if (ret == -EMSGSIZE && skb->len)
		ret = 0;
	return ret ?: skb->len;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Rule commands of the mvmm family: add, replace, delete, flush, dump.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include "core/answer.h"
#include "compat.h"
#include "answer_tgt.h"
#include "group.h"
#include "handler.h"
#include "netlink.h"
#include "nl_notify.h"
#include "policy_txn.h"
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
	[MVMM_A_RULE_ANSWER] = NLA_POLICY_NESTED(mvmm_nl_answer_policy),
	[MVMM_A_RULE_GROUP] = { .type = NLA_NUL_STRING,
				.len = MVMM_HANDLER_NAME_LEN - 1 },
};

/*
 * The refusals of a range beyond the largest qualifier of its type
 * (struct mvmm_event_desc .max, core/event_names.c): a rule starting above
 * it could never match; one ending above it is refused too, except with
 * the "whole rest of the type" end U64_MAX (the default HI, which dumps
 * show), so that a dumped rule can always be sent back. A type whose max
 * is all ones takes any value: addresses (INVLPG, NPF, MMIO), RAX
 * (HYPERCALL), and OTHER, whose qualifier is the vendor exit code. Made
 * once at load: extack keeps a pointer to its message.
 */
#define MVMM_QUAL_MSG_LEN	128
static char mvmm_qual_msg[__MVMM_EV_MAX][2][MVMM_QUAL_MSG_LEN] __ro_after_init;

static const char mvmm_no_qual_lo[] =
	"RULE_LO must be 0: this event type has no qualifier";
static const char mvmm_no_qual_hi[] =
	"RULE_HI must be 0 or U64_MAX: this event type has no qualifier";

void __init mvmm_nl_rule_init(void)
{
	const struct mvmm_event_desc *d;
	char max[24];
	u32 t;

	for (t = 0; t < __MVMM_EV_MAX; t++) {
		d = mvmm_event_desc(t);
		if (!d->what)
			continue;
		/* Small limits (vectors, register numbers) read in decimal. */
		snprintf(max, sizeof(max), d->max < 32 ? "%llu" : "%#llx",
			 d->max);
		WARN_ON(snprintf(mvmm_qual_msg[t][0], MVMM_QUAL_MSG_LEN,
				 "RULE_LO above %s, the last %s: the rule could never match",
				 max, d->what) >= MVMM_QUAL_MSG_LEN);
		WARN_ON(snprintf(mvmm_qual_msg[t][1], MVMM_QUAL_MSG_LEN,
				 "RULE_HI above %s, the last %s (U64_MAX means: up to the last)",
				 max, d->what) >= MVMM_QUAL_MSG_LEN);
	}
}

/* Which table a request names: a VM id, or 0 for the default table. */
int mvmm_nl_table(struct nlattr **attrs, struct netlink_ext_ack *extack,
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

/* Does [lo, hi] hold @v? */
static bool mvmm_range_has(const struct mvmm_rule *r, u64 v)
{
	return r->lo <= v && r->hi >= v;
}

void mvmm_nl_set_err(struct netlink_ext_ack *extack,
		     const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

/* Refuse a range that runs past the largest qualifier of its type. */
static int mvmm_nl_check_range(struct nlattr **tb, const struct mvmm_rule *r,
			       struct netlink_ext_ack *extack)
{
	const struct mvmm_event_desc *d = mvmm_event_desc(r->type);
	bool none = !d->quals[0];
	u64 max = none ? 0 : d->max;

	if (max == U64_MAX)
		return 0;
	if (r->lo > max) {
		mvmm_nl_set_err(extack, tb[MVMM_A_RULE_LO],
				none ? mvmm_no_qual_lo : mvmm_qual_msg[r->type][0]);
		return -ERANGE;
	}
	if (r->hi > max && r->hi != U64_MAX) {
		mvmm_nl_set_err(extack, tb[MVMM_A_RULE_HI],
				none ? mvmm_no_qual_hi : mvmm_qual_msg[r->type][1]);
		return -ERANGE;
	}
	return 0;
}

/* Can @r's target get the events @r matches? */
static int mvmm_nl_check_target(struct nlattr **tb, struct nlattr *nest,
				const struct mvmm_rule *r,
				struct netlink_ext_ack *extack)
{
	if (r->mode == MVMM_MODE_SYNC && !mvmm_type_handleable(r->type)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_TYPE],
				    "a secondary cannot complete this event type; use observe mode");
		return -EOPNOTSUPP;
	}
	/*
	 * Events are completed where KVM's own handler starts (complete.c).
	 * Of the exceptions KVM intercepts, only #UD has such a place that
	 * both vendors share (handle_ud()); the others it intercepts for
	 * its own needs (#MC, #AC, #DB and #BP for guest debugging, #PF for
	 * shadow paging, #GP for the VMware backdoor).
	 */
	if (r->mode == MVMM_MODE_SYNC && r->type == MVMM_EV_EXCEPTION &&
	    (r->lo != MVMM_UD_VECTOR || r->hi != MVMM_UD_VECTOR)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_LO] ?: nest,
				    "of the exceptions, only #UD (vector 6) can be completed by a secondary; use observe mode for the others");
		return -EOPNOTSUPP;
	}
	/*
	 * KVM completes these writes in handle_fastpath_set_msr_irqoff(),
	 * with interrupts off and mostly without leaving its run loop: the
	 * hook counts them there but can hand them to no handler, not even
	 * as an observe copy. A rule covering them would see only the
	 * writes KVM happened to send the slow way.
	 */
	if (r->type == MVMM_EV_MSR_WRITE &&
	    (mvmm_range_has(r, MVMM_MSR_TSC_DEADLINE) ||
	     mvmm_range_has(r, MVMM_MSR_X2APIC_ICR))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_LO] ?: nest,
				    "writes to MSRs 0x6e0 and 0x830 are completed in KVM's fastpath: no handler can get them, not even in observe mode");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * The rest of a rule whose target is a pre-registered answer: checked
 * whole before the answer is stored, held by @hold.
 */
static int mvmm_nl_parse_answer(struct nlattr **tb, struct nlattr *nest,
				struct mvmm_rule *r,
				struct mvmm_answer_hold *hold,
				struct netlink_ext_ack *extack)
{
	struct mvmm_answer_key k;
	int ret;

	if (r->mode != MVMM_MODE_SYNC) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_MODE],
				    "an answer is given, not observed: RULE_ANSWER needs mode sync");
		return -EINVAL;
	}
	if (r->fallback != MVMM_FALLBACK_MAIN) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_FALLBACK],
				    "an answer cannot fail: RULE_ANSWER needs fallback main");
		return -EINVAL;
	}
	ret = mvmm_answer_tgt_parse(tb[MVMM_A_RULE_ANSWER], r->type, &k, extack);
	if (ret)
		return ret;
	r->target.kind = MVMM_TARGET_ANSWER;
	ret = mvmm_nl_check_target(tb, nest, r, extack);
	if (ret)
		return ret;
	return mvmm_answer_tgt_store(&k, &r->target.index, hold,
				     tb[MVMM_A_RULE_ANSWER], extack);
}

/* The attributes of the request's MVMM_A_RULE, which must be there. */
static int mvmm_nl_rule_attrs(struct nlattr *nest, struct nlattr **tb,
			      struct netlink_ext_ack *extack)
{
	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing RULE attribute");
		return -EINVAL;
	}
	return nla_parse_nested(tb, MVMM_A_RULE_MAX, nest, mvmm_nl_rule_policy,
				extack);
}

/*
 * Fill @r from the MVMM_A_RULE of an add (@need_id false) or a replace;
 * every refusal names its attribute.
 */
int mvmm_nl_parse_rule(struct nlattr *nest, bool need_id, struct mvmm_rule *r,
		       struct mvmm_answer_hold *hold,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MVMM_A_RULE_MAX + 1];
	const char *target;
	int ret, slot;

	ret = mvmm_nl_rule_attrs(nest, tb, extack);
	if (ret)
		return ret;

	memset(r, 0, sizeof(*r));
	if (tb[MVMM_A_RULE_ID]) {
		r->id = nla_get_u32(tb[MVMM_A_RULE_ID]);
	} else if (need_id) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_ID");
		return -EINVAL;
	}
	if (!tb[MVMM_A_RULE_TYPE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_TYPE");
		return -EINVAL;
	}
	if (tb[MVMM_A_RULE_ANSWER] &&
	    (tb[MVMM_A_RULE_TARGET] || tb[MVMM_A_RULE_GROUP])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_ANSWER],
				    "RULE_ANSWER is the rule's target: no RULE_TARGET or RULE_GROUP with it");
		return -EINVAL;
	}
	if (tb[MVMM_A_RULE_GROUP] && tb[MVMM_A_RULE_TARGET]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_GROUP],
				    "RULE_GROUP is the rule's target: no RULE_TARGET with it");
		return -EINVAL;
	}
	if (!tb[MVMM_A_RULE_TARGET] && !tb[MVMM_A_RULE_ANSWER] &&
	    !tb[MVMM_A_RULE_GROUP]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_TARGET");
		return -EINVAL;
	}

	r->type = nla_get_u32(tb[MVMM_A_RULE_TYPE]);
	r->lo = tb[MVMM_A_RULE_LO] ? nla_get_u64(tb[MVMM_A_RULE_LO]) : 0;
	r->hi = tb[MVMM_A_RULE_HI] ? nla_get_u64(tb[MVMM_A_RULE_HI]) :
		tb[MVMM_A_RULE_LO] ? r->lo : U64_MAX;
	if (r->lo > r->hi) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_HI],
				    "range end below its start");
		return -EINVAL;
	}
	ret = mvmm_nl_check_range(tb, r, extack);
	if (ret)
		return ret;
	if (tb[MVMM_A_RULE_ORIGIN])
		r->origin = nla_get_u8(tb[MVMM_A_RULE_ORIGIN]);
	if (tb[MVMM_A_RULE_MODE])
		r->mode = nla_get_u8(tb[MVMM_A_RULE_MODE]);
	if (tb[MVMM_A_RULE_FALLBACK])
		r->fallback = nla_get_u8(tb[MVMM_A_RULE_FALLBACK]);

	if (tb[MVMM_A_RULE_ANSWER])
		return mvmm_nl_parse_answer(tb, nest, r, hold, extack);
	if (tb[MVMM_A_RULE_GROUP]) {
		slot = mvmm_group_lookup(nla_data(tb[MVMM_A_RULE_GROUP]));
		if (slot < 0) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_RULE_GROUP],
					    "no group of this name");
			return -ENOENT;
		}
		r->target.kind = MVMM_TARGET_GROUP;
		r->target.index = slot;
		return mvmm_nl_check_target(tb, nest, r, extack);
	}
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
	return mvmm_nl_check_target(tb, nest, r, extack);
}

/*
 * The MVMM_A_RULE of a delete: RULE_ID and nothing else. Other attributes
 * are refused rather than ignored, so that nobody takes them for a filter
 * ("delete rule 5 if it is the IO rule for port 0xe9").
 */
static int mvmm_nl_parse_rule_id(struct nlattr *nest, struct mvmm_rule *r,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MVMM_A_RULE_MAX + 1];
	int ret, i;

	ret = mvmm_nl_rule_attrs(nest, tb, extack);
	if (ret)
		return ret;
	for (i = 1; i <= MVMM_A_RULE_MAX; i++) {
		if (i != MVMM_A_RULE_ID && tb[i]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "RULE_DEL takes only RULE_ID in RULE");
			return -EINVAL;
		}
	}
	if (!tb[MVMM_A_RULE_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing RULE_ID");
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	r->id = nla_get_u32(tb[MVMM_A_RULE_ID]);
	return 0;
}

/* One edit of a builder; returns 0 or a -errno, filling @err. */
struct mvmm_policy_edit {
	int (*apply)(struct mvmm_policy_builder *b,
		     struct mvmm_policy_edit *e, struct mvmm_policy_err *err);
	struct mvmm_rule rule;	/* add/replace: the rule, id: delete */
	u32 new_id;		/* add: the id the rule got */
	/* The request's answers: delete holds that of the rule it removes. */
	struct mvmm_answer_hold *hold;
};

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
	const struct mvmm_rule *r = mvmm_policy_find(b, e->rule.id);

	/*
	 * The whole rule, for the notification of its deletion, with its
	 * answer held: the table it leaves may be freed before that is sent.
	 */
	if (r) {
		e->rule = *r;
		if (r->target.kind == MVMM_TARGET_ANSWER)
			mvmm_answer_tgt_hold(e->hold, r->target.index);
	}
	return mvmm_policy_delete(b, e->rule.id);
}

static int mvmm_edit_flush(struct mvmm_policy_builder *b,
			   struct mvmm_policy_edit *e,
			   struct mvmm_policy_err *err)
{
	mvmm_policy_flush(b);
	return 0;
}

/* Apply @e to the table named by @vm_id (0: default), in a transaction. */
static int mvmm_nl_edit(u32 vm_id, struct mvmm_policy_edit *e,
			struct mvmm_policy_err *err)
{
	struct mvmm_policy_builder *b;
	struct mvmm_policy_txn t;
	int ret;

	mvmm_policy_txn_begin(&t);
	ret = mvmm_policy_txn_stage(&t, vm_id, &b);
	if (!ret)
		ret = e->apply(b, e, err);
	if (!ret)
		ret = mvmm_policy_txn_commit(&t, err);
	mvmm_policy_txn_end(&t);
	return ret;
}

void mvmm_nl_edit_error(struct genl_info *info, int ret,
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
	char target[MVMM_HANDLER_NAME_LEN] = "main";
	struct nlattr *nest;

	if (r->target.kind == MVMM_TARGET_HANDLER)
		mvmm_hslot_name(r->target.index, target);
	nest = nla_nest_start(skb, MVMM_A_RULE);
	if (!nest ||
	    nla_put_u32(skb, MVMM_A_RULE_ID, r->id) ||
	    nla_put_u32(skb, MVMM_A_RULE_TYPE, r->type) ||
	    nla_put_u64_64bit(skb, MVMM_A_RULE_LO, r->lo, MVMM_A_RULE_PAD) ||
	    nla_put_u64_64bit(skb, MVMM_A_RULE_HI, r->hi, MVMM_A_RULE_PAD) ||
	    nla_put_u8(skb, MVMM_A_RULE_ORIGIN, r->origin) ||
	    nla_put_u8(skb, MVMM_A_RULE_MODE, r->mode) ||
	    nla_put_u8(skb, MVMM_A_RULE_FALLBACK, r->fallback) ||
	    (r->target.kind == MVMM_TARGET_ANSWER ?
	     mvmm_answer_tgt_put(skb, r->target.index) :
	     r->target.kind == MVMM_TARGET_GROUP ?
	     nla_put_string(skb, MVMM_A_RULE_GROUP,
			    mvmm_group_name(r->target.index) ?: "?") :
	     nla_put_string(skb, MVMM_A_RULE_TARGET, target))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * mvmm_nl_rule_fill() - the attributes of a message about a table's rule
 * @skb: the message buffer
 * @d: where it goes: the reply to RULE_ADD, a GET_RULE dump, or the
 *     notification of a rule command or an apply
 * @obj: a struct mvmm_nl_rule; a NULL rule leaves MVMM_A_RULE out
 *
 * Return: 0, or -EMSGSIZE.
 */
int mvmm_nl_rule_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		      const void *obj)
{
	const struct mvmm_nl_rule *nr = obj;

	if (nr->vm_id ? nla_put_u32(skb, MVMM_A_VM_ID, nr->vm_id) :
			nla_put_flag(skb, MVMM_A_DEFAULT))
		return -EMSGSIZE;
	return nr->r ? mvmm_nl_put_rule(skb, nr->r) : 0;
}

/* Apply @e to table @vm_id; an add replies with the rule as stored. */
static int mvmm_nl_change_commit(struct genl_info *info, u32 vm_id,
				 struct mvmm_policy_edit *e)
{
	struct mvmm_policy_err err = {};
	int ret;

	ret = mvmm_nl_edit(vm_id, e, &err);
	if (ret) {
		mvmm_nl_edit_error(info, ret, &err, info->attrs[MVMM_A_RULE]);
		return ret == -ESRCH ? -ENOENT : ret;
	}
	if (e->apply == mvmm_edit_add)
		e->rule.id = e->new_id;
	/* The rule as stored (add, replace) or as it was (del). */
	mvmm_nl_rule_changed(info->genlhdr->cmd, vm_id,
			     e->apply == mvmm_edit_flush ? NULL : &e->rule);
	if (e->apply == mvmm_edit_add) {
		struct mvmm_nl_rule nr = { .vm_id = vm_id, .r = &e->rule };

		return mvmm_nl_reply(info, mvmm_nl_rule_fill, &nr);
	}
	return 0;
}

/* Add and replace: a whole rule, whose id replace needs. */
static int mvmm_nl_rule_set(struct sk_buff *skb, struct genl_info *info,
			    int (*apply)(struct mvmm_policy_builder *,
					 struct mvmm_policy_edit *,
					 struct mvmm_policy_err *),
			    bool need_id)
{
	struct mvmm_answer_hold hold = {};
	struct mvmm_policy_edit e = { .apply = apply, .hold = &hold };
	u32 vm_id;
	int ret;

	ret = mvmm_nl_table(info->attrs, info->extack, &vm_id);
	if (ret)
		return ret;
	ret = mvmm_nl_parse_rule(info->attrs[MVMM_A_RULE], need_id, &e.rule,
				 &hold, info->extack);
	if (!ret)
		ret = mvmm_nl_change_commit(info, vm_id, &e);
	/* Accepted, the new table holds the answer; refused, nothing does. */
	mvmm_answer_tgt_release(&hold);
	return ret;
}

int mvmm_nl_rule_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_set(skb, info, mvmm_edit_add, false);
}

int mvmm_nl_rule_replace_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mvmm_nl_rule_set(skb, info, mvmm_edit_replace, true);
}

int mvmm_nl_rule_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mvmm_answer_hold hold = {};
	struct mvmm_policy_edit e = { .apply = mvmm_edit_delete,
				      .hold = &hold };
	u32 vm_id;
	int ret;

	ret = mvmm_nl_table(info->attrs, info->extack, &vm_id);
	if (ret)
		return ret;
	ret = mvmm_nl_parse_rule_id(info->attrs[MVMM_A_RULE], &e.rule,
				    info->extack);
	if (!ret)
		ret = mvmm_nl_change_commit(info, vm_id, &e);
	mvmm_answer_tgt_release(&hold);
	return ret;
}

int mvmm_nl_rule_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mvmm_policy_edit e = { .apply = mvmm_edit_flush };
	u32 vm_id;
	int ret;

	ret = mvmm_nl_table(info->attrs, info->extack, &vm_id);
	if (ret)
		return ret;
	/* Refused, not ignored: the sender may think it flushes one rule. */
	if (info->attrs[MVMM_A_RULE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MVMM_A_RULE],
				    "RULE_FLUSH takes no RULE: it empties the whole table");
		return -EINVAL;
	}
	return mvmm_nl_change_commit(info, vm_id, &e);
}

/*
 * May the sender of dump @cb read table @vm_id (0: default)? In the first
 * part of the dump, which runs in the sender's context.
 */
static int mvmm_nl_may_read_table(struct netlink_callback *cb, u32 vm_id)
{
	struct mvmm_vm_viewer v;

	if (!vm_id)
		return mvmm_nl_admin(cb->skb, cb->extack);
	mvmm_nl_viewer(cb->skb, &v);
	/* Another's VM gets the answer of a missing one: ids do not leak. */
	return mvmm_vm_shown(vm_id, &v) ? 0 : -ENOENT;
}

/* A rule dump: the table and the rule found at the cursor. */
struct mvmm_nl_rule_dump {
	struct mvmm_nl_rule nr;
	struct mvmm_policy *p;
};

/* cb->args[1]: id of the last rule sent. */
static bool mvmm_nl_rule_next(struct netlink_callback *cb, void *obj)
{
	struct mvmm_nl_rule_dump *rd = obj;

	/* Resuming after the last id sent is a binary search by id. */
	rd->nr.r = rd->p ? mvmm_policy_next(&rd->p->b, cb->args[1]) : NULL;
	return rd->nr.r;
}

static int mvmm_nl_rule_dump_fill(struct sk_buff *skb,
				  const struct mvmm_nl_dest *d,
				  const void *obj)
{
	const struct mvmm_nl_rule_dump *rd = obj;

	return mvmm_nl_rule_fill(skb, d, &rd->nr);
}

static void mvmm_nl_rule_sent(struct netlink_callback *cb, const void *obj)
{
	const struct mvmm_nl_rule_dump *rd = obj;

	cb->args[1] = rd->nr.r->id;
}

static const struct mvmm_nl_dump_ops mvmm_nl_rule_dump_ops = {
	.next = mvmm_nl_rule_next,
	.fill = mvmm_nl_rule_dump_fill,
	.sent = mvmm_nl_rule_sent,
};

/*
 * cb->args[0]: table (VM id, 0 default) + 1, set by the first call;
 * cb->args[1]: id of the last rule sent.
 */
int mvmm_nl_get_rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = mvmm_genl_dump_attrs(cb);
	struct mvmm_nl_rule_dump rd;
	u32 vm_id;
	int ret;

	if (!cb->args[0]) {
		ret = mvmm_nl_table(attrs, cb->extack, &vm_id);
		if (!ret)
			ret = mvmm_nl_may_read_table(cb, vm_id);
		if (ret == -ENOENT)
			goto no_vm;
		if (ret)
			return ret;
		cb->args[0] = vm_id + 1;
	}
	rd.nr.vm_id = cb->args[0] - 1;

	rd.p = rd.nr.vm_id ? mvmm_vm_policy_ref(rd.nr.vm_id) :
			     mvmm_default_policy_get();
	if (IS_ERR(rd.p))
		goto no_vm;
	/*
	 * Rule changes and dumps both run under the genl lock: a change
	 * happens between two parts of a dump, never during one. Each part
	 * carries the generation of the tables it saw; netlink flags the
	 * first message (or the NLMSG_DONE) of a part whose generation
	 * differs from the part before: NLM_F_DUMP_INTR.
	 */
	cb->seq = mvmm_nl_rules_gen();
	ret = mvmm_nl_dump_each(skb, cb, &mvmm_nl_rule_dump_ops, &rd);
	mvmm_policy_put(rd.p);
	return ret;

no_vm:
	NL_SET_ERR_MSG_ATTR(cb->extack, attrs[MVMM_A_VM_ID],
			    "no VM with this id");
	return -ENOENT;
}

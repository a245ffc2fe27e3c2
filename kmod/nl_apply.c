// SPDX-License-Identifier: GPL-2.0
/*
 * MVMM_CMD_RULE_APPLY: many table changes (a policy file) in one request,
 * all or nothing.
 *
 * The operations (MVMM_A_OP: flush a table, or add a rule to it) are
 * applied in order, in one policy transaction (policy_txn.h), to the
 * stages of the tables they name. Only when every operation succeeded is
 * the transaction committed: every stage compiled, and only when every
 * compilation succeeded are the stages published. A
 * refusal leaves every table as it was and its extack cookie holds the
 * index of the operation, so that mvmmctl can name the line of the file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "answer_tgt.h"
#include "netlink.h"
#include "nl_notify.h"
#include "policy_txn.h"
#include "table.h"
#include "vm.h"

/* MVMM_A_OP: the top-level attribute numbers, of which a table and one op. */
const struct nla_policy mvmm_nl_op_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
	[MVMM_A_RULE] = NLA_POLICY_NESTED(mvmm_nl_rule_policy),
	[MVMM_A_FLUSH] = { .type = NLA_FLAG },
};

struct mvmm_apply {
	struct mvmm_policy_txn txn;
	u32 conflict;			/* -EEXIST: the rule in the way */
	struct mvmm_answer_hold hold;	/* the answers the ops stored */
};

/* One MVMM_A_OP, applied to its table's stage. */
static int mvmm_apply_op(struct mvmm_apply *a, struct nlattr *op,
			 struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct mvmm_policy_err err = {};
	struct mvmm_policy_builder *b;
	struct mvmm_rule r;
	u32 vm_id;
	int ret;

	ret = nla_parse_nested(tb, MVMM_A_MAX, op, mvmm_nl_op_policy, extack);
	if (ret)
		return ret;
	ret = mvmm_nl_table(tb, extack, &vm_id);
	if (ret)
		return ret;
	if (!tb[MVMM_A_FLUSH] == !tb[MVMM_A_RULE]) {
		NL_SET_ERR_MSG_ATTR(extack, op,
				    "an OP holds exactly one of FLUSH and RULE");
		return -EINVAL;
	}
	if (tb[MVMM_A_RULE]) {
		ret = mvmm_nl_parse_rule(tb[MVMM_A_RULE], false, &r, &a->hold,
					 extack);
		if (ret)
			return ret;
	}
	ret = mvmm_policy_txn_stage(&a->txn, vm_id, &b);
	if (ret == -ESRCH) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_VM_ID], "no VM with this id");
		return -ENOENT;
	}
	if (ret)
		return ret;
	if (tb[MVMM_A_FLUSH]) {
		mvmm_policy_flush(b);
		return 0;
	}
	ret = mvmm_policy_add(b, &r, &err);
	if (ret) {
		mvmm_nl_edit_error(info, ret, &err, tb[MVMM_A_RULE]);
		a->conflict = err.conflict_id;
	}
	return ret;
}

/* Which operation failed (and for EEXIST, the rule in the way). */
static void mvmm_apply_cookie(struct netlink_ext_ack *extack, u32 index,
			      int ret, u32 conflict)
{
	u32 cookie[2] = { index, conflict };

	extack->cookie_len = ret == -EEXIST ? sizeof(cookie) : sizeof(u32);
	memcpy(extack->cookie, cookie, extack->cookie_len);
}

/* RULE_APPLY takes only MVMM_A_OP: a table at the top means nothing. */
static int mvmm_apply_check_top(struct genl_info *info)
{
	int i;

	for (i = 1; i <= MVMM_A_MAX; i++) {
		if (i != MVMM_A_OP && info->attrs[i]) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[i],
					    "RULE_APPLY takes only OP attributes: each names its table");
			return -EINVAL;
		}
	}
	return 0;
}

int mvmm_nl_rule_apply_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mvmm_policy_err err = {};
	struct mvmm_apply a = {};
	struct nlattr *op;
	unsigned int i;
	u32 index = 0;
	int ret, rem;

	ret = mvmm_apply_check_top(info);
	if (ret)
		return ret;

	mvmm_policy_txn_begin(&a.txn);
	nla_for_each_attr(op, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(op) != MVMM_A_OP)
			continue;
		ret = mvmm_apply_op(&a, op, info);
		if (ret) {
			mvmm_apply_cookie(info->extack, index, ret, a.conflict);
			goto out;
		}
		index++;
		cond_resched();
	}
	ret = mvmm_policy_txn_commit(&a.txn, &err);
	if (ret) {
		if (err.msg)
			mvmm_nl_set_err(info->extack, NULL, err.msg);
		goto out;
	}
	/*
	 * Published: one notification per table, with no rule (the table
	 * was replaced as a whole: listeners dump it again), sent before
	 * the next writer may change it.
	 */
	for (i = 0; i < a.txn.nr; i++)
		mvmm_nl_rule_changed(MVMM_CMD_RULE_APPLY, a.txn.st[i].vm_id,
				     NULL);
out:
	mvmm_policy_txn_end(&a.txn);
	/* Published tables hold their answers; the rest were never used. */
	mvmm_answer_tgt_release(&a.hold);
	return ret;
}

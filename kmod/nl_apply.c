// SPDX-License-Identifier: GPL-2.0
/*
 * MVMM_CMD_RULE_APPLY: many table changes (a policy file) in one request,
 * all or nothing.
 *
 * The operations (MVMM_A_OP: flush a table, or add a rule to it) are
 * applied in order, under the policy mutex, to private copies of the
 * tables they name ("stages"). Only when every operation succeeded is
 * each stage compiled, and only when every compilation succeeded are the
 * stages published, one pointer swap each, none of which can fail. A
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
#include "table.h"
#include "vm.h"

/* MVMM_A_OP: the top-level attribute numbers, of which a table and one op. */
const struct nla_policy mvmm_nl_op_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MVMM_A_DEFAULT] = { .type = NLA_FLAG },
	[MVMM_A_RULE] = NLA_POLICY_NESTED(mvmm_nl_rule_policy),
	[MVMM_A_FLUSH] = { .type = NLA_FLAG },
};

/* A table being rebuilt: not visible to anyone until published. */
struct mvmm_stage {
	u32 vm_id;			/* 0: the default table */
	struct mvmm_policy *p;
	/*
	 * The table @p was copied from, kept until the end: it holds the
	 * answers of the copied rules until @p, activated, holds them too,
	 * even if its VM goes meanwhile.
	 */
	struct mvmm_policy *old;
};

struct mvmm_apply {
	struct mvmm_stage *st;
	unsigned int nr;
	unsigned int cap;
	unsigned int last;		/* st[last] served the previous op */
	u32 conflict;			/* -EEXIST: the rule in the way */
	struct mvmm_answer_hold hold;	/* the answers the ops stored */
};

/* A private policy holding a copy of @old's rules (@old may be NULL). */
static struct mvmm_policy *mvmm_stage_alloc(const struct mvmm_policy *old)
{
	struct mvmm_policy *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	refcount_set(&p->ref, 1);
	/* As mvmm_policy_derive() does: the id counter comes with the copy. */
	mvmm_policy_init(&p->b, 0);
	if (old && mvmm_policy_copy(&p->b, &old->b)) {
		kfree(p);
		return NULL;
	}
	return p;
}

/* The stage of table @vm_id, made on first use from the published table. */
static int mvmm_stage_get(struct mvmm_apply *a, u32 vm_id, struct nlattr **tb,
			  struct netlink_ext_ack *extack,
			  struct mvmm_stage **out)
{
	struct mvmm_policy *old, *p;
	struct mvmm_stage *st;
	unsigned int i;

	/* Files group their lines by table: try the last one first. */
	if (a->nr && a->st[a->last].vm_id == vm_id) {
		*out = &a->st[a->last];
		return 0;
	}
	for (i = 0; i < a->nr; i++) {
		if (a->st[i].vm_id == vm_id) {
			a->last = i;
			*out = &a->st[i];
			return 0;
		}
	}

	old = vm_id ? mvmm_vm_policy_ref(vm_id) : mvmm_default_policy_get();
	if (IS_ERR(old)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_VM_ID], "no VM with this id");
		return -ENOENT;
	}
	p = mvmm_stage_alloc(old);
	if (!p) {
		mvmm_policy_put(old);
		return -ENOMEM;
	}
	if (a->nr == a->cap) {
		st = krealloc_array(a->st, a->cap ? 2 * a->cap : 4, sizeof(*st),
				    GFP_KERNEL);
		if (!st) {
			mvmm_policy_put(p);
			mvmm_policy_put(old);
			return -ENOMEM;
		}
		a->st = st;
		a->cap = a->cap ? 2 * a->cap : 4;
	}
	a->last = a->nr++;
	a->st[a->last].vm_id = vm_id;
	a->st[a->last].p = p;
	a->st[a->last].old = old;
	*out = &a->st[a->last];
	return 0;
}

/* One MVMM_A_OP, applied to its table's stage. */
static int mvmm_apply_op(struct mvmm_apply *a, struct nlattr *op,
			 struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[MVMM_A_MAX + 1];
	struct mvmm_policy_err err = {};
	struct mvmm_stage *s;
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
	ret = mvmm_stage_get(a, vm_id, tb, extack, &s);
	if (ret)
		return ret;
	if (tb[MVMM_A_FLUSH]) {
		mvmm_policy_flush(&s->p->b);
		return 0;
	}
	ret = mvmm_policy_add(&s->p->b, &r, &err);
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

/* Make every stage usable; on failure the caller drops them all. */
static int mvmm_apply_compile(struct mvmm_apply *a,
			      struct netlink_ext_ack *extack)
{
	unsigned int i;
	int ret;

	for (i = 0; i < a->nr; i++) {
		struct mvmm_policy_err err = {};

		ret = mvmm_policy_activate(a->st[i].p, &err);
		if (ret) {
			if (err.msg)
				mvmm_nl_set_err(extack, NULL, err.msg);
			return ret;
		}
		cond_resched();
	}
	return 0;
}

/* Swap every stage in; each publication takes over its reference. */
static void mvmm_apply_publish(struct mvmm_apply *a)
{
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		if (a->st[i].vm_id)
			mvmm_vm_policy_set(a->st[i].vm_id, a->st[i].p);
		else
			mvmm_default_policy_set(a->st[i].p);
		a->st[i].p = NULL;
	}
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
	struct mvmm_apply a = {};
	struct nlattr *op;
	unsigned int i;
	u32 index = 0;
	int ret, rem;

	ret = mvmm_apply_check_top(info);
	if (ret)
		return ret;

	mutex_lock(&mvmm_policy_mutex);
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
	ret = mvmm_apply_compile(&a, info->extack);
	if (!ret)
		mvmm_apply_publish(&a);
out:
	mutex_unlock(&mvmm_policy_mutex);
	for (i = 0; i < a.nr; i++) {
		/*
		 * Published: one notification per table, with no rule (the
		 * table was replaced as a whole: listeners dump it again).
		 */
		if (!ret)
			mvmm_nl_rule_changed(MVMM_CMD_RULE_APPLY,
					     a.st[i].vm_id, NULL);
		mvmm_policy_put(a.st[i].p);
		mvmm_policy_put(a.st[i].old);
	}
	kfree(a.st);
	/* Published tables hold their answers; the rest were never used. */
	mvmm_answer_tgt_release(&a.hold);
	return ret;
}

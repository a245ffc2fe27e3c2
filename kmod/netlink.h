/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_NETLINK_H
#define _MVMM_NETLINK_H

#include <net/genetlink.h>
#include <linux/mvmm.h>
#include "handler.h"

extern struct genl_family mvmm_genl_family;
extern const struct nla_policy mvmm_nl_rule_policy[MVMM_A_RULE_MAX + 1];

/*
 * Where a message goes and what it answers: a doit's reply, one message
 * of a dump (NLM_F_MULTI) or a notification (portid and seq 0).
 */
struct mvmm_nl_dest {
	u32 portid;
	u32 seq;
	int flags;
	u8 cmd;
};

/*
 * Each object has one fill function, which writes the attributes of its
 * message for a doit's reply, a dump and a notification alike (@d->cmd
 * says which): 0, or -EMSGSIZE. mvmm_nl_msg() wraps them in a message.
 */
typedef int (*mvmm_nl_fill_t)(struct sk_buff *skb,
			      const struct mvmm_nl_dest *d, const void *obj);

int mvmm_nl_msg(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		mvmm_nl_fill_t fill, const void *obj);
int mvmm_nl_reply(struct genl_info *info, mvmm_nl_fill_t fill,
		  const void *obj);

/* A dump's walk over its objects, for mvmm_nl_dump_each(). */
struct mvmm_nl_dump_ops {
	/* Find the object at the dump's cursor (cb->args) into @obj. */
	bool (*next)(struct netlink_callback *cb, void *obj);
	mvmm_nl_fill_t fill;
	/* Move the cursor past @obj, which was sent. */
	void (*sent)(struct netlink_callback *cb, const void *obj);
};

int mvmm_nl_dump_each(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct mvmm_nl_dump_ops *ops, void *obj);

/* The objects, as their fill functions take them. */
struct mvmm_rule;
struct mvmm_vm_ident;

/* A table (VM id, 0: default) and one of its rules (NULL: none). */
struct mvmm_nl_rule {
	u32 vm_id;
	const struct mvmm_rule *r;
};

/*
 * A handler entry: a name's slot and who is attached under it; @li and
 * the counters only for GET_HANDLER, @pos for its dump's cursor.
 */
struct mvmm_nl_handler {
	const struct mvmm_hslot *s;
	struct mvmm_hinfo info;
	struct mvmm_hload_info li;
	unsigned long pos;
};

int mvmm_nl_vm_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		    const void *obj);
int mvmm_nl_rule_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		      const void *obj);
int mvmm_nl_handler_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
			 const void *obj);
int mvmm_nl_group_fill(struct sk_buff *skb, const struct mvmm_nl_dest *d,
		       const void *obj);

int mvmm_nl_rule_add_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_replace_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_del_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_flush_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_get_rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mvmm_nl_get_handler_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

/* Who may see and change what (netlink.c). */
struct mvmm_vm_viewer;
int mvmm_nl_admin(const struct sk_buff *skb, struct netlink_ext_ack *extack);
int mvmm_nl_dump_admin(struct netlink_callback *cb, int slot);
void mvmm_nl_viewer(const struct sk_buff *skb, struct mvmm_vm_viewer *v);

/* Make nl_rule.c's messages, before the family is registered. */
void mvmm_nl_rule_init(void);

/* nl_rule.c's checks, shared with MVMM_CMD_RULE_APPLY (nl_apply.c). */
struct mvmm_policy_err;
struct mvmm_answer_hold;
int mvmm_nl_table(struct nlattr **attrs, struct netlink_ext_ack *extack,
		  u32 *vm_id);
/* A rule's answer is stored held by @hold, which the caller releases. */
int mvmm_nl_parse_rule(struct nlattr *nest, bool need_id, struct mvmm_rule *r,
		       struct mvmm_answer_hold *hold,
		       struct netlink_ext_ack *extack);
/* NL_SET_ERR_MSG_ATTR() for a message chosen at run time (static text). */
void mvmm_nl_set_err(struct netlink_ext_ack *extack,
		     const struct nlattr *attr, const char *msg);
void mvmm_nl_edit_error(struct genl_info *info, int ret,
			const struct mvmm_policy_err *err,
			struct nlattr *rule_attr);

extern const struct nla_policy mvmm_nl_op_policy[MVMM_A_MAX + 1];
int mvmm_nl_rule_apply_doit(struct sk_buff *skb, struct genl_info *info);

/* Groups of handlers (nl_group.c). */
extern const struct nla_policy mvmm_nl_group_policy[MVMM_A_GROUP_MAX + 1];
int mvmm_nl_group_add_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_group_del_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_get_group_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_get_group_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

int mvmm_netlink_init(void);
void mvmm_netlink_exit(void);

#endif /* _MVMM_NETLINK_H */

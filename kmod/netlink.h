/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_NETLINK_H
#define _MVMM_NETLINK_H

#include <net/genetlink.h>
#include <linux/mvmm.h>

extern struct genl_family mvmm_genl_family;
extern const struct nla_policy mvmm_nl_rule_policy[MVMM_A_RULE_MAX + 1];

int mvmm_nl_rule_add_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_replace_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_del_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_rule_flush_doit(struct sk_buff *skb, struct genl_info *info);
int mvmm_nl_get_rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mvmm_nl_get_handler_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

int mvmm_netlink_init(void);
void mvmm_netlink_exit(void);

#endif /* _MVMM_NETLINK_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_NL_NOTIFY_H
#define _MVMM_NL_NOTIFY_H

#include <linux/types.h>
#include <net/genetlink.h>

struct mvmm_hinfo;
struct mvmm_hslot;
struct mvmm_rule;
struct mvmm_vm;

/* The multicast groups of the family, in mvmm_genl_family.mcgrps order. */
enum mvmm_nl_group {
	MVMM_NL_GRP_EVENTS,
};

extern const struct genl_multicast_group mvmm_nl_mcgrps[1];

/* Does anyone listen to the events group (is a notification worth it)? */
bool mvmm_nl_listening(void);

/*
 * Once the family is registered: subscribe to the objects' events
 * (obj_events.h) and send them as notifications.
 */
void mvmm_nl_notify_start(void);
/* Before the family goes: unsubscribe; nothing is sent or queued any more. */
void mvmm_nl_notify_stop(void);

/*
 * A rule command changed table @vm_id (0: default): bump the generation
 * that dumps check, and tell the listeners. @cmd is the MVMM_CMD_RULE_*
 * command; @r the rule as stored (add, replace), as it was (del), or NULL
 * (flush). Process context, under the genl lock (every doit); RULE_APPLY
 * also under mvmm_policy_mutex, within its transaction.
 */
void mvmm_nl_rule_changed(u8 cmd, u32 vm_id, const struct mvmm_rule *r);

/* The generation of the policy tables, for cb->seq of rule dumps. */
u32 mvmm_nl_rules_gen(void);

#endif /* _MVMM_NL_NOTIFY_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "mvmm" generic netlink family, the only way mvmmctl's commands
 * reach the module: each call builds the request from the data model
 * (containers.h), sends it on a socket of its own (nl.c), and decodes the
 * replies back into the data model. Unless said otherwise a call returns
 * MVMM_EXIT_OK, or MVMM_EXIT_FAIL after printing "Error: ..." (the
 * kernel's extended ACK message, or why it could not be asked).
 */
#ifndef MVMMCTL_IPC_H
#define MVMMCTL_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "containers.h"
#include "parse.h"

struct mvmm_policy_file;

/*
 * The VMs @sel names, with their event counters if @stats: a doit for
 * one id, else a dump, filtered here by pid.
 */
int mvmm_ipc_get_vms(const struct mvmm_vm_sel *sel, bool stats,
		     struct mvmm_vms *out);
void mvmm_vms_free(struct mvmm_vms *vms);

/* Policy tables: @vm_id names a VM's table, 0 the default table. */
int mvmm_ipc_get_rules(uint32_t vm_id, struct mvmm_rules *out);
/* Add @r; @stored is the rule as the module stored it, id included. */
int mvmm_ipc_add_rule(uint32_t vm_id, const struct mvmm_rule_spec *r,
		      struct mvmm_rule_spec *stored);
int mvmm_ipc_replace_rule(uint32_t vm_id, const struct mvmm_rule_spec *r);
int mvmm_ipc_del_rule(uint32_t vm_id, uint32_t id);
int mvmm_ipc_flush_rules(uint32_t vm_id);
void mvmm_rules_free(struct mvmm_rules *rules);

/*
 * Apply @pf, whose line i names the table @vm_ids[i], in one request.
 * Errors name @name and the line the kernel's refusal points at.
 */
int mvmm_ipc_apply(const char *name, const struct mvmm_policy_file *pf,
		   const uint32_t *vm_ids);

int mvmm_ipc_get_handlers(struct mvmm_handlers *out);
void mvmm_handlers_free(struct mvmm_handlers *handlers);

/* Every group, or the one named @name (NULL: all). */
int mvmm_ipc_get_groups(const char *name, struct mvmm_groups *out);
/* Create @g, or (@replace) give an existing group @g's policy and members. */
int mvmm_ipc_set_group(const struct mvmm_group_info *g, bool replace);
int mvmm_ipc_del_group(const char *name);
void mvmm_groups_free(struct mvmm_groups *groups);

/*
 * Join the "events" group and call @fn for each notification until the
 * socket fails (never returns MVMM_EXIT_OK).
 */
typedef void (*mvmm_notification_fn)(const struct mvmm_notification *n,
				     void *arg);
int mvmm_ipc_monitor(mvmm_notification_fn fn, void *arg);

#endif /* MVMMCTL_IPC_H */

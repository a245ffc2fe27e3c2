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

/*
 * The VMs @sel names, with their event counters if @stats: a doit for
 * one id, else a dump, filtered here by pid.
 */
int mvmm_ipc_get_vms(const struct mvmm_vm_sel *sel, bool stats,
		     struct mvmm_vms *out);
void mvmm_vms_free(struct mvmm_vms *vms);

int mvmm_ipc_get_handlers(struct mvmm_handlers *out);
void mvmm_handlers_free(struct mvmm_handlers *handlers);

/* Every group, or the one named @name (NULL: all). */
int mvmm_ipc_get_groups(const char *name, struct mvmm_groups *out);
/* Create @g, or (@replace) give an existing group @g's policy and members. */
int mvmm_ipc_set_group(const struct mvmm_group_info *g, bool replace);
int mvmm_ipc_del_group(const char *name);
void mvmm_groups_free(struct mvmm_groups *groups);

#endif /* MVMMCTL_IPC_H */

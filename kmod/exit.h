/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_EXIT_H
#define _MVMM_EXIT_H

#include <linux/rcupdate.h>

int mvmm_exit_hooks_init(void);
void mvmm_exit_hooks_exit(void);

/* Wait until no vCPU is inside mvmm's exit path. */
void mvmm_exit_sync(void);

/* Run @fn once no vCPU can be in the exit path it was reachable from. */
void mvmm_exit_call_srcu(struct rcu_head *head, rcu_callback_t fn);
/* Wait for every mvmm_exit_call_srcu() callback. */
void mvmm_exit_barrier(void);

#endif /* _MVMM_EXIT_H */

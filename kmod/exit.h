/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_EXIT_H
#define _MVMM_EXIT_H

#include <linux/rcupdate.h>
#include <linux/srcu.h>

/* Held by every vCPU while it runs module code on the exit path. */
extern struct srcu_struct mvmm_exit_srcu;

static inline int mvmm_exit_read_lock(void)
{
	return srcu_read_lock(&mvmm_exit_srcu);
}

static inline void mvmm_exit_read_unlock(int idx)
{
	srcu_read_unlock(&mvmm_exit_srcu, idx);
}

#define mvmm_exit_dereference(p) srcu_dereference(p, &mvmm_exit_srcu)

struct mvmm_vcpu;

/*
 * The event of @vc's last exit (its vCPU's own thread only): made from
 * what the vendor said at the exit, on first use.
 */
const struct mvmm_event *mvmm_exit_event(struct mvmm_vcpu *vc);

/* Hook vcpu_run (every exit classified and counted) and handle_exit. */
int mvmm_exit_hooks_init(void);
/* Unhook, once the hook points are gone, and wait for mvmm's code to idle. */
void mvmm_exit_hooks_exit(void);

/* Wait until no task can be in mvmm's exit path code, or return into it. */
void mvmm_exit_quiesce(void);

/* Wait until no vCPU is inside mvmm's exit path. */
void mvmm_exit_sync(void);

/* Run @fn once no vCPU can be in the exit path it was reachable from. */
void mvmm_exit_call_srcu(struct rcu_head *head, rcu_callback_t fn);
/* Wait for every mvmm_exit_call_srcu() callback. */
void mvmm_exit_barrier(void);

#endif /* _MVMM_EXIT_H */

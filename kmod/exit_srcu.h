/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit SRCU: the read section every vCPU holds while it runs module
 * code on the exit path that may sleep, and the waits for it. Objects
 * reachable from the exit path (tables, groups, handlers, answers) are
 * freed after it.
 *
 * The part of the exit path that never sleeps (the vCPU's look-up, the
 * rule's, a fixed answer: complete.c) reads the tables with preemption
 * off instead, which costs nothing to enter, and takes the SRCU before
 * preemption comes back on to go on to a handler. So a table, and the
 * answers it holds, is freed after an RCU grace period and then an SRCU
 * one (table.c), and the waits below wait for both, in that order.
 */
#ifndef _MVMM_EXIT_SRCU_H
#define _MVMM_EXIT_SRCU_H

#include <linux/rcupdate.h>
#include <linux/srcu.h>

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

/* A VM's table: in the exit SRCU, or with preemption off (see above). */
#define mvmm_exit_dereference_table(p)					\
	srcu_dereference_check(p, &mvmm_exit_srcu, rcu_read_lock_sched_held())

/* Wait until no vCPU is inside mvmm's exit path. */
void mvmm_exit_sync(void);

/* Run @fn once no vCPU can be in the exit path it was reachable from. */
void mvmm_exit_call_srcu(struct rcu_head *head, rcu_callback_t fn);
/*
 * Wait for the tables put (table.h) and the mvmm_exit_call_srcu()
 * callbacks queued before the call.
 */
void mvmm_exit_barrier(void);

/*
 * Once nothing calls into mvmm's exit path any more: wait until no task
 * can be in its code, or return into it.
 */
void mvmm_exit_quiesce(void);

#endif /* _MVMM_EXIT_SRCU_H */

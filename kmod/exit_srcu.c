// SPDX-License-Identifier: GPL-2.0
/*
 * The exit SRCU (exit_srcu.h). It lives apart from the exit path that
 * holds it so that the objects it protects, below the data path, need
 * not call up into exit.c to wait for it.
 */
#include "exit_srcu.h"

DEFINE_SRCU(mvmm_exit_srcu);

void mvmm_exit_sync(void)
{
	/* Those with preemption off have left, or hold the SRCU. */
	synchronize_rcu();
	synchronize_srcu(&mvmm_exit_srcu);
}

void mvmm_exit_call_srcu(struct rcu_head *head, rcu_callback_t fn)
{
	call_srcu(&mvmm_exit_srcu, head, fn);
}

void mvmm_exit_barrier(void)
{
	/* A table's RCU callback queues its SRCU one (table.c). */
	rcu_barrier();
	srcu_barrier(&mvmm_exit_srcu);
}

void mvmm_exit_quiesce(void)
{
	/*
	 * No call reaches mvmm's code any more; wait until no task can be
	 * in it. A task that entered a wrapper, replacement or direct hook
	 * but has not reached srcu_read_lock() yet was preempted there, or
	 * runs with preemption off, never sleeping: once every task passed
	 * a voluntary context switch it has, and the SRCU grace period then
	 * waits for it to leave the read section. One left (or done with
	 * preemption off), it may still be preempted on its way out of
	 * mvmm's code: the last RCU-tasks wait covers that.
	 */
	synchronize_rcu_tasks();
	mvmm_exit_sync();
	synchronize_rcu_tasks();
}

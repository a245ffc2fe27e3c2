/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API for secondary VMMs in other kernel modules.
 *
 * A secondary registers a named handler; rules (mvmmctl rule add ...
 * handler NAME) route events to it. Its ->handle() runs on the vCPU's
 * thread, preemptible, with KVM's SRCU read lock held: it may sleep
 * briefly but must not block indefinitely. It fills in @ans (see the table
 * in uapi/linux/mvmm.h); mvmm checks the answer and applies it, or applies
 * the rule's fallback when the answer is invalid or ->handle() fails.
 *
 * mvmm_handler_unregister() returns once no vCPU is inside ->handle()
 * any more (it waits for this handler's calls only); from then on the
 * handler's rules resolve to their fallback until a handler of the same
 * name registers again. Called from inside ->handle(), it cannot wait for
 * the call it runs in: it returns at once, calls in progress (and one a
 * vCPU was just starting) may still run ->handle(), and mvmm holds a
 * reference on ops->owner until they have returned, so that the module
 * cannot be unloaded under them. It must not race with the module's own
 * exit, which would not know what to wait for.
 */
#ifndef _MVMM_SECONDARY_H
#define _MVMM_SECONDARY_H

#include <linux/types.h>
#include <linux/mvmm.h>

#define MVMM_HANDLER_NAME_LEN	32

struct mvmm_handler;

struct mvmm_handler_ops {
	/* 0: @ans holds the answer; negative: apply the rule's fallback. */
	int (*handle)(struct mvmm_handler *h, const struct mvmm_request *req,
		      struct mvmm_answer *ans);
	/*
	 * Optional: the VM that mvmm calls @vm_id (struct mvmm_request
	 * .vm_id) is being destroyed, so that the handler can free what it
	 * keeps for it. No ->handle() call for that VM runs then or later,
	 * and the id is not given to another VM. Called once per VM that
	 * mvmm knew, for every handler registered at that moment, whether
	 * or not it ever got an event of the VM; not for the VMs still
	 * there when mvmm is unloaded. Runs in atomic context: it must not
	 * sleep, nor unregister the handler.
	 */
	void (*vm_gone)(struct mvmm_handler *h, u32 vm_id);
	/*
	 * THIS_MODULE: kept loaded while calls of a handler that
	 * unregistered itself from inside ->handle() are still running.
	 */
	struct module *owner;
};

/*
 * @name: 1 to MVMM_HANDLER_NAME_LEN - 1 characters of [a-zA-Z0-9_.-].
 * Returns the handler or an ERR_PTR: -EINVAL (bad name), -EBUSY (a
 * handler of that name is registered), -ENOSPC (too many names),
 * -ENOMEM.
 */
struct mvmm_handler *mvmm_handler_register(const char *name,
					   const struct mvmm_handler_ops *ops,
					   void *priv);
void mvmm_handler_unregister(struct mvmm_handler *h);
void *mvmm_handler_priv(const struct mvmm_handler *h);

#endif /* _MVMM_SECONDARY_H */

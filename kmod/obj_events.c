// SPDX-License-Identifier: GPL-2.0
/*
 * The objects' events (obj_events.h): two notifier chains, one per
 * calling context.
 */
#include "obj_events.h"

/* Raised in any context: RCU-protected, callbacks may not sleep. */
static ATOMIC_NOTIFIER_HEAD(mvmm_obj_vm_chain);
/* Raised in process context: callbacks may sleep. */
static BLOCKING_NOTIFIER_HEAD(mvmm_obj_handler_chain);

void mvmm_obj_subscribe(struct mvmm_obj_subscriber *s)
{
	atomic_notifier_chain_register(&mvmm_obj_vm_chain, &s->vm);
	blocking_notifier_chain_register(&mvmm_obj_handler_chain, &s->handler);
}

void mvmm_obj_unsubscribe(struct mvmm_obj_subscriber *s)
{
	blocking_notifier_chain_unregister(&mvmm_obj_handler_chain,
					   &s->handler);
	/* Waits for RCU: no VM callback of @s runs after this. */
	atomic_notifier_chain_unregister(&mvmm_obj_vm_chain, &s->vm);
}

void mvmm_obj_vm_event(enum mvmm_obj_event ev, const struct mvmm_vm *vm)
{
	atomic_notifier_call_chain(&mvmm_obj_vm_chain, ev, (void *)vm);
}

void mvmm_obj_handler_event(enum mvmm_obj_event ev,
			    const struct mvmm_hslot *slot,
			    const struct mvmm_hinfo *info)
{
	struct mvmm_obj_handler h = { .slot = slot, .info = info };

	blocking_notifier_call_chain(&mvmm_obj_handler_chain, ev, &h);
}

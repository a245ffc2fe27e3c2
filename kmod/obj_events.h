/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the objects tell whoever listens: a VM first seen or gone, a
 * handler attached or detached. The objects raise these events and know
 * nothing of their subscribers; the netlink family's notifications
 * (nl_notify.c) subscribe while the family is registered.
 */
#ifndef _MVMM_OBJ_EVENTS_H
#define _MVMM_OBJ_EVENTS_H

#include <linux/notifier.h>

struct mvmm_hinfo;
struct mvmm_hslot;
struct mvmm_vm;

enum mvmm_obj_event {
	MVMM_OBJ_VM_NEW,		/* data: struct mvmm_vm */
	MVMM_OBJ_VM_DEL,		/* data: struct mvmm_vm */
	MVMM_OBJ_HANDLER_ATTACH,	/* data: struct mvmm_obj_handler */
	MVMM_OBJ_HANDLER_DETACH,	/* data: struct mvmm_obj_handler */
};

/* A handler event: its slot, and what a dump would show of it. */
struct mvmm_obj_handler {
	const struct mvmm_hslot *slot;
	const struct mvmm_hinfo *info;
};

/*
 * A subscriber: @vm is called in any context (a VM is first seen on the
 * exit path, interrupts off), so it must not sleep; @handler in process
 * context, where it may. Each gets the event as its action.
 */
struct mvmm_obj_subscriber {
	struct notifier_block vm;
	struct notifier_block handler;
};

void mvmm_obj_subscribe(struct mvmm_obj_subscriber *s);
/* On return no callback of @s runs any more. Process context. */
void mvmm_obj_unsubscribe(struct mvmm_obj_subscriber *s);

/* VM @vm was first seen (MVMM_OBJ_VM_NEW) or is gone. Any context. */
void mvmm_obj_vm_event(enum mvmm_obj_event ev, const struct mvmm_vm *vm);
/* Handler @slot was attached or detached. Process context. */
void mvmm_obj_handler_event(enum mvmm_obj_event ev,
			    const struct mvmm_hslot *slot,
			    const struct mvmm_hinfo *info);

#endif /* _MVMM_OBJ_EVENTS_H */

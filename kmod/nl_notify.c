// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications of the mvmm family: the "events" multicast group, which
 * "mvmmctl monitor" joins (messages documented in uapi/linux/mvmm.h).
 *
 * Rule changes are announced by the command that made them, right after
 * the change. VM and handler events come from the objects, which know
 * nothing of netlink: this file subscribes to them (obj_events.h) while
 * the family is registered. Handlers are announced by the process that
 * attached or detached them. VMs come and go on KVM's own paths (a VM's first
 * exit, maybe with interrupts off; the VM teardown watch), where nothing
 * may sleep and no exit should wait for netlink: their notifications are
 * queued and a work item sends them. Every sender holds
 * mvmm_ntf_send_mutex and drains the queue first, so listeners get
 * changes in order: a VM's VM_NEW before the rules added to its table.
 *
 * While nobody listens nothing is allocated or built: the cost is a flag
 * and genl_has_listeners().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include "handler.h"
#include "netlink.h"
#include "nl_notify.h"
#include "obj_events.h"
#include "vm.h"

/* VM notifications waiting for the work item, at most this many. */
#define MVMM_NTF_QUEUE_MAX	1024

/*
 * The notifications name every VM with its pid and command name, and
 * the processes attached to handlers: joining needs CAP_NET_ADMIN, as
 * reading those does (mvmm_nl_admin()); the genl core checks it, at
 * bind() or NETLINK_ADD_MEMBERSHIP, with EPERM.
 */
const struct genl_multicast_group mvmm_nl_mcgrps[1] = {
	[MVMM_NL_GRP_EVENTS] = { .name = MVMM_GENL_MCGRP_EVENTS,
				 .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct mvmm_ntf_vm {
	struct list_head node;
	u8 cmd;
	struct mvmm_vm_ident who;
};

/* Protects the queue, its length, mvmm_ntf_lost and mvmm_ntf_on. */
static DEFINE_SPINLOCK(mvmm_ntf_lock);
static LIST_HEAD(mvmm_ntf_queue);
static unsigned int mvmm_ntf_len;
static bool mvmm_ntf_lost;	/* a VM notification could not be queued */
static bool mvmm_ntf_on;	/* the family is registered */

/* Serializes senders, so that notifications keep the order of changes. */
static DEFINE_MUTEX(mvmm_ntf_send_mutex);

/* Never 0: nl_dump_check_consistent() takes a zero cb->prev_seq as unset. */
static atomic_t mvmm_rules_gen = ATOMIC_INIT(1);

static void mvmm_ntf_work_fn(struct work_struct *work);
static DECLARE_WORK(mvmm_ntf_work, mvmm_ntf_work_fn);

bool mvmm_nl_listening(void)
{
	return READ_ONCE(mvmm_ntf_on) &&
	       genl_has_listeners(&mvmm_genl_family, &init_net,
				  MVMM_NL_GRP_EVENTS) > 0;
}

/* Listeners learn that they missed something (ENOBUFS on receive). */
static void mvmm_ntf_report_loss(void)
{
	genl_set_err(&mvmm_genl_family, &init_net, 0, MVMM_NL_GRP_EVENTS,
		     -ENOBUFS);
}

/* Send the message @fill makes of @obj, or report its loss. */
static void mvmm_ntf_send(u8 cmd, mvmm_nl_fill_t fill, const void *obj)
{
	struct mvmm_nl_dest d = { .cmd = cmd };
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb || mvmm_nl_msg(skb, &d, fill, obj)) {
		nlmsg_free(skb);
		mvmm_ntf_report_loss();
		return;
	}
	/* -ESRCH: the last listener left meanwhile. */
	genlmsg_multicast(&mvmm_genl_family, skb, 0, MVMM_NL_GRP_EVENTS,
			  GFP_KERNEL);
}

/* Send every queued VM notification, oldest first. */
static void mvmm_ntf_drain(void)
{
	struct mvmm_ntf_vm *v;
	unsigned long flags;
	bool lost;

	lockdep_assert_held(&mvmm_ntf_send_mutex);
	for (;;) {
		spin_lock_irqsave(&mvmm_ntf_lock, flags);
		v = list_first_entry_or_null(&mvmm_ntf_queue,
					     struct mvmm_ntf_vm, node);
		if (v) {
			list_del(&v->node);
			mvmm_ntf_len--;
		}
		lost = mvmm_ntf_lost;
		mvmm_ntf_lost = false;
		spin_unlock_irqrestore(&mvmm_ntf_lock, flags);
		if (lost)
			mvmm_ntf_report_loss();
		if (!v)
			break;
		mvmm_ntf_send(v->cmd, mvmm_nl_vm_fill, &v->who);
		kfree(v);
	}
}

static void mvmm_ntf_work_fn(struct work_struct *work)
{
	mutex_lock(&mvmm_ntf_send_mutex);
	mvmm_ntf_drain();
	mutex_unlock(&mvmm_ntf_send_mutex);
}

/*
 * VM @vm was first seen or destroyed (MVMM_CMD_VM_NEW/DEL). Any context,
 * interrupts off included: the message is queued and sent from a
 * workqueue.
 */
static void mvmm_nl_notify_vm(u8 cmd, const struct mvmm_vm *vm)
{
	struct mvmm_ntf_vm *v;
	unsigned long flags;
	bool queued = false;

	if (!mvmm_nl_listening())
		return;
	v = kmalloc(sizeof(*v), GFP_ATOMIC);
	if (v) {
		v->cmd = cmd;
		v->who.id = vm->id;
		v->who.pid = vm->pid;
		memcpy(v->who.comm, vm->comm, sizeof(v->who.comm));
	}

	spin_lock_irqsave(&mvmm_ntf_lock, flags);
	if (mvmm_ntf_on) {
		if (v && mvmm_ntf_len < MVMM_NTF_QUEUE_MAX) {
			list_add_tail(&v->node, &mvmm_ntf_queue);
			mvmm_ntf_len++;
			queued = true;
		} else {
			mvmm_ntf_lost = true;
		}
		/* Sends the notification, or reports the loss. */
		schedule_work(&mvmm_ntf_work);
	}
	spin_unlock_irqrestore(&mvmm_ntf_lock, flags);
	if (!queued)
		kfree(v);
}

/* Send a notification after those queued, in order with the others. */
static void mvmm_ntf_send_next(u8 cmd, mvmm_nl_fill_t fill, const void *obj)
{
	mutex_lock(&mvmm_ntf_send_mutex);
	mvmm_ntf_drain();
	mvmm_ntf_send(cmd, fill, obj);
	mutex_unlock(&mvmm_ntf_send_mutex);
}

void mvmm_nl_rule_changed(u8 cmd, u32 vm_id, const struct mvmm_rule *r)
{
	struct mvmm_nl_rule nr = { .vm_id = vm_id, .r = r };

	if (unlikely(!atomic_inc_return(&mvmm_rules_gen)))
		atomic_inc(&mvmm_rules_gen);
	if (mvmm_nl_listening())
		mvmm_ntf_send_next(cmd, mvmm_nl_rule_fill, &nr);
}

u32 mvmm_nl_rules_gen(void)
{
	return atomic_read(&mvmm_rules_gen);
}

/*
 * Handler @s was attached or detached (MVMM_CMD_HANDLER_ATTACH/DETACH);
 * @info tells who (kernel or userspace). Process context.
 */
static void mvmm_nl_notify_handler(u8 cmd, const struct mvmm_hslot *s,
				   const struct mvmm_hinfo *info)
{
	struct mvmm_nl_handler h = {
		.s = s,
		.info = *info,
	};

	if (mvmm_nl_listening())
		mvmm_ntf_send_next(cmd, mvmm_nl_handler_fill, &h);
}

static int mvmm_ntf_vm_event(struct notifier_block *nb, unsigned long ev,
			     void *data)
{
	mvmm_nl_notify_vm(ev == MVMM_OBJ_VM_NEW ? MVMM_CMD_VM_NEW :
			  MVMM_CMD_VM_DEL, data);
	return NOTIFY_OK;
}

static int mvmm_ntf_handler_event(struct notifier_block *nb,
				  unsigned long ev, void *data)
{
	const struct mvmm_obj_handler *h = data;

	mvmm_nl_notify_handler(ev == MVMM_OBJ_HANDLER_ATTACH ?
			       MVMM_CMD_HANDLER_ATTACH :
			       MVMM_CMD_HANDLER_DETACH, h->slot, h->info);
	return NOTIFY_OK;
}

static struct mvmm_obj_subscriber mvmm_ntf_sub = {
	.vm.notifier_call = mvmm_ntf_vm_event,
	.handler.notifier_call = mvmm_ntf_handler_event,
};

void mvmm_nl_notify_start(void)
{
	unsigned long flags;

	spin_lock_irqsave(&mvmm_ntf_lock, flags);
	mvmm_ntf_on = true;
	spin_unlock_irqrestore(&mvmm_ntf_lock, flags);
	mvmm_obj_subscribe(&mvmm_ntf_sub);
}

void mvmm_nl_notify_stop(void)
{
	struct mvmm_ntf_vm *v, *tmp;
	unsigned long flags;
	LIST_HEAD(gone);

	mvmm_obj_unsubscribe(&mvmm_ntf_sub);
	spin_lock_irqsave(&mvmm_ntf_lock, flags);
	mvmm_ntf_on = false;
	list_splice_init(&mvmm_ntf_queue, &gone);
	mvmm_ntf_len = 0;
	mvmm_ntf_lost = false;
	spin_unlock_irqrestore(&mvmm_ntf_lock, flags);
	/* Nothing queues the work any more; our text outlives it. */
	cancel_work_sync(&mvmm_ntf_work);
	list_for_each_entry_safe(v, tmp, &gone, node)
		kfree(v);
}

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
 * A handler that never sleeps says so (ops->atomic), and is then called
 * with preemption off, at the exit for a fraction of the cost.
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

struct mvmm_handler;

/**
 * struct mvmm_handler_ops - what a kernel secondary does
 * @handle: answer one event: fill in @ans (see the table in
 *	uapi/linux/mvmm.h) and return 0, or return a negative errno to have
 *	the rule's fallback applied. Runs on the vCPU's thread, preemptible,
 *	with KVM's SRCU read lock held: it may sleep briefly, not block
 *	indefinitely. With @atomic, with preemption disabled: the functions
 *	below that may sleep are not for it.
 * @vm_gone: optional: the VM that mvmm calls @vm_id (struct mvmm_request
 *	.vm_id) is being destroyed, so that the handler can free what it keeps
 *	for it. No @handle call for that VM runs then or later, and the id is
 *	not given to another VM. Called once per VM that mvmm knew, for every
 *	handler registered at that moment, whether or not it ever got an event
 *	of the VM; not for the VMs still there when mvmm is unloaded. Atomic
 *	context: it must not sleep, nor unregister the handler.
 * @owner: THIS_MODULE: kept loaded while calls of a handler that
 *	unregistered itself from inside @handle are still running.
 * @atomic: @handle never sleeps (no mutex, no guest memory access, no
 *	allocation that may wait), so it cannot unregister the handler. mvmm
 *	then calls it with preemption disabled; for the events a rule naming
 *	this handler (not a group) routes at the exit, in the exit's own
 *	critical section, without the exit SRCU, the per-call reference and
 *	the timing that a handler that may sleep needs. Those calls are not
 *	timed: the handler's load (in-flight calls, service times) is that
 *	of its other calls only (as a group member, on KVM's buses).
 *	mvmm_handler_unregister() waits for them with an RCU grace period.
 */
struct mvmm_handler_ops {
	int (*handle)(struct mvmm_handler *h, const struct mvmm_request *req,
		      struct mvmm_answer *ans);
	void (*vm_gone)(struct mvmm_handler *h, u32 vm_id);
	struct module *owner;
	bool atomic;
};

/**
 * mvmm_handler_register() - register a kernel secondary under a name
 * @name: 1 to %MVMM_HANDLER_NAME_LEN - 1 characters of [a-zA-Z0-9_.-],
 *	not "main"
 * @ops: its operations; @ops->handle is required
 * @priv: anything, returned by mvmm_handler_priv()
 *
 * From now on, rules that name @name route events to @ops->handle. The
 * handler serves every VM, before userspace secondaries attached under the
 * same name (each bound to its own VM).
 *
 * Context: process context; may sleep.
 * Return: the handler, or an ERR_PTR: -EINVAL (bad name or @ops), -EBUSY
 * (a kernel handler of that name is registered), -ENOSPC (every name is
 * in use by a handler, a rule or a group), -ENOMEM.
 */
struct mvmm_handler *mvmm_handler_register(const char *name,
					   const struct mvmm_handler_ops *ops,
					   void *priv);

/**
 * mvmm_handler_unregister() - unregister a kernel secondary
 * @h: what mvmm_handler_register() returned
 *
 * Returns once no vCPU is inside @h's ->handle() any more, waiting for
 * this handler's calls only; vCPUs waiting for it meanwhile take their
 * rule's fallback. Called from inside ->handle(), it returns at once:
 * calls in progress finish later, with a reference held on ops->owner.
 *
 * Context: process context; may sleep.
 */
void mvmm_handler_unregister(struct mvmm_handler *h);

/**
 * mvmm_handler_priv() - the @priv a handler was registered with
 * @h: the handler, as passed to its ->handle() or ->vm_gone()
 *
 * Return: @priv of mvmm_handler_register().
 */
void *mvmm_handler_priv(const struct mvmm_handler *h);

/**
 * mvmm_irq_line() - set a GSI line of a VM, through KVM's in-kernel irqchip
 * @vm_id: the VM, as mvmm names it (struct mvmm_request .vm_id)
 * @gsi: the GSI, as KVM routes it (by default the IOAPIC's pins 0-23
 *	and the PIC's 0-15)
 * @level: 1 to raise the line, 0 to lower it
 *
 * What the VMM's KVM_IRQ_LINE does, with routing, level semantics and
 * EOI as for KVM's own devices: a level-triggered IOAPIC entry fires
 * again after each EOI while the line stays high; an edge-triggered one
 * fires once per raise (raise, then lower). The kernel secondaries of a
 * VM share one KVM IRQ source of their own, taken at the first raise:
 * a line they hold high is ORed with the VMM's, which cannot lower it,
 * and lowering it lowers it for all of them. Lower what you raised
 * before unregistering: the source is given back (its lines lowered)
 * only when mvmm is unloaded or the VM destroyed.
 *
 * Context: process context (->handle() included, unless ops->atomic); may
 * sleep. Not from ->vm_gone().
 * With the split irqchip (IOAPIC and PIC in the VMM), a raise sends the
 * MSI the VMM's IOAPIC keeps in KVM's route of @gsi (an edge; no level,
 * lowering does nothing); see MVMM_IOC_IRQ_LINE.
 *
 * Return: 0; -ENOTCONN (no such VM, or it is being destroyed), -ENXIO
 * (the VM has no in-kernel irqchip), -EINVAL
 * (@level not 0 or 1, no route for @gsi), -EBUSY (the VM has no IRQ
 * source id left).
 */
int mvmm_irq_line(u32 vm_id, u32 gsi, int level);

/**
 * mvmm_msi() - send an MSI into a VM, as KVM_SIGNAL_MSI does
 * @vm_id: the VM, as mvmm names it (struct mvmm_request .vm_id)
 * @msi: the message; see MVMM_IOC_MSI in uapi/linux/mvmm.h for its
 *	fields (@msi->status is not written)
 *
 * Needs an in-kernel LAPIC: the full in-kernel irqchip or the split one.
 * A message that reaches no vCPU, or is coalesced, is not an error.
 *
 * Context: process context (->handle() included, unless ops->atomic); may
 * sleep. Not from ->vm_gone().
 * Return: 0; -ENOTCONN (no such VM, or it is being destroyed), -ENXIO (no
 * in-kernel LAPIC), -EINVAL (flags, reserved, an address outside
 * 0xfee00000-0xfeefffff, or a message KVM refuses).
 */
int mvmm_msi(u32 vm_id, const struct mvmm_msi *msi);

/**
 * mvmm_guest_read() - read guest-physical memory of a VM
 * @vm_id: the VM, as mvmm names it (struct mvmm_request .vm_id)
 * @gpa: the first guest-physical address
 * @buf: where to copy the bytes, in the kernel
 * @len: 1 to %MVMM_MEM_MAX bytes
 *
 * The range may cross pages and memslots, but all of it must be in
 * memslots the VMM created (address space 0). The memory is reached in
 * the VMM's address space, whatever the caller's is (a kworker has
 * none): see MVMM_IOC_MEM_READ in uapi/linux/mvmm.h.
 *
 * Context: process context (->handle() included, unless ops->atomic, or a
 * work item: a device completing a transfer later); may sleep. Not from
 * ->vm_gone().
 * Return: 0; -ENOTCONN (no such VM, it is being destroyed, or the VMM's
 * address space is gone), -EINVAL (@len), -ENOENT (part of the range in
 * no memslot), -EIO (a page the VMM does not map, or maps as IO or
 * PFNs), -EACCES (a guest_memfd memslot), -ENOMEM. On an error @buf is
 * left as it was: every page is reached before a byte is copied.
 */
int mvmm_guest_read(u32 vm_id, u64 gpa, void *buf, size_t len);

/**
 * mvmm_guest_write() - write guest-physical memory of a VM
 * @vm_id: the VM, as mvmm names it (struct mvmm_request .vm_id)
 * @gpa: the first guest-physical address
 * @buf: the bytes to copy, in the kernel
 * @len: 1 to %MVMM_MEM_MAX bytes
 *
 * As mvmm_guest_read(); every page is checked before any byte is
 * written, so that an error leaves the guest's memory unchanged. The
 * pages written are marked dirty for KVM_GET_DIRTY_LOG (in slots with
 * KVM_MEM_LOG_DIRTY_PAGES). A VM with a dirty ring
 * (KVM_CAP_DIRTY_LOG_RING) can be written only from its own vCPU's
 * thread, in ->handle(), whose ring takes the entries: elsewhere
 * -EOPNOTSUPP.
 *
 * Context: process context (->handle() included, unless ops->atomic, or a
 * work item); may sleep. Not from ->vm_gone().
 * Return: 0; the errors of mvmm_guest_read(), -EROFS (a read-only
 * memslot, KVM_MEM_READONLY), -EOPNOTSUPP (a dirty ring, see above).
 */
int mvmm_guest_write(u32 vm_id, u64 gpa, const void *buf, size_t len);

#endif /* _MVMM_SECONDARY_H */

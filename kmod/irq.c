// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from secondaries into their VM, through KVM's own irqchip:
 * GSI lines as KVM_IRQ_LINE sets them (but from an IRQ source of their
 * own), MSIs as KVM_SIGNAL_MSI sends them. KVM's ioctls refuse any
 * process but the VM's creator; these calls reach the same functions.
 * A VM with the split irqchip has no IOAPIC in KVM: its GSI lines are the
 * MSIs its VMM routes them to (mvmm_irq_set_split()).
 *
 * A VM is named by its mvmm id and held by a reference for the call:
 * the secondary's VM may be destroyed at any moment, and once it is
 * being destroyed every call gets -ENOTCONN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <mvmm/secondary.h>
#include "irq.h"
#include "ksyms.h"
#include "vm.h"

/* Serializes the first raise of kernel secondaries into each VM. */
static DEFINE_MUTEX(mvmm_irq_ksrc_lock);

/* KVM's irqchip_kernel(), which is in a private header. */
static bool mvmm_irqchip_full(struct kvm *kvm)
{
	int mode = READ_ONCE(kvm->arch.irqchip_mode);

	/* Pairs with KVM's smp_wmb() once the irqchip is complete. */
	smp_rmb();
	return mode == KVM_IRQCHIP_KERNEL;
}

static bool mvmm_irqchip_lapic(struct kvm *kvm)
{
	int mode = READ_ONCE(kvm->arch.irqchip_mode);

	/* As above: the LAPICs exist before the mode says so. */
	smp_rmb();
	return mode != KVM_IRQCHIP_NONE;
}

/*
 * Can @kvm take GSI line @gsi? KVM_IRQ_LINE's -ENXIO without an in-kernel
 * LAPIC. -EINVAL for a GSI with no route, which kvm_set_irq() would drop
 * silently.
 */
static int mvmm_irq_check_line(struct kvm *kvm, u32 gsi)
{
	struct kvm_irq_routing_table *rt;
	int idx, ret = 0;

	if (!mvmm_irqchip_lapic(kvm))
		return -ENXIO;
	idx = srcu_read_lock(&kvm->irq_srcu);
	rt = srcu_dereference(kvm->irq_routing, &kvm->irq_srcu);
	if (!rt || gsi >= rt->nr_rt_entries || hlist_empty(&rt->map[gsi]))
		ret = -EINVAL;
	srcu_read_unlock(&kvm->irq_srcu, idx);
	return ret;
}

/* A new IRQ source id of @kvm; KVM has BITS_PER_LONG of them. */
static int mvmm_irq_src_new(struct kvm *kvm)
{
	int id = mvmm_kvm.request_irq_source_id(kvm);

	return id < 0 ? -EBUSY : id;
}

static int mvmm_irq_set(struct kvm *kvm, int src, u32 gsi, u32 level)
{
	/* As KVM_IRQ_LINE_STATUS: the RTC's line reports coalescing. */
	return mvmm_kvm.set_irq(kvm, src, gsi, level, true);
}

static int mvmm_irq_check_msi(struct kvm *kvm, const struct mvmm_msi *m)
{
	if ((m->flags & ~MVMM_MSI_VALID_DEVID) || m->reserved ||
	    (m->address_lo & 0xfff00000) != 0xfee00000)
		return -EINVAL;
	/* kvm_send_userspace_msi()'s -EINVAL would not say why. */
	return mvmm_irqchip_lapic(kvm) ? 0 : -ENXIO;
}

/* Send @m; its status, or -EINVAL for a message KVM refuses. */
static int mvmm_irq_send_msi(struct kvm *kvm, const struct mvmm_msi *m)
{
	struct kvm_msi msi = {
		.address_lo = m->address_lo,
		.address_hi = m->address_hi,
		.data = m->data,
		.flags = m->flags & MVMM_MSI_VALID_DEVID ?
			 KVM_MSI_VALID_DEVID : 0,
		.devid = m->devid,
	};
	int ret = mvmm_kvm.send_userspace_msi(kvm, &msi);

	/* -EINVAL: refused (x2APIC bits); else -1 for "not delivered". */
	return ret < 0 && ret != -EINVAL ? -1 : ret;
}

/* The most MSI routes one GSI of a split irqchip VM is sent to. */
#define MVMM_IRQ_SPLIT_ROUTES	4

/*
 * GSI line @gsi of a VM with the split irqchip, whose IOAPIC (and PIC)
 * the VMM emulates. Such a VMM keeps an MSI route per IOAPIC pin in
 * KVM's table, the message the pin's redirection entry would send, so
 * that irqfds reach the guest without it (QEMU's
 * ioapic_update_kvm_routes(); other VMMs may differ).
 * A raise sends that message: an edge. A lowering sends nothing, and
 * there is no level: the VMM's IOAPIC never sees the line, so neither
 * remote IRR nor a re-fire after EOI exists for it. A route that is not
 * a valid LAPIC message (a pin the VMM has not set up yet: QEMU leaves
 * address and data 0; a vector below 16) is treated as a masked pin.
 * KVM does not see the VMM's IOAPIC mask: QEMU leaves a pin's route as
 * it was when the guest masks the pin, so a raise then still sends the
 * last unmasked message.
 * The status is KVM_IRQ_LINE_STATUS's: > 0 delivered (or lowered), < 0
 * masked or not delivered.
 */
static int mvmm_irq_set_split(struct kvm *kvm, u32 gsi, u32 level)
{
	struct mvmm_msi msi[MVMM_IRQ_SPLIT_ROUTES];
	struct kvm_kernel_irq_routing_entry *e;
	struct kvm_irq_routing_table *rt;
	int idx, i, n = 0, r, ret = -1;

	if (!level)
		return 1;
	idx = srcu_read_lock(&kvm->irq_srcu);
	rt = srcu_dereference(kvm->irq_routing, &kvm->irq_srcu);
	if (rt && gsi < rt->nr_rt_entries) {
		hlist_for_each_entry(e, &rt->map[gsi], link) {
			if (e->type != KVM_IRQ_ROUTING_MSI ||
			    n == MVMM_IRQ_SPLIT_ROUTES)
				continue;
			msi[n++] = (struct mvmm_msi) {
				.address_lo = e->msi.address_lo,
				.address_hi = e->msi.address_hi,
				.data = e->msi.data,
				.flags = e->msi.flags & KVM_MSI_VALID_DEVID ?
					 MVMM_MSI_VALID_DEVID : 0,
				.devid = e->msi.devid,
			};
		}
	}
	srcu_read_unlock(&kvm->irq_srcu, idx);

	for (i = 0; i < n; i++) {
		if ((msi[i].data & 0xff) < 16 || mvmm_irq_check_msi(kvm, &msi[i]))
			continue;
		r = mvmm_irq_send_msi(kvm, &msi[i]);
		if (r > 0)
			ret = ret < 0 ? r : ret + r;
	}
	return ret;
}

/*
 * Lower every line source @src holds in @kvm, and give @src back. KVM's
 * kvm_free_irq_source_id() only forgets the source's state: a level-
 * triggered pin it held would fire again at each EOI. Lowering a line
 * is harmless where @src did not hold it: the others' sources stay.
 */
void mvmm_irq_src_free(struct kvm *kvm, int src)
{
	struct kvm_irq_routing_table *rt;
	u32 gsi, n = 0;
	int idx;

	if (mvmm_irqchip_full(kvm)) {
		idx = srcu_read_lock(&kvm->irq_srcu);
		rt = srcu_dereference(kvm->irq_routing, &kvm->irq_srcu);
		if (rt)
			n = rt->nr_rt_entries;
		srcu_read_unlock(&kvm->irq_srcu, idx);
	}
	for (gsi = 0; gsi < n; gsi++)
		mvmm_kvm.set_irq(kvm, src, gsi, 0, false);
	mvmm_kvm.free_irq_source_id(kvm, src);
}

void mvmm_irq_src_init(struct mvmm_irq_src *s)
{
	mutex_init(&s->lock);
	s->id = -1;
}

void mvmm_irq_src_release(struct mvmm_irq_src *s, u32 vm_id)
{
	struct kvm *kvm;

	if (s->id < 0)
		return;
	/* A VM KVM is destroying takes its source ids with it. */
	kvm = mvmm_vm_kvm_get(vm_id, NULL);
	if (!kvm)
		return;
	mvmm_irq_src_free(kvm, s->id);
	mvmm_kvm.put_kvm(kvm);
	s->id = -1;
}

int mvmm_irq_line_user(u32 vm_id, struct mvmm_irq_src *s,
		       struct mvmm_irq_line *l)
{
	struct kvm *kvm;
	int ret;

	if (l->flags || l->level > 1)
		return -EINVAL;
	kvm = mvmm_vm_kvm_get(vm_id, NULL);
	if (!kvm)
		return -ENOTCONN;
	ret = mvmm_irq_check_line(kvm, l->gsi);
	if (ret)
		goto out;
	/* The split irqchip's lines are MSIs: no IRQ source to hold. */
	if (!mvmm_irqchip_full(kvm)) {
		l->status = mvmm_irq_set_split(kvm, l->gsi, l->level);
		goto out;
	}

	mutex_lock(&s->lock);
	if (s->id < 0) {
		/* A lowering of a line never raised is not worth an id. */
		if (!l->level) {
			mutex_unlock(&s->lock);
			l->status = 1;
			goto out;
		}
		ret = mvmm_irq_src_new(kvm);
		if (ret < 0) {
			mutex_unlock(&s->lock);
			goto out;
		}
		s->id = ret;
		ret = 0;
	}
	/* Under the lock: detach may not free the id under this call. */
	l->status = mvmm_irq_set(kvm, s->id, l->gsi, l->level);
	mutex_unlock(&s->lock);
out:
	mvmm_kvm.put_kvm(kvm);
	return ret;
}

int mvmm_irq_msi_user(u32 vm_id, struct mvmm_msi *m)
{
	struct kvm *kvm;
	int ret;

	kvm = mvmm_vm_kvm_get(vm_id, NULL);
	if (!kvm)
		return -ENOTCONN;
	ret = mvmm_irq_check_msi(kvm, m);
	if (!ret) {
		ret = mvmm_irq_send_msi(kvm, m);
		m->status = ret;
		ret = ret == -EINVAL ? ret : 0;
	}
	mvmm_kvm.put_kvm(kvm);
	return ret;
}

/* The source id of @vm_id's kernel secondaries, taken at first need. */
static int mvmm_irq_ksrc(struct kvm *kvm, u32 vm_id, int src)
{
	int cur;

	if (src >= 0)
		return src;
	mutex_lock(&mvmm_irq_ksrc_lock);
	/* Another caller may have taken it since. */
	cur = mvmm_vm_irq_src_set(vm_id, -1);
	if (cur == -1) {
		src = mvmm_irq_src_new(kvm);
		cur = src < 0 ? src : mvmm_vm_irq_src_set(vm_id, src);
		/* The VM left mvmm's list meanwhile: give it back. */
		if (src >= 0 && cur != src)
			mvmm_irq_src_free(kvm, src);
	}
	mutex_unlock(&mvmm_irq_ksrc_lock);
	return cur;
}

int mvmm_irq_line(u32 vm_id, u32 gsi, int level)
{
	struct kvm *kvm;
	int ret, src;

	if (level != 0 && level != 1)
		return -EINVAL;
	kvm = mvmm_vm_kvm_get(vm_id, &src);
	if (!kvm)
		return -ENOTCONN;
	ret = mvmm_irq_check_line(kvm, gsi);
	if (ret)
		goto out;
	if (!mvmm_irqchip_full(kvm)) {
		mvmm_irq_set_split(kvm, gsi, level);
		goto out;
	}
	/* Nothing of this source is high yet: nothing to lower. */
	if (src < 0 && !level)
		goto out;
	src = mvmm_irq_ksrc(kvm, vm_id, src);
	if (src < 0) {
		ret = src;
		goto out;
	}
	mvmm_irq_set(kvm, src, gsi, level);
out:
	mvmm_kvm.put_kvm(kvm);
	return ret;
}
EXPORT_SYMBOL_GPL(mvmm_irq_line);

int mvmm_msi(u32 vm_id, const struct mvmm_msi *msi)
{
	struct kvm *kvm;
	int ret;

	kvm = mvmm_vm_kvm_get(vm_id, NULL);
	if (!kvm)
		return -ENOTCONN;
	ret = mvmm_irq_check_msi(kvm, msi);
	if (!ret && mvmm_irq_send_msi(kvm, msi) == -EINVAL)
		ret = -EINVAL;
	mvmm_kvm.put_kvm(kvm);
	return ret;
}
EXPORT_SYMBOL_GPL(mvmm_msi);

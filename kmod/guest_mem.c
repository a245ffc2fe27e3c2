// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory for secondaries: reads and writes of guest-physical
 * ranges of a VM, for devices that do DMA. One implementation for
 * MVMM_IOC_MEM_READ/WRITE and for mvmm_guest_read()/mvmm_guest_write().
 *
 * A memslot's userspace_addr is an address in the VMM's address space,
 * kvm->mm. The caller is a secondary's process or a kernel secondary,
 * maybe in a kworker: its mm is another one, or none, so that
 * kvm_read_guest() or copy_from_user() would reach the wrong memory.
 * Pages are taken with get_user_pages_remote() in kvm->mm instead, and
 * copied through the kernel's mapping.
 *
 * The VM is held by a reference for the call, as irq.c does: once KVM
 * is destroying it every call gets -ENOTCONN. The memslots are read
 * under kvm->srcu, held from the check of the whole range until the
 * last page is marked dirty: a memslot KVM replaces meanwhile (dirty
 * logging turned on, a slot deleted) waits for the call to end, and
 * every page is checked before any byte is written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <mvmm/secondary.h>
#include "compat.h"
#include "guest_mem.h"
#include "ksyms.h"
#include "vm.h"

/* One piece of an access, within one page of guest memory. */
struct mvmm_mem_piece {
	struct kvm_memory_slot *slot;
	struct page *page;
	unsigned long hva;
	gfn_t gfn;
	unsigned int off;
	unsigned int len;
};

/*
 * Split [@gpa, @gpa + @len) into pages in @p (@n of them), each in a
 * memslot the VMM made that this access may use. The caller holds
 * kvm->srcu.
 */
static int mvmm_mem_plan(struct kvm *kvm, u64 gpa, u32 len, bool write,
			 struct mvmm_mem_piece *p, unsigned int n)
{
	struct kvm_memory_slot *slot;
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i].gfn = gpa >> PAGE_SHIFT;
		p[i].off = offset_in_page(gpa);
		p[i].len = min_t(u32, len, PAGE_SIZE - p[i].off);
		slot = mvmm_kvm.gfn_to_memslot_kvm(kvm, p[i].gfn);
		/* KVM's internal slots (APIC page, TSS) are not the VMM's. */
		if (!slot || !kvm_is_visible_memslot(slot))
			return -ENOENT;
#ifdef KVM_MEM_GUEST_MEMFD
		/* Private pages are not at userspace_addr. */
		if (slot->flags & KVM_MEM_GUEST_MEMFD)
			return -EACCES;
#endif
		if (write && (slot->flags & KVM_MEM_READONLY))
			return -EROFS;
		p[i].slot = slot;
		p[i].hva = __gfn_to_hva_memslot(slot, p[i].gfn);
		p[i].page = NULL;
		gpa += p[i].len;
		len -= p[i].len;
	}
	return 0;
}

/* The running vCPU, if it is one of @kvm's: KVM's dirty ring takes it. */
static struct kvm_vcpu *mvmm_mem_vcpu(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu = mvmm_kvm.get_running_vcpu();

	return vcpu && vcpu->kvm == kvm ? vcpu : NULL;
}

/*
 * Log a write to @p for KVM_GET_DIRTY_LOG. KVM's mark_page_dirty_in_slot()
 * WARNs without a running vCPU of the VM (both kernels have the dirty
 * ring on x86), and 6.1's then logs nothing: from any other thread the
 * bitmap is set here as KVM would set it (set_bit_le(), atomic, as
 * KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG expect). A VM with a dirty
 * ring was refused such writes (mvmm_mem_access()).
 */
static void mvmm_mem_mark_dirty(struct kvm *kvm, struct kvm_vcpu *vcpu,
				const struct mvmm_mem_piece *p)
{
	const struct kvm_memory_slot *slot = p->slot;

	if (vcpu) {
		mvmm_kvm.mark_page_dirty_in_slot(kvm, slot, p->gfn);
		return;
	}
	if (kvm_slot_dirty_track_enabled(slot) && slot->dirty_bitmap)
		set_bit_le(p->gfn - slot->base_gfn, slot->dirty_bitmap);
}

/* Take every page of @p in @mm; the caller holds its mmap lock. */
static int mvmm_mem_pin(struct mm_struct *mm, struct mvmm_mem_piece *p,
			unsigned int n, bool write)
{
	unsigned int i;
	long got;

	for (i = 0; i < n; i++) {
		got = mvmm_gup_remote(mm, p[i].hva, write ? FOLL_WRITE : 0,
				      &p[i].page);
		if (got != 1) {
			p[i].page = NULL;
			return -EIO;
		}
	}
	return 0;
}

static void mvmm_mem_copy(struct mvmm_mem_piece *p, unsigned int n,
			  void *buf, bool write)
{
	unsigned int i;
	void *va;

	for (i = 0; i < n; i++) {
		va = kmap_local_page(p[i].page);
		if (write)
			memcpy(va + p[i].off, buf, p[i].len);
		else
			memcpy(buf, va + p[i].off, p[i].len);
		kunmap_local(va);
		buf += p[i].len;
	}
}

/*
 * Copy @len bytes between guest-physical @gpa of @kvm and the kernel
 * buffer @buf. The caller holds a reference on @kvm and checked @len.
 */
static int mvmm_mem_access(struct kvm *kvm, u64 gpa, void *buf, u32 len,
			   bool write)
{
	unsigned int i, n = (offset_in_page(gpa) + len + PAGE_SIZE - 1) >>
			    PAGE_SHIFT;
	struct mvmm_mem_piece *p;
	struct kvm_vcpu *vcpu;
	struct mm_struct *mm;
	int idx, ret;

	if (gpa + len < gpa)
		return -ENOENT;
	vcpu = mvmm_mem_vcpu(kvm);
	/* Only the VM's own vCPU thread can add to its dirty ring. */
	if (write && !vcpu && READ_ONCE(kvm->dirty_ring_size))
		return -EOPNOTSUPP;
	p = kmalloc_array(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	/* Held by KVM for the VM's life (mmgrab()); its pages maybe not. */
	mm = kvm->mm;
	if (!mmget_not_zero(mm)) {
		kfree(p);
		return -ENOTCONN;
	}

	idx = srcu_read_lock(&kvm->srcu);
	ret = mvmm_mem_plan(kvm, gpa, len, write, p, n);
	if (ret)
		goto out;
	mmap_read_lock(mm);
	ret = mvmm_mem_pin(mm, p, n, write);
	if (!ret)
		mvmm_mem_copy(p, n, buf, write);
	mmap_read_unlock(mm);
	for (i = 0; i < n && p[i].page; i++) {
		if (!ret && write) {
			set_page_dirty_lock(p[i].page);
			mvmm_mem_mark_dirty(kvm, vcpu, &p[i]);
		}
		put_page(p[i].page);
	}
out:
	srcu_read_unlock(&kvm->srcu, idx);
	mmput(mm);
	kfree(p);
	return ret;
}

/* VM @vm_id, held, or NULL; then the call's -ENOTCONN. */
static int mvmm_mem_vm(u32 vm_id, u64 gpa, void *buf, u32 len, bool write)
{
	struct kvm *kvm;
	int ret;

	kvm = mvmm_vm_kvm_get(vm_id, NULL);
	if (!kvm)
		return -ENOTCONN;
	ret = mvmm_mem_access(kvm, gpa, buf, len, write);
	mvmm_kvm.put_kvm(kvm);
	return ret;
}

int mvmm_guest_mem_user(u32 vm_id, const struct mvmm_mem *m, bool write)
{
	void __user *ubuf = u64_to_user_ptr(m->addr);
	void *buf;
	int ret;

	if (!m->len || m->len > MVMM_MEM_MAX || m->flags || m->reserved)
		return -EINVAL;
	/*
	 * Through a kernel buffer: no fault on the caller's under the locks.
	 * Its size is the caller's choice: charged to the caller's cgroup.
	 */
	buf = kvmalloc(m->len, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, ubuf, m->len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = mvmm_mem_vm(vm_id, m->gpa, buf, m->len, write);
	if (!ret && !write && copy_to_user(ubuf, buf, m->len))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}

int mvmm_guest_read(u32 vm_id, u64 gpa, void *buf, size_t len)
{
	if (!len || len > MVMM_MEM_MAX)
		return -EINVAL;
	return mvmm_mem_vm(vm_id, gpa, buf, len, false);
}
EXPORT_SYMBOL_GPL(mvmm_guest_read);

int mvmm_guest_write(u32 vm_id, u64 gpa, const void *buf, size_t len)
{
	if (!len || len > MVMM_MEM_MAX)
		return -EINVAL;
	return mvmm_mem_vm(vm_id, gpa, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(mvmm_guest_write);

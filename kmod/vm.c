// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM registry and exit statistics.
 *
 * A VM is registered the first time one of its exits is seen and given an
 * id: 1, 2, 3, ... while the module is loaded, never 0 nor an id in use
 * (a live VM's, or one a secondary is still attached to) once the counter
 * wraps (core/ids.h). It is forgotten
 * when KVM destroys it (a watch on kvm_arch_destroy_vm()), before its
 * struct kvm is freed, so that a new VM allocated at the same address never
 * matches old state. Lookups on the exit path are RCU-only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/percpu.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "core/ids.h"
#include "compat.h"
#include "handler.h"
#include "hook.h"
#include "irq.h"
#include "ksyms.h"
#include "obj_events.h"
#include "table.h"
#include "vm.h"

/*
 * Protects the hashes, the lists and the id counter; readers use RCU.
 * vCPUs are found by their struct kvm_vcpu on every exit: one look-up
 * gives the vCPU's state and its VM.
 */
static DEFINE_SPINLOCK(mvmm_vm_lock);
static DEFINE_HASHTABLE(mvmm_vm_hash, 6);
DEFINE_HASHTABLE(mvmm_vcpu_hash, MVMM_VCPU_HASH_BITS);
static LIST_HEAD(mvmm_vm_list);
static struct mvmm_ids mvmm_vm_ids;

static struct mvmm_vm *mvmm_vm_find(const struct kvm *kvm)
{
	struct mvmm_vm *vm;

	hash_for_each_possible_rcu(mvmm_vm_hash, vm, hnode, (unsigned long)kvm)
		if (vm->kvm == kvm)
			return vm;
	return NULL;
}

static void mvmm_vm_free(struct mvmm_vm *vm)
{
	mvmm_policy_put(rcu_dereference_protected(vm->policy, 1));
	free_percpu(vm->stats);
	kfree(vm);
}

static void mvmm_vm_free_rcu(struct rcu_head *rcu)
{
	mvmm_vm_free(container_of(rcu, struct mvmm_vm, rcu));
}

/*
 * Make @p @vm's policy (taking over the caller's reference) and return
 * the one it replaces. Under mvmm_vm_lock, or before @vm is visible.
 */
static struct mvmm_policy *mvmm_vm_publish(struct mvmm_vm *vm,
					   struct mvmm_policy *p)
{
	struct mvmm_policy *old = rcu_dereference_protected(vm->policy, 1);

	WRITE_ONCE(vm->route_types, p ? p->route_types : 0);
	rcu_assign_pointer(vm->policy, p);
	return old;
}

/*
 * The process that created @kvm (its VMM): current when the VM is seen at
 * one of its exits; otherwise (a secondary attaching to a VM that has not
 * run yet) the thread KVM recorded as the creator, "?" once it is gone.
 * Its effective uid owns the VM (vm.h).
 */
static void mvmm_vm_owner(struct mvmm_vm *vm, struct kvm *kvm)
{
	struct task_struct *t;

	vm->pid = kvm->userspace_pid;
	if (current->mm == kvm->mm) {
		get_task_comm(vm->comm, current->group_leader);
		vm->owner = current_euid();
		return;
	}
	/*
	 * Never the attaching secondary's uid: the VM fd it was given lets
	 * it serve the VM, not read it through netlink. And only a thread
	 * of the VM's own process owns it, not another process that got
	 * the recorded thread id after that thread exited: else nobody
	 * but CAP_NET_ADMIN sees the VM.
	 */
	vm->owner = INVALID_UID;
	rcu_read_lock();
	t = pid_task(find_pid_ns(vm->pid, &init_pid_ns), PIDTYPE_PID);
	if (t) {
		get_task_comm(vm->comm, t->group_leader);
		if (READ_ONCE(t->mm) == kvm->mm)
			vm->owner = task_euid(t);
	} else {
		strscpy(vm->comm, "?", sizeof(vm->comm));
	}
	rcu_read_unlock();
}

static struct mvmm_vm *mvmm_vm_by_id(u32 id)
{
	struct mvmm_vm *vm;

	lockdep_assert_held(&mvmm_vm_lock);
	list_for_each_entry(vm, &mvmm_vm_list, node)
		if (vm->id == id)
			return vm;
	return NULL;
}

/*
 * For mvmm_ids_next(), with mvmm_vm_lock held: a live VM's id, or one a
 * userspace secondary still holds, attached to a VM that is gone (its
 * memory and interrupt calls, its rules' requests go by the id).
 */
static bool mvmm_vm_id_in_use(u32 id, void *arg)
{
	return mvmm_vm_by_id(id) || mvmm_handlers_hold_vm(id);
}

static struct mvmm_vm *mvmm_vm_add(struct kvm *kvm, gfp_t gfp)
{
	struct mvmm_vm *vm, *old;

	vm = kzalloc(sizeof(*vm), gfp);
	if (!vm)
		return NULL;
	vm->stats = alloc_percpu_gfp(struct mvmm_vm_stats, gfp | __GFP_ZERO);
	if (!vm->stats) {
		kfree(vm);
		return NULL;
	}
	vm->kvm = kvm;
	vm->irq_src = -1;
	INIT_LIST_HEAD(&vm->vcpus);
	mvmm_vm_owner(vm, kvm);
	vm->first_seen_ns = ktime_get_ns();
	/* A VM starts from the default table of the moment it is first seen. */
	mvmm_vm_publish(vm, mvmm_default_policy_get());

	spin_lock(&mvmm_vm_lock);
	/* Another vCPU of the same VM may have won the race. */
	old = mvmm_vm_find(kvm);
	if (old) {
		spin_unlock(&mvmm_vm_lock);
		mvmm_vm_free(vm);
		return old;
	}
	vm->id = mvmm_ids_next(&mvmm_vm_ids, mvmm_vm_id_in_use, NULL);
	hash_add_rcu(mvmm_vm_hash, &vm->hnode, (unsigned long)kvm);
	list_add_tail_rcu(&vm->node, &mvmm_vm_list);
	spin_unlock(&mvmm_vm_lock);
	mvmm_obj_vm_event(MVMM_OBJ_VM_NEW, vm);
	return vm;
}

struct mvmm_vm *mvmm_vm_get(struct kvm *kvm, gfp_t gfp)
{
	struct mvmm_vm *vm;

	/*
	 * The caller runs on an exit of one of @kvm's vCPUs, so @kvm cannot
	 * be destroyed, and its entry cannot be freed, until it returns.
	 */
	rcu_read_lock();
	vm = mvmm_vm_find(kvm);
	rcu_read_unlock();
	if (unlikely(!vm))
		vm = mvmm_vm_add(kvm, gfp);
	return vm;
}

DEFINE_PER_CPU(struct mvmm_vcpu_cache, mvmm_vcpu_cache);

struct mvmm_vcpu *mvmm_vcpu_find_slow(const struct kvm_vcpu *vcpu)
{
	struct mvmm_vcpu *vc;

	rcu_read_lock();
	vc = __mvmm_vcpu_find(vcpu);
	rcu_read_unlock();
	return vc;
}

static void mvmm_vcpu_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct mvmm_vcpu, rcu));
}

struct mvmm_vcpu *mvmm_vcpu_add(struct kvm_vcpu *vcpu, gfp_t gfp)
{
	struct mvmm_vcpu *vc;
	struct mvmm_vm *vm;

	vm = mvmm_vm_get(vcpu->kvm, gfp);
	if (!vm)
		return NULL;
	vc = kzalloc(sizeof(*vc), gfp);
	if (!vc)
		return NULL;
	vc->vcpu = vcpu;
	vc->vm = vm;
	/*
	 * Only the vCPU's own thread adds it, and only while the VM lives
	 * (it runs an exit): no other add can race with this one.
	 */
	spin_lock(&mvmm_vm_lock);
	hash_add_rcu(mvmm_vcpu_hash, &vc->hnode, (unsigned long)vcpu);
	list_add_tail(&vc->node, &vm->vcpus);
	spin_unlock(&mvmm_vm_lock);
	return vc;
}

struct mvmm_vcpu *mvmm_vcpu_get(struct kvm_vcpu *vcpu, gfp_t gfp)
{
	struct mvmm_vcpu *vc = mvmm_vcpu_find(vcpu);

	return likely(vc) ? vc : mvmm_vcpu_add(vcpu, gfp);
}

bool mvmm_vcpus_kick_running(void)
{
	struct mvmm_vcpu *vc;
	struct mvmm_vm *vm;
	bool running = false;

	/* Under the lock: a vCPU listed here is not freed meanwhile. */
	spin_lock(&mvmm_vm_lock);
	list_for_each_entry(vm, &mvmm_vm_list, node)
		list_for_each_entry(vc, &vm->vcpus, node)
			if (READ_ONCE(vc->in_run)) {
				mvmm_kvm.vcpu_kick((struct kvm_vcpu *)vc->vcpu);
				running = true;
			}
	spin_unlock(&mvmm_vm_lock);
	return running;
}

/* VM @id's policy with a reference, or ERR_PTR(-ENOENT). */
struct mvmm_policy *mvmm_vm_policy_ref(u32 id)
{
	struct mvmm_policy *p = ERR_PTR(-ENOENT);
	struct mvmm_vm *vm;

	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_by_id(id);
	if (vm) {
		p = rcu_dereference_protected(vm->policy,
					      lockdep_is_held(&mvmm_vm_lock));
		mvmm_policy_get(p);
	}
	spin_unlock(&mvmm_vm_lock);
	return p;
}

struct kvm *mvmm_vm_kvm_get(u32 id, int *irq_src)
{
	struct kvm *kvm = NULL;
	struct mvmm_vm *vm;

	/*
	 * Listed, the VM's struct kvm is not freed: mvmm_vm_destroyed()
	 * unlinks it under this lock before KVM frees it. But KVM may be
	 * destroying it already (its count is 0 then): get_kvm_safe().
	 */
	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_by_id(id);
	if (vm && mvmm_kvm.get_kvm_safe((struct kvm *)vm->kvm)) {
		kvm = (struct kvm *)vm->kvm;
		if (irq_src)
			*irq_src = vm->irq_src;
	}
	spin_unlock(&mvmm_vm_lock);
	return kvm;
}

int mvmm_vm_irq_src_set(u32 id, int src)
{
	struct mvmm_vm *vm;
	int ret = -ENOTCONN;

	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_by_id(id);
	if (vm) {
		if (vm->irq_src < 0 && src >= 0)
			vm->irq_src = src;
		ret = vm->irq_src;
	}
	spin_unlock(&mvmm_vm_lock);
	return ret;
}

/*
 * Give back the IRQ source ids of kernel secondaries (lowering what they
 * left high) to the VMs that outlive mvmm. Sleeps: one VM at a time,
 * each held by a reference, not under the lock. The watch on VM
 * teardown must still be in place: the last reference may be ours.
 */
static void mvmm_vms_free_irq_srcs(void)
{
	struct mvmm_vm *vm;
	struct kvm *kvm;
	int src;

	do {
		kvm = NULL;
		spin_lock(&mvmm_vm_lock);
		list_for_each_entry(vm, &mvmm_vm_list, node) {
			if (vm->irq_src < 0)
				continue;
			src = vm->irq_src;
			vm->irq_src = -1;
			/* One being destroyed gives it back by itself. */
			if (mvmm_kvm.get_kvm_safe((struct kvm *)vm->kvm)) {
				kvm = (struct kvm *)vm->kvm;
				break;
			}
		}
		spin_unlock(&mvmm_vm_lock);
		if (kvm) {
			mvmm_irq_src_free(kvm, src);
			mvmm_kvm.put_kvm(kvm);
		}
	} while (kvm);
}

void mvmm_vm_policy_set(u32 id, struct mvmm_policy *p)
{
	struct mvmm_vm *vm;

	lockdep_assert_held(&mvmm_policy_mutex);
	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_by_id(id);
	if (vm)
		p = mvmm_vm_publish(vm, p);
	spin_unlock(&mvmm_vm_lock);
	/* The replaced policy, or @p itself if the VM is gone. */
	mvmm_policy_put(p);
}

/*
 * No CPU's cache may name @vc once its VM is gone. Only the key is
 * cleared: mvmm_vcpu_run() on that CPU may be caching another vCPU at the
 * same time, and clearing ->vc too could leave that vCPU paired with
 * NULL. ->vc is read only when ->vcpu matches.
 */
static void mvmm_vcpu_uncache(struct mvmm_vcpu *vc)
{
	struct mvmm_vcpu_cache *c;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&mvmm_vcpu_cache, cpu);
		if (READ_ONCE(c->vc) == vc)
			WRITE_ONCE(c->vcpu, NULL);
	}
}

/* Forget @vm and its vCPUs; their memory goes after an RCU grace period. */
static void mvmm_vm_unlink(struct mvmm_vm *vm)
{
	struct mvmm_vcpu *vc, *tmp;

	lockdep_assert_held(&mvmm_vm_lock);
	list_for_each_entry_safe(vc, tmp, &vm->vcpus, node) {
		mvmm_vcpu_uncache(vc);
		hash_del_rcu(&vc->hnode);
		list_del(&vc->node);
		call_rcu(&vc->rcu, mvmm_vcpu_free_rcu);
	}
	hash_del_rcu(&vm->hnode);
	list_del_rcu(&vm->node);
}

/* kvm_arch_destroy_vm(struct kvm *kvm) is about to run. */
static void mvmm_vm_destroyed(struct ftrace_regs *fregs)
{
	const struct kvm *kvm = (const struct kvm *)mvmm_fregs_arg(fregs, 0);
	struct mvmm_vm *vm;

	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_find(kvm);
	if (vm)
		mvmm_vm_unlink(vm);
	spin_unlock(&mvmm_vm_lock);
	if (vm) {
		/*
		 * Kernel secondaries free what they keep for it, its
		 * userspace ones get EPOLLHUP.
		 */
		mvmm_handlers_vm_gone(vm->id);
		mvmm_obj_vm_event(MVMM_OBJ_VM_DEL, vm);
		call_rcu(&vm->rcu, mvmm_vm_free_rcu);
	}
}

static struct mvmm_watch mvmm_destroy_watch = {
	.fn = mvmm_vm_destroyed,
};

static void mvmm_vm_sum(const struct mvmm_vm *vm, struct mvmm_vm_snap *s)
{
	unsigned int cpu, t;

	memset(s->exits, 0, sizeof(s->exits));
	memset(s->fastpath, 0, sizeof(s->fastpath));
	memset(s->l2, 0, sizeof(s->l2));
	memset(s->routed, 0, sizeof(s->routed));
	memset(s->completed, 0, sizeof(s->completed));
	for_each_possible_cpu(cpu) {
		const struct mvmm_vm_stats *st = per_cpu_ptr(vm->stats, cpu);

		for (t = 0; t <= MVMM_EV_MAX; t++) {
			s->exits[t] += READ_ONCE(st->exits[t]);
			s->fastpath[t] += READ_ONCE(st->fastpath[t]);
			s->l2[t] += READ_ONCE(st->l2[t]);
			s->routed[t] += READ_ONCE(st->routed[t]);
			s->completed[t] += READ_ONCE(st->completed[t]);
		}
	}
}

/* Another's VM does not exist for @v: an unprivileged sender's view. */
static bool mvmm_vm_shown_to(const struct mvmm_vm *vm,
			     const struct mvmm_vm_viewer *v)
{
	return v->all || uid_eq(vm->owner, v->uid);
}

bool mvmm_vm_shown(u32 id, const struct mvmm_vm_viewer *v)
{
	struct mvmm_vm *vm;
	bool shown;

	spin_lock(&mvmm_vm_lock);
	vm = mvmm_vm_by_id(id);
	shown = vm && mvmm_vm_shown_to(vm, v);
	spin_unlock(&mvmm_vm_lock);
	return shown;
}

int mvmm_vm_snapshot(u32 id, bool exact, const struct mvmm_vm_viewer *v,
		     struct mvmm_vm_snap *snap)
{
	struct mvmm_vm *vm;
	int ret = -ENOENT;

	/*
	 * The lock, not only RCU: reading the vCPU count dereferences the
	 * struct kvm, which is freed right after mvmm_vm_destroyed() unlinks
	 * the entry under this lock.
	 */
	spin_lock(&mvmm_vm_lock);
	list_for_each_entry(vm, &mvmm_vm_list, node) {
		if ((exact ? vm->id != id : vm->id <= id) ||
		    !mvmm_vm_shown_to(vm, v))
			continue;
		snap->who.id = vm->id;
		snap->who.pid = vm->pid;
		memcpy(snap->who.comm, vm->comm, sizeof(snap->who.comm));
		snap->vcpus = atomic_read(&vm->kvm->online_vcpus);
		snap->age_ms = div_u64(ktime_get_ns() - vm->first_seen_ns,
				       NSEC_PER_MSEC);
		mvmm_vm_sum(vm, snap);
		ret = 0;
		break;
	}
	spin_unlock(&mvmm_vm_lock);
	return ret;
}

int mvmm_vms_init(void)
{
	mvmm_destroy_watch.target = mvmm_kvm.destroy_vm;
	return mvmm_watch_install(&mvmm_destroy_watch, "kvm_arch_destroy_vm");
}

/* Called once no exit hook can run any more. */
void mvmm_vms_exit(void)
{
	struct mvmm_vm *vm, *tmp;

	mvmm_vms_free_irq_srcs();
	mvmm_watch_remove(&mvmm_destroy_watch);
	spin_lock(&mvmm_vm_lock);
	list_for_each_entry_safe(vm, tmp, &mvmm_vm_list, node) {
		mvmm_vm_unlink(vm);
		call_rcu(&vm->rcu, mvmm_vm_free_rcu);
	}
	spin_unlock(&mvmm_vm_lock);
	/* Every mvmm_vm_free_rcu() must be done before our text goes away. */
	rcu_barrier();
}

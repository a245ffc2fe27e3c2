/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_VM_H
#define _MVMM_VM_H

#include <linux/hash.h>
#include <linux/kvm_host.h>
#include <linux/rculist.h>
#include <linux/uidgid.h>
#include <linux/mvmm.h>
#include "core/classify.h"
#include "core/policy.h"

struct mvmm_policy;
struct mvmm_policy_err;

/* Per CPU, per event type. */
struct mvmm_vm_stats {
	u64 exits[__MVMM_EV_MAX];
	u64 fastpath[__MVMM_EV_MAX];
	u64 l2[__MVMM_EV_MAX];
	u64 routed[__MVMM_EV_MAX];
	u64 completed[__MVMM_EV_MAX];
};

struct mvmm_vm {
	struct hlist_node hnode;	/* mvmm_vm_hash, by struct kvm */
	struct list_head node;		/* mvmm_vm_list, by id */
	struct rcu_head rcu;
	const struct kvm *kvm;		/* identity only once destroyed */
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	/*
	 * The effective uid of the process that created the VM, or
	 * INVALID_UID if mvmm could not find it: netlink shows the VM to
	 * senders of that uid and to those with CAP_NET_ADMIN.
	 */
	kuid_t owner;
	u64 first_seen_ns;
	struct mvmm_vm_stats __percpu *stats;
	/*
	 * Read with preemption off or under the exit SRCU (exit_srcu.h);
	 * written under mvmm_vm_lock.
	 */
	struct mvmm_policy __rcu *policy;
	/*
	 * @policy's route_types (table.h), readable without a lock: the
	 * hooks test it before anything else (complete.c).
	 */
	u64 route_types;
	struct list_head vcpus;		/* struct mvmm_vcpu, under mvmm_vm_lock */
	/*
	 * KVM's IRQ source id of the VM's kernel secondaries (irq.c), -1:
	 * none yet. Under mvmm_vm_lock; set by irq.c under its own mutex.
	 */
	int irq_src;
};

/*
 * Is @vcpu running a nested (L2) guest? KVM's is_guest_mode() is in a
 * private header; this is its test.
 */
static inline bool mvmm_vcpu_in_l2(const struct kvm_vcpu *vcpu)
{
	return vcpu->arch.hflags & HF_GUEST_MASK;
}

static inline u8 mvmm_vcpu_origin(const struct kvm_vcpu *vcpu)
{
	return mvmm_vcpu_in_l2(vcpu) ? MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1;
}

/*
 * What mvmm keeps per vCPU: found from the struct kvm_vcpu on every exit.
 * Everything below @vm is used by the vCPU's own thread only.
 */
struct mvmm_vcpu {
	struct hlist_node hnode;	/* mvmm_vcpu_hash, by struct kvm_vcpu */
	struct list_head node;		/* its VM's vcpus */
	struct rcu_head rcu;
	const struct kvm_vcpu *vcpu;
	struct mvmm_vm *vm;
	/*
	 * Set while the vCPU is in mvmm's vcpu_run wrapper, guest included:
	 * unloading waits until it is clear (exit.c).
	 */
	bool in_run;
	/*
	 * The last exit as it returned from the guest: what the vendor said
	 * (@exit) and its type, counted; the whole event (@ev) is made from
	 * @exit only for exits a rule may act on (mvmm_exit_event()).
	 */
	struct mvmm_exit_info exit;
	u16 type;
	bool ev_valid;
	struct mvmm_event ev;
	/*
	 * @ev has not been taken yet by the hook where KVM starts handling
	 * it (complete.c): each exit is completed at most once.
	 */
	bool pending;
	/* The same for the bus access KVM's emulator is making (bus.c). */
	struct mvmm_rule bus_rule;
	/*
	 * What route.c hands a secondary and gets back: here rather than on
	 * the stack, deep in KVM's call chain, where the kernel would also
	 * clear them on every call (CONFIG_INIT_STACK_ALL_ZERO). A vCPU
	 * routes one event at a time: its exit's, or one bus access after.
	 */
	struct mvmm_request req;
	struct mvmm_answer ans;
	/* bus.c passes an access on to KVM's bus: not to be taken again. */
	bool bus_to_kvm;
	/*
	 * The vCPU's thread is in KVM's handle_exit through mvmm's wrapper,
	 * which undoes an instruction whose bus access a signal stopped
	 * (bus.c): @bus_stopped, with the GPRs as they were before it.
	 */
	bool exit_wrapped;
	bool bus_stopped;
	unsigned long bus_gprs[VCPU_REGS_RIP];	/* regs[] up to RIP */
	/* The handler whose backend's ->call() the vCPU's thread is in. */
	struct mvmm_handler *in_handle;
	/* Events routed, sync, at the exit or on a bus: see mvmm_backend.call. */
	u64 routes;
};

/* Who a VM is: what every netlink message about it carries. */
struct mvmm_vm_ident {
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

/* What netlink reports about one VM: a consistent copy, no live pointers. */
struct mvmm_vm_snap {
	struct mvmm_vm_ident who;
	u32 vcpus;
	u64 age_ms;
	u64 exits[__MVMM_EV_MAX];
	u64 fastpath[__MVMM_EV_MAX];
	u64 l2[__MVMM_EV_MAX];
	u64 routed[__MVMM_EV_MAX];
	u64 completed[__MVMM_EV_MAX];
};

int mvmm_vms_init(void);
void mvmm_vms_exit(void);

/*
 * The VM of an exit of @kvm, registered on first sight (@gfp says whether
 * that may sleep); NULL only if that registration failed. Valid until the
 * exit returns.
 */
struct mvmm_vm *mvmm_vm_get(struct kvm *kvm, gfp_t gfp);

/*
 * The mvmm state of @vcpu, registered (with its VM) on first sight (@gfp
 * says whether that may sleep); NULL only if that failed. Lives as long
 * as the VM.
 */
struct mvmm_vcpu *mvmm_vcpu_get(struct kvm_vcpu *vcpu, gfp_t gfp);
/* Register @vcpu: mvmm_vcpu_get()'s slow path. */
struct mvmm_vcpu *mvmm_vcpu_add(struct kvm_vcpu *vcpu, gfp_t gfp);

/*
 * The vCPU whose exit each CPU saw last, so that the hooks of that exit
 * find its state without a hash look-up. Written by mvmm_vcpu_run()
 * (interrupts off); an entry is cleared before its VM is freed.
 */
struct mvmm_vcpu_cache {
	const struct kvm_vcpu *vcpu;
	struct mvmm_vcpu *vc;
};
DECLARE_PER_CPU(struct mvmm_vcpu_cache, mvmm_vcpu_cache);

/* The mvmm state of @vcpu if it has one; lock-free. */
struct mvmm_vcpu *mvmm_vcpu_find_slow(const struct kvm_vcpu *vcpu);

/* mvmm_vcpu_find() for a caller with preemption off. */
static inline struct mvmm_vcpu *
mvmm_vcpu_find_atomic(const struct kvm_vcpu *vcpu)
{
	struct mvmm_vcpu_cache *c = this_cpu_ptr(&mvmm_vcpu_cache);

	return likely(c->vcpu == vcpu) ? c->vc : mvmm_vcpu_find_slow(vcpu);
}

static inline struct mvmm_vcpu *mvmm_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct mvmm_vcpu *vc;

	preempt_disable();
	vc = mvmm_vcpu_find_atomic(vcpu);
	preempt_enable();
	return vc;
}

/* vm.c's vCPU hash: inline here, for the look-up every exit makes. */
#define MVMM_VCPU_HASH_BITS	10
extern struct hlist_head mvmm_vcpu_hash[1 << MVMM_VCPU_HASH_BITS];

/* mvmm_vcpu_find() for a caller in an RCU read-side section. */
static inline struct mvmm_vcpu *__mvmm_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct mvmm_vcpu *vc;

	hlist_for_each_entry_rcu(vc, &mvmm_vcpu_hash[hash_ptr(vcpu,
						MVMM_VCPU_HASH_BITS)], hnode)
		if (vc->vcpu == vcpu)
			return vc;
	return NULL;
}

/*
 * Kick every vCPU that is in mvmm's vcpu_run wrapper (->in_run) out of
 * the guest; false if none is.
 */
bool mvmm_vcpus_kick_running(void);

/* Account one exit of @vm: its type, origin, whether KVM's fastpath took it. */
static inline void mvmm_vm_count(struct mvmm_vm *vm, unsigned int type,
				 bool l2, bool fastpath)
{
	struct mvmm_vm_stats __percpu *st = vm->stats;

	this_cpu_inc(st->exits[type]);
	if (unlikely(fastpath))
		this_cpu_inc(st->fastpath[type]);
	if (unlikely(l2))
		this_cpu_inc(st->l2[type]);
}

/*
 * Account one event of @vm that a rule sent to a secondary (handler,
 * group or answer), and whether mvmm then completed it itself (@done).
 */
static inline void mvmm_vm_count_routed(struct mvmm_vm *vm,
					const struct mvmm_event *ev, bool done)
{
	/* Classifiers make no type past MVMM_EV_MAX: no check here. */
	this_cpu_inc(vm->stats->routed[ev->type]);
	if (done)
		this_cpu_inc(vm->stats->completed[ev->type]);
}

/*
 * Publish @p as VM @id's policy (under mvmm_policy_mutex), taking over the
 * caller's reference. Cannot fail: if the VM is gone, @p is dropped.
 */
void mvmm_vm_policy_set(u32 id, struct mvmm_policy *p);

/* A reference to VM @id's policy (NULL: empty), or ERR_PTR(-ENOENT). */
struct mvmm_policy *mvmm_vm_policy_ref(u32 id);

/*
 * VM @id's struct kvm with a reference (mvmm_kvm.put_kvm() it), or NULL
 * once KVM destroys it. With @irq_src, the VM's irq_src too.
 */
struct kvm *mvmm_vm_kvm_get(u32 id, int *irq_src);
/*
 * Make @src (>= 0) VM @id's irq_src if it has none. Returns its irq_src
 * then (-1: none), or -ENOTCONN once the VM is gone.
 */
int mvmm_vm_irq_src_set(u32 id, int src);

/*
 * Who asks about VMs through netlink (netlink.c, mvmm_nl_viewer()):
 * a sender that may see every VM (@all), or one that sees only the VMs
 * whose owner is @uid.
 */
struct mvmm_vm_viewer {
	bool all;
	kuid_t uid;
};

/* Does VM @id exist for @v? */
bool mvmm_vm_shown(u32 id, const struct mvmm_vm_viewer *v);

/*
 * Copy out the VM with id @id (@exact) or the first VM with an id above
 * @id (!@exact), of those @v may see. Returns 0 or -ENOENT.
 */
int mvmm_vm_snapshot(u32 id, bool exact, const struct mvmm_vm_viewer *v,
		     struct mvmm_vm_snap *snap);

#endif /* _MVMM_VM_H */

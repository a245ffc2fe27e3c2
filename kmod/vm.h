/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_VM_H
#define _MVMM_VM_H

#include <linux/kvm_host.h>
#include <linux/mvmm.h>

struct mvmm_policy;
struct mvmm_policy_edit;
struct mvmm_policy_err;
struct mvmm_vm_stats;

struct mvmm_vm {
	struct hlist_node hnode;	/* mvmm_vm_hash, by struct kvm */
	struct list_head node;		/* mvmm_vm_list, by id */
	struct rcu_head rcu;
	const struct kvm *kvm;		/* identity only once destroyed */
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u64 first_seen_ns;
	struct mvmm_vm_stats __percpu *stats;
	/* Read under the exit SRCU; written under mvmm_vm_lock. */
	struct mvmm_policy __rcu *policy;
};

/* What netlink reports about one VM: a consistent copy, no live pointers. */
struct mvmm_vm_snap {
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
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

/* Account one exit of @vm. */
void mvmm_vm_count(struct mvmm_vm *vm, const struct mvmm_event *ev,
		   bool fastpath);

/*
 * Account one event of @vm that a rule sent to a secondary (handler,
 * group or answer), and whether mvmm then completed it itself (@done).
 */
void mvmm_vm_count_routed(struct mvmm_vm *vm, const struct mvmm_event *ev,
			  bool done);

/*
 * Apply @e to VM @id's policy (under mvmm_policy_mutex). 0, -ESRCH (no
 * such VM: -ENOENT is the edit's "no such rule") or the edit's error.
 */
int mvmm_vm_policy_edit(u32 id, struct mvmm_policy_edit *e,
			struct mvmm_policy_err *err);

/*
 * Publish @p as VM @id's policy (under mvmm_policy_mutex), taking over the
 * caller's reference. Cannot fail: if the VM is gone, @p is dropped.
 */
void mvmm_vm_policy_set(u32 id, struct mvmm_policy *p);

/* A reference to VM @id's policy (NULL: empty), or ERR_PTR(-ENOENT). */
struct mvmm_policy *mvmm_vm_policy_ref(u32 id);

/*
 * Copy out the VM with id @id (@exact) or the first VM with an id above
 * @id (!@exact). Returns 0 or -ENOENT.
 */
int mvmm_vm_snapshot(u32 id, bool exact, struct mvmm_vm_snap *snap);

#endif /* _MVMM_VM_H */

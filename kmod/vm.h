/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_VM_H
#define _MVMM_VM_H

#include <linux/kvm_host.h>
#include <linux/mvmm.h>

struct mvmm_vm;

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
};

int mvmm_vms_init(void);
void mvmm_vms_exit(void);

/*
 * Account one exit of @kvm. The VM is registered on first sight; @gfp
 * says whether that registration may sleep.
 */
void mvmm_vm_account(struct kvm *kvm, const struct mvmm_event *ev,
		     bool fastpath, gfp_t gfp);

/*
 * Copy out the VM with id @id (@exact) or the first VM with an id above
 * @id (!@exact). Returns 0 or -ENOENT.
 */
int mvmm_vm_snapshot(u32 id, bool exact, struct mvmm_vm_snap *snap);

#endif /* _MVMM_VM_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm: several virtual machine monitors sharing one KVM host.
 *
 * Load order matters: KVM's symbols first, then the handler registry and
 * the VM registry (with its watch on VM teardown), then the exit hook that
 * feeds them and the hook points that tables install on demand (exit.c,
 * bus.c, complete.c), the netlink family, and /dev/mvmm last: once it is
 * registered a process may open it and attach, and nothing after that
 * may fail (a failed init cannot wait for open files). Unload is the
 * reverse: no more requests, every hook off, then wait until no vCPU is
 * in mvmm's code before anything is freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include "answer_tgt.h"
#include "bus.h"
#include "complete.h"
#include "exit.h"
#include "exit_srcu.h"
#include "group.h"
#include "handler.h"
#include "hook.h"
#include "ksyms.h"
#include "netlink.h"
#include "table.h"
#include "chardev.h"
#include "vm.h"

/*
 * The objects the control plane may have created, once no hook can reach
 * them: VMs and their tables, the default table, groups, answers.
 */
static void mvmm_objects_exit(void)
{
	mvmm_vms_exit();
	mvmm_default_policy_exit();
	/*
	 * A handler's call count (percpu_ref) may still end in an RCU
	 * callback that queues the handler's free: let it, then wait for
	 * that and the policies, freed after an RCU grace period and an
	 * exit-SRCU one (mvmm_exit_barrier() waits for both).
	 */
	rcu_barrier();
	mvmm_exit_barrier();
	/* Groups next: their old member sets were such callbacks too. */
	mvmm_groups_exit();
	/* No table names an answer any more. */
	mvmm_answer_tgt_exit();
}

static int __init mvmm_init(void)
{
	int ret;

	ret = mvmm_ksyms_init();
	if (ret)
		return ret;
	ret = mvmm_vms_init();
	if (ret)
		goto err_ksyms;
	ret = mvmm_exit_hooks_init();
	if (ret)
		goto err_vms;
	mvmm_bus_hooks_init();
	mvmm_complete_hooks_init();
	ret = mvmm_netlink_init();
	if (ret)
		goto err_hooks;
	ret = mvmm_chardev_init();
	if (ret)
		goto err_netlink;

	pr_info("hooked %s exits\n", mvmm_kvm.vmx ? "VMX" : "SVM");
	return 0;

err_netlink:
	mvmm_netlink_exit();
err_hooks:
	mvmm_hookpoints_remove_all();
	mvmm_exit_hooks_exit();
err_vms:
	mvmm_objects_exit();
	mvmm_handlers_exit();
err_ksyms:
	mvmm_ksyms_exit();
	return ret;
}

static void __exit mvmm_exit(void)
{
	/* Open /dev/mvmm files pin the module: none is attached here. */
	mvmm_chardev_exit();
	mvmm_netlink_exit();
	mvmm_hookpoints_remove_all();
	mvmm_exit_hooks_exit();
	mvmm_objects_exit();
	mvmm_handlers_exit();
	mvmm_ksyms_exit();
	pr_info("unhooked\n");
}

module_init(mvmm_init);
module_exit(mvmm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route KVM VM exits to several virtual machine monitors");
MODULE_ALIAS_GENL_FAMILY(MVMM_GENL_NAME);

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm_debugcon: a Bochs-style debug console as a secondary VMM.
 *
 * Route a VM's port 0xe9 to it:
 *
 *	mvmmctl rule add vm 3 io port 0xe9 handler debugcon
 *
 * Bytes the guest writes there are kept per VM (the last 4 KiB of each)
 * and shown by /sys/kernel/debug/mvmm_debugcon/output until the VM is
 * destroyed; /sys/kernel/debug/mvmm_debugcon/buffers counts the VMs kept.
 * A read of the port returns 0xe9, the usual presence check.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <mvmm/secondary.h>

#define DEBUGCON_PORT	0xe9
#define DEBUGCON_BUF	4096

struct debugcon_vm {
	spinlock_t lock;	/* a VM's vCPUs write concurrently */
	u64 total;		/* bytes ever written */
	struct rcu_head rcu;	/* the output file may still be reading it */
	char buf[DEBUGCON_BUF];	/* ring of the last DEBUGCON_BUF bytes */
};

static DEFINE_XARRAY(debugcon_vms);	/* by mvmm VM id */
static atomic_t debugcon_nr_vms;	/* entries of debugcon_vms */
static struct mvmm_handler *debugcon_handler;
static struct dentry *debugcon_dir;

static struct debugcon_vm *debugcon_vm(u32 id)
{
	struct debugcon_vm *v = xa_load(&debugcon_vms, id), *old;

	if (v)
		return v;
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return NULL;
	spin_lock_init(&v->lock);
	old = xa_cmpxchg(&debugcon_vms, id, NULL, v, GFP_KERNEL);
	if (old) {
		kfree(v);
		return xa_is_err(old) ? NULL : old;
	}
	atomic_inc(&debugcon_nr_vms);
	return v;
}

/*
 * The VM is gone, and with it every vCPU that could write to its buffer;
 * mvmm never gives its id to another VM. A reader of the output file may
 * still hold the buffer, under RCU.
 */
static void debugcon_vm_gone(struct mvmm_handler *h, u32 vm_id)
{
	struct debugcon_vm *v = xa_erase(&debugcon_vms, vm_id);

	if (!v)
		return;
	atomic_dec(&debugcon_nr_vms);
	kfree_rcu(v, rcu);
}

static int debugcon_handle(struct mvmm_handler *h,
			   const struct mvmm_request *req,
			   struct mvmm_answer *ans)
{
	const struct mvmm_event *ev = &req->ev;
	struct debugcon_vm *v;
	unsigned int i;

	if (ev->type != MVMM_EV_IO || ev->qual != DEBUGCON_PORT ||
	    (ev->flags & MVMM_EVF_STRING)) {
		ans->action = MVMM_ACT_MAIN;
		return 0;
	}
	ans->action = MVMM_ACT_HANDLED;
	if (!(ev->flags & MVMM_EVF_WRITE)) {
		ans->value = DEBUGCON_PORT;
		return 0;
	}

	v = debugcon_vm(req->vm_id);
	if (!v)
		return -ENOMEM;	/* the rule's fallback applies */
	spin_lock(&v->lock);
	for (i = 0; i < ev->size; i++)
		v->buf[v->total++ % DEBUGCON_BUF] =
			req->gprs[MVMM_GPR_RAX] >> (8 * i);
	spin_unlock(&v->lock);
	return 0;
}

static const struct mvmm_handler_ops debugcon_ops = {
	.handle = debugcon_handle,
	.vm_gone = debugcon_vm_gone,
	.owner = THIS_MODULE,
};

static int debugcon_show(struct seq_file *m, void *unused)
{
	struct debugcon_vm *v;
	unsigned long id;
	u64 start, i;

	/* Printing does not sleep: a buffer freed meanwhile waits for it. */
	rcu_read_lock();
	xa_for_each(&debugcon_vms, id, v) {
		spin_lock(&v->lock);
		start = v->total > DEBUGCON_BUF ? v->total - DEBUGCON_BUF : 0;
		seq_printf(m, "vm %lu: %llu bytes\n", id, v->total);
		for (i = start; i < v->total; i++)
			seq_putc(m, v->buf[i % DEBUGCON_BUF]);
		if (v->total)
			seq_putc(m, '\n');
		spin_unlock(&v->lock);
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(debugcon);

static int __init debugcon_init(void)
{
	debugcon_handler = mvmm_handler_register("debugcon", &debugcon_ops,
						 NULL);
	if (IS_ERR(debugcon_handler))
		return PTR_ERR(debugcon_handler);
	debugcon_dir = debugfs_create_dir("mvmm_debugcon", NULL);
	debugfs_create_file("output", 0400, debugcon_dir, NULL,
			    &debugcon_fops);
	debugfs_create_atomic_t("buffers", 0400, debugcon_dir,
				&debugcon_nr_vms);
	return 0;
}

static void __exit debugcon_exit(void)
{
	struct debugcon_vm *v;
	unsigned long id;

	debugfs_remove_recursive(debugcon_dir);
	/*
	 * No vCPU is in debugcon_handle(), and no VM teardown in
	 * debugcon_vm_gone(), once this returns.
	 */
	mvmm_handler_unregister(debugcon_handler);
	xa_for_each(&debugcon_vms, id, v)
		kfree(v);
	xa_destroy(&debugcon_vms);
}

module_init(debugcon_init);
module_exit(debugcon_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvmm secondary: per-VM debug console on port 0xe9");

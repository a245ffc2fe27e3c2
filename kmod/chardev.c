// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mvmm: each open file can attach, as a named handler, to the VM
 * behind a KVM VM file descriptor, and then serves that VM's events from
 * userspace (see "Userspace secondaries" in uapi/linux/mvmm.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "compat.h"
#include "guest_mem.h"
#include "handler.h"
#include "irq.h"
#include "ksyms.h"
#include "chardev.h"
#include "user_secondary.h"
#include "vm.h"

struct mvmm_ufile {
	struct mutex lock;		/* attach */
	struct mvmm_handler *h;
	struct mvmm_usersec *u;		/* set once, by attach */
	u32 vm_id;			/* @u's VM */
	struct mvmm_irq_src irq_src;	/* its GSI lines: MVMM_IOC_IRQ_LINE */
};

static int mvmm_chardev_open(struct inode *inode, struct file *file)
{
	/* The opener's, as long as the file is: charged to its cgroup. */
	struct mvmm_ufile *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	mvmm_irq_src_init(&f->irq_src);
	file->private_data = f;
	return 0;
}

static int mvmm_chardev_release(struct inode *inode, struct file *file)
{
	struct mvmm_ufile *f = file->private_data;

	if (f->u) {
		/* Lines this file held high go down with it. */
		mvmm_irq_src_release(&f->irq_src, f->vm_id);
		/* Waiting vCPUs take their fallback, then none can enter. */
		mvmm_usersec_kill(f->u);
		mvmm_handler_unregister(f->h);
		mvmm_usersec_destroy(f->u);
	}
	kfree(f);
	return 0;
}

/* The attached state, or NULL; pairs with the release in attach. */
static struct mvmm_usersec *mvmm_chardev_usersec(struct file *file)
{
	struct mvmm_ufile *f = file->private_data;

	/* Pairs with the store-release at the end of a successful attach. */
	return smp_load_acquire(&f->u);
}

static int mvmm_attach_check(const struct mvmm_attach *a)
{
	if (a->size != sizeof(*a) ||
	    a->flags & ~(MVMM_ATTACH_POLL | MVMM_ATTACH_NOSPIN) ||
	    a->reserved)
		return -EINVAL;
	/* Only the eventfd mode spins adaptively; NOSPIN takes no ceiling. */
	if ((a->flags & MVMM_ATTACH_NOSPIN) &&
	    (a->flags & MVMM_ATTACH_POLL || a->poll_us))
		return -EINVAL;
	if (strnlen(a->name, sizeof(a->name)) == sizeof(a->name))
		return -EINVAL;
	if (a->timeout_ms > MVMM_TIMEOUT_MAX_MS ||
	    a->poll_us > MVMM_POLL_MAX_US)
		return -EINVAL;
	if (a->obs_entries && (!is_power_of_2(a->obs_entries) ||
			       a->obs_entries > MVMM_OBS_MAX))
		return -EINVAL;
	/* Polling secondaries get no eventfd signals; waking needs one. */
	if ((a->flags & MVMM_ATTACH_POLL) ? a->eventfd != -1 : a->eventfd < 0)
		return -EINVAL;
	return 0;
}

/*
 * The VM behind @fd: its mvmm id and vCPU limit. Holding the file (in
 * @vmf, on success: fdput() it) keeps the VM, and so its mvmm entry,
 * alive until its handler is registered.
 */
static int mvmm_attach_vm(int fd, struct fd *vmf, u32 *vm_id, u32 *nr_slots)
{
	struct mvmm_vm *vm;
	struct kvm *kvm;
	int ret;

	*vmf = fdget(fd);
	if (!fd_file(*vmf))
		return -EBADF;
	ret = -EINVAL;
	if (!mvmm_kvm.file_is_kvm(fd_file(*vmf)))
		goto err;
	kvm = fd_file(*vmf)->private_data;
	ret = -ENOMEM;
	vm = mvmm_vm_get(kvm, GFP_KERNEL);
	if (!vm)
		goto err;
	*vm_id = vm->id;
	*nr_slots = kvm->max_vcpus;
	return 0;
err:
	fdput(*vmf);
	return ret;
}

static long mvmm_chardev_attach(struct file *file, void __user *argp)
{
	struct mvmm_ufile *f = file->private_data;
	struct eventfd_ctx *efd = NULL;
	struct mvmm_handler *h;
	struct mvmm_attach a;
	struct mvmm_usersec *u;
	u32 vm_id, nr_slots;
	struct fd vmf;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = mvmm_attach_check(&a);
	if (ret)
		return ret;

	mutex_lock(&f->lock);
	ret = -EBUSY;
	if (f->u)
		goto err_unlock;
	ret = mvmm_attach_vm(a.vm_fd, &vmf, &vm_id, &nr_slots);
	if (ret)
		goto err_unlock;
	if (a.eventfd >= 0) {
		efd = eventfd_ctx_fdget(a.eventfd);
		if (IS_ERR(efd)) {
			ret = PTR_ERR(efd);
			goto err_vm;
		}
	}
	u = mvmm_usersec_create(&a, vm_id, nr_slots, efd);
	if (IS_ERR(u)) {
		ret = PTR_ERR(u);
		goto err_vm;
	}
	/* Still holding the VM file: its end cannot go unnoticed. */
	h = mvmm_handler_register_backend(a.name, &mvmm_usersec_backend,
					  vm_id, u);
	if (IS_ERR(h)) {
		ret = PTR_ERR(h);
		goto err_usersec;
	}

	a.vm_id = vm_id;
	a.nr_slots = nr_slots;
	a.mmap_size = mvmm_usersec_ring_size(u);
	if (copy_to_user(argp, &a, sizeof(a))) {
		ret = -EFAULT;
		goto err_handler;
	}
	f->h = h;
	f->vm_id = vm_id;
	fdput(vmf);
	/* Readers of f->u see a complete attach. */
	smp_store_release(&f->u, u);
	mutex_unlock(&f->lock);
	return 0;

err_handler:
	mvmm_usersec_kill(u);
	mvmm_handler_unregister(h);
err_usersec:
	mvmm_usersec_destroy(u);
err_vm:
	fdput(vmf);
err_unlock:
	mutex_unlock(&f->lock);
	return ret;
}

static long mvmm_chardev_irq_line(struct file *file, void __user *argp)
{
	struct mvmm_ufile *f = file->private_data;
	struct mvmm_irq_line l;
	int ret;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	ret = mvmm_irq_line_user(f->vm_id, &f->irq_src, &l);
	if (ret)
		return ret;
	return put_user(l.status, &((struct mvmm_irq_line __user *)argp)->status);
}

static long mvmm_chardev_msi(struct file *file, void __user *argp)
{
	struct mvmm_ufile *f = file->private_data;
	struct mvmm_msi m;
	int ret;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	ret = mvmm_irq_msi_user(f->vm_id, &m);
	if (ret)
		return ret;
	return put_user(m.status, &((struct mvmm_msi __user *)argp)->status);
}

static long mvmm_chardev_mem(struct file *file, void __user *argp, bool write)
{
	struct mvmm_ufile *f = file->private_data;
	struct mvmm_mem m;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	return mvmm_guest_mem_user(f->vm_id, &m, write);
}

static long mvmm_chardev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct mvmm_ustats st;
	struct mvmm_reply r;
	struct mvmm_usersec *u;

	if (cmd == MVMM_IOC_ATTACH)
		return mvmm_chardev_attach(file, argp);

	u = mvmm_chardev_usersec(file);
	switch (cmd) {
	case MVMM_IOC_ANSWER:
		if (!u)
			return -ENOTCONN;
		if (copy_from_user(&r, argp, sizeof(r)))
			return -EFAULT;
		return mvmm_usersec_answer(u, &r);
	case MVMM_IOC_KICK:
		if (!u)
			return -ENOTCONN;
		return mvmm_usersec_kick(u, arg);
	case MVMM_IOC_STATS:
		if (!u)
			return -ENOTCONN;
		mvmm_usersec_stats(u, &st);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	/* The VM is f->vm_id, read after the acquire of f->u. */
	case MVMM_IOC_IRQ_LINE:
		if (!u)
			return -ENOTCONN;
		return mvmm_chardev_irq_line(file, argp);
	case MVMM_IOC_MSI:
		if (!u)
			return -ENOTCONN;
		return mvmm_chardev_msi(file, argp);
	case MVMM_IOC_MEM_READ:
	case MVMM_IOC_MEM_WRITE:
		if (!u)
			return -ENOTCONN;
		return mvmm_chardev_mem(file, argp, cmd == MVMM_IOC_MEM_WRITE);
	default:
		return -ENOTTY;
	}
}

static ssize_t mvmm_chardev_read(struct file *file, char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct mvmm_usersec *u = mvmm_chardev_usersec(file);

	if (!u)
		return -ENOTCONN;
	return mvmm_usersec_read(u, buf, len, file->f_flags & O_NONBLOCK);
}

static __poll_t mvmm_chardev_poll(struct file *file, poll_table *wait)
{
	struct mvmm_usersec *u = mvmm_chardev_usersec(file);

	if (!u)
		return EPOLLERR;
	return mvmm_usersec_poll(u, file, wait);
}

static int mvmm_chardev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mvmm_usersec *u = mvmm_chardev_usersec(file);

	if (!u)
		return -ENOTCONN;
	return mvmm_usersec_mmap(u, vma);
}

static const struct file_operations mvmm_chardev_fops = {
	.owner = THIS_MODULE,
	.open = mvmm_chardev_open,
	.release = mvmm_chardev_release,
	.unlocked_ioctl = mvmm_chardev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = mvmm_chardev_read,
	.poll = mvmm_chardev_poll,
	.mmap = mvmm_chardev_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice mvmm_chardev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MVMM_DEV_NAME,
	.fops = &mvmm_chardev_fops,
	.mode = 0600,
};

int mvmm_chardev_init(void)
{
	return misc_register(&mvmm_chardev);
}

void mvmm_chardev_exit(void)
{
	misc_deregister(&mvmm_chardev);
}

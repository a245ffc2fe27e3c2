// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm_testsec: a secondary VMM for the VM tests only (handler "testsec").
 *
 * It answers the events listed in testsec.h with values a test can
 * predict, and module parameters (writable at run time under
 * /sys/module/mvmm_testsec/parameters/) make it misbehave on purpose:
 *
 *   mode           enum testsec_mode: answer, main, inject, invalid, fail,
 *                  detach (unregister from inside ->handle()), fail with
 *                  -EINTR
 *   inject_vector  the exception "inject" mode injects (default 13, #GP)
 *   inject_error   its error code, for vectors that push one
 *   sleep_us       sleep this long in every ->handle() call, so that a
 *                  test can unload the module with events in flight
 *   atomic         (at load only) register as a handler that never
 *                  sleeps (ops->atomic): sleep_us and detach are then
 *                  refused, and the ports whose calls may sleep (MSI,
 *                  line, memory) are passed to main
 *
 * /sys/kernel/debug/mvmm_testsec/ shows what it saw, for cross-checks
 * against mvmm's own counters and the guest's view:
 *
 *   stats  "<type> <calls> <handled>" per event type
 *   io     "<port> <outs> <last value>" per port of its range
 *   msr    "<index> <writes> <last value>" per MSR of its range
 *   last   the last request: VM and vCPU id, type, qualifiers
 *   mem    "<done> <last errno>": transfers of TESTSEC_MEM_LATER_PORT
 *          its work item completed, and the last one's result
 *   atomic "<calls>": ->handle() calls made with preemption disabled
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <mvmm/secondary.h>
#include "testsec.h"

#define TESTSEC_MAX_SLEEP_US	100000

enum testsec_type {
	TS_IO_IN,
	TS_IO_OUT,
	TS_MSR_READ,
	TS_MSR_WRITE,
	TS_CPUID,
	TS_HYPERCALL,
	TS_HLT,
	TS_EXCEPTION,
	TS_OTHER,
	TS_NR_TYPES
};

static const char *const testsec_type_name[TS_NR_TYPES] = {
	[TS_IO_IN] = "io-in",
	[TS_IO_OUT] = "io-out",
	[TS_MSR_READ] = "msr-read",
	[TS_MSR_WRITE] = "msr-write",
	[TS_CPUID] = "cpuid",
	[TS_HYPERCALL] = "hypercall",
	[TS_HLT] = "hlt",
	[TS_EXCEPTION] = "exception",
	[TS_OTHER] = "other",
};

static int testsec_mode = TESTSEC_ANSWER;
static unsigned int inject_vector = 13;
static unsigned int inject_error;
static unsigned int sleep_us;

static bool testsec_atomic;
module_param_named(atomic, testsec_atomic, bool, 0444);
MODULE_PARM_DESC(atomic, "register as a handler that never sleeps");

static int testsec_set_mode(const char *val, const struct kernel_param *kp)
{
	int m, ret = kstrtoint(val, 0, &m);

	if (ret)
		return ret;
	if (m < 0 || m >= TESTSEC_NR_MODES ||
	    (testsec_atomic && m == TESTSEC_DETACH))
		return -EINVAL;
	WRITE_ONCE(testsec_mode, m);
	return 0;
}

static const struct kernel_param_ops testsec_mode_ops = {
	.set = testsec_set_mode,
	.get = param_get_int,
};
module_param_cb(mode, &testsec_mode_ops, &testsec_mode, 0644);
MODULE_PARM_DESC(mode, "0 answer, 1 main, 2 inject, 3 invalid answer, 4 fail, 5 detach, 6 fail with -EINTR");

/* A bounded sleep: a typo must not stall a vCPU for minutes. */
static int testsec_set_sleep(const char *val, const struct kernel_param *kp)
{
	unsigned int us;
	int ret = kstrtouint(val, 0, &us);

	if (ret)
		return ret;
	if (us > TESTSEC_MAX_SLEEP_US || (testsec_atomic && us))
		return -EINVAL;
	WRITE_ONCE(sleep_us, us);
	return 0;
}

static const struct kernel_param_ops testsec_sleep_ops = {
	.set = testsec_set_sleep,
	.get = param_get_uint,
};
module_param_cb(sleep_us, &testsec_sleep_ops, &sleep_us, 0644);
MODULE_PARM_DESC(sleep_us, "microseconds to sleep per event (at most 100000)");

module_param(inject_vector, uint, 0644);
MODULE_PARM_DESC(inject_vector, "vector injected in mode 2 (default 13)");
module_param(inject_error, uint, 0644);
MODULE_PARM_DESC(inject_error, "error code injected in mode 2, if the vector has one");

static atomic64_t testsec_calls[TS_NR_TYPES];
static atomic64_t testsec_handled[TS_NR_TYPES];
static atomic64_t testsec_io_outs[TESTSEC_NR_PORTS];
static atomic64_t testsec_io_last[TESTSEC_NR_PORTS];
static atomic64_t testsec_msr_writes[TESTSEC_NR_MSRS];
static atomic64_t testsec_msr_last[TESTSEC_NR_MSRS];
static atomic64_t testsec_atomic_calls;

static DEFINE_SPINLOCK(testsec_last_lock);
static struct mvmm_request testsec_last;
static bool testsec_have_last;

static struct mvmm_handler *testsec_handler;
static struct dentry *testsec_dir;

static enum testsec_type testsec_type(const struct mvmm_event *ev)
{
	switch (ev->type) {
	case MVMM_EV_IO:
		if (ev->flags & MVMM_EVF_STRING)
			return TS_OTHER;
		return ev->flags & MVMM_EVF_WRITE ? TS_IO_OUT : TS_IO_IN;
	case MVMM_EV_MSR_READ:
		return TS_MSR_READ;
	case MVMM_EV_MSR_WRITE:
		return TS_MSR_WRITE;
	case MVMM_EV_CPUID:
		return TS_CPUID;
	case MVMM_EV_HYPERCALL:
		return TS_HYPERCALL;
	case MVMM_EV_HLT:
		return TS_HLT;
	case MVMM_EV_EXCEPTION:
		return TS_EXCEPTION;
	default:
		return TS_OTHER;
	}
}

static bool testsec_has_error_code(unsigned int vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14:
	case 17: case 21: case 29: case 30:
		return true;
	default:
		return false;
	}
}

static u64 testsec_size_mask(unsigned int size)
{
	return size == 4 ? 0xffffffffULL : size == 2 ? 0xffff : 0xff;
}

/* An OUT of @v to TESTSEC_MSI_PORT or _LINE_PORT: 0 or the call's -errno. */
static int testsec_irq(const struct mvmm_request *req, u64 v)
{
	struct mvmm_msi msi = { .address_lo = 0xfee00000, .data = (u8)v };

	if (req->ev.qual == TESTSEC_MSI_PORT)
		return mvmm_msi(req->vm_id, &msi);
	return mvmm_irq_line(req->vm_id, v >> 1, v & 1);
}

/*
 * Guest memory (mvmm_guest_mem_test): TESTSEC_MEM_LEN bytes at @gpa read,
 * their complement written at @gpa + TESTSEC_MEM_LEN: 0 or -errno.
 */
static int testsec_mem_copy(u32 vm_id, u64 gpa)
{
	u8 buf[TESTSEC_MEM_LEN];
	int i, ret;

	ret = mvmm_guest_read(vm_id, gpa, buf, sizeof(buf));
	if (ret)
		return ret;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = ~buf[i];
	return mvmm_guest_write(vm_id, gpa + TESTSEC_MEM_LEN, buf, sizeof(buf));
}

/* The same later, from a kworker: a device completing a transfer. */
static struct {
	struct work_struct work;
	u32 vm_id;
	u64 gpa;
	atomic64_t done;
	atomic_t ret;
} testsec_mem_later;

static void testsec_mem_work(struct work_struct *work)
{
	atomic_set(&testsec_mem_later.ret,
		   testsec_mem_copy(testsec_mem_later.vm_id,
				    testsec_mem_later.gpa));
	/* Pairs with the acquire of a reader of "mem". */
	atomic64_inc_return_release(&testsec_mem_later.done);
}

/* An OUT of @v to TESTSEC_MEM_PORT or _LATER_PORT: 0 or -errno. */
static int testsec_mem(const struct mvmm_request *req, u64 v)
{
	if (req->ev.qual == TESTSEC_MEM_PORT)
		return testsec_mem_copy(req->vm_id, v);
	/* One transfer at a time; the guest waits for each. */
	if (work_pending(&testsec_mem_later.work))
		return -EBUSY;
	testsec_mem_later.vm_id = req->vm_id;
	testsec_mem_later.gpa = v;
	return schedule_work(&testsec_mem_later.work) ? 0 : -EBUSY;
}

/* The TESTSEC_ANSWER mode: fill @ans and return true, or leave it to main. */
static bool testsec_answer(enum testsec_type t, const struct mvmm_request *req,
			   struct mvmm_answer *ans)
{
	const struct mvmm_event *ev = &req->ev;
	u64 q = ev->qual, v;

	switch (t) {
	case TS_IO_IN:
		if (q < TESTSEC_PORT_LO || q > TESTSEC_PORT_HI)
			return false;
		ans->value = TESTSEC_IO_IN(q);
		break;
	case TS_IO_OUT:
		v = req->gprs[MVMM_GPR_RAX] & testsec_size_mask(ev->size);
		if ((q == TESTSEC_MSI_PORT || q == TESTSEC_LINE_PORT ||
		     q == TESTSEC_MEM_PORT || q == TESTSEC_MEM_LATER_PORT) &&
		    testsec_atomic)
			return false;
		if (q == TESTSEC_MSI_PORT || q == TESTSEC_LINE_PORT) {
			if (testsec_irq(req, v))
				return false;
			break;
		}
		if (q == TESTSEC_MEM_PORT || q == TESTSEC_MEM_LATER_PORT) {
			if (testsec_mem(req, v))
				return false;
			break;
		}
		if (q < TESTSEC_PORT_LO || q > TESTSEC_PORT_HI)
			return false;
		atomic64_set(&testsec_io_last[q - TESTSEC_PORT_LO], v);
		atomic64_inc(&testsec_io_outs[q - TESTSEC_PORT_LO]);
		break;
	case TS_MSR_READ:
		if (q < TESTSEC_MSR_LO || q > TESTSEC_MSR_HI)
			return false;
		ans->value = TESTSEC_MSR_VAL(q);
		break;
	case TS_MSR_WRITE:
		if (q < TESTSEC_MSR_LO || q > TESTSEC_MSR_HI)
			return false;
		v = (u32)req->gprs[MVMM_GPR_RAX] |
		    (req->gprs[MVMM_GPR_RDX] << 32);
		atomic64_set(&testsec_msr_last[q - TESTSEC_MSR_LO], v);
		atomic64_inc(&testsec_msr_writes[q - TESTSEC_MSR_LO]);
		break;
	case TS_CPUID:
		if (q < TESTSEC_LEAF_LO || q > TESTSEC_LEAF_HI)
			return false;
		ans->gpr_mask = BIT(MVMM_GPR_RAX) | BIT(MVMM_GPR_RBX) |
				BIT(MVMM_GPR_RCX) | BIT(MVMM_GPR_RDX);
		ans->gprs[MVMM_GPR_RAX] = q;
		ans->gprs[MVMM_GPR_RBX] = (u32)~q;
		ans->gprs[MVMM_GPR_RCX] = TESTSEC_CPUID_ECX;
		ans->gprs[MVMM_GPR_RDX] = (u32)ev->sub;
		break;
	case TS_HYPERCALL:
		if (q < TESTSEC_HC_LO || q > TESTSEC_HC_HI)
			return false;
		ans->value = TESTSEC_HC_RET(q);
		break;
	case TS_HLT:
		break;
	case TS_EXCEPTION:
		if (q != TESTSEC_UD_VECTOR)
			return false;
		/* ud2 is two bytes long. */
		ans->gpr_mask = MVMM_ANS_RIP;
		ans->rip = req->rip + 2;
		break;
	default:
		return false;
	}
	ans->action = MVMM_ACT_HANDLED;
	return true;
}

static int testsec_handle(struct mvmm_handler *h,
			  const struct mvmm_request *req,
			  struct mvmm_answer *ans)
{
	/* Registered with its call counters: what the route tests read. */
	atomic64_t *calls = mvmm_handler_priv(h);
	enum testsec_type t = testsec_type(&req->ev);
	unsigned int us = READ_ONCE(sleep_us);

	atomic64_inc(&calls[t]);
	/* What mvmm promises an atomic handler: a call it may not sleep in. */
	if (!preemptible())
		atomic64_inc(&testsec_atomic_calls);
	spin_lock(&testsec_last_lock);
	testsec_last = *req;
	testsec_have_last = true;
	spin_unlock(&testsec_last_lock);

	/* The vCPU thread is preemptible here: sleeping is allowed. */
	if (us)
		usleep_range(us, us + us / 8 + 1);

	switch (READ_ONCE(testsec_mode)) {
	case TESTSEC_MAIN:
		ans->action = MVMM_ACT_MAIN;
		return 0;
	case TESTSEC_INJECT:
		ans->action = MVMM_ACT_INJECT;
		ans->vector = READ_ONCE(inject_vector);
		ans->has_error_code = testsec_has_error_code(ans->vector);
		ans->error_code = ans->has_error_code ?
				  READ_ONCE(inject_error) : 0;
		return 0;
	case TESTSEC_INVALID:
		/* No event lets a secondary write RSP. */
		ans->action = MVMM_ACT_HANDLED;
		ans->gpr_mask = BIT(MVMM_GPR_RSP);
		ans->gprs[MVMM_GPR_RSP] = 0;
		return 0;
	case TESTSEC_FAIL:
		return -EIO;
	case TESTSEC_EINTR:
		/* A failure like any other: no signal is pending. */
		return -EINTR;
	case TESTSEC_DETACH:
		/* Once (@h is testsec_handler): later events find none. */
		if (xchg(&testsec_handler, NULL))
			mvmm_handler_unregister(h);
		ans->action = MVMM_ACT_MAIN;
		return 0;
	default:
		break;
	}
	if (testsec_answer(t, req, ans))
		atomic64_inc(&testsec_handled[t]);
	else
		ans->action = MVMM_ACT_MAIN;
	return 0;
}

static const struct mvmm_handler_ops testsec_ops = {
	.handle = testsec_handle,
	.owner = THIS_MODULE,
};

/* The same, saying it never sleeps (module parameter "atomic"). */
static const struct mvmm_handler_ops testsec_atomic_ops = {
	.handle = testsec_handle,
	.owner = THIS_MODULE,
	.atomic = true,
};

static int testsec_stats_show(struct seq_file *m, void *unused)
{
	int t;

	for (t = 0; t < TS_NR_TYPES; t++)
		seq_printf(m, "%s %lld %lld\n", testsec_type_name[t],
			   atomic64_read(&testsec_calls[t]),
			   atomic64_read(&testsec_handled[t]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_stats);

static int testsec_io_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < TESTSEC_NR_PORTS; i++)
		seq_printf(m, "%#x %lld %#llx\n", TESTSEC_PORT_LO + i,
			   atomic64_read(&testsec_io_outs[i]),
			   (u64)atomic64_read(&testsec_io_last[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_io);

static int testsec_msr_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < TESTSEC_NR_MSRS; i++)
		seq_printf(m, "%#x %lld %#llx\n", TESTSEC_MSR_LO + i,
			   atomic64_read(&testsec_msr_writes[i]),
			   (u64)atomic64_read(&testsec_msr_last[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_msr);

static int testsec_last_show(struct seq_file *m, void *unused)
{
	struct mvmm_request r;
	bool have;

	spin_lock(&testsec_last_lock);
	r = testsec_last;
	have = testsec_have_last;
	spin_unlock(&testsec_last_lock);
	if (have)
		seq_printf(m, "vm %u vcpu %u type %u origin %u size %u flags %#x qual %#llx sub %#llx rip %#llx\n",
			   r.vm_id, r.vcpu_id, r.ev.type, r.ev.origin,
			   r.ev.size, r.ev.flags, r.ev.qual, r.ev.sub, r.rip);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_last);

static int testsec_mem_show(struct seq_file *m, void *unused)
{
	s64 done = atomic64_read_acquire(&testsec_mem_later.done);

	seq_printf(m, "%lld %d\n", done, atomic_read(&testsec_mem_later.ret));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_mem);

static int testsec_atomic_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%lld\n", atomic64_read(&testsec_atomic_calls));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testsec_atomic);

static int __init testsec_init(void)
{
	/* Parameters given before "atomic" were not checked against it. */
	if (testsec_atomic && (sleep_us || testsec_mode == TESTSEC_DETACH))
		return -EINVAL;
	INIT_WORK(&testsec_mem_later.work, testsec_mem_work);
	testsec_handler = mvmm_handler_register(TESTSEC_NAME, testsec_atomic ?
						&testsec_atomic_ops :
						&testsec_ops, testsec_calls);
	if (IS_ERR(testsec_handler))
		return PTR_ERR(testsec_handler);
	testsec_dir = debugfs_create_dir("mvmm_testsec", NULL);
	debugfs_create_file("stats", 0444, testsec_dir, NULL,
			    &testsec_stats_fops);
	debugfs_create_file("io", 0444, testsec_dir, NULL, &testsec_io_fops);
	debugfs_create_file("msr", 0444, testsec_dir, NULL, &testsec_msr_fops);
	debugfs_create_file("last", 0444, testsec_dir, NULL,
			    &testsec_last_fops);
	debugfs_create_file("mem", 0444, testsec_dir, NULL, &testsec_mem_fops);
	debugfs_create_file("atomic", 0444, testsec_dir, NULL,
			    &testsec_atomic_fops);
	return 0;
}

static void __exit testsec_exit(void)
{
	struct mvmm_handler *h = xchg(&testsec_handler, NULL);

	debugfs_remove_recursive(testsec_dir);
	/* Returns once no vCPU is inside testsec_handle() any more. */
	if (h)
		mvmm_handler_unregister(h);
	/* No new work once no vCPU is in ->handle(). */
	cancel_work_sync(&testsec_mem_later.work);
}

module_init(testsec_init);
module_exit(testsec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvmm secondary for the VM tests: predictable answers and misbehaviour on demand");

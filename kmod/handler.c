// SPDX-License-Identifier: GPL-2.0
/*
 * Registry of secondary VMM handlers, by name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include "exit.h"
#include "handler.h"
#include "ksyms.h"
#include "nl_notify.h"
#include "usec.h"
#include "vm.h"

/* Serializes slot creation and (un)registration; readers are lock-free. */
static DEFINE_MUTEX(mvmm_handlers_mutex);
static struct mvmm_hslot *mvmm_hslots[MVMM_MAX_HANDLERS];
static u32 mvmm_nr_hslots;

static bool mvmm_handler_name_ok(const char *name)
{
	size_t i, len = strnlen(name, MVMM_HANDLER_NAME_LEN);

	if (!len || len == MVMM_HANDLER_NAME_LEN)
		return false;
	/* isalnum() alone would take Latin-1 letters (0xc0-0xff) too. */
	for (i = 0; i < len; i++)
		if (!(isascii(name[i]) && isalnum(name[i])) &&
		    !strchr("_.-", name[i]))
			return false;
	/* "main" names KVM itself in rules. */
	return strcmp(name, "main") != 0;
}

struct mvmm_hslot *mvmm_hslot(u32 id)
{
	if (id >= MVMM_MAX_HANDLERS)
		return NULL;
	/* Pairs with smp_store_release() in mvmm_hslot_get_or_add(). */
	return smp_load_acquire(&mvmm_hslots[id]);
}

int mvmm_hslot_lookup(const char *name)
{
	/* Pairs with the release in mvmm_hslot_get_or_add(): @n slots are set. */
	u32 i, n = smp_load_acquire(&mvmm_nr_hslots);

	for (i = 0; i < n; i++) {
		struct mvmm_hslot *s = mvmm_hslot(i);

		if (s && !strcmp(s->name, name))
			return i;
	}
	return -ENOENT;
}

static struct mvmm_hslot *mvmm_hslot_get_or_add(const char *name)
{
	struct mvmm_hslot *s;
	int id;

	lockdep_assert_held(&mvmm_handlers_mutex);
	id = mvmm_hslot_lookup(name);
	if (id >= 0)
		return mvmm_hslots[id];
	if (mvmm_nr_hslots == MVMM_MAX_HANDLERS)
		return ERR_PTR(-ENOSPC);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->stats = __alloc_percpu(sizeof(u64) * __MVMM_HSTAT_MAX,
				  __alignof__(u64));
	s->hist = __alloc_percpu(sizeof(u64) * MVMM_HIST_BUCKETS,
				 __alignof__(u64));
	if (!s->stats || !s->hist) {
		free_percpu(s->stats);
		free_percpu(s->hist);
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	strscpy(s->name, name, sizeof(s->name));
	s->id = mvmm_nr_hslots;
	/* Lock-free readers see the slot only once it is initialised... */
	smp_store_release(&mvmm_hslots[s->id], s);
	/* ...and the count only once the slot is in place. */
	smp_store_release(&mvmm_nr_hslots, s->id + 1);
	return s;
}

/* Tell netlink listeners (mvmmctl monitor) about slot @s's handler. */
static void mvmm_handler_notify(u8 cmd, struct mvmm_hslot *s)
{
	struct mvmm_hinfo info;

	if (!mvmm_nl_listening())
		return;
	mvmm_handler_info(s, &info);
	mvmm_nl_notify_handler(cmd, s, &info);
}

static void mvmm_handler_free_cb(struct rcu_head *head)
{
	struct mvmm_handler *h = container_of(head, struct mvmm_handler, rcu);

	if (h->orphan && h->ops)
		module_put(h->ops->owner);
	percpu_ref_exit(&h->calls);
	kfree(h);
}

/* The last reference is gone: no call is in progress, none can start. */
static void mvmm_handler_released(struct percpu_ref *ref)
{
	struct mvmm_handler *h = container_of(ref, struct mvmm_handler, calls);

	if (h->orphan)
		mvmm_exit_call_srcu(&h->rcu, mvmm_handler_free_cb);
	else
		complete(&h->idle);
}

static struct mvmm_handler *mvmm_handler_add(const char *name,
					     const struct mvmm_handler_ops *ops,
					     struct mvmm_usec *usec, void *priv)
{
	struct mvmm_handler *h;
	struct mvmm_hslot *s;

	if (!mvmm_handler_name_ok(name))
		return ERR_PTR(-EINVAL);

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	if (percpu_ref_init(&h->calls, mvmm_handler_released, 0,
			    GFP_KERNEL)) {
		kfree(h);
		return ERR_PTR(-ENOMEM);
	}
	init_completion(&h->idle);
	h->ops = ops;
	h->usec = usec;
	h->priv = priv;
	/* Attach runs in the secondary's process: whose CPU time to show. */
	if (usec)
		h->tgid = get_task_pid(current, PIDTYPE_TGID);

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot_get_or_add(name);
	if (IS_ERR(s))
		goto err_unlock;
	if (rcu_access_pointer(s->live)) {
		s = ERR_PTR(-EBUSY);
		goto err_unlock;
	}
	h->slot = s;
	/* A new handler under the name: groups try it afresh. */
	atomic64_set(&s->retry_at, 0);
	atomic64_set(&s->ewma_ns, 0);
	rcu_assign_pointer(s->live, h);
	mutex_unlock(&mvmm_handlers_mutex);
	pr_info("handler %s registered%s\n", name, usec ? " (userspace)" : "");
	mvmm_handler_notify(MVMM_CMD_HANDLER_ATTACH, s);
	return h;

err_unlock:
	mutex_unlock(&mvmm_handlers_mutex);
	put_pid(h->tgid);
	percpu_ref_exit(&h->calls);
	kfree(h);
	return ERR_CAST(s);
}

struct mvmm_handler *mvmm_handler_register(const char *name,
					   const struct mvmm_handler_ops *ops,
					   void *priv)
{
	if (!ops || !ops->handle)
		return ERR_PTR(-EINVAL);
	return mvmm_handler_add(name, ops, NULL, priv);
}
EXPORT_SYMBOL_GPL(mvmm_handler_register);

/* Is this thread a vCPU's, inside @h's ->handle()? */
static bool mvmm_handler_calling(struct mvmm_handler *h)
{
	struct kvm_vcpu *vcpu = mvmm_kvm.get_running_vcpu();
	struct mvmm_vcpu *vc = vcpu ? mvmm_vcpu_find(vcpu) : NULL;

	return vc && READ_ONCE(vc->in_handle) == h;
}

void mvmm_handler_unregister(struct mvmm_handler *h)
{
	struct mvmm_hslot *s = h->slot;
	struct mvmm_hinfo info;
	bool own;

	/* Who it was, for the notification. */
	mvmm_handler_info(s, &info);
	mutex_lock(&mvmm_handlers_mutex);
	RCU_INIT_POINTER(s->live, NULL);
	mutex_unlock(&mvmm_handlers_mutex);
	/*
	 * No call starts any more. Wait for this handler's calls in
	 * progress, and for nothing else: vCPUs waiting on other handlers
	 * are not its business. Called from inside its own ->handle(), that
	 * call is one of them: it cannot be waited for, so the last put
	 * frees @h instead.
	 */
	own = mvmm_handler_calling(h);
	h->orphan = own;
	/* Its code runs: the module is there to pin (see secondary.h). */
	if (own)
		__module_get(h->ops->owner);
	percpu_ref_kill(&h->calls);
	if (!own)
		wait_for_completion(&h->idle);
	pr_info("handler %s unregistered\n", s->name);
	put_pid(h->tgid);
	mvmm_nl_notify_handler(MVMM_CMD_HANDLER_DETACH, s, &info);
	if (!own)
		mvmm_exit_call_srcu(&h->rcu, mvmm_handler_free_cb);
}
EXPORT_SYMBOL_GPL(mvmm_handler_unregister);

struct mvmm_handler *mvmm_handler_register_user(const char *name,
						struct mvmm_usec *u)
{
	return mvmm_handler_add(name, NULL, u, NULL);
}

void mvmm_handlers_vm_gone(u32 vm_id)
{
	/* Pairs with the release in mvmm_hslot_get_or_add(): @n slots are set. */
	u32 i, n = smp_load_acquire(&mvmm_nr_hslots);
	struct mvmm_handler *h;
	int idx;

	/* As on the exit path: a handler read here stays valid. */
	idx = mvmm_exit_read_lock();
	for (i = 0; i < n; i++) {
		struct mvmm_hslot *s = mvmm_hslot(i);

		h = s ? mvmm_handler_get(s) : NULL;
		if (!h)
			continue;
		/* Userspace secondaries learn it from their ring (usec.c). */
		if (h->ops && h->ops->vm_gone)
			h->ops->vm_gone(h, vm_id);
		mvmm_handler_put(h);
	}
	mvmm_exit_read_unlock(idx);
}

/* CPU time of every thread of @p, live and exited, in ns. */
static u64 mvmm_task_cpu_ns(struct task_struct *p)
{
	struct task_struct *t;
	u64 ns;

	rcu_read_lock();
	ns = READ_ONCE(p->signal->sum_sched_runtime);
	for_each_thread(p, t)
		ns += READ_ONCE(t->se.sum_exec_runtime);
	rcu_read_unlock();
	return ns;
}

static void mvmm_handler_cpu(struct mvmm_handler *h, struct mvmm_hinfo *info)
{
	struct task_struct *p;

	if (!h->tgid)
		return;
	p = get_pid_task(h->tgid, PIDTYPE_TGID);
	if (!p)
		return;
	info->cpu_ns = mvmm_task_cpu_ns(p);
	info->has_cpu = true;
	put_task_struct(p);
}

void mvmm_handler_info(struct mvmm_hslot *s, struct mvmm_hinfo *info)
{
	struct mvmm_handler *h;

	memset(info, 0, sizeof(*info));
	/* Unregistration takes the mutex too: @h cannot go away here. */
	mutex_lock(&mvmm_handlers_mutex);
	h = rcu_dereference_protected(s->live,
				      lockdep_is_held(&mvmm_handlers_mutex));
	if (h) {
		info->attached = true;
		if (h->usec) {
			info->user = true;
			mvmm_usec_info(h->usec, info);
			mvmm_handler_cpu(h, info);
		}
	}
	mutex_unlock(&mvmm_handlers_mutex);
}

void *mvmm_handler_priv(const struct mvmm_handler *h)
{
	return h->priv;
}
EXPORT_SYMBOL_GPL(mvmm_handler_priv);

u64 mvmm_hstat_read(const struct mvmm_hslot *s, enum mvmm_hstat i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s->stats, cpu)[i]);
	return sum;
}

void mvmm_hload_end(struct mvmm_hslot *s, int err, u64 ns)
{
	s64 old, new;

	atomic_dec(&s->inflight);
	/* Detached, another VM's, interrupted: no service was given. */
	if (err && err != -ETIMEDOUT)
		return;
	this_cpu_inc(s->hist[min_t(unsigned int, fls64(ns),
				   MVMM_HIST_BUCKETS - 1)]);
	/*
	 * Two vCPUs finishing at once may lose one sample of the average:
	 * an estimate does not need a cmpxchg loop on the exit path.
	 */
	old = atomic64_read(&s->ewma_ns);
	new = old ? old + ((s64)ns - old) / 8 : (s64)ns;
	atomic64_set(&s->ewma_ns, new ?: 1);
	if (err == -ETIMEDOUT)
		atomic64_set(&s->retry_at, ktime_get_ns() + MVMM_HLOAD_RETRY_NS);
	else if (atomic64_read(&s->retry_at))
		atomic64_set(&s->retry_at, 0);
}

/* Upper bound of the bucket holding the @pct-th percentile of @n. */
static u64 mvmm_hist_pct(const u64 *b, u64 n, unsigned int pct)
{
	u64 want = div_u64(n * pct + 99, 100), sum = 0;
	unsigned int i;

	for (i = 0; i < MVMM_HIST_BUCKETS; i++) {
		sum += b[i];
		if (sum >= want && sum)
			return i ? 1ULL << i : 1;
	}
	return 0;
}

void mvmm_hload_read(struct mvmm_hslot *s, struct mvmm_hload_info *li)
{
	u64 b[MVMM_HIST_BUCKETS] = { 0 }, now = 0;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < MVMM_HIST_BUCKETS; i++)
			b[i] += READ_ONCE(per_cpu_ptr(s->hist, cpu)[i]);
	li->samples = 0;
	for (i = 0; i < MVMM_HIST_BUCKETS; i++)
		li->samples += b[i];
	li->inflight = max(atomic_read(&s->inflight), 0);
	li->ewma_ns = atomic64_read(&s->ewma_ns);
	li->p50_ns = mvmm_hist_pct(b, li->samples, 50);
	li->p99_ns = mvmm_hist_pct(b, li->samples, 99);
	li->max_ns = mvmm_hist_pct(b, li->samples, 100);
	li->usable = mvmm_hload_usable(s, &now);
}

int mvmm_handlers_init(void)
{
	return 0;
}

/*
 * Secondary modules depend on mvmm's symbols, so none is loaded (and no
 * handler registered) by the time mvmm unloads.
 */
void mvmm_handlers_exit(void)
{
	u32 i;

	for (i = 0; i < mvmm_nr_hslots; i++) {
		WARN_ON(rcu_access_pointer(mvmm_hslots[i]->live));
		free_percpu(mvmm_hslots[i]->stats);
		free_percpu(mvmm_hslots[i]->hist);
		kfree(mvmm_hslots[i]);
		mvmm_hslots[i] = NULL;
	}
	mvmm_nr_hslots = 0;
}

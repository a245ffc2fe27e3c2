// SPDX-License-Identifier: GPL-2.0
/*
 * Registry of secondary VMM handlers, by name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include "core/classify.h"
#include "exit_srcu.h"
#include "handler.h"
#include "ksyms.h"
#include "obj_events.h"
#include "vm.h"

/*
 * Serializes slot creation, reclaim, pins and (un)registration; the exit
 * path reads slots and handlers lock-free.
 */
static DEFINE_MUTEX(mvmm_handlers_mutex);
struct mvmm_hslot *mvmm_hslots[MVMM_MAX_HANDLERS];
/* Generation of each index: the part of an id above the index. */
static u32 mvmm_hslot_gen[MVMM_MAX_HANDLERS];
static u32 mvmm_nr_hslots;	/* names in the table now */

static bool mvmm_handler_name_ok(const char *name)
{
	/* "main" names KVM itself in rules. */
	return mvmm_name_ok(name) && strcmp(name, "main");
}

static struct mvmm_hslot *mvmm_hslot_find(const char *name)
{
	u32 i;

	lockdep_assert_held(&mvmm_handlers_mutex);
	for (i = 0; i < MVMM_MAX_HANDLERS; i++)
		if (mvmm_hslots[i] && !strcmp(mvmm_hslots[i]->name, name))
			return mvmm_hslots[i];
	return NULL;
}

int mvmm_hslot_lookup(const char *name)
{
	struct mvmm_hslot *s;

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot_find(name);
	mutex_unlock(&mvmm_handlers_mutex);
	return s ? s->id : -ENOENT;
}

void mvmm_hslot_name(u32 id, char *name)
{
	struct mvmm_hslot *s;
	int idx;

	idx = mvmm_exit_read_lock();
	s = mvmm_hslot(id);
	strscpy(name, s ? s->name : "?", MVMM_HANDLER_NAME_LEN);
	mvmm_exit_read_unlock(idx);
}

int mvmm_hslot_pin(u32 id)
{
	struct mvmm_hslot *s;

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot(id);
	if (s)
		atomic_inc(&s->pins);
	mutex_unlock(&mvmm_handlers_mutex);
	return s ? 0 : -ENOENT;
}

void mvmm_hslot_unpin(u32 id)
{
	/* Pinned: still there. Reclaim reads the count under the mutex. */
	struct mvmm_hslot *s = mvmm_hslot(id);

	if (!WARN_ON_ONCE(!s))
		atomic_dec(&s->pins);
}

static void mvmm_hslot_free(struct mvmm_hslot *s)
{
	xa_destroy(&s->users);
	free_percpu(s->stats);
	kfree(s);
}

static void mvmm_hslot_free_cb(struct rcu_head *head)
{
	mvmm_hslot_free(container_of(head, struct mvmm_hslot, rcu));
}

/*
 * Forget every name that nothing refers to: no handler, no pin. A vCPU
 * may still read such a slot (through a policy being replaced): its
 * memory goes after an exit-SRCU grace period, while its index may be
 * taken at once, under a new id.
 */
static void mvmm_hslots_reclaim(void)
{
	struct mvmm_hslot *s;
	u32 i;

	lockdep_assert_held(&mvmm_handlers_mutex);
	for (i = 0; i < MVMM_MAX_HANDLERS; i++) {
		s = mvmm_hslots[i];
		if (!s || rcu_access_pointer(s->live) ||
		    !xa_empty(&s->users) || atomic_read(&s->pins))
			continue;
		WRITE_ONCE(mvmm_hslots[i], NULL);
		mvmm_nr_hslots--;
		mvmm_exit_call_srcu(&s->rcu, mvmm_hslot_free_cb);
	}
}

/* The names that @uid's userspace handlers hold, @name aside. */
static u32 mvmm_hslots_of_user(kuid_t uid, const char *name)
{
	struct mvmm_handler *h;
	unsigned long vm_id;
	u32 i, n = 0;

	lockdep_assert_held(&mvmm_handlers_mutex);
	for (i = 0; i < MVMM_MAX_HANDLERS; i++) {
		if (!mvmm_hslots[i] || !strcmp(mvmm_hslots[i]->name, name))
			continue;
		xa_for_each(&mvmm_hslots[i]->users, vm_id, h) {
			if (uid_eq(h->uid, uid)) {
				n++;
				break;
			}
		}
	}
	return n;
}

/*
 * The slot of @name, made if there is none. @priv: the caller may take
 * the names kept for kernel modules and administrators.
 */
static struct mvmm_hslot *mvmm_hslot_get_or_add(const char *name, bool priv)
{
	u32 limit = MVMM_MAX_HANDLERS - (priv ? 0 : MVMM_HANDLER_NAMES_RESERVED);
	struct mvmm_hslot *s;
	u32 idx;

	lockdep_assert_held(&mvmm_handlers_mutex);
	s = mvmm_hslot_find(name);
	if (s)
		return s;
	if (mvmm_nr_hslots >= limit)
		mvmm_hslots_reclaim();
	if (mvmm_nr_hslots >= limit)
		return ERR_PTR(-ENOSPC);
	for (idx = 0; mvmm_hslots[idx]; idx++)
		;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->stats = __alloc_percpu(sizeof(u64) * __MVMM_HSTAT_MAX,
				  __alignof__(u64));
	if (!s->stats) {
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	xa_init(&s->users);
	strscpy(s->name, name, sizeof(s->name));
	/*
	 * Generation 0 makes ids 0, 1, ... until a name is reclaimed. An id
	 * stays a non-negative int (lookups return it or -errno).
	 */
	s->id = mvmm_hslot_gen[idx]++ << MVMM_HSLOT_IDX_BITS | idx;
	mvmm_hslot_gen[idx] &= INT_MAX >> MVMM_HSLOT_IDX_BITS;
	/* Lock-free readers see the slot only once it is initialised. */
	smp_store_release(&mvmm_hslots[idx], s);
	mvmm_nr_hslots++;
	return s;
}

/* What a dump or notification shows of @h. */
static void mvmm_handler_fill(struct mvmm_handler *h, struct mvmm_hinfo *info);

/* Tell the subscribers (mvmmctl monitor, through netlink) about @h. */
static void mvmm_handler_notify(enum mvmm_obj_event ev, struct mvmm_handler *h)
{
	struct mvmm_hinfo info;

	mutex_lock(&mvmm_handlers_mutex);
	mvmm_handler_fill(h, &info);
	mutex_unlock(&mvmm_handlers_mutex);
	mvmm_obj_handler_event(ev, h->slot, &info);
}

static void mvmm_handler_free_cb(struct rcu_head *head)
{
	struct mvmm_handler *h = container_of(head, struct mvmm_handler, rcu);

	if (h->orphan && h->ops)
		module_put(h->ops->owner);
	percpu_ref_exit(&h->calls);
	free_percpu(h->load.hist);
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

/* Put @h in its place under @s: 0 or -EBUSY, -EDQUOT, -ENOMEM. */
static int mvmm_handler_place(struct mvmm_hslot *s, struct mvmm_handler *h,
			      bool priv)
{
	lockdep_assert_held(&mvmm_handlers_mutex);
	if (rcu_access_pointer(s->live))
		return -EBUSY;
	if (!h->backend->user) {
		/*
		 * A kernel handler serves every VM, before any userspace
		 * one: a name a module registers is the module's, whoever
		 * attached under it first.
		 */
		rcu_assign_pointer(s->live, h);
		return 0;
	}
	if (!priv &&
	    mvmm_hslots_of_user(h->uid, s->name) >= MVMM_HANDLER_NAMES_PER_USER)
		return -EDQUOT;
	return xa_insert(&s->users, h->vm_id, h, GFP_KERNEL);
}

static struct mvmm_handler *
mvmm_handler_add(const char *name, const struct mvmm_backend *backend,
		 const struct mvmm_handler_ops *ops, u32 vm_id, void *priv)
{
	/* Kernel modules and administrators may take any name left. */
	bool admin = !backend->user || capable(CAP_NET_ADMIN);
	/* A userspace secondary's handler is its memory cgroup's to pay. */
	gfp_t gfp = backend->user ? GFP_KERNEL_ACCOUNT : GFP_KERNEL;
	struct mvmm_handler *h;
	struct mvmm_hslot *s;
	int ret;

	if (!mvmm_handler_name_ok(name))
		return ERR_PTR(-EINVAL);

	h = kzalloc(sizeof(*h), gfp);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->load.hist = __alloc_percpu_gfp(sizeof(u64) * MVMM_HIST_BUCKETS,
					  __alignof__(u64), gfp);
	if (!h->load.hist) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (percpu_ref_init(&h->calls, mvmm_handler_released, 0, gfp)) {
		ret = -ENOMEM;
		goto err_free;
	}
	init_completion(&h->idle);
	h->backend = backend;
	h->ops = ops;
	h->atomic = ops && ops->atomic;
	h->vm_id = vm_id;
	h->priv = priv;
	/* Attach runs in the secondary's process: whose name, CPU time. */
	if (backend->user) {
		h->uid = current_uid();
		h->tgid = get_task_pid(current, PIDTYPE_TGID);
	}

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot_get_or_add(name, admin);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto err_unlock;
	}
	h->slot = s;
	ret = mvmm_handler_place(s, h, admin);
	if (ret)
		goto err_unlock;
	mutex_unlock(&mvmm_handlers_mutex);
	pr_info("handler %s registered%s\n", name,
		backend->user ? " (userspace)" : "");
	mvmm_handler_notify(MVMM_OBJ_HANDLER_ATTACH, h);
	return h;

err_unlock:
	mutex_unlock(&mvmm_handlers_mutex);
	put_pid(h->tgid);
	percpu_ref_exit(&h->calls);
err_free:
	free_percpu(h->load.hist);
	kfree(h);
	return ERR_PTR(ret);
}

/*
 * The kernel secondaries' backend: route.c calls their ->handle() itself.
 * The vCPU's in_handle (set around every call of a handler that may
 * sleep) lets such a handler unregister itself from inside ->handle().
 */
static void mvmm_kernel_vm_gone(struct mvmm_handler *h, u32 vm_id)
{
	if (h->ops->vm_gone)
		h->ops->vm_gone(h, vm_id);
}

static const struct mvmm_backend mvmm_kernel_backend = {
	.vm_gone = mvmm_kernel_vm_gone,
};

struct mvmm_handler *mvmm_handler_register(const char *name,
					   const struct mvmm_handler_ops *ops,
					   void *priv)
{
	if (!ops || !ops->handle)
		return ERR_PTR(-EINVAL);
	return mvmm_handler_add(name, &mvmm_kernel_backend, ops, 0, priv);
}
EXPORT_SYMBOL_GPL(mvmm_handler_register);

/* Is this thread a vCPU's, inside a call of @h? */
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
	int idx;

	/*
	 * Once @h is out, nothing may hold @s: the read section keeps it
	 * valid until we are done with its name.
	 */
	idx = mvmm_exit_read_lock();
	mutex_lock(&mvmm_handlers_mutex);
	/* Who it was, for the notification. */
	mvmm_handler_fill(h, &info);
	if (h->backend->user)
		xa_erase(&s->users, h->vm_id);
	else
		RCU_INIT_POINTER(s->live, NULL);
	mutex_unlock(&mvmm_handlers_mutex);
	/*
	 * No call starts any more. Wait for this handler's calls in
	 * progress, and for nothing else: vCPUs waiting on other handlers
	 * are not its business. Called from inside its own ->handle(), that
	 * call is one of them: it cannot be waited for, so the last put
	 * frees @h instead.
	 */
	own = !h->backend->user && mvmm_handler_calling(h);
	h->orphan = own;
	/* Its code runs: the module is there to pin (see secondary.h). */
	if (own)
		__module_get(h->ops->owner);
	percpu_ref_kill(&h->calls);
	if (!own)
		wait_for_completion(&h->idle);
	/*
	 * The exit reads a kernel handler with preemption off, and calls
	 * one that never sleeps there, with no reference (complete.c):
	 * those reads and calls end within an RCU grace period, which the
	 * free (after an exit-SRCU one) would not wait for. (Called with
	 * preemption off everywhere, a handler that never sleeps cannot be
	 * unregistering itself: for one, @own is false.)
	 */
	if (!h->backend->user)
		synchronize_rcu();
	pr_info("handler %s unregistered\n", s->name);
	put_pid(h->tgid);
	mvmm_obj_handler_event(MVMM_OBJ_HANDLER_DETACH, s, &info);
	mvmm_exit_read_unlock(idx);
	if (!own)
		mvmm_exit_call_srcu(&h->rcu, mvmm_handler_free_cb);
}
EXPORT_SYMBOL_GPL(mvmm_handler_unregister);

struct mvmm_handler *mvmm_handler_register_backend(const char *name,
						   const struct mvmm_backend *backend,
						   u32 vm_id, void *priv)
{
	return mvmm_handler_add(name, backend, NULL, vm_id, priv);
}

/* Tell @h, if it can still be called, that VM @vm_id is gone. */
static void mvmm_handler_vm_gone(struct mvmm_handler *h, u32 vm_id)
{
	if (!h || !h->backend->vm_gone || !percpu_ref_tryget_live(&h->calls))
		return;
	h->backend->vm_gone(h, vm_id);
	mvmm_handler_put(h);
}

void mvmm_handlers_vm_gone(u32 vm_id)
{
	struct mvmm_hslot *s;
	int idx;
	u32 i;

	/* As on the exit path: a slot or handler read here stays valid. */
	idx = mvmm_exit_read_lock();
	for (i = 0; i < MVMM_MAX_HANDLERS; i++) {
		s = mvmm_hslot_at(i);
		if (!s)
			continue;
		mvmm_handler_vm_gone(rcu_dereference_check(s->live, 1), vm_id);
		mvmm_handler_vm_gone(xa_load(&s->users, vm_id), vm_id);
	}
	mvmm_exit_read_unlock(idx);
}

bool mvmm_handlers_hold_vm(u32 vm_id)
{
	struct mvmm_hslot *s;
	bool held = false;
	int idx;
	u32 i;

	idx = mvmm_exit_read_lock();
	for (i = 0; i < MVMM_MAX_HANDLERS && !held; i++) {
		s = mvmm_hslot_at(i);
		held = s && xa_load(&s->users, vm_id);
	}
	mvmm_exit_read_unlock(idx);
	return held;
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

/* Unregistration takes the mutex too: @h cannot go away here. */
static void mvmm_handler_fill(struct mvmm_handler *h, struct mvmm_hinfo *info)
{
	lockdep_assert_held(&mvmm_handlers_mutex);
	memset(info, 0, sizeof(*info));
	info->attached = true;
	info->user = h->backend->user;
	if (h->backend->info)
		h->backend->info(h, info);
	mvmm_handler_cpu(h, info);
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

void mvmm_hload_end(struct mvmm_handler *h, int err, u64 ns)
{
	struct mvmm_hload *l = &h->load;
	s64 old, new;

	atomic_dec(&l->inflight);
	/* Detached, another VM's, interrupted: no service was given. */
	if (err && err != -ETIMEDOUT)
		return;
	this_cpu_inc(l->hist[min_t(unsigned int, fls64(ns),
				   MVMM_HIST_BUCKETS - 1)]);
	/*
	 * Two vCPUs finishing at once may lose one sample of the average:
	 * an estimate does not need a cmpxchg loop on the exit path.
	 */
	old = atomic64_read(&l->ewma_ns);
	new = old ? old + ((s64)ns - old) / 8 : (s64)ns;
	atomic64_set(&l->ewma_ns, new ?: 1);
	if (err == -ETIMEDOUT)
		atomic64_set(&l->retry_at, ktime_get_ns() + MVMM_HLOAD_RETRY_NS);
	else if (atomic64_read(&l->retry_at))
		atomic64_set(&l->retry_at, 0);
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

static void mvmm_hload_read(struct mvmm_handler *h, struct mvmm_hload_info *li)
{
	u64 b[MVMM_HIST_BUCKETS] = { 0 }, now = 0;
	struct mvmm_hload *l = &h->load;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < MVMM_HIST_BUCKETS; i++)
			b[i] += READ_ONCE(per_cpu_ptr(l->hist, cpu)[i]);
	li->samples = 0;
	for (i = 0; i < MVMM_HIST_BUCKETS; i++)
		li->samples += b[i];
	li->inflight = max(atomic_read(&l->inflight), 0);
	li->ewma_ns = atomic64_read(&l->ewma_ns);
	li->p50_ns = mvmm_hist_pct(b, li->samples, 50);
	li->p99_ns = mvmm_hist_pct(b, li->samples, 99);
	li->max_ns = mvmm_hist_pct(b, li->samples, 100);
	li->usable = mvmm_hload_usable(h, &now);
}

bool mvmm_hslot_usable(u32 id)
{
	struct mvmm_handler *h;
	struct mvmm_hslot *s;
	unsigned long vm_id;
	bool usable = false;
	u64 now = 0;

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot(id);
	h = s ? rcu_dereference_protected(s->live,
					  lockdep_is_held(&mvmm_handlers_mutex)) :
		NULL;
	if (h) {
		usable = mvmm_hload_usable(h, &now);
	} else if (s) {
		xa_for_each(&s->users, vm_id, h) {
			usable = mvmm_hload_usable(h, &now);
			if (usable)
				break;
		}
	}
	mutex_unlock(&mvmm_handlers_mutex);
	return usable;
}

struct mvmm_hslot *mvmm_hslot_entry(u32 idx, unsigned long *pos,
				    struct mvmm_hinfo *info,
				    struct mvmm_hload_info *li)
{
	struct mvmm_handler *h = NULL;
	struct mvmm_hslot *s;
	unsigned long vm_id;

	memset(info, 0, sizeof(*info));
	memset(li, 0, sizeof(*li));
	if (idx >= MVMM_MAX_HANDLERS)
		return NULL;
	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslots[idx];
	if (!s)
		goto out;
	if (*pos == 0) {
		/* The kernel handler, or the bare name if it has none. */
		h = rcu_dereference_protected(s->live,
					      lockdep_is_held(&mvmm_handlers_mutex));
		*pos = 1;
		if (h || xa_empty(&s->users))
			goto out;
	}
	/* Then the userspace handlers, by VM id: *@pos is the next id + 1. */
	vm_id = *pos - 1;
	h = xa_find(&s->users, &vm_id, ULONG_MAX, XA_PRESENT);
	if (!h) {
		s = NULL;
		goto out;
	}
	*pos = vm_id + 2;
out:
	if (h) {
		mvmm_handler_fill(h, info);
		mvmm_hload_read(h, li);
	}
	mutex_unlock(&mvmm_handlers_mutex);
	return s;
}

/*
 * Secondary modules depend on mvmm's symbols, so none is loaded (and no
 * handler registered) by the time mvmm unloads.
 */
void mvmm_handlers_exit(void)
{
	u32 i;

	for (i = 0; i < MVMM_MAX_HANDLERS; i++) {
		if (!mvmm_hslots[i])
			continue;
		WARN_ON(rcu_access_pointer(mvmm_hslots[i]->live) ||
			!xa_empty(&mvmm_hslots[i]->users));
		mvmm_hslot_free(mvmm_hslots[i]);
		mvmm_hslots[i] = NULL;
	}
	mvmm_nr_hslots = 0;
}

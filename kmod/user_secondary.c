// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace secondaries: a vCPU posts its request into its slot of a ring
 * shared with the secondary, and waits for the answer in the kernel.
 *
 * Nothing in the shared ring is trusted: the authoritative state of each
 * request (its seq, whether it is answered, its deadline) lives in
 * struct mvmm_uslot, under @lock; the ring is a mailbox the secondary may
 * scribble on at will and only hurt itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "core/answer.h"
#include "compat.h"
#include "handler.h"
#include "user_secondary.h"

/* Kernel-private state of one vCPU's slot. */
struct mvmm_uslot {
	wait_queue_head_t wq;		/* the vCPU waiting for @seq */
	struct list_head unread;	/* on mvmm_usersec.unread until read() */
	u64 seq;			/* outstanding request, 0: none */
	u64 deadline;			/* ktime ns: @seq times out */
	struct mvmm_event ev;		/* @seq's event and RIP: a resumed */
	u64 rip;			/* exit must be this same one, */
	u64 route;			/* routed right after @seq's */
	bool answered;			/* MVMM_IOC_ANSWER put it in @ans */
	struct mvmm_answer ans;
	u32 spin_ns;			/* eventfd mode: this vCPU's spin */
	u64 exit;			/* the vCPU's exit (stat.exits) and */
	u64 exit_deadline;		/* when its killable waits time out */
};

/* What MVMM_IOC_STATS reports: see struct mvmm_ustats. */
struct mvmm_ucount {
	atomic64_t posted;
	atomic64_t signals;
	atomic64_t spun;
	atomic64_t slept;
	atomic64_t sleeps;
	atomic64_t kicks;
};

struct mvmm_usersec {
	spinlock_t lock;		/* slots, @unread, @dead */
	bool dead;
	bool vm_gone;			/* KVM destroyed the VM */
	u32 vm_id;
	pid_t pid;
	u32 flags;
	u32 spin_max_ns;		/* POLL: every spin; else the ceiling */
	u64 timeout_ns;
	struct mvmm_ucount count;
	struct eventfd_ctx *efd;	/* NULL with MVMM_ATTACH_POLL */
	atomic64_t seq;
	u32 outstanding;
	u32 slots_used;

	struct mvmm_ring *ring;		/* __vmalloc(), mapped by mmap() */
	size_t ring_size;
	/* The geometry: never read back from the ring, which is writable. */
	u32 slot_size;
	u32 slots_offset;
	u32 obs_entries;
	u32 nr_slots;
	struct mvmm_uslot *slots;
	struct list_head unread;
	wait_queue_head_t readq;	/* read() and poll() */

	spinlock_t obs_lock;		/* producers of the observe ring */
	u32 obs_head;			/* our copy: the ring's may be scribbled */
	u64 obs_dropped;
	struct mvmm_request *obs;
};

static struct mvmm_slot *mvmm_shared_slot(struct mvmm_usersec *u, u32 idx)
{
	return (void *)u->ring + u->slots_offset + (size_t)idx * u->slot_size;
}

struct mvmm_usersec *mvmm_usersec_create(const struct mvmm_attach *a, u32 vm_id,
					 u32 nr_slots, struct eventfd_ctx *efd)
{
	u32 obs_entries = a->obs_entries ?: MVMM_OBS_DEFAULT;
	size_t slot_size = ALIGN(sizeof(struct mvmm_slot), SMP_CACHE_BYTES);
	size_t slots_offset = ALIGN(sizeof(struct mvmm_ring), SMP_CACHE_BYTES);
	size_t obs_offset = ALIGN(slots_offset + nr_slots * slot_size,
				  SMP_CACHE_BYTES);
	struct mvmm_usersec *u;
	u32 i;

	/*
	 * All of it is the attaching process's to pay for, in its memory
	 * cgroup, as KVM's VM memory is the VMM's: it lives until the file
	 * is closed, past the VM, and its ring is sized by the caller. The
	 * ring is zeroed as vmalloc_user() would, for user space maps it,
	 * but vmalloc_user() cannot charge it (see mvmm_usersec_mmap()).
	 */
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		goto err_efd;
	u->slots = kvcalloc(nr_slots, sizeof(*u->slots), GFP_KERNEL_ACCOUNT);
	if (!u->slots)
		goto err_free;
	u->ring_size = PAGE_ALIGN(obs_offset +
				  obs_entries * sizeof(struct mvmm_request));
	u->ring = __vmalloc(u->ring_size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!u->ring)
		goto err_slots;

	spin_lock_init(&u->lock);
	spin_lock_init(&u->obs_lock);
	INIT_LIST_HEAD(&u->unread);
	init_waitqueue_head(&u->readq);
	for (i = 0; i < nr_slots; i++) {
		init_waitqueue_head(&u->slots[i].wq);
		INIT_LIST_HEAD(&u->slots[i].unread);
		u->slots[i].spin_ns = MVMM_SPIN_START_US * NSEC_PER_USEC;
	}
	u->vm_id = vm_id;
	u->pid = task_tgid_vnr(current);
	u->flags = a->flags;
	if (a->flags & MVMM_ATTACH_POLL)
		u->spin_max_ns = (a->poll_us ?: MVMM_POLL_DEFAULT_US) *
				 NSEC_PER_USEC;
	else if (!(a->flags & MVMM_ATTACH_NOSPIN))
		u->spin_max_ns = (a->poll_us ?: MVMM_SPIN_DEFAULT_US) *
				 NSEC_PER_USEC;
	u->timeout_ns = (u64)(a->timeout_ms ?: MVMM_TIMEOUT_DEFAULT_MS) *
			NSEC_PER_MSEC;
	u->efd = efd;
	u->nr_slots = nr_slots;
	u->obs = (void *)u->ring + obs_offset;

	u->slot_size = slot_size;
	u->slots_offset = slots_offset;
	u->obs_entries = obs_entries;
	u->ring->version = MVMM_RING_VERSION;
	u->ring->nr_slots = nr_slots;
	u->ring->slot_size = slot_size;
	u->ring->slots_offset = slots_offset;
	u->ring->obs_entries = obs_entries;
	u->ring->obs_offset = obs_offset;
	return u;

err_slots:
	kvfree(u->slots);
err_free:
	kfree(u);
err_efd:
	if (efd)
		eventfd_ctx_put(efd);
	return ERR_PTR(-ENOMEM);
}

size_t mvmm_usersec_ring_size(const struct mvmm_usersec *u)
{
	return u->ring_size;
}

/* KVM is destroying @h's VM: its file gets EPOLLHUP and end of file. */
static void mvmm_usersec_vm_gone(struct mvmm_handler *h, u32 vm_id)
{
	struct mvmm_usersec *u = h->priv;

	if (u->vm_gone)
		return;
	WRITE_ONCE(u->vm_gone, true);
	/* Pairs with the secondary's acquire after it woke up. */
	smp_store_release(&u->ring->flags, MVMM_RING_VM_GONE);
	if (u->efd)
		mvmm_eventfd_signal(u->efd);
	wake_up_all(&u->readq);
}

void mvmm_usersec_kill(struct mvmm_usersec *u)
{
	u32 i;

	spin_lock(&u->lock);
	u->dead = true;
	spin_unlock(&u->lock);
	for (i = 0; i < u->slots_used; i++)
		wake_up(&u->slots[i].wq);
	wake_up_all(&u->readq);
}

void mvmm_usersec_destroy(struct mvmm_usersec *u)
{
	if (u->efd)
		eventfd_ctx_put(u->efd);
	vfree(u->ring);
	kvfree(u->slots);
	kfree(u);
}

/* Tell the secondary something arrived. */
static void mvmm_usersec_notify(struct mvmm_usersec *u)
{
	if (u->efd) {
		mvmm_eventfd_signal(u->efd);
		atomic64_inc(&u->count.signals);
	}
	if (wq_has_sleeper(&u->readq))
		wake_up_interruptible(&u->readq);
}

/* The request of @us is over: answered, timed out or withdrawn. */
static void mvmm_usersec_retire(struct mvmm_usersec *u, struct mvmm_uslot *us,
				struct mvmm_slot *ss)
{
	lockdep_assert_held(&u->lock);
	us->seq = 0;
	us->answered = false;
	list_del_init(&us->unread);
	u->outstanding--;
	/* Orders our reads of the answer before the slot is reused. */
	smp_store_release(&ss->state, MVMM_SLOT_IDLE);
}

/*
 * When a request for @vcpu's current exit, waited for as @how, times out;
 * 0 if its exit's time is up. A signal ends a restartable wait, and each
 * such request gets the whole timeout. A killable one does not end for a
 * signal: the elements of string IO, which KVM's emulator cannot leave
 * undone, up to 1024 of them in one exit. They share one timeout, counted
 * from the first, so that a secondary that stops answering keeps the
 * vCPU's thread from its signals (a VMM pausing its vCPUs, the freezer)
 * for one timeout, not one per element. KVM counts every exit of the vCPU
 * in stat.exits: that tells the exit. (An element that goes to the VMM
 * ends the exit: KVM completes an OUT at once and the guest retakes the
 * instruction; an IN's batch completes from what the VMM read.) Only the
 * vCPU's own thread uses @us's exit fields.
 */
static u64 mvmm_usersec_deadline(struct mvmm_usersec *u,
				 struct mvmm_uslot *us,
				 const struct kvm_vcpu *vcpu, enum mvmm_wait how)
{
	u64 now = ktime_get_ns();

	if (how == MVMM_WAIT_RESTARTABLE)
		return now + u->timeout_ns;
	if (us->exit != vcpu->stat.exits) {
		us->exit = vcpu->stat.exits;
		us->exit_deadline = now + u->timeout_ns;
	}
	return now < us->exit_deadline ? us->exit_deadline : 0;
}

static void mvmm_usersec_post(struct mvmm_usersec *u, struct mvmm_uslot *us,
			      struct mvmm_slot *ss, u32 idx,
			      const struct mvmm_request *req, u64 deadline)
{
	lockdep_assert_held(&u->lock);
	us->seq = atomic64_inc_return(&u->seq);
	us->answered = false;
	us->ev = req->ev;
	us->rip = req->rip;
	us->deadline = deadline;
	list_add_tail(&us->unread, &u->unread);
	u->outstanding++;
	atomic64_inc(&u->count.posted);

	/*
	 * A secondary still copying a withdrawn request must not take a mix
	 * of old and new for the new seq: seq is 0 while req changes, and
	 * it re-reads seq after its copy.
	 */
	WRITE_ONCE(ss->seq, 0);
	/* seq 0 is visible before any byte of the new req. */
	smp_wmb();
	ss->req = *req;
	ss->req.seq = us->seq;
	ss->sleeping = 0;
	/* req is written before the secondary can see the new seq. */
	smp_store_release(&ss->seq, us->seq);
	/* The secondary reads seq and req after its acquire of state. */
	smp_store_release(&ss->state, MVMM_SLOT_REQUEST);
	if (idx >= u->slots_used) {
		u->slots_used = idx + 1;
		/* The secondary's scan bound covers the slot just posted. */
		smp_store_release(&u->ring->slots_used, u->slots_used);
	}
}

/* Is request @seq answered? 0 with @ans filled, -EAGAIN, or -ENODEV. */
static int mvmm_usersec_done(struct mvmm_usersec *u, struct mvmm_uslot *us,
			     struct mvmm_slot *ss, u64 seq,
			     struct mvmm_answer *ans)
{
	bool stale = false;
	int ret = -EAGAIN;

	/* A lockless look first: a spinning vCPU must not bounce the lock. */
	if (!READ_ONCE(u->dead) && !READ_ONCE(us->answered) &&
	    READ_ONCE(ss->state) != MVMM_SLOT_ANSWER)
		return -EAGAIN;

	spin_lock(&u->lock);
	/* An answer given before the secondary went away still counts. */
	if (us->seq != seq) {
		ret = -ENODEV;
	} else if (us->answered) {
		*ans = us->ans;
		ret = 0;
	} else if (/* pairs with the secondary's release of ANSWER */
		   smp_load_acquire(&ss->state) == MVMM_SLOT_ANSWER) {
		if (READ_ONCE(ss->ans_seq) == seq) {
			/* One copy: what is checked is what is applied. */
			memcpy(ans, &ss->ans, sizeof(*ans));
			ret = 0;
		} else {
			/* A late answer to an older request landed here. */
			cmpxchg(&ss->state, MVMM_SLOT_ANSWER, MVMM_SLOT_REQUEST);
			stale = true;
		}
	}
	if (ret == -EAGAIN && u->dead)
		ret = -ENODEV;
	if (!ret)
		mvmm_usersec_retire(u, us, ss);
	spin_unlock(&u->lock);
	if (stale)
		mvmm_usersec_notify(u);
	return ret;
}

static int mvmm_usersec_timeout(struct mvmm_usersec *u, struct mvmm_uslot *us,
				struct mvmm_slot *ss, u64 seq)
{
	spin_lock(&u->lock);
	if (us->seq == seq)
		mvmm_usersec_retire(u, us, ss);
	spin_unlock(&u->lock);
	return -ETIMEDOUT;
}

/*
 * Spin up to @ns for the answer: a look at the slot costs little, the clock
 * is read every 64 looks. When the scheduler wants this CPU (most often for
 * the secondary, just woken here), give it and spin on: the secondary may
 * answer before we are back, and then it has no vCPU to wake. Another task
 * merely runnable here ends the spin, as in KVM's halt polling: we would
 * only delay it.
 */
static int mvmm_usersec_spin(struct mvmm_usersec *u, struct mvmm_uslot *us,
			     struct mvmm_slot *ss, u64 seq,
			     struct mvmm_answer *ans, u64 ns)
{
	u64 end = ktime_get_ns() + ns;
	unsigned int n = 0;
	bool over = false;
	int ret;

	for (;;) {
		/* A last look once it is over. */
		ret = mvmm_usersec_done(u, us, ss, seq, ans);
		if (ret != -EAGAIN || signal_pending(current) || over)
			return ret;
		if (need_resched()) {
			cond_resched();
			/* That may have taken a while. */
			over = ktime_get_ns() >= end;
		} else if (!single_task_running()) {
			over = true;
		} else {
			cpu_relax();
			over = !(++n & 63) && ktime_get_ns() >= end;
		}
	}
}

static int mvmm_usersec_sleep(struct mvmm_usersec *u, struct mvmm_uslot *us,
			      struct mvmm_slot *ss, u64 seq,
			      struct mvmm_answer *ans, enum mvmm_wait how)
{
	unsigned int state = how == MVMM_WAIT_RESTARTABLE ?
			     TASK_INTERRUPTIBLE : TASK_KILLABLE;
	DEFINE_WAIT(wait);
	u64 now;
	int ret;

	for (;;) {
		prepare_to_wait(&us->wq, &wait, state);
		WRITE_ONCE(ss->sleeping, 1);
		/* Pairs with the secondary's fence between state and sleeping. */
		smp_mb();
		ret = mvmm_usersec_done(u, us, ss, seq, ans);
		if (ret != -EAGAIN)
			break;
		if (signal_pending_state(state, current)) {
			ret = -EINTR;
			break;
		}
		now = ktime_get_ns();
		if (now >= us->deadline) {
			ret = mvmm_usersec_timeout(u, us, ss, seq);
			break;
		}
		atomic64_inc(&u->count.sleeps);
		schedule_timeout(nsecs_to_jiffies(us->deadline - now) + 1);
	}
	finish_wait(&us->wq, &wait);
	WRITE_ONCE(ss->sleeping, 0);
	return ret;
}

/*
 * Adapt the eventfd-mode spin of @us as KVM adapts halt polling: an answer
 * that came after the vCPU slept but within the ceiling says a longer spin
 * would have caught it; one that came later says spinning is wasted here.
 */
static void mvmm_usersec_adapt(struct mvmm_usersec *u, struct mvmm_uslot *us,
			       u64 waited_ns)
{
	u32 start = MVMM_SPIN_START_US * NSEC_PER_USEC;

	if (waited_ns <= u->spin_max_ns) {
		us->spin_ns = clamp_t(u64, (u64)us->spin_ns * 2, start,
				      u->spin_max_ns);
	} else {
		us->spin_ns /= 2;
		if (us->spin_ns < start)
			us->spin_ns = 0;
	}
}

/* Spin (see the uapi header), then sleep, for the answer to @seq. */
static int mvmm_usersec_wait(struct mvmm_usersec *u, struct mvmm_uslot *us,
			     struct mvmm_slot *ss, u64 seq,
			     struct mvmm_answer *ans, enum mvmm_wait how)
{
	bool adaptive = u->spin_max_ns && !(u->flags & MVMM_ATTACH_POLL);
	u64 spin = adaptive ? min(us->spin_ns, u->spin_max_ns) : u->spin_max_ns;
	u64 t0 = adaptive ? ktime_get_ns() : 0;
	int ret = -EAGAIN;

	if (spin) {
		ret = mvmm_usersec_spin(u, us, ss, seq, ans, spin);
		if (!ret) {
			atomic64_inc(&u->count.spun);
			return 0;
		}
	}
	if (ret == -EAGAIN)
		ret = mvmm_usersec_sleep(u, us, ss, seq, ans, how);
	if (!ret) {
		atomic64_inc(&u->count.slept);
		if (adaptive)
			mvmm_usersec_adapt(u, us, ktime_get_ns() - t0);
	}
	return ret;
}

/* Post @req and wait for the answer: the backend's ->call(). */
static int mvmm_usersec_call(struct mvmm_handler *h, struct kvm_vcpu *vcpu,
			     const struct mvmm_request *req,
			     struct mvmm_answer *ans, enum mvmm_wait how,
			     u64 route)
{
	struct mvmm_usersec *u = h->priv;
	u32 idx = req->vcpu_idx;
	struct mvmm_uslot *us;
	struct mvmm_slot *ss;
	bool posted = false;
	u64 seq, deadline;
	int ret;

	if (req->vm_id != u->vm_id)
		return -EXDEV;
	if (idx >= u->nr_slots)
		return -ERANGE;
	us = &u->slots[idx];
	ss = mvmm_shared_slot(u, idx);

	spin_lock(&u->lock);
	if (u->dead) {
		spin_unlock(&u->lock);
		return -ENODEV;
	}
	/*
	 * Not the exit a signal interrupted, or not its retake right after
	 * (another handler, a group's other member say, took that): the
	 * interrupted one is void now, and a late answer to it must not
	 * complete this one.
	 */
	if (us->seq && (how != MVMM_WAIT_RESTARTABLE ||
			memcmp(&us->ev, &req->ev, sizeof(us->ev)) ||
			us->rip != req->rip || us->route + 1 != route))
		mvmm_usersec_retire(u, us, ss);
	us->route = route;
	if (us->seq) {
		mvmm_hstat_inc(h->slot, MVMM_HSTAT_RESTART);
	} else {
		deadline = mvmm_usersec_deadline(u, us, vcpu, how);
		if (!deadline) {
			/* Not posted: no time to count for its load. */
			spin_unlock(&u->lock);
			return -ETIME;
		}
		mvmm_usersec_post(u, us, ss, idx, req, deadline);
		posted = true;
	}
	seq = us->seq;
	spin_unlock(&u->lock);
	if (posted && !(u->flags & MVMM_ATTACH_POLL))
		mvmm_usersec_notify(u);
	else if (posted && wq_has_sleeper(&u->readq))
		wake_up_interruptible(&u->readq);

	/*
	 * Drop KVM's SRCU while waiting, as vcpu_block() does, so that a
	 * slow secondary does not hold up memslot and io bus changes. Every
	 * wait is on the vCPU's thread in KVM_RUN, which holds it; what KVM
	 * looked up under it on the way here (the emulator's GPA, the
	 * access's data) are values, not pointers into memslots or buses.
	 */
	kvm_vcpu_srcu_read_unlock(vcpu);
	ret = mvmm_usersec_wait(u, us, ss, seq, ans, how);
	kvm_vcpu_srcu_read_lock(vcpu);

	/* A killable wait ends only by SIGKILL: the exit is not resumed. */
	if (ret == -EINTR && how == MVMM_WAIT_KILLABLE) {
		spin_lock(&u->lock);
		if (us->seq == seq)
			mvmm_usersec_retire(u, us, ss);
		spin_unlock(&u->lock);
		ret = -ENODEV;
	}
	return ret;
}

/* Queue an observe copy without waiting: 0, -ENOSPC (dropped), -EXDEV. */
static int mvmm_usersec_observe(struct mvmm_handler *h,
				const struct mvmm_request *req)
{
	struct mvmm_usersec *u = h->priv;
	struct mvmm_request *rec;
	u32 head, tail;

	if (req->vm_id != u->vm_id)
		return -EXDEV;

	spin_lock(&u->obs_lock);
	head = u->obs_head;
	/* Pairs with the secondary's release: it is done with those records. */
	tail = smp_load_acquire(&u->ring->obs_tail);
	/* A tail the secondary scribbled on reads as a full ring. */
	if (head - tail >= u->obs_entries ||
	    READ_ONCE(u->dead)) {
		WRITE_ONCE(u->ring->obs_dropped, ++u->obs_dropped);
		spin_unlock(&u->obs_lock);
		return -ENOSPC;
	}
	rec = &u->obs[head & (u->obs_entries - 1)];
	*rec = *req;
	rec->seq = atomic64_inc_return(&u->seq);
	rec->flags |= MVMM_REQF_OBSERVE;
	u->obs_head = head + 1;
	/* The record is written before the secondary can see the new head. */
	smp_store_release(&u->ring->obs_head, u->obs_head);
	spin_unlock(&u->obs_lock);

	if (!(u->flags & MVMM_ATTACH_POLL))
		mvmm_usersec_notify(u);
	else if (wq_has_sleeper(&u->readq))
		wake_up_interruptible(&u->readq);
	return 0;
}

int mvmm_usersec_answer(struct mvmm_usersec *u, const struct mvmm_reply *r)
{
	struct mvmm_uslot *us;
	int ret = 0;

	if (READ_ONCE(u->vm_gone))
		return -ENOTCONN;
	if (r->flags || r->vcpu_idx >= u->nr_slots)
		return -EINVAL;
	us = &u->slots[r->vcpu_idx];

	spin_lock(&u->lock);
	if (!r->seq || us->seq != r->seq || us->answered)
		ret = -ESTALE;
	else if (mvmm_answer_check(&us->ev, &r->ans) != MVMM_ANSWER_OK)
		ret = -EINVAL;
	if (!ret) {
		us->ans = r->ans;
		us->answered = true;
	}
	spin_unlock(&u->lock);
	if (!ret)
		wake_up(&us->wq);
	return ret;
}

int mvmm_usersec_kick(struct mvmm_usersec *u, unsigned long idx)
{
	if (READ_ONCE(u->vm_gone))
		return -ENOTCONN;
	if (idx >= u->nr_slots)
		return -EINVAL;
	atomic64_inc(&u->count.kicks);
	wake_up(&u->slots[idx].wq);
	return 0;
}

void mvmm_usersec_stats(struct mvmm_usersec *u, struct mvmm_ustats *st)
{
	st->posted = atomic64_read(&u->count.posted);
	st->signals = atomic64_read(&u->count.signals);
	st->spun = atomic64_read(&u->count.spun);
	st->slept = atomic64_read(&u->count.slept);
	st->sleeps = atomic64_read(&u->count.sleeps);
	st->kicks = atomic64_read(&u->count.kicks);
}

/* Move up to @n records (unread requests, then observe copies) to @buf. */
static size_t mvmm_usersec_take(struct mvmm_usersec *u, struct mvmm_request *buf,
				size_t n)
{
	struct mvmm_uslot *us, *tmp;
	u32 head, tail, mask;
	size_t got = 0;

	spin_lock(&u->lock);
	list_for_each_entry_safe(us, tmp, &u->unread, unread) {
		if (got == n)
			break;
		buf[got] = mvmm_shared_slot(u, us - u->slots)->req;
		/* Our own values, not what the ring holds by now. */
		buf[got].seq = us->seq;
		buf[got].ev = us->ev;
		got++;
		list_del_init(&us->unread);
	}
	spin_unlock(&u->lock);

	spin_lock(&u->obs_lock);
	head = u->obs_head;
	tail = READ_ONCE(u->ring->obs_tail);
	mask = u->obs_entries - 1;
	if (head - tail > mask + 1)
		tail = head - (mask + 1);
	while (got < n && tail != head)
		buf[got++] = u->obs[tail++ & mask];
	/* Records are copied before producers may overwrite them. */
	smp_store_release(&u->ring->obs_tail, tail);
	spin_unlock(&u->obs_lock);
	return got;
}

static bool mvmm_usersec_readable(struct mvmm_usersec *u)
{
	return !list_empty_careful(&u->unread) ||
	       READ_ONCE(u->obs_head) != READ_ONCE(u->ring->obs_tail);
}

ssize_t mvmm_usersec_read(struct mvmm_usersec *u, char __user *buf, size_t len,
			  bool nonblock)
{
	size_t n = min_t(size_t, len / sizeof(struct mvmm_request), 16);
	struct mvmm_request *kbuf;
	size_t got;
	ssize_t ret;

	if (!n)
		return -EINVAL;
	kbuf = kmalloc_array(n, sizeof(*kbuf), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	for (;;) {
		got = mvmm_usersec_take(u, kbuf, n);
		if (got)
			break;
		/* End of file: nothing will come any more. */
		ret = 0;
		if (READ_ONCE(u->vm_gone))
			goto out;
		ret = -EAGAIN;
		if (nonblock)
			goto out;
		ret = wait_event_interruptible(u->readq, mvmm_usersec_readable(u) ||
					       READ_ONCE(u->vm_gone));
		if (ret)
			goto out;
	}
	ret = got * sizeof(*kbuf);
	if (copy_to_user(buf, kbuf, ret))
		ret = -EFAULT;
out:
	kfree(kbuf);
	return ret;
}

__poll_t mvmm_usersec_poll(struct mvmm_usersec *u, struct file *file,
			   poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &u->readq, wait);
	if (mvmm_usersec_readable(u))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(u->vm_gone))
		mask |= EPOLLHUP;
	return mask;
}

/*
 * Page by page, as remap_vmalloc_range() does: that one wants VM_USERMAP,
 * which only vmalloc_user() sets among the exported allocators, and
 * vmalloc_user() does not charge the memory cgroup.
 */
int mvmm_usersec_mmap(struct mvmm_usersec *u, struct vm_area_struct *vma)
{
	unsigned long off;
	int ret;

	if (vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start > u->ring_size)
		return -EINVAL;
	mvmm_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		ret = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page((void *)u->ring + off));
		if (ret)
			return ret;
	}
	return 0;
}

static void mvmm_usersec_info(struct mvmm_handler *h, struct mvmm_hinfo *info)
{
	const struct mvmm_usersec *u = h->priv;

	info->pid = u->pid;
	info->vm_id = u->vm_id;
	info->outstanding = READ_ONCE(u->outstanding);
}

const struct mvmm_backend mvmm_usersec_backend = {
	.call = mvmm_usersec_call,
	.observe = mvmm_usersec_observe,
	.vm_gone = mvmm_usersec_vm_gone,
	.info = mvmm_usersec_info,
	.user = true,
};

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_HANDLER_H
#define _MVMM_HANDLER_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <mvmm/secondary.h>

#define MVMM_MAX_HANDLERS	MVMM_HANDLER_NAMES_MAX

/* Why a routed event ended where it did: one counter each. */
enum mvmm_hstat {
	MVMM_HSTAT_EVENTS,	/* events routed to this name */
	MVMM_HSTAT_HANDLED,	/* completed by the secondary */
	MVMM_HSTAT_TO_MAIN,	/* the secondary passed them to KVM */
	MVMM_HSTAT_INJECTED,	/* the secondary injected an exception */
	MVMM_HSTAT_FALLBACK,	/* no handler, failure or invalid answer */
	MVMM_HSTAT_INVALID,	/* of those, invalid answers */
	MVMM_HSTAT_OBSERVED,	/* copies delivered in observe mode */
	MVMM_HSTAT_TIMEOUT,	/* of the fallbacks, userspace timeouts */
	MVMM_HSTAT_DROPPED,	/* observe copies lost to a full ring */
	MVMM_HSTAT_RESTART,	/* waits resumed after a signal */
	__MVMM_HSTAT_MAX
};

/* Service times by power of two: bucket b holds [2^(b-1), 2^b) ns. */
#define MVMM_HIST_BUCKETS	40
/* How long a handler that timed out stays out of group choice. */
#define MVMM_HLOAD_RETRY_NS	(1000ULL * NSEC_PER_MSEC)

/*
 * MVMM_HANDLER_NAMES_RESERVED: names a process without CAP_NET_ADMIN
 * cannot take, so that kernel modules and administrators always find one;
 * MVMM_HANDLER_NAMES_PER_USER: names one such user's attaches may hold.
 */

/*
 * A slot id is its index in the table, and above MVMM_HSLOT_IDX_BITS the
 * generation of that index: a name reclaimed and its index taken by
 * another name gets a new id, so a stale id finds nothing (never the
 * other name).
 */
#define MVMM_HSLOT_IDX_BITS	8
#define MVMM_HSLOT_IDX(id)	((id) & (MVMM_MAX_HANDLERS - 1))

/*
 * A handler name. Rules and groups name slots by id and pin them, so that
 * a name stays while something refers to it, whether or not a handler is
 * registered. A name nothing refers to (no handler, no pin) is reclaimed
 * when a new name needs its place, and freed after an exit-SRCU grace
 * period.
 *
 * Who serves a name: its kernel handler (@live) for every VM; without
 * one, the userspace handler attached for the event's VM (@users, by VM
 * id). A userspace handler serves only the VM it attached to, so a name
 * is not one VM's to take from another.
 */
struct mvmm_hslot {
	char name[MVMM_HANDLER_NAME_LEN];
	u32 id;
	struct mvmm_handler __rcu *live;
	struct xarray users;		/* vm_id -> struct mvmm_handler * */
	atomic_t pins;			/* policies and group sets naming it */
	u64 __percpu *stats;		/* [__MVMM_HSTAT_MAX], all handlers */
	struct rcu_head rcu;
};

/* A handler's load, for groups and dumps: see mvmm_hload_*(). */
struct mvmm_hload {
	atomic_t inflight;		/* vCPUs waiting on it now */
	atomic64_t ewma_ns;		/* service time, weight 1/8 */
	atomic64_t retry_at;		/* ktime ns: out of groups until; 0 */
	u64 __percpu *hist;		/* [MVMM_HIST_BUCKETS] by log2 ns */
};

struct kvm_vcpu;
struct mvmm_handler;
struct mvmm_hinfo;

/* How a vCPU may wait for a handler's answer. */
enum mvmm_wait {
	/*
	 * A signal returns to KVM_RUN and the exit recurs: at the exit, or
	 * on an MMIO access whose instruction bus.c can leave undone.
	 */
	MVMM_WAIT_RESTARTABLE,
	/* SIGKILL only: observe copies, string IO elements. */
	MVMM_WAIT_KILLABLE,
};

/**
 * struct mvmm_backend - how a handler serves the events routed to it
 * @call: ask about @req and wait for the answer. 0: @ans holds it
 *	(unchecked); -EINTR: a signal interrupted a restartable wait and the
 *	event recurs (@route numbers the vCPU's routed events, for resuming
 *	it); -ETIMEDOUT: no answer in time; -ETIME: the exit's time for
 *	killable waits was used up, so the request was not even made (a
 *	timeout too, with no service time for the load); any other
 *	errno: apply the rule's fallback. Exit SRCU held.
 *	NULL for kernel secondaries: their ops->handle() is called as it
 *	is, with no frame in between, on the path the benchmarks measure.
 * @observe: optional: hand over a copy of @req without waiting: 0, or an
 *	errno if the copy was dropped. Without it, a copy is a @call whose
 *	answer is ignored.
 * @vm_gone: optional: VM @vm_id is being destroyed. Atomic context.
 * @info: optional: what a dump shows of the handler besides its name.
 * @user: a process's handler: it serves the VM it attached to only, and
 *	its names count against the user's quota.
 *
 * Kernel secondaries (struct mvmm_handler_ops, handler.c) are one
 * backend, /dev/mvmm files (user_secondary.c) another.
 */
struct mvmm_backend {
	int (*call)(struct mvmm_handler *h, struct kvm_vcpu *vcpu,
		    const struct mvmm_request *req, struct mvmm_answer *ans,
		    enum mvmm_wait how, u64 route);
	int (*observe)(struct mvmm_handler *h, const struct mvmm_request *req);
	void (*vm_gone)(struct mvmm_handler *h, u32 vm_id);
	void (*info)(struct mvmm_handler *h, struct mvmm_hinfo *info);
	bool user;
};

/*
 * A handler under a name: @backend serves it, with @priv (a kernel
 * secondary's own, or the /dev/mvmm file's state); a kernel secondary's
 * @ops. A user backend's handler serves VM @vm_id only.
 *
 * @calls counts the registration and each call in progress, so that
 * unregistering waits for this handler's calls only, never for vCPUs
 * waiting on other handlers (of other VMs, say). @h is freed after an
 * exit-SRCU grace period (a kernel handler's after an RCU one too): a
 * vCPU may have read the slot's pointer just before it was cleared.
 * @atomic: a kernel handler that never sleeps
 * (ops->atomic), also called with preemption off and without @calls.
 */
struct mvmm_handler {
	struct mvmm_hslot *slot;
	const struct mvmm_backend *backend;
	const struct mvmm_handler_ops *ops;
	u32 vm_id;		/* user: the VM it serves */
	kuid_t uid;		/* user: who attached, for the name quota */
	void *priv;
	struct pid *tgid;	/* user: the attaching process, for its CPU time */
	struct mvmm_hload load;
	struct percpu_ref calls;
	struct completion idle;	/* @calls dropped to zero */
	/*
	 * Unregistered from inside its own ->handle(): the last put frees,
	 * and drops the reference then held on @ops->owner.
	 */
	bool orphan;
	bool atomic;
	struct rcu_head rcu;
};

/*
 * The handler serving VM @vm_id under @s now, not held: for reading its
 * load. The caller is in the exit SRCU read section, which keeps the
 * memory of a handler it read valid.
 */
static inline struct mvmm_handler *mvmm_handler_peek(struct mvmm_hslot *s,
						     u32 vm_id)
{
	struct mvmm_handler *h = rcu_dereference_check(s->live, 1);

	return h ?: xa_load(&s->users, vm_id);
}

/*
 * The handler serving VM @vm_id under @s now, held for one call; NULL if
 * there is none or it is going away. Exit SRCU read section, as above.
 */
static inline struct mvmm_handler *mvmm_handler_get(struct mvmm_hslot *s,
						    u32 vm_id)
{
	struct mvmm_handler *h = mvmm_handler_peek(s, vm_id);

	return h && percpu_ref_tryget_live(&h->calls) ? h : NULL;
}

static inline void mvmm_handler_put(struct mvmm_handler *h)
{
	percpu_ref_put(&h->calls);
}

/* What a dump or a notification shows of one handler, if any. */
struct mvmm_hinfo {
	bool attached;
	bool user;
	pid_t pid;
	u32 vm_id;
	u32 outstanding;
	bool has_cpu;		/* user: @cpu_ns is known */
	u64 cpu_ns;		/* user: CPU time of the attached process */
};

/* A handler's load, summed for a dump. */
struct mvmm_hload_info {
	u32 inflight;
	u64 samples;
	u64 ewma_ns;
	u64 p50_ns, p99_ns, max_ns;
	bool usable;
};

/*
 * Register a handler served by @backend (@backend->user: for VM @vm_id)
 * under @name: errors as for mvmm_handler_register(), and for a user
 * backend -EBUSY if a kernel handler has the name, -ENOSPC if only the
 * names kept for privileged callers are left, -EDQUOT if this user holds
 * MVMM_HANDLER_NAMES_PER_USER names already (both without CAP_NET_ADMIN).
 */
struct mvmm_handler *mvmm_handler_register_backend(const char *name,
						   const struct mvmm_backend *backend,
						   u32 vm_id, void *priv);
void mvmm_handlers_exit(void);

/**
 * mvmm_handlers_vm_gone() - tell the handlers serving a VM that it is gone
 * @vm_id: the mvmm id of the VM that KVM is destroying
 *
 * Calls the backend's ->vm_gone() of every registered handler that serves
 * the VM: each kernel handler, and the userspace ones attached to it,
 * each held for the call as for ->call(), so that unregistering waits for
 * it. Called once per VM, from the VM teardown watch (vm.c), after the VM
 * was forgotten; atomic context.
 */
void mvmm_handlers_vm_gone(u32 vm_id);

/**
 * mvmm_handlers_hold_vm() - does a handler still serve VM @vm_id?
 * @vm_id: the VM's id
 *
 * A userspace secondary stays attached to its VM's id, its file open,
 * after KVM destroyed the VM: the id must not name a new VM meanwhile.
 * Any context (reads under the exit SRCU).
 *
 * Return: true if some handler serves @vm_id.
 */
bool mvmm_handlers_hold_vm(u32 vm_id);

/* The slot id of @name, or -ENOENT. Process context. */
int mvmm_hslot_lookup(const char *name);
/* The names by index (handler.c); read through mvmm_hslot_at(). */
extern struct mvmm_hslot *mvmm_hslots[MVMM_MAX_HANDLERS];

static inline struct mvmm_hslot *mvmm_hslot_at(u32 idx)
{
	/* Pairs with smp_store_release() in mvmm_hslot_get_or_add(). */
	return smp_load_acquire(&mvmm_hslots[idx]);
}

/*
 * Slot @id, or NULL if that name was reclaimed (or never was); lock-free.
 * The caller keeps the slot valid: a pin, or the exit SRCU read section.
 * Inline: the exit's completion looks a handler up by it.
 */
static inline struct mvmm_hslot *mvmm_hslot(u32 id)
{
	struct mvmm_hslot *s = mvmm_hslot_at(MVMM_HSLOT_IDX(id));

	return s && s->id == id ? s : NULL;
}

/*
 * The kernel handler of slot @id if it never sleeps (ops->atomic): to be
 * called with preemption off, which keeps it valid, without a reference
 * (unregistering waits an RCU grace period for such reads). NULL
 * otherwise. Preemption off, @id read from a table it keeps pinned.
 */
static inline struct mvmm_handler *mvmm_handler_atomic(u32 id)
{
	struct mvmm_hslot *s = mvmm_hslot(id);
	struct mvmm_handler *h = s ? rcu_dereference_sched(s->live) : NULL;

	return h && h->atomic ? h : NULL;
}

/* Copy the name of slot @id to @name (MVMM_HANDLER_NAME_LEN), or "?". */
void mvmm_hslot_name(u32 id, char *name);
/*
 * Keep slot @id from being reclaimed: 0, or -ENOENT if it was already.
 * Taken by a policy for each rule naming a handler, by a group set for
 * each member; dropped (lock-free) when they are freed.
 */
int mvmm_hslot_pin(u32 id);
void mvmm_hslot_unpin(u32 id);
/* Has slot @id a handler that groups may choose now, for any VM? */
bool mvmm_hslot_usable(u32 id);

/*
 * Entry *@pos of the slot at index @idx, for a dump: one per handler
 * registered under the name (the kernel one, then the userspace ones by
 * VM id), or the bare name if none is. Fills @info and @li and advances
 * *@pos (start at 0); returns the slot, or NULL once there are no more.
 * Call in the exit SRCU read section: it keeps the slot valid.
 */
struct mvmm_hslot *mvmm_hslot_entry(u32 idx, unsigned long *pos,
				    struct mvmm_hinfo *info,
				    struct mvmm_hload_info *li);

static inline void mvmm_hstat_inc(struct mvmm_hslot *s, enum mvmm_hstat i)
{
	this_cpu_inc(s->stats[i]);
}

/* Take back an event count: an interrupted wait will be counted again. */
static inline void mvmm_hstat_dec(struct mvmm_hslot *s, enum mvmm_hstat i)
{
	this_cpu_dec(s->stats[i]);
}

/* Sum of one counter over all CPUs. */
u64 mvmm_hstat_read(const struct mvmm_hslot *s, enum mvmm_hstat i);

/*
 * Load accounting around each synchronous call of a handler (route.c):
 * begin before it, end after it with its result and duration. Lock-free.
 * Per handler: a userspace handler's load is its VM's alone, so that one
 * guest cannot make another's secondary look slow or timed out.
 */
static inline void mvmm_hload_begin(struct mvmm_handler *h)
{
	atomic_inc(&h->load.inflight);
}

void mvmm_hload_end(struct mvmm_handler *h, int err, u64 ns);

/* May groups choose @h now? *@now: ktime ns, read on demand (0: not yet). */
static inline bool mvmm_hload_usable(struct mvmm_handler *h, u64 *now)
{
	u64 until = atomic64_read(&h->load.retry_at);

	if (!until)
		return true;
	if (!*now)
		*now = ktime_get_ns();
	return *now >= until;
}

#endif /* _MVMM_HANDLER_H */

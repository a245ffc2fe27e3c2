/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_HANDLER_H
#define _MVMM_HANDLER_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <mvmm/secondary.h>

#define MVMM_MAX_HANDLERS	256

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

/*
 * A handler name. Names are interned on first use and live until unload,
 * so that rules can refer to a name whose handler comes and goes.
 */
struct mvmm_hslot {
	char name[MVMM_HANDLER_NAME_LEN];
	u32 id;
	struct mvmm_handler __rcu *live;
	u64 __percpu *stats;		/* [__MVMM_HSTAT_MAX] */
	/* Load, for groups and dumps: see mvmm_hload_*() */
	atomic_t inflight;		/* vCPUs waiting on it now */
	atomic64_t ewma_ns;		/* service time, weight 1/8 */
	atomic64_t retry_at;		/* ktime ns: out of groups until; 0 */
	u64 __percpu *hist;		/* [MVMM_HIST_BUCKETS] by log2 ns */
};

/* Service times by power of two: bucket b holds [2^(b-1), 2^b) ns. */
#define MVMM_HIST_BUCKETS	40
/* How long a handler that timed out stays out of group choice. */
#define MVMM_HLOAD_RETRY_NS	(1000ULL * NSEC_PER_MSEC)

struct mvmm_usec;

/*
 * A kernel secondary has @ops; a userspace one (/dev/mvmm) has @usec.
 *
 * @calls counts the registration and each call in progress, so that
 * unregistering waits for this handler's calls only, never for vCPUs
 * waiting on other handlers (of other VMs, say). @h is freed after an
 * exit-SRCU grace period: a vCPU may have read the slot's pointer just
 * before it was cleared.
 */
struct mvmm_handler {
	struct mvmm_hslot *slot;
	const struct mvmm_handler_ops *ops;
	struct mvmm_usec *usec;
	void *priv;
	struct pid *tgid;	/* user: the attaching process, for its CPU time */
	struct percpu_ref calls;
	struct completion idle;	/* @calls dropped to zero */
	/*
	 * Unregistered from inside its own ->handle(): the last put frees,
	 * and drops the reference then held on @ops->owner.
	 */
	bool orphan;
	struct rcu_head rcu;
};

/*
 * The handler attached to @s now, held for one call; NULL if there is
 * none or it is going away. The caller is in the exit SRCU read section,
 * which keeps the memory of a handler it read valid.
 */
static inline struct mvmm_handler *mvmm_handler_get(struct mvmm_hslot *s)
{
	struct mvmm_handler *h = rcu_dereference_check(s->live, 1);

	return h && percpu_ref_tryget_live(&h->calls) ? h : NULL;
}

static inline void mvmm_handler_put(struct mvmm_handler *h)
{
	percpu_ref_put(&h->calls);
}

/* What a handler dump shows of the handler attached now, if any. */
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

int mvmm_handlers_init(void);
/* Attach a /dev/mvmm file as handler @name: errors as for register. */
struct mvmm_handler *mvmm_handler_register_user(const char *name,
						struct mvmm_usec *u);
void mvmm_handler_info(struct mvmm_hslot *s, struct mvmm_hinfo *info);
void mvmm_handlers_exit(void);

/**
 * mvmm_handlers_vm_gone() - tell the kernel handlers that a VM is gone
 * @vm_id: the mvmm id of the VM that KVM is destroying
 *
 * Calls the ->vm_gone() op of every registered kernel handler that has
 * one, each held for the call as for ->handle(), so that unregistering
 * waits for it. Called once per VM, from the VM teardown watch (vm.c),
 * after the VM was forgotten; atomic context.
 */
void mvmm_handlers_vm_gone(u32 vm_id);

/* The slot id of @name, or -ENOENT. */
int mvmm_hslot_lookup(const char *name);
/* Slot @id or NULL; lock-free. */
struct mvmm_hslot *mvmm_hslot(u32 id);

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
 */
static inline void mvmm_hload_begin(struct mvmm_hslot *s)
{
	atomic_inc(&s->inflight);
}

void mvmm_hload_end(struct mvmm_hslot *s, int err, u64 ns);

/* May groups choose @s now? *@now: ktime ns, read on demand (0: not yet). */
static inline bool mvmm_hload_usable(struct mvmm_hslot *s, u64 *now)
{
	u64 until = atomic64_read(&s->retry_at);

	if (!rcu_access_pointer(s->live))
		return false;
	if (!until)
		return true;
	if (!*now)
		*now = ktime_get_ns();
	return *now >= until;
}

void mvmm_hload_read(struct mvmm_hslot *s, struct mvmm_hload_info *li);

#endif /* _MVMM_HANDLER_H */

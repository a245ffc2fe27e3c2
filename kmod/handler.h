/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_HANDLER_H
#define _MVMM_HANDLER_H

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
};

struct mvmm_usec;

/* A kernel secondary has @ops; a userspace one (/dev/mvmm) has @usec. */
struct mvmm_handler {
	struct mvmm_hslot *slot;
	const struct mvmm_handler_ops *ops;
	struct mvmm_usec *usec;
	void *priv;
};

/* What a handler dump shows of the handler attached now, if any. */
struct mvmm_hinfo {
	bool attached;
	bool user;
	pid_t pid;
	u32 vm_id;
	u32 outstanding;
};

int mvmm_handlers_init(void);
/* Attach a /dev/mvmm file as handler @name: errors as for register. */
struct mvmm_handler *mvmm_handler_register_user(const char *name,
						struct mvmm_usec *u);
void mvmm_handler_info(struct mvmm_hslot *s, struct mvmm_hinfo *info);
void mvmm_handlers_exit(void);

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

#endif /* _MVMM_HANDLER_H */

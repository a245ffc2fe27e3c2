/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ids that name live objects to user space (VMs): 1, 2, 3, ... and, once
 * the 32-bit counter wraps after 2^32 ids, never 0 (which names the
 * default table) nor an id still in use. Without that, 2^32 VMs created
 * and destroyed by a local user would give a new VM the id of a live one,
 * and what names it by id (netlink, /dev/mvmm's memory and interrupt
 * calls) would reach the other.
 *
 * Plain C with only <linux/types.h>, like policy.h: the module and the
 * unit tests run the same code. The owner serializes calls.
 */
#ifndef _MVMM_CORE_IDS_H
#define _MVMM_CORE_IDS_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <stdbool.h>
#endif

struct mvmm_ids {
	__u32 last;	/* the id given last */
	bool wrapped;	/* the counter went past U32_MAX once */
};

/*
 * The next id. Until the counter first wraps no id can be in use ahead
 * of it, and @in_use is not called: a new id costs an increment. Ends as
 * long as fewer than 2^32 - 1 ids are in use.
 */
static inline __u32 mvmm_ids_next(struct mvmm_ids *ids,
				  bool (*in_use)(__u32 id, void *arg),
				  void *arg)
{
	__u32 id;

	for (;;) {
		id = ++ids->last;
		if (!id) {
			ids->wrapped = true;
			continue;
		}
		if (!ids->wrapped || !in_use(id, arg))
			return id;
	}
}

#endif /* _MVMM_CORE_IDS_H */

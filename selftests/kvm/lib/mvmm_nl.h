/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal raw generic netlink client for the "mvmm" family, for tests:
 * no libnl, so that test binaries link statically. It resolves the family,
 * and reads VMs and their per-event counters (uapi/linux/mvmm.h).
 */
#ifndef MVMM_SELFTEST_NL_H
#define MVMM_SELFTEST_NL_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/mvmm.h>

struct mvmm_nl;

/* One VM as the module reports it, counters indexed by enum mvmm_event_type. */
struct mvmm_vm_info {
	uint32_t id;
	uint32_t pid;
	uint32_t vcpus;
	uint64_t age_ms;
	char comm[32];
	int has_stats;			/* the reply carried MVMM_A_VM_STATS */
	uint64_t exits[MVMM_EV_MAX + 1];
	uint64_t fastpath[MVMM_EV_MAX + 1];
	uint64_t l2[MVMM_EV_MAX + 1];
};

/*
 * Open a socket and resolve the family. Returns NULL with errno set;
 * errno == ENOENT means the family does not exist (mvmm.ko not loaded).
 */
struct mvmm_nl *mvmm_nl_open(void);
void mvmm_nl_close(struct mvmm_nl *nl);

/* The family id the kernel gave "mvmm". */
uint16_t mvmm_nl_family(const struct mvmm_nl *nl);

/*
 * The extended ACK message of the last failed request ("" if none came).
 * Valid until the next request.
 */
const char *mvmm_nl_errmsg(const struct mvmm_nl *nl);

/*
 * Dump every VM with MVMM_CMD_GET_STATS (@stats) or MVMM_CMD_GET_VM into
 * @vms (at most @max entries). Returns the number of VMs the module
 * reported (which may exceed @max: only @max are stored), or -errno.
 */
int mvmm_nl_dump(struct mvmm_nl *nl, int stats, struct mvmm_vm_info *vms,
		 int max);

/*
 * Get one VM by id with MVMM_CMD_GET_STATS (@stats) or MVMM_CMD_GET_VM.
 * Returns 0 or -errno (-ENOENT: no such VM).
 */
int mvmm_nl_get(struct mvmm_nl *nl, int stats, uint32_t id,
		struct mvmm_vm_info *vm);

/*
 * Find the newest VM created by process @pid (the highest id: ids are
 * handed out in increasing order) whose id is not in @exclude[0..n-1].
 * A VM is known to the module only once one of its vCPUs exited, so run
 * the guest at least once before calling this. Returns 0 or -errno
 * (-ENOENT: none).
 */
int mvmm_nl_find_vm(struct mvmm_nl *nl, pid_t pid, const uint32_t *exclude,
		    int n, struct mvmm_vm_info *vm);

/* Short name of an event type for messages ("cpuid"); never NULL. */
const char *mvmm_nl_type_name(unsigned int type);

#endif /* MVMM_SELFTEST_NL_H */

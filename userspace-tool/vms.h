/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fetching VMs (and their counters) from the kernel into plain structs, so
 * that vm.c and stats.c only format.
 */
#ifndef MVMMCTL_VMS_H
#define MVMMCTL_VMS_H

#include <stdint.h>

#include "parse.h"

struct mvmm_evstat {
	uint32_t type;		/* enum mvmm_event_type */
	uint64_t exits;
	uint64_t fastpath;
	uint64_t l2;
	uint64_t routed;	/* sent to a secondary by a rule */
	uint64_t completed;	/* of those, completed by mvmm */
};

/* One VM as MVMM_CMD_GET_VM/GET_STATS report it (kmod/vm.h: struct mvmm_vm). */
struct mvmm_vm_info {
	uint32_t id;
	uint32_t pid;
	uint32_t vcpus;
	uint64_t age_ms;
	char comm[64];
	struct mvmm_evstat *ev;	/* GET_STATS only, sorted by type */
	int nev;
};

struct mvmm_vms {
	struct mvmm_vm_info *vm;	/* sorted by id */
	int n;
};

/*
 * Ask for the VMs @sel names with @cmd (MVMM_CMD_GET_VM or
 * MVMM_CMD_GET_STATS): a doit for one id, else a dump, filtered here by
 * pid. Returns MVMM_EXIT_OK, or MVMM_EXIT_FAIL after printing the error.
 */
int mvmm_vms_get(uint8_t cmd, const struct mvmm_vm_sel *sel, struct mvmm_vms *out);
void mvmm_vms_free(struct mvmm_vms *vms);

#endif /* MVMMCTL_VMS_H */

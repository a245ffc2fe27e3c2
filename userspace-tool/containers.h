/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvmmctl's data model: what the module holds (VMs and their counters,
 * rules, handlers, groups) and what it announces (notifications), as plain
 * structs. The netlink side (ipc.c) fills them from replies and encodes
 * them into requests; the commands parse command lines into them and
 * print them, and never see a netlink message.
 */
#ifndef MVMMCTL_CONTAINERS_H
#define MVMMCTL_CONTAINERS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/mvmm.h>

/* Room for any name a newer module sends (handlers, groups, targets). */
#define MVMM_TARGET_LEN		64

/* Counters of one event type in one VM (MVMM_A_VM_STATS). */
struct mvmm_evstat {
	uint32_t type;		/* enum mvmm_event_type */
	uint64_t exits;
	uint64_t fastpath;
	uint64_t l2;
	uint64_t routed;	/* sent to a secondary by a rule */
	uint64_t completed;	/* of those, completed by mvmm */
};

/* One VM as MVMM_CMD_GET_VM/GET_STATS report it. */
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

/* A handler's counters, in the order of the uapi header. */
enum mvmm_handler_counter {
	MVMM_HC_EVENTS,
	MVMM_HC_HANDLED,
	MVMM_HC_TO_MAIN,
	MVMM_HC_INJECTED,
	MVMM_HC_FALLBACK,
	MVMM_HC_INVALID,
	MVMM_HC_OBSERVED,
	MVMM_HC_TIMEOUTS,
	MVMM_HC_DROPPED,
	MVMM_HC_RESTARTS,
	MVMM_HC_NR
};

/* One handler name as MVMM_CMD_GET_HANDLER reports it. */
struct mvmm_handler_info {
	char name[MVMM_TARGET_LEN];
	uint32_t id;
	bool attached;
	bool user;		/* attached through /dev/mvmm */
	uint32_t pid, vm, outstanding;	/* @user only */
	uint64_t count[MVMM_HC_NR];
	/* MVMM_A_HANDLER_LOAD, from a module that has groups */
	bool has_load, usable, has_cpu;
	uint32_t inflight;
	uint64_t samples, ewma_ns, p50_ns, p99_ns, max_ns, cpu_ns;
};

struct mvmm_handlers {
	struct mvmm_handler_info *h;	/* in the module's (id) order */
	int n;
};

struct mvmm_group_member {
	char name[MVMM_TARGET_LEN];
	uint32_t weight, handler_id;
	uint64_t chosen;
	bool usable, has_weight;	/* has_weight: given on the command line */
};

/* A group of handlers (MVMM_A_GROUP); id, no_member and chosen are dumps'. */
struct mvmm_group_info {
	char name[MVMM_TARGET_LEN];
	uint32_t id, policy, nr;
	uint64_t no_member;
	struct mvmm_group_member m[MVMM_GROUP_MAX_MEMBERS];
};

struct mvmm_groups {
	struct mvmm_group_info *g;	/* in the module's (id) order */
	int n;
};

#endif /* MVMMCTL_CONTAINERS_H */

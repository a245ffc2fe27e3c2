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

#define MVMM_ANSWER_REGS	4	/* eax, ebx, ecx, edx */

/* What was given for one CPUID register of an answer. */
enum {
	MVMM_ANSREG_VALUE = 1 << 0,
	MVMM_ANSREG_AND = 1 << 1,
	MVMM_ANSREG_OR = 1 << 2,
};

/* A pre-registered answer: the target "answer ..." of a rule. */
struct mvmm_answer_spec {
	bool has_value;
	bool ignore;
	uint64_t value;
	uint8_t reg_given[MVMM_ANSWER_REGS];	/* MVMM_ANSREG_* */
	uint32_t reg_value[MVMM_ANSWER_REGS];
	uint32_t reg_and[MVMM_ANSWER_REGS];
	uint32_t reg_or[MVMM_ANSWER_REGS];
	bool has_hits;				/* dumps only */
	uint64_t hits;
};

/* One rule of a policy table, as given on a command line or dumped. */
struct mvmm_rule_spec {
	uint32_t id;		/* 0: not given (add: the module picks one) */
	uint32_t type;		/* enum mvmm_event_type */
	bool ranged;		/* false: the whole type, [0, UINT64_MAX] */
	uint64_t lo, hi;	/* qualifier range, inclusive */
	uint8_t origin;		/* enum mvmm_origin_match */
	uint8_t mode;		/* enum mvmm_rule_mode */
	uint8_t fallback;	/* enum mvmm_rule_fallback */
	char target[MVMM_TARGET_LEN];	/* "main" or a handler's name */
	bool group;		/* @target names a group ("group NAME") */
	bool has_answer;	/* "answer ...": @answer, @target empty */
	struct mvmm_answer_spec answer;
};

struct mvmm_rules {
	struct mvmm_rule_spec *r;	/* in id order, as the module dumps */
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

/* What a notification of the "events" group is about. */
enum mvmm_notif_object {
	MVMM_NOTIF_UNKNOWN,	/* a command this mvmmctl does not know */
	MVMM_NOTIF_RULE,
	MVMM_NOTIF_HANDLER,
	MVMM_NOTIF_VM,
};

/* One notification of the "events" multicast group. */
struct mvmm_notification {
	enum mvmm_notif_object object;
	uint8_t cmd;		/* enum mvmm_cmd (the action) */
	char bad[160];		/* why it is malformed; empty: it is not */
	/* MVMM_NOTIF_RULE: the table (vm_id 0: the default), the rule */
	uint32_t vm_id;
	bool has_rule;
	struct mvmm_rule_spec rule;
	/* MVMM_NOTIF_HANDLER: name, id; pid and vm when @user */
	char name[MVMM_TARGET_LEN];
	uint32_t id;
	bool user;
	uint32_t pid, vm;
	/* MVMM_NOTIF_VM: the VM (id, pid, comm) */
	struct mvmm_vm_info vm_info;
};

#endif /* MVMMCTL_CONTAINERS_H */

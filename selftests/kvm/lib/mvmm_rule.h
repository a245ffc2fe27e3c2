/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule and handler commands of the "mvmm" family, for tests, on top of
 * mvmm_nl.h (its request builder, mvmm_nl_talk() and struct mvmm_ack):
 *  - struct mvmm_rsk, a socket for them, and mvmm_rsk_talk(), which sends
 *    any request, well formed or not, and returns the kernel's errno with
 *    its extended ACK, so that a test can check refusals exactly;
 *  - typed helpers for rule add / replace / del / flush / dump and the
 *    handler dump.
 *
 * policy.h (kmod/core, build with -I kmod/core) stays included for the
 * programs that used to get it from here.
 */
#ifndef MVMM_SELFTEST_RULE_H
#define MVMM_SELFTEST_RULE_H

#include <stdint.h>
#include <linux/netlink.h>
#include <linux/mvmm.h>
#include "mvmm_nl.h"
#include "policy.h"

/* The table argument of the helpers: a VM id, or this for the default. */
#define MVMM_TABLE_DEFAULT	0

struct mvmm_rsk;

/* NULL with errno set; ENOENT: no "mvmm" family (module not loaded). */
struct mvmm_rsk *mvmm_rsk_open(void);
void mvmm_rsk_close(struct mvmm_rsk *s);
uint16_t mvmm_rsk_family(const struct mvmm_rsk *s);
/* The raw socket under @s, for the mvmm_nl_*() calls. */
struct mvmm_nl *mvmm_rsk_nl(struct mvmm_rsk *s);

/* mvmm_nl_talk() on @s. */
int mvmm_rsk_talk(struct mvmm_rsk *s, struct mvmm_msg *m, mvmm_nl_cb cb,
		  void *arg, struct mvmm_ack *ack);

/* A rule as netlink carries it (MVMM_A_RULE_*). */
struct mvmm_rule_info {
	uint32_t id;		/* 0 on add: "not sent, module chooses" */
	uint32_t type;		/* enum mvmm_event_type */
	uint64_t lo, hi;
	uint8_t origin;		/* enum mvmm_origin_match */
	uint8_t mode;		/* enum mvmm_rule_mode */
	uint8_t fallback;	/* enum mvmm_rule_fallback */
	char target[32];	/* "main" or a handler name */
	/*
	 * Add/replace only: a fixed answer (RULE_ANSWER) instead of the
	 * target. MVMM_RULE_ANSWER_FIXED: CPUID: REG_VALUE @regs[0..3] for
	 * EAX..EDX; MSR writes: IGNORE; IO and MMIO: VALUE @value and
	 * IGNORE; the rest: VALUE. MVMM_RULE_ANSWER_MASK (CPUID): REG_AND
	 * @regs[0..3], KVM's registers masked.
	 */
	uint8_t answer;
	uint64_t value;
	uint32_t regs[4];
};

#define MVMM_RULE_ANSWER_FIXED	1
#define MVMM_RULE_ANSWER_MASK	2

/* A handler and its counters (MVMM_A_HANDLER_*). */
struct mvmm_handler_info {
	char name[32];
	uint32_t id;
	uint8_t attached;
	uint64_t events;
	uint64_t handled;
	uint64_t to_main;
	uint64_t injected;
	uint64_t fallback;
	uint64_t invalid;
	uint64_t observed;
	/* Userspace secondaries (/dev/mvmm); 0 for kernel ones. */
	uint8_t user;
	uint32_t pid;
	uint32_t vm_id;
	uint64_t timeouts;
	uint64_t dropped;
	uint64_t restarts;
	uint32_t outstanding;
	/* Its load: synchronous calls timed (MVMM_A_HLOAD_SAMPLES). */
	uint64_t samples;
};

/*
 * Rule commands on table @vm (a VM id or MVMM_TABLE_DEFAULT). Each returns
 * 0 or -errno; @ack (may be NULL) gets the kernel's extended ACK.
 * Add sends every field of @r (the id only if non-zero) and stores the id
 * the rule got in *@id (may be NULL).
 */
int mvmm_rule_add(struct mvmm_rsk *s, uint32_t vm,
		  const struct mvmm_rule_info *r, uint32_t *id,
		  struct mvmm_ack *ack);
int mvmm_rule_replace(struct mvmm_rsk *s, uint32_t vm,
		      const struct mvmm_rule_info *r, struct mvmm_ack *ack);
int mvmm_rule_del(struct mvmm_rsk *s, uint32_t vm, uint32_t id,
		  struct mvmm_ack *ack);
int mvmm_rule_flush(struct mvmm_rsk *s, uint32_t vm, struct mvmm_ack *ack);

/*
 * The table attribute of a request (MVMM_A_DEFAULT or MVMM_A_VM_ID), and
 * a rule as a MVMM_A_RULE nest (every field, the id only if non-zero),
 * for requests the helpers below do not make (RULE_APPLY's ops).
 */
void mvmm_msg_put_table(struct mvmm_msg *m, uint32_t vm);
void mvmm_msg_put_rule(struct mvmm_msg *m, const struct mvmm_rule_info *r);

/*
 * Dump table @vm into @rules (at most @max, in id order). Returns the
 * number of rules (which may exceed @max) or -errno.
 */
int mvmm_rule_dump(struct mvmm_rsk *s, uint32_t vm,
		   struct mvmm_rule_info *rules, int max,
		   struct mvmm_ack *ack);

/*
 * Dump table @vm, calling @fn with each rule as it is read, for tables
 * too big to hold; a non-zero return of @fn is returned (the dump is
 * still read to its end). Returns 0 or -errno; @ack->dump_intr tells
 * whether the table changed during the dump.
 */
typedef int (*mvmm_rule_fn)(const struct mvmm_rule_info *r, void *arg);
int mvmm_rule_dump_each(struct mvmm_rsk *s, uint32_t vm, mvmm_rule_fn fn,
			void *arg, struct mvmm_ack *ack);

/* Dump every handler name into @h (at most @max); count or -errno. */
int mvmm_handler_dump(struct mvmm_rsk *s, struct mvmm_handler_info *h,
		      int max);

/*
 * The handler named @name: 0, -ENOENT (never registered: *@h is then all
 * zeros but the name, as its counters start from 0) or -errno.
 */
int mvmm_handler_get(struct mvmm_rsk *s, const char *name,
		     struct mvmm_handler_info *h);

/* A rule in the form "mvmmctl rule show" prints, for messages. */
const char *mvmm_rule_str(const struct mvmm_rule_info *r, char *buf,
			  int len);

/* A rule for events @type from @lo to @hi (id 0: the module chooses). */
struct mvmm_rule_info mvmm_rule_make(uint32_t type, uint64_t lo, uint64_t hi,
				     uint8_t origin, uint8_t mode,
				     uint8_t fallback, const char *target);

/*
 * For the tests that only need these to work: they fail the test
 * (TEST_ASSERT) on any error, with the kernel's message.
 */
struct mvmm_rsk *mvmm_rsk_open_ok(void);
/* The id of the rule added. */
uint32_t mvmm_rule_add_ok(struct mvmm_rsk *s, uint32_t table,
			  const struct mvmm_rule_info *r);
void mvmm_rule_replace_ok(struct mvmm_rsk *s, uint32_t table,
			  const struct mvmm_rule_info *r);

/* The expected change of a handler's counters. */
struct mvmm_hdelta {
	uint64_t events, handled, to_main, injected, fallback, invalid,
		 observed, timeouts, dropped, restarts;
};

/* Print the change from @a to @b and check it is exactly @d. */
void mvmm_hd_check(const char *what, const struct mvmm_handler_info *a,
		   const struct mvmm_handler_info *b,
		   const struct mvmm_hdelta *d);

#endif /* MVMM_SELFTEST_RULE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the rule and handler commands of the "mvmm"
 * family, for tests (no libnl: test binaries link statically).
 *
 * Two layers:
 *  - a message builder and mvmm_rsk_talk(), which send any request, well
 *    formed or not, and return the kernel's errno with its extended ACK
 *    (message, offset of the attribute it blames, cookie), so that a test
 *    can check refusals exactly;
 *  - typed helpers for rule add / replace / del / flush / dump and the
 *    handler dump, built on it.
 *
 * The values of MVMM_A_RULE_ORIGIN, _MODE and _FALLBACK (enum
 * mvmm_origin_match, mvmm_rule_mode, mvmm_rule_fallback) live in
 * kmod/core/policy.h until they move to the uapi header; build with
 * -I kmod/core.
 */
#ifndef MVMM_SELFTEST_RULE_H
#define MVMM_SELFTEST_RULE_H

#include <stdint.h>
#include <linux/netlink.h>
#include <linux/mvmm.h>
#include "policy.h"

/* The table argument of the helpers: a VM id, or this for the default. */
#define MVMM_TABLE_DEFAULT	0

#define MVMM_MSG_MAX		4096
#define MVMM_MSG_DEPTH		8

/* A request under construction. */
struct mvmm_msg {
	uint32_t buf[MVMM_MSG_MAX / 4];
	uint32_t nest[MVMM_MSG_DEPTH];	/* offsets of the open nests */
	int depth;
};

/* What the kernel said about the last request. */
struct mvmm_ack {
	int error;		/* 0 or -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	int has_offs;		/* NLMSGERR_ATTR_OFFS came */
	uint32_t offs;		/* from the start of the request's nlmsghdr */
	int cookie_len;		/* NLMSGERR_ATTR_COOKIE, 0 if none */
	uint8_t cookie[20];	/* the kernel sends at most 20 bytes */
};

/* Start a request of the "mvmm" family (@family) with NLM_F_REQUEST|ACK. */
void mvmm_msg_init(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		   uint16_t flags);
struct nlmsghdr *mvmm_msg_hdr(struct mvmm_msg *m);

/*
 * Append an attribute with @len bytes of @data (any length, for malformed
 * requests); returns its offset from the start of the message, the value
 * NLMSGERR_ATTR_OFFS reports for it.
 */
uint32_t mvmm_msg_put(struct mvmm_msg *m, uint16_t type, const void *data,
		      uint16_t len);
uint32_t mvmm_msg_put_u8(struct mvmm_msg *m, uint16_t type, uint8_t v);
uint32_t mvmm_msg_put_u32(struct mvmm_msg *m, uint16_t type, uint32_t v);
uint32_t mvmm_msg_put_u64(struct mvmm_msg *m, uint16_t type, uint64_t v);
/* With its terminating NUL. */
uint32_t mvmm_msg_put_str(struct mvmm_msg *m, uint16_t type, const char *s);
uint32_t mvmm_msg_put_flag(struct mvmm_msg *m, uint16_t type);
/*
 * Open a nested attribute, with NLA_F_NESTED (strict validation wants it);
 * _raw: @type as given.
 */
uint32_t mvmm_msg_nest(struct mvmm_msg *m, uint16_t type);
uint32_t mvmm_msg_nest_raw(struct mvmm_msg *m, uint16_t type);
void mvmm_msg_nest_end(struct mvmm_msg *m);

struct mvmm_rsk;

/* NULL with errno set; ENOENT: no "mvmm" family (module not loaded). */
struct mvmm_rsk *mvmm_rsk_open(void);
void mvmm_rsk_close(struct mvmm_rsk *s);
uint16_t mvmm_rsk_family(const struct mvmm_rsk *s);

/* Called with the attributes of every reply message of the family. */
typedef int (*mvmm_rsk_cb)(const struct nlattr *attrs, int len, void *arg);

/*
 * Send @m and read replies until its ACK (doit) or NLMSG_DONE (dump).
 * Returns 0, or the kernel's -errno (also in @ack->error), or the first
 * non-zero value @cb returned. @ack may be NULL.
 */
int mvmm_rsk_talk(struct mvmm_rsk *s, struct mvmm_msg *m, mvmm_rsk_cb cb,
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
};

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
 * Dump table @vm into @rules (at most @max, in id order). Returns the
 * number of rules (which may exceed @max) or -errno.
 */
int mvmm_rule_dump(struct mvmm_rsk *s, uint32_t vm,
		   struct mvmm_rule_info *rules, int max,
		   struct mvmm_ack *ack);

/* Dump every handler name into @h (at most @max); count or -errno. */
int mvmm_handler_dump(struct mvmm_rsk *s, struct mvmm_handler_info *h,
		      int max);

/* The handler named @name: 0, -ENOENT (never registered) or -errno. */
int mvmm_handler_get(struct mvmm_rsk *s, const char *name,
		     struct mvmm_handler_info *h);

/* A rule in the form "mvmmctl rule show" prints, for messages. */
const char *mvmm_rule_str(const struct mvmm_rule_info *r, char *buf,
			  int len);

#endif /* MVMM_SELFTEST_RULE_H */

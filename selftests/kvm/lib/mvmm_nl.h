/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal raw generic netlink client for the "mvmm" family, for tests:
 * no libnl, so that test binaries link statically.
 *
 * Three layers, all here so that nothing is written twice:
 *  - a request builder (struct mvmm_msg) that can also make malformed
 *    requests, and mvmm_nl_talk(), which sends one and returns the
 *    kernel's errno with its whole extended ACK (message, blamed
 *    attribute, missing attribute, cookie);
 *  - an attribute walker and payload accessors for the replies;
 *  - VMs and their per-event counters (GET_VM, GET_STATS).
 * mvmm_rule.h adds the rule and handler commands on top.
 *
 * Raw sockets of their own (a fuzzer's wire, a second socket for the
 * multicast group) come from mvmm_nl_socket() and mvmm_nl_join().
 */
#ifndef MVMM_SELFTEST_NL_H
#define MVMM_SELFTEST_NL_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>
#include <linux/mvmm.h>

struct mvmm_nl;

/*
 * Open a socket and resolve the family. Returns NULL with errno set;
 * errno == ENOENT means the family does not exist (mvmm.ko not loaded).
 */
struct mvmm_nl *mvmm_nl_open(void);
void mvmm_nl_close(struct mvmm_nl *nl);

/* The family id the kernel gave "mvmm". */
uint16_t mvmm_nl_family(const struct mvmm_nl *nl);

/* The socket under @nl, for socket options (e.g. a larger send buffer). */
int mvmm_nl_fd(const struct mvmm_nl *nl);

/*
 * Sleep @usec before each read of a reply (0: never), so that a dump's
 * parts are built apart in time and changes can land between them.
 */
void mvmm_nl_set_read_pause(struct mvmm_nl *nl, unsigned int usec);

/*
 * A raw NETLINK_GENERIC socket, bound, with extended ACKs and error ACKs
 * that do not echo the request (NETLINK_EXT_ACK, NETLINK_CAP_ACK).
 * Returns the fd, or -errno (also if either option is refused: the tests
 * check extended ACKs). @portid (may be NULL) gets the port it was bound to.
 */
int mvmm_nl_socket(uint32_t *portid);

/*
 * The id of the family's multicast group @name (MVMM_GENL_MCGRP_EVENTS),
 * from the genetlink controller: > 0, or -errno (-ENOENT: no such group).
 */
int mvmm_nl_mcgrp(struct mvmm_nl *nl, const char *name);

/* Join multicast group @group on netlink socket @fd: 0 or -errno. */
int mvmm_nl_join(int fd, uint32_t group);

/*
 * The extended ACK message of the last failed request ("" if none came).
 * Valid until the next request.
 */
const char *mvmm_nl_errmsg(const struct mvmm_nl *nl);

/* Requests */

#define MVMM_MSG_MAX		4096
#define MVMM_MSG_DEPTH		8

/*
 * A request under construction: up to MVMM_MSG_MAX bytes in @buf, or,
 * from mvmm_msg_init_big(), any size on the heap (a RULE_APPLY of a whole
 * table is megabytes). Big ones are on the heap, not in @buf, so that no
 * test carries megabytes in its image: the KVM tests' images, .bss
 * included, are loaded into their guests' memory.
 */
struct mvmm_msg {
	uint32_t buf[MVMM_MSG_MAX / 4];
	uint32_t nest[MVMM_MSG_DEPTH];	/* offsets of the open nests */
	int depth;
	uint32_t *big;			/* mvmm_msg_init_big(): the message */
	uint32_t big_size;		/* bytes at @big, grown as needed */
};

/*
 * Start a request of family @family (mvmm_nl_family(), or GENL_ID_CTRL)
 * with NLM_F_REQUEST | NLM_F_ACK | @flags.
 */
void mvmm_msg_init(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		   uint16_t flags);
/*
 * The same for a message of any size on the heap, @size bytes to start
 * with (it grows as attributes are added). Returns 0 or -ENOMEM; free it
 * with mvmm_msg_free().
 */
int mvmm_msg_init_big(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		      uint16_t flags, size_t size);
void mvmm_msg_free(struct mvmm_msg *m);
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

/* What the kernel said about the last request. */
struct mvmm_ack {
	int error;		/* 0 or -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	int has_offs;		/* NLMSGERR_ATTR_OFFS came */
	uint32_t offs;		/* from the start of the request's nlmsghdr */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, 0 if none */
	int cookie_len;		/* NLMSGERR_ATTR_COOKIE, 0 if none */
	uint8_t cookie[20];	/* the kernel sends at most 20 bytes */
	int dump_intr;		/* a reply was flagged NLM_F_DUMP_INTR */
	unsigned int reads;	/* recv() calls: a dump's parts, and the end */
};

/*
 * Called with the attributes of every reply message of the request's
 * family; a non-zero return is kept and ends the callbacks.
 */
typedef int (*mvmm_nl_cb)(const struct nlattr *attrs, int len, void *arg);

/*
 * Send @m and read replies until its ACK (doit) or NLMSG_DONE (dump).
 * Returns 0, or the kernel's -errno (also in @ack->error), or the first
 * non-zero value @cb returned. @ack and @cb may be NULL.
 */
int mvmm_nl_talk(struct mvmm_nl *nl, struct mvmm_msg *m, mvmm_nl_cb cb,
		 void *arg, struct mvmm_ack *ack);

/* Replies: the attributes in @len bytes at @head, checked as they go. */
#define mvmm_nla_for_each(pos, rem, head, len)				\
	for (pos = (head), rem = (len);					\
	     rem >= NLA_HDRLEN && pos->nla_len >= NLA_HDRLEN &&		\
	     pos->nla_len <= rem;					\
	     rem -= NLA_ALIGN(pos->nla_len),				\
	     pos = (const struct nlattr *)((const char *)pos +		\
					   NLA_ALIGN(pos->nla_len)))

/* The attributes inside the nested attribute @nest. */
#define mvmm_nla_for_each_nested(pos, rem, nest)			\
	mvmm_nla_for_each(pos, rem,					\
			  (const struct nlattr *)mvmm_nla_data(nest),	\
			  mvmm_nla_len(nest))

/* Type (without the NLA_F_* bits), payload and payload length. */
uint16_t mvmm_nla_type(const struct nlattr *nla);
const void *mvmm_nla_data(const struct nlattr *nla);
int mvmm_nla_len(const struct nlattr *nla);
/* An unsigned attribute of 1, 2, 4 or 8 bytes; 0 for any other length. */
uint64_t mvmm_nla_uint(const struct nlattr *nla);
/* A string attribute into @dst (@size bytes), NUL or not. */
void mvmm_nla_str(char *dst, int size, const struct nlattr *nla);

/* VMs */

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
	uint64_t routed[MVMM_EV_MAX + 1];
	uint64_t completed[MVMM_EV_MAX + 1];
};

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

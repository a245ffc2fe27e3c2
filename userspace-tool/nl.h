/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the "mvmm" generic netlink family: open a socket, resolve the
 * family, send one request and feed every reply to a callback, or listen
 * to a multicast group. ipc.c builds and decodes the messages; nothing
 * else includes this header.
 */
#ifndef MVMMCTL_NL_H
#define MVMMCTL_NL_H

#include <stdint.h>

#include <netlink/netlink.h>

#include "mvmmctl.h"

struct mvmm_nl;

/*
 * Connect and resolve the family. On failure prints "Error: ..." (with the
 * "is mvmm.ko loaded?" hint when the family does not exist) and returns
 * NULL.
 */
struct mvmm_nl *mvmm_nl_open(void);
void mvmm_nl_close(struct mvmm_nl *nl);

/* A request for @cmd; @flags is 0 for a doit or NLM_F_DUMP. */
struct nl_msg *mvmm_nl_msg(struct mvmm_nl *nl, uint8_t cmd, int flags);

/* The same with room for @size bytes (libnl's default is one page). */
struct nl_msg *mvmm_nl_msg_size(struct mvmm_nl *nl, uint8_t cmd, int flags,
				size_t size);

/*
 * Make the socket's send buffer hold @bytes if it may (SO_SNDBUFFORCE
 * needs CAP_NET_ADMIN, SO_SNDBUF stops at net.core.wmem_max); returns
 * the buffer's size now, or -1. The kernel refuses a request larger than
 * that minus 32 bytes.
 */
long mvmm_nl_sndbuf(struct mvmm_nl *nl, size_t bytes);

/*
 * Called for each reply message; returns 0, or a negative errno after
 * mvmm_nl_set_err() to stop and fail the request.
 */
typedef int (*mvmm_nl_reply_fn)(struct nl_msg *msg, void *arg);

/*
 * Send @msg (consumed) and run @fn on every reply until the ACK or the end
 * of the dump. Returns 0, or a negative errno with the reason kept for
 * mvmm_nl_report().
 */
int mvmm_nl_request(struct mvmm_nl *nl, struct nl_msg *msg,
		    mvmm_nl_reply_fn fn, void *arg);

/* For reply callbacks: record why a reply is unusable. */
__printf(2, 3) void mvmm_nl_set_err(struct mvmm_nl *nl, const char *fmt, ...);

/*
 * Print "Error: <extack message>" (or the errno's text when the kernel
 * sent none) for a failed mvmm_nl_request(); returns MVMM_EXIT_FAIL. For
 * EEXIST with a 4-byte extack cookie (the rule in the way, see the uapi
 * header) the line ends in ": rule <id>".
 */
int mvmm_nl_report(struct mvmm_nl *nl, int err);

/*
 * The parts of mvmm_nl_report()'s line: the message, and the cookie
 * (copies at most @len bytes; returns how many).
 */
const char *mvmm_nl_errmsg(const struct mvmm_nl *nl, int err);
int mvmm_nl_cookie(const struct mvmm_nl *nl, void *buf, int len);

/* The family's id: the nlmsg_type of its messages. */
int mvmm_nl_family(const struct mvmm_nl *nl);

/*
 * Join the family's multicast group @group: MVMM_EXIT_OK, or
 * MVMM_EXIT_FAIL after printing why not.
 */
int mvmm_nl_join(struct mvmm_nl *nl, const char *group);

/*
 * Run @fn on every message that arrives until the socket fails; prints
 * why and returns MVMM_EXIT_FAIL.
 */
int mvmm_nl_listen(struct mvmm_nl *nl, nl_recvmsg_msg_cb_t fn, void *arg);

#endif /* MVMMCTL_NL_H */

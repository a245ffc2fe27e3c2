// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for mvmmctl on top of libnl-genl-3: the socket,
 * one request and its replies, the multicast group monitor listens to.
 * Only ipc.c, which knows the mvmm family's messages, calls it.
 *
 * libnl 3.7 hands error ACKs to an nl_cb_err() callback as a bare struct
 * nlmsgerr and has no helper for the extended ACK that follows it, so the
 * callbacks below find the TLVs themselves and keep NLMSGERR_ATTR_MSG: the
 * kernel's own words for what was wrong with the request, and
 * NLMSGERR_ATTR_COOKIE: for EEXIST, mvmm puts the id of the rule in the
 * way there.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel's NETLINK_MAX_COOKIE_LEN, which no uapi header exports. */
#define MVMM_NL_COOKIE_MAX 20

struct mvmm_nl {
	struct nl_sock *sk;
	int family;
	char errmsg[256];	/* extack or our own text; empty: strerror() */
	uint8_t cookie[MVMM_NL_COOKIE_MAX];	/* extack cookie */
	int cookie_len;				/* 0: none */
};

struct mvmm_nl_req {
	struct mvmm_nl *nl;
	mvmm_nl_reply_fn fn;
	void *arg;
	int err;		/* negative errno */
	bool done;
};

void mvmm_nl_set_err(struct mvmm_nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->errmsg, sizeof(nl->errmsg), fmt, ap);
	va_end(ap);
}

/*
 * Keep NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_COOKIE from the TLVs found @off
 * bytes into @nlh's payload.
 */
static void keep_extack(struct mvmm_nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = nlmsg_datalen(nlh) - (int)off;
	struct nlattr *cookie;
	const char *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) + off), len, NULL))
		return;

	cookie = tb[NLMSGERR_ATTR_COOKIE];
	if (cookie && nla_len(cookie) > 0 &&
	    nla_len(cookie) <= (int)sizeof(nl->cookie)) {
		nl->cookie_len = nla_len(cookie);
		memcpy(nl->cookie, nla_data(cookie), nl->cookie_len);
	}

	if (!tb[NLMSGERR_ATTR_MSG] || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return;
	msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
		 (int)strnlen(msg, nla_len(tb[NLMSGERR_ATTR_MSG])), msg);
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (void *)((char *)e - NLMSG_HDRLEN);
	struct mvmm_nl_req *req = arg;
	size_t off = sizeof(*e);

	(void)nla;
	/* Unless capped, the kernel echoes our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	keep_extack(req->nl, nlh, off);
	req->err = e->error < 0 ? e->error : -EPROTO;
	req->done = true;
	return NL_STOP;
}

/* NLMSG_DONE carries the dump's final status, and an extack when it failed. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct mvmm_nl_req *req = arg;
	int status;

	if (nlmsg_datalen(nlh) >= (int)sizeof(status)) {
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
		if (status < 0) {
			keep_extack(req->nl, nlh, NLMSG_ALIGN(sizeof(status)));
			req->err = status;
		}
	}
	req->done = true;
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct mvmm_nl_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct mvmm_nl_req *req = arg;
	int err;

	err = req->fn(msg, req->arg);
	if (err < 0) {
		req->err = err;
		req->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

/* Turn a libnl error code into an errno, keeping libnl's text. */
static int libnl_err(struct mvmm_nl *nl, int nlerr)
{
	if (nlerr == -NLE_DUMP_INTR) {
		mvmm_nl_set_err(nl, "the table changed during the dump; try again");
		return -EAGAIN;
	}
	if (nlerr == -NLE_NOMEM)
		mvmm_oom();
	mvmm_nl_set_err(nl, "netlink: %s", nl_geterror(nlerr));
	return -EIO;
}

int mvmm_nl_request(struct mvmm_nl *nl, struct nl_msg *msg,
		    mvmm_nl_reply_fn fn, void *arg)
{
	struct mvmm_nl_req req = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	nl->cookie_len = 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		mvmm_oom();
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &req);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		req.err = libnl_err(nl, ret);
		goto out;
	}

	while (!req.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		/* With an error already recorded, libnl's code adds nothing. */
		if (ret < 0 && !req.err)
			req.err = libnl_err(nl, ret);
		if (ret < 0)
			break;
	}
out:
	nl_cb_put(cb);
	return req.err;
}

int mvmm_nl_report(struct mvmm_nl *nl, int err)
{
	const char *msg = nl->errmsg[0] ? nl->errmsg : strerror(-err);
	uint32_t id;

	/* uapi/linux/mvmm.h: on EEXIST the cookie is the conflicting rule. */
	if (err == -EEXIST && nl->cookie_len == sizeof(id)) {
		memcpy(&id, nl->cookie, sizeof(id));
		return mvmm_fail("%s: rule %u", msg, id);
	}
	return mvmm_fail("%s", msg);
}

const char *mvmm_nl_errmsg(const struct mvmm_nl *nl, int err)
{
	return nl->errmsg[0] ? nl->errmsg : strerror(-err);
}

int mvmm_nl_cookie(const struct mvmm_nl *nl, void *buf, int len)
{
	if (nl->cookie_len < len)
		len = nl->cookie_len;
	memcpy(buf, nl->cookie, len);
	return len;
}

long mvmm_nl_sndbuf(struct mvmm_nl *nl, size_t bytes)
{
	int fd = nl_socket_get_fd(nl->sk), v = bytes > INT_MAX / 2 ? INT_MAX / 2 : bytes;
	socklen_t len = sizeof(v);

	/* The kernel doubles what it is given; FORCE ignores wmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len))
		return -1;
	return v;
}

struct nl_msg *mvmm_nl_msg(struct mvmm_nl *nl, uint8_t cmd, int flags)
{
	return mvmm_nl_msg_size(nl, cmd, flags, 0);
}

struct nl_msg *mvmm_nl_msg_size(struct mvmm_nl *nl, uint8_t cmd, int flags,
				size_t size)
{
	struct nl_msg *msg;

	msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();
	if (!msg)
		mvmm_oom();
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, MVMM_GENL_VERSION))
		mvmm_oom();
	return msg;
}

struct mvmm_nl *mvmm_nl_open(void)
{
	struct mvmm_nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		mvmm_oom();
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		mvmm_oom();

	err = genl_connect(nl->sk);
	if (err) {
		mvmm_fail("cannot open a generic netlink socket: %s", nl_geterror(err));
		goto err_free;
	}
	/*
	 * Ask for extended ACKs, and for error ACKs without our request
	 * echoed back. Kernels without them just send plain errors.
	 */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/*
	 * Read dumps 32 KiB at a time, the most the kernel puts in one
	 * part, in one recvmsg() each: without a size libnl reads a page
	 * after a MSG_PEEK, and a big table takes eight times the parts.
	 * No message of ours is larger (error ACKs are capped above).
	 */
	nl_socket_set_msg_buf_size(nl->sk, 32768);

	nl->family = genl_ctrl_resolve(nl->sk, MVMM_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		mvmm_fail("generic netlink family \"%s\" not found (is mvmm.ko loaded?)",
			  MVMM_GENL_NAME);
		goto err_free;
	}
	if (nl->family < 0) {
		mvmm_fail("cannot resolve generic netlink family \"%s\": %s",
			  MVMM_GENL_NAME, nl_geterror(nl->family));
		goto err_free;
	}
	return nl;

err_free:
	nl_socket_free(nl->sk);
	free(nl);
	return NULL;
}

int mvmm_nl_family(const struct mvmm_nl *nl)
{
	return nl->family;
}

int mvmm_nl_join(struct mvmm_nl *nl, const char *group)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(nl->sk, MVMM_GENL_NAME, group);
	if (grp == -NLE_OBJ_NOTFOUND)
		return mvmm_fail("generic netlink family \"%s\" has no group \"%s\" (an older mvmm.ko?)",
				 MVMM_GENL_NAME, group);
	if (grp < 0)
		return mvmm_fail("cannot resolve generic netlink family \"%s\": %s",
				 MVMM_GENL_NAME, nl_geterror(grp));
	ret = nl_socket_add_membership(nl->sk, grp);
	/* The kernel's EPERM says no more: the group needs the capability. */
	if (ret == -NLE_PERM)
		return mvmm_fail("cannot join the \"%s\" group: CAP_NET_ADMIN required",
				 group);
	if (ret)
		return mvmm_fail("cannot join the \"%s\" group: %s", group,
				 nl_geterror(ret));
	/* Bursts (a VM's rules flushed, many VMs) should not overrun us. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	nl_socket_disable_seq_check(nl->sk);
	return MVMM_EXIT_OK;
}

int mvmm_nl_listen(struct mvmm_nl *nl, nl_recvmsg_msg_cb_t fn, void *arg)
{
	int ret;

	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	for (;;) {
		ret = nl_recvmsgs_default(nl->sk);
		if (ret >= 0 || ret == -NLE_INTR || ret == -NLE_AGAIN)
			continue;
		/* ENOBUFS: our buffer overran, or the module lost some. */
		if (ret == -NLE_NOMEM) {
			fprintf(stderr, "Warning: notifications were lost\n");
			continue;
		}
		return mvmm_fail("netlink: %s", nl_geterror(ret));
	}
}

void mvmm_nl_close(struct mvmm_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

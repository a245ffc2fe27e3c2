// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink client for the "mvmm" family (see mvmm_nl.h).
 *
 * Requests are built by hand in a struct mvmm_msg; replies are read into a
 * buffer large enough for a full dump skb and walked with the NLMSG_*
 * macros of the uapi headers and mvmm_nla_for_each().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "classify.h"
#include "mvmm_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Large enough for any skb the kernel sends (a dump uses up to 32 KiB). */
#define MVMM_NL_RXBUF	(64 * 1024)

struct mvmm_nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	unsigned int read_pause;	/* usec before each read */
	char errmsg[256];
	/* uint32_t: netlink messages are NLMSG_ALIGNTO (4) aligned */
	uint32_t rx[MVMM_NL_RXBUF / 4];
};

/* The names mvmmctl and the module use (kmod/core/event_names.c). */
const char *mvmm_nl_type_name(unsigned int type)
{
	return mvmm_event_name(type) ?: "?";
}

uint16_t mvmm_nl_family(const struct mvmm_nl *nl)
{
	return nl->family;
}

const char *mvmm_nl_errmsg(const struct mvmm_nl *nl)
{
	return nl->errmsg;
}

int mvmm_nl_fd(const struct mvmm_nl *nl)
{
	return nl->fd;
}

void mvmm_nl_set_read_pause(struct mvmm_nl *nl, unsigned int usec)
{
	nl->read_pause = usec;
}

/* Requests */

struct nlmsghdr *mvmm_msg_hdr(struct mvmm_msg *m)
{
	return (struct nlmsghdr *)(m->big ? m->big : m->buf);
}

void mvmm_msg_init(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		   uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	nlh = mvmm_msg_hdr(m);
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : MVMM_GENL_VERSION;
}

int mvmm_msg_init_big(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		      uint16_t flags, size_t size)
{
	mvmm_msg_init(m, family, cmd, flags);
	if (size < sizeof(m->buf))
		size = sizeof(m->buf);
	if (size > UINT32_MAX)
		return -EMSGSIZE;
	m->big = malloc(size);
	if (!m->big)
		return -ENOMEM;
	m->big_size = size;
	/* The header mvmm_msg_init() wrote, where it now lives. */
	memcpy(m->big, m->buf, NLMSG_LENGTH(GENL_HDRLEN));
	return 0;
}

void mvmm_msg_free(struct mvmm_msg *m)
{
	free(m->big);
	m->big = NULL;
	m->big_size = 0;
}

/* Room for @need bytes in @m: a big message grows, a small one aborts. */
static void mvmm_msg_room(struct mvmm_msg *m, size_t need)
{
	size_t size = m->big_size;
	uint32_t *big;

	if (need <= (m->big ? m->big_size : sizeof(m->buf)))
		return;
	if (!m->big) {
		fprintf(stderr, "mvmm_msg_put: message too long\n");
		abort();
	}
	while (size < need)
		size *= 2;
	big = size <= UINT32_MAX ? realloc(m->big, size) : NULL;
	if (!big) {
		fprintf(stderr, "mvmm_msg_put: no room for %zu bytes\n", need);
		abort();
	}
	m->big = big;
	m->big_size = size;
}

uint32_t mvmm_msg_put(struct mvmm_msg *m, uint16_t type, const void *data,
		      uint16_t len)
{
	uint32_t off = NLMSG_ALIGN(mvmm_msg_hdr(m)->nlmsg_len);
	struct nlmsghdr *nlh;
	struct nlattr *nla;

	mvmm_msg_room(m, (size_t)off + NLA_HDRLEN + NLA_ALIGN(len));
	nlh = mvmm_msg_hdr(m);
	nla = (struct nlattr *)((char *)nlh + off);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = off + NLA_ALIGN(nla->nla_len);
	return off;
}

uint32_t mvmm_msg_put_u8(struct mvmm_msg *m, uint16_t type, uint8_t v)
{
	return mvmm_msg_put(m, type, &v, sizeof(v));
}

uint32_t mvmm_msg_put_u32(struct mvmm_msg *m, uint16_t type, uint32_t v)
{
	return mvmm_msg_put(m, type, &v, sizeof(v));
}

uint32_t mvmm_msg_put_u64(struct mvmm_msg *m, uint16_t type, uint64_t v)
{
	return mvmm_msg_put(m, type, &v, sizeof(v));
}

uint32_t mvmm_msg_put_str(struct mvmm_msg *m, uint16_t type, const char *s)
{
	return mvmm_msg_put(m, type, s, strlen(s) + 1);
}

uint32_t mvmm_msg_put_flag(struct mvmm_msg *m, uint16_t type)
{
	return mvmm_msg_put(m, type, NULL, 0);
}

uint32_t mvmm_msg_nest(struct mvmm_msg *m, uint16_t type)
{
	return mvmm_msg_nest_raw(m, type | NLA_F_NESTED);
}

uint32_t mvmm_msg_nest_raw(struct mvmm_msg *m, uint16_t type)
{
	uint32_t off = mvmm_msg_put(m, type, NULL, 0);

	if (m->depth == MVMM_MSG_DEPTH) {
		fprintf(stderr, "%s: too deep\n", __func__);
		abort();
	}
	m->nest[m->depth++] = off;
	return off;
}

void mvmm_msg_nest_end(struct mvmm_msg *m)
{
	struct nlattr *nla;

	if (!m->depth) {
		fprintf(stderr, "%s: no open nest\n", __func__);
		abort();
	}
	nla = (struct nlattr *)((char *)mvmm_msg_hdr(m) +
				m->nest[--m->depth]);
	nla->nla_len = mvmm_msg_hdr(m)->nlmsg_len - m->nest[m->depth];
}

/* Attributes */

uint16_t mvmm_nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

const void *mvmm_nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

int mvmm_nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

uint64_t mvmm_nla_uint(const struct nlattr *nla)
{
	uint64_t v = 0;

	switch (mvmm_nla_len(nla)) {
	case 1:
		return *(const uint8_t *)mvmm_nla_data(nla);
	case 2:
		return *(const uint16_t *)mvmm_nla_data(nla);
	case 4:
		return *(const uint32_t *)mvmm_nla_data(nla);
	case 8:
		/* NLA_ALIGNTO is 4: a u64 payload may be misaligned */
		memcpy(&v, mvmm_nla_data(nla), sizeof(v));
		return v;
	}
	return 0;
}

void mvmm_nla_str(char *dst, int size, const struct nlattr *nla)
{
	snprintf(dst, size, "%.*s", mvmm_nla_len(nla),
		 (const char *)mvmm_nla_data(nla));
}

/* Talking */

/* Extended ACK TLVs at @head (@len bytes) into @ack. */
static void mvmm_nl_tlvs(const struct nlattr *head, int len,
			 struct mvmm_ack *ack)
{
	const struct nlattr *nla;
	int rem, plen;

	mvmm_nla_for_each(nla, rem, head, len) {
		plen = mvmm_nla_len(nla);
		switch (mvmm_nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			mvmm_nla_str(ack->msg, sizeof(ack->msg), nla);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (plen == sizeof(uint32_t)) {
				ack->offs = mvmm_nla_uint(nla);
				ack->has_offs = 1;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			ack->miss_type = mvmm_nla_uint(nla);
			break;
		case NLMSGERR_ATTR_COOKIE:
			if (plen > (int)sizeof(ack->cookie))
				plen = sizeof(ack->cookie);
			memcpy(ack->cookie, mvmm_nla_data(nla), plen);
			ack->cookie_len = plen;
			break;
		}
	}
}

/* An NLMSG_ERROR: its errno, and its TLVs into @ack. */
static int mvmm_nl_error(const struct nlmsghdr *nlh, struct mvmm_ack *ack)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	int off = sizeof(*e);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EPROTO;
	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		/* Without NLM_F_CAPPED the whole request is echoed back. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		mvmm_nl_tlvs((const struct nlattr *)((const char *)e +
						     NLMSG_ALIGN(off)),
			     (int)nlh->nlmsg_len - NLMSG_HDRLEN -
			     (int)NLMSG_ALIGN(off), ack);
	}
	return e->error;
}

/* An NLMSG_DONE: a dump that failed carries its errno and TLVs here. */
static int mvmm_nl_done(const struct nlmsghdr *nlh, struct mvmm_ack *ack)
{
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		mvmm_nl_tlvs((const struct nlattr *)((const char *)
						     NLMSG_DATA(nlh) +
						     NLMSG_ALIGN(sizeof(err))),
			     (int)nlh->nlmsg_len - NLMSG_HDRLEN -
			     (int)NLMSG_ALIGN(sizeof(err)), ack);
	return err < 0 ? err : 0;
}

/* The end of a request: its status, also kept for mvmm_nl_errmsg(). */
static int mvmm_nl_end(struct mvmm_nl *nl, struct mvmm_ack *ack, int err)
{
	ack->error = err;
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", ack->msg);
	return err;
}

int mvmm_nl_talk(struct mvmm_nl *nl, struct mvmm_msg *m, mvmm_nl_cb cb,
		 void *arg, struct mvmm_ack *ack)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *req = mvmm_msg_hdr(m);
	struct mvmm_ack dummy;
	int cb_err = 0, ret;

	if (!ack)
		ack = &dummy;
	memset(ack, 0, sizeof(*ack));
	if (m->depth) {
		fprintf(stderr, "%s: %d nests left open\n", __func__,
			m->depth);
		abort();
	}
	req->nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return mvmm_nl_end(nl, ack, -errno);

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;

		if (nl->read_pause)
			usleep(nl->read_pause);
		n = recv(nl->fd, nl->rx, sizeof(nl->rx), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return mvmm_nl_end(nl, ack, -errno);
		}
		ack->reads++;
		for (nlh = (const struct nlmsghdr *)nl->rx; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq)
				continue;	/* a stale reply */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				ack->dump_intr = 1;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = mvmm_nl_end(nl, ack, mvmm_nl_done(nlh, ack));
				return ret ? ret : cb_err;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = mvmm_nl_end(nl, ack, mvmm_nl_error(nlh, ack));
				/* error 0 is the ACK that ends a doit */
				return ret ? ret : cb_err;
			}
			if (nlh->nlmsg_type != req->nlmsg_type || cb_err || !cb)
				continue;
			cb_err = cb((const struct nlattr *)
				    ((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
				    (int)nlh->nlmsg_len -
				    NLMSG_LENGTH(GENL_HDRLEN), arg);
		}
	}
}

static int mvmm_nl_family_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *nla;
	int rem;

	mvmm_nla_for_each(nla, rem, attrs, len)
		if (mvmm_nla_type(nla) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = mvmm_nla_uint(nla);
	return 0;
}

int mvmm_nl_socket(uint32_t *portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	int fd, one = 1, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) ||
	    /*
	     * Extended ACKs; error ACKs without the request echoed back, so
	     * that the error of a request of megabytes fits in a read.
	     */
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		err = -errno;
		close(fd);
		return err;
	}
	if (portid)
		*portid = sa.nl_pid;
	return fd;
}

int mvmm_nl_join(int fd, uint32_t group)
{
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

struct mvmm_nl_mcgrp_arg {
	const char *name;
	uint32_t id;
};

static int mvmm_nl_mcgrp_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_nl_mcgrp_arg *g = arg;
	const struct nlattr *nla, *grp, *a;
	char name[GENL_NAMSIZ];
	int rem, rem2, rem3;
	uint32_t id;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (mvmm_nla_type(nla) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mvmm_nla_for_each_nested(grp, rem2, nla) {
			name[0] = '\0';
			id = 0;
			mvmm_nla_for_each_nested(a, rem3, grp) {
				if (mvmm_nla_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
					mvmm_nla_str(name, sizeof(name), a);
				else if (mvmm_nla_type(a) == CTRL_ATTR_MCAST_GRP_ID)
					id = mvmm_nla_uint(a);
			}
			if (!strcmp(name, g->name))
				g->id = id;
		}
	}
	return 0;
}

int mvmm_nl_mcgrp(struct mvmm_nl *nl, const char *name)
{
	struct mvmm_nl_mcgrp_arg g = { .name = name };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mvmm_msg_put_str(&m, CTRL_ATTR_FAMILY_NAME, MVMM_GENL_NAME);
	ret = mvmm_nl_talk(nl, &m, mvmm_nl_mcgrp_cb, &g, NULL);
	if (ret)
		return ret;
	return g.id ? (int)g.id : -ENOENT;
}

struct mvmm_nl *mvmm_nl_open(void)
{
	struct mvmm_nl *nl;
	struct mvmm_msg m;
	uint16_t family = 0;
	int ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->fd = mvmm_nl_socket(NULL);
	if (nl->fd < 0) {
		errno = -nl->fd;
		goto err_free;
	}

	mvmm_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mvmm_msg_put_str(&m, CTRL_ATTR_FAMILY_NAME, MVMM_GENL_NAME);
	ret = mvmm_nl_talk(nl, &m, mvmm_nl_family_cb, &family, NULL);
	if (ret || !family) {
		errno = ret ? -ret : ENOENT;
		goto err_close;
	}
	nl->family = family;
	return nl;

err_close:
	ret = errno;
	close(nl->fd);
	errno = ret;
err_free:
	ret = errno;
	free(nl);
	errno = ret;
	return NULL;
}

void mvmm_nl_close(struct mvmm_nl *nl)
{
	if (!nl)
		return;
	close(nl->fd);
	free(nl);
}

/* VMs */

static void mvmm_nl_parse_evstat(struct mvmm_vm_info *vm,
				 const struct nlattr *nest)
{
	const struct nlattr *nla;
	uint64_t exits = 0, fastpath = 0, l2 = 0, routed = 0, completed = 0;
	uint32_t type = MVMM_EV_MAX + 1;
	int rem;

	mvmm_nla_for_each_nested(nla, rem, nest) {
		switch (mvmm_nla_type(nla)) {
		case MVMM_A_EVSTAT_TYPE:
			type = mvmm_nla_uint(nla);
			break;
		case MVMM_A_EVSTAT_EXITS:
			exits = mvmm_nla_uint(nla);
			break;
		case MVMM_A_EVSTAT_FASTPATH:
			fastpath = mvmm_nla_uint(nla);
			break;
		case MVMM_A_EVSTAT_L2:
			l2 = mvmm_nla_uint(nla);
			break;
		case MVMM_A_EVSTAT_ROUTED:
			routed = mvmm_nla_uint(nla);
			break;
		case MVMM_A_EVSTAT_COMPLETED:
			completed = mvmm_nla_uint(nla);
			break;
		}
	}
	/* A type this test does not know is ignored, not misfiled. */
	if (type > MVMM_EV_MAX)
		return;
	vm->exits[type] += exits;
	vm->fastpath[type] += fastpath;
	vm->l2[type] += l2;
	vm->routed[type] += routed;
	vm->completed[type] += completed;
}

static void mvmm_nl_parse_vm(const struct nlattr *attrs, int len,
			     struct mvmm_vm_info *vm)
{
	const struct nlattr *nla, *st;
	int rem, rem2;

	memset(vm, 0, sizeof(*vm));
	mvmm_nla_for_each(nla, rem, attrs, len) {
		switch (mvmm_nla_type(nla)) {
		case MVMM_A_VM_ID:
			vm->id = mvmm_nla_uint(nla);
			break;
		case MVMM_A_VM_PID:
			vm->pid = mvmm_nla_uint(nla);
			break;
		case MVMM_A_VM_VCPUS:
			vm->vcpus = mvmm_nla_uint(nla);
			break;
		case MVMM_A_VM_AGE_MS:
			vm->age_ms = mvmm_nla_uint(nla);
			break;
		case MVMM_A_VM_COMM:
			mvmm_nla_str(vm->comm, sizeof(vm->comm), nla);
			break;
		case MVMM_A_VM_STATS:
			vm->has_stats = 1;
			mvmm_nla_for_each_nested(st, rem2, nla)
				mvmm_nl_parse_evstat(vm, st);
			break;
		}
	}
}

struct mvmm_nl_dump_arg {
	struct mvmm_vm_info *vms;
	int max;
	int n;
};

static int mvmm_nl_dump_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_nl_dump_arg *d = arg;

	if (d->n < d->max)
		mvmm_nl_parse_vm(attrs, len, &d->vms[d->n]);
	d->n++;
	return 0;
}

int mvmm_nl_dump(struct mvmm_nl *nl, int stats, struct mvmm_vm_info *vms,
		 int max)
{
	struct mvmm_nl_dump_arg d = { .vms = vms, .max = max };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, nl->family,
		      stats ? MVMM_CMD_GET_STATS : MVMM_CMD_GET_VM, NLM_F_DUMP);
	ret = mvmm_nl_talk(nl, &m, mvmm_nl_dump_cb, &d, NULL);
	return ret ? ret : d.n;
}

int mvmm_nl_get(struct mvmm_nl *nl, int stats, uint32_t id,
		struct mvmm_vm_info *vm)
{
	struct mvmm_nl_dump_arg d = { .vms = vm, .max = 1 };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, nl->family,
		      stats ? MVMM_CMD_GET_STATS : MVMM_CMD_GET_VM, 0);
	mvmm_msg_put_u32(&m, MVMM_A_VM_ID, id);
	ret = mvmm_nl_talk(nl, &m, mvmm_nl_dump_cb, &d, NULL);
	if (ret)
		return ret;
	return d.n == 1 ? 0 : -EPROTO;
}

int mvmm_nl_find_vm(struct mvmm_nl *nl, pid_t pid, const uint32_t *exclude,
		    int n, struct mvmm_vm_info *vm)
{
	struct mvmm_vm_info *vms;
	int max = 64, count, i, j, best = -1;

	for (;;) {
		vms = calloc(max, sizeof(*vms));
		if (!vms)
			return -ENOMEM;
		count = mvmm_nl_dump(nl, 1, vms, max);
		if (count <= max)
			break;
		/* More VMs than room: retry with enough. */
		free(vms);
		max = count + 16;
	}
	if (count < 0) {
		free(vms);
		return count;
	}
	for (i = 0; i < count; i++) {
		if (vms[i].pid != (uint32_t)pid)
			continue;
		for (j = 0; j < n; j++)
			if (vms[i].id == exclude[j])
				break;
		if (j < n)
			continue;
		if (best < 0 || vms[i].id > vms[best].id)
			best = i;
	}
	if (best >= 0)
		*vm = vms[best];
	free(vms);
	return best >= 0 ? 0 : -ENOENT;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink client for the "mvmm" family (see mvmm_nl.h).
 *
 * Requests are built by hand in a small buffer; replies are read into a
 * buffer large enough for a full dump skb and walked with the NLMSG_* and
 * NLA_* macros of the uapi headers.
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
#define MVMM_NL_TXBUF	256

struct mvmm_nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	char errmsg[256];
	/* uint32_t: netlink messages are NLMSG_ALIGNTO (4) aligned */
	uint32_t rx[MVMM_NL_RXBUF / 4];
};

typedef int (*mvmm_nl_cb)(struct mvmm_nl *nl, const struct nlmsghdr *nlh,
			  void *arg);

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

/* Append one attribute to the message at @nlh (room checked by callers). */
static void mvmm_nl_put(struct nlmsghdr *nlh, uint16_t type, const void *data,
			uint16_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)nlh +
					       NLMSG_ALIGN(nlh->nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static struct nlmsghdr *mvmm_nl_start(struct mvmm_nl *nl, void *buf,
				      uint16_t family, uint8_t cmd,
				      uint16_t flags)
{
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *g;

	memset(buf, 0, MVMM_NL_TXBUF);
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : MVMM_GENL_VERSION;
	return nlh;
}

/* Keep the extended ACK text of an error message, if any. */
static void mvmm_nl_extack(struct mvmm_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *nla;
	int len, off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*e);
	/* Without NLM_F_CAPPED the whole request is echoed back. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - off;
	nla = (const struct nlattr *)((const char *)e + NLMSG_ALIGN(off));
	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
				 (int)(nla->nla_len - NLA_HDRLEN),
				 (const char *)nla + NLA_HDRLEN);
			return;
		}
		len -= NLA_ALIGN(nla->nla_len);
		nla = (const struct nlattr *)((const char *)nla +
					      NLA_ALIGN(nla->nla_len));
	}
}

/*
 * Send @req and feed every reply to @cb until the ACK (doit) or
 * NLMSG_DONE (dump). Returns 0, the first error @cb returned, or the
 * kernel's -errno.
 */
static int mvmm_nl_talk(struct mvmm_nl *nl, struct nlmsghdr *req,
			mvmm_nl_cb cb, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int cb_err = 0;

	nl->errmsg[0] = '\0';
	if (sendto(nl->fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;

		n = recv(nl->fd, nl->rx, sizeof(nl->rx), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (const struct nlmsghdr *)nl->rx; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq)
				continue;	/* a stale reply */
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = NLMSG_DATA(nlh);

				/* a dump that failed half-way says so here */
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) &&
				    *err < 0)
					return *err;
				return cb_err;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (e->error)
					mvmm_nl_extack(nl, nlh);
				/* error 0 is the ACK that ends a doit */
				return e->error ? e->error : cb_err;
			}
			if (!cb_err && cb)
				cb_err = cb(nl, nlh, arg);
		}
	}
}

/* The attributes that follow the genetlink header of @nlh. */
#define mvmm_nla_for_each(pos, rem, head, len)				\
	for (pos = (head), rem = (len);					\
	     rem >= NLA_HDRLEN && pos->nla_len >= NLA_HDRLEN &&		\
	     pos->nla_len <= rem;					\
	     rem -= NLA_ALIGN(pos->nla_len),				\
	     pos = (const struct nlattr *)((const char *)pos +		\
					   NLA_ALIGN(pos->nla_len)))

static const void *nla_payload(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static int nla_plen(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v = 0;

	if (nla_plen(nla) >= (int)sizeof(v))
		memcpy(&v, nla_payload(nla), sizeof(v));
	return v;
}

static uint64_t nla_u64(const struct nlattr *nla)
{
	uint64_t v = 0;

	if (nla_plen(nla) >= (int)sizeof(v))
		memcpy(&v, nla_payload(nla), sizeof(v));
	return v;
}

static int mvmm_nl_family_cb(struct mvmm_nl *nl, const struct nlmsghdr *nlh,
			     void *arg)
{
	const struct nlattr *nla;
	int rem;

	mvmm_nla_for_each(nla, rem,
			  (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
						  GENL_HDRLEN),
			  (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)) {
		if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
		    nla_plen(nla) >= 2)
			memcpy(arg, nla_payload(nla), sizeof(uint16_t));
	}
	return 0;
}

struct mvmm_nl *mvmm_nl_open(void)
{
	uint32_t buf[MVMM_NL_TXBUF / 4];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *req;
	struct mvmm_nl *nl;
	uint16_t family = 0;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		goto err_free;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err_close;
	/* Best effort: older kernels simply send no extended ACK. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	req = mvmm_nl_start(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mvmm_nl_put(req, CTRL_ATTR_FAMILY_NAME, MVMM_GENL_NAME,
		    sizeof(MVMM_GENL_NAME));
	ret = mvmm_nl_talk(nl, req, mvmm_nl_family_cb, &family);
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

static void mvmm_nl_parse_evstat(struct mvmm_vm_info *vm,
				 const struct nlattr *nest)
{
	const struct nlattr *nla;
	uint64_t exits = 0, fastpath = 0, l2 = 0;
	uint32_t type = MVMM_EV_MAX + 1;
	int rem;

	mvmm_nla_for_each(nla, rem, (const struct nlattr *)nla_payload(nest),
			  nla_plen(nest)) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case MVMM_A_EVSTAT_TYPE:
			type = nla_u32(nla);
			break;
		case MVMM_A_EVSTAT_EXITS:
			exits = nla_u64(nla);
			break;
		case MVMM_A_EVSTAT_FASTPATH:
			fastpath = nla_u64(nla);
			break;
		case MVMM_A_EVSTAT_L2:
			l2 = nla_u64(nla);
			break;
		}
	}
	/* A type this test does not know is ignored, not misfiled. */
	if (type > MVMM_EV_MAX)
		return;
	vm->exits[type] += exits;
	vm->fastpath[type] += fastpath;
	vm->l2[type] += l2;
}

static void mvmm_nl_parse_vm(const struct nlmsghdr *nlh,
			     struct mvmm_vm_info *vm)
{
	const struct nlattr *nla, *st;
	int rem, rem2;

	memset(vm, 0, sizeof(*vm));
	mvmm_nla_for_each(nla, rem,
			  (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
						  GENL_HDRLEN),
			  (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case MVMM_A_VM_ID:
			vm->id = nla_u32(nla);
			break;
		case MVMM_A_VM_PID:
			vm->pid = nla_u32(nla);
			break;
		case MVMM_A_VM_VCPUS:
			vm->vcpus = nla_u32(nla);
			break;
		case MVMM_A_VM_AGE_MS:
			vm->age_ms = nla_u64(nla);
			break;
		case MVMM_A_VM_COMM:
			snprintf(vm->comm, sizeof(vm->comm), "%.*s",
				 nla_plen(nla), (const char *)nla_payload(nla));
			break;
		case MVMM_A_VM_STATS:
			vm->has_stats = 1;
			mvmm_nla_for_each(st, rem2,
					  (const struct nlattr *)nla_payload(nla),
					  nla_plen(nla))
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

static int mvmm_nl_dump_cb(struct mvmm_nl *nl, const struct nlmsghdr *nlh,
			   void *arg)
{
	struct mvmm_nl_dump_arg *d = arg;

	if (nlh->nlmsg_type != nl->family)
		return 0;
	if (d->n < d->max)
		mvmm_nl_parse_vm(nlh, &d->vms[d->n]);
	d->n++;
	return 0;
}

int mvmm_nl_dump(struct mvmm_nl *nl, int stats, struct mvmm_vm_info *vms,
		 int max)
{
	uint32_t buf[MVMM_NL_TXBUF / 4];
	struct mvmm_nl_dump_arg d = { .vms = vms, .max = max };
	struct nlmsghdr *req;
	int ret;

	req = mvmm_nl_start(nl, buf, nl->family,
			    stats ? MVMM_CMD_GET_STATS : MVMM_CMD_GET_VM,
			    NLM_F_DUMP);
	ret = mvmm_nl_talk(nl, req, mvmm_nl_dump_cb, &d);
	return ret ? ret : d.n;
}

int mvmm_nl_get(struct mvmm_nl *nl, int stats, uint32_t id,
		struct mvmm_vm_info *vm)
{
	uint32_t buf[MVMM_NL_TXBUF / 4];
	struct mvmm_nl_dump_arg d = { .vms = vm, .max = 1 };
	struct nlmsghdr *req;
	int ret;

	req = mvmm_nl_start(nl, buf, nl->family,
			    stats ? MVMM_CMD_GET_STATS : MVMM_CMD_GET_VM, 0);
	mvmm_nl_put(req, MVMM_A_VM_ID, &id, sizeof(id));
	ret = mvmm_nl_talk(nl, req, mvmm_nl_dump_cb, &d);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Rule and handler commands of the "mvmm" family over raw netlink, with
 * the extended ACK of every refusal (see mvmm_rule.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "mvmm_nl.h"
#include "mvmm_rule.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A dump skb is at most 32 KiB; leave room. */
#define MVMM_RSK_RXBUF	(64 * 1024)

struct mvmm_rsk {
	int fd;
	uint16_t family;
	uint32_t seq;
	/* uint32_t: netlink messages are 4-byte aligned */
	uint32_t rx[MVMM_RSK_RXBUF / 4];
};

struct nlmsghdr *mvmm_msg_hdr(struct mvmm_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

void mvmm_msg_init(struct mvmm_msg *m, uint16_t family, uint8_t cmd,
		   uint16_t flags)
{
	struct nlmsghdr *nlh = mvmm_msg_hdr(m);
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = MVMM_GENL_VERSION;
}

uint32_t mvmm_msg_put(struct mvmm_msg *m, uint16_t type, const void *data,
		      uint16_t len)
{
	struct nlmsghdr *nlh = mvmm_msg_hdr(m);
	uint32_t off = NLMSG_ALIGN(nlh->nlmsg_len);
	struct nlattr *nla = (struct nlattr *)((char *)m->buf + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		fprintf(stderr, "%s: message too long\n", __func__);
		abort();
	}
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
	nla = (struct nlattr *)((char *)m->buf + m->nest[--m->depth]);
	nla->nla_len = mvmm_msg_hdr(m)->nlmsg_len - m->nest[m->depth];
}

uint16_t mvmm_rsk_family(const struct mvmm_rsk *s)
{
	return s->family;
}

struct mvmm_rsk *mvmm_rsk_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct mvmm_rsk *s;
	struct mvmm_nl *nl;
	int one = 1, err;

	/* mvmm_nl resolves the family id. */
	nl = mvmm_nl_open();
	if (!nl)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		mvmm_nl_close(nl);
		errno = ENOMEM;
		return NULL;
	}
	s->family = mvmm_nl_family(nl);
	mvmm_nl_close(nl);

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		goto err_free;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0)
		goto err_close;
	return s;

err_close:
	err = errno;
	close(s->fd);
	errno = err;
err_free:
	err = errno;
	free(s);
	errno = err;
	return NULL;
}

void mvmm_rsk_close(struct mvmm_rsk *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

/* Extended ACK TLVs at @nla (@len bytes) into @ack. */
static void mvmm_rsk_tlvs(const struct nlattr *nla, int len,
			  struct mvmm_ack *ack)
{
	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		const char *p = (const char *)nla + NLA_HDRLEN;
		int plen = nla->nla_len - NLA_HDRLEN;

		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			snprintf(ack->msg, sizeof(ack->msg), "%.*s", plen, p);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (plen == sizeof(uint32_t)) {
				memcpy(&ack->offs, p, sizeof(uint32_t));
				ack->has_offs = 1;
			}
			break;
		case NLMSGERR_ATTR_COOKIE:
			if (plen > (int)sizeof(ack->cookie))
				plen = sizeof(ack->cookie);
			memcpy(ack->cookie, p, plen);
			ack->cookie_len = plen;
			break;
		}
		len -= NLA_ALIGN(nla->nla_len);
		nla = (const struct nlattr *)((const char *)nla +
					      NLA_ALIGN(nla->nla_len));
	}
}

/* An NLMSG_ERROR: its errno, and its TLVs into @ack. */
static int mvmm_rsk_error(const struct nlmsghdr *nlh, struct mvmm_ack *ack)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	int off = sizeof(*e);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EPROTO;
	if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		/* Without NLM_F_CAPPED the whole request is echoed back. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		mvmm_rsk_tlvs((const struct nlattr *)((const char *)e +
						      NLMSG_ALIGN(off)),
			      (int)nlh->nlmsg_len - NLMSG_HDRLEN -
			      (int)NLMSG_ALIGN(off), ack);
	}
	return e->error;
}

/* An NLMSG_DONE: a dump that failed carries its errno and TLVs here. */
static int mvmm_rsk_done(const struct nlmsghdr *nlh, struct mvmm_ack *ack)
{
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		mvmm_rsk_tlvs((const struct nlattr *)((const char *)
						      NLMSG_DATA(nlh) +
						      NLMSG_ALIGN(sizeof(err))),
			      (int)nlh->nlmsg_len - NLMSG_HDRLEN -
			      (int)NLMSG_ALIGN(sizeof(err)), ack);
	return err < 0 ? err : 0;
}

int mvmm_rsk_talk(struct mvmm_rsk *s, struct mvmm_msg *m, mvmm_rsk_cb cb,
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
	req->nlmsg_seq = ++s->seq;
	if (sendto(s->fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return ack->error = -errno;

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = recv(s->fd, s->rx, sizeof(s->rx), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ack->error = -errno;
		}
		for (nlh = (const struct nlmsghdr *)s->rx; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq)
				continue;	/* a stale reply */
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = mvmm_rsk_done(nlh, ack);
				ack->error = ret;
				return ret ? ret : cb_err;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = mvmm_rsk_error(nlh, ack);
				ack->error = ret;
				/* error 0 is the ACK that ends a doit */
				return ret ? ret : cb_err;
			}
			if (nlh->nlmsg_type != s->family || cb_err || !cb)
				continue;
			cb_err = cb((const struct nlattr *)
				    ((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
				    (int)nlh->nlmsg_len -
				    NLMSG_LENGTH(GENL_HDRLEN), arg);
		}
	}
}

#define mvmm_for_each_nla(pos, rem, head, len)				\
	for (pos = (head), rem = (len);					\
	     rem >= NLA_HDRLEN && pos->nla_len >= NLA_HDRLEN &&		\
	     pos->nla_len <= rem;					\
	     rem -= NLA_ALIGN(pos->nla_len),				\
	     pos = (const struct nlattr *)((const char *)pos +		\
					   NLA_ALIGN(pos->nla_len)))

static const void *nla_data_of(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static int nla_len_of(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* An unsigned attribute of 1, 2, 4 or 8 bytes. */
static uint64_t nla_uint(const struct nlattr *nla)
{
	uint64_t v = 0;

	switch (nla_len_of(nla)) {
	case 1:
		return *(const uint8_t *)nla_data_of(nla);
	case 2:
		return *(const uint16_t *)nla_data_of(nla);
	case 4:
		return *(const uint32_t *)nla_data_of(nla);
	case 8:
		memcpy(&v, nla_data_of(nla), sizeof(v));
		return v;
	}
	return 0;
}

static void nla_strcpy(char *dst, int size, const struct nlattr *nla)
{
	snprintf(dst, size, "%.*s", nla_len_of(nla),
		 (const char *)nla_data_of(nla));
}

/* The table attribute(s) of a request. */
static void mvmm_msg_put_table(struct mvmm_msg *m, uint32_t vm)
{
	if (vm == MVMM_TABLE_DEFAULT)
		mvmm_msg_put_flag(m, MVMM_A_DEFAULT);
	else
		mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm);
}

static void mvmm_msg_put_rule(struct mvmm_msg *m,
			      const struct mvmm_rule_info *r)
{
	mvmm_msg_nest(m, MVMM_A_RULE);
	if (r->id)
		mvmm_msg_put_u32(m, MVMM_A_RULE_ID, r->id);
	mvmm_msg_put_u32(m, MVMM_A_RULE_TYPE, r->type);
	mvmm_msg_put_u64(m, MVMM_A_RULE_LO, r->lo);
	mvmm_msg_put_u64(m, MVMM_A_RULE_HI, r->hi);
	mvmm_msg_put_u8(m, MVMM_A_RULE_ORIGIN, r->origin);
	mvmm_msg_put_u8(m, MVMM_A_RULE_MODE, r->mode);
	mvmm_msg_put_u8(m, MVMM_A_RULE_FALLBACK, r->fallback);
	mvmm_msg_put_str(m, MVMM_A_RULE_TARGET, r->target);
	mvmm_msg_nest_end(m);
}

static void mvmm_parse_rule(const struct nlattr *nest,
			    struct mvmm_rule_info *r)
{
	const struct nlattr *nla;
	int rem;

	memset(r, 0, sizeof(*r));
	mvmm_for_each_nla(nla, rem, (const struct nlattr *)nla_data_of(nest),
			  nla_len_of(nest)) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case MVMM_A_RULE_ID:
			r->id = nla_uint(nla);
			break;
		case MVMM_A_RULE_TYPE:
			r->type = nla_uint(nla);
			break;
		case MVMM_A_RULE_LO:
			r->lo = nla_uint(nla);
			break;
		case MVMM_A_RULE_HI:
			r->hi = nla_uint(nla);
			break;
		case MVMM_A_RULE_ORIGIN:
			r->origin = nla_uint(nla);
			break;
		case MVMM_A_RULE_MODE:
			r->mode = nla_uint(nla);
			break;
		case MVMM_A_RULE_FALLBACK:
			r->fallback = nla_uint(nla);
			break;
		case MVMM_A_RULE_TARGET:
			nla_strcpy(r->target, sizeof(r->target), nla);
			break;
		}
	}
}

struct mvmm_rule_arg {
	struct mvmm_rule_info *rules;
	int max;
	int n;
};

static int mvmm_rule_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_rule_arg *a = arg;
	const struct nlattr *nla;
	int rem;

	mvmm_for_each_nla(nla, rem, attrs, len) {
		if ((nla->nla_type & NLA_TYPE_MASK) != MVMM_A_RULE)
			continue;
		if (a->n < a->max)
			mvmm_parse_rule(nla, &a->rules[a->n]);
		a->n++;
	}
	return 0;
}

int mvmm_rule_add(struct mvmm_rsk *s, uint32_t vm,
		  const struct mvmm_rule_info *r, uint32_t *id,
		  struct mvmm_ack *ack)
{
	struct mvmm_rule_info got;
	struct mvmm_rule_arg a = { .rules = &got, .max = 1 };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, s->family, MVMM_CMD_RULE_ADD, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_put_rule(&m, r);
	ret = mvmm_rsk_talk(s, &m, mvmm_rule_cb, &a, ack);
	if (ret)
		return ret;
	if (a.n != 1)
		return -EPROTO;	/* the reply must carry the stored rule */
	if (id)
		*id = got.id;
	return 0;
}

int mvmm_rule_replace(struct mvmm_rsk *s, uint32_t vm,
		      const struct mvmm_rule_info *r, struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, s->family, MVMM_CMD_RULE_REPLACE, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_put_rule(&m, r);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_del(struct mvmm_rsk *s, uint32_t vm, uint32_t id,
		  struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, s->family, MVMM_CMD_RULE_DEL, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_nest(&m, MVMM_A_RULE);
	mvmm_msg_put_u32(&m, MVMM_A_RULE_ID, id);
	mvmm_msg_nest_end(&m);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_flush(struct mvmm_rsk *s, uint32_t vm, struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, s->family, MVMM_CMD_RULE_FLUSH, 0);
	mvmm_msg_put_table(&m, vm);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_dump(struct mvmm_rsk *s, uint32_t vm,
		   struct mvmm_rule_info *rules, int max,
		   struct mvmm_ack *ack)
{
	struct mvmm_rule_arg a = { .rules = rules, .max = max };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, s->family, MVMM_CMD_GET_RULE, NLM_F_DUMP);
	mvmm_msg_put_table(&m, vm);
	ret = mvmm_rsk_talk(s, &m, mvmm_rule_cb, &a, ack);
	return ret ? ret : a.n;
}

struct mvmm_handler_arg {
	struct mvmm_handler_info *h;
	int max;
	int n;
};

static void mvmm_parse_handler(const struct nlattr *nest,
			       struct mvmm_handler_info *h)
{
	const struct nlattr *nla;
	int rem;

	memset(h, 0, sizeof(*h));
	mvmm_for_each_nla(nla, rem, (const struct nlattr *)nla_data_of(nest),
			  nla_len_of(nest)) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case MVMM_A_HANDLER_NAME:
			nla_strcpy(h->name, sizeof(h->name), nla);
			break;
		case MVMM_A_HANDLER_ID:
			h->id = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_ATTACHED:
			h->attached = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_EVENTS:
			h->events = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_HANDLED:
			h->handled = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_TO_MAIN:
			h->to_main = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_INJECTED:
			h->injected = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_FALLBACK:
			h->fallback = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_INVALID:
			h->invalid = nla_uint(nla);
			break;
		case MVMM_A_HANDLER_OBSERVED:
			h->observed = nla_uint(nla);
			break;
		}
	}
}

static int mvmm_handler_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_handler_arg *a = arg;
	const struct nlattr *nla;
	int rem;

	mvmm_for_each_nla(nla, rem, attrs, len) {
		if ((nla->nla_type & NLA_TYPE_MASK) != MVMM_A_HANDLER)
			continue;
		if (a->n < a->max)
			mvmm_parse_handler(nla, &a->h[a->n]);
		a->n++;
	}
	return 0;
}

int mvmm_handler_dump(struct mvmm_rsk *s, struct mvmm_handler_info *h,
		      int max)
{
	struct mvmm_handler_arg a = { .h = h, .max = max };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, s->family, MVMM_CMD_GET_HANDLER, NLM_F_DUMP);
	ret = mvmm_rsk_talk(s, &m, mvmm_handler_cb, &a, NULL);
	return ret ? ret : a.n;
}

int mvmm_handler_get(struct mvmm_rsk *s, const char *name,
		     struct mvmm_handler_info *h)
{
	/* The module keeps at most 256 names. */
	struct mvmm_handler_info all[256];
	int n, i;

	n = mvmm_handler_dump(s, all, 256);
	if (n < 0)
		return n;
	for (i = 0; i < n && i < 256; i++) {
		if (!strcmp(all[i].name, name)) {
			*h = all[i];
			return 0;
		}
	}
	return -ENOENT;
}

const char *mvmm_rule_str(const struct mvmm_rule_info *r, char *buf, int len)
{
	snprintf(buf, len,
		 "id %u type %u (%s) %#llx-%#llx origin %u mode %u fallback %u target %s",
		 r->id, r->type, mvmm_nl_type_name(r->type),
		 (unsigned long long)r->lo, (unsigned long long)r->hi,
		 r->origin, r->mode, r->fallback, r->target);
	return buf;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized test of mvmm's user interfaces, for a bounded time: the
 * "mvmm" generic netlink family and /dev/mvmm, driven by one seeded PRNG.
 *
 * Netlink (this thread): requests start from valid messages of every
 * command (rules with every kind of target: main, handlers, groups and
 * fixed answers; the tables of VM B, the default one and VMs that do not
 * exist; applies, groups, get and dump commands) and most get mutated:
 * attributes dropped, duplicated, reordered, retyped, resized, truncated
 * or oversized (nests too), values at the edges of their ranges, long and
 * malformed names, random commands, header fields and flags (NLM_F_DUMP
 * on doit-only commands, no NLM_F_ACK, ...), a wrong nlmsg_len or family.
 * Every answer is checked: replies and dumps are well formed (known
 * attributes of the right sizes, ids in order, NLMSG_DONE at the end),
 * an error ack carries an errno the family may give, an extended ACK
 * offset points at an attribute of the request, and a successful table
 * change is announced on the "events" group (and a refused one is not).
 * Refusals without an extended ACK message are counted by command, errno
 * and mutation; those the module itself makes (not the genetlink core,
 * which refuses unknown commands and misplaced dump flags bare) fail.
 *
 * /dev/mvmm (a child process, the hostile secondary): attached as
 * "fz-sec" to VM A, whose guest loops on an IN and an MMIO read routed to
 * it (sync, fallback main) and an OUT it observes. It issues mutated
 * ioctls (answers with random seq, vcpu_idx, flags, actions, registers,
 * vectors; KICK with random indexes; STATS; attaches of every kind;
 * guest memory reads anywhere and writes that must fail; unknown
 * numbers; bad pointers), read()s, mmap()s and poll()s, answers
 * some requests through the ring and some through MVMM_IOC_ANSWER, and
 * scribbles on every writable part of its ring (header, slots, answers,
 * observe records) while the guest runs; now and then it closes the file
 * and attaches again. Every call must return what uapi/linux/mvmm.h
 * documents (an answer's EINVAL exactly when kmod/core/answer.c says it
 * is invalid). VM A's thread checks, command by command, that every exit
 * completed once: routed once, and either completed by mvmm (the
 * secondary's answer or injected fault) or passed back to KVM and so to
 * this program, the counts adding up exactly.
 *
 * VM B (a thread): a guest making every kind of exit while the fuzzed
 * rules of its table apply to them; a new VM B, copying the fuzzed
 * default table, replaces it every few seconds, the old one destroyed
 * with its table. Its vCPU must always come back from KVM_RUN to a
 * signal.
 *
 * First, a regression check: a Latin-1 letter, which the kernel's
 * isalnum() counts as one, is refused in a handler and a group name. At
 * the end: the module is still usable (an answer rule reaches VM A's
 * guest, a well-behaved secondary serves it, mvmmctl vm list works) and
 * the rig's kernel log check (BUG, WARNING, Oops ...) runs as for every
 * test.
 *
 * Left out, as other tests cover them: requests from unprivileged
 * senders (mvmm_nl_perm_test), rmmod under load; several requests in one
 * datagram are not made.
 *
 *   mvmm_uapi_fuzz_test [-s SEED] [-t SECONDS] [-n REQUESTS] [-v]
 *
 * -s (or $MVMM_FUZZ_SEED) replays a run: the seed fixes every request
 * the generators make, in order (not how they interleave with the guests,
 * nor which VM id VM B has then). -t bounds the fuzzing time (default
 * 30 s), -n the netlink requests (default: no bound); -v prints every
 * request. The default table must be empty at the start; the test leaves
 * it empty, and uses only the handler names fz-sec and fz-spare and the
 * group names below, since names stay taken until mvmm is unloaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kselftest.h"
#include "answer.h"
#include "libmvmm.h"
#include "mvmm_guest_io.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

#define DEFAULT_SECONDS	30
#define SEC_NAME	"fz-sec"	/* the hostile secondary */
#define SPARE_NAME	"fz-spare"	/* it attaches as this too */
/* VM A: an IN and an MMIO read routed to SEC_NAME, an OUT it observes. */
#define A_PORT		0x5e0
#define A_OBS_PORT	0x5e1
#define A_ANS_PORT	0x5e2	/* the answer rule of the final check */
#define A_ANS_VALUE	0xfeedf00dU
#define A_ITERS		16	/* accesses per command */
/* VM B: what its guest does, and what its rules aim at. */
#define B_PORT		0x5f0
#define B_MSR		0x40000100
#define B_LEAF		0x4000f000
#define B_HC		0x5f5f
#define B_MMIO_GPA	0xd0000000ULL
#define B_ROTATE_MS	8000	/* a new VM B this often */
#define B_TICK_NS	100000000	/* its vCPU thread's timer signal */
/* VM A must complete a command at least this often. */
#define A_STALL_MS	60000

/* Handler and group names, their NUL included (MVMM_HANDLER_NAME_LEN). */
#define NAME_LEN	((int)sizeof(((struct mvmm_attach *)0)->name))

static const char *const group_names[] = {
	"fz-g0", "fz-g1", "fz_group_name_of_31_characters_",
};

/* ---- options, PRNG ------------------------------------------------------ */

static uint64_t opt_seed;
static unsigned int opt_seconds = DEFAULT_SECONDS;
static uint64_t opt_requests;
static bool opt_verbose;
static pid_t main_pid;

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rol64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, and the same sequence on every machine. */
static uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s, res = rol64(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rol64(s[3], 45);
	return res;
}

/* [0, n), n > 0 */
static uint32_t rnd(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * n) >> 32);
}

static bool chance(struct rng *r, unsigned int pct)
{
	return rnd(r, 100) < pct;
}

static void rnd_bytes(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = rng_u64(r);
}

/* An integer of @bytes, often at an edge of its range. */
static uint64_t rnd_edge(struct rng *r, int bytes)
{
	uint64_t max = bytes >= 8 ? UINT64_MAX : (1ULL << (8 * bytes)) - 1;

	switch (rnd(r, 8)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return max;
	case 3:
		return max - 1;
	case 4:
		return max >> 1;
	case 5:
		return (max >> 1) + 1;
	default:
		return rng_u64(r) & max;
	}
}

static uint64_t pick_of(struct rng *r, const uint64_t *v, size_t n)
{
	return v[rnd(r, n)];
}

/* One of the values given, at random. */
#define PICK(r, ...)							\
	pick_of(r, (const uint64_t[]){ __VA_ARGS__ },			\
		ARRAY_SIZE(((const uint64_t[]){ __VA_ARGS__ })))

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* ---- requests: a tree of attributes, mutated, then serialized ----------- */

#define FZ_NODES	768
#define FZ_SHORT_HDR	INT32_MIN	/* nlmsg_len: less than a header */
#define FZ_DATA		320
#define FZ_BUF		65536

enum kind { K_RAW, K_U8, K_U32, K_U64, K_STR, K_FLAG, K_NEST };

/* What an attribute means, for values at the edges of its range. */
enum sem {
	S_NONE, S_VM_ID, S_RULE_ID, S_TYPE, S_LO, S_HI, S_ORIGIN, S_MODE,
	S_FALLBACK, S_NAME, S_GROUP_NAME, S_VALUE, S_REG, S_POLICY, S_WEIGHT,
};

struct fz_node {
	uint16_t type;		/* as sent, NLA_F_* bits included */
	uint8_t kind, sem;
	int16_t first, next;	/* first child, next sibling; -1: none */
	int16_t len;		/* payload bytes of a leaf */
	int16_t len_delta;	/* nla_len as sent minus the real one */
	uint8_t data[FZ_DATA];
};

struct fz_req {
	uint8_t cmd, version;
	uint16_t reserved;
	uint16_t nl_type, nl_flags;
	int len_delta;		/* nlmsg_len as sent minus the real one, */
				/* or FZ_SHORT_HDR */
	int trailing;		/* garbage bytes sent after the message */
	int first;		/* the top-level attributes */
	int nr;
	bool dump;		/* the template was a dump */
	bool framing;		/* a mutation of the header or framing */
	char what[160];		/* template and mutations, for reports */
	struct fz_node n[FZ_NODES];
};

#define FZ_WALK		8192

/*
 * The serialized request, and where an attribute may start: each node's
 * header, and every header the kernel could find walking the bytes as
 * nested attributes (a declared length or random bytes may lead it
 * elsewhere than the nodes).
 */
struct fz_wire {
	uint8_t buf[FZ_BUF] __aligned(8);
	int len;		/* bytes sent */
	uint32_t nlmsg_len;	/* as in the header */
	uint32_t offs[FZ_NODES];
	int noffs;
	uint32_t walk[FZ_WALK];
	int nwalk;
};

static void req_init(struct fz_req *q, uint16_t family, uint8_t cmd,
		     bool dump)
{
	q->cmd = cmd;
	q->version = MVMM_GENL_VERSION;
	q->reserved = 0;
	q->nl_type = family;
	q->nl_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	q->len_delta = 0;
	q->trailing = 0;
	q->first = -1;
	q->nr = 0;
	q->dump = dump;
	q->framing = false;
	q->what[0] = 0;
}

static void req_note(struct fz_req *q, const char *fmt, ...)
{
	size_t l = strlen(q->what);
	va_list ap;

	if (l + 2 >= sizeof(q->what))
		return;
	if (l)
		q->what[l++] = ' ';
	va_start(ap, fmt);
	vsnprintf(q->what + l, sizeof(q->what) - l, fmt, ap);
	va_end(ap);
}

/* Link node @i as the last child of @parent (-1: the top level). */
static void link_last(struct fz_req *q, int parent, int i)
{
	int16_t *p = parent < 0 ? NULL : &q->n[parent].first;
	int first = parent < 0 ? q->first : *p, j;

	q->n[i].next = -1;
	if (first < 0) {
		if (parent < 0)
			q->first = i;
		else
			*p = i;
		return;
	}
	for (j = first; q->n[j].next >= 0; j = q->n[j].next)
		;
	q->n[j].next = i;
}

static int node_new(struct fz_req *q, int parent, uint16_t type,
		    enum kind kind, enum sem sem)
{
	struct fz_node *n;
	int i;

	if (q->nr >= FZ_NODES)
		return -1;
	i = q->nr++;
	n = &q->n[i];
	n->type = type;
	n->kind = kind;
	n->sem = sem;
	n->first = -1;
	n->next = -1;
	n->len = 0;
	n->len_delta = 0;
	link_last(q, parent, i);
	return i;
}

static int put(struct fz_req *q, int parent, uint16_t type, enum kind kind,
	       enum sem sem, const void *data, int len)
{
	int i = node_new(q, parent, type, kind, sem);

	if (i < 0)
		return -1;
	if (len > FZ_DATA)
		len = FZ_DATA;
	q->n[i].len = len;
	if (len)
		memcpy(q->n[i].data, data, len);
	return i;
}

static int put_u8(struct fz_req *q, int p, uint16_t t, enum sem s, uint8_t v)
{
	return put(q, p, t, K_U8, s, &v, 1);
}

static int put_u32(struct fz_req *q, int p, uint16_t t, enum sem s,
		   uint32_t v)
{
	return put(q, p, t, K_U32, s, &v, 4);
}

static int put_u64(struct fz_req *q, int p, uint16_t t, enum sem s,
		   uint64_t v)
{
	return put(q, p, t, K_U64, s, &v, 8);
}

static int put_str(struct fz_req *q, int p, uint16_t t, enum sem s,
		   const char *str)
{
	return put(q, p, t, K_STR, s, str, strlen(str) + 1);
}

static int put_flag(struct fz_req *q, int p, uint16_t t)
{
	return put(q, p, t, K_FLAG, S_NONE, NULL, 0);
}

static int nest(struct fz_req *q, int p, uint16_t t)
{
	return node_new(q, p, t | NLA_F_NESTED, K_NEST, S_NONE);
}

/* Serialize @i and its siblings at @off; the offset after them. */
static int wire_nodes(const struct fz_req *q, int i, struct fz_wire *w,
		      int off)
{
	for (; i >= 0; i = q->n[i].next) {
		const struct fz_node *n = &q->n[i];
		struct nlattr *nla = (struct nlattr *)(w->buf + off);
		int start = off, len;

		if (off + NLA_HDRLEN + FZ_DATA > FZ_BUF - 64)
			return off;
		w->offs[w->noffs++] = off;
		off += NLA_HDRLEN;
		if (n->kind == K_NEST) {
			off = wire_nodes(q, n->first, w, off);
			len = off - start;
		} else {
			memcpy(w->buf + off, n->data, n->len);
			len = NLA_HDRLEN + n->len;
			off = start + NLA_ALIGN(len);
			memset(w->buf + start + len, 0, off - start - len);
		}
		len += n->len_delta;
		nla->nla_len = len < 0 ? 0 : len > 0xffff ? 0xffff : len;
		nla->nla_type = n->type;
	}
	return off;
}

static void walk_attrs(struct fz_wire *w, int off, int end, int depth)
{
	const struct nlattr *a;

	while (end - off >= NLA_HDRLEN && w->nwalk < FZ_WALK) {
		a = (const struct nlattr *)(w->buf + off);
		w->walk[w->nwalk++] = off;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			return;
		if (depth < 8)
			walk_attrs(w, off + NLA_HDRLEN, off + a->nla_len,
				   depth + 1);
		off += NLA_ALIGN(a->nla_len);
	}
}

static void wire(const struct fz_req *q, struct fz_wire *w, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)w->buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len;

	w->noffs = 0;
	memset(w->buf, 0, NLMSG_LENGTH(GENL_HDRLEN));
	g->cmd = q->cmd;
	g->version = q->version;
	g->reserved = q->reserved;
	len = wire_nodes(q, q->first, w, NLMSG_LENGTH(GENL_HDRLEN));
	nlh->nlmsg_type = q->nl_type;
	nlh->nlmsg_flags = q->nl_flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	w->nlmsg_len = q->len_delta == FZ_SHORT_HDR ? NLMSG_HDRLEN / 2 :
		       len + q->len_delta;
	nlh->nlmsg_len = w->nlmsg_len;
	w->len = len;
	/* The kernel would take what follows for another request. */
	TEST_ASSERT(w->nlmsg_len < NLMSG_HDRLEN ||
		    NLMSG_ALIGN(w->nlmsg_len) + NLMSG_HDRLEN > (uint32_t)len,
		    "a request of %d bytes with nlmsg_len %u", len,
		    w->nlmsg_len);
	if (q->trailing > 0) {
		memset(w->buf + len, 0xa5, q->trailing);
		w->len += q->trailing;
	}
	w->nwalk = 0;
	walk_attrs(w, NLMSG_LENGTH(GENL_HDRLEN),
		   w->nlmsg_len < (uint32_t)len ? w->nlmsg_len : len, 0);
}

/* ---- valid requests ------------------------------------------------------ */

struct gen {
	struct rng r;
	uint16_t family;
	uint32_t vm_a;
	uint32_t vm_b;		/* VM B's id now; 0 while there is none */
	char handlers[24][32];	/* handler names the module knows */
	int nhandlers;
};

/* The largest qualifier of a type (kmod/nl_rule.c); U64_MAX: no limit. */
static uint64_t qual_max(uint32_t type)
{
	switch (type) {
	case MVMM_EV_EXCEPTION:
		return 31;
	case MVMM_EV_INTR:
	case MVMM_EV_SIPI:
		return 0xff;
	case MVMM_EV_TASK_SWITCH:
	case MVMM_EV_IO:
		return 0xffff;
	case MVMM_EV_CPUID:
	case MVMM_EV_RDPMC:
	case MVMM_EV_MSR_READ:
	case MVMM_EV_MSR_WRITE:
	case MVMM_EV_XSETBV:
		return 0xffffffff;
	case MVMM_EV_CR_ACCESS:
	case MVMM_EV_DR_ACCESS:
		return 15;
	case MVMM_EV_APIC_ACCESS:
		return 0xfff;
	case MVMM_EV_NESTED:
		return MVMM_NESTED_VMFUNC;
	case MVMM_EV_INVLPG:
	case MVMM_EV_HYPERCALL:
	case MVMM_EV_NPF:
	case MVMM_EV_MMIO:
	case MVMM_EV_OTHER:
		return UINT64_MAX;
	default:
		return 0;
	}
}

/* The qualifier of VM B's exit of @type: rules on it apply to its guest. */
static uint64_t hot_qual(uint32_t type)
{
	switch (type) {
	case MVMM_EV_IO:
		return B_PORT;
	case MVMM_EV_MMIO:
		return B_MMIO_GPA;
	case MVMM_EV_MSR_READ:
	case MVMM_EV_MSR_WRITE:
		return B_MSR;
	case MVMM_EV_CPUID:
		return B_LEAF;
	case MVMM_EV_HYPERCALL:
		return B_HC;
	case MVMM_EV_EXCEPTION:
		return MVMM_UD_VECTOR;
	default:
		return 0;
	}
}

static bool answerable(uint32_t type)
{
	return type == MVMM_EV_CPUID || type == MVMM_EV_MSR_READ ||
	       type == MVMM_EV_MSR_WRITE || type == MVMM_EV_IO ||
	       type == MVMM_EV_MMIO || type == MVMM_EV_HYPERCALL;
}

static bool handleable(uint32_t type)
{
	struct mvmm_event ev = { .type = type };

	return mvmm_event_handleable(&ev);
}

static uint32_t gen_type(struct gen *g)
{
	static const uint32_t hot[] = {
		MVMM_EV_IO, MVMM_EV_IO, MVMM_EV_IO, MVMM_EV_MMIO, MVMM_EV_MMIO,
		MVMM_EV_CPUID, MVMM_EV_CPUID, MVMM_EV_MSR_READ,
		MVMM_EV_MSR_WRITE, MVMM_EV_HYPERCALL, MVMM_EV_HYPERCALL,
		MVMM_EV_HLT, MVMM_EV_EXCEPTION,
	};

	if (chance(&g->r, 20))
		return rnd(&g->r, MVMM_EV_MAX + 1);
	return hot[rnd(&g->r, ARRAY_SIZE(hot))];
}

/* A value a fixed answer or a register may take: few distinct ones. */
static uint64_t gen_value(struct gen *g, uint64_t max)
{
	static const uint64_t pool[] = {
		0, 1, 0x5a, 0xffff, 0x12345678, 0xffffffff,
		0x0123456789abcdefULL, UINT64_MAX,
	};

	if (chance(&g->r, 15))
		return rng_u64(&g->r) & max;
	return pool[rnd(&g->r, ARRAY_SIZE(pool))] & max;
}

static const char *gen_handler(struct gen *g)
{
	if (chance(&g->r, 8))
		return "nosuch";
	if (chance(&g->r, 40) || !g->nhandlers)
		return SEC_NAME;
	return g->handlers[rnd(&g->r, g->nhandlers)];
}

static const char *gen_group(struct gen *g)
{
	if (chance(&g->r, 10))
		return "fz-nosuch";
	return group_names[rnd(&g->r, ARRAY_SIZE(group_names))];
}

/* The table of a request: VM B's, the default one, or one that is not. */
static void gen_table(struct gen *g, struct fz_req *q, int parent)
{
	static const uint32_t bogus[] = { 0x7ffffff0, 0xffffffff, 4096 };
	uint32_t k = rnd(&g->r, 100);

	if (k < 55 && g->vm_b)
		put_u32(q, parent, MVMM_A_VM_ID, S_VM_ID, g->vm_b);
	else if (k < 85)
		put_flag(q, parent, MVMM_A_DEFAULT);
	else if (k < 95)
		put_u32(q, parent, MVMM_A_VM_ID, S_VM_ID,
			bogus[rnd(&g->r, ARRAY_SIZE(bogus))]);
	else	/* refused for changes: sanitize() makes it VM B's */
		put_u32(q, parent, MVMM_A_VM_ID, S_VM_ID, g->vm_a);
}

static void gen_answer(struct gen *g, struct fz_req *q, int rule,
		       uint32_t type)
{
	int a = nest(q, rule, MVMM_A_RULE_ANSWER), i, reg, given = 0;
	bool value, ignore;

	switch (type) {
	case MVMM_EV_CPUID:
		for (i = 0; i < 4; i++) {
			if (!chance(&g->r, 50) && (i < 3 || given))
				continue;
			given++;
			reg = nest(q, a, MVMM_A_ANSWER_EAX + i);
			if (chance(&g->r, 50)) {
				put_u32(q, reg, MVMM_A_ANSWER_REG_VALUE, S_REG,
					gen_value(g, 0xffffffff));
				continue;
			}
			if (chance(&g->r, 70))
				put_u32(q, reg, MVMM_A_ANSWER_REG_AND, S_REG,
					gen_value(g, 0xffffffff));
			else
				put_u32(q, reg, MVMM_A_ANSWER_REG_OR, S_REG,
					gen_value(g, 0xffffffff));
		}
		break;
	case MVMM_EV_MSR_WRITE:
		put_flag(q, a, MVMM_A_ANSWER_IGNORE);
		break;
	case MVMM_EV_IO:
	case MVMM_EV_MMIO:
		value = chance(&g->r, 70);
		ignore = !value || chance(&g->r, 50);
		if (value)
			put_u64(q, a, MVMM_A_ANSWER_VALUE, S_VALUE,
				gen_value(g, type == MVMM_EV_IO ?
					  0xffffffff : UINT64_MAX));
		if (ignore)
			put_flag(q, a, MVMM_A_ANSWER_IGNORE);
		break;
	default:	/* MSR reads, hypercalls */
		put_u64(q, a, MVMM_A_ANSWER_VALUE, S_VALUE,
			gen_value(g, UINT64_MAX));
		break;
	}
	/* Dumps carry it; requests may send it back. */
	if (chance(&g->r, 10))
		put_u64(q, a, MVMM_A_ANSWER_HITS, S_VALUE, rng_u64(&g->r));
}

/* A rule that the module takes, unless the table says otherwise. */
static void gen_rule(struct gen *g, struct fz_req *q, int parent,
		     bool need_id)
{
	uint32_t type = gen_type(g), tk = rnd(&g->r, 100);
	uint64_t max = qual_max(type), hot = hot_qual(type), lo, hi;
	bool has_lo = true, has_hi = true, sync;
	enum { T_MAIN, T_HANDLER, T_GROUP, T_ANSWER } target;
	uint8_t fallback = MVMM_FALLBACK_MAIN;
	int rule;

	if (tk < 35 && answerable(type))
		target = T_ANSWER;
	else if (tk < 65)
		target = T_HANDLER;
	else if (tk < 80)
		target = T_GROUP;
	else
		target = T_MAIN;

	switch (rnd(&g->r, 6)) {
	case 0:			/* the whole type */
		has_lo = has_hi = false;
		lo = 0;
		hi = UINT64_MAX;
		break;
	case 1:
	case 2:
		lo = hot;
		hi = hot + rnd(&g->r, 4);
		break;
	case 3:
		lo = max == UINT64_MAX ? rng_u64(&g->r) : rng_u64(&g->r) %
		     (max + 1);
		hi = lo;
		break;
	case 4:
		lo = chance(&g->r, 50) ? max : 0;
		hi = UINT64_MAX;
		break;
	default:		/* LO alone: HI is LO */
		lo = hot;
		hi = lo;
		has_hi = false;
		break;
	}
	if (hi > max && hi != UINT64_MAX)
		hi = max;
	if (lo > hi)
		lo = hi;

	sync = handleable(type) && chance(&g->r, 75);
	if (target == T_ANSWER)
		sync = true;
	/* Only #UD can be completed by a secondary. */
	if (sync && type == MVMM_EV_EXCEPTION) {
		lo = hi = MVMM_UD_VECTOR;
		has_lo = has_hi = true;
	}
	/* KVM's fastpath MSRs go to main only. */
	if (type == MVMM_EV_MSR_WRITE && target != T_MAIN &&
	    lo <= 0x830 && hi >= 0x6e0) {
		lo = hi = B_MSR;
		has_lo = has_hi = true;
	}
	if (target != T_ANSWER && chance(&g->r, 25))
		fallback = MVMM_FALLBACK_DENY;

	rule = nest(q, parent, MVMM_A_RULE);
	if (need_id || chance(&g->r, 20))
		put_u32(q, rule, MVMM_A_RULE_ID, S_RULE_ID,
			1 + rnd(&g->r, 40));
	put_u32(q, rule, MVMM_A_RULE_TYPE, S_TYPE, type);
	if (has_lo)
		put_u64(q, rule, MVMM_A_RULE_LO, S_LO, lo);
	if (has_hi)
		put_u64(q, rule, MVMM_A_RULE_HI, S_HI, hi);
	if (chance(&g->r, 30))
		put_u8(q, rule, MVMM_A_RULE_ORIGIN, S_ORIGIN,
		       chance(&g->r, 70) ? MVMM_MATCH_ANY : rnd(&g->r, 2) + 1);
	if (!sync || chance(&g->r, 40))
		put_u8(q, rule, MVMM_A_RULE_MODE, S_MODE,
		       sync ? MVMM_MODE_SYNC : MVMM_MODE_OBSERVE);
	if (fallback || chance(&g->r, 30))
		put_u8(q, rule, MVMM_A_RULE_FALLBACK, S_FALLBACK, fallback);
	switch (target) {
	case T_ANSWER:
		gen_answer(g, q, rule, type);
		break;
	case T_HANDLER:
		put_str(q, rule, MVMM_A_RULE_TARGET, S_NAME, gen_handler(g));
		break;
	case T_GROUP:
		put_str(q, rule, MVMM_A_RULE_GROUP, S_GROUP_NAME, gen_group(g));
		break;
	default:
		put_str(q, rule, MVMM_A_RULE_TARGET, S_NAME, "main");
		break;
	}
}

static void gen_group_req(struct gen *g, struct fz_req *q, bool full)
{
	int grp = nest(q, -1, MVMM_A_GROUP), members, m, i, n;

	put_str(q, grp, MVMM_A_GROUP_NAME, S_GROUP_NAME, gen_group(g));
	if (!full)
		return;
	if (chance(&g->r, 80))
		put_u8(q, grp, MVMM_A_GROUP_POLICY, S_POLICY,
		       rnd(&g->r, MVMM_GROUP_POLICY_MAX + 1));
	members = nest(q, grp, MVMM_A_GROUP_MEMBERS);
	n = 1 + rnd(&g->r, 3);
	for (i = 0; i < n; i++) {
		m = nest(q, members, MVMM_A_GROUP_MEMBER);
		/* Distinct members: SEC_NAME first, then the known ones. */
		put_str(q, m, MVMM_A_MEMBER_NAME, S_NAME,
			!i || !g->nhandlers ? SEC_NAME :
			g->handlers[(i - 1) % g->nhandlers]);
		if (chance(&g->r, 50))
			put_u32(q, m, MVMM_A_MEMBER_WEIGHT, S_WEIGHT,
				1 + rnd(&g->r, MVMM_GROUP_WEIGHT_MAX));
	}
}

/* Commands and how often each template is made. */
static const struct {
	uint8_t cmd;
	bool dump;
	unsigned int weight;
} cmd_mix[] = {
	{ MVMM_CMD_GET_VM, false, 3 },
	{ MVMM_CMD_GET_VM, true, 2 },
	{ MVMM_CMD_GET_STATS, false, 3 },
	{ MVMM_CMD_GET_STATS, true, 2 },
	{ MVMM_CMD_RULE_ADD, false, 22 },
	{ MVMM_CMD_RULE_REPLACE, false, 8 },
	{ MVMM_CMD_RULE_DEL, false, 8 },
	{ MVMM_CMD_RULE_FLUSH, false, 2 },
	{ MVMM_CMD_GET_RULE, true, 6 },
	{ MVMM_CMD_GET_HANDLER, true, 3 },
	{ MVMM_CMD_RULE_APPLY, false, 9 },
	{ MVMM_CMD_GROUP_ADD, false, 4 },
	{ MVMM_CMD_GROUP_SET, false, 4 },
	{ MVMM_CMD_GROUP_DEL, false, 2 },
	{ MVMM_CMD_GET_GROUP, false, 3 },
	{ MVMM_CMD_GET_GROUP, true, 2 },
	/* Notifications only, and numbers that are no command at all. */
	{ MVMM_CMD_HANDLER_ATTACH, false, 1 },
	{ MVMM_CMD_VM_DEL, false, 1 },
	{ MVMM_CMD_UNSPEC, false, 1 },
	{ MVMM_CMD_MAX + 1, false, 1 },
};

static const char *cmd_name(unsigned int cmd)
{
	static const char *const names[] = {
		[MVMM_CMD_UNSPEC] = "UNSPEC",
		[MVMM_CMD_GET_VM] = "GET_VM",
		[MVMM_CMD_GET_STATS] = "GET_STATS",
		[MVMM_CMD_RULE_ADD] = "RULE_ADD",
		[MVMM_CMD_RULE_REPLACE] = "RULE_REPLACE",
		[MVMM_CMD_RULE_DEL] = "RULE_DEL",
		[MVMM_CMD_RULE_FLUSH] = "RULE_FLUSH",
		[MVMM_CMD_GET_RULE] = "GET_RULE",
		[MVMM_CMD_GET_HANDLER] = "GET_HANDLER",
		[MVMM_CMD_RULE_APPLY] = "RULE_APPLY",
		[MVMM_CMD_HANDLER_ATTACH] = "HANDLER_ATTACH",
		[MVMM_CMD_HANDLER_DETACH] = "HANDLER_DETACH",
		[MVMM_CMD_VM_NEW] = "VM_NEW",
		[MVMM_CMD_VM_DEL] = "VM_DEL",
		[MVMM_CMD_GROUP_ADD] = "GROUP_ADD",
		[MVMM_CMD_GROUP_SET] = "GROUP_SET",
		[MVMM_CMD_GROUP_DEL] = "GROUP_DEL",
		[MVMM_CMD_GET_GROUP] = "GET_GROUP",
	};

	return cmd < ARRAY_SIZE(names) ? names[cmd] : "cmd>MAX";
}

static void gen_valid(struct gen *g, struct fz_req *q)
{
	unsigned int total = 0, k, i, n;
	int rule, op;

	for (i = 0; i < ARRAY_SIZE(cmd_mix); i++)
		total += cmd_mix[i].weight;
	k = rnd(&g->r, total);
	for (i = 0; k >= cmd_mix[i].weight; i++)
		k -= cmd_mix[i].weight;
	req_init(q, g->family, cmd_mix[i].cmd, cmd_mix[i].dump);
	req_note(q, "%s%s", cmd_name(q->cmd), q->dump ? "(dump)" : "");

	switch (q->cmd) {
	case MVMM_CMD_GET_VM:
	case MVMM_CMD_GET_STATS:
		if (!q->dump)
			put_u32(q, -1, MVMM_A_VM_ID, S_VM_ID,
				chance(&g->r, 50) ? g->vm_a :
				g->vm_b ?: 0x7ffffff0);
		break;
	case MVMM_CMD_RULE_ADD:
	case MVMM_CMD_RULE_REPLACE:
		gen_table(g, q, -1);
		gen_rule(g, q, -1, q->cmd == MVMM_CMD_RULE_REPLACE);
		break;
	case MVMM_CMD_RULE_DEL:
		gen_table(g, q, -1);
		rule = nest(q, -1, MVMM_A_RULE);
		put_u32(q, rule, MVMM_A_RULE_ID, S_RULE_ID,
			1 + rnd(&g->r, 40));
		break;
	case MVMM_CMD_RULE_FLUSH:
	case MVMM_CMD_GET_RULE:
		gen_table(g, q, -1);
		break;
	case MVMM_CMD_RULE_APPLY:
		n = rnd(&g->r, 13);
		for (i = 0; i < n; i++) {
			op = nest(q, -1, MVMM_A_OP);
			gen_table(g, q, op);
			if (chance(&g->r, 10))
				put_flag(q, op, MVMM_A_FLUSH);
			else
				gen_rule(g, q, op, false);
		}
		break;
	case MVMM_CMD_GROUP_ADD:
	case MVMM_CMD_GROUP_SET:
		gen_group_req(g, q, true);
		break;
	case MVMM_CMD_GROUP_DEL:
		gen_group_req(g, q, false);
		break;
	case MVMM_CMD_GET_GROUP:
		if (!q->dump)
			gen_group_req(g, q, false);
		break;
	case MVMM_CMD_GET_HANDLER:
		break;
	default:	/* not a request: anything a request might carry */
		gen_table(g, q, -1);
		gen_rule(g, q, -1, false);
		break;
	}
}

/* ---- mutations ----------------------------------------------------------- */

/* The reachable nodes, each with its parent (-1: top level). */
static int reachable(const struct fz_req *q, int first, int parent,
		     int *nodes, int *parents, int n)
{
	int i;

	for (i = first; i >= 0 && n < FZ_NODES; i = q->n[i].next) {
		nodes[n] = i;
		parents[n++] = parent;
		if (q->n[i].kind == K_NEST)
			n = reachable(q, q->n[i].first, i, nodes, parents, n);
	}
	return n;
}

/* The top-level list's head, or NULL for a nest's (an int16_t). */
static int *list_of(struct fz_req *q, int parent)
{
	return parent < 0 ? &q->first : (int *)NULL;
}

/* Unlink @i from the children of @parent. */
static void unlink_node(struct fz_req *q, int parent, int i)
{
	int16_t *p16 = parent < 0 ? NULL : &q->n[parent].first;
	int *top = list_of(q, parent), j;
	int first = top ? *top : *p16;

	if (first == i) {
		if (top)
			*top = q->n[i].next;
		else
			*p16 = q->n[i].next;
		return;
	}
	for (j = first; j >= 0; j = q->n[j].next) {
		if (q->n[j].next == i) {
			q->n[j].next = q->n[i].next;
			return;
		}
	}
}

/* A copy of @i's subtree, unlinked; -1 when the nodes ran out. */
static int copy_tree(struct fz_req *q, int i)
{
	int c, k, prev = -1, kc;

	if (q->nr >= FZ_NODES)
		return -1;
	c = q->nr++;
	q->n[c] = q->n[i];
	q->n[c].first = -1;
	q->n[c].next = -1;
	for (k = q->n[i].first; k >= 0; k = q->n[k].next) {
		kc = copy_tree(q, k);
		if (kc < 0)
			break;
		if (prev < 0)
			q->n[c].first = kc;
		else
			q->n[prev].next = kc;
		prev = kc;
	}
	return c;
}

static void insert_after(struct fz_req *q, int i, int c)
{
	q->n[c].next = q->n[i].next;
	q->n[i].next = c;
}

/* Set a leaf to @len bytes: kept, truncated, or grown with noise. */
static void resize(struct gen *g, struct fz_node *n, int len)
{
	int old = n->len < 0 ? 0 : n->len > FZ_DATA ? FZ_DATA : n->len;

	len = len < 0 ? 0 : len > FZ_DATA ? FZ_DATA : len;
	if (len > old)
		rnd_bytes(&g->r, n->data + old, len - old);
	n->len = len;
}

static void put_int(struct fz_node *n, uint64_t v)
{
	int len = n->len > 8 ? 8 : n->len;

	memcpy(n->data, &v, len);
}

/* A string that is one way or another not a good name (or a known one). */
static void mutate_string(struct gen *g, struct fz_node *n)
{
	static const char *const odd[] = {
		"", "main", "a/b", "a b", "\xff\xfe", "-", ".", "fz-sec\n",
		"nosuch_handler_name_31_chars_xx",
		"nosuch_handler_name_32_chars_xxx",
	};
	char buf[FZ_DATA];
	int len, k = rnd(&g->r, 6);

	switch (k) {
	case 0:	/* long, of one character */
		len = (int)PICK(&g->r, 31, 32, 33, 40, 64, 255, 300);
		memset(buf, 'n', len);
		buf[len] = 0;
		resize(g, n, 0);
		resize(g, n, len + 1);
		memcpy(n->data, buf, len + 1);
		break;
	case 1:	/* without its NUL */
		if (n->len)
			n->len--;
		break;
	case 2:	/* a NUL inside */
		if (n->len > 2)
			n->data[rnd(&g->r, n->len - 1)] = 0;
		break;
	case 3:	/* random characters, NUL-terminated */
		len = rnd(&g->r, 40);
		resize(g, n, len + 1);
		n->data[len] = 0;
		break;
	default:
		snprintf(buf, sizeof(buf), "%s",
			 chance(&g->r, 50) ? odd[rnd(&g->r, ARRAY_SIZE(odd))] :
			 k == 4 ? gen_handler(g) : gen_group(g));
		n->len = 0;
		resize(g, n, strlen(buf) + 1);
		memcpy(n->data, buf, n->len);
		break;
	}
}

/* A value at an edge of what the attribute means. */
static void mutate_edge(struct gen *g, struct fz_req *q, struct fz_node *n)
{
	uint64_t v = rnd_edge(&g->r, n->len > 8 ? 8 : n->len ? n->len : 1);

	switch (n->sem) {
	case S_VM_ID:
		v = PICK(&g->r, 0, 1, g->vm_a, g->vm_b, 0x7ffffff0,
			 UINT32_MAX, g->vm_b + 1);
		break;
	case S_TYPE:
		v = PICK(&g->r, MVMM_EV_MAX, MVMM_EV_MAX + 1, UINT32_MAX,
			 MVMM_EV_MMIO, MVMM_EV_NPF);
		break;
	case S_LO:
	case S_HI:
		v = PICK(&g->r, 0, 1, 15, 16, 31, 32, 0xff, 0x100, 0xfff,
			 0x1000, 0xffff, 0x10000, 0x6e0, 0x830, 0xffffffff,
			 0x100000000ULL, UINT64_MAX - 1, UINT64_MAX);
		break;
	case S_ORIGIN:
	case S_MODE:
	case S_FALLBACK:
	case S_POLICY:
		v = rnd(&g->r, 5) == 4 ? 255 : rnd(&g->r, 4);
		break;
	case S_WEIGHT:
		v = PICK(&g->r, 0, 1, 255, 256, UINT32_MAX);
		break;
	case S_VALUE:
		v = PICK(&g->r, 0, 0xffffffff, 0x100000000ULL, UINT64_MAX);
		break;
	case S_NAME:
	case S_GROUP_NAME:
		mutate_string(g, n);
		return;
	default:
		break;
	}
	put_int(n, v);
	req_note(q, "=%#llx", (unsigned long long)v);
}

/* A random attribute, now and then a nest of them, up to 8 deep. */
static int random_attr(struct gen *g, struct fz_req *q, int parent, int depth)
{
	uint16_t type = chance(&g->r, 80) ? rnd(&g->r, 20) :
			rnd(&g->r, NLA_TYPE_MASK + 1);
	int i, k, n;

	if (depth < 8 && chance(&g->r, 20)) {
		i = nest(q, parent, type);
		n = rnd(&g->r, 4);
		for (k = 0; k < n && i >= 0; k++)
			random_attr(g, q, i, depth + 1);
		return i;
	}
	i = node_new(q, parent, type, K_RAW, S_NONE);
	if (i >= 0) {
		q->n[i].len = 0;
		resize(g, &q->n[i], (int)PICK(&g->r, 0, 1, 4, 8, 16));
	}
	return i;
}

enum mut {
	M_DROP, M_DUP, M_SHUFFLE, M_RETYPE, M_RESIZE, M_EDGE, M_RANDOM,
	M_DECL_LEN, M_KIND, M_INSERT, M_FLAGLESS, M_MANY, M_HEADER, M_FRAME,
	M_NR
};

static const unsigned int mut_weight[M_NR] = {
	[M_DROP] = 10, [M_DUP] = 8, [M_SHUFFLE] = 6, [M_RETYPE] = 8,
	[M_RESIZE] = 8, [M_EDGE] = 16, [M_RANDOM] = 6, [M_DECL_LEN] = 6,
	[M_KIND] = 4, [M_INSERT] = 6, [M_FLAGLESS] = 3, [M_MANY] = 3,
	[M_HEADER] = 5, [M_FRAME] = 3,
};

static void mutate(struct gen *g, struct fz_req *q)
{
	int nodes[FZ_NODES], parents[FZ_NODES], nr, k, i, p, c, j;
	unsigned int total = 0, w, m;
	struct fz_node *n;

	for (m = 0; m < M_NR; m++)
		total += mut_weight[m];
	w = rnd(&g->r, total);
	for (m = 0; w >= mut_weight[m]; m++)
		w -= mut_weight[m];

	nr = reachable(q, q->first, -1, nodes, parents, 0);
	/* No attribute (a dump, say): add one, or change the header. */
	if (!nr) {
		if (m != M_HEADER && m != M_FRAME)
			m = M_INSERT;
		nodes[0] = -1;
		parents[0] = -1;
	}
	k = nr ? rnd(&g->r, nr) : 0;
	i = nodes[k];
	p = parents[k];
	n = i < 0 ? NULL : &q->n[i];

	switch (m) {
	case M_DROP:
		unlink_node(q, p, i);
		req_note(q, "drop:%u", n->type & NLA_TYPE_MASK);
		break;
	case M_DUP:
		c = copy_tree(q, i);
		if (c >= 0)
			insert_after(q, i, c);
		req_note(q, "dup:%u", n->type & NLA_TYPE_MASK);
		break;
	case M_SHUFFLE: {
		int kids[FZ_NODES], nk = 0, *top = list_of(q, p);

		for (j = top ? *top : q->n[p].first; j >= 0; j = q->n[j].next)
			kids[nk++] = j;
		if (!nk)
			break;
		for (j = nk - 1; j > 0; j--) {
			int r = rnd(&g->r, j + 1), t = kids[j];

			kids[j] = kids[r];
			kids[r] = t;
		}
		for (j = 0; j < nk; j++)
			q->n[kids[j]].next = j + 1 < nk ? kids[j + 1] : -1;
		if (top)
			*top = kids[0];
		else
			q->n[p].first = kids[0];
		req_note(q, "shuffle");
		break;
	}
	case M_RETYPE:
		switch (rnd(&g->r, 4)) {
		case 0:
			n->type = (n->type & ~NLA_TYPE_MASK) | rnd(&g->r, 16);
			break;
		case 1:
			n->type = rnd(&g->r, NLA_TYPE_MASK + 1);
			break;
		case 2:
			n->type ^= NLA_F_NESTED;
			break;
		default:
			n->type |= NLA_F_NET_BYTEORDER;
			break;
		}
		req_note(q, "type:%#x", n->type);
		break;
	case M_RESIZE:
		if (n->kind == K_NEST)
			goto random_insert;
		resize(g, n, (int)PICK(&g->r, 0, 1, 2, 3, 4, 5, 7, 8, 9, 12,
				       16, 64, 300, n->len ? n->len - 1 : 0,
				       n->len + 1));
		req_note(q, "len:%u=%d", n->type & NLA_TYPE_MASK, n->len);
		break;
	case M_EDGE:
		if (n->kind == K_NEST)
			goto random_insert;
		req_note(q, "edge:%u", n->type & NLA_TYPE_MASK);
		mutate_edge(g, q, n);
		break;
	case M_RANDOM:
		if (n->kind == K_NEST)
			goto random_insert;
		if (chance(&g->r, 30))
			resize(g, n, rnd(&g->r, 17));
		rnd_bytes(&g->r, n->data, n->len);
		req_note(q, "noise:%u", n->type & NLA_TYPE_MASK);
		break;
	case M_DECL_LEN:
		n->len_delta = (int)PICK(&g->r, -1, -2, -3, -4, -8, 1, 4, 8,
					 64, -1000, 1000);
		req_note(q, "nla_len:%u%+d", n->type & NLA_TYPE_MASK,
			 n->len_delta);
		break;
	case M_KIND:
		if (n->kind == K_NEST) {
			n->kind = K_RAW;
			n->first = -1;
			n->len = 0;
			resize(g, n, rnd(&g->r, 24));
		} else {
			n->kind = K_NEST;
			n->first = -1;
			n->type |= NLA_F_NESTED;
		}
		req_note(q, "kind:%u", n->type & NLA_TYPE_MASK);
		break;
	case M_INSERT:
random_insert:
		c = random_attr(g, q, n && n->kind == K_NEST &&
				chance(&g->r, 60) ? i : p, 0);
		req_note(q, "insert:%u", c >= 0 ? q->n[c].type : 0);
		break;
	case M_FLAGLESS:
		n->type &= ~NLA_F_NESTED;
		req_note(q, "flagless:%u", n->type & NLA_TYPE_MASK);
		break;
	case M_MANY:
		w = 2 + rnd(&g->r, 40);
		for (j = 0; j < (int)w; j++) {
			c = copy_tree(q, i);
			if (c < 0)
				break;
			insert_after(q, i, c);
		}
		req_note(q, "many:%u*%u", n->type & NLA_TYPE_MASK, w);
		break;
	case M_HEADER:
		q->framing = true;
		switch (rnd(&g->r, 6)) {
		case 0:
			q->cmd = chance(&g->r, 70) ? rnd(&g->r, MVMM_CMD_MAX + 3) :
				 rng_u64(&g->r);
			req_note(q, "cmd:%u", q->cmd);
			break;
		case 1:
			q->nl_flags ^= NLM_F_DUMP;
			req_note(q, "flags^DUMP");
			break;
		case 2:
			q->nl_flags &= ~NLM_F_ACK;
			req_note(q, "flags-ACK");
			break;
		case 3:
			q->nl_flags |= (uint16_t)rng_u64(&g->r) & 0x0ff0;
			req_note(q, "flags:%#x", q->nl_flags);
			break;
		case 4:
			q->version = rng_u64(&g->r);
			req_note(q, "version:%u", q->version);
			break;
		default:
			q->reserved = rng_u64(&g->r) | 1;
			req_note(q, "reserved:%#x", q->reserved);
			break;
		}
		break;
	default:	/* M_FRAME */
		q->framing = true;
		switch (rnd(&g->r, 4)) {
		case 0:
			/*
			 * Shorter by less than an alignment step, or below a
			 * header, or longer than what is sent: never a second
			 * message made of attribute bytes, which could be of
			 * any family and change the host.
			 */
			q->len_delta = (int)PICK(&g->r, -1, -2, -3,
						 FZ_SHORT_HDR, 1, 4, 64);
			if (q->len_delta == FZ_SHORT_HDR)
				req_note(q, "nlmsg_len=%d", NLMSG_HDRLEN / 2);
			else
				req_note(q, "nlmsg_len%+d", q->len_delta);
			break;
		case 1:
			q->trailing = 1 + rnd(&g->r, 40);
			req_note(q, "trailing:%d", q->trailing);
			break;
		case 2:
			q->nl_flags &= ~NLM_F_REQUEST;
			req_note(q, "flags-REQUEST");
			break;
		default:
			/*
			 * No other family: random ids could reach one that
			 * changes the host. Below NLMSG_MIN_TYPE a message is
			 * control; above 1023 no family has an id.
			 */
			q->nl_type = chance(&g->r, 50) ? rnd(&g->r, NLMSG_MIN_TYPE) :
				     1024 + rnd(&g->r, 0xf000);
			req_note(q, "nl_type:%u", q->nl_type);
			break;
		}
		break;
	}
}

/* Might the module take @d (@len bytes) as a group name? */
static bool group_name_ok(const uint8_t *d, int len)
{
	int i, l;

	for (l = 0; l < len && l < NAME_LEN && d[l]; l++)
		;
	if (!l || l == len || l == NAME_LEN ||
	    (l == 4 && !memcmp(d, "main", 4)))
		return false;
	/* Bytes above 0x7f too: the kernel's isalnum() has Latin-1 letters. */
	for (i = 0; i < l; i++)
		if (!isalnum(d[i]) && !strchr("_.-", d[i]) && d[i] < 0x80)
			return false;
	return true;
}

static bool pool_group(const uint8_t *d, int len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(group_names); i++)
		if (strnlen((const char *)d, len) == strlen(group_names[i]) &&
		    !strncmp((const char *)d, group_names[i], len))
			return true;
	return false;
}

static bool is_read_cmd(uint8_t cmd)
{
	return cmd == MVMM_CMD_GET_VM || cmd == MVMM_CMD_GET_STATS ||
	       cmd == MVMM_CMD_GET_RULE || cmd == MVMM_CMD_GET_HANDLER ||
	       cmd == MVMM_CMD_GET_GROUP;
}

static void keep_off_vm_a(struct gen *g, struct fz_req *q, int first)
{
	uint32_t v;
	int i;

	for (i = first; i >= 0; i = q->n[i].next) {
		struct fz_node *n = &q->n[i];

		if ((n->type & NLA_TYPE_MASK) != MVMM_A_VM_ID ||
		    n->kind == K_NEST || n->len < 4)
			continue;
		memcpy(&v, n->data, 4);
		if (v != g->vm_a)
			continue;
		v = g->vm_b ?: 0x7ffffff0;
		memcpy(n->data, &v, 4);
	}
}

/*
 * What the fuzzer must not do, whatever the mutations made:
 *  - change VM A's table (its routing is what its accounting relies on);
 *  - add a group under a new name: group names stay taken until mvmm is
 *    unloaded, 64 at most, and later tests need some.
 * The kernel takes the last of repeated attributes: every one is fixed.
 */
static void sanitize(struct gen *g, struct fz_req *q)
{
	int i, j;

	if (!is_read_cmd(q->cmd)) {
		keep_off_vm_a(g, q, q->first);
		for (i = q->first; i >= 0; i = q->n[i].next)
			if ((q->n[i].type & NLA_TYPE_MASK) == MVMM_A_OP &&
			    q->n[i].kind == K_NEST)
				keep_off_vm_a(g, q, q->n[i].first);
	}
	if (q->cmd != MVMM_CMD_GROUP_ADD)
		return;
	for (i = q->first; i >= 0; i = q->n[i].next) {
		if ((q->n[i].type & NLA_TYPE_MASK) != MVMM_A_GROUP ||
		    q->n[i].kind != K_NEST)
			continue;
		for (j = q->n[i].first; j >= 0; j = q->n[j].next) {
			struct fz_node *n = &q->n[j];

			if ((n->type & NLA_TYPE_MASK) == MVMM_A_GROUP_NAME &&
			    n->kind != K_NEST && group_name_ok(n->data, n->len) &&
			    !pool_group(n->data, n->len))
				n->data[0] = '/';
		}
	}
}

static void gen_request(struct gen *g, struct fz_req *q)
{
	unsigned int k = rnd(&g->r, 100), n, i;

	gen_valid(g, q);
	n = k < 25 ? 0 : k < 70 ? 1 : k < 90 ? 2 : 3 + rnd(&g->r, 3);
	for (i = 0; i < n; i++)
		mutate(g, q);
	sanitize(g, q);
}

/* ---- replies: what a well-formed answer of the family looks like -------- */

enum vk { VK_NONE, VK_U8, VK_U32, VK_U64, VK_STR, VK_FLAG, VK_NEST, VK_PAD };

struct vset;
struct vattr {
	uint8_t kind;
	const struct vset *sub;
};

struct vset {
	const char *name;
	int max;
	const struct vattr *a;
	const struct vset *each;	/* every attribute: this nest */
};

#define VA(k)		{ .kind = VK_##k }
#define VN(s)		{ .kind = VK_NEST, .sub = &(s) }

static const struct vattr hload_a[MVMM_A_HLOAD_MAX + 1] = {
	[MVMM_A_HLOAD_INFLIGHT] = VA(U32), [MVMM_A_HLOAD_SAMPLES] = VA(U64),
	[MVMM_A_HLOAD_EWMA_NS] = VA(U64), [MVMM_A_HLOAD_P50_NS] = VA(U64),
	[MVMM_A_HLOAD_P99_NS] = VA(U64), [MVMM_A_HLOAD_MAX_NS] = VA(U64),
	[MVMM_A_HLOAD_USABLE] = VA(U8), [MVMM_A_HLOAD_CPU_NS] = VA(U64),
	[MVMM_A_HLOAD_PAD] = VA(PAD),
};
static const struct vset hload_v = { "HLOAD", MVMM_A_HLOAD_MAX, hload_a };

static const struct vattr handler_a[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME] = VA(STR), [MVMM_A_HANDLER_ID] = VA(U32),
	[MVMM_A_HANDLER_ATTACHED] = VA(U8), [MVMM_A_HANDLER_EVENTS] = VA(U64),
	[MVMM_A_HANDLER_HANDLED] = VA(U64), [MVMM_A_HANDLER_TO_MAIN] = VA(U64),
	[MVMM_A_HANDLER_INJECTED] = VA(U64),
	[MVMM_A_HANDLER_FALLBACK] = VA(U64),
	[MVMM_A_HANDLER_INVALID] = VA(U64),
	[MVMM_A_HANDLER_OBSERVED] = VA(U64), [MVMM_A_HANDLER_PAD] = VA(PAD),
	[MVMM_A_HANDLER_USER] = VA(FLAG), [MVMM_A_HANDLER_PID] = VA(U32),
	[MVMM_A_HANDLER_VM_ID] = VA(U32), [MVMM_A_HANDLER_TIMEOUTS] = VA(U64),
	[MVMM_A_HANDLER_DROPPED] = VA(U64),
	[MVMM_A_HANDLER_RESTARTS] = VA(U64),
	[MVMM_A_HANDLER_OUTSTANDING] = VA(U32),
	[MVMM_A_HANDLER_LOAD] = VN(hload_v),
};
static const struct vset handler_v = { "HANDLER", MVMM_A_HANDLER_MAX,
				       handler_a };

static const struct vattr reg_a[MVMM_A_ANSWER_REG_MAX + 1] = {
	[MVMM_A_ANSWER_REG_VALUE] = VA(U32), [MVMM_A_ANSWER_REG_AND] = VA(U32),
	[MVMM_A_ANSWER_REG_OR] = VA(U32),
};
static const struct vset reg_v = { "ANSWER_REG", MVMM_A_ANSWER_REG_MAX,
				   reg_a };

static const struct vattr answer_a[MVMM_A_ANSWER_MAX + 1] = {
	[MVMM_A_ANSWER_VALUE] = VA(U64), [MVMM_A_ANSWER_IGNORE] = VA(FLAG),
	[MVMM_A_ANSWER_EAX] = VN(reg_v), [MVMM_A_ANSWER_EBX] = VN(reg_v),
	[MVMM_A_ANSWER_ECX] = VN(reg_v), [MVMM_A_ANSWER_EDX] = VN(reg_v),
	[MVMM_A_ANSWER_HITS] = VA(U64), [MVMM_A_ANSWER_PAD] = VA(PAD),
};
static const struct vset answer_v = { "ANSWER", MVMM_A_ANSWER_MAX, answer_a };

static const struct vattr rule_a[MVMM_A_RULE_MAX + 1] = {
	[MVMM_A_RULE_ID] = VA(U32), [MVMM_A_RULE_TYPE] = VA(U32),
	[MVMM_A_RULE_LO] = VA(U64), [MVMM_A_RULE_HI] = VA(U64),
	[MVMM_A_RULE_ORIGIN] = VA(U8), [MVMM_A_RULE_MODE] = VA(U8),
	[MVMM_A_RULE_FALLBACK] = VA(U8), [MVMM_A_RULE_TARGET] = VA(STR),
	[MVMM_A_RULE_PAD] = VA(PAD), [MVMM_A_RULE_GROUP] = VA(STR),
	[MVMM_A_RULE_ANSWER] = VN(answer_v),
};
static const struct vset rule_v = { "RULE", MVMM_A_RULE_MAX, rule_a };

static const struct vattr member_a[MVMM_A_MEMBER_MAX + 1] = {
	[MVMM_A_MEMBER_NAME] = VA(STR), [MVMM_A_MEMBER_WEIGHT] = VA(U32),
	[MVMM_A_MEMBER_HANDLER_ID] = VA(U32), [MVMM_A_MEMBER_CHOSEN] = VA(U64),
	[MVMM_A_MEMBER_USABLE] = VA(U8), [MVMM_A_MEMBER_PAD] = VA(PAD),
};
static const struct vset member_v = { "MEMBER", MVMM_A_MEMBER_MAX, member_a };
static const struct vattr members_a[MVMM_A_GROUP_MEMBERS_MAX + 1] = {
	[MVMM_A_GROUP_MEMBER] = VN(member_v),
};
static const struct vset members_v = { "MEMBERS", MVMM_A_GROUP_MEMBERS_MAX,
				       members_a };

static const struct vattr group_a[MVMM_A_GROUP_MAX + 1] = {
	[MVMM_A_GROUP_NAME] = VA(STR), [MVMM_A_GROUP_ID] = VA(U32),
	[MVMM_A_GROUP_POLICY] = VA(U8), [MVMM_A_GROUP_MEMBERS] = VN(members_v),
	[MVMM_A_GROUP_NO_MEMBER] = VA(U64), [MVMM_A_GROUP_PAD] = VA(PAD),
};
static const struct vset group_v = { "GROUP", MVMM_A_GROUP_MAX, group_a };

static const struct vattr evstat_a[MVMM_A_EVSTAT_MAX + 1] = {
	[MVMM_A_EVSTAT_TYPE] = VA(U32), [MVMM_A_EVSTAT_EXITS] = VA(U64),
	[MVMM_A_EVSTAT_FASTPATH] = VA(U64), [MVMM_A_EVSTAT_L2] = VA(U64),
	[MVMM_A_EVSTAT_PAD] = VA(PAD), [MVMM_A_EVSTAT_ROUTED] = VA(U64),
	[MVMM_A_EVSTAT_COMPLETED] = VA(U64),
};
static const struct vset evstat_v = { "EVSTAT", MVMM_A_EVSTAT_MAX, evstat_a };
static const struct vset stats_v = { "VM_STATS", MVMM_EV_MAX, NULL,
				     &evstat_v };

static const struct vattr top_a[MVMM_A_MAX + 1] = {
	[MVMM_A_VM_ID] = VA(U32), [MVMM_A_VM_PID] = VA(U32),
	[MVMM_A_VM_COMM] = VA(STR), [MVMM_A_VM_VCPUS] = VA(U32),
	[MVMM_A_VM_AGE_MS] = VA(U64), [MVMM_A_VM_STATS] = VN(stats_v),
	[MVMM_A_PAD] = VA(PAD), [MVMM_A_DEFAULT] = VA(FLAG),
	[MVMM_A_RULE] = VN(rule_v), [MVMM_A_HANDLER] = VN(handler_v),
	[MVMM_A_GROUP] = VN(group_v),
};
static const struct vset top_v = { "top", MVMM_A_MAX, top_a };

static char verr[256];

static bool vfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(verr, sizeof(verr), fmt, ap);
	va_end(ap);
	return false;
}

/* Walk @len bytes of attributes at @d against @v: sizes, types, nests. */
static bool vcheck(const struct vset *v, const uint8_t *d, int len)
{
	const struct nlattr *nla;
	const struct vattr *a;
	int rem = len, plen;
	uint16_t type;

	for (nla = (const void *)d; rem >= NLA_HDRLEN;
	     rem -= NLA_ALIGN(nla->nla_len),
	     nla = (const void *)((const uint8_t *)nla +
				  NLA_ALIGN(nla->nla_len))) {
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
			return vfail("%s: attribute of length %u in %d bytes",
				     v->name, nla->nla_len, rem);
		type = nla->nla_type & NLA_TYPE_MASK;
		plen = nla->nla_len - NLA_HDRLEN;
		if (type > v->max || (!v->each && !v->a[type].kind))
			return vfail("%s: unknown attribute %u", v->name, type);
		if (v->each) {
			if (!(nla->nla_type & NLA_F_NESTED))
				return vfail("%s: %u not a nest", v->name, type);
			if (!vcheck(v->each, (const uint8_t *)nla + NLA_HDRLEN,
				    plen))
				return false;
			continue;
		}
		a = &v->a[type];
		switch (a->kind) {
		case VK_U8:
			if (plen != 1)
				return vfail("%s: %u: %d bytes, not 1",
					     v->name, type, plen);
			break;
		case VK_U32:
			if (plen != 4)
				return vfail("%s: %u: %d bytes, not 4",
					     v->name, type, plen);
			break;
		case VK_U64:
			if (plen != 8)
				return vfail("%s: %u: %d bytes, not 8",
					     v->name, type, plen);
			break;
		case VK_FLAG:
			if (plen)
				return vfail("%s: flag %u: %d bytes",
					     v->name, type, plen);
			break;
		case VK_STR:
			if (plen < 1 ||
			    memchr((const uint8_t *)nla + NLA_HDRLEN, 0, plen) !=
			    (const uint8_t *)nla + NLA_HDRLEN + plen - 1)
				return vfail("%s: string %u not NUL-terminated",
					     v->name, type);
			break;
		case VK_NEST:
			if (!(nla->nla_type & NLA_F_NESTED))
				return vfail("%s: %u not a nest", v->name, type);
			if (!vcheck(a->sub, (const uint8_t *)nla + NLA_HDRLEN,
				    plen))
				return false;
			break;
		case VK_PAD:
			return vfail("%s: a pad attribute", v->name);
		}
	}
	if (rem)
		return vfail("%s: %d bytes left over", v->name, rem);
	return true;
}

/* The last attribute @type in @len bytes at @d (checked before), or NULL. */
static const struct nlattr *vfind(const void *d, int len, int type)
{
	const struct nlattr *nla, *found = NULL;
	int rem;

	mvmm_nla_for_each(nla, rem, (const struct nlattr *)d, len)
		if (mvmm_nla_type(nla) == type)
			found = nla;
	return found;
}

static uint64_t vuint(const void *d, int len, int type)
{
	const struct nlattr *a = vfind(d, len, type);

	return a ? mvmm_nla_uint(a) : 0;
}

static bool vrule(const struct nlattr *rule)
{
	const void *d = mvmm_nla_data(rule);
	int len = mvmm_nla_len(rule), targets;

	if (!vfind(d, len, MVMM_A_RULE_ID) || !vfind(d, len, MVMM_A_RULE_TYPE) ||
	    !vfind(d, len, MVMM_A_RULE_LO) || !vfind(d, len, MVMM_A_RULE_HI) ||
	    !vfind(d, len, MVMM_A_RULE_ORIGIN) ||
	    !vfind(d, len, MVMM_A_RULE_MODE) ||
	    !vfind(d, len, MVMM_A_RULE_FALLBACK))
		return vfail("RULE: an attribute missing");
	targets = !!vfind(d, len, MVMM_A_RULE_TARGET) +
		  !!vfind(d, len, MVMM_A_RULE_GROUP) +
		  !!vfind(d, len, MVMM_A_RULE_ANSWER);
	if (targets != 1)
		return vfail("RULE: %d targets", targets);
	if (!vuint(d, len, MVMM_A_RULE_ID) ||
	    vuint(d, len, MVMM_A_RULE_TYPE) > MVMM_EV_MAX ||
	    vuint(d, len, MVMM_A_RULE_LO) > vuint(d, len, MVMM_A_RULE_HI) ||
	    vuint(d, len, MVMM_A_RULE_ORIGIN) > MVMM_MATCH_L2 ||
	    vuint(d, len, MVMM_A_RULE_MODE) > MVMM_MODE_OBSERVE ||
	    vuint(d, len, MVMM_A_RULE_FALLBACK) > MVMM_FALLBACK_DENY)
		return vfail("RULE: a value out of range");
	return true;
}

/* One message of @cmd (a reply or a notification): is it what it says? */
static bool vmsg(uint8_t cmd, const void *d, int len, uint32_t *id)
{
	const struct nlattr *a;
	bool vm = vfind(d, len, MVMM_A_VM_ID), def = vfind(d, len, MVMM_A_DEFAULT);

	if (!vcheck(&top_v, d, len))
		return false;
	*id = 0;
	switch (cmd) {
	case MVMM_CMD_GET_VM:
	case MVMM_CMD_GET_STATS:
	case MVMM_CMD_VM_NEW:
	case MVMM_CMD_VM_DEL:
		if (!vm || !vfind(d, len, MVMM_A_VM_PID) ||
		    !vfind(d, len, MVMM_A_VM_COMM))
			return vfail("VM: an attribute missing");
		*id = vuint(d, len, MVMM_A_VM_ID);
		if (cmd == MVMM_CMD_VM_NEW || cmd == MVMM_CMD_VM_DEL)
			return true;
		if (!vfind(d, len, MVMM_A_VM_VCPUS) ||
		    !vfind(d, len, MVMM_A_VM_AGE_MS))
			return vfail("VM: an attribute missing");
		if (!vfind(d, len, MVMM_A_VM_STATS) != (cmd == MVMM_CMD_GET_VM))
			return vfail("VM: stats %s",
				     cmd == MVMM_CMD_GET_VM ? "there" : "missing");
		return true;
	case MVMM_CMD_RULE_ADD:
	case MVMM_CMD_RULE_REPLACE:
	case MVMM_CMD_RULE_DEL:
	case MVMM_CMD_GET_RULE:
		if (vm == def)
			return vfail("RULE: not one table");
		a = vfind(d, len, MVMM_A_RULE);
		if (!a)
			return vfail("RULE: missing");
		*id = vuint(mvmm_nla_data(a), mvmm_nla_len(a), MVMM_A_RULE_ID);
		return vrule(a);
	case MVMM_CMD_RULE_FLUSH:
	case MVMM_CMD_RULE_APPLY:
		if (vm == def || vfind(d, len, MVMM_A_RULE))
			return vfail("table change: not one table alone");
		return true;
	case MVMM_CMD_GET_HANDLER:
	case MVMM_CMD_HANDLER_ATTACH:
	case MVMM_CMD_HANDLER_DETACH:
		a = vfind(d, len, MVMM_A_HANDLER);
		if (!a || !vfind(mvmm_nla_data(a), mvmm_nla_len(a),
				 MVMM_A_HANDLER_NAME) ||
		    !vfind(mvmm_nla_data(a), mvmm_nla_len(a),
			   MVMM_A_HANDLER_ID))
			return vfail("HANDLER: missing, or its name or id");
		*id = vuint(mvmm_nla_data(a), mvmm_nla_len(a),
			    MVMM_A_HANDLER_ID);
		return true;
	case MVMM_CMD_GET_GROUP:
		a = vfind(d, len, MVMM_A_GROUP);
		if (!a || !vfind(mvmm_nla_data(a), mvmm_nla_len(a),
				 MVMM_A_GROUP_NAME) ||
		    !vfind(mvmm_nla_data(a), mvmm_nla_len(a),
			   MVMM_A_GROUP_MEMBERS) ||
		    vuint(mvmm_nla_data(a), mvmm_nla_len(a),
			  MVMM_A_GROUP_POLICY) > MVMM_GROUP_POLICY_MAX)
			return vfail("GROUP: name, members or policy");
		*id = vuint(mvmm_nla_data(a), mvmm_nla_len(a), MVMM_A_GROUP_ID);
		return true;
	default:
		return vfail("a message of command %u", cmd);
	}
}

/* ---- talking ------------------------------------------------------------- */

struct nlsock {
	int fd;
	uint32_t portid;
	uint32_t seq;
};

/* What came back for one request. */
struct fz_out {
	bool answered;		/* an ack, an error or NLMSG_DONE */
	int error;		/* its errno, negative, or 0 */
	int replies;		/* messages of the family */
	bool dump_intr;
	bool has_msg, has_offs;
	char msg[256];
	uint32_t offs, miss_type;
	int cookie_len;
	int rule_len;		/* RULE_ADD: the rule it replied with */
	uint8_t rule[512];
};

/*
 * Large buffers live on the heap: the test's image, .bss included, is
 * loaded into every guest's memory.
 */
#define RXBUF_SIZE	(256 * 1024)
static uint8_t *rxbuf;

/*
 * A socket of the fuzzer's own, for the raw wire: bound, extended ACKs
 * (mvmm_nl_socket()); joined to multicast group @group if non-zero.
 */
static void nls_open(struct nlsock *s, uint32_t group)
{
	int rcv = 1 << 20, ret;

	s->fd = mvmm_nl_socket(&s->portid);
	TEST_ASSERT(s->fd >= 0,
		    "Expected a netlink socket with extended ACKs: %s",
		    strerror(-s->fd));
	s->seq = 1000;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (group) {
		ret = mvmm_nl_join(s->fd, group);
		TEST_ASSERT(!ret, "Expected to join the events group: %s",
			    strerror(-ret));
	}
}

/* The extended ACK TLVs at @d; false if they are not well formed. */
static bool parse_tlvs(const uint8_t *d, int len, struct fz_out *o)
{
	const struct nlattr *nla;
	int rem = len, plen;

	for (nla = (const void *)d; rem >= NLA_HDRLEN;
	     rem -= NLA_ALIGN(nla->nla_len),
	     nla = (const void *)((const uint8_t *)nla +
				  NLA_ALIGN(nla->nla_len))) {
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
			return vfail("extack: TLV of %u bytes in %d",
				     nla->nla_len, rem);
		plen = nla->nla_len - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			if (plen < 1 || memchr(mvmm_nla_data(nla), 0, plen) !=
			    (const char *)mvmm_nla_data(nla) + plen - 1)
				return vfail("extack: message not a string");
			mvmm_nla_str(o->msg, sizeof(o->msg), nla);
			o->has_msg = o->msg[0] != 0;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (plen != 4)
				return vfail("extack: offset of %d bytes", plen);
			o->offs = mvmm_nla_uint(nla);
			o->has_offs = true;
			break;
		case NLMSGERR_ATTR_COOKIE:
			o->cookie_len = plen;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			o->miss_type = mvmm_nla_uint(nla);
			break;
		default:
			break;
		}
	}
	return rem ? vfail("extack: %d bytes left over", rem) : true;
}

/* Errors the family and the genetlink core may give a request. */
static bool errno_ok(int err)
{
	switch (-err) {
	case EINVAL: case ERANGE: case ENOENT: case EEXIST: case EOPNOTSUPP:
	case EPERM: case ENOSPC: case ENOMEM: case EMSGSIZE: case EBUSY:
		return true;
	default:
		return false;
	}
}

static bool is_dump_req(const struct fz_req *q)
{
	return (q->nl_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

/* Is @offs where an attribute of the request starts? */
static bool attr_offset(const struct fz_wire *w, uint32_t offs)
{
	int i;

	for (i = 0; i < w->noffs; i++)
		if (w->offs[i] == offs)
			return true;
	for (i = 0; i < w->nwalk; i++)
		if (w->walk[i] == offs)
			return true;
	return false;
}

/*
 * One message for request @seq: false (with verr) if it is not what the
 * family may send.
 */
static bool take_msg(struct nlsock *s, const struct fz_req *q,
		     const struct fz_wire *w, const struct nlmsghdr *nlh,
		     struct fz_out *o, int64_t *last_id)
{
	const struct genlmsghdr *g;
	const uint8_t *tlv;
	int err, tlen;
	uint32_t id;

	if (nlh->nlmsg_seq != s->seq || nlh->nlmsg_pid != s->portid)
		return vfail("a message for seq %u port %u",
			     nlh->nlmsg_seq, nlh->nlmsg_pid);
	if (o->answered)
		return vfail("a message after the end");
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);
		int off = sizeof(*e);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return vfail("a short error message");
		o->answered = true;
		o->error = e->error;
		if (e->error > 0 || (e->error && !errno_ok(e->error)))
			return vfail("error %d", e->error);
		if (e->msg.nlmsg_seq != s->seq)
			return vfail("an error echoing seq %u", e->msg.nlmsg_seq);
		if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			return true;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		tlv = (const uint8_t *)e + NLMSG_ALIGN(off);
		tlen = (int)nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);
		goto tlvs;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(err)))
			return vfail("a short NLMSG_DONE");
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		o->answered = true;
		o->error = err;
		if (!is_dump_req(q))
			return vfail("NLMSG_DONE for a doit");
		if (err > 0 || (err && !errno_ok(err)))
			return vfail("NLMSG_DONE with %d", err);
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			o->dump_intr = true;
		if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			return true;
		tlv = (const uint8_t *)NLMSG_DATA(nlh) + NLMSG_ALIGN(sizeof(err));
		tlen = (int)nlh->nlmsg_len - NLMSG_HDRLEN -
		       NLMSG_ALIGN(sizeof(err));
		goto tlvs;
	}
	if (nlh->nlmsg_type != q->nl_type || q->nl_type < NLMSG_MIN_TYPE)
		return vfail("a message of type %u", nlh->nlmsg_type);
	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return vfail("a reply without its genetlink header");
	g = NLMSG_DATA(nlh);
	if (g->cmd != q->cmd)
		return vfail("a reply of command %u to %u", g->cmd, q->cmd);
	o->replies++;
	if (is_dump_req(q) != !!(nlh->nlmsg_flags & NLM_F_MULTI))
		return vfail("reply flags %#x", nlh->nlmsg_flags);
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		o->dump_intr = true;
	if (!vmsg(g->cmd, (const uint8_t *)g + GENL_HDRLEN,
		  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), &id))
		return false;
	/* Dumps go in id order: each part resumes after the last id sent. */
	if (is_dump_req(q) && (int64_t)id <= *last_id)
		return vfail("dump: id %u after %ld", id, *last_id);
	*last_id = id;
	if (g->cmd == MVMM_CMD_RULE_ADD && !is_dump_req(q)) {
		const struct nlattr *r;

		r = vfind((const uint8_t *)g + GENL_HDRLEN,
			  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
			  MVMM_A_RULE);
		if (r->nla_len <= sizeof(o->rule)) {
			memcpy(o->rule, r, r->nla_len);
			o->rule_len = r->nla_len;
		}
	}
	return true;

tlvs:
	if (!parse_tlvs(tlv, tlen, o))
		return false;
	if (o->has_offs && !attr_offset(w, o->offs))
		return vfail("extack offset %u: no attribute starts there",
			     o->offs);
	return true;
}

/* Send @q, read everything it brought: false (verr) on a bad answer. */
static bool nl_exec(struct nlsock *s, const struct fz_req *q,
		    struct fz_wire *w, struct fz_out *o)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint64_t msgs = 0, t0 = now_ms();
	int64_t last_id = -1;
	const struct nlmsghdr *nlh;
	ssize_t n;
	int rem;

	memset(o, 0, offsetof(struct fz_out, rule));
	wire(q, w, ++s->seq);
	if (sendto(s->fd, w->buf, w->len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return vfail("sendto: %s", strerror(errno));
	/*
	 * The kernel answers a request while sendto() runs, and makes each
	 * further part of a dump while recv() runs: what is not there when
	 * the socket is empty will not come.
	 */
	for (;;) {
		n = recv(s->fd, rxbuf, RXBUF_SIZE, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return vfail("recv: %s", strerror(errno));
		if (n > RXBUF_SIZE)
			return vfail("a datagram of %zd bytes", n);
		rem = n;
		for (nlh = (const void *)rxbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			msgs++;
			if (!take_msg(s, q, w, nlh, o, &last_id))
				return false;
		}
		if (rem)
			return vfail("%d bytes of a message", rem);
		if (msgs > 1000000 || now_ms() - t0 > 60000)
			return vfail("no end after %lu messages", msgs);
	}
	if (o->answered)
		return true;
	/*
	 * No answer is right only where the kernel did not take the message
	 * as a request at all, or succeeded with no ack asked for. Errors
	 * and dumps always answer.
	 */
	if (w->nlmsg_len < NLMSG_HDRLEN || w->nlmsg_len > (uint32_t)w->len)
		return true;
	if (q->nl_flags & NLM_F_ACK)
		return vfail("no answer");
	if (is_dump_req(q) && (q->nl_flags & NLM_F_REQUEST) &&
	    q->nl_type >= NLMSG_MIN_TYPE)
		return vfail("a dump without NLMSG_DONE");
	return true;
}

/* ---- the netlink fuzzer --------------------------------------------------- */

/* Refusals without an extended ACK message, by command, errno and cause. */
struct bare {
	uint8_t cmd;
	int err;
	bool core;
	uint64_t n;
	char example[160];
};

static struct {
	uint64_t requests, ok, refused, unanswered, intr, replies;
	uint64_t failures, notif_fail, notif_lost, notifications;
	uint64_t by_errno[140];
	uint64_t slowest_ms;
	char slowest[160];
	struct bare bare[64];
	int nbare;
} nls;

static bool op_exists(uint8_t cmd, bool dump)
{
	switch (cmd) {
	case MVMM_CMD_GET_VM:
	case MVMM_CMD_GET_STATS:
	case MVMM_CMD_GET_GROUP:
		return true;
	case MVMM_CMD_GET_RULE:
	case MVMM_CMD_GET_HANDLER:
		return dump;
	case MVMM_CMD_RULE_ADD:
	case MVMM_CMD_RULE_REPLACE:
	case MVMM_CMD_RULE_DEL:
	case MVMM_CMD_RULE_FLUSH:
	case MVMM_CMD_RULE_APPLY:
	case MVMM_CMD_GROUP_ADD:
	case MVMM_CMD_GROUP_SET:
	case MVMM_CMD_GROUP_DEL:
		return !dump;
	default:
		return false;
	}
}

/* Did the request reach one of the family's commands as sent? */
static bool reached_op(const struct gen *g, const struct fz_req *q,
		       const struct fz_wire *w)
{
	return (q->nl_flags & NLM_F_REQUEST) && q->nl_type == g->family &&
	       w->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN) &&
	       w->nlmsg_len <= (uint32_t)w->len &&
	       op_exists(q->cmd, is_dump_req(q));
}

/*
 * A refusal the genetlink core made before any of the family's code ran
 * (no such family or command, a dump flag where the command has no dump,
 * a short header) or an allocation failure: these come without a message.
 */
static bool core_refusal(const struct gen *g, const struct fz_req *q,
			 const struct fz_wire *w, int err)
{
	return !reached_op(g, q, w) || err == -ENOMEM;
}

static void note_bare(const struct gen *g, const struct fz_req *q,
		      const struct fz_wire *w, int err)
{
	bool core = core_refusal(g, q, w, err);
	int i;

	for (i = 0; i < nls.nbare; i++) {
		if (nls.bare[i].cmd == q->cmd && nls.bare[i].err == err &&
		    nls.bare[i].core == core) {
			nls.bare[i].n++;
			return;
		}
	}
	if (nls.nbare == ARRAY_SIZE(nls.bare))
		return;
	nls.bare[i].cmd = q->cmd;
	nls.bare[i].err = err;
	nls.bare[i].core = core;
	nls.bare[i].n = 1;
	snprintf(nls.bare[i].example, sizeof(nls.bare[i].example), "%s",
		 q->what);
	nls.nbare++;
	if (!core)
		printf("# refused without a message: %s: %s (%d)\n", q->what,
		       strerror(-err), err);
}

static void hexdump(const uint8_t *d, int len)
{
	int i;

	for (i = 0; i < len && i < 512; i++)
		printf("%s%02x%s", i % 32 ? "" : "#   ", d[i],
		       i % 32 == 31 || i + 1 == len ? "\n" : "");
}

static void nl_fail(const struct fz_req *q, const struct fz_wire *w,
		    const char *what)
{
	nls.failures++;
	if (nls.failures > 20)
		return;
	printf("# FAIL request %lu (%s): %s\n", nls.requests, q->what, what);
	hexdump(w->buf, w->len);
}

/* The rules of a RULE_ADD reply and of its notification: the same? */
static bool same_rule_nest(const uint8_t *a, int alen, const uint8_t *b,
			   int blen)
{
	const struct nlattr *x, *y;
	int rem;

	if (alen < NLA_HDRLEN || blen < NLA_HDRLEN)
		return false;
	x = (const void *)a;
	y = (const void *)b;
	/* Every attribute but the answer's hit counter, which may move. */
	mvmm_nla_for_each_nested(x, rem, (const struct nlattr *)a) {
		const struct nlattr *o;

		if (mvmm_nla_type(x) == MVMM_A_RULE_ANSWER)
			continue;
		o = vfind(mvmm_nla_data(y), mvmm_nla_len(y), mvmm_nla_type(x));
		if (!o || o->nla_len != x->nla_len ||
		    memcmp(mvmm_nla_data(o), mvmm_nla_data(x),
			   mvmm_nla_len(x)))
			return false;
	}
	return true;
}

/* The request before this one, for reports. */
static char prev_what[200];

/*
 * Read the "events" group: every notification well formed; the table
 * changes this request made are announced, once, and a refused one is
 * not. VM and handler notifications come from the other threads at any
 * time: checked, not counted.
 */
static void check_notifications(struct gen *g, struct nlsock *mon,
				const struct fz_req *q,
				const struct fz_wire *w,
				const struct fz_out *o)
{
	int counts[MVMM_CMD_MAX + 1] = { 0 }, rem, lost = 0, rules, rlen = 0;
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *gh;
	uint8_t rule[512];
	char why[600];
	uint32_t id;
	ssize_t n;

	for (;;) {
		n = recv(mon->fd, rxbuf, RXBUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == ENOBUFS) {
			lost++;
			continue;
		}
		TEST_ASSERT(n >= 0, "recv of the events group: %s",
			    strerror(errno));
		rem = n;
		for (nlh = (const void *)rxbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			nls.notifications++;
			gh = NLMSG_DATA(nlh);
			if (nlh->nlmsg_type != g->family || nlh->nlmsg_seq ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
			    gh->cmd > MVMM_CMD_MAX ||
			    !vmsg(gh->cmd, (const uint8_t *)gh + GENL_HDRLEN,
				  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
				  &id)) {
				snprintf(why, sizeof(why),
					 "notification type %u cmd %u: %s",
					 nlh->nlmsg_type, gh->cmd, verr);
				nl_fail(q, w, why);
				continue;
			}
			counts[gh->cmd]++;
			if (gh->cmd == MVMM_CMD_RULE_ADD) {
				const struct nlattr *r;

				r = vfind((const uint8_t *)gh + GENL_HDRLEN,
					  nlh->nlmsg_len -
					  NLMSG_LENGTH(GENL_HDRLEN),
					  MVMM_A_RULE);
				if (r->nla_len <= sizeof(rule)) {
					memcpy(rule, r, r->nla_len);
					rlen = r->nla_len;
				}
			}
		}
	}
	if (lost) {
		nls.notif_lost += lost;
		return;
	}
	if (!o || !o->answered)
		return;
	rules = counts[MVMM_CMD_RULE_ADD] + counts[MVMM_CMD_RULE_REPLACE] +
		counts[MVMM_CMD_RULE_DEL] + counts[MVMM_CMD_RULE_FLUSH] +
		counts[MVMM_CMD_RULE_APPLY];
	if (o->error || !reached_op(g, q, w)) {
		if (rules) {
			snprintf(why, sizeof(why),
				 "table change notifications (add %d replace %d del %d flush %d apply %d) for a request that changed nothing (%d); the request before: %s",
				 counts[MVMM_CMD_RULE_ADD],
				 counts[MVMM_CMD_RULE_REPLACE],
				 counts[MVMM_CMD_RULE_DEL],
				 counts[MVMM_CMD_RULE_FLUSH],
				 counts[MVMM_CMD_RULE_APPLY], o->error, prev_what);
			nl_fail(q, w, why);
			nls.notif_fail++;
		}
		return;
	}
	switch (q->cmd) {
	case MVMM_CMD_RULE_ADD:
	case MVMM_CMD_RULE_REPLACE:
	case MVMM_CMD_RULE_DEL:
	case MVMM_CMD_RULE_FLUSH:
		if (counts[q->cmd] == 1 && rules == 1 &&
		    (q->cmd != MVMM_CMD_RULE_ADD ||
		     same_rule_nest(o->rule, o->rule_len, rule, rlen)))
			return;
		break;
	case MVMM_CMD_RULE_APPLY:
		if (rules == counts[MVMM_CMD_RULE_APPLY])
			return;
		break;
	default:
		if (!rules)
			return;
		break;
	}
	snprintf(why, sizeof(why),
		 "notifications add %d replace %d del %d flush %d apply %d after success%s",
		 counts[MVMM_CMD_RULE_ADD], counts[MVMM_CMD_RULE_REPLACE],
		 counts[MVMM_CMD_RULE_DEL], counts[MVMM_CMD_RULE_FLUSH],
		 counts[MVMM_CMD_RULE_APPLY],
		 q->cmd == MVMM_CMD_RULE_ADD ? " (or another rule)" : "");
	nl_fail(q, w, why);
	nls.notif_fail++;
}

static void fuzz_one(struct gen *g, struct nlsock *s, struct nlsock *mon,
		     struct fz_req *q, struct fz_wire *w)
{
	struct fz_out o;
	bool ok;

	uint64_t t0 = now_ms();

	gen_request(g, q);
	nls.requests++;
	ok = nl_exec(s, q, w, &o);
	if (now_ms() - t0 > nls.slowest_ms) {
		nls.slowest_ms = now_ms() - t0;
		snprintf(nls.slowest, sizeof(nls.slowest), "%s", q->what);
	}
	if (!ok)
		nl_fail(q, w, verr);
	if (opt_verbose)
		printf("# %lu %s: %s%s%s %s\n", nls.requests, q->what,
		       !o.answered ? "no answer" : o.error ? strerror(-o.error) :
		       "ok", o.has_msg ? ", " : "", o.msg,
		       o.has_offs ? "(offset)" : "");
	if (!o.answered)
		nls.unanswered++;
	else if (o.error)
		nls.refused++;
	else
		nls.ok++;
	nls.replies += o.replies;
	nls.intr += o.dump_intr;
	if (o.answered && o.error < 0 && -o.error < (int)ARRAY_SIZE(nls.by_errno))
		nls.by_errno[-o.error]++;
	if (o.answered && o.error && !o.has_msg)
		note_bare(g, q, w, o.error);
	check_notifications(g, mon, q, w, &o);
	snprintf(prev_what, sizeof(prev_what), "%s: %s", q->what,
		 !o.answered ? "no answer" : o.error ? strerror(-o.error) : "ok");
}

/* ---- the hostile secondary (a child process) ---------------------------- */

struct hs_shm {
	uint32_t stop;		/* set by the test: detach and exit */
	uint32_t ready;		/* 1: attached once; 2: could not */
	int32_t err;
	uint32_t vm_id;		/* VM A's id, given by the test */
	uint64_t seed;
	uint64_t ops, attaches, bad_attaches, scribbles, ring_answers;
	uint64_t ans_ok, ans_einval, ans_estale, ans_other, kicks, stats;
	uint64_t ans_refused_vec[34];	/* EINVAL for a vector, by vector */
	uint64_t reads, records, mmaps, polls, unknown, probes;
	uint64_t mem, mem_read;	/* MEM_READ/WRITE; reads that copied */
	uint64_t bad;
	char bad_msg[8][400];
};

struct hs {
	struct hs_shm *shm;
	struct rng r;
	int vm_fd, fd, efd, pipe_rd, devnull, closed_fd;
	bool poll_mode;
	struct mvmm_ring *ring;
	size_t ring_size;
	uint32_t nr_slots;
	/* The geometry as attach gave it: the ring's own copy is fair game. */
	uint32_t slot_size, slots_offset, obs_offset, obs_entries;
	bool obs_scribbled;	/* observe records may be ours, not the kernel's */
	uint64_t next_cycle;	/* ms: detach and attach again from then */
	struct mvmm_ustats st;	/* the last MVMM_IOC_STATS of this attach */
	void *noaccess;		/* a PROT_NONE page */
	void *rdonly;		/* a read-only page */
	struct mvmm_request recs[20];
};

/* Count a wrong result; keep the first of each kind to print. */
static void hs_bad(struct hs *h, const char *fmt, ...)
{
	char msg[sizeof(h->shm->bad_msg[0])];
	va_list ap;
	size_t i;

	h->shm->bad++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < ARRAY_SIZE(h->shm->bad_msg); i++) {
		if (!h->shm->bad_msg[i][0]) {
			snprintf(h->shm->bad_msg[i], sizeof(msg), "%s", msg);
			return;
		}
		if (!strncmp(h->shm->bad_msg[i], msg, 40))
			return;
	}
}

/* Results a call may have: success, or one of these errnos. */
#define R_SUCCESS	(1U << 0)
#define R_EINVAL	(1U << 1)
#define R_ESTALE	(1U << 2)
#define R_ENOTCONN	(1U << 3)
#define R_EFAULT	(1U << 4)
#define R_ENOTTY	(1U << 5)
#define R_EBUSY		(1U << 6)
#define R_EBADF		(1U << 7)
#define R_EAGAIN	(1U << 8)
#define R_ENOENT	(1U << 9)
#define R_EIO		(1U << 10)

static uint32_t result_bit(long ret, int err)
{
	if (ret >= 0)
		return R_SUCCESS;
	switch (err) {
	case EINVAL: return R_EINVAL;
	case ESTALE: return R_ESTALE;
	case ENOTCONN: return R_ENOTCONN;
	case EFAULT: return R_EFAULT;
	case ENOTTY: return R_ENOTTY;
	case EBUSY: return R_EBUSY;
	case EBADF: return R_EBADF;
	case EAGAIN: return R_EAGAIN;
	case ENOENT: return R_ENOENT;
	case EIO: return R_EIO;
	default: return 1U << 31;
	}
}

/* Was the call's result one of @ok? Recorded as bad if not. */
static uint32_t hs_expect(struct hs *h, const char *what, long ret, int err,
			  uint32_t ok)
{
	uint32_t bit = result_bit(ret, err);

	if (!(bit & ok))
		hs_bad(h, "%s: returned %ld (%s), expected mask %#x", what, ret,
		       ret < 0 ? strerror(err) : "success", ok);
	return bit;
}

static long hs_ioctl(struct hs *h, unsigned long cmd, unsigned long arg,
		     int *err)
{
	long ret = ioctl(h->fd, cmd, arg);

	*err = errno;
	return ret;
}

/* A pointer the kernel cannot read from, or cannot write to. */
static void *bad_ptr(struct hs *h, bool for_write)
{
	switch (rnd(&h->r, for_write ? 4 : 3)) {
	case 0:
		return NULL;
	case 1:
		return h->noaccess;
	case 2:
		return (void *)0xffff888000000000UL;	/* the kernel's */
	default:
		return h->rdonly;
	}
}

/*
 * Any answer, valid or not: every vector below 34 among the injections,
 * those mvmm refuses (NMI, reserved ones, and #BP, #OF and #VC, which KVM
 * would lose or deliver after the instruction) included.
 */
static void hs_answer(struct hs *h, struct mvmm_answer *a)
{
	memset(a, 0, sizeof(*a));
	switch (rnd(&h->r, 6)) {
	case 0:
	case 1:
		a->action = MVMM_ACT_HANDLED;
		a->value = rng_u64(&h->r);
		if (chance(&h->r, 20))
			a->gpr_mask = 1U << rnd(&h->r, 17);
		break;
	case 2:
		a->action = MVMM_ACT_MAIN;
		break;
	case 3:
		a->action = MVMM_ACT_INJECT;
		a->vector = rnd(&h->r, 34);
		a->has_error_code = chance(&h->r, 80) ?
				    mvmm_vector_has_error_code(a->vector) :
				    rnd(&h->r, 3);
		if (a->has_error_code || chance(&h->r, 5))
			a->error_code = rng_u64(&h->r);
		break;
	default:
		rnd_bytes(&h->r, a, sizeof(*a));
		if (chance(&h->r, 50))
			a->action = rnd(&h->r, 4);
		if (chance(&h->r, 50))
			a->reserved = 0;
		break;
	}
}

/* Names an attach must refuse; "fz\xe9": the kernel's isalnum() takes it. */
static const char *const bad_names[] = { "", "main", "a/b", "a b", "fz\xe9" };

/*
 * A valid attach of this file, but for what @bad spoils (0: nothing).
 * @ok: what a new file gets; *@late: the fault is found only after the
 * file was checked for an attach already made (EBUSY comes first then).
 */
static void hs_attach_args(struct hs *h, struct mvmm_attach *a, int bad,
			   uint32_t *ok, bool *late)
{
	static const uint32_t timeouts[] = { 0, 1, 5, 20, 50 };
	static const uint32_t polls[] = { 0, 1, 10, 100 };
	static const uint32_t obs[] = { 0, 1, 2, 8, 64 };
	uint32_t k = rnd(&h->r, 4);
	const char *name;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = k == 0 ? MVMM_ATTACH_POLL : k == 1 ? MVMM_ATTACH_NOSPIN : 0;
	a->vm_fd = h->vm_fd;
	a->eventfd = a->flags & MVMM_ATTACH_POLL ? -1 : h->efd;
	a->timeout_ms = timeouts[rnd(&h->r, ARRAY_SIZE(timeouts))];
	a->poll_us = a->flags & MVMM_ATTACH_NOSPIN ? 0 :
		     polls[rnd(&h->r, ARRAY_SIZE(polls))];
	a->obs_entries = obs[rnd(&h->r, ARRAY_SIZE(obs))];
	name = chance(&h->r, 85) ? SEC_NAME : SPARE_NAME;
	/*
	 * Until VM A's rules name it, SEC_NAME must have been registered:
	 * a rule may only name a handler the module has seen.
	 */
	if (!__atomic_load_n(&h->shm->ready, __ATOMIC_ACQUIRE))
		name = SEC_NAME;
	snprintf(a->name, sizeof(a->name), "%s", name);
	*ok = R_SUCCESS;
	*late = bad == 7 || bad >= 12;

	switch (bad) {
	case 0:
		return;
	case 1:
		a->size += chance(&h->r, 50) ? 8 : -4;
		break;
	case 2:
		a->flags |= 1U << (2 + rnd(&h->r, 30));
		break;
	case 3:
		a->reserved = rng_u64(&h->r) | 1;
		break;
	case 4:
		a->flags = MVMM_ATTACH_POLL | MVMM_ATTACH_NOSPIN;
		a->eventfd = -1;
		break;
	case 5:
		a->flags = MVMM_ATTACH_NOSPIN;
		a->eventfd = h->efd;
		a->poll_us = 1 + rnd(&h->r, MVMM_POLL_MAX_US);
		break;
	case 6:
		memset(a->name, 'n', sizeof(a->name));
		break;
	case 7:
		snprintf(a->name, sizeof(a->name), "%s",
			 bad_names[rnd(&h->r, ARRAY_SIZE(bad_names))]);
		break;
	case 8:
		a->timeout_ms = MVMM_TIMEOUT_MAX_MS + 1 + rnd(&h->r, 1000);
		break;
	case 9:
		a->poll_us = MVMM_POLL_MAX_US + 1 + rnd(&h->r, 1000);
		a->flags &= ~MVMM_ATTACH_NOSPIN;
		break;
	case 10:
		a->obs_entries = (uint32_t)PICK(&h->r, 3, 1000,
						MVMM_OBS_MAX * 2, UINT32_MAX);
		break;
	case 11:	/* polling with an eventfd, eventfd mode without one */
		a->flags ^= MVMM_ATTACH_POLL;
		a->flags &= ~MVMM_ATTACH_NOSPIN;
		break;
	case 12:	/* a VM fd that is no VM */
		a->vm_fd = (int)PICK(&h->r, h->pipe_rd, h->devnull, h->efd,
				     h->fd);
		break;
	case 13:
		a->vm_fd = h->closed_fd;
		*ok = R_EBADF;
		return;
	case 14:	/* an eventfd that is none */
		a->flags &= ~MVMM_ATTACH_POLL;
		a->eventfd = h->pipe_rd;
		break;
	default:
		a->flags &= ~MVMM_ATTACH_POLL;
		a->eventfd = h->closed_fd;
		*ok = R_EBADF;
		return;
	}
	*ok = R_EINVAL;
}

#define HS_BAD_KINDS	16

static void hs_probe_unattached(struct hs *h)
{
	struct mvmm_reply r = {};
	struct mvmm_ustats st;
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	char buf[sizeof(struct mvmm_request)];
	void *m;
	int err;
	long ret;

	h->shm->probes++;
	ret = hs_ioctl(h, MVMM_IOC_ANSWER, (unsigned long)&r, &err);
	hs_expect(h, "unattached ANSWER", ret, err, R_ENOTCONN);
	ret = hs_ioctl(h, MVMM_IOC_KICK, 0, &err);
	hs_expect(h, "unattached KICK", ret, err, R_ENOTCONN);
	ret = hs_ioctl(h, MVMM_IOC_STATS, (unsigned long)&st, &err);
	hs_expect(h, "unattached STATS", ret, err, R_ENOTCONN);
	ret = read(h->fd, buf, sizeof(buf));
	hs_expect(h, "unattached read", ret, errno, R_ENOTCONN);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, h->fd, 0);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	hs_expect(h, "unattached mmap", m == MAP_FAILED ? -1 : 0, errno,
		  R_ENOTCONN);
	if (poll(&p, 1, 0) != 1 || p.revents != POLLERR)
		hs_bad(h, "unattached poll: revents %#x", p.revents);
}

static void hs_detach(struct hs *h)
{
	if (h->ring)
		munmap(h->ring, h->ring_size);
	if (h->fd >= 0)
		close(h->fd);
	h->ring = NULL;
	h->fd = -1;
}

/* Open /dev/mvmm and attach it to VM A, after a few refused attaches. */
static bool hs_attach(struct hs *h)
{
	struct mvmm_attach a;
	const struct mvmm_ring *rg;
	uint32_t ok, obs;
	int err, i, n;
	bool late;
	long ret;

	h->fd = open("/dev/mvmm", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (h->fd < 0) {
		hs_bad(h, "open /dev/mvmm: %s", strerror(errno));
		return false;
	}
	if (chance(&h->r, 30))
		hs_probe_unattached(h);
	n = rnd(&h->r, 3);
	for (i = 0; i < n; i++) {
		int bad = 1 + rnd(&h->r, HS_BAD_KINDS - 1);
		char what[80];

		hs_attach_args(h, &a, bad, &ok, &late);
		snprintf(what, sizeof(what), "bad attach %d (name %.8s)", bad,
			 a.name);
		ret = hs_ioctl(h, MVMM_IOC_ATTACH, (unsigned long)&a, &err);
		hs_expect(h, what, ret, err, ok);
		h->shm->bad_attaches++;
		/* Attached by mistake: a bad attach must not be taken. */
		if (ret >= 0) {
			close(h->fd);
			h->fd = open("/dev/mvmm", O_RDWR | O_CLOEXEC |
				     O_NONBLOCK);
		}
	}
	if (chance(&h->r, 10)) {
		/*
		 * Unreadable; or a good attach, read-only: the handler is
		 * registered, then its copy back fails, and nothing stays.
		 */
		ret = hs_ioctl(h, MVMM_IOC_ATTACH, (unsigned long)
			       (chance(&h->r, 50) ? bad_ptr(h, false) :
				h->rdonly), &err);
		hs_expect(h, "attach from a bad pointer", ret, err, R_EFAULT);
	}
	hs_attach_args(h, &a, 0, &ok, &late);
	ret = hs_ioctl(h, MVMM_IOC_ATTACH, (unsigned long)&a, &err);
	if (hs_expect(h, "attach", ret, err, R_SUCCESS) != R_SUCCESS)
		return false;
	h->shm->attaches++;
	h->poll_mode = a.flags & MVMM_ATTACH_POLL;
	h->nr_slots = a.nr_slots;
	h->ring_size = a.mmap_size;
	obs = a.obs_entries ?: MVMM_OBS_DEFAULT;
	if (a.vm_id != h->shm->vm_id || !a.nr_slots || !a.mmap_size ||
	    a.mmap_size % getpagesize())
		hs_bad(h, "attach: vm %u (not %u), %u slots, mmap_size %llu",
		       a.vm_id, h->shm->vm_id, a.nr_slots,
		       (unsigned long long)a.mmap_size);
	h->ring = mmap(NULL, h->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       h->fd, 0);
	if (h->ring == MAP_FAILED) {
		h->ring = NULL;
		hs_bad(h, "mmap of the ring: %s", strerror(errno));
		return false;
	}
	rg = h->ring;
	if (rg->version != MVMM_RING_VERSION || rg->nr_slots != a.nr_slots ||
	    rg->slot_size < sizeof(struct mvmm_slot) ||
	    rg->slots_offset < sizeof(struct mvmm_ring) ||
	    rg->obs_entries != obs ||
	    rg->obs_offset < rg->slots_offset +
			     (uint64_t)rg->nr_slots * rg->slot_size ||
	    rg->obs_offset + (uint64_t)obs * sizeof(struct mvmm_request) >
	    h->ring_size || rg->flags)
		hs_bad(h, "a new ring: version %u slots %u size %u at %u, obs %u at %u, flags %#x",
		       rg->version, rg->nr_slots, rg->slot_size,
		       rg->slots_offset, rg->obs_entries, rg->obs_offset,
		       rg->flags);
	h->slot_size = rg->slot_size;
	h->slots_offset = rg->slots_offset;
	h->obs_offset = rg->obs_offset;
	h->obs_entries = rg->obs_entries;
	h->obs_scribbled = false;
	memset(&h->st, 0, sizeof(h->st));
	h->next_cycle = now_ms() + 500 + rnd(&h->r, 1500);
	return true;
}

static struct mvmm_slot *hs_slot(struct hs *h, uint32_t i)
{
	return (void *)((uint8_t *)h->ring + h->slots_offset +
			(size_t)i * h->slot_size);
}

/* Random bytes on every writable part of the ring. */
static void hs_scribble(struct hs *h)
{
	int n = 1 + rnd(&h->r, 8), i;

	h->shm->scribbles++;
	/*
	 * Only the slots' own fields leave the observe records alone: a
	 * scribbled obs_tail makes read() count the ring as full, and hand
	 * out records the kernel never wrote, as documented.
	 */
	for (i = 0; i < n; i++) {
		uint32_t idx = chance(&h->r, 80) ? 0 : rnd(&h->r, h->nr_slots);
		struct mvmm_slot *s = hs_slot(h, idx);
		uint8_t *base = (uint8_t *)h->ring;
		size_t off, len;
		uint64_t v;

		switch (rnd(&h->r, 10)) {
		case 0: {	/* a header field */
			static const uint8_t offs[] = {
				offsetof(struct mvmm_ring, version),
				offsetof(struct mvmm_ring, nr_slots),
				offsetof(struct mvmm_ring, slot_size),
				offsetof(struct mvmm_ring, slots_offset),
				offsetof(struct mvmm_ring, obs_entries),
				offsetof(struct mvmm_ring, obs_offset),
				offsetof(struct mvmm_ring, obs_head),
				offsetof(struct mvmm_ring, obs_tail),
				offsetof(struct mvmm_ring, obs_tail),
				offsetof(struct mvmm_ring, slots_used),
				offsetof(struct mvmm_ring, flags),
			};
			uint32_t x = rnd_edge(&h->r, 4);

			memcpy(base + offs[rnd(&h->r, ARRAY_SIZE(offs))], &x, 4);
			h->obs_scribbled = true;
			break;
		}
		case 1:
			v = rnd_edge(&h->r, 8);
			memcpy(base + offsetof(struct mvmm_ring, obs_dropped),
			       &v, 8);
			break;
		case 2:
			v = PICK(&h->r, MVMM_SLOT_IDLE, MVMM_SLOT_REQUEST,
				 MVMM_SLOT_ANSWER, 3, (uint32_t)rng_u64(&h->r));
			__atomic_store_n(&s->state, v, __ATOMIC_RELEASE);
			break;
		case 3:
			__atomic_store_n(&s->sleeping, rnd_edge(&h->r, 4),
					 __ATOMIC_RELAXED);
			break;
		case 4:
			__atomic_store_n(&s->seq, rnd_edge(&h->r, 8),
					 __ATOMIC_RELAXED);
			break;
		case 5:
			v = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
			__atomic_store_n(&s->ans_seq, chance(&h->r, 50) ? v :
					 v + rnd(&h->r, 3) - 1, __ATOMIC_RELAXED);
			break;
		case 6:
			hs_answer(h, &s->ans);
			if (chance(&h->r, 50)) {
				v = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
				s->ans_seq = v;
				__atomic_store_n(&s->state, MVMM_SLOT_ANSWER,
						 __ATOMIC_RELEASE);
			}
			break;
		case 7:
			rnd_bytes(&h->r, &s->req, sizeof(s->req));
			break;
		case 8:	/* an observe record */
			off = h->obs_offset + rnd(&h->r, h->obs_entries) *
			      sizeof(struct mvmm_request);
			rnd_bytes(&h->r, base + off,
				  sizeof(struct mvmm_request));
			h->obs_scribbled = true;
			break;
		default:	/* anywhere */
			len = 1 + rnd(&h->r, 64);
			off = rnd(&h->r, h->ring_size - len);
			rnd_bytes(&h->r, base + off, len);
			h->obs_scribbled = true;
			break;
		}
	}
}

/* Answer @ans to request @seq of slot @idx through MVMM_IOC_ANSWER. */
static void hs_ioctl_answer(struct hs *h, uint32_t idx, uint64_t seq,
			    const struct mvmm_event *ev,
			    const struct mvmm_answer *ans)
{
	struct mvmm_reply r = { .seq = seq, .vcpu_idx = idx, .ans = *ans };
	uint32_t ok, bit;
	int err;
	long ret;

	/*
	 * With the event the kernel posted, its verdict is known: EINVAL
	 * exactly for an answer kmod/core/answer.c refuses, unless the
	 * request timed out first (ESTALE).
	 */
	if (ev)
		ok = R_ESTALE | (mvmm_answer_check(ev, ans) == MVMM_ANSWER_OK ?
				 R_SUCCESS : R_EINVAL);
	else
		ok = R_ESTALE | R_SUCCESS | R_EINVAL;
	ret = hs_ioctl(h, MVMM_IOC_ANSWER, (unsigned long)&r, &err);
	bit = result_bit(ret, err);
	if (!(bit & ok))
		hs_bad(h, "ANSWER to a request %s: %ld (%s), expected mask %#x; seq %llu event type %u flags %#x size %u; answer action %u mask %#x vector %u has_error_code %u error_code %#x reserved %#x",
		       ev ? "read()" : "in the ring", ret,
		       ret < 0 ? strerror(err) : "success", ok,
		       (unsigned long long)seq, ev ? ev->type : 0,
		       ev ? ev->flags : 0, ev ? ev->size : 0, ans->action,
		       ans->gpr_mask, ans->vector, ans->has_error_code,
		       ans->error_code, ans->reserved);
	if (bit == R_SUCCESS)
		h->shm->ans_ok++;
	else if (bit == R_EINVAL)
		h->shm->ans_einval++;
	else if (bit == R_ESTALE)
		h->shm->ans_estale++;
	if (bit == R_EINVAL && ev && ans->action == MVMM_ACT_INJECT &&
	    ans->vector < ARRAY_SIZE(h->shm->ans_refused_vec) &&
	    !mvmm_vector_injectable(ans->vector))
		h->shm->ans_refused_vec[ans->vector]++;
}

/* Serve what waits in the slots, through the ring or by ioctl. */
static void hs_serve(struct hs *h)
{
	uint32_t i, n = h->nr_slots < 2 ? h->nr_slots : 2, state;
	struct mvmm_answer ans;
	struct mvmm_request req;
	struct mvmm_slot *s;
	uint64_t seq;
	int err;
	long ret;

	for (i = 0; i < n; i++) {
		s = hs_slot(h, i);
		state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (state != MVMM_SLOT_REQUEST)
			continue;
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		memcpy(&req, &s->req, sizeof(req));
		hs_answer(h, &ans);
		if (chance(&h->r, 40)) {
			hs_ioctl_answer(h, i, seq, NULL, &ans);
			continue;
		}
		h->shm->ring_answers++;
		s->ans = ans;
		s->ans_seq = chance(&h->r, 90) ? seq : seq + 1;
		__atomic_compare_exchange_n(&s->state, &state, MVMM_SLOT_ANSWER,
					    false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&s->sleeping, __ATOMIC_RELAXED)) {
			ret = hs_ioctl(h, MVMM_IOC_KICK, i, &err);
			hs_expect(h, "KICK of a sleeping vCPU", ret, err, R_SUCCESS);
			h->shm->kicks++;
		}
	}
}

/* read(): sizes, buffers; then answers to what came, by ioctl. */
static void hs_read(struct hs *h)
{
	static const size_t sz = sizeof(struct mvmm_request);
	size_t len = (size_t)PICK(&h->r, 0, 1, sz - 1, sz, 2 * sz + 5,
				  16 * sz, 20 * sz);
	bool bad = chance(&h->r, 10);
	struct mvmm_answer ans;
	ssize_t ret, i;

	h->shm->reads++;
	ret = read(h->fd, bad ? bad_ptr(h, true) : (void *)h->recs, len);
	/* The VFS refuses a buffer outside user memory by itself. */
	if (bad) {
		hs_expect(h, "read() into a bad buffer", ret, errno,
			  R_EFAULT | R_EAGAIN | (len < sz ? R_EINVAL : 0));
		return;
	}
	if (len < sz) {
		hs_expect(h, "read() of less than a record", ret, errno,
			  R_EINVAL);
		return;
	}
	if (hs_expect(h, "read()", ret, errno, R_SUCCESS | R_EAGAIN) != R_SUCCESS)
		return;
	if (ret <= 0 || ret % sz || ret > (ssize_t)(16 * sz) ||
	    ret > (ssize_t)len) {
		hs_bad(h, "read() of %zu bytes returned %zd", len, ret);
		return;
	}
	for (i = 0; i < ret / (ssize_t)sz; i++) {
		const struct mvmm_request *q = &h->recs[i];

		h->shm->records++;
		/*
		 * A request's seq and ev are the kernel's own, the rest is
		 * copied from its slot; observe records come whole from the
		 * observe ring. Both are the secondary's to scribble on, so
		 * only what it left alone can be checked.
		 */
		if (q->flags & MVMM_REQF_OBSERVE) {
			if (!h->obs_scribbled &&
			    (q->ev.type != MVMM_EV_IO ||
			     q->ev.qual != A_OBS_PORT ||
			     !(q->ev.flags & MVMM_EVF_WRITE)))
				hs_bad(h, "read(): an observe copy of type %u qual %#llx flags %#x",
				       q->ev.type,
				       (unsigned long long)q->ev.qual,
				       q->ev.flags);
			continue;
		}
		if (!h->obs_scribbled &&
		    (!q->seq ||
		     !((q->ev.type == MVMM_EV_IO && q->ev.qual == A_PORT &&
			!(q->ev.flags & MVMM_EVF_WRITE)) ||
		       (q->ev.type == MVMM_EV_MMIO &&
			q->ev.qual - UG_MMIO_GPA < 4096 &&
			!(q->ev.flags & MVMM_EVF_WRITE)))))
			hs_bad(h, "read(): a request seq %llu type %u qual %#llx flags %#x",
			       (unsigned long long)q->seq, q->ev.type,
			       (unsigned long long)q->ev.qual, q->ev.flags);
		if (chance(&h->r, 70)) {
			hs_answer(h, &ans);
			/* VM A has one vCPU: its slot is 0. */
			hs_ioctl_answer(h, 0, q->seq, &q->ev, &ans);
		}
	}
}

/*
 * MVMM_IOC_MEM_READ anywhere, and MVMM_IOC_MEM_WRITE only where it must
 * fail (above every memslot, or refused arguments): the guest's memory
 * stays as it is.
 */
static void hs_mem(struct hs *h)
{
	static uint8_t buf[MVMM_MEM_MAX];
	bool write = chance(&h->r, 30);
	struct mvmm_mem m;
	uint32_t ok;
	void *p = buf;
	long ret;
	int err;

	m.gpa = PICK(&h->r, 0, 0x1000, 4095, UG_MMIO_GPA, 1ULL << 40,
		     UINT64_MAX - 7, rng_u64(&h->r));
	m.len = (uint32_t)PICK(&h->r, 0, 1, 8, 4096, 4097, MVMM_MEM_MAX,
			       MVMM_MEM_MAX + 1, UINT32_MAX,
			       1 + rnd(&h->r, MVMM_MEM_MAX));
	m.flags = chance(&h->r, 80) ? 0 : (uint32_t)rnd_edge(&h->r, 4);
	m.reserved = chance(&h->r, 80) ? 0 : rnd_edge(&h->r, 8);
	if (chance(&h->r, 20))
		p = bad_ptr(h, !write);
	m.addr = (uint64_t)(uintptr_t)p;
	if (write)
		m.gpa |= 1ULL << 52;
	if (!m.len || m.len > MVMM_MEM_MAX || m.flags || m.reserved)
		ok = R_EINVAL;
	else if (write)		/* the buffer is copied in first */
		ok = p == buf ? R_ENOENT : R_EFAULT;
	else			/* the guest's memory first, then the buffer */
		ok = (p == buf ? R_SUCCESS : R_EFAULT) | R_ENOENT | R_EIO;
	ret = hs_ioctl(h, write ? MVMM_IOC_MEM_WRITE : MVMM_IOC_MEM_READ,
		       (unsigned long)&m, &err);
	h->shm->mem++;
	if (hs_expect(h, write ? "MEM_WRITE" : "MEM_READ", ret, err, ok) ==
	    R_SUCCESS)
		h->shm->mem_read++;
}

/* An ioctl of every kind, with random arguments. */
static void hs_ioctl_random(struct hs *h)
{
	struct mvmm_attach a;
	struct mvmm_ustats st;
	struct mvmm_reply r;
	unsigned long idx, cmd;
	uint32_t ok, type;
	bool late;
	int err;
	long ret;

	switch (rnd(&h->r, 8)) {
	case 0:		/* ANSWER, random */
		r.seq = chance(&h->r, 50) ? rnd(&h->r, 64) : rnd_edge(&h->r, 8);
		r.vcpu_idx = (uint32_t)PICK(&h->r, 0, 0, 1, h->nr_slots - 1,
					    h->nr_slots, UINT32_MAX,
					    (uint32_t)rng_u64(&h->r));
		r.flags = chance(&h->r, 80) ? 0 : rnd_edge(&h->r, 4);
		hs_answer(h, &r.ans);
		if (r.flags || r.vcpu_idx >= h->nr_slots)
			ok = R_EINVAL;
		else if (!r.seq)
			ok = R_ESTALE;
		else if (r.seq < (1ULL << 32))	/* maybe the live one */
			ok = R_ESTALE | R_SUCCESS | R_EINVAL;
		else
			ok = R_ESTALE;
		ret = hs_ioctl(h, MVMM_IOC_ANSWER, (unsigned long)&r, &err);
		if (hs_expect(h, "ANSWER, random", ret, err, ok) == R_SUCCESS)
			h->shm->ans_ok++;
		break;
	case 1:
		ret = hs_ioctl(h, MVMM_IOC_ANSWER,
			       (unsigned long)bad_ptr(h, false), &err);
		hs_expect(h, "ANSWER from a bad pointer", ret, err, R_EFAULT);
		break;
	case 2:
		idx = (unsigned long)PICK(&h->r, 0, h->nr_slots - 1,
					  h->nr_slots, ~0UL, 1UL << 32,
					  rng_u64(&h->r));
		ret = hs_ioctl(h, MVMM_IOC_KICK, idx, &err);
		hs_expect(h, "KICK", ret, err,
			  idx < h->nr_slots ? R_SUCCESS : R_EINVAL);
		h->shm->kicks++;
		break;
	case 3:
		h->shm->stats++;
		if (chance(&h->r, 20)) {
			ret = hs_ioctl(h, MVMM_IOC_STATS,
				       (unsigned long)bad_ptr(h, true), &err);
			hs_expect(h, "STATS to a bad pointer", ret, err,
				  R_EFAULT);
			break;
		}
		ret = hs_ioctl(h, MVMM_IOC_STATS, (unsigned long)&st, &err);
		if (hs_expect(h, "STATS", ret, err, R_SUCCESS) != R_SUCCESS)
			break;
		/* Counters since this attach: they only grow. */
		if (st.posted < h->st.posted || st.signals < h->st.signals ||
		    st.spun < h->st.spun || st.slept < h->st.slept ||
		    st.sleeps < h->st.sleeps || st.kicks < h->st.kicks ||
		    (h->poll_mode && st.signals))
			hs_bad(h, "STATS went back: posted %llu signals %llu kicks %llu",
			       (unsigned long long)st.posted,
			       (unsigned long long)st.signals,
			       (unsigned long long)st.kicks);
		h->st = st;
		break;
	case 4:		/* ATTACH again: checked, then busy */
		if (chance(&h->r, 20)) {
			ret = hs_ioctl(h, MVMM_IOC_ATTACH,
				       (unsigned long)bad_ptr(h, false), &err);
			hs_expect(h, "second attach, bad pointer", ret, err,
				  R_EFAULT);
			break;
		}
		hs_attach_args(h, &a, chance(&h->r, 50) ? 0 :
			       1 + rnd(&h->r, HS_BAD_KINDS - 1), &ok, &late);
		ret = hs_ioctl(h, MVMM_IOC_ATTACH, (unsigned long)&a, &err);
		hs_expect(h, "second attach", ret, err,
			  ok == R_SUCCESS || late ? R_EBUSY : ok);
		break;
	case 7:		/* guest memory */
		hs_mem(h);
		break;
	default:	/* no such ioctl */
		h->shm->unknown++;
		if (chance(&h->r, 70)) {
			do {
				cmd = _IOC(rnd(&h->r, 4), MVMM_IOC_MAGIC,
					   rnd(&h->r, 256),
					   rnd(&h->r, 1 << 14));
			} while (cmd == MVMM_IOC_ATTACH ||
				 cmd == MVMM_IOC_ANSWER ||
				 cmd == MVMM_IOC_KICK || cmd == MVMM_IOC_STATS ||
				 cmd == MVMM_IOC_IRQ_LINE ||
				 cmd == MVMM_IOC_MSI ||
				 cmd == MVMM_IOC_MEM_READ ||
				 cmd == MVMM_IOC_MEM_WRITE);
		} else {
			/*
			 * Not the numbers the VFS answers itself for any
			 * file (FIONBIO, FIFREEZE, FS_IOC_SETFLAGS ...):
			 * they would change /dev, not ask mvmm.
			 */
			do {
				cmd = (uint32_t)rng_u64(&h->r);
				type = _IOC_TYPE(cmd);
			} while (type == 0 || type == 'T' || type == 'X' ||
				 type == 'f' || type == 0x94 ||
				 type == MVMM_IOC_MAGIC);
		}
		ret = hs_ioctl(h, cmd, (unsigned long)bad_ptr(h, true), &err);
		hs_expect(h, "unknown ioctl", ret, err, R_ENOTTY);
		break;
	}
}

static void hs_mmap(struct hs *h)
{
	size_t pg = getpagesize(), len = h->ring_size;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	uint32_t ok = R_SUCCESS;
	off_t off = 0;
	uint8_t *m;

	h->shm->mmaps++;
	switch (rnd(&h->r, 6)) {
	case 0:
		len = pg;
		prot = PROT_READ;
		break;
	case 1:
		len += pg;
		ok = R_EINVAL;
		break;
	case 2:
		off = pg;
		len = pg;
		ok = R_EINVAL;
		break;
	case 3:		/* private: writes make copies */
		flags = MAP_PRIVATE;
		break;
	default:
		break;
	}
	m = mmap(NULL, len, prot, flags, h->fd, off);
	if (hs_expect(h, "mmap", m == MAP_FAILED ? -1 : 0, errno, ok) != R_SUCCESS)
		return;
	/* The same pages as the ring mapped at attach, in a shared map. */
	if (flags == MAP_SHARED &&
	    memcmp(m, h->ring, offsetof(struct mvmm_ring, obs_head)))
		hs_bad(h, "a second shared map shows another ring");
	if (prot & PROT_WRITE) {
		m[rnd(&h->r, len)] ^= 0x5a;
		h->obs_scribbled |= flags == MAP_SHARED;
	}
	munmap(m, len);
}

static int hs_main(int sock, void *p, void *arg)
{
	struct hs_shm *shm = p;
	struct pollfd pf;
	struct hs h = { .shm = shm, .fd = -1 };
	int pipefd[2];
	uint64_t v;
	long pg = getpagesize();

	rng_seed(&h.r, shm->seed);
	h.vm_fd = mvmm_recv_fd(sock);
	h.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	h.noaccess = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	h.rdonly = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h.vm_fd < 0 || h.efd < 0 || h.devnull < 0 || pipe(pipefd) ||
	    h.noaccess == MAP_FAILED || h.rdonly == MAP_FAILED) {
		shm->err = -errno;
		__atomic_store_n(&shm->ready, 2, __ATOMIC_RELEASE);
		return 1;
	}
	h.pipe_rd = pipefd[0];
	/* A descriptor number that is not open, and high: never reused. */
	h.closed_fd = 1000;
	close(h.closed_fd);
	/* A good attach the kernel can read but not write back. */
	{
		uint32_t ok;
		bool late;

		hs_attach_args(&h, h.rdonly, 0, &ok, &late);
		mprotect(h.rdonly, pg, PROT_READ);
	}

	while (!__atomic_load_n(&shm->stop, __ATOMIC_ACQUIRE)) {
		uint32_t k;

		if (h.fd < 0) {
			if (!hs_attach(&h)) {
				hs_detach(&h);
				return 1;
			}
			__atomic_store_n(&shm->ready, 1, __ATOMIC_RELEASE);
			continue;
		}
		shm->ops++;
		k = rnd(&h.r, 100);
		if (k < 30) {
			hs_scribble(&h);
		} else if (k < 55) {
			hs_serve(&h);
		} else if (k < 65) {
			hs_read(&h);
		} else if (k < 82) {
			hs_ioctl_random(&h);
		} else if (k < 86) {
			hs_mmap(&h);
		} else if (k < 90) {
			pf.fd = h.fd;
			pf.events = POLLIN | POLLOUT | POLLPRI;
			shm->polls++;
			/* VM A lives on: nothing but readable data to say. */
			if (poll(&pf, 1, 0) < 0 ||
			    pf.revents & ~(POLLIN | POLLRDNORM))
				hs_bad(&h, "poll: revents %#x", pf.revents);
		} else if (k < 93) {
			if (read(h.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				hs_bad(&h, "eventfd read: %s", strerror(errno));
		} else if (now_ms() >= h.next_cycle) {
			/* Close with requests waiting: they take the fallback. */
			hs_detach(&h);
		} else {
			sched_yield();
		}
	}
	hs_detach(&h);
	return 0;
}

/* ---- VM A: every exit completed once ------------------------------------ */

/* How the faults the secondary injected reached VM A's guest. */
struct guest_exc {
	uint64_t fault[32];	/* at the instruction: it did not happen */
	uint64_t trap[32];	/* after it: the instruction was skipped */
};

static struct guest_exc *vma_exc;	/* a guest global */

/*
 * Every vector: the library's own fixup takes neither #DE (vector 0 would
 * read as "no fault") nor a fault reported after the instruction, as KVM
 * would deliver the "soft" exceptions #BP and #OF (it advances RIP past
 * the instruction that exited, taking it for INT3 or INTO), were they
 * not refused. Only an IN may get one (MMIO accesses cannot): anything
 * else is a stray fault, and the guest fails. A fault after the IN, or
 * a vector mvmm refuses to inject at all, fails the test at the end.
 */
static MVMM_GUEST_ENTRY void vma_exc_handler(struct ex_regs *regs)
{
	uint64_t v = regs->vector & 31;

	GUEST_ASSERT_2(regs->r9 == KVM_EXCEPTION_MAGIC &&
		       regs->rip - regs->r10 <= 2, regs->vector, regs->rip);
	if (regs->rip == regs->r10)
		vma_exc->fault[v]++;
	else
		vma_exc->trap[v]++;
	regs->rip = regs->r11;
	regs->r9 = regs->vector;
}

struct vma_ctl {
	struct ug_vm *c;
	pthread_t thread;
	uint32_t stop;
	uint64_t commands, iters, user, completed, faults, last_ms;
	uint64_t bad;
	char bad_msg[600];
};

/*
 * One command of A_ITERS accesses: an IN or an MMIO read routed (sync) to
 * the hostile secondary, or an OUT it observes. The VM's counters must
 * say that each access was routed once and then completed either by mvmm
 * (the secondary's answer, or a fault it injected) or by KVM, in which
 * case it came here as KVM_EXIT_IO or KVM_EXIT_MMIO: nothing lost, nothing
 * done twice, whatever the secondary did to its ring.
 */
static void vma_command(struct vma_ctl *v, struct mvmm_rsk *rsk, uint64_t k)
{
	struct mvmm_nl *nl = mvmm_rsk_nl(rsk);
	struct mvmm_handler_info h0, h1;
	static const uint64_t sizes[] = { 1, 2, 4, 8 };
	struct ug_cmd cmd = { .n = A_ITERS };
	struct mvmm_vm_info *b, *a;
	struct ug_vm *c = v->c;
	uint64_t routed, completed, user, faults = 0;
	uint32_t type;
	int i, ret;

	b = calloc(2, sizeof(*b));
	a = b + 1;
	switch (k % 3) {
	case 0:
		cmd.op = UG_IN;
		cmd.arg = A_PORT;
		cmd.size = sizes[k / 3 % 3];
		type = MVMM_EV_IO;
		break;
	case 1:
		cmd.op = UG_MMIO_RD;
		cmd.size = sizes[k / 3 % 4];
		cmd.arg = UG_MMIO_GPA + 8 * (k / 3 % 16);
		type = MVMM_EV_MMIO;
		break;
	default:
		cmd.op = UG_OUT;
		cmd.arg = A_OBS_PORT;
		cmd.size = 4;
		cmd.val = k;
		type = MVMM_EV_IO;
		break;
	}
	ret = mvmm_nl_get(nl, 1, c->id, b);
	TEST_ASSERT(!ret, "GET_STATS of VM A: %s", strerror(-ret));
	mvmm_ut_uh(rsk, SEC_NAME, &h0);
	ug_start(c, &cmd);
	ug_run(c, false);
	ret = mvmm_nl_get(nl, 1, c->id, a);
	TEST_ASSERT(!ret, "GET_STATS of VM A: %s", strerror(-ret));
	mvmm_ut_uh(rsk, SEC_NAME, &h1);

	routed = a->routed[type] - b->routed[type];
	completed = a->completed[type] - b->completed[type];
	user = cmd.op == UG_IN ? c->user_in : cmd.op == UG_OUT ? c->user_out :
	       c->user_mmio_rd;
	for (i = 1; i < 32; i++)
		faults += c->sh->vec[i];
	if (c->sh->done != A_ITERS || routed != A_ITERS ||
	    (cmd.op == UG_OUT ? completed || user != A_ITERS :
	     completed + user != A_ITERS) || faults > completed ||
	    (cmd.op != UG_IN && faults)) {
		v->bad++;
		snprintf(v->bad_msg, sizeof(v->bad_msg),
			 "command %lu (op %d size %lu): %lu done, routed %lu, completed by mvmm %lu, to this program %lu, faults %lu (of %d); KVM_RUN -EINTR %lu; %s: events +%lu handled +%lu to_main +%lu injected +%lu fallback +%lu invalid +%lu timeouts +%lu restarts +%lu observed +%lu",
			 k, cmd.op, cmd.size, c->sh->done, routed, completed,
			 user, faults, A_ITERS, c->eintr, SEC_NAME,
			 h1.events - h0.events, h1.handled - h0.handled,
			 h1.to_main - h0.to_main, h1.injected - h0.injected,
			 h1.fallback - h0.fallback, h1.invalid - h0.invalid,
			 h1.timeouts - h0.timeouts, h1.restarts - h0.restarts,
			 h1.observed - h0.observed);
	}
	v->iters += c->sh->done;
	v->user += user;
	v->completed += completed;
	v->faults += faults;
	free(b);
}

static void *vma_thread(void *arg)
{
	struct vma_ctl *v = arg;
	struct mvmm_rsk *rsk = mvmm_ut_rsk_open();
	uint64_t k;

	for (k = 0; !__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE) && !v->bad;
	     k++) {
		vma_command(v, rsk, k);
		__atomic_store_n(&v->commands, k + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&v->last_ms, now_ms(), __ATOMIC_RELEASE);
	}
	mvmm_rsk_close(rsk);
	return NULL;
}

/* ---- VM B: fuzzed tables on live exits ----------------------------------- */

struct vmb_shared {
	uint64_t iters;
	uint64_t vec[32];
};

/* Guest globals of each VM B. */
static struct vmb_shared *vmb_sh;
static bool vmb_amd;

static void vmb_count(uint8_t vector)
{
	vmb_sh->vec[vector & 31]++;
}

/*
 * Every kind of exit the rules of VM B's table may route, answer or
 * deny, in a loop, each wrapped so that a fault (injected, or a deny)
 * lands after it. Never a ucall: a rule may take any port.
 */
static MVMM_GUEST_ENTRY void vmb_guest(void)
{
	uint64_t a, r[4], v = 0, p;
	uint8_t vec;

	for (;;) {
		vmb_count(mvmm_safe_in(B_PORT, 1, 0, &a));
		vmb_count(mvmm_safe_out(B_PORT + 1, 4, a));
		vmb_count(rdmsr_safe(B_MSR, &v));
		vmb_count(wrmsr_safe(B_MSR, v));
		vmb_count(mvmm_safe_cpuid(B_LEAF, 0, r));
		vmb_count(mvmm_safe_hypercall(vmb_amd, B_HC, 0, r));
		p = B_MMIO_GPA + (vmb_sh->iters & 0xff) * 8;
		asm volatile(KVM_ASM_SAFE("movq (%%rsi), %%rax")
			     : "=a"(a), KVM_ASM_SAFE_OUTPUTS(vec)
			     : "S"(p) : KVM_ASM_SAFE_CLOBBERS, "memory");
		vmb_count(vec);
		vmb_count(kvm_asm_safe("movl %%eax, (%%rsi)", "a"((uint32_t)a),
				       "S"(p + 4)));
		vmb_count(kvm_asm_safe("ud2"));
		vmb_sh->iters++;
	}
}

struct vmb_ctl {
	pthread_t thread;
	uint32_t stop;
	uint32_t id;		/* the live VM B's mvmm id, 0: none */
	uint32_t vm_a;
	uint32_t done;		/* the thread ended */
	uint64_t vms, iters, eintr, io, mmio, stray;
	uint64_t ended[64];	/* VMs by how they ended: exit reasons */
	int err;		/* an unexpected KVM_RUN errno */
};

static void on_tick(int sig)
{
}

static void vmb_block(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Run one VM B until it is time for the next: 0, or its exit reason. */
static int vmb_run(struct vmb_ctl *v, struct mvmm_nl *nl)
{
	struct kvm_vcpu *vcpu;
	struct mvmm_vm_info info;
	struct vmb_shared *sh;
	struct kvm_vm *vm;
	struct kvm_run *run;
	uint64_t end = now_ms() + B_ROTATE_MS;
	vm_vaddr_t gva;
	int ret, why = 0;

	vm = vm_create_with_one_vcpu(&vcpu, vmb_guest);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu);
	gva = vm_vaddr_alloc_page(vm);
	sh = addr_gva2hva(vm, gva);
	memset(sh, 0, getpagesize());
	vmb_sh = (struct vmb_shared *)gva;
	sync_global_to_guest(vm, vmb_sh);
	vmb_amd = is_amd_cpu();
	sync_global_to_guest(vm, vmb_amd);
	virt_pg_map(vm, B_MMIO_GPA, B_MMIO_GPA);
	run = vcpu->run;

	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE) &&
	       now_ms() < end) {
		vmb_block(false);
		ret = __vcpu_run(vcpu);
		vmb_block(true);
		if (!v->id &&
		    !mvmm_nl_find_vm(nl, getpid(), &v->vm_a, 1, &info))
			__atomic_store_n(&v->id, info.id, __ATOMIC_RELEASE);
		if (ret < 0) {
			if (errno == EINTR) {
				v->eintr++;
				continue;
			}
			v->err = errno;
			why = 63;
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			/* A fault outside the wrapped accesses: it ucalls. */
			if (run->io.port == UG_UCALL_PORT) {
				v->stray++;
				why = KVM_EXIT_IO;
				break;
			}
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset((uint8_t *)run + run->io.data_offset,
				       0x5a, run->io.size * run->io.count);
			v->io++;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
			v->mmio++;
			continue;
		}
		/* A shutdown, say: a rule may legitimately end a guest. */
		why = run->exit_reason < 62 ? run->exit_reason : 62;
		break;
	}
	__atomic_store_n(&v->id, 0, __ATOMIC_RELEASE);
	v->iters += sh->iters;
	kvm_vm_free(vm);
	return why;
}

static void *vmb_thread(void *arg)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1,
	};
	struct itimerspec its = {
		.it_interval = { 0, B_TICK_NS }, .it_value = { 0, B_TICK_NS },
	};
	struct vmb_ctl *v = arg;
	struct mvmm_nl *nl;
	timer_t timer;

	/* Signals end KVM_RUN only: the rest of the thread keeps them out. */
	vmb_block(true);
	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "netlink: %s", strerror(errno));
	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &timer) &&
		    !timer_settime(timer, 0, &its, NULL),
		    "timer: %s", strerror(errno));
	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
		v->ended[vmb_run(v, nl)]++;
		v->vms++;
		if (v->err)
			break;
	}
	timer_delete(timer);
	mvmm_nl_close(nl);
	__atomic_store_n(&v->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Join @t within @ms: false if it did not end. */
static bool join_within(pthread_t t, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	return !pthread_timedjoin_np(t, NULL, &ts);
}

/* ---- the run ------------------------------------------------------------- */

static struct mvmm_rsk *cleanup_rsk;

/* Leave no fuzzed rule in the default table, whatever ended the test. */
static void cleanup(void)
{
	struct mvmm_msg m;
	size_t i;

	if (getpid() != main_pid || !cleanup_rsk)
		return;
	mvmm_rule_flush(cleanup_rsk, MVMM_TABLE_DEFAULT, NULL);
	/* Their names stay taken; their members and rules do not. */
	for (i = 0; i < ARRAY_SIZE(group_names); i++) {
		mvmm_msg_init(&m, mvmm_rsk_family(cleanup_rsk),
			      MVMM_CMD_GROUP_DEL, 0);
		mvmm_msg_nest(&m, MVMM_A_GROUP);
		mvmm_msg_put_str(&m, MVMM_A_GROUP_NAME, group_names[i]);
		mvmm_msg_nest_end(&m);
		mvmm_rsk_talk(cleanup_rsk, &m, NULL, NULL, NULL);
	}
	cleanup_rsk = NULL;
}

static void usage(const char *prog)
{
	fprintf(stderr, "%s [-s SEED] [-t SECONDS] [-n REQUESTS] [-v]\n",
		prog);
	exit(KSFT_FAIL);
}

static void parse_args(int argc, char **argv)
{
	const char *env = getenv("MVMM_FUZZ_SEED");
	int opt;

	opt_seed = env ? strtoull(env, NULL, 0) :
		   (uint64_t)time(NULL) * 2654435761ULL ^ getpid();
	while ((opt = getopt(argc, argv, "s:t:n:v")) != -1) {
		switch (opt) {
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			opt_seconds = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt_requests = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			opt_verbose = true;
			break;
		default:
			usage(argv[0]);
		}
	}
}

/* The groups that group templates name: one exists from the start. */
static void add_group(struct gen *g, struct nlsock *s, struct fz_req *q,
		      struct fz_wire *w)
{
	struct fz_out o;
	int grp, members, m;

	req_init(q, g->family, MVMM_CMD_GROUP_ADD, false);
	grp = nest(q, -1, MVMM_A_GROUP);
	put_str(q, grp, MVMM_A_GROUP_NAME, S_NONE, group_names[0]);
	members = nest(q, grp, MVMM_A_GROUP_MEMBERS);
	m = nest(q, members, MVMM_A_GROUP_MEMBER);
	put_str(q, m, MVMM_A_MEMBER_NAME, S_NONE, SEC_NAME);
	TEST_ASSERT(nl_exec(s, q, w, &o), "GROUP_ADD: %s", verr);
	TEST_ASSERT(!o.error || o.error == -EEXIST,
		    "Expected GROUP_ADD %s to work, got %s (%s)", group_names[0],
		    strerror(-o.error), o.msg);
}

/*
 * Names are [a-zA-Z0-9_.-] (Documentation/secondary.rst): a Latin-1
 * letter, which the kernel's isalnum() counts as one, is refused in a
 * handler name (attach) and a group name (GROUP_ADD). Once taken, a name
 * stays until mvmm is unloaded.
 */
static bool check_names(struct gen *g, struct nlsock *s, struct fz_req *q,
			struct fz_wire *w, int vm_fd)
{
	struct mvmm_attach a = {
		.size = sizeof(a), .flags = MVMM_ATTACH_POLL, .vm_fd = vm_fd,
		.eventfd = -1, .name = "fz\xe9",
	};
	int fd, ret, err, grp, members, m;
	struct fz_out o;

	fd = open("/dev/mvmm", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open /dev/mvmm: %s", strerror(errno));
	ret = ioctl(fd, MVMM_IOC_ATTACH, &a);
	err = errno;
	close(fd);
	printf("# attach as \"fz\\xe9\": %s\n", ret ? strerror(err) : "attached");

	req_init(q, g->family, MVMM_CMD_GROUP_ADD, false);
	grp = nest(q, -1, MVMM_A_GROUP);
	put_str(q, grp, MVMM_A_GROUP_NAME, S_NONE, "fz-g\xe9");
	members = nest(q, grp, MVMM_A_GROUP_MEMBERS);
	m = nest(q, members, MVMM_A_GROUP_MEMBER);
	put_str(q, m, MVMM_A_MEMBER_NAME, S_NONE, SEC_NAME);
	TEST_ASSERT(nl_exec(s, q, w, &o), "GROUP_ADD: %s", verr);
	printf("# GROUP_ADD \"fz-g\\xe9\": %s, \"%s\"\n",
	       o.error ? strerror(-o.error) : "added", o.msg);
	return ret == -1 && err == EINVAL && o.error == -EINVAL && o.has_msg;
}

/* mvmmctl vm list pid PID: it works and lists VM A. */
static bool mvmmctl_lists(uint32_t vm_id)
{
	char cmd[128], line[256];
	unsigned int id, pid;
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mvmmctl vm list pid %d 2>&1", getpid());
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		printf("#   %s", line);
		if (sscanf(line, "%u %u", &id, &pid) == 2 && id == vm_id &&
		    pid == (unsigned int)getpid())
			found = true;
	}
	return !pclose(f) && found;
}

static void report_netlink(void)
{
	uint64_t module = 0;
	int i;

	printf("# netlink: %lu requests: %lu accepted, %lu refused, %lu unanswered (as allowed); %lu replies, %lu dumps interrupted; %lu notifications, %lu lost\n",
	       nls.requests, nls.ok, nls.refused, nls.unanswered, nls.replies,
	       nls.intr, nls.notifications, nls.notif_lost);
	printf("# the slowest request: %lu ms, %s\n", nls.slowest_ms,
	       nls.slowest);
	printf("# refusals by errno:");
	for (i = 0; i < (int)ARRAY_SIZE(nls.by_errno); i++)
		if (nls.by_errno[i])
			printf(" %s %lu", strerrorname_np(i) ?: "?",
			       nls.by_errno[i]);
	printf("\n");
	for (i = 0; i < nls.nbare; i++) {
		const struct bare *b = &nls.bare[i];

		printf("# refused without an extack message, %s: %s %s x%lu, e.g. %s\n",
		       b->core ? "by the genetlink core" : "by the module",
		       cmd_name(b->cmd), strerrorname_np(-b->err) ?: "?", b->n,
		       b->example);
		if (!b->core)
			module += b->n;
	}
	ksft_test_result(!nls.failures,
			 "netlink: every answer well formed, errors and offsets valid, changes announced\n");
	ksft_test_result(!module,
			 "netlink: every refusal by the module has an extack message\n");
}

#define NR_CHECKS	7

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_tick };
	struct mvmm_handler_info h_end;
	struct vma_ctl va = {};
	struct vmb_ctl vb = {};
	struct mvmm_handler_info hinfo[32];
	struct mvmm_rule_info r;
	struct mvmm_ut_sec x = {};
	struct nlsock s, mon;
	struct mvmm_rsk *rsk;
	struct mvmm_ack ack;
	struct hs_shm *shm;
	struct mvmm_sp sp;
	struct mvmm_nl *nl;
	struct guest_exc *exc;
	struct fz_wire *w;
	struct fz_req *q;
	vm_vaddr_t gva;
	struct gen g = {};
	uint64_t t0, t_end, last_check = 0;
	bool ok, child_ok, vma_ok, vmb_ok, exc_bad;
	int ret, n, i, status;

	parse_args(argc, argv);
	setbuf(stdout, NULL);
	main_pid = getpid();
	printf("# seed %#llx (replay: -s %#llx), %u s%s\n",
	       (unsigned long long)opt_seed, (unsigned long long)opt_seed,
	       opt_seconds, opt_requests ? ", bounded requests" : "");
	/* No SA_RESTART: the tick must end VM B's KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction: %s",
		    strerror(errno));
	rng_seed(&g.r, opt_seed);
	rxbuf = malloc(RXBUF_SIZE);
	q = malloc(sizeof(*q));
	w = malloc(sizeof(*w));
	TEST_ASSERT(rxbuf && q && w, "malloc");

	rsk = mvmm_ut_rsk_open();
	nl = mvmm_rsk_nl(rsk);
	ret = mvmm_nl_mcgrp(nl, MVMM_GENL_MCGRP_EVENTS);
	TEST_ASSERT(ret > 0, "Expected the mvmm family's events group, got %s",
		    strerror(-ret));
	g.family = mvmm_nl_family(nl);
	nls_open(&s, 0);
	nls_open(&mon, ret);

	/* Fuzzed default rules would reach every VM made from now on. */
	n = mvmm_rule_dump(rsk, MVMM_TABLE_DEFAULT, &r, 1, NULL);
	TEST_ASSERT(n == 0,
		    "Expected an empty default table to start from, got %d rules",
		    n);
	cleanup_rsk = rsk;
	atexit(cleanup);

	/* VM A and its hostile secondary. */
	va.c = ug_vm_start(NULL, 0);
	g.vm_a = va.c->id;
	gva = vm_vaddr_alloc_page(va.c->vm);
	exc = addr_gva2hva(va.c->vm, gva);
	memset(exc, 0, sizeof(*exc));
	vma_exc = (struct guest_exc *)gva;
	sync_global_to_guest(va.c->vm, vma_exc);
	for (i = 0; i < 32; i++)
		vm_install_exception_handler(va.c->vm, i, vma_exc_handler);
	ret = mvmm_sp_fork(&sp, sizeof(*shm), hs_main, NULL);
	TEST_ASSERT(!ret, "fork: %s", strerror(-ret));
	shm = sp.shm;
	shm->seed = opt_seed ^ 0x5ec0dda7aULL;
	shm->vm_id = va.c->id;
	ret = mvmm_send_fd(sp.sock, ug_vm_fd(va.c));
	TEST_ASSERT(!ret, "Expected to pass VM A's fd, got %s", strerror(-ret));
	t0 = now_ms();
	while (!__atomic_load_n(&shm->ready, __ATOMIC_ACQUIRE) &&
	       now_ms() - t0 < 30000)
		usleep(1000);
	TEST_ASSERT(shm->ready == 1,
		    "Expected the hostile secondary to attach, got %s (%s)",
		    shm->ready ? strerror(-shm->err) : "nothing in 30 s",
		    shm->bad ? shm->bad_msg[0] : "");
	mvmm_ut_rule_add(rsk, va.c->id, MVMM_EV_IO, A_PORT, A_PORT,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, SEC_NAME);
	mvmm_ut_rule_add(rsk, va.c->id, MVMM_EV_MMIO, UG_MMIO_GPA,
			 UG_MMIO_GPA + 0xfff, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, SEC_NAME);
	mvmm_ut_rule_add(rsk, va.c->id, MVMM_EV_IO, A_OBS_PORT, A_OBS_PORT,
			 MVMM_MODE_OBSERVE, MVMM_FALLBACK_MAIN, SEC_NAME);

	/* Names the templates use: every handler the module knows. */
	n = mvmm_handler_dump(rsk, hinfo, ARRAY_SIZE(hinfo));
	TEST_ASSERT(n > 0, "handler dump: %d", n);
	for (i = 0; i < n && i < (int)ARRAY_SIZE(hinfo) &&
	     g.nhandlers < (int)ARRAY_SIZE(g.handlers); i++)
		if (strcmp(hinfo[i].name, SEC_NAME))
			snprintf(g.handlers[g.nhandlers++],
				 sizeof(g.handlers[0]), "%.31s", hinfo[i].name);
	add_group(&g, &s, q, w);

	ksft_print_header();
	ksft_set_plan(NR_CHECKS);
	ksft_test_result(check_names(&g, &s, q, w, ug_vm_fd(va.c)),
			 "names: a Latin-1 letter is refused in a handler and a group name\n");

	/* What the setup announced. */
	check_notifications(&g, &mon, q, w, NULL);

	vb.vm_a = va.c->id;
	pthread_create(&va.thread, NULL, vma_thread, &va);
	pthread_create(&vb.thread, NULL, vmb_thread, &vb);

	t0 = now_ms();
	t_end = t0 + opt_seconds * 1000ULL;
	va.last_ms = t0;
	while (now_ms() < t_end &&
	       (!opt_requests || nls.requests < opt_requests)) {
		g.vm_b = __atomic_load_n(&vb.id, __ATOMIC_ACQUIRE);
		fuzz_one(&g, &s, &mon, q, w);
		if (now_ms() - last_check < 1000)
			continue;
		last_check = now_ms();
		if (last_check - __atomic_load_n(&va.last_ms,
						 __ATOMIC_ACQUIRE) > A_STALL_MS ||
		    va.bad || waitpid(sp.pid, &status, WNOHANG) ||
		    __atomic_load_n(&vb.done, __ATOMIC_ACQUIRE))
			break;
	}
	printf("# fuzzed for %lu ms\n", now_ms() - t0);

	/* Stop: VM B, then the secondary (waiting exits fall back), VM A. */
	__atomic_store_n(&vb.stop, 1, __ATOMIC_RELEASE);
	vmb_ok = join_within(vb.thread, 60000);
	__atomic_store_n(&shm->stop, 1, __ATOMIC_RELEASE);
	t0 = now_ms();
	while (!(ret = waitpid(sp.pid, &status, WNOHANG)) &&
	       now_ms() - t0 < 30000)
		usleep(10000);
	child_ok = ret == sp.pid && WIFEXITED(status) && !WEXITSTATUS(status);
	if (!ret) {
		mvmm_sp_kill(&sp);
		printf("# the hostile secondary did not stop: killed\n");
	}
	__atomic_store_n(&va.stop, 1, __ATOMIC_RELEASE);
	vma_ok = join_within(va.thread, 120000);
	TEST_ASSERT(vma_ok, "Expected VM A's vCPU thread to end its command within 120 s");

	report_netlink();

	printf("# hostile secondary: %lu ops, %lu attaches (%lu refused ones), %lu scribbles, %lu ring answers, ioctl answers %lu taken %lu EINVAL %lu ESTALE, %lu kicks, %lu stats, %lu reads (%lu records), %lu mmaps, %lu polls, %lu unknown ioctls, %lu unattached probes\n",
	       shm->ops, shm->attaches, shm->bad_attaches, shm->scribbles,
	       shm->ring_answers, shm->ans_ok, shm->ans_einval,
	       shm->ans_estale, shm->kicks, shm->stats, shm->reads,
	       shm->records, shm->mmaps, shm->polls, shm->unknown,
	       shm->probes);
	printf("# hostile secondary: %lu guest memory ioctls, %lu reads that copied\n",
	       shm->mem, shm->mem_read);
	for (i = 0; i < (int)ARRAY_SIZE(shm->ans_refused_vec); i++)
		if (shm->ans_refused_vec[i])
			printf("# hostile secondary: injecting vector %d refused (EINVAL) %lu times\n",
			       i, shm->ans_refused_vec[i]);
	for (i = 0; i < (int)ARRAY_SIZE(shm->bad_msg) && shm->bad_msg[i][0];
	     i++)
		printf("# hostile secondary: unexpected: %s\n", shm->bad_msg[i]);
	ksft_test_result(child_ok && !shm->bad && shm->ops && shm->attaches,
			 "/dev/mvmm: every ioctl, read, mmap and poll of the hostile secondary got a documented result (exit status %#x, %lu unexpected)\n",
			 status, shm->bad);

	mvmm_ut_uh(rsk, SEC_NAME, &h_end);
	printf("# VM A: %lu commands, %lu accesses: %lu completed by mvmm (%lu faults injected), %lu passed to this program\n",
	       va.commands, va.iters, va.completed, va.faults, va.user);
	printf("# %s: events %lu handled %lu to_main %lu injected %lu fallback %lu (invalid %lu, timeouts %lu) observed %lu dropped %lu outstanding %u attached %u\n",
	       SEC_NAME, h_end.events, h_end.handled, h_end.to_main,
	       h_end.injected, h_end.fallback, h_end.invalid, h_end.timeouts,
	       h_end.observed, h_end.dropped, h_end.outstanding,
	       h_end.attached);
	exc_bad = false;
	for (i = 0; i < 32; i++) {
		if (!exc->fault[i] && !exc->trap[i])
			continue;
		printf("# VM A: vector %d injected: %lu at the IN, %lu after it (the IN skipped)\n",
		       i, exc->fault[i], exc->trap[i]);
		/* a vector mvmm refuses (#BP, #OF, #VC...) may not arrive */
		if (exc->trap[i] || !mvmm_vector_injectable(i))
			exc_bad = true;
	}
	if (va.bad)
		printf("# VM A: %s\n", va.bad_msg);
	ok = !va.bad && !exc_bad && va.commands >= 3 && !h_end.outstanding &&
	     !h_end.attached &&
	     h_end.events >= h_end.handled + h_end.to_main + h_end.injected +
			     h_end.fallback + h_end.observed + h_end.dropped;
	ksft_test_result(ok, "VM A: every routed exit completed once, by the secondary or the fallback, no refused vector injected; %lu commands\n",
			 va.commands);

	printf("# VM B: %lu VMs, %lu guest loops, %lu exits to this program (%lu IO, %lu MMIO), %lu KVM_RUN interrupted, %lu stray faults\n",
	       vb.vms, vb.iters, vb.io + vb.mmio, vb.io, vb.mmio, vb.eintr,
	       vb.stray);
	for (i = 1; i < (int)ARRAY_SIZE(vb.ended); i++)
		if (vb.ended[i])
			printf("# VM B: %lu VMs ended early: %s\n", vb.ended[i],
			       i == 63 ? "KVM_RUN error" : exit_reason_str(i));
	ksft_test_result(vmb_ok && !vb.err && vb.vms,
			 "VM B: fuzzed tables applied to live exits, vCPU always back from KVM_RUN (%s)\n",
			 vb.err ? strerror(vb.err) : "no error");

	/* The module is still usable. */
	ret = mvmm_rule_flush(rsk, MVMM_TABLE_DEFAULT, &ack);
	TEST_ASSERT(!ret, "Expected the default table's flush to work, got %s (%s)",
		    strerror(-ret), ack.msg);
	cleanup();
	memset(&r, 0, sizeof(r));
	r.type = MVMM_EV_IO;
	r.lo = r.hi = A_ANS_PORT;
	r.answer = MVMM_RULE_ANSWER_FIXED;
	r.value = A_ANS_VALUE;
	ret = mvmm_rule_add(rsk, va.c->id, &r, NULL, &ack);
	TEST_ASSERT(!ret, "Expected an answer rule for VM A, got %s (%s)",
		    strerror(-ret), ack.msg);
	ug_cmd("answer rule", va.c, &(struct ug_cmd){
		.op = UG_IN, .n = 4, .arg = A_ANS_PORT, .size = 4,
		.exp = { A_ANS_VALUE }, .nexp = 1 });
	TEST_ASSERT(!va.c->user_in,
		    "Expected the answer rule to complete every IN, %lu came here",
		    va.c->user_in);
	mvmm_ut_start(&x, va.c, SEC_NAME, 0, 20000, MVMM_SP_RINGPATH);
	mvmm_ut_step(rsk, va.c, &x, SEC_NAME, "served IN", &(struct ug_cmd){
		.op = UG_IN, .n = 8, .arg = A_PORT, .size = 4,
		.exp = { ug_in_rax(4, MVMM_SP_IN(A_PORT)) }, .nexp = 1 },
		MVMM_EV_IO);
	mvmm_ut_step(rsk, va.c, &x, SEC_NAME, "served MMIO read",
		     &(struct ug_cmd){ .op = UG_MMIO_RD, .n = 8,
				       .arg = UG_MMIO_GPA, .size = 8,
				       .exp = { MVMM_SP_MMIO_INIT(0) },
				       .nexp = 1 },
		     MVMM_EV_MMIO);
	mvmm_ut_quit(&x);
	ksft_test_result(mvmmctl_lists(va.c->id),
			 "after: an answer rule and a served secondary reach VM A's guest, mvmmctl vm list shows it\n");

	ug_vm_stop(va.c);
	mvmm_sp_free(&sp);
	mvmm_rsk_close(rsk);
	close(s.fd);
	close(mon.fd);
	ksft_print_cnts();
	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	ksft_exit_pass();
}

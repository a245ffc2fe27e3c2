// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-registered answers (rule target "answer", MVMM_A_RULE_ANSWER), seen
 * from the guest.
 *
 * The guest runs commands the host writes into a shared page, N times
 * each: CPUID, RDMSR/WRMSR (fault-safe), IN of 1, 2 and 4 bytes, OUT,
 * MMIO reads of 1, 2, 4 and 8 bytes and a write, a hypercall. It keeps the
 * last iteration's registers and counts iterations that differ from the
 * first one (every iteration must see the same answer). The host:
 *
 *  1. records KVM's own results with no rule (and the IO and MMIO exits
 *     that reach this program, which answers them with a known pattern);
 *  2. adds answer rules on the VM's table and checks that the guest sees
 *     exactly the answers: fixed CPUID registers, KVM's registers under
 *     AND/OR masks (per subleaf), MSR read values (also for an MSR KVM
 *     does not know), dropped MSR writes, IN values by size (RAX above
 *     the size kept, or zero-extended for 4 bytes), REP INSB answered
 *     element by element, dropped OUTs, MMIO
 *     read values by size, a hypercall's RAX; that nothing reached this
 *     program, and that each answer's hit counter (ANSWER_HITS in the
 *     dump) moved by exactly the guest's events; and the directions an
 *     answer does not cover (OUT without ignore, MMIO write without
 *     ignore) still reach this program;
 *  3. checks the dump: every answer comes back as it was given, and a
 *     dumped rule sent back (HITS included) is accepted;
 *  4. deletes the rules and sees KVM's results again;
 *  5. sends malformed answer rules: each refused with its errno, extended
 *     ACK message and blamed attribute, and the table is unchanged.
 *
 * mvmm.ko must be loaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_ucall.h"

#define N		50		/* iterations per command */
#define RAX_FILL	0x5a5a5a5a5a5a5a5aULL
#define USER_IN_VAL	0x11223344U	/* this program's IN answer */
#define USER_MMIO_VAL	0x0102030405060708ULL
#define UCALL_PORT	0x1000
#define PORT_A		0x7a0		/* answer value + ignore */
#define PORT_B		0x7a1		/* answer value only */
#define MMIO_GPA	0xc0000000ULL	/* no memslot */
#define MMIO_GVA	0xc0000000ULL
/* Two more unbacked pages, one rule over both: page-crossing accesses. */
#define MMIO_X_GPA	(MMIO_GPA + 0x1000)
#define MMIO_X_VAL	0x8877665544332211ULL
#define MMIO_PAGES	3
#define MSR_UCODE_REV	0x8b		/* KVM answers reads */
#define MSR_UNKNOWN	0x1234		/* KVM injects #GP */
#define HCALL_NR	0x4242		/* KVM: -KVM_ENOSYS */
#define GP_VECTOR_NR	13

enum op {
	OP_NONE, OP_CPUID, OP_RDMSR, OP_WRMSR, OP_IN, OP_OUT, OP_MMIO_RD,
	OP_MMIO_WR, OP_HCALL, OP_INSB, OP_MMIO_RD4_AT, OP_MMIO_WR4_AT,
};

struct shared {
	uint64_t op, a, b, n;		/* host: the command */
	uint64_t out[4];		/* guest: the last iteration's */
	uint64_t first[4];		/* guest: the first iteration's */
	uint64_t vector;		/* guest: its fault, 0 if none */
	uint64_t last_vector;		/* guest: the last iteration's */
	uint64_t differ;		/* guest: iterations unlike the first */
	uint64_t done;
};

static struct shared *guest_sh;
static bool is_amd;
static uint8_t guest_ins_buf[8];

static uint8_t guest_one(struct shared *s, uint64_t *o)
{
	uint64_t rax = RAX_FILL, v = 0;
	void *p = (void *)MMIO_GVA;
	uint32_t a, b, c, d;
	uint8_t vec = 0;

	switch (s->op) {
	case OP_CPUID:
		a = s->a;
		c = s->b;
		b = d = 0;
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		o[0] = a;
		o[1] = b;
		o[2] = c;
		o[3] = d;
		break;
	case OP_RDMSR:
		vec = rdmsr_safe(s->a, &v);
		o[0] = vec ? 0 : v;	/* a fault leaves EDX:EAX as they were */
		break;
	case OP_WRMSR:
		vec = wrmsr_safe(s->a, s->b);
		break;
	case OP_IN:
		if (s->b == 1)
			asm volatile("inb %w1, %%al" : "+a"(rax) : "d"(s->a));
		else if (s->b == 2)
			asm volatile("inw %w1, %%ax" : "+a"(rax) : "d"(s->a));
		else
			asm volatile("inl %w1, %%eax" : "+a"(rax) : "d"(s->a));
		o[0] = rax;
		break;
	case OP_OUT:
		asm volatile("outb %%al, %w1" : : "a"(0x5a), "d"(s->a));
		break;
	case OP_MMIO_RD:
		/* One access of that size each: READ_ONCE(). */
		if (s->b == 1)
			o[0] = READ_ONCE(*(uint8_t *)p);
		else if (s->b == 2)
			o[0] = READ_ONCE(*(uint16_t *)p);
		else if (s->b == 4)
			o[0] = READ_ONCE(*(uint32_t *)p);
		else
			o[0] = READ_ONCE(*(uint64_t *)p);
		break;
	case OP_MMIO_WR:
		WRITE_ONCE(*(uint32_t *)p, 0xfeedf00d);
		break;
	case OP_MMIO_RD4_AT:
		/* 4 bytes at offset @a, which may cross a page. */
		o[0] = READ_ONCE(*(uint32_t *)(p + s->a));
		break;
	case OP_MMIO_WR4_AT:
		WRITE_ONCE(*(uint32_t *)(p + s->a), 0xfeedf00d);
		break;
	case OP_INSB: {
		/* REP INSB of 4 bytes: KVM emulates it element by element. */
		uint8_t *dst = guest_ins_buf;
		uint64_t cnt = 4;

		memset(guest_ins_buf, 0, sizeof(guest_ins_buf));
		asm volatile("rep insb" : "+D"(dst), "+c"(cnt) : "d"(s->a)
			     : "memory");
		memcpy(&v, guest_ins_buf, sizeof(v));
		o[0] = v;
		o[1] = cnt;
		break;
	}
	case OP_HCALL:
		rax = s->a;
		if (is_amd)
			asm volatile("vmmcall" : "+a"(rax)
				     : "b"(0UL), "c"(0UL), "d"(0UL), "S"(0UL)
				     : "memory");
		else
			asm volatile("vmcall" : "+a"(rax)
				     : "b"(0UL), "c"(0UL), "d"(0UL), "S"(0UL)
				     : "memory");
		o[0] = rax;
		break;
	}
	return vec;
}

static MVMM_GUEST_ENTRY void guest_code(void)
{
	struct shared *s = guest_sh;
	uint64_t first[4], o[4];
	uint8_t vec = 0, vec0;
	uint64_t i;

	for (;;) {
		GUEST_SYNC(0);
		s->differ = 0;
		vec0 = 0;
		for (i = 0; i < READ_ONCE(s->n); i++) {
			memset(o, 0, sizeof(o));
			vec = guest_one(s, o);
			if (!i) {
				memcpy(first, o, sizeof(o));
				vec0 = vec;
			} else if (memcmp(first, o, sizeof(o)) || vec != vec0) {
				s->differ++;
			}
		}
		memcpy(s->out, o, sizeof(o));
		memcpy(s->first, first, sizeof(first));
		s->vector = vec0;
		s->last_vector = vec;
		s->done = i;
	}
}

struct ctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct shared *sh;
	struct mvmm_rsk *s;
	uint32_t id;
	/* Exits that reached this program during the last command. */
	uint64_t user_in, user_out, user_mmio_rd, user_mmio_wr;
};

static void user_io(struct ctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t v = USER_IN_VAL;

	TEST_ASSERT((run->io.port == PORT_A || run->io.port == PORT_B) &&
		    run->io.count == 1,
		    "Unexpected IO exit: port %#x count %u", run->io.port,
		    run->io.count);
	if (run->io.direction == KVM_EXIT_IO_IN) {
		memcpy(data, &v, run->io.size);
		c->user_in++;
	} else {
		c->user_out++;
	}
}

static void user_mmio(struct ctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	uint64_t v = USER_MMIO_VAL;

	TEST_ASSERT(run->mmio.phys_addr >= MMIO_GPA &&
		    run->mmio.phys_addr < MMIO_GPA + MMIO_PAGES * 0x1000 &&
		    run->mmio.len <= 8,
		    "Unexpected MMIO exit: %#llx len %u", run->mmio.phys_addr,
		    run->mmio.len);
	if (run->mmio.is_write) {
		c->user_mmio_wr++;
	} else {
		memcpy(run->mmio.data, &v, run->mmio.len);
		c->user_mmio_rd++;
	}
}

static void run_to_sync(struct ctx *c)
{
	struct kvm_run *run = c->vcpu->run;

	for (;;) {
		vcpu_run(c->vcpu);
		if (run->exit_reason == KVM_EXIT_MMIO) {
			user_mmio(c);
			continue;
		}
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got %u (%s)", run->exit_reason,
			    exit_reason_str(run->exit_reason));
		if (run->io.port != UCALL_PORT) {
			user_io(c);
			continue;
		}
		mvmm_ucall_sync(c->vcpu);
		return;
	}
}

/* Run @op N times; the guest's last results are in c->sh->out. */
static void cmd(struct ctx *c, uint64_t op, uint64_t a, uint64_t b)
{
	struct shared *s = c->sh;

	memset(s, 0, sizeof(*s));
	s->op = op;
	s->a = a;
	s->b = b;
	s->n = N;
	c->user_in = c->user_out = c->user_mmio_rd = c->user_mmio_wr = 0;
	run_to_sync(c);
	TEST_ASSERT(s->done == N && !s->differ,
		    "op %lu(%#lx, %#lx): Expected %d alike iterations, got %lu done, %lu different (first: vector %lu, %#lx %#lx %#lx %#lx; last: vector %lu, %#lx %#lx %#lx %#lx)",
		    op, a, b, N, s->done, s->differ, s->vector, s->first[0],
		    s->first[1], s->first[2], s->first[3], s->last_vector,
		    s->out[0], s->out[1], s->out[2], s->out[3]);
}

/* --- netlink: answer rules, built by hand to blame attributes ---------- */

/* A CPUID register: given bits 1 value, 2 and, 4 or. */
struct areg {
	int given;
	uint32_t value, and, or;
};

struct arule {
	uint32_t type;
	uint64_t lo, hi;
	int has_value, ignore;
	uint64_t value;
	struct areg reg[4];
	uint64_t hits;		/* sent if non-zero: dumps carry it */
	/* For malformed requests. */
	const char *target;	/* RULE_TARGET besides the answer */
	int mode, fallback;	/* sent if non-zero */
	int empty_reg;		/* register empty_reg - 1 as an empty nest */
	int value_u16;		/* REG_VALUE of EAX as a u16 */
};

/* Offsets of what a request put, for the blamed-attribute checks. */
struct aoffs {
	uint32_t rule, answer, value, ignore, target, mode, fallback;
	uint32_t reg[4], reg_value[4], reg_and[4], reg_or[4];
};

static void put_answer_rule(struct mvmm_msg *m, uint32_t vm, uint32_t id,
			    const struct arule *r, struct aoffs *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm);
	o->rule = mvmm_msg_nest(m, MVMM_A_RULE);
	if (id)
		mvmm_msg_put_u32(m, MVMM_A_RULE_ID, id);
	mvmm_msg_put_u32(m, MVMM_A_RULE_TYPE, r->type);
	mvmm_msg_put_u64(m, MVMM_A_RULE_LO, r->lo);
	mvmm_msg_put_u64(m, MVMM_A_RULE_HI, r->hi);
	if (r->mode)
		o->mode = mvmm_msg_put_u8(m, MVMM_A_RULE_MODE, r->mode);
	if (r->fallback)
		o->fallback = mvmm_msg_put_u8(m, MVMM_A_RULE_FALLBACK,
					      r->fallback);
	if (r->target)
		o->target = mvmm_msg_put_str(m, MVMM_A_RULE_TARGET, r->target);
	o->answer = mvmm_msg_nest(m, MVMM_A_RULE_ANSWER);
	if (r->has_value)
		o->value = mvmm_msg_put_u64(m, MVMM_A_ANSWER_VALUE, r->value);
	if (r->ignore)
		o->ignore = mvmm_msg_put_flag(m, MVMM_A_ANSWER_IGNORE);
	for (i = 0; i < 4; i++) {
		const struct areg *g = &r->reg[i];
		uint16_t v16 = g->value;

		if (!g->given && !(r->value_u16 && !i) &&
		    r->empty_reg != i + 1)
			continue;
		o->reg[i] = mvmm_msg_nest(m, MVMM_A_ANSWER_EAX + i);
		if (r->value_u16 && !i)
			o->reg_value[i] = mvmm_msg_put(m, MVMM_A_ANSWER_REG_VALUE,
						       &v16, sizeof(v16));
		if (g->given & 1)
			o->reg_value[i] = mvmm_msg_put_u32(m, MVMM_A_ANSWER_REG_VALUE,
							   g->value);
		if (g->given & 2)
			o->reg_and[i] = mvmm_msg_put_u32(m, MVMM_A_ANSWER_REG_AND,
							 g->and);
		if (g->given & 4)
			o->reg_or[i] = mvmm_msg_put_u32(m, MVMM_A_ANSWER_REG_OR,
							g->or);
		mvmm_msg_nest_end(m);
	}
	if (r->hits)
		mvmm_msg_put_u64(m, MVMM_A_ANSWER_HITS, r->hits);
	mvmm_msg_nest_end(m);	/* ANSWER */
	mvmm_msg_nest_end(m);	/* RULE */
}

/* A rule as dumped: id, type, range, whether it has an answer, the answer. */
struct drule {
	uint32_t id, type;
	uint64_t lo, hi;
	int has_answer, has_target;
	struct arule ans;
	int has_hits;
};

static void parse_answer(const struct nlattr *nest, struct drule *d)
{
	const struct nlattr *a, *g;
	int rem, rem2, i;

	d->has_answer = 1;
	mvmm_nla_for_each_nested(a, rem, nest) {
		switch (mvmm_nla_type(a)) {
		case MVMM_A_ANSWER_VALUE:
			d->ans.has_value = 1;
			d->ans.value = mvmm_nla_uint(a);
			break;
		case MVMM_A_ANSWER_IGNORE:
			d->ans.ignore = 1;
			break;
		case MVMM_A_ANSWER_HITS:
			d->has_hits = 1;
			d->ans.hits = mvmm_nla_uint(a);
			break;
		case MVMM_A_ANSWER_EAX ... MVMM_A_ANSWER_EDX:
			i = mvmm_nla_type(a) - MVMM_A_ANSWER_EAX;
			mvmm_nla_for_each_nested(g, rem2, a) {
				switch (mvmm_nla_type(g)) {
				case MVMM_A_ANSWER_REG_VALUE:
					d->ans.reg[i].given |= 1;
					d->ans.reg[i].value = mvmm_nla_uint(g);
					break;
				case MVMM_A_ANSWER_REG_AND:
					d->ans.reg[i].given |= 2;
					d->ans.reg[i].and = mvmm_nla_uint(g);
					break;
				case MVMM_A_ANSWER_REG_OR:
					d->ans.reg[i].given |= 4;
					d->ans.reg[i].or = mvmm_nla_uint(g);
					break;
				}
			}
			break;
		}
	}
}

struct dump {
	struct drule r[32];
	int n;
};

static int dump_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *nla, *a;
	struct dump *dp = arg;
	struct drule *d;
	int rem, rem2;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (mvmm_nla_type(nla) != MVMM_A_RULE)
			continue;
		TEST_ASSERT(dp->n < 32, "Expected at most 32 rules");
		d = &dp->r[dp->n++];
		memset(d, 0, sizeof(*d));
		mvmm_nla_for_each_nested(a, rem2, nla) {
			switch (mvmm_nla_type(a)) {
			case MVMM_A_RULE_ID:
				d->id = mvmm_nla_uint(a);
				break;
			case MVMM_A_RULE_TYPE:
				d->type = mvmm_nla_uint(a);
				break;
			case MVMM_A_RULE_LO:
				d->lo = mvmm_nla_uint(a);
				break;
			case MVMM_A_RULE_HI:
				d->hi = mvmm_nla_uint(a);
				break;
			case MVMM_A_RULE_TARGET:
				d->has_target = 1;
				break;
			case MVMM_A_RULE_ANSWER:
				parse_answer(a, d);
				break;
			}
		}
	}
	return 0;
}

static void dump_table(struct ctx *c, struct dump *dp)
{
	struct mvmm_msg m;
	int ret;

	memset(dp, 0, sizeof(*dp));
	mvmm_msg_init(&m, mvmm_rsk_family(c->s), MVMM_CMD_GET_RULE, NLM_F_DUMP);
	mvmm_msg_put_u32(&m, MVMM_A_VM_ID, c->id);
	ret = mvmm_rsk_talk(c->s, &m, dump_cb, dp, NULL);
	TEST_ASSERT(!ret, "Expected a rule dump, got %s", strerror(-ret));
}

static const struct drule *find_rule(const struct dump *dp, uint32_t id)
{
	int i;

	for (i = 0; i < dp->n; i++)
		if (dp->r[i].id == id)
			return &dp->r[i];
	TEST_FAIL("Expected rule %u in the dump", id);
	return NULL;
}

static uint64_t hits(struct ctx *c, uint32_t id)
{
	struct dump dp;
	const struct drule *d;

	dump_table(c, &dp);
	d = find_rule(&dp, id);
	TEST_ASSERT(d->has_answer && d->has_hits,
		    "Expected rule %u to have an answer with ANSWER_HITS", id);
	return d->ans.hits;
}

/* Send @r (add or replace); the errno, @ack and *@id of an add. */
static int send_rule(struct ctx *c, uint8_t cmd_nr, const struct arule *r,
		     uint32_t id, struct aoffs *o, struct mvmm_ack *ack,
		     uint32_t *new_id)
{
	struct dump dp = {};
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(c->s), cmd_nr, 0);
	put_answer_rule(&m, c->id, id, r, o);
	ret = mvmm_rsk_talk(c->s, &m, dump_cb, &dp, ack);
	if (!ret && new_id && dp.n == 1)
		*new_id = dp.r[0].id;
	return ret;
}

static uint32_t add_rule(struct ctx *c, const struct arule *r)
{
	struct mvmm_ack ack;
	struct aoffs o;
	uint32_t id = 0;
	int ret;

	ret = send_rule(c, MVMM_CMD_RULE_ADD, r, 0, &o, &ack, &id);
	TEST_ASSERT(!ret && id, "Expected the answer rule (type %u, %#lx) to be added, got %s (%s)",
		    r->type, r->lo, strerror(-ret), ack.msg);
	return id;
}

static void del_rule(struct ctx *c, uint32_t id)
{
	struct mvmm_ack ack;
	int ret = mvmm_rule_del(c->s, c->id, id, &ack);

	TEST_ASSERT(!ret, "Expected rule %u to go, got %s (%s)", id,
		    strerror(-ret), ack.msg);
}

/* --- the checks --------------------------------------------------------- */

/* KVM's results, taken with no rule. */
struct base {
	uint64_t leaf1[4], leaf6[4], leaf_d0[4], leaf_d1[4], leaf_kvm[4];
	uint64_t leaf_kvmf[4];
	uint64_t ucode;
	uint64_t in[3];		/* sizes 1, 2, 4 */
	uint64_t hcall;
};

static const int in_sizes[3] = { 1, 2, 4 };

static void cpuid_into(struct ctx *c, uint32_t leaf, uint32_t sub,
		       uint64_t *out)
{
	cmd(c, OP_CPUID, leaf, sub);
	memcpy(out, c->sh->out, 4 * sizeof(*out));
}

/* What KVM (and this program, for IO and MMIO) give with no rule. */
static void check_kvm(struct ctx *c, struct base *b, bool record)
{
	uint64_t v[4];
	int i;

#define SAME_OR_RECORD(dst, src, what) do {				\
	if (record)							\
		memcpy(dst, src, sizeof(dst));				\
	else								\
		TEST_ASSERT(!memcmp(dst, src, sizeof(dst)),		\
			    "%s: Expected KVM's result again", what);	\
} while (0)

	cpuid_into(c, 1, 0, v);
	SAME_OR_RECORD(b->leaf1, v, "cpuid 1");
	cpuid_into(c, 6, 0, v);
	SAME_OR_RECORD(b->leaf6, v, "cpuid 6");
	cpuid_into(c, 0xd, 0, v);
	SAME_OR_RECORD(b->leaf_d0, v, "cpuid 0xd.0");
	cpuid_into(c, 0xd, 1, v);
	SAME_OR_RECORD(b->leaf_d1, v, "cpuid 0xd.1");
	cpuid_into(c, 0x40000000, 0, v);
	SAME_OR_RECORD(b->leaf_kvm, v, "cpuid 0x40000000");
	cpuid_into(c, 0x40000001, 0, v);
	SAME_OR_RECORD(b->leaf_kvmf, v, "cpuid 0x40000001");

	cmd(c, OP_RDMSR, MSR_UCODE_REV, 0);
	TEST_ASSERT(!c->sh->vector, "Expected KVM to answer RDMSR 0x8b");
	if (record)
		b->ucode = c->sh->out[0];
	else
		TEST_ASSERT(c->sh->out[0] == b->ucode,
			    "Expected KVM's MSR 0x8b again");
	cmd(c, OP_RDMSR, MSR_UNKNOWN, 0);
	TEST_ASSERT(c->sh->vector == GP_VECTOR_NR,
		    "Expected #GP from KVM on RDMSR %#x, got vector %lu",
		    MSR_UNKNOWN, c->sh->vector);
	cmd(c, OP_WRMSR, MSR_UNKNOWN, 1);
	TEST_ASSERT(c->sh->vector == GP_VECTOR_NR,
		    "Expected #GP from KVM on WRMSR %#x, got vector %lu",
		    MSR_UNKNOWN, c->sh->vector);

	for (i = 0; i < 3; i++) {
		uint64_t mask = in_sizes[i] == 4 ? ~0ULL :
				(1ULL << (8 * in_sizes[i])) - 1;
		uint64_t exp = in_sizes[i] == 4 ? USER_IN_VAL :
			       (RAX_FILL & ~mask) | (USER_IN_VAL & mask);

		cmd(c, OP_IN, PORT_A, in_sizes[i]);
		TEST_ASSERT(c->user_in == N && c->sh->out[0] == exp,
			    "IN%d without a rule: Expected %d exits here and %#lx, got %lu and %#lx",
			    in_sizes[i], N, exp, c->user_in, c->sh->out[0]);
	}
	cmd(c, OP_OUT, PORT_A, 0);
	TEST_ASSERT(c->user_out == N, "OUT without a rule: Expected %d exits here, got %lu",
		    N, c->user_out);
	cmd(c, OP_MMIO_RD, 0, 4);
	TEST_ASSERT(c->user_mmio_rd == N && c->sh->out[0] == (uint32_t)USER_MMIO_VAL,
		    "MMIO read without a rule: Expected %d exits here, got %lu (value %#lx)",
		    N, c->user_mmio_rd, c->sh->out[0]);
	cmd(c, OP_HCALL, HCALL_NR, 0);
	if (record)
		b->hcall = c->sh->out[0];
	TEST_ASSERT(c->sh->out[0] == (uint64_t)-1000,
		    "Expected -KVM_ENOSYS from KVM for hypercall %#x, got %#lx",
		    HCALL_NR, c->sh->out[0]);
#undef SAME_OR_RECORD
}

#define REG_VAL(v)	{ .given = 1, .value = (v) }
#define REG_AND(a)	{ .given = 2, .and = (a) }
#define REG_OR(o)	{ .given = 4, .or = (o) }
#define REG_AND_OR(a, o) { .given = 6, .and = (a), .or = (o) }

static const struct arule r_sig = {
	.type = MVMM_EV_CPUID, .lo = 0x40000000, .hi = 0x40000000,
	.reg = { REG_VAL(0x40000001), REG_VAL(0x6d6d766d), REG_VAL(0x6d6d766d),
		 REG_VAL(0x6d6d766d) },
};
/* Leaf 1: EAX fixed, ECX's SSE3 hidden and hypervisor bit set, EBX/EDX KVM's. */
static const struct arule r_leaf1 = {
	.type = MVMM_EV_CPUID, .lo = 1, .hi = 1,
	.reg = { REG_VAL(0x12345), {}, REG_AND_OR(~1U, 0x80000000U), {} },
};
/* Leaf 6: ECX's low bit hidden, nothing else. */
static const struct arule r_leaf6 = {
	.type = MVMM_EV_CPUID, .lo = 6, .hi = 6,
	.reg = { {}, {}, REG_AND(~1U), {} },
};
static const struct arule r_leafd = {
	.type = MVMM_EV_CPUID, .lo = 0xd, .hi = 0xd,
	.reg = { {}, {}, {}, REG_OR(0x40000000) },
};
static const struct arule r_kvmf = {
	.type = MVMM_EV_CPUID, .lo = 0x40000001, .hi = 0x40000001,
	.reg = { REG_AND_OR(~1U, 0x40000000) },
};
static const struct arule r_ucode = {
	.type = MVMM_EV_MSR_READ, .lo = MSR_UCODE_REV, .hi = MSR_UCODE_REV,
	.has_value = 1, .value = 0x1122334455667788ULL,
};
static const struct arule r_unk_rd = {
	.type = MVMM_EV_MSR_READ, .lo = MSR_UNKNOWN, .hi = MSR_UNKNOWN,
	.has_value = 1, .value = 0x42,
};
static const struct arule r_unk_wr = {
	.type = MVMM_EV_MSR_WRITE, .lo = MSR_UNKNOWN, .hi = MSR_UNKNOWN,
	.ignore = 1,
};
static const struct arule r_port_a = {
	.type = MVMM_EV_IO, .lo = PORT_A, .hi = PORT_A,
	.has_value = 1, .value = 0xa1b2c3d4, .ignore = 1,
};
static const struct arule r_port_b = {
	.type = MVMM_EV_IO, .lo = PORT_B, .hi = PORT_B,
	.has_value = 1, .value = 0x55,
};
static const struct arule r_mmio = {
	.type = MVMM_EV_MMIO, .lo = MMIO_GPA, .hi = MMIO_GPA + 0xfff,
	.has_value = 1, .value = 0x8877665544332211ULL,
};
/* Reads get MMIO_X_VAL, writes are dropped: nothing reaches the VMM. */
static const struct arule r_mmio_x = {
	.type = MVMM_EV_MMIO, .lo = MMIO_X_GPA, .hi = MMIO_X_GPA + 0x1fff,
	.has_value = 1, .value = MMIO_X_VAL, .ignore = 1,
};
static const struct arule r_hcall = {
	.type = MVMM_EV_HYPERCALL, .lo = HCALL_NR, .hi = HCALL_NR,
	.has_value = 1, .value = 0xdeadbeefcafeULL,
};

enum {
	R_SIG, R_LEAF1, R_LEAF6, R_LEAFD, R_KVMF, R_UCODE, R_UNK_RD, R_UNK_WR, R_PORT_A,
	R_PORT_B, R_MMIO, R_MMIO_X, R_HCALL, NR_RULES
};

static const struct arule *const rules[NR_RULES] = {
	&r_sig, &r_leaf1, &r_leaf6, &r_leafd, &r_kvmf, &r_ucode, &r_unk_rd, &r_unk_wr,
	&r_port_a, &r_port_b, &r_mmio, &r_mmio_x, &r_hcall,
};

/* Run a command and check the answer's hits moved by exactly N. */
#define HIT_CMD(c, ids, r, op, a, b) do {				\
	uint64_t h0 = hits(c, (ids)[r]);				\
	cmd(c, op, a, b);						\
	TEST_ASSERT(hits(c, (ids)[r]) - h0 == N,			\
		    "rule %d: Expected %d hits, got %lu", r, N,		\
		    hits(c, (ids)[r]) - h0);				\
} while (0)

static void check_cpuid(struct ctx *c, const uint32_t *ids,
			const struct base *b)
{
	uint64_t *o = c->sh->out;
	int i;

	HIT_CMD(c, ids, R_SIG, OP_CPUID, 0x40000000, 0);
	TEST_ASSERT(o[0] == 0x40000001 && o[1] == 0x6d6d766d &&
		    o[2] == 0x6d6d766d && o[3] == 0x6d6d766d,
		    "cpuid 0x40000000: Expected the fixed answer, got %#lx %#lx %#lx %#lx",
		    o[0], o[1], o[2], o[3]);

	HIT_CMD(c, ids, R_LEAF1, OP_CPUID, 1, 0);
	TEST_ASSERT(o[0] == 0x12345 && o[1] == b->leaf1[1] &&
		    o[2] == ((b->leaf1[2] & ~1ULL) | 0x80000000) &&
		    o[3] == b->leaf1[3],
		    "cpuid 1: Expected 0x12345, KVM's %#lx, (%#lx & ~1) | 0x80000000, KVM's %#lx; got %#lx %#lx %#lx %#lx",
		    b->leaf1[1], b->leaf1[2], b->leaf1[3], o[0], o[1], o[2], o[3]);
	/* The mask must have changed something, or it proves nothing. */
	TEST_ASSERT(o[2] != b->leaf1[2], "cpuid 1: Expected ECX unlike KVM's %#lx",
		    b->leaf1[2]);
	printf("# cpuid 1 ecx: KVM %#lx, answered %#lx\n", b->leaf1[2], o[2]);

	HIT_CMD(c, ids, R_LEAF6, OP_CPUID, 6, 0);
	TEST_ASSERT(o[0] == b->leaf6[0] && o[1] == b->leaf6[1] &&
		    o[2] == (b->leaf6[2] & ~1ULL) && o[3] == b->leaf6[3],
		    "cpuid 6: Expected KVM's registers with ECX & ~1, got %#lx %#lx %#lx %#lx",
		    o[0], o[1], o[2], o[3]);

	/* The masks apply to KVM's entry of the subleaf asked for. */
	for (i = 0; i < 2; i++) {
		const uint64_t *base = i ? b->leaf_d1 : b->leaf_d0;

		HIT_CMD(c, ids, R_LEAFD, OP_CPUID, 0xd, i);
		TEST_ASSERT(o[0] == base[0] && o[1] == base[1] &&
			    o[2] == base[2] && o[3] == (base[3] | 0x40000000),
			    "cpuid 0xd.%d: Expected KVM's registers with EDX | 0x40000000, got %#lx %#lx %#lx %#lx",
			    i, o[0], o[1], o[2], o[3]);
	}
	if (!memcmp(b->leaf_d0, b->leaf_d1, sizeof(b->leaf_d0)))
		printf("# note: KVM's leaf 0xd subleaves 0 and 1 are alike here: the subleaf check proves less\n");

	HIT_CMD(c, ids, R_KVMF, OP_CPUID, 0x40000001, 0);
	TEST_ASSERT(o[0] == ((b->leaf_kvmf[0] & ~1ULL) | 0x40000000) &&
		    o[1] == b->leaf_kvmf[1] && o[2] == b->leaf_kvmf[2] &&
		    o[3] == b->leaf_kvmf[3],
		    "cpuid 0x40000001: Expected (KVM's EAX & ~1) | 0x40000000, got %#lx",
		    o[0]);
}

static void check_msr_hcall(struct ctx *c, const uint32_t *ids)
{
	uint64_t *o = c->sh->out;

	HIT_CMD(c, ids, R_UCODE, OP_RDMSR, MSR_UCODE_REV, 0);
	TEST_ASSERT(!c->sh->vector && o[0] == 0x1122334455667788ULL,
		    "RDMSR 0x8b: Expected the answer, got %#lx (vector %lu)",
		    o[0], c->sh->vector);
	HIT_CMD(c, ids, R_UNK_RD, OP_RDMSR, MSR_UNKNOWN, 0);
	TEST_ASSERT(!c->sh->vector && o[0] == 0x42,
		    "RDMSR %#x: Expected 0x42 and no fault, got %#lx (vector %lu)",
		    MSR_UNKNOWN, o[0], c->sh->vector);
	HIT_CMD(c, ids, R_UNK_WR, OP_WRMSR, MSR_UNKNOWN, 1);
	TEST_ASSERT(!c->sh->vector,
		    "WRMSR %#x: Expected the write dropped without a fault, got vector %lu",
		    MSR_UNKNOWN, c->sh->vector);
	HIT_CMD(c, ids, R_HCALL, OP_HCALL, HCALL_NR, 0);
	TEST_ASSERT(o[0] == 0xdeadbeefcafeULL,
		    "hypercall: Expected RAX 0xdeadbeefcafe, got %#lx", o[0]);
}

static void check_io_mmio(struct ctx *c, const uint32_t *ids)
{
	uint64_t *o = c->sh->out, h0;
	int i;

	for (i = 0; i < 3; i++) {
		uint64_t mask = in_sizes[i] == 4 ? ~0ULL :
				(1ULL << (8 * in_sizes[i])) - 1;
		uint64_t exp = in_sizes[i] == 4 ? 0xa1b2c3d4 :
			       (RAX_FILL & ~mask) | (0xa1b2c3d4 & mask);

		HIT_CMD(c, ids, R_PORT_A, OP_IN, PORT_A, in_sizes[i]);
		TEST_ASSERT(!c->user_in && o[0] == exp,
			    "IN%d: Expected RAX %#lx and no exit here, got %#lx and %lu exits",
			    in_sizes[i], exp, o[0], c->user_in);
	}
	HIT_CMD(c, ids, R_PORT_A, OP_OUT, PORT_A, 0);
	TEST_ASSERT(!c->user_out, "OUT with ignore: Expected no exit here, got %lu",
		    c->user_out);
	/* String IO: each element answered on the PIO bus. */
	h0 = hits(c, ids[R_PORT_A]);
	cmd(c, OP_INSB, PORT_A, 0);
	TEST_ASSERT(!c->user_in && o[0] == 0xd4d4d4d4 && !o[1] &&
		    hits(c, ids[R_PORT_A]) - h0 == 4 * N,
		    "REP INSB x4: Expected 0xd4d4d4d4, RCX 0, %d hits and no exit here, got %#lx, RCX %lu, %lu hits, %lu exits",
		    4 * N, o[0], o[1], hits(c, ids[R_PORT_A]) - h0, c->user_in);

	HIT_CMD(c, ids, R_PORT_B, OP_IN, PORT_B, 1);
	TEST_ASSERT(!c->user_in && o[0] == ((RAX_FILL & ~0xffULL) | 0x55),
		    "IN port B: Expected AL 0x55, got %#lx", o[0]);
	/* No ignore: OUT is KVM's, which sends it here. */
	h0 = hits(c, ids[R_PORT_B]);
	cmd(c, OP_OUT, PORT_B, 0);
	TEST_ASSERT(c->user_out == N && hits(c, ids[R_PORT_B]) == h0,
		    "OUT to an answer without ignore: Expected %d exits here and no hit, got %lu",
		    N, c->user_out);

	for (i = 1; i <= 8; i *= 2) {
		uint64_t exp = i == 8 ? 0x8877665544332211ULL :
			       0x8877665544332211ULL & ((1ULL << (8 * i)) - 1);

		HIT_CMD(c, ids, R_MMIO, OP_MMIO_RD, 0, i);
		TEST_ASSERT(!c->user_mmio_rd && o[0] == exp,
			    "MMIO read of %d: Expected %#lx and no exit here, got %#lx and %lu",
			    i, exp, o[0], c->user_mmio_rd);
	}
	h0 = hits(c, ids[R_MMIO]);
	cmd(c, OP_MMIO_WR, 0, 0);
	TEST_ASSERT(c->user_mmio_wr == N && hits(c, ids[R_MMIO]) == h0,
		    "MMIO write to an answer without ignore: Expected %d exits here, got %lu",
		    N, c->user_mmio_wr);
}

/*
 * A misaligned access that crosses a page reaches KVM's MMIO bus as two
 * pieces split at the boundary, of any size: 3 + 1 bytes for a 4-byte
 * read 3 bytes before the end of a page, 1 + 3 for a write at its last
 * byte. The rule covers both pages, so it answers both pieces and none
 * goes to the VMM as KVM_EXIT_MMIO.
 */
static void check_mmio_cross(struct ctx *c, const uint32_t *ids)
{
	const uint64_t off = MMIO_X_GPA - MMIO_GPA + 0x1000;
	/* Each piece reads the low bytes of the answer's value. */
	const uint64_t exp = (MMIO_X_VAL & 0xffffff) |
			     (MMIO_X_VAL & 0xff) << 24;
	uint64_t h0;

	h0 = hits(c, ids[R_MMIO_X]);
	cmd(c, OP_MMIO_RD4_AT, off - 3, 0);
	TEST_ASSERT(!c->user_mmio_rd && c->sh->out[0] == exp &&
		    hits(c, ids[R_MMIO_X]) - h0 == 2 * N,
		    "4-byte MMIO read across a page (3 + 1): Expected %#lx, %d hits and no exit here, got %#lx, %lu hits, %lu exits",
		    exp, 2 * N, c->sh->out[0], hits(c, ids[R_MMIO_X]) - h0,
		    c->user_mmio_rd);
	h0 = hits(c, ids[R_MMIO_X]);
	cmd(c, OP_MMIO_WR4_AT, off - 1, 0);
	TEST_ASSERT(!c->user_mmio_wr && hits(c, ids[R_MMIO_X]) - h0 == 2 * N,
		    "4-byte MMIO write across a page (1 + 3): Expected %d hits and no exit here, got %lu hits, %lu exits",
		    2 * N, hits(c, ids[R_MMIO_X]) - h0, c->user_mmio_wr);
}

/* Every rule dumps as it was given; a dumped rule can be sent back. */
static void check_dump(struct ctx *c, const uint32_t *ids)
{
	struct mvmm_ack ack;
	struct dump dp;
	struct arule back;
	struct aoffs o;
	int i, j, ret;

	dump_table(c, &dp);
	TEST_ASSERT(dp.n == NR_RULES, "Expected %d rules, got %d", NR_RULES,
		    dp.n);
	for (i = 0; i < NR_RULES; i++) {
		const struct drule *d = find_rule(&dp, ids[i]);
		const struct arule *r = rules[i];

		TEST_ASSERT(d->has_answer && !d->has_target && d->has_hits &&
			    d->type == r->type && d->lo == r->lo &&
			    d->hi == r->hi &&
			    d->ans.has_value == r->has_value &&
			    (!r->has_value || d->ans.value == r->value) &&
			    d->ans.ignore == r->ignore,
			    "rule %d: Expected it dumped as given", i);
		for (j = 0; j < 4; j++) {
			const struct areg *g = &r->reg[j], *h = &d->ans.reg[j];

			TEST_ASSERT(g->given == h->given &&
				    (!(g->given & 1) || g->value == h->value) &&
				    (!(g->given & 2) || g->and == h->and) &&
				    (!(g->given & 4) || g->or == h->or),
				    "rule %d register %d: Expected it dumped as given",
				    i, j);
		}
	}

	/* Rule 0 as dumped (HITS included), sent back by replace. */
	back = dp.r[0].ans;
	back.type = dp.r[0].type;
	back.lo = dp.r[0].lo;
	back.hi = dp.r[0].hi;
	back.hits = back.hits ?: 1;
	ret = send_rule(c, MVMM_CMD_RULE_REPLACE, &back, dp.r[0].id, &o, &ack,
			NULL);
	TEST_ASSERT(!ret, "Expected a dumped answer rule to be accepted back, got %s (%s)",
		    strerror(-ret), ack.msg);
}

/* --- refusals ------------------------------------------------------------ */

struct bad {
	const char *what;
	struct arule r;
	int err;
	const char *msg;	/* a part of the extack message */
	int blame;		/* which offset: enum below */
	int reg;		/* for the register blames */
};

enum {
	B_ANSWER, B_VALUE, B_IGNORE, B_REG, B_REG_AND, B_REG_VALUE, B_MODE,
	B_FALLBACK, B_NONE
};

static const struct bad bads[] = {
	{ "value for an MSR write",
	  { .type = MVMM_EV_MSR_WRITE, .lo = 0x10, .hi = 0x10, .has_value = 1 },
	  EINVAL, "ANSWER_IGNORE only", B_VALUE },
	{ "ignore for an MSR read",
	  { .type = MVMM_EV_MSR_READ, .lo = 0x10, .hi = 0x10, .ignore = 1,
	    .has_value = 1 },
	  EINVAL, "ANSWER_VALUE (EDX:EAX) only", B_IGNORE },
	{ "no value for an MSR read",
	  { .type = MVMM_EV_MSR_READ, .lo = 0x10, .hi = 0x10 },
	  EINVAL, "ANSWER_VALUE (EDX:EAX) only", B_ANSWER },
	{ "a register for IO",
	  { .type = MVMM_EV_IO, .lo = 0x70, .hi = 0x70, .has_value = 1,
	    .reg = { REG_VAL(1) } },
	  EINVAL, "ANSWER_VALUE (IN) and/or ANSWER_IGNORE (OUT)", B_REG, 0 },
	{ "a value for CPUID",
	  { .type = MVMM_EV_CPUID, .lo = 5, .hi = 5, .has_value = 1 },
	  EINVAL, "a CPUID answer is registers", B_VALUE },
	{ "an empty answer",
	  { .type = MVMM_EV_CPUID, .lo = 5, .hi = 5 },
	  EINVAL, "a CPUID answer is registers", B_ANSWER },
	{ "an answer for HLT",
	  { .type = MVMM_EV_HLT, .ignore = 1, .hi = ~0ULL },
	  EOPNOTSUPP, "no pre-registered answer for this event type", B_ANSWER },
	{ "ignore for a hypercall",
	  { .type = MVMM_EV_HYPERCALL, .lo = 1, .hi = 1, .ignore = 1 },
	  EINVAL, "ANSWER_VALUE (RAX) only", B_IGNORE },
	{ "an answer and a target",
	  { .type = MVMM_EV_IO, .lo = 0x70, .hi = 0x70, .has_value = 1,
	    .target = "main" },
	  EINVAL, "no RULE_TARGET or RULE_GROUP with it", B_ANSWER },
	{ "observe mode",
	  { .type = MVMM_EV_IO, .lo = 0x70, .hi = 0x70, .has_value = 1,
	    .mode = MVMM_MODE_OBSERVE },
	  EINVAL, "needs mode sync", B_MODE },
	{ "fallback deny",
	  { .type = MVMM_EV_IO, .lo = 0x70, .hi = 0x70, .has_value = 1,
	    .fallback = MVMM_FALLBACK_DENY },
	  EINVAL, "needs fallback main", B_FALLBACK },
	{ "a register value and a mask",
	  { .type = MVMM_EV_CPUID, .lo = 5, .hi = 5,
	    .reg = { {}, { .given = 3, .value = 1, .and = 2 } } },
	  EINVAL, "REG_VALUE is the whole register", B_REG_AND, 1 },
	{ "an empty register",
	  { .type = MVMM_EV_CPUID, .lo = 5, .hi = 5, .empty_reg = 3 },
	  EINVAL, "a register needs REG_VALUE", B_REG, 2 },
	{ "an IO value above 32 bits",
	  { .type = MVMM_EV_IO, .lo = 0x70, .hi = 0x70, .has_value = 1,
	    .value = 0x100000000ULL },
	  ERANGE, "at most 4 bytes", B_VALUE },
	{ "a 16-bit register value",
	  { .type = MVMM_EV_CPUID, .lo = 5, .hi = 5, .value_u16 = 1 },
	  EINVAL, "invalid attribute length", B_REG_VALUE, 0 },
	{ "ignore for MSR 0x830 writes (KVM's fastpath)",
	  { .type = MVMM_EV_MSR_WRITE, .lo = 0x830, .hi = 0x830, .ignore = 1 },
	  EOPNOTSUPP, "fastpath", B_NONE },
	{ "an answer overlapping a rule",
	  { .type = MVMM_EV_IO, .lo = PORT_A, .hi = PORT_A, .ignore = 1 },
	  EEXIST, NULL, B_NONE },
};

static uint32_t blamed(const struct bad *b, const struct aoffs *o)
{
	switch (b->blame) {
	case B_ANSWER: return o->answer;
	case B_VALUE: return o->value;
	case B_IGNORE: return o->ignore;
	case B_REG: return o->reg[b->reg];
	case B_REG_AND: return o->reg_and[b->reg];
	case B_REG_VALUE: return o->reg_value[b->reg];
	case B_MODE: return o->mode;
	case B_FALLBACK: return o->fallback;
	default: return 0;
	}
}

static void check_refusals(struct ctx *c)
{
	struct dump before, after;
	struct mvmm_ack ack;
	struct aoffs o;
	unsigned int i;
	int ret;

	dump_table(c, &before);
	for (i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];

		ret = send_rule(c, MVMM_CMD_RULE_ADD, &b->r, 0, &o, &ack, NULL);
		TEST_ASSERT(ret == -b->err,
			    "%s: Expected %s, got %s (%s)", b->what,
			    strerror(b->err), strerror(-ret), ack.msg);
		TEST_ASSERT(!b->msg || strstr(ack.msg, b->msg),
			    "%s: Expected a message with \"%s\", got \"%s\"",
			    b->what, b->msg, ack.msg);
		if (b->blame != B_NONE)
			TEST_ASSERT(ack.has_offs && ack.offs == blamed(b, &o),
				    "%s: Expected the attribute at %u blamed, got %u (%s)",
				    b->what, blamed(b, &o), ack.offs, ack.msg);
		printf("ok %u - refused: %s (%s)\n", i + 1, b->what, ack.msg);
	}
	dump_table(c, &after);
	TEST_ASSERT(before.n == after.n, "Expected the table unchanged: %d rules, got %d",
		    before.n, after.n);
	for (i = 0; i < (unsigned int)before.n; i++)
		TEST_ASSERT(before.r[i].id == after.r[i].id &&
			    before.r[i].type == after.r[i].type &&
			    before.r[i].lo == after.r[i].lo &&
			    !memcmp(before.r[i].ans.reg, after.r[i].ans.reg,
				    sizeof(before.r[i].ans.reg)) &&
			    before.r[i].ans.value == after.r[i].ans.value,
			    "Expected rule %u unchanged", before.r[i].id);
}

int main(void)
{
	uint32_t ids[NR_RULES];
	struct mvmm_nl *nl;
	struct mvmm_vm_info vm;
	struct base b = {};
	struct ctx c = {};
	vm_vaddr_t gva;
	int i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	c.s = mvmm_rsk_open();
	TEST_ASSERT(c.s, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));

	c.vm = vm_create_with_one_vcpu(&c.vcpu, guest_code);
	vm_init_descriptor_tables(c.vm);
	vcpu_init_descriptor_tables(c.vcpu);
	gva = vm_vaddr_alloc_page(c.vm);
	c.sh = addr_gva2hva(c.vm, gva);
	guest_sh = (struct shared *)gva;
	sync_global_to_guest(c.vm, guest_sh);
	is_amd = is_amd_cpu();
	sync_global_to_guest(c.vm, is_amd);
	virt_map(c.vm, MMIO_GVA, MMIO_GPA, MMIO_PAGES);
	run_to_sync(&c);	/* mvmm knows the VM from its first exit */

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s", strerror(-ret));
	mvmm_nl_close(nl);
	c.id = vm.id;

	check_kvm(&c, &b, true);
	printf("ok - KVM's own results recorded (cpuid 1 ecx %#lx, msr 0x8b %#lx)\n",
	       b.leaf1[2], b.ucode);

	for (i = 0; i < NR_RULES; i++)
		ids[i] = add_rule(&c, rules[i]);
	check_cpuid(&c, ids, &b);
	printf("ok - cpuid: fixed leaf, masked leaves (AND, OR, AND+OR, per subleaf)\n");
	check_msr_hcall(&c, ids);
	printf("ok - msr read (known and unknown MSR), msr write ignored, hypercall RAX\n");
	check_io_mmio(&c, ids);
	printf("ok - IN 1/2/4 bytes, REP INSB, OUT ignored, OUT without ignore to KVM, MMIO reads 1/2/4/8, write to KVM\n");
	check_mmio_cross(&c, ids);
	printf("ok - MMIO read and write across a page: both pieces (3 + 1, 1 + 3 bytes) answered\n");
	check_dump(&c, ids);
	printf("ok - dump round trip\n");
	check_refusals(&c);
	printf("ok - refusals leave the table unchanged\n");

	for (i = 0; i < NR_RULES; i++)
		del_rule(&c, ids[i]);
	check_kvm(&c, &b, false);
	printf("ok - rules deleted: KVM's results again\n");

	kvm_vm_free(c.vm);
	mvmm_rsk_close(c.s);
	return 0;
}

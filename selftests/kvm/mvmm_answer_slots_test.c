// SPDX-License-Identifier: GPL-2.0
/*
 * Answer slots come back: mvmm stores each distinct pre-registered answer
 * (rule target "answer") in one of 2048 slots, and a slot must be free
 * again once no table names its answer and no request holds it. Each
 * phase below makes more distinct answers than there are slots (3000),
 * an MSR read answer with its own value each time, and every request must
 * end as it would with room to spare:
 *
 *  refused  rule adds refused after the answer was parsed: the range
 *           overlaps a rule (EEXIST), or the VM does not exist (ENOENT);
 *  apply    RULE_APPLY of two adds whose second is refused (EEXIST): the
 *           first, accepted into the private copy, goes with it;
 *  del      add and delete;
 *  replace  one rule replaced, answer after answer;
 *  flush    two rules of the default table, then a flush;
 *  vm       VMs destroyed with 150 answer rules each in their tables.
 *
 * Around them, on this program's own VM: a rule added first (MSR_A) must
 * still give its answer after all of it, and a rule added last (MSR_B,
 * yet another answer, in a slot used before) must be accepted, give the
 * guest its value, and count exactly the guest's reads in its hits.
 *
 *   mvmm_answer_slots_test [PHASE...]   (default: every phase, in order)
 *
 * mvmm.ko must be loaded; the default table must be empty.
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

#define NR_ANSWERS	3000	/* per phase; the store has 2048 slots */
#define N		20	/* guest reads per check */
#define MSR_A		0x1240	/* the rule added first; KVM: #GP */
#define MSR_B		0x1241	/* the rules that come and go */
#define MSR_C		0x1242
#define MSR_VM		0x1300	/* the vm phase: MSR_VM + 0 .. 149 */
#define VM_RULES	150
#define VM_NONE		0x7fffffff	/* no VM has this id */
#define VAL_A		0xa0a0a0a0a0a0a0a0ULL

enum phase { P_REFUSED = 1, P_APPLY, P_DEL, P_REPLACE, P_FLUSH, P_VM, P_LAST };

static const char *const phase_name[] = {
	[P_REFUSED] = "refused", [P_APPLY] = "apply", [P_DEL] = "del",
	[P_REPLACE] = "replace", [P_FLUSH] = "flush", [P_VM] = "vm",
};

/* A value no other answer of this run has: phase, sub-step, index. */
static uint64_t val(int phase, int sub, uint32_t i)
{
	return 0x5100000000000000ULL | (uint64_t)phase << 40 |
	       (uint64_t)sub << 32 | i;
}

struct shared {
	uint64_t msr, n;	/* host: read @msr @n times */
	uint64_t value;		/* guest: the last value read */
	uint64_t vector;	/* guest: a fault, 0 if none */
	uint64_t differ;	/* guest: reads unlike the first */
};

static struct shared *guest_sh;

static MVMM_GUEST_ENTRY void guest_code(void)
{
	struct shared *s = guest_sh;
	uint64_t v = 0, first = 0;
	uint8_t vec;
	uint64_t i;

	for (;;) {
		GUEST_SYNC(0);
		s->differ = 0;
		s->vector = 0;
		for (i = 0; i < READ_ONCE(s->n); i++) {
			v = 0;
			vec = rdmsr_safe(s->msr, &v);
			if (vec) {
				s->vector = vec;
				break;
			}
			if (!i)
				first = v;
			else if (v != first)
				s->differ++;
		}
		s->value = v;
	}
}

struct guest {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct shared *sh;
	uint32_t id;		/* mvmm's VM id */
};

static void run_to_sync(struct guest *g)
{

	vcpu_run(g->vcpu);
	TEST_ASSERT(g->vcpu->run->exit_reason == KVM_EXIT_IO,
		    "Expected a ucall, got exit %u (%s)",
		    g->vcpu->run->exit_reason,
		    exit_reason_str(g->vcpu->run->exit_reason));
	mvmm_ucall_sync(g->vcpu);
}

/* A VM that has run to its first sync, so that mvmm knows it. */
static void guest_start(struct guest *g, const uint32_t *exclude, int n)
{
	struct mvmm_vm_info info;
	struct mvmm_nl *nl;
	vm_vaddr_t gva;
	int ret;

	g->vm = vm_create_with_one_vcpu(&g->vcpu, guest_code);
	vm_init_descriptor_tables(g->vm);
	vcpu_init_descriptor_tables(g->vcpu);
	gva = vm_vaddr_alloc_page(g->vm);
	g->sh = addr_gva2hva(g->vm, gva);
	guest_sh = (struct shared *)gva;
	sync_global_to_guest(g->vm, guest_sh);
	run_to_sync(g);

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), exclude, n, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know the VM, got %s",
		    strerror(-ret));
	mvmm_nl_close(nl);
	g->id = info.id;
}

/* The guest reads @msr N times: all must get @want, without a fault. */
static void guest_reads(struct guest *g, uint32_t msr, uint64_t want)
{
	g->sh->msr = msr;
	g->sh->n = N;
	run_to_sync(g);
	TEST_ASSERT(!g->sh->vector && !g->sh->differ && g->sh->value == want,
		    "RDMSR %#x: Expected %#lx %d times, got %#lx (vector %lu, %lu different)",
		    msr, want, N, g->sh->value, g->sh->vector, g->sh->differ);
}

static struct mvmm_rule_info answer_rule(uint32_t msr, uint64_t value)
{
	return (struct mvmm_rule_info){
		.type = MVMM_EV_MSR_READ, .lo = msr, .hi = msr,
		.answer = MVMM_RULE_ANSWER_FIXED, .value = value,
	};
}

static struct mvmm_rsk *rsk;

static uint32_t add(uint32_t table, uint32_t msr, uint64_t value)
{
	struct mvmm_rule_info r = answer_rule(msr, value);
	struct mvmm_ack ack;
	uint32_t id = 0;
	int ret;

	ret = mvmm_rule_add(rsk, table, &r, &id, &ack);
	TEST_ASSERT(!ret, "Expected an answer rule for MSR %#x (answer %#lx) added to table %u, got %s (%s)",
		    msr, value, table, strerror(-ret), ack.msg);
	return id;
}

/* An add that must be refused with @err (and not for want of room). */
static void add_refused(uint32_t table, uint32_t msr, uint64_t value, int err)
{
	struct mvmm_rule_info r = answer_rule(msr, value);
	struct mvmm_ack ack;
	int ret;

	ret = mvmm_rule_add(rsk, table, &r, NULL, &ack);
	TEST_ASSERT(ret == -err, "Expected the add of answer %#lx to table %u refused with %s, got %s (%s)",
		    value, table, strerror(err), strerror(-ret), ack.msg);
}

static void del(uint32_t table, uint32_t id)
{
	struct mvmm_ack ack;
	int ret = mvmm_rule_del(rsk, table, id, &ack);

	TEST_ASSERT(!ret, "Expected rule %u of table %u deleted, got %s (%s)",
		    id, table, strerror(-ret), ack.msg);
}

/* An MVMM_A_OP adding an answer rule for @msr to VM @vm. */
static void put_op(struct mvmm_msg *m, uint32_t vm, uint32_t msr,
		   uint64_t value)
{
	mvmm_msg_nest(m, MVMM_A_OP);
	mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm);
	mvmm_msg_nest(m, MVMM_A_RULE);
	mvmm_msg_put_u32(m, MVMM_A_RULE_TYPE, MVMM_EV_MSR_READ);
	mvmm_msg_put_u64(m, MVMM_A_RULE_LO, msr);
	mvmm_msg_put_u64(m, MVMM_A_RULE_HI, msr);
	mvmm_msg_nest(m, MVMM_A_RULE_ANSWER);
	mvmm_msg_put_u64(m, MVMM_A_ANSWER_VALUE, value);
	mvmm_msg_nest_end(m);
	mvmm_msg_nest_end(m);
	mvmm_msg_nest_end(m);
}

/* Hits of rule @id's answer in table @vm's dump. */
struct hits_arg {
	uint32_t id;
	int found;
	uint64_t hits;
};

static int hits_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *nla, *a, *h;
	struct hits_arg *ha = arg;
	int rem, rem2, rem3;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		const struct nlattr *answer = NULL;
		uint32_t id = 0;

		if (mvmm_nla_type(nla) != MVMM_A_RULE)
			continue;
		mvmm_nla_for_each_nested(a, rem2, nla) {
			if (mvmm_nla_type(a) == MVMM_A_RULE_ID)
				id = mvmm_nla_uint(a);
			else if (mvmm_nla_type(a) == MVMM_A_RULE_ANSWER)
				answer = a;
		}
		if (id != ha->id || !answer)
			continue;
		mvmm_nla_for_each_nested(h, rem3, answer) {
			if (mvmm_nla_type(h) == MVMM_A_ANSWER_HITS) {
				ha->found = 1;
				ha->hits = mvmm_nla_uint(h);
			}
		}
	}
	return 0;
}

static uint64_t hits(uint32_t vm, uint32_t id)
{
	struct hits_arg ha = { .id = id };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(rsk), MVMM_CMD_GET_RULE, NLM_F_DUMP);
	mvmm_msg_put_u32(&m, MVMM_A_VM_ID, vm);
	ret = mvmm_rsk_talk(rsk, &m, hits_cb, &ha, NULL);
	TEST_ASSERT(!ret && ha.found,
		    "Expected rule %u of VM %u with ANSWER_HITS in the dump, got %s",
		    id, vm, strerror(-ret));
	return ha.hits;
}

/* --- the phases ----------------------------------------------------------- */

/* MSR_A's rule is in the way of every add for MSR_A. */
static void phase_refused(struct guest *g)
{
	uint32_t i;

	for (i = 0; i < NR_ANSWERS; i++) {
		if (i & 1)
			add_refused(VM_NONE, MSR_A, val(P_REFUSED, 0, i),
				    ENOENT);
		else
			add_refused(g->id, MSR_A, val(P_REFUSED, 0, i),
				    EEXIST);
	}
}

static void phase_apply(struct guest *g)
{
	struct mvmm_ack ack;
	struct mvmm_msg m;
	uint32_t i;
	int ret;

	for (i = 0; i < NR_ANSWERS; i++) {
		mvmm_msg_init(&m, mvmm_rsk_family(rsk), MVMM_CMD_RULE_APPLY, 0);
		put_op(&m, g->id, MSR_B, val(P_APPLY, 0, i));
		put_op(&m, g->id, MSR_A, val(P_APPLY, 1, i));
		ret = mvmm_rsk_talk(rsk, &m, NULL, NULL, &ack);
		TEST_ASSERT(ret == -EEXIST && ack.cookie_len >= 4 &&
			    !memcmp(ack.cookie, &(uint32_t){ 1 }, 4),
			    "apply %u: Expected its second op refused (EEXIST, cookie 1), got %s (%s)",
			    i, strerror(-ret), ack.msg);
	}
}

static void phase_del(struct guest *g)
{
	uint32_t i;

	for (i = 0; i < NR_ANSWERS; i++)
		del(g->id, add(g->id, MSR_B, val(P_DEL, 0, i)));
}

static void phase_replace(struct guest *g)
{
	struct mvmm_rule_info r;
	struct mvmm_ack ack;
	uint32_t i, id;
	int ret;

	id = add(g->id, MSR_B, val(P_REPLACE, 1, 0));
	for (i = 0; i < NR_ANSWERS; i++) {
		r = answer_rule(MSR_B, val(P_REPLACE, 0, i));
		r.id = id;
		ret = mvmm_rule_replace(rsk, g->id, &r, &ack);
		TEST_ASSERT(!ret, "replace %u: Expected rule %u replaced, got %s (%s)",
			    i, id, strerror(-ret), ack.msg);
	}
	del(g->id, id);
}

static void phase_flush(struct guest *g)
{
	struct mvmm_ack ack;
	uint32_t i;
	int ret;

	for (i = 0; i < NR_ANSWERS / 2; i++) {
		add(MVMM_TABLE_DEFAULT, MSR_B, val(P_FLUSH, 0, i));
		add(MVMM_TABLE_DEFAULT, MSR_C, val(P_FLUSH, 1, i));
		ret = mvmm_rule_flush(rsk, MVMM_TABLE_DEFAULT, &ack);
		TEST_ASSERT(!ret, "Expected the default table flushed, got %s (%s)",
			    strerror(-ret), ack.msg);
	}
}

static void phase_vm(struct guest *g)
{
	const uint32_t nr_vms = NR_ANSWERS / VM_RULES;
	uint32_t v, j;

	for (v = 0; v < nr_vms; v++) {
		struct guest t;

		guest_start(&t, &g->id, 1);
		for (j = 0; j < VM_RULES; j++)
			add(t.id, MSR_VM + j, val(P_VM, 0, v * VM_RULES + j));
		/* One of them answers, so the table is the one in use. */
		guest_reads(&t, MSR_VM + v, val(P_VM, 0, v * VM_RULES + v));
		kvm_vm_free(t.vm);
	}
}

static void (*const phases[P_LAST])(struct guest *g) = {
	[P_REFUSED] = phase_refused, [P_APPLY] = phase_apply,
	[P_DEL] = phase_del, [P_REPLACE] = phase_replace,
	[P_FLUSH] = phase_flush, [P_VM] = phase_vm,
};

int main(int argc, char **argv)
{
	bool run[P_LAST] = {};
	struct guest g = {};
	uint32_t id_a, id_b;
	int i, p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		for (p = 1; p < P_LAST; p++)
			if (!strcmp(argv[i], phase_name[p]))
				break;
		TEST_ASSERT(p < P_LAST, "Unknown phase %s", argv[i]);
		run[p] = true;
	}
	if (argc == 1)
		for (p = 1; p < P_LAST; p++)
			run[p] = true;

	rsk = mvmm_rsk_open();
	TEST_ASSERT(rsk, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));
	guest_start(&g, NULL, 0);
	id_a = add(g.id, MSR_A, VAL_A);
	guest_reads(&g, MSR_A, VAL_A);
	printf("ok - VM %u: MSR %#x answered %#llx\n", g.id, MSR_A, VAL_A);

	for (p = 1; p < P_LAST; p++) {
		if (!run[p])
			continue;
		phases[p](&g);
		printf("ok - %s: %d distinct answers, every request ended as with room to spare\n",
		       phase_name[p], p == P_APPLY ? 2 * NR_ANSWERS : NR_ANSWERS);
	}

	/* Room for one more, in a slot some answer above had. */
	id_b = add(g.id, MSR_B, val(P_LAST, 0, 0));
	guest_reads(&g, MSR_B, val(P_LAST, 0, 0));
	TEST_ASSERT(hits(g.id, id_b) == N,
		    "Expected the new answer's hits to be the guest's %d reads, got %lu",
		    N, hits(g.id, id_b));
	printf("ok - a new answer is accepted, the guest gets it, its hits are exactly %d\n",
	       N);
	guest_reads(&g, MSR_A, VAL_A);
	TEST_ASSERT(hits(g.id, id_a) == 2 * N,
		    "Expected the first answer's hits to be the guest's %d reads, got %lu",
		    2 * N, hits(g.id, id_a));
	printf("ok - the answer added first still answers, %d hits\n", 2 * N);

	kvm_vm_free(g.vm);
	mvmm_rsk_close(rsk);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Groups of userspace secondaries, one member chosen per event by load.
 *
 * The guest has two vCPUs, each doing N 4-byte INs from one port that a
 * rule sends to a group. Every secondary is a separate process given the
 * VM fd over a unix socket (lib/mvmm_user.h's mvmm_sp_fork()), serving
 * with libmvmm's ring, and answers each IN with its own value; the guest
 * counts the values it read, so it knows who answered each IN: member A,
 * member B, or this program (the rule's fallback to main, which answers
 * HOST_VAL). Both vCPUs run at once, in two threads: with one vCPU no
 * event would ever wait behind another, and least-outstanding could not
 * tell a slow member from a fast one.
 *
 *   ewma_slow, least_outstanding_slow
 *                  B sleeps 2 ms (ewma) or 50 ms (least-outstanding, see
 *                  LO_SLOW_US) before each answer: at least 90% of
 *                  2 x 1,000 INs go to A; the guest's counts equal the
 *                  handlers' HANDLED counters and the group's CHOSEN
 *                  counters; B's service-time EWMA and p50 are above 2 ms.
 *   weighted_3_1   weights 3 and 1, 2 x 5,000 INs: A's share within 5
 *                  points of 75%.
 *   timeout_out    B answers in 1 s, its timeout is 100 ms: the INs that
 *                  time out on it take the fallback (counted timeouts),
 *                  then B is out of the choice but for one probe per vCPU
 *                  each second, A takes the rest; once B is quick again
 *                  a probe puts it back and it gets a share again.
 *   kill_one       kill -9 of B after it answered 300 of 2 x 2,000 INs:
 *                  nothing lost (guest total == handled(A) + handled(B) +
 *                  fallbacks, each IN counted once), B out of the choice
 *                  (USABLE 0), and 2 x 500 more INs all go to A.
 *   no_member      both members detached: every IN takes the fallback
 *                  (main: this program answers), counted in the group's
 *                  NO_MEMBER; deleting the group makes its rule fall back
 *                  too; adding it again with a live member serves again.
 *   bad_input      every refusal of the group commands with its errno and
 *                  extack message, and group rules that are refused.
 *   signal_retake  one vCPU of its own, weighted 1:1: a signal ends KVM_RUN
 *                  while A holds an IN, B answers the retaken IN, A then
 *                  answers its old request; A's next pick must be a new
 *                  request and the guest must read A's new answer.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "libmvmm.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_user.h"
#include "mvmm_guest_io.h"

#define NVCPU		2
#define PORT		0x5d0
#define VAL_A		0x5ec0000aU
#define VAL_B		0x5ec0000bU
#define HOST_VAL	0x11223344U
#define SLOW_US		2000
/*
 * Least-outstanding sends an event to the slow member whenever it is idle
 * and the fast one busy. With two vCPUs that never stop, one of them is
 * nearly always on the slow member: it gets about one event per slow
 * answer while the other vCPU makes t_slow / t_fast of them on the fast
 * one. Under TCG on a busy host a fast answer takes up to 1.2 ms (EWMA,
 * the vCPU's wake-up included), so the slow one must take well over
 * 12 ms for 90%: runs gave 89.0% with 2 ms, 89.4% to 99.0% with 10 ms.
 * The slow member sleeps 50 ms here; ewma_slow keeps 2 ms.
 */
#define LO_SLOW_US	50000
#define SEC_TIMEOUT_MS	10000	/* only a hang takes so long */

enum { K_A, K_B, K_HOST, K_OTHER, NK };

/* The guest's counts, per vCPU: by who answered. */
struct gshared {
	uint64_t n;
	uint64_t cnt[NVCPU][NK];
};

static struct gshared gsh;

static void guest_code(uint64_t idx)
{
	uint64_t i, n;
	uint32_t v;

	for (;;) {
		GUEST_SYNC(0);
		n = READ_ONCE(gsh.n);
		for (i = 0; i < n; i++) {
			v = mvmm_guest_inl(PORT);
			gsh.cnt[idx][v == VAL_A ? K_A : v == VAL_B ? K_B :
				     v == HOST_VAL ? K_HOST : K_OTHER]++;
		}
	}
}

/* ---- the VM ------------------------------------------------------------- */

struct gvm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu[NVCPU];
	struct gshared *sh;	/* host view */
	uint64_t host_in[NVCPU];	/* INs that reached this program */
};

struct runner {
	pthread_t thread;
	struct gvm *g;
	int idx;
};

/* Run vCPU @idx to its next GUEST_SYNC, answering the INs that fall back. */
static void *run_vcpu(void *arg)
{
	struct runner *r = arg;
	struct kvm_vcpu *vcpu = r->g->vcpu[r->idx];
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	uint32_t v = HOST_VAL;

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "vCPU %d: Expected an IO exit, got %s", r->idx,
			    exit_reason_str(run->exit_reason));
		if (run->io.port == PORT) {
			TEST_ASSERT(run->io.direction == KVM_EXIT_IO_IN &&
				    run->io.size == 4 && run->io.count == 1,
				    "vCPU %d: unexpected IO on port %#x", r->idx,
				    PORT);
			memcpy((uint8_t *)run + run->io.data_offset, &v, 4);
			r->g->host_in[r->idx]++;
			continue;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("vCPU %d: unexpected exit on port %#x",
				  r->idx, run->io.port);
		}
	}
}

static struct gvm *gvm_start(void)
{
	struct gvm *g = calloc(1, sizeof(*g));
	struct runner r = { .g = g };
	int i;

	g->vm = vm_create_with_vcpus(NVCPU, guest_code, g->vcpu);
	g->sh = addr_gva2hva(g->vm, (vm_vaddr_t)&gsh);
	for (i = 0; i < NVCPU; i++) {
		vcpu_args_set(g->vcpu[i], 1, i);
		r.idx = i;
		run_vcpu(&r);	/* to the first GUEST_SYNC */
	}
	return g;
}

static void gvm_stop(struct gvm *g)
{
	if (g) {
		kvm_vm_free(g->vm);
		free(g);
	}
}

/* Counts of one step, summed over the vCPUs. */
struct counts {
	uint64_t k[NK];
	uint64_t host;
	uint64_t total;
};

static void gvm_counts(struct gvm *g, struct counts *c)
{
	int i, k;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NVCPU; i++) {
		for (k = 0; k < NK; k++)
			c->k[k] += g->sh->cnt[i][k];
		c->host += g->host_in[i];
	}
	for (k = 0; k < NK; k++)
		c->total += c->k[k];
}

/* Every vCPU does @n INs, all at once; the counts of this step in @c. */
static void gvm_step(struct gvm *g, uint64_t n, struct counts *c)
{
	struct runner r[NVCPU];
	struct counts c0, c1;
	int i, k;

	gvm_counts(g, &c0);
	g->sh->n = n;
	for (i = 0; i < NVCPU; i++) {
		r[i] = (struct runner){ .g = g, .idx = i };
		TEST_ASSERT(!pthread_create(&r[i].thread, NULL, run_vcpu, &r[i]),
			    "pthread_create");
	}
	for (i = 0; i < NVCPU; i++)
		pthread_join(r[i].thread, NULL);
	gvm_counts(g, &c1);
	for (k = 0; k < NK; k++)
		c->k[k] = c1.k[k] - c0.k[k];
	c->host = c1.host - c0.host;
	c->total = c1.total - c0.total;
	TEST_ASSERT(c->total == n * NVCPU && !c->k[K_OTHER] &&
		    c->host == c->k[K_HOST],
		    "Expected %lu INs, each answered by A, B or this program; got %lu (%lu other values), %lu host exits for %lu host values",
		    n * NVCPU, c->total, c->k[K_OTHER], c->host, c->k[K_HOST]);
}

/* ---- secondaries ---------------------------------------------------------- */

struct sec_shm {
	uint64_t requests;	/* INs seen */
	uint64_t answered;
	uint64_t bad;		/* other requests */
	uint32_t attached;	/* 1 attached, 2 failed */
	uint32_t vm_id;
	int32_t err;
	uint32_t delay_us;	/* set by the test: sleep before answering */
};

struct sec_opts {
	char name[32];
	uint32_t value;
	uint32_t timeout_ms;	/* 0: SEC_TIMEOUT_MS */
};

struct sec_ctx {
	struct sec_shm *shm;
	const struct sec_opts *o;
};

static int sec_cb(const struct mvmm_request *req, struct mvmm_answer *ans,
		  void *arg)
{
	struct sec_ctx *x = arg;
	uint32_t delay;

	if (req->ev.type != MVMM_EV_IO || req->ev.qual != PORT) {
		__atomic_fetch_add(&x->shm->bad, 1, __ATOMIC_RELAXED);
		return 0;
	}
	__atomic_fetch_add(&x->shm->requests, 1, __ATOMIC_RELAXED);
	delay = __atomic_load_n(&x->shm->delay_us, __ATOMIC_RELAXED);
	if (delay)
		usleep(delay);
	mvmm_ans_handled(ans, x->o->value);
	__atomic_fetch_add(&x->shm->answered, 1, __ATOMIC_RELEASE);
	return 0;
}

static int sec_main(int sock, void *p, void *arg)
{
	struct sec_ctx x = { .shm = p, .o = arg };
	struct mvmm_sec_opts opts = {
		.timeout_ms = x.o->timeout_ms ?: SEC_TIMEOUT_MS,
	};
	struct mvmm_sec *s;
	int vm_fd;

	vm_fd = mvmm_recv_fd(sock);
	if (vm_fd < 0) {
		x.shm->err = vm_fd;
		__atomic_store_n(&x.shm->attached, 2, __ATOMIC_RELEASE);
		return 1;
	}
	s = mvmm_sec_attach(vm_fd, x.o->name, &opts);
	close(vm_fd);
	if (!s) {
		x.shm->err = -errno;
		__atomic_store_n(&x.shm->attached, 2, __ATOMIC_RELEASE);
		return 1;
	}
	x.shm->vm_id = mvmm_sec_vm_id(s);
	__atomic_store_n(&x.shm->attached, 1, __ATOMIC_RELEASE);
	x.shm->err = mvmm_sec_run(s, sec_cb, &x);
	return 1;	/* a kill ends it */
}

struct sec {
	struct mvmm_sp p;
	struct sec_shm *shm;
	struct sec_opts o;
	bool live;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* A secondary attached to @g's VM as @name; its VM id. */
static uint32_t sec_start(struct sec *x, struct gvm *g, const char *name,
			  uint32_t value, uint32_t delay_us)
{
	uint64_t end = now_ms() + 20000;
	int ret;

	snprintf(x->o.name, sizeof(x->o.name), "%s", name);
	x->o.value = value;
	ret = mvmm_sp_fork(&x->p, sizeof(struct sec_shm), sec_main, &x->o);
	TEST_ASSERT(!ret, "Expected to fork a secondary, got %s",
		    strerror(-ret));
	x->shm = x->p.shm;
	__atomic_store_n(&x->shm->delay_us, delay_us, __ATOMIC_RELAXED);
	x->live = true;
	TEST_ASSERT(!mvmm_send_fd(x->p.sock, g->vm->fd),
		    "Expected to pass the VM fd, got %s", strerror(errno));
	while (!__atomic_load_n(&x->shm->attached, __ATOMIC_ACQUIRE)) {
		TEST_ASSERT(now_ms() < end, "Expected %s to attach", name);
		usleep(1000);
	}
	TEST_ASSERT(x->shm->attached == 1, "Expected %s to attach, got %s",
		    name, strerror(-x->shm->err));
	return x->shm->vm_id;
}

static void sec_kill(struct sec *x)
{
	if (x->live) {
		mvmm_sp_kill(&x->p);
		mvmm_sp_free(&x->p);
		x->live = false;
	}
}

/* ---- netlink: groups and group rules -------------------------------------- */

struct gmember {
	const char *name;
	uint32_t weight;	/* 0: not sent */
};

/*
 * Send a group command: @policy < 0 and @nr < 0 leave POLICY and MEMBERS
 * out. Returns 0 or -errno with the ACK in @ack.
 */
static int group_cmd(struct mvmm_rsk *s, uint8_t cmd, const char *name,
		     int policy, const struct gmember *m, int nr,
		     struct mvmm_ack *ack)
{
	struct mvmm_msg msg;
	int i;

	mvmm_msg_init(&msg, mvmm_rsk_family(s), cmd, 0);
	mvmm_msg_nest(&msg, MVMM_A_GROUP);
	if (name)
		mvmm_msg_put_str(&msg, MVMM_A_GROUP_NAME, name);
	if (policy >= 0)
		mvmm_msg_put_u8(&msg, MVMM_A_GROUP_POLICY, policy);
	if (nr >= 0) {
		mvmm_msg_nest(&msg, MVMM_A_GROUP_MEMBERS);
		for (i = 0; i < nr; i++) {
			mvmm_msg_nest(&msg, MVMM_A_GROUP_MEMBER);
			mvmm_msg_put_str(&msg, MVMM_A_MEMBER_NAME, m[i].name);
			if (m[i].weight)
				mvmm_msg_put_u32(&msg, MVMM_A_MEMBER_WEIGHT,
						 m[i].weight);
			mvmm_msg_nest_end(&msg);
		}
		mvmm_msg_nest_end(&msg);
	}
	mvmm_msg_nest_end(&msg);
	return mvmm_rsk_talk(s, &msg, NULL, NULL, ack);
}

static void group_add(struct mvmm_rsk *s, const char *name, int policy,
		      const struct gmember *m, int nr)
{
	struct mvmm_ack ack;
	int ret;

	/* Left by an earlier run in the same module load: start afresh. */
	group_cmd(s, MVMM_CMD_GROUP_DEL, name, -1, NULL, -1, NULL);
	ret = group_cmd(s, MVMM_CMD_GROUP_ADD, name, policy, m, nr, &ack);
	TEST_ASSERT(!ret, "Expected group add %s to work, got %s (%s)", name,
		    strerror(-ret), ack.msg);
}

/* A rule for IN/OUT on PORT in VM @vm's table to group @group (or @target). */
static int group_rule(struct mvmm_rsk *s, uint32_t vm, const char *group,
		      const char *target, uint8_t fallback,
		      struct mvmm_ack *ack)
{
	struct mvmm_msg msg;

	mvmm_msg_init(&msg, mvmm_rsk_family(s), MVMM_CMD_RULE_ADD, 0);
	mvmm_msg_put_u32(&msg, MVMM_A_VM_ID, vm);
	mvmm_msg_nest(&msg, MVMM_A_RULE);
	mvmm_msg_put_u32(&msg, MVMM_A_RULE_TYPE, MVMM_EV_IO);
	mvmm_msg_put_u64(&msg, MVMM_A_RULE_LO, PORT);
	mvmm_msg_put_u64(&msg, MVMM_A_RULE_HI, PORT);
	mvmm_msg_put_u8(&msg, MVMM_A_RULE_FALLBACK, fallback);
	if (group)
		mvmm_msg_put_str(&msg, MVMM_A_RULE_GROUP, group);
	if (target)
		mvmm_msg_put_str(&msg, MVMM_A_RULE_TARGET, target);
	mvmm_msg_nest_end(&msg);
	return mvmm_rsk_talk(s, &msg, NULL, NULL, ack);
}

static void group_rule_ok(struct mvmm_rsk *s, uint32_t vm, const char *group)
{
	struct mvmm_ack ack;
	int ret = group_rule(s, vm, group, NULL, MVMM_FALLBACK_MAIN, &ack);

	TEST_ASSERT(!ret, "Expected a rule to group %s to work, got %s (%s)",
		    group, strerror(-ret), ack.msg);
}

struct ginfo {
	char name[32];
	uint32_t policy, nr;
	uint64_t no_member;
	struct {
		char name[32];
		uint32_t weight;
		uint64_t chosen;
		uint8_t usable;
	} m[MVMM_GROUP_MAX_MEMBERS];
};

/* One MVMM_A_GROUP_MEMBER into the next member of @gi. */
static int ginfo_member(const struct nlattr *c, struct ginfo *gi)
{
	const struct nlattr *d;
	int rem;

	if (gi->nr == MVMM_GROUP_MAX_MEMBERS)
		return -E2BIG;
	mvmm_nla_for_each_nested(d, rem, c) {
		switch (mvmm_nla_type(d)) {
		case MVMM_A_MEMBER_NAME:
			mvmm_nla_str(gi->m[gi->nr].name, 32, d);
			break;
		case MVMM_A_MEMBER_WEIGHT:
			gi->m[gi->nr].weight = mvmm_nla_uint(d);
			break;
		case MVMM_A_MEMBER_CHOSEN:
			gi->m[gi->nr].chosen = mvmm_nla_uint(d);
			break;
		case MVMM_A_MEMBER_USABLE:
			gi->m[gi->nr].usable = mvmm_nla_uint(d);
			break;
		}
	}
	gi->nr++;
	return 0;
}

static int ginfo_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *a, *b, *c;
	struct ginfo *gi = arg;
	int rem, rem2, rem3;

	mvmm_nla_for_each(a, rem, attrs, len) {
		if (mvmm_nla_type(a) != MVMM_A_GROUP)
			continue;
		mvmm_nla_for_each_nested(b, rem2, a) {
			switch (mvmm_nla_type(b)) {
			case MVMM_A_GROUP_NAME:
				mvmm_nla_str(gi->name, sizeof(gi->name), b);
				break;
			case MVMM_A_GROUP_POLICY:
				gi->policy = mvmm_nla_uint(b);
				break;
			case MVMM_A_GROUP_NO_MEMBER:
				gi->no_member = mvmm_nla_uint(b);
				break;
			case MVMM_A_GROUP_MEMBERS:
				mvmm_nla_for_each_nested(c, rem3, b)
					if (ginfo_member(c, gi))
						return -E2BIG;
				break;
			}
		}
	}
	return 0;
}

static void group_get(struct mvmm_rsk *s, const char *name, struct ginfo *gi)
{
	struct mvmm_msg msg;
	struct mvmm_ack ack;
	int ret;

	memset(gi, 0, sizeof(*gi));
	mvmm_msg_init(&msg, mvmm_rsk_family(s), MVMM_CMD_GET_GROUP, 0);
	mvmm_msg_nest(&msg, MVMM_A_GROUP);
	mvmm_msg_put_str(&msg, MVMM_A_GROUP_NAME, name);
	mvmm_msg_nest_end(&msg);
	ret = mvmm_rsk_talk(s, &msg, ginfo_cb, gi, &ack);
	TEST_ASSERT(!ret && !strcmp(gi->name, name),
		    "Expected group %s, got %s (%s)", name, strerror(-ret),
		    ack.msg);
}

/* A handler's load (MVMM_A_HANDLER_LOAD). */
struct hload {
	uint32_t inflight;
	uint64_t samples, ewma, p50, p99;
	uint8_t usable, has_cpu;
	uint64_t cpu;
	int found;
};

struct hload_arg {
	const char *name;
	struct hload *l;
};

static int hload_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *a, *b, *c;
	struct hload_arg *ha = arg;
	int rem, rem2, rem3;
	char name[32] = "";
	struct hload l = { 0 };

	mvmm_nla_for_each(a, rem, attrs, len) {
		if (mvmm_nla_type(a) != MVMM_A_HANDLER)
			continue;
		mvmm_nla_for_each_nested(b, rem2, a) {
			if (mvmm_nla_type(b) == MVMM_A_HANDLER_NAME)
				mvmm_nla_str(name, sizeof(name), b);
			if (mvmm_nla_type(b) != MVMM_A_HANDLER_LOAD)
				continue;
			l.found = 1;
			mvmm_nla_for_each_nested(c, rem3, b) {
				uint64_t v = mvmm_nla_uint(c);

				switch (mvmm_nla_type(c)) {
				case MVMM_A_HLOAD_INFLIGHT:
					l.inflight = v;
					break;
				case MVMM_A_HLOAD_SAMPLES:
					l.samples = v;
					break;
				case MVMM_A_HLOAD_EWMA_NS:
					l.ewma = v;
					break;
				case MVMM_A_HLOAD_P50_NS:
					l.p50 = v;
					break;
				case MVMM_A_HLOAD_P99_NS:
					l.p99 = v;
					break;
				case MVMM_A_HLOAD_USABLE:
					l.usable = v;
					break;
				case MVMM_A_HLOAD_CPU_NS:
					l.cpu = v;
					l.has_cpu = 1;
					break;
				}
			}
		}
	}
	if (!strcmp(name, ha->name))
		*ha->l = l;
	return 0;
}

static void hload_get(struct mvmm_rsk *s, const char *name, struct hload *l)
{
	struct hload_arg ha = { .name = name, .l = l };
	struct mvmm_msg msg;
	int ret;

	memset(l, 0, sizeof(*l));
	mvmm_msg_init(&msg, mvmm_rsk_family(s), MVMM_CMD_GET_HANDLER,
		      NLM_F_DUMP);
	ret = mvmm_rsk_talk(s, &msg, hload_cb, &ha, NULL);
	TEST_ASSERT(!ret && l->found,
		    "Expected the load of handler %s, got %s", name,
		    ret ? strerror(-ret) : "no MVMM_A_HANDLER_LOAD");
}

/* ---- the tests ----------------------------------------------------------- */

FIXTURE(grp) {
	struct gvm *g;
	struct mvmm_rsk *s;
	struct sec a, b;
	uint32_t vm;
};

FIXTURE_SETUP(grp)
{
	/* The harness ends each test with _exit(): no buffered lines lost. */
	setlinebuf(stdout);
	self->g = gvm_start();
	self->s = mvmm_rsk_open_ok();
}

FIXTURE_TEARDOWN(grp)
{
	sec_kill(&self->a);
	sec_kill(&self->b);
	mvmm_rsk_close(self->s);
	gvm_stop(self->g);
}

/* Names are for life (the module interns them): one set per test. */
static void names(const char *test, char *a, char *b, char *grp)
{
	snprintf(a, 32, "g-%s-a", test);
	snprintf(b, 32, "g-%s-b", test);
	snprintf(grp, 32, "grp-%s", test);
}

/*
 * Most tests start so: members A and B (B sleeping @b_us per answer)
 * named after @test, group @ng of @policy over them with weights @wa and
 * @wb, and the VM's IN routed to the group.
 */
static void pair_group(struct _test_data_grp *self, const char *test,
		       char *na, char *nb, char *ng, int policy,
		       uint32_t wa, uint32_t wb, uint32_t b_us)
{
	struct gmember m[2];

	names(test, na, nb, ng);
	self->vm = sec_start(&self->a, self->g, na, VAL_A, 0);
	sec_start(&self->b, self->g, nb, VAL_B, b_us);
	m[0] = (struct gmember){ na, wa };
	m[1] = (struct gmember){ nb, wb };
	group_add(self->s, ng, policy, m, 2);
	group_rule_ok(self->s, self->vm, ng);
}

/*
 * A fast and a slow member: at least 90% to the fast one, and the
 * counters of the guest, the handlers and the group agree.
 */
static void slow_member(struct __test_metadata *_metadata,
			struct _test_data_grp *self, const char *test, int policy,
			uint32_t slow_us)
{
	char na[32], nb[32], ng[32];
	struct mvmm_handler_info ha0, hb0, ha1, hb1;
	struct hload la, lb;
	struct ginfo gi;
	struct counts c;
	double share;

	pair_group(self, test, na, nb, ng, policy, 0, 0, slow_us);
	mvmm_handler_get(self->s, na, &ha0);
	mvmm_handler_get(self->s, nb, &hb0);

	gvm_step(self->g, 1000, &c);
	mvmm_handler_get(self->s, na, &ha1);
	mvmm_handler_get(self->s, nb, &hb1);
	group_get(self->s, ng, &gi);
	hload_get(self->s, na, &la);
	hload_get(self->s, nb, &lb);
	share = 100.0 * c.k[K_A] / c.total;
	printf("# %s, B sleeps %u us per answer: %lu INs from %d vCPUs: fast A %lu (%.1f%%), slow B %lu, main %lu; chosen A %lu B %lu, no member %lu\n",
	       test, slow_us, c.total, NVCPU, c.k[K_A], share, c.k[K_B],
	       c.k[K_HOST],
	       gi.m[0].chosen, gi.m[1].chosen, gi.no_member);
	printf("# load: A ewma %lu ns p50 <= %lu p99 <= %lu cpu %lu ns; B ewma %lu ns p50 <= %lu p99 <= %lu cpu %lu ns\n",
	       la.ewma, la.p50, la.p99, la.cpu, lb.ewma, lb.p50, lb.p99, lb.cpu);
	TEST_ASSERT(ha1.handled - ha0.handled == c.k[K_A] &&
		    hb1.handled - hb0.handled == c.k[K_B] &&
		    (ha1.fallback - ha0.fallback) +
		    (hb1.fallback - hb0.fallback) + gi.no_member == c.k[K_HOST],
		    "Expected the handlers' counters to match the guest's: handled A +%lu B +%lu, fallbacks %lu + %lu + %lu; guest A %lu B %lu main %lu",
		    ha1.handled - ha0.handled, hb1.handled - hb0.handled,
		    ha1.fallback - ha0.fallback, hb1.fallback - hb0.fallback,
		    gi.no_member, c.k[K_A], c.k[K_B], c.k[K_HOST]);
	TEST_ASSERT(gi.m[0].chosen == c.k[K_A] && gi.m[1].chosen == c.k[K_B],
		    "Expected the group's CHOSEN counters %lu and %lu to be the guest's %lu and %lu",
		    gi.m[0].chosen, gi.m[1].chosen, c.k[K_A], c.k[K_B]);
	TEST_ASSERT(c.k[K_B] >= 1,
		    "Expected the slow member to be tried at least once");
	TEST_ASSERT(share >= 90.0,
		    "Expected at least 90%% of the INs to go to the fast member, got %.1f%%",
		    share);
	TEST_ASSERT(lb.ewma > slow_us * 1000ULL && lb.p50 >= slow_us * 1000ULL &&
		    la.ewma < lb.ewma && lb.samples == hb1.handled,
		    "Expected B's service time above %u us and above A's, one sample per answer; got EWMA %lu (A %lu), p50 %lu, %lu samples for %lu answers",
		    slow_us, lb.ewma, la.ewma, lb.p50, lb.samples, hb1.handled);
	TEST_ASSERT(la.has_cpu && lb.has_cpu && la.inflight == 0 &&
		    lb.inflight == 0 && la.usable && lb.usable,
		    "Expected both usable, idle, with CPU times; got A %u/%u/%u, B %u/%u/%u",
		    la.has_cpu, la.inflight, la.usable, lb.has_cpu,
		    lb.inflight, lb.usable);
}

TEST_F_TIMEOUT(grp, ewma_slow, 600)
{
	slow_member(_metadata, self, "ewma", MVMM_GROUP_EWMA, SLOW_US);
}

TEST_F_TIMEOUT(grp, least_outstanding_slow, 600)
{
	slow_member(_metadata, self, "lo", MVMM_GROUP_LEAST_OUTSTANDING,
		    LO_SLOW_US);
}

TEST_F_TIMEOUT(grp, weighted_3_1, 600)
{
	char na[32], nb[32], ng[32];
	struct counts c;
	double share;

	pair_group(self, "w31", na, nb, ng, MVMM_GROUP_WEIGHTED, 3, 1, 0);
	gvm_step(self->g, 5000, &c);
	share = 100.0 * c.k[K_A] / c.total;
	printf("# weighted 3:1: %lu INs: A %lu (%.2f%%), B %lu (%.2f%%), main %lu\n",
	       c.total, c.k[K_A], share, c.k[K_B], 100.0 * c.k[K_B] / c.total,
	       c.k[K_HOST]);
	TEST_ASSERT(!c.k[K_HOST] && share >= 70.0 && share <= 80.0,
		    "Expected 75%% +- 5 to A and no fallback, got %.2f%% and %lu fallbacks",
		    share, c.k[K_HOST]);
}

/*
 * B answers in 1 s with a timeout of 100 ms: the events that time out on
 * it take the fallback, and then it is out of the choice (a probe each
 * second) while A takes the rest; once B answers in time again, a probe
 * puts it back and it gets its half.
 */
TEST_F_TIMEOUT(grp, timeout_out, 600)
{
	char na[32], nb[32], ng[32];
	struct mvmm_handler_info ha0, hb0, ha1, hb1;
	uint64_t t0, ms, bound, end;
	struct hload lb;
	struct counts c;

	self->b.o.timeout_ms = 100;
	pair_group(self, "tmo", na, nb, ng, MVMM_GROUP_WEIGHTED, 1, 1, 1000000);
	mvmm_handler_get(self->s, na, &ha0);
	mvmm_handler_get(self->s, nb, &hb0);

	t0 = now_ms();
	gvm_step(self->g, 200, &c);
	ms = now_ms() - t0;
	mvmm_handler_get(self->s, na, &ha1);
	mvmm_handler_get(self->s, nb, &hb1);
	/* Before the first timeout, and one probe per vCPU each second. */
	bound = NVCPU * (2 + ms / 1000);
	printf("# B times out: %lu INs in %lu ms: A %lu, B %lu, main %lu; B timeouts +%lu fallbacks +%lu (at most %lu expected)\n",
	       c.total, ms, c.k[K_A], c.k[K_B], c.k[K_HOST],
	       hb1.timeouts - hb0.timeouts, hb1.fallback - hb0.fallback, bound);
	TEST_ASSERT(!c.k[K_B] && c.k[K_HOST] >= 1 && c.k[K_HOST] <= bound &&
		    hb1.timeouts - hb0.timeouts == c.k[K_HOST] &&
		    hb1.fallback - hb0.fallback == c.k[K_HOST] &&
		    ha1.handled - ha0.handled == c.k[K_A],
		    "Expected B's events to time out (1 to %lu of them, each a fallback) and A to take the rest; got B %lu, main %lu, timeouts %lu, A %lu (handled %lu)",
		    bound, c.k[K_B], c.k[K_HOST], hb1.timeouts - hb0.timeouts,
		    c.k[K_A], ha1.handled - ha0.handled);

	/* B is quick again: once it has worked off the late ones, 1 s on. */
	__atomic_store_n(&self->b.shm->delay_us, 0, __ATOMIC_RELAXED);
	end = now_ms() + 30000;
	while (__atomic_load_n(&self->b.shm->answered, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&self->b.shm->requests, __ATOMIC_ACQUIRE)) {
		TEST_ASSERT(now_ms() < end, "Expected B to catch up");
		usleep(10000);
	}
	usleep(1100000);
	gvm_step(self->g, 200, &c);
	hload_get(self->s, nb, &lb);
	printf("# B answers in time again: %lu INs: A %lu, B %lu, main %lu; B usable %u\n",
	       c.total, c.k[K_A], c.k[K_B], c.k[K_HOST], lb.usable);
	TEST_ASSERT(!c.k[K_HOST] && c.k[K_B] >= c.total / 4 && lb.usable,
		    "Expected B back in the choice (weight 1 of 2) and no fallback, got B %lu of %lu, %lu fallbacks, usable %u",
		    c.k[K_B], c.total, c.k[K_HOST], lb.usable);
}

struct killer {
	pthread_t thread;
	struct sec *x;
	uint64_t at;
	uint64_t answered;
};

static void *killer_fn(void *arg)
{
	struct killer *k = arg;
	uint64_t end = now_ms() + 300000;

	while (__atomic_load_n(&k->x->shm->answered, __ATOMIC_ACQUIRE) < k->at &&
	       now_ms() < end)
		usleep(500);
	k->answered = __atomic_load_n(&k->x->shm->answered, __ATOMIC_ACQUIRE);
	mvmm_sp_kill(&k->x->p);
	return NULL;
}

TEST_F_TIMEOUT(grp, kill_one, 600)
{
	char na[32], nb[32], ng[32];
	struct mvmm_handler_info ha0, hb0, ha1, hb1;
	struct killer k = { .at = 300 };
	struct ginfo gi;
	struct counts c;
	uint64_t fb;

	pair_group(self, "kill", na, nb, ng, MVMM_GROUP_WEIGHTED, 1, 1, 0);
	mvmm_handler_get(self->s, na, &ha0);
	mvmm_handler_get(self->s, nb, &hb0);

	k.x = &self->b;
	pthread_create(&k.thread, NULL, killer_fn, &k);
	gvm_step(self->g, 2000, &c);
	pthread_join(k.thread, NULL);
	mvmm_sp_free(&self->b.p);
	self->b.live = false;
	mvmm_handler_get(self->s, na, &ha1);
	mvmm_handler_get(self->s, nb, &hb1);
	group_get(self->s, ng, &gi);
	fb = (ha1.fallback - ha0.fallback) + (hb1.fallback - hb0.fallback) +
	     gi.no_member;
	printf("# B killed after %lu answers: %lu INs: A %lu, B %lu, main %lu; handled A +%lu B +%lu, fallbacks %lu; B %s\n",
	       k.answered, c.total, c.k[K_A], c.k[K_B], c.k[K_HOST],
	       ha1.handled - ha0.handled, hb1.handled - hb0.handled, fb,
	       gi.m[1].usable ? "usable" : "out of the choice");
	TEST_ASSERT(c.total == (ha1.handled - ha0.handled) +
		    (hb1.handled - hb0.handled) + fb &&
		    c.k[K_A] == ha1.handled - ha0.handled &&
		    c.k[K_B] == hb1.handled - hb0.handled &&
		    c.k[K_HOST] == fb,
		    "Expected every IN once: guest %lu = handled %lu + %lu + fallbacks %lu",
		    c.total, ha1.handled - ha0.handled,
		    hb1.handled - hb0.handled, fb);
	TEST_ASSERT(c.k[K_B] >= k.at && !gi.m[1].usable && gi.m[0].usable &&
		    !hb1.attached,
		    "Expected B to have answered %lu before dying and be out of the choice, got %lu, usable %u, attached %u",
		    k.at, c.k[K_B], gi.m[1].usable, hb1.attached);

	gvm_step(self->g, 500, &c);
	printf("# after the kill: %lu INs: A %lu, B %lu, main %lu\n",
	       c.total, c.k[K_A], c.k[K_B], c.k[K_HOST]);
	TEST_ASSERT(c.k[K_A] == c.total,
		    "Expected every IN after the kill to go to A, got %lu of %lu",
		    c.k[K_A], c.total);
}

TEST_F_TIMEOUT(grp, no_member, 600)
{
	char na[32], nb[32], ng[32];
	struct ginfo gi0, gi1;
	struct counts c;

	pair_group(self, "none", na, nb, ng, MVMM_GROUP_LEAST_OUTSTANDING,
		   0, 0, 0);
	gvm_step(self->g, 50, &c);
	TEST_ASSERT(c.k[K_A] + c.k[K_B] == c.total,
		    "Expected the members to answer all %lu INs, got %lu",
		    c.total, c.k[K_A] + c.k[K_B]);

	sec_kill(&self->a);
	sec_kill(&self->b);
	group_get(self->s, ng, &gi0);
	gvm_step(self->g, 100, &c);
	group_get(self->s, ng, &gi1);
	printf("# no member attached: %lu INs: main %lu, group NO_MEMBER +%lu\n",
	       c.total, c.k[K_HOST], gi1.no_member - gi0.no_member);
	TEST_ASSERT(c.k[K_HOST] == c.total &&
		    gi1.no_member - gi0.no_member == c.total &&
		    !gi1.m[0].usable && !gi1.m[1].usable,
		    "Expected all %lu INs to fall back, counted as no member; got %lu, +%lu",
		    c.total, c.k[K_HOST], gi1.no_member - gi0.no_member);

	/* Deleted while its rule names it: the rule falls back. */
	TEST_ASSERT(!group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, -1, NULL, -1,
			       NULL), "Expected group del %s to work", ng);
	sec_start(&self->a, self->g, na, VAL_A, 0);
	gvm_step(self->g, 50, &c);
	TEST_ASSERT(c.k[K_HOST] == c.total,
		    "Expected all INs to fall back with the group deleted, got %lu of %lu",
		    c.k[K_HOST], c.total);
	/* Added again: its rules are back. */
	group_add(self->s, ng, MVMM_GROUP_EWMA,
		  (struct gmember[]){ { na, 0 }, { nb, 0 } }, 2);
	gvm_step(self->g, 50, &c);
	printf("# group deleted: all to main; added again: A %lu of %lu\n",
	       c.k[K_A], c.total);
	TEST_ASSERT(c.k[K_A] == c.total,
		    "Expected A to answer every IN once the group is back, got %lu of %lu",
		    c.k[K_A], c.total);
}

/* A refused request: its errno and a message that says @words. */
static void refused(struct mvmm_rsk *s, const char *what, int ret,
		    const struct mvmm_ack *ack, int err, const char *words)
{
	printf("# %s: %s, \"%s\"\n", what, strerror(-ret), ack->msg);
	TEST_ASSERT(ret == -err && strstr(ack->msg, words),
		    "%s: Expected %s with a message containing \"%s\", got %s (\"%s\")",
		    what, strerror(err), words, strerror(-ret), ack->msg);
}

TEST_F_TIMEOUT(grp, bad_input, 300)
{
	char na[32], nb[32], ng[32];
	struct gmember m[MVMM_GROUP_MAX_MEMBERS + 1];
	struct mvmm_sec *secs[MVMM_GROUP_MAX_MEMBERS + 1];
	char many[MVMM_GROUP_MAX_MEMBERS + 1][32];
	struct mvmm_ack ack;
	struct ginfo gi;
	int i, ret;

	names("bad", na, nb, ng);
	self->vm = sec_start(&self->a, self->g, na, VAL_A, 0);
	group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, -1, NULL, -1, NULL);
	m[0] = (struct gmember){ na, 0 };
	m[1] = (struct gmember){ "g-never-seen", 0 };
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m, 2, &ack);
	refused(self->s, "unknown member", ret, &ack, ENOENT,
		"no handler of this name");
	m[1] = (struct gmember){ na, 0 };
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m, 2, &ack);
	refused(self->s, "member twice", ret, &ack, EINVAL, "twice");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m, 0, &ack);
	refused(self->s, "empty group", ret, &ack, EINVAL, "at least one");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m, -1, &ack);
	refused(self->s, "no members", ret, &ack, EINVAL, "MEMBERS");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 3, m, 1, &ack);
	refused(self->s, "bad policy", ret, &ack, ERANGE, "out of range");
	m[0].weight = 0x100;
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 2, m, 1, &ack);
	refused(self->s, "weight 256", ret, &ack, ERANGE, "out of range");
	m[0].weight = 0;
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, NULL, 0, m, 1, &ack);
	refused(self->s, "no name", ret, &ack, EINVAL, "GROUP_NAME");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, "main", 0, m, 1, &ack);
	refused(self->s, "name main", ret, &ack, EINVAL, "invalid group name");
	/* 17 names the module knows: this program attaches them. */
	for (i = 0; i <= MVMM_GROUP_MAX_MEMBERS; i++) {
		struct mvmm_sec_opts o = { .timeout_ms = 100 };

		snprintf(many[i], sizeof(many[i]), "g-bad-%d", i);
		secs[i] = mvmm_sec_attach(self->g->vm->fd, many[i], &o);
		TEST_ASSERT(secs[i], "Expected to attach %s, got %s", many[i],
			    strerror(errno));
		m[i] = (struct gmember){ many[i], 0 };
	}
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m,
			MVMM_GROUP_MAX_MEMBERS + 1, &ack);
	refused(self->s, "17 members", ret, &ack, EINVAL, "too many");
	/* 16 are fine. */
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m,
			MVMM_GROUP_MAX_MEMBERS, &ack);
	TEST_ASSERT(!ret, "Expected a group of 16 to work, got %s (%s)",
		    strerror(-ret), ack.msg);
	group_get(self->s, ng, &gi);
	TEST_ASSERT(gi.nr == MVMM_GROUP_MAX_MEMBERS &&
		    !strcmp(gi.m[15].name, many[15]),
		    "Expected 16 members, got %u", gi.nr);
	TEST_ASSERT(!group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, -1, NULL, -1,
			       &ack), "Expected group del to work: %s", ack.msg);
	for (i = 0; i <= MVMM_GROUP_MAX_MEMBERS; i++)
		mvmm_sec_detach(secs[i]);
	m[0] = (struct gmember){ na, 0 };
	ret = group_cmd(self->s, MVMM_CMD_GROUP_SET, ng, 0, m, 1, &ack);
	refused(self->s, "set of no group", ret, &ack, ENOENT, "no group");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, -1, NULL, -1, &ack);
	refused(self->s, "del of no group", ret, &ack, ENOENT, "no group");
	ret = group_rule(self->s, self->vm, ng, NULL, 0, &ack);
	refused(self->s, "rule to no group", ret, &ack, ENOENT, "no group");

	/* Nothing above made a group; now one that works. */
	m[0].weight = 0x0ff;
	group_add(self->s, ng, MVMM_GROUP_WEIGHTED, m, 1);
	ret = group_cmd(self->s, MVMM_CMD_GROUP_ADD, ng, 0, m, 1, &ack);
	refused(self->s, "add twice", ret, &ack, EEXIST, "exists");
	ret = group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, 0, NULL, -1, &ack);
	refused(self->s, "del with a policy", ret, &ack, EINVAL, "only GROUP_NAME");
	ret = group_rule(self->s, self->vm, ng, na, 0, &ack);
	refused(self->s, "rule with group and handler", ret, &ack, EINVAL,
		"no RULE_TARGET");
	group_get(self->s, ng, &gi);
	TEST_ASSERT(gi.policy == MVMM_GROUP_WEIGHTED && gi.nr == 1 &&
		    gi.m[0].weight == 0xff && !strcmp(gi.m[0].name, na),
		    "Expected group %s: weighted, %s weight 255; got policy %u, %u members",
		    ng, na, gi.policy, gi.nr);
	/* Set replaces policy and members. */
	sec_start(&self->b, self->g, nb, VAL_B, 0);
	m[1] = (struct gmember){ nb, 2 };
	ret = group_cmd(self->s, MVMM_CMD_GROUP_SET, ng, MVMM_GROUP_EWMA, m, 2,
			&ack);
	TEST_ASSERT(!ret, "Expected group set to work, got %s (%s)",
		    strerror(-ret), ack.msg);
	group_get(self->s, ng, &gi);
	TEST_ASSERT(gi.policy == MVMM_GROUP_EWMA && gi.nr == 2 &&
		    !strcmp(gi.m[1].name, nb) && gi.m[1].weight == 2,
		    "Expected group %s replaced: ewma, 2 members; got policy %u, %u members",
		    ng, gi.policy, gi.nr);
	TEST_ASSERT(!group_cmd(self->s, MVMM_CMD_GROUP_DEL, ng, -1, NULL, -1,
			       &ack), "Expected group del to work: %s", ack.msg);
}

/* ---- a request interrupted by a signal, retaken by another member ------ */

#define SIG_OLD		0x5ec000a1U	/* A's answer to its stale request */
#define SIG_NEW		0x5ec000a2U	/* A's answer to a new one */

/* One vCPU: each IN, then a sync with the value read. */
static void sig_guest(void)
{
	uint32_t v;

	for (;;) {
		v = mvmm_guest_inl(PORT);
		GUEST_SYNC(v);
	}
}

struct sig_vcpu {
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	int done[2];		/* pipe: 'I' per -EINTR, then 'D' */
	uint64_t value;		/* the IN's value, from the sync */
};

static void sig_noop(int sig)
{
}

/* Run to the next sync; every -EINTR is reported and the IN retaken. */
static void *sig_run(void *arg)
{
	struct sig_vcpu *v = arg;
	struct ucall uc;
	char c;

	for (;;) {
		if (!__vcpu_run(v->vcpu))
			break;
		TEST_ASSERT(errno == EINTR, "KVM_RUN: %s", strerror(errno));
		c = 'I';
		TEST_ASSERT(write(v->done[1], &c, 1) == 1, "pipe");
	}
	TEST_ASSERT(get_ucall(v->vcpu, &uc) == UCALL_SYNC,
		    "Expected a sync, got exit %s",
		    exit_reason_str(v->vcpu->run->exit_reason));
	v->value = uc.args[1];
	c = 'D';
	TEST_ASSERT(write(v->done[1], &c, 1) == 1, "pipe");
	return NULL;
}

/*
 * Wait for the first of: a request on @a or @b (0 or 1, read into @req),
 * or the vCPU's report on its pipe (2, the byte in @c).
 */
static int sig_next(struct mvmm_sec *a, struct mvmm_sec *b,
		    struct sig_vcpu *v, struct mvmm_request *req, char *c)
{
	struct pollfd p[3] = {
		{ .fd = mvmm_sec_fd(a), .events = POLLIN },
		{ .fd = mvmm_sec_fd(b), .events = POLLIN },
		{ .fd = v->done[0], .events = POLLIN },
	};
	int i;

	TEST_ASSERT(poll(p, 3, SEC_TIMEOUT_MS) > 0,
		    "Expected a request or the vCPU within %d ms",
		    SEC_TIMEOUT_MS);
	if (p[2].revents) {
		TEST_ASSERT(read(v->done[0], c, 1) == 1, "pipe");
		printf("# vCPU: %s\n", *c == 'I' ? "KVM_RUN ended by the signal" :
		       "the guest read its IN");
		return 2;
	}
	i = p[0].revents ? 0 : 1;
	TEST_ASSERT(mvmm_sec_read(i ? b : a, req, 1) == 1,
		    "Expected a request on %s", i ? "B" : "A");
	printf("# request %llu on %s\n", (unsigned long long)req->seq,
	       i ? "B" : "A");
	return i;
}

static void sig_answer(struct mvmm_sec *s, const struct mvmm_request *req,
		       uint32_t value)
{
	struct mvmm_answer ans = {};
	int ret;

	mvmm_ans_handled(&ans, value);
	ret = mvmm_sec_answer(s, req, &ans);
	TEST_ASSERT(!ret, "Expected the answer taken, got %s", strerror(-ret));
}

/*
 * A weighted 1:1 group, the guest looping on one IN. A holds its request,
 * a signal ends KVM_RUN, the retaken IN goes to B, which answers; then A
 * answers its old request. That IN is over: when the group next picks A
 * for the same instruction, A must get a new request, and the guest the
 * answer to that one, not the old answer.
 */
TEST_F_TIMEOUT(grp, signal_retake, 300)
{
	struct sigaction sa = { .sa_handler = sig_noop };
	struct mvmm_sec_opts opts = { .timeout_ms = SEC_TIMEOUT_MS };
	struct mvmm_request old, req;
	struct mvmm_sec *a, *b, *sec[2];
	char na[32], nb[32], ng[32], c;
	struct gmember m[2];
	struct sig_vcpu v = {};
	struct kvm_vm *vm;
	int who, picks;

	/* No SA_RESTART: the signal must end KVM_RUN with -EINTR. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
	TEST_ASSERT(!pipe(v.done), "pipe");
	vm = vm_create_with_one_vcpu(&v.vcpu, sig_guest);
	names("sig", na, nb, ng);
	a = mvmm_sec_attach(vm->fd, na, &opts);
	TEST_ASSERT(a, "attach A: %s", strerror(errno));
	b = mvmm_sec_attach(vm->fd, nb, &opts);
	TEST_ASSERT(b, "attach B: %s", strerror(errno));
	sec[0] = a;
	sec[1] = b;
	m[0] = (struct gmember){ na, 1 };
	m[1] = (struct gmember){ nb, 1 };
	group_add(self->s, ng, MVMM_GROUP_WEIGHTED, m, 2);
	group_rule_ok(self->s, mvmm_sec_vm_id(a), ng);

	/* The first IN: whoever gets it is "A" from here on. */
	pthread_create(&v.thread, NULL, sig_run, &v);
	who = sig_next(a, b, &v, &old, &c);
	TEST_ASSERT(who < 2, "Expected the IN to reach a member");
	if (who == 1) {
		sec[0] = b;
		sec[1] = a;
	}
	pthread_kill(v.thread, SIGUSR1);
	TEST_ASSERT(sig_next(sec[0], sec[1], &v, &req, &c) == 2 && c == 'I',
		    "Expected KVM_RUN to end with -EINTR while A holds the IN");
	/* The retaken IN: weighted 1:1 takes turns, so B. */
	TEST_ASSERT(sig_next(sec[0], sec[1], &v, &req, &c) == 1,
		    "Expected the retaken IN to go to B");
	sig_answer(sec[1], &req, VAL_B);
	TEST_ASSERT(sig_next(sec[0], sec[1], &v, &req, &c) == 2 && c == 'D' &&
		    v.value == VAL_B,
		    "Expected the guest to read B's answer, got %#lx", v.value);
	pthread_join(v.thread, NULL);
	/* A answers the IN it was given: over already, nothing applies it. */
	sig_answer(sec[0], &old, SIG_OLD);

	/* Run INs, B answering, until the group picks A again. */
	for (picks = 0; picks < 4; picks++) {
		pthread_create(&v.thread, NULL, sig_run, &v);
		who = sig_next(sec[0], sec[1], &v, &req, &c);
		if (who == 1) {
			sig_answer(sec[1], &req, VAL_B);
			TEST_ASSERT(sig_next(sec[0], sec[1], &v, &req, &c) == 2,
				    "Expected the guest to go on");
			pthread_join(v.thread, NULL);
			continue;
		}
		if (who != 0) {
			pthread_join(v.thread, NULL);
			TEST_FAIL("Expected A to get a new request for the IN, but the guest read %#lx without one",
				  v.value);
		}
		TEST_ASSERT(req.seq > old.seq,
			    "Expected a new request (seq above %llu), got seq %llu",
			    (unsigned long long)old.seq,
			    (unsigned long long)req.seq);
		sig_answer(sec[0], &req, SIG_NEW);
		TEST_ASSERT(sig_next(sec[0], sec[1], &v, &req, &c) == 2 &&
			    v.value == SIG_NEW,
			    "Expected the guest to read A's new answer %#x, got %#lx",
			    SIG_NEW, v.value);
		pthread_join(v.thread, NULL);
		break;
	}
	TEST_ASSERT(picks < 4, "Expected the group to pick A again");
	printf("# A's stale request: answered after the retake went to B, never applied; A's next pick got a new request\n");
	mvmm_sec_detach(a);
	mvmm_sec_detach(b);
	kvm_vm_free(vm);
	close(v.done[0]);
	close(v.done[1]);
}

TEST_HARNESS_MAIN

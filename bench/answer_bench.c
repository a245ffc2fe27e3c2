// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of an exit completed by a pre-registered answer (rule target
 * "answer": no handler, no wake-up) against the same kind of exit
 * completed by KVM, in one boot of the test rig.
 *
 * Each workload has two sites of the same kind, which KVM handles alike:
 *
 *   cpuid-fixed   CPUID leaves 0x40000000 / 0x40000001; the answer: four
 *                 fixed registers
 *   cpuid-masked  CPUID leaves 1 / 6; the answer: "ecx and ~0x80000000",
 *                 KVM's entry looked up by mvmm (kvm_cpuid()), then masked
 *   in-kernel     IN from ports 0x21 / 0xa1, the two PICs' IMRs in KVM's
 *                 in-kernel PIC; the answer: value 0xff
 *   in-user       IN from ports 0x7a0 / 0x7a1, where KVM has no device and
 *                 exits to this program (a device in the main VMM); the
 *                 answer: value 0xff
 *
 * The guest runs windows of SAMPLES pairs, one instruction at each site,
 * each timed with RDTSC (which exits to no one). In each round a rule
 * answers one site (the other one in the next round) and KVM handles the
 * other: the two are interleaved instruction by instruction, so that the
 * host's load (QEMU TCG competing for CPUs) weighs on both alike, and
 * the window's figure is the ratio of the medians of their samples,
 * answered/KVM (time per exit). A control window without any rule gives
 * the same ratio between the two sites with KVM on both: what the method
 * itself sees. The figure of a workload is the median of its rounds'
 * ratios, with their range (the target: at most 1.02), and the
 * median ticks per exit. Every window is checked: the answer's hit
 * counter (ANSWER_HITS) moved by exactly SAMPLES, the IN exits that
 * reached this program are exactly those of the KVM site (in-user) or
 * none; the control window finds no rule. Nothing asserts on time.
 *
 * Usage: answer_bench [samples_per_window [rounds]]; mvmm.ko loaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"

#define MAX_SAMPLES	4000
#define MAX_ROUNDS	MVMM_BENCH_MAX_ROUNDS
#define RATIO_NAME	"answer/main ratio"

enum workload { WL_CPUID_FIXED, WL_CPUID_MASKED, WL_IN_KERNEL, WL_IN_USER,
		NR_WL };

static const struct {
	const char *name;
	uint32_t site[2];	/* leaves or ports */
	const char *what;
} wl_info[NR_WL] = {
	[WL_CPUID_FIXED] = { "cpuid-fixed", { 0x40000000, 0x40000001 },
			     "CPUID 0x40000000/1, four fixed registers vs KVM's CPUID" },
	[WL_CPUID_MASKED] = { "cpuid-masked", { 1, 6 },
			      "CPUID 1/6, KVM's entry & mask vs KVM's CPUID" },
	[WL_IN_KERNEL] = { "in-kernel", { 0x21, 0xa1 },
			   "IN 0x21/0xa1, value vs KVM's in-kernel PIC" },
	[WL_IN_USER] = { "in-user", { 0x7a0, 0x7a1 },
			 "IN 0x7a0/0x7a1, value vs KVM's exit to the main VMM (this program)" },
};

/* Guest globals: the window's length and its samples, in TSC ticks. */
static uint64_t g_samples;
static uint32_t g_tsc[2][MAX_SAMPLES];

static inline void guest_site(uint64_t wl, uint32_t site)
{
	uint32_t eax, ebx, ecx, edx;
	uint8_t v;

	if (wl == WL_CPUID_FIXED || wl == WL_CPUID_MASKED)
		cpuid(site, &eax, &ebx, &ecx, &edx);
	else
		asm volatile("inb %w1, %0" : "=a"(v) : "d"(site));
}

static void guest_code(uint64_t wl)
{
	uint32_t s0 = wl_info[wl].site[0], s1 = wl_info[wl].site[1];
	uint64_t batch, i, t0, t1;

	for (batch = 1;; batch++) {
		for (i = 0; i < READ_ONCE(g_samples); i++) {
			t0 = rdtsc();
			guest_site(wl, s0);
			t1 = rdtsc();
			guest_site(wl, s1);
			g_tsc[1][i] = rdtsc() - t1;
			g_tsc[0][i] = t1 - t0;
		}
		GUEST_SYNC(batch);
	}
}

struct bench {
	struct mvmm_rsk *s;
	struct mvmm_bench_vm v;
	enum workload wl;
	uint64_t samples;
	uint64_t user_in;		/* IN exits that reached us */
	uint32_t tsc[MAX_SAMPLES];	/* a site's samples, sorted */
};

/* Run one window of g_samples pairs, answering the INs that reach us. */
static void run_window(struct bench *b)
{
	struct kvm_run *run = b->v.vcpu->run;
	struct ucall uc;
	uint8_t *data;

	b->user_in = 0;
	for (;;) {
		vcpu_run(b->v.vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got %u (%s)", run->exit_reason,
			    exit_reason_str(run->exit_reason));
		if (run->io.port == wl_info[WL_IN_USER].site[0] ||
		    run->io.port == wl_info[WL_IN_USER].site[1]) {
			data = (uint8_t *)run + run->io.data_offset;
			*data = 0xff;
			b->user_in++;
			continue;
		}
		if (get_ucall(b->v.vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT(uc.cmd == UCALL_SYNC, "Unexpected ucall %lu",
			    uc.cmd);
		return;
	}
}

/* The answer rule of site @site of the workload, on table @vm. */
static void put_rule(struct mvmm_msg *m, uint32_t vm, enum workload wl,
		     int site)
{
	static const uint32_t sig[4] = {
		0x40000001, 0x6d6d766d, 0x6d6d766d, 0x6d6d766d,
	};
	bool cpuid = wl == WL_CPUID_FIXED || wl == WL_CPUID_MASKED;
	int i;

	mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm);
	mvmm_msg_nest(m, MVMM_A_RULE);
	mvmm_msg_put_u32(m, MVMM_A_RULE_TYPE, cpuid ? MVMM_EV_CPUID : MVMM_EV_IO);
	mvmm_msg_put_u64(m, MVMM_A_RULE_LO, wl_info[wl].site[site]);
	mvmm_msg_nest(m, MVMM_A_RULE_ANSWER);
	switch (wl) {
	case WL_CPUID_FIXED:
		for (i = 0; i < 4; i++) {
			mvmm_msg_nest(m, MVMM_A_ANSWER_EAX + i);
			mvmm_msg_put_u32(m, MVMM_A_ANSWER_REG_VALUE, sig[i]);
			mvmm_msg_nest_end(m);
		}
		break;
	case WL_CPUID_MASKED:
		mvmm_msg_nest(m, MVMM_A_ANSWER_ECX);
		mvmm_msg_put_u32(m, MVMM_A_ANSWER_REG_AND, ~0x80000000U);
		mvmm_msg_nest_end(m);
		break;
	default:
		mvmm_msg_put_u64(m, MVMM_A_ANSWER_VALUE, 0xff);
		break;
	}
	mvmm_msg_nest_end(m);
	mvmm_msg_nest_end(m);
}

/* A reply's rules: how many, the last one's id and answer hits. */
struct rule_hits {
	uint32_t id;
	uint64_t hits;
	int n;
};

static int rule_cb(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *nla, *a, *h;
	struct rule_hits *rh = arg;
	int rem, rem2, rem3;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (mvmm_nla_type(nla) != MVMM_A_RULE)
			continue;
		rh->n++;
		mvmm_nla_for_each_nested(a, rem2, nla) {
			if (mvmm_nla_type(a) == MVMM_A_RULE_ID)
				rh->id = mvmm_nla_uint(a);
			if (mvmm_nla_type(a) != MVMM_A_RULE_ANSWER)
				continue;
			mvmm_nla_for_each_nested(h, rem3, a)
				if (mvmm_nla_type(h) == MVMM_A_ANSWER_HITS)
					rh->hits = mvmm_nla_uint(h);
		}
	}
	return 0;
}

static uint32_t add_rule(struct bench *b, int site)
{
	struct rule_hits rh = {};
	struct mvmm_ack ack;
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(b->s), MVMM_CMD_RULE_ADD, 0);
	put_rule(&m, b->v.id, b->wl, site);
	ret = mvmm_rsk_talk(b->s, &m, rule_cb, &rh, &ack);
	TEST_ASSERT(!ret && rh.n == 1 && rh.id,
		    "Expected the %s answer rule, got %s (%s)",
		    wl_info[b->wl].name, strerror(-ret), ack.msg);
	return rh.id;
}

/* The table's rules: their number, and the last one's hits. */
static struct rule_hits table_rules(struct bench *b)
{
	struct rule_hits rh = {};
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(b->s), MVMM_CMD_GET_RULE,
		      NLM_F_DUMP);
	mvmm_msg_put_u32(&m, MVMM_A_VM_ID, b->v.id);
	ret = mvmm_rsk_talk(b->s, &m, rule_cb, &rh, NULL);
	TEST_ASSERT(!ret, "Expected a rule dump, got %s", strerror(-ret));
	return rh;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of the last window's samples at site @site. */
static double median(struct bench *b, int site)
{
	memcpy(b->tsc, addr_gva2hva(b->v.vm, (vm_vaddr_t)g_tsc[site]),
	       b->samples * sizeof(*b->tsc));
	qsort(b->tsc, b->samples, sizeof(*b->tsc), cmp_u32);
	return b->tsc[b->samples / 2];
}

/*
 * One window with site @site answered (-1: none, the control): the ratio
 * of the medians, site @site (or 0) over the other; their ticks in @t.
 */
static double time_window(struct bench *b, int site, double *t)
{
	bool user = b->wl == WL_IN_USER;
	struct rule_hits h0, h1;
	uint32_t id = 0;
	struct mvmm_ack ack;
	int a = site < 0 ? 0 : site, ret;

	if (site >= 0)
		id = add_rule(b, site);
	run_window(b);		/* warm up */
	h0 = table_rules(b);
	run_window(b);
	h1 = table_rules(b);
	if (site >= 0) {
		TEST_ASSERT(h1.n == 1 && h1.id == id &&
			    h1.hits - h0.hits == b->samples &&
			    b->user_in == (user ? b->samples : 0),
			    "%s: Expected the answer to complete the %lu INs or CPUIDs at one site, got %lu hits, %lu exits here",
			    wl_info[b->wl].name, b->samples, h1.hits - h0.hits,
			    b->user_in);
		ret = mvmm_rule_del(b->s, b->v.id, id, &ack);
		TEST_ASSERT(!ret, "Expected the rule to go, got %s (%s)",
			    strerror(-ret), ack.msg);
	} else {
		TEST_ASSERT(!h1.n && b->user_in == (user ? 2 * b->samples : 0),
			    "%s: Expected no rule and %lu exits here, got %d rules, %lu exits",
			    wl_info[b->wl].name, user ? 2 * b->samples : 0,
			    h1.n, b->user_in);
	}
	t[0] = median(b, a);
	t[1] = median(b, !a);
	return t[0] / t[1];
}

int main(int argc, char *argv[])
{
	int samples = argc > 1 ? atoi(argv[1]) : 2000;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	double ratio[MAX_ROUNDS], ctl[MAX_ROUNDS], ans[MAX_ROUNDS];
	double kvm[MAX_ROUNDS], t[2];
	struct mvmm_bench_stat st_ratio, st_ctl, st_ans, st_kvm;
	struct bench b = {};
	int wl, r;

	TEST_ASSERT(samples > 0 && samples <= MAX_SAMPLES && rounds > 0 &&
		    rounds <= MAX_ROUNDS,
		    "usage: %s [samples_per_window <= %d [rounds <= %d]]",
		    argv[0], MAX_SAMPLES, MAX_ROUNDS);
	setvbuf(stdout, NULL, _IOLBF, 0);
	b.samples = samples;
	b.s = mvmm_rsk_open();
	TEST_ASSERT(b.s, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));
	printf("# time per exit in guest TSC ticks, answered and KVM-handled instructions interleaved, medians of windows of %d pairs, %d rounds; every window checked against the answer's hit counter\n",
	       samples, rounds);

	for (wl = 0; wl < NR_WL; wl++) {
		b.wl = wl;
		/* g_samples 0 (empty windows) until mvmm knows the VM. */
		g_samples = 0;
		mvmm_bench_vm_create(&b.v, guest_code, wl, 0, 0);
		g_samples = samples;
		sync_global_to_guest(b.v.vm, g_samples);

		for (r = 0; r < rounds; r++) {
			ctl[r] = time_window(&b, -1, t);
			if (r & 1)
				ctl[r] = 1 / ctl[r];	/* site 1 over site 0 */
			ratio[r] = time_window(&b, r & 1, t);
			ans[r] = t[0];
			kvm[r] = t[1];
			printf("# %s round %d: %.0f ticks answered, %.0f by KVM, ratio %.3f; control (no rule) %.3f\n",
			       wl_info[wl].name, r + 1, ans[r], kvm[r],
			       ratio[r], ctl[r]);
		}
		kvm_vm_free(b.v.vm);
		mvmm_bench_stat(ratio, rounds, &st_ratio);
		mvmm_bench_stat(ctl, rounds, &st_ctl);
		mvmm_bench_stat(ans, rounds, &st_ans);
		mvmm_bench_stat(kvm, rounds, &st_kvm);
		printf("%s: " RATIO_NAME " %.3f (time per exit, median of %d rounds, range %.2f..%.2f; target <= 1.02); control %.3f (range %.2f..%.2f); %.0f ticks per exit answered, %.0f by KVM  [%s]\n",
		       wl_info[wl].name, st_ratio.median, rounds, st_ratio.lo,
		       st_ratio.hi, st_ctl.median, st_ctl.lo, st_ctl.hi,
		       st_ans.median, st_kvm.median, wl_info[wl].what);
	}
	mvmm_rsk_close(b.s);
	return 0;
}

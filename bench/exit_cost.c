// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of one VM exit, by who completes it, in one boot of the test rig.
 *
 * The guest runs N times one instruction and times the whole run with
 * RDTSC (which exits to no one). Under QEMU's instruction counter
 * (RIG_ICOUNT=1: -icount shift=0, every clock of the rig advances one
 * tick per emulated instruction) a tick is one instruction of the L1 host
 * kernel and the guest together, and every round gives the same figure:
 * "instructions per exit". Without icount the figures are TSC cycles of
 * an emulated CPU, noisy and not the figure of record.
 *
 * Measured (each the median of ROUNDS rounds, whose range is printed):
 *
 *  - KVM alone (mvmm unloaded) and with mvmm loaded and every table
 *    empty: CPUID, OUT to KVM's in-kernel PIC, OUT to this program (a
 *    device of the main VMM): the extra instructions per exit that every
 *    exit of every VM pays for mvmm being there;
 *  - a kernel secondary against KVM's own path: CPUID leaf 0x40000000
 *    answered by mvmm_cpuidsig, OUT to port 0xe9 taken by mvmm_debugcon
 *    (against an OUT to the in-kernel PIC);
 *  - a fixed answer (rule target "answer") against KVM: CPUID
 *    0x40000000 with four fixed registers, CPUID leaf 1 with ECX masked
 *    from KVM's value, IN from port 0x21 against KVM's PIC answering it.
 *
 * Ratios are against KVM without mvmm loaded. Each routed run is checked
 * against mvmm's count of the events it completed: a run that KVM served
 * in the secondary's place fails the benchmark instead of flattering it.
 * The userspace secondary is measured by user_bench.
 *
 * Usage: exit_cost [rounds]     ($MVMM_KO: the module file; left loaded)
 *        exit_cost loop SCENARIO    (for bench/exit_profile)
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_util.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"

#define N		2000		/* exits per round */
#define MAX_ROUNDS	MVMM_BENCH_MAX_ROUNDS
#define PIC_PORT	0x21		/* master PIC IMR: KVM's in-kernel PIC */
#define USER_PORT	0x7e		/* no device: exits to this program */
#define DEBUGCON_PORT	0xe9
#define SIG_LEAF	0x40000000U
#define MASK_LEAF	1U
#define MASK_ECX	0x7fffffffU	/* the answer: KVM's ECX & this */

enum op { OP_CPUID, OP_OUT, OP_IN };

/* One page shared with the guest. */
struct cmd {
	uint64_t op, arg, n;
	uint64_t ticks;		/* written by the guest */
};

static struct cmd *guest_cmd;

static void guest_code(void)
{
	struct cmd *c = guest_cmd;
	uint32_t a, b, d, e;
	uint64_t i, t0;
	uint8_t v;

	for (;;) {
		GUEST_SYNC(0);
		t0 = rdtsc();
		for (i = 0; i < c->n; i++) {
			switch (c->op) {
			case OP_CPUID:
				a = c->arg;
				e = 0;
				asm volatile("cpuid"
					     : "+a"(a), "=b"(b), "+c"(e), "=d"(d));
				break;
			case OP_OUT:
				asm volatile("outb %0, %w1"
					     : : "a"((uint8_t)0xff),
					       "Nd"((uint16_t)c->arg));
				break;
			default:
				asm volatile("inb %w1, %0"
					     : "=a"(v) : "Nd"((uint16_t)c->arg));
				break;
			}
		}
		c->ticks = rdtsc() - t0;
	}
}

struct bench {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct cmd *cmd;
	uint32_t vm_id;
	uint64_t user_exits;	/* exits that reached this program */
	int rounds;
};

/* Run to the guest's next GUEST_SYNC, completing USER_PORT accesses. */
static void run_to_sync(struct bench *b)
{
	struct kvm_run *run = b->vcpu->run;
	struct ucall uc;

	for (;;) {
		mvmm_bench_vcpu_run(b->vcpu);
		if (run->io.port != USER_PORT)
			break;
		b->user_exits++;
	}
	if (get_ucall(b->vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == UCALL_SYNC,
		    "Expected a ucall, got an exit on port %#x (ucall %lu)",
		    run->io.port, uc.cmd);
}

/* Ticks per exit of @rounds runs of N x @op @arg: their median and range. */
static void measure(struct bench *b, enum op op, uint32_t arg,
		    struct mvmm_bench_stat *st)
{
	double t[MAX_ROUNDS];
	int r;

	b->cmd->op = op;
	b->cmd->arg = arg;
	b->cmd->n = N;
	run_to_sync(b);		/* one run to warm up */
	for (r = 0; r < b->rounds; r++) {
		run_to_sync(b);
		t[r] = (double)b->cmd->ticks / N;
	}
	mvmm_bench_stat(t, b->rounds, st);
}

static void set_mvmm(bool on)
{
	int ret;

	if (on == mvmm_kmod_loaded())
		return;
	ret = on ? mvmm_kmod_load(mvmm_kmod_path()) : mvmm_kmod_unload();
	TEST_ASSERT(!ret, "Expected %s of mvmm to work, got %s",
		    on ? "insmod" : "rmmod", strerror(-ret));
}

static void load_module(const char *mod)
{
	char dir[256], path[300];
	int ret;

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(path, sizeof(path), "%s/%s.ko", dirname(dir), mod);
	ret = mvmm_kmod_load(path);
	TEST_ASSERT(!ret || ret == -EEXIST, "Expected insmod %s to work, got %s",
		    path, strerror(-ret));
}

static void unload_module(const char *mod)
{
	syscall(__NR_delete_module, mod, 0);
}

static uint32_t find_vm(struct bench *b)
{
	struct mvmm_vm_info info;
	struct mvmm_nl *nl = mvmm_nl_open();
	int ret;

	TEST_ASSERT(nl, "Expected the mvmm family, got %s", strerror(errno));
	run_to_sync(b);		/* mvmm knows a VM once it exited */
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s",
		    strerror(-ret));
	mvmm_nl_close(nl);
	return info.id;
}

static uint32_t rule_add(struct mvmm_rsk *s, struct bench *b,
			 struct mvmm_rule_info *r)
{
	struct mvmm_ack ack;
	uint32_t id;
	int ret;

	r->origin = MVMM_MATCH_ANY;
	r->mode = MVMM_MODE_SYNC;
	r->fallback = MVMM_FALLBACK_MAIN;
	ret = mvmm_rule_add(s, b->vm_id, r, &id, &ack);
	TEST_ASSERT(!ret, "Expected the rule to be added, got %s (%s)",
		    strerror(-ret), ack.msg);
	return id;
}

/* The VM's count of @type events mvmm completed (routed, not to KVM). */
static uint64_t completed(struct bench *b, uint32_t type)
{
	struct mvmm_nl *nl = mvmm_nl_open();
	struct mvmm_vm_info info;
	int ret;

	TEST_ASSERT(nl, "Expected the mvmm family, got %s", strerror(errno));
	ret = mvmm_nl_get(nl, 1, b->vm_id, &info);
	TEST_ASSERT(!ret, "Expected VM %u's stats, got %s", b->vm_id,
		    strerror(-ret));
	mvmm_nl_close(nl);
	return info.completed[type];
}

/* One measurement: who completes which instruction. */
struct scenario {
	const char *name;
	bool mvmm;			/* mvmm.ko loaded */
	const char *module;		/* a secondary to load, or NULL */
	enum op op;
	uint32_t arg;
	bool routed;			/* with @rule in the VM's table */
	struct mvmm_rule_info rule;
	struct mvmm_bench_stat st;	/* instructions per exit */
};

#define KVM(n, o, a)	{ .name = n, .op = o, .arg = a }
#define MVMM(n, o, a)	{ .name = n, .mvmm = true, .op = o, .arg = a }

/* In measuring order: KVM alone first, then mvmm loaded. */
static struct scenario scenarios[] = {
	KVM("kvm-cpuid0", OP_CPUID, 0),
	KVM("kvm-cpuid-sig", OP_CPUID, SIG_LEAF),
	KVM("kvm-cpuid1", OP_CPUID, MASK_LEAF),
	KVM("kvm-out-pic", OP_OUT, PIC_PORT),
	KVM("kvm-in-pic", OP_IN, PIC_PORT),
	KVM("kvm-out-user", OP_OUT, USER_PORT),
	MVMM("empty-cpuid0", OP_CPUID, 0),
	MVMM("empty-out-pic", OP_OUT, PIC_PORT),
	MVMM("empty-out-user", OP_OUT, USER_PORT),
	{ .name = "cpuidsig", .mvmm = true, .module = "mvmm_cpuidsig",
	  .op = OP_CPUID, .arg = SIG_LEAF, .routed = true,
	  .rule = { .type = MVMM_EV_CPUID, .lo = SIG_LEAF,
		    .hi = SIG_LEAF + 0xff, .target = "cpuidsig" } },
	{ .name = "debugcon", .mvmm = true, .module = "mvmm_debugcon",
	  .op = OP_OUT, .arg = DEBUGCON_PORT, .routed = true,
	  .rule = { .type = MVMM_EV_IO, .lo = DEBUGCON_PORT,
		    .hi = DEBUGCON_PORT, .target = "debugcon" } },
	{ .name = "answer-cpuid-fixed", .mvmm = true, .op = OP_CPUID,
	  .arg = SIG_LEAF, .routed = true,
	  .rule = { .type = MVMM_EV_CPUID, .lo = SIG_LEAF, .hi = SIG_LEAF,
		    .answer = MVMM_RULE_ANSWER_FIXED,
		    .regs = { 0x40000001, 0x6d6d766d, 0x6d6d766d,
			      0x6d6d766d } } },
	{ .name = "answer-cpuid-masked", .mvmm = true, .op = OP_CPUID,
	  .arg = MASK_LEAF, .routed = true,
	  .rule = { .type = MVMM_EV_CPUID, .lo = MASK_LEAF, .hi = MASK_LEAF,
		    .answer = MVMM_RULE_ANSWER_MASK,
		    .regs = { ~0U, ~0U, MASK_ECX, ~0U } } },
	{ .name = "answer-in-pic", .mvmm = true, .op = OP_IN, .arg = PIC_PORT,
	  .routed = true,
	  .rule = { .type = MVMM_EV_IO, .lo = PIC_PORT, .hi = PIC_PORT,
		    .answer = MVMM_RULE_ANSWER_FIXED, .value = 0xff } },
};

static struct scenario *scenario(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	TEST_FAIL("no scenario %s", name);
	return NULL;
}

/* Load what @sc needs, add its rule: the rule's id, or 0. */
static uint32_t setup(struct bench *b, struct mvmm_rsk **s,
		      struct scenario *sc)
{
	if (!sc->mvmm) {
		unload_module("mvmm_cpuidsig");
		unload_module("mvmm_debugcon");
		set_mvmm(false);
		return 0;
	}
	set_mvmm(true);
	if (!b->vm_id)
		b->vm_id = find_vm(b);
	if (sc->module)
		load_module(sc->module);
	if (!sc->routed)
		return 0;
	if (!*s)
		*s = mvmm_rsk_open();
	TEST_ASSERT(*s, "Expected the rule socket, got %s", strerror(errno));
	return rule_add(*s, b, &sc->rule);
}

/*
 * Measure @sc. A routed one is checked against mvmm's count of the
 * events it completed: a run that KVM served in the secondary's place
 * fails the benchmark instead of flattering it.
 */
static void run_scenario(struct bench *b, struct mvmm_rsk **s,
			 struct scenario *sc)
{
	uint32_t id = setup(b, s, sc);
	uint64_t runs = b->rounds + 1, done = 0;
	int ret;

	printf("# %s\n", sc->name);
	if (sc->routed)
		done = completed(b, sc->rule.type);
	measure(b, sc->op, sc->arg, &sc->st);
	if (!sc->routed)
		return;
	done = completed(b, sc->rule.type) - done;
	TEST_ASSERT(done == runs * N,
		    "%s: Expected the rule to complete all %lu exits, mvmm completed %lu",
		    sc->name, runs * N, done);
	ret = mvmm_rule_del(*s, b->vm_id, id, NULL);
	TEST_ASSERT(!ret, "Expected the rule to go, got %s", strerror(-ret));
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT met";
}

static void print_extra(const char *what, const char *kvm, const char *mvmm,
			double target)
{
	const struct mvmm_bench_stat *k = &scenario(kvm)->st;
	const struct mvmm_bench_stat *m = &scenario(mvmm)->st;
	double extra = m->median - k->median;

	printf("%-44s %8.1f %8.1f %+7.1f  <= %+4.0f  %s  (ranges %.1f..%.1f, %.1f..%.1f)\n",
	       what, k->median, m->median, extra, target,
	       verdict(extra <= target), k->lo, k->hi, m->lo, m->hi);
}

static void print_ratio(const char *what, const char *mvmm, const char *kvm,
			double target)
{
	const struct mvmm_bench_stat *m = &scenario(mvmm)->st;
	const struct mvmm_bench_stat *k = &scenario(kvm)->st;
	double ratio = m->median / k->median;

	printf("%-44s %8.1f %8.1f %7.3f  <= %4.2f  %s  (ranges %.1f..%.1f, %.1f..%.1f)\n",
	       what, m->median, k->median, ratio, target,
	       verdict(ratio <= target), m->lo, m->hi, k->lo, k->hi);
}

/*
 * exit_cost loop SCENARIO: set it up, say so on the console, and run its
 * instruction forever (bench/exit_profile single-steps one exit).
 */
static void loop(struct bench *b, const char *name)
{
	struct mvmm_rsk *s = NULL;
	struct scenario *sc = scenario(name);

	setup(b, &s, sc);
	b->cmd->op = sc->op;
	b->cmd->arg = sc->arg;
	b->cmd->n = ~0ULL;
	printf("MVMM-PROFILE-READY %s\n", name);
	run_to_sync(b);
}

int main(int argc, char *argv[])
{
	struct mvmm_rsk *s = NULL;
	struct bench b = {};
	vm_vaddr_t gva;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	b.vm = vm_create_with_one_vcpu(&b.vcpu, guest_code);
	gva = vm_vaddr_alloc_page(b.vm);
	b.cmd = addr_gva2hva(b.vm, gva);
	guest_cmd = (struct cmd *)gva;
	sync_global_to_guest(b.vm, guest_cmd);
	run_to_sync(&b);

	if (argc > 2 && !strcmp(argv[1], "loop")) {
		loop(&b, argv[2]);
		return 0;
	}
	b.rounds = argc > 1 ? atoi(argv[1]) : 5;
	TEST_ASSERT(b.rounds > 0 && b.rounds <= MAX_ROUNDS,
		    "usage: %s [rounds <= %d] | loop SCENARIO", argv[0],
		    MAX_ROUNDS);
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		run_scenario(&b, &s, &scenarios[i]);
	if (s)
		mvmm_rsk_close(s);

	printf("# instructions per exit under icount (guest TSC ticks per exit: instructions only with RIG_ICOUNT=1), %d exits per round, medians of %d rounds\n",
	       N, b.rounds);
	printf("%-44s %8s %8s %7s  %6s\n", "empty policy: extra per exit",
	       "KVM", "mvmm", "extra", "target");
	print_extra("CPUID leaf 0", "kvm-cpuid0", "empty-cpuid0", 100);
	print_extra("OUT to KVM's in-kernel PIC (port 0x21)", "kvm-out-pic",
		    "empty-out-pic", 100);
	print_extra("OUT to the VMM (port 0x7e, KVM_EXIT_IO)", "kvm-out-user",
		    "empty-out-user", 100);
	printf("%-44s %8s %8s %7s  %6s\n", "kernel secondary / KVM", "mvmm",
	       "KVM", "ratio", "target");
	print_ratio("CPUID 0x40000000: cpuidsig / KVM", "cpuidsig",
		    "kvm-cpuid-sig", 1.05);
	print_ratio("OUT 0xe9 by debugcon / OUT to KVM's PIC", "debugcon",
		    "kvm-out-pic", 1.05);
	printf("%-44s %8s %8s %7s  %6s\n", "answer / KVM", "mvmm", "KVM",
	       "ratio", "target");
	print_ratio("CPUID 0x40000000 fixed / KVM", "answer-cpuid-fixed",
		    "kvm-cpuid-sig", 1.02);
	print_ratio("CPUID 1, ECX masked / KVM", "answer-cpuid-masked",
		    "kvm-cpuid1", 1.02);
	print_ratio("IN 0x21 answered / KVM's PIC", "answer-in-pic",
		    "kvm-in-pic", 1.02);
	kvm_vm_free(b.vm);
	return 0;
}

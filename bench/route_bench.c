// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of an exit handled by a kernel secondary against the same exit
 * handled by KVM, in one boot of the test rig.
 *
 * Workloads (one VM, one vCPU, the guest loops in batches of BATCH):
 *
 *   cpuid          CPUID leaf 0x40000000: mvmm_cpuidsig (rule cpuid leaf
 *                  0x40000000-0x400000ff handler cpuidsig) against KVM's
 *                  own answer (no rule)
 *   io-out         OUT to port 0xe9: mvmm_debugcon (rule io port 0xe9
 *                  handler debugcon) against KVM, which has no device at
 *                  0xe9 and so exits to this program for every OUT (the
 *                  usual path of a Bochs debug console in a VMM)
 *   io-out-kernel  the same debugcon windows against OUT to port 0x21,
 *                  which KVM's in-kernel PIC completes without leaving
 *                  the kernel: the closest in-kernel KVM path
 *
 * Each of a number of rounds times one window with the rule and one
 * without (alternating which comes first, so that a drift of the host
 * favours neither), and prints the rates. The figure for a workload is
 * the median of the per-round ratios of time per exit, secondary/main,
 * with their range: on a shared host (QEMU TCG competing for CPUs) single
 * windows are noisy. Every window with the rule is checked against the
 * handler's counters (handled == the guest's exits of the window); every
 * window without it must leave them alone. Nothing asserts on time.
 *
 * Usage: route_bench [seconds_per_window [rounds]]
 * mvmm.ko must be loaded; the sample modules are loaded from the
 * directory of $MVMM_KO (default /mvmm) if needed and left loaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"

#define BATCH		100
#define MAX_ROUNDS	31
#define SIG_LEAF	0x40000000U
#define DEBUGCON_PORT	0xe9
#define KERNEL_PORT	0x21		/* master PIC IMR, in-kernel */
/* The figure's name, as bench reports quote it. */
#define RATIO_NAME	"secondary/main ratio"

enum workload { WL_CPUID, WL_IO, WL_IO_KERNEL, NR_WL };

static const struct {
	const char *name;
	const char *handler;
	const char *main_what;
} wl_info[NR_WL] = {
	[WL_CPUID] = { "cpuid", "cpuidsig",
		       "KVM answers CPUID in the kernel" },
	[WL_IO] = { "io-out", "debugcon",
		    "KVM has no device at 0xe9: each OUT exits to this program" },
	[WL_IO_KERNEL] = { "io-out-kernel", "debugcon",
			   "main is OUT to port 0x21, completed by KVM's in-kernel PIC" },
};

/* Guest globals: the loop of the workload, and its port. */
static uint64_t g_port;

static void guest_code(uint64_t wl)
{
	uint32_t eax, ebx, ecx, edx;
	uint64_t batch, i;

	for (batch = 1;; batch++) {
		if (wl == WL_CPUID) {
			for (i = 0; i < BATCH; i++)
				cpuid(SIG_LEAF, &eax, &ebx, &ecx, &edx);
		} else {
			uint16_t port = READ_ONCE(g_port);
			uint8_t v = port == KERNEL_PORT ? 0xff : '.';

			for (i = 0; i < BATCH; i++)
				asm volatile("outb %0, %w1"
					     : : "a"(v), "d"(port));
		}
		GUEST_SYNC(batch);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run until @secs passed, stopping at a GUEST_SYNC; returns the loop
 * instructions the guest completed (BATCH per GUEST_SYNC).
 */
static uint64_t run_for(struct kvm_vcpu *vcpu, double secs, double *elapsed)
{
	struct kvm_run *run = vcpu->run;
	uint64_t batches = 0;
	double t0 = now();
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		if (run->io.port == DEBUGCON_PORT)
			continue;	/* KVM's path: the OUT reached us */
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("Unexpected ucall %lu", uc.cmd);
		}
		batches++;
		if (now() - t0 >= secs)
			break;
	}
	*elapsed = now() - t0;
	return batches * BATCH;
}

static void load_sample(const char *mod)
{
	char dir[256], path[300];
	int ret;

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(path, sizeof(path), "%s/%s.ko", dirname(dir), mod);
	ret = mvmm_kmod_load(path);
	TEST_ASSERT(!ret || ret == -EEXIST, "Expected insmod %s to work, got %s",
		    path, strerror(-ret));
}

static void handler_get(struct mvmm_rsk *s, const char *name,
			struct mvmm_handler_info *h)
{
	int ret = mvmm_handler_get(s, name, h);

	TEST_ASSERT(!ret, "Expected handler %s, got %s", name, strerror(-ret));
}

struct bench {
	struct mvmm_rsk *s;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint32_t vm_id;
	enum workload wl;
	double secs;
};

static void set_port(struct bench *b, uint16_t port)
{
	g_port = port;
	sync_global_to_guest(b->vm, g_port);
}

/* One window with the secondary's rule in place: exits per second. */
static double window_secondary(struct bench *b)
{
	struct mvmm_rule_info r = { .target = "" };
	struct mvmm_handler_info h0, h1;
	const char *name = wl_info[b->wl].handler;
	struct mvmm_ack ack;
	uint64_t done;
	double elapsed;
	uint32_t id;
	int ret;

	if (b->wl == WL_CPUID) {
		r.type = MVMM_EV_CPUID;
		r.lo = SIG_LEAF;
		r.hi = SIG_LEAF + 0xff;
	} else {
		set_port(b, DEBUGCON_PORT);
		r.type = MVMM_EV_IO;
		r.lo = r.hi = DEBUGCON_PORT;
	}
	snprintf(r.target, sizeof(r.target), "%s", name);
	ret = mvmm_rule_add(b->s, b->vm_id, &r, &id, &ack);
	TEST_ASSERT(!ret, "Expected the %s rule, got %s (%s)", name,
		    strerror(-ret), ack.msg);
	run_for(b->vcpu, 0.1, &elapsed);	/* warm up */
	handler_get(b->s, name, &h0);
	done = run_for(b->vcpu, b->secs, &elapsed);
	handler_get(b->s, name, &h1);
	TEST_ASSERT(h1.handled - h0.handled == done &&
		    h1.events - h0.events == done,
		    "%s: Expected %s to handle all %lu exits of the window, got %lu of %lu",
		    wl_info[b->wl].name, name, done, h1.handled - h0.handled,
		    h1.events - h0.events);
	ret = mvmm_rule_del(b->s, b->vm_id, id, &ack);
	TEST_ASSERT(!ret, "Expected the rule to go, got %s (%s)",
		    strerror(-ret), ack.msg);
	return done / elapsed;
}

/* One window of KVM's own path: exits per second. */
static double window_main(struct bench *b)
{
	struct mvmm_handler_info h0, h1;
	const char *name = wl_info[b->wl].handler;
	uint64_t done;
	double elapsed;

	if (b->wl == WL_IO)
		set_port(b, DEBUGCON_PORT);
	else if (b->wl == WL_IO_KERNEL)
		set_port(b, KERNEL_PORT);
	run_for(b->vcpu, 0.1, &elapsed);
	handler_get(b->s, name, &h0);
	done = run_for(b->vcpu, b->secs, &elapsed);
	handler_get(b->s, name, &h1);
	TEST_ASSERT(h1.events == h0.events,
		    "%s: Expected no event routed to %s without the rule, got %lu",
		    wl_info[b->wl].name, name, h1.events - h0.events);
	return done / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(int argc, char *argv[])
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	double sec[MAX_ROUNDS], kvm[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct mvmm_vm_info info;
	struct bench b = {};
	struct mvmm_nl *nl;
	int wl, r, ret;

	TEST_ASSERT(secs > 0 && rounds > 0 && rounds <= MAX_ROUNDS,
		    "usage: %s [seconds_per_window [rounds <= %d]]", argv[0],
		    MAX_ROUNDS);
	setvbuf(stdout, NULL, _IOLBF, 0);
	b.secs = secs;
	b.s = mvmm_rsk_open();
	TEST_ASSERT(b.s, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));
	load_sample("mvmm_cpuidsig");
	load_sample("mvmm_debugcon");
	printf("# time per exit, kernel secondary vs KVM, %.1fs windows, %d rounds; every window checked against the handler's counters\n",
	       secs, rounds);

	for (wl = 0; wl < NR_WL; wl++) {
		double lo, hi;

		b.wl = wl;
		b.vm = vm_create_with_one_vcpu(&b.vcpu, guest_code);
		vcpu_args_set(b.vcpu, 1, (uint64_t)wl);
		set_port(&b, DEBUGCON_PORT);
		run_for(b.vcpu, 0.1, &(double){ 0 });
		nl = mvmm_nl_open();
		TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
		ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
		TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s",
			    strerror(-ret));
		mvmm_nl_close(nl);
		b.vm_id = info.id;

		for (r = 0; r < rounds; r++) {
			if (r & 1) {
				kvm[r] = window_main(&b);
				sec[r] = window_secondary(&b);
			} else {
				sec[r] = window_secondary(&b);
				kvm[r] = window_main(&b);
			}
			/* time per exit, secondary over main */
			ratio[r] = kvm[r] / sec[r];
			printf("# %s round %d: %.0f exits/s by %s, %.0f by KVM, ratio %.3f\n",
			       wl_info[wl].name, r + 1, sec[r],
			       wl_info[wl].handler, kvm[r], ratio[r]);
		}
		kvm_vm_free(b.vm);
		lo = hi = ratio[0];
		for (r = 1; r < rounds; r++) {
			lo = ratio[r] < lo ? ratio[r] : lo;
			hi = ratio[r] > hi ? ratio[r] : hi;
		}
		printf("%s: " RATIO_NAME " %.3f (time per exit, median of %d rounds, range %.2f..%.2f); %.0f exits/s by %s, %.0f by KVM  [%s]\n",
		       wl_info[wl].name, median(ratio, rounds), rounds, lo, hi,
		       median(sec, rounds), wl_info[wl].handler,
		       median(kvm, rounds), wl_info[wl].main_what);
	}
	mvmm_rsk_close(b.s);
	return 0;
}

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
#include <unistd.h>

#include "bench_util.h"
#include "mvmm_kmod.h"
#include "mvmm_rule.h"

#define BATCH		100
#define MAX_ROUNDS	MVMM_BENCH_MAX_ROUNDS
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

/* Guest global: the port of the OUT loop. */
static uint64_t g_port = DEBUGCON_PORT;

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

/* Run for @secs; returns the loop instructions the guest completed. */
static uint64_t run_for(struct kvm_vcpu *vcpu, double secs, double *elapsed)
{
	struct mvmm_bench_run r;

	mvmm_bench_run_for(vcpu, secs, DEBUGCON_PORT, 0, &r);
	*elapsed = r.elapsed;
	return r.syncs * BATCH;
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

struct bench {
	struct mvmm_rsk *s;
	struct mvmm_bench_vm v;
	enum workload wl;
	double secs;
};

static void set_port(struct bench *b, uint16_t port)
{
	g_port = port;
	sync_global_to_guest(b->v.vm, g_port);
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
	ret = mvmm_rule_add(b->s, b->v.id, &r, &id, &ack);
	TEST_ASSERT(!ret, "Expected the %s rule, got %s (%s)", name,
		    strerror(-ret), ack.msg);
	run_for(b->v.vcpu, 0.1, &elapsed);	/* warm up */
	mvmm_bench_handler(b->s, name, &h0);
	done = run_for(b->v.vcpu, b->secs, &elapsed);
	mvmm_bench_handler(b->s, name, &h1);
	TEST_ASSERT(h1.handled - h0.handled == done &&
		    h1.events - h0.events == done,
		    "%s: Expected %s to handle all %lu exits of the window, got %lu of %lu",
		    wl_info[b->wl].name, name, done, h1.handled - h0.handled,
		    h1.events - h0.events);
	ret = mvmm_rule_del(b->s, b->v.id, id, &ack);
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
	run_for(b->v.vcpu, 0.1, &elapsed);
	mvmm_bench_handler(b->s, name, &h0);
	done = run_for(b->v.vcpu, b->secs, &elapsed);
	mvmm_bench_handler(b->s, name, &h1);
	TEST_ASSERT(h1.events == h0.events,
		    "%s: Expected no event routed to %s without the rule, got %lu",
		    wl_info[b->wl].name, name, h1.events - h0.events);
	return done / elapsed;
}

int main(int argc, char *argv[])
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	double sec[MAX_ROUNDS], kvm[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct mvmm_bench_stat st_sec, st_kvm, st_ratio;
	struct bench b = {};
	int wl, r;

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
		b.wl = wl;
		mvmm_bench_vm_create(&b.v, guest_code, wl, DEBUGCON_PORT, 0);

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
		kvm_vm_free(b.v.vm);
		mvmm_bench_stat(ratio, rounds, &st_ratio);
		mvmm_bench_stat(sec, rounds, &st_sec);
		mvmm_bench_stat(kvm, rounds, &st_kvm);
		printf("%s: " RATIO_NAME " %.3f (time per exit, median of %d rounds, range %.2f..%.2f); %.0f exits/s by %s, %.0f by KVM  [%s]\n",
		       wl_info[wl].name, st_ratio.median, rounds, st_ratio.lo,
		       st_ratio.hi, st_sec.median, wl_info[wl].handler,
		       st_kvm.median, wl_info[wl].main_what);
	}
	mvmm_rsk_close(b.s);
	return 0;
}

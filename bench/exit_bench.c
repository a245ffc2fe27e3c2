// SPDX-License-Identifier: GPL-2.0
/*
 * VM exits per second of an exit-heavy guest, without and with mvmm.ko,
 * in one boot of the test rig.
 *
 * For each workload (CPUID loop; OUT loop to an in-kernel port; OUT loop
 * to a port that exits to this program) one VM runs the loop. In each of
 * a number of rounds the program unloads mvmm.ko, times the guest for a
 * short window, loads mvmm.ko again and times it again (alternating which
 * comes first, so a drift of the host does not favour one side). It
 * prints the median rates and the median of the per-round ratios, with
 * their range: on a shared host (QEMU TCG competing for CPUs) single
 * windows are noisy, and the range says how much. With mvmm loaded it also checks, through
 * netlink, that mvmm counted exactly the exits the guest made in the
 * timed window. Nothing here asserts on time.
 *
 * Usage: exit_bench [seconds_per_window [rounds]]   ($MVMM_KO: the module)
 * mvmm.ko is left loaded.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"

#define BATCH		100
#define KERNEL_PORT	0x21		/* master PIC IMR, in-kernel */
#define USER_PORT	0x7e		/* no device: exits to userspace */
#define MAX_ROUNDS	MVMM_BENCH_MAX_ROUNDS

enum workload { WL_CPUID, WL_IO_KERNEL, WL_IO_USER, NR_WL };

static const struct {
	const char *name;
	const char *what;
	int type;			/* the mvmm event type of its exits */
} wl_info[NR_WL] = {
	[WL_CPUID] = { "cpuid", "CPUID loop", MVMM_EV_CPUID },
	[WL_IO_KERNEL] = { "io-out", "OUT loop, in-kernel port 0x21",
			   MVMM_EV_IO },
	[WL_IO_USER] = { "io-out-user", "OUT loop, port 0x7e handled by the VMM",
			 MVMM_EV_IO },
};

static void guest_code(uint64_t wl)
{
	uint32_t eax, ebx, ecx, edx;
	uint64_t batch, i;

	for (batch = 1;; batch++) {
		switch (wl) {
		case WL_CPUID:
			for (i = 0; i < BATCH; i++)
				cpuid(0, &eax, &ebx, &ecx, &edx);
			break;
		case WL_IO_KERNEL:
			for (i = 0; i < BATCH; i++)
				asm volatile("outb %0, %w1"
					     : : "a"((uint8_t)0xff),
					       "Nd"((uint16_t)KERNEL_PORT));
			break;
		case WL_IO_USER:
			for (i = 0; i < BATCH; i++)
				asm volatile("outb %0, %w1"
					     : : "a"((uint8_t)i),
					       "Nd"((uint16_t)USER_PORT));
			break;
		}
		GUEST_SYNC(batch);
	}
}

/*
 * Run the guest for @secs; returns its exits in that time as this program
 * sees them (KVM_RUN returns) in *@returns, and as the guest made them.
 */
static uint64_t run_for(enum workload wl, struct kvm_vcpu *vcpu, double secs,
			uint64_t *returns, double *elapsed)
{
	struct mvmm_bench_run r;

	mvmm_bench_run_for(vcpu, secs, USER_PORT, 0, &r);
	*returns = r.syncs + r.port_exits;
	*elapsed = r.elapsed;
	/* Only the user-port loop returns to us on every OUT. */
	return wl == WL_IO_USER ? *returns : r.syncs * (BATCH + 1);
}

static void set_mvmm(bool on, const char *ko)
{
	int ret;

	if (on == mvmm_kmod_loaded())
		return;
	ret = on ? mvmm_kmod_load(ko) : mvmm_kmod_unload();
	TEST_ASSERT(!ret, "Expected %s of mvmm to work, got %s",
		    on ? "insmod" : "rmmod", strerror(-ret));
}

/* Exits of @type that mvmm counted for the VM with id @id. */
static uint64_t mvmm_count(struct mvmm_nl *nl, uint32_t id, int type)
{
	struct mvmm_vm_info vm;
	int ret = mvmm_nl_get(nl, 1, id, &vm);

	TEST_ASSERT(!ret, "Expected stats of VM %u, got %s", id,
		    strerror(-ret));
	return vm.exits[type];
}

/* One timed window with mvmm loaded, cross-checked with its counters. */
static double measure_with(enum workload wl, struct kvm_vcpu *vcpu,
			   double secs)
{
	struct mvmm_vm_info vm;
	struct mvmm_nl *nl;
	uint64_t before, after, exits, returns, want;
	double elapsed;
	int ret;

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm family with mvmm loaded, got %s",
		    strerror(errno));
	/* Warm up, and let mvmm see the VM (it registers on first exit). */
	run_for(wl, vcpu, 0.2, &returns, &elapsed);
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s",
		    strerror(-ret));
	before = mvmm_count(nl, vm.id, wl_info[wl].type);

	exits = run_for(wl, vcpu, secs, &returns, &elapsed);

	after = mvmm_count(nl, vm.id, wl_info[wl].type);
	/*
	 * Every exit of the window is of the workload's type, the ucalls
	 * included, except in the CPUID loop, whose ucalls are IO exits:
	 * there KVM_RUN returned once per batch.
	 */
	want = wl == WL_CPUID ? returns * BATCH : exits;
	TEST_ASSERT(after - before == want,
		    "%s: Expected mvmm to count %lu %s exits, got %lu",
		    wl_info[wl].name, want, mvmm_nl_type_name(wl_info[wl].type),
		    after - before);
	mvmm_nl_close(nl);
	return exits / elapsed;
}

static double measure_without(enum workload wl, struct kvm_vcpu *vcpu,
			      double secs)
{
	uint64_t exits, returns;
	double elapsed;

	run_for(wl, vcpu, 0.2, &returns, &elapsed);
	exits = run_for(wl, vcpu, secs, &returns, &elapsed);
	return exits / elapsed;
}

int main(int argc, char *argv[])
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	const char *ko = mvmm_kmod_path();
	double with[MAX_ROUNDS], without[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct mvmm_bench_stat st_with, st_without, st_ratio;
	int wl, r;

	TEST_ASSERT(secs > 0 && rounds > 0 && rounds <= MAX_ROUNDS,
		    "usage: %s [seconds_per_window [rounds <= %d]]", argv[0],
		    MAX_ROUNDS);
	TEST_ASSERT(!access(ko, R_OK), "Expected the module at %s, got %s", ko,
		    strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# exits/s of one vCPU, %.1fs windows, %d rounds, every window with mvmm is checked against its counters\n",
	       secs, rounds);

	for (wl = 0; wl < NR_WL; wl++) {
		struct kvm_vcpu *vcpu;
		struct kvm_vm *vm;

		vm = vm_create_with_one_vcpu(&vcpu, guest_code);
		vcpu_args_set(vcpu, 1, (uint64_t)wl);
		for (r = 0; r < rounds; r++) {
			bool first_with = r & 1;
			int k;

			for (k = 0; k < 2; k++) {
				bool on = first_with == !k;

				set_mvmm(on, ko);
				if (on)
					with[r] = measure_with(wl, vcpu, secs);
				else
					without[r] = measure_without(wl, vcpu,
								     secs);
			}
			printf("# %s round %d: %.0f exits/s without, %.0f with\n",
			       wl_info[wl].name, r + 1, without[r], with[r]);
		}
		kvm_vm_free(vm);
		/*
		 * Each round's two windows are back to back: their ratio
		 * cancels slow drifts of a shared host, so the figure is the
		 * median of the per-round ratios. The range shows the noise.
		 */
		for (r = 0; r < rounds; r++)
			ratio[r] = with[r] / without[r];
		mvmm_bench_stat(with, rounds, &st_with);
		mvmm_bench_stat(without, rounds, &st_without);
		mvmm_bench_stat(ratio, rounds, &st_ratio);
		printf("%s: %.0f exits/s without mvmm, %.0f with (medians of %d windows), ratio with/without %.3f (median of per-round ratios, range %.2f..%.2f)  [%s]\n",
		       wl_info[wl].name, st_without.median, st_with.median,
		       rounds, st_ratio.median, st_ratio.lo, st_ratio.hi,
		       wl_info[wl].what);
	}
	set_mvmm(true, ko);
	return 0;
}

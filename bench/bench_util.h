/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the rig benchmarks (exit_bench, route_bench, user_bench) share: the
 * timed run loop of a vCPU whose guest loops in batches that end in a
 * GUEST_SYNC, the median and range of per-round figures, and the mvmm
 * look-ups that check their windows.
 */
#ifndef MVMM_BENCH_UTIL_H
#define MVMM_BENCH_UTIL_H

#include <stdint.h>

#include "kvm_util.h"
#include "mvmm_rule.h"

/* Most rounds a benchmark takes (its per-round arrays are this long). */
#define MVMM_BENCH_MAX_ROUNDS	31

/* CLOCK_MONOTONIC in seconds. */
double mvmm_bench_now(void);

/*
 * KVM_RUN as a lean VMM's loop makes it: the ioctl, again after EINTR, a
 * check that the exit is KVM_EXIT_IO (which every exit of the benchmarks'
 * guests is), and nothing else, so that the main VMM's figure is KVM's.
 * The selftests' vcpu_run() looks for a ucall on every exit (6.12's
 * get_ucall() clears a struct ucall of over 1 KiB each time), and
 * TEST_ASSERT() formats its message even when its condition holds: under
 * icount the harness's user space cost 5,268 instructions per exit on
 * 6.12 and 830 on 6.1 (bench/exit_profile user-main-io-out), counted as
 * the main VMM's. The caller looks for a ucall only where one can be.
 */
void mvmm_bench_vcpu_run(struct kvm_vcpu *vcpu);

/* What one mvmm_bench_run_for() saw. */
struct mvmm_bench_run {
	uint64_t syncs;		/* GUEST_SYNCs: batches the guest finished */
	uint64_t port_exits;	/* KVM_EXIT_IO on the port, completed here */
	double elapsed;		/* seconds */
};

/*
 * Run @vcpu until @secs have passed, stopping at a GUEST_SYNC, so that the
 * guest ran whole batches. Every exit must be KVM_EXIT_IO: a ucall, or an
 * access to @port, which this completes as a main VMM with no device there
 * would (an OUT is dropped, an IN reads @in_value) and resumes at once.
 */
void mvmm_bench_run_for(struct kvm_vcpu *vcpu, double secs, uint16_t port,
			uint32_t in_value, struct mvmm_bench_run *r);

/* Median and range of @n figures (@v is left alone). */
struct mvmm_bench_stat {
	double median;
	double lo;
	double hi;
};

void mvmm_bench_stat(const double *v, int n, struct mvmm_bench_stat *st);

/* A benchmark's VM, with one vCPU, and mvmm's id of it. */
struct mvmm_bench_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint32_t id;
};

/*
 * Create the VM, its vCPU running @guest_code(@arg), and run it briefly
 * (mvmm_bench_run_for() with @port, @in_value) so that mvmm knows it. One
 * VM of this process at a time: the id is found by pid.
 */
void mvmm_bench_vm_create(struct mvmm_bench_vm *v, void *guest_code,
			  uint64_t arg, uint16_t port, uint32_t in_value);

/* The counters of handler @name; asserts that it is known. */
void mvmm_bench_handler(struct mvmm_rsk *s, const char *name,
			struct mvmm_handler_info *h);

#endif /* MVMM_BENCH_UTIL_H */

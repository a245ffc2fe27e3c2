// SPDX-License-Identifier: GPL-2.0
/*
 * A small guest for `make demo`: for a few seconds it loops on CPUID, an
 * OUT to port 0x80 (which KVM hands to this program), RDMSR, WRMSR and
 * CPUID leaf 0x40000000 (the hypervisor signature: KVM's, or a secondary
 * VMM's if a rule routes the leaf to one), then prints what it did and
 * what signature it saw, and stays alive (vCPU stopped, VM still there)
 * so that mvmmctl can show the VM and its counters. It ends on SIGTERM /
 * SIGINT, or by itself after a while.
 *
 * Usage: mvmm_demo_guest [run_seconds [linger_seconds]]
 */
#include "kvm_util.h"
#include "processor.h"
#include "mvmm_guest_io.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH		50
#define DEMO_PORT	0x80
#define HV_LEAF		0x40000000

static void guest_code(void)
{
	uint32_t eax, ebx, ecx, edx;
	uint64_t misc = rdmsr(MSR_IA32_MISC_ENABLE);
	uint64_t batch, i;

	for (batch = 1;; batch++) {
		for (i = 0; i < BATCH; i++) {
			cpuid(0, &eax, &ebx, &ecx, &edx);
			mvmm_guest_outb(DEMO_PORT, i);
			GUEST_ASSERT(rdmsr(MSR_IA32_MISC_ENABLE) == misc);
			wrmsr(MSR_IA32_MISC_ENABLE, misc);
			cpuid(HV_LEAF, &eax, &ebx, &ecx, &edx);
		}
		/* The last signature seen, for the host side to print. */
		GUEST_SYNC_ARGS(batch, ebx, ecx, edx, 0);
	}
}

static int done;

static void on_signal(int sig)
{
	__atomic_store_n(&done, 1, __ATOMIC_RELAXED);
}

static bool stopped(void)
{
	return __atomic_load_n(&done, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	double run_s = argc > 1 ? atof(argv[1]) : 3;
	int linger_s = argc > 2 ? atoi(argv[2]) : 300;
	uint64_t outs = 0, syncs = 0;
	char sig[13] = "";
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	double t0, end;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	run = vcpu->run;
	printf("demo guest: pid %d, running its vCPU for %.0fs\n", getpid(),
	       run_s);

	/* Stop at a GUEST_SYNC, between batches, so the tally is exact. */
	t0 = now();
	end = t0 + run_s;
	while (!stopped()) {
		vcpu_run(vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		if (run->io.port == DEMO_PORT) {
			outs++;
			continue;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			syncs++;
			memcpy(sig, &uc.args[2], 4);
			memcpy(sig + 4, &uc.args[3], 4);
			memcpy(sig + 8, &uc.args[4], 4);
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("Unexpected ucall %lu", uc.cmd);
		}
		if (now() >= end)
			break;
	}

	printf("demo guest: in %.1fs the guest ran %lu loops of CPUID, OUT 0x80, RDMSR, WRMSR, CPUID 0x40000000\n",
	       now() - t0, outs);
	printf("demo guest: so mvmm should count cpuid %lu, msr-write %lu, msr-read %lu (one more before the loop),\n"
	       "demo guest: io %lu (%lu OUTs + %lu GUEST_SYNC ucalls, which are port IO too)\n",
	       2 * outs, outs, outs + 1, outs + syncs, outs, syncs);
	printf("demo guest: CPUID 0x40000000 said the hypervisor is \"%s\"\n",
	       sig);
	printf("demo guest: idle now; the VM stays alive until this process ends\n");

	while (!stopped() && linger_s-- > 0)
		sleep(1);
	kvm_vm_free(vm);
	return 0;
}

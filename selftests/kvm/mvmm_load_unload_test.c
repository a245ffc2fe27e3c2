// SPDX-License-Identifier: GPL-2.0
/*
 * Unload and reload mvmm.ko many times while a guest loops on exits.
 *
 * A vCPU thread runs a guest that checks every CPUID leaf 0 answer against
 * what KVM was configured with, reads back an in-kernel port and an MSR,
 * and reports each batch with GUEST_SYNC(batch number). Meanwhile the main
 * thread does rmmod + insmod (raw delete_module/finit_module) CYCLES times.
 * After each load it waits until the guest made progress again and until
 * the module, through netlink, knows the VM (by this process's pid) with
 * CPUID exits counted. Any wrong answer in the guest, a batch out of
 * order, a stalled guest or a missing VM fails the test; the rig checks
 * the kernel log. mvmm is left loaded, as the suite expects.
 *
 * Usage: mvmm_load_unload_test [cycles]   ($MVMM_KO: the module file)
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mvmm_kmod.h"
#include "mvmm_ucall.h"
#include "mvmm_nl.h"
#include "mvmm_guest_io.h"

#define CYCLES		50
#define BATCH		20		/* loop iterations per GUEST_SYNC */
#define KERNEL_PORT	0x21		/* master PIC IMR, in-kernel */
#define WAIT_SECS	60

/* Guest copies: the leaf 0 answer KVM must give, set by the host. */
static uint32_t want_eax, want_ebx, want_ecx, want_edx;

static void guest_code(void)
{
	uint32_t eax, ebx, ecx, edx;
	uint64_t batch, i, misc;
	uint8_t v;

	misc = rdmsr(MSR_IA32_MISC_ENABLE);
	for (batch = 1;; batch++) {
		for (i = 0; i < BATCH; i++) {
			cpuid(0, &eax, &ebx, &ecx, &edx);
			GUEST_ASSERT_2(eax == want_eax && ebx == want_ebx &&
				       ecx == want_ecx && edx == want_edx,
				       eax, ebx);
			mvmm_guest_outb(KERNEL_PORT, 0xff);
			v = mvmm_guest_inb(KERNEL_PORT);
			GUEST_ASSERT_1(v == 0xff, v);
			GUEST_ASSERT_1(rdmsr(MSR_IA32_MISC_ENABLE) == misc, misc);
		}
		GUEST_SYNC(batch);
	}
}

static struct kvm_vcpu *vcpu;
static uint64_t batches;		/* last batch the guest reported */
static bool stop;

static void *vcpu_thread(void *arg)
{
	uint64_t batch;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		vcpu_run(vcpu);
		TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO,
			    "Expected a ucall, got exit reason %u (%s)",
			    vcpu->run->exit_reason,
			    exit_reason_str(vcpu->run->exit_reason));
		batch = mvmm_ucall_sync(vcpu);
		TEST_ASSERT(batch == batches + 1,
			    "Expected guest batch %lu, got %lu", batches + 1,
			    batch);
		__atomic_store_n(&batches, batch, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t progress(void)
{
	return __atomic_load_n(&batches, __ATOMIC_ACQUIRE);
}

/* Wait until the guest reported a batch after @since. */
static void wait_progress(uint64_t since, int cycle, const char *when)
{
	double end = now() + WAIT_SECS;

	while (progress() <= since) {
		TEST_ASSERT(now() < end,
			    "cycle %d, %s: Expected the guest to go on, got no batch after %lu for %ds",
			    cycle, when, since, WAIT_SECS);
		usleep(1000);
	}
}

/* Wait until the freshly loaded module knows our VM and counts its exits. */
static void wait_vm_seen(int cycle)
{
	double end = now() + WAIT_SECS;
	struct mvmm_vm_info vm;
	struct mvmm_nl *nl;
	int ret;

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "cycle %d: Expected the mvmm family after insmod, got %s",
		    cycle, strerror(errno));
	for (;;) {
		ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm);
		if (!ret && vm.exits[MVMM_EV_CPUID] > 0)
			break;
		TEST_ASSERT(ret == 0 || ret == -ENOENT,
			    "cycle %d: Expected a VM dump, got %s", cycle,
			    strerror(-ret));
		TEST_ASSERT(now() < end,
			    "cycle %d: Expected mvmm to see VM of pid %d with cpuid exits within %ds, got %s",
			    cycle, getpid(), WAIT_SECS,
			    ret ? "no VM" : "no cpuid exits");
		usleep(1000);
	}
	TEST_ASSERT(vm.vcpus == 1, "cycle %d: Expected 1 vCPU, got %u", cycle,
		    vm.vcpus);
	mvmm_nl_close(nl);
}

int main(int argc, char *argv[])
{
	const struct kvm_cpuid_entry2 *leaf0;
	int cycles = argc > 1 ? atoi(argv[1]) : CYCLES;
	const char *ko = mvmm_kmod_path();
	uint64_t before;
	pthread_t thread;
	struct kvm_vm *vm;
	double t0;
	int i, ret;

	TEST_ASSERT(cycles > 0, "Expected a positive cycle count, got %s",
		    argv[1]);
	TEST_ASSERT(!access(ko, R_OK), "Expected the module at %s, got %s", ko,
		    strerror(errno));

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	leaf0 = vcpu_get_cpuid_entry(vcpu, 0);
	want_eax = leaf0->eax;
	want_ebx = leaf0->ebx;
	want_ecx = leaf0->ecx;
	want_edx = leaf0->edx;
	sync_global_to_guest(vm, want_eax);
	sync_global_to_guest(vm, want_ebx);
	sync_global_to_guest(vm, want_ecx);
	sync_global_to_guest(vm, want_edx);

	pthread_create(&thread, NULL, vcpu_thread, NULL);
	wait_progress(0, 0, "start");
	if (mvmm_kmod_loaded())
		wait_vm_seen(0);

	t0 = now();
	for (i = 1; i <= cycles; i++) {
		before = progress();
		ret = mvmm_kmod_unload();
		TEST_ASSERT(!ret || ret == -ENOENT,
			    "cycle %d: Expected rmmod mvmm to work, got %s", i,
			    strerror(-ret));
		TEST_ASSERT(!mvmm_kmod_loaded(),
			    "cycle %d: Expected mvmm gone after rmmod", i);
		/* Every other cycle the guest runs a while without mvmm. */
		if (i & 1)
			wait_progress(before, i, "after rmmod");

		before = progress();
		ret = mvmm_kmod_load(ko);
		TEST_ASSERT(!ret, "cycle %d: Expected insmod %s to work, got %s",
			    i, ko, strerror(-ret));
		wait_progress(before, i, "after insmod");
		/* Odd cycles unload again at once, while exits are in flight. */
		if (!(i & 1))
			wait_vm_seen(i);
	}

	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	kvm_vm_free(vm);

	if (!mvmm_kmod_loaded()) {
		ret = mvmm_kmod_load(ko);
		TEST_ASSERT(!ret, "Expected the final insmod to work, got %s",
			    strerror(-ret));
	}
	printf("%d rmmod/insmod cycles in %.1fs; the guest ran %lu batches (%lu checked CPUID answers), mvmm saw the VM after every even load\n",
	       cycles, now() - t0, progress(), progress() * BATCH);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod/insmod of mvmm while two vCPUs make accesses that mvmm routes and
 * then passes on to KVM, whose device code sleeps.
 *
 * vCPU 0 reads an unbacked GPA (MMIO) and reads the in-kernel PIT's
 * counter with REP INSB (string IO, routed element by element on KVM's
 * buses); vCPU 1 programs and reads the PIT with OUT and IN (routed in
 * kvm_fast_pio()). Rules send all of it to mvmm_testsec, which passes it
 * back to KVM: mvmm's code calls KVM's original, and the PIT's handlers
 * take a mutex, so a vCPU may sleep there with mvmm's code on its stack.
 * Both vCPUs hit the PIT, so they contend for it. Meanwhile the main
 * thread loads mvmm and testsec, adds the rules, lets the vCPUs run into
 * them, and unloads both, CYCLES times. Unloading must wait until no task
 * can return into mvmm's code: the rig fails the run on any oops. Every
 * cycle checks that both vCPUs made progress and that the rules really
 * routed events (testsec's counters).
 *
 * Usage: mvmm_unload_routed_test [cycles]   ($MVMM_KO: the module file)
 * mvmm is left loaded (testsec not).
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "mvmm_kmod.h"
#include "mvmm_ucall.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "testsec.h"
#include "mvmm_guest_io.h"

#define CYCLES		50
#define BATCH		20
#define MMIO_GPA	0xc0000000ULL
#define PIT_CH0		0x40
#define PIT_MODE	0x43
#define WAIT_SECS	60

static void guest_code(uint64_t which)
{
	uint8_t buf[4];
	uint64_t batch, i;

	for (batch = 1;; batch++) {
		for (i = 0; i < BATCH; i++) {
			if (which == 0) {
				uint8_t *p = buf;
				uint64_t n = sizeof(buf);

				(void)READ_ONCE(*(volatile uint32_t *)MMIO_GPA);
				/* Latch channel 0, read it (LSB, MSB). */
				mvmm_guest_outb(PIT_MODE, 0x00);
				asm volatile("rep insb"
					     : "+D"(p), "+c"(n)
					     : "d"(PIT_CH0) : "memory");
			} else {
				mvmm_guest_outb(PIT_MODE, 0x34); /* ch 0, lo/hi, mode 2 */
				mvmm_guest_outb(PIT_CH0, 0xff);
				mvmm_guest_outb(PIT_CH0, 0xff);
				(void)mvmm_guest_inb(PIT_CH0);
			}
		}
		GUEST_SYNC(batch);
	}
}

struct vcpu_ctx {
	struct kvm_vcpu *vcpu;
	uint64_t batches;
	uint64_t mmio;
	pthread_t thread;
};

static bool stop;

static void *vcpu_thread(void *arg)
{
	struct vcpu_ctx *v = arg;
	struct kvm_run *run = v->vcpu->run;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		vcpu_run(v->vcpu);
		if (run->exit_reason == KVM_EXIT_MMIO) {
			/* No device there: reads float high. */
			memset(run->mmio.data, 0xff, run->mmio.len);
			v->mmio++;
			continue;
		}
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected a ucall, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		__atomic_store_n(&v->batches, mvmm_ucall_sync(v->vcpu),
				 __ATOMIC_RELEASE);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait until vCPU @v reported a batch after @since. */
static void wait_progress(struct vcpu_ctx *v, uint64_t since, int cycle,
			  int idx)
{
	double end = now() + WAIT_SECS;

	while (__atomic_load_n(&v->batches, __ATOMIC_ACQUIRE) <= since) {
		TEST_ASSERT(now() < end,
			    "cycle %d: Expected vCPU %d to go on, got no batch after %lu for %ds",
			    cycle, idx, since, WAIT_SECS);
		usleep(1000);
	}
}

static void load(const char *ko, const char *what, int cycle)
{
	int ret = mvmm_kmod_load(ko);

	TEST_ASSERT(!ret, "cycle %d: Expected insmod %s to work, got %s",
		    cycle, what, strerror(-ret));
}

static void unload(const char *mod, int cycle)
{
	int ret = syscall(__NR_delete_module, mod, 0) ? -errno : 0;

	TEST_ASSERT(!ret, "cycle %d: Expected rmmod %s to work, got %s", cycle,
		    mod, strerror(-ret));
}

/* testsec's calls so far (its debugfs "stats": "<type> <calls> ..."). */
static uint64_t testsec_calls(void)
{
	char line[128], name[32];
	unsigned long long calls, total = 0;
	FILE *f = fopen(TESTSEC_DEBUGFS "/stats", "r");

	TEST_ASSERT(f, "open testsec's stats: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %llu", name, &calls) == 2)
			total += calls;
	fclose(f);
	return total;
}

static uint32_t find_vm(int cycle)
{
	double end = now() + WAIT_SECS;
	struct mvmm_vm_info vm;
	struct mvmm_nl *nl = mvmm_nl_open();
	int ret;

	TEST_ASSERT(nl, "cycle %d: Expected the mvmm family, got %s", cycle,
		    strerror(errno));
	while ((ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm)) == -ENOENT) {
		TEST_ASSERT(now() < end, "cycle %d: Expected mvmm to see the VM",
			    cycle);
		usleep(1000);
	}
	TEST_ASSERT(!ret, "cycle %d: VM dump: %s", cycle, strerror(-ret));
	mvmm_nl_close(nl);
	return vm.id;
}

static void add_rules(struct mvmm_rsk *s, uint32_t vm, int cycle)
{
	struct mvmm_rule_info r[] = {
		{ .type = MVMM_EV_MMIO, .lo = MMIO_GPA, .hi = MMIO_GPA + 0xfff },
		{ .type = MVMM_EV_IO, .lo = PIT_CH0, .hi = PIT_MODE },
	};
	struct mvmm_ack ack;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i].mode = MVMM_MODE_SYNC;
		r[i].fallback = MVMM_FALLBACK_MAIN;
		strcpy(r[i].target, TESTSEC_NAME);
		ret = mvmm_rule_add(s, vm, &r[i], NULL, &ack);
		TEST_ASSERT(!ret, "cycle %d: Expected rule %zu to be added, got %s (%s)",
			    cycle, i, strerror(-ret), ack.msg);
	}
}

int main(int argc, char *argv[])
{
	struct kvm_pit_config pit = { .flags = 0 };
	int cycles = argc > 1 ? atoi(argv[1]) : CYCLES;
	const char *ko = mvmm_kmod_path();
	char dir[256], testsec[300];
	struct vcpu_ctx v[2];
	struct kvm_vcpu *vcpus[2];
	uint64_t before[2], calls, routed = 0;
	struct mvmm_rsk *s;
	struct kvm_vm *vm;
	double t0;
	int i, k;

	TEST_ASSERT(cycles > 0, "Expected a positive cycle count");
	snprintf(dir, sizeof(dir), "%s", ko);
	snprintf(testsec, sizeof(testsec), "%s/mvmm_testsec.ko", dirname(dir));

	vm = vm_create_with_vcpus(2, guest_code, vcpus);
	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	virt_pg_map(vm, MMIO_GPA, MMIO_GPA);
	for (k = 0; k < 2; k++) {
		memset(&v[k], 0, sizeof(v[k]));
		v[k].vcpu = vcpus[k];
		vcpu_args_set(vcpus[k], 1, (uint64_t)k);
	}
	if (mvmm_kmod_loaded()) {
		syscall(__NR_delete_module, "mvmm_testsec", 0);
		unload("mvmm", 0);
	}
	for (k = 0; k < 2; k++)
		pthread_create(&v[k].thread, NULL, vcpu_thread, &v[k]);

	t0 = now();
	for (i = 1; i <= cycles; i++) {
		load(ko, "mvmm", i);
		load(testsec, "mvmm_testsec", i);
		s = mvmm_rsk_open();
		TEST_ASSERT(s, "cycle %d: rule socket: %s", i, strerror(errno));
		add_rules(s, find_vm(i), i);
		mvmm_rsk_close(s);
		for (k = 0; k < 2; k++) {
			before[k] = __atomic_load_n(&v[k].batches,
						    __ATOMIC_ACQUIRE);
			wait_progress(&v[k], before[k], i, k);
		}
		calls = testsec_calls();
		TEST_ASSERT(calls > 0, "cycle %d: Expected the rules to route events to testsec",
			    i);
		routed += calls;
		/* Unload while both vCPUs keep going into the routed paths. */
		unload("mvmm_testsec", i);
		unload("mvmm", i);
		for (k = 0; k < 2; k++) {
			before[k] = __atomic_load_n(&v[k].batches,
						    __ATOMIC_ACQUIRE);
			wait_progress(&v[k], before[k], i, k);
		}
	}

	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (k = 0; k < 2; k++)
		pthread_join(v[k].thread, NULL);
	printf("%d cycles in %.1fs: vCPU 0 ran %lu batches (%lu MMIO reads reached this program), vCPU 1 %lu; testsec got %lu routed events\n",
	       cycles, now() - t0, v[0].batches, v[0].mmio, v[1].batches,
	       routed);
	kvm_vm_free(vm);
	load(ko, "mvmm", 0);
	return 0;
}

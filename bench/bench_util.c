// SPDX-License-Identifier: GPL-2.0
/*
 * Shared pieces of the rig benchmarks: see bench_util.h.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "mvmm_nl.h"

double mvmm_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void mvmm_bench_vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret;

	do {
		ret = __vcpu_run(vcpu);
	} while (ret == -1 && errno == EINTR);
	/* Not TEST_ASSERT(): it would format its message on every exit. */
	if (ret)
		TEST_FAIL("Expected KVM_RUN to succeed, got %s",
			  strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_IO)
		TEST_FAIL("Expected an IO exit, got exit reason %u (%s)",
			  vcpu->run->exit_reason,
			  exit_reason_str(vcpu->run->exit_reason));
}

/* The IN of the guest reads @v: what a device model would put there. */
static void complete_in(struct kvm_run *run, uint32_t v)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++)
		memcpy(data + i * run->io.size, &v, run->io.size);
}

void mvmm_bench_run_for(struct kvm_vcpu *vcpu, double secs, uint16_t port,
			uint32_t in_value, struct mvmm_bench_run *r)
{
	struct kvm_run *run = vcpu->run;
	double t0 = mvmm_bench_now();
	struct ucall uc;

	r->syncs = 0;
	r->port_exits = 0;
	for (;;) {
		mvmm_bench_vcpu_run(vcpu);
		if (run->io.port == port) {
			/* The main VMM's path: the access reached us. */
			if (run->io.direction == KVM_EXIT_IO_IN)
				complete_in(run, in_value);
			r->port_exits++;
			continue;
		}
		if (get_ucall(vcpu, &uc) == UCALL_ABORT)
			REPORT_GUEST_ASSERT(uc);
		TEST_ASSERT(uc.cmd == UCALL_SYNC, "Unexpected ucall %lu",
			    uc.cmd);
		r->syncs++;
		if (mvmm_bench_now() - t0 >= secs)
			break;
	}
	r->elapsed = mvmm_bench_now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void mvmm_bench_stat(const double *v, int n, struct mvmm_bench_stat *st)
{
	double s[MVMM_BENCH_MAX_ROUNDS];

	TEST_ASSERT(n > 0 && n <= MVMM_BENCH_MAX_ROUNDS,
		    "Expected 1..%d figures, got %d", MVMM_BENCH_MAX_ROUNDS, n);
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	st->median = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	st->lo = s[0];
	st->hi = s[n - 1];
}

static uint32_t vm_id(void)
{
	struct mvmm_vm_info info;
	struct mvmm_nl *nl;
	int ret;

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm family (mvmm.ko loaded), got %s",
		    strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM, got %s",
		    strerror(-ret));
	mvmm_nl_close(nl);
	return info.id;
}

void mvmm_bench_vm_create(struct mvmm_bench_vm *v, void *guest_code,
			  uint64_t arg, uint16_t port, uint32_t in_value)
{
	struct mvmm_bench_run r;

	v->vm = vm_create_with_one_vcpu(&v->vcpu, guest_code);
	vcpu_args_set(v->vcpu, 1, arg);
	/* mvmm knows a VM once it exited. */
	mvmm_bench_run_for(v->vcpu, 0.1, port, in_value, &r);
	v->id = vm_id();
}

void mvmm_bench_handler(struct mvmm_rsk *s, const char *name,
			struct mvmm_handler_info *h)
{
	int ret = mvmm_handler_get(s, name, h);

	TEST_ASSERT(!ret, "Expected handler %s, got %s", name, strerror(-ret));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest for the userspace-secondary tests, driven through a shared
 * page, and the host loop that runs it (on the KVM selftest library).
 *
 * The guest waits in GUEST_SYNC for a command: N times one access (IN,
 * OUT, MMIO read/write of 1-8 bytes, RDMSR, WRMSR, CPUID, VMMCALL/VMCALL)
 * wrapped in KVM_ASM_SAFE, or a UART session (a string to a 16550's THR
 * polling LSR, then scratch-register readbacks). Each iteration compares
 * what it got with what the host said it must get, and counts.
 *
 * The host side completes the IO and MMIO exits that reach it (the
 * fallback "main", or no rule) with fixed values and counts them.
 */
#ifndef MVMM_SELFTEST_UGUEST_H
#define MVMM_SELFTEST_UGUEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm_util.h"

#define UG_RAX_FILL	0x5a5a5a5a5a5a5a5aULL	/* RAX before an IN */
#define UG_USER_IN	0x11223344U		/* this program's IN answer */
#define UG_USER_MMIO	0x7766554433221100ULL	/* ... and MMIO read answer */
#define UG_UCALL_PORT	0x1000			/* the library's ucall port */
#define UG_MMIO_GPA	0xc0000000ULL		/* unbacked, mapped 1:1 */
#define UG_MMIO_PAGES	1

enum ug_op {
	UG_NONE,
	UG_IN,		/* IN of @size bytes from port @arg */
	UG_OUT,		/* OUT of @size bytes of @val + i to port @arg */
	UG_MMIO_RD,	/* read @size bytes at GPA @arg */
	UG_MMIO_WR,	/* write @size bytes of @val + i at GPA @arg */
	UG_RDMSR,	/* RDMSR @arg */
	UG_WRMSR,	/* WRMSR @arg, @val + i */
	UG_CPUID,	/* CPUID leaf @arg, subleaf @val */
	UG_HC,		/* hypercall RAX = @arg, RCX = @val */
	UG_UART,	/* str[0..len) to the UART at @arg, see below */
	UG_HLT,		/* HLT (with interrupts off: someone must complete it) */
	UG_REP_INSB,	/* REP INSB of @size bytes from port @arg; v[0]: the */
			/* first 8 bytes read */
	UG_REP_OUTSB,	/* REP OUTSB of str[0..@size) to port @arg */
	UG_REP_STOSB,	/* REP STOSB of @size bytes of @val at GPA @arg */
	UG_REP_MOVSB,	/* REP MOVSB of @size bytes from GPA @arg to str[] */
};

/* One page shared by host and guest. */
struct ug_shared {
	/* Set by the host before each command. */
	uint64_t op, n, arg, val, size;
	uint64_t mmio;		/* UG_UART: registers at GPA @arg, not ports */
	uint64_t exp[4];	/* values every iteration must return */
	uint64_t nexp;		/* how many of exp[] to compare */
	uint64_t exp_vector;	/* fault every iteration must take (0: none) */
	uint64_t len;		/* UG_UART: bytes of str[] */
	char str[512];
	/* Written by the guest. */
	uint64_t done;		/* iterations run */
	uint64_t match;		/* ... that ended as expected */
	uint64_t vec[32];	/* iterations by fault vector, 0 = none */
	uint64_t exc[32];	/* exceptions taken by the guest's handlers */
	uint64_t last[4];	/* values of the last iteration */
	uint64_t bad[4];	/* values of the first unexpected one */
	uint64_t bad_vector;	/* and its vector */
	uint64_t lsr_polls;	/* UG_UART: LSR reads */
	uint64_t lsr_last;	/* UG_UART: the last LSR value */
	uint64_t scr_ok;	/* UG_UART: scratch readbacks that matched */
};

/* Host side of one VM with one vCPU. */
struct ug_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ug_shared *sh;	/* host view of the shared page */
	uint32_t id;		/* mvmm's id of this VM */
	/* Exits that reached this program during the last command. */
	uint64_t user_in, user_out, user_out_last;
	uint64_t user_mmio_rd, user_mmio_wr;
	uint64_t eintr;		/* KVM_RUN returned -EINTR */
	/* Optional: called for IO exits on ports other than the ucall's. */
	void (*on_io)(struct ug_vm *c, struct kvm_run *run);
	void *priv;
};

/* A command: what one step must do. */
struct ug_cmd {
	enum ug_op op;
	uint64_t n, arg, val, size;
	bool mmio;		/* UG_UART: registers at GPA @arg */
	uint64_t exp[4];
	int nexp;
	uint8_t vector;
};

/*
 * Create a VM, map the shared page and the unbacked MMIO page, run to the
 * first GUEST_SYNC, and find mvmm's id of the VM (by pid, excluding
 * @exclude[0..n)).
 */
struct ug_vm *ug_vm_start(const uint32_t *exclude, int n);
void ug_vm_stop(struct ug_vm *c);
/* The VM's file descriptor: what a secondary is given. */
int ug_vm_fd(const struct ug_vm *c);

/* Write @cmd into the shared page; resets the per-command counters. */
void ug_start(struct ug_vm *c, const struct ug_cmd *cmd);
/*
 * Run to the next GUEST_SYNC, completing the IO/MMIO exits that reach
 * this program. With @stop_on_eintr, return 1 when KVM_RUN returns -EINTR
 * (else count it and go on). 0 at the GUEST_SYNC.
 */
int ug_run(struct ug_vm *c, bool stop_on_eintr);
/* ug_start + ug_run, then check that every iteration ended as said. */
void ug_cmd(const char *what, struct ug_vm *c, const struct ug_cmd *cmd);

/*
 * ug_cmd() in a thread of its own, for a test that answers, unloads or
 * kills while the guest waits; join @t as the test needs.
 */
struct ug_job {
	pthread_t t;
	struct ug_vm *c;
	struct ug_cmd cmd;
	char what[80];
};

void ug_job_start(struct ug_job *j, struct ug_vm *c, const char *what,
		  const struct ug_cmd *cmd);

/* What an IN of @size bytes leaves in RAX when @v is read. */
uint64_t ug_in_rax(unsigned int size, uint64_t v);

#endif /* MVMM_SELFTEST_UGUEST_H */

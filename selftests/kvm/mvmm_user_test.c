// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace secondaries through /dev/mvmm, each in its own process.
 *
 * The secondary is a forked child that closes every inherited file
 * descriptor first and gets the VM's fd only over a unix socket
 * (SCM_RIGHTS): the capability model of /dev/mvmm. It serves with
 * libmvmm (the ring with mvmm_sec_run(), or mvmm_sec_read() and
 * mvmm_sec_answer()) and a small device model (lib/mvmm_user.h), or is
 * driven step by step by the test (raw ioctls, read(), ring writes). It
 * counts what it saw in a shared page.
 *
 * Fixture "rt", one variant per delivery path (ring/read x eventfd/poll):
 *   round_trips   IN of 1/2/4 bytes, OUT of 1/2/4 bytes, MMIO writes and
 *                 reads of 1-8 bytes to an unbacked GPA, RDMSR, WRMSR,
 *                 CPUID, hypercall (value and gpr_mask answers): the guest
 *                 sees the secondary's answers, the secondary the guest's
 *                 values, the handler counters move by exactly that; after
 *                 detach the same rules fall back to KVM, and a secondary
 *                 attaching again under the name handles them again.
 * Fixture "user":
 *   timeout       a secondary that never reads, then one that reads and
 *                 never answers: the timeout applies fallback main (and
 *                 deny); a late answer gets ESTALE.
 *   string_timeout
 *                 REP INSB and REP OUTSB of 64 bytes to a port whose
 *                 secondary reads and never answers, fallback deny: the
 *                 elements of the exit share one timeout, so only the
 *                 first is posted; all 64 take the fallback (INSB reads
 *                 all-ones), each counted as a timeout. An element
 *                 that goes to the VMM ends the exit: a REP OUTSB of 8
 *                 whose elements the secondary passes to main, this
 *                 program taking longer than the timeout over the
 *                 first, gets all 8 posted.
 *   signal        a signal to the vCPU thread while it waits: KVM_RUN
 *                 returns -EINTR / KVM_EXIT_INTR without completing the
 *                 IN, twice; the next KVM_RUN waits for the same request;
 *                 the secondary saw it once, the guest completed it once,
 *                 RESTARTS counted 2.
 *   signal_rep_stos, signal_rep_movs
 *                 a signal while REP STOSB (1024 bytes) or REP MOVSB (64
 *                 bytes) to routed MMIO waits, each element answered
 *                 after 20 ms: KVM_RUN returns -EINTR at the element it
 *                 waits for, the instruction's registers as before that
 *                 element; the next KVM_RUN resumes it: each element seen
 *                 once and in order, RESTARTS 1. A memslot added while
 *                 the vCPU waits on MMIO does not wait for the answer.
 *   death         kill -9 of a secondary while a vCPU waits on it: the
 *                 vCPU falls back at once, the name's rules fall back
 *                 until a new secondary attaches under it.
 *   bad_attach    every refusal of MVMM_IOC_ATTACH with its errno, the
 *                 calls before attach (ENOTCONN), boundary values that
 *                 work; nothing registered by a refused attach.
 *   bad_answer    MVMM_IOC_ANSWER refusals (stale seq, wrong vCPU,
 *                 vcpu_idx out of range, flags, reserved, action,
 *                 registers the event does not allow, bad injections):
 *                 each its errno and no effect, then the right answer
 *                 completes the request; read() with a short buffer; a
 *                 ring answer with a wrong ans_seq is ignored; an invalid
 *                 ring answer takes the fallback, counted invalid.
 *   isolation     a process without the VM fd cannot attach (EBADF, and
 *                 EINVAL for fds that are not VMs); a secondary of VM A
 *                 never sees VM B's events, which take the fallback.
 *   unprivileged  /dev/mvmm is 0600 root: nobody cannot open it; after
 *                 chmod 0666 nobody can attach to a VM fd it was given
 *                 (and serve it), not to one it does not hold.
 *   vm_gone       the VM of an attached file is destroyed: a poll()
 *                 asleep on the file wakes with POLLHUP, read() returns 0,
 *                 ANSWER and KICK are ENOTCONN, STATS still works, the
 *                 eventfd is signalled and the ring flags MVMM_RING_VM_GONE.
 *   observe       observe-mode rules never make the vCPU wait: a
 *                 secondary that never reads, an observe ring of 16 and
 *                 1000 events: received + dropped == 1000, in the handler
 *                 counters and in the ring's obs_dropped.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* test_util.h and the harness both define ASSERT_EQ; neither is used. */
#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "libmvmm.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#define N		20		/* iterations per round-trip step */
#define PORT_LO		0x5e0		/* routed ports */
#define PORT_HI		0x5ef
#define MSR_LO		0x4b564d90U
#define MSR_HI		0x4b564d9fU
#define LEAF_LO		0x4d570000U
#define LEAF_HI		0x4d5700ffU
#define HC_LO		0x5ec10000U
#define HC_HI		0x5ec100ffU
#define MMIO_LEN	(8 * MVMM_SP_MMIO_REGS)
#define OBS_LEAF	0x4d580000U
#define WAIT_MS		20000		/* bound on waits that only catch hangs */
#define NOBODY		65534

/* ---- small helpers ------------------------------------------------------ */

static void on_signal(int sig)
{
}

/* SIGUSR1 interrupts KVM_RUN: a handler without SA_RESTART. */
static void install_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction: %s",
		    strerror(errno));
}

/* ---- round trips -------------------------------------------------------- */

FIXTURE(rt) {
	struct ug_vm *c;
	struct mvmm_rsk *s;
	struct mvmm_ut_sec sec;
};

FIXTURE_VARIANT(rt) {
	int path;		/* enum mvmm_sp_path */
	uint32_t flags;		/* MVMM_ATTACH_POLL or 0 */
	const char *name;
};

FIXTURE_VARIANT_ADD(rt, ring_eventfd) {
	.path = MVMM_SP_RINGPATH, .flags = 0, .name = "u-ring-efd",
};

FIXTURE_VARIANT_ADD(rt, ring_poll) {
	.path = MVMM_SP_RINGPATH, .flags = MVMM_ATTACH_POLL,
	.name = "u-ring-poll",
};

FIXTURE_VARIANT_ADD(rt, read_eventfd) {
	.path = MVMM_SP_READPATH, .flags = 0, .name = "u-read-efd",
};

FIXTURE_VARIANT_ADD(rt, read_poll) {
	.path = MVMM_SP_READPATH, .flags = MVMM_ATTACH_POLL,
	.name = "u-read-poll",
};

FIXTURE_SETUP(rt)
{
	self->c = ug_vm_start(NULL, 0);
	self->s = mvmm_ut_rsk_open();
}

FIXTURE_TEARDOWN(rt)
{
	mvmm_ut_quit(&self->sec);
	mvmm_rsk_close(self->s);
	ug_vm_stop(self->c);
}

/* The rules of the round trips, all in the VM's own table. */
static void rt_rules(struct mvmm_rsk *s, uint32_t vm, const char *name)
{
	mvmm_ut_rule_add(s, vm, MVMM_EV_IO, PORT_LO, PORT_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(s, vm, MVMM_EV_MMIO, MVMM_SP_MMIO_BASE,
			 MVMM_SP_MMIO_BASE + MMIO_LEN - 1, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(s, vm, MVMM_EV_MSR_READ, MSR_LO, MSR_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(s, vm, MVMM_EV_MSR_WRITE, MSR_LO, MSR_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(s, vm, MVMM_EV_CPUID, LEAF_LO, LEAF_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(s, vm, MVMM_EV_HYPERCALL, HC_LO, HC_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
}

/* Steps through the secondary; returns the events they made. */
static uint64_t rt_all(struct mvmm_rsk *s, struct ug_vm *c, struct mvmm_ut_sec *x,
		       const char *name)
{
	struct mvmm_sp_shm *shm = x->shm;
	uint64_t total = 0, mmio[MVMM_SP_MMIO_REGS], v;
	static const int sizes[3] = { 1, 2, 4 };
	struct ug_cmd cmd;
	char what[80];
	int i;

	for (i = 0; i < MVMM_SP_MMIO_REGS; i++)
		mmio[i] = MVMM_SP_MMIO_INIT(i);

	for (i = 0; i < 3; i++) {
		uint16_t port = PORT_LO + 3 + i;

		cmd = (struct ug_cmd){ .op = UG_IN, .n = N, .arg = port,
			.size = sizes[i], .nexp = 1,
			.exp = { ug_in_rax(sizes[i], MVMM_SP_IN(port)) } };
		snprintf(what, sizeof(what), "IN of %d bytes from %#x",
			 sizes[i], port);
		mvmm_ut_step(s, c, x, name, what, &cmd, MVMM_EV_IO);
		total += N;
	}
	for (i = 0; i < 3; i++) {
		uint16_t port = PORT_LO + 8 + i;
		uint64_t val = 0x12345640, mask;
		uint64_t n0 = SP_GET(shm->out_count);

		mask = sizes[i] == 4 ? 0xffffffffULL :
		       (1ULL << (8 * sizes[i])) - 1;
		cmd = (struct ug_cmd){ .op = UG_OUT, .n = N, .arg = port,
			.size = sizes[i], .val = val };
		snprintf(what, sizeof(what), "OUT of %d bytes to %#x",
			 sizes[i], port);
		mvmm_ut_step(s, c, x, name, what, &cmd, MVMM_EV_IO);
		TEST_ASSERT(SP_GET(shm->out_count) - n0 == N &&
			    SP_GET(shm->out_last) == ((val + N - 1) & mask),
			    "%s: Expected the secondary to get %d values, the last %#lx, got %lu, %#lx",
			    what, N, (val + N - 1) & mask,
			    SP_GET(shm->out_count) - n0, SP_GET(shm->out_last));
		total += N;
	}

	/* MMIO: writes reach the register file, reads return it. */
	cmd = (struct ug_cmd){ .op = UG_MMIO_WR, .n = N,
		.arg = MVMM_SP_MMIO_BASE, .size = 8,
		.val = 0xfeedface00000000ULL };
	mvmm_ut_step(s, c, x, name, "MMIO write of 8 bytes", &cmd, MVMM_EV_MMIO);
	mmio[0] = cmd.val + N - 1;
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE, .size = 8, .nexp = 1,
		.exp = { mmio[0] } };
	mvmm_ut_step(s, c, x, name, "MMIO read of 8 bytes", &cmd, MVMM_EV_MMIO);

	cmd = (struct ug_cmd){ .op = UG_MMIO_WR, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 8 + 4, .size = 4, .val = 0xabcd0000 };
	mvmm_ut_step(s, c, x, name, "MMIO write of 4 bytes", &cmd, MVMM_EV_MMIO);
	mmio[1] = (mmio[1] & 0xffffffffULL) | ((cmd.val + N - 1) << 32);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 8, .size = 8, .nexp = 1,
		.exp = { mmio[1] } };
	mvmm_ut_step(s, c, x, name, "MMIO read of 8 bytes after 4", &cmd,
		     MVMM_EV_MMIO);

	cmd = (struct ug_cmd){ .op = UG_MMIO_WR, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 24 + 2, .size = 2, .val = 0x7100 };
	mvmm_ut_step(s, c, x, name, "MMIO write of 2 bytes", &cmd, MVMM_EV_MMIO);
	mmio[3] = (mmio[3] & ~0xffff0000ULL) | ((cmd.val + N - 1) << 16);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 24 + 2, .size = 2, .nexp = 1,
		.exp = { (mmio[3] >> 16) & 0xffff } };
	mvmm_ut_step(s, c, x, name, "MMIO read of 2 bytes", &cmd, MVMM_EV_MMIO);

	cmd = (struct ug_cmd){ .op = UG_MMIO_WR, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 16 + 5, .size = 1, .val = 0x30 };
	mvmm_ut_step(s, c, x, name, "MMIO write of 1 byte", &cmd, MVMM_EV_MMIO);
	v = (cmd.val + N - 1) & 0xff;
	mmio[2] = (mmio[2] & ~(0xffULL << 40)) | (v << 40);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 16 + 5, .size = 1, .nexp = 1,
		.exp = { v } };
	mvmm_ut_step(s, c, x, name, "MMIO read of 1 byte", &cmd, MVMM_EV_MMIO);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 16, .size = 8, .nexp = 1,
		.exp = { mmio[2] } };
	mvmm_ut_step(s, c, x, name, "MMIO read of 8 bytes after 1", &cmd,
		     MVMM_EV_MMIO);
	total += 9 * N;
	for (i = 0; i < MVMM_SP_MMIO_REGS; i++)
		TEST_ASSERT(shm->mmio[i] == mmio[i],
			    "Expected the secondary's register %d to be %#lx, got %#lx",
			    i, mmio[i], shm->mmio[i]);

	cmd = (struct ug_cmd){ .op = UG_RDMSR, .n = N, .arg = MSR_LO + 3,
		.nexp = 1, .exp = { MVMM_SP_MSR(MSR_LO + 3) } };
	mvmm_ut_step(s, c, x, name, "RDMSR", &cmd, MVMM_EV_MSR_READ);
	{
		uint64_t n0 = SP_GET(shm->msr_count);

		cmd = (struct ug_cmd){ .op = UG_WRMSR, .n = N,
			.arg = MSR_LO + 4, .val = 0x1122334455667700ULL };
		mvmm_ut_step(s, c, x, name, "WRMSR", &cmd, MVMM_EV_MSR_WRITE);
		TEST_ASSERT(SP_GET(shm->msr_count) - n0 == N &&
			    SP_GET(shm->msr_last) == cmd.val + N - 1,
			    "WRMSR: Expected the secondary to get %d values, the last %#lx, got %lu, %#lx",
			    N, cmd.val + N - 1, SP_GET(shm->msr_count) - n0,
			    SP_GET(shm->msr_last));
	}
	cmd = (struct ug_cmd){ .op = UG_CPUID, .n = N, .arg = LEAF_LO + 0x12,
		.val = 7, .nexp = 4,
		.exp = { LEAF_LO + 0x12, (uint32_t)~(LEAF_LO + 0x12),
			 MVMM_SP_CPUID_ECX ^ 7, 7 } };
	mvmm_ut_step(s, c, x, name, "CPUID", &cmd, MVMM_EV_CPUID);

	/* An even number: the value goes to RAX, RBX..RDX stay. */
	cmd = (struct ug_cmd){ .op = UG_HC, .n = N, .arg = HC_LO + 0x42,
		.val = 0x77, .nexp = 4,
		.exp = { MVMM_SP_HC(HC_LO + 0x42), 0, 0x77, 0 } };
	mvmm_ut_step(s, c, x, name, "hypercall, value", &cmd, MVMM_EV_HYPERCALL);
	/* An odd one: gpr_mask writes RAX, RBX and RCX (from the request). */
	cmd = (struct ug_cmd){ .op = UG_HC, .n = N, .arg = HC_LO + 0x43,
		.val = 0x77, .nexp = 4,
		.exp = { MVMM_SP_HC(HC_LO + 0x43), ~(uint64_t)(HC_LO + 0x43),
			 0x78, 0 } };
	mvmm_ut_step(s, c, x, name, "hypercall, registers", &cmd,
		     MVMM_EV_HYPERCALL);
	total += 5 * N;
	return total;
}

TEST_F_TIMEOUT(rt, round_trips, 600)
{
	const char *name = variant->name;
	struct mvmm_handler_info h0, h1;
	struct ug_cmd cmd;
	uint64_t total;

	/* Rules may name only a handler the module has seen: attach first. */
	mvmm_ut_start(&self->sec, self->c, name, variant->flags, 10000,
		      variant->path);
	rt_rules(self->s, self->c->id, name);
	mvmm_ut_uh(self->s, name, &h0);

	total = rt_all(self->s, self->c, &self->sec, name);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("all round trips", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = total, .handled = total });
	printf("# %s: %lu round trips, the secondary (pid %d) saw %lu requests, seq up to %lu\n",
	       name, total, self->sec.p.pid, self->sec.shm->requests,
	       self->sec.shm->last_seq);

	/* Detached: the same rules fall back to KVM (this program). */
	mvmm_ut_quit(&self->sec);
	mvmm_ut_uh(self->s, name, &h0);
	TEST_ASSERT(!h0.attached && h0.outstanding == 0,
		    "Expected %s detached after its secondary quit", name);
	cmd = (struct ug_cmd){ .op = UG_IN, .n = N, .arg = PORT_LO + 3,
		.size = 4, .nexp = 1, .exp = { UG_USER_IN } };
	ug_cmd("detached: IN", self->c, &cmd);
	TEST_ASSERT(self->c->user_in == N,
		    "Expected %d INs to reach this program, got %lu", N,
		    self->c->user_in);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE, .size = 8, .nexp = 1,
		.exp = { UG_USER_MMIO } };
	ug_cmd("detached: MMIO read", self->c, &cmd);
	TEST_ASSERT(self->c->user_mmio_rd == N,
		    "Expected %d MMIO reads to reach this program, got %lu", N,
		    self->c->user_mmio_rd);
	cmd = (struct ug_cmd){ .op = UG_RDMSR, .n = N, .arg = MSR_LO + 3,
		.vector = GP_VECTOR };
	ug_cmd("detached: RDMSR (KVM: #GP)", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("detached", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 3 * N, .fallback = 3 * N });

	/* A new secondary under the name gets the events again. */
	mvmm_ut_start(&self->sec, self->c, name, variant->flags, 10000,
		      variant->path);
	cmd = (struct ug_cmd){ .op = UG_IN, .n = N, .arg = PORT_LO + 3,
		.size = 4, .nexp = 1, .exp = { MVMM_SP_IN(PORT_LO + 3) } };
	mvmm_ut_step(self->s, self->c, &self->sec, name, "attached again: IN", &cmd,
		     MVMM_EV_IO);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE + 8, .size = 8, .nexp = 1,
		.exp = { MVMM_SP_MMIO_INIT(1) } };
	mvmm_ut_step(self->s, self->c, &self->sec, name,
		     "attached again: MMIO read (a fresh device)", &cmd,
		MVMM_EV_MMIO);
}

/* ---- the rest ----------------------------------------------------------- */

FIXTURE(user) {
	struct ug_vm *c;
	struct mvmm_rsk *s;
	struct mvmm_ut_sec sec;
};

FIXTURE_SETUP(user)
{
	install_sigusr1();
	self->c = ug_vm_start(NULL, 0);
	self->s = mvmm_ut_rsk_open();
}

FIXTURE_TEARDOWN(user)
{
	mvmm_ut_quit(&self->sec);
	mvmm_rsk_close(self->s);
	ug_vm_stop(self->c);
}

/* Run @cmd, timing it. */
static uint64_t timed_cmd(const char *what, struct ug_vm *c,
			  const struct ug_cmd *cmd)
{
	uint64_t t0 = mvmm_ut_now_ms();

	ug_cmd(what, c, cmd);
	return mvmm_ut_now_ms() - t0;
}

/* A secondary that never answers: the timeout applies the fallback. */
TEST_F_TIMEOUT(user, timeout, 300)
{
	const char *name = "u-timeout";
	const uint32_t timeout = 300, port = PORT_LO + 3;
	struct mvmm_sp_shm *shm;
	struct mvmm_sp_msg m;
	struct mvmm_handler_info h0, h1;
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 2, .arg = port, .size = 1, .nexp = 1,
		.exp = { ug_in_rax(1, UG_USER_IN) },
	};
	uint64_t ms, seq;
	uint32_t rid;
	int ret;

	/* Attached, but nobody looks at the ring or reads. */
	mvmm_ut_start(&self->sec, self->c, name, 0, timeout, -1);
	rid = mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_IO, port, port,
			       MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, name);
	shm = self->sec.shm;
	mvmm_ut_uh(self->s, name, &h0);
	ms = timed_cmd("never read: IN", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	printf("# 2 INs timed out in %lu ms (timeout %u ms each)\n", ms,
	       timeout);
	mvmm_hd_check("never read", &h0, &h1, &(struct mvmm_hdelta){ .events = 2,
		      .fallback = 2, .timeouts = 2 });
	TEST_ASSERT(self->c->user_in == 2,
		    "Expected both INs to reach this program, got %lu",
		    self->c->user_in);
	TEST_ASSERT(ms >= 2 * timeout,
		    "Expected 2 timeouts of %u ms to take at least %u ms, got %lu",
		    timeout, 2 * timeout, ms);
	TEST_ASSERT(h1.outstanding == 0,
		    "Expected nothing outstanding after the timeouts, got %u",
		    h1.outstanding);

	/* It reads, and never answers: the same, once per request. */
	SP_SET(shm->silent, 1);
	ret = mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_READPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	mvmm_ut_uh(self->s, name, &h0);
	ug_cmd("read, never answered: IN", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("read, never answered", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 2, .fallback = 2, .timeouts = 2 });
	TEST_ASSERT(SP_GET(shm->requests) == 2 && !shm->bad_seq,
		    "Expected the secondary to read each request once (2), got %lu",
		    SP_GET(shm->requests));
	/* A late answer. */
	seq = SP_GET(shm->last_seq);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_ANSWER;
	m.reply.seq = seq;
	mvmm_ans_handled(&m.reply.ans, 0x42);
	ret = mvmm_sp_call(&self->sec.p, &m, -1);
	TEST_ASSERT(ret == -ESTALE,
		    "Expected ESTALE for an answer to seq %lu after its timeout, got %s",
		    seq, strerror(-ret));

	/* Fallback deny: the timed-out IN faults. */
	mvmm_ut_rule_replace(self->s, self->c->id, rid, MVMM_EV_IO, port, port,
			     MVMM_MODE_SYNC, MVMM_FALLBACK_DENY, name);
	cmd = (struct ug_cmd){ .op = UG_IN, .n = 1, .arg = port, .size = 1,
		.vector = GP_VECTOR };
	mvmm_ut_uh(self->s, name, &h0);
	ug_cmd("read, never answered, fallback deny: IN", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("fallback deny", &h0, &h1, &(struct mvmm_hdelta){ .events = 1,
		      .fallback = 1, .timeouts = 1 });
	TEST_ASSERT(self->c->user_in == 0 && self->c->sh->exc[GP_VECTOR] == 1,
		    "Expected a #GP and no exit to this program, got %lu #GP, %lu IN",
		    self->c->sh->exc[GP_VECTOR], self->c->user_in);
}

/* The main VMM slow over the first IO exit: longer than the timeout. */
static void slow_first_out(struct ug_vm *c, struct kvm_run *run)
{
	TEST_ASSERT(run->io.direction == KVM_EXIT_IO_OUT && run->io.count == 1,
		    "Expected OUTs of one element, got direction %u count %u",
		    run->io.direction, run->io.count);
	if (!c->user_out++)
		usleep(300 * 1000);
}

/*
 * The elements of one string IO exit share its timeout: they wait through
 * signals (KVM's emulator cannot leave them undone), and a secondary that
 * stops answering must not keep the vCPU's thread from its signals for a
 * timeout per element, up to 1024 of them.
 */
TEST_F_TIMEOUT(user, string_timeout, 300)
{
	const char *name = "u-str-timeout";
	const uint32_t timeout = 100, port = PORT_LO + 4, n = 64;
	struct mvmm_handler_info h0, h1;
	struct ug_cmd ins = {
		.op = UG_REP_INSB, .n = 1, .arg = port, .size = n,
		.nexp = 1, .exp = { ~0ULL },	/* deny reads all-ones */
	};
	struct ug_cmd outs = {
		.op = UG_REP_OUTSB, .n = 1, .arg = port, .size = n,
	};
	struct mvmm_sp_shm *shm;
	uint64_t ms;
	int ret;

	mvmm_ut_start(&self->sec, self->c, name, 0, timeout, -1);
	shm = self->sec.shm;
	SP_SET(shm->silent, 1);
	ret = mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_READPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_IO, port, port,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_DENY, name);

	mvmm_ut_uh(self->s, name, &h0);
	ms = timed_cmd("REP INSB of 64, never answered", self->c, &ins);
	mvmm_ut_uh(self->s, name, &h1);
	printf("# REP INSB of %u bytes timed out in %lu ms (timeout %u ms)\n",
	       n, ms, timeout);
	mvmm_hd_check("REP INSB, never answered", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = n, .fallback = n,
					     .timeouts = n });
	TEST_ASSERT(SP_GET(shm->requests) == 1,
		    "Expected only the first element posted (1 request), got %lu",
		    SP_GET(shm->requests));
	TEST_ASSERT(self->c->user_in == 0,
		    "Expected no element to reach this program, got %lu",
		    self->c->user_in);

	mvmm_ut_uh(self->s, name, &h0);
	ms = timed_cmd("REP OUTSB of 64, never answered", self->c, &outs);
	mvmm_ut_uh(self->s, name, &h1);
	printf("# REP OUTSB of %u bytes timed out in %lu ms (timeout %u ms)\n",
	       n, ms, timeout);
	mvmm_hd_check("REP OUTSB, never answered", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = n, .fallback = n,
					     .timeouts = n });
	TEST_ASSERT(SP_GET(shm->requests) == 2,
		    "Expected only the first element posted (2 requests in all), got %lu",
		    SP_GET(shm->requests));
	TEST_ASSERT(self->c->user_out == 0,
		    "Expected no element to reach this program, got %lu",
		    self->c->user_out);
	TEST_ASSERT(h1.outstanding == 0,
		    "Expected nothing outstanding after the timeouts, got %u",
		    h1.outstanding);

	/*
	 * Each element to main, so to this program, which takes 300 ms over
	 * the first: KVM completes that OUT and the guest retakes the REP
	 * OUTSB, a new exit with its own timeout: the rest are asked too.
	 */
	outs.size = 8;
	SP_SET(shm->silent, 0);
	SP_SET(shm->main_out, 1);
	SP_SET(shm->requests, 0);
	self->c->on_io = slow_first_out;
	mvmm_ut_uh(self->s, name, &h0);
	ug_cmd("REP OUTSB of 8, each element to main, the VMM slow", self->c,
	       &outs);
	mvmm_ut_uh(self->s, name, &h1);
	self->c->on_io = NULL;
	mvmm_hd_check("REP OUTSB, each element to main", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 8, .to_main = 8 });
	TEST_ASSERT(SP_GET(shm->requests) == 8 && self->c->user_out == 8,
		    "Expected 8 requests and 8 OUTs here, got %lu and %lu",
		    SP_GET(shm->requests), self->c->user_out);
}

/* Signals the vCPU thread when the secondary holds its request. */
struct kicker {
	pthread_t thread, vcpu;
	struct mvmm_ut_sec *sec;
	const char *name;
	int rounds;		/* signals to send */
	int sent;
	uint64_t gap_ms;	/* between signals, MMIO */
	bool restart_wait;	/* wait for each restart before the next one */
	bool release;		/* release the hold after the last signal */
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	struct mvmm_rsk *s = mvmm_ut_rsk_open();
	struct mvmm_handler_info h0, h;
	uint64_t end;
	int i;

	TEST_ASSERT(mvmm_ut_wait_nonzero(&k->sec->shm->holding, WAIT_MS),
		    "Expected the secondary to get the request within %d ms",
		    WAIT_MS);
	mvmm_ut_uh(s, k->name, &h0);
	for (i = 0; i < k->rounds; i++) {
		if (k->restart_wait && i) {
			/* The vCPU retook the exit and waits again. */
			end = mvmm_ut_now_ms() + WAIT_MS;
			do {
				usleep(2000);
				mvmm_ut_uh(s, k->name, &h);
				TEST_ASSERT(mvmm_ut_now_ms() < end,
					    "Expected the vCPU to wait again (restart %d)",
					    i);
			} while (h.restarts - h0.restarts < (uint64_t)i);
		}
		usleep(k->gap_ms * 1000);
		pthread_kill(k->vcpu, SIGUSR1);
		k->sent++;
	}
	if (k->release) {
		usleep(k->gap_ms * 1000);
		SP_SET(k->sec->shm->hold, 0);
	}
	mvmm_rsk_close(s);
	return NULL;
}

static void kicker_start(struct kicker *k)
{
	sigset_t set;

	/* Only the vCPU thread takes the signal. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	k->vcpu = pthread_self();
	pthread_create(&k->thread, NULL, kicker_fn, k);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * A signal mid-wait: KVM_RUN returns -EINTR without completing the
 * instruction, and the next KVM_RUN waits for the same request.
 */
TEST_F_TIMEOUT(user, signal, 300)
{
	const char *name = "u-signal";
	const uint32_t port = PORT_LO + 4;
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 1, .arg = port, .size = 4, .nexp = 1,
		.exp = { MVMM_SP_IN(port) },
	};
	struct kicker k = { .name = name, .rounds = 2, .gap_ms = 50,
			    .restart_wait = true };
	struct mvmm_sp_shm *shm;
	struct mvmm_handler_info h0, h1;
	struct mvmm_sp_msg m;
	int ret, i;

	mvmm_ut_fork(&self->sec);
	shm = self->sec.shm;
	SP_SET(shm->hold, 1);
	mvmm_ut_give_vm(&self->sec, ug_vm_fd(self->c));
	mvmm_ut_attach(&self->sec, name, 0, 30000, 0);
	ret = mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_READPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_IO, port, port, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_uh(self->s, name, &h0);

	k.sec = &self->sec;
	kicker_start(&k);
	ug_start(self->c, &cmd);
	for (i = 1; i <= k.rounds; i++) {
		ret = ug_run(self->c, true);
		TEST_ASSERT(ret == 1,
			    "Expected KVM_RUN %d to return -EINTR, got the guest's sync",
			    i);
		mvmm_ut_uh(self->s, name, &h1);
		printf("# KVM_RUN %d: -EINTR, exit reason KVM_EXIT_INTR; guest iterations %lu, secondary requests %lu, outstanding %u, restarts +%lu\n",
		       i, self->c->sh->done, SP_GET(shm->requests),
		       h1.outstanding, h1.restarts - h0.restarts);
		TEST_ASSERT(self->c->sh->done == 0 && h1.outstanding == 1 &&
			    SP_GET(shm->requests) == 1 && SP_GET(shm->holding),
			    "KVM_RUN %d: Expected the IN not completed, 1 request outstanding, seen once and held; got %lu done, %u outstanding, %lu seen",
			    i, self->c->sh->done, h1.outstanding,
			    SP_GET(shm->requests));
		TEST_ASSERT(h1.restarts - h0.restarts == (uint64_t)i - 1,
			    "KVM_RUN %d: Expected %d restarts so far, got %lu",
			    i, i - 1, h1.restarts - h0.restarts);
	}
	pthread_join(k.thread, NULL);
	/* Now it may answer: the next KVM_RUN completes the same request. */
	SP_SET(shm->hold, 0);
	ret = ug_run(self->c, false);
	mvmm_ut_uh(self->s, name, &h1);
	TEST_ASSERT(self->c->sh->done == 1 && self->c->sh->match == 1,
		    "Expected the guest to complete the IN once with %#x, got %lu done, %lu matching (last %#lx)",
		    MVMM_SP_IN(port), self->c->sh->done, self->c->sh->match,
		    self->c->sh->last[0]);
	mvmm_hd_check("two signals, then the answer", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1, .handled = 1, .restarts = 2 });
	TEST_ASSERT(SP_GET(shm->requests) == 1 && SP_GET(shm->answered) == 1 &&
		    !shm->answer_errors && h1.outstanding == 0,
		    "Expected the secondary to see and answer 1 request, got %lu seen, %lu answered, %lu refused; %u outstanding",
		    SP_GET(shm->requests), SP_GET(shm->answered),
		    shm->answer_errors, h1.outstanding);
	TEST_ASSERT(self->c->user_in == 0,
		    "Expected no IN to reach this program, got %lu",
		    self->c->user_in);
	/* Nothing more to read: the restarts did not post it again. */
	mvmm_sp_op(&self->sec.p, MVMM_SP_STOP, 0);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_DRAIN;
	ret = mvmm_sp_call(&self->sec.p, &m, -1);
	TEST_ASSERT(!ret && m.n_sync == 0 && m.n_obs == 0,
		    "Expected nothing left to read, got %s, %lu requests",
		    strerror(-ret), m.n_sync);
	printf("# the request (seq %lu) was read once and answered once; the guest saw one completion\n",
	       shm->last_seq);
}

/* Signals the vCPU thread once the secondary saw @after requests. */
struct stopper {
	pthread_t thread, vcpu;
	struct mvmm_sp_shm *shm;
	uint64_t after;
	uint64_t answered;	/* the secondary's answers when it signalled */
	uint64_t at_ms;
};

static void *stopper_fn(void *arg)
{
	struct stopper *k = arg;
	uint64_t end = mvmm_ut_now_ms() + WAIT_MS;

	while (SP_GET(k->shm->requests) < k->after) {
		TEST_ASSERT(mvmm_ut_now_ms() < end,
			    "Expected %lu requests within %d ms, got %lu",
			    k->after, WAIT_MS, SP_GET(k->shm->requests));
		usleep(1000);
	}
	k->answered = SP_GET(k->shm->answered);
	k->at_ms = mvmm_ut_now_ms();
	pthread_kill(k->vcpu, SIGUSR1);
	return NULL;
}

static void stopper_start(struct stopper *k)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	k->vcpu = pthread_self();
	pthread_create(&k->thread, NULL, stopper_fn, k);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* A memslot added from another thread while the vCPU waits. */
struct slot_adder {
	pthread_t thread;
	struct kvm_vm *vm;
	void *mem;
	uint64_t done_ms;
	int ret;
};

#define SIG_SLOT	11
#define SIG_SLOT_GPA	0x200000000ULL

static void *slot_adder_fn(void *arg)
{
	struct slot_adder *a = arg;
	struct kvm_userspace_memory_region r = {
		.slot = SIG_SLOT, .guest_phys_addr = SIG_SLOT_GPA,
		.memory_size = getpagesize(),
		.userspace_addr = (uintptr_t)a->mem,
	};

	a->ret = ioctl(a->vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
	__atomic_store_n(&a->done_ms, mvmm_ut_now_ms(), __ATOMIC_RELEASE);
	return NULL;
}

static void *finish_fn(void *arg)
{
	ug_run(arg, false);
	return NULL;
}

/*
 * A signal while a string MMIO instruction waits for its secondary, one
 * element at a time (20 ms each): KVM_RUN returns -EINTR at the element
 * it waits for, with the instruction's registers as they were before it
 * (nothing of it half done), and the next KVM_RUN resumes it there: the
 * secondary sees each element once, in order, and the waiting element
 * once. While a vCPU waits on MMIO, memslot changes go through.
 */
static void signal_string_mmio(FIXTURE_DATA(user) *self, const char *name,
			       const struct ug_cmd *cmd, bool write)
{
	struct stopper k = { .after = 5 };
	struct slot_adder a = { .vm = self->c->vm };
	uint64_t len = cmd->size, ret_ms, done, answered, *seen;
	struct mvmm_sp_shm *shm;
	struct kvm_regs regs;
	struct mvmm_handler_info h0, h1;
	pthread_t fin;
	int ret;

	mvmm_ut_fork(&self->sec);
	shm = self->sec.shm;
	SP_SET(shm->delay_ms, 20);
	mvmm_ut_give_vm(&self->sec, ug_vm_fd(self->c));
	mvmm_ut_attach(&self->sec, name, 0, 30000, 0);
	ret = mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_RINGPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_MMIO, MVMM_SP_SINK_BASE,
			 MVMM_SP_SINK_BASE + MVMM_SP_SINK_LEN - 1,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, name);
	mvmm_ut_uh(self->s, name, &h0);
	seen = write ? &shm->sink_wr : &shm->sink_rd;

	k.shm = shm;
	stopper_start(&k);
	ug_start(self->c, cmd);
	ret = ug_run(self->c, true);
	ret_ms = mvmm_ut_now_ms();
	pthread_join(k.thread, NULL);
	answered = SP_GET(shm->answered);
	vcpu_regs_get(self->c->vcpu, &regs);
	done = len - regs.rcx;
	printf("# KVM_RUN returned %s %lu ms after the signal; the secondary had answered %lu of %lu elements then, %lu now; RCX %llu\n",
	       ret ? "-EINTR" : "at the guest's sync", ret_ms - k.at_ms,
	       k.answered, len, answered, regs.rcx);
	TEST_ASSERT(ret == 1,
		    "Expected KVM_RUN to return -EINTR mid-instruction, got the guest's sync after %lu answers",
		    answered);
	/* Stopped at the element it waited for; that one may be answered. */
	TEST_ASSERT(answered <= k.answered + 2 && regs.rcx &&
		    (done == answered || done + 1 == answered),
		    "Expected the instruction stopped at the element the signal interrupted (%lu answered then), got RCX %llu with %lu answered",
		    k.answered, regs.rcx, answered);
	TEST_ASSERT((write ? regs.rdi : regs.rsi) == MVMM_SP_SINK_BASE + done,
		    "Expected the MMIO pointer at %#llx, got %#llx",
		    MVMM_SP_SINK_BASE + done, write ? regs.rdi : regs.rsi);

	/* The rest at once; the next request is held while a slot is added. */
	SP_SET(shm->delay_ms, 0);
	SP_SET(shm->hold, 1);
	pthread_create(&fin, NULL, finish_fn, self->c);
	TEST_ASSERT(mvmm_ut_wait_nonzero(&shm->holding, WAIT_MS),
		    "Expected the secondary to hold a request");
	a.mem = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(a.mem != MAP_FAILED, "mmap");
	pthread_create(&a.thread, NULL, slot_adder_fn, &a);
	mvmm_ut_wait_nonzero((uint32_t *)&a.done_ms, 2000);
	printf("# a memslot added while the vCPU waits on MMIO: %s\n",
	       __atomic_load_n(&a.done_ms, __ATOMIC_ACQUIRE) ?
	       "done while it waited" : "still blocked after 2 s");
	TEST_ASSERT(__atomic_load_n(&a.done_ms, __ATOMIC_ACQUIRE) &&
		    SP_GET(shm->holding),
		    "Expected KVM_SET_USER_MEMORY_REGION to complete while the vCPU waits on its secondary");
	SP_SET(shm->hold, 0);
	pthread_join(a.thread, NULL);
	TEST_ASSERT(!a.ret, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-a.ret));
	pthread_join(fin, NULL);

	mvmm_ut_uh(self->s, name, &h1);
	printf("# the secondary saw %lu bytes in order (%lu out of order); the guest completed %lu of 1 instruction\n",
	       SP_GET(*seen), SP_GET(shm->sink_bad), self->c->sh->done);
	TEST_ASSERT(self->c->sh->done == 1 && self->c->sh->match == 1,
		    "Expected the guest to complete the instruction once, got %lu done, %lu matching",
		    self->c->sh->done, self->c->sh->match);
	TEST_ASSERT(SP_GET(*seen) == len && !SP_GET(shm->sink_bad) &&
		    SP_GET(shm->requests) == len,
		    "Expected each of %lu elements once and in order, got %lu bytes, %lu out of order, %lu requests",
		    len, SP_GET(*seen), SP_GET(shm->sink_bad),
		    SP_GET(shm->requests));
	TEST_ASSERT(!self->c->user_mmio_rd && !self->c->user_mmio_wr,
		    "Expected no MMIO exit here, got %lu reads, %lu writes",
		    self->c->user_mmio_rd, self->c->user_mmio_wr);
	mvmm_hd_check("string MMIO through a signal", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = len, .handled = len,
					  .restarts = 1 });
	munmap(a.mem, getpagesize());
}

TEST_F_TIMEOUT(user, signal_rep_stos, 300)
{
	struct ug_cmd cmd = {
		.op = UG_REP_STOSB, .n = 1, .arg = MVMM_SP_SINK_BASE,
		.size = MVMM_SP_SINK_LEN, .val = 0xa5,
	};

	signal_string_mmio(self, "u-rep-stos", &cmd, true);
}

TEST_F_TIMEOUT(user, signal_rep_movs, 300)
{
	struct ug_cmd cmd = {
		.op = UG_REP_MOVSB, .n = 1, .arg = MVMM_SP_SINK_BASE,
		.size = 64, .nexp = 1,
	};
	unsigned int i;

	for (i = 0; i < 8; i++)
		cmd.exp[0] |= (uint64_t)MVMM_SP_SINK_BYTE(i) << (8 * i);
	signal_string_mmio(self, "u-rep-movs", &cmd, false);
	for (i = 0; i < cmd.size; i++)
		TEST_ASSERT((uint8_t)self->c->sh->str[i] == MVMM_SP_SINK_BYTE(i),
			    "Expected byte %u read %#x, got %#x", i,
			    MVMM_SP_SINK_BYTE(i), (uint8_t)self->c->sh->str[i]);
}

struct killer {
	pthread_t thread;
	struct mvmm_ut_sec *sec;
	uint64_t at_ms;
	int status;
};

static void *killer_fn(void *arg)
{
	struct killer *k = arg;

	TEST_ASSERT(mvmm_ut_wait_nonzero(&k->sec->shm->holding, WAIT_MS),
		    "Expected the secondary to get the request within %d ms",
		    WAIT_MS);
	usleep(50000);
	k->at_ms = mvmm_ut_now_ms();
	k->status = mvmm_sp_kill(&k->sec->p);
	return NULL;
}

/* kill -9 while a vCPU waits: the fallback at once, then until reattach. */
TEST_F_TIMEOUT(user, death, 300)
{
	const char *name = "u-death";
	const uint32_t port = PORT_LO + 5;
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 1, .arg = port, .size = 2, .nexp = 1,
		.exp = { ug_in_rax(2, UG_USER_IN) },
	};
	struct killer k = {};
	struct mvmm_handler_info h0, h1;
	uint64_t end;

	mvmm_ut_fork(&self->sec);
	SP_SET(self->sec.shm->hold, 1);
	mvmm_ut_give_vm(&self->sec, ug_vm_fd(self->c));
	/* A long timeout: the fallback must come from the death. */
	mvmm_ut_attach(&self->sec, name, 0, 60000, 0);
	TEST_ASSERT(!mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_RINGPATH),
		    "serve");
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_IO, port, port, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_uh(self->s, name, &h0);
	k.sec = &self->sec;
	pthread_create(&k.thread, NULL, killer_fn, &k);
	ug_cmd("secondary killed while the IN waits", self->c, &cmd);
	end = mvmm_ut_now_ms();
	pthread_join(k.thread, NULL);
	mvmm_ut_uh(self->s, name, &h1);
	printf("# the waiting IN completed through the fallback %lu ms after kill -9 (timeout 60000 ms)\n",
	       end - k.at_ms);
	TEST_ASSERT(WIFSIGNALED(k.status) && WTERMSIG(k.status) == SIGKILL,
		    "Expected the secondary killed, got status %#x", k.status);
	TEST_ASSERT(end - k.at_ms < WAIT_MS,
		    "Expected the fallback at once, not after %lu ms",
		    end - k.at_ms);
	mvmm_hd_check("killed while waited on", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1, .fallback = 1 });
	TEST_ASSERT(self->c->user_in == 1 && !h1.attached &&
		    h1.outstanding == 0,
		    "Expected the IN here, %s detached, nothing outstanding; got %lu IN, attached %u, %u outstanding",
		    name, self->c->user_in, h1.attached, h1.outstanding);
	mvmm_sp_free(&self->sec.p);
	self->sec.shm = NULL;

	cmd.n = 5;
	ug_cmd("after the death", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h0);
	mvmm_hd_check("after the death", &h1, &h0,
		      &(struct mvmm_hdelta){ .events = 5, .fallback = 5 });

	mvmm_ut_start(&self->sec, self->c, name, 0, 10000, MVMM_SP_RINGPATH);
	cmd.exp[0] = ug_in_rax(2, MVMM_SP_IN(port));
	mvmm_ut_step(self->s, self->c, &self->sec, name, "a new secondary", &cmd,
		     MVMM_EV_IO);
}

/* ---- bad input ---------------------------------------------------------- */

/* A valid raw attach, to be spoilt one field at a time. */
static struct mvmm_sp_msg attach_msg(const char *name)
{
	struct mvmm_sp_msg m = {
		.op = MVMM_SP_ATTACH_RAW, .vm_fd = MVMM_SP_FD_HELD,
		.efd = MVMM_SP_FD_NEW,
	};

	m.att.size = sizeof(m.att);
	snprintf(m.att.name, sizeof(m.att.name), "%s", name);
	return m;
}

static void expect_attach(struct mvmm_ut_sec *x, const char *what,
			  struct mvmm_sp_msg *m, int err)
{
	int ret;

	/* A fresh file each time: a refused attach must leave it usable. */
	ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);
	TEST_ASSERT(!ret, "open /dev/mvmm: %s", strerror(-ret));
	ret = mvmm_sp_call(&x->p, m, -1);
	printf("# attach, %s: %s\n", what, ret ? strerror(-ret) : "ok");
	TEST_ASSERT(ret == err, "attach, %s: Expected %s, got %s", what,
		    err ? strerror(-err) : "success",
		    ret ? strerror(-ret) : "success");
}

TEST_F_TIMEOUT(user, bad_attach, 120)
{
	struct mvmm_sp_msg m;
	struct mvmm_ut_sec *x = &self->sec;
	struct mvmm_ustats st, zero = {};
	struct mvmm_handler_info h;
	char long_name[40];
	int ret;

	mvmm_ut_fork(x);
	mvmm_ut_give_vm(x, ug_vm_fd(self->c));

	/* Calls that need an attached file. */
	ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);
	TEST_ASSERT(!ret, "open /dev/mvmm: %s", strerror(-ret));
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_IOCTL;
	m.arg = MVMM_IOC_ANSWER;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(ret == -ENOTCONN, "Expected ANSWER before attach to be ENOTCONN, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_KICK, 0);
	TEST_ASSERT(ret == -ENOTCONN, "Expected KICK before attach to be ENOTCONN, got %s",
		    strerror(-ret));
	/* The reply buffer is larger than struct mvmm_ustats. */
	m.arg = MVMM_IOC_STATS;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(ret == -ENOTCONN, "Expected STATS before attach to be ENOTCONN, got %s",
		    strerror(-ret));
	m.arg = _IO(MVMM_IOC_MAGIC, 0x7f);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(ret == -ENOTTY, "Expected an unknown ioctl to be ENOTTY, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_READ, sizeof(struct mvmm_request));
	TEST_ASSERT(ret == -ENOTCONN, "Expected read() before attach to be ENOTCONN, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_MMAP, 4096);
	TEST_ASSERT(ret == -ENOTCONN, "Expected mmap() before attach to be ENOTCONN, got %s",
		    strerror(-ret));
	printf("# before attach: ANSWER, KICK, STATS, read(), mmap() ENOTCONN; unknown ioctl ENOTTY\n");

	m = attach_msg("u-bad");
	m.att.size = sizeof(m.att) - 8;
	expect_attach(x, "size - 8", &m, -EINVAL);
	m.att.size = sizeof(m.att) + 8;
	expect_attach(x, "size + 8", &m, -EINVAL);
	m.att.size = 0;
	expect_attach(x, "size 0", &m, -EINVAL);

	m = attach_msg("u-bad");
	m.att.flags = 1U << 2;
	expect_attach(x, "unknown flag 1 << 2", &m, -EINVAL);
	m.att.flags = 1U << 31;
	expect_attach(x, "unknown flag 1 << 31", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.att.reserved = 1;
	expect_attach(x, "reserved 1", &m, -EINVAL);

	m = attach_msg("");
	expect_attach(x, "empty name", &m, -EINVAL);
	m = attach_msg("main");
	expect_attach(x, "name \"main\"", &m, -EINVAL);
	m = attach_msg("u bad");
	expect_attach(x, "name with a space", &m, -EINVAL);
	m = attach_msg("u/bad");
	expect_attach(x, "name with a slash", &m, -EINVAL);
	m = attach_msg("u-bad");
	memset(m.att.name, 'x', sizeof(m.att.name));
	expect_attach(x, "name of 32 bytes without NUL", &m, -EINVAL);

	m = attach_msg("u-bad");
	m.att.timeout_ms = MVMM_TIMEOUT_MAX_MS + 1;
	expect_attach(x, "timeout_ms max + 1", &m, -EINVAL);
	m.att.timeout_ms = ~0U;
	expect_attach(x, "timeout_ms ~0", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.att.flags = MVMM_ATTACH_NOSPIN;
	m.att.poll_us = 5;
	expect_attach(x, "poll_us with MVMM_ATTACH_NOSPIN", &m, -EINVAL);
	m.att.poll_us = MVMM_POLL_MAX_US + 1;
	m.att.flags = 0;
	expect_attach(x, "eventfd mode, spin ceiling max + 1", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.att.flags = MVMM_ATTACH_POLL | MVMM_ATTACH_NOSPIN;
	m.efd = -1;
	expect_attach(x, "MVMM_ATTACH_POLL | MVMM_ATTACH_NOSPIN", &m, -EINVAL);
	m.att.flags = MVMM_ATTACH_POLL;
	m.efd = -1;
	m.att.poll_us = MVMM_POLL_MAX_US + 1;
	expect_attach(x, "poll_us max + 1", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.att.obs_entries = 3;
	expect_attach(x, "obs_entries 3", &m, -EINVAL);
	m.att.obs_entries = MVMM_OBS_MAX * 2;
	expect_attach(x, "obs_entries max * 2", &m, -EINVAL);
	m.att.obs_entries = MVMM_OBS_MAX + 1;
	expect_attach(x, "obs_entries max + 1", &m, -EINVAL);

	m = attach_msg("u-bad");
	m.efd = -1;
	expect_attach(x, "no eventfd without MVMM_ATTACH_POLL", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.att.flags = MVMM_ATTACH_POLL;
	expect_attach(x, "an eventfd with MVMM_ATTACH_POLL", &m, -EINVAL);
	m = attach_msg("u-bad");
	m.efd = MVMM_SP_FD_CLOSED;
	expect_attach(x, "eventfd closed", &m, -EBADF);
	m.efd = MVMM_SP_FD_PIPE;
	expect_attach(x, "eventfd a pipe", &m, -EINVAL);

	m = attach_msg("u-bad");
	m.vm_fd = MVMM_SP_FD_CLOSED;
	expect_attach(x, "vm_fd closed", &m, -EBADF);
	m.vm_fd = -1;
	expect_attach(x, "vm_fd -1", &m, -EBADF);
	m.vm_fd = MVMM_SP_FD_PIPE;
	expect_attach(x, "vm_fd a pipe", &m, -EINVAL);
	m.vm_fd = MVMM_SP_FD_DEVKVM;
	expect_attach(x, "vm_fd /dev/kvm", &m, -EINVAL);
	m.vm_fd = MVMM_SP_FD_NEW;
	expect_attach(x, "vm_fd an eventfd", &m, -EINVAL);

	/* None of those registered a name. */
	TEST_ASSERT(mvmm_handler_get(self->s, "u-bad", &h) == -ENOENT &&
		    mvmm_handler_get(self->s, "u bad", &h) == -ENOENT,
		    "Expected no handler u-bad after refused attaches");

	/* A vCPU fd is not a VM fd either. */
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_VM;
	ret = mvmm_sp_call(&x->p, &m, self->c->vcpu->fd);
	TEST_ASSERT(!ret, "pass the vCPU fd: %s", strerror(-ret));
	m = attach_msg("u-bad");
	expect_attach(x, "vm_fd a vCPU fd", &m, -EINVAL);
	mvmm_ut_give_vm(x, ug_vm_fd(self->c));

	/* Boundary values that work: a file each. */
	m = attach_msg("u-ok1");
	m.att.timeout_ms = MVMM_TIMEOUT_MAX_MS;
	m.att.obs_entries = MVMM_OBS_MAX;
	expect_attach(x, "timeout_ms max, obs_entries max", &m, 0);
	TEST_ASSERT(m.att.vm_id == self->c->id && m.att.nr_slots > 0 &&
		    m.att.mmap_size > 0,
		    "Expected vm_id %u, slots and a ring size, got %u, %u, %llu",
		    self->c->id, m.att.vm_id, m.att.nr_slots, m.att.mmap_size);
	printf("# attached: vm_id %u, %u slots, mmap_size %llu\n",
	       m.att.vm_id, m.att.nr_slots, m.att.mmap_size);
	m.att.timeout_ms = 1;
	snprintf(m.att.name, sizeof(m.att.name), "u-ok1");
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(ret == -EBUSY, "Expected a second attach of the file to be EBUSY, got %s",
		    strerror(-ret));
	m = attach_msg("u-ok1");
	ret = mvmm_ut_attach_ret(x, "u-ok1", 0, 0, 0);
	TEST_ASSERT(ret == -EBUSY, "Expected the name in use to be EBUSY, got %s",
		    strerror(-ret));
	/* Closing frees the name. */
	mvmm_sp_op(&x->p, MVMM_SP_CLOSE, 0);
	mvmm_ut_attach(x, "u-ok1", 0, 0, 0);
	mvmm_sp_op(&x->p, MVMM_SP_DETACH, 0);

	m = attach_msg("u-ok2");
	m.att.flags = MVMM_ATTACH_POLL;
	m.efd = -1;
	m.att.poll_us = MVMM_POLL_MAX_US;
	m.att.timeout_ms = 1;
	m.att.obs_entries = 1;
	expect_attach(x, "poll_us max, timeout_ms 1, obs_entries 1", &m, 0);
	m = attach_msg("u-ok3");
	m.att.poll_us = MVMM_POLL_MAX_US;
	expect_attach(x, "eventfd mode, spin ceiling max", &m, 0);
	m = attach_msg("u-ok4");
	m.att.flags = MVMM_ATTACH_NOSPIN;
	expect_attach(x, "MVMM_ATTACH_NOSPIN", &m, 0);
	/* Nothing was posted to it yet. */
	memset(&m, 0xff, sizeof(m));
	m.op = MVMM_SP_IOCTL;
	m.arg = MVMM_IOC_STATS;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected STATS to work once attached, got %s",
		    strerror(-ret));
	_Static_assert(sizeof(m.reply) >= sizeof(st), "STATS reply buffer");
	memcpy(&st, &m.reply, sizeof(st));
	TEST_ASSERT(!memcmp(&st, &zero, sizeof(st)),
		    "Expected STATS of a fresh attach to be all 0, got posted %llu",
		    (unsigned long long)st.posted);
	memset(long_name, 'n', 31);
	long_name[31] = '\0';
	m = attach_msg(long_name);
	expect_attach(x, "a name of 31 characters", &m, 0);
	TEST_ASSERT(!mvmm_handler_get(self->s, long_name, &h) && h.attached &&
		    h.user && h.pid == (uint32_t)x->p.pid,
		    "Expected handler %s attached by pid %d", long_name,
		    x->p.pid);
	mvmm_sp_op(&x->p, MVMM_SP_CLOSE, 0);
}

/* Answer @r through the secondary; its errno. */
static int answer(struct mvmm_ut_sec *x, const struct mvmm_reply *r)
{
	struct mvmm_sp_msg m = { .op = MVMM_SP_ANSWER, .reply = *r };

	return mvmm_sp_call(&x->p, &m, -1);
}

/* The next request, read by the secondary (waiting up to WAIT_MS). */
static struct mvmm_request next_req(struct mvmm_ut_sec *x)
{
	struct mvmm_sp_msg m = { .op = MVMM_SP_NEXT, .arg = WAIT_MS };
	int ret = mvmm_sp_call(&x->p, &m, -1);

	TEST_ASSERT(!ret, "Expected a request within %d ms, got %s", WAIT_MS,
		    strerror(-ret));
	return m.req;
}

/* Each refused answer: its errno, and the request still outstanding. */
enum spoil {
	SP_SEQ_MINUS, SP_SEQ_PLUS, SP_SEQ_ZERO,
	SP_VCPU_1, SP_VCPU_N, SP_VCPU_MAX,
	SP_FLAGS, SP_RESERVED, SP_ACTION,
	SP_RAX, SP_RSP, SP_RSI, SP_RIP,		/* added to gpr_mask */
	SP_NMI, SP_V32, SP_V15, SP_GP_NOERR, SP_UD_ERR, SP_UD_CODE,
	SP_GP_HAS2, SP_GP, SP_BP, SP_OF, SP_VC,	/* injections */
};

struct bad {
	const char *what;
	int err;
	enum spoil how;
};

static void inject(struct mvmm_reply *r, uint8_t vector, uint8_t has,
		   uint32_t error_code)
{
	memset(&r->ans, 0, sizeof(r->ans));
	r->ans.action = MVMM_ACT_INJECT;
	r->ans.vector = vector;
	r->ans.has_error_code = has;
	r->ans.error_code = error_code;
}

/* Spoil a good reply @r as @how says. */
static void spoil(struct mvmm_reply *r, enum spoil how, uint32_t nr_slots)
{
	switch (how) {
	case SP_SEQ_MINUS:
		r->seq--;
		break;
	case SP_SEQ_PLUS:
		r->seq++;
		break;
	case SP_SEQ_ZERO:
		r->seq = 0;
		break;
	case SP_VCPU_1:
		r->vcpu_idx = 1;
		break;
	case SP_VCPU_N:
		r->vcpu_idx = nr_slots;
		break;
	case SP_VCPU_MAX:
		r->vcpu_idx = ~0U;
		break;
	case SP_FLAGS:
		r->flags = 1;
		break;
	case SP_RESERVED:
		r->ans.reserved = 1;
		break;
	case SP_ACTION:
		r->ans.action = 3;
		break;
	case SP_RAX:
		r->ans.gpr_mask |= 1U << MVMM_GPR_RAX;
		break;
	case SP_RSP:
		r->ans.gpr_mask |= 1U << MVMM_GPR_RSP;
		break;
	case SP_RSI:
		r->ans.gpr_mask |= 1U << MVMM_GPR_RSI;
		break;
	case SP_RIP:
		r->ans.gpr_mask |= MVMM_ANS_RIP;
		break;
	case SP_NMI:
		inject(r, 2, 0, 0);
		break;
	case SP_V32:
		inject(r, 32, 0, 0);
		break;
	case SP_V15:
		inject(r, 15, 0, 0);
		break;
	case SP_GP_NOERR:
		inject(r, 13, 0, 0);
		break;
	case SP_UD_ERR:
		inject(r, 6, 1, 0);
		break;
	case SP_UD_CODE:
		inject(r, 6, 0, 5);
		break;
	case SP_GP_HAS2:
		inject(r, 13, 2, 0);
		break;
	case SP_GP:
		inject(r, 13, 1, 0);
		break;
	case SP_BP:
		inject(r, 3, 0, 0);
		break;
	case SP_OF:
		inject(r, 4, 0, 0);
		break;
	case SP_VC:
		inject(r, 29, 1, 0);
		break;
	}
}

/* Refusals every event gets. */
static const struct bad bad_common[] = {
	{ "seq - 1", -ESTALE, SP_SEQ_MINUS },
	{ "seq + 1", -ESTALE, SP_SEQ_PLUS },
	{ "seq 0", -ESTALE, SP_SEQ_ZERO },
	{ "another vCPU's slot (1)", -ESTALE, SP_VCPU_1 },
	{ "vcpu_idx nr_slots", -EINVAL, SP_VCPU_N },
	{ "vcpu_idx ~0", -EINVAL, SP_VCPU_MAX },
	{ "reply flags 1", -EINVAL, SP_FLAGS },
	{ "answer reserved 1", -EINVAL, SP_RESERVED },
	{ "unknown action 3", -EINVAL, SP_ACTION },
	{ "inject NMI", -EINVAL, SP_NMI },
	{ "inject vector 32", -EINVAL, SP_V32 },
	{ "inject reserved vector 15", -EINVAL, SP_V15 },
	{ "inject #GP without error code", -EINVAL, SP_GP_NOERR },
	{ "inject #UD with an error code", -EINVAL, SP_UD_ERR },
	{ "inject #UD, error_code without has_error_code", -EINVAL,
	  SP_UD_CODE },
	{ "inject #GP, has_error_code 2", -EINVAL, SP_GP_HAS2 },
	/* KVM would skip the instruction (#BP, #OF) or lose them (SVM) */
	{ "inject #BP", -EINVAL, SP_BP },
	{ "inject #OF", -EINVAL, SP_OF },
	{ "inject #VC", -EINVAL, SP_VC },
};

/*
 * Run @cmd (one iteration) in a thread; refuse its request with
 * @bads (and the common ones), checking that nothing changes; then answer
 * with the model and check the guest got it.
 */
static void bad_answers(struct mvmm_rsk *s, struct mvmm_ut_sec *x, struct ug_vm *c, const char *name,
			uint32_t nr_slots, const char *what,
			const struct ug_cmd *cmd, const struct bad *bads,
			int nbad)
{
	struct mvmm_reply good = {}, r;
	struct mvmm_request req;
	struct mvmm_handler_info h0, h1;
	struct ug_job j;
	int i, ret;

	mvmm_ut_uh(s, name, &h0);
	ug_job_start(&j, c, what, cmd);
	req = next_req(x);
	good.seq = req.seq;
	good.vcpu_idx = req.vcpu_idx;
	TEST_ASSERT(mvmm_sp_model(&req, &good.ans, NULL),
		    "%s: the model does not answer event type %u", what,
		    req.ev.type);
	for (i = 0; i < (int)ARRAY_SIZE(bad_common) + nbad; i++) {
		const struct bad *b = i < (int)ARRAY_SIZE(bad_common) ?
				      &bad_common[i] :
				      &bads[i - ARRAY_SIZE(bad_common)];

		r = good;
		spoil(&r, b->how, nr_slots);
		ret = answer(x, &r);
		TEST_ASSERT(ret == b->err, "%s, %s: Expected %s, got %s", what,
			    b->what, strerror(-b->err),
			    ret ? strerror(-ret) : "success");
	}
	mvmm_ut_uh(s, name, &h1);
	TEST_ASSERT(c->sh->done == 0 && h1.outstanding == 1,
		    "%s: Expected the request still outstanding after %d refused answers, got %lu done, %u outstanding",
		    what, (int)ARRAY_SIZE(bad_common) + nbad, c->sh->done,
		    h1.outstanding);
	/* Routed when it was posted: counted as an event, nothing else. */
	mvmm_hd_check(what, &h0, &h1, &(struct mvmm_hdelta){ .events = 1 });

	ret = answer(x, &good);
	TEST_ASSERT(!ret, "%s: Expected the right answer to work, got %s",
		    what, strerror(-ret));
	pthread_join(j.t, NULL);
	ret = answer(x, &good);
	TEST_ASSERT(ret == -ESTALE,
		    "%s: Expected a second answer to be ESTALE, got %s", what,
		    ret ? strerror(-ret) : "success");
	mvmm_ut_uh(s, name, &h1);
	mvmm_hd_check(what, &h0, &h1, &(struct mvmm_hdelta){ .events = 1, .handled = 1 });
	printf("# %s: %d refusals, then the answer completed it\n", what,
	       (int)ARRAY_SIZE(bad_common) + nbad);
}

static const struct bad bad_in[] = {
	{ "IN answer writing RAX by gpr_mask", -EINVAL, SP_RAX },
	{ "IN answer writing RIP", -EINVAL, SP_RIP },
};

static const struct bad bad_out[] = {
	{ "OUT answer writing RAX by gpr_mask", -EINVAL, SP_RAX },
};

static const struct bad bad_msr[] = {
	{ "RDMSR answer writing RAX by gpr_mask", -EINVAL, SP_RAX },
};

static const struct bad bad_cpuid[] = {
	{ "CPUID answer writing RSP", -EINVAL, SP_RSP },
	{ "CPUID answer writing RSI", -EINVAL, SP_RSI },
	{ "CPUID answer writing RIP", -EINVAL, SP_RIP },
};

static const struct bad bad_hc[] = {
	{ "hypercall answer writing RSP", -EINVAL, SP_RSP },
	{ "hypercall answer writing RIP", -EINVAL, SP_RIP },
};

static const struct bad bad_mmio[] = {
	{ "MMIO answer injecting #GP", -EINVAL, SP_GP },
	{ "MMIO answer writing RAX", -EINVAL, SP_RAX },
};

TEST_F_TIMEOUT(user, bad_answer, 300)
{
	const char *name = "u-badans";
	struct mvmm_ut_sec *x = &self->sec;
	struct mvmm_request req;
	struct mvmm_sp_msg m;
	struct mvmm_handler_info h0, h1;
	struct ug_cmd cmd;
	uint32_t nr_slots;
	uint64_t kvm_cpuid[4];
	struct ug_job j;
	int ret;

	/* KVM's answer to a leaf outside the rules, for the ring's fallback. */
	cmd = (struct ug_cmd){ .op = UG_CPUID, .n = 1, .arg = LEAF_HI + 1 };
	ug_cmd("KVM's CPUID", self->c, &cmd);
	memcpy(kvm_cpuid, self->c->sh->last, sizeof(kvm_cpuid));

	mvmm_ut_fork(x);
	mvmm_ut_give_vm(x, ug_vm_fd(self->c));
	mvmm_ut_attach(x, name, 0, 30000, 0);
	rt_rules(self->s, self->c->id, name);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret && m.ring.version == MVMM_RING_VERSION &&
		    m.ring.nr_slots > 1,
		    "Expected a ring of version %d with slots, got %s, version %u, %u slots",
		    MVMM_RING_VERSION, strerror(-ret), m.ring.version,
		    m.ring.nr_slots);
	nr_slots = m.ring.nr_slots;

	/* read() with less than one record, while a request is unread. */
	cmd = (struct ug_cmd){ .op = UG_IN, .n = 1, .arg = PORT_LO + 3,
		.size = 1, .nexp = 1,
		.exp = { ug_in_rax(1, MVMM_SP_IN(PORT_LO + 3)) } };
	mvmm_ut_uh(self->s, name, &h0);
	ug_job_start(&j, self->c, "IN, short reads", &cmd);
	{
		uint64_t end = mvmm_ut_now_ms() + WAIT_MS;

		do {
			usleep(2000);
			mvmm_ut_uh(self->s, name, &h1);
		} while (!h1.outstanding && mvmm_ut_now_ms() < end);
	}
	ret = mvmm_sp_op(&x->p, MVMM_SP_READ, sizeof(struct mvmm_request) - 1);
	TEST_ASSERT(ret == -EINVAL,
		    "Expected read() of %zu bytes to be EINVAL, got %s",
		    sizeof(struct mvmm_request) - 1, strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_READ, 0);
	TEST_ASSERT(ret == -EINVAL, "Expected read() of 0 bytes to be EINVAL, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_KICK, 0);
	TEST_ASSERT(!ret, "Expected KICK of slot 0 to work, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_KICK, nr_slots);
	TEST_ASSERT(ret == -EINVAL,
		    "Expected KICK of slot %u (nr_slots) to be EINVAL, got %s",
		    nr_slots, ret ? strerror(-ret) : "success");
	req = next_req(x);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_ANSWER;
	m.reply.seq = req.seq;
	mvmm_sp_model(&req, &m.reply.ans, NULL);
	TEST_ASSERT(!mvmm_sp_call(&x->p, &m, -1), "answer");
	pthread_join(j.t, NULL);
	printf("# read() of %zu and 0 bytes: EINVAL; the request was then read whole (seq %llu)\n",
	       sizeof(struct mvmm_request) - 1, (unsigned long long)req.seq);

	bad_answers(self->s, x, self->c, name, nr_slots, "IN",
		    &cmd, bad_in, ARRAY_SIZE(bad_in));
	cmd = (struct ug_cmd){ .op = UG_OUT, .n = 1, .arg = PORT_LO + 8,
		.size = 1, .val = 0x99 };
	bad_answers(self->s, x, self->c, name, nr_slots, "OUT",
		    &cmd, bad_out, ARRAY_SIZE(bad_out));
	TEST_ASSERT(x->shm->out_count == 0,
		    "Expected the model untouched by the test's answers");
	cmd = (struct ug_cmd){ .op = UG_RDMSR, .n = 1, .arg = MSR_LO,
		.nexp = 1, .exp = { MVMM_SP_MSR(MSR_LO) } };
	bad_answers(self->s, x, self->c, name, nr_slots, "RDMSR",
		    &cmd, bad_msr, ARRAY_SIZE(bad_msr));
	cmd = (struct ug_cmd){ .op = UG_CPUID, .n = 1, .arg = LEAF_LO,
		.val = 3, .nexp = 4,
		.exp = { LEAF_LO, (uint32_t)~LEAF_LO, MVMM_SP_CPUID_ECX ^ 3,
			 3 } };
	bad_answers(self->s, x, self->c, name, nr_slots, "CPUID",
		    &cmd, bad_cpuid, ARRAY_SIZE(bad_cpuid));
	cmd = (struct ug_cmd){ .op = UG_HC, .n = 1, .arg = HC_LO + 1,
		.val = 5, .nexp = 3,
		.exp = { MVMM_SP_HC(HC_LO + 1), ~(uint64_t)(HC_LO + 1), 6 } };
	bad_answers(self->s, x, self->c, name, nr_slots, "hypercall",
		    &cmd, bad_hc, ARRAY_SIZE(bad_hc));
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = 1,
		.arg = MVMM_SP_MMIO_BASE, .size = 4, .nexp = 1,
		.exp = { (uint32_t)MVMM_SP_MMIO_INIT(0) } };
	bad_answers(self->s, x, self->c, name, nr_slots, "MMIO read",
		    &cmd, bad_mmio, ARRAY_SIZE(bad_mmio));

	/*
	 * The ring: an answer whose ans_seq is not the request's is not
	 * seen (the slot goes back to REQUEST); the right one completes.
	 */
	cmd = (struct ug_cmd){ .op = UG_IN, .n = 1, .arg = PORT_LO + 6,
		.size = 4, .nexp = 1, .exp = { MVMM_SP_IN(PORT_LO + 6) } };
	mvmm_ut_uh(self->s, name, &h0);
	ug_job_start(&j, self->c, "IN, ring answers", &cmd);
	req = next_req(x);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING_ANSWER;
	m.reply.seq = req.seq + 1000;
	m.reply.vcpu_idx = req.vcpu_idx;
	mvmm_ans_handled(&m.reply.ans, 0xdead);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected to write the ring answer, got %s",
		    strerror(-ret));
	{
		uint64_t end = mvmm_ut_now_ms() + WAIT_MS;

		do {
			usleep(2000);
			memset(&m, 0, sizeof(m));
			m.op = MVMM_SP_SLOT;
			m.arg = req.vcpu_idx;
			TEST_ASSERT(!mvmm_sp_call(&x->p, &m, -1), "slot");
		} while (m.slot.state != MVMM_SLOT_REQUEST && mvmm_ut_now_ms() < end);
	}
	mvmm_ut_uh(self->s, name, &h1);
	printf("# ring answer with ans_seq %llu for seq %llu: slot state %u, seq %llu, guest iterations %lu, outstanding %u\n",
	       (unsigned long long)req.seq + 1000,
	       (unsigned long long)req.seq, m.slot.state,
	       (unsigned long long)m.slot.seq, self->c->sh->done,
	       h1.outstanding);
	TEST_ASSERT(m.slot.state == MVMM_SLOT_REQUEST &&
		    m.slot.seq == req.seq && self->c->sh->done == 0 &&
		    h1.outstanding == 1,
		    "Expected the wrong ring answer ignored (slot back to REQUEST, request outstanding)");
	mvmm_hd_check("wrong ans_seq in the ring", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1 });
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING_ANSWER;
	m.reply.seq = req.seq;
	m.reply.vcpu_idx = req.vcpu_idx;
	mvmm_sp_model(&req, &m.reply.ans, NULL);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected to write the ring answer, got %s",
		    strerror(-ret));
	pthread_join(j.t, NULL);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("right ans_seq in the ring", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1, .handled = 1 });

	/* An invalid ring answer: the fallback, counted invalid. */
	cmd = (struct ug_cmd){ .op = UG_CPUID, .n = 1, .arg = LEAF_LO + 1,
		.nexp = 4 };
	mvmm_ut_uh(self->s, name, &h0);
	/* The fallback is KVM's CPUID, which answers this leaf as LEAF_HI+1. */
	memcpy(cmd.exp, kvm_cpuid, sizeof(cmd.exp));
	ug_job_start(&j, self->c, "CPUID, invalid ring answer", &cmd);
	req = next_req(x);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING_ANSWER;
	m.reply.seq = req.seq;
	m.reply.vcpu_idx = req.vcpu_idx;
	mvmm_sp_model(&req, &m.reply.ans, NULL);
	spoil(&m.reply, SP_RSP, 0);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected to write the ring answer, got %s",
		    strerror(-ret));
	pthread_join(j.t, NULL);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("invalid ring answer (RSP)", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1, .fallback = 1, .invalid = 1 });
}

/* ---- isolation ---------------------------------------------------------- */

/*
 * The VM fd under a number no secondary has open (they hold a few low
 * ones): what another process would try if numbers meant anything.
 */
static int high_vm_fd(struct ug_vm *c)
{
	static int fd = -1;

	if (fd < 0)
		fd = fcntl(ug_vm_fd(c), F_DUPFD_CLOEXEC, 900);
	TEST_ASSERT(fd >= 900, "F_DUPFD: %s", strerror(errno));
	return fd;
}

TEST_F_TIMEOUT(user, isolation, 300)
{
	const char *name = "u-iso";
	const uint32_t port = PORT_LO + 3;
	struct mvmm_handler_info h0, h1;
	struct mvmm_sp_msg m;
	struct mvmm_ut_sec other = {};
	struct ug_vm *b;
	struct ug_cmd cmd;
	uint32_t ida = self->c->id;
	int ret;

	/* A process that was never given the VM fd. */
	mvmm_ut_fork(&other);
	TEST_ASSERT(!mvmm_sp_op(&other.p, MVMM_SP_OPEN, 0), "open");
	m = attach_msg(name);
	m.vm_fd = high_vm_fd(self->c);	/* the number, in this process */
	ret = mvmm_sp_call(&other.p, &m, -1);
	TEST_ASSERT(ret == -EBADF,
		    "Expected a process without the VM fd (%d here) to get EBADF, got %s",
		    m.vm_fd, ret ? strerror(-ret) : "success");
	m = attach_msg(name);
	m.vm_fd = MVMM_SP_FD_DEVKVM;
	ret = mvmm_sp_call(&other.p, &m, -1);
	TEST_ASSERT(ret == -EINVAL, "Expected /dev/kvm as vm_fd to be EINVAL, got %s",
		    ret ? strerror(-ret) : "success");
	m = attach_msg(name);
	m.vm_fd = MVMM_SP_FD_PIPE;
	ret = mvmm_sp_call(&other.p, &m, -1);
	TEST_ASSERT(ret == -EINVAL, "Expected a pipe as vm_fd to be EINVAL, got %s",
		    ret ? strerror(-ret) : "success");
	printf("# without the VM fd: its number EBADF, /dev/kvm and a pipe EINVAL\n");
	mvmm_ut_quit(&other);

	/* VM A's secondary; rules in A's and B's tables name it. */
	b = ug_vm_start(&ida, 1);
	TEST_ASSERT(b->id != ida, "Expected two VM ids");
	mvmm_ut_start(&self->sec, self->c, name, 0, 10000, MVMM_SP_RINGPATH);
	mvmm_ut_rule_add(self->s, ida, MVMM_EV_IO, PORT_LO, PORT_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(self->s, ida, MVMM_EV_MMIO, MVMM_SP_MMIO_BASE,
			 MVMM_SP_MMIO_BASE + MMIO_LEN - 1, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(self->s, b->id, MVMM_EV_IO, PORT_LO, PORT_HI, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	mvmm_ut_rule_add(self->s, b->id, MVMM_EV_MMIO, MVMM_SP_MMIO_BASE,
			 MVMM_SP_MMIO_BASE + MMIO_LEN - 1, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_DENY, name);

	cmd = (struct ug_cmd){ .op = UG_IN, .n = N, .arg = port, .size = 4,
		.nexp = 1, .exp = { MVMM_SP_IN(port) } };
	mvmm_ut_step(self->s, self->c, &self->sec, name, "VM A: IN", &cmd,
		     MVMM_EV_IO);

	mvmm_ut_uh(self->s, name, &h0);
	cmd.exp[0] = UG_USER_IN;
	ug_cmd("VM B: IN", b, &cmd);
	TEST_ASSERT(b->user_in == N,
		    "Expected VM B's %d INs to reach this program, got %lu", N,
		    b->user_in);
	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE, .size = 4, .nexp = 1,
		.exp = { 0xffffffff } };
	ug_cmd("VM B: MMIO read, fallback deny", b, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("VM B's events routed to VM A's secondary", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 2 * N, .fallback = 2 * N });
	TEST_ASSERT(b->user_mmio_rd == 0,
		    "Expected VM B's MMIO reads denied, got %lu here",
		    b->user_mmio_rd);
	TEST_ASSERT(SP_GET(self->sec.shm->requests) == N &&
		    !self->sec.shm->bad_vm,
		    "Expected VM A's secondary to see only A's %d requests, got %lu (%lu of another VM)",
		    N, SP_GET(self->sec.shm->requests),
		    self->sec.shm->bad_vm);

	cmd = (struct ug_cmd){ .op = UG_MMIO_RD, .n = N,
		.arg = MVMM_SP_MMIO_BASE, .size = 4, .nexp = 1,
		.exp = { (uint32_t)MVMM_SP_MMIO_INIT(0) } };
	mvmm_ut_step(self->s, self->c, &self->sec, name, "VM A: MMIO read", &cmd,
		     MVMM_EV_MMIO);
	printf("# VM A (%u): %lu requests to its secondary; VM B (%u): none, %d fallbacks\n",
	       ida, SP_GET(self->sec.shm->requests), b->id, 2 * N);
	ug_vm_stop(b);
}

/* ---- vm_gone ------------------------------------------------------------ */

struct poll_job {
	struct mvmm_ut_sec *x;
	uint64_t ms;		/* how long the poll() took */
	int64_t revents;
	int err;
};

static void *poll_job(void *arg)
{
	struct poll_job *j = arg;
	struct mvmm_sp_msg m = { .op = MVMM_SP_POLL, .arg = WAIT_MS };
	uint64_t t0 = mvmm_ut_now_ms();

	j->err = mvmm_sp_call(&j->x->p, &m, -1);
	j->ms = mvmm_ut_now_ms() - t0;
	j->revents = m.ret;
	return NULL;
}

TEST_F_TIMEOUT(user, vm_gone, 120)
{
	uint32_t ida = self->c->id;
	struct mvmm_ut_sec x = {};
	struct poll_job j = { .x = &x };
	struct mvmm_ustats st;
	struct mvmm_sp_msg m;
	struct ug_vm *b;
	pthread_t t;
	int ret;

	/*
	 * A secondary of VM B, which holds no reference to it once attached:
	 * forked first, so that it does not inherit B's vCPU mappings.
	 */
	mvmm_ut_fork(&x);
	b = ug_vm_start(&ida, 1);
	mvmm_ut_give_vm(&x, ug_vm_fd(b));
	m = attach_msg("u-gone");
	expect_attach(&x, "attach to VM B", &m, 0);
	TEST_ASSERT(!mvmm_sp_op(&x.p, MVMM_SP_DROP_VM, 0) &&
		    !mvmm_sp_op(&x.p, MVMM_SP_MMAP, 0),
		    "Expected to drop the VM fd and map the ring");
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_POLL, .arg = 0 };
	ret = mvmm_sp_call(&x.p, &m, -1);
	TEST_ASSERT(!ret && !m.ret, "Expected nothing to poll while VM B lives, got %s, revents %#lx",
		    strerror(-ret), (long)m.ret);
	ret = mvmm_sp_op(&x.p, MVMM_SP_READ, sizeof(struct mvmm_request));
	TEST_ASSERT(ret == -EAGAIN, "Expected read() to be EAGAIN while VM B lives, got %s",
		    strerror(-ret));

	/* A poll() asleep when the VM goes wakes up with EPOLLHUP. */
	TEST_ASSERT(!pthread_create(&t, NULL, poll_job, &j), "pthread_create");
	usleep(200 * 1000);
	ug_vm_stop(b);
	pthread_join(t, NULL);
	TEST_ASSERT(!j.err && (j.revents & POLLHUP) && j.ms < WAIT_MS / 2,
		    "Expected a sleeping poll() to return POLLHUP when VM B went, got %s, revents %#lx after %lu ms",
		    strerror(-j.err), (long)j.revents, j.ms);

	/* read() is at its end, nothing can be answered or kicked. */
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_READ,
				  .arg = sizeof(struct mvmm_request) };
	ret = mvmm_sp_call(&x.p, &m, -1);
	TEST_ASSERT(!ret && m.ret == 0, "Expected read() to return 0 (end of file), got %s, %ld",
		    strerror(-ret), (long)m.ret);
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_IOCTL, .arg = MVMM_IOC_ANSWER };
	m.reply.seq = 1;
	ret = mvmm_sp_call(&x.p, &m, -1);
	TEST_ASSERT(ret == -ENOTCONN, "Expected ANSWER to be ENOTCONN, got %s",
		    strerror(-ret));
	ret = mvmm_sp_op(&x.p, MVMM_SP_KICK, 0);
	TEST_ASSERT(ret == -ENOTCONN, "Expected KICK to be ENOTCONN, got %s",
		    strerror(-ret));
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_IOCTL, .arg = MVMM_IOC_STATS };
	ret = mvmm_sp_call(&x.p, &m, -1);
	memcpy(&st, &m.reply, sizeof(st));
	TEST_ASSERT(!ret && !st.posted,
		    "Expected STATS to work, with nothing posted, got %s",
		    strerror(-ret));
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_EVENTFD };
	ret = mvmm_sp_call(&x.p, &m, -1);
	TEST_ASSERT(!ret && m.n_sync == 1,
		    "Expected the eventfd signalled once, got %s, count %lu",
		    strerror(-ret), m.n_sync);
	m = (struct mvmm_sp_msg){ .op = MVMM_SP_RING };
	ret = mvmm_sp_call(&x.p, &m, -1);
	TEST_ASSERT(!ret && (m.ring.flags & MVMM_RING_VM_GONE),
		    "Expected MVMM_RING_VM_GONE in the ring's flags, got %s, %#x",
		    strerror(-ret), m.ring.flags);
	printf("# VM B destroyed: poll() woke with POLLHUP after %lu ms; read() 0, ANSWER and KICK ENOTCONN, STATS works, eventfd signalled, ring flag set\n",
	       j.ms);
	mvmm_ut_quit(&x);
}

/* ---- unprivileged ------------------------------------------------------- */

static const char dev_path[] = "/dev/" MVMM_DEV_NAME;

static void restore_mode(void)
{
	chmod(dev_path, 0600);
}

TEST_F_TIMEOUT(user, unprivileged, 120)
{
	const char *name = "u-nobody";
	const uint32_t port = PORT_LO + 7;
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 1, .arg = port, .size = 4, .nexp = 1,
		.exp = { MVMM_SP_IN(port) },
	};
	struct mvmm_ut_sec *x = &self->sec;
	struct mvmm_request req;
	struct mvmm_sp_msg m;
	struct mvmm_handler_info h;
	struct stat st;
	struct ug_job j;
	int ret;

	TEST_ASSERT(!stat(dev_path, &st), "stat %s: %s", dev_path,
		    strerror(errno));
	printf("# %s: mode %04o uid %u gid %u\n", dev_path,
	       st.st_mode & 07777, st.st_uid, st.st_gid);
	TEST_ASSERT(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600 &&
		    st.st_uid == 0,
		    "Expected %s a character device of mode 0600 owned by root, got %04o uid %u",
		    dev_path, st.st_mode & 07777, st.st_uid);
	atexit(restore_mode);

	mvmm_ut_fork(x);
	ret = mvmm_sp_op(&x->p, MVMM_SP_SETUID, NOBODY);
	TEST_ASSERT(!ret, "Expected to become uid %d, got %s", NOBODY,
		    strerror(-ret));
	ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);
	TEST_ASSERT(ret == -EACCES,
		    "Expected uid %d to get EACCES opening %s (0600), got %s",
		    NOBODY, dev_path, ret ? strerror(-ret) : "success");

	TEST_ASSERT(!chmod(dev_path, 0666), "chmod: %s", strerror(errno));
	ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);
	TEST_ASSERT(!ret, "Expected uid %d to open %s (0666), got %s", NOBODY,
		    dev_path, strerror(-ret));
	m = attach_msg(name);
	m.vm_fd = high_vm_fd(self->c);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(ret == -EBADF,
		    "Expected uid %d without the VM fd to get EBADF, got %s",
		    NOBODY, ret ? strerror(-ret) : "success");
	mvmm_ut_give_vm(x, ug_vm_fd(self->c));
	m = attach_msg(name);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected uid %d to attach with the VM fd it was given, got %s",
		    NOBODY, strerror(-ret));
	restore_mode();
	TEST_ASSERT(!stat(dev_path, &st) && (st.st_mode & 07777) == 0600,
		    "Expected the mode restored to 0600");

	/* It serves: an open file needs no more permission. */
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_IO, port, port, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, name);
	ug_job_start(&j, self->c, "IN served by nobody", &cmd);
	req = next_req(x);
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_ANSWER;
	m.reply.seq = req.seq;
	mvmm_sp_model(&req, &m.reply.ans, NULL);
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "Expected nobody's answer to work, got %s",
		    strerror(-ret));
	pthread_join(j.t, NULL);
	TEST_ASSERT(!mvmm_handler_get(self->s, name, &h) && h.attached && h.user &&
		    h.pid == (uint32_t)x->p.pid && h.handled == 1,
		    "Expected %s attached by pid %d with 1 handled, got attached %u pid %u handled %lu",
		    name, x->p.pid, h.attached, h.pid, h.handled);
	printf("# uid %d: EACCES at mode 0600; at 0666 EBADF without the VM fd, attached with it and answered 1 IN\n",
	       NOBODY);
}

/* ---- observe ------------------------------------------------------------ */

TEST_F_TIMEOUT(user, observe, 600)
{
	const char *name = "u-observe";
	const uint64_t n = 1000, obs = 16;
	struct mvmm_ut_sec *x = &self->sec;
	struct mvmm_sp_msg m;
	struct mvmm_handler_info h0, h1;
	struct ug_cmd cmd = { .op = UG_CPUID, .n = 1, .arg = OBS_LEAF };
	int ret;

	/* KVM's own answer: observe must not change it. */
	ug_cmd("KVM's CPUID", self->c, &cmd);
	memcpy(cmd.exp, self->c->sh->last, sizeof(cmd.exp));
	cmd.nexp = 4;

	mvmm_ut_fork(x);
	mvmm_ut_give_vm(x, ug_vm_fd(self->c));
	mvmm_ut_attach(x, name, 0, 10000, obs);
	mvmm_ut_rule_add(self->s, self->c->id, MVMM_EV_CPUID, OBS_LEAF, OBS_LEAF,
			 MVMM_MODE_OBSERVE, MVMM_FALLBACK_DENY, name);

	/* Nobody reads: the vCPU never waits, the ring fills, the rest drops. */
	mvmm_ut_uh(self->s, name, &h0);
	cmd.n = n;
	ug_cmd("1000 observed CPUIDs", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("observe, ring of 16, no reader", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = n, .observed = obs,
				 .dropped = n - obs });

	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "ring: %s", strerror(-ret));
	printf("# ring: obs_entries %u obs_head %u obs_tail %u obs_dropped %llu\n",
	       m.ring.obs_entries, m.ring.obs_head, m.ring.obs_tail,
	       (unsigned long long)m.ring.obs_dropped);
	TEST_ASSERT(m.ring.obs_entries == obs && m.ring.obs_head == obs &&
		    m.ring.obs_tail == 0 && m.ring.obs_dropped == n - obs,
		    "Expected the ring to show %lu entries, head %lu, tail 0, %lu dropped",
		    obs, obs, n - obs);

	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_EVENTFD;
	mvmm_sp_call(&x->p, &m, -1);
	printf("# eventfd count: %lu\n", m.n_sync);

	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_DRAIN;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret, "drain: %s", strerror(-ret));
	printf("# received %lu observe copies (seq %lu..%lu) + dropped %llu = %llu\n",
	       m.n_obs, m.obs_seq_min, m.obs_seq_max,
	       (unsigned long long)h1.dropped - h0.dropped,
	       (unsigned long long)(m.n_obs + h1.dropped - h0.dropped));
	TEST_ASSERT(m.n_obs == obs && m.n_sync == 0 &&
		    m.n_obs + (h1.dropped - h0.dropped) == n,
		    "Expected received + dropped == %lu with %lu received, got %lu + %lu (and %lu synchronous)",
		    n, obs, m.n_obs, h1.dropped - h0.dropped, m.n_sync);
	TEST_ASSERT(m.obs_seq_max - m.obs_seq_min == obs - 1 &&
		    SP_GET(x->shm->by_type[MVMM_EV_CPUID]) == 0 &&
		    SP_GET(x->shm->observed) == obs,
		    "Expected %lu consecutive seqs of CPUID copies, got %lu..%lu",
		    obs, m.obs_seq_min, m.obs_seq_max);
	TEST_ASSERT(x->shm->last.ev.type == 0 && x->shm->requests == 0,
		    "Expected no synchronous request");

	/* Drained, there is room again: 10 more all arrive. */
	mvmm_ut_uh(self->s, name, &h0);
	cmd.n = 10;
	ug_cmd("10 more", self->c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	mvmm_hd_check("observe after draining", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 10, .observed = 10 });
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_DRAIN;
	ret = mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(!ret && m.n_obs == 10,
		    "Expected to read 10 copies, got %lu (%s)", m.n_obs,
		    strerror(-ret));
	memset(&m, 0, sizeof(m));
	m.op = MVMM_SP_RING;
	mvmm_sp_call(&x->p, &m, -1);
	TEST_ASSERT(m.ring.obs_dropped == n - obs &&
		    m.ring.obs_head == obs + 10 &&
		    m.ring.obs_tail == obs + 10,
		    "Expected head == tail == %lu and still %lu dropped, got %u, %u, %llu",
		    obs + 10, n - obs, m.ring.obs_head, m.ring.obs_tail,
		    (unsigned long long)m.ring.obs_dropped);
}

/* The harness ends each test with _exit(): nothing may stay buffered. */
static void __attribute__((constructor)) line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

TEST_HARNESS_MAIN

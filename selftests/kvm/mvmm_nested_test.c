// SPDX-License-Identifier: GPL-2.0
/*
 * Events of a nested guest: the test guest (L1) is itself a hypervisor
 * and runs its own guest (L2) with the selftest library's nested SVM
 * support (svm_util). L1 intercepts only VMRUN and VMMCALL, as
 * generic_svm_setup() sets it up, so of L2's events
 *
 *  - CPUID and IN (L1 intercepts neither) are KVM's (L0's): CPUID gets
 *    KVM's answer, IN exits to this program;
 *  - VMMCALL is L1's: KVM reflects a #VMEXIT into L1, which counts it,
 *    answers in L2's RAX and resumes L2;
 *  - an 8-byte read of an unbacked GPA that L1's page tables map (L2 runs
 *    on them, without nested paging) is an MMIO access that L0 emulates.
 *
 * L1 performs the same events itself. Every event checks its result in
 * the guest; the host checks the per-VM counters (MVMM_A_EVSTAT_L2), the
 * handler counters and mvmm_testsec's own view:
 *
 *  counts     no rules: L2's events are counted, and counted as L2, apart
 *             from L1's; L1's VMRUNs are L1 events;
 *  origin     "origin l1" sync rules answer L1's events at testsec,
 *             "origin l2" observe rules copy L2's to it: L2 still gets
 *             KVM's answers and L1 still gets its #VMEXITs;
 *  sync_any   sync rules of origin any: mvmm completes an event where
 *             KVM's own handler would start, after KVM decided whether
 *             L1 gets it. So testsec answers L1's events and L2's CPUID
 *             and IN (which L1 does not intercept: L0's to handle), while
 *             L1 still gets every VMMCALL of L2 (it intercepts them; mvmm
 *             never sees them as events to complete);
 *  l2_sync    "origin l2" sync rules: the same for L2's events only, L1's
 *             go to KVM;
 *  l2_mmio    an "origin l2" sync MMIO rule: a userspace secondary
 *             answers L2's MMIO reads, L1's go to this program;
 *  answers    fixed answers (rule target "answer") for the MMIO reads,
 *             answered on KVM's MMIO bus, and the INs, of origin l1, l2
 *             and any in turn: each answers the levels its origin
 *             accepts, the other level's go to this program;
 *  l1_hlt_after_l2_hlt
 *             an "origin l2" sync HLT rule; L1 intercepts HLT, L2 halts,
 *             and L1 halts itself at once, interrupts off. KVM reflects
 *             L2's HLT to L1 without any handler of its own, so mvmm's
 *             record of that exit is never taken. Where KVM completes
 *             L1's HLT in its fastpath (6.12 with NRIPS, or VMX), it does
 *             so inside the vendor's vcpu_run, before mvmm has read the
 *             new exit: mvmm must not take it for L2's (whose rule would
 *             then be carried out there, interrupts off). The vCPU must
 *             halt as KVM has it: a signal ends KVM_RUN with EINTR and
 *             KVM_GET_MP_STATE says HALTED, and testsec gets no event.
 *             Under QEMU's TCG (no NRIPS) KVM never takes that fastpath:
 *             there the usual path is checked.
 */
#include "kvm_util.h"
#include "processor.h"
#include "svm_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <linux/kvm_para.h>

/* test_util.h and the harness both define ASSERT_EQ; neither is used. */
#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_ucall.h"
#include "mvmm_utest.h"
#include "testsec.h"

#define N		20	/* iterations of each event per level */
#define LEAF		(TESTSEC_LEAF_LO + 5)
#define PORT		(TESTSEC_PORT_LO + 4)
#define HC		(TESTSEC_HC_LO + 7)
#define L2_DONE		0xd0e5d0e5ULL	/* L2's last VMMCALL: "done" */
#define L1_ANSWER(nr)	((nr) ^ 0xa5a5a5a5a5a5ULL)	/* L1's VMMCALL result */
#define USER_IN_VAL	0x11223344U	/* this program's IN result */
#define MMIO_GPA	MVMM_SP_MMIO_BASE	/* no memslot there */
#define MMIO_ADDR	(MMIO_GPA + 8)	/* register 1 of the user model */
#define HOST_MMIO_VAL	0x0badc0de0badf00dULL	/* this program's MMIO read */
#define UCALL_PORT	0x1000
#define L2_STACK	512
#define USER_NAME	"nested-mmio"
#define ANS_IN		0x7e57a115U	/* the IN answer */
#define ANS_MMIO	0x0a115e12a115e12ULL	/* the MMIO read answer */

enum kind { K_CPUID, K_IN, K_HC, K_MMIO, K_NR };

static const char *const kind_name[K_NR] = { "CPUID", "IN", "VMMCALL", "MMIO" };

/* One page shared by host, L1 and L2 ([0]: L1's events, [1]: L2's). */
struct shared {
	/* Set by the host before each step. */
	uint64_t n[2][K_NR];
	uint64_t exp[2][K_NR][4];
	uint64_t any_cpuid;	/* CPUID: record the values, compare none */
	/* Written by the guests. */
	uint64_t ok[2][K_NR];	/* iterations with the expected result */
	uint64_t last[2][K_NR][4];
	uint64_t bad_lvl, bad_kind, bad[4];	/* first mismatch, kind + 1 */
	uint64_t l1_vmexits;	/* L2's VMMCALLs L1 handled (not DONE) */
	uint64_t l1_other;	/* #VMEXITs with any other exit code */
	uint64_t l1_other_code;
	/* Set by the host: L1 intercepts HLT, L2 halts first, L1 next. */
	uint64_t l2_hlt;
	uint64_t l1_hlts;	/* HLTs L1 got past, right after L2's */
};

static struct shared *guest_sh;
static unsigned long l2_stack[L2_STACK] __aligned(16);

static void guest_result(struct shared *s, int lvl, int kind,
			 const uint64_t *got, int nval)
{
	bool ok = true;
	int k;

	for (k = 0; k < nval; k++) {
		s->last[lvl][kind][k] = got[k];
		if (got[k] != s->exp[lvl][kind][k] &&
		    !(kind == K_CPUID && s->any_cpuid))
			ok = false;
	}
	if (ok) {
		s->ok[lvl][kind]++;
	} else if (!s->bad_kind) {
		s->bad_lvl = lvl;
		s->bad_kind = kind + 1;
		for (k = 0; k < nval; k++)
			s->bad[k] = got[k];
	}
}

/* The events both levels perform; @lvl 0 is L1, 1 is L2. */
static void guest_events(struct shared *s, int lvl)
{
	uint64_t v[4], i;

	for (i = 0; i < s->n[lvl][K_CPUID]; i++) {
		uint32_t a = LEAF, b, c = 0, d;

		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		v[0] = a;
		v[1] = b;
		v[2] = c;
		v[3] = d;
		guest_result(s, lvl, K_CPUID, v, 4);
	}
	for (i = 0; i < s->n[lvl][K_IN]; i++) {
		uint64_t rax = 0x5a5a5a5a5a5a5a5aULL;

		/* A 32-bit IN zero-extends into RAX. */
		asm volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(PORT));
		v[0] = rax;
		guest_result(s, lvl, K_IN, v, 1);
	}
	for (i = 0; i < s->n[lvl][K_HC]; i++) {
		uint64_t rax = HC;

		asm volatile("vmmcall" : "+a"(rax) : : "rbx", "rcx", "rdx",
			     "rsi", "memory");
		v[0] = rax;
		guest_result(s, lvl, K_HC, v, 1);
	}
	for (i = 0; i < s->n[lvl][K_MMIO]; i++) {
		v[0] = READ_ONCE(*(uint64_t *)MMIO_ADDR);
		guest_result(s, lvl, K_MMIO, v, 1);
	}
}

static MVMM_GUEST_ENTRY void l2_code(void)
{
	if (guest_sh->l2_hlt)
		asm volatile("hlt" ::: "memory");
	guest_events(guest_sh, 1);
	for (;;) {
		uint64_t rax = L2_DONE;

		asm volatile("vmmcall" : "+a"(rax) : : "memory");
	}
}

/* Run L2 once through its events, handling the #VMEXITs L1 asked for. */
static void l1_run_l2(struct svm_test_data *svm, struct shared *s)
{
	struct vmcb *vmcb = svm->vmcb;

	generic_svm_setup(svm, l2_code, &l2_stack[L2_STACK]);
	if (s->l2_hlt)
		vmcb->control.intercept |= BIT_ULL(INTERCEPT_HLT);
	for (;;) {
		run_guest(vmcb, svm->vmcb_gpa);
		if (vmcb->control.exit_code == SVM_EXIT_HLT && s->l2_hlt) {
			/* At once: no exit of L1's in between, with VLS. */
			asm volatile("hlt" ::: "memory");
			s->l1_hlts++;
			vmcb->save.rip += 1;	/* L2's hlt */
			continue;
		}
		if (vmcb->control.exit_code != SVM_EXIT_VMMCALL) {
			s->l1_other++;
			s->l1_other_code = vmcb->control.exit_code;
			return;
		}
		/*
		 * L2's RAX is in the VMCB's save area. (6.1's run_guest()
		 * copies RAX between guest_regs and offset 0x1f8 of the
		 * VMCB, in its control area: it does not carry L2's RAX.)
		 */
		if (vmcb->save.rax == L2_DONE)
			return;
		s->l1_vmexits++;
		vmcb->save.rax = L1_ANSWER(vmcb->save.rax);
		vmcb->save.rip += 3;	/* vmmcall */
	}
}

static MVMM_GUEST_ENTRY void l1_code(struct svm_test_data *svm)
{
	for (;;) {
		GUEST_SYNC(0);
		guest_events(guest_sh, 0);
		l1_run_l2(svm, guest_sh);
	}
}

/* ------------------------------------------------------------------ */
/* Host side.                                                         */

struct ctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct shared *sh;
	uint32_t id;			/* mvmm's id of the VM */
	uint64_t kvm_cpuid[4];		/* KVM's answer to CPUID LEAF */
	uint64_t user_in, user_mmio;	/* exits to this program, last step */
};

static void user_exit(struct ctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	uint32_t v = USER_IN_VAL;
	uint64_t m = HOST_MMIO_VAL;

	if (run->exit_reason == KVM_EXIT_MMIO) {
		TEST_ASSERT(run->mmio.phys_addr == MMIO_ADDR && run->mmio.len == 8 &&
			    !run->mmio.is_write,
			    "Expected an 8-byte MMIO read at %#llx, got %u bytes at %#llx (write %u)",
			    MMIO_ADDR, run->mmio.len, run->mmio.phys_addr,
			    run->mmio.is_write);
		memcpy(run->mmio.data, &m, 8);
		c->user_mmio++;
		return;
	}
	TEST_ASSERT(run->io.port == PORT && run->io.size == 4 &&
		    run->io.count == 1 && run->io.direction == KVM_EXIT_IO_IN,
		    "Expected a 4-byte IN of port %#x, got port %#x size %u count %u dir %u",
		    PORT, run->io.port, run->io.size, run->io.count,
		    run->io.direction);
	memcpy((uint8_t *)run + run->io.data_offset, &v, 4);
	c->user_in++;
}

static void run_to_sync(struct ctx *c)
{
	struct kvm_run *run = c->vcpu->run;

	for (;;) {
		vcpu_run(c->vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO ||
			    run->exit_reason == KVM_EXIT_MMIO,
			    "Expected an IO or MMIO exit, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		if (run->exit_reason == KVM_EXIT_MMIO ||
		    run->io.port != UCALL_PORT) {
			user_exit(c);
			continue;
		}
		mvmm_ucall_sync(c->vcpu);
		return;
	}
}

static uint32_t find_vm_id(void)
{
	struct mvmm_nl *nl = mvmm_nl_open();
	struct mvmm_vm_info vm;
	int ret;

	TEST_ASSERT(nl, "Expected the mvmm family, got %s", strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm);
	TEST_ASSERT(!ret, "Expected a VM of pid %d after its first exit, got %s",
		    getpid(), strerror(-ret));
	mvmm_nl_close(nl);
	return vm.id;
}

static void vm_stats(struct ctx *c, struct mvmm_vm_info *vm)
{
	struct mvmm_nl *nl = mvmm_nl_open();
	int ret;

	TEST_ASSERT(nl, "Expected the mvmm family, got %s", strerror(errno));
	ret = mvmm_nl_get(nl, 1, c->id, vm);
	TEST_ASSERT(!ret && vm->has_stats, "Expected stats of VM %u, got %s",
		    c->id, strerror(-ret));
	mvmm_nl_close(nl);
}

/* What one step must do: iterations and results per level and kind. */
struct step {
	uint64_t n[2][K_NR];
	uint64_t exp[2][K_NR][4];
	bool any_cpuid;
	bool l2_hlt;			/* see shared */
	uint64_t l1_vmexits;		/* L2 VMMCALLs reflected into L1 */
	uint64_t user_in, user_mmio;	/* exits to this program */
};

/* The counters a step moved. */
struct delta {
	uint64_t exits[MVMM_EV_MAX + 1];
	uint64_t l2[MVMM_EV_MAX + 1];
};

static void run_step(const char *what, struct ctx *c, const struct step *st,
		     struct delta *d)
{
	struct shared *s = c->sh;
	struct mvmm_vm_info a, b;
	int lvl, k, t;

	memset(s, 0, sizeof(*s));
	s->l2_hlt = st->l2_hlt;
	memcpy(s->n, st->n, sizeof(s->n));
	memcpy(s->exp, st->exp, sizeof(s->exp));
	s->any_cpuid = st->any_cpuid;
	c->user_in = c->user_mmio = 0;

	vm_stats(c, &a);
	run_to_sync(c);
	vm_stats(c, &b);
	for (t = 0; t <= MVMM_EV_MAX; t++) {
		d->exits[t] = b.exits[t] - a.exits[t];
		d->l2[t] = b.l2[t] - a.l2[t];
	}
	printf("# %s: CPUID %lu (L2 %lu), IO %lu (L2 %lu), HYPERCALL %lu (L2 %lu), NESTED %lu (L2 %lu), NPF %lu (L2 %lu), MMIO %lu (L2 %lu); L1 handled %lu #VMEXITs; %lu IN, %lu MMIO exits here\n",
	       what, d->exits[MVMM_EV_CPUID], d->l2[MVMM_EV_CPUID],
	       d->exits[MVMM_EV_IO], d->l2[MVMM_EV_IO],
	       d->exits[MVMM_EV_HYPERCALL], d->l2[MVMM_EV_HYPERCALL],
	       d->exits[MVMM_EV_NESTED], d->l2[MVMM_EV_NESTED],
	       d->exits[MVMM_EV_NPF], d->l2[MVMM_EV_NPF],
	       d->exits[MVMM_EV_MMIO], d->l2[MVMM_EV_MMIO], s->l1_vmexits,
	       c->user_in, c->user_mmio);

	TEST_ASSERT(!s->l1_other,
		    "%s: Expected L1 to get only VMMCALL #VMEXITs, got %lu others (last exit code %#lx)",
		    what, s->l1_other, s->l1_other_code);
	for (lvl = 0; lvl < 2; lvl++)
		for (k = 0; k < K_NR; k++)
			TEST_ASSERT(s->ok[lvl][k] == st->n[lvl][k],
				    "%s: Expected all %lu %s of L%d to return %#lx %#lx %#lx %#lx, %lu did; first other (L%lu %s): %#lx %#lx %#lx %#lx",
				    what, st->n[lvl][k], kind_name[k], lvl + 1,
				    st->exp[lvl][k][0], st->exp[lvl][k][1],
				    st->exp[lvl][k][2], st->exp[lvl][k][3],
				    s->ok[lvl][k], s->bad_lvl + 1,
				    s->bad_kind ? kind_name[s->bad_kind - 1] : "-",
				    s->bad[0], s->bad[1], s->bad[2], s->bad[3]);
	TEST_ASSERT(s->l1_vmexits == st->l1_vmexits,
		    "%s: Expected L1 to handle %lu VMMCALL #VMEXITs of L2, got %lu",
		    what, st->l1_vmexits, s->l1_vmexits);
	TEST_ASSERT(c->user_in == st->user_in && c->user_mmio == st->user_mmio,
		    "%s: Expected %lu IN and %lu MMIO exits to this program, got %lu and %lu",
		    what, st->user_in, st->user_mmio, c->user_in, c->user_mmio);

	/*
	 * Exactly what the guests did. IO: one more, L1's GUEST_SYNC;
	 * HYPERCALL: one more, L2's DONE. VMRUN, VMLOAD and VMSAVE are L1's
	 * own events: none may count as L2's.
	 */
#define EXPECT_COUNT(type, n_all, n_l2)					\
	TEST_ASSERT(d->exits[type] == (n_all) && d->l2[type] == (n_l2),	\
		    "%s: Expected %lu %s exits, %lu of them L2's, got %lu and %lu", \
		    what, (uint64_t)(n_all), mvmm_nl_type_name(type),	\
		    (uint64_t)(n_l2), d->exits[type], d->l2[type])
	EXPECT_COUNT(MVMM_EV_CPUID, st->n[0][K_CPUID] + st->n[1][K_CPUID],
		     st->n[1][K_CPUID]);
	EXPECT_COUNT(MVMM_EV_IO, st->n[0][K_IN] + st->n[1][K_IN] + 1,
		     st->n[1][K_IN]);
	EXPECT_COUNT(MVMM_EV_HYPERCALL, st->n[0][K_HC] + st->n[1][K_HC] + 1,
		     st->n[1][K_HC] + 1);
	/*
	 * L1's MMIO reads are MMIO events. L2's are L2 events: the first
	 * a nested page fault (not present), the others MMIO (KVM's
	 * reserved-bit MMIO SPTE, which the classifier reports as MMIO).
	 * Other NPFs (first touches, the fork of a secondary) come and go.
	 */
	TEST_ASSERT(d->exits[MVMM_EV_MMIO] - d->l2[MVMM_EV_MMIO] == st->n[0][K_MMIO] &&
		    d->l2[MVMM_EV_MMIO] <= st->n[1][K_MMIO] &&
		    d->l2[MVMM_EV_MMIO] + d->l2[MVMM_EV_NPF] >= st->n[1][K_MMIO],
		    "%s: Expected %lu L1 MMIO exits and %lu L2 MMIO or NPF exits, got %lu L1 MMIO, %lu L2 MMIO, %lu L2 NPF",
		    what, st->n[0][K_MMIO], st->n[1][K_MMIO],
		    d->exits[MVMM_EV_MMIO] - d->l2[MVMM_EV_MMIO],
		    d->l2[MVMM_EV_MMIO], d->l2[MVMM_EV_NPF]);
	TEST_ASSERT(d->exits[MVMM_EV_NESTED] >= st->n[1][K_HC] + 1 &&
		    d->l2[MVMM_EV_NESTED] == 0,
		    "%s: Expected at least %lu VMRUN exits, all L1's, got %lu, %lu of them L2's",
		    what, st->n[1][K_HC] + 1, d->exits[MVMM_EV_NESTED],
		    d->l2[MVMM_EV_NESTED]);
}

/* ------------------------------------------------------------------ */
/* Modules and testsec's view.                                        */

static void testsec_load(void)
{
	char path[300];
	int ret;

	if (mvmm_kmod_is_loaded("mvmm_testsec"))
		return;
	ret = mvmm_kmod_load(mvmm_kmod_path_of("mvmm_testsec", path,
						sizeof(path)));
	TEST_ASSERT(!ret || ret == -EEXIST, "Expected insmod %s to work, got %s",
		    path, strerror(-ret));
}

static void testsec_param(const char *name, const char *val)
{
	char path[256];
	int fd, len = strlen(val);

	snprintf(path, sizeof(path), TESTSEC_PARAMS "/%s", name);
	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, val, len) == len,
		    "Expected to write %s to %s, got %s", val, path,
		    strerror(errno));
	close(fd);
}

/* testsec loaded, answering (whatever an earlier test left), debugfs up. */
static void testsec_setup(void)
{
	testsec_load();
	testsec_param("mode", "0");
	testsec_param("sleep_us", "0");
	if (access(TESTSEC_DEBUGFS, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/* testsec's ->handle() calls for cpuid, io-in and hypercall events. */
struct ts_calls {
	uint64_t calls[K_MMIO];
};

static void ts_read(struct ts_calls *t)
{
	static const char *const names[K_MMIO] = { "cpuid", "io-in",
						   "hypercall" };
	char buf[4096], *line, *save;

	memset(t, 0, sizeof(*t));
	TEST_ASSERT(mvmm_kmod_read_file(TESTSEC_DEBUGFS "/stats", buf,
					sizeof(buf)),
		    "Expected " TESTSEC_DEBUGFS "/stats, got %s", strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long calls, handled;
		char name[32];
		int k;

		if (sscanf(line, "%31s %llu %llu", name, &calls, &handled) != 3)
			continue;
		for (k = 0; k < K_MMIO; k++)
			if (!strcmp(name, names[k]))
				t->calls[k] = calls;
	}
}

static void ts_check(const char *what, const struct ts_calls *a,
		     const struct ts_calls *b, uint64_t cpuid, uint64_t in,
		     uint64_t hc)
{
	uint64_t exp[K_MMIO] = { cpuid, in, hc };
	int k;

	for (k = 0; k < K_MMIO; k++)
		TEST_ASSERT(b->calls[k] - a->calls[k] == exp[k],
			    "%s: Expected testsec to get %lu %s events, got %lu",
			    what, exp[k], kind_name[k],
			    b->calls[k] - a->calls[k]);
}

/* Origin and type of the last request testsec got. */
static void ts_last(unsigned int *type, unsigned int *origin,
		    unsigned long long *qual)
{
	unsigned int vm, vcpu, size, flags;
	unsigned long long sub, rip;
	char buf[512];

	TEST_ASSERT(mvmm_kmod_read_file(TESTSEC_DEBUGFS "/last", buf,
					sizeof(buf)),
		    "Expected " TESTSEC_DEBUGFS "/last, got %s", strerror(errno));
	TEST_ASSERT(sscanf(buf, "vm %u vcpu %u type %u origin %u size %u flags %x qual %llx sub %llx rip %llx",
			   &vm, &vcpu, type, origin, &size, &flags, qual, &sub,
			   &rip) == 9,
		    "Expected a last request in testsec, got \"%s\"", buf);
}

/*
 * Run @st and check what testsec saw of it: its handler's counters grow
 * by @hd, and testsec answers @cpuid CPUIDs, @in INs and @hc hypercalls.
 */
static void run_testsec_step(const char *what, struct mvmm_rsk *s,
			     struct ctx *c, const struct step *st,
			     const struct mvmm_hdelta *hd, uint64_t cpuid,
			     uint64_t in, uint64_t hc)
{
	struct ts_calls t0, t1;
	struct mvmm_handler_info h0, h1;
	struct delta d;

	mvmm_ut_uh(s, TESTSEC_NAME, &h0);
	ts_read(&t0);
	run_step(what, c, st, &d);
	mvmm_ut_uh(s, TESTSEC_NAME, &h1);
	ts_read(&t1);
	mvmm_hd_check(what, &h0, &h1, hd);
	ts_check(what, &t0, &t1, cpuid, in, hc);
}

/* ------------------------------------------------------------------ */
/* Rules.                                                             */

/* A rule for one port, MSR or leaf. */
static struct mvmm_rule_info rule(uint32_t type, uint64_t lo, uint8_t origin,
				  uint8_t mode, uint8_t fallback,
				  const char *target)
{
	return mvmm_rule_make(type, lo, lo, origin, mode, fallback, target);
}

/* ------------------------------------------------------------------ */
/* The tests.                                                         */

FIXTURE(nested) {
	struct ctx c;
	struct mvmm_rsk *s;
};

FIXTURE_SETUP(nested)
{
	struct ctx *c = &self->c;
	vm_vaddr_t svm_gva, gva;
	struct step probe = {
		.n = { { 1, 0, 0, 0 }, { 1, 0, 0, 0 } },
		.any_cpuid = true,
	};
	struct delta d;
	int k;

	/* Progress lines must reach the log before a timeout kills us. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));
	testsec_setup();
	c->vm = vm_create_with_one_vcpu(&c->vcpu, l1_code);
	vcpu_alloc_svm(c->vm, &svm_gva);
	vcpu_args_set(c->vcpu, 1, svm_gva);
	gva = vm_vaddr_alloc_page(c->vm);
	c->sh = addr_gva2hva(c->vm, gva);
	guest_sh = (struct shared *)gva;
	sync_global_to_guest(c->vm, guest_sh);
	/* An unbacked GPA, mapped in L1's page tables (L2 uses them too). */
	virt_pg_map(c->vm, MMIO_GPA, MMIO_GPA);
	/* The first GUEST_SYNC: mvmm has seen the VM from now on. */
	run_to_sync(c);
	c->id = find_vm_id();
	self->s = mvmm_ut_rsk_open();

	/* KVM's answer to CPUID LEAF, the same for L1 and L2. */
	run_step("probe", c, &probe, &d);
	for (k = 0; k < 4; k++)
		c->kvm_cpuid[k] = c->sh->last[0][K_CPUID][k];
	TEST_ASSERT(!memcmp(c->sh->last[0][K_CPUID], c->sh->last[1][K_CPUID],
			    sizeof(c->kvm_cpuid)),
		    "Expected L2's CPUID %#x (not intercepted by L1) to get KVM's answer %#lx %#lx %#lx %#lx, got %#lx %#lx %#lx %#lx",
		    LEAF, c->kvm_cpuid[0], c->kvm_cpuid[1], c->kvm_cpuid[2],
		    c->kvm_cpuid[3], c->sh->last[1][K_CPUID][0],
		    c->sh->last[1][K_CPUID][1], c->sh->last[1][K_CPUID][2],
		    c->sh->last[1][K_CPUID][3]);
	TEST_ASSERT(c->kvm_cpuid[2] != TESTSEC_CPUID_ECX,
		    "Expected KVM's CPUID %#x to differ from testsec's", LEAF);
}

FIXTURE_TEARDOWN(nested)
{
	if (self->s)
		mvmm_rsk_close(self->s);
	if (self->c.vm)
		kvm_vm_free(self->c.vm);
}

/* N of each event at each level; results when nothing but KVM and L1 act. */
static void step_plain(struct ctx *c, struct step *st, bool mmio)
{
	int lvl, k;

	memset(st, 0, sizeof(*st));
	for (lvl = 0; lvl < 2; lvl++) {
		for (k = 0; k < K_NR; k++)
			st->n[lvl][k] = k == K_MMIO && !mmio ? 0 : N;
		memcpy(st->exp[lvl][K_CPUID], c->kvm_cpuid, sizeof(c->kvm_cpuid));
		st->exp[lvl][K_IN][0] = USER_IN_VAL;
		st->exp[lvl][K_MMIO][0] = HOST_MMIO_VAL;
	}
	st->exp[0][K_HC][0] = (uint64_t)-KVM_ENOSYS;
	st->exp[1][K_HC][0] = L1_ANSWER(HC);
	st->l1_vmexits = N;
	st->user_in = 2 * N;
	st->user_mmio = mmio ? 2 * N : 0;
}

/* L1's results when testsec answers its CPUID, IN and VMMCALL. */
static void step_l1_testsec(struct step *st)
{
	st->exp[0][K_CPUID][0] = LEAF;
	st->exp[0][K_CPUID][1] = (uint32_t)~LEAF;
	st->exp[0][K_CPUID][2] = TESTSEC_CPUID_ECX;
	st->exp[0][K_CPUID][3] = 0;
	st->exp[0][K_IN][0] = TESTSEC_IO_IN(PORT);
	st->exp[0][K_HC][0] = TESTSEC_HC_RET(HC);
	st->user_in = N;
}

TEST_F_TIMEOUT(nested, counts, 300)
{
	struct step st;
	struct delta d;

	step_plain(&self->c, &st, true);
	run_step("no rules", &self->c, &st, &d);
}

TEST_F_TIMEOUT(nested, origin, 300)
{
	unsigned long long qual;
	unsigned int type, origin;
	struct step st;
	int i;
	static const uint32_t types[] = { MVMM_EV_CPUID, MVMM_EV_IO,
					  MVMM_EV_HYPERCALL };
	static const uint64_t quals[] = { LEAF, PORT, HC };

	for (i = 0; i < 3; i++) {
		struct mvmm_rule_info l1 = rule(types[i], quals[i], MVMM_MATCH_L1,
						MVMM_MODE_SYNC,
						MVMM_FALLBACK_MAIN, TESTSEC_NAME);
		struct mvmm_rule_info l2 = rule(types[i], quals[i], MVMM_MATCH_L2,
						MVMM_MODE_OBSERVE,
						MVMM_FALLBACK_MAIN, TESTSEC_NAME);

		mvmm_rule_add_ok(self->s, self->c.id, &l1);
		mvmm_rule_add_ok(self->s, self->c.id, &l2);
	}
	step_plain(&self->c, &st, false);
	step_l1_testsec(&st);

	run_testsec_step("l1 sync, l2 observe", self->s, &self->c, &st,
			 &(struct mvmm_hdelta){ .events = 6 * N,
					     .handled = 3 * N,
					     .observed = 3 * N },
			 2 * N, 2 * N, 2 * N);
	/* L2's VMMCALLs come last: the last request is L2's, observed. */
	ts_last(&type, &origin, &qual);
	TEST_ASSERT(type == MVMM_EV_HYPERCALL && origin == MVMM_ORIGIN_L2 &&
		    qual == HC,
		    "Expected testsec's last request to be L2's hypercall %#x, got type %u origin %u qual %#llx",
		    HC, type, origin, qual);
}

/* L2's results when testsec answers its CPUID and IN (L0 handles both). */
static void step_l2_testsec(struct step *st)
{
	st->exp[1][K_CPUID][0] = LEAF;
	st->exp[1][K_CPUID][1] = (uint32_t)~LEAF;
	st->exp[1][K_CPUID][2] = TESTSEC_CPUID_ECX;
	st->exp[1][K_CPUID][3] = 0;
	st->exp[1][K_IN][0] = TESTSEC_IO_IN(PORT);
	st->user_in -= N;
}

/* Sync rules for LEAF, PORT and HC of @origin to testsec. */
static void rules_testsec(struct mvmm_rsk *s, uint32_t vm, uint8_t origin)
{
	struct mvmm_rule_info r;

	/* Fallback deny on one of them: nothing falls back here. */
	r = rule(MVMM_EV_CPUID, LEAF, origin, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, TESTSEC_NAME);
	mvmm_rule_add_ok(s, vm, &r);
	r = rule(MVMM_EV_IO, PORT, origin, MVMM_MODE_SYNC, MVMM_FALLBACK_DENY,
		 TESTSEC_NAME);
	mvmm_rule_add_ok(s, vm, &r);
	r = rule(MVMM_EV_HYPERCALL, HC, origin, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, TESTSEC_NAME);
	mvmm_rule_add_ok(s, vm, &r);
}

TEST_F_TIMEOUT(nested, sync_any, 300)
{
	struct step st;

	rules_testsec(self->s, self->c.id, MVMM_MATCH_ANY);
	step_plain(&self->c, &st, false);
	step_l1_testsec(&st);
	step_l2_testsec(&st);

	/* L2's VMMCALLs went to L1, never to testsec. */
	run_testsec_step("any sync", self->s, &self->c, &st,
			 &(struct mvmm_hdelta){ .events = 5 * N,
					     .handled = 5 * N },
			 2 * N, 2 * N, N);
}

TEST_F_TIMEOUT(nested, l2_sync, 300)
{
	unsigned long long qual;
	unsigned int type, origin;
	struct step st;

	rules_testsec(self->s, self->c.id, MVMM_MATCH_L2);
	step_plain(&self->c, &st, false);
	step_l2_testsec(&st);

	run_testsec_step("l2 sync", self->s, &self->c, &st,
			 &(struct mvmm_hdelta){ .events = 2 * N,
					     .handled = 2 * N },
			 N, N, 0);
	/* L2's INs come after its CPUIDs: the last request is an L2 IN. */
	ts_last(&type, &origin, &qual);
	TEST_ASSERT(type == MVMM_EV_IO && origin == MVMM_ORIGIN_L2 &&
		    qual == PORT,
		    "Expected testsec's last request to be L2's IN of %#x, got type %u origin %u qual %#llx",
		    PORT, type, origin, qual);
}

TEST_F_TIMEOUT(nested, l2_mmio, 300)
{
	struct mvmm_ut_sec sec = { 0 };
	struct mvmm_handler_info h0, h1;
	struct mvmm_rule_info r;
	struct step st;
	struct delta d;

	mvmm_ut_fork(&sec);
	mvmm_ut_give_vm(&sec, self->c.vm->fd);
	mvmm_ut_attach(&sec, USER_NAME, 0, 10000, 0);
	TEST_ASSERT(!mvmm_sp_op(&sec.p, MVMM_SP_SERVE, MVMM_SP_RINGPATH),
		    "Expected the secondary to serve");
	r = rule(MVMM_EV_MMIO, MMIO_GPA, MVMM_MATCH_L2, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, USER_NAME);
	r.hi = MMIO_GPA + 8 * MVMM_SP_MMIO_REGS - 1;
	mvmm_rule_add_ok(self->s, self->c.id, &r);

	step_plain(&self->c, &st, true);
	st.exp[1][K_MMIO][0] = MVMM_SP_MMIO_INIT(1);
	st.user_mmio = N;
	mvmm_ut_uh(self->s, USER_NAME, &h0);
	run_step("l2 mmio sync", &self->c, &st, &d);
	mvmm_ut_uh(self->s, USER_NAME, &h1);
	mvmm_hd_check("l2 mmio sync", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = N, .handled = N });
	TEST_ASSERT(SP_GET(sec.shm->mmio_reads) == N &&
		    sec.shm->last.ev.type == MVMM_EV_MMIO &&
		    sec.shm->last.ev.origin == MVMM_ORIGIN_L2 &&
		    sec.shm->last.ev.qual == MMIO_ADDR,
		    "Expected the secondary to read register 1 for L2 %u times, got %lu reads, last type %u origin %u qual %#llx",
		    N, SP_GET(sec.shm->mmio_reads), sec.shm->last.ev.type,
		    sec.shm->last.ev.origin, sec.shm->last.ev.qual);
	mvmm_ut_quit(&sec);
}

/*
 * Fixed answers follow the origin like any sync rule: MMIO on KVM's bus,
 * where the emulator runs for an access of L2 that L0 handles, and IN
 * where KVM's own handler starts.
 */
TEST_F_TIMEOUT(nested, answers, 300)
{
	static const uint8_t origins[] = { MVMM_MATCH_L1, MVMM_MATCH_L2,
					   MVMM_MATCH_ANY };
	static const char *const names[] = { "l1", "l2", "any" };
	struct mvmm_rule_info r;
	struct mvmm_ack ack;
	struct step st;
	struct delta d;
	char what[64];
	int i, lvl;

	for (i = 0; i < 3; i++) {
		r = rule(MVMM_EV_MMIO, MMIO_ADDR, origins[i], MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, "");
		r.hi = MMIO_ADDR + 7;
		r.answer = MVMM_RULE_ANSWER_FIXED;
		r.value = ANS_MMIO;
		mvmm_rule_add_ok(self->s, self->c.id, &r);
		r = rule(MVMM_EV_IO, PORT, origins[i], MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, "");
		r.answer = MVMM_RULE_ANSWER_FIXED;
		r.value = ANS_IN;
		mvmm_rule_add_ok(self->s, self->c.id, &r);

		step_plain(&self->c, &st, true);
		for (lvl = 0; lvl < 2; lvl++) {
			if (origins[i] == (lvl ? MVMM_MATCH_L1 : MVMM_MATCH_L2))
				continue;
			st.exp[lvl][K_IN][0] = ANS_IN;
			st.exp[lvl][K_MMIO][0] = ANS_MMIO;
			st.user_in -= N;
			st.user_mmio -= N;
		}
		snprintf(what, sizeof(what), "origin %s answers", names[i]);
		run_step(what, &self->c, &st, &d);
		TEST_ASSERT(!mvmm_rule_flush(self->s, self->c.id, &ack),
			    "Expected VM %u's table flushed, got %s",
			    self->c.id, ack.msg);
	}
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

struct signaller {
	pthread_t target;
	bool stop;
};

/*
 * SIGUSR1 to ->target every second until ->stop: KVM_RUN ends with EINTR.
 * Again and again, since one sent before the target entered KVM_RUN would
 * leave it halted for good.
 */
static void *signal_later(void *arg)
{
	struct signaller *sg = arg;
	struct timespec ts = { .tv_sec = 1 };

	for (;;) {
		nanosleep(&ts, NULL);
		if (__atomic_load_n(&sg->stop, __ATOMIC_ACQUIRE))
			return NULL;
		pthread_kill(sg->target, SIGUSR1);
	}
}

TEST_F_TIMEOUT(nested, l1_hlt_after_l2_hlt, 300)
{
	struct mvmm_rule_info r = rule(MVMM_EV_HLT, 0, MVMM_MATCH_L2,
				       MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
				       TESTSEC_NAME);
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* restarts nothing */
	struct signaller sg = { .target = pthread_self() };
	struct mvmm_handler_info h0, h1;
	pthread_t kicker;
	struct ctx *c = &self->c;
	struct shared *s = c->sh;
	struct mvmm_vm_info a, b;
	struct kvm_mp_state mp;
	int ret, err, runs;

	mvmm_rule_add_ok(self->s, c->id, &r);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction: %s",
		    strerror(errno));
	memset(s, 0, sizeof(*s));
	s->l2_hlt = 1;
	mvmm_ut_uh(self->s, TESTSEC_NAME, &h0);
	vm_stats(c, &a);

	/* Until the vCPU is halted: a slow rig may not be there in 1 s. */
	for (runs = 1;; runs++) {
		sg.stop = false;
		TEST_ASSERT(!pthread_create(&kicker, NULL, signal_later, &sg),
			    "pthread_create failed");
		ret = __vcpu_run(c->vcpu);
		err = errno;
		__atomic_store_n(&sg.stop, true, __ATOMIC_RELEASE);
		pthread_join(kicker, NULL);
		TEST_ASSERT(ret == -1 && err == EINTR,
			    "Expected L1's HLT to halt the vCPU until a signal ended KVM_RUN (EINTR), got %d (%s), exit reason %u (%s): L1 went on past its HLT, %lu of them",
			    ret, ret ? strerror(err) : "no error",
			    c->vcpu->run->exit_reason,
			    exit_reason_str(c->vcpu->run->exit_reason),
			    s->l1_hlts);
		vcpu_mp_state_get(c->vcpu, &mp);
		if (mp.mp_state == KVM_MP_STATE_HALTED)
			break;
		TEST_ASSERT(mp.mp_state == KVM_MP_STATE_RUNNABLE,
			    "Expected the vCPU runnable or halted, got MP state %u",
			    mp.mp_state);
	}
	printf("# L1 halted after L2's HLT (%d KVM_RUN%s ended by a signal)\n",
	       runs, runs > 1 ? "s" : "");
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	vcpu_mp_state_set(c->vcpu, &mp);
	run_to_sync(c);
	vm_stats(c, &b);
	mvmm_ut_uh(self->s, TESTSEC_NAME, &h1);

	TEST_ASSERT(s->l1_hlts == 1 && !s->l1_other,
		    "Expected L1 past one HLT of its own and no #VMEXIT but L2's HLT and VMMCALL, got %lu HLTs, %lu other #VMEXITs (last exit code %#lx)",
		    s->l1_hlts, s->l1_other, s->l1_other_code);
	TEST_ASSERT(b.exits[MVMM_EV_HLT] - a.exits[MVMM_EV_HLT] == 2 &&
		    b.l2[MVMM_EV_HLT] - a.l2[MVMM_EV_HLT] == 1,
		    "Expected 2 HLT exits, 1 of them L2's, got %lu and %lu",
		    b.exits[MVMM_EV_HLT] - a.exits[MVMM_EV_HLT],
		    b.l2[MVMM_EV_HLT] - a.l2[MVMM_EV_HLT]);
	/* L2's HLT was L1's to handle; L1's is not of the rule's origin. */
	TEST_ASSERT(b.routed[MVMM_EV_HLT] == a.routed[MVMM_EV_HLT] &&
		    h1.events == h0.events,
		    "Expected no HLT routed (the L2 one is L1's), got %lu routed, %lu to testsec",
		    b.routed[MVMM_EV_HLT] - a.routed[MVMM_EV_HLT],
		    h1.events - h0.events);
}

TEST_HARNESS_MAIN

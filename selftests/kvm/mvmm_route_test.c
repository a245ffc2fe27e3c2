// SPDX-License-Identifier: GPL-2.0
/*
 * Routing of events to kernel secondaries, checked from the guest's side
 * and against every counter that can see it.
 *
 * The guest runs commands the host writes into a shared page: N times one
 * instruction (IN, OUT, RDMSR, WRMSR, CPUID, VMMCALL/VMCALL, HLT, UD2),
 * each wrapped in KVM_ASM_SAFE so that a fault is counted, not fatal. For
 * every iteration it compares what it got (registers, or the fault
 * vector) with what the host said it must get, and counts the matches.
 * The host sets rules on this VM's own table over netlink (found by pid
 * after the first exit) and, after every step, checks:
 *
 *  - the guest's match count (N: every iteration saw exactly the answer
 *    of the secondary, or of KVM, or the fault);
 *  - what KVM's side saw: IO exits to this program, vCPU halts, the
 *    guest's own #GP/#UD handler counts and error code;
 *  - the handler's counters (GET_HANDLER dump: events, handled, to_main,
 *    injected, fallback, invalid, observed), exact deltas;
 *  - mvmm_testsec's own view (debugfs): calls and answers per event type,
 *    values recorded for OUT and WRMSR, the last request's VM id, vCPU
 *    and qualifiers.
 *
 * Fixture "route" runs three tests for each routable event type (IN of
 * one, two and four bytes, OUT, MSR read, MSR write, CPUID, hypercall, HLT,
 * #UD): routed / observe / deleted; answers main, inject, invalid, fail
 * with fallback main and deny; and the handler module unloaded under a
 * deny, a main and an observe rule. Fixture "scenario" unloads testsec
 * while a guest hammers its port, keeps two VMs' rules apart, checks the
 * default table, and uses the two sample secondaries (cpuidsig,
 * debugcon; debugcon frees a VM's buffer when the VM goes).
 *
 * mvmm.ko, mvmm_testsec.ko and the samples must be loadable from the
 * directory of $MVMM_KO (default /mvmm): a missing module is a failure.
 */
#include "kvm_util.h"
#include "processor.h"

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
#include <sys/time.h>
#include <linux/kvm_para.h>

/* test_util.h and the harness both define ASSERT_EQ; neither is used. */
#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "mvmm_gcmd.h"
#include "mvmm_guest_io.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_ucall.h"
#include "testsec.h"

#define N		100	/* iterations per step */
#define N_HALT		2	/* steps where KVM halts the vCPU: ~0.3 s each */
#define RAX_FILL	0x5a5a5a5a5a5a5a5aULL	/* RAX before an IN */
#define USER_IN_VAL	0x11223344U	/* this program's answer to an IN */
#define DEBUGCON_PORT	0xe9
#define UCALL_PORT	0x1000		/* the selftest library's ucall port */
#define HALT_WAIT_MS	300
#define RUN_WATCH_MS	2000
#define INJECT_ERR	0x5ec0

enum op {
	OP_NONE,
	OP_INB,
	OP_INW,
	OP_INL,
	OP_OUTB,
	OP_RDMSR,
	OP_WRMSR,
	OP_CPUID,
	OP_HYPERCALL,
	OP_HLT,
	OP_UD2,
	OP_HAMMER,	/* OUTB until the host sets stop (and n done) */
	OP_DEBUGCON,	/* OUTB each byte of str[], then INB, per iteration */
};

/* One page shared by host and guest. */
struct shared {
	/* Set by the host before each command. */
	uint64_t op, n, arg, val;
	uint64_t exp[4];	/* values every iteration must return */
	uint64_t nexp;		/* how many of exp[] to compare */
	uint64_t exp_vector;	/* fault every iteration must take (0: none) */
	uint64_t stop;		/* OP_HAMMER: stop now */
	char str[64];		/* OP_DEBUGCON, val bytes */
	/* Written by the guest. */
	uint64_t done;		/* iterations run */
	uint64_t match;		/* ... that ended as expected */
	uint64_t vec[32];	/* iterations by fault vector, 0 = none */
	uint64_t exc[32];	/* exceptions taken by the guest's handlers */
	uint64_t err;		/* error code of the last one */
	uint64_t last[4];	/* values of the last iteration */
	uint64_t bad[4];	/* values of the first unexpected one */
	uint64_t bad_vector;	/* and its vector */
};

/* Guest globals: the shared page's guest address, the CPU vendor. */
static struct shared *guest_sh;
static bool is_amd;

static MVMM_GUEST_ENTRY void guest_exc_handler(struct ex_regs *regs)
{
	struct shared *s = guest_sh;

	s->exc[regs->vector & 31]++;
	s->err = regs->error_code;
	mvmm_safe_fixup(regs);
}

/* A hypercall's RAX only: what the rules of this test answer in. */
static uint8_t guest_hypercall(uint64_t nr, uint64_t *v)
{
	uint64_t regs[4];
	uint8_t vector = mvmm_safe_hypercall(is_amd, nr, 0, regs);

	*v = regs[0];
	return vector;
}

static uint8_t guest_one(struct shared *s, uint64_t i, uint64_t *v)
{
	uint8_t vector = 0;
	uint64_t k;

	switch (s->op) {
	case OP_INB:
		return mvmm_safe_in(s->arg, 1, RAX_FILL, &v[0]);
	case OP_INW:
		return mvmm_safe_in(s->arg, 2, RAX_FILL, &v[0]);
	case OP_INL:
		return mvmm_safe_in(s->arg, 4, RAX_FILL, &v[0]);
	case OP_OUTB:
	case OP_HAMMER:
		return mvmm_safe_out(s->arg, 1, s->val + i);
	case OP_RDMSR:
		return rdmsr_safe(s->arg, &v[0]);
	case OP_WRMSR:
		return wrmsr_safe(s->arg, s->val + i);
	case OP_CPUID:
		return mvmm_safe_cpuid(s->arg, s->val, v);
	case OP_HYPERCALL:
		return guest_hypercall(s->arg, &v[0]);
	case OP_HLT:
		return kvm_asm_safe("hlt");
	case OP_UD2:
		return kvm_asm_safe("ud2");
	case OP_DEBUGCON:
		for (k = 0; k < s->val && !vector; k++)
			vector = mvmm_safe_out(DEBUGCON_PORT, 1, s->str[k]);
		return vector ?: mvmm_safe_in(DEBUGCON_PORT, 1, RAX_FILL, &v[0]);
	}
	GUEST_ASSERT_1(0, s->op);
	return 0;
}

static void guest_run_cmd(struct shared *s)
{
	uint64_t i, v[4];
	uint8_t vector;

	for (i = 0; s->op == OP_HAMMER ? !(READ_ONCE(s->stop) && i >= s->n) :
	     i < s->n; i++) {
		v[0] = v[1] = v[2] = v[3] = 0;
		vector = guest_one(s, i, v);
		MVMM_GCMD_RECORD(s, vector, v);
	}
}

static MVMM_GUEST_ENTRY void guest_code(void)
{
	for (;;) {
		GUEST_SYNC(0);
		guest_run_cmd(guest_sh);
	}
}

/* ------------------------------------------------------------------ */
/* Host side: one VM and what its commands did.                       */

struct vmctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct shared *sh;	/* host view of the shared page */
	uint32_t id;		/* mvmm's id of this VM */
	uint64_t cpuid_base[4];	/* KVM's answer to the case's CPUID */
	/* During the last command: */
	uint64_t user_in, user_out, user_out_last;
	char user_bytes[4096];	/* OUTs to the debugcon port */
	uint64_t user_nbytes;
	uint64_t halts;		/* times KVM halted the vCPU */
	bool observed;		/* testsec gets copies (observe rule) */
};

/* What one command must do. */
struct cmd {
	enum op op;
	uint64_t n, arg, val;
	uint64_t exp[4];
	int nexp;
	uint8_t vector;
	uint64_t halts;		/* times KVM must halt the vCPU */
};

static void on_alarm(int sig)
{
}

static void install_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	/* No SA_RESTART: KVM_RUN must return -EINTR. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction: %s",
		    strerror(errno));
}

/*
 * A periodic SIGALRM every @ms (0: off). Periodic, so that one that fires
 * before KVM_RUN is entered is followed by another while it runs.
 */
static void arm_ms(long ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
		.it_interval = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void user_io(struct vmctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;
	uint32_t v = USER_IN_VAL;

	TEST_ASSERT(((port >= TESTSEC_PORT_LO && port <= TESTSEC_PORT_HI) ||
		     port == DEBUGCON_PORT) && run->io.count == 1 &&
		    run->io.size <= 4,
		    "Unexpected IO exit to userspace: port %#x size %u count %u",
		    port, run->io.size, run->io.count);
	if (run->io.direction == KVM_EXIT_IO_IN) {
		memcpy(data, &v, run->io.size);
		c->user_in++;
		return;
	}
	v = 0;
	memcpy(&v, data, run->io.size);
	c->user_out++;
	c->user_out_last = v;
	if (port == DEBUGCON_PORT && c->user_nbytes < sizeof(c->user_bytes))
		c->user_bytes[c->user_nbytes++] = v;
}

/*
 * Run the vCPU to its next GUEST_SYNC, answering the IO that reaches
 * this program. A watchdog interrupts KVM_RUN now and then: a vCPU that
 * KVM halted (mp_state HALTED) is counted and made runnable again, which
 * fails the command unless it expected that many halts.
 */
static void run_to_sync(struct vmctx *c, uint64_t halts)
{
	struct kvm_run *run = c->vcpu->run;
	struct kvm_mp_state mp;
	int ret;

	for (;;) {
		arm_ms(c->halts < halts ? HALT_WAIT_MS : RUN_WATCH_MS);
		ret = __vcpu_run(c->vcpu);
		arm_ms(0);
		if (ret < 0) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN failed: %s",
				    strerror(errno));
			vcpu_mp_state_get(c->vcpu, &mp);
			if (mp.mp_state != KVM_MP_STATE_HALTED)
				continue;
			c->halts++;
			TEST_ASSERT(c->halts <= halts,
				    "Expected KVM to halt the vCPU %lu times, got %lu (HLT not routed?)",
				    halts, c->halts);
			mp.mp_state = KVM_MP_STATE_RUNNABLE;
			vcpu_mp_state_set(c->vcpu, &mp);
			continue;
		}
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		if (run->io.port != UCALL_PORT) {
			user_io(c);
			continue;
		}
		mvmm_ucall_sync(c->vcpu);
		return;
	}
}

static void start_cmd(struct vmctx *c, const struct cmd *cmd)
{
	struct shared *s = c->sh;
	char str[sizeof(s->str)];

	memcpy(str, s->str, sizeof(str));
	memset(s, 0, sizeof(*s));
	memcpy(s->str, str, sizeof(str));
	s->op = cmd->op;
	s->n = cmd->n;
	s->arg = cmd->arg;
	s->val = cmd->val;
	memcpy(s->exp, cmd->exp, sizeof(s->exp));
	s->nexp = cmd->nexp;
	s->exp_vector = cmd->vector;
	c->user_in = c->user_out = c->user_out_last = 0;
	c->user_nbytes = 0;
	c->halts = 0;
}

/* Run @cmd and check that every iteration ended as it said. */
static void run_cmd(const char *what, struct vmctx *c, const struct cmd *cmd)
{
	struct shared *s = c->sh;

	start_cmd(c, cmd);
	run_to_sync(c, cmd->halts);
	MVMM_GCMD_CHECK(what, s, cmd);
	TEST_ASSERT(c->halts == cmd->halts,
		    "%s: Expected KVM to halt the vCPU %lu times, got %lu",
		    what, cmd->halts, c->halts);
}

static struct vmctx *vm_start(void)
{
	struct vmctx *c = calloc(1, sizeof(*c));
	vm_vaddr_t gva;

	TEST_ASSERT(c, "calloc");
	c->vm = vm_create_with_one_vcpu(&c->vcpu, guest_code);
	vm_init_descriptor_tables(c->vm);
	vcpu_init_descriptor_tables(c->vcpu);
	vm_install_exception_handler(c->vm, GP_VECTOR, guest_exc_handler);
	vm_install_exception_handler(c->vm, UD_VECTOR, guest_exc_handler);
	gva = vm_vaddr_alloc_page(c->vm);
	c->sh = addr_gva2hva(c->vm, gva);
	memset(c->sh, 0, getpagesize());
	guest_sh = (struct shared *)gva;
	sync_global_to_guest(c->vm, guest_sh);
	is_amd = is_amd_cpu();
	sync_global_to_guest(c->vm, is_amd);
	/* The first GUEST_SYNC: mvmm has seen the VM from now on. */
	run_to_sync(c, 0);
	return c;
}

static void vm_stop(struct vmctx *c)
{
	if (!c)
		return;
	kvm_vm_free(c->vm);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Modules, parameters, debugfs.                                      */

/*
 * Load @mod (e.g. "mvmm_testsec") with parameters @args; returns whether
 * it was loaded before (with whatever parameters).
 */
static bool mod_load_args(const char *mod, const char *args)
{
	char path[300];
	int ret;

	if (mvmm_kmod_is_loaded(mod))
		return true;
	ret = mvmm_kmod_load_args(mvmm_kmod_path_of(mod, path, sizeof(path)),
				  args);
	TEST_ASSERT(!ret || ret == -EEXIST,
		    "Expected insmod %s %s to work, got %s", path, args,
		    strerror(-ret));
	return false;
}

static bool mod_load(const char *mod)
{
	return mod_load_args(mod, "");
}

static void mod_unload(const char *mod)
{
	int ret = mvmm_kmod_unload_mod(mod);

	TEST_ASSERT(!ret || ret == -ENOENT, "Expected rmmod %s to work, got %s",
		    mod, strerror(-ret));
}

/* Write @v to testsec's parameter @name: 0 or -errno. */
static int param_try(const char *name, unsigned long v)
{
	char path[256], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), TESTSEC_PARAMS "/%s", name);
	len = snprintf(buf, sizeof(buf), "%lu", v);
	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0, "Expected to open %s, got %s", path,
		    strerror(errno));
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static void param_set(const char *name, unsigned long v)
{
	int ret = param_try(name, v);

	TEST_ASSERT(!ret, "Expected to write %lu to testsec's %s, got %s", v,
		    name, strerror(-ret));
}

/* testsec loaded with atomic=1 (a test that failed midway may leave it). */
static bool testsec_atomic(void)
{
	char buf[8];

	return mvmm_kmod_read_file(TESTSEC_PARAMS "/atomic", buf, sizeof(buf)) &&
	       buf[0] == 'Y';
}

/* testsec loaded, as a handler that may sleep. */
static void testsec_plain(void)
{
	if (testsec_atomic())
		mod_unload("mvmm_testsec");
	mod_load("mvmm_testsec");
}

static void testsec_reset(void)
{
	param_set("mode", TESTSEC_ANSWER);
	param_set("sleep_us", 0);
	param_set("inject_vector", 13);
	param_set("inject_error", 0);
}

static void mount_debugfs(void)
{
	if (!access("/sys/kernel/debug/mvmm_testsec", F_OK) ||
	    !access("/sys/kernel/debug/mvmm_debugcon", F_OK))
		return;
	/* Already mounted or not: an error here shows up at the open. */
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

enum ts_type {
	TS_IO_IN, TS_IO_OUT, TS_MSR_READ, TS_MSR_WRITE, TS_CPUID,
	TS_HYPERCALL, TS_HLT, TS_EXCEPTION, TS_OTHER, TS_NR
};

static const char *const ts_names[TS_NR] = {
	"io-in", "io-out", "msr-read", "msr-write", "cpuid", "hypercall",
	"hlt", "exception", "other",
};

struct ts_stats {
	bool present;
	uint64_t calls[TS_NR];
	uint64_t handled[TS_NR];
};

static void ts_read(struct ts_stats *st)
{
	char buf[4096], *line, *save;

	memset(st, 0, sizeof(*st));
	if (!mvmm_kmod_read_file(TESTSEC_DEBUGFS "/stats", buf,
				 sizeof(buf)))
		return;
	st->present = true;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		unsigned long long calls, handled;
		int t;

		if (sscanf(line, "%31s %llu %llu", name, &calls, &handled) != 3)
			continue;
		for (t = 0; t < TS_NR; t++) {
			if (strcmp(name, ts_names[t]))
				continue;
			st->calls[t] = calls;
			st->handled[t] = handled;
		}
	}
}

/* testsec's record of a port (file "io") or an MSR (file "msr"). */
static void ts_record(const char *file, uint64_t key, uint64_t *count,
		      uint64_t *last)
{
	char path[128], buf[4096], *line, *save;

	*count = *last = 0;
	snprintf(path, sizeof(path), TESTSEC_DEBUGFS "/%s", file);
	if (!mvmm_kmod_read_file(path, buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long k, n, v;

		if (sscanf(line, "%llx %llu %llx", &k, &n, &v) == 3 && k == key) {
			*count = n;
			*last = v;
		}
	}
}

/* testsec's calls made with preemption off (file "atomic"). */
static uint64_t ts_atomic_calls(void)
{
	unsigned long long n;
	char buf[64];

	TEST_ASSERT(mvmm_kmod_read_file(TESTSEC_DEBUGFS "/atomic", buf,
					sizeof(buf)) &&
		    sscanf(buf, "%llu", &n) == 1,
		    "Expected a count in " TESTSEC_DEBUGFS "/atomic, got %s",
		    strerror(errno));
	return n;
}

struct ts_last {
	unsigned int vm, vcpu, type, origin, size, flags;
	unsigned long long qual, sub, rip;
};

static void ts_last(struct ts_last *l)
{
	char buf[512];

	TEST_ASSERT(mvmm_kmod_read_file(TESTSEC_DEBUGFS "/last", buf,
					sizeof(buf)),
		    "Expected " TESTSEC_DEBUGFS "/last, got %s", strerror(errno));
	TEST_ASSERT(sscanf(buf, "vm %u vcpu %u type %u origin %u size %u flags %x qual %llx sub %llx rip %llx",
			   &l->vm, &l->vcpu, &l->type, &l->origin, &l->size,
			   &l->flags, &l->qual, &l->sub, &l->rip) == 9,
		    "Expected a last request in testsec, got \"%s\"", buf);
}

/* ------------------------------------------------------------------ */
/* Netlink.                                                           */

static uint32_t find_vm_id(struct vmctx *c, const uint32_t *exclude, int n)
{
	struct mvmm_nl *nl = mvmm_nl_open();
	struct mvmm_vm_info vm;
	int ret;

	TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), exclude, n, &vm);
	TEST_ASSERT(!ret, "Expected a VM of pid %d after its first exit, got %s",
		    getpid(), strerror(-ret));
	mvmm_nl_close(nl);
	c->id = vm.id;
	return vm.id;
}

/* mvmm's count of @type exits of VM @id. */
static uint64_t vm_exits(uint32_t id, int type)
{
	struct mvmm_nl *nl = mvmm_nl_open();
	struct mvmm_vm_info vm;
	int ret;

	TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
	ret = mvmm_nl_get(nl, 1, id, &vm);
	TEST_ASSERT(!ret, "Expected stats of VM %u, got %s", id, strerror(-ret));
	mvmm_nl_close(nl);
	return vm.exits[type];
}

static struct mvmm_rule_info rule(uint32_t type, uint64_t lo, uint64_t hi,
				  uint8_t mode, uint8_t fallback,
				  const char *target)
{
	return mvmm_rule_make(type, lo, hi, MVMM_MATCH_ANY, mode, fallback,
			      target);
}

static void rule_del(struct mvmm_rsk *s, uint32_t table, uint32_t id)
{
	struct mvmm_ack ack;
	int ret = mvmm_rule_del(s, table, id, &ack);

	TEST_ASSERT(!ret, "Expected rule del (table %u, id %u) to work, got %s (%s)",
		    table, id, strerror(-ret), ack.msg);
}

static void rule_flush(struct mvmm_rsk *s, uint32_t table)
{
	struct mvmm_ack ack;
	int ret = mvmm_rule_flush(s, table, &ack);

	TEST_ASSERT(!ret, "Expected rule flush (table %u) to work, got %s (%s)",
		    table, strerror(-ret), ack.msg);
}

static void handler_get(struct mvmm_rsk *s, const char *name,
			struct mvmm_handler_info *h)
{
	int ret = mvmm_handler_get(s, name, h);

	TEST_ASSERT(!ret, "Expected handler %s in the handler dump, got %s",
		    name, strerror(-ret));
}

/* ------------------------------------------------------------------ */
/* One routable event type.                                           */

struct tcase {
	const char *name;
	enum op op;
	uint32_t type;		/* the mvmm event type */
	uint64_t lo, hi;	/* the rule's range */
	uint64_t arg, val;	/* the instruction's operands */
	enum ts_type ts;	/* testsec's stats line */
	uint8_t kvm_vector;	/* what KVM does without a rule: a fault, */
	bool kvm_user_io;	/* an exit to this program, */
	bool kvm_halts;		/* a halt, or CPUID/hypercall values */
	uint8_t deny_vector;	/* fallback deny: #GP for IO/MSR, else #UD */
};

static const struct tcase tc_inb = {
	"IN (1 byte)", OP_INB, MVMM_EV_IO, 0x5e3, 0x5e3, 0x5e3, 0,
	TS_IO_IN, 0, true, false, GP_VECTOR,
};
static const struct tcase tc_inw = {
	"IN (2 bytes)", OP_INW, MVMM_EV_IO, 0x5ea, 0x5ea, 0x5ea, 0,
	TS_IO_IN, 0, true, false, GP_VECTOR,
};
static const struct tcase tc_inl = {
	"IN (4 bytes)", OP_INL, MVMM_EV_IO, 0x5e4, 0x5e7, 0x5e4, 0,
	TS_IO_IN, 0, true, false, GP_VECTOR,
};
static const struct tcase tc_outb = {
	"OUT", OP_OUTB, MVMM_EV_IO, 0x5e8, 0x5e8, 0x5e8, 0x40,
	TS_IO_OUT, 0, true, false, GP_VECTOR,
};
static const struct tcase tc_rdmsr = {
	"RDMSR", OP_RDMSR, MVMM_EV_MSR_READ, 0x4b564d83, 0x4b564d83,
	0x4b564d83, 0, TS_MSR_READ, GP_VECTOR, false, false, GP_VECTOR,
};
static const struct tcase tc_wrmsr = {
	"WRMSR", OP_WRMSR, MVMM_EV_MSR_WRITE, 0x4b564d84, 0x4b564d84,
	0x4b564d84, 0x1122334455667700ULL, TS_MSR_WRITE, GP_VECTOR, false,
	false, GP_VECTOR,
};
static const struct tcase tc_cpuid = {
	"CPUID", OP_CPUID, MVMM_EV_CPUID, TESTSEC_LEAF_LO, TESTSEC_LEAF_HI,
	TESTSEC_LEAF_LO + 0x12, 7, TS_CPUID, 0, false, false, UD_VECTOR,
};
static const struct tcase tc_hypercall = {
	"hypercall", OP_HYPERCALL, MVMM_EV_HYPERCALL, TESTSEC_HC_LO + 0x42,
	TESTSEC_HC_LO + 0x42, TESTSEC_HC_LO + 0x42, 0, TS_HYPERCALL, 0,
	false, false, UD_VECTOR,
};
static const struct tcase tc_hlt = {
	"HLT", OP_HLT, MVMM_EV_HLT, 0, UINT64_MAX, 0, 0, TS_HLT, 0, false,
	true, UD_VECTOR,
};
static const struct tcase tc_ud = {
	"#UD", OP_UD2, MVMM_EV_EXCEPTION, UD_VECTOR, UD_VECTOR, 0, 0,
	TS_EXCEPTION, UD_VECTOR, false, false, UD_VECTOR,
};

/* The values the secondary answers, as the guest must see them. */
static void expect_secondary(const struct tcase *t, struct cmd *cmd)
{
	switch (t->op) {
	case OP_INB:
		cmd->exp[0] = (RAX_FILL & ~0xffULL) |
			      (TESTSEC_IO_IN(t->arg) & 0xff);
		cmd->nexp = 1;
		break;
	case OP_INW:
		cmd->exp[0] = (RAX_FILL & ~0xffffULL) |
			      (TESTSEC_IO_IN(t->arg) & 0xffff);
		cmd->nexp = 1;
		break;
	case OP_INL:
		cmd->exp[0] = TESTSEC_IO_IN(t->arg);
		cmd->nexp = 1;
		break;
	case OP_RDMSR:
		cmd->exp[0] = TESTSEC_MSR_VAL(t->arg);
		cmd->nexp = 1;
		break;
	case OP_CPUID:
		cmd->exp[0] = t->arg;
		cmd->exp[1] = (uint32_t)~t->arg;
		cmd->exp[2] = TESTSEC_CPUID_ECX;
		cmd->exp[3] = t->val;
		cmd->nexp = 4;
		break;
	case OP_HYPERCALL:
		cmd->exp[0] = TESTSEC_HC_RET(t->arg);
		cmd->nexp = 1;
		break;
	default:
		break;
	}
}

/* What KVM does with the event when mvmm leaves it alone. */
static void expect_kvm(const struct vmctx *c, const struct tcase *t,
		       struct cmd *cmd)
{
	cmd->vector = t->kvm_vector;
	switch (t->op) {
	case OP_INB:
		cmd->exp[0] = (RAX_FILL & ~0xffULL) | (USER_IN_VAL & 0xff);
		cmd->nexp = 1;
		break;
	case OP_INW:
		cmd->exp[0] = (RAX_FILL & ~0xffffULL) | (USER_IN_VAL & 0xffff);
		cmd->nexp = 1;
		break;
	case OP_INL:
		cmd->exp[0] = USER_IN_VAL;
		cmd->nexp = 1;
		break;
	case OP_CPUID:
		memcpy(cmd->exp, c->cpuid_base, sizeof(cmd->exp));
		cmd->nexp = 4;
		break;
	case OP_HYPERCALL:
		cmd->exp[0] = (uint64_t)-KVM_ENOSYS;
		cmd->nexp = 1;
		break;
	case OP_HLT:
		cmd->halts = cmd->n;
		break;
	default:
		break;
	}
}

enum outcome { BY_SECONDARY, BY_KVM, BY_FAULT };

/* Steps where KVM handles HLT halt the vCPU each time: keep them short. */
static uint64_t steps(const struct tcase *t, enum outcome o)
{
	return o == BY_KVM && t->kvm_halts ? N_HALT : N;
}

/*
 * Run @t's instruction steps(t, o) times; each must end as @o says
 * (BY_FAULT: with @vector, and error code @err if >= 0). Checks the
 * guest's values and fault counts, the exits to this program, the halts,
 * and testsec's record of OUT and WRMSR values.
 */
static uint64_t step(const char *what, struct vmctx *c, const struct tcase *t,
		     enum outcome o, uint8_t vector, int64_t err)
{
	struct cmd cmd = {
		.op = t->op, .n = steps(t, o), .arg = t->arg, .val = t->val,
	};
	const char *rec = t->op == OP_OUTB ? "io" :
			  t->op == OP_WRMSR ? "msr" : NULL;
	uint64_t rec_n0 = 0, rec_n1 = 0, rec_last = 0, want_user, n = cmd.n;
	struct shared *s = c->sh;
	char msg[160];
	int v;

	snprintf(msg, sizeof(msg), "%s: %s", t->name, what);
	switch (o) {
	case BY_SECONDARY:
		expect_secondary(t, &cmd);
		break;
	case BY_KVM:
		expect_kvm(c, t, &cmd);
		break;
	case BY_FAULT:
		cmd.vector = vector;
		break;
	}
	if (rec)
		ts_record(rec, t->arg, &rec_n0, &rec_last);

	run_cmd(msg, c, &cmd);

	/* IO that KVM passed to this program. */
	want_user = o == BY_KVM && t->kvm_user_io ? n : 0;
	TEST_ASSERT(c->user_in == (t->op != OP_OUTB ? want_user : 0) &&
		    c->user_out == (t->op == OP_OUTB ? want_user : 0),
		    "%s: Expected %lu IO exits to this program, got %lu IN %lu OUT",
		    msg, want_user, c->user_in, c->user_out);
	if (t->op == OP_OUTB && want_user)
		TEST_ASSERT(c->user_out_last == ((t->val + n - 1) & 0xff),
			    "%s: Expected the last OUT to carry %#lx, got %#lx",
			    msg, (t->val + n - 1) & 0xff, c->user_out_last);

	/* The guest's own handlers saw exactly the faults of the step. */
	for (v = 0; v < 32; v++) {
		uint64_t want = v == cmd.vector &&
				(v == GP_VECTOR || v == UD_VECTOR) ? n : 0;

		TEST_ASSERT(s->exc[v] == want,
			    "%s: Expected the guest's vector %d handler to run %lu times, got %lu",
			    msg, v, want, s->exc[v]);
	}
	if (err >= 0)
		TEST_ASSERT(s->err == (uint64_t)err,
			    "%s: Expected error code %#lx, got %#lx", msg,
			    (uint64_t)err, s->err);

	/*
	 * What testsec recorded of the OUT/WRMSR values: those it handled,
	 * or got a copy of.
	 */
	if (rec) {
		bool seen = o == BY_SECONDARY || c->observed;

		ts_record(rec, t->arg, &rec_n1, &rec_last);
		TEST_ASSERT(rec_n1 - rec_n0 == (seen ? n : 0),
			    "%s: Expected testsec to record %lu values, got %lu",
			    msg, seen ? n : 0, rec_n1 - rec_n0);
		if (seen) {
			uint64_t want = t->op == OP_OUTB ?
					(t->val + n - 1) & 0xff : t->val + n - 1;

			TEST_ASSERT(rec_last == want,
				    "%s: Expected testsec's last value %#lx, got %#lx",
				    msg, want, rec_last);
		}
	}
	return n;
}

/* KVM's answer to the case's CPUID, before any rule. */
static void cpuid_baseline(struct vmctx *c, const struct tcase *t)
{
	struct cmd cmd = { .op = OP_CPUID, .n = 1, .arg = t->arg, .val = t->val };
	uint64_t sec[4];
	struct cmd sc = {};

	run_cmd("CPUID baseline", c, &cmd);
	memcpy(c->cpuid_base, c->sh->last, sizeof(c->cpuid_base));
	printf("# KVM's CPUID %#lx.%lu: %#lx %#lx %#lx %#lx\n", t->arg, t->val,
	       c->cpuid_base[0], c->cpuid_base[1], c->cpuid_base[2],
	       c->cpuid_base[3]);
	sc.op = OP_CPUID;
	expect_secondary(t, &sc);
	memcpy(sec, sc.exp, sizeof(sec));
	TEST_ASSERT(memcmp(sec, c->cpuid_base, sizeof(sec)),
		    "Expected KVM's CPUID answer to differ from testsec's");
}

static const char *const mode_names[] = { "sync", "observe" };

FIXTURE(route) {
	struct mvmm_rsk *s;
	struct vmctx *c;
};

FIXTURE_VARIANT(route) {
	const struct tcase *t;
};

FIXTURE_VARIANT_ADD(route, io_in_1) { .t = &tc_inb };
FIXTURE_VARIANT_ADD(route, io_in_2) { .t = &tc_inw };
FIXTURE_VARIANT_ADD(route, io_in_4) { .t = &tc_inl };
FIXTURE_VARIANT_ADD(route, io_out) { .t = &tc_outb };
FIXTURE_VARIANT_ADD(route, msr_read) { .t = &tc_rdmsr };
FIXTURE_VARIANT_ADD(route, msr_write) { .t = &tc_wrmsr };
FIXTURE_VARIANT_ADD(route, cpuid) { .t = &tc_cpuid };
FIXTURE_VARIANT_ADD(route, hypercall) { .t = &tc_hypercall };
FIXTURE_VARIANT_ADD(route, hlt) { .t = &tc_hlt };
FIXTURE_VARIANT_ADD(route, ud_exception) { .t = &tc_ud };

FIXTURE_SETUP(route)
{
	install_alarm();
	mount_debugfs();
	mod_load("mvmm_testsec");
	testsec_reset();
	self->s = mvmm_rsk_open_ok();
	self->c = vm_start();
	find_vm_id(self->c, NULL, 0);
	if (variant->t->op == OP_CPUID)
		cpuid_baseline(self->c, variant->t);
}

FIXTURE_TEARDOWN(route)
{
	vm_stop(self->c);
	mvmm_rsk_close(self->s);
	testsec_plain();
	testsec_reset();
}

/*
 * Without a rule KVM answers; routed, the guest sees exactly testsec's
 * answer; in observe mode KVM's again while testsec gets copies; with
 * the rule deleted KVM's, and no counter moves.
 */
TEST_F_TIMEOUT(route, routed_observed_deleted, 300)
{
	const struct tcase *t = variant->t;
	struct mvmm_handler_info h0, h1;
	struct ts_stats s0, s1;
	struct mvmm_rule_info r;
	struct ts_last last;
	uint64_t n, x0, x1, a0;
	uint32_t id;
	int i;

	n = step("no rule", self->c, t, BY_KVM, 0, -1);

	r = rule(t->type, t->lo, t->hi, MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
		 TESTSEC_NAME);
	id = mvmm_rule_add_ok(self->s, self->c->id, &r);
	r.id = id;
	handler_get(self->s, TESTSEC_NAME, &h0);
	TEST_ASSERT(h0.attached, "Expected testsec to be attached");
	ts_read(&s0);
	a0 = ts_atomic_calls();
	x0 = vm_exits(self->c->id, t->type);
	n = step("routed", self->c, t, BY_SECONDARY, 0, -1);
	x1 = vm_exits(self->c->id, t->type);
	handler_get(self->s, TESTSEC_NAME, &h1);
	ts_read(&s1);
	/*
	 * A handler that may sleep is called preemptible, every time, and
	 * every call is timed for its load.
	 */
	TEST_ASSERT(ts_atomic_calls() == a0,
		    "Expected no call of testsec with preemption off, got %lu",
		    ts_atomic_calls() - a0);
	TEST_ASSERT(h1.samples - h0.samples == n,
		    "Expected %lu timed calls of testsec, got %lu", n,
		    h1.samples - h0.samples);
	mvmm_hd_check("routed", &h0, &h1, &(struct mvmm_hdelta){ .events = n,
		      .handled = n });
	/* mvmm still counts the exits it routes (the ucall is an IN too). */
	TEST_ASSERT(x1 - x0 == n + (t->type == MVMM_EV_IO),
		    "Expected %lu %s exits counted for VM %u, got %lu",
		    n + (t->type == MVMM_EV_IO), mvmm_nl_type_name(t->type),
		    self->c->id, x1 - x0);
	for (i = 0; i < TS_NR; i++) {
		uint64_t want = i == (int)t->ts ? n : 0;

		TEST_ASSERT(s1.calls[i] - s0.calls[i] == want &&
			    s1.handled[i] - s0.handled[i] == want,
			    "Expected testsec to see and handle %lu %s events, got %lu and %lu",
			    want, ts_names[i], s1.calls[i] - s0.calls[i],
			    s1.handled[i] - s0.handled[i]);
	}
	/* The request carried this VM, its vCPU and the qualifiers. */
	ts_last(&last);
	TEST_ASSERT(last.vm == self->c->id && last.vcpu == 0 &&
		    last.type == t->type && last.origin == MVMM_ORIGIN_L1,
		    "Expected testsec's last request from VM %u vCPU 0 type %u origin L1, got VM %u vCPU %u type %u origin %u",
		    self->c->id, t->type, last.vm, last.vcpu, last.type,
		    last.origin);
	if (t->op != OP_HLT)
		TEST_ASSERT(last.qual == t->arg || (t->op == OP_UD2 &&
						    last.qual == UD_VECTOR),
			    "Expected qualifier %#lx, got %#llx", t->arg,
			    last.qual);
	if (t->op == OP_CPUID)
		TEST_ASSERT(last.sub == t->val, "Expected subleaf %lu, got %llu",
			    t->val, last.sub);
	if (t->type == MVMM_EV_IO) {
		unsigned int size = t->op == OP_INL ? 4 : t->op == OP_INW ? 2 : 1;

		TEST_ASSERT(last.size == size &&
			    !!(last.flags & MVMM_EVF_WRITE) == (t->op == OP_OUTB),
			    "Expected size %u and direction %s, got size %u flags %#x",
			    size, t->op == OP_OUTB ? "out" : "in", last.size,
			    last.flags);
	}

	/* Observe: KVM answers, testsec gets a copy of each event. */
	r.mode = MVMM_MODE_OBSERVE;
	mvmm_rule_replace_ok(self->s, self->c->id, &r);
	handler_get(self->s, TESTSEC_NAME, &h0);
	ts_read(&s0);
	self->c->observed = true;
	n = step(mode_names[r.mode], self->c, t, BY_KVM, 0, -1);
	self->c->observed = false;
	handler_get(self->s, TESTSEC_NAME, &h1);
	ts_read(&s1);
	mvmm_hd_check("observe", &h0, &h1, &(struct mvmm_hdelta){ .events = n,
		      .observed = n });
	TEST_ASSERT(s1.calls[t->ts] - s0.calls[t->ts] == n,
		    "Expected testsec to get %lu observe copies, got %lu", n,
		    s1.calls[t->ts] - s0.calls[t->ts]);

	/* Deleted: KVM again, and nothing reaches testsec. */
	rule_del(self->s, self->c->id, id);
	handler_get(self->s, TESTSEC_NAME, &h0);
	ts_read(&s0);
	n = step("rule deleted", self->c, t, BY_KVM, 0, -1);
	handler_get(self->s, TESTSEC_NAME, &h1);
	ts_read(&s1);
	mvmm_hd_check("deleted", &h0, &h1, &(struct mvmm_hdelta){ 0 });
	TEST_ASSERT(!memcmp(&s0, &s1, sizeof(s0)),
		    "Expected no testsec call after the rule was deleted");
}

/*
 * One misbehaviour of testsec: set @mode (unless < 0: module unloaded),
 * run a step, check the counters.
 */
static void misbehave(struct mvmm_rsk *sk, struct vmctx *c,
		      const struct tcase *t, const char *what, int mode,
		      enum outcome o, uint8_t vector, int64_t err,
		      struct mvmm_hdelta d)
{
	struct mvmm_handler_info h0, h1;
	uint64_t n = steps(t, o);
	char msg[128];

	if (mode >= 0)
		param_set("mode", mode);
	handler_get(sk, TESTSEC_NAME, &h0);
	step(what, c, t, o, vector, err);
	handler_get(sk, TESTSEC_NAME, &h1);
	/* Each counter the step moves grows by the step's size. */
	d.events *= n;
	d.handled *= n;
	d.to_main *= n;
	d.injected *= n;
	d.fallback *= n;
	d.invalid *= n;
	d.observed *= n;
	snprintf(msg, sizeof(msg), "%s: %s", t->name, what);
	mvmm_hd_check(msg, &h0, &h1, &d);
}

/*
 * A present handler that answers main, injects, answers invalidly or
 * fails, under fallback main and fallback deny.
 */
static void answers(struct mvmm_rsk *sk, struct vmctx *c,
		    const struct tcase *t)
{
	struct mvmm_rule_info r;

	r = rule(t->type, t->lo, t->hi, MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
		 TESTSEC_NAME);
	r.id = mvmm_rule_add_ok(sk, c->id, &r);

	misbehave(sk, c, t, "answer main", TESTSEC_MAIN, BY_KVM, 0,
		  -1, (struct mvmm_hdelta){ .events = 1, .to_main = 1 });
	param_set("inject_vector", GP_VECTOR);
	param_set("inject_error", INJECT_ERR);
	misbehave(sk, c, t, "inject #GP(0x5ec0)", TESTSEC_INJECT,
		  BY_FAULT, GP_VECTOR, INJECT_ERR,
		  (struct mvmm_hdelta){ .events = 1, .injected = 1 });
	param_set("inject_vector", UD_VECTOR);
	misbehave(sk, c, t, "inject #UD", TESTSEC_INJECT, BY_FAULT,
		  UD_VECTOR, -1,
		  (struct mvmm_hdelta){ .events = 1, .injected = 1 });
	misbehave(sk, c, t, "invalid answer, fallback main",
		  TESTSEC_INVALID, BY_KVM, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1, .invalid = 1 });
	misbehave(sk, c, t, "handler fails, fallback main",
		  TESTSEC_FAIL, BY_KVM, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1 });
	/*
	 * -EINTR from a kernel handler is a failure like any other
	 * (secondary.h): no signal is pending to end the exit's retake.
	 */
	misbehave(sk, c, t, "handler fails with -EINTR, fallback main",
		  TESTSEC_EINTR, BY_KVM, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1 });

	r.fallback = MVMM_FALLBACK_DENY;
	mvmm_rule_replace_ok(sk, c->id, &r);
	/* IO and MSR accesses get #GP(0), everything else #UD. */
	misbehave(sk, c, t, "invalid answer, fallback deny",
		  TESTSEC_INVALID, BY_FAULT, t->deny_vector,
		  t->deny_vector == GP_VECTOR ? 0 : -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1, .invalid = 1 });
	misbehave(sk, c, t, "handler fails, fallback deny",
		  TESTSEC_FAIL, BY_FAULT, t->deny_vector,
		  t->deny_vector == GP_VECTOR ? 0 : -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1 });
	/* A handler that answers makes the fallback irrelevant. */
	misbehave(sk, c, t, "answer, fallback deny", TESTSEC_ANSWER,
		  BY_SECONDARY, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .handled = 1 });
}

TEST_F_TIMEOUT(route, answers, 300)
{
	answers(self->s, self->c, variant->t);
}

/*
 * testsec loaded as a handler that never sleeps (atomic=1): the routed
 * events reach it with preemption off, each of them, and it answers,
 * misbehaves and is fallen back from exactly as a handler that may
 * sleep. Sleeping and self-unregistering, which such a handler must not
 * do, are refused by testsec itself.
 */
TEST_F_TIMEOUT(route, atomic_handler, 300)
{
	const struct tcase *t = variant->t;
	struct mvmm_handler_info h0, h1;
	struct mvmm_rule_info r;
	struct ts_stats s0, s1;
	uint64_t n, a0, a1;

	mod_unload("mvmm_testsec");
	mod_load_args("mvmm_testsec", "atomic=1");
	TEST_ASSERT(param_try("sleep_us", 1) == -EINVAL &&
		    param_try("mode", TESTSEC_DETACH) == -EINVAL,
		    "Expected an atomic testsec to refuse sleep_us and detach");

	r = rule(t->type, t->lo, t->hi, MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
		 TESTSEC_NAME);
	r.id = mvmm_rule_add_ok(self->s, self->c->id, &r);
	handler_get(self->s, TESTSEC_NAME, &h0);
	ts_read(&s0);
	a0 = ts_atomic_calls();
	n = step("routed, atomic", self->c, t, BY_SECONDARY, 0, -1);
	handler_get(self->s, TESTSEC_NAME, &h1);
	ts_read(&s1);
	a1 = ts_atomic_calls();
	mvmm_hd_check("routed, atomic", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = n, .handled = n });
	TEST_ASSERT(s1.calls[t->ts] - s0.calls[t->ts] == n && a1 - a0 == n,
		    "Expected %lu testsec calls, all with preemption off, got %lu and %lu",
		    n, s1.calls[t->ts] - s0.calls[t->ts], a1 - a0);
	/* Called in the exit's own section: untimed, unlike on the usual path. */
	TEST_ASSERT(h1.samples == h0.samples,
		    "Expected no timed call of an atomic testsec at the exit, got %lu",
		    h1.samples - h0.samples);
	rule_del(self->s, self->c->id, r.id);

	answers(self->s, self->c, t);
	ts_read(&s1);
	handler_get(self->s, TESTSEC_NAME, &h1);
	TEST_ASSERT(ts_atomic_calls() - a0 == s1.calls[t->ts] - s0.calls[t->ts] &&
		    h1.samples == h0.samples,
		    "Expected every call of an atomic testsec with preemption off, untimed, got %lu of %lu, %lu timed",
		    ts_atomic_calls() - a0, s1.calls[t->ts] - s0.calls[t->ts],
		    h1.samples - h0.samples);

	mod_unload("mvmm_testsec");
	mod_load("mvmm_testsec");
}

/*
 * testsec unregisters itself from inside ->handle(), at the first event:
 * mvmm cannot wait for that call (it would wait for itself), so it does
 * not; the call's answer (main) applies, the events after it take the
 * fallback, and the module unloads and loads again as usual.
 */
TEST_F_TIMEOUT(route, self_unregister, 300)
{
	const struct tcase *t = variant->t;
	struct mvmm_handler_info h0, h1;
	struct mvmm_rule_info r;
	uint64_t n;

	r = rule(t->type, t->lo, t->hi, MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
		 TESTSEC_NAME);
	r.id = mvmm_rule_add_ok(self->s, self->c->id, &r);
	param_set("mode", TESTSEC_DETACH);
	handler_get(self->s, TESTSEC_NAME, &h0);
	n = step("unregisters inside handle()", self->c, t, BY_KVM, 0, -1);
	handler_get(self->s, TESTSEC_NAME, &h1);
	mvmm_hd_check("unregistered inside handle()", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = n, .to_main = 1,
					     .fallback = n - 1 });
	TEST_ASSERT(!h1.attached,
		    "Expected testsec detached once it unregistered itself");
	mod_unload("mvmm_testsec");
	mod_load("mvmm_testsec");
}

/* testsec unloaded: deny faults, main lets KVM answer, observe is moot. */
TEST_F_TIMEOUT(route, handler_absent, 300)
{
	const struct tcase *t = variant->t;
	struct mvmm_rule_info r;

	r = rule(t->type, t->lo, t->hi, MVMM_MODE_SYNC, MVMM_FALLBACK_DENY,
		 TESTSEC_NAME);
	r.id = mvmm_rule_add_ok(self->s, self->c->id, &r);
	mod_unload("mvmm_testsec");
	{
		struct mvmm_handler_info h;

		handler_get(self->s, TESTSEC_NAME, &h);
		TEST_ASSERT(!h.attached,
			    "Expected testsec to be detached after rmmod");
	}
	misbehave(self->s, self->c, t, "absent, fallback deny", -1,
		  BY_FAULT, t->deny_vector,
		  t->deny_vector == GP_VECTOR ? 0 : -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1 });

	r.fallback = MVMM_FALLBACK_MAIN;
	mvmm_rule_replace_ok(self->s, self->c->id, &r);
	misbehave(self->s, self->c, t, "absent, fallback main", -1,
		  BY_KVM, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .fallback = 1 });

	/* Observe with nobody to observe: counted as routed, nothing else. */
	r.mode = MVMM_MODE_OBSERVE;
	r.fallback = MVMM_FALLBACK_DENY;
	mvmm_rule_replace_ok(self->s, self->c->id, &r);
	misbehave(self->s, self->c, t, "absent, observe", -1,
		  BY_KVM, 0, -1, (struct mvmm_hdelta){ .events = 1 });

	/* Loaded again, the same rule name finds it. */
	mod_load("mvmm_testsec");
	r.mode = MVMM_MODE_SYNC;
	mvmm_rule_replace_ok(self->s, self->c->id, &r);
	misbehave(self->s, self->c, t, "loaded again", TESTSEC_ANSWER,
		  BY_SECONDARY, 0, -1,
		  (struct mvmm_hdelta){ .events = 1, .handled = 1 });
}

/* ------------------------------------------------------------------ */
/* Scenarios.                                                         */

FIXTURE(scenario) {
	struct mvmm_rsk *s;
};

FIXTURE_SETUP(scenario)
{
	install_alarm();
	mount_debugfs();
	mod_load("mvmm_testsec");
	testsec_reset();
	self->s = mvmm_rsk_open_ok();
}

FIXTURE_TEARDOWN(scenario)
{
	/* Leave the default table as every test expects to find it. */
	mvmm_rule_flush(self->s, MVMM_TABLE_DEFAULT, NULL);
	mvmm_rsk_close(self->s);
	testsec_plain();
	testsec_reset();
}

struct hammer {
	struct vmctx *c;
	pthread_t thread;
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	struct cmd cmd = { .op = OP_HAMMER, .n = 0, .arg = 0x5e9 };

	/* Only run_to_sync's checks: the caller checks the counts. */
	start_cmd(h->c, &cmd);
	run_to_sync(h->c, 0);
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Wait until handler @name's counter at @off grew by @by; false on timeout. */
static bool wait_counter(struct mvmm_rsk *s, size_t off, uint64_t base,
			 uint64_t by, uint64_t timeout_ms)
{
	uint64_t t0 = now_ms();
	struct mvmm_handler_info h;

	do {
		handler_get(s, TESTSEC_NAME, &h);
		if (*(uint64_t *)((char *)&h + off) - base >= by)
			return true;
		usleep(20000);
	} while (now_ms() - t0 < timeout_ms);
	return false;
}

/*
 * rmmod testsec while the guest hammers its port: events in flight
 * finish, later ones fall back to main (KVM passes them to this
 * program), and none is lost. With @atomic, testsec is a handler that
 * never sleeps, called with preemption off (unregistering waits an RCU
 * grace period for it); otherwise each event sleeps in the handler.
 */
static void unload_hammered(struct mvmm_rsk *sk, bool atomic)
{
	struct mvmm_handler_info h0, h1;
	struct mvmm_rule_info r;
	struct hammer hm = {};
	uint64_t t0, t1, done;
	sigset_t set;

	if (atomic) {
		mod_unload("mvmm_testsec");
		mod_load_args("mvmm_testsec", "atomic=1");
	}
	hm.c = vm_start();
	find_vm_id(hm.c, NULL, 0);
	r = rule(MVMM_EV_IO, 0x5e9, 0x5e9, MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN,
		 TESTSEC_NAME);
	mvmm_rule_add_ok(sk, hm.c->id, &r);
	if (!atomic)
		param_set("sleep_us", 200);
	handler_get(sk, TESTSEC_NAME, &h0);

	/* The watchdog's SIGALRM must interrupt the vCPU thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&hm.thread, NULL, hammer_fn, &hm);

	TEST_ASSERT(wait_counter(sk, offsetof(struct mvmm_handler_info,
						   handled),
				 h0.handled, 300, 60000),
		    "Expected testsec to handle 300 OUTs within 60 s");
	/* The atomic testsec is called at the exit: no call timed. */
	handler_get(sk, TESTSEC_NAME, &h1);
	TEST_ASSERT(!atomic || h1.samples == h0.samples,
		    "Expected no timed call of an atomic testsec, got %lu",
		    h1.samples - h0.samples);
	t0 = now_ms();
	mod_unload("mvmm_testsec");
	t1 = now_ms();
	TEST_ASSERT(wait_counter(sk, offsetof(struct mvmm_handler_info,
						   fallback),
				 h0.fallback, 300, 60000),
		    "Expected 300 OUTs to fall back within 60 s");
	WRITE_ONCE(hm.c->sh->stop, 1);
	pthread_join(hm.thread, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	handler_get(sk, TESTSEC_NAME, &h1);
	done = hm.c->sh->done;
	printf("# guest OUTs %lu: handled %lu, fell back %lu (%lu reached this program); rmmod took %lu ms\n",
	       done, h1.handled - h0.handled, h1.fallback - h0.fallback,
	       hm.c->user_out, t1 - t0);
	TEST_ASSERT(hm.c->sh->vec[0] == done,
		    "Expected every OUT to complete without a fault, got %lu of %lu",
		    hm.c->sh->vec[0], done);
	mvmm_hd_check("hammered", &h0, &h1, &(struct mvmm_hdelta){
		      .events = done, .handled = h1.handled - h0.handled,
		      .fallback = done - (h1.handled - h0.handled) });
	TEST_ASSERT(h1.fallback - h0.fallback == hm.c->user_out,
		    "Expected every fallen-back OUT (%lu) to reach this program, got %lu",
		    h1.fallback - h0.fallback, hm.c->user_out);
	TEST_ASSERT(!h1.attached, "Expected testsec detached after rmmod");
	vm_stop(hm.c);
}

TEST_F_TIMEOUT(scenario, unload_while_hammered, 300)
{
	unload_hammered(self->s, false);
}

TEST_F_TIMEOUT(scenario, unload_while_hammered_atomic, 300)
{
	unload_hammered(self->s, true);
}

/* The guest's view of one step on VM @c: testsec's answer or KVM's. */
static void expect_routed(struct mvmm_rsk *s, struct vmctx *c,
			  const struct tcase *t, bool routed, const char *what)
{
	struct mvmm_handler_info h0, h1;
	uint64_t n;

	handler_get(s, TESTSEC_NAME, &h0);
	n = step(what, c, t, routed ? BY_SECONDARY : BY_KVM, 0, -1);
	handler_get(s, TESTSEC_NAME, &h1);
	mvmm_hd_check(what, &h0, &h1, routed ?
		      &(struct mvmm_hdelta){ .events = n, .handled = n } :
		      &(struct mvmm_hdelta){ 0 });
}

static int table_size(struct mvmm_rsk *s, uint32_t vm)
{
	struct mvmm_rule_info rules[16];
	int n = mvmm_rule_dump(s, vm, rules, 16, NULL);

	TEST_ASSERT(n >= 0, "Expected a dump of table %u, got %s", vm,
		    strerror(-n));
	return n;
}

/* A rule in VM A's table never routes VM B's events. */
TEST_F_TIMEOUT(scenario, two_vms, 300)
{
	struct vmctx *a, *b;
	struct mvmm_rule_info r;
	uint32_t ida;

	a = vm_start();
	ida = find_vm_id(a, NULL, 0);
	b = vm_start();
	find_vm_id(b, &ida, 1);
	TEST_ASSERT(a->id != b->id, "Expected two VM ids, got %u twice", a->id);
	cpuid_baseline(a, &tc_cpuid);
	cpuid_baseline(b, &tc_cpuid);

	r = rule(MVMM_EV_CPUID, TESTSEC_LEAF_LO, TESTSEC_LEAF_HI,
		 MVMM_MODE_SYNC, MVMM_FALLBACK_DENY, TESTSEC_NAME);
	mvmm_rule_add_ok(self->s, a->id, &r);
	r = rule(MVMM_EV_IO, TESTSEC_PORT_LO, TESTSEC_PORT_HI, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_DENY, TESTSEC_NAME);
	mvmm_rule_add_ok(self->s, a->id, &r);
	TEST_ASSERT(table_size(self->s, a->id) == 2 &&
		    table_size(self->s, b->id) == 0,
		    "Expected 2 rules in VM A's table and none in B's, got %d and %d",
		    table_size(self->s, a->id), table_size(self->s, b->id));

	expect_routed(self->s, b, &tc_cpuid, false, "VM B, CPUID");
	expect_routed(self->s, b, &tc_inl, false, "VM B, IN");
	expect_routed(self->s, a, &tc_cpuid, true, "VM A, CPUID");
	expect_routed(self->s, a, &tc_inl, true, "VM A, IN");
	expect_routed(self->s, b, &tc_inb, false, "VM B, IN again");
	vm_stop(b);
	vm_stop(a);
}

/*
 * The default table is copied into a VM when mvmm first sees it: a VM
 * seen before the default changed keeps its own (empty) table.
 */
TEST_F_TIMEOUT(scenario, default_table, 300)
{
	struct vmctx *old, *young;
	struct mvmm_rule_info r, got[4];
	uint32_t id_old;
	int n;

	rule_flush(self->s, MVMM_TABLE_DEFAULT);
	old = vm_start();
	id_old = find_vm_id(old, NULL, 0);
	cpuid_baseline(old, &tc_cpuid);

	r = rule(MVMM_EV_IO, TESTSEC_PORT_LO, TESTSEC_PORT_HI, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, TESTSEC_NAME);
	mvmm_rule_add_ok(self->s, MVMM_TABLE_DEFAULT, &r);
	r = rule(MVMM_EV_CPUID, TESTSEC_LEAF_LO, TESTSEC_LEAF_HI,
		 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, TESTSEC_NAME);
	mvmm_rule_add_ok(self->s, MVMM_TABLE_DEFAULT, &r);

	young = vm_start();
	find_vm_id(young, &id_old, 1);
	/* Its CPUID is routed from the start; KVM would answer as to old. */
	memcpy(young->cpuid_base, old->cpuid_base, sizeof(old->cpuid_base));

	n = mvmm_rule_dump(self->s, young->id, got, 4, NULL);
	TEST_ASSERT(n == 2 && got[0].type == MVMM_EV_IO &&
		    got[1].type == MVMM_EV_CPUID &&
		    !strcmp(got[0].target, TESTSEC_NAME) &&
		    got[1].lo == TESTSEC_LEAF_LO,
		    "Expected the new VM to start with the 2 default rules, got %d",
		    n);
	TEST_ASSERT(table_size(self->s, old->id) == 0,
		    "Expected the older VM's table to stay empty, got %d rules",
		    table_size(self->s, old->id));

	expect_routed(self->s, old, &tc_inl, false, "VM seen before, IN");
	expect_routed(self->s, old, &tc_cpuid, false, "VM seen before, CPUID");
	expect_routed(self->s, young, &tc_inl, true, "VM seen after, IN");
	expect_routed(self->s, young, &tc_cpuid, true, "VM seen after, CPUID");

	/* The copy is the VM's own: flushing the default leaves it. */
	rule_flush(self->s, MVMM_TABLE_DEFAULT);
	TEST_ASSERT(table_size(self->s, young->id) == 2,
		    "Expected the VM's copy to survive the default's flush");
	expect_routed(self->s, young, &tc_inb, true, "after default flush, IN");
	vm_stop(young);
	vm_stop(old);
}

/* mvmm_cpuidsig answers the hypervisor range with its signature. */
TEST_F_TIMEOUT(scenario, cpuidsig, 300)
{
	static const char sig[12] = "mvmmCPUIDsig";
	struct mvmm_handler_info h0, h1;
	struct cmd cmd = { .op = OP_CPUID, .n = N, .arg = 0x40000000 };
	struct mvmm_rule_info r;
	struct vmctx *c;
	uint64_t kvm[4];
	bool was_loaded;
	uint32_t id;
	char got[13] = "";
	int i;

	was_loaded = mod_load("mvmm_cpuidsig");
	c = vm_start();
	find_vm_id(c, NULL, 0);

	cmd.n = 1;
	run_cmd("KVM's 0x40000000", c, &cmd);
	memcpy(kvm, c->sh->last, sizeof(kvm));
	for (i = 0; i < 3; i++)
		memcpy(got + 4 * i, &c->sh->last[i + 1], 4);
	printf("# KVM's leaf 0x40000000: eax %#lx signature \"%s\"\n", kvm[0],
	       got);
	TEST_ASSERT(memcmp(got, sig, 12),
		    "Expected KVM's own signature to differ from cpuidsig's");

	r = rule(MVMM_EV_CPUID, 0x40000000, 0x400000ff, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, "cpuidsig");
	id = mvmm_rule_add_ok(self->s, c->id, &r);
	handler_get(self->s, "cpuidsig", &h0);
	TEST_ASSERT(h0.attached, "Expected cpuidsig attached");
	cmd.n = N;
	cmd.exp[0] = 0x40000001;
	for (i = 0; i < 3; i++) {
		uint32_t w;

		memcpy(&w, sig + 4 * i, 4);
		cmd.exp[i + 1] = w;
	}
	cmd.nexp = 4;
	run_cmd("cpuidsig's 0x40000000", c, &cmd);
	for (i = 0; i < 3; i++)
		memcpy(got + 4 * i, &c->sh->last[i + 1], 4);
	printf("# cpuidsig's leaf 0x40000000: eax %#lx signature \"%s\"\n",
	       c->sh->last[0], got);
	TEST_ASSERT(!memcmp(got, sig, 12), "Expected signature %.12s, got %s",
		    sig, got);
	/* Other leaves of the range are zeros. */
	cmd.arg = 0x40000001;
	memset(cmd.exp, 0, sizeof(cmd.exp));
	run_cmd("cpuidsig's 0x40000001", c, &cmd);
	handler_get(self->s, "cpuidsig", &h1);
	mvmm_hd_check("cpuidsig", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 2 * N, .handled = 2 * N });

	rule_del(self->s, c->id, id);
	cmd.arg = 0x40000000;
	cmd.n = 1;
	memcpy(cmd.exp, kvm, sizeof(kvm));
	run_cmd("KVM's 0x40000000 again", c, &cmd);
	vm_stop(c);
	if (!was_loaded)
		mod_unload("mvmm_cpuidsig");
}

/* Find "vm ID: N bytes\n<bytes>\n" in debugcon's output. */
static bool debugcon_output(uint32_t id, uint64_t *total, char *bytes,
			    size_t len)
{
	static char buf[256 * 1024];
	char head[32], *p, *end;

	TEST_ASSERT(mvmm_kmod_read_file("/sys/kernel/debug/mvmm_debugcon/output",
					buf, sizeof(buf)),
		    "Expected /sys/kernel/debug/mvmm_debugcon/output, got %s",
		    strerror(errno));
	snprintf(head, sizeof(head), "vm %u: ", id);
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long n;

		if (strncmp(p, head, strlen(head)))
			continue;
		if (sscanf(p + strlen(head), "%llu bytes", &n) != 1)
			return false;
		*total = n;
		p = strchr(p, '\n');
		if (!p)
			return false;
		p++;
		end = strchr(p, '\n');
		snprintf(bytes, len, "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
		return true;
	}
	*total = 0;
	bytes[0] = '\0';
	return false;
}

/* mvmm_debugcon keeps what the guest writes to port 0xe9. */
TEST_F_TIMEOUT(scenario, debugcon, 300)
{
	static const char msg[] = "mvmm route test: hello from the guest|";
	const uint64_t len = sizeof(msg) - 1, reps = 20;
	struct mvmm_handler_info h0, h1;
	struct cmd cmd = {
		.op = OP_DEBUGCON, .n = reps, .val = len, .nexp = 1,
		.exp = { (RAX_FILL & ~0xffULL) | DEBUGCON_PORT },
	};
	struct mvmm_rule_info r;
	struct vmctx *c;
	char out[8192], want[8192];
	bool was_loaded;
	uint64_t total;
	uint64_t i;

	was_loaded = mod_load("mvmm_debugcon");
	c = vm_start();
	find_vm_id(c, NULL, 0);
	memcpy(c->sh->str, msg, len);

	r = rule(MVMM_EV_IO, DEBUGCON_PORT, DEBUGCON_PORT, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, "debugcon");
	r.id = mvmm_rule_add_ok(self->s, c->id, &r);
	handler_get(self->s, "debugcon", &h0);
	run_cmd("debugcon", c, &cmd);
	handler_get(self->s, "debugcon", &h1);
	TEST_ASSERT(c->user_out == 0 && c->user_in == 0,
		    "Expected no port 0xe9 exit to this program, got %lu OUT %lu IN",
		    c->user_out, c->user_in);
	mvmm_hd_check("debugcon", &h0, &h1, &(struct mvmm_hdelta){
		      .events = reps * (len + 1), .handled = reps * (len + 1) });

	TEST_ASSERT(debugcon_output(c->id, &total, out, sizeof(out)),
		    "Expected a \"vm %u:\" section in debugcon's output", c->id);
	want[0] = '\0';
	for (i = 0; i < reps; i++)
		strcat(want, msg);
	printf("# debugcon output of VM %u: %lu bytes, \"%.60s...\"\n", c->id,
	       total, out);
	TEST_ASSERT(total == reps * len,
		    "Expected %lu bytes for VM %u, got %lu", reps * len, c->id,
		    total);
	TEST_ASSERT(!strcmp(out, want),
		    "Expected VM %u's output to be %lu x \"%s\", got \"%s\"",
		    c->id, reps, msg, out);

	/* Without the rule the bytes go to this program, as without mvmm. */
	rule_del(self->s, c->id, r.id);
	cmd.n = 1;
	cmd.exp[0] = (RAX_FILL & ~0xffULL) | (USER_IN_VAL & 0xff);
	run_cmd("no rule", c, &cmd);
	TEST_ASSERT(c->user_nbytes == len && !memcmp(c->user_bytes, msg, len) &&
		    c->user_in == 1,
		    "Expected the %lu bytes and one IN here, got %lu bytes and %lu IN",
		    len, c->user_nbytes, c->user_in);
	debugcon_output(c->id, &total, out, sizeof(out));
	TEST_ASSERT(total == reps * len,
		    "Expected debugcon's count to stay %lu, got %lu", reps * len,
		    total);
	vm_stop(c);
	if (!was_loaded)
		mod_unload("mvmm_debugcon");
}

/* debugcon's count of the buffers it keeps, or -1 without the file. */
static long debugcon_buffers(void)
{
	char buf[32];

	if (!mvmm_kmod_read_file("/sys/kernel/debug/mvmm_debugcon/buffers",
				 buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * mvmm_debugcon frees a VM's buffer when the VM goes: 200 VMs, routed to
 * it by the default table, each write to port 0xe9 and are destroyed.
 * None of their sections may stay in debugcon's output, and its count of
 * buffers must be back where it was (one more while a VM lived).
 */
TEST_F_TIMEOUT(scenario, debugcon_vm_gone, 600)
{
	static const char msg[] = "bye|";
	const uint64_t len = sizeof(msg) - 1;
	enum { NR_VMS = 200 };
	struct cmd cmd = {
		.op = OP_DEBUGCON, .n = 1, .val = len, .nexp = 1,
		.exp = { (RAX_FILL & ~0xffULL) | DEBUGCON_PORT },
	};
	struct mvmm_rule_info r;
	uint32_t ids[NR_VMS];
	long b0, b1 = -1;
	char out[64];
	uint64_t total;
	bool was_loaded;
	int i, kept = 0;

	was_loaded = mod_load("mvmm_debugcon");
	b0 = debugcon_buffers();
	r = rule(MVMM_EV_IO, DEBUGCON_PORT, DEBUGCON_PORT, MVMM_MODE_SYNC,
		 MVMM_FALLBACK_MAIN, "debugcon");
	r.id = mvmm_rule_add_ok(self->s, MVMM_TABLE_DEFAULT, &r);
	for (i = 0; i < NR_VMS; i++) {
		struct vmctx *c = vm_start();

		ids[i] = find_vm_id(c, NULL, 0);
		memcpy(c->sh->str, msg, len);
		run_cmd("debugcon", c, &cmd);
		TEST_ASSERT(c->user_out == 0,
			    "VM %u: Expected its OUTs to port 0xe9 at debugcon, got %lu here",
			    ids[i], c->user_out);
		if (!i) {
			TEST_ASSERT(debugcon_output(ids[i], &total, out,
						    sizeof(out)) &&
				    total == len,
				    "Expected VM %u's %lu bytes in debugcon's output, got %lu",
				    ids[i], len, total);
			b1 = debugcon_buffers();
		}
		vm_stop(c);
	}
	rule_del(self->s, MVMM_TABLE_DEFAULT, r.id);

	for (i = 0; i < NR_VMS; i++)
		kept += debugcon_output(ids[i], &total, out, sizeof(out));
	printf("# debugcon: %d of %d destroyed VMs still in its output; buffers %ld before, %ld with one VM, %ld after\n",
	       kept, NR_VMS, b0, b1, debugcon_buffers());
	TEST_ASSERT(!kept, "Expected no buffer of the %d destroyed VMs in debugcon's output, got %d",
		    NR_VMS, kept);
	TEST_ASSERT(b0 >= 0 && b1 == b0 + 1 && debugcon_buffers() == b0,
		    "Expected debugcon's buffers at %ld, %ld with one VM, %ld again; got %ld, %ld",
		    b0, b0 + 1, b0, b1, debugcon_buffers());
	if (!was_loaded)
		mod_unload("mvmm_debugcon");
}

/* TEST_HARNESS_MAIN, plus: leave mvmm_testsec loaded only if it was. */
MVMM_HARNESS_CONSTRUCTORS

int main(int argc, char **argv)
{
	bool had_testsec = mvmm_kmod_is_loaded("mvmm_testsec");
	int ret;

	/* The harness ends each test with _exit(): nothing may stay buffered. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = test_harness_run(argc, argv);

	if (!had_testsec && syscall(SYS_delete_module, "mvmm_testsec",
				    O_NONBLOCK) && errno != ENOENT)
		printf("# rmmod mvmm_testsec: %s\n", strerror(errno));
	return ret;
}

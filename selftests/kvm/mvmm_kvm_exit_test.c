// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's own accounting sees every exit that mvmm completes.
 *
 * With the kvm:kvm_exit tracepoint on, the guest runs N times one
 * instruction (CPUID, IN, OUT, RDMSR, WRMSR, VMMCALL/VMCALL, HLT) whose
 * events a rule completes in mvmm: by a kernel secondary (mvmm_testsec),
 * by a userspace secondary (a separate process, /dev/mvmm), by a fixed
 * answer, and by the deny fallback of a rule whose handler fails (the
 * guest takes #GP or #UD instead). For each step:
 *
 *  - the kvm_exit events of that exit reason (and port, direction or MSR
 *    access where the reason is shared) number exactly the iterations the
 *    guest ran;
 *  - KVM's exit statistics (debugfs, the files kvm_stat and perf kvm
 *    read) agree: "exits" moved by every kvm_exit traced, "io_exits" by
 *    the IO ones, "halt_exits" and "hypercalls" by the guest's HLTs and
 *    hypercalls;
 *  - the completer really did it: the handler's handled (or fallback)
 *    count moved by N, answers reached the guest, nothing reached this
 *    program.
 *
 * Before mvmm completed events after KVM's vendor code (6.1's SVM emits
 * kvm_exit in svm_handle_exit()), all of these counts were 0 for the
 * events mvmm completed.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mvmm_kmod.h"
#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "testsec.h"

#define N		50
#define USER_NAME	"u-kvm-exit"
#define TRACING		"/sys/kernel/tracing"
#define GP_VECTOR	13

/* One instruction kind: the guest's command and how KVM traces it. */
struct kind {
	const char *name;
	uint32_t type;			/* the mvmm event type */
	enum ug_op op;
	uint64_t arg, val, size;
	const char *svm, *vmx;		/* kvm_exit reason names */
	int dir;			/* IO: 1 in, 0 out; SVM MSR: info1 */
	const char *stat;		/* KVM's per-reason stat, or NULL */
	/* The fixed answer, and what the guest then sees (nexp values). */
	uint64_t value;
	uint32_t regs[4];
	uint64_t exp[4];
	int nexp;
};

static const struct kind kinds[] = {
	{ "cpuid", MVMM_EV_CPUID, UG_CPUID, TESTSEC_LEAF_LO, 0, 0,
	  "cpuid", "CPUID", -1, NULL,
	  0, { 1, 2, 3, 4 }, { 1, 2, 3, 4 }, 4 },
	{ "in", MVMM_EV_IO, UG_IN, TESTSEC_PORT_LO, 0, 1,
	  "io", "IO_INSTRUCTION", 1, "io_exits",
	  0xa5, {}, { (UG_RAX_FILL & ~0xffULL) | 0xa5 }, 1 },
	{ "out", MVMM_EV_IO, UG_OUT, TESTSEC_PORT_LO + 1, 0x30, 1,
	  "io", "IO_INSTRUCTION", 0, "io_exits" },
	{ "rdmsr", MVMM_EV_MSR_READ, UG_RDMSR, TESTSEC_MSR_LO, 0, 0,
	  "msr", "MSR_READ", 0, NULL,
	  0x1234567890ULL, {}, { 0x1234567890ULL }, 1 },
	{ "wrmsr", MVMM_EV_MSR_WRITE, UG_WRMSR, TESTSEC_MSR_LO + 1, 7, 0,
	  "msr", "MSR_WRITE", 1, NULL },
	{ "hypercall", MVMM_EV_HYPERCALL, UG_HC, TESTSEC_HC_LO, 0, 0,
	  "hypercall", "VMCALL", -1, "hypercalls",
	  0x77, {}, { 0x77 }, 1 },
	{ "hlt", MVMM_EV_HLT, UG_HLT, 0, 0, 0,
	  "hlt", "HLT", -1, "halt_exits" },
};

enum completer { BY_KERNEL, BY_USER, BY_ANSWER, BY_DENY, NR_BY };

static const char *const by_name[NR_BY] = {
	"kernel secondary", "userspace secondary", "fixed answer",
	"deny fallback",
};

static bool vmx;

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	TEST_ASSERT(write(fd, s, strlen(s)) == (ssize_t)strlen(s),
		    "write %s to %s: %s", s, path, strerror(errno));
	close(fd);
}

/* KVM's statistic @name of the VM (debugfs: summed over its vCPUs). */
static uint64_t kvm_stat(const struct ug_vm *c, const char *name)
{
	char path[128];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s",
		 getpid(), c->vm->fd, name);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	TEST_ASSERT(fscanf(f, "%llu", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

/* kvm_exit events traced since the buffer was cleared. */
struct traced {
	uint64_t all;		/* every kvm_exit */
	uint64_t io;		/* of those, IO exits */
	uint64_t match;		/* of those, @k's instruction */
};

/* Does the traced exit (@reason, @info1) come from kind @k? */
static bool exit_is(const struct kind *k, const char *reason, uint64_t info1)
{
	if (strcmp(reason, vmx ? k->vmx : k->svm))
		return false;
	if (k->type == MVMM_EV_IO)
		/* SVM EXITINFO1 and VMX's qualification: port in 31:16. */
		return (info1 >> 16) == k->arg &&
		       !!(info1 & (vmx ? 8 : 1)) == k->dir;
	if (!vmx && k->dir >= 0)	/* SVM: one reason for both MSR ops */
		return info1 == (uint64_t)k->dir;
	return true;
}

static void trace_read(const struct kind *k, struct traced *t)
{
	char line[512], reason[64];
	unsigned long long info1;
	unsigned long rip;
	unsigned int vcpu;
	const char *p;
	FILE *f;

	memset(t, 0, sizeof(*t));
	f = fopen(TRACING "/trace", "r");
	TEST_ASSERT(f, "open the trace: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " kvm_exit: ");
		if (!p)
			continue;
		TEST_ASSERT(sscanf(p, " kvm_exit: vcpu %u reason %63s rip 0x%lx info1 0x%llx",
				   &vcpu, reason, &rip, &info1) == 4,
			    "Unexpected kvm_exit line: %s", line);
		t->all++;
		if (!strcmp(reason, vmx ? "IO_INSTRUCTION" : "io"))
			t->io++;
		if (exit_is(k, reason, info1))
			t->match++;
	}
	fclose(f);
}

static void rule_add(struct mvmm_rsk *s, uint32_t vm, const struct kind *k,
		     enum completer by, uint32_t *id)
{
	struct mvmm_rule_info r = {
		.type = k->type, .lo = k->arg, .hi = k->arg,
		.origin = MVMM_MATCH_ANY, .mode = MVMM_MODE_SYNC,
		.fallback = by == BY_DENY ? MVMM_FALLBACK_DENY :
					     MVMM_FALLBACK_MAIN,
	};
	struct mvmm_ack ack;
	int ret;

	if (k->type == MVMM_EV_HLT)
		r.lo = r.hi = 0;
	switch (by) {
	case BY_KERNEL:
		strcpy(r.target, TESTSEC_NAME);
		break;
	case BY_USER:
		strcpy(r.target, USER_NAME);
		break;
	case BY_ANSWER:
		r.answer = 1;
		r.value = k->value;
		memcpy(r.regs, k->regs, sizeof(r.regs));
		break;
	default:	/* testsec, told to fail */
		strcpy(r.target, TESTSEC_NAME);
		break;
	}
	ret = mvmm_rule_add(s, vm, &r, id, &ack);
	TEST_ASSERT(!ret, "Expected the %s rule for %s to be added, got %s (%s)",
		    by_name[by], k->name, strerror(-ret), ack.msg);
}

/* The handler whose counters show the completion, and which counter. */
static const char *handler_of(enum completer by)
{
	return by == BY_USER ? USER_NAME : by == BY_ANSWER ? NULL :
							    TESTSEC_NAME;
}

static void set_testsec_mode(enum testsec_mode mode)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", mode);
	write_file(TESTSEC_PARAMS "/mode", v);
}

static void step(struct mvmm_rsk *s, struct ug_vm *c, const struct kind *k,
		 enum completer by)
{
	uint64_t exits0, io0, stat0 = 0, exits1, io1, stat1 = 0;
	struct mvmm_handler_info h0 = {}, h1 = {};
	const char *hname = handler_of(by);
	struct ug_cmd cmd = {
		.op = k->op, .n = N, .arg = k->arg, .val = k->val,
		.size = k->size,
	};
	struct traced t;
	char what[96];
	uint32_t id;

	if (by == BY_ANSWER) {
		memcpy(cmd.exp, k->exp, sizeof(cmd.exp));
		cmd.nexp = k->nexp;
	} else if (by == BY_DENY) {
		cmd.vector = (k->type == MVMM_EV_IO ||
			      k->type == MVMM_EV_MSR_READ ||
			      k->type == MVMM_EV_MSR_WRITE) ? GP_VECTOR : 6;
	}
	snprintf(what, sizeof(what), "%s completed by the %s", k->name,
		 by_name[by]);
	rule_add(s, c->id, k, by, &id);
	set_testsec_mode(by == BY_DENY ? TESTSEC_FAIL : TESTSEC_ANSWER);
	if (hname)
		mvmm_ut_uh(s, hname, &h0);
	exits0 = kvm_stat(c, "exits");
	io0 = kvm_stat(c, "io_exits");
	if (k->stat)
		stat0 = kvm_stat(c, k->stat);
	write_file(TRACING "/trace", "");

	ug_cmd(what, c, &cmd);

	trace_read(k, &t);
	exits1 = kvm_stat(c, "exits");
	io1 = kvm_stat(c, "io_exits");
	if (k->stat)
		stat1 = kvm_stat(c, k->stat);
	if (hname)
		mvmm_ut_uh(s, hname, &h1);
	TEST_ASSERT(!mvmm_rule_del(s, c->id, id, NULL), "rule del");

	ksft_print_msg("%s: guest ran %lu; kvm_exit %lu of them (%lu in all, %lu IO); KVM exits +%lu, io_exits +%lu%s%s +%lu\n",
		       what, c->sh->done, t.match, t.all, t.io,
		       exits1 - exits0, io1 - io0, k->stat ? ", " : "",
		       k->stat ?: "", stat1 - stat0);
	TEST_ASSERT(t.match == N && c->sh->done == N,
		    "%s: Expected %d kvm_exit events of the guest's %lu, got %lu",
		    what, N, c->sh->done, t.match);
	TEST_ASSERT(exits1 - exits0 == t.all && io1 - io0 == t.io,
		    "%s: Expected KVM's exits and io_exits to move by the %lu and %lu exits traced, got %lu and %lu",
		    what, t.all, t.io, exits1 - exits0, io1 - io0);
	if (k->stat && k->type != MVMM_EV_IO)
		TEST_ASSERT(stat1 - stat0 == N,
			    "%s: Expected KVM's %s to move by %d, got %lu",
			    what, k->stat, N, stat1 - stat0);
	TEST_ASSERT(!c->user_in && !c->user_out,
		    "%s: Expected no IO exit to reach the VMM, got %lu in, %lu out",
		    what, c->user_in, c->user_out);
	if (by == BY_KERNEL || by == BY_USER)
		TEST_ASSERT(h1.handled - h0.handled == N,
			    "%s: Expected %s to handle %d, got %lu", what,
			    hname, N, h1.handled - h0.handled);
	if (by == BY_DENY)
		TEST_ASSERT(h1.fallback - h0.fallback == N,
			    "%s: Expected %d deny fallbacks, got %lu", what, N,
			    h1.fallback - h0.fallback);
	ksft_test_result_pass("%s\n", what);
}

static void load_testsec(void)
{
	char dir[256], path[300];
	int ret;

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(path, sizeof(path), "%s/mvmm_testsec.ko", dirname(dir));
	ret = mvmm_kmod_load(path);
	TEST_ASSERT(!ret || ret == -EEXIST, "Expected %s to load, got %s",
		    path, strerror(-ret));
}

int main(void)
{
	struct mvmm_ut_sec sec = {};
	struct mvmm_rsk *s;
	struct ug_vm *c;
	size_t i;
	int by;

	vmx = is_intel_cpu();
	load_testsec();
	write_file(TRACING "/buffer_size_kb", "4096");
	write_file(TRACING "/events/kvm/kvm_exit/enable", "1");

	c = ug_vm_start(NULL, 0);
	s = mvmm_ut_rsk_open();
	mvmm_ut_start(&sec, c, USER_NAME, 0, 10000, MVMM_SP_RINGPATH);

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(kinds) * NR_BY - 1);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		for (by = 0; by < NR_BY; by++) {
			/* HLT has no fixed answer. */
			if (kinds[i].type == MVMM_EV_HLT && by == BY_ANSWER)
				continue;
			step(s, c, &kinds[i], by);
		}

	write_file(TRACING "/events/kvm/kvm_exit/enable", "0");
	mvmm_ut_quit(&sec);
	mvmm_rsk_close(s);
	ug_vm_stop(c);
	ksft_finished();
}

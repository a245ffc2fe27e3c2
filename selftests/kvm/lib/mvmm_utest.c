// SPDX-License-Identifier: GPL-2.0
/*
 * Test-side helpers for the userspace-secondary tests (see mvmm_utest.h).
 */
#include "kvm_util.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "mvmm_nl.h"
#include "mvmm_utest.h"

uint64_t mvmm_ut_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

struct mvmm_rsk *mvmm_ut_rsk_open(void)
{
	return mvmm_rsk_open_ok();
}

uint32_t mvmm_ut_rule_add(struct mvmm_rsk *s, uint32_t vm, uint32_t type,
			  uint64_t lo, uint64_t hi, uint8_t mode,
			  uint8_t fallback, const char *target)
{
	struct mvmm_rule_info r = mvmm_rule_make(type, lo, hi, MVMM_MATCH_ANY,
						 mode, fallback, target);

	return mvmm_rule_add_ok(s, vm, &r);
}

void mvmm_ut_rule_replace(struct mvmm_rsk *s, uint32_t vm, uint32_t id,
			  uint32_t type, uint64_t lo, uint64_t hi, uint8_t mode,
			  uint8_t fallback, const char *target)
{
	struct mvmm_rule_info r = mvmm_rule_make(type, lo, hi, MVMM_MATCH_ANY,
						 mode, fallback, target);

	r.id = id;
	mvmm_rule_replace_ok(s, vm, &r);
}

/* The handler's counters; zeros (and not attached) if never seen. */
void mvmm_ut_uh(struct mvmm_rsk *s, const char *name,
		struct mvmm_handler_info *h)
{
	int ret = mvmm_handler_get(s, name, h);

	TEST_ASSERT(!ret || ret == -ENOENT,
		    "Expected the handler dump, got %s", strerror(-ret));
}

/* ---- a secondary process ------------------------------------------------ */

void mvmm_ut_fork(struct mvmm_ut_sec *x)
{
	int ret = mvmm_sp_fork(&x->p, 0, mvmm_sp_server, NULL);

	TEST_ASSERT(!ret, "Expected to fork a secondary, got %s",
		    strerror(-ret));
	x->shm = mvmm_sp_shm(&x->p);
}

/* Pass @vm_fd over the socket; the child held no VM fd before. */
void mvmm_ut_give_vm(struct mvmm_ut_sec *x, int vm_fd)
{
	struct mvmm_sp_msg m = { .op = MVMM_SP_VM };
	int ret = mvmm_sp_call(&x->p, &m, vm_fd);

	TEST_ASSERT(!ret, "Expected the secondary to receive the VM fd, got %s",
		    strerror(-ret));
	TEST_ASSERT(x->shm->kvm_fds_at_start == 0 && m.ret == 1,
		    "Expected the secondary to hold no VM fd before the passing and 1 after, got %d and %ld",
		    x->shm->kvm_fds_at_start, m.ret);
}

int mvmm_ut_attach_ret(struct mvmm_ut_sec *x, const char *name, uint32_t flags,
		       uint32_t timeout_ms, uint32_t obs_entries)
{
	struct mvmm_sp_msg m = {
		.op = MVMM_SP_ATTACH, .flags = flags,
		.timeout_ms = timeout_ms, .obs_entries = obs_entries,
	};

	snprintf(m.name, sizeof(m.name), "%s", name);
	return mvmm_sp_call(&x->p, &m, -1);
}

void mvmm_ut_attach(struct mvmm_ut_sec *x, const char *name, uint32_t flags,
		    uint32_t timeout_ms, uint32_t obs_entries)
{
	int ret = mvmm_ut_attach_ret(x, name, flags, timeout_ms, obs_entries);

	TEST_ASSERT(!ret, "Expected mvmm_sec_attach(%s) to work, got %s",
		    name, strerror(-ret));
}

/* A secondary for VM @c, attached as @name (serving with @path if >= 0). */
void mvmm_ut_start(struct mvmm_ut_sec *x, struct ug_vm *c, const char *name,
		   uint32_t flags, uint32_t timeout_ms, int path)
{
	int ret;

	mvmm_ut_fork(x);
	mvmm_ut_give_vm(x, ug_vm_fd(c));
	mvmm_ut_attach(x, name, flags, timeout_ms, 0);
	TEST_ASSERT(x->shm->attached_vm == c->id,
		    "Expected the attach to name VM %u, got %u", c->id,
		    x->shm->attached_vm);
	if (path < 0)
		return;
	ret = mvmm_sp_op(&x->p, MVMM_SP_SERVE, path);
	TEST_ASSERT(!ret, "Expected the secondary to serve, got %s",
		    strerror(-ret));
}

/* Ask it to quit; it must exit 0. */
void mvmm_ut_quit(struct mvmm_ut_sec *x)
{
	int status;

	if (!x->shm)
		return;
	mvmm_sp_op(&x->p, MVMM_SP_QUIT, 0);
	status = mvmm_sp_wait(&x->p);
	TEST_ASSERT(status == 0, "Expected the secondary to exit 0, got status %#x",
		    status);
	mvmm_sp_free(&x->p);
	x->shm = NULL;
}

/* Wait until @*p is non-zero; false after @ms. */
bool mvmm_ut_wait_nonzero(uint32_t *p, uint64_t ms)
{
	uint64_t end = mvmm_ut_now_ms() + ms;

	while (!SP_GET(*p)) {
		if (mvmm_ut_now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * One step through the secondary: @cmd's iterations all end as it says,
 * each one reached the secondary once (as a request of @type) and was
 * handled by it; nothing reached this program.
 */
void mvmm_ut_step(struct mvmm_rsk *s, struct ug_vm *c, struct mvmm_ut_sec *x,
		  const char *name, const char *what,
		    const struct ug_cmd *cmd, uint32_t type)
{
	struct mvmm_sp_shm *shm = x->shm;
	uint64_t req0 = SP_GET(shm->requests), ty0 = SP_GET(shm->by_type[type]);
	uint64_t ans0 = SP_GET(shm->answered);
	struct mvmm_handler_info h0, h1;

	mvmm_ut_uh(s, name, &h0);
	ug_cmd(what, c, cmd);
	mvmm_ut_uh(s, name, &h1);
	mvmm_hd_check(what, &h0, &h1, &(struct mvmm_hdelta){ .events = cmd->n,
		      .handled = cmd->n });
	TEST_ASSERT(SP_GET(shm->requests) - req0 == cmd->n &&
		    SP_GET(shm->by_type[type]) - ty0 == cmd->n &&
		    SP_GET(shm->answered) - ans0 == cmd->n,
		    "%s: Expected the secondary to see and answer %lu requests of type %u, got %lu requests (%lu of the type), %lu answers",
		    what, cmd->n, type, SP_GET(shm->requests) - req0,
		    SP_GET(shm->by_type[type]) - ty0,
		    SP_GET(shm->answered) - ans0);
	TEST_ASSERT(!c->user_in && !c->user_out && !c->user_mmio_rd &&
		    !c->user_mmio_wr,
		    "%s: Expected no exit to this program, got %lu IN %lu OUT %lu MMIO reads %lu MMIO writes",
		    what, c->user_in, c->user_out, c->user_mmio_rd,
		    c->user_mmio_wr);
	TEST_ASSERT(!shm->bad_vm && !shm->bad_seq && !shm->answer_errors,
		    "%s: Expected every request for VM %u with a growing seq, answered without error; got %lu of another VM, %lu out of order, %lu refused answers (last %s)",
		    what, c->id, shm->bad_vm, shm->bad_seq, shm->answer_errors,
		    strerror(-shm->last_answer_err));
	TEST_ASSERT(h1.attached && h1.user && h1.pid == (uint32_t)x->p.pid &&
		    h1.vm_id == c->id && h1.outstanding == 0,
		    "%s: Expected handler %s attached from userspace by pid %d to VM %u with nothing outstanding, got attached %u user %u pid %u vm %u outstanding %u",
		    what, name, x->p.pid, c->id, h1.attached, h1.user, h1.pid,
		    h1.vm_id, h1.outstanding);
}


#define HELD_WAIT_MS	20000

static void held_on_signal(int sig)
{
}

struct held_kicker {
	pthread_t vcpu;
	struct mvmm_sp_shm *shm;
};

/* Signal the vCPU thread once the secondary holds its request. */
static void *held_kick(void *arg)
{
	struct held_kicker *k = arg;

	TEST_ASSERT(mvmm_ut_wait_nonzero(&k->shm->holding, HELD_WAIT_MS),
		    "Expected the secondary to get the IN within %d ms",
		    HELD_WAIT_MS);
	/* Let the vCPU settle into its wait. */
	usleep(50 * 1000);
	pthread_kill(k->vcpu, SIGUSR1);
	return NULL;
}

void mvmm_ut_interrupt_held_in(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			       uint16_t port, const char *name,
			       struct mvmm_ut_sec *x, struct mvmm_rsk **rsk)
{
	struct sigaction sa = { .sa_handler = held_on_signal };
	struct mvmm_vm_info info;
	struct held_kicker k;
	struct mvmm_nl *nl;
	pthread_t thread;
	sigset_t set;
	int ret;

	/* No SA_RESTART: the signal must end KVM_RUN with -EINTR. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction: %s",
		    strerror(errno));

	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm netlink family: %s",
		    strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know this VM: %s",
		    strerror(-ret));
	mvmm_nl_close(nl);

	mvmm_ut_fork(x);
	SP_SET(x->shm->hold, 1);
	mvmm_ut_give_vm(x, vm->fd);
	mvmm_ut_attach(x, name, 0, 30000, 0);
	ret = mvmm_sp_op(&x->p, MVMM_SP_SERVE, MVMM_SP_READPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	*rsk = mvmm_ut_rsk_open();
	mvmm_ut_rule_add(*rsk, info.id, MVMM_EV_IO, port, port,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, name);

	/* Only this (the vCPU) thread takes SIGUSR1. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	k.vcpu = pthread_self();
	k.shm = x->shm;
	pthread_create(&thread, NULL, held_kick, &k);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	/* __vcpu_run(): _vcpu_run() would retry on EINTR. */
	ret = __vcpu_run(vcpu);
	TEST_ASSERT(ret == -1 && errno == EINTR,
		    "Expected KVM_RUN to return -EINTR mid-wait, got %d, exit %d (port %#x), secondary requests %lu",
		    ret, vcpu->run->exit_reason, vcpu->run->io.port,
		    SP_GET(x->shm->requests));
	pthread_join(thread, NULL);
}

const char *mvmm_ut_sample_path(const char *env, const char *name)
{
	static char path[4096];
	const char *e = getenv(env);
	char self[4096];
	ssize_t n;

	if (e && *e)
		return e;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), name);
	return path;
}

void mvmm_ut_sample_attached(struct mvmm_rsk *s, const char *name, pid_t pid,
			     const char *what, uint64_t ms,
			     struct mvmm_handler_info *h)
{
	uint64_t end = mvmm_ut_now_ms() + ms;

	for (;;) {
		int ret = mvmm_handler_get(s, name, h);

		if (!ret && h->attached && h->user && h->pid == (uint32_t)pid)
			return;
		TEST_ASSERT(mvmm_ut_now_ms() < end,
			    "Expected %s (pid %d) attached as %s, got %s",
			    what, pid, name,
			    ret ? strerror(-ret) : "not attached");
		TEST_ASSERT(waitpid(pid, NULL, WNOHANG) == 0,
			    "%s exited before attaching", what);
		usleep(10000);
	}
}

int mvmm_ut_sample_stop(pid_t pid, int out_fd, char *out, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int status;

	kill(pid, SIGTERM);
	while (got < len - 1 &&
	       (n = read(out_fd, out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid: %s",
		    strerror(errno));
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod mvmm while a userspace secondary is attached and an event waits
 * on it.
 *
 *  1. A secondary (its own process, VM fd passed over a socket) holds the
 *     answer to an IN the vCPU waits for. rmmod mvmm is refused with
 *     EWOULDBLOCK (EAGAIN): the open /dev/mvmm file pins the module
 *     (delete_module() with O_NONBLOCK, as rmmod does it). mvmm stays
 *     loaded and working, the vCPU still waits; released, the secondary
 *     answers and the guest gets its value: nothing is stuck.
 *  2. Again an IN waits; rmmod is refused again; the secondary is killed
 *     (kill -9): the IN completes through the fallback at once, and once
 *     the process is reaped, rmmod works at the first try.
 *  3. The guest runs on without mvmm (its INs reach this program);
 *     insmod works, /dev/mvmm is back, the VM is seen again (new id, empty
 *     table); a new secondary attaches under the same name, a new rule
 *     routes to it and it handles the guest's INs.
 *  4. Handler names held by attached files fill the table until ENOSPC, a
 *     known name still attaches; rmmod + insmod start afresh.
 *
 * Modules that use mvmm (kernel secondaries left by earlier tests) are
 * unloaded first and loaded again at the end; mvmm is left loaded. The
 * rig checks the kernel log for warnings.
 * $MVMM_KO names the module file (default /mvmm/mvmm.ko).
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "libmvmm.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#define NAME		"u-rmmod"
#define PORT		0x5e6
#define N		20
#define WAIT_MS		20000	/* bound on waits that only catch hangs */

/* Join the vCPU thread; fail if the guest is stuck. */
static void ug_job_join(struct ug_job *j)
{
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	ret = pthread_timedjoin_np(j->t, NULL, &ts);
	TEST_ASSERT(!ret, "%s: Expected the guest to finish within %d ms, got %s",
		    j->what, WAIT_MS, strerror(ret));
}

static long mod_refcnt(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/mvmm/refcnt", "r");
	long v = -1;

	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* rmmod while the secondary holds a waiting IN: refused, nothing moves. */
static void rmmod_refused(struct mvmm_rsk *s, struct ug_vm *c,
			  const char *when)
{
	struct mvmm_handler_info h;
	int ret;

	ret = mvmm_kmod_unload();
	printf("# %s: rmmod mvmm: %s (refcnt %ld)\n", when,
	       ret ? strerror(-ret) : "success", mod_refcnt());
	TEST_ASSERT(ret == -EWOULDBLOCK,
		    "%s: Expected rmmod to be refused with EWOULDBLOCK, got %s",
		    when, ret ? strerror(-ret) : "success");
	TEST_ASSERT(mvmm_kmod_loaded(), "%s: Expected mvmm still loaded",
		    when);
	mvmm_ut_uh(s, NAME, &h);
	TEST_ASSERT(h.attached && h.outstanding == 1 && c->sh->done == 0,
		    "%s: Expected the IN still waiting on an attached %s, got attached %u, %u outstanding, %lu done",
		    when, NAME, h.attached, h.outstanding, c->sh->done);
}

#define MAX_HOLDERS	8

/*
 * Modules that use mvmm (its kernel secondaries, left by earlier tests)
 * would keep rmmod from working for reasons of their own: unload them
 * first, into @names; returns how many.
 */
static int unload_holders(char names[][64])
{
	char line[512], deps[256], *tok, *save;
	FILE *f = fopen("/proc/modules", "r");
	int n = 0, ret;

	TEST_ASSERT(f, "/proc/modules: %s", strerror(errno));
	deps[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mvmm %*u %*u %255s", deps) == 1)
			break;
	fclose(f);
	for (tok = strtok_r(deps, ",", &save); tok && strcmp(tok, "-");
	     tok = strtok_r(NULL, ",", &save)) {
		TEST_ASSERT(n < MAX_HOLDERS, "Too many modules use mvmm");
		snprintf(names[n], 64, "%s", tok);
		ret = syscall(SYS_delete_module, tok, O_NONBLOCK) ? -errno : 0;
		TEST_ASSERT(!ret, "Expected rmmod %s (it uses mvmm) to work, got %s",
			    tok, strerror(-ret));
		printf("# unloaded %s, which uses mvmm (loaded again at the end)\n",
		       tok);
		n++;
	}
	return n;
}

/* Load them again, from the directory of @ko. */
static void reload_holders(char names[][64], int n, const char *ko)
{
	char dir[256], path[512];
	int i, ret;

	snprintf(dir, sizeof(dir), "%s", ko);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%.255s/%.63s.ko", dirname(dir),
			 names[i]);
		snprintf(dir, sizeof(dir), "%s", ko);
		ret = mvmm_kmod_load(path);
		TEST_ASSERT(!ret || ret == -EEXIST, "Expected insmod %s to work, got %s",
			    path, strerror(-ret));
	}
}

/* One raw attach of a fresh /dev/mvmm file as @name: 0 or -errno. */
static int attach_name(struct mvmm_ut_sec *x, const char *name)
{
	struct mvmm_sp_msg m = {
		.op = MVMM_SP_ATTACH_RAW, .vm_fd = MVMM_SP_FD_HELD,
		.efd = MVMM_SP_FD_NEW,
	};
	int ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);

	TEST_ASSERT(!ret, "open /dev/mvmm: %s", strerror(-ret));
	m.att.size = sizeof(m.att);
	snprintf(m.att.name, sizeof(m.att.name), "%s", name);
	return mvmm_sp_call(&x->p, &m, -1);
}

/*
 * 4. Names held by attached files fill the table: new ones attach until it
 * is full (ENOSPC; root may take the reserve too), a known one still
 * attaches; rmmod and insmod then start afresh (and leave a clean module
 * behind). Names nothing holds are reclaimed (mvmm_names_test).
 */
static void fill_names(struct ug_vm *c, const char *ko)
{
	struct mvmm_ut_sec x = {};
	char name[32];
	int i, ret = 0;

	mvmm_ut_fork(&x);
	mvmm_ut_give_vm(&x, ug_vm_fd(c));
	for (i = 0; i < MVMM_SP_KEPT_MAX; i++) {
		snprintf(name, sizeof(name), "u-fill-%d", i);
		ret = attach_name(&x, name);
		if (ret)
			break;
		ret = mvmm_sp_op(&x.p, MVMM_SP_KEEP, 0);
		TEST_ASSERT(!ret, "keep: %s", strerror(-ret));
	}
	printf("# %d more handler names attached and held, then: %s\n", i,
	       ret ? strerror(-ret) : "none refused");
	TEST_ASSERT(ret == -ENOSPC && i > 0 && i <= MVMM_HANDLER_NAMES_MAX,
		    "Expected new names to attach until ENOSPC, got %s after %d",
		    ret ? strerror(-ret) : "no refusal", i);
	ret = attach_name(&x, NAME);
	TEST_ASSERT(!ret, "Expected the known name %s to attach with the table full, got %s",
		    NAME, strerror(-ret));
	mvmm_ut_quit(&x);

	ret = mvmm_kmod_unload();
	TEST_ASSERT(!ret, "Expected rmmod to work, got %s", strerror(-ret));
	ret = mvmm_kmod_load(ko);
	TEST_ASSERT(!ret, "Expected insmod to work, got %s", strerror(-ret));
	mvmm_ut_fork(&x);
	mvmm_ut_give_vm(&x, ug_vm_fd(c));
	ret = attach_name(&x, "u-fill-new");
	TEST_ASSERT(!ret, "Expected a new name to attach after reloading, got %s",
		    strerror(-ret));
	mvmm_ut_quit(&x);
}

int main(int argc, char **argv)
{
	const char *ko = mvmm_kmod_path();
	char holders[MAX_HOLDERS][64];
	struct mvmm_ut_sec sec = {};
	int nholders;
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 1, .arg = PORT, .size = 4, .nexp = 1,
		.exp = { MVMM_SP_IN(PORT) },
	};
	struct mvmm_handler_info h0, h1;
	struct mvmm_rsk *s;
	struct ug_vm *c;
	struct ug_job j;
	struct stat st;
	uint32_t old_id;
	uint64_t t0;
	int ret, status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	TEST_ASSERT(!access(ko, R_OK), "Expected the module at %s, got %s", ko,
		    strerror(errno));
	TEST_ASSERT(mvmm_kmod_loaded(), "Expected mvmm loaded");
	nholders = unload_holders(holders);

	c = ug_vm_start(NULL, 0);
	s = mvmm_ut_rsk_open();
	mvmm_ut_fork(&sec);
	SP_SET(sec.shm->hold, 1);
	mvmm_ut_give_vm(&sec, ug_vm_fd(c));
	/* A long timeout: only the secondary ends a wait here. */
	mvmm_ut_attach(&sec, NAME, 0, 60000, 0);
	ret = mvmm_sp_op(&sec.p, MVMM_SP_SERVE, MVMM_SP_RINGPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	mvmm_ut_rule_add(s, c->id, MVMM_EV_IO, PORT, PORT, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, NAME);

	/* 1. Refused while attached with an event pending; then answered. */
	mvmm_ut_uh(s, NAME, &h0);
	ug_job_start(&j, c, "IN held by the secondary", &cmd);
	TEST_ASSERT(mvmm_ut_wait_nonzero(&sec.shm->holding, WAIT_MS),
		    "Expected the secondary to get the IN");
	rmmod_refused(s, c, "secondary attached, IN pending");
	SP_SET(sec.shm->hold, 0);
	ug_job_join(&j);
	mvmm_ut_uh(s, NAME, &h1);
	mvmm_hd_check("answered after the refused rmmod", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = 1, .handled = 1 });
	TEST_ASSERT(c->user_in == 0, "Expected no IN here, got %lu",
		    c->user_in);

	/* 2. Refused again; the secondary dies; then rmmod works. */
	SP_SET(sec.shm->hold, 1);
	cmd.exp[0] = UG_USER_IN;
	ug_job_start(&j, c, "IN pending when the secondary dies", &cmd);
	TEST_ASSERT(mvmm_ut_wait_nonzero(&sec.shm->holding, WAIT_MS),
		    "Expected the secondary to get the IN");
	rmmod_refused(s, c, "again");
	t0 = mvmm_ut_now_ms();
	status = mvmm_sp_kill(&sec.p);
	ug_job_join(&j);
	printf("# secondary killed (status %#x): the IN completed through the fallback after %lu ms\n",
	       status, mvmm_ut_now_ms() - t0);
	TEST_ASSERT(c->user_in == 1, "Expected the IN here, got %lu",
		    c->user_in);
	mvmm_sp_free(&sec.p);
	sec.shm = NULL;
	mvmm_ut_uh(s, NAME, &h0);
	mvmm_hd_check("the secondary killed", &h1, &h0,
		      &(struct mvmm_hdelta){ .events = 1, .fallback = 1 });
	mvmm_rsk_close(s);
	ret = mvmm_kmod_unload();
	printf("# rmmod mvmm after the secondary exited: %s\n",
	       ret ? strerror(-ret) : "success");
	TEST_ASSERT(!ret, "Expected rmmod to work once the secondary is gone, got %s",
		    strerror(-ret));
	TEST_ASSERT(!mvmm_kmod_loaded() && stat("/dev/" MVMM_DEV_NAME, &st),
		    "Expected mvmm and /dev/mvmm gone");

	/* 3. Without mvmm, then loaded again. */
	cmd.n = N;
	ug_cmd("without mvmm", c, &cmd);
	TEST_ASSERT(c->user_in == N, "Expected %d INs here, got %lu", N,
		    c->user_in);
	ret = mvmm_kmod_load(ko);
	TEST_ASSERT(!ret, "Expected insmod %s to work, got %s", ko,
		    strerror(-ret));
	TEST_ASSERT(!stat("/dev/" MVMM_DEV_NAME, &st) && S_ISCHR(st.st_mode),
		    "Expected /dev/mvmm back");
	ug_cmd("loaded again, no rule", c, &cmd);
	TEST_ASSERT(c->user_in == N, "Expected %d INs here, got %lu", N,
		    c->user_in);
	old_id = c->id;
	{
		struct mvmm_nl *nl = mvmm_nl_open();
		struct mvmm_vm_info vm;

		TEST_ASSERT(nl, "netlink: %s", strerror(errno));
		ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &vm);
		TEST_ASSERT(!ret, "Expected mvmm to see the VM again, got %s",
			    strerror(-ret));
		c->id = vm.id;
		mvmm_nl_close(nl);
	}
	s = mvmm_ut_rsk_open();
	mvmm_ut_start(&sec, c, NAME, 0, 10000, MVMM_SP_RINGPATH);
	mvmm_ut_rule_add(s, c->id, MVMM_EV_IO, PORT, PORT, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, NAME);
	cmd.exp[0] = MVMM_SP_IN(PORT);
	mvmm_ut_step(s, c, &sec, NAME, "a new secondary after insmod", &cmd,
		     MVMM_EV_IO);
	printf("# rmmod refused twice (EWOULDBLOCK) with a secondary attached and an IN pending; the guest went on; rmmod and insmod worked once it was gone; VM id %u -> %u, served again\n",
	       old_id, c->id);
	mvmm_ut_quit(&sec);
	mvmm_rsk_close(s);

	fill_names(c, ko);
	ug_vm_stop(c);
	reload_holders(holders, nholders, ko);
	return 0;
}

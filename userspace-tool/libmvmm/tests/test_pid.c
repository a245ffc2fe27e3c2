// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm_sec_attach_pid() on the host, without KVM: the scan of another
 * process's /proc/PID/fd, the fds taken with pidfd_getfd(), the choice
 * among several VMs by mvmm's VM id, and the errors with their messages.
 *
 * The library is compiled into this program so that two of its hooks can
 * be replaced: the link a VM fd has in /proc becomes an eventfd's
 * ("anon_inode:[eventfd]"), and the attach to one fd becomes a fake whose
 * "VM id" is that eventfd's count. A child process holding eventfds with
 * chosen counts then plays a main VMM with those VMs. The fake attach
 * holds a dup of the fd it was given, so an attach or a taken fd that is
 * not closed shows up in this process's fd count. The real attach and
 * KVM's VM fds are tested in the rig (tests/vm/e2e.sh).
 */
#include "../libmvmm.c"

#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>

#include "../../tests/tap.h"
#include "fds.h"

#define CHECK_MSG(want, what) CHECK_STR(mvmm_sec_attach_error(), want, what)

/* The fake attach: what it was asked, and whether to fail. */
static struct {
	int attaches;
	int fail_err;		/* != 0: every attach fails with it */
	long long busy_id;	/* the VM for which the name is in use */
	const char *name;
	const char *dev_path;
} fa;

/* The count of eventfd @fd, from its fdinfo (hex): -1 if unreadable. */
static long long eventfd_count(int fd)
{
	char path[64], line[128];
	long long count = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "eventfd-count:", 14))
			count = strtoll(line + 14, NULL, 16);
	fclose(f);
	return count;
}

static struct mvmm_sec *fake_attach(const char *dev_path, int vm_fd,
				    const char *name,
				    const struct mvmm_sec_opts *opts)
{
	struct mvmm_sec *s;

	(void)opts;
	fa.attaches++;
	fa.name = name;
	fa.dev_path = dev_path;
	mvmm_attach_msg[0] = '\0';
	if (fa.fail_err || eventfd_count(vm_fd) == fa.busy_id) {
		errno = fa.fail_err ?: EBUSY;
		mvmm_attach_msgf("fake attach: %s", strerror(errno));
		return NULL;
	}
	s = mvmm_sec_alloc();
	if (!s)
		return NULL;
	s->vm_id = eventfd_count(vm_fd);
	/* Closed by mvmm_sec_detach(): a leaked attach leaks an fd. */
	s->fd = dup(vm_fd);
	return s;
}

/* A main VMM: a child holding eventfds of these counts, until reaped. */
struct vmm {
	pid_t pid;
	int hold;		/* closing it lets the child exit */
};

/* @ids: the VMs' ids; the last one is open @dups more times. */
static struct vmm spawn(const unsigned int *ids, int n, int dups)
{
	struct vmm v = { -1, -1 };
	int ready[2], hold[2], i, fd = -1;
	char c;

	if (pipe(ready) || pipe(hold))
		return v;
	fflush(stdout);
	v.pid = fork();
	if (!v.pid) {
		close(ready[0]);
		close(hold[1]);
		for (i = 0; i < n; i++)
			fd = eventfd(ids[i], 0);
		for (i = 0; i < dups; i++)
			dup(fd);
		if (write(ready[1], "r", 1) != 1 || read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1)
		v.pid = -1;
	close(ready[0]);
	v.hold = hold[1];
	return v;
}

static void reap(struct vmm *v)
{
	close(v->hold);
	waitpid(v->pid, NULL, 0);
}

/* Attach to @v with the fake: errno in *@err, attaches counted from 0. */
static struct mvmm_sec *attach(struct vmm *v, unsigned int vm_id, int *err)
{
	struct mvmm_sec *s;

	fa.attaches = 0;
	errno = 0;
	s = mvmm_sec_attach_pid_dev("/dev/fake", v->pid, vm_id, "uart", NULL);
	*err = errno;
	return s;
}

static void test_no_vm(void)
{
	struct vmm v = spawn(NULL, 0, 0);
	char want[128];
	int fds = count_fds(), err;

	CHECK(!attach(&v, 0, &err) && err == ENOENT,
	      "a process without VM fds: ENOENT");
	snprintf(want, sizeof(want),
		 "process %d has no KVM VM: none of its fds is anon_inode:[eventfd]",
		 (int)v.pid);
	CHECK_MSG(want, "... and the message says so");
	CHECK(!fa.attaches, "... without an attach");
	CHECK(count_fds() == fds, "... leaves no fd open");
	reap(&v);
}

static void test_one_vm(void)
{
	static const unsigned int ids[] = { 5 };
	struct vmm v = spawn(ids, 1, 0);
	struct mvmm_sec *s;
	char want[128];
	int fds = count_fds(), err;

	s = attach(&v, 0, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 5 && fa.attaches == 1,
	      "one VM, no id: attached to it, at once");
	CHECK(fa.name && !strcmp(fa.name, "uart") && fa.dev_path &&
	      !strcmp(fa.dev_path, "/dev/fake"),
	      "... with the caller's name and device");
	CHECK_MSG("", "... no message after a success");
	CHECK(count_fds() == fds + 1, "... only the attach's fd stays open");
	mvmm_sec_detach(s);

	s = attach(&v, 5, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 5 && fa.attaches == 1,
	      "one VM, its id: attached to it");
	mvmm_sec_detach(s);

	CHECK(!attach(&v, 6, &err) && err == ENOENT && fa.attaches == 1,
	      "one VM, another id: ENOENT, after one attach to look");
	snprintf(want, sizeof(want),
		 "process %d has no KVM VM with mvmm id 6 (its VMs: 5)",
		 (int)v.pid);
	CHECK_MSG(want, "... the message names the VM it has");
	CHECK(count_fds() == fds, "... leaves no fd open");
	reap(&v);
}

static void test_several_vms(void)
{
	static const unsigned int ids[] = { 3, 4 };
	struct vmm v = spawn(ids, 2, 1);	/* VM 4 on two fds */
	struct mvmm_sec *s;
	char want[128];
	int fds = count_fds(), err;

	CHECK(!attach(&v, 0, &err) && err == ENOTUNIQ && fa.attaches == 3,
	      "two VMs (one on two fds), no id: ENOTUNIQ, each fd looked at");
	snprintf(want, sizeof(want),
		 "process %d has several KVM VMs (mvmm ids 3, 4): give the id of one",
		 (int)v.pid);
	CHECK_MSG(want, "... the message lists each VM once");
	CHECK(count_fds() == fds, "... leaves no fd open");

	s = attach(&v, 4, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 4 && fa.attaches == 2,
	      "two VMs, id 4: attached to VM 4");
	CHECK(count_fds() == fds + 1, "... only the attach's fd stays open");
	mvmm_sec_detach(s);

	s = attach(&v, 3, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 3 && fa.attaches == 1,
	      "two VMs, id 3: attached to VM 3");
	mvmm_sec_detach(s);

	CHECK(!attach(&v, 9, &err) && err == ENOENT,
	      "two VMs, id 9: ENOENT");
	snprintf(want, sizeof(want),
		 "process %d has no KVM VM with mvmm id 9 (its VMs: 3, 4)",
		 (int)v.pid);
	CHECK_MSG(want, "... the message lists its VMs");
	CHECK(count_fds() == fds, "... leaves no fd open");

	fa.fail_err = EACCES;
	CHECK(!attach(&v, 4, &err) && err == EACCES && fa.attaches == 1,
	      "an attach that fails (EACCES): its errno, at once");
	CHECK_MSG("fake attach: Permission denied", "... and its message");
	fa.fail_err = EBUSY;
	CHECK(!attach(&v, 4, &err) && err == EBUSY && fa.attaches == 3,
	      "the name in use for every VM: EBUSY, each fd tried");
	CHECK_MSG("fake attach: Device or resource busy",
		  "... the attach's message");
	fa.fail_err = 0;
	CHECK(count_fds() == fds, "... leaves no fd open");
	reap(&v);
}

/* The name in use for one VM (another handler serves it) of two. */
static void test_busy_vm(void)
{
	static const unsigned int ids[] = { 3, 4 };
	struct vmm v = spawn(ids, 2, 0);
	struct mvmm_sec *s;
	char want[160];
	int fds = count_fds(), err;

	fa.busy_id = 3;
	s = attach(&v, 4, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 4 && fa.attaches == 2,
	      "\"uart\" in use for VM 3, id 4: attached to VM 4");
	mvmm_sec_detach(s);

	CHECK(!attach(&v, 3, &err) && err == EBUSY,
	      "\"uart\" in use for VM 3, id 3: EBUSY");
	snprintf(want, sizeof(want),
		 "process %d has no KVM VM with mvmm id 3 free for this name (its VMs: 4, and 1 where \"uart\" is in use)",
		 (int)v.pid);
	CHECK_MSG(want, "... the message says where the name is in use");

	CHECK(!attach(&v, 0, &err) && err == ENOTUNIQ,
	      "\"uart\" in use for VM 3, no id: ENOTUNIQ");
	snprintf(want, sizeof(want),
		 "process %d has several KVM VMs (mvmm ids 4, and 1 where \"uart\" is in use): give the id of one",
		 (int)v.pid);
	CHECK_MSG(want, "... the busy VM counted among them");
	fa.busy_id = 0;
	CHECK(count_fds() == fds, "... leaves no fd open");
	reap(&v);
}

static void test_one_vm_twice(void)
{
	static const unsigned int ids[] = { 7 };
	struct vmm v = spawn(ids, 1, 2);	/* VM 7 on three fds */
	struct mvmm_sec *s;
	int fds = count_fds(), err;

	s = attach(&v, 0, &err);
	CHECK(s && mvmm_sec_vm_id(s) == 7 && fa.attaches == 4,
	      "one VM on three fds, no id: the same VM, attached");
	CHECK(count_fds() == fds + 1, "... only the attach's fd stays open");
	mvmm_sec_detach(s);
	reap(&v);
}

static void *idle_thread(void *arg)
{
	*(pid_t *)arg = gettid();
	pause();
	return NULL;
}

static void test_bad_pids(void)
{
	struct vmm v = spawn(NULL, 0, 0);
	pthread_t t;
	pid_t tid = 0;
	char want[128];
	int err;

	reap(&v);
	CHECK(!attach(&v, 0, &err) && err == ESRCH && !fa.attaches,
	      "a process that exited: ESRCH");
	snprintf(want, sizeof(want), "no process %d", (int)v.pid);
	CHECK_MSG(want, "... \"no process PID\"");

	v.pid = 0;
	CHECK(!attach(&v, 0, &err) && err == EINVAL, "pid 0: EINVAL");
	CHECK_MSG("invalid pid 0", "... \"invalid pid 0\"");
	v.pid = -1;
	CHECK(!attach(&v, 0, &err) && err == EINVAL, "pid -1: EINVAL");

	if (pthread_create(&t, NULL, idle_thread, &tid)) {
		CHECK(0, "pthread_create");
		return;
	}
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	v.pid = tid;
	CHECK(!attach(&v, 0, &err) && err == EINVAL,
	      "a thread's id: EINVAL (pidfd_open takes processes)");
	snprintf(want, sizeof(want), "%d is not a process id (a thread's?)",
		 (int)tid);
	CHECK_MSG(want, "... and the message says so");
	pthread_cancel(t);
	pthread_join(t, NULL);

	v.pid = getpid();
	errno = 0;
	CHECK(!mvmm_sec_attach_pid_dev("/dev/fake", v.pid, 0, NULL, NULL) &&
	      errno == EINVAL, "no name: EINVAL");
	CHECK_MSG("invalid handler name", "... \"invalid handler name\"");
	errno = 0;
	CHECK(!mvmm_sec_attach_pid_dev("/dev/fake", v.pid, 0,
				       "a2345678901234567890123456789012",
				       NULL) && errno == EINVAL,
	      "a 32-character name: EINVAL");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	mvmm_vm_link = "anon_inode:[eventfd]";
	mvmm_attach_fd = fake_attach;
	test_no_vm();
	test_one_vm();
	test_several_vms();
	test_busy_vm();
	test_one_vm_twice();
	test_bad_pids();
	return tap_done();
}

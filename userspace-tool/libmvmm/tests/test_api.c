// SPDX-License-Identifier: GPL-2.0
/*
 * libmvmm's public API where no module is needed: the answer helpers, fd
 * passing over a unix socket, and the attach errors that come before the
 * kernel has a say (by pid too: no such process, no KVM VM in it, no
 * ptrace access to it). Linked against libmvmm.a like any secondary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../libmvmm.h"
#include "../../tests/tap.h"
#include "fds.h"

static void test_ans_helpers(void)
{
	struct mvmm_answer a;

	memset(&a, 0, sizeof(a));
	mvmm_ans_handled(&a, 0x1122334455667788ULL);
	CHECK(a.action == MVMM_ACT_HANDLED && a.value == 0x1122334455667788ULL &&
	      !a.gpr_mask, "mvmm_ans_handled: action and value");

	memset(&a, 0, sizeof(a));
	mvmm_ans_inject(&a, 13, 1, 0x18);
	CHECK(a.action == MVMM_ACT_INJECT && a.vector == 13 &&
	      a.has_error_code == 1 && a.error_code == 0x18,
	      "mvmm_ans_inject: #GP with an error code");
	mvmm_ans_inject(&a, 6, 0, 0x18);
	CHECK(a.action == MVMM_ACT_INJECT && a.vector == 6 &&
	      !a.has_error_code && !a.error_code,
	      "mvmm_ans_inject: #UD, no error code (cleared)");
	mvmm_ans_inject(&a, 14, 5, 2);
	CHECK(a.has_error_code == 1, "mvmm_ans_inject: has_error_code is 0 or 1");

	memset(&a, 0, sizeof(a));
	mvmm_ans_handled(&a, 0);
	mvmm_ans_gpr(&a, MVMM_GPR_RBX, 0x756e6547);
	mvmm_ans_gpr(&a, MVMM_GPR_RDX, 0x49656e69);
	mvmm_ans_gpr(&a, MVMM_NR_GPRS, 1);
	CHECK(a.gpr_mask == ((1U << MVMM_GPR_RBX) | (1U << MVMM_GPR_RDX)) &&
	      a.gprs[MVMM_GPR_RBX] == 0x756e6547 &&
	      a.gprs[MVMM_GPR_RDX] == 0x49656e69,
	      "mvmm_ans_gpr: value and mask bit; out-of-range GPR ignored");
	mvmm_ans_rip(&a, 0x1000);
	CHECK(a.rip == 0x1000 && (a.gpr_mask & MVMM_ANS_RIP) &&
	      a.action == MVMM_ACT_HANDLED, "mvmm_ans_rip: RIP and its bit");
}

static void test_fd_passing(void)
{
	int sv[2], p[2], fd, flags;
	char buf[8] = "";

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p)) {
		CHECK(0, "socketpair and pipe");
		return;
	}
	CHECK(mvmm_send_fd(sv[0], p[1]) == 0, "send_fd: 0");
	fd = mvmm_recv_fd(sv[1]);
	CHECK(fd >= 0 && fd != p[1], "recv_fd: a new fd");
	flags = fd >= 0 ? fcntl(fd, F_GETFD) : 0;
	CHECK(flags >= 0 && (flags & FD_CLOEXEC), "recv_fd: the fd is close-on-exec");
	CHECK(fd >= 0 && write(fd, "vmfd", 4) == 4 && read(p[0], buf, 4) == 4 &&
	      !memcmp(buf, "vmfd", 4), "recv_fd: the same open file");
	if (fd >= 0)
		close(fd);

	/* Data without an fd. */
	CHECK(write(sv[0], "x", 1) == 1, "a plain byte is sent");
	errno = 0;
	fd = mvmm_recv_fd(sv[1]);
	CHECK(fd == -EBADMSG && errno == EBADMSG, "recv_fd: a byte without an fd is -EBADMSG");

	errno = 0;
	fd = mvmm_send_fd(sv[0], -1);
	CHECK(fd == -EBADF && errno == EBADF, "send_fd: a negative fd is -EBADF");
	CHECK(mvmm_send_fd(-1, p[0]) == -EBADF, "send_fd: a bad socket is -EBADF");

	close(sv[0]);
	errno = 0;
	fd = mvmm_recv_fd(sv[1]);
	CHECK(fd == -ECONNRESET && errno == ECONNRESET,
	      "recv_fd: the peer closed is -ECONNRESET");
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static void test_attach_errors(void)
{
	struct mvmm_sec *s;
	int fds = count_fds();

	if (access(MVMM_DEV_PATH, F_OK)) {
		errno = 0;
		s = mvmm_sec_attach(0, "uart", NULL);
		CHECK(!s && errno == ENOENT, "attach without /dev/mvmm: NULL, ENOENT");
	} else {
		printf("ok - attach without /dev/mvmm # SKIP %s exists\n", MVMM_DEV_PATH);
	}
	errno = 0;
	s = mvmm_sec_attach_dev("/dev/null", 0, "uart", NULL);
	CHECK(!s && errno == ENOTTY, "attach on a device that is not mvmm: NULL, ENOTTY");
	errno = 0;
	s = mvmm_sec_attach_dev("/dev/null", 0, "a2345678901234567890123456789012",
				NULL);
	CHECK(!s && errno == EINVAL, "attach with a 32-character name: NULL, EINVAL");
	errno = 0;
	s = mvmm_sec_attach_dev("/dev/null", 0, NULL, NULL);
	CHECK(!s && errno == EINVAL, "attach without a name: NULL, EINVAL");
	CHECK(fds > 0 && count_fds() == fds, "failed attaches leave no fd open");
	mvmm_sec_detach(NULL);	/* a no-op: a crash fails the run */

	s = mvmm_sec_attach_dev("/dev/null", 0, "uart", NULL);
	CHECK_STR(mvmm_sec_attach_error(),
		  "cannot attach to /dev/null as \"uart\": Inappropriate ioctl for device",
		  "mvmm_sec_attach_error(): device, name and the kernel's errno");
}

/* A child that only waits: a process with no KVM VM. Reap with reap(). */
static pid_t spawn_idle(int *hold)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(p[1]);
		_exit(read(p[0], &c, 1) < 0);
	}
	close(p[0]);
	*hold = p[1];
	return pid;
}

static void reap(pid_t pid, int hold)
{
	close(hold);
	waitpid(pid, NULL, 0);
}

/*
 * As uid 65534, attach to @pid (a root process): the child's errno in the
 * exit status, and its message in @msg.
 */
static int attach_as_nobody(pid_t pid, char *msg, size_t size)
{
	int p[2], status;
	ssize_t n;
	pid_t c;

	if (pipe(p))
		return -1;
	fflush(stdout);
	c = fork();
	if (!c) {
		close(p[0]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(255);
		errno = 0;
		if (mvmm_sec_attach_pid(pid, 0, "uart", NULL))
			_exit(0);
		n = write(p[1], mvmm_sec_attach_error(),
			  strlen(mvmm_sec_attach_error()));
		_exit(n < 0 ? 255 : errno);
	}
	close(p[1]);
	n = read(p[0], msg, size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What needs no KVM: no such process, no VM in it, no ptrace access. */
static void test_attach_pid_errors(void)
{
	char want[256], msg[512];
	int hold = -1, fds = count_fds();
	pid_t pid = spawn_idle(&hold);

	errno = 0;
	CHECK(!mvmm_sec_attach_pid(pid, 0, "uart", NULL) && errno == ENOENT,
	      "attach_pid, a process without a KVM VM: NULL, ENOENT");
	snprintf(want, sizeof(want),
		 "process %d has no KVM VM: none of its fds is anon_inode:kvm-vm",
		 (int)pid);
	CHECK_STR(mvmm_sec_attach_error(), want, "... the message says so");

	if (geteuid()) {
		printf("ok - attach_pid as uid 65534 to a root process # SKIP not root\n");
	} else {
		snprintf(want, sizeof(want),
			 "not permitted to take the fds of process %d: that needs ptrace access to it (PTRACE_MODE_ATTACH_REALCREDS: the same uid and not setuid, or CAP_SYS_PTRACE; Yama's ptrace_scope may restrict it further)",
			 (int)pid);
		CHECK(attach_as_nobody(pid, msg, sizeof(msg)) == EPERM,
		      "attach_pid as uid 65534 to a root process: NULL, EPERM");
		CHECK_STR(msg, want, "... the message names ptrace");
	}

	reap(pid, hold);
	errno = 0;
	CHECK(!mvmm_sec_attach_pid(pid, 0, "uart", NULL) && errno == ESRCH,
	      "attach_pid, a process that exited: NULL, ESRCH");
	snprintf(want, sizeof(want), "no process %d", (int)pid);
	CHECK_STR(mvmm_sec_attach_error(), want, "... \"no process PID\"");
	CHECK(count_fds() == fds, "failed attaches by pid leave no fd open");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_ans_helpers();
	test_fd_passing();
	test_attach_errors();
	test_attach_pid_errors();
	return tap_done();
}

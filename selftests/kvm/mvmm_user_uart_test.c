// SPDX-License-Identifier: GPL-2.0
/*
 * The UART sample (userspace-tool/samples/mvmm_uart.c) end to end.
 *
 * The sample runs as its own program (mvmm-uart-static next to this test,
 * or $MVMM_UART), started with none of this process's file descriptors:
 * it connects to a unix socket this test listens on and gets the VM fd
 * there (SCM_RIGHTS), attaches, and serves a 16550 at ports 0x3f8-0x3ff
 * (and, with --mmio, at a guest-physical address). Rules route the ports,
 * or the MMIO range, to it.
 *
 * The guest writes a string to THR, each byte once LSR says THRE, then
 * writes and reads back the scratch register 16 times. Checked: the
 * sample's stdout is exactly the string; the guest saw LSR 0x60 and its
 * scratch values; nothing reached this program; the handler's counters
 * and the sample's own count ("handled N", written on SIGTERM) agree with
 * the accesses the guest made. Variants: ports with the eventfd, ports
 * with --poll, and --mmio.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "libmvmm.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#define UART_PORT	0x3f8
#define UART_MMIO	(UG_MMIO_GPA + 0x800)
#define UART_LSR_IDLE	0x60		/* THRE | TEMT, nothing received */
#define SCRATCH_N	16
#define WAIT_MS		20000

static const char message[] =
	"Hello from the guest, through mvmm-uart: 0123456789 abcdefghijklmnopqrstuvwxyz\n";

/* The sample: $MVMM_UART, else mvmm-uart-static next to this program. */
static const char *uart_path(void)
{
	static char path[4096];
	const char *env = getenv("MVMM_UART");
	char self[4096];
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/mvmm-uart-static", dirname(self));
	return path;
}

struct uart {
	pid_t pid;
	int out;		/* its stdout */
	int lsock;		/* where it connects */
	char sock_path[108];
	char count_path[64];
};

/* Start the sample with only stdio (its stdout a pipe to us). */
static void uart_spawn(struct uart *u, char *const *extra)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *path = uart_path();
	char *argv[16];
	int p[2], i = 0, k, fd;

	TEST_ASSERT(!access(path, X_OK), "Expected the UART sample at %s, got %s",
		    path, strerror(errno));
	snprintf(u->sock_path, sizeof(u->sock_path), "/tmp/mvmm-uart-test.%d",
		 getpid());
	snprintf(u->count_path, sizeof(u->count_path),
		 "/tmp/mvmm-uart-count.%d", getpid());
	unlink(u->sock_path);
	unlink(u->count_path);
	strcpy(addr.sun_path, u->sock_path);
	u->lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TEST_ASSERT(u->lsock >= 0 &&
		    !bind(u->lsock, (struct sockaddr *)&addr, sizeof(addr)) &&
		    !listen(u->lsock, 1),
		    "unix socket %s: %s", u->sock_path, strerror(errno));
	TEST_ASSERT(!pipe(p), "pipe: %s", strerror(errno));

	argv[i++] = (char *)path;
	argv[i++] = "--socket";
	argv[i++] = u->sock_path;
	argv[i++] = "--count-file";
	argv[i++] = u->count_path;
	argv[i++] = "--timeout-ms";
	argv[i++] = "10000";
	for (k = 0; extra[k]; k++)
		argv[i++] = extra[k];
	argv[i] = NULL;

	fflush(stdout);
	u->pid = fork();
	TEST_ASSERT(u->pid >= 0, "fork: %s", strerror(errno));
	if (!u->pid) {
		dup2(p[1], 1);
		/* Nothing of ours, the VM fd least of all. */
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execv(path, argv);
		_exit(127);
	}
	close(p[1]);
	u->out = p[0];
}

/* Give it the VM fd when it connects. */
static void uart_give_vm(struct uart *u, int vm_fd)
{
	struct pollfd pfd = { .fd = u->lsock, .events = POLLIN };
	int conn, ret;

	TEST_ASSERT(poll(&pfd, 1, WAIT_MS) == 1,
		    "Expected the UART sample to connect to %s", u->sock_path);
	conn = accept4(u->lsock, NULL, NULL, SOCK_CLOEXEC);
	TEST_ASSERT(conn >= 0, "accept: %s", strerror(errno));
	ret = mvmm_send_fd(conn, vm_fd);
	TEST_ASSERT(!ret, "Expected to send the VM fd, got %s", strerror(-ret));
	close(conn);
}

/* Wait until it is attached as @name. */
static void uart_wait_attached(struct uart *u, struct mvmm_rsk *s,
			       const char *name, struct mvmm_uh *h)
{
	uint64_t end = mvmm_ut_now_ms() + WAIT_MS;

	for (;;) {
		int ret = mvmm_uh_get(s, name, h);

		if (!ret && h->attached && h->user &&
		    h->pid == (uint32_t)u->pid)
			return;
		TEST_ASSERT(mvmm_ut_now_ms() < end,
			    "Expected the UART sample (pid %d) attached as %s, got %s",
			    u->pid, name, ret ? strerror(-ret) : "not attached");
		TEST_ASSERT(waitpid(u->pid, NULL, WNOHANG) == 0,
			    "The UART sample exited before attaching");
		usleep(10000);
	}
}

/* SIGTERM: it must write its count and exit 0; its whole stdout. */
static void uart_stop(struct uart *u, char *out, size_t len,
		      unsigned long *handled)
{
	size_t got = 0;
	ssize_t n;
	int status;
	FILE *f;

	kill(u->pid, SIGTERM);
	while (got < len - 1 && (n = read(u->out, out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	TEST_ASSERT(waitpid(u->pid, &status, 0) == u->pid, "waitpid: %s",
		    strerror(errno));
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "Expected the UART sample to exit 0 on SIGTERM, got status %#x",
		    status);
	u->pid = 0;
	f = fopen(u->count_path, "r");
	TEST_ASSERT(f && fscanf(f, "handled %lu", handled) == 1,
		    "Expected \"handled N\" in %s", u->count_path);
	fclose(f);
}

static void uart_cleanup(struct uart *u)
{
	if (u->pid > 0) {
		kill(u->pid, SIGKILL);
		waitpid(u->pid, NULL, 0);
	}
	if (u->out > 0)
		close(u->out);
	if (u->lsock > 0)
		close(u->lsock);
	unlink(u->sock_path);
	unlink(u->count_path);
}

FIXTURE(uart) {
	struct ug_vm *c;
	struct mvmm_rsk *s;
	struct uart u;
};

FIXTURE_VARIANT(uart) {
	const char *name;	/* NULL: the sample's default, "uart" */
	bool mmio;
	bool poll;
};

FIXTURE_VARIANT_ADD(uart, ports) {
	.name = NULL,
};

FIXTURE_VARIANT_ADD(uart, ports_poll) {
	.name = "uart-poll", .poll = true,
};

FIXTURE_VARIANT_ADD(uart, mmio) {
	.name = "uart-mmio", .mmio = true,
};

FIXTURE_SETUP(uart)
{
	self->c = ug_vm_start(NULL, 0);
	self->s = mvmm_ut_rsk_open();
}

FIXTURE_TEARDOWN(uart)
{
	uart_cleanup(&self->u);
	mvmm_rsk_close(self->s);
	ug_vm_stop(self->c);
}

TEST_F_TIMEOUT(uart, hello, 300)
{
	const char *name = variant->name ? variant->name : "uart";
	const uint64_t len = sizeof(message) - 1;
	char *extra[8], mmio_arg[32], out[4096];
	/* LSR reads, THR writes, scratch writes and reads */
	const uint64_t accesses = 2 * len + 2 * SCRATCH_N;
	struct ug_cmd cmd = {
		.op = UG_UART, .n = 1, .val = SCRATCH_N, .nexp = 2,
		.exp = { len, SCRATCH_N }, .mmio = variant->mmio,
		.arg = variant->mmio ? UART_MMIO : UART_PORT,
	};
	struct ug_vm *c = self->c;
	unsigned long handled;
	struct mvmm_uh h0, h1;
	int k = 0;

	if (variant->name) {
		extra[k++] = "--name";
		extra[k++] = (char *)variant->name;
	}
	if (variant->poll)
		extra[k++] = "--poll";
	if (variant->mmio) {
		snprintf(mmio_arg, sizeof(mmio_arg), "%#llx", UART_MMIO);
		extra[k++] = "--mmio";
		extra[k++] = mmio_arg;
	}
	extra[k] = NULL;

	uart_spawn(&self->u, extra);
	uart_give_vm(&self->u, ug_vm_fd(c));
	uart_wait_attached(&self->u, self->s, name, &h0);
	TEST_ASSERT(h0.vm_id == c->id, "Expected the sample bound to VM %u, got %u",
		    c->id, h0.vm_id);
	/* The handler exists now: rules may name it. */
	if (variant->mmio)
		mvmm_ut_rule_add(self->s, c->id, MVMM_EV_MMIO, UART_MMIO,
				 UART_MMIO + 7, MVMM_MODE_SYNC,
				 MVMM_FALLBACK_MAIN, name);
	else
		mvmm_ut_rule_add(self->s, c->id, MVMM_EV_IO, UART_PORT,
				 UART_PORT + 7, MVMM_MODE_SYNC,
				 MVMM_FALLBACK_MAIN, name);

	memcpy(c->sh->str, message, len);
	c->sh->len = len;
	ug_cmd("UART session", c, &cmd);
	mvmm_ut_uh(self->s, name, &h1);
	printf("# guest: %lu bytes sent, %lu LSR reads (last %#lx), %lu/%d scratch readbacks\n",
	       c->sh->last[0], c->sh->lsr_polls, c->sh->lsr_last,
	       c->sh->scr_ok, SCRATCH_N);
	TEST_ASSERT(c->sh->lsr_polls == len && c->sh->lsr_last == UART_LSR_IDLE,
		    "Expected one LSR read of %#x per byte (%lu), got %lu (last %#lx)",
		    UART_LSR_IDLE, len, c->sh->lsr_polls, c->sh->lsr_last);
	TEST_ASSERT(!c->user_in && !c->user_out && !c->user_mmio_rd &&
		    !c->user_mmio_wr,
		    "Expected no UART access to reach this program, got %lu IN %lu OUT %lu/%lu MMIO",
		    c->user_in, c->user_out, c->user_mmio_rd, c->user_mmio_wr);
	mvmm_ut_check("UART session", &h0, &h1,
		      &(struct mvmm_uhd){ .events = accesses,
					  .handled = accesses });

	uart_stop(&self->u, out, sizeof(out), &handled);
	printf("# the sample printed %zu bytes: \"%.*s\"; its count: handled %lu\n",
	       strlen(out), (int)strcspn(out, "\n"), out, handled);
	TEST_ASSERT(!strcmp(out, message),
		    "Expected the sample's stdout to be exactly the guest's string (%lu bytes), got %zu bytes: \"%s\"",
		    len, strlen(out), out);
	TEST_ASSERT(handled == accesses,
		    "Expected the sample to count %lu handled accesses, got %lu",
		    accesses, handled);
	mvmm_ut_uh(self->s, name, &h1);
	TEST_ASSERT(!h1.attached, "Expected %s detached after the sample exited",
		    name);
}

/* The harness ends each test with _exit(): nothing may stay buffered. */
static void __attribute__((constructor)) line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

TEST_HARNESS_MAIN

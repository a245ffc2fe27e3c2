// SPDX-License-Identifier: GPL-2.0
/*
 * What the libmvmm samples share: see sample_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sample_util.h"

void sample_die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void sample_parse_args(int argc, char **argv, const struct option *longopts,
		       void (*usage)(void),
		       void (*opt)(int c, const char *arg, void *ctx),
		       void *ctx, const struct sample_vm *vm)
{
	int c;

	/* ":" first: a missing value is ':', told apart from an unknown '?' */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			exit(0);
		}
		if (c == ':')
			sample_die(1, "option \"%s\" needs a value",
				   argv[optind - 1]);
		if (c == '?')
			sample_die(1, "unknown option \"%s\"", argv[optind - 1]);
		opt(c, optarg, ctx);
	}
	if (optind < argc)
		sample_die(1, "unexpected argument \"%s\"", argv[optind]);
	sample_vm_check(vm);
}

unsigned long long sample_parse_range(const char *opt, const char *s,
				      unsigned long long min,
				      unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		sample_die(1, "invalid %s \"%s\" (%llu-%llu)", opt, s, min, max);
	return v;
}

bool sample_vm_opt(int c, const char *arg, struct sample_vm *vm)
{
	switch (c) {
	case 's':
		vm->socket = arg;
		return true;
	case 'f':
		vm->vm_fd = sample_parse_range("fd", arg, 0, INT_MAX);
		return true;
	case 'd':
		vm->pid = sample_parse_range("pid", arg, 1, INT_MAX);
		return true;
	case 'V':
		vm->vm_id = sample_parse_range("VM id", arg, 1, UINT_MAX);
		return true;
	}
	return false;
}

bool sample_attach_opt(int c, const char *arg, struct mvmm_sec_opts *opts)
{
	switch (c) {
	case 'P':
		opts->flags |= MVMM_ATTACH_POLL;
		return true;
	case 't':
		opts->timeout_ms = sample_parse_range("timeout", arg, 0,
						      UINT_MAX);
		return true;
	}
	return false;
}

void sample_vm_check(const struct sample_vm *vm)
{
	if (!!vm->socket + (vm->vm_fd >= 0) + !!vm->pid != 1)
		sample_die(1, "give exactly one of --socket PATH, --vm-fd N and --pid PID");
	if (vm->vm_id && !vm->pid)
		sample_die(1, "--vm-id N goes with --pid PID");
}

/* The VM's fd, from the main VMM over a unix socket. */
static int receive_vm_fd(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock, fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		sample_die(1, "socket path too long: \"%s\"", path);
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		sample_die(2, "socket: %s", strerror(errno));
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)))
		sample_die(2, "cannot connect to %s: %s", path, strerror(errno));
	fd = mvmm_recv_fd(sock);
	if (fd < 0)
		sample_die(2, "no VM fd from %s: %s", path, strerror(-fd));
	close(sock);
	return fd;
}

int sample_vm_fd(const struct sample_vm *vm)
{
	if (vm->pid)
		return -1;
	return vm->socket ? receive_vm_fd(vm->socket) : vm->vm_fd;
}

void sample_announce(const char *prog, const char *name,
		     const struct mvmm_sec *sec, const struct sample_vm *vm)
{
	fprintf(stderr, "%s: \"%s\" attached to VM %u", prog, name,
		mvmm_sec_vm_id(sec));
	if (vm->pid)
		fprintf(stderr, " of process %d", (int)vm->pid);
}

struct mvmm_sec *sample_attach(const struct sample_vm *vm, int fd,
			       const char *name,
			       const struct mvmm_sec_opts *opts)
{
	struct mvmm_sec *s;

	if (vm->pid) {
		s = mvmm_sec_attach_pid(vm->pid, vm->vm_id, name, opts);
		/* Which process, which check: more than errno tells. */
		if (!s)
			sample_die(2, "%s", mvmm_sec_attach_error());
		return s;
	}
	s = mvmm_sec_attach(fd, name, opts);
	if (!s)
		sample_die(2, "cannot attach to /dev/mvmm as \"%s\": %s", name,
			   strerror(errno));
	/* Attached: the VM fd is no longer needed. */
	close(fd);
	return s;
}

static struct mvmm_sec **stop_secp;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_secp && *stop_secp)
		mvmm_sec_stop(*stop_secp);
}

void sample_catch_signals(sigset_t *set, struct mvmm_sec **secp)
{
	struct sigaction sa = { .sa_handler = on_signal };

	stop_secp = secp;
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigprocmask(SIG_BLOCK, set, NULL);
	/* No SA_RESTART: the run loop's poll() returns and sees the stop. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

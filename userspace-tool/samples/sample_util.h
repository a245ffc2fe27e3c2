/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libmvmm samples (mvmm-uart, mvmm-virtio-rng) share: their error
 * exits, number parsing, the command-line loop, the VM options
 * (--socket PATH, --vm-fd N, --pid PID [--vm-id N]) and attach options
 * (--poll, --timeout-ms N), the attach and its announcement, and
 * SIGTERM/SIGINT stopping the run loop.
 */
#ifndef MVMM_SAMPLES_SAMPLE_UTIL_H
#define MVMM_SAMPLES_SAMPLE_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "libmvmm.h"

/* Which VM: exactly one of the three sources. */
struct sample_vm {
	const char *socket;	/* --socket: the VM fd comes over it */
	int vm_fd;		/* --vm-fd: inherited; -1 without */
	pid_t pid;		/* --pid: the main VMM's; 0 without */
	unsigned int vm_id;	/* --vm-id: mvmm's id of one of its VMs */
};

#define SAMPLE_VM_INIT	{ .vm_fd = -1 }

/*
 * getopt_long() entries for the VM options; their values are the option
 * characters sample_vm_opt() takes: 's', 'f', 'd', 'V'.
 */
#define SAMPLE_VM_LONGOPTS						\
	{ "socket", required_argument, NULL, 's' },			\
	{ "vm-fd", required_argument, NULL, 'f' },			\
	{ "pid", required_argument, NULL, 'd' },			\
	{ "vm-id", required_argument, NULL, 'V' }

struct option;

/*
 * The command line: getopt_long() over @longopts, which has "help" ('h').
 * --help prints @usage() and exits 0; a missing value, an unknown option
 * or an argument dies(1); every other option goes to @opt(c, optarg,
 * @ctx). Then sample_vm_check(@vm), @vm being what @opt fills.
 */
void sample_parse_args(int argc, char **argv, const struct option *longopts,
		       void (*usage)(void),
		       void (*opt)(int c, const char *arg, void *ctx),
		       void *ctx, const struct sample_vm *vm);
/*
 * getopt_long() entries for how to attach (--poll, --timeout-ms N), which
 * sample_attach_opt() takes into the struct mvmm_sec_opts given to
 * sample_attach(): 'P', 't'.
 */
#define SAMPLE_ATTACH_LONGOPTS						\
	{ "poll", no_argument, NULL, 'P' },				\
	{ "timeout-ms", required_argument, NULL, 't' }

/* Print "Error: ..." and exit with @status (1: usage, 2: the system). */
void sample_die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* A number in [@min, @max] (strtoull base 0), or die(1) naming @opt. */
unsigned long long sample_parse_range(const char *opt, const char *s,
				      unsigned long long min,
				      unsigned long long max);
/* Take VM option @c: true if it was one. */
bool sample_vm_opt(int c, const char *arg, struct sample_vm *vm);
/* Take attach option @c into @opts: true if it was one. */
bool sample_attach_opt(int c, const char *arg, struct mvmm_sec_opts *opts);
/* After the options: exactly one source, --vm-id only with --pid. */
void sample_vm_check(const struct sample_vm *vm);
/*
 * The VM fd: received over --socket (or die(2) saying why), --vm-fd's,
 * or -1 with --pid.
 */
int sample_vm_fd(const struct sample_vm *vm);
/*
 * Attach as @name to the VM behind @fd (from sample_vm_fd()), or to the
 * --pid process's: the handle, or die(2) saying why. @fd is closed once
 * attached.
 */
struct mvmm_sec *sample_attach(const struct sample_vm *vm, int fd,
			       const char *name,
			       const struct mvmm_sec_opts *opts);
/*
 * To stderr, without the newline, for the sample to add its device's
 * settings: "@prog: "@name" attached to VM N[ of process PID]".
 */
void sample_announce(const char *prog, const char *name,
		     const struct mvmm_sec *sec, const struct sample_vm *vm);
/*
 * SIGTERM and SIGINT will mvmm_sec_stop(*@secp), so that the sample's
 * summary gets written. They stay blocked (in @set) until the caller
 * unblocks them, once there is a loop to stop.
 */
void sample_catch_signals(sigset_t *set, struct mvmm_sec **secp);

#endif /* MVMM_SAMPLES_SAMPLE_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm-virtio-rng: a virtio entropy device served from userspace through
 * /dev/mvmm, on the virtio-mmio transport (version 2 registers, virtio
 * 1.x section 4.2.2), with one split virtqueue in guest memory.
 *
 * The guest's accesses to the 0x200-byte register window at --mmio reach
 * this process as mvmm requests (vrng_dev.c is the device model); on
 * QueueNotify it reads the rings and descriptors from guest memory and
 * fills the device-writable buffers with getrandom() bytes through
 * MVMM_IOC_MEM_READ/WRITE, then signals the used buffers on a GSI line
 * (--irq, level: high while InterruptStatus is not 0) and/or with an MSI
 * (--msi ADDR:DATA, one per notification) through MVMM_IOC_IRQ_LINE and
 * MVMM_IOC_MSI. On exit (SIGTERM, SIGINT, the VM gone) it prints one line
 * on stdout: requests served and bytes given.
 *
 *   mvmm-virtio-rng --socket PATH | --vm-fd N | --pid PID [--vm-id N]
 *                   [--mmio GPA] [--irq GSI] [--msi ADDR:DATA] [options]
 *
 * Route the window to it, once it has attached:
 *
 *   mvmmctl rule add vm ID mmio gpa 0xd0000000-0xd00001ff handler rng
 *
 * A Linux guest finds the device with virtio_mmio.device=512@0xd0000000:5
 * on its command line (5: the GSI given with --irq).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "libmvmm.h"
#include "sample_util.h"
#include "vrng_dev.h"

#define DEFAULT_MMIO	0xd0000000ULL

struct config {
	const char *name;
	struct sample_vm vm;
	unsigned long long mmio;
	long long gsi;		/* --irq; -1 without */
	bool has_msi, quiet;
	uint64_t msi_addr;
	uint32_t msi_data;
	struct mvmm_sec_opts opts;
};

struct server {
	struct vrng dev;
	const struct config *cfg;
	int line;		/* the level we last set on the GSI */
	bool irq_warned;
	uint64_t reported;	/* the device's errors, said on stderr */
	unsigned long handled;	/* register accesses answered */
};

static struct mvmm_sec *sec;

/* The device model's callbacks: guest memory, interrupt, entropy. */

static int mem_read(void *ctx, uint64_t gpa, void *buf, uint32_t len)
{
	(void)ctx;
	return mvmm_sec_mem_read(sec, gpa, buf, len);
}

static int mem_write(void *ctx, uint64_t gpa, const void *buf, uint32_t len)
{
	(void)ctx;
	return mvmm_sec_mem_write(sec, gpa, buf, len);
}

static void irq_warn(struct server *srv, const char *what, int ret)
{
	if (srv->irq_warned)
		return;
	srv->irq_warned = true;
	fprintf(stderr, "mvmm-virtio-rng: %s: %s (said once)\n", what,
		strerror(-ret));
}

static void irq(void *ctx, bool pending, bool edge)
{
	struct server *srv = ctx;
	const struct config *cfg = srv->cfg;
	int ret;

	if (cfg->gsi >= 0 && srv->line != pending) {
		ret = mvmm_sec_irq_line(sec, cfg->gsi, pending, NULL);
		if (ret)
			irq_warn(srv, "GSI line", ret);
		else
			srv->line = pending;
	}
	if (cfg->has_msi && edge) {
		ret = mvmm_sec_msi(sec, cfg->msi_addr, cfg->msi_data, NULL);
		if (ret)
			irq_warn(srv, "MSI", ret);
	}
}

static int get_random(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)ctx;
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static const struct vrng_ops vrng_ops = {
	.read = mem_read,
	.write = mem_write,
	.irq = irq,
	.random = get_random,
};

/* Requests. */

static int serve(const struct mvmm_request *req, struct mvmm_answer *ans,
		 void *arg)
{
	struct server *srv = arg;
	const struct mvmm_event *ev = &req->ev;
	uint64_t off;

	if (req->flags & MVMM_REQF_OBSERVE)
		return 0;
	if (ev->type != MVMM_EV_MMIO || ev->qual < srv->cfg->mmio ||
	    ev->qual - srv->cfg->mmio >= VRNG_MMIO_SIZE ||
	    ev->size > VRNG_MMIO_SIZE - (ev->qual - srv->cfg->mmio))
		return 0;	/* not ours: ans is MVMM_ACT_MAIN */
	off = ev->qual - srv->cfg->mmio;
	if (ev->flags & MVMM_EVF_WRITE) {
		vrng_mmio_write(&srv->dev, off, ev->size, (uint32_t)req->data);
		mvmm_ans_handled(ans, 0);
	} else {
		mvmm_ans_handled(ans, vrng_mmio_read(&srv->dev, off, ev->size));
	}
	srv->handled++;
	if (srv->dev.errors != srv->reported) {
		srv->reported = srv->dev.errors;
		fprintf(stderr, "mvmm-virtio-rng: device needs reset: %s\n",
			srv->dev.error);
	}
	return 0;
}

/* Setup. */

static void usage(void)
{
	printf("Usage: mvmm-virtio-rng { --socket PATH | --vm-fd N | --pid PID [--vm-id N] }\n"
	       "                       [--name NAME] [--mmio GPA] [--irq GSI] [--msi ADDR:DATA]\n"
	       "                       [--poll] [--timeout-ms N] [--quiet]\n"
	       "A virtio-rng device (virtio-mmio, version 2) with its 0x200-byte register\n"
	       "window at GPA (default 0xd0000000), for the VM whose KVM fd it gets from\n"
	       "the unix socket PATH, inherits as fd N, or takes from the running main\n"
	       "VMM PID (pidfd_getfd: needs ptrace access to PID), attached to /dev/mvmm\n"
	       "as handler NAME (default \"rng\"). Used buffers are signalled on the\n"
	       "level-triggered GSI line and/or with the MSI given. On exit, one line on\n"
	       "stdout: requests served and bytes given.\n");
}

static void parse_msi(const char *arg, struct config *cfg)
{
	char *end;
	unsigned long long a, d;

	errno = 0;
	a = strtoull(arg, &end, 0);
	if (errno || end == arg || *end != ':' || *arg == '-' ||
	    (a & 0xfff00000ULL) != 0xfee00000ULL) {
		sample_die(1, "invalid MSI \"%s\" (ADDR:DATA, ADDR 0xfeeXXXXX)",
			   arg);
	}
	d = sample_parse_range("MSI data", end + 1, 0, UINT32_MAX);
	cfg->has_msi = true;
	cfg->msi_addr = a;
	cfg->msi_data = d;
}

static void parse_opt(int c, const char *arg, void *ctx)
{
	struct config *cfg = ctx;

	if (sample_vm_opt(c, arg, &cfg->vm) ||
	    sample_attach_opt(c, arg, &cfg->opts))
		return;
	switch (c) {
	case 'n':
		cfg->name = arg;
		break;
	case 'm':
		cfg->mmio = sample_parse_range("address", arg, 0,
					       ~0ULL - VRNG_MMIO_SIZE + 1);
		if (cfg->mmio & 3)
			sample_die(1, "invalid address \"%s\" (not 4-byte aligned)",
				   arg);
		break;
	case 'i':
		cfg->gsi = sample_parse_range("GSI", arg, 0, 4095);
		break;
	case 'M':
		parse_msi(arg, cfg);
		break;
	case 'q':
		cfg->quiet = true;
		break;
	}
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		SAMPLE_VM_LONGOPTS,
		SAMPLE_ATTACH_LONGOPTS,
		{ "name", required_argument, NULL, 'n' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "irq", required_argument, NULL, 'i' },
		{ "msi", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sample_parse_args(argc, argv, longopts, usage, parse_opt, cfg,
			  &cfg->vm);
}

static void announce(const struct config *cfg)
{
	sample_announce("mvmm-virtio-rng", cfg->name, sec, &cfg->vm);
	fprintf(stderr, ", mmio 0x%llx", cfg->mmio);
	if (cfg->gsi >= 0)
		fprintf(stderr, ", GSI %lld", cfg->gsi);
	if (cfg->has_msi)
		fprintf(stderr, ", MSI %#llx:%#x",
			(unsigned long long)cfg->msi_addr, cfg->msi_data);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.name = "rng", .vm = SAMPLE_VM_INIT, .mmio = DEFAULT_MMIO,
		.gsi = -1,
	};
	struct server srv = { .cfg = &cfg };
	sigset_t sigs;
	int vm_fd, ret;

	parse_args(argc, argv, &cfg);
	vrng_init(&srv.dev, &vrng_ops, &srv);

	vm_fd = sample_vm_fd(&cfg.vm);
	sample_catch_signals(&sigs, &sec);
	sec = sample_attach(&cfg.vm, vm_fd, cfg.name, &cfg.opts);
	if (!cfg.quiet)
		announce(&cfg);

	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	ret = mvmm_sec_run(sec, serve, &srv);
	printf("mvmm-virtio-rng: %llu requests served, %llu bytes, %llu notifies, %llu interrupts, %lu register accesses, %llu errors\n",
	       (unsigned long long)srv.dev.requests,
	       (unsigned long long)srv.dev.bytes,
	       (unsigned long long)srv.dev.notifies,
	       (unsigned long long)srv.dev.interrupts, srv.handled,
	       (unsigned long long)srv.dev.errors);
	fflush(stdout);
	mvmm_sec_detach(sec);
	if (ret < 0)
		sample_die(2, "serving requests: %s", strerror(-ret));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm-uart: a 16550 UART served from userspace through /dev/mvmm.
 *
 * The guest's accesses to the UART's 8 ports (and, with --mmio, to the same
 * 8 registers at a guest-physical address) reach this process as mvmm
 * requests; bytes the guest transmits are printed on stdout, bytes given
 * with --input are what it receives (all there from the start; with --irq,
 * from the guest's first setting of IER's ERBFI), then with --stdin what
 * comes on stdin, as it comes: a console into the guest. The
 * registers are a 16550A's (uart16550.c): IER, IIR's priority encoding,
 * FCR's FIFO mode, THR empty and received data interrupts. With --irq GSI
 * the interrupt output, gated by MCR's OUT2 as on a PC, drives that GSI
 * line of the VM (MVMM_IOC_IRQ_LINE, KVM's in-kernel irqchip): raised
 * when a source appears, lowered when it is gone, so that an ISA IRQ's
 * edge-triggered IOAPIC pin sees an edge per interrupt. Linux's 8250
 * driver then runs interrupt-driven. Without --irq nothing is raised and
 * a guest driver must poll LSR.
 *
 *   mvmm-uart --socket PATH | --vm-fd N | --pid PID [--vm-id N] [options]
 *
 * --pid takes the VM fd from a running main VMM that hands it to nobody
 * (pidfd_getfd(): this needs ptrace access to that process).
 *
 * Route the ports to it, once it has attached (the kernel only accepts
 * rules naming a handler it has seen):
 *
 *   mvmmctl rule add vm ID io port 0x3f8-0x3ff handler uart
 *
 * COM2 with its interrupt (ISA IRQ 3, GSI 3 with KVM's default routing):
 *
 *   mvmm-uart --pid PID --port 0x2f8 --irq 3 --name com2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmvmm.h"
#include "sample_util.h"
#include "uart16550.h"

struct config {
	const char *name, *count_file, *input;
	struct sample_vm vm;
	unsigned int port;
	unsigned long long mmio;
	unsigned int gsi;	/* --irq */
	bool has_mmio, has_irq, quiet, stdin_input;
	struct mvmm_sec_opts opts;
};

/* What the guest has yet to receive: --input, then stdin's bytes. */
#define INPUT_MAX	4096

struct server {
	struct uart16550 uart;
	/* The model, against the stdin thread (--stdin). */
	pthread_mutex_t lock;
	char input[INPUT_MAX + 1];
	const struct config *cfg;
	unsigned long handled;	/* requests answered HANDLED */
	unsigned long irq_failed;	/* MVMM_IOC_IRQ_LINEs refused */
};

static struct mvmm_sec *sec;	/* for the signal handler */

/* The device model (uart16550.c) wired to stdout and a GSI line. */

static void uart_tx(void *arg, unsigned char c)
{
	(void)arg;
	putchar(c);	/* stdout is line-buffered: see main() */
}

static void uart_set_irq(void *arg, int level)
{
	struct server *srv = arg;
	int ret = mvmm_sec_irq_line(sec, srv->cfg->gsi, level, NULL);

	/* Said once: the device goes on, polled if need be. */
	if (ret < 0 && !srv->irq_failed++)
		fprintf(stderr, "mvmm-uart: GSI %u to %d: %s\n",
			srv->cfg->gsi, level, strerror(-ret));
}

/* Requests. */

/* The register @req accesses: 0..7, or -1 if it is not ours to answer. */
static int uart_reg(const struct config *cfg, const struct mvmm_request *req)
{
	const struct mvmm_event *ev = &req->ev;

	if (ev->size != 1)
		return -1;
	if (ev->type == MVMM_EV_IO && !(ev->flags & MVMM_EVF_STRING) &&
	    ev->qual >= cfg->port && ev->qual < cfg->port + UART_NR_REGS)
		return ev->qual - cfg->port;
	if (ev->type == MVMM_EV_MMIO && cfg->has_mmio &&
	    ev->qual >= cfg->mmio && ev->qual - cfg->mmio < UART_NR_REGS)
		return ev->qual - cfg->mmio;
	return -1;
}

static int serve(const struct mvmm_request *req, struct mvmm_answer *ans,
		 void *arg)
{
	struct server *srv = arg;
	int reg;

	/* A copy of an access KVM handles: not one our registers see. */
	if (req->flags & MVMM_REQF_OBSERVE)
		return 0;
	reg = uart_reg(srv->cfg, req);
	if (reg < 0)
		return 0;	/* ans is MVMM_ACT_MAIN */
	pthread_mutex_lock(&srv->lock);
	if (req->ev.flags & MVMM_EVF_WRITE) {
		uart16550_write(&srv->uart, reg, req->data);
		mvmm_ans_handled(ans, 0);
	} else {
		mvmm_ans_handled(ans, uart16550_read(&srv->uart, reg));
	}
	pthread_mutex_unlock(&srv->lock);
	srv->handled++;
	return 0;
}

/*
 * --stdin: what comes on stdin is appended to what the guest has yet to
 * receive, as it comes (a full buffer waits for the guest to read). A
 * NUL byte cannot be sent: the model's input is a string.
 */
static void *stdin_reader(void *arg)
{
	struct server *srv = arg;
	char buf[256];
	ssize_t n;
	size_t left, room;

	for (;;) {
		pthread_mutex_lock(&srv->lock);
		left = strlen(srv->uart.input);
		memmove(srv->input, srv->uart.input, left + 1);
		uart16550_set_input(&srv->uart, srv->input);
		pthread_mutex_unlock(&srv->lock);
		room = INPUT_MAX - left;
		if (!room) {
			usleep(10000);
			continue;
		}
		n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;	/* end of input: the guest gets no more */
		pthread_mutex_lock(&srv->lock);
		left = strlen(srv->uart.input);
		memmove(srv->input, srv->uart.input, left);
		memcpy(srv->input + left, buf, n);
		srv->input[left + n] = '\0';
		uart16550_set_input(&srv->uart, srv->input);
		pthread_mutex_unlock(&srv->lock);
	}
}

/* Setup. */

static void usage(void)
{
	printf("Usage: mvmm-uart { --socket PATH | --vm-fd N | --pid PID [--vm-id N] }\n"
	       "                 [--name NAME] [--port N] [--mmio ADDR] [--input STRING]\n"
	       "                 [--irq GSI] [--poll] [--timeout-ms N] [--count-file PATH]\n"
	       "                 [--stdin] [--quiet]\n"
	       "A 16550 UART at port N (default 0x3f8) for the VM whose KVM fd it gets\n"
	       "from the unix socket PATH, inherits as fd N, or takes from the running\n"
	       "main VMM PID (pidfd_getfd: needs ptrace access to PID; --vm-id, mvmm's\n"
	       "id of the VM, when PID has several), attached to /dev/mvmm as handler\n"
	       "NAME (default \"uart\"). Transmitted bytes go to stdout; the guest\n"
	       "receives --input's, then with --stdin stdin's as they come. With --irq,\n"
	       "its interrupt drives GSI line GSI of the VM (COM1: 4, COM2: 3 on a PC).\n");
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
	case 'p':
		cfg->port = sample_parse_range("port", arg, 0,
					       0x10000 - UART_NR_REGS);
		break;
	case 'm':
		cfg->mmio = sample_parse_range("address", arg, 0,
					       ~0ULL - UART_NR_REGS);
		cfg->has_mmio = true;
		break;
	case 'i':
		cfg->input = arg;
		break;
	case 'I':
		cfg->gsi = sample_parse_range("GSI", arg, 0, UINT_MAX);
		cfg->has_irq = true;
		break;
	case 'c':
		cfg->count_file = arg;
		break;
	case 'q':
		cfg->quiet = true;
		break;
	case 'S':
		cfg->stdin_input = true;
		break;
	}
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		SAMPLE_VM_LONGOPTS,
		SAMPLE_ATTACH_LONGOPTS,
		{ "name", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "input", required_argument, NULL, 'i' },
		{ "irq", required_argument, NULL, 'I' },
		{ "count-file", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sample_parse_args(argc, argv, longopts, usage, parse_opt, cfg,
			  &cfg->vm);
}

static void announce(const struct config *cfg)
{
	sample_announce("mvmm-uart", cfg->name, sec, &cfg->vm);
	fprintf(stderr, ", port 0x%x", cfg->port);
	if (cfg->has_mmio)
		fprintf(stderr, ", mmio 0x%llx", cfg->mmio);
	if (cfg->has_irq)
		fprintf(stderr, ", GSI %u", cfg->gsi);
	fputc('\n', stderr);
}

static void write_count(const char *path, unsigned long handled)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "handled %lu\n", handled) < 0 || fclose(f))
		sample_die(2, "cannot write %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct config cfg = { .name = "uart", .vm = SAMPLE_VM_INIT,
			      .port = 0x3f8 };
	struct server srv = { .cfg = &cfg, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t reader;
	sigset_t sigs;
	int vm_fd, ret;

	parse_args(argc, argv, &cfg);
	if (cfg.input && strlen(cfg.input) > INPUT_MAX)
		sample_die(1, "--input is longer than %d bytes", INPUT_MAX);
	snprintf(srv.input, sizeof(srv.input), "%s", cfg.input ? cfg.input : "");
	uart16550_init(&srv.uart, srv.input, uart_tx,
		       cfg.has_irq ? uart_set_irq : NULL, &srv);
	/* Interrupt-driven: the input waits for a driver ready for it. */
	srv.uart.rx_wait_erbfi = cfg.has_irq;
	/* What the guest prints shows up line by line, even in a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	vm_fd = sample_vm_fd(&cfg.vm);
	sample_catch_signals(&sigs, &sec);
	sec = sample_attach(&cfg.vm, vm_fd, cfg.name, &cfg.opts);
	/*
	 * The line starts low, as the model's output does: this also
	 * checks that the VM can have it (ENXIO without KVM's in-kernel
	 * irqchip, EINVAL for a GSI it does not route).
	 */
	if (cfg.has_irq) {
		ret = mvmm_sec_irq_line(sec, cfg.gsi, 0, NULL);
		if (ret < 0) {
			mvmm_sec_detach(sec);
			sample_die(2, "cannot drive GSI %u: %s", cfg.gsi,
				   strerror(-ret));
		}
	}
	if (!cfg.quiet)
		announce(&cfg);

	/* Started with the signals blocked: they stop the run loop. */
	if (cfg.stdin_input) {
		ret = pthread_create(&reader, NULL, stdin_reader, &srv);
		if (ret)
			sample_die(2, "cannot start the stdin reader: %s",
				   strerror(ret));
		pthread_detach(reader);
	}
	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	ret = mvmm_sec_run(sec, serve, &srv);
	fflush(stdout);
	if (cfg.count_file)
		write_count(cfg.count_file, srv.handled);
	mvmm_sec_detach(sec);
	if (ret < 0)
		sample_die(2, "serving requests: %s", strerror(-ret));
	return 0;
}

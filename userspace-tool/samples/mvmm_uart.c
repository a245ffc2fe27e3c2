// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm-uart: a 16550 UART served from userspace through /dev/mvmm.
 *
 * The guest's accesses to the UART's 8 ports (and, with --mmio, to the same
 * 8 registers at a guest-physical address) reach this process as mvmm
 * requests; bytes the guest transmits are printed on stdout, bytes given
 * with --input are what it receives. No interrupts: IIR always says none
 * is pending, a guest driver must poll LSR.
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
#include <unistd.h>

#include "libmvmm.h"
#include "sample_util.h"

#define UART_NR_REGS	8

/* Register offsets (DLAB = LCR bit 7 turns 0 and 1 into the divisor). */
enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01	/* a received byte is waiting */
#define LSR_THRE_TEMT	0x60	/* transmitter empty: we send at once */
#define IIR_NO_INT	0x01
#define IIR_FIFO	0xc0	/* FIFOs enabled (a 16550A) */
#define FCR_ENABLE	0x01
#define MSR_DCD_DSR_CTS	0xb0	/* a modem that is always there */

struct uart {
	unsigned char ier, fcr, lcr, mcr, scr, dll, dlm;
	const char *input;	/* bytes left to receive */
};

struct config {
	const char *name, *count_file, *input;
	struct sample_vm vm;
	unsigned int port;
	unsigned long long mmio;
	bool has_mmio, quiet;
	struct mvmm_sec_opts opts;
};

struct server {
	struct uart uart;
	const struct config *cfg;
	unsigned long handled;	/* requests answered HANDLED */
};

static struct mvmm_sec *sec;	/* for the signal handler */

/* The device model. */

/* MSR in loopback mode: the outputs of MCR come back as modem inputs. */
static unsigned char uart_loop_msr(unsigned char mcr)
{
	return (mcr & 0x01 ? 0x20 : 0) |	/* DTR  -> DSR */
	       (mcr & 0x02 ? 0x10 : 0) |	/* RTS  -> CTS */
	       (mcr & 0x04 ? 0x40 : 0) |	/* OUT1 -> RI */
	       (mcr & 0x08 ? 0x80 : 0);		/* OUT2 -> DCD */
}

static unsigned char uart_receive(struct uart *u)
{
	return u->input && *u->input ? (unsigned char)*u->input++ : 0;
}

static unsigned char uart_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case RBR_THR_DLL:
		return dlab ? u->dll : uart_receive(u);
	case IER_DLM:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		return IIR_NO_INT | (u->fcr & FCR_ENABLE ? IIR_FIFO : 0);
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE_TEMT | (u->input && *u->input ? LSR_DR : 0);
	case MSR:
		return u->mcr & MCR_LOOP ? uart_loop_msr(u->mcr) : MSR_DCD_DSR_CTS;
	default:
		return u->scr;
	}
}

static void uart_transmit(unsigned char c)
{
	putchar(c);	/* stdout is line-buffered: see main() */
}

static void uart_write(struct uart *u, unsigned int reg, unsigned char val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case RBR_THR_DLL:
		if (dlab)
			u->dll = val;
		else
			uart_transmit(val);
		break;
	case IER_DLM:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = val & 0xc9;	/* FIFO enable, DMA mode, trigger level */
		break;
	case LCR:
		u->lcr = val;
		break;
	case MCR:
		u->mcr = val & 0x1f;
		break;
	case SCR:
		u->scr = val;
		break;
	default:		/* LSR and MSR are read-only */
		break;
	}
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
	if (req->ev.flags & MVMM_EVF_WRITE) {
		uart_write(&srv->uart, reg, req->data);
		mvmm_ans_handled(ans, 0);
	} else {
		mvmm_ans_handled(ans, uart_read(&srv->uart, reg));
	}
	srv->handled++;
	return 0;
}

/* Setup. */

static void usage(void)
{
	printf("Usage: mvmm-uart { --socket PATH | --vm-fd N | --pid PID [--vm-id N] }\n"
	       "                 [--name NAME] [--port N] [--mmio ADDR] [--input STRING]\n"
	       "                 [--poll] [--timeout-ms N] [--count-file PATH] [--quiet]\n"
	       "A 16550 UART at port N (default 0x3f8) for the VM whose KVM fd it gets\n"
	       "from the unix socket PATH, inherits as fd N, or takes from the running\n"
	       "main VMM PID (pidfd_getfd: needs ptrace access to PID; --vm-id, mvmm's\n"
	       "id of the VM, when PID has several), attached to /dev/mvmm as handler\n"
	       "NAME (default \"uart\"). Transmitted bytes go to stdout.\n");
}

static void parse_opt(int c, const char *arg, struct config *cfg)
{
	if (sample_vm_opt(c, arg, &cfg->vm))
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
	case 'P':
		cfg->opts.flags |= MVMM_ATTACH_POLL;
		break;
	case 't':
		cfg->opts.timeout_ms = sample_parse_range("timeout", arg, 0,
							  UINT_MAX);
		break;
	case 'c':
		cfg->count_file = arg;
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
		{ "name", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "input", required_argument, NULL, 'i' },
		{ "poll", no_argument, NULL, 'P' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "count-file", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			exit(0);
		}
		if (c == ':')
			sample_die(1, "option \"%s\" needs a value", argv[optind - 1]);
		if (c == '?')
			sample_die(1, "unknown option \"%s\"", argv[optind - 1]);
		parse_opt(c, optarg, cfg);
	}
	if (optind < argc)
		sample_die(1, "unexpected argument \"%s\"", argv[optind]);
	sample_vm_check(&cfg->vm);
}

static void announce(const struct config *cfg)
{
	fprintf(stderr, "mvmm-uart: \"%s\" attached to VM %u", cfg->name,
		mvmm_sec_vm_id(sec));
	if (cfg->vm.pid)
		fprintf(stderr, " of process %d", (int)cfg->vm.pid);
	fprintf(stderr, ", port 0x%x", cfg->port);
	if (cfg->has_mmio)
		fprintf(stderr, ", mmio 0x%llx", cfg->mmio);
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
	struct server srv = { .cfg = &cfg };
	sigset_t sigs;
	int vm_fd, ret;

	parse_args(argc, argv, &cfg);
	srv.uart.input = cfg.input;
	/* What the guest prints shows up line by line, even in a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	vm_fd = sample_vm_fd(&cfg.vm);
	sample_catch_signals(&sigs, &sec);
	sec = sample_attach(&cfg.vm, vm_fd, cfg.name, &cfg.opts);
	if (!cfg.quiet)
		announce(&cfg);

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

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
#include "apic.h"

#include <errno.h>
#include <fcntl.h>
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
	const char *path = mvmm_ut_sample_path("MVMM_UART",
					       "mvmm-uart-static");
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

/* SIGTERM: it must write its count and exit 0; its whole stdout. */
static void uart_stop(struct uart *u, char *out, size_t len,
		      unsigned long *handled)
{
	int status = mvmm_ut_sample_stop(u->pid, u->out, out, len);
	FILE *f;

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
	struct mvmm_handler_info h0, h1;
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
	mvmm_ut_sample_attached(self->s, name, self->u.pid, "the UART sample",
				WAIT_MS, &h0);
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
	mvmm_hd_check("UART session", &h0, &h1,
		      &(struct mvmm_hdelta){ .events = accesses,
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

/*
 * Interrupts: the sample as COM2 (ports 0x2f8-0x2ff, --irq 3) of a guest
 * of its own that unmasks IOAPIC pin 3 (ISA IRQ 3, edge-triggered) on a
 * vector whose handler reads IIR until it says none is pending, serving
 * each source: received data read while LSR says so, THR empty
 * acknowledged by the IIR read itself. The guest goes through stages,
 * and counts the interrupts each one took:
 *  - OUT2 clear, ETBEI set: LSR says nothing received, RBR reads 0 (the
 *    sample's --input waits for the first ERBFI); ERBFI set too: no
 *    interrupt (IIR says 0x04 all the same);
 *  - OUT2 set, IER 0, a byte sent: none;
 *  - ETBEI set, THR empty: one, IIR 0x02;
 *  - 8 bytes written to THR, each once the one before was taken: 8;
 *  - ERBFI set with 20 bytes of --input waiting, the handler reading 4
 *    per interrupt and then clearing ERBFI, which the guest sets again
 *    until 8 are read: 2, IIR 0x04;
 *  - FIFOs on (FCR 0xc1: trigger 14, 12 bytes left), ERBFI: one, IIR
 *    0xcc (character timeout), the 12 bytes read in it;
 *  - OUT2 clear, ETBEI set: none; then OUT2 set: one, IIR 0x02;
 *  - ETBEI set again while the IOAPIC pin is masked: none, the edge
 *    lost; the pin unmasked, a byte written to THR: one (the write
 *    cleared THR empty and the sample lowered the line: a new edge);
 *  - IER 0, a byte sent: none.
 * Exact: 14 interrupts, their IIR values in order, all the bytes received,
 * the sample's stdout, and its count of the guest's UART accesses.
 */
#define COM2		0x2f8
#define COM2_GSI	3
#define COM2_VEC	0x43
#define IOAPIC_GPA	0xfec00000ULL
#define IRQ_INPUT	"0123456789abcdefghij"
#define IRQ_TX		"THRE-irq"
#define IRQ_STDOUT	"!!" IRQ_TX "+."
#define RX1_BYTES	8
#define RX1_BATCH	4
#define IIR_LOG		32

enum { R_RBR, R_IER, R_IIR, R_LCR, R_MCR, R_LSR };
enum { S_OUT2_CLEAR, S_IER_0, S_ETBEI, S_TX, S_RX, S_RX_FIFO, S_OUT2_GATE,
       S_OUT2_SET, S_MASKED, S_REEDGE, S_END, NR_STAGES };

static const char *const stage_names[NR_STAGES] = {
	"OUT2 clear, ETBEI and ERBFI set", "OUT2 set, IER 0, a byte sent",
	"ETBEI set, THR empty", "8 bytes sent, THR empty after each",
	"ERBFI, 4 bytes read per interrupt", "FIFOs on, trigger 14, 12 bytes",
	"OUT2 clear, ETBEI set", "then OUT2 set",
	"ETBEI set again, IOAPIC pin masked", "pin unmasked, a byte sent",
	"IER 0, a byte sent",
};
static const uint64_t stage_want[NR_STAGES] = { 0, 0, 1, 8, 2, 1, 0, 1, 0, 1,
						0 };
static const uint8_t iir_want[] = {
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
	0x04, 0x04, 0xcc, 0x02, 0x02,
};

/* The guest's record, read by the host once it is done. */
static struct {
	uint64_t irqs, spurious, stage_irqs[NR_STAGES];
	uint64_t acc_main, acc_isr;	/* UART accesses */
	uint32_t stage, rx_batch, nrx, niir;
	uint8_t ier;			/* what the guest last wrote */
	uint8_t iir[IIR_LOG];		/* in the handler, not 0x01 */
	uint8_t polled[4];		/* IIR read outside the handler */
	uint8_t early_lsr, early_rbr;	/* before ERBFI was ever set */
	char rx[32];
} g;

static uint8_t com2_in(int reg, uint64_t *acc)
{
	uint8_t v;

	asm volatile("inb %w1, %b0" : "=a"(v) : "Nd"(COM2 + reg) : "memory");
	WRITE_ONCE(*acc, *acc + 1);
	return v;
}

static void com2_out(int reg, uint8_t v, uint64_t *acc)
{
	asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(COM2 + reg) : "memory");
	WRITE_ONCE(*acc, *acc + 1);
}

#define uin(reg)	com2_in(reg, &g.acc_main)
#define uout(reg, v)	com2_out(reg, v, &g.acc_main)

static void set_ier(uint8_t ier)
{
	WRITE_ONCE(g.ier, ier);
	uout(R_IER, ier);
}

static void isr_com2(struct ex_regs *regs)
{
	uint8_t iir = com2_in(R_IIR, &g.acc_isr);
	uint32_t n;

	g.irqs++;
	g.stage_irqs[g.stage]++;
	if (iir & 1)
		g.spurious++;
	while (!(iir & 1)) {
		if (g.niir < IIR_LOG)
			g.iir[g.niir++] = iir;
		if ((iir & 0x0f) == 0x04 || (iir & 0x0f) == 0x0c) {
			for (n = 0; com2_in(R_LSR, &g.acc_isr) & 1; n++) {
				if (g.rx_batch && n == g.rx_batch) {
					g.ier &= ~1;
					com2_out(R_IER, g.ier, &g.acc_isr);
					break;
				}
				g.rx[g.nrx++ & 31] = com2_in(R_RBR, &g.acc_isr);
			}
		}
		/* THR empty (0x02): the IIR read acknowledged it. */
		iir = com2_in(R_IIR, &g.acc_isr);
	}
	x2apic_write_reg(APIC_EOI, 0);
}

/* Until the handler ran @n times in all (bounded). */
static void wait_irqs(uint64_t n)
{
	int i;

	for (i = 0; i < 1000000 && READ_ONCE(g.irqs) < n; i++)
		asm volatile("pause" ::: "memory");
}

/*
 * An interrupt raised during an access is delivered as soon as the vCPU
 * runs again: a few more accesses and a pause leave time for any.
 */
static void quiet(void)
{
	int i;

	for (i = 0; i < 3; i++)
		uin(R_LSR);
	for (i = 0; i < 20000; i++)
		asm volatile("pause" ::: "memory");
}

static void stage(uint32_t s)
{
	quiet();
	WRITE_ONCE(g.stage, s);
}

static void ioapic_write(uint32_t reg, uint32_t val)
{
	WRITE_ONCE(*(uint32_t *)IOAPIC_GPA, reg);		/* IOREGSEL */
	WRITE_ONCE(*(uint32_t *)(IOAPIC_GPA + 0x10), val);	/* IOWIN */
}

static MVMM_GUEST_ENTRY void irq_guest(void)
{
	uint64_t n;
	int i;

	/* The PIC masked, as firmware leaves it: only the IOAPIC's pin. */
	asm volatile("outb %b0, $0x21\n\toutb %b0, $0xa1" : : "a"(0xff));
	x2apic_enable();
	x2apic_write_reg(0x350, 1 << 16);		/* LVT0 masked */
	ioapic_write(0x10 + 2 * COM2_GSI + 1, 0);	/* APIC id 0 */
	ioapic_write(0x10 + 2 * COM2_GSI, COM2_VEC);	/* edge, high */
	asm volatile("sti" ::: "memory");

	WRITE_ONCE(g.stage, S_OUT2_CLEAR);
	uout(R_LCR, 0x03);
	uout(R_IIR, 0);				/* FCR: no FIFOs */
	set_ier(0);
	uout(R_MCR, 0x03);			/* DTR, RTS */
	g.polled[0] = uin(R_IIR);
	set_ier(0x02);
	uout(R_RBR, '!');
	/* With --irq, --input waits for the guest's first ERBFI. */
	g.early_lsr = uin(R_LSR);
	g.early_rbr = uin(R_RBR);
	set_ier(0x03);
	quiet();
	g.polled[1] = uin(R_IIR);
	set_ier(0);
	g.polled[2] = uin(R_IIR);

	stage(S_IER_0);
	uout(R_MCR, 0x0b);			/* DTR, RTS, OUT2 */
	uout(R_RBR, '!');

	stage(S_ETBEI);
	set_ier(0x02);
	wait_irqs(1);

	stage(S_TX);
	for (i = 0; IRQ_TX[i]; i++) {
		n = READ_ONCE(g.irqs);
		uout(R_RBR, IRQ_TX[i]);
		wait_irqs(n + 1);
	}
	quiet();
	set_ier(0);

	stage(S_RX);
	WRITE_ONCE(g.rx_batch, RX1_BATCH);
	for (i = 0; i < 10 && READ_ONCE(g.nrx) < RX1_BYTES; i++) {
		n = READ_ONCE(g.irqs);
		set_ier(0x01);
		wait_irqs(n + 1);
	}
	quiet();

	stage(S_RX_FIFO);
	WRITE_ONCE(g.rx_batch, 0);
	uout(R_IIR, 0xc1);			/* FCR: FIFOs, trigger 14 */
	set_ier(0x01);
	wait_irqs(READ_ONCE(g.irqs) + 1);
	quiet();
	g.polled[3] = uin(R_IIR);
	set_ier(0);
	uout(R_IIR, 0);

	stage(S_OUT2_GATE);
	uout(R_MCR, 0x03);
	set_ier(0x02);

	stage(S_OUT2_SET);
	n = READ_ONCE(g.irqs);
	uout(R_MCR, 0x0b);
	wait_irqs(n + 1);

	/*
	 * The edge of THR empty lost at a masked pin (KVM's IOAPIC keeps
	 * the pin's IRR bit, so a line that stayed high would give no new
	 * edge): a write to THR clears the interrupt and THR empties again,
	 * a new edge, as on a 16550.
	 */
	stage(S_MASKED);
	ioapic_write(0x10 + 2 * COM2_GSI, COM2_VEC | 1 << 16);
	set_ier(0);
	set_ier(0x02);
	ioapic_write(0x10 + 2 * COM2_GSI, COM2_VEC);

	stage(S_REEDGE);
	n = READ_ONCE(g.irqs);
	uout(R_RBR, '+');
	wait_irqs(n + 1);

	stage(S_END);
	set_ier(0);
	uout(R_RBR, '.');
	stage(S_END);
	asm volatile("cli" ::: "memory");
	GUEST_DONE();
}

FIXTURE(uart_irq) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct mvmm_rsk *s;
	struct uart u;
};

FIXTURE_SETUP(uart_irq)
{
	self->vm = vm_create_with_one_vcpu(&self->vcpu, irq_guest);
	vm_init_descriptor_tables(self->vm);
	vcpu_init_descriptor_tables(self->vcpu);
	vm_install_exception_handler(self->vm, COM2_VEC, isr_com2);
	virt_pg_map(self->vm, IOAPIC_GPA, IOAPIC_GPA);
	self->s = mvmm_ut_rsk_open();
}

FIXTURE_TEARDOWN(uart_irq)
{
	uart_cleanup(&self->u);
	mvmm_rsk_close(self->s);
	kvm_vm_free(self->vm);
}

TEST_F_TIMEOUT(uart_irq, com2, 300)
{
	char *extra[] = { "--name", "uart-irq", "--port", "0x2f8", "--irq",
			  "3", "--input", IRQ_INPUT, NULL };
	typeof(g) *hg = addr_gva2hva(self->vm, (vm_vaddr_t)&g);
	char out[4096], iirs[3 * IIR_LOG + 1] = "";
	unsigned long handled;
	struct mvmm_handler_info h;
	struct ucall uc;
	bool bad = false;
	uint64_t acc;
	uint32_t i;

	uart_spawn(&self->u, extra);
	uart_give_vm(&self->u, self->vm->fd);
	mvmm_ut_sample_attached(self->s, "uart-irq", self->u.pid,
				"the UART sample", WAIT_MS, &h);
	mvmm_ut_rule_add(self->s, h.vm_id, MVMM_EV_IO, COM2, COM2 + 7,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, "uart-irq");

	vcpu_run(self->vcpu);
	switch (get_ucall(self->vcpu, &uc)) {
	case UCALL_DONE:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("Expected the guest's DONE, got exit reason %u (port %#x: a COM2 access the sample did not answer?)",
			  self->vcpu->run->exit_reason,
			  self->vcpu->run->io.port);
	}

	for (i = 0; i < NR_STAGES; i++) {
		printf("# %-38s %lu interrupt(s), want %lu\n", stage_names[i],
		       (unsigned long)hg->stage_irqs[i],
		       (unsigned long)stage_want[i]);
		bad |= hg->stage_irqs[i] != stage_want[i];
	}
	for (i = 0; i < hg->niir && i < IIR_LOG; i++)
		sprintf(iirs + 3 * i, " %02x", hg->iir[i]);
	printf("# IIR in the handler:%s; outside: %02x %02x %02x %02x; %lu without a source\n",
	       iirs, hg->polled[0], hg->polled[1], hg->polled[2],
	       hg->polled[3], (unsigned long)hg->spurious);
	printf("# received %u bytes: \"%.*s\"\n", hg->nrx,
	       (int)(hg->nrx < 32 ? hg->nrx : 32), hg->rx);
	TEST_ASSERT(!bad, "Expected the interrupts per stage given above");
	TEST_ASSERT(hg->irqs == ARRAY_SIZE(iir_want) && !hg->spurious,
		    "Expected %zu interrupts, each with a source in IIR, got %lu (%lu without)",
		    ARRAY_SIZE(iir_want), (unsigned long)hg->irqs,
		    (unsigned long)hg->spurious);
	TEST_ASSERT(hg->niir == ARRAY_SIZE(iir_want) &&
		    !memcmp(hg->iir, iir_want, sizeof(iir_want)),
		    "Expected IIR 02 x9, 04 04 cc 02 02 in the handler, got%s",
		    iirs);
	TEST_ASSERT(hg->polled[0] == 0x01 && hg->polled[1] == 0x04 &&
		    hg->polled[2] == 0x01 && hg->polled[3] == 0xc1,
		    "Expected IIR 01 (reset), 04 (with OUT2 clear), 01 (IER 0), c1 (FIFOs, read empty), got %02x %02x %02x %02x",
		    hg->polled[0], hg->polled[1], hg->polled[2], hg->polled[3]);
	TEST_ASSERT(hg->early_lsr == 0x60 && hg->early_rbr == 0,
		    "Expected LSR 0x60 and RBR 0 before ERBFI was set (--input waiting), got %#x and %#x",
		    hg->early_lsr, hg->early_rbr);
	TEST_ASSERT(hg->nrx == strlen(IRQ_INPUT) &&
		    !memcmp(hg->rx, IRQ_INPUT, hg->nrx),
		    "Expected the handler to receive \"%s\"", IRQ_INPUT);

	acc = hg->acc_main + hg->acc_isr;
	uart_stop(&self->u, out, sizeof(out), &handled);
	printf("# the sample printed \"%s\"; handled %lu, the guest made %lu accesses\n",
	       out, handled, (unsigned long)acc);
	TEST_ASSERT(!strcmp(out, IRQ_STDOUT),
		    "Expected the sample's stdout to be \"%s\", got \"%s\"",
		    IRQ_STDOUT, out);
	TEST_ASSERT(handled == acc,
		    "Expected the sample to count the guest's %lu accesses, got %lu",
		    (unsigned long)acc, handled);
}

/* The harness ends each test with _exit(): nothing may stay buffered. */
static void __attribute__((constructor)) line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

TEST_HARNESS_MAIN

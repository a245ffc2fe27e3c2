// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm-uart's 16550A register model (samples/uart16550.c) without a VM:
 * the registers a polling guest sees, IIR's priorities and FIFO bits,
 * the THR empty interrupt's raising and clearing, received data until
 * RBR is read empty, input that arrives later, and the interrupt output: each change of level,
 * exactly, gated by MCR's OUT2. Those changes are what mvmm-uart turns
 * into MVMM_IOC_IRQ_LINE, one per change: an ISA IRQ at the IOAPIC takes
 * one interrupt per rising edge.
 */
#include <stdio.h>
#include <string.h>

#include "../../samples/uart16550.h"
#include "../../tests/tap.h"

struct rec {
	char tx[64];
	char irq[64];	/* the output's changes: "1", "0" */
	int ntx, nirq;
};

static void rec_tx(void *arg, unsigned char c)
{
	struct rec *r = arg;

	if (r->ntx < (int)sizeof(r->tx) - 1)
		r->tx[r->ntx++] = c;
}

static void rec_irq(void *arg, int level)
{
	struct rec *r = arg;

	if (r->nirq < (int)sizeof(r->irq) - 1)
		r->irq[r->nirq++] = level ? '1' : '0';
}

static struct uart16550 u;
static struct rec r;

static void reset(const char *input)
{
	memset(&r, 0, sizeof(r));
	uart16550_init(&u, input, rec_tx, rec_irq, &r);
}

/* The output's changes since the last call, as a string. */
static const char *edges(void)
{
	static char buf[64];

	strcpy(buf, r.irq);
	memset(r.irq, 0, sizeof(r.irq));
	r.nirq = 0;
	return buf;
}

static void test_polling(void)
{
	int i;

	reset("hi");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01 &&
	      uart16550_read(&u, IER_DLM) == 0,
	      "reset: IIR 0x01, IER 0");
	CHECK(uart16550_read(&u, LSR) == 0x61, "LSR 0x61 while input is left");
	uart16550_write(&u, LCR, 0x03);
	uart16550_write(&u, MCR, 0x0b);	/* DTR, RTS, OUT2 */
	for (i = 0; i < 3; i++)
		uart16550_write(&u, RBR_THR_DLL, 'a' + i);
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 'h' &&
	      uart16550_read(&u, RBR_THR_DLL) == 'i' &&
	      uart16550_read(&u, LSR) == 0x60 &&
	      uart16550_read(&u, RBR_THR_DLL) == 0,
	      "RBR: the input, then 0; LSR 0x60 once it is read");
	CHECK_STR(r.tx, "abc", "THR: transmitted");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01,
	      "IER 0: IIR says no interrupt after all that");
	CHECK_STR(edges(), "", "IER 0: the output never rose");
}

static void test_dlab(void)
{
	reset(NULL);
	uart16550_write(&u, MCR, 0x08);
	uart16550_write(&u, LCR, 0x83);
	uart16550_write(&u, RBR_THR_DLL, 0x0c);
	uart16550_write(&u, IER_DLM, 0x02);
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 0x0c &&
	      uart16550_read(&u, IER_DLM) == 0x02,
	      "DLAB: registers 0 and 1 are the divisor");
	uart16550_write(&u, LCR, 0x03);
	CHECK(uart16550_read(&u, IER_DLM) == 0 && !r.ntx && !*edges(),
	      "DLAB: nothing sent, IER untouched, no interrupt");
}

static void test_thre(void)
{
	reset(NULL);
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK_STR(edges(), "1", "ETBEI set, THR empty: the output rises");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02, "IIR 0x02: THR empty");
	CHECK_STR(edges(), "0", "the IIR read that reported it clears it");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01, "then IIR 0x01");
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK_STR(edges(), "", "ETBEI written again, already set: no interrupt");
	uart16550_write(&u, RBR_THR_DLL, 'x');
	CHECK_STR(edges(), "1", "a THR write, sent: THR empty again, raised");
	uart16550_write(&u, RBR_THR_DLL, 'y');
	CHECK_STR(edges(), "01",
		  "a THR write with THRE pending: cleared, then raised again (a new edge)");
	CHECK(uart16550_read(&u, LSR) == 0x60 && uart16550_iir(&u) == 0x02,
	      "LSR reads do not clear it");
	CHECK_STR(edges(), "", "no change on LSR reads");
	uart16550_write(&u, IER_DLM, 0);
	CHECK_STR(edges(), "0", "IER 0: the output falls");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01, "IER 0: IIR 0x01");
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02 && !strcmp(edges(), "10"),
	      "ETBEI off and on again: THR empty once more");
	CHECK_STR(r.tx, "xy", "both bytes sent");

	/* Linux's 8250 startup test (UART_BUG_THRE), OUT2 still set. */
	reset(NULL);
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02, "8250 THRE test: iir1");
	uart16550_write(&u, IER_DLM, 0);
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02, "8250 THRE test: iir again");
	uart16550_write(&u, IER_DLM, 0);
	CHECK_STR(edges(), "1010", "8250 THRE test: two interrupts, both lowered");
}

static void test_rx(void)
{
	reset("abc");
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK_STR(edges(), "1", "ERBFI with input waiting: raised");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x04 &&
	      uart16550_read(&u, IIR_FCR) == 0x04,
	      "IIR 0x04, not cleared by reading IIR");
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 'a' &&
	      uart16550_read(&u, RBR_THR_DLL) == 'b' && !*edges(),
	      "held while bytes are left");
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 'c' && !strcmp(edges(), "0"),
	      "lowered when RBR is read empty");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01 &&
	      uart16550_read(&u, RBR_THR_DLL) == 0 && !*edges(),
	      "then IIR 0x01, and an empty RBR reads 0");

	/* ERBFI masked and unmasked: one interrupt per enable. */
	reset("abcd");
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_write(&u, IER_DLM, 0);
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_read(&u, RBR_THR_DLL);
	CHECK_STR(edges(), "1010", "ERBFI off with input left, on again: a new edge");

	/* rx_wait_erbfi: nothing received until ERBFI is first set. */
	reset("xy");
	u.rx_wait_erbfi = true;
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	uart16550_read(&u, IIR_FCR);
	CHECK(uart16550_read(&u, LSR) == 0x60 &&
	      uart16550_read(&u, RBR_THR_DLL) == 0 &&
	      uart16550_read(&u, RBR_THR_DLL) == 0,
	      "rx_wait_erbfi: LSR 0x60 and RBR 0 before ERBFI, nothing taken");
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK(uart16550_read(&u, LSR) == 0x61 &&
	      uart16550_read(&u, IIR_FCR) == 0x04,
	      "rx_wait_erbfi: the input there once ERBFI is set, IIR 0x04");
	uart16550_write(&u, IER_DLM, 0);
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 'x' &&
	      uart16550_read(&u, RBR_THR_DLL) == 'y' &&
	      !strcmp(edges(), "1010"),
	      "rx_wait_erbfi: and it stays when ERBFI is cleared");
}

/* Input that arrives later (mvmm-uart --stdin): uart16550_set_input(). */
static void test_input(void)
{
	reset("");
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK(!*edges() && uart16550_read(&u, LSR) == 0x60,
	      "no input yet: LSR 0x60, the output low");
	uart16550_set_input(&u, "hi");
	CHECK_STR(edges(), "1", "input arriving with ERBFI set: raised at once");
	CHECK(uart16550_read(&u, RBR_THR_DLL) == 'h' &&
	      uart16550_read(&u, RBR_THR_DLL) == 'i' && !strcmp(edges(), "0"),
	      "read as it came, lowered when read empty");
	uart16550_set_input(&u, "");
	CHECK(!*edges(), "no input again: no edge");

	/* ERBFI off when it arrives: no interrupt until it is set. */
	uart16550_write(&u, IER_DLM, 0);
	uart16550_set_input(&u, "x");
	CHECK(!*edges() && uart16550_read(&u, LSR) == 0x61,
	      "input with ERBFI off: LSR 0x61, no edge");
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK_STR(edges(), "1", "then ERBFI on: raised");
}

static void test_priority(void)
{
	reset("ab");
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ERBFI | IER_ETBEI | IER_ELSI |
			IER_EDSSI);
	CHECK(uart16550_read(&u, IIR_FCR) == 0x04,
	      "received data before THR empty");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x04,
	      "THR empty not cleared by an IIR read that reported data");
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_read(&u, RBR_THR_DLL);
	CHECK_STR(edges(), "1", "held high from one source to the next");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02 && !strcmp(edges(), "0"),
	      "then THR empty, and reading it lowers the output");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01 &&
	      uart16550_read(&u, IER_DLM) == 0x0f,
	      "no line status or modem status interrupt; IER keeps 4 bits");
}

static void test_fifo(void)
{
	reset("abc");
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IIR_FCR, 0x07);	/* enable, reset both */
	CHECK(uart16550_read(&u, IIR_FCR) == 0xc1, "FIFOs on: IIR 0xc1");
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK(uart16550_read(&u, IIR_FCR) == 0xc4,
	      "trigger 1, 3 bytes: IIR 0xc4 (the FIFO reset dropped none)");
	uart16550_write(&u, IIR_FCR, 0xc1);
	CHECK(uart16550_read(&u, IIR_FCR) == 0xcc,
	      "trigger 14, 3 bytes: IIR 0xcc, character timeout");
	CHECK_STR(edges(), "1", "raised once");
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_read(&u, RBR_THR_DLL);
	uart16550_read(&u, RBR_THR_DLL);
	CHECK(uart16550_read(&u, IIR_FCR) == 0xc1 && !strcmp(edges(), "0"),
	      "read empty: IIR 0xc1, lowered");
	uart16550_write(&u, IIR_FCR, 0);
	CHECK(uart16550_read(&u, IIR_FCR) == 0x01, "FIFOs off: IIR 0x01");

	reset("0123456789abcdefghij");
	uart16550_write(&u, IIR_FCR, 0xc1);
	uart16550_write(&u, IER_DLM, IER_ERBFI);
	CHECK(uart16550_iir(&u) == 0xc4, "trigger 14, 20 bytes: IIR 0xc4");
}

static void test_out2(void)
{
	reset(NULL);
	uart16550_write(&u, MCR, 0x03);		/* DTR, RTS: no OUT2 */
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	CHECK(uart16550_iir(&u) == 0x02 && !*edges(),
	      "OUT2 clear: pending in IIR, the output stays low");
	uart16550_write(&u, MCR, 0x0b);
	CHECK_STR(edges(), "1", "OUT2 set with an interrupt pending: raised");
	uart16550_write(&u, MCR, 0x03);
	CHECK_STR(edges(), "0", "OUT2 cleared: lowered");
	uart16550_write(&u, MCR, 0x1b);
	CHECK(!*edges() && uart16550_read(&u, MSR) == 0xb0,
	      "loopback: OUT2 drives DCD (MSR 0xb0), not the interrupt");
	uart16550_write(&u, MCR, 0x0b);
	CHECK_STR(edges(), "1", "loopback off, OUT2 on: raised");
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02 && !strcmp(edges(), "0"),
	      "and the IIR read lowers it");

	/* No set_irq: a UART not wired to a line works the same. */
	uart16550_init(&u, NULL, NULL, NULL, NULL);
	uart16550_write(&u, MCR, 0x0b);
	uart16550_write(&u, IER_DLM, IER_ETBEI);
	uart16550_write(&u, RBR_THR_DLL, 'z');
	CHECK(uart16550_read(&u, IIR_FCR) == 0x02 &&
	      uart16550_read(&u, IIR_FCR) == 0x01,
	      "without tx or set_irq: same registers");
}

int main(void)
{
	test_polling();
	test_dlab();
	test_thre();
	test_rx();
	test_input();
	test_priority();
	test_fifo();
	test_out2();
	return tap_done();
}

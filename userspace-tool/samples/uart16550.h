/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 16550A register model of mvmm-uart, apart from /dev/mvmm: what the
 * guest reads and writes at the UART's 8 registers, and the level of its
 * interrupt output (libmvmm/tests/test_uart.c tests it without a VM).
 *
 * The transmitter sends each byte at once (THR and the shift register are
 * always empty again after a write); the receiver holds the bytes of the
 * input string, all of them arrived (or, with rx_wait_erbfi, arriving
 * when the guest first enables the received data interrupt). Interrupts, by priority (IIR):
 * line status (0x06: never, no byte is received in error), received data
 * (0x04, or 0x0c "character timeout" with the FIFOs on while fewer bytes
 * wait than the trigger level: a device whose input stops comes to that
 * at once), THR empty (0x02: set when THR empties and when IER's ETBEI
 * goes from 0 to 1, cleared by a read of IIR that reports it and by a
 * write to THR), modem status (0x00: never). IIR has 0xc0 set with the
 * FIFOs on. The output is the highest enabled pending source, gated as
 * on a PC by MCR's OUT2 (and off in loopback, where OUT2 drives DCD).
 */
#ifndef MVMM_UART16550_H
#define MVMM_UART16550_H

#include <stdbool.h>

#define UART_NR_REGS	8

/* Register offsets (DLAB = LCR bit 7 turns 0 and 1 into the divisor). */
enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* THR empty */
#define IER_ELSI	0x04	/* line status */
#define IER_EDSSI	0x08	/* modem status */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_RLS		0x06
#define IIR_CTI		0x0c	/* character timeout (FIFO mode) */
#define IIR_FIFO	0xc0	/* FIFOs enabled (a 16550A) */

#define FCR_ENABLE	0x01
#define LCR_DLAB	0x80
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01	/* a received byte is waiting */
#define LSR_THRE_TEMT	0x60	/* transmitter empty: we send at once */
#define MSR_DCD_DSR_CTS	0xb0	/* a modem that is always there */
#define UART_FIFO_LEN	16

struct uart16550 {
	unsigned char ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thre;		/* the THR empty interrupt is pending */
	bool irq;		/* the interrupt output, as last reported */
	const char *input;	/* bytes left to receive (NULL: none) */
	/*
	 * Set: the input arrives only once the guest first sets ERBFI
	 * (until then LSR says nothing was received), so that a driver
	 * that drains RBR at probe and open loses none of it.
	 */
	bool rx_wait_erbfi;
	/* A byte the guest transmitted. */
	void (*tx)(void *arg, unsigned char c);
	/* The interrupt output changed to @level (NULL: not wired). */
	void (*set_irq)(void *arg, int level);
	void *arg;
};

/* Reset state: all registers 0, nothing pending, the output low. */
void uart16550_init(struct uart16550 *u, const char *input,
		    void (*tx)(void *arg, unsigned char c),
		    void (*set_irq)(void *arg, int level), void *arg);
/* A guest access of register @reg (0-7); the output follows at once. */
unsigned char uart16550_read(struct uart16550 *u, unsigned int reg);
void uart16550_write(struct uart16550 *u, unsigned int reg,
		     unsigned char val);
/*
 * Bytes left to receive are now @input (more arrived): the output follows
 * at once, as for an access.
 */
void uart16550_set_input(struct uart16550 *u, const char *input);
/* IIR as a read would return it, without the read's effect. */
unsigned char uart16550_iir(const struct uart16550 *u);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A register model of mvmm-uart: see uart16550.h.
 */
#include <string.h>

#include "uart16550.h"

void uart16550_init(struct uart16550 *u, const char *input,
		    void (*tx)(void *arg, unsigned char c),
		    void (*set_irq)(void *arg, int level), void *arg)
{
	memset(u, 0, sizeof(*u));
	u->input = input;
	u->tx = tx;
	u->set_irq = set_irq;
	u->arg = arg;
}

/* MSR in loopback mode: the outputs of MCR come back as modem inputs. */
static unsigned char uart_loop_msr(unsigned char mcr)
{
	return (mcr & 0x01 ? 0x20 : 0) |	/* DTR  -> DSR */
	       (mcr & 0x02 ? 0x10 : 0) |	/* RTS  -> CTS */
	       (mcr & 0x04 ? 0x40 : 0) |	/* OUT1 -> RI */
	       (mcr & 0x08 ? 0x80 : 0);		/* OUT2 -> DCD */
}

static bool uart_rx_ready(const struct uart16550 *u)
{
	return u->input && *u->input && !u->rx_wait_erbfi;
}

/* The received data interrupt's IIR code. */
static unsigned char uart_rx_iir(const struct uart16550 *u)
{
	static const unsigned char trigger[4] = { 1, 4, 8, 14 };

	if (!(u->fcr & FCR_ENABLE))
		return IIR_RDA;
	/* Fewer bytes than the trigger level, and no more coming. */
	if (strnlen(u->input, UART_FIFO_LEN) < trigger[u->fcr >> 6])
		return IIR_CTI;
	return IIR_RDA;
}

/*
 * The highest-priority source pending and enabled (line status and modem
 * status never are): its IIR code, or IIR_NO_INT.
 */
static unsigned char uart_source(const struct uart16550 *u)
{
	if ((u->ier & IER_ERBFI) && uart_rx_ready(u))
		return uart_rx_iir(u);
	if ((u->ier & IER_ETBEI) && u->thre)
		return IIR_THRE;
	return IIR_NO_INT;
}

unsigned char uart16550_iir(const struct uart16550 *u)
{
	return uart_source(u) | (u->fcr & FCR_ENABLE ? IIR_FIFO : 0);
}

/* The output pin: on a PC, OUT2 gates the UART's interrupt to the bus. */
static void uart_update_irq(struct uart16550 *u)
{
	bool level = uart_source(u) != IIR_NO_INT &&
		     (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	if (level == u->irq)
		return;
	u->irq = level;
	if (u->set_irq)
		u->set_irq(u->arg, level);
}

void uart16550_set_input(struct uart16550 *u, const char *input)
{
	u->input = input;
	uart_update_irq(u);
}

static unsigned char uart_receive(struct uart16550 *u)
{
	return uart_rx_ready(u) ? (unsigned char)*u->input++ : 0;
}

static unsigned char uart_reg_read(struct uart16550 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	unsigned char iir;

	switch (reg) {
	case RBR_THR_DLL:
		return dlab ? u->dll : uart_receive(u);
	case IER_DLM:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		iir = uart16550_iir(u);
		/* Reporting THR empty is what acknowledges it. */
		if ((iir & 0x0f) == IIR_THRE)
			u->thre = false;
		return iir;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE_TEMT | (uart_rx_ready(u) ? LSR_DR : 0);
	case MSR:
		return u->mcr & MCR_LOOP ? uart_loop_msr(u->mcr) : MSR_DCD_DSR_CTS;
	default:
		return u->scr;
	}
}

unsigned char uart16550_read(struct uart16550 *u, unsigned int reg)
{
	unsigned char val = uart_reg_read(u, reg & 7);

	uart_update_irq(u);
	return val;
}

static void uart_transmit(struct uart16550 *u, unsigned char c)
{
	/* Writing THR clears its interrupt: a new edge for the next one. */
	u->thre = false;
	uart_update_irq(u);
	if (u->tx)
		u->tx(u->arg, c);
	/* Sent at once: THR is empty again. */
	u->thre = true;
}

void uart16550_write(struct uart16550 *u, unsigned int reg,
		     unsigned char val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg & 7) {
	case RBR_THR_DLL:
		if (dlab)
			u->dll = val;
		else
			uart_transmit(u, val);
		break;
	case IER_DLM:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling it while THR is empty (always) raises it. */
		if (!(u->ier & IER_ETBEI) && (val & IER_ETBEI))
			u->thre = true;
		if (val & IER_ERBFI)
			u->rx_wait_erbfi = false;
		u->ier = val & 0x0f;
		break;
	case IIR_FCR:
		/*
		 * FIFO enable, DMA mode, trigger level. The reset bits
		 * drop nothing: the input counts as arriving when read.
		 */
		u->fcr = val & 0xc9;
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
	uart_update_irq(u);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of the real-client test (qemu_uart.sh): a 64 KiB firmware for
 * QEMU's microvm (-bios), in real mode from the reset vector. It talks to
 * two UARTs:
 *
 *   COM2 (0x2f8), which QEMU does not have (one -serial: COM1 only); mvmm
 *   routes its ports to mvmm-uart, attached by pid;
 *   COM1 (0x3f8), QEMU's own 16550, whose output QEMU writes to a file.
 *
 * 1. Wait until COM2's scratch register reads something else than 0xff
 *    (what QEMU answers for a port nobody has): mvmm-uart serves it now.
 * 2. Send COM2_MSG through COM2 (LSR's THRE polled before each byte).
 * 3. Write 0xa5 to COM2's scratch register and read it back.
 * 4. On COM1: COM1_MSG, "scratch ok" or "scratch BAD", then the bytes
 *    COM2 has received (read while LSR's DR is set) between quotes.
 * 5. Exit QEMU through isa-debug-exit (port 0xf4): status
 *    (0x31 << 1) | 1 = 99.
 *
 * COM2 accesses from the first one mvmm routes: 1 (the SCR read that ends
 * step 1), 2 per byte of COM2_MSG, 2 (step 3), 2 per received byte and 1
 * (the LSR read that finds none left): qemu_uart.sh checks that count.
 *
 * Built with the host's as and ld (Makefile); offset 0xfff0 of the image
 * is the reset vector at 0xffff0.
 */
#define COM1		0x3f8
#define COM2		0x2f8
#define LSR		5
#define SCR		7
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define DEBUG_EXIT	0xf4

	.code16
	.text
	.globl _start
_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ax, %ax		/* a stack for the calls */
	mov	%ax, %ss
	mov	$0x7000, %sp

	/* 1. COM2 served? */
	mov	$COM2 + SCR, %dx
1:	in	%dx, %al
	cmp	$0xff, %al
	je	1b

	/* 2. */
	mov	$COM2, %bx
	mov	$com2_msg, %si
	call	puts

	/* 3. */
	mov	$COM2 + SCR, %dx
	mov	$0xa5, %al
	out	%al, %dx
	in	%dx, %al
	mov	%al, %cl

	/* 4. */
	mov	$COM1, %bx
	mov	$com1_msg, %si
	call	puts
	mov	$scr_ok, %si
	cmp	$0xa5, %cl
	je	2f
	mov	$scr_bad, %si
2:	call	puts
	mov	$rx_msg, %si
	call	puts
3:	mov	$COM2 + LSR, %dx
	in	%dx, %al
	test	$LSR_DR, %al
	jz	4f
	mov	$COM2, %dx
	in	%dx, %al
	call	putc
	jmp	3b
4:	mov	$rx_end, %si
	call	puts

	/* 5. */
	mov	$DEBUG_EXIT, %dx
	mov	$0x31, %al
	out	%al, %dx
5:	hlt
	jmp	5b

/* putc: %al to the UART at %bx once its THR is empty. */
putc:
	mov	%al, %ah
	lea	LSR(%bx), %dx
1:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	%bx, %dx
	mov	%ah, %al
	out	%al, %dx
	ret

/* puts: the string at %ds:%si to the UART at %bx. */
puts:
	lodsb
	test	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

com2_msg:	.asciz	"Hello from QEMU's guest, through mvmm-uart\n"
com1_msg:	.asciz	"COM1: QEMU's own UART; COM2 "
scr_ok:		.asciz	"scratch ok"
scr_bad:	.asciz	"scratch BAD"
rx_msg:		.asciz	", received \""
rx_end:		.asciz	"\"\n"

	. = 0xfff0
	ljmp	$0xf000, $_start
	. = 0x10000

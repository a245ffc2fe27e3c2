// SPDX-License-Identifier: GPL-2.0
/*
 * uart_vmm: a minimal main VMM for trying mvmm-uart in the rig's guest.
 *
 * Usage: uart_vmm [--vms N] SOCKET|- GO-FILE
 *
 * Creates a one-vCPU real-mode VM, listens on the unix socket SOCKET and
 * hands the VM fd to the first client (mvmm-uart --socket SOCKET), waits
 * for GO-FILE to exist (the rules are in place), then runs the guest to
 * its HLT. With "-" for SOCKET it hands its VM fd to nobody, as QEMU
 * does: it prints "uart_vmm: ready" once the VM exists, for mvmm-uart
 * --pid to take the fd. --vms N creates N - 1 more VMs first, without
 * vCPUs, that stay idle: a VMM with several VMs. The guest prints a message through the UART at 0x3f8 (polling
 * LSR), checks SCR, the divisor latch, IIR, reads the input bytes while
 * LSR says data is ready, uses SCR and THR through MMIO at 0xa0000, and
 * makes one 2-byte port write and one 2-byte MMIO write, which the UART
 * must pass back to KVM and so to us. Prints what the guest saw and what
 * reached us; exit 0 if all is as expected. Static, no selftest library.
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "libmvmm.h"
#include "tiny_vm.h"

#define CODE_GPA	0x1000
#define MSG_GPA		0x2000
#define RES_GPA		0x3000		/* results, see check() */
#define RX_GPA		0x3010		/* received bytes */
#define MESSAGE		"Hello from the guest\n"

/* Real mode at CODE_GPA, CS = DS = ES = 0. */
static const unsigned char guest_code[] = {
	0x31, 0xc0,			/* 00: xor ax, ax */
	0x8e, 0xd8,			/* 02: mov ds, ax */
	0x8e, 0xc0,			/* 04: mov es, ax */
	0xbe, 0x00, 0x20,		/* 06: mov si, MSG_GPA */
	0xac,				/* 09: lodsb		next byte */
	0x84, 0xc0,			/* 0a: test al, al */
	0x74, 0x12,			/* 0c: jz 0x20 */
	0x88, 0xc3,			/* 0e: mov bl, al */
	0xba, 0xfd, 0x03,		/* 10: mov dx, 0x3fd	LSR */
	0xec,				/* 13: in al, dx */
	0xa8, 0x20,			/* 14: test al, 0x20	THRE? */
	0x74, 0xf8,			/* 16: jz 0x10 */
	0x88, 0xd8,			/* 18: mov al, bl */
	0xba, 0xf8, 0x03,		/* 1a: mov dx, 0x3f8	THR */
	0xee,				/* 1d: out dx, al */
	0xeb, 0xe9,			/* 1e: jmp 0x09 */
	0xba, 0xff, 0x03,		/* 20: mov dx, 0x3ff	SCR */
	0xb0, 0x5a,			/* 23: mov al, 0x5a */
	0xee,				/* 25: out dx, al */
	0xec,				/* 26: in al, dx */
	0xa2, 0x00, 0x30,		/* 27: mov [0x3000], al */
	0xba, 0xfb, 0x03,		/* 2a: mov dx, 0x3fb	LCR */
	0xb0, 0x80,			/* 2d: mov al, 0x80	DLAB */
	0xee,				/* 2f: out dx, al */
	0xba, 0xf8, 0x03,		/* 30: mov dx, 0x3f8	DLL */
	0xb0, 0x0c,			/* 33: mov al, 0x0c */
	0xee,				/* 35: out dx, al */
	0xec,				/* 36: in al, dx */
	0xa2, 0x01, 0x30,		/* 37: mov [0x3001], al */
	0xba, 0xfb, 0x03,		/* 3a: mov dx, 0x3fb	LCR */
	0xb0, 0x03,			/* 3d: mov al, 0x03	8N1 */
	0xee,				/* 3f: out dx, al */
	0xba, 0xfa, 0x03,		/* 40: mov dx, 0x3fa	IIR */
	0xec,				/* 43: in al, dx */
	0xa2, 0x02, 0x30,		/* 44: mov [0x3002], al */
	0xbf, 0x10, 0x30,		/* 47: mov di, RX_GPA */
	0xba, 0xfd, 0x03,		/* 4a: mov dx, 0x3fd	LSR */
	0xec,				/* 4d: in al, dx */
	0xa8, 0x01,			/* 4e: test al, 1	data ready? */
	0x74, 0x07,			/* 50: jz 0x59 */
	0xba, 0xf8, 0x03,		/* 52: mov dx, 0x3f8	RBR */
	0xec,				/* 55: in al, dx */
	0xaa,				/* 56: stosb */
	0xeb, 0xf1,			/* 57: jmp 0x4a */
	0xa2, 0x03, 0x30,		/* 59: mov [0x3003], al	last LSR */
	0xb8, 0x00, 0xa0,		/* 5c: mov ax, 0xa000	MMIO window */
	0x8e, 0xc0,			/* 5f: mov es, ax */
	0x26, 0xc6, 0x06, 0x07, 0x00, 0xa5, /* 61: mov byte es:[7], 0xa5 SCR */
	0x26, 0xa0, 0x07, 0x00,		/* 67: mov al, es:[7] */
	0xa2, 0x04, 0x30,		/* 6b: mov [0x3004], al */
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x4d, /* 6e: mov byte es:[0], 'M' THR */
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x0a, /* 74: mov byte es:[0], '\n' */
	0xba, 0xf8, 0x03,		/* 7a: mov dx, 0x3f8 */
	0xb8, 0x41, 0x41,		/* 7d: mov ax, 0x4141 */
	0xef,				/* 80: out dx, ax	2 bytes: to KVM */
	0x26, 0xc7, 0x06, 0x00, 0x00, 0x42, 0x42, /* 81: mov word es:[0], 0x4242 */
	0xf4,				/* 88: hlt */
};

/* A VM without vCPUs, kept open and never run: one more VM of ours. */
static void vm_create_idle(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0 || ioctl(kvm, KVM_CREATE_VM, 0) < 0)
		err(1, "KVM_CREATE_VM");
	close(kvm);
}

/* Give the VM fd to the first client of @path. */
static void give_vm_fd(int vm_fd, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int ls, c, ret;

	strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(ls, 1))
		err(1, "listening on %s", path);
	c = accept(ls, NULL, NULL);
	if (c < 0)
		err(1, "accept");
	ret = mvmm_send_fd(c, vm_fd);
	if (ret)
		errx(1, "mvmm_send_fd: %s", strerror(-ret));
	close(c);
	close(ls);
}

static void wait_for(const char *path)
{
	while (access(path, F_OK))
		usleep(10000);
}

/* Run to HLT; count the UART accesses that reached us. */
static void run_guest(struct tiny_vm *vm, int *io, int *mmio)
{
	struct kvm_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0))
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			return;
		case KVM_EXIT_IO:
			printf("uart_vmm: port 0x%x size %u %s reached KVM's exit to us\n",
			       run->io.port, run->io.size,
			       run->io.direction ? "out" : "in");
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset((char *)run + run->io.data_offset, 0xff,
				       run->io.size * run->io.count);
			++*io;
			break;
		case KVM_EXIT_MMIO:
			printf("uart_vmm: mmio 0x%llx len %u %s reached KVM's exit to us\n",
			       run->mmio.phys_addr, run->mmio.len,
			       run->mmio.is_write ? "write" : "read");
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			++*mmio;
			break;
		default:
			errx(1, "unexpected exit reason %u", run->exit_reason);
		}
	}
}

static int expect(const char *what, unsigned int got, unsigned int want)
{
	printf("%s - %s: 0x%x (want 0x%x)\n", got == want ? "ok" : "not ok",
	       what, got, want);
	return got != want;
}

int main(int argc, char **argv)
{
	const unsigned char *res;
	int io = 0, mmio = 0, bad = 0;
	struct tiny_vm vm;

	static const struct option longopts[] = {
		{ "vms", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int c, vms = 1;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'n')
			return 2;
		vms = atoi(optarg);
	}
	if (argc - optind != 2 || vms < 1)
		errx(2, "usage: %s [--vms N] SOCKET|- GO-FILE", argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Before the guest's: the VM to serve is not the first fd. */
	while (--vms)
		vm_create_idle();
	tiny_vm_create(&vm, CODE_GPA, guest_code, sizeof(guest_code));
	memcpy(vm.mem + MSG_GPA, MESSAGE, sizeof(MESSAGE));
	tiny_vm_start_at(&vm, CODE_GPA);
	if (strcmp(argv[optind], "-"))
		give_vm_fd(vm.fd, argv[optind]);
	else
		printf("uart_vmm: ready\n");
	wait_for(argv[optind + 1]);
	run_guest(&vm, &io, &mmio);

	res = vm.mem + RES_GPA;
	bad |= expect("guest: SCR reads back", res[0], 0x5a);
	bad |= expect("guest: divisor latch reads back", res[1], 0x0c);
	bad |= expect("guest: IIR says no interrupt", res[2], 0x01);
	bad |= expect("guest: LSR once the input is read", res[3], 0x60);
	bad |= expect("guest: SCR through MMIO", res[4], 0xa5);
	printf("%s - guest: received \"%s\" (want \"hi\")\n",
	       strcmp((const char *)vm.mem + RX_GPA, "hi") ? "not ok" : "ok",
	       (const char *)vm.mem + RX_GPA);
	bad |= !!strcmp((const char *)vm.mem + RX_GPA, "hi");
	bad |= expect("port exits to uart_vmm (the 2-byte out)", io, 1);
	bad |= expect("MMIO exits to uart_vmm (the 2-byte write)", mmio, 1);
	return bad;
}

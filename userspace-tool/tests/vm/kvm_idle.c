// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_idle: a KVM VM that mvmm has seen and that stays alive, for the
 * CLI tests in the rig (mvmm learns of a VM at its first exit).
 *
 * Usage: kvm_idle LOOPS READY-FILE
 *
 * Runs a one-vCPU real-mode guest through LOOPS rounds of "out 0xe9;
 * cpuid; hlt" (an IO exit and a HLT exit reach us each round, the CPUID
 * exit stays in KVM), creates READY-FILE and sleeps until killed. Static,
 * no KVM selftest library needed.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000

static const unsigned char code[] = {
	0xba, 0xe9, 0x00,	/* mov dx, 0xe9 */
	0xb0, 'x',		/* mov al, 'x' */
	0xee,			/* out dx, al */
	0x66, 0x31, 0xc0,	/* xor eax, eax */
	0x0f, 0xa2,		/* cpuid */
	0xf4,			/* hlt */
	0xeb, 0xf2,		/* jmp back to the start */
};

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, size, fd;
	long loops, io = 0, hlt = 0;
	void *mem;

	if (argc != 3)
		errx(2, "usage: %s LOOPS READY-FILE", argv[0]);
	loops = atol(argv[1]);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(1, "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		err(1, "KVM_CREATE_VM");

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "mmap");
	memcpy((char *)mem + CODE_GPA, code, sizeof(code));
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		err(1, "KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		err(1, "KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*run))
		err(1, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		err(1, "mmap vcpu");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		err(1, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		err(1, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		err(1, "KVM_SET_REGS");

	while (hlt < loops) {
		if (ioctl(vcpu, KVM_RUN, 0))
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			io++;
			break;
		case KVM_EXIT_HLT:
			hlt++;
			break;
		default:
			errx(1, "unexpected exit reason %u", run->exit_reason);
		}
	}
	printf("kvm_idle: pid %d, %ld io and %ld hlt exits\n", getpid(), io, hlt);
	fflush(stdout);

	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		err(1, "%s", argv[2]);
	close(fd);
	for (;;)
		pause();
}

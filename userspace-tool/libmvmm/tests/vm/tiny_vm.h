/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main VMM of the libmvmm VM tests (paths_vmm, uart_vmm), reduced to
 * what they need of one: a VM with one vCPU and TINY_VM_MEM bytes of
 * memory at GPA 0 holding the guest's real-mode code, started at its
 * first byte. Any failure ends the program (err()).
 */
#ifndef MVMM_TESTS_TINY_VM_H
#define MVMM_TESTS_TINY_VM_H

#include <err.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvm.h>

#define TINY_VM_MEM	0x10000		/* above it, 0xa0000 is unbacked: MMIO */

struct tiny_vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	unsigned char *mem;
};

/* The VM, with @len bytes of @code at GPA @code_gpa. */
static inline void tiny_vm_create(struct tiny_vm *vm, unsigned long code_gpa,
				  const void *code, size_t len)
{
	struct kvm_userspace_memory_region region = { 0 };
	int size;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		err(1, "/dev/kvm");
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		err(1, "KVM_CREATE_VM");
	vm->mem = mmap(NULL, TINY_VM_MEM, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		err(1, "mmap");
	memcpy(vm->mem + code_gpa, code, len);
	region.memory_size = TINY_VM_MEM;
	region.userspace_addr = (unsigned long)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		err(1, "KVM_SET_USER_MEMORY_REGION");
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		err(1, "KVM_CREATE_VCPU");
	size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*vm->run))
		err(1, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		err(1, "mmap vcpu");
}

/* Point the vCPU at @rip in real mode (CS 0), all registers cleared. */
static inline void tiny_vm_start_at(struct tiny_vm *vm, unsigned long rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs))
		err(1, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs))
		err(1, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 2;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs))
		err(1, "KVM_SET_REGS");
}

#endif /* MVMM_TESTS_TINY_VM_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_KSYMS_H
#define _MVMM_KSYMS_H

#include <linux/kvm_host.h>
#include <linux/static_call.h>

/*
 * KVM internals that mvmm needs but that 6.1 does not export. They are
 * resolved at load time, so that a host without KVM gets a clear error
 * instead of "Unknown symbol", and the modules that own them are pinned
 * for as long as mvmm is loaded.
 */
struct mvmm_kvm {
	struct kvm_x86_ops *x86_ops;
	bool vmx;			/* kvm_intel, else kvm_amd */
	unsigned long destroy_vm;	/* kvm_arch_destroy_vm() */
	struct kvm_memory_slot *(*gfn_to_memslot)(struct kvm_vcpu *vcpu,
						  gfn_t gfn);
	/* Exported by kvm.ko, resolved too so that mvmm does not link to it. */
	int (*skip_insn)(struct kvm_vcpu *vcpu);
	void (*queue_exception)(struct kvm_vcpu *vcpu, unsigned int nr);
	void (*queue_exception_e)(struct kvm_vcpu *vcpu, unsigned int nr,
				  u32 error_code);
	bool (*file_is_kvm)(struct file *file);
	void (*vcpu_kick)(struct kvm_vcpu *vcpu);
	struct kvm_vcpu *(*get_running_vcpu)(void);
	/* kvm_io_bus_read() is not exported in 6.1; its twin is. */
	int (*io_bus_read)(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			   gpa_t addr, int len, void *val);
	int (*io_bus_write)(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			    gpa_t addr, int len, const void *val);
	/* Pre-registered answers: KVM's CPUID entry, to mask (exported). */
	bool (*cpuid)(struct kvm_vcpu *vcpu, u32 *eax, u32 *ebx, u32 *ecx,
		      u32 *edx, bool exact_only);
	/*
	 * Where KVM's own handling of an exit starts, after the vendor's
	 * handle_exit did its part (complete.c): exported, and called by
	 * both vendors' exit handlers, in 6.1 and in 6.12.
	 */
	int (*emulate_cpuid)(struct kvm_vcpu *vcpu);
	int (*fast_pio)(struct kvm_vcpu *vcpu, int size, unsigned short port,
			int in);
	int (*emulate_rdmsr)(struct kvm_vcpu *vcpu);
	int (*emulate_wrmsr)(struct kvm_vcpu *vcpu);
	int (*emulate_halt)(struct kvm_vcpu *vcpu);
	int (*emulate_hypercall)(struct kvm_vcpu *vcpu);
	int (*handle_ud)(struct kvm_vcpu *vcpu);
	/*
	 * Interrupts from secondaries (irq.c): what KVM_IRQ_LINE and
	 * KVM_SIGNAL_MSI use, and a reference on a VM that may be going.
	 * The same in 6.1 and 6.12; only the last two are exported.
	 */
	int (*set_irq)(struct kvm *kvm, int irq_source_id, u32 irq, int level,
		       bool line_status);
	int (*send_userspace_msi)(struct kvm *kvm, struct kvm_msi *msi);
	int (*request_irq_source_id)(struct kvm *kvm);
	void (*free_irq_source_id)(struct kvm *kvm, int irq_source_id);
	bool (*get_kvm_safe)(struct kvm *kvm);
	void (*put_kvm)(struct kvm *kvm);
	/*
	 * Guest memory for secondaries (guest_mem.c): a VM's memslot of a
	 * gfn, and the dirty log of a write. Exported, in 6.1 and 6.12.
	 */
	struct kvm_memory_slot *(*gfn_to_memslot_kvm)(struct kvm *kvm,
						      gfn_t gfn);
	void (*mark_page_dirty_in_slot)(struct kvm *kvm,
					const struct kvm_memory_slot *memslot,
					gfn_t gfn);
	/*
	 * 6.12 only (absent in 6.1, NULL there): HLT completed in the
	 * vendor's fastpath, interrupts off (complete.c keeps routed HLTs
	 * out of it).
	 */
	unsigned long fastpath_hlt;
	struct module *kvm_mod;
	struct module *vendor_mod;
};

/* The address of kernel or module symbol @name, or 0. */
unsigned long mvmm_ksym(const char *name);

extern struct mvmm_kvm mvmm_kvm;

int mvmm_ksyms_init(void);
void mvmm_ksyms_exit(void);

/*
 * kvm_skip_emulated_instruction(), mvmm_kvm.skip_insn, as a static call:
 * a direct call on the path that completes a routed event, where a call
 * through the pointer would go through a retpoline.
 */
DECLARE_STATIC_CALL(mvmm_kvm_skip_insn, *((struct mvmm_kvm *)0)->skip_insn);

#endif /* _MVMM_KSYMS_H */

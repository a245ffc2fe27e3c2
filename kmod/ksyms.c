// SPDX-License-Identifier: GPL-2.0
/*
 * Resolve and pin the KVM internals mvmm hooks.
 *
 * kallsyms_lookup_name() is not exported since 5.7; a kprobe registered on
 * it reports its address, which is the usual way for an out-of-tree module
 * to reach it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include "compat.h"
#include "ksyms.h"

struct mvmm_kvm mvmm_kvm;

static unsigned long (*mvmm_lookup_name)(const char *name);
static struct module *(*mvmm_module_address)(unsigned long addr);

static int mvmm_find_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot locate kallsyms_lookup_name (kprobe: %d)\n", ret);
		return ret;
	}
	mvmm_lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

/* Pin the module that holds @addr; NULL if it is built in or going away. */
static int mvmm_pin_owner(unsigned long addr, struct module **mod)
{
	struct module *m;

	preempt_disable();
	m = mvmm_module_address(addr);
	if (m && !try_module_get(m))
		m = ERR_PTR(-ENODEV);
	preempt_enable();
	if (IS_ERR(m))
		return PTR_ERR(m);
	*mod = m;
	return 0;
}

static bool mvmm_is_vendor(const struct module *m)
{
	return !strcmp(m->name, "kvm_amd") || !strcmp(m->name, "kvm_intel");
}

unsigned long mvmm_ksym(const char *name)
{
	return mvmm_lookup_name(name);
}

DEFINE_STATIC_CALL_NULL(mvmm_kvm_skip_insn, *((struct mvmm_kvm *)0)->skip_insn);

/* What mvmm needs from kvm.ko, by name, and where it goes. */
#define MVMM_NEED(field, sym)	{ sym, (unsigned long *)&mvmm_kvm.field }
static const struct {
	const char *name;
	unsigned long *addr;
} mvmm_needs[] = {
	MVMM_NEED(destroy_vm, "kvm_arch_destroy_vm"),
	MVMM_NEED(gfn_to_memslot, "kvm_vcpu_gfn_to_memslot"),
	MVMM_NEED(skip_insn, "kvm_skip_emulated_instruction"),
	MVMM_NEED(queue_exception, "kvm_queue_exception"),
	MVMM_NEED(queue_exception_e, "kvm_queue_exception_e"),
	MVMM_NEED(file_is_kvm, "file_is_kvm"),
	MVMM_NEED(vcpu_kick, "kvm_vcpu_kick"),
	MVMM_NEED(get_running_vcpu, "kvm_get_running_vcpu"),
	MVMM_NEED(io_bus_read, "kvm_io_bus_read"),
	MVMM_NEED(io_bus_write, "kvm_io_bus_write"),
	MVMM_NEED(cpuid, "kvm_cpuid"),
	MVMM_NEED(emulate_cpuid, "kvm_emulate_cpuid"),
	MVMM_NEED(fast_pio, "kvm_fast_pio"),
	MVMM_NEED(emulate_rdmsr, "kvm_emulate_rdmsr"),
	MVMM_NEED(emulate_wrmsr, "kvm_emulate_wrmsr"),
	MVMM_NEED(emulate_halt, "kvm_emulate_halt"),
	MVMM_NEED(emulate_hypercall, "kvm_emulate_hypercall"),
	MVMM_NEED(handle_ud, "handle_ud"),
	MVMM_NEED(set_irq, "kvm_set_irq"),
	MVMM_NEED(send_userspace_msi, "kvm_send_userspace_msi"),
	MVMM_NEED(request_irq_source_id, "kvm_request_irq_source_id"),
	MVMM_NEED(free_irq_source_id, "kvm_free_irq_source_id"),
	MVMM_NEED(get_kvm_safe, "kvm_get_kvm_safe"),
	MVMM_NEED(put_kvm, "kvm_put_kvm"),
	MVMM_NEED(gfn_to_memslot_kvm, "gfn_to_memslot"),
	MVMM_NEED(mark_page_dirty_in_slot, "mark_page_dirty_in_slot"),
};

/* Resolve every needed symbol, naming each one that is missing. */
static int mvmm_resolve_needs(void)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mvmm_needs); i++) {
		*mvmm_needs[i].addr = mvmm_lookup_name(mvmm_needs[i].name);
		if (!*mvmm_needs[i].addr) {
			pr_err("KVM symbol %s not found; is kvm.ko loaded?\n",
			       mvmm_needs[i].name);
			ret = -ENOENT;
		}
	}
	return ret;
}

int mvmm_ksyms_init(void)
{
	struct kvm_x86_ops *ops;
	int ret;

	ret = mvmm_find_lookup_name();
	if (ret)
		return ret;

	/* Not exported in 6.1, but part of the core kernel: always there. */
	mvmm_module_address = (void *)mvmm_lookup_name("__module_address");
	if (!mvmm_module_address) {
		pr_err("cannot locate __module_address\n");
		return -ENOENT;
	}

	ops = (void *)mvmm_lookup_name("kvm_x86_ops");
	if (!ops) {
		pr_err("KVM symbol kvm_x86_ops not found; is kvm.ko loaded?\n");
		return -ENOENT;
	}
	ret = mvmm_resolve_needs();
	if (ret)
		return ret;
	static_call_update(mvmm_kvm_skip_insn, mvmm_kvm.skip_insn);
	/* Optional: only kernels that complete HLT in the fastpath have it. */
	mvmm_kvm.fastpath_hlt = mvmm_lookup_name("handle_fastpath_hlt");

	ret = mvmm_pin_owner((unsigned long)ops, &mvmm_kvm.kvm_mod);
	if (ret) {
		pr_err("kvm.ko is being unloaded\n");
		return ret;
	}
	mvmm_kvm.vendor_mod = NULL;

	/*
	 * kvm_x86_ops keeps the vendor's stale pointers after the vendor
	 * module is unloaded; KVM itself tells "loaded" by one member that
	 * it clears on vendor exit (compat.h). Nothing the vendor owns (not even
	 * ops->name) may be touched before its module is pinned, and the
	 * pinned module must really be the vendor: a stale address may by
	 * now belong to another module.
	 */
	ret = -ENODEV;
	if (!mvmm_kvm_vendor_loaded(ops) ||
	    mvmm_pin_owner((unsigned long)READ_ONCE(ops->handle_exit),
			   &mvmm_kvm.vendor_mod))
		goto err_no_vendor;
	/* NULL: a built-in vendor, nothing to pin. */
	if ((mvmm_kvm.vendor_mod && !mvmm_is_vendor(mvmm_kvm.vendor_mod)) ||
	    !mvmm_kvm_vendor_loaded(ops))
		goto err_vendor;

	mvmm_kvm.vmx = boot_cpu_has(X86_FEATURE_VMX);
	mvmm_kvm.x86_ops = ops;
	return 0;

err_vendor:
	module_put(mvmm_kvm.vendor_mod);
	mvmm_kvm.vendor_mod = NULL;
err_no_vendor:
	pr_err("no KVM vendor module loaded; load kvm_amd or kvm_intel first\n");
	module_put(mvmm_kvm.kvm_mod);
	return ret;
}

void mvmm_ksyms_exit(void)
{
	module_put(mvmm_kvm.vendor_mod);
	module_put(mvmm_kvm.kvm_mod);
}

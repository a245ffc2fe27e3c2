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

static unsigned long mvmm_need(const char *name)
{
	unsigned long addr = mvmm_lookup_name(name);

	if (!addr)
		pr_err("KVM symbol %s not found; is kvm.ko loaded?\n", name);
	return addr;
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

	ops = (void *)mvmm_need("kvm_x86_ops");
	mvmm_kvm.destroy_vm = mvmm_need("kvm_arch_destroy_vm");
	mvmm_kvm.fastpath_msr = mvmm_need("handle_fastpath_set_msr_irqoff");
	mvmm_kvm.gfn_to_memslot = (void *)mvmm_need("kvm_vcpu_gfn_to_memslot");
	mvmm_kvm.skip_insn = (void *)mvmm_need("kvm_skip_emulated_instruction");
	mvmm_kvm.queue_exception = (void *)mvmm_need("kvm_queue_exception");
	mvmm_kvm.queue_exception_e = (void *)mvmm_need("kvm_queue_exception_e");
	mvmm_kvm.file_is_kvm = (void *)mvmm_need("file_is_kvm");
	mvmm_kvm.io_bus_read = (void *)mvmm_need("kvm_io_bus_read");
	mvmm_kvm.io_bus_write = (void *)mvmm_need("kvm_io_bus_write");
	mvmm_kvm.cpuid = (void *)mvmm_need("kvm_cpuid");
	if (!ops || !mvmm_kvm.destroy_vm || !mvmm_kvm.fastpath_msr ||
	    !mvmm_kvm.gfn_to_memslot || !mvmm_kvm.skip_insn ||
	    !mvmm_kvm.queue_exception || !mvmm_kvm.queue_exception_e ||
	    !mvmm_kvm.file_is_kvm || !mvmm_kvm.io_bus_read ||
	    !mvmm_kvm.io_bus_write || !mvmm_kvm.cpuid)
		return -ENOENT;

	ret = mvmm_pin_owner((unsigned long)ops, &mvmm_kvm.kvm_mod);
	if (ret) {
		pr_err("kvm.ko is being unloaded\n");
		return ret;
	}
	mvmm_kvm.vendor_mod = NULL;

	/*
	 * kvm_x86_ops keeps the vendor's stale pointers after the vendor
	 * module is unloaded; KVM itself tells "loaded" by hardware_enable,
	 * which kvm_arch_exit() clears. Nothing the vendor owns (not even
	 * ops->name) may be touched before its module is pinned, and the
	 * pinned module must really be the vendor: a stale address may by
	 * now belong to another module.
	 */
	ret = -ENODEV;
	if (!READ_ONCE(ops->hardware_enable) ||
	    mvmm_pin_owner((unsigned long)READ_ONCE(ops->handle_exit),
			   &mvmm_kvm.vendor_mod))
		goto err_no_vendor;
	/* NULL: a built-in vendor, nothing to pin. */
	if ((mvmm_kvm.vendor_mod && !mvmm_is_vendor(mvmm_kvm.vendor_mod)) ||
	    !READ_ONCE(ops->hardware_enable))
		goto err_vendor;

	mvmm_kvm.vmx = boot_cpu_has(X86_FEATURE_VMX);
	/* exit.c copies CR3 from the VMCB only where KVM would (NPT). */
	if (!mvmm_kvm.vmx) {
		mvmm_kvm.npt_enabled = (void *)mvmm_need("npt_enabled");
		if (!mvmm_kvm.npt_enabled)
			goto err_symbol;
	}
	mvmm_kvm.x86_ops = ops;
	return 0;

err_symbol:
	module_put(mvmm_kvm.vendor_mod);
	mvmm_kvm.vendor_mod = NULL;
	module_put(mvmm_kvm.kvm_mod);
	return -ENOENT;
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

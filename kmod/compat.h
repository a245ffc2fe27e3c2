/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels mvmm supports (Debian's 6.1 and 6.12
 * LTS lines) that the code has to know about at build time, in one place.
 * Each entry says which kernel change forced it. Differences that can be
 * told at load time (a KVM function one kernel has and the other lacks)
 * are resolved in ksyms.c instead, by name.
 */
#ifndef _MVMM_COMPAT_H
#define _MVMM_COMPAT_H

#include <linux/file.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <linux/version.h>

/*
 * struct ftrace_regs became opaque between 6.1 and 6.12: 6.12 reaches the
 * arguments and the instruction pointer of a traced function only through
 * accessors (include/linux/ftrace_regs.h: ftrace_regs_get_argument(),
 * ftrace_regs_set_instruction_pointer()). In 6.1 the x86 struct
 * ftrace_regs is a struct pt_regs, with ftrace_instruction_pointer_set()
 * as the one accessor.
 */
#ifdef ftrace_regs_get_argument
#define mvmm_fregs_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#define mvmm_fregs_set_ip(fregs, ip) \
	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define mvmm_fregs_arg(fregs, n) \
	regs_get_kernel_argument(&(fregs)->regs, n)
#define mvmm_fregs_set_ip(fregs, ip)	ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * ftrace direct calls (hook.h, direct hooks): 6.1 attaches a trampoline to
 * the functions in an ftrace_ops' filter with register_ftrace_direct_multi();
 * 6.4 renamed it register_ftrace_direct(), and its unregister takes
 * whether to free the filter ("ftrace: Rename _ftrace_direct_multi APIs to
 * _ftrace_direct APIs", "ftrace: Let unregister_ftrace_direct_multi() call
 * ftrace_free_filter()"). mvmm clears its filter itself, on both.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define mvmm_register_direct(ops, addr)	register_ftrace_direct(ops, addr)
#define mvmm_unregister_direct(ops, addr) \
	unregister_ftrace_direct(ops, addr, false)
#else
#define mvmm_register_direct(ops, addr) \
	register_ftrace_direct_multi(ops, addr)
#define mvmm_unregister_direct(ops, addr) \
	unregister_ftrace_direct_multi(ops, addr)
#endif

/*
 * KVM tells a loaded vendor module by one kvm_x86_ops member, which
 * kvm_x86_vendor_exit() clears: 6.1's ->hardware_enable was renamed
 * ->enable_virtualization_cpu by 6.12 ("KVM: Rename arch hooks related to
 * per-CPU virtualization enabling").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define mvmm_kvm_vendor_loaded(ops) \
	(READ_ONCE((ops)->enable_virtualization_cpu) != NULL)
#else
#define mvmm_kvm_vendor_loaded(ops)	(READ_ONCE((ops)->hardware_enable) != NULL)
#endif

/*
 * Tracepoints: 6.10 dropped __assign_str()'s source argument ("tracing:
 * Remove second parameter of __assign_str()"); it copies what the
 * field's __string() named.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define mvmm_assign_str(dst, src)	__assign_str(dst)
#else
#define mvmm_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * Generic netlink dumps: 6.2 moved the request's parsed attributes into a
 * struct genl_info inside struct genl_dumpit_info (genl_info_dump()), for
 * the split per-op-type policies; 6.1 has them in genl_dumpit_info.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define mvmm_genl_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define mvmm_genl_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * 6.2 split the generic netlink ops by type ("genetlink: introduce split
 * op representation"): a family's pre_doit() takes a struct
 * genl_split_ops; 6.1's takes the struct genl_ops of the command.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define mvmm_genl_doit_ops	genl_split_ops
#else
#define mvmm_genl_doit_ops	genl_ops
#endif

/*
 * 6.8 dropped eventfd_signal()'s count ("eventfd: simplify
 * eventfd_signal()"): every caller added 1.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define mvmm_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define mvmm_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

/*
 * 6.3 made vma->vm_flags read-only outside mm/, to be changed through
 * vm_flags_set() ("mm: introduce vma->vm_flags wrapper functions").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define mvmm_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#else
#define mvmm_vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#endif

/*
 * 6.12 packed struct fd into one word, read through fd_file() ("introduce
 * fd_file(), convert all accessors to it"); 6.1's has a ->file member.
 */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/*
 * 6.5 dropped get_user_pages_remote()'s vmas argument ("mm/gup: remove
 * vmas parameter from get_user_pages_remote()"). One page at @addr of
 * @mm, the mmap lock held: 1, or 0 or -errno.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define mvmm_gup_remote(mm, addr, gup_flags, page) \
	get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL)
#else
#define mvmm_gup_remote(mm, addr, gup_flags, page) \
	get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL, NULL)
#endif

/*
 * 6.2's CONFIG_RCU_LAZY (Debian's 6.12 has it) may hold call_rcu()
 * callbacks back for seconds on rcu_nocbs CPUs; call_rcu_hurry() does not.
 * For a free that gives something back, a hook for instance. 6.1 never
 * batches lazily.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define mvmm_call_rcu_hurry(head, fn)	call_rcu_hurry(head, fn)
#else
#define mvmm_call_rcu_hurry(head, fn)	call_rcu(head, fn)
#endif

/*
 * 6.8 made KVM's Hyper-V emulation optional ("KVM: x86: Make Hyper-V
 * emulation optional", CONFIG_KVM_HYPERV), and with it the fields that say
 * a vCPU uses it; 6.1 always has them. Does @vcpu make Hyper-V hypercalls,
 * as kvm_hv_hypercall_enabled() (arch/x86/kvm/hyperv.h) says?
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0) || IS_ENABLED(CONFIG_KVM_HYPERV)
#define mvmm_hv_hypercall_enabled(vcpu) \
	((vcpu)->arch.hyperv_enabled && (vcpu)->kvm->arch.hyperv.hv_guest_os_id)
#else
#define mvmm_hv_hypercall_enabled(vcpu)	false
#endif

#endif /* _MVMM_COMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO routing. At the exit, an access to an unbacked GPA is only a fault
 * address: size, direction and data are known once KVM's emulator has
 * decoded the instruction and dispatches the access to its MMIO bus. So
 * mvmm redirects kvm_io_bus_read()/kvm_io_bus_write() and routes accesses
 * to the MMIO bus there, with the data; everything else (PIO bus, and
 * addresses no rule sends to a handler) goes on to KVM's devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include "core/policy.h"
#include "answer_tgt.h"
#include "exit.h"
#include "hook.h"
#include "ksyms.h"
#include "mmio.h"
#include "route.h"
#include "table.h"
#include "vm.h"

/*
 * Route one access of the MMIO bus, or of the PIO bus (@type
 * MVMM_EV_IO: pre-registered answers only, see route.c); true when mvmm
 * completed it.
 */
static bool mvmm_mmio(struct kvm_vcpu *vcpu, u16 type, gpa_t addr, int len,
		      void *val, bool write)
{
	const struct mvmm_policy *p;
	const struct mvmm_rule *rule;
	struct mvmm_event ev = {
		.type = type,
		.origin = (vcpu->arch.hflags & HF_GUEST_MASK) ?
			  MVMM_ORIGIN_L2 : MVMM_ORIGIN_L1,
		.size = len,
		.flags = write ? MVMM_EVF_WRITE : 0,
		.qual = addr,
	};
	struct mvmm_vm *vm;
	bool done = false;
	int idx;

	/* The emulator splits accesses into pieces of at most 8 bytes. */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;

	idx = mvmm_exit_read_lock();
	vm = mvmm_vm_get(vcpu->kvm, GFP_KERNEL);
	p = vm ? mvmm_exit_dereference(vm->policy) : NULL;
	if (p) {
		rule = mvmm_policy_lookup(p->t, &ev);
		if (rule && rule->target.kind != MVMM_TARGET_MAIN) {
			done = mvmm_route_mmio(vcpu, vm->id, &ev, rule, val);
			/* IO reaches handlers at the exit; only answers here. */
			if (type == MVMM_EV_MMIO ||
			    rule->target.kind == MVMM_TARGET_ANSWER)
				mvmm_vm_count_routed(vm, &ev, done);
		}
	}
	mvmm_exit_read_unlock(idx);
	return done;
}

static int mvmm_io_bus_read(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			    gpa_t addr, int len, void *val)
{
	int ret;

	if (bus_idx == KVM_MMIO_BUS && vcpu &&
	    mvmm_mmio(vcpu, MVMM_EV_MMIO, addr, len, val, false))
		return 0;
	if (bus_idx == KVM_PIO_BUS && vcpu && mvmm_answer_tgt_pio() &&
	    mvmm_mmio(vcpu, MVMM_EV_IO, addr, len, val, false))
		return 0;
	ret = mvmm_kvm.io_bus_read(vcpu, bus_idx, addr, len, val);
	/*
	 * No tail call: ftrace must see this module as the caller, or it
	 * would send the original straight back here.
	 */
	barrier();
	return ret;
}

static int mvmm_io_bus_write(struct kvm_vcpu *vcpu, enum kvm_bus bus_idx,
			     gpa_t addr, int len, const void *val)
{
	int ret;

	if (bus_idx == KVM_MMIO_BUS && vcpu &&
	    mvmm_mmio(vcpu, MVMM_EV_MMIO, addr, len, (void *)val, true))
		return 0;
	if (bus_idx == KVM_PIO_BUS && vcpu && mvmm_answer_tgt_pio() &&
	    mvmm_mmio(vcpu, MVMM_EV_IO, addr, len, (void *)val, true))
		return 0;
	ret = mvmm_kvm.io_bus_write(vcpu, bus_idx, addr, len, val);
	barrier();	/* no tail call, as above */
	return ret;
}

static struct mvmm_redirect mvmm_read_redirect = {
	.replacement = mvmm_io_bus_read,
};

static struct mvmm_redirect mvmm_write_redirect = {
	.replacement = mvmm_io_bus_write,
};

int mvmm_mmio_hooks_init(void)
{
	int ret;

	mvmm_read_redirect.target = (unsigned long)mvmm_kvm.io_bus_read;
	ret = mvmm_redirect_install(&mvmm_read_redirect, "kvm_io_bus_read");
	if (ret)
		return ret;
	mvmm_write_redirect.target = (unsigned long)mvmm_kvm.io_bus_write;
	ret = mvmm_redirect_install(&mvmm_write_redirect, "kvm_io_bus_write");
	if (ret)
		goto err_read;
	return 0;

err_read:
	mvmm_redirect_remove(&mvmm_read_redirect);
	mvmm_exit_quiesce();
	return ret;
}

void mvmm_mmio_hooks_exit(void)
{
	mvmm_redirect_remove(&mvmm_write_redirect);
	mvmm_redirect_remove(&mvmm_read_redirect);
	mvmm_exit_quiesce();
}

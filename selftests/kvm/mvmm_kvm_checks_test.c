// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM's functions decide before their handling starts holds for
 * routed events: the guest gets what KVM gives it, whatever the rule.
 *
 *  - A hypercall above CPL 0 is refused with -KVM_EPERM in RAX
 *    (kvm_emulate_hypercall()): no rule answers it, no secondary sees it;
 *    at CPL 0 the rule applies.
 *  - With CPUID faulting on (MSR_MISC_FEATURES_ENABLES bit 0), CPUID
 *    above CPL 0 raises #GP (kvm_emulate_cpuid()): no rule answers it;
 *    at CPL 0, where CPUID does not fault, the rule applies.
 *  - A VM that enabled Hyper-V's hypercall ABI (Hyper-V CPUID, a guest
 *    OS id written) makes Hyper-V hypercalls, whose call code is in RCX:
 *    KVM answers an unknown code HV_STATUS_INVALID_HYPERCALL_CODE, even
 *    when RAX holds the number a rule routes.
 *
 * For each target (a fixed answer, mvmm_testsec as a handler that may
 * sleep and as one that never sleeps) a new VM per case runs one
 * hypercall and one CPUID; the guest reports what it got. CPL 3 is
 * entered with IRETQ through user segments this test adds to the
 * library's GDT, with every page of the guest made user-accessible and
 * the TSS given a ring-0 stack for the #GP.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mvmm_guest_io.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "testsec.h"

#define USER_CS		(0x30 | 3)	/* GDT entry 6: 64-bit code, DPL 3 */
#define USER_DS		(0x38 | 3)	/* GDT entry 7: data, DPL 3 */
#define USER_CODE_DESC	0x00affb000000ffffULL
#define USER_DATA_DESC	0x00cff3000000ffffULL
#define USER_RFLAGS	0x3002		/* IOPL 3 (the ucall's port IO) */
#define PTE_USER	(1ULL << 2)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL

#define LEAF		TESTSEC_LEAF_LO
#define HC_NR		TESTSEC_HC_LO
#define ANSWER_HC	0x1234abcdULL
#define KVM_EPERM_RAX	((uint64_t)-1)	/* -KVM_EPERM */
/*
 * Hyper-V's, from the library (processor.h on 6.1; hyperv.h on 6.12,
 * whose guest helpers clash with mvmm_ksft_compat.h's KVM_ASM_SAFE).
 */
#define HV_X64_MSR_GUEST_OS_ID			0x40000000
#define HV_STATUS_INVALID_HYPERCALL_CODE	2
void vcpu_set_hv_cpuid(struct kvm_vcpu *vcpu);
#define HV_OS_ID	0x8100000000000000ULL	/* any but 0 */
#define HV_BAD_CODE	0xffffULL		/* no such call */

static const uint32_t answer_regs[4] = {
	0x61736e77, 0x72656420, 0x62792061, 0x72756c65,
};

/* The guest's orders and what it saw, in a page shared with this program. */
struct order {
	uint64_t cpl3, fault, hv, amd;
	uint64_t user_rsp;
	/* Written by the guest. */
	uint64_t hc_vector, hc_rax;
	uint64_t cpuid_vector, cpuid[4];
};

static struct order *guest_order;

static void guest_user(void)
{
	struct order *o = guest_order;
	uint64_t v[4];

	o->hc_vector = mvmm_safe_hypercall(o->amd, HC_NR,
					   o->hv ? HV_BAD_CODE : 0, v);
	o->hc_rax = v[0];
	o->cpuid_vector = mvmm_safe_cpuid(LEAF, 0, o->cpuid);
	GUEST_DONE();
}

static void guest_code(void)
{
	struct order *o = guest_order;

	GUEST_SYNC(0);
	/* Kernel code runs from pages the test made user pages. */
	set_cr4(get_cr4() & ~(X86_CR4_SMEP | X86_CR4_SMAP));
	if (o->fault)
		wrmsr(MSR_MISC_FEATURES_ENABLES,
		      MSR_MISC_FEATURES_ENABLES_CPUID_FAULT);
	if (o->hv)
		wrmsr(HV_X64_MSR_GUEST_OS_ID, HV_OS_ID);
	if (!o->cpl3)
		guest_user();
	asm volatile("push %[ss]\n\t"
		     "push %[rsp]\n\t"
		     "push %[rflags]\n\t"
		     "push %[cs]\n\t"
		     "push %[rip]\n\t"
		     "iretq"
		     : : [ss] "i"(USER_DS), [rsp] "r"(o->user_rsp),
		       [rflags] "i"(USER_RFLAGS), [cs] "i"(USER_CS),
		       [rip] "r"(guest_user)
		     : "memory");
	GUEST_ASSERT(0);
}

/* Set the user bit in every entry of the page-table page at @gpa. */
static void make_user(struct kvm_vm *vm, uint64_t gpa, int level)
{
	uint64_t *pte = addr_gpa2hva(vm, gpa);
	int i;

	for (i = 0; i < 512; i++) {
		if (!(pte[i] & 1))
			continue;
		pte[i] |= PTE_USER;
		if (level > 1 && !(pte[i] & PTE_PS))
			make_user(vm, pte[i] & PTE_ADDR, level - 1);
	}
}

/* What CPL 3 needs: user segments, user pages, stacks for both rings. */
static void setup_user_mode(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			    struct order *o)
{
	vm_vaddr_t ustack = vm_vaddr_alloc_page(vm);
	vm_vaddr_t kstack = vm_vaddr_alloc_page(vm);
	struct kvm_sregs sregs;
	uint64_t *gdt, rsp0;

	vcpu_sregs_get(vcpu, &sregs);
	TEST_ASSERT(sregs.gdt.limit >= (USER_DS | 7),
		    "Expected room for entry 7 in the GDT, limit %#x",
		    sregs.gdt.limit);
	gdt = addr_gva2hva(vm, sregs.gdt.base);
	gdt[USER_CS >> 3] = USER_CODE_DESC;
	gdt[USER_DS >> 3] = USER_DATA_DESC;
	/* The 64-bit TSS's RSP0, at offset 4: the #GP's stack. */
	rsp0 = kstack + getpagesize();
	memcpy((char *)addr_gva2hva(vm, sregs.tr.base) + 4, &rsp0,
	       sizeof(rsp0));
	/* ABI: RSP + 8 is 16-byte aligned where a function starts. */
	o->user_rsp = ustack + getpagesize() - 8;
	make_user(vm, sregs.cr3 & PTE_ADDR, 4);
}

enum target { T_ANSWER, T_TESTSEC, T_TESTSEC_ATOMIC, T_NR };

static const char *const target_name[T_NR] = {
	[T_ANSWER] = "a fixed answer",
	[T_TESTSEC] = "testsec (may sleep)",
	[T_TESTSEC_ATOMIC] = "testsec (never sleeps)",
};

static void testsec_load(bool atomic)
{
	char path[300];
	int ret;

	ret = mvmm_kmod_unload_mod("mvmm_testsec");
	TEST_ASSERT(!ret || ret == -ENOENT,
		    "Expected rmmod mvmm_testsec to work, got %s",
		    strerror(-ret));
	ret = mvmm_kmod_load_args(mvmm_kmod_path_of("mvmm_testsec", path,
						    sizeof(path)),
				  atomic ? "atomic=1" : "");
	TEST_ASSERT(!ret, "Expected insmod %s to work, got %s", path,
		    strerror(-ret));
}

static void add_rules(struct mvmm_rsk *s, uint32_t vm_id, enum target t)
{
	const char *name = t == T_ANSWER ? "main" : TESTSEC_NAME;
	struct mvmm_rule_info hc, cpuid;

	hc = mvmm_rule_make(MVMM_EV_HYPERCALL, HC_NR, HC_NR, MVMM_MATCH_ANY,
			    MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, name);
	cpuid = mvmm_rule_make(MVMM_EV_CPUID, LEAF, LEAF, MVMM_MATCH_ANY,
			       MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, name);
	if (t == T_ANSWER) {
		hc.answer = MVMM_RULE_ANSWER_FIXED;
		hc.value = ANSWER_HC;
		cpuid.answer = MVMM_RULE_ANSWER_FIXED;
		memcpy(cpuid.regs, answer_regs, sizeof(cpuid.regs));
	}
	mvmm_rule_add_ok(s, vm_id, &hc);
	mvmm_rule_add_ok(s, vm_id, &cpuid);
}

/*
 * One VM: the hypercall and CPUID at @cpl3's CPL, CPUID faulting as
 * @fault, the Hyper-V hypercall ABI enabled as @hv.
 */
static bool run_case(struct mvmm_rsk *s, enum target t, bool cpl3,
		     bool fault, bool hv)
{
	uint64_t want_hc = t == T_ANSWER ? ANSWER_HC : TESTSEC_HC_RET(HC_NR);
	uint32_t want_cpuid[4] = { LEAF, ~LEAF, TESTSEC_CPUID_ECX, 0 };
	bool want_gp = cpl3 && fault, ok = true;
	struct mvmm_vm_info info;
	struct kvm_vcpu *vcpu;
	struct mvmm_nl *nl;
	struct kvm_vm *vm;
	struct order *o;
	vm_vaddr_t gva;
	struct ucall uc;
	int i, ret;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu);
	gva = vm_vaddr_alloc_page(vm);
	o = addr_gva2hva(vm, gva);
	guest_order = (struct order *)gva;
	sync_global_to_guest(vm, guest_order);
	o->cpl3 = cpl3;
	o->fault = fault;
	o->hv = hv;
	o->amd = is_amd_cpu();
	setup_user_mode(vm, vcpu, o);
	if (hv)
		vcpu_set_hv_cpuid(vcpu);

	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "Expected the guest's first sync, got exit %d",
		    vcpu->run->exit_reason);
	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm family, got %s", strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know the VM, got %s",
		    strerror(-ret));
	mvmm_nl_close(nl);
	add_rules(s, info.id, t);

	vcpu_run(vcpu);
	ret = get_ucall(vcpu, &uc);
	if (ret == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(ret == UCALL_DONE,
		    "Expected the guest done, got ucall %d, exit %d", ret,
		    vcpu->run->exit_reason);

	if (t == T_ANSWER)
		memcpy(want_cpuid, answer_regs, sizeof(want_cpuid));
	if (cpl3)
		want_hc = KVM_EPERM_RAX;
	if (hv)
		want_hc = HV_STATUS_INVALID_HYPERCALL_CODE;
	ksft_print_msg("%s%s, CPL %d, CPUID faulting %s: hypercall vector %lu RAX %#lx; CPUID vector %lu %#lx %#lx %#lx %#lx\n",
		       target_name[t], hv ? ", Hyper-V" : "", cpl3 ? 3 : 0,
		       fault ? "on" : "off", o->hc_vector, o->hc_rax, o->cpuid_vector, o->cpuid[0],
		       o->cpuid[1], o->cpuid[2], o->cpuid[3]);
	if (o->hc_vector || o->hc_rax != want_hc) {
		ksft_print_msg("  Expected hypercall RAX %#lx\n", want_hc);
		ok = false;
	}
	if (want_gp && o->cpuid_vector != GP_VECTOR) {
		ksft_print_msg("  Expected CPUID to raise #GP\n");
		ok = false;
	}
	for (i = 0; !want_gp && i < 4; i++) {
		if (!o->cpuid_vector && o->cpuid[i] == want_cpuid[i])
			continue;
		ksft_print_msg("  Expected CPUID %#x %#x %#x %#x from the rule\n",
			       want_cpuid[0], want_cpuid[1], want_cpuid[2],
			       want_cpuid[3]);
		ok = false;
		break;
	}
	kvm_vm_free(vm);
	return ok;
}

int main(void)
{
	struct mvmm_rsk *s;
	int t, cpl3, fault;

	ksft_print_header();
	ksft_set_plan(T_NR * 5);
	TEST_REQUIRE(mvmm_kmod_loaded());
	s = mvmm_rsk_open_ok();

	for (t = 0; t < T_NR; t++) {
		if (t != T_ANSWER)
			testsec_load(t == T_TESTSEC_ATOMIC);
		for (fault = 0; fault < 2; fault++)
			for (cpl3 = 0; cpl3 < 2; cpl3++)
				ksft_test_result(run_case(s, t, cpl3, fault,
							  false),
						 "%s, CPL %d, CPUID faulting %s\n",
						 target_name[t], cpl3 ? 3 : 0,
						 fault ? "on" : "off");
		ksft_test_result(run_case(s, t, false, false, true),
				 "%s, Hyper-V's hypercall ABI\n",
				 target_name[t]);
	}
	mvmm_rsk_close(s);
	(void)mvmm_kmod_unload_mod("mvmm_testsec");
	ksft_finished();
}

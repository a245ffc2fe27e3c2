// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm_cpuidsig: answer the hypervisor CPUID range as a secondary VMM.
 *
 *	mvmmctl rule add vm 3 cpuid leaf 0x40000000-0x400000ff handler cpuidsig
 *
 * Leaf 0x40000000 returns the highest leaf of the range this module
 * serves (0x40000001) in EAX and the 12-byte signature (module parameter
 * "signature", default "mvmmCPUIDsig") in EBX, ECX, EDX, the layout KVM,
 * Hyper-V and Xen use. Other leaves of the range return zeros, so a guest
 * that probes for KVM features finds none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>
#include <mvmm/secondary.h>

#define CPUIDSIG_BASE	0x40000000U
#define CPUIDSIG_LAST	0x400000ffU

static char signature[13] = "mvmmCPUIDsig";
module_param_string(signature, signature, sizeof(signature), 0444);
MODULE_PARM_DESC(signature, "12-character hypervisor signature");

static struct mvmm_handler *cpuidsig_handler;

/* EBX, ECX, EDX of leaf 0x40000000: the signature, made once at load. */
static u32 cpuidsig_words[3];

static void cpuidsig_make_words(void)
{
	/*
	 * strncpy semantics: a short signature is padded with zeros. Bytes
	 * past the NUL may be left over from the default, so stop there.
	 */
	size_t len = strnlen(signature, 12);

	memset(cpuidsig_words, 0, sizeof(cpuidsig_words));
	memcpy(cpuidsig_words, signature, len);
}

static int cpuidsig_handle(struct mvmm_handler *h,
			   const struct mvmm_request *req,
			   struct mvmm_answer *ans)
{
	u32 leaf = req->ev.qual;

	if (req->ev.type != MVMM_EV_CPUID || leaf < CPUIDSIG_BASE ||
	    leaf > CPUIDSIG_LAST) {
		ans->action = MVMM_ACT_MAIN;
		return 0;
	}
	ans->action = MVMM_ACT_HANDLED;
	ans->gpr_mask = BIT(MVMM_GPR_RAX) | BIT(MVMM_GPR_RBX) |
			BIT(MVMM_GPR_RCX) | BIT(MVMM_GPR_RDX);
	if (leaf == CPUIDSIG_BASE) {
		ans->gprs[MVMM_GPR_RAX] = CPUIDSIG_BASE + 1;
		ans->gprs[MVMM_GPR_RBX] = cpuidsig_words[0];
		ans->gprs[MVMM_GPR_RCX] = cpuidsig_words[1];
		ans->gprs[MVMM_GPR_RDX] = cpuidsig_words[2];
	} else {
		ans->gprs[MVMM_GPR_RAX] = 0;
		ans->gprs[MVMM_GPR_RBX] = 0;
		ans->gprs[MVMM_GPR_RCX] = 0;
		ans->gprs[MVMM_GPR_RDX] = 0;
	}
	return 0;
}

/* cpuidsig_handle() reads constants only: it never sleeps. */
static const struct mvmm_handler_ops cpuidsig_ops = {
	.handle = cpuidsig_handle,
	.owner = THIS_MODULE,
	.atomic = true,
};

static int __init cpuidsig_init(void)
{
	cpuidsig_make_words();
	cpuidsig_handler = mvmm_handler_register("cpuidsig", &cpuidsig_ops,
						 NULL);
	return PTR_ERR_OR_ZERO(cpuidsig_handler);
}

static void __exit cpuidsig_exit(void)
{
	mvmm_handler_unregister(cpuidsig_handler);
}

module_init(cpuidsig_init);
module_exit(cpuidsig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvmm secondary: hypervisor CPUID leaves with a signature");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendors' exit codes (SVM_EXIT_*, EXIT_REASON_*), from the kernel's
 * own uapi headers rather than copies: in the module the kernel's
 * arch/x86/include/uapi/asm/ (its <asm/svm.h> and <asm/vmx.h> add private
 * definitions that the classifiers' own EXITINFO layouts would clash
 * with), in userspace the same headers as installed by linux-libc-dev.
 */
#ifndef _MVMM_CORE_EXIT_CODES_H
#define _MVMM_CORE_EXIT_CODES_H

#ifdef __KERNEL__
#include <uapi/asm/svm.h>
#include <uapi/asm/vmx.h>
#else
#include <asm/svm.h>
#include <asm/vmx.h>
#endif

/* Architectural codes KVM never names: SMIs seen by VMX (SDM vol. 3C). */
#ifndef EXIT_REASON_IO_SMI
#define EXIT_REASON_IO_SMI		5
#endif
#ifndef EXIT_REASON_OTHER_SMI
#define EXIT_REASON_OTHER_SMI		6
#endif

#endif /* _MVMM_CORE_EXIT_CODES_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_GUEST_MEM_H
#define _MVMM_GUEST_MEM_H

#include <linux/types.h>
#include <linux/mvmm.h>

/*
 * MVMM_IOC_MEM_READ (@write false) and MVMM_IOC_MEM_WRITE on a file
 * attached to VM @vm_id: @m as the caller gave it, checked here.
 */
int mvmm_guest_mem_user(u32 vm_id, const struct mvmm_mem *m, bool write);

#endif /* _MVMM_GUEST_MEM_H */

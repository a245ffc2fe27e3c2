/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_MMIO_H
#define _MVMM_MMIO_H

/* Route decoded MMIO accesses from KVM's MMIO bus dispatch. */
int mvmm_mmio_hooks_init(void);
void mvmm_mmio_hooks_exit(void);

#endif /* _MVMM_MMIO_H */

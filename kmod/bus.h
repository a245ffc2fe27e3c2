/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_BUS_H
#define _MVMM_BUS_H

/* MMIO accesses and string IO elements, routed on KVM's buses. */
void mvmm_bus_hooks_init(void);

#endif /* _MVMM_BUS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_COMPLETE_H
#define _MVMM_COMPLETE_H

/* Register the hooks where routed exits are completed (complete.c). */
void mvmm_complete_hooks_init(void);

#endif /* _MVMM_COMPLETE_H */

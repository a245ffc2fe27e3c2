/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_EXIT_H
#define _MVMM_EXIT_H

int mvmm_exit_hooks_init(void);
void mvmm_exit_hooks_exit(void);

#endif /* _MVMM_EXIT_H */

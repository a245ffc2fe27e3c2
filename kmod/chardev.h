/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_CHARDEV_H
#define _MVMM_CHARDEV_H

/* The /dev/mvmm misc device for userspace secondaries. */
int mvmm_chardev_init(void);
void mvmm_chardev_exit(void);

#endif /* _MVMM_CHARDEV_H */

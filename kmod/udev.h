/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_UDEV_H
#define _MVMM_UDEV_H

/* The /dev/mvmm misc device for userspace secondaries. */
int mvmm_udev_init(void);
void mvmm_udev_exit(void);

#endif /* _MVMM_UDEV_H */

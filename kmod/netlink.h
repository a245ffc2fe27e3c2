/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_NETLINK_H
#define _MVMM_NETLINK_H

int mvmm_netlink_init(void);
void mvmm_netlink_exit(void);

#endif /* _MVMM_NETLINK_H */

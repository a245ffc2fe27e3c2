/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_EXIT_H
#define _MVMM_EXIT_H

struct mvmm_vcpu;

/*
 * The event of @vc's last exit (its vCPU's own thread only): made from
 * what the vendor said at the exit, on first use.
 */
const struct mvmm_event *mvmm_exit_event(struct mvmm_vcpu *vc);

/* Hook vcpu_run (every exit classified and counted) and handle_exit. */
int mvmm_exit_hooks_init(void);
/* Unhook, once the hook points are gone, and wait for mvmm's code to idle. */
void mvmm_exit_hooks_exit(void);

#endif /* _MVMM_EXIT_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_EXIT_H
#define _MVMM_EXIT_H

#include "vm.h"

/* Make the event of @vc's last exit from what the vendor said of it. */
void mvmm_exit_classify(struct mvmm_vcpu *vc);

/*
 * The event of @vc's last exit (its vCPU's own thread only): made on
 * first use.
 */
static inline const struct mvmm_event *mvmm_exit_event(struct mvmm_vcpu *vc)
{
	if (!vc->ev_valid)
		mvmm_exit_classify(vc);
	return &vc->ev;
}

/* Hook vcpu_run (every exit classified and counted) and handle_exit. */
int mvmm_exit_hooks_init(void);
/* Unhook, once the hook points are gone, and wait for mvmm's code to idle. */
void mvmm_exit_hooks_exit(void);

#endif /* _MVMM_EXIT_H */

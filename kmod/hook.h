/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_HOOK_H
#define _MVMM_HOOK_H

#include <linux/ftrace.h>

/*
 * Two ways mvmm attaches to a KVM function through ftrace:
 *
 * - a redirect replaces the function: calls from KVM land in @replacement,
 *   which calls the original through @orig; calls made from this module
 *   reach the original unmodified;
 * - a watch observes the function's entry and sees its arguments.
 */
struct mvmm_redirect {
	unsigned long target;
	void *replacement;
	struct ftrace_ops ops;
};

struct mvmm_watch {
	unsigned long target;
	void (*fn)(struct pt_regs *regs);
	struct ftrace_ops ops;
};

int mvmm_redirect_install(struct mvmm_redirect *r, const char *what);
void mvmm_redirect_remove(struct mvmm_redirect *r);
int mvmm_watch_install(struct mvmm_watch *w, const char *what);
void mvmm_watch_remove(struct mvmm_watch *w);

#endif /* _MVMM_HOOK_H */

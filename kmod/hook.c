// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace-based redirects and watches on KVM functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include "hook.h"

static void notrace mvmm_redirect_cb(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct mvmm_redirect *r = container_of(op, struct mvmm_redirect, ops);

	/* Our replacement calling the original must reach the original. */
	if (!within_module(parent_ip, THIS_MODULE))
		ftrace_instruction_pointer_set(fregs,
					       (unsigned long)r->replacement);
}

static void notrace mvmm_watch_cb(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op,
				  struct ftrace_regs *fregs)
{
	struct mvmm_watch *w = container_of(op, struct mvmm_watch, ops);
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		w->fn(regs);
}

static int mvmm_ftrace_install(struct ftrace_ops *ops, unsigned long target,
			       const char *what)
{
	int ret;

	ret = ftrace_set_filter_ip(ops, target, 0, 0);
	if (ret) {
		pr_err("cannot trace %s (%pS): %d\n", what, (void *)target,
		       ret);
		return ret;
	}
	ret = register_ftrace_function(ops);
	if (ret) {
		/* -EBUSY: another IPMODIFY user (livepatch?) owns it. */
		pr_err("cannot hook %s (%pS): %d\n", what, (void *)target, ret);
		ftrace_set_filter_ip(ops, target, 1, 0);
	}
	return ret;
}

static void mvmm_ftrace_remove(struct ftrace_ops *ops, unsigned long target)
{
	WARN_ON_ONCE(unregister_ftrace_function(ops));
	ftrace_set_filter_ip(ops, target, 1, 0);
}

int mvmm_redirect_install(struct mvmm_redirect *r, const char *what)
{
	r->ops.func = mvmm_redirect_cb;
	r->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY;
	return mvmm_ftrace_install(&r->ops, r->target, what);
}

void mvmm_redirect_remove(struct mvmm_redirect *r)
{
	mvmm_ftrace_remove(&r->ops, r->target);
}

int mvmm_watch_install(struct mvmm_watch *w, const char *what)
{
	w->ops.func = mvmm_watch_cb;
	w->ops.flags = FTRACE_OPS_FL_SAVE_REGS;
	return mvmm_ftrace_install(&w->ops, w->target, what);
}

void mvmm_watch_remove(struct mvmm_watch *w)
{
	mvmm_ftrace_remove(&w->ops, w->target);
}

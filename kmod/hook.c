// SPDX-License-Identifier: GPL-2.0
/*
 * The ways mvmm attaches to KVM (see hook.h): static call patches, ftrace
 * redirects and watches, and the hook points installed on demand.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/static_call.h>
#include <linux/workqueue.h>
#include "compat.h"
#include "hook.h"
#include "ksyms.h"

int mvmm_scall_resolve(struct mvmm_scall *c, const char *op)
{
	char name[KSYM_NAME_LEN];

	snprintf(name, sizeof(name), "__SCK__kvm_x86_%s", op);
	c->key = (void *)mvmm_ksym(name);
	snprintf(name, sizeof(name), "__SCT__kvm_x86_%s", op);
	c->tramp = (void *)mvmm_ksym(name);
	if (!c->key || !c->tramp) {
		pr_err("KVM's static call kvm_x86_%s not found\n", op);
		return -ENOENT;
	}
	c->orig = READ_ONCE(c->key->func);
	if (!c->orig) {
		pr_err("KVM's static call kvm_x86_%s is not set\n", op);
		return -ENODEV;
	}
	return 0;
}

int mvmm_scall_patch(struct mvmm_scall *c, const char *what)
{
	/*
	 * Only KVM updates its static calls, when a vendor module loads; the
	 * vendor is pinned (ksyms.c). Anything else there is not ours to
	 * wrap.
	 */
	if (READ_ONCE(c->key->func) != c->orig) {
		pr_err("cannot hook %s: KVM's static call points to %ps, not %ps\n",
		       what, READ_ONCE(c->key->func), c->orig);
		return -EBUSY;
	}
	__static_call_update(c->key, c->tramp, c->func);
	c->patched = true;
	return 0;
}

void mvmm_scall_unpatch(struct mvmm_scall *c, const char *what)
{
	if (!c->patched)
		return;
	if (WARN(READ_ONCE(c->key->func) != c->func,
		 "mvmm: %s was changed under mvmm\n", what))
		return;
	__static_call_update(c->key, c->tramp, c->orig);
	c->patched = false;
}

static void notrace mvmm_redirect_cb(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct mvmm_redirect *r = container_of(op, struct mvmm_redirect, ops);

	/*
	 * Not "is the caller mvmm?": KVM's exit handlers tail-call the
	 * functions mvmm redirects, so parent_ip may be any caller up the
	 * stack, mvmm's handle_exit included. ->decide() knows from the
	 * vCPU's state whether this call is one to take.
	 */
	if (r->decide(fregs))
		mvmm_fregs_set_ip(fregs, (unsigned long)r->replacement);
}

static void notrace mvmm_watch_cb(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op,
				  struct ftrace_regs *fregs)
{
	struct mvmm_watch *w = container_of(op, struct mvmm_watch, ops);

	w->fn(fregs);
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
		/*
		 * -EBUSY: another IPMODIFY user (a livepatch?) owns the
		 * function, or sysctl kernel.ftrace_enabled is 0.
		 */
		pr_err("cannot hook %s (%pS): %d%s\n", what, (void *)target,
		       ret, ret == -EBUSY ?
		       " (ftrace_enabled is 0, or a livepatch owns it)" : "");
		ftrace_set_filter_ip(ops, target, 1, 0);
	}
	return ret;
}

static void mvmm_ftrace_remove(struct ftrace_ops *ops, unsigned long target)
{
	/* Returns once no task can be in the callback or trampoline. */
	WARN_ON_ONCE(unregister_ftrace_function(ops));
	ftrace_set_filter_ip(ops, target, 1, 0);
}

int mvmm_redirect_install(struct mvmm_redirect *r, const char *what)
{
	r->ops.func = mvmm_redirect_cb;
	r->ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT;
	return mvmm_ftrace_install(&r->ops, r->target, what);
}

void mvmm_redirect_remove(struct mvmm_redirect *r)
{
	mvmm_ftrace_remove(&r->ops, r->target);
}

int mvmm_direct_install(struct mvmm_direct *d, const char *what)
{
	int ret;

	ret = ftrace_set_filter_ip(&d->ops, d->target, 0, 0);
	if (ret) {
		pr_err("cannot trace %s (%pS): %d\n", what, (void *)d->target,
		       ret);
		return ret;
	}
	ret = mvmm_register_direct(&d->ops, (unsigned long)d->tramp);
	if (ret) {
		/* -EBUSY: another direct call (a BPF trampoline?) is there. */
		pr_err("cannot hook %s (%pS): %d%s\n", what, (void *)d->target,
		       ret, ret == -EBUSY ?
		       " (ftrace_enabled is 0, or it has a BPF trampoline)" :
		       "");
		/*
		 * 6.1 leaves these set when registering fails, and then
		 * refuses every later registration of the ops with -EINVAL
		 * (6.12 resets them itself).
		 */
		d->ops.func = NULL;
		d->ops.trampoline = 0;
		ftrace_set_filter_ip(&d->ops, d->target, 1, 0);
	}
	return ret;
}

void mvmm_direct_remove(struct mvmm_direct *d)
{
	/*
	 * New calls go to KVM's function alone. A task still in the
	 * trampoline is waited for at unload (mvmm_exit_quiesce()): until
	 * then the trampoline stays where it is.
	 */
	WARN_ON_ONCE(mvmm_unregister_direct(&d->ops, (unsigned long)d->tramp));
	ftrace_set_filter_ip(&d->ops, d->target, 1, 0);
}

int mvmm_watch_install(struct mvmm_watch *w, const char *what)
{
	w->ops.func = mvmm_watch_cb;
	w->ops.flags = FTRACE_OPS_FL_PERMANENT;
	return mvmm_ftrace_install(&w->ops, w->target, what);
}

void mvmm_watch_remove(struct mvmm_watch *w)
{
	mvmm_ftrace_remove(&w->ops, w->target);
}

/* Hook points: installs and removals under the mutex, counts atomic. */
static LIST_HEAD(mvmm_hookpoints);
static DEFINE_MUTEX(mvmm_hooks_mutex);
/* Unloading: every hook is gone, policies freed later change nothing. */
static bool mvmm_hooks_closed;

static bool mvmm_hook_needed(const struct mvmm_hookpoint *hp, u64 route,
			     u64 observe)
{
	return (hp->route_types & route) || (hp->observe_types & observe);
}

/* Remove the hook points that lost their last user. */
static void mvmm_hooks_gc(struct work_struct *work)
{
	struct mvmm_hookpoint *hp;

	mutex_lock(&mvmm_hooks_mutex);
	list_for_each_entry(hp, &mvmm_hookpoints, node) {
		if (hp->installed && !atomic_read(&hp->users)) {
			hp->remove();
			hp->installed = false;
		}
	}
	mutex_unlock(&mvmm_hooks_mutex);
}

static DECLARE_WORK(mvmm_hooks_gc_work, mvmm_hooks_gc);

void mvmm_hookpoint_register(struct mvmm_hookpoint *hp)
{
	atomic_set(&hp->users, 0);
	hp->installed = false;
	mutex_lock(&mvmm_hooks_mutex);
	mvmm_hooks_closed = false;
	list_add_tail(&hp->node, &mvmm_hookpoints);
	mutex_unlock(&mvmm_hooks_mutex);
}

int mvmm_hooks_get(u64 route, u64 observe, const char **failed)
{
	struct mvmm_hookpoint *hp, *got;
	int ret = 0;

	if (!route && !observe)
		return 0;
	mutex_lock(&mvmm_hooks_mutex);
	list_for_each_entry(hp, &mvmm_hookpoints, node) {
		if (!mvmm_hook_needed(hp, route, observe))
			continue;
		if (!hp->installed) {
			ret = hp->install();
			if (ret) {
				*failed = hp->name;
				break;
			}
			hp->installed = true;
		}
		atomic_inc(&hp->users);
	}
	if (ret) {
		/* Give back what this call took; the gc removes the rest. */
		got = hp;
		list_for_each_entry(hp, &mvmm_hookpoints, node) {
			if (hp == got)
				break;
			if (mvmm_hook_needed(hp, route, observe))
				atomic_dec(&hp->users);
		}
		schedule_work(&mvmm_hooks_gc_work);
	}
	mutex_unlock(&mvmm_hooks_mutex);
	return ret;
}

void mvmm_hooks_put(u64 route, u64 observe)
{
	struct mvmm_hookpoint *hp;
	bool gc = false;

	if (!route && !observe)
		return;
	/* The list only changes at load and unload, when no policy lives. */
	list_for_each_entry(hp, &mvmm_hookpoints, node)
		if (mvmm_hook_needed(hp, route, observe) &&
		    atomic_dec_and_test(&hp->users))
			gc = true;
	if (gc && !READ_ONCE(mvmm_hooks_closed))
		schedule_work(&mvmm_hooks_gc_work);
}

void mvmm_hookpoints_remove_all(void)
{
	struct mvmm_hookpoint *hp;

	mutex_lock(&mvmm_hooks_mutex);
	WRITE_ONCE(mvmm_hooks_closed, true);
	list_for_each_entry(hp, &mvmm_hookpoints, node) {
		if (hp->installed)
			hp->remove();
		hp->installed = false;
	}
	mutex_unlock(&mvmm_hooks_mutex);
	cancel_work_sync(&mvmm_hooks_gc_work);
}

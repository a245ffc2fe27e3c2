/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_HOOK_H
#define _MVMM_HOOK_H

#include <linux/ftrace.h>
#include <linux/static_call_types.h>
#include <linux/bits.h>
#include <linux/types.h>

/*
 * How mvmm attaches to KVM.
 *
 * - A static call patch points one of KVM's kvm_x86_* static calls at an
 *   mvmm function, which calls the vendor's function itself: KVM's call
 *   site becomes a direct call to mvmm, with no trampoline. mvmm uses it
 *   for the calls every exit makes (vcpu_run, handle_exit).
 *
 * - A redirect (ftrace, IPMODIFY) runs ->decide() at the entry of a KVM
 *   function; when it says so, the call goes to ->replacement instead,
 *   which has the function's signature. A replacement reaches the
 *   original by calling it: ->decide() must then say no (it cannot tell
 *   by the caller, see hook.c).
 *
 * - A direct hook (an ftrace direct call) makes the entry of a KVM
 *   function call a trampoline of the caller's (complete_tramp.S), which
 *   calls mvmm's function for it with the same arguments. That function
 *   returns MVMM_DIRECT_PASS, and KVM's function runs as if nothing
 *   happened, or mvmm_direct_return(ret), and KVM's function returns ret
 *   to its caller without running. No ftrace callback, no saved register
 *   frame and no second function: the cheapest way into mvmm on a path
 *   KVM takes for every exit of some type.
 *
 * - A watch (ftrace) runs ->fn() at the entry of a KVM function.
 *
 * Redirects and watches use ftrace's argument-saving trampoline (not the
 * full-register one) and are permanent: while one is registered,
 * "sysctl kernel.ftrace_enabled=0" fails with EBUSY instead of silently
 * removing it. Direct hooks cannot be flagged so (the kernel sets their
 * ops' flags); mvmm's VM-teardown watch, registered from load to unload
 * (vm.c), keeps the sysctl refused for them too.
 */
struct mvmm_scall {
	struct static_call_key *key;
	void *tramp;
	void *orig;		/* KVM's function: what mvmm's one calls */
	void *func;		/* mvmm's function */
	bool patched;
};

/* Find KVM's static call kvm_x86_@op: its key and trampoline, and ->orig. */
int mvmm_scall_resolve(struct mvmm_scall *c, const char *op);
/* Point KVM's calls at ->func; -EBUSY if the call is not at ->orig. */
int mvmm_scall_patch(struct mvmm_scall *c, const char *what);
/* Point them back at ->orig (if still ours). */
void mvmm_scall_unpatch(struct mvmm_scall *c, const char *what);

struct mvmm_redirect {
	unsigned long target;
	/* Preemptible, must not sleep: true sends the call to ->replacement. */
	bool (*decide)(struct ftrace_regs *fregs);
	void *replacement;
	struct ftrace_ops ops;
};

/* A direct hook's function said: let KVM's function run. */
#define MVMM_DIRECT_PASS	0ULL

/* A direct hook's function said: KVM's function returns @ret, not run. */
static inline u64 mvmm_direct_return(int ret)
{
	return BIT_ULL(32) | (u32)ret;
}

struct mvmm_direct {
	unsigned long target;
	void *tramp;		/* calls mvmm's function: complete_tramp.S */
	struct ftrace_ops ops;
};

struct mvmm_watch {
	unsigned long target;
	void (*fn)(struct ftrace_regs *fregs);
	struct ftrace_ops ops;
};

int mvmm_redirect_install(struct mvmm_redirect *r, const char *what);
void mvmm_redirect_remove(struct mvmm_redirect *r);
int mvmm_direct_install(struct mvmm_direct *d, const char *what);
void mvmm_direct_remove(struct mvmm_direct *d);
int mvmm_watch_install(struct mvmm_watch *w, const char *what);
void mvmm_watch_remove(struct mvmm_watch *w);

/*
 * Hook points installed on demand: a hook that completes (or copies)
 * events of some types exists only while a policy table needs it. The
 * data path registers its hook points once; each published policy holds
 * the hook points its rules need, from before it is published until it
 * is freed (mvmm_hooks_get()/mvmm_hooks_put(), with the types the policy
 * routes and observes).
 */
struct mvmm_hookpoint {
	const char *name;		/* for messages: the KVM function */
	u64 route_types;		/* BIT(type): sync rules, not to main */
	u64 observe_types;		/* BIT(type): observe rules */
	int (*install)(void);
	void (*remove)(void);
	/* Private to hook.c. */
	struct list_head node;
	atomic_t users;
	bool installed;
};

void mvmm_hookpoint_register(struct mvmm_hookpoint *hp);
/*
 * Hold every hook point that a table routing @route and observing
 * @observe needs, installing those not installed yet. 0, or the error of
 * the install that failed (nothing held then), and *@failed names it.
 * Sleeps.
 */
int mvmm_hooks_get(u64 route, u64 observe, const char **failed);
/* Drop what mvmm_hooks_get() held; unused hooks go shortly after. Atomic. */
void mvmm_hooks_put(u64 route, u64 observe);
/*
 * Unload: remove every hook point now, whoever holds it; the policies
 * freed afterwards drop their holds without effect.
 */
void mvmm_hookpoints_remove_all(void);

#endif /* _MVMM_HOOK_H */

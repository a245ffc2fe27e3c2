// SPDX-License-Identifier: GPL-2.0
/*
 * Registry of secondary VMM handlers, by name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include "exit.h"
#include "handler.h"
#include "usec.h"

/* Serializes slot creation and (un)registration; readers are lock-free. */
static DEFINE_MUTEX(mvmm_handlers_mutex);
static struct mvmm_hslot *mvmm_hslots[MVMM_MAX_HANDLERS];
static u32 mvmm_nr_hslots;

static bool mvmm_handler_name_ok(const char *name)
{
	size_t i, len = strnlen(name, MVMM_HANDLER_NAME_LEN);

	if (!len || len == MVMM_HANDLER_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	/* "main" names KVM itself in rules. */
	return strcmp(name, "main") != 0;
}

struct mvmm_hslot *mvmm_hslot(u32 id)
{
	if (id >= MVMM_MAX_HANDLERS)
		return NULL;
	/* Pairs with smp_store_release() in mvmm_hslot_get_or_add(). */
	return smp_load_acquire(&mvmm_hslots[id]);
}

int mvmm_hslot_lookup(const char *name)
{
	/* Pairs with the release in mvmm_hslot_get_or_add(): @n slots are set. */
	u32 i, n = smp_load_acquire(&mvmm_nr_hslots);

	for (i = 0; i < n; i++) {
		struct mvmm_hslot *s = mvmm_hslot(i);

		if (s && !strcmp(s->name, name))
			return i;
	}
	return -ENOENT;
}

static struct mvmm_hslot *mvmm_hslot_get_or_add(const char *name)
{
	struct mvmm_hslot *s;
	int id;

	lockdep_assert_held(&mvmm_handlers_mutex);
	id = mvmm_hslot_lookup(name);
	if (id >= 0)
		return mvmm_hslots[id];
	if (mvmm_nr_hslots == MVMM_MAX_HANDLERS)
		return ERR_PTR(-ENOSPC);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->stats = __alloc_percpu(sizeof(u64) * __MVMM_HSTAT_MAX,
				  __alignof__(u64));
	if (!s->stats) {
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	strscpy(s->name, name, sizeof(s->name));
	s->id = mvmm_nr_hslots;
	/* Lock-free readers see the slot only once it is initialised... */
	smp_store_release(&mvmm_hslots[s->id], s);
	/* ...and the count only once the slot is in place. */
	smp_store_release(&mvmm_nr_hslots, s->id + 1);
	return s;
}

static struct mvmm_handler *mvmm_handler_add(const char *name,
					     const struct mvmm_handler_ops *ops,
					     struct mvmm_usec *usec, void *priv)
{
	struct mvmm_handler *h;
	struct mvmm_hslot *s;

	if (!mvmm_handler_name_ok(name))
		return ERR_PTR(-EINVAL);

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->ops = ops;
	h->usec = usec;
	h->priv = priv;

	mutex_lock(&mvmm_handlers_mutex);
	s = mvmm_hslot_get_or_add(name);
	if (IS_ERR(s))
		goto err_unlock;
	if (rcu_access_pointer(s->live)) {
		s = ERR_PTR(-EBUSY);
		goto err_unlock;
	}
	h->slot = s;
	rcu_assign_pointer(s->live, h);
	mutex_unlock(&mvmm_handlers_mutex);
	pr_info("handler %s registered%s\n", name, usec ? " (userspace)" : "");
	return h;

err_unlock:
	mutex_unlock(&mvmm_handlers_mutex);
	kfree(h);
	return ERR_CAST(s);
}

struct mvmm_handler *mvmm_handler_register(const char *name,
					   const struct mvmm_handler_ops *ops,
					   void *priv)
{
	if (!ops || !ops->handle)
		return ERR_PTR(-EINVAL);
	return mvmm_handler_add(name, ops, NULL, priv);
}
EXPORT_SYMBOL_GPL(mvmm_handler_register);

void mvmm_handler_unregister(struct mvmm_handler *h)
{
	struct mvmm_hslot *s = h->slot;

	mutex_lock(&mvmm_handlers_mutex);
	RCU_INIT_POINTER(s->live, NULL);
	mutex_unlock(&mvmm_handlers_mutex);
	/* Every vCPU that could have seen @h runs under the exit SRCU. */
	mvmm_exit_sync();
	pr_info("handler %s unregistered\n", s->name);
	kfree(h);
}
EXPORT_SYMBOL_GPL(mvmm_handler_unregister);

struct mvmm_handler *mvmm_handler_register_user(const char *name,
						struct mvmm_usec *u)
{
	return mvmm_handler_add(name, NULL, u, NULL);
}

void mvmm_handler_info(struct mvmm_hslot *s, struct mvmm_hinfo *info)
{
	struct mvmm_handler *h;

	memset(info, 0, sizeof(*info));
	/* Unregistration takes the mutex too: @h cannot go away here. */
	mutex_lock(&mvmm_handlers_mutex);
	h = rcu_dereference_protected(s->live,
				      lockdep_is_held(&mvmm_handlers_mutex));
	if (h) {
		info->attached = true;
		if (h->usec) {
			info->user = true;
			mvmm_usec_info(h->usec, info);
		}
	}
	mutex_unlock(&mvmm_handlers_mutex);
}

void *mvmm_handler_priv(const struct mvmm_handler *h)
{
	return h->priv;
}
EXPORT_SYMBOL_GPL(mvmm_handler_priv);

u64 mvmm_hstat_read(const struct mvmm_hslot *s, enum mvmm_hstat i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s->stats, cpu)[i]);
	return sum;
}

int mvmm_handlers_init(void)
{
	return 0;
}

/*
 * Secondary modules depend on mvmm's symbols, so none is loaded (and no
 * handler registered) by the time mvmm unloads.
 */
void mvmm_handlers_exit(void)
{
	u32 i;

	for (i = 0; i < mvmm_nr_hslots; i++) {
		WARN_ON(rcu_access_pointer(mvmm_hslots[i]->live));
		free_percpu(mvmm_hslots[i]->stats);
		kfree(mvmm_hslots[i]);
		mvmm_hslots[i] = NULL;
	}
	mvmm_nr_hslots = 0;
}

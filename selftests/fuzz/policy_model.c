// SPDX-License-Identifier: GPL-2.0
/*
 * Reference model of the policy builder: every operation is a linear scan
 * over an unsorted array, so that it is obviously right rather than fast.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_model.h"

void model_init(struct model *m, unsigned int max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	m->next_id = 1;
	m->rules = calloc(max ? max : 1, sizeof(*m->rules));
	if (!m->rules)
		abort();
}

void model_free(struct model *m)
{
	free(m->rules);
	m->rules = NULL;
	m->nr = 0;
}

static bool valid(const struct mvmm_rule *r)
{
	if (r->type >= __MVMM_EV_MAX || r->lo > r->hi)
		return false;
	if (r->origin != MVMM_MATCH_ANY && r->origin != MVMM_MATCH_L1 &&
	    r->origin != MVMM_MATCH_L2)
		return false;
	if (r->mode != MVMM_MODE_SYNC && r->mode != MVMM_MODE_OBSERVE)
		return false;
	if (r->fallback != MVMM_FALLBACK_MAIN &&
	    r->fallback != MVMM_FALLBACK_DENY)
		return false;
	switch (r->target.kind) {
	case MVMM_TARGET_MAIN:
		return r->target.index == 0;
	case MVMM_TARGET_HANDLER:
	case MVMM_TARGET_GROUP:
	case MVMM_TARGET_ANSWER:
		return true;
	default:
		return false;
	}
}

static bool accepts(__u8 match, __u8 origin)
{
	return match == MVMM_MATCH_ANY ||
	       (match == MVMM_MATCH_L1 && origin == MVMM_ORIGIN_L1) ||
	       (match == MVMM_MATCH_L2 && origin == MVMM_ORIGIN_L2);
}

bool model_overlap(const struct mvmm_rule *a, const struct mvmm_rule *b)
{
	bool common = (accepts(a->origin, 0) && accepts(b->origin, 0)) ||
		      (accepts(a->origin, 1) && accepts(b->origin, 1));

	return a->type == b->type && common && a->lo <= b->hi &&
	       b->lo <= a->hi;
}

static int index_of(const struct model *m, __u32 id)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->rules[i].id == id)
			return i;
	return -1;
}

const struct mvmm_rule *model_find(const struct model *m, __u32 id)
{
	int i = index_of(m, id);

	return i < 0 ? NULL : &m->rules[i];
}

/* Overlaps some rule other than @skip (an id, or 0)? */
static bool any_overlap(const struct model *m, const struct mvmm_rule *r,
			__u32 skip)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->rules[i].id != skip && model_overlap(&m->rules[i], r))
			return true;
	return false;
}

static void store(struct mvmm_rule *dst, const struct mvmm_rule *src,
		  __u32 id)
{
	memset(dst, 0, sizeof(*dst));
	dst->lo = src->lo;
	dst->hi = src->hi;
	dst->target = src->target;
	dst->id = id;
	dst->type = src->type;
	dst->origin = src->origin;
	dst->mode = src->mode;
	dst->fallback = src->fallback;
}

int model_add(struct model *m, struct mvmm_rule *r)
{
	__u32 id;

	if (!valid(r))
		return -EINVAL;
	if (r->id && index_of(m, r->id) >= 0)
		return -EEXIST;
	if (any_overlap(m, r, 0))
		return -EEXIST;
	if (m->nr >= m->max)
		return -ENOSPC;
	id = r->id;
	if (!id) {
		/* the counter, skipping ids in use, never 0 */
		id = m->next_id ? m->next_id : 1;
		while (index_of(m, id) >= 0)
			id = id == 0xffffffffu ? 1 : id + 1;
		m->next_id = id == 0xffffffffu ? 1 : id + 1;
	}
	store(&m->rules[m->nr++], r, id);
	r->id = id;
	return 0;
}

int model_replace(struct model *m, const struct mvmm_rule *r)
{
	int i;

	if (!valid(r))
		return -EINVAL;
	i = r->id ? index_of(m, r->id) : -1;
	if (i < 0)
		return -ENOENT;
	if (any_overlap(m, r, r->id))
		return -EEXIST;
	store(&m->rules[i], r, r->id);
	return 0;
}

int model_delete(struct model *m, __u32 id)
{
	int i = id ? index_of(m, id) : -1;

	if (i < 0)
		return -ENOENT;
	m->rules[i] = m->rules[--m->nr];
	return 0;
}

void model_flush(struct model *m)
{
	m->nr = 0;
}

const struct mvmm_rule *model_lookup(const struct model *m,
				     const struct mvmm_event *ev,
				     unsigned int *count)
{
	const struct mvmm_rule *found = NULL;
	unsigned int i;

	*count = 0;
	/* Malformed events match nothing (policy.h). */
	if (ev->type >= __MVMM_EV_MAX || ev->origin > MVMM_ORIGIN_L2)
		return NULL;
	for (i = 0; i < m->nr; i++) {
		const struct mvmm_rule *r = &m->rules[i];

		if (r->type == ev->type && accepts(r->origin, ev->origin) &&
		    r->lo <= ev->qual && ev->qual <= r->hi) {
			found = r;
			(*count)++;
		}
	}
	return found;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Rule and handler commands of the "mvmm" family over raw netlink, with
 * the extended ACK of every refusal (see mvmm_rule.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvmm_nl.h"
#include "mvmm_rule.h"

struct mvmm_rsk {
	struct mvmm_nl *nl;
};

struct mvmm_rsk *mvmm_rsk_open(void)
{
	struct mvmm_rsk *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->nl = mvmm_nl_open();
	if (!s->nl) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	return s;
}

void mvmm_rsk_close(struct mvmm_rsk *s)
{
	if (!s)
		return;
	mvmm_nl_close(s->nl);
	free(s);
}

uint16_t mvmm_rsk_family(const struct mvmm_rsk *s)
{
	return mvmm_nl_family(s->nl);
}

struct mvmm_nl *mvmm_rsk_nl(struct mvmm_rsk *s)
{
	return s->nl;
}

int mvmm_rsk_talk(struct mvmm_rsk *s, struct mvmm_msg *m, mvmm_nl_cb cb,
		  void *arg, struct mvmm_ack *ack)
{
	return mvmm_nl_talk(s->nl, m, cb, arg, ack);
}

void mvmm_msg_put_table(struct mvmm_msg *m, uint32_t vm)
{
	if (vm == MVMM_TABLE_DEFAULT)
		mvmm_msg_put_flag(m, MVMM_A_DEFAULT);
	else
		mvmm_msg_put_u32(m, MVMM_A_VM_ID, vm);
}

/* The fixed answer of @r, as struct mvmm_rule_info describes it. */
static void mvmm_msg_put_answer(struct mvmm_msg *m,
				const struct mvmm_rule_info *r)
{
	static const uint16_t reg_attr[4] = {
		MVMM_A_ANSWER_EAX, MVMM_A_ANSWER_EBX,
		MVMM_A_ANSWER_ECX, MVMM_A_ANSWER_EDX,
	};
	int i;

	mvmm_msg_nest(m, MVMM_A_RULE_ANSWER);
	switch (r->type) {
	case MVMM_EV_CPUID:
		for (i = 0; i < 4; i++) {
			mvmm_msg_nest(m, reg_attr[i]);
			mvmm_msg_put_u32(m, r->answer == MVMM_RULE_ANSWER_MASK ?
					 MVMM_A_ANSWER_REG_AND :
					 MVMM_A_ANSWER_REG_VALUE, r->regs[i]);
			mvmm_msg_nest_end(m);
		}
		break;
	case MVMM_EV_MSR_WRITE:
		mvmm_msg_put_flag(m, MVMM_A_ANSWER_IGNORE);
		break;
	case MVMM_EV_IO:
	case MVMM_EV_MMIO:
		mvmm_msg_put_flag(m, MVMM_A_ANSWER_IGNORE);
		/* fall through */
	default:
		mvmm_msg_put_u64(m, MVMM_A_ANSWER_VALUE, r->value);
		break;
	}
	mvmm_msg_nest_end(m);
}

void mvmm_msg_put_rule(struct mvmm_msg *m, const struct mvmm_rule_info *r)
{
	mvmm_msg_nest(m, MVMM_A_RULE);
	if (r->id)
		mvmm_msg_put_u32(m, MVMM_A_RULE_ID, r->id);
	mvmm_msg_put_u32(m, MVMM_A_RULE_TYPE, r->type);
	mvmm_msg_put_u64(m, MVMM_A_RULE_LO, r->lo);
	mvmm_msg_put_u64(m, MVMM_A_RULE_HI, r->hi);
	mvmm_msg_put_u8(m, MVMM_A_RULE_ORIGIN, r->origin);
	mvmm_msg_put_u8(m, MVMM_A_RULE_MODE, r->mode);
	mvmm_msg_put_u8(m, MVMM_A_RULE_FALLBACK, r->fallback);
	if (r->answer)
		mvmm_msg_put_answer(m, r);
	else
		mvmm_msg_put_str(m, MVMM_A_RULE_TARGET, r->target);
	mvmm_msg_nest_end(m);
}

static void mvmm_parse_rule(const struct nlattr *nest, void *item)
{
	struct mvmm_rule_info *r = item;
	const struct nlattr *nla;
	int rem;

	memset(r, 0, sizeof(*r));
	mvmm_nla_for_each_nested(nla, rem, nest) {
		switch (mvmm_nla_type(nla)) {
		case MVMM_A_RULE_ID:
			r->id = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_TYPE:
			r->type = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_LO:
			r->lo = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_HI:
			r->hi = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_ORIGIN:
			r->origin = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_MODE:
			r->mode = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_FALLBACK:
			r->fallback = mvmm_nla_uint(nla);
			break;
		case MVMM_A_RULE_TARGET:
			mvmm_nla_str(r->target, sizeof(r->target), nla);
			break;
		}
	}
}

/*
 * A callback that gathers the @attr nests of every reply (a dump's
 * messages, an add's reply) into @items, parsed by @parse.
 */
struct mvmm_collect {
	uint16_t attr;
	void (*parse)(const struct nlattr *nest, void *item);
	void *items;
	size_t size;		/* of one item */
	int max;
	int n;			/* nests seen, may exceed @max */
};

static int mvmm_collect_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_collect *c = arg;
	const struct nlattr *nla;
	int rem;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (mvmm_nla_type(nla) != c->attr)
			continue;
		if (c->n < c->max)
			c->parse(nla, (char *)c->items + c->n * c->size);
		c->n++;
	}
	return 0;
}

#define MVMM_COLLECT_RULES(arr, nr) {					\
	.attr = MVMM_A_RULE, .parse = mvmm_parse_rule, .items = (arr),	\
	.size = sizeof(struct mvmm_rule_info), .max = (nr) }

int mvmm_rule_add(struct mvmm_rsk *s, uint32_t vm,
		  const struct mvmm_rule_info *r, uint32_t *id,
		  struct mvmm_ack *ack)
{
	struct mvmm_rule_info got;
	struct mvmm_collect a = MVMM_COLLECT_RULES(&got, 1);
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_RULE_ADD, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_put_rule(&m, r);
	ret = mvmm_rsk_talk(s, &m, mvmm_collect_cb, &a, ack);
	if (ret)
		return ret;
	if (a.n != 1)
		return -EPROTO;	/* the reply must carry the stored rule */
	if (id)
		*id = got.id;
	return 0;
}

int mvmm_rule_replace(struct mvmm_rsk *s, uint32_t vm,
		      const struct mvmm_rule_info *r, struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_RULE_REPLACE, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_put_rule(&m, r);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_del(struct mvmm_rsk *s, uint32_t vm, uint32_t id,
		  struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_RULE_DEL, 0);
	mvmm_msg_put_table(&m, vm);
	mvmm_msg_nest(&m, MVMM_A_RULE);
	mvmm_msg_put_u32(&m, MVMM_A_RULE_ID, id);
	mvmm_msg_nest_end(&m);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_flush(struct mvmm_rsk *s, uint32_t vm, struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_RULE_FLUSH, 0);
	mvmm_msg_put_table(&m, vm);
	return mvmm_rsk_talk(s, &m, NULL, NULL, ack);
}

int mvmm_rule_dump(struct mvmm_rsk *s, uint32_t vm,
		   struct mvmm_rule_info *rules, int max,
		   struct mvmm_ack *ack)
{
	struct mvmm_collect a = MVMM_COLLECT_RULES(rules, max);
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_GET_RULE, NLM_F_DUMP);
	mvmm_msg_put_table(&m, vm);
	ret = mvmm_rsk_talk(s, &m, mvmm_collect_cb, &a, ack);
	return ret ? ret : a.n;
}

struct mvmm_rule_each {
	mvmm_rule_fn fn;
	void *arg;
};

static int mvmm_rule_each_cb(const struct nlattr *attrs, int len, void *arg)
{
	struct mvmm_rule_each *e = arg;
	struct mvmm_rule_info r;
	const struct nlattr *nla;
	int rem, ret;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (mvmm_nla_type(nla) != MVMM_A_RULE)
			continue;
		mvmm_parse_rule(nla, &r);
		ret = e->fn(&r, e->arg);
		if (ret)
			return ret;
	}
	return 0;
}

int mvmm_rule_dump_each(struct mvmm_rsk *s, uint32_t vm, mvmm_rule_fn fn,
			void *arg, struct mvmm_ack *ack)
{
	struct mvmm_rule_each e = { .fn = fn, .arg = arg };
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_GET_RULE, NLM_F_DUMP);
	mvmm_msg_put_table(&m, vm);
	return mvmm_rsk_talk(s, &m, mvmm_rule_each_cb, &e, ack);
}

static void mvmm_parse_hload(const struct nlattr *nest,
			     struct mvmm_handler_info *h)
{
	const struct nlattr *nla;
	int rem;

	mvmm_nla_for_each_nested(nla, rem, nest) {
		if (mvmm_nla_type(nla) == MVMM_A_HLOAD_SAMPLES)
			h->samples = mvmm_nla_uint(nla);
	}
}

static void mvmm_parse_handler(const struct nlattr *nest, void *item)
{
	struct mvmm_handler_info *h = item;
	const struct nlattr *nla;
	int rem;

	memset(h, 0, sizeof(*h));
	mvmm_nla_for_each_nested(nla, rem, nest) {
		switch (mvmm_nla_type(nla)) {
		case MVMM_A_HANDLER_NAME:
			mvmm_nla_str(h->name, sizeof(h->name), nla);
			break;
		case MVMM_A_HANDLER_ID:
			h->id = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_ATTACHED:
			h->attached = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_EVENTS:
			h->events = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_HANDLED:
			h->handled = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_TO_MAIN:
			h->to_main = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_INJECTED:
			h->injected = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_FALLBACK:
			h->fallback = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_INVALID:
			h->invalid = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_OBSERVED:
			h->observed = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_USER:
			h->user = 1;
			break;
		case MVMM_A_HANDLER_PID:
			h->pid = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_VM_ID:
			h->vm_id = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_TIMEOUTS:
			h->timeouts = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_DROPPED:
			h->dropped = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_RESTARTS:
			h->restarts = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_OUTSTANDING:
			h->outstanding = mvmm_nla_uint(nla);
			break;
		case MVMM_A_HANDLER_LOAD:
			mvmm_parse_hload(nla, h);
			break;
		}
	}
}

int mvmm_handler_dump(struct mvmm_rsk *s, struct mvmm_handler_info *h,
		      int max)
{
	struct mvmm_collect a = {
		.attr = MVMM_A_HANDLER, .parse = mvmm_parse_handler,
		.items = h, .size = sizeof(*h), .max = max,
	};
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_GET_HANDLER, NLM_F_DUMP);
	ret = mvmm_rsk_talk(s, &m, mvmm_collect_cb, &a, NULL);
	return ret ? ret : a.n;
}

/* mvmm_handler_get(): the first entry of the dump named @name. */
struct mvmm_handler_find {
	const char *name;
	struct mvmm_handler_info *h;
	bool found;
};

/* Looks at every entry as it comes: the dump may be of any length. */
static int mvmm_handler_find_cb(const struct nlattr *attrs, int len,
				void *arg)
{
	struct mvmm_handler_find *f = arg;
	struct mvmm_handler_info h;
	const struct nlattr *nla;
	int rem;

	mvmm_nla_for_each(nla, rem, attrs, len) {
		if (f->found || mvmm_nla_type(nla) != MVMM_A_HANDLER)
			continue;
		mvmm_parse_handler(nla, &h);
		if (!strcmp(h.name, f->name)) {
			*f->h = h;
			f->found = true;
		}
	}
	return 0;
}

int mvmm_handler_get(struct mvmm_rsk *s, const char *name,
		     struct mvmm_handler_info *h)
{
	struct mvmm_handler_find f = { .name = name, .h = h };
	struct mvmm_msg m;
	int ret;

	mvmm_msg_init(&m, mvmm_rsk_family(s), MVMM_CMD_GET_HANDLER, NLM_F_DUMP);
	ret = mvmm_rsk_talk(s, &m, mvmm_handler_find_cb, &f, NULL);
	if (ret)
		return ret;
	if (f.found)
		return 0;
	/* Counters start from 0: a name never seen has them all 0. */
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	return -ENOENT;
}

const char *mvmm_rule_str(const struct mvmm_rule_info *r, char *buf, int len)
{
	snprintf(buf, len,
		 "id %u type %u (%s) %#llx-%#llx origin %u mode %u fallback %u target %s",
		 r->id, r->type, mvmm_nl_type_name(r->type),
		 (unsigned long long)r->lo, (unsigned long long)r->hi,
		 r->origin, r->mode, r->fallback, r->target);
	return buf;
}

struct mvmm_rule_info mvmm_rule_make(uint32_t type, uint64_t lo, uint64_t hi,
				     uint8_t origin, uint8_t mode,
				     uint8_t fallback, const char *target)
{
	struct mvmm_rule_info r = {
		.type = type, .lo = lo, .hi = hi, .origin = origin,
		.mode = mode, .fallback = fallback,
	};

	snprintf(r.target, sizeof(r.target), "%s", target);
	return r;
}

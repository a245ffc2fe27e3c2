// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl handler: the secondary VMM handlers mvmm knows, by name, with
 * their counters (uapi/linux/mvmm.h, MVMM_CMD_GET_HANDLER). A name stays
 * listed after its module unregisters it ("attached no"), so that rules
 * naming it keep working and its counters are not lost.
 *
 *   mvmmctl handler [list]
 *   mvmmctl handler show [NAME]
 *
 * JSON (-j), kept stable; an array in id order:
 *
 *   [ { "name": "debugcon", "id": 0, "attached": true, "events": 10,
 *       "handled": 9, "to_main": 0, "injected": 0, "fallback": 1,
 *       "invalid": 0, "observed": 0, "timeouts": 0, "dropped": 0,
 *       "restarts": 0 } ]
 *
 * A handler attached through /dev/mvmm also has "user": true, "pid",
 * "vm" (the VM it serves) and "outstanding" (requests unanswered now).
 *
 * With a module that has groups, every handler also has its load:
 * "inflight", "samples", "ewma_ns", "p50_ns", "p99_ns", "max_ns" (service
 * times; percentiles are upper bounds of power-of-two buckets), "usable"
 * (groups may choose it now), and for a userspace handler "cpu_ns" (CPU
 * time of the attached process). "handler show" prints them as a second
 * table in text; "handler list" does not.
 *
 * "handler show NAME" fails (exit 2) when no handler has that name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include <linux/mvmm.h>

#include "mvmmctl.h"
#include "nl.h"
#include "out.h"
#include "rule_parse.h"

/* The counters, in the order of the uapi header, text and JSON. */
static const struct {
	int attr;
	const char *key;	/* JSON */
	const char *title;	/* text */
} counters[] = {
	{ MVMM_A_HANDLER_EVENTS,	"events",	"EVENTS" },
	{ MVMM_A_HANDLER_HANDLED,	"handled",	"HANDLED" },
	{ MVMM_A_HANDLER_TO_MAIN,	"to_main",	"TO-MAIN" },
	{ MVMM_A_HANDLER_INJECTED,	"injected",	"INJECTED" },
	{ MVMM_A_HANDLER_FALLBACK,	"fallback",	"FALLBACK" },
	{ MVMM_A_HANDLER_INVALID,	"invalid",	"INVALID" },
	{ MVMM_A_HANDLER_OBSERVED,	"observed",	"OBSERVED" },
	{ MVMM_A_HANDLER_TIMEOUTS,	"timeouts",	"TIMEOUTS" },
	{ MVMM_A_HANDLER_DROPPED,	"dropped",	"DROPPED" },
	{ MVMM_A_HANDLER_RESTARTS,	"restarts",	"RESTARTS" },
};

struct handler {
	char name[MVMM_TARGET_LEN];
	uint32_t id;
	bool attached;
	bool user;		/* attached through /dev/mvmm */
	uint32_t pid, vm, outstanding;
	uint64_t count[ARRAY_SIZE(counters)];
	/* MVMM_A_HANDLER_LOAD */
	bool has_load, usable, has_cpu;
	uint32_t inflight;
	uint64_t samples, ewma_ns, p50_ns, p99_ns, max_ns, cpu_ns;
};

struct handler_list {
	struct mvmm_nl *nl;
	const char *only;	/* keep this name only, or NULL */
	bool detail;		/* show: the load table too */
	struct handler *h;
	int n, cap;
};

static struct nla_policy top_policy[MVMM_A_MAX + 1] = {
	[MVMM_A_HANDLER]	= { .type = NLA_NESTED },
};

static struct nla_policy load_policy[MVMM_A_HLOAD_MAX + 1] = {
	[MVMM_A_HLOAD_INFLIGHT]	= { .type = NLA_U32 },
	[MVMM_A_HLOAD_SAMPLES]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_EWMA_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_P50_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_P99_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_MAX_NS]	= { .type = NLA_U64 },
	[MVMM_A_HLOAD_USABLE]	= { .type = NLA_U8 },
	[MVMM_A_HLOAD_CPU_NS]	= { .type = NLA_U64 },
};

/* The load nest, from a module that has groups; else has_load stays 0. */
static void parse_load(struct nlattr *nest, struct handler *h)
{
	struct nlattr *lt[MVMM_A_HLOAD_MAX + 1];
	int i;

	if (!nest || nla_parse_nested(lt, MVMM_A_HLOAD_MAX, nest, load_policy))
		return;
	for (i = MVMM_A_HLOAD_INFLIGHT; i <= MVMM_A_HLOAD_USABLE; i++)
		if (!lt[i])
			return;
	h->has_load = true;
	h->inflight = nla_get_u32(lt[MVMM_A_HLOAD_INFLIGHT]);
	h->samples = nla_get_u64(lt[MVMM_A_HLOAD_SAMPLES]);
	h->ewma_ns = nla_get_u64(lt[MVMM_A_HLOAD_EWMA_NS]);
	h->p50_ns = nla_get_u64(lt[MVMM_A_HLOAD_P50_NS]);
	h->p99_ns = nla_get_u64(lt[MVMM_A_HLOAD_P99_NS]);
	h->max_ns = nla_get_u64(lt[MVMM_A_HLOAD_MAX_NS]);
	h->usable = nla_get_u8(lt[MVMM_A_HLOAD_USABLE]);
	h->has_cpu = lt[MVMM_A_HLOAD_CPU_NS];
	if (h->has_cpu)
		h->cpu_ns = nla_get_u64(lt[MVMM_A_HLOAD_CPU_NS]);
}

static struct nla_policy handler_policy[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME]		= { .type = NLA_STRING },
	[MVMM_A_HANDLER_ID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_ATTACHED]	= { .type = NLA_U8 },
	[MVMM_A_HANDLER_EVENTS]		= { .type = NLA_U64 },
	[MVMM_A_HANDLER_HANDLED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_TO_MAIN]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_INJECTED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_FALLBACK]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_INVALID]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_OBSERVED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_USER]		= { .type = NLA_FLAG },
	[MVMM_A_HANDLER_PID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_VM_ID]		= { .type = NLA_U32 },
	[MVMM_A_HANDLER_TIMEOUTS]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_DROPPED]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_RESTARTS]	= { .type = NLA_U64 },
	[MVMM_A_HANDLER_OUTSTANDING]	= { .type = NLA_U32 },
	[MVMM_A_HANDLER_LOAD]		= { .type = NLA_NESTED },
};

static const char *const handler_attr_names[MVMM_A_HANDLER_MAX + 1] = {
	[MVMM_A_HANDLER_NAME]		= "MVMM_A_HANDLER_NAME",
	[MVMM_A_HANDLER_ID]		= "MVMM_A_HANDLER_ID",
	[MVMM_A_HANDLER_ATTACHED]	= "MVMM_A_HANDLER_ATTACHED",
	[MVMM_A_HANDLER_EVENTS]		= "MVMM_A_HANDLER_EVENTS",
	[MVMM_A_HANDLER_HANDLED]	= "MVMM_A_HANDLER_HANDLED",
	[MVMM_A_HANDLER_TO_MAIN]	= "MVMM_A_HANDLER_TO_MAIN",
	[MVMM_A_HANDLER_INJECTED]	= "MVMM_A_HANDLER_INJECTED",
	[MVMM_A_HANDLER_FALLBACK]	= "MVMM_A_HANDLER_FALLBACK",
	[MVMM_A_HANDLER_INVALID]	= "MVMM_A_HANDLER_INVALID",
	[MVMM_A_HANDLER_OBSERVED]	= "MVMM_A_HANDLER_OBSERVED",
	[MVMM_A_HANDLER_TIMEOUTS]	= "MVMM_A_HANDLER_TIMEOUTS",
	[MVMM_A_HANDLER_DROPPED]	= "MVMM_A_HANDLER_DROPPED",
	[MVMM_A_HANDLER_RESTARTS]	= "MVMM_A_HANDLER_RESTARTS",
};

static int handler_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MVMM_A_MAX + 1], *ht[MVMM_A_HANDLER_MAX + 1];
	struct handler_list *l = arg;
	struct handler h = { 0 };
	int err, i;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MVMM_A_MAX, top_policy);
	if (!err && !tb[MVMM_A_HANDLER])
		err = -NLE_MISSING_ATTR;
	if (!err)
		err = nla_parse_nested(ht, MVMM_A_HANDLER_MAX, tb[MVMM_A_HANDLER],
				       handler_policy);
	if (err) {
		mvmm_nl_set_err(l->nl, "malformed handler in the reply from the kernel: %s",
				nl_geterror(err));
		return -EPROTO;
	}
	for (i = 1; i <= MVMM_A_HANDLER_MAX; i++) {
		if (handler_attr_names[i] && !ht[i]) {
			mvmm_nl_set_err(l->nl, "handler in the reply from the kernel lacks %s",
					handler_attr_names[i]);
			return -EPROTO;
		}
	}

	nla_strlcpy(h.name, ht[MVMM_A_HANDLER_NAME], sizeof(h.name));
	if (l->only && strcmp(h.name, l->only))
		return 0;
	h.id = nla_get_u32(ht[MVMM_A_HANDLER_ID]);
	h.attached = nla_get_u8(ht[MVMM_A_HANDLER_ATTACHED]);
	for (i = 0; i < (int)ARRAY_SIZE(counters); i++)
		h.count[i] = nla_get_u64(ht[counters[i].attr]);
	h.user = ht[MVMM_A_HANDLER_USER] && ht[MVMM_A_HANDLER_PID] &&
		 ht[MVMM_A_HANDLER_VM_ID] && ht[MVMM_A_HANDLER_OUTSTANDING];
	if (h.user) {
		h.pid = nla_get_u32(ht[MVMM_A_HANDLER_PID]);
		h.vm = nla_get_u32(ht[MVMM_A_HANDLER_VM_ID]);
		h.outstanding = nla_get_u32(ht[MVMM_A_HANDLER_OUTSTANDING]);
	}
	parse_load(ht[MVMM_A_HANDLER_LOAD], &h);

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->h = realloc(l->h, l->cap * sizeof(*l->h));
		if (!l->h)
			mvmm_oom();
	}
	l->h[l->n++] = h;
	return 0;
}

static void print_json(const struct mvmm_ctx *ctx, const struct handler_list *l)
{
	struct json_object *arr = mvmm_json_array(), *o, *b;
	int i, c;

	for (i = 0; i < l->n; i++) {
		o = mvmm_json_object();
		b = json_object_new_boolean(l->h[i].attached);
		if (!b)
			mvmm_oom();
		mvmm_json_add(o, "name", mvmm_json_str(l->h[i].name));
		mvmm_json_add(o, "id", mvmm_json_u64(l->h[i].id));
		mvmm_json_add(o, "attached", b);
		for (c = 0; c < (int)ARRAY_SIZE(counters); c++)
			mvmm_json_add(o, counters[c].key,
				      mvmm_json_u64(l->h[i].count[c]));
		if (l->h[i].user) {
			b = json_object_new_boolean(1);
			if (!b)
				mvmm_oom();
			mvmm_json_add(o, "user", b);
			mvmm_json_add(o, "pid", mvmm_json_u64(l->h[i].pid));
			mvmm_json_add(o, "vm", mvmm_json_u64(l->h[i].vm));
			mvmm_json_add(o, "outstanding",
				      mvmm_json_u64(l->h[i].outstanding));
		}
		if (l->h[i].has_load) {
			const struct handler *h = &l->h[i];

			b = json_object_new_boolean(h->usable);
			if (!b)
				mvmm_oom();
			mvmm_json_add(o, "inflight", mvmm_json_u64(h->inflight));
			mvmm_json_add(o, "samples", mvmm_json_u64(h->samples));
			mvmm_json_add(o, "ewma_ns", mvmm_json_u64(h->ewma_ns));
			mvmm_json_add(o, "p50_ns", mvmm_json_u64(h->p50_ns));
			mvmm_json_add(o, "p99_ns", mvmm_json_u64(h->p99_ns));
			mvmm_json_add(o, "max_ns", mvmm_json_u64(h->max_ns));
			mvmm_json_add(o, "usable", b);
			if (h->has_cpu)
				mvmm_json_add(o, "cpu_ns", mvmm_json_u64(h->cpu_ns));
		}
		mvmm_json_append(arr, o);
	}
	mvmm_json_print(ctx, arr);
}

static void print_table(const struct handler_list *l)
{
	struct mvmm_table *t = mvmm_table_new(5 + (int)ARRAY_SIZE(counters));
	int i, c;

	mvmm_table_col(t, 0, "NAME", 0);
	mvmm_table_col(t, 1, "ID", MVMM_COL_RIGHT);
	mvmm_table_col(t, 2, "ATTACHED", 0);
	/* Userspace handlers: the process and the VM it serves; else "-". */
	mvmm_table_col(t, 3, "PID", MVMM_COL_RIGHT);
	mvmm_table_col(t, 4, "VM", MVMM_COL_RIGHT);
	for (c = 0; c < (int)ARRAY_SIZE(counters); c++)
		mvmm_table_col(t, 5 + c, counters[c].title, MVMM_COL_RIGHT);
	for (i = 0; i < l->n; i++) {
		mvmm_table_add(t, "%s", l->h[i].name);
		mvmm_table_add(t, "%u", l->h[i].id);
		mvmm_table_add(t, "%s", l->h[i].attached ? "yes" : "no");
		if (l->h[i].user) {
			mvmm_table_add(t, "%u", l->h[i].pid);
			mvmm_table_add(t, "%u", l->h[i].vm);
		} else {
			mvmm_table_add(t, "-");
			mvmm_table_add(t, "-");
		}
		for (c = 0; c < (int)ARRAY_SIZE(counters); c++)
			mvmm_table_add(t, "%llu",
				       (unsigned long long)l->h[i].count[c]);
	}
	mvmm_table_print(t, stdout, "");
	mvmm_table_free(t);
}

/* A duration for people: "850ns", "41.2us", "2.10ms", "1.50s". */
static void fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

/* handler show: what groups choose by, per handler. */
static void print_load(const struct handler_list *l)
{
	struct mvmm_table *t = mvmm_table_new(9);
	static const char *const titles[9] = {
		"NAME", "INFLIGHT", "SAMPLES", "EWMA", "P50", "P99", "MAX",
		"USABLE", "CPU",
	};
	char buf[32];
	int i, c;

	for (c = 0; c < 9; c++)
		mvmm_table_col(t, c, titles[c], c && c != 7 ? MVMM_COL_RIGHT : 0);
	for (i = 0; i < l->n; i++) {
		const struct handler *h = &l->h[i];

		if (!h->has_load)
			continue;
		mvmm_table_add(t, "%s", h->name);
		mvmm_table_add(t, "%u", h->inflight);
		mvmm_table_add(t, "%llu", (unsigned long long)h->samples);
		fmt_ns(h->ewma_ns, buf, sizeof(buf));
		mvmm_table_add(t, "%s", buf);
		/* Percentiles are bucket bounds: "<=". */
		fmt_ns(h->p50_ns, buf, sizeof(buf));
		mvmm_table_add(t, "%s%s", h->samples ? "<=" : "", buf);
		fmt_ns(h->p99_ns, buf, sizeof(buf));
		mvmm_table_add(t, "%s%s", h->samples ? "<=" : "", buf);
		fmt_ns(h->max_ns, buf, sizeof(buf));
		mvmm_table_add(t, "%s%s", h->samples ? "<=" : "", buf);
		mvmm_table_add(t, "%s", h->usable ? "yes" : "no");
		if (h->has_cpu) {
			fmt_ns(h->cpu_ns, buf, sizeof(buf));
			mvmm_table_add(t, "%s", buf);
		} else {
			mvmm_table_add(t, "-");
		}
	}
	putchar('\n');
	mvmm_table_print(t, stdout, "");
	mvmm_table_free(t);
}

static int show(const struct mvmm_ctx *ctx, const char *only, bool detail)
{
	struct handler_list l = { .only = only, .detail = detail };
	int ret;

	l.nl = mvmm_nl_open();
	if (!l.nl)
		return MVMM_EXIT_FAIL;
	ret = mvmm_nl_request(l.nl, mvmm_nl_msg(l.nl, MVMM_CMD_GET_HANDLER,
						NLM_F_DUMP),
			      handler_reply, &l);
	if (ret)
		ret = mvmm_nl_report(l.nl, ret);
	else if (only && !l.n)
		ret = mvmm_fail("no handler named \"%s\"", only);
	else if (ctx->json)
		print_json(ctx, &l);
	else
		print_table(&l);
	if (!ret && !ctx->json && detail)
		print_load(&l);
	free(l.h);
	mvmm_nl_close(l.nl);
	return ret;
}

static int handler_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl handler [list]\n"
	     "       mvmmctl handler show [NAME]\n"
	     "       mvmmctl handler help\n"
	     "Secondary VMM handlers by name, whether one is registered now (attached),\n"
	     "and their counters: events routed to the name, handled by it, passed back\n"
	     "to main (KVM), answered with an exception (injected), rule fallback applied\n"
	     "(handler absent, failed or answered invalidly), invalid answers among\n"
	     "those, observe-mode copies delivered, time-outs and observe copies\n"
	     "dropped (userspace handlers), and waits resumed after a signal.\n"
	     "PID and VM: the process and VM of a handler attached through /dev/mvmm.\n"
	     "\"show\" adds each handler's load (what groups choose by): vCPUs waiting\n"
	     "on it now, calls timed, their service time EWMA and percentiles (upper\n"
	     "bounds of power-of-two buckets), whether groups may choose it now (not\n"
	     "after a time-out in the last second), and the CPU time of the process\n"
	     "attached to a userspace handler.");
	return MVMM_EXIT_OK;
}

static int handler_list(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	if (argc)
		return mvmm_usage_err("handler", "unexpected argument \"%s\"", argv[0]);
	return show(ctx, NULL, false);
}

static int handler_show(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	if (argc > 1)
		return mvmm_usage_err("handler", "unexpected argument \"%s\"", argv[1]);
	if (argc && !mvmm_handler_name_ok(argv[0]))
		return mvmm_usage_err("handler", "invalid handler name \"%s\" "
				      MVMM_HANDLER_NAME_HELP, argv[0]);
	return show(ctx, argc ? argv[0] : NULL, true);
}

static const struct mvmmctl_cmd handler_cmds[] = {
	{ "list",	handler_list },
	{ "show",	handler_show },
	{ "help",	handler_help },
	{ NULL,		NULL },
};

int mvmm_handler_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "handler", handler_cmds, argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvmmctl apply -f FILE: a policy file (policy_file.h) in one
 * MVMM_CMD_RULE_APPLY request, which the module applies atomically; and
 * mvmmctl rule show -f [TABLE], which prints tables in that format.
 *
 * The file is parsed whole before anything is sent: a bad line is exit 1,
 * "Error: FILE:LINE: message", with nothing sent. The kernel refuses a
 * request with the index of the operation at fault in the extack cookie,
 * which maps back to a line: exit 2, the same form of message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "mvmmctl.h"
#include "policy_file.h"
#include "rule.h"

/*
 * The most operations one apply carries: more than two full tables
 * (MVMM_POLICY_MAX_RULES each) and their flush lines. The request takes
 * 80 to 100 bytes per rule (more with a pre-registered answer): some
 * 28 MiB.
 */
#define APPLY_MAX_OPS	300000
/* Files are read whole; this is far more than APPLY_MAX_OPS lines need. */
#define APPLY_MAX_FILE	(64 << 20)

static int apply_help(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	puts("Usage: mvmmctl apply -f FILE\n"
	     "       mvmmctl apply help\n"
	     "Apply a policy file atomically: all of it takes effect, or nothing does.\n"
	     "FILE is a path, or \"-\" for standard input. Each line is one of\n"
	     "  flush TABLE      empty TABLE (rule ids go on counting)\n"
	     "  TABLE RULE       add RULE to TABLE, as \"mvmmctl rule add TABLE RULE\"\n"
	     "and \"#\" starts a comment. TABLE and RULE: see \"mvmmctl rule help\".\n"
	     "\"mvmmctl rule show -f\" prints tables in this format, rule ids included.\n"
	     "Example file:\n"
	     "  flush default\n"
	     "  default io port 0x3f8-0x3ff handler uart fallback main\n"
	     "  default cpuid leaf 0x40000000-0x400000ff main");
	return MVMM_EXIT_OK;
}

/* "Error: MSG" and exit 1, without the usage hint: the file is at fault. */
#define file_err(...)	mvmm_fail_status(MVMM_EXIT_USAGE, __VA_ARGS__)

/* All of @path ("-": stdin) into *@text. Returns an exit status. */
static int read_file(const char *path, const char *name, char **text,
		     size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 0, n;
	char *buf = NULL;
	int ret = MVMM_EXIT_OK;

	if (!f)
		return file_err("cannot open %s: %s", path, strerror(errno));
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				mvmm_oom();
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (*len > APPLY_MAX_FILE) {
			ret = file_err("%s: larger than %d bytes", name,
				       APPLY_MAX_FILE);
			break;
		}
	} while (n);
	if (!ret && ferror(f))
		ret = file_err("cannot read %s: %s", name, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (ret)
		free(buf);
	else
		*text = buf;
	return ret;
}

/* The VM ids of the tables the lines name; "vm pid" asks the kernel. */
static int apply_tables(const char *name, const struct mvmm_policy_file *pf,
			uint32_t *vm_ids)
{
	char err[MVMM_ERRLEN];
	int i, ret;

	for (i = 0; i < pf->n; i++) {
		/* Each pid once: files group their lines by table. */
		if (i && !memcmp(&pf->op[i].table, &pf->op[i - 1].table,
				 sizeof(pf->op[i].table))) {
			vm_ids[i] = vm_ids[i - 1];
			continue;
		}
		ret = mvmm_rule_table_id(&pf->op[i].table, &vm_ids[i], err,
					 sizeof(err));
		if (ret) {
			if (err[0])
				mvmm_fail("%s:%d: %s", name, pf->op[i].line, err);
			return ret;
		}
	}
	return MVMM_EXIT_OK;
}

static int apply_send(const char *name, const struct mvmm_policy_file *pf)
{
	uint32_t *vm_ids;
	int ret;

	vm_ids = calloc(pf->n ? pf->n : 1, sizeof(*vm_ids));
	if (!vm_ids)
		mvmm_oom();
	ret = apply_tables(name, pf, vm_ids);
	if (!ret)
		ret = mvmm_ipc_apply(name, pf, vm_ids);
	free(vm_ids);
	return ret;
}

static int apply_file(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_policy_file pf = { 0 };
	char err[MVMM_ERRLEN + 64];
	const char *name;
	char *text = NULL;
	size_t len = 0;
	int ret;

	(void)ctx;
	if (!argc)
		return mvmm_usage_err("apply", "\"-f\" needs a file (\"-\" for standard input)");
	if (argc > 1)
		return mvmm_usage_err("apply", "unexpected argument \"%s\"", argv[1]);
	name = strcmp(argv[0], "-") ? argv[0] : "stdin";
	ret = read_file(argv[0], name, &text, &len);
	if (ret)
		return ret;
	ret = mvmm_pf_parse(name, text, len, &pf, err, sizeof(err));
	free(text);
	if (ret) {
		ret = file_err("%s", err);
	} else if (pf.n > APPLY_MAX_OPS) {
		ret = file_err("%s: %d operations, more than the %d one apply can carry; split the file",
			       name, pf.n, APPLY_MAX_OPS);
	} else {
		ret = apply_send(name, &pf);
	}
	mvmm_pf_free(&pf);
	return ret;
}

static int apply_missing_file(const struct mvmm_ctx *ctx, int argc,
			      char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return mvmm_usage_err("apply", "missing \"-f FILE\"");
}

/* "-f" is a command word here, so that "apply help" works like elsewhere. */
static const struct mvmmctl_cmd apply_cmds[] = {
	{ "",		apply_missing_file },
	{ "-f",		apply_file },
	{ "help",	apply_help },
	{ NULL,		NULL },
};

int mvmm_apply_main(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	return mvmm_dispatch(ctx, "apply", apply_cmds, argc, argv);
}

/* rule show -f [TABLE]: TABLE, or the default table and every VM's. */
int mvmm_rule_show_file(const struct mvmm_ctx *ctx, int argc, char **argv)
{
	struct mvmm_vm_sel all = { .by = MVMM_VM_ALL };
	struct mvmm_ctx fctx = *ctx;
	struct mvmm_table_sel t = { .is_default = true };
	char err[MVMM_ERRLEN];
	struct mvmm_vms vms;
	int used, ret, i;

	if (ctx->json)
		return mvmm_usage_err("rule", "\"show -f\" prints a policy file, not JSON");
	fctx.file = true;
	if (argc) {
		used = mvmm_parse_table(argc, argv, &t, err, sizeof(err));
		if (used < 0)
			return mvmm_usage_err("rule", "%s", err);
		if (argc > used)
			return mvmm_usage_err("rule", "unexpected argument \"%s\"",
					      argv[used]);
		return mvmm_rule_show_table(&fctx, &t);
	}

	ret = mvmm_rule_show_table(&fctx, &t);
	if (ret)
		return ret;
	ret = mvmm_ipc_get_vms(&all, false, &vms);
	if (ret)
		return ret;
	for (i = 0; i < vms.n && !ret; i++) {
		t.is_default = false;
		t.vm.by = MVMM_VM_ID;
		t.vm.id = vms.vm[i].id;
		ret = mvmm_rule_show_table(&fctx, &t);
	}
	mvmm_vms_free(&vms);
	return ret;
}

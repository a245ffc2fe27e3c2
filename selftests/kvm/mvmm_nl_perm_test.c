// SPDX-License-Identifier: GPL-2.0
/*
 * Who may read what through the "mvmm" family (mvmmctl(8), PERMISSIONS).
 *
 * A sender with CAP_NET_ADMIN sees everything. One without it sees only
 * the VMs created by a process of its own (effective) uid: their GET_VM
 * and GET_STATS replies, dumps and doits, and their tables (GET_RULE).
 * Other VMs are left out of its dumps, and a doit or a table dump naming
 * one gets exactly the refusal a VM id nobody has gets (ENOENT, "no VM
 * with this id", blaming VM_ID), so that their ids do not leak. The
 * default table, handlers (pids, command names, CPU time), groups and
 * the "events" multicast group need CAP_NET_ADMIN: EPERM, "CAP_NET_ADMIN
 * required" (the group join: EPERM from setsockopt()).
 *
 * The VMs:
 *  R  created and run by this process (root);
 *  U  created by this process and never run: mvmm first sees it when an
 *     unprivileged process attaches a /dev/mvmm file to it (with the VM
 *     fd it inherited), and it must stay root's;
 *  N  created and run by uid 65534.
 * The callers: root; uid 65534 without capabilities; uid 65534 with
 * CAP_NET_ADMIN (the capability decides, not the uid); uid 0 without
 * capabilities (sees uid 0's VMs only). Each opens its own socket after
 * taking its identity (netlink checks the opener's capability too).
 *
 * /dev/kvm and /dev/mvmm are made 0666 for the test and restored at exit.
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "libmvmm.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"

#define NOBODY		65534
#define MISSING_VM	0x7ffffff0U
/* In the default table while the test runs, so in N's table too. */
#define SEED_ID		4100001U
#define MAX_VMS		64
#define MAX_RESULTS	128

#define E_NO_VM		"no VM with this id"
#define E_PERM		"CAP_NET_ADMIN required"

static const char *const kvm_dev = "/dev/kvm";
static const char *const mvmm_dev = "/dev/mvmm";
static mode_t kvm_mode, mvmm_mode;

/*
 * Results, in memory shared with the children: each caller checks in its
 * own process, and this one prints every result in order.
 */
struct results {
	int n;
	struct {
		char name[160];
		bool ok;
	} r[MAX_RESULTS];
};

static struct results *res;
static int printed;

static __attribute__((format(printf, 2, 3)))
bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	TEST_ASSERT(res->n < MAX_RESULTS, "too many results");
	va_start(ap, fmt);
	vsnprintf(res->r[res->n].name, sizeof(res->r[0].name), fmt, ap);
	va_end(ap);
	res->r[res->n++].ok = ok;
	return ok;
}

static void print_results(void)
{
	for (; printed < res->n; printed++)
		ksft_test_result(res->r[printed].ok, "%s\n",
				 res->r[printed].name);
}

static void restore_modes(void)
{
	chmod(kvm_dev, kvm_mode);
	chmod(mvmm_dev, mvmm_mode);
}

static void open_devices(void)
{
	struct stat st;

	TEST_ASSERT(!stat(kvm_dev, &st), "stat %s: %s", kvm_dev,
		    strerror(errno));
	kvm_mode = st.st_mode & 07777;
	TEST_ASSERT(!stat(mvmm_dev, &st), "stat %s: %s", mvmm_dev,
		    strerror(errno));
	mvmm_mode = st.st_mode & 07777;
	atexit(restore_modes);
	TEST_ASSERT(!chmod(kvm_dev, 0666) && !chmod(mvmm_dev, 0666),
		    "chmod: %s", strerror(errno));
}

/* Identities */

enum who { ROOT, NOBODY_NOCAP, NOBODY_NET_ADMIN, ROOT_NOCAP };

static const char *const who_names[] = {
	[ROOT] = "root",
	[NOBODY_NOCAP] = "uid 65534",
	[NOBODY_NET_ADMIN] = "uid 65534 with CAP_NET_ADMIN",
	[ROOT_NOCAP] = "uid 0 without capabilities",
};

/* Effective, permitted and inheritable sets: @caps (low 32 bits) or none. */
static int set_caps(uint32_t caps)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {
		{ .effective = caps, .permitted = caps },
	};

	return syscall(SYS_capset, &h, d);
}

static uint32_t effective_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return ~0U;
	return d[0].effective | d[1].effective;
}

/* Become @who (in a child); dies with a message if that fails. */
static void become(enum who who)
{
	uid_t uid = who == ROOT_NOCAP ? 0 : NOBODY;
	uint32_t keep = who == NOBODY_NET_ADMIN ? 1U << CAP_NET_ADMIN : 0;

	if (who == ROOT)
		return;
	/* Keep the permitted set across the uid change, to pick from it. */
	TEST_ASSERT(!prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "PR_SET_KEEPCAPS: %s",
		    strerror(errno));
	TEST_ASSERT(!setgroups(0, NULL) && !setresgid(uid, uid, uid) &&
		    !setresuid(uid, uid, uid),
		    "Expected to become uid %u, got %s", uid, strerror(errno));
	TEST_ASSERT(!set_caps(keep), "capset: %s", strerror(errno));
	TEST_ASSERT(geteuid() == uid && effective_caps() == keep,
		    "Expected uid %u with capabilities %#x, got uid %u and %#x",
		    uid, keep, geteuid(), effective_caps());
	if (uid)
		TEST_ASSERT(setuid(0), "Expected uid %u not to become root",
			    uid);
}

/* Requests */

struct conn {
	enum who who;
	struct mvmm_rsk *s;
	struct mvmm_nl *nl;
};

static void conn_open(struct conn *c, enum who who)
{
	c->who = who;
	c->s = mvmm_rsk_open();
	TEST_ASSERT(c->s, "Expected the \"mvmm\" family as %s, got %s",
		    who_names[who], strerror(errno));
	c->nl = mvmm_rsk_nl(c->s);
}

static bool has_id(const struct mvmm_vm_info *vms, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (vms[i].id == id)
			return true;
	return false;
}

static const char *cmd_name(uint8_t cmd)
{
	return cmd == MVMM_CMD_GET_STATS ? "GET_STATS" :
	       cmd == MVMM_CMD_GET_VM ? "GET_VM" : "GET_RULE";
}

/*
 * GET_VM / GET_STATS doit, or GET_RULE dump, of VM @id; *@off gets the
 * offset of VM_ID in the request.
 */
static int vm_request(struct conn *c, uint8_t cmd, uint32_t id,
		      struct mvmm_ack *ack, uint32_t *off)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_nl_family(c->nl), cmd,
		      cmd == MVMM_CMD_GET_RULE ? NLM_F_DUMP : 0);
	*off = mvmm_msg_put_u32(&m, MVMM_A_VM_ID, id);
	return mvmm_rsk_talk(c->s, &m, NULL, NULL, ack);
}

static bool same_ack(const struct mvmm_ack *a, const struct mvmm_ack *b)
{
	return a->error == b->error && !strcmp(a->msg, b->msg) &&
	       a->has_offs == b->has_offs && a->offs == b->offs &&
	       a->miss_type == b->miss_type && a->cookie_len == b->cookie_len;
}

/*
 * @cmd naming VM @id gets what it gets for a VM nobody has: ENOENT and
 * "no VM with this id". A failed dump blames VM_ID only on 6.12 (see
 * mvmm_nl_errors_test.c), so the two refusals are compared whole.
 */
static void check_hidden_cmd(struct conn *c, uint8_t cmd, uint32_t id,
			     const char *vm)
{
	struct mvmm_ack ack, missing;
	uint32_t off;
	int ret;

	ret = vm_request(c, cmd, id, &ack, &off);
	vm_request(c, cmd, MISSING_VM, &missing, &off);
	printf("# %s: %s of %s: %d \"%s\" offset %s%u; of a missing VM: %d \"%s\" offset %s%u\n",
	       who_names[c->who], cmd_name(cmd), vm, ret, ack.msg,
	       ack.has_offs ? "" : "none ", ack.offs, missing.error,
	       missing.msg, missing.has_offs ? "" : "none ", missing.offs);
	check(ret == -ENOENT && !strcmp(ack.msg, E_NO_VM) &&
	      (cmd == MVMM_CMD_GET_RULE || (ack.has_offs && ack.offs == off)) &&
	      same_ack(&ack, &missing),
	      "%s: %s of %s: ENOENT as for a missing VM", who_names[c->who],
	      cmd_name(cmd), vm);
}

/* Every per-VM read of VM @id answers as for a missing VM. */
static void check_hidden(struct conn *c, uint32_t id, const char *vm)
{
	check_hidden_cmd(c, MVMM_CMD_GET_VM, id, vm);
	check_hidden_cmd(c, MVMM_CMD_GET_STATS, id, vm);
	check_hidden_cmd(c, MVMM_CMD_GET_RULE, id, vm);
}

static void check_visible(struct conn *c, uint32_t id, const char *vm)
{
	struct mvmm_vm_info info;
	int ret = mvmm_nl_get(c->nl, 1, id, &info);

	check(!ret && info.id == id && info.has_stats,
	      "%s: GET_STATS of %s works", who_names[c->who], vm);
	if (ret)
		printf("#   got %s (\"%s\")\n", strerror(-ret),
		       mvmm_nl_errmsg(c->nl));
}

/* @ret, @msg of a request that needs CAP_NET_ADMIN, as @c. */
static void check_admin(struct conn *c, bool allowed, int ret,
			const char *msg, const char *what)
{
	if (allowed)
		check(ret >= 0, "%s: %s works", who_names[c->who], what);
	else
		check(ret == -EPERM && !strcmp(msg, E_PERM),
		      "%s: %s refused: EPERM, \"" E_PERM "\"",
		      who_names[c->who], what);
	if (allowed ? ret < 0 : ret != -EPERM || strcmp(msg, E_PERM))
		printf("#   got %d \"%s\"\n", ret, msg);
}

static int group_request(struct conn *c, bool dump, struct mvmm_ack *ack)
{
	struct mvmm_msg m;

	mvmm_msg_init(&m, mvmm_nl_family(c->nl), MVMM_CMD_GET_GROUP,
		      dump ? NLM_F_DUMP : 0);
	if (!dump) {
		mvmm_msg_nest(&m, MVMM_A_GROUP);
		mvmm_msg_put_str(&m, MVMM_A_GROUP_NAME, "nosuch");
		mvmm_msg_nest_end(&m);
	}
	return mvmm_rsk_talk(c->s, &m, NULL, NULL, ack);
}

/* Join "events" on a new socket: 0 or -errno. */
static int join_events(struct conn *c)
{
	int grp, fd, ret;

	grp = mvmm_nl_mcgrp(c->nl, MVMM_GENL_MCGRP_EVENTS);
	TEST_ASSERT(grp > 0, "Expected the \"%s\" group's id, got %s",
		    MVMM_GENL_MCGRP_EVENTS, strerror(-grp));
	fd = mvmm_nl_socket(NULL);
	TEST_ASSERT(fd >= 0, "socket: %s", strerror(-fd));
	ret = mvmm_nl_join(fd, grp);
	close(fd);
	return ret;
}

/* What needs CAP_NET_ADMIN: allowed for @allowed callers, else EPERM. */
static void check_admin_reads(struct conn *c, bool allowed)
{
	struct mvmm_rule_info rules[MAX_VMS];
	struct mvmm_handler_info h[MAX_VMS];
	struct mvmm_ack ack;
	int ret;

	ret = mvmm_rule_dump(c->s, MVMM_TABLE_DEFAULT, rules, MAX_VMS, &ack);
	check_admin(c, allowed, ret, ack.msg, "GET_RULE of the default table");
	ret = mvmm_handler_dump(c->s, h, MAX_VMS);
	check_admin(c, allowed, ret, mvmm_nl_errmsg(c->nl),
		    "GET_HANDLER dump");
	ret = group_request(c, true, &ack);
	check_admin(c, allowed, ret, ack.msg, "GET_GROUP dump");
	ret = group_request(c, false, &ack);
	/* Allowed, it names a group nobody made. */
	if (allowed)
		check(ret == -ENOENT, "%s: GET_GROUP of a missing group: ENOENT",
		      who_names[c->who]);
	else
		check_admin(c, false, ret, ack.msg, "GET_GROUP of a group");
	ret = join_events(c);
	if (allowed)
		check(!ret, "%s: joining \"events\" works", who_names[c->who]);
	else
		check(ret == -EPERM, "%s: joining \"events\" refused: EPERM",
		      who_names[c->who]);
	if (allowed ? ret : ret != -EPERM)
		printf("#   join: %s\n", ret ? strerror(-ret) : "success");
}

/*
 * Which of the test's VMs @all[0..@n-1] (called @names) the GET_VM and
 * GET_STATS dumps of @c list: those in @want. uid 65534 has no other VM,
 * so its dumps list exactly those.
 */
static void check_dumps(struct conn *c, const uint32_t *all,
			const bool *want, const char *const *names, int n)
{
	struct mvmm_vm_info vms[MAX_VMS];
	char list[64] = "";
	int stats, got, nwant = 0, i;
	bool ok;

	for (i = 0; i < n; i++) {
		if (!want[i])
			continue;
		nwant++;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 " %s", names[i]);
	}
	for (stats = 0; stats < 2; stats++) {
		got = mvmm_nl_dump(c->nl, stats, vms, MAX_VMS);
		ok = got >= 0 && got <= MAX_VMS;
		for (i = 0; ok && i < n; i++)
			ok = has_id(vms, got, all[i]) == want[i];
		for (i = 0; ok && stats && i < got; i++)
			ok = vms[i].has_stats;
		if (c->who == NOBODY_NOCAP)
			ok = ok && got == nwant;
		printf("# %s: %s dump: %d VMs:", who_names[c->who],
		       stats ? "GET_STATS" : "GET_VM", got);
		for (i = 0; i < got && i < MAX_VMS; i++)
			printf(" %u (pid %u)", vms[i].id, vms[i].pid);
		printf("\n");
		check(ok, "%s: the %s dump lists%s", who_names[c->who],
		      stats ? "GET_STATS" : "GET_VM", nwant ? list : " no VM");
	}
}

static void guest_code(void)
{
	for (;;)
		GUEST_SYNC(0);
}

/* The ids of the test's VMs, as the module gave them. */
struct ids {
	uint32_t r, u, n;
};

/*
 * uid 65534 without capabilities: first with no VM of its own, then
 * attaching to U, then with N, its own. Sends the ids of U and N up,
 * then waits for a byte on @down before freeing N.
 */
static int nobody(struct ids *ids, struct kvm_vm *vm_u, int up, int down)
{
	static const char *const names[] = { "R", "U", "N" };
	struct mvmm_rule_info rules[MAX_VMS];
	struct mvmm_vm_info info;
	struct kvm_vcpu *vcpu;
	struct mvmm_ack ack;
	struct mvmm_sec *sec;
	struct kvm_vm *vm;
	struct conn c;
	int ret, i;
	char x;

	become(NOBODY_NOCAP);
	conn_open(&c, NOBODY_NOCAP);

	/* Nothing of its own yet: root's R is not there. */
	check_dumps(&c, (uint32_t[]){ ids->r }, (bool[]){ false }, names, 1);
	check_hidden(&c, ids->r, "root's VM R");
	check_admin_reads(&c, false);

	/* Seen first at its attach, U is still the VM of root, its creator. */
	sec = mvmm_sec_attach(vm_u->fd, "u-perm", NULL);
	TEST_ASSERT(sec, "Expected uid %d to attach to root's VM U (fd given), got %s",
		    NOBODY, strerror(errno));
	ids->u = mvmm_sec_vm_id(sec);
	mvmm_sec_detach(sec);
	check_dumps(&c, (uint32_t[]){ ids->r, ids->u },
		    (bool[]){ false, false }, names, 2);
	check_hidden(&c, ids->u,
		     "root's VM U (seen first at uid 65534's attach)");

	/* Its own VM, N. */
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	ret = mvmm_nl_find_vm(c.nl, getpid(), NULL, 0, &info);
	check(!ret, "uid 65534: finds its own VM N");
	ids->n = ret ? 0 : info.id;
	check_dumps(&c, (uint32_t[]){ ids->r, ids->u, ids->n },
		    (bool[]){ false, false, true }, names, 3);
	check_visible(&c, ids->n, "its own VM N");
	ret = mvmm_nl_get(c.nl, 1, ids->n, &info);
	check(!ret && info.pid == (uint32_t)getpid() &&
	      info.exits[MVMM_EV_IO] >= 1,
	      "uid 65534: its VM N's stats: pid %u, %lu IO exits", info.pid,
	      (unsigned long)info.exits[MVMM_EV_IO]);
	ret = mvmm_rule_dump(c.s, ids->n, rules, MAX_VMS, &ack);
	for (i = 0; i < ret && i < MAX_VMS; i++)
		if (rules[i].id == SEED_ID)
			break;
	check(ret > 0 && i < ret,
	      "uid 65534: GET_RULE of its VM N: the rule it got from the default table");
	if (ret <= 0 || i == ret)
		printf("#   got %d rules (\"%s\")\n", ret, ack.msg);

	if (write(up, ids, sizeof(*ids)) != sizeof(*ids) ||
	    read(down, &x, 1) != 1)
		return 1;
	kvm_vm_free(vm);
	mvmm_rsk_close(c.s);
	return 0;
}

/* Another caller, in a child: which of R, U and N it sees, and the rest. */
static void other_caller(enum who who, const struct ids *ids)
{
	static const char *const names[] = { "R", "U", "N" };
	bool admin = who == NOBODY_NET_ADMIN || who == ROOT;
	bool rootish = who != NOBODY_NOCAP;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct conn c;

		become(who);
		conn_open(&c, who);
		/* uid 0 created R and U; uid 65534 created N. */
		check_dumps(&c, (uint32_t[]){ ids->r, ids->u, ids->n },
			    (bool[]){ admin || rootish, admin || rootish, admin },
			    names, 3);
		check_visible(&c, ids->r, "root's VM R");
		if (admin)
			check_visible(&c, ids->n, "uid 65534's VM N");
		else
			check_hidden(&c, ids->n, "uid 65534's VM N");
		check_admin_reads(&c, admin);
		mvmm_rsk_close(c.s);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status), "%s: ran to its end",
	      who_names[who]);
	print_results();
}

int main(void)
{
	struct mvmm_rule_info seed = {
		.id = SEED_ID, .type = MVMM_EV_HLT, .target = "main",
	};
	struct kvm_vcpu *vcpu, *vcpu_u;
	struct kvm_vm *vm, *vm_u;
	struct mvmm_vm_info info;
	int up[2], down[2], ret, status;
	struct ids ids = {};
	struct conn root;
	pid_t pid;

	setbuf(stdout, NULL);
	ksft_print_header();
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(res != MAP_FAILED, "mmap: %s", strerror(errno));
	conn_open(&root, ROOT);
	open_devices();

	/* Every VM made from now on starts with this rule. */
	ret = mvmm_rule_add(root.s, MVMM_TABLE_DEFAULT, &seed, NULL, NULL);
	TEST_ASSERT(!ret, "Expected the seed rule in the default table, got %s",
		    strerror(-ret));

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	ret = mvmm_nl_find_vm(root.nl, getpid(), NULL, 0, &info);
	TEST_ASSERT(!ret, "Expected mvmm to know VM R, got %s", strerror(-ret));
	ids.r = info.id;
	vm_u = vm_create_with_one_vcpu(&vcpu_u, guest_code);

	TEST_ASSERT(!pipe(up) && !pipe(down), "pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(nobody(&ids, vm_u, up[1], down[0]));
	close(up[1]);
	close(down[0]);
	ret = read(up[0], &ids, sizeof(ids));
	print_results();
	TEST_ASSERT(ret == sizeof(ids) && ids.u && ids.n,
		    "Expected uid %d's child to report VMs U and N", NOBODY);
	printf("# VMs: R %u (root), U %u (root, seen first at an attach), N %u (uid %d)\n",
	       ids.r, ids.u, ids.n, NOBODY);

	/* Root, and the others, while N lives. */
	check_dumps(&root, (uint32_t[]){ ids.r, ids.u, ids.n },
		    (bool[]){ true, true, true }, (const char *const[]){ "R", "U", "N" },
		    3);
	check_visible(&root, ids.n, "uid 65534's VM N");
	check_admin_reads(&root, true);
	print_results();
	other_caller(NOBODY_NET_ADMIN, &ids);
	other_caller(ROOT_NOCAP, &ids);

	TEST_ASSERT(write(down[1], "x", 1) == 1, "pipe: %s", strerror(errno));
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "uid 65534: ran to its end");
	print_results();

	mvmm_rule_del(root.s, MVMM_TABLE_DEFAULT, SEED_ID, NULL);
	kvm_vm_free(vm_u);
	kvm_vm_free(vm);
	mvmm_rsk_close(root.s);
	ksft_set_plan(res->n);
	ksft_print_cnts();
	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	ksft_exit_pass();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Handler names: no local user can take a name from another VM's
 * secondary, or from a kernel secondary, nor use every name up.
 *
 * /dev/mvmm is made accessible to everybody for these tests (mode 0666,
 * restored after each), and the attacker is an unprivileged user (uid
 * 65534 and neighbours) holding only the fd of its own VM, B: what any
 * local user could do once the device is granted to it.
 *
 *   squat    VM A's secondary "u-victim" restarts; meanwhile the attacker
 *            attaches "u-victim" to VM B. The restarted secondary attaches
 *            again and A's guest's IN is answered by it, while the
 *            attacker's file sees no request. The dump lists the name once
 *            per VM. (With one global namespace it got EBUSY, and A's
 *            events took their fallback.)
 *   kernel   the attacker attaches "testsec" before mvmm_testsec.ko loads:
 *            the module registers all the same and answers B's IN (the
 *            guest reads its value), the attacker's file sees nothing.
 *   churn    the attacker attaches and closes 300 distinct names: each
 *            works, unused names are reclaimed. (Names were never freed:
 *            the 256th got ENOSPC, for everyone, until unload.)
 *   quota    the attacker holds MVMM_HANDLER_NAMES_PER_USER names, then
 *            gets EDQUOT.
 *   reserve  users 65534, 65533, ... each hold their quota until a new
 *            name is refused with ENOSPC, with at most
 *            MVMM_HANDLER_NAMES_MAX - MVMM_HANDLER_NAMES_RESERVED names in
 *            use; root (CAP_NET_ADMIN) attaches a new name then; once the
 *            attackers are gone, an unprivileged user can again.
 */
#include "kvm_util.h"
#include "processor.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* test_util.h and the harness both define ASSERT_EQ; neither is used. */
#undef ASSERT_EQ
#include "kselftest_harness.h"
#include "mvmm_kmod.h"
#include "mvmm_nl.h"
#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "testsec.h"

#define NOBODY		65534
#define PORT		0x5e9
#define TESTSEC		"mvmm_testsec"
/* Users of the reserve test: enough to fill every unreserved name. */
#define NR_USERS	(MVMM_HANDLER_NAMES_MAX / MVMM_HANDLER_NAMES_PER_USER + 1)

static const char dev_path[] = "/dev/" MVMM_DEV_NAME;

static void restore_mode(void)
{
	chmod(dev_path, 0600);
}

FIXTURE(names) {
	struct ug_vm *a, *b;
	struct mvmm_rsk *s;
	struct mvmm_ut_sec sec;		/* root: VM A's secondary */
	struct mvmm_ut_sec atk;		/* uid 65534: VM B's fd only */
};

/* A secondary of user @uid holding VM @c's fd, not attached. */
static void fork_as(struct mvmm_ut_sec *x, uid_t uid, struct ug_vm *c)
{
	int ret;

	mvmm_ut_fork(x);
	ret = mvmm_sp_op(&x->p, MVMM_SP_SETUID, uid);
	TEST_ASSERT(!ret, "Expected to become uid %u, got %s", uid,
		    strerror(-ret));
	mvmm_ut_give_vm(x, ug_vm_fd(c));
}

FIXTURE_SETUP(names)
{
	self->a = ug_vm_start(NULL, 0);
	self->b = ug_vm_start(&self->a->id, 1);
	self->s = mvmm_ut_rsk_open();
	atexit(restore_mode);
	TEST_ASSERT(!chmod(dev_path, 0666), "chmod %s: %s", dev_path,
		    strerror(errno));
	fork_as(&self->atk, NOBODY, self->b);
}

FIXTURE_TEARDOWN(names)
{
	mvmm_ut_quit(&self->atk);
	mvmm_ut_quit(&self->sec);
	restore_mode();
	mvmm_rsk_close(self->s);
	ug_vm_stop(self->b);
	ug_vm_stop(self->a);
}

/*
 * A new /dev/mvmm file of @x attached as @name to the VM @x holds, in
 * polling mode; kept open beside the next ones if @keep. 0 or -errno.
 */
static int attach_new(struct mvmm_ut_sec *x, const char *name, bool keep)
{
	struct mvmm_sp_msg m = {
		.op = MVMM_SP_ATTACH_RAW, .vm_fd = MVMM_SP_FD_HELD, .efd = -1,
	};
	int ret;

	ret = mvmm_sp_op(&x->p, MVMM_SP_OPEN, 0);
	TEST_ASSERT(!ret, "open %s: %s", dev_path, strerror(-ret));
	m.att.size = sizeof(m.att);
	m.att.flags = MVMM_ATTACH_POLL;
	snprintf(m.att.name, sizeof(m.att.name), "%s", name);
	ret = mvmm_sp_call(&x->p, &m, -1);
	if (!ret && keep) {
		ret = mvmm_sp_op(&x->p, MVMM_SP_KEEP, 0);
		TEST_ASSERT(!ret, "keep: %s", strerror(-ret));
	}
	return ret;
}

/* The entries of the handler dump; their number. */
static int dump_handlers(struct mvmm_rsk *s, struct mvmm_handler_info **h)
{
	const int max = 4 * MVMM_HANDLER_NAMES_MAX;
	int n;

	*h = calloc(max, sizeof(**h));
	TEST_ASSERT(*h, "calloc");
	n = mvmm_handler_dump(s, *h, max);
	TEST_ASSERT(n >= 0 && n <= max, "handler dump: %d", n);
	return n;
}

/* How many distinct names the dump shows. */
static int count_names(struct mvmm_rsk *s)
{
	struct mvmm_handler_info *h;
	int n = dump_handlers(s, &h), names = 0, i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(h[i].name, h[j].name); j++)
			;
		names += j == i;
	}
	free(h);
	return names;
}

/* IN from PORT in @c's guest; what the guest must read. */
static void guest_in(struct ug_vm *c, const char *what, uint32_t expect)
{
	struct ug_cmd cmd = {
		.op = UG_IN, .n = 1, .arg = PORT, .size = 4, .nexp = 1,
		.exp = { expect },
	};

	ug_cmd(what, c, &cmd);
}

TEST_F_TIMEOUT(names, squat, 120)
{
	const char *name = "u-victim";
	struct mvmm_handler_info *h;
	int ret, n, i, seen = 0;

	mvmm_ut_start(&self->sec, self->a, name, 0, 2000, MVMM_SP_RINGPATH);
	mvmm_ut_rule_add(self->s, self->a->id, MVMM_EV_IO, PORT, PORT,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_DENY, name);
	guest_in(self->a, "A's IN, its secondary up", MVMM_SP_IN(PORT));

	/* It restarts; meanwhile nobody takes the name for its own VM. */
	mvmm_ut_quit(&self->sec);
	ret = attach_new(&self->atk, name, false);
	TEST_ASSERT(!ret, "Expected uid %d to attach %s to its own VM, got %s",
		    NOBODY, name, strerror(-ret));
	mvmm_ut_fork(&self->sec);
	mvmm_ut_give_vm(&self->sec, ug_vm_fd(self->a));
	ret = mvmm_ut_attach_ret(&self->sec, name, 0, 2000, 0);
	printf("# VM A's secondary attaches %s again while uid %d has it for VM B: %s\n",
	       name, NOBODY, ret ? strerror(-ret) : "ok");
	TEST_ASSERT(!ret, "Expected A's secondary to attach %s again, got %s",
		    name, strerror(-ret));
	ret = mvmm_sp_op(&self->sec.p, MVMM_SP_SERVE, MVMM_SP_RINGPATH);
	TEST_ASSERT(!ret, "serve: %s", strerror(-ret));
	guest_in(self->a, "A's IN, its secondary back", MVMM_SP_IN(PORT));
	TEST_ASSERT(SP_GET(self->atk.shm->requests) == 0 &&
		    SP_GET(self->sec.shm->requests) == 1,
		    "Expected the request at A's secondary only, got %lu there, %lu at uid %d's",
		    SP_GET(self->sec.shm->requests),
		    SP_GET(self->atk.shm->requests), NOBODY);

	n = dump_handlers(self->s, &h);
	for (i = 0; i < n; i++) {
		if (strcmp(h[i].name, name))
			continue;
		TEST_ASSERT(h[i].attached && h[i].user &&
			    ((h[i].vm_id == self->a->id &&
			      h[i].pid == (uint32_t)self->sec.p.pid) ||
			     (h[i].vm_id == self->b->id &&
			      h[i].pid == (uint32_t)self->atk.p.pid)),
			    "Unexpected entry of %s: attached %u user %u VM %u pid %u",
			    name, h[i].attached, h[i].user, h[i].vm_id,
			    h[i].pid);
		seen |= 1 << (h[i].vm_id == self->b->id);
	}
	free(h);
	TEST_ASSERT(seen == 3, "Expected %s listed for VM %u and VM %u, got mask %#x",
		    name, self->a->id, self->b->id, seen);
}

static const char *testsec_path(char *buf, size_t len)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(buf, len, "%s/" TESTSEC ".ko", dirname(dir));
	return buf;
}

static bool testsec_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	TEST_ASSERT(f, "/proc/modules: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, TESTSEC " ", strlen(TESTSEC) + 1);
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(names, kernel, 120)
{
	struct mvmm_handler_info *h;
	bool was = testsec_loaded();
	int ret, n, i, seen = 0;
	char path[300];

	if (was)
		TEST_ASSERT(!syscall(SYS_delete_module, TESTSEC, O_NONBLOCK),
			    "rmmod %s: %s", TESTSEC, strerror(errno));
	ret = attach_new(&self->atk, "testsec", false);
	TEST_ASSERT(!ret, "Expected uid %d to attach testsec to its VM, got %s",
		    NOBODY, strerror(-ret));
	ret = mvmm_kmod_load(testsec_path(path, sizeof(path)));
	printf("# insmod %s while uid %d has the name for its VM: %s\n",
	       TESTSEC, NOBODY, ret ? strerror(-ret) : "ok");
	TEST_ASSERT(!ret, "Expected %s to load, got %s", TESTSEC,
		    strerror(-ret));

	/* The kernel secondary serves B's events, before the user's file. */
	mvmm_ut_rule_add(self->s, self->b->id, MVMM_EV_IO, PORT, PORT,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_DENY, "testsec");
	guest_in(self->b, "B's IN, testsec loaded", TESTSEC_IO_IN(PORT));
	n = dump_handlers(self->s, &h);
	for (i = 0; i < n; i++) {
		if (strcmp(h[i].name, "testsec"))
			continue;
		if (h[i].attached && !h[i].user)
			seen |= 1;
		else if (h[i].user && h[i].vm_id == self->b->id &&
			 h[i].pid == (uint32_t)self->atk.p.pid)
			seen |= 2;
		else
			seen |= 4;
	}
	free(h);
	TEST_ASSERT(seen == 3, "Expected testsec listed as the module's and uid %d's for VM %u, got mask %#x",
		    NOBODY, self->b->id, seen);
	TEST_ASSERT(SP_GET(self->atk.shm->requests) == 0,
		    "Expected no request at uid %d's file", NOBODY);

	if (!was)
		TEST_ASSERT(!syscall(SYS_delete_module, TESTSEC, O_NONBLOCK),
			    "rmmod %s: %s", TESTSEC, strerror(errno));
}

TEST_F_TIMEOUT(names, churn, 300)
{
	const int n = MVMM_HANDLER_NAMES_MAX + 44;
	char name[32];
	int i, ret;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "u-churn%d", i);
		ret = attach_new(&self->atk, name, false);
		TEST_ASSERT(!ret, "Expected uid %d's attach of new name %d (%s, the previous one closed) to work, got %s",
			    NOBODY, i, name, strerror(-ret));
	}
	mvmm_sp_op(&self->atk.p, MVMM_SP_CLOSE, 0);
	printf("# uid %d: %d distinct names attached and closed, one at a time\n",
	       NOBODY, n);
}

TEST_F_TIMEOUT(names, quota, 120)
{
	char name[32];
	int i, ret;

	for (i = 0; i < MVMM_HANDLER_NAMES_PER_USER; i++) {
		snprintf(name, sizeof(name), "u-quota%d", i);
		ret = attach_new(&self->atk, name, true);
		TEST_ASSERT(!ret, "Expected uid %d's name %d to attach, got %s",
			    NOBODY, i, strerror(-ret));
	}
	ret = attach_new(&self->atk, "u-quota-over", false);
	printf("# uid %d holding %d names, one more: %s\n", NOBODY,
	       MVMM_HANDLER_NAMES_PER_USER, ret ? strerror(-ret) : "ok");
	TEST_ASSERT(ret == -EDQUOT, "Expected EDQUOT, got %s",
		    ret ? strerror(-ret) : "success");
	/* Closed, its names no longer count. */
	ret = mvmm_sp_op(&self->atk.p, MVMM_SP_UNKEEP, 0);
	TEST_ASSERT(!ret, "unkeep: %s", strerror(-ret));
	ret = attach_new(&self->atk, "u-quota-over", false);
	TEST_ASSERT(!ret, "Expected a new name once the held ones closed, got %s",
		    strerror(-ret));
}

TEST_F_TIMEOUT(names, reserve, 600)
{
	const int limit = MVMM_HANDLER_NAMES_MAX - MVMM_HANDLER_NAMES_RESERVED;
	struct mvmm_ut_sec users[NR_USERS] = {};
	int before, held = 0, u, i, ret = 0;
	struct mvmm_ut_sec root = {};
	char name[32];

	before = count_names(self->s);
	for (u = 0; u < NR_USERS && !ret; u++) {
		fork_as(&users[u], NOBODY - 1 - u, self->b);
		for (i = 0; i < MVMM_HANDLER_NAMES_PER_USER; i++) {
			snprintf(name, sizeof(name), "u-r%d-%d", u, i);
			ret = attach_new(&users[u], name, true);
			if (ret)
				break;
			held++;
		}
	}
	printf("# %d users held %d names (%d names before) when a new one got %s\n",
	       u, held, before, ret ? strerror(-ret) : "nothing");
	TEST_ASSERT(ret == -ENOSPC, "Expected ENOSPC at the reserve, got %s",
		    ret ? strerror(-ret) : "no refusal");
	TEST_ASSERT(held <= limit && held >= limit - before,
		    "Expected %d to %d names held at the reserve, got %d",
		    limit - before, limit, held);

	/* An administrator still has room. */
	mvmm_ut_fork(&root);
	mvmm_ut_give_vm(&root, ug_vm_fd(self->b));
	ret = attach_new(&root, "u-admin", true);
	TEST_ASSERT(!ret, "Expected root to attach a new name at the reserve, got %s",
		    strerror(-ret));
	mvmm_ut_quit(&root);

	for (u = 0; u < NR_USERS; u++)
		mvmm_ut_quit(&users[u]);
	ret = attach_new(&self->atk, "u-after", false);
	TEST_ASSERT(!ret, "Expected a new name once the users were gone, got %s",
		    strerror(-ret));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The memory of a /dev/mvmm attachment is charged to the memory cgroup of
 * the process that attaches, as KVM charges a VM's memory to its VMM's.
 *
 * An attachment lives until its file is closed, even past its VM, and its
 * observe ring is sized by the caller (up to MVMM_OBS_MAX records, some
 * 14 MB): memory that nothing charged would let anyone allowed to open
 * /dev/mvmm pin host memory outside the limit of their cgroup.
 *
 * This process creates a VM; a child moved into a new memory cgroup
 * attaches NR_ATTACH files to it (distinct names), each with an observe
 * ring of MVMM_OBS_MAX records, on this process's command. After each
 * attach the child's cgroup's memory.current must have grown by at least
 * the ring (mmap_size). The first ring, mapped, reads zeros past its
 * header. Once the files are closed, the charge must be gone again.
 *
 * cgroup2 is mounted on /sys/fs/cgroup if it is not yet (the rig's init
 * does not); the test removes what it made.
 */
#include "kvm_util.h"
#include "processor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest.h"
#include <linux/mvmm.h>

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_DIR		CG_ROOT "/mvmm_user_memcg"
#define NR_ATTACH	4

/* A command to the child and its answer. */
enum { CMD_ATTACH = 1, CMD_MAP, CMD_CLOSE, CMD_QUIT };

struct reply {
	int err;		/* 0 or -errno */
	uint64_t mmap_size;	/* CMD_ATTACH */
	uint32_t bad_byte;	/* CMD_MAP: offset of a non-zero byte + 1 */
	uint32_t version, obs_entries;	/* CMD_MAP: the ring header */
};

static bool mounted, enabled;

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	TEST_ASSERT(write(fd, s, strlen(s)) == (ssize_t)strlen(s),
		    "write \"%s\" to %s: %s", s, path, strerror(errno));
	close(fd);
}

static bool read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static uint64_t memory_current(void)
{
	char buf[64];

	TEST_ASSERT(read_file(CG_DIR "/memory.current", buf, sizeof(buf)),
		    "read %s/memory.current: %s", CG_DIR, strerror(errno));
	return strtoull(buf, NULL, 10);
}

static bool cgroup2_mounted(void)
{
	char buf[64];

	return read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf));
}

/* A memory cgroup of our own; false (after a message) if impossible. */
static bool cgroup_setup(void)
{
	char buf[256];

	if (!cgroup2_mounted()) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL)) {
			ksft_print_msg("mount cgroup2 on %s: %s\n", CG_ROOT,
				       strerror(errno));
			return false;
		}
		mounted = true;
	}
	if (!read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory")) {
		ksft_print_msg("no memory controller in cgroup2\n");
		return false;
	}
	TEST_ASSERT(read_file(CG_ROOT "/cgroup.subtree_control", buf,
			      sizeof(buf)), "read subtree_control");
	if (!strstr(buf, "memory")) {
		write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
		enabled = true;
	}
	TEST_ASSERT(!mkdir(CG_DIR, 0755) || errno == EEXIST, "mkdir %s: %s",
		    CG_DIR, strerror(errno));
	return true;
}

static void cgroup_cleanup(void)
{
	rmdir(CG_DIR);
	if (enabled) {
		int fd = open(CG_ROOT "/cgroup.subtree_control", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "-memory", 7) != 7)
				ksft_print_msg("-memory: %s\n", strerror(errno));
			close(fd);
		}
	}
	if (mounted)
		umount(CG_ROOT);
}

/* The child: enter the cgroup, then serve commands until CMD_QUIT. */
static int child(int vm_fd, int cmd_fd, int reply_fd)
{
	int fds[NR_ATTACH], nr = 0, i;
	uint64_t size[NR_ATTACH];
	struct reply r;
	int cmd;

	write_file(CG_DIR "/cgroup.procs", "0");
	while (read(cmd_fd, &cmd, sizeof(cmd)) == sizeof(cmd)) {
		memset(&r, 0, sizeof(r));
		if (cmd == CMD_ATTACH) {
			struct mvmm_attach a = {
				.size = sizeof(a),
				.flags = MVMM_ATTACH_POLL,
				.vm_fd = vm_fd,
				.eventfd = -1,
				.obs_entries = MVMM_OBS_MAX,
			};

			snprintf(a.name, sizeof(a.name), "u-memcg-%d", nr);
			fds[nr] = open("/dev/" MVMM_DEV_NAME, O_RDWR);
			if (fds[nr] < 0 ||
			    ioctl(fds[nr], MVMM_IOC_ATTACH, &a)) {
				r.err = -errno;
			} else {
				r.mmap_size = a.mmap_size;
				size[nr++] = a.mmap_size;
			}
		} else if (cmd == CMD_MAP) {
			const unsigned char *p;
			const struct mvmm_ring *ring;
			size_t off;

			p = mmap(NULL, size[0], PROT_READ, MAP_SHARED, fds[0],
				 0);
			if (p == MAP_FAILED) {
				r.err = -errno;
			} else {
				ring = (const void *)p;
				r.version = ring->version;
				r.obs_entries = ring->obs_entries;
				/* Slots and records: nothing posted yet. */
				for (off = sizeof(*ring); off < size[0]; off++) {
					if (p[off]) {
						r.bad_byte = off + 1;
						break;
					}
				}
				munmap((void *)p, size[0]);
			}
		} else if (cmd == CMD_CLOSE) {
			for (i = 0; i < nr; i++)
				close(fds[i]);
			nr = 0;
		} else {
			return 0;
		}
		if (write(reply_fd, &r, sizeof(r)) != sizeof(r))
			return 1;
	}
	return 1;
}

static struct reply call(int cmd_fd, int reply_fd, int cmd)
{
	struct reply r;

	TEST_ASSERT(write(cmd_fd, &cmd, sizeof(cmd)) == sizeof(cmd),
		    "write command: %s", strerror(errno));
	TEST_ASSERT(read(reply_fd, &r, sizeof(r)) == sizeof(r),
		    "Expected the child's reply to command %d", cmd);
	return r;
}

int main(void)
{
	uint64_t before, after, base, grew_min = UINT64_MAX, ring = 0;
	int cmd[2], rep[2], status, i;
	struct kvm_vm *vm;
	struct reply r;
	bool ok = true;
	pid_t pid;

	ksft_print_header();
	if (access("/dev/" MVMM_DEV_NAME, F_OK))
		ksft_exit_skip("/dev/%s missing: is mvmm loaded?\n",
			       MVMM_DEV_NAME);
	if (!cgroup_setup()) {
		cgroup_cleanup();
		ksft_exit_skip("no cgroup2 memory controller\n");
	}
	ksft_set_plan(3);

	vm = vm_create_barebones();
	TEST_ASSERT(!pipe(cmd) && !pipe(rep), "pipe: %s", strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		close(cmd[1]);
		close(rep[0]);
		_exit(child(vm->fd, cmd[0], rep[1]));
	}
	close(cmd[0]);
	close(rep[1]);

	/* A first command: the child is in the cgroup once it answers. */
	call(cmd[1], rep[0], CMD_CLOSE);
	base = memory_current();
	for (i = 0; i < NR_ATTACH; i++) {
		before = memory_current();
		r = call(cmd[1], rep[0], CMD_ATTACH);
		TEST_ASSERT(!r.err, "attach %d: %s", i, strerror(-r.err));
		after = memory_current();
		ring = r.mmap_size;
		ksft_print_msg("attach %d: mmap_size %lu, memory.current %lu -> %lu (+%ld)\n",
			       i, (unsigned long)ring, (unsigned long)before,
			       (unsigned long)after, (long)(after - before));
		if (after < before + ring)
			ok = false;
		if (after - before < grew_min)
			grew_min = after - before;
	}
	ksft_test_result(ok, "each attach charges at least its ring (%lu bytes) to the attacher's memory cgroup (least growth %ld)\n",
			 (unsigned long)ring, (long)grew_min);

	r = call(cmd[1], rep[0], CMD_MAP);
	TEST_ASSERT(!r.err, "mmap: %s", strerror(-r.err));
	ksft_print_msg("ring: version %u, obs_entries %u, first non-zero byte past the header: %u\n",
		       r.version, r.obs_entries,
		       r.bad_byte ? r.bad_byte - 1 : 0);
	ksft_test_result(r.version == MVMM_RING_VERSION &&
			 r.obs_entries == MVMM_OBS_MAX && !r.bad_byte,
			 "the mapped ring has its header and zeros past it\n");

	call(cmd[1], rep[0], CMD_CLOSE);
	after = memory_current();
	ksft_print_msg("closed: memory.current %lu (%lu before the attaches)\n",
		       (unsigned long)after, (unsigned long)base);
	ksft_test_result(after < base + ring,
			 "closing the files gives the charge back\n");

	TEST_ASSERT(write(cmd[1], &(int){ CMD_QUIT }, sizeof(int)) ==
		    sizeof(int), "write: %s", strerror(errno));
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status), "Expected the child to exit 0");
	kvm_vm_free(vm);
	cgroup_cleanup();
	ksft_finished();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libmvmm: attach to /dev/mvmm, serve the shared ring, answer.
 *
 * The ring is shared with the kernel, which trusts nothing in it; we trust
 * little in it either: the geometry is checked once at attach and kept in
 * struct mvmm_sec, and a slot whose request changes while we copy it is
 * left for the next pass. Every access to a field the kernel writes
 * concurrently goes through an __atomic builtin, in the order the uapi
 * header prescribes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libmvmm.h"

/*
 * run() blocks in read() of the eventfd, which mvmm_sec_stop() signals.
 * Only if someone made the eventfd O_NONBLOCK does it poll() instead,
 * waking this often to look at the stop flag. The host tests make it
 * long, to prove that nothing else depends on it.
 */
#ifndef MVMM_SEC_WAIT_MS
#define MVMM_SEC_WAIT_MS	50
#endif
/* Idle passes of a polling run() between two sched_yield() calls. */
#define MVMM_SEC_SPIN_YIELD	256

struct mvmm_sec {
	int fd;				/* /dev/mvmm */
	int efd;			/* -1 with MVMM_ATTACH_POLL */
	unsigned int vm_id;
	int stop;			/* __atomic: mvmm_sec_stop() was called */

	struct mvmm_ring *ring;		/* the mapping */
	size_t map_size;
	/* The ring's geometry, as checked at attach. */
	uint32_t nr_slots;
	uint32_t slot_size;
	uint32_t slots_offset;
	uint32_t obs_mask;		/* obs_entries - 1 */
	struct mvmm_request *obs;
	/* Per slot, the last seq answered: a request is served once. */
	uint64_t *answered;
	/* __atomic, written by the run() thread only: mvmm_sec_stats(). */
	struct mvmm_sec_stats stats;

	/* ioctl(2); the host unit tests put a fake kernel here. */
	int (*ioctl)(int fd, unsigned long cmd, unsigned long arg);
};

/* What mvmm_sec_attach_error() returns: the last failed attach's story. */
static __thread char mvmm_attach_msg[256];

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

__printf(1, 2) static void mvmm_attach_msgf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mvmm_attach_msg, sizeof(mvmm_attach_msg), fmt, ap);
	va_end(ap);
}

static int mvmm_err(int err)
{
	errno = err;
	return -err;
}

static int mvmm_sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static bool mvmm_is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Is [off, off + len) inside a mapping of @size bytes, 8-byte aligned? */
static bool mvmm_fits(uint64_t off, uint64_t len, uint64_t size)
{
	return !(off & 7) && off <= size && len <= size - off;
}

/*
 * Check the ring the kernel laid out in @map (@size bytes) and take its
 * geometry: 0 or -EPROTO.
 */
static int mvmm_sec_setup(struct mvmm_sec *s, void *map, size_t size)
{
	const struct mvmm_ring *r = map;

	if (size < sizeof(*r) || r->version != MVMM_RING_VERSION ||
	    !r->nr_slots || r->slot_size < sizeof(struct mvmm_slot) ||
	    (r->slot_size & 7) || r->slots_offset < sizeof(*r) ||
	    !mvmm_fits(r->slots_offset, (uint64_t)r->nr_slots * r->slot_size,
		       size) ||
	    !mvmm_is_pow2(r->obs_entries) || r->obs_offset < sizeof(*r) ||
	    !mvmm_fits(r->obs_offset,
		       (uint64_t)r->obs_entries * sizeof(struct mvmm_request),
		       size))
		return -EPROTO;

	s->answered = calloc(r->nr_slots, sizeof(*s->answered));
	if (!s->answered)
		return -ENOMEM;
	s->ring = map;
	s->map_size = size;
	s->nr_slots = r->nr_slots;
	s->slot_size = r->slot_size;
	s->slots_offset = r->slots_offset;
	s->obs_mask = r->obs_entries - 1;
	s->obs = (struct mvmm_request *)((char *)map + r->obs_offset);
	return 0;
}

static struct mvmm_sec *mvmm_sec_alloc(void)
{
	struct mvmm_sec *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = -1;
	s->efd = -1;
	s->ioctl = mvmm_sys_ioctl;
	return s;
}

static int mvmm_sec_map(struct mvmm_sec *s, size_t size)
{
	void *map;
	int ret;

	if (size < sizeof(struct mvmm_ring))
		return -EPROTO;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ret = mvmm_sec_setup(s, map, size);
	if (ret)
		munmap(map, size);
	return ret;
}

static int mvmm_sec_do_attach(struct mvmm_sec *s, const char *dev_path,
			      int vm_fd, const char *name,
			      const struct mvmm_sec_opts *opts)
{
	struct mvmm_attach a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.vm_fd = vm_fd;
	a.eventfd = -1;
	if (opts) {
		a.flags = opts->flags;
		a.timeout_ms = opts->timeout_ms;
		a.poll_us = opts->poll_us;
		a.obs_entries = opts->obs_entries;
	}
	if (!name || strlen(name) >= sizeof(a.name))
		return -EINVAL;
	strcpy(a.name, name);

	s->fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	if (!(a.flags & MVMM_ATTACH_POLL)) {
		/* Blocking: run() sleeps in read(), one syscall per wake-up. */
		s->efd = eventfd(0, EFD_CLOEXEC);
		if (s->efd < 0)
			return -errno;
		a.eventfd = s->efd;
	}
	ret = s->ioctl(s->fd, MVMM_IOC_ATTACH, (unsigned long)&a);
	if (ret)
		return ret;
	if ((size_t)a.mmap_size != a.mmap_size)
		return -EPROTO;
	ret = mvmm_sec_map(s, a.mmap_size);
	if (ret)
		return ret;
	if (s->nr_slots != a.nr_slots)
		return -EPROTO;
	s->vm_id = a.vm_id;
	return 0;
}

struct mvmm_sec *mvmm_sec_attach_dev(const char *dev_path, int vm_fd,
				     const char *name,
				     const struct mvmm_sec_opts *opts)
{
	struct mvmm_sec *s = mvmm_sec_alloc();
	int ret;

	mvmm_attach_msg[0] = '\0';
	if (!s) {
		mvmm_attach_msgf("out of memory");
		return NULL;
	}
	ret = mvmm_sec_do_attach(s, dev_path, vm_fd, name, opts);
	if (ret) {
		/* Closing the file undoes the attach in the kernel. */
		mvmm_sec_detach(s);
		mvmm_attach_msgf("cannot attach to %s as \"%s\": %s", dev_path,
				 name ? name : "(null)", strerror(-ret));
		errno = -ret;
		return NULL;
	}
	return s;
}

struct mvmm_sec *mvmm_sec_attach(int vm_fd, const char *name,
				 const struct mvmm_sec_opts *opts)
{
	return mvmm_sec_attach_dev(MVMM_DEV_PATH, vm_fd, name, opts);
}

/*
 * Attach by pid: take the VM fd from a running main VMM.
 *
 * pidfd_open() pins the process: if the pid is reused meanwhile,
 * pidfd_getfd() on it fails with ESRCH instead of taking another process's
 * fd. glibc has wrappers for both only since 2.36; the syscall numbers are
 * the same on every architecture but alpha.
 */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd		438
#endif

/*
 * The /proc/PID/fd link of a KVM VM fd, and what attaches to one fd. The
 * host tests put eventfds and a fake attach here, to run the scan and the
 * choice among several VMs without KVM.
 */
static const char *mvmm_vm_link = "anon_inode:kvm-vm";
static struct mvmm_sec *(*mvmm_attach_fd)(const char *dev_path, int vm_fd,
					  const char *name,
					  const struct mvmm_sec_opts *opts) =
	mvmm_sec_attach_dev;

/* The fds taken from the process, and mvmm's id of each once known. */
struct mvmm_pid_vms {
	int *fds;
	unsigned int *ids;
	unsigned int nr;
};

static void mvmm_pid_vms_free(struct mvmm_pid_vms *v)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		close(v->fds[i]);
	free(v->fds);
	free(v->ids);
}

/* Is @path a link to a KVM VM (as far as /proc tells)? */
static bool mvmm_is_vm_link(const char *path)
{
	char target[64];
	ssize_t n;

	n = readlink(path, target, sizeof(target));
	if (n < 0 || (size_t)n >= sizeof(target))
		return false;
	target[n] = '\0';
	return !strcmp(target, mvmm_vm_link);
}

/* pidfd_getfd() and /proc/PID/fd both refused us: say what they check. */
static int mvmm_ptrace_denied(pid_t pid)
{
	mvmm_attach_msgf("not permitted to take the fds of process %d: that needs ptrace access to it (PTRACE_MODE_ATTACH_REALCREDS: the same uid and not setuid, or CAP_SYS_PTRACE; Yama's ptrace_scope may restrict it further)",
			 (int)pid);
	return -EPERM;
}

/*
 * Take a copy of fd @nr of the process behind @pidfd if it is a VM: 1
 * taken, 0 not a VM (any more), or -errno with the message set.
 */
static int mvmm_take_fd(int pidfd, pid_t pid, int nr, struct mvmm_pid_vms *v)
{
	char path[48];
	int fd, err;

	fd = syscall(SYS_pidfd_getfd, pidfd, nr, 0);
	if (fd < 0) {
		err = errno;
		switch (err) {
		case EBADF:	/* closed since we read /proc */
			return 0;
		case EPERM:
			return mvmm_ptrace_denied(pid);
		case ESRCH:
			mvmm_attach_msgf("process %d exited", (int)pid);
			break;
		default:
			mvmm_attach_msgf("cannot take fd %d of process %d: %s",
					 nr, (int)pid, strerror(err));
		}
		return -err;
	}
	/* The process may have closed @nr and opened something else there. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!mvmm_is_vm_link(path)) {
		close(fd);
		return 0;
	}
	v->fds[v->nr++] = fd;
	return 1;
}

/*
 * Take every KVM VM fd of @pid, by the links in /proc/PID/fd: the count,
 * or -errno with the message set.
 */
static int mvmm_take_vm_fds(int pidfd, pid_t pid, struct mvmm_pid_vms *v)
{
	unsigned int max = 0;
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0, err;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d) {
		err = errno;
		if (err == EACCES || err == EPERM) {
			/* /proc checks the same ptrace access, in read mode. */
			return mvmm_ptrace_denied(pid);
		}
		if (err == ENOENT && !access("/proc/self/fd", F_OK)) {
			mvmm_attach_msgf("process %d exited", (int)pid);
			return -ESRCH;
		}
		mvmm_attach_msgf("cannot read %s: %s", path, strerror(err));
		return -err;
	}
	while ((de = readdir(d))) {
		char *end;
		long nr;

		errno = 0;
		nr = strtol(de->d_name, &end, 10);
		if (errno || *end || end == de->d_name || nr < 0 || nr > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, nr);
		if (!mvmm_is_vm_link(path))
			continue;
		if (v->nr == max) {
			unsigned int n = max ? 2 * max : 4;
			int *fds = realloc(v->fds, n * sizeof(*fds));

			if (!fds) {
				ret = -ENOMEM;
				mvmm_attach_msgf("out of memory");
				break;
			}
			v->fds = fds;
			max = n;
		}
		ret = mvmm_take_fd(pidfd, pid, nr, v);
		if (ret < 0)
			break;
	}
	closedir(d);
	if (ret < 0)
		return ret;
	if (!v->nr) {
		mvmm_attach_msgf("process %d has no KVM VM: none of its fds is %s",
				 (int)pid, mvmm_vm_link);
		return -ENOENT;
	}
	v->ids = calloc(v->nr, sizeof(*v->ids));
	if (!v->ids) {
		mvmm_attach_msgf("out of memory");
		return -ENOMEM;
	}
	return v->nr;
}

/*
 * The distinct VM ids of @v (the same VM may be open on several fds) as
 * "3, 4" in @buf, leaving out the unknown ones (0): their count.
 */
static unsigned int mvmm_list_ids(const struct mvmm_pid_vms *v, char *buf,
				  size_t size)
{
	unsigned int i, j, n = 0;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < v->nr; i++) {
		if (!v->ids[i])
			continue;
		for (j = 0; j < i && v->ids[j] != v->ids[i]; j++)
			;
		if (j < i)
			continue;
		if (len < size)
			len += snprintf(buf + len, size - len, "%s%u",
					n ? ", " : "", v->ids[i]);
		n++;
	}
	return n;
}

/*
 * Why no VM of @v was picked: @vm_id not among the ids found, or no id
 * given for several VMs. @busy VMs, of ids unknown, refused @name (EBUSY):
 * one of them may be the one.
 */
static void mvmm_pick_failed(pid_t pid, unsigned int vm_id, const char *name,
			     const struct mvmm_pid_vms *v, unsigned int busy)
{
	char ids[128], more[64] = "";
	unsigned int n = mvmm_list_ids(v, ids, sizeof(ids));

	if (busy)
		snprintf(more, sizeof(more), "%s%u where \"%s\" is in use",
			 n ? ", and " : "", busy, name);
	if (vm_id) {
		mvmm_attach_msgf("process %d has no KVM VM with mvmm id %u%s (its VMs: %s%s)",
				 (int)pid, vm_id,
				 busy ? " free for this name" : "", ids, more);
		errno = busy ? EBUSY : ENOENT;
	} else {
		mvmm_attach_msgf("process %d has several KVM VMs (mvmm ids %s%s): give the id of one",
				 (int)pid, ids, more);
		errno = ENOTUNIQ;
	}
}

/*
 * The VM to attach to, among the fds taken. Nothing maps a VM fd to mvmm's
 * id but the attach itself (its reply carries the id), so with several
 * fds, or an id to check, attach to each in turn, under the caller's name
 * and options, until the id is found. Such a passing attach changes
 * nothing for the guest: while no handler holds the name for that VM, the
 * events its rules route take their fallback, and one routed to us
 * meanwhile takes it when we detach, at once. A VM for which another
 * handler holds the name refuses us (EBUSY): its id stays unknown, and
 * another VM may still be the one.
 */
static struct mvmm_sec *mvmm_pick_vm(const char *dev_path, pid_t pid,
				     unsigned int vm_id, const char *name,
				     const struct mvmm_sec_opts *opts,
				     struct mvmm_pid_vms *v)
{
	unsigned int i, busy = 0, n;
	struct mvmm_sec *s;
	char ids[128];

	if (v->nr == 1 && !vm_id)
		return mvmm_attach_fd(dev_path, v->fds[0], name, opts);
	for (i = 0; i < v->nr; i++) {
		s = mvmm_attach_fd(dev_path, v->fds[i], name, opts);
		if (!s && errno == EBUSY) {
			busy++;
			continue;
		}
		if (!s)
			return NULL;
		v->ids[i] = mvmm_sec_vm_id(s);
		if (vm_id && v->ids[i] == vm_id)
			return s;
		mvmm_sec_detach(s);
	}
	n = mvmm_list_ids(v, ids, sizeof(ids));
	if (!vm_id && n == 1 && !busy) {
		for (i = 0; !v->ids[i]; i++)
			;
		return mvmm_attach_fd(dev_path, v->fds[i], name, opts);
	}
	/* Busy everywhere: the attach's own message and EBUSY say it all. */
	if (!n && busy) {
		errno = EBUSY;
		return NULL;
	}
	mvmm_pick_failed(pid, vm_id, name, v, busy);
	return NULL;
}

struct mvmm_sec *mvmm_sec_attach_pid_dev(const char *dev_path, pid_t pid,
					 unsigned int vm_id, const char *name,
					 const struct mvmm_sec_opts *opts)
{
	struct mvmm_pid_vms v = { 0 };
	struct mvmm_sec *s = NULL;
	int pidfd, ret, err;

	mvmm_attach_msg[0] = '\0';
	/* Before taking anything: the attach would refuse these. */
	if (!name || strlen(name) >= sizeof(((struct mvmm_attach *)0)->name)) {
		mvmm_attach_msgf("invalid handler name");
		errno = EINVAL;
		return NULL;
	}
	if (pid <= 0) {
		mvmm_attach_msgf("invalid pid %d", (int)pid);
		errno = EINVAL;
		return NULL;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		err = errno;
		if (err == ESRCH) {
			mvmm_attach_msgf("no process %d", (int)pid);
		} else if (err == EINVAL || err == ENOENT) {
			/* A thread's id: EINVAL up to 6.12 at least, ENOENT on 6.18. */
			mvmm_attach_msgf("%d is not a process id (a thread's?)",
					 (int)pid);
			err = EINVAL;
		} else {
			mvmm_attach_msgf("pidfd_open(%d): %s", (int)pid,
					 strerror(err));
		}
		errno = err;
		return NULL;
	}
	ret = mvmm_take_vm_fds(pidfd, pid, &v);
	if (ret < 0) {
		err = -ret;
		goto err_close;
	}
	s = mvmm_pick_vm(dev_path, pid, vm_id, name, opts, &v);
	err = errno;
err_close:
	/* The attach holds the VM: our copies of its fds are not needed. */
	mvmm_pid_vms_free(&v);
	close(pidfd);
	errno = err;
	return s;
}

struct mvmm_sec *mvmm_sec_attach_pid(pid_t pid, unsigned int vm_id,
				     const char *name,
				     const struct mvmm_sec_opts *opts)
{
	return mvmm_sec_attach_pid_dev(MVMM_DEV_PATH, pid, vm_id, name, opts);
}

const char *mvmm_sec_attach_error(void)
{
	return mvmm_attach_msg;
}

void mvmm_sec_detach(struct mvmm_sec *s)
{
	int err = errno;

	if (!s)
		return;
	if (s->ring)
		munmap(s->ring, s->map_size);
	if (s->efd >= 0)
		close(s->efd);
	if (s->fd >= 0)
		close(s->fd);
	free(s->answered);
	free(s);
	errno = err;
}

int mvmm_sec_fd(const struct mvmm_sec *s)
{
	return s->fd;
}

int mvmm_sec_eventfd(const struct mvmm_sec *s)
{
	return s->efd;
}

unsigned int mvmm_sec_vm_id(const struct mvmm_sec *s)
{
	return s->vm_id;
}

const struct mvmm_ring *mvmm_sec_ring(const struct mvmm_sec *s)
{
	return s->ring;
}

uint64_t mvmm_sec_obs_dropped(const struct mvmm_sec *s)
{
	return __atomic_load_n(&s->ring->obs_dropped, __ATOMIC_RELAXED);
}

/* Only the run() thread writes a counter: no read-modify-write race. */
static void mvmm_stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

void mvmm_sec_stats(const struct mvmm_sec *s, struct mvmm_sec_stats *st)
{
	st->wakeups = __atomic_load_n(&s->stats.wakeups, __ATOMIC_RELAXED);
	st->signals = __atomic_load_n(&s->stats.signals, __ATOMIC_RELAXED);
	st->served = __atomic_load_n(&s->stats.served, __ATOMIC_RELAXED);
	st->kicks = __atomic_load_n(&s->stats.kicks, __ATOMIC_RELAXED);
}

int mvmm_sec_kstats(struct mvmm_sec *s, struct mvmm_ustats *st)
{
	int ret = s->ioctl(s->fd, MVMM_IOC_STATS, (unsigned long)st);

	return ret ? mvmm_err(-ret) : 0;
}

int mvmm_sec_irq_line(struct mvmm_sec *s, uint32_t gsi, int level,
		      int *status)
{
	struct mvmm_irq_line l = { .gsi = gsi, .level = (uint32_t)level };
	int ret = s->ioctl(s->fd, MVMM_IOC_IRQ_LINE, (unsigned long)&l);

	if (ret)
		return mvmm_err(-ret);
	if (status)
		*status = l.status;
	return 0;
}

int mvmm_sec_msi(struct mvmm_sec *s, uint64_t address, uint32_t data,
		 int *status)
{
	struct mvmm_msi m = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32),
		.data = data,
	};
	int ret = s->ioctl(s->fd, MVMM_IOC_MSI, (unsigned long)&m);

	if (ret)
		return mvmm_err(-ret);
	if (status)
		*status = m.status;
	return 0;
}

static int mvmm_sec_mem(struct mvmm_sec *s, unsigned long cmd, uint64_t gpa,
			const void *buf, uint32_t len)
{
	struct mvmm_mem m = {
		.gpa = gpa,
		.addr = (uint64_t)(uintptr_t)buf,
		.len = len,
	};
	int ret = s->ioctl(s->fd, cmd, (unsigned long)&m);

	return ret ? mvmm_err(-ret) : 0;
}

int mvmm_sec_mem_read(struct mvmm_sec *s, uint64_t gpa, void *buf,
		      uint32_t len)
{
	return mvmm_sec_mem(s, MVMM_IOC_MEM_READ, gpa, buf, len);
}

int mvmm_sec_mem_write(struct mvmm_sec *s, uint64_t gpa, const void *buf,
		       uint32_t len)
{
	return mvmm_sec_mem(s, MVMM_IOC_MEM_WRITE, gpa, buf, len);
}

static struct mvmm_slot *mvmm_sec_slot(struct mvmm_sec *s, uint32_t idx)
{
	return (struct mvmm_slot *)((char *)s->ring + s->slots_offset +
				    (size_t)idx * s->slot_size);
}

/*
 * Copy the request posted in @sl, if any: its seq, or 0 when there is
 * none or it changed while we copied (the kernel withdrew it and posted
 * the next one: the next pass sees that one whole).
 */
static uint64_t mvmm_slot_take(struct mvmm_slot *sl, struct mvmm_request *req)
{
	uint64_t seq;

	/* Pairs with the kernel's store-release of REQUEST. */
	if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != MVMM_SLOT_REQUEST)
		return 0;
	seq = __atomic_load_n(&sl->seq, __ATOMIC_ACQUIRE);
	memcpy(req, &sl->req, sizeof(*req));
	/* The copy is done before seq is looked at again. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&sl->seq, __ATOMIC_RELAXED) != seq ||
	    req->seq != seq)
		return 0;
	return seq;
}

/* Put @ans in @sl for request @seq and wake the vCPU if it sleeps. */
static int mvmm_slot_answer(struct mvmm_sec *s, uint32_t idx,
			    struct mvmm_slot *sl, uint64_t seq,
			    const struct mvmm_answer *ans)
{
	uint32_t state = MVMM_SLOT_REQUEST;

	memcpy(&sl->ans, ans, sizeof(*ans));
	__atomic_store_n(&sl->ans_seq, seq, __ATOMIC_RELAXED);
	/*
	 * Release: the kernel's acquire of ANSWER sees ans and ans_seq. From
	 * REQUEST only: if the request timed out meanwhile, the slot stays
	 * as the kernel left it.
	 */
	if (!__atomic_compare_exchange_n(&sl->state, &state, MVMM_SLOT_ANSWER,
					 false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		return 0;
	/*
	 * Pairs with the kernel's fence between setting sleeping and checking
	 * state: either it sees ANSWER, or we see it sleeping.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&sl->sleeping, __ATOMIC_RELAXED))
		return 0;
	mvmm_stat_add(&s->stats.kicks, 1);
	return s->ioctl(s->fd, MVMM_IOC_KICK, idx);
}

/* Serve slot @idx if it holds a request not served yet: 1, 0 or < 0. */
static int mvmm_sec_serve_slot(struct mvmm_sec *s, uint32_t idx,
			       mvmm_sec_fn fn, void *arg)
{
	struct mvmm_slot *sl = mvmm_sec_slot(s, idx);
	struct mvmm_request req;
	struct mvmm_answer ans;
	uint64_t seq;
	int ret;

	seq = mvmm_slot_take(sl, &req);
	if (!seq || seq == __atomic_load_n(&s->answered[idx], __ATOMIC_RELAXED))
		return 0;
	memset(&ans, 0, sizeof(ans));
	ret = fn(&req, &ans, arg);
	if (ret < 0)
		return ret;
	__atomic_store_n(&s->answered[idx], seq, __ATOMIC_RELAXED);
	mvmm_stat_add(&s->stats.served, 1);
	ret = mvmm_slot_answer(s, idx, sl, seq, &ans);
	return ret < 0 ? mvmm_err(-ret) : 1;
}

/* Hand every observe copy published so far to @fn: count or < 0. */
static int mvmm_sec_serve_obs(struct mvmm_sec *s, mvmm_sec_fn fn, void *arg)
{
	struct mvmm_ring *r = s->ring;
	struct mvmm_request req;
	struct mvmm_answer ans;
	uint32_t head, tail;
	int n = 0, ret;

	/* Pairs with the kernel's store-release of obs_head. */
	head = __atomic_load_n(&r->obs_head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&r->obs_tail, __ATOMIC_RELAXED);
	if (head - tail > s->obs_mask + 1)
		tail = head - (s->obs_mask + 1);
	while (tail != head) {
		memcpy(&req, &s->obs[tail & s->obs_mask], sizeof(req));
		tail++;
		/* The record is copied before the kernel may reuse it. */
		__atomic_store_n(&r->obs_tail, tail, __ATOMIC_RELEASE);
		memset(&ans, 0, sizeof(ans));
		ret = fn(&req, &ans, arg);
		if (ret < 0)
			return ret;
		mvmm_stat_add(&s->stats.served, 1);
		n++;
	}
	return n;
}

int mvmm_sec_poll_once(struct mvmm_sec *s, mvmm_sec_fn fn, void *arg)
{
	uint32_t i, used;
	int n = 0, ret;

	/* Pairs with the kernel's store-release after a slot's first post. */
	used = __atomic_load_n(&s->ring->slots_used, __ATOMIC_ACQUIRE);
	if (used > s->nr_slots)
		used = s->nr_slots;
	for (i = 0; i < used; i++) {
		ret = mvmm_sec_serve_slot(s, i, fn, arg);
		if (ret < 0)
			return ret;
		n += ret;
	}
	ret = mvmm_sec_serve_obs(s, fn, arg);
	if (ret < 0)
		return ret;
	return n + ret;
}

static bool mvmm_sec_stopped(struct mvmm_sec *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE);
}

/*
 * Sleep until the eventfd is signalled (by the kernel or a stop) or a
 * signal comes, and reset its count: a request posted after this read
 * signals again, one posted before it is in the ring already. One
 * syscall; poll() first only if someone made the eventfd O_NONBLOCK.
 */
static int mvmm_sec_wait(struct mvmm_sec *s)
{
	struct pollfd p = { .fd = s->efd, .events = POLLIN };
	uint64_t count;

	while (read(s->efd, &count, sizeof(count)) != sizeof(count)) {
		if (errno == EINTR)
			return 0;
		if (errno != EAGAIN)
			return mvmm_err(errno);
		if (poll(&p, 1, MVMM_SEC_WAIT_MS) < 0)
			return errno == EINTR ? 0 : mvmm_err(errno);
		if (!(p.revents & POLLIN))
			return 0;
	}
	mvmm_stat_add(&s->stats.wakeups, 1);
	mvmm_stat_add(&s->stats.signals, count);
	return 0;
}

static void mvmm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* One idle turn of a polling run(): spin, and now and then let others run. */
static void mvmm_sec_spin(unsigned int *idle)
{
	if (++*idle % MVMM_SEC_SPIN_YIELD)
		mvmm_cpu_relax();
	else
		sched_yield();
}

int mvmm_sec_vm_gone(const struct mvmm_sec *s)
{
	/* Pairs with the kernel's store-release of the flag. */
	return !!(__atomic_load_n(&s->ring->flags, __ATOMIC_ACQUIRE) &
		  MVMM_RING_VM_GONE);
}

int mvmm_sec_run(struct mvmm_sec *s, mvmm_sec_fn fn, void *arg)
{
	unsigned int idle = 0;
	int ret;

	while (!mvmm_sec_stopped(s)) {
		/* Read before the pass: copies posted before it are served. */
		bool gone = mvmm_sec_vm_gone(s);

		ret = mvmm_sec_poll_once(s, fn, arg);
		if (ret < 0)
			return ret;
		/* The end, like read()'s 0: mvmm_sec_vm_gone() says why. */
		if (gone)
			return 0;
		if (s->efd < 0) {
			if (ret)
				idle = 0;
			else
				mvmm_sec_spin(&idle);
			continue;
		}
		/*
		 * Straight back to the eventfd, even after serving: a request
		 * posted since its last read has signalled it again.
		 */
		ret = mvmm_sec_wait(s);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void mvmm_sec_stop(struct mvmm_sec *s)
{
	uint64_t one = 1;
	int err = errno;
	ssize_t n;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	/* Wake a run() sleeping in poll() now rather than at its timeout. */
	if (s->efd >= 0) {
		n = write(s->efd, &one, sizeof(one));
		(void)n;
	}
	errno = err;
}

ssize_t mvmm_sec_read(struct mvmm_sec *s, struct mvmm_request *reqs, size_t n)
{
	ssize_t len;

	if (!n)
		return mvmm_err(EINVAL);
	if (n > SSIZE_MAX / sizeof(*reqs))
		n = SSIZE_MAX / sizeof(*reqs);
	len = read(s->fd, reqs, n * sizeof(*reqs));
	if (len < 0)
		return mvmm_err(errno);
	/* The kernel returns whole records, at least one. */
	if (!len || len % sizeof(*reqs))
		return mvmm_err(EIO);
	return len / sizeof(*reqs);
}

int mvmm_sec_answer(struct mvmm_sec *s, const struct mvmm_request *req,
		    const struct mvmm_answer *ans)
{
	struct mvmm_reply r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.seq = req->seq;
	r.vcpu_idx = req->vcpu_idx;
	r.ans = *ans;
	ret = s->ioctl(s->fd, MVMM_IOC_ANSWER, (unsigned long)&r);
	if (ret)
		return mvmm_err(-ret);
	/* Answered: a ring pass must not serve it again. */
	if (req->vcpu_idx < s->nr_slots)
		__atomic_store_n(&s->answered[req->vcpu_idx], req->seq,
				 __ATOMIC_RELAXED);
	return 0;
}

void mvmm_ans_handled(struct mvmm_answer *a, uint64_t value)
{
	a->action = MVMM_ACT_HANDLED;
	a->value = value;
}

void mvmm_ans_inject(struct mvmm_answer *a, unsigned int vector,
		     int has_error_code, uint32_t error_code)
{
	a->action = MVMM_ACT_INJECT;
	a->vector = vector;
	a->has_error_code = !!has_error_code;
	a->error_code = has_error_code ? error_code : 0;
}

void mvmm_ans_gpr(struct mvmm_answer *a, unsigned int gpr, uint64_t value)
{
	if (gpr >= MVMM_NR_GPRS)
		return;
	a->gprs[gpr] = value;
	a->gpr_mask |= 1U << gpr;
}

void mvmm_ans_rip(struct mvmm_answer *a, uint64_t rip)
{
	a->rip = rip;
	a->gpr_mask |= MVMM_ANS_RIP;
}

int mvmm_send_fd(int sock, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	if (fd < 0)
		return mvmm_err(EBADF);
	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? mvmm_err(errno) : 0;
}

/* The first fd of @msg's SCM_RIGHTS; any other one received is closed. */
static int mvmm_cmsg_fd(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int fd = -1, i, nfds, *fds;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (i = 0; i < nfds; i++) {
			int f;

			memcpy(&f, &fds[i], sizeof(f));
			if (fd < 0)
				fd = f;
			else
				close(f);
		}
	}
	return fd;
}

int mvmm_recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return mvmm_err(errno);
	if (!n)
		return mvmm_err(ECONNRESET);
	fd = mvmm_cmsg_fd(&msg);
	if (msg.msg_flags & MSG_CTRUNC) {
		/* More fds than we asked for: the kernel closed the rest. */
		if (fd >= 0)
			close(fd);
		return mvmm_err(EBADMSG);
	}
	return fd < 0 ? mvmm_err(EBADMSG) : fd;
}

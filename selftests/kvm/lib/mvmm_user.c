// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace secondaries for tests: a secondary in its own process, and
 * the device model it answers with (see mvmm_user.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "libmvmm.h"
#include "mvmm_user.h"

/* ---- the device model -------------------------------------------------- */

#define SP_INC(x)	__atomic_fetch_add(&(x), 1, __ATOMIC_RELEASE)

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* MMIO: the stream, which checks that it is accessed in order. */
static void model_sink(const struct mvmm_request *req,
		       struct mvmm_answer *ans, struct mvmm_sp_shm *shm)
{
	uint64_t off = req->ev.qual - MVMM_SP_SINK_BASE, v = 0, *next;
	unsigned int i;

	if (req->ev.flags & MVMM_EVF_WRITE) {
		next = shm ? &shm->sink_wr : NULL;
	} else {
		next = shm ? &shm->sink_rd : NULL;
		for (i = 0; i < req->ev.size; i++)
			v |= (uint64_t)MVMM_SP_SINK_BYTE(off + i) << (8 * i);
	}
	if (next) {
		if (off != *next)
			SP_INC(shm->sink_bad);
		SP_SET(*next, off + req->ev.size);
	}
	mvmm_ans_handled(ans, v);
}

/* MMIO: the register file, byte-addressed. */
static bool model_mmio(const struct mvmm_request *req,
		       struct mvmm_answer *ans, struct mvmm_sp_shm *shm)
{
	uint64_t off = req->ev.qual - MVMM_SP_MMIO_BASE;
	unsigned int size = req->ev.size, shift = 8 * (off & 7);
	uint64_t mask = size_mask(size), init, *reg;

	if (req->ev.qual >= MVMM_SP_SINK_BASE &&
	    req->ev.qual < MVMM_SP_SINK_BASE + MVMM_SP_SINK_LEN) {
		model_sink(req, ans, shm);
		return true;
	}
	if (req->ev.qual < MVMM_SP_MMIO_BASE ||
	    off >= 8 * MVMM_SP_MMIO_REGS || (off & 7) + size > 8)
		return false;
	/* Without a shared page: the registers as they start. */
	init = MVMM_SP_MMIO_INIT(off / 8);
	reg = shm ? &shm->mmio[off / 8] : &init;
	if (req->ev.flags & MVMM_EVF_WRITE) {
		*reg = (*reg & ~(mask << shift)) |
		       ((req->data & mask) << shift);
		if (shm)
			SP_INC(shm->mmio_writes);
		mvmm_ans_handled(ans, 0);
	} else {
		if (shm)
			SP_INC(shm->mmio_reads);
		mvmm_ans_handled(ans, (*reg >> shift) & mask);
	}
	return true;
}

bool mvmm_sp_model(const struct mvmm_request *req, struct mvmm_answer *ans,
		   struct mvmm_sp_shm *shm)
{
	const struct mvmm_event *ev = &req->ev;
	bool write = ev->flags & MVMM_EVF_WRITE;
	uint64_t nr;

	memset(ans, 0, sizeof(*ans));
	switch (ev->type) {
	case MVMM_EV_IO:	/* string IO: an element at a time */
		if (write && shm && SP_GET(shm->main_out))
			return false;
		if (!write) {
			mvmm_ans_handled(ans, MVMM_SP_IN(ev->qual));
			return true;
		}
		if (shm) {
			SP_SET(shm->out_last, req->data);
			SP_INC(shm->out_count);
		}
		mvmm_ans_handled(ans, 0);
		return true;
	case MVMM_EV_MMIO:
		return model_mmio(req, ans, shm);
	case MVMM_EV_MSR_READ:
		mvmm_ans_handled(ans, MVMM_SP_MSR(ev->qual));
		return true;
	case MVMM_EV_MSR_WRITE:
		if (shm) {
			SP_SET(shm->msr_last,
			       (req->gprs[MVMM_GPR_RDX] << 32) |
			       (uint32_t)req->gprs[MVMM_GPR_RAX]);
			SP_INC(shm->msr_count);
		}
		mvmm_ans_handled(ans, 0);
		return true;
	case MVMM_EV_CPUID:
		mvmm_ans_handled(ans, 0);
		ans->gpr_mask = 1U << MVMM_GPR_RAX | 1U << MVMM_GPR_RBX |
				1U << MVMM_GPR_RCX | 1U << MVMM_GPR_RDX;
		ans->gprs[MVMM_GPR_RAX] = (uint32_t)ev->qual;
		ans->gprs[MVMM_GPR_RBX] = (uint32_t)~ev->qual;
		ans->gprs[MVMM_GPR_RCX] = MVMM_SP_CPUID_ECX ^ (uint32_t)ev->sub;
		ans->gprs[MVMM_GPR_RDX] = (uint32_t)ev->sub;
		return true;
	case MVMM_EV_HLT:
		mvmm_ans_handled(ans, 0);
		return true;
	case MVMM_EV_HYPERCALL:
		nr = ev->qual;
		mvmm_ans_handled(ans, MVMM_SP_HC(nr));
		if (nr & 1) {
			ans->value = 0;
			ans->gpr_mask = 1U << MVMM_GPR_RAX |
					1U << MVMM_GPR_RBX |
					1U << MVMM_GPR_RCX;
			ans->gprs[MVMM_GPR_RAX] = MVMM_SP_HC(nr);
			ans->gprs[MVMM_GPR_RBX] = ~nr;
			ans->gprs[MVMM_GPR_RCX] = req->gprs[MVMM_GPR_RCX] + 1;
		}
		return true;
	default:
		return false;
	}
}

/* ---- a secondary in another process ------------------------------------ */

int mvmm_count_vm_fds(void)
{
	char path[300], link[64];
	struct dirent *d;
	int n = 0;
	ssize_t len;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!strcmp(link, "anon_inode:kvm-vm"))
			n++;
	}
	closedir(dir);
	return n;
}

/* Close every descriptor but stdio and @keep. */
static void close_all_but(int keep)
{
	int fd, max = sysconf(_SC_OPEN_MAX);

	for (fd = 3; fd < max && fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

int mvmm_sp_fork(struct mvmm_sp *p, size_t shm_size, mvmm_sp_fn fn,
		 void *arg)
{
	int sv[2], ret;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->sock = -1;
	p->shm_size = shm_size ? shm_size : sizeof(struct mvmm_sp_shm);
	p->shm = mmap(NULL, p->shm_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->shm == MAP_FAILED) {
		p->shm = NULL;
		return -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!p->pid) {
		struct mvmm_sp_shm *shm = p->shm;

		/* Die with the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close_all_but(sv[1]);
		/* Only the generic page has the field; @fn may check itself. */
		if (!shm_size)
			shm->kvm_fds_at_start = mvmm_count_vm_fds();
		_exit(fn(sv[1], p->shm, arg));
	}
	close(sv[1]);
	p->sock = sv[0];
	return 0;
}

int mvmm_sp_wait(struct mvmm_sp *p)
{
	int status;

	if (p->pid <= 0)
		return -ECHILD;
	if (waitpid(p->pid, &status, 0) < 0)
		return -errno;
	p->pid = -1;
	return status;
}

int mvmm_sp_kill(struct mvmm_sp *p)
{
	if (p->pid <= 0)
		return -ECHILD;
	kill(p->pid, SIGKILL);
	return mvmm_sp_wait(p);
}

void mvmm_sp_free(struct mvmm_sp *p)
{
	if (p->pid > 0)
		mvmm_sp_kill(p);
	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	if (p->shm)
		munmap(p->shm, p->shm_size);
	p->shm = NULL;
}

int mvmm_sp_call(struct mvmm_sp *p, struct mvmm_sp_msg *m, int fd)
{
	ssize_t n;

	if (send(p->sock, m, sizeof(*m), MSG_NOSIGNAL) != sizeof(*m))
		return -errno ?: -EPIPE;
	if (fd >= 0 && mvmm_send_fd(p->sock, fd) < 0)
		return -errno ?: -EPIPE;
	n = recv(p->sock, m, sizeof(*m), 0);
	if (n != sizeof(*m))
		return n < 0 ? -errno : -EPIPE;
	return m->err;
}

int mvmm_sp_op(struct mvmm_sp *p, uint32_t op, uint64_t arg)
{
	struct mvmm_sp_msg m = { .op = op, .arg = arg };

	return mvmm_sp_call(p, &m, -1);
}

/* ---- the generic secondary ---------------------------------------------- */

struct server {
	struct mvmm_sp_shm *shm;
	int vm_fd;		/* held */
	int raw_fd;		/* MVMM_SP_OPEN */
	void *raw_ring;		/* MVMM_SP_MMAP */
	size_t raw_ring_size;
	uint64_t raw_mmap_size;	/* from the raw attach */
	int raw_efd;		/* the eventfd of the raw attach */
	int kept[MVMM_SP_KEPT_MAX];	/* MVMM_SP_KEEP */
	int nr_kept;
	struct mvmm_sec *sec;	/* MVMM_SP_ATTACH */
	pthread_t thread;
	bool serving;
	int path;
	int stop;		/* __atomic: stop serving */
	int serve_ret;
};

/* The file the commands act on: the library's, else the raw one. */
static int active_fd(struct server *sv)
{
	return sv->sec ? mvmm_sec_fd(sv->sec) : sv->raw_fd;
}

static const struct mvmm_ring *active_ring(struct server *sv)
{
	return sv->sec ? mvmm_sec_ring(sv->sec) : sv->raw_ring;
}

static void record(struct server *sv, const struct mvmm_request *req)
{
	struct mvmm_sp_shm *shm = sv->shm;

	if (req->flags & MVMM_REQF_OBSERVE) {
		SP_INC(shm->observed);
		return;
	}
	if (req->vm_id != shm->attached_vm)
		SP_INC(shm->bad_vm);
	if (req->seq <= shm->last_seq)
		SP_INC(shm->bad_seq);
	shm->last = *req;
	SP_SET(shm->last_seq, req->seq);
	if (req->ev.type <= MVMM_EV_MAX)
		SP_INC(shm->by_type[req->ev.type]);
	SP_INC(shm->requests);
}

/* While the test holds requests back: wait. */
static void hold(struct server *sv)
{
	uint32_t delay = SP_GET(sv->shm->delay_ms);

	if (delay)
		usleep(delay * 1000);
	if (!SP_GET(sv->shm->hold))
		return;
	SP_SET(sv->shm->holding, 1);
	while (SP_GET(sv->shm->hold) && !SP_GET(sv->stop))
		usleep(1000);
	SP_SET(sv->shm->holding, 0);
}

static int model_cb(const struct mvmm_request *req, struct mvmm_answer *ans,
		    void *arg)
{
	struct server *sv = arg;

	record(sv, req);
	if (req->flags & MVMM_REQF_OBSERVE)
		return 0;
	hold(sv);
	mvmm_sp_model(req, ans, sv->shm);
	SP_INC(sv->shm->answered);
	return 0;
}

/* The read()/ioctl path: poll so that a stop is seen. */
static int serve_read(struct server *sv)
{
	struct mvmm_request reqs[16];
	struct mvmm_answer ans;
	struct pollfd pfd = { .fd = mvmm_sec_fd(sv->sec), .events = POLLIN };
	ssize_t n, i;
	int ret;

	while (!SP_GET(sv->stop)) {
		ret = poll(&pfd, 1, 20);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		n = mvmm_sec_read(sv->sec, reqs, 16);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			record(sv, &reqs[i]);
			if ((reqs[i].flags & MVMM_REQF_OBSERVE) ||
			    SP_GET(sv->shm->silent))
				continue;
			hold(sv);
			mvmm_sp_model(&reqs[i], &ans, sv->shm);
			/* Counted first: the guest may go on at once. */
			SP_INC(sv->shm->answered);
			ret = mvmm_sec_answer(sv->sec, &reqs[i], &ans);
			if (ret) {
				__atomic_fetch_sub(&sv->shm->answered, 1,
						   __ATOMIC_RELEASE);
				SP_INC(sv->shm->answer_errors);
				sv->shm->last_answer_err = ret;
			}
		}
	}
	return 0;
}

static void *serve_thread(void *arg)
{
	struct server *sv = arg;

	if (sv->path == MVMM_SP_READPATH)
		sv->serve_ret = serve_read(sv);
	else
		sv->serve_ret = mvmm_sec_run(sv->sec, model_cb, sv);
	return NULL;
}

static int serve_stop(struct server *sv)
{
	if (!sv->serving)
		return -ENOENT;
	SP_SET(sv->stop, 1);
	if (sv->path == MVMM_SP_RINGPATH)
		mvmm_sec_stop(sv->sec);
	pthread_join(sv->thread, NULL);
	sv->serving = false;
	return sv->serve_ret < 0 ? sv->serve_ret : 0;
}

static int fd_for(struct server *sv, int sel, int *tmp)
{
	int p[2];

	*tmp = -1;
	switch (sel) {
	case MVMM_SP_FD_HELD:
		return sv->vm_fd;
	case MVMM_SP_FD_NEW:
		*tmp = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		return *tmp;
	case MVMM_SP_FD_PIPE:
		if (pipe(p))
			return -1;
		close(p[1]);
		*tmp = p[0];
		return p[0];
	case MVMM_SP_FD_CLOSED:
		/* Not a number just freed: the next open would take it. */
		for (p[0] = 999; fcntl(p[0], F_GETFD) != -1; p[0]--)
			;
		return p[0];
	case MVMM_SP_FD_DEVKVM:
		*tmp = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		return *tmp;
	default:
		return sel;
	}
}

static int do_attach_raw(struct server *sv, struct mvmm_sp_msg *m)
{
	int vtmp, etmp, ret;

	m->att.vm_fd = fd_for(sv, m->vm_fd, &vtmp);
	m->att.eventfd = fd_for(sv, m->efd, &etmp);
	ret = ioctl(sv->raw_fd, MVMM_IOC_ATTACH, &m->att) ? -errno : 0;
	if (vtmp >= 0)
		close(vtmp);
	if (!ret) {
		sv->raw_mmap_size = m->att.mmap_size;
		sv->shm->attached_vm = m->att.vm_id;
		/* The kernel holds its own reference to the eventfd. */
		if (etmp >= 0 && m->efd == MVMM_SP_FD_NEW) {
			if (sv->raw_efd >= 0)
				close(sv->raw_efd);
			sv->raw_efd = etmp;
			etmp = -1;
		}
	}
	if (etmp >= 0)
		close(etmp);
	return ret;
}

static int do_mmap(struct server *sv, struct mvmm_sp_msg *m)
{
	size_t len = m->arg ? m->arg : sv->raw_mmap_size;
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sv->raw_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (sv->raw_ring)
		munmap(sv->raw_ring, sv->raw_ring_size);
	sv->raw_ring = p;
	sv->raw_ring_size = len;
	return 0;
}

static int do_attach(struct server *sv, struct mvmm_sp_msg *m)
{
	struct mvmm_sec_opts o = {
		.flags = m->flags, .timeout_ms = m->timeout_ms,
		.poll_us = m->poll_us, .obs_entries = m->obs_entries,
	};

	if (sv->sec)
		return -EBUSY;
	sv->sec = mvmm_sec_attach(sv->vm_fd, m->name, &o);
	if (!sv->sec)
		return -errno;
	sv->shm->attached_vm = mvmm_sec_vm_id(sv->sec);
	sv->shm->last_seq = 0;
	return 0;
}

/* One request through read(), waiting up to m->arg ms. */
static int do_next(struct server *sv, struct mvmm_sp_msg *m)
{
	struct pollfd pfd = { .fd = active_fd(sv), .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, m->arg);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	n = read(pfd.fd, &m->req, sizeof(m->req));
	if (n < 0)
		return -errno;
	if (n != sizeof(m->req))
		return -EIO;
	record(sv, &m->req);
	return 0;
}

static int do_drain(struct server *sv, struct mvmm_sp_msg *m)
{
	struct mvmm_request reqs[16];
	int fd = active_fd(sv), fl;
	ssize_t n, i;

	m->n_sync = m->n_obs = m->obs_bad = 0;
	m->obs_seq_min = ~0ULL;
	m->obs_seq_max = 0;
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		n = read(fd, reqs, sizeof(reqs));
		if (n <= 0)
			break;
		for (i = 0; i < n / (ssize_t)sizeof(reqs[0]); i++) {
			record(sv, &reqs[i]);
			if (!(reqs[i].flags & MVMM_REQF_OBSERVE)) {
				m->n_sync++;
				continue;
			}
			m->n_obs++;
			if (reqs[i].seq < m->obs_seq_min)
				m->obs_seq_min = reqs[i].seq;
			if (reqs[i].seq > m->obs_seq_max)
				m->obs_seq_max = reqs[i].seq;
		}
	}
	fcntl(fd, F_SETFL, fl);
	return n < 0 && errno != EAGAIN ? -errno : 0;
}

/* Answer through the ring by hand, as libmvmm would (uapi ordering). */
static int do_ring_answer(struct server *sv, struct mvmm_sp_msg *m)
{
	const struct mvmm_ring *r = active_ring(sv);
	uint32_t idx = m->reply.vcpu_idx, expect = MVMM_SLOT_REQUEST;
	struct mvmm_slot *slot;

	if (!r)
		return -ENXIO;
	if (idx >= r->nr_slots)
		return -EINVAL;
	slot = (void *)((char *)r + r->slots_offset + idx * r->slot_size);
	memcpy(&slot->ans, &m->reply.ans, sizeof(slot->ans));
	slot->ans_seq = m->reply.seq;
	if (!__atomic_compare_exchange_n(&slot->state, &expect,
					 MVMM_SLOT_ANSWER, false,
					 __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&slot->sleeping, __ATOMIC_RELAXED) &&
	    ioctl(active_fd(sv), MVMM_IOC_KICK, idx))
		return -errno;
	return 0;
}

static int do_slot(struct server *sv, struct mvmm_sp_msg *m)
{
	const struct mvmm_ring *r = active_ring(sv);

	if (!r)
		return -ENXIO;
	if (m->arg >= r->nr_slots)
		return -EINVAL;
	memcpy(&m->slot, (const char *)r + r->slots_offset +
	       m->arg * r->slot_size, sizeof(m->slot));
	m->slot.state = __atomic_load_n((const uint32_t *)((const char *)r +
				r->slots_offset + m->arg * r->slot_size),
				__ATOMIC_ACQUIRE);
	return 0;
}

static int do_eventfd(struct server *sv, struct mvmm_sp_msg *m)
{
	int efd = sv->sec ? mvmm_sec_eventfd(sv->sec) : sv->raw_efd;
	int fl, ret = 0;
	uint64_t v = 0;

	m->n_sync = 0;
	if (efd < 0)
		return -ENOENT;
	fl = fcntl(efd, F_GETFL);
	fcntl(efd, F_SETFL, fl | O_NONBLOCK);
	if (read(efd, &v, sizeof(v)) != sizeof(v))
		ret = errno == EAGAIN ? 0 : -errno;
	fcntl(efd, F_SETFL, fl);
	m->n_sync = v;
	return ret;
}

static int do_op(struct server *sv, struct mvmm_sp_msg *m, int sock)
{
	int fd;

	switch (m->op) {
	case MVMM_SP_VM:
		fd = mvmm_recv_fd(sock);
		if (fd < 0)
			return -errno;
		if (sv->vm_fd >= 0)
			close(sv->vm_fd);
		sv->vm_fd = fd;
		m->ret = mvmm_count_vm_fds();
		return 0;
	case MVMM_SP_DROP_VM:
		if (sv->vm_fd >= 0)
			close(sv->vm_fd);
		sv->vm_fd = -1;
		return 0;
	case MVMM_SP_SETUID:
		if (setgroups(0, NULL) || setresgid(m->arg, m->arg, m->arg) ||
		    setresuid(m->arg, m->arg, m->arg))
			return -errno;
		/* Keep /proc/self/fd readable (mvmm_count_vm_fds). */
		prctl(PR_SET_DUMPABLE, 1);
		return 0;
	case MVMM_SP_OPEN:
		fd = open("/dev/" MVMM_DEV_NAME, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (sv->raw_fd >= 0)
			close(sv->raw_fd);
		sv->raw_fd = fd;
		return 0;
	case MVMM_SP_CLOSE:
		if (sv->raw_ring)
			munmap(sv->raw_ring, sv->raw_ring_size);
		sv->raw_ring = NULL;
		if (sv->raw_fd >= 0)
			close(sv->raw_fd);
		sv->raw_fd = -1;
		return 0;
	case MVMM_SP_KEEP:
		if (sv->raw_fd < 0 || sv->raw_ring)
			return -EBADF;
		if (sv->nr_kept == MVMM_SP_KEPT_MAX)
			return -EMFILE;
		sv->kept[sv->nr_kept++] = sv->raw_fd;
		sv->raw_fd = -1;
		return 0;
	case MVMM_SP_UNKEEP:
		while (sv->nr_kept)
			close(sv->kept[--sv->nr_kept]);
		return 0;
	case MVMM_SP_ATTACH_RAW:
		return do_attach_raw(sv, m);
	case MVMM_SP_IOCTL:
		m->ret = ioctl(active_fd(sv), (unsigned long)m->arg, &m->reply);
		return m->ret < 0 ? -errno : 0;
	case MVMM_SP_READ: {
		char *buf = calloc(1, m->arg + 1);
		int fl;

		fd = active_fd(sv);
		fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		m->ret = read(fd, buf, m->arg);
		m->err = m->ret < 0 ? -errno : 0;
		fcntl(fd, F_SETFL, fl);
		if (m->ret >= (ssize_t)sizeof(m->req))
			memcpy(&m->req, buf, sizeof(m->req));
		free(buf);
		return m->err;
	}
	case MVMM_SP_MMAP:
		return do_mmap(sv, m);
	case MVMM_SP_ATTACH:
		return do_attach(sv, m);
	case MVMM_SP_DETACH:
		serve_stop(sv);
		if (!sv->sec)
			return -ENOTCONN;
		mvmm_sec_detach(sv->sec);
		sv->sec = NULL;
		return 0;
	case MVMM_SP_SERVE:
		if (!sv->sec)
			return -ENOTCONN;
		if (sv->serving)
			return -EBUSY;
		sv->path = m->arg;
		SP_SET(sv->stop, 0);
		sv->serving = !pthread_create(&sv->thread, NULL, serve_thread,
					      sv);
		return sv->serving ? 0 : -EAGAIN;
	case MVMM_SP_STOP:
		return serve_stop(sv);
	case MVMM_SP_NEXT:
		return do_next(sv, m);
	case MVMM_SP_ANSWER:
		return ioctl(active_fd(sv), MVMM_IOC_ANSWER, &m->reply) ?
		       -errno : 0;
	case MVMM_SP_DRAIN:
		return do_drain(sv, m);
	case MVMM_SP_RING:
		if (!active_ring(sv))
			return -ENXIO;
		memcpy(&m->ring, active_ring(sv), sizeof(m->ring));
		return 0;
	case MVMM_SP_SLOT:
		return do_slot(sv, m);
	case MVMM_SP_RING_ANSWER:
		return do_ring_answer(sv, m);
	case MVMM_SP_POLL: {
		struct pollfd pfd = { .fd = active_fd(sv), .events = POLLIN };

		m->ret = poll(&pfd, 1, m->arg);
		if (m->ret < 0)
			return -errno;
		m->ret = m->ret ? pfd.revents : 0;
		return 0;
	}
	case MVMM_SP_EVENTFD:
		return do_eventfd(sv, m);
	case MVMM_SP_KICK:
		return ioctl(active_fd(sv), MVMM_IOC_KICK, (unsigned long)m->arg) ?
		       -errno : 0;
	default:
		return -EINVAL;
	}
}

int mvmm_sp_server(int sock, void *shm, void *arg)
{
	struct server sv = {
		.shm = shm, .vm_fd = -1, .raw_fd = -1, .raw_efd = -1,
	};
	struct mvmm_sp_msg m;
	int i;

	for (i = 0; i < MVMM_SP_MMIO_REGS; i++)
		sv.shm->mmio[i] = MVMM_SP_MMIO_INIT(i);
	while (recv(sock, &m, sizeof(m), 0) == sizeof(m)) {
		bool quit = m.op == MVMM_SP_QUIT;

		m.err = quit ? 0 : do_op(&sv, &m, sock);
		if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m) ||
		    quit)
			break;
	}
	if (sv.serving)
		serve_stop(&sv);
	if (sv.sec)
		mvmm_sec_detach(sv.sec);
	return 0;
}

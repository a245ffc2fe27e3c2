/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake of mvmm's side of the /dev/mvmm ring, for libmvmm's host tests.
 *
 * It lays the ring out as the module does and follows the memory-ordering
 * rules of "Userspace secondaries" in uapi/linux/mvmm.h: post a request
 * (seq and req, then store-release REQUEST), wait for the answer (spin,
 * then set sleeping, full fence, re-check state, sleep until kicked),
 * publish observe copies (record, then store-release obs_head; drop and
 * count when full). It stands in for the kernel only in what the library
 * can see; it is no model of KVM or of the module.
 *
 * Include after libmvmm.c (it builds a struct mvmm_sec by hand).
 */
#ifndef MVMM_FAKE_KERNEL_H
#define MVMM_FAKE_KERNEL_H

#include <pthread.h>
#include <time.h>

#define FAKE_ALIGN(x, a)	(((x) + (a) - 1) & ~((size_t)(a) - 1))
#define FAKE_MAX_SLOTS		16

struct fake {
	struct mvmm_sec *s;
	struct mvmm_ring *ring;
	uint32_t nr_slots;
	uint64_t seq;			/* __atomic: last seq given */

	pthread_mutex_t lock;		/* the fields below, slots_used */
	pthread_cond_t kicked;
	unsigned long kicks[FAKE_MAX_SLOTS];
	unsigned long kicks_total;
	unsigned long stale;		/* answers with a wrong ans_seq */
	struct mvmm_reply reply;	/* the last MVMM_IOC_ANSWER */
	unsigned long replies;
	int answer_ret;			/* what MVMM_IOC_ANSWER returns */
	struct mvmm_irq_line irq;	/* the last MVMM_IOC_IRQ_LINE */
	struct mvmm_msi msi;		/* the last MVMM_IOC_MSI */
	int irq_ret;			/* what both return */
	int irq_status;			/* the status they report */
	struct mvmm_mem mem;		/* the last MVMM_IOC_MEM_READ/WRITE */
	unsigned long mem_cmd;		/* which of the two */
	int mem_ret;			/* what they return */

	pthread_mutex_t obs_lock;	/* observe producers */
	uint32_t obs_head;
	uint64_t obs_dropped;
};

/* The ioctl hook has no context of its own: one fake at a time. */
static struct fake *the_fake;

static int fake_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct fake *f = the_fake;
	int ret = 0;

	(void)fd;
	pthread_mutex_lock(&f->lock);
	if (cmd == MVMM_IOC_KICK && arg < f->nr_slots) {
		f->kicks[arg]++;
		f->kicks_total++;
		pthread_cond_broadcast(&f->kicked);
	} else if (cmd == MVMM_IOC_KICK) {
		ret = -EINVAL;
	} else if (cmd == MVMM_IOC_ANSWER) {
		memcpy(&f->reply, (void *)arg, sizeof(f->reply));
		f->replies++;
		ret = f->answer_ret;
	} else if (cmd == MVMM_IOC_IRQ_LINE) {
		memcpy(&f->irq, (void *)arg, sizeof(f->irq));
		((struct mvmm_irq_line *)arg)->status = f->irq_status;
		ret = f->irq_ret;
	} else if (cmd == MVMM_IOC_MSI) {
		memcpy(&f->msi, (void *)arg, sizeof(f->msi));
		((struct mvmm_msi *)arg)->status = f->irq_status;
		ret = f->irq_ret;
	} else if (cmd == MVMM_IOC_MEM_READ || cmd == MVMM_IOC_MEM_WRITE) {
		memcpy(&f->mem, (void *)arg, sizeof(f->mem));
		f->mem_cmd = cmd;
		ret = f->mem_ret;
	} else {
		ret = -ENOTTY;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* A ring as the module lays it out; @poll: no eventfd. NULL on failure. */
static struct fake *fake_new(uint32_t nr_slots, uint32_t obs_entries,
			     bool poll)
{
	size_t slot_size = FAKE_ALIGN(sizeof(struct mvmm_slot), 64);
	size_t slots_offset = FAKE_ALIGN(sizeof(struct mvmm_ring), 64);
	size_t obs_offset = FAKE_ALIGN(slots_offset + nr_slots * slot_size, 64);
	size_t size = FAKE_ALIGN(obs_offset +
				 obs_entries * sizeof(struct mvmm_request), 4096);
	struct fake *f = calloc(1, sizeof(*f));
	struct mvmm_ring *r;

	if (!f || nr_slots > FAKE_MAX_SLOTS)
		return NULL;
	r = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	r->version = MVMM_RING_VERSION;
	r->nr_slots = nr_slots;
	r->slot_size = slot_size;
	r->slots_offset = slots_offset;
	r->obs_entries = obs_entries;
	r->obs_offset = obs_offset;

	f->s = mvmm_sec_alloc();
	if (!f->s || mvmm_sec_setup(f->s, r, size))
		return NULL;
	f->s->ioctl = fake_ioctl;
	if (!poll)
		f->s->efd = eventfd(0, EFD_CLOEXEC);	/* as the library does */
	f->ring = r;
	f->nr_slots = nr_slots;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->kicked, NULL);
	pthread_mutex_init(&f->obs_lock, NULL);
	the_fake = f;
	return f;
}

static void fake_free(struct fake *f)
{
	mvmm_sec_detach(f->s);	/* unmaps the ring, closes the eventfd */
	the_fake = NULL;
	free(f);
}

static struct mvmm_slot *fake_slot(struct fake *f, uint32_t idx)
{
	return (struct mvmm_slot *)((char *)f->ring + f->ring->slots_offset +
				    (size_t)idx * f->ring->slot_size);
}

static void fake_notify(struct fake *f)
{
	uint64_t one = 1;

	if (f->s->efd >= 0 && write(f->s->efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* Post @req in slot @idx, as mvmm_usersec_post() does: its seq. */
static uint64_t fake_post(struct fake *f, uint32_t idx,
			  const struct mvmm_request *req)
{
	struct mvmm_slot *sl = fake_slot(f, idx);
	uint64_t seq = __atomic_add_fetch(&f->seq, 1, __ATOMIC_RELAXED);

	__atomic_store_n(&sl->seq, seq, __ATOMIC_RELAXED);
	sl->req = *req;
	sl->req.seq = seq;
	sl->req.vcpu_idx = idx;
	__atomic_store_n(&sl->sleeping, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->state, MVMM_SLOT_REQUEST, __ATOMIC_RELEASE);
	pthread_mutex_lock(&f->lock);
	if (idx >= f->ring->slots_used)
		__atomic_store_n(&f->ring->slots_used, idx + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&f->lock);
	fake_notify(f);
	return seq;
}

/* The request is over: answered, timed out or withdrawn. */
static void fake_retire(struct fake *f, uint32_t idx)
{
	__atomic_store_n(&fake_slot(f, idx)->state, MVMM_SLOT_IDLE,
			 __ATOMIC_RELEASE);
}

/*
 * Is @seq answered? 1 with @ans filled (slot retired), 0 if not. A wrong
 * ans_seq sends the slot back to REQUEST, as the module does.
 */
static int fake_check(struct fake *f, uint32_t idx, uint64_t seq,
		      struct mvmm_answer *ans)
{
	struct mvmm_slot *sl = fake_slot(f, idx);
	uint32_t state = MVMM_SLOT_ANSWER;

	if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != MVMM_SLOT_ANSWER)
		return 0;
	if (__atomic_load_n(&sl->ans_seq, __ATOMIC_RELAXED) == seq) {
		memcpy(ans, &sl->ans, sizeof(*ans));
		fake_retire(f, idx);
		return 1;
	}
	__atomic_compare_exchange_n(&sl->state, &state, MVMM_SLOT_REQUEST,
				    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	pthread_mutex_lock(&f->lock);
	f->stale++;
	pthread_mutex_unlock(&f->lock);
	fake_notify(f);
	return 0;
}

static void fake_deadline(struct timespec *t, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* Sleep until kicked (or @until), unless a kick came since @seen. */
static int fake_sleep(struct fake *f, uint32_t idx, unsigned long seen,
		      const struct timespec *until)
{
	int ret = 0;

	pthread_mutex_lock(&f->lock);
	while (f->kicks[idx] == seen && !ret)
		ret = pthread_cond_timedwait(&f->kicked, &f->lock, until);
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/*
 * Wait for the answer to @seq in slot @idx as a vCPU does: spin @spin
 * times, then sleep until kicked. 0, or -ETIMEDOUT after @timeout_ms (the
 * slot is retired then).
 */
static int fake_wait(struct fake *f, uint32_t idx, uint64_t seq,
		     struct mvmm_answer *ans, unsigned int spin,
		     unsigned int timeout_ms)
{
	struct mvmm_slot *sl = fake_slot(f, idx);
	struct timespec until;
	unsigned long seen;
	unsigned int i;

	for (i = 0; i < spin; i++)
		if (fake_check(f, idx, seq, ans))
			return 0;
	fake_deadline(&until, timeout_ms);
	for (;;) {
		pthread_mutex_lock(&f->lock);
		seen = f->kicks[idx];
		pthread_mutex_unlock(&f->lock);
		__atomic_store_n(&sl->sleeping, 1, __ATOMIC_RELAXED);
		/* Pairs with the library's fence between ANSWER and sleeping. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (fake_check(f, idx, seq, ans))
			break;
		/*
		 * Timed out: even if the answer is there by now, nobody woke
		 * us, and a real vCPU would have taken the fallback.
		 */
		if (fake_sleep(f, idx, seen, &until) == ETIMEDOUT) {
			fake_retire(f, idx);
			__atomic_store_n(&sl->sleeping, 0, __ATOMIC_RELAXED);
			return -ETIMEDOUT;
		}
	}
	__atomic_store_n(&sl->sleeping, 0, __ATOMIC_RELAXED);
	return 0;
}

/* Publish an observe copy, or drop and count it: 0 or -ENOSPC. */
static int fake_observe(struct fake *f, const struct mvmm_request *req)
{
	struct mvmm_ring *r = f->ring;
	struct mvmm_request *rec;
	uint32_t head, tail;

	pthread_mutex_lock(&f->obs_lock);
	head = f->obs_head;
	tail = __atomic_load_n(&r->obs_tail, __ATOMIC_ACQUIRE);
	if (head - tail >= r->obs_entries) {
		__atomic_store_n(&r->obs_dropped, ++f->obs_dropped,
				 __ATOMIC_RELAXED);
		pthread_mutex_unlock(&f->obs_lock);
		return -ENOSPC;
	}
	rec = (struct mvmm_request *)((char *)r + r->obs_offset) +
	      (head & (r->obs_entries - 1));
	*rec = *req;
	rec->seq = __atomic_add_fetch(&f->seq, 1, __ATOMIC_RELAXED);
	rec->flags |= MVMM_REQF_OBSERVE;
	f->obs_head = head + 1;
	__atomic_store_n(&r->obs_head, f->obs_head, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&f->obs_lock);
	fake_notify(f);
	return 0;
}

#endif /* MVMM_FAKE_KERNEL_H */

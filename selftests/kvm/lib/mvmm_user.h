/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of userspace secondaries (/dev/mvmm); their
 * handlers' counters come from mvmm_handler_get() (mvmm_rule.h):
 *
 *  - a secondary in a separate process: forked with nothing but its end
 *    of a socket (and stdio), so that the only way it gets a VM file
 *    descriptor is over the socket (SCM_RIGHTS), as a real secondary
 *    would. The test drives it with commands on the socket and watches
 *    it through a shared page, which outlives it when it is killed;
 *  - the device model the generic secondary answers with, so that a
 *    guest's expectations can be computed from the same definitions.
 */
#ifndef MVMM_SELFTEST_USER_H
#define MVMM_SELFTEST_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/mvmm.h>

/* ---- the device model -------------------------------------------------- */

/*
 * What the generic secondary (mvmm_sp_server) answers:
 *
 *   IO in of port P (any size)    MVMM_SP_IN(P): the guest gets AL/AX/EAX
 *                                 (string IO: each element, its low bytes)
 *   IO out                        handled, value recorded (out_last)
 *   MMIO at MVMM_SP_MMIO_BASE     a byte-addressed file of
 *   + [0, 8 * MVMM_SP_MMIO_REGS)  MVMM_SP_MMIO_REGS 8-byte registers,
 *                                 initially MVMM_SP_MMIO_INIT(i): writes
 *                                 store, reads return what is stored
 *   MMIO at MVMM_SP_SINK_BASE     a stream: writes are handled, reads
 *   + [0, MVMM_SP_SINK_LEN)       return MVMM_SP_SINK_BYTE(offset) in
 *                                 each byte; both are counted in bytes
 *                                 (sink_wr, sink_rd) and must come in
 *                                 address order from offset 0 (else
 *                                 sink_bad counts one)
 *   MSR read of M                 MVMM_SP_MSR(M)
 *   MSR write                     handled, EDX:EAX recorded (msr_last)
 *   CPUID leaf L, subleaf S       EAX = L, EBX = ~L,
 *                                 ECX = MVMM_SP_CPUID_ECX ^ S, EDX = S
 *   HLT                           handled: the vCPU goes on
 *   hypercall nr (RAX), even      RAX = MVMM_SP_HC(nr) (the value)
 *   hypercall nr, odd             through gpr_mask: RAX = MVMM_SP_HC(nr),
 *                                 RBX = ~nr, RCX = the guest's RCX + 1
 *   anything else                 MVMM_ACT_MAIN
 */
#define MVMM_SP_IN(port)	(0x8bad0000U | (port))
#define MVMM_SP_MSR(msr)	(((uint64_t)(msr) << 32) | ((msr) ^ 0x5ec05ec0U))
#define MVMM_SP_CPUID_ECX	0x72657375U	/* "user" */
#define MVMM_SP_HC(nr)		(((uint64_t)(nr) << 20) | 0x05ecU)
#define MVMM_SP_MMIO_BASE	0xc0000000ULL
#define MVMM_SP_MMIO_REGS	8
#define MVMM_SP_MMIO_INIT(i)	(0x0123456789abcdefULL ^ ((uint64_t)(i) << 56))
#define MVMM_SP_SINK_BASE	(MVMM_SP_MMIO_BASE + 0x400)
#define MVMM_SP_SINK_LEN	0x400
#define MVMM_SP_SINK_BYTE(off)	((uint8_t)((off) * 7 + 0x3c))

/* The shared page: written by the secondary unless said otherwise. */
struct mvmm_sp_shm {
	uint64_t requests;		/* synchronous requests seen */
	uint64_t observed;		/* observe copies seen */
	uint64_t answered;		/* answers given (ring or ioctl 0) */
	uint64_t answer_errors;		/* ioctl answers refused */
	int64_t last_answer_err;	/* -errno of the last refusal */
	uint64_t by_type[MVMM_EV_MAX + 1];	/* requests by event type */
	uint64_t bad_vm;		/* requests of another VM than attached */
	uint64_t bad_seq;		/* seq not above the previous one */
	uint64_t last_seq;
	struct mvmm_request last;	/* the last synchronous request */
	uint64_t out_count, out_last;	/* IO out */
	uint64_t msr_count, msr_last;	/* MSR writes */
	uint64_t mmio_reads, mmio_writes;
	uint64_t mmio[MVMM_SP_MMIO_REGS];	/* the register file */
	uint64_t sink_wr, sink_rd, sink_bad;	/* the stream */
	uint32_t attached_vm;		/* vm_id the attach returned */
	int32_t kvm_fds_at_start;	/* VM fds the child still held after */
					/* closing what it inherited: 0 */
	/* Set by the test. */
	uint32_t hold;			/* requests wait while this is set */
	uint32_t holding;		/* the secondary waits on @hold now */
	uint32_t silent;		/* read path: record, never answer */
	uint32_t delay_ms;		/* answer each request this late */
	uint32_t main_out;		/* the model passes IO writes to main */
};

/*
 * The model's answer to @req; updates the model's state and counters in
 * @shm (which may be NULL: answer only). Returns false when the model
 * passes the event to main (the answer is then MVMM_ACT_MAIN).
 */
bool mvmm_sp_model(const struct mvmm_request *req, struct mvmm_answer *ans,
		   struct mvmm_sp_shm *shm);

/* ---- a secondary in another process ------------------------------------ */

struct mvmm_sp {
	pid_t pid;
	int sock;		/* SOCK_SEQPACKET to the child */
	void *shm;		/* MAP_SHARED, @shm_size bytes */
	size_t shm_size;
};

/*
 * The child's main: @sock is its end of the socket, @shm the shared page.
 * Its return value is its exit status.
 */
typedef int (*mvmm_sp_fn)(int sock, void *shm, void *arg);

/*
 * Fork a secondary. The child closes every file descriptor but 0-2 and
 * its socket before @fn runs. @shm_size 0: the shared page is one struct
 * mvmm_sp_shm, where the child records how many KVM VM fds it still holds
 * then (0: it can get one only by passing). Returns 0 or -errno.
 */
int mvmm_sp_fork(struct mvmm_sp *p, size_t shm_size, mvmm_sp_fn fn,
		 void *arg);
/* Wait for the child's exit; its wait status, or -errno. */
int mvmm_sp_wait(struct mvmm_sp *p);
/* SIGKILL and reap it; the wait status. */
int mvmm_sp_kill(struct mvmm_sp *p);
/* Unmap and close what is left (after wait/kill). */
void mvmm_sp_free(struct mvmm_sp *p);

/* How many open file descriptors of this process are KVM VMs. */
int mvmm_count_vm_fds(void);

/* ---- the generic secondary: commands ----------------------------------- */

enum mvmm_sp_op {
	MVMM_SP_VM = 1,		/* an fd follows (SCM_RIGHTS): hold it */
	MVMM_SP_DROP_VM,	/* close the VM fd held */
	MVMM_SP_SETUID,		/* setresgid/setresuid(@arg): drop root */
	MVMM_SP_OPEN,		/* open /dev/mvmm: the "raw" file */
	MVMM_SP_CLOSE,		/* close the raw file */
	MVMM_SP_ATTACH_RAW,	/* MVMM_IOC_ATTACH on the raw file with @att */
	MVMM_SP_IOCTL,		/* ioctl(active file, @arg, &@reply) */
	MVMM_SP_READ,		/* read(active file, @arg bytes), O_NONBLOCK */
	MVMM_SP_MMAP,		/* mmap the raw file's ring (@arg bytes, 0: all) */
	MVMM_SP_ATTACH,		/* mvmm_sec_attach(held VM, @name, @opts) */
	MVMM_SP_DETACH,		/* mvmm_sec_detach() */
	MVMM_SP_SERVE,		/* serve with the model, @arg: enum mvmm_sp_path */
	MVMM_SP_STOP,		/* stop serving */
	MVMM_SP_NEXT,		/* wait @arg ms for one request: @req */
	MVMM_SP_ANSWER,		/* MVMM_IOC_ANSWER with @reply */
	MVMM_SP_DRAIN,		/* read() until EAGAIN: @n_sync, @n_obs */
	MVMM_SP_RING,		/* copy the ring header into @ring */
	MVMM_SP_SLOT,		/* copy slot @arg into @slot */
	MVMM_SP_RING_ANSWER,	/* answer in slot @reply.vcpu_idx, ans_seq */
				/* @reply.seq, CAS REQUEST -> ANSWER, kick */
	MVMM_SP_EVENTFD,	/* read the eventfd (non-blocking): @n_sync */
	MVMM_SP_KICK,		/* ioctl(active file, MVMM_IOC_KICK, @arg) */
	MVMM_SP_POLL,		/* poll(active file, POLLIN, @arg ms): @ret */
				/* = revents, 0 on a timeout */
	MVMM_SP_KEEP,		/* keep the raw file open, attached or not, */
				/* beside the next ones (at most */
				/* MVMM_SP_KEPT_MAX): OPEN then opens anew */
	MVMM_SP_UNKEEP,		/* close every kept file */
	MVMM_SP_QUIT,
};

#define MVMM_SP_KEPT_MAX	(MVMM_HANDLER_NAMES_MAX + 64)

enum mvmm_sp_path {
	MVMM_SP_RINGPATH,	/* mvmm_sec_run(): the ring */
	MVMM_SP_READPATH,	/* mvmm_sec_read() + mvmm_sec_answer() */
};

/* Special values of mvmm_sp_msg.vm_fd / .efd for MVMM_SP_ATTACH_RAW. */
#define MVMM_SP_FD_HELD		-100	/* the VM fd held */
#define MVMM_SP_FD_NEW		-101	/* a new eventfd */
#define MVMM_SP_FD_PIPE		-102	/* the read end of a new pipe */
#define MVMM_SP_FD_CLOSED	-103	/* a descriptor number just closed */
#define MVMM_SP_FD_DEVKVM	-104	/* /dev/kvm, opened for the call */

struct mvmm_sp_msg {
	uint32_t op;		/* enum mvmm_sp_op */
	int32_t err;		/* reply: 0 or -errno */
	uint64_t arg;
	int32_t vm_fd;		/* ATTACH_RAW: a number or MVMM_SP_FD_* */
	int32_t efd;		/* ATTACH_RAW: a number or MVMM_SP_FD_* */
	int64_t ret;		/* reply: IOCTL, READ return value */
	uint32_t flags, timeout_ms, poll_us, obs_entries;	/* ATTACH */
	char name[40];		/* ATTACH */
	struct mvmm_attach att;	/* ATTACH_RAW: in and out */
	struct mvmm_reply reply;
	struct mvmm_request req;
	struct mvmm_ring ring;
	struct mvmm_slot slot;
	uint64_t n_sync, n_obs;
	uint64_t obs_seq_min, obs_seq_max;	/* DRAIN: of the copies */
	uint64_t obs_bad;	/* DRAIN: copies without the OBSERVE flag */
};

/* The generic secondary: an mvmm_sp_fn serving mvmm_sp_msg commands. */
int mvmm_sp_server(int sock, void *shm, void *arg);

/*
 * Send @m (and @fd after it, if >= 0) and wait for the reply in @m.
 * Returns m->err, or -EPIPE/-errno if the child is gone.
 */
int mvmm_sp_call(struct mvmm_sp *p, struct mvmm_sp_msg *m, int fd);

/* Shorthands: an op with one argument; its m->err. */
int mvmm_sp_op(struct mvmm_sp *p, uint32_t op, uint64_t arg);

static inline struct mvmm_sp_shm *mvmm_sp_shm(struct mvmm_sp *p)
{
	return p->shm;
}

/* Atomic loads and stores of the shared page's fields. */
#define SP_GET(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define SP_SET(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

#endif /* MVMM_SELFTEST_USER_H */

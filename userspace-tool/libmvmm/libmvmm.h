/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmvmm: write a userspace secondary VMM for mvmm (/dev/mvmm).
 *
 * A secondary attaches to one VM (it needs that VM's KVM fd), under a
 * handler name that mvmmctl rules can target, then serves the events the
 * rules send it: mvmm_sec_run() calls a function of yours for each one and
 * puts your answer back in the shared ring. See
 * Documentation/userspace-secondary.rst and "Userspace secondaries" in
 * uapi/linux/mvmm.h, whose memory-ordering rules this library follows.
 *
 * Plain C and libc only; build it as one file with -I<top>/uapi.
 * Functions returning int or ssize_t give 0 (or a count) on success and
 * -errno on failure, with errno set as well.
 */
#ifndef MVMM_LIBMVMM_H
#define MVMM_LIBMVMM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/mvmm.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MVMM_DEV_PATH	"/dev/" MVMM_DEV_NAME

struct mvmm_sec;

/* Attach options; all zero (or a NULL pointer) means the defaults. */
struct mvmm_sec_opts {
	unsigned int flags;		/* MVMM_ATTACH_POLL: spin, no eventfd; */
					/* MVMM_ATTACH_NOSPIN: vCPU never spins */
	unsigned int timeout_ms;	/* per request, 0: 100 ms */
	unsigned int poll_us;		/* vCPU spin before sleeping: POLL: */
					/* each time; else the adaptive max */
	unsigned int obs_entries;	/* observe ring size, power of 2 */
};

/*
 * Open /dev/mvmm, create an eventfd (unless MVMM_ATTACH_POLL), attach as
 * handler @name to the VM behind @vm_fd and map the ring. NULL with errno
 * on failure: ENOENT without the module, otherwise MVMM_IOC_ATTACH's errno
 * (EINVAL, EBADF, EBUSY, ENOSPC: see the uapi header) or EPROTO for a ring
 * this library does not understand. @vm_fd is not kept: close it at will.
 */
struct mvmm_sec *mvmm_sec_attach(int vm_fd, const char *name,
				 const struct mvmm_sec_opts *opts);
/* The same with another device node than MVMM_DEV_PATH. */
struct mvmm_sec *mvmm_sec_attach_dev(const char *dev_path, int vm_fd,
				     const char *name,
				     const struct mvmm_sec_opts *opts);
/*
 * Attach to a VM of the running process @pid, a main VMM that keeps its
 * VM fd to itself: take the fd with pidfd_open() + pidfd_getfd(), finding
 * the process's KVM VMs by their /proc/PID/fd links (anon_inode:kvm-vm),
 * then as mvmm_sec_attach(). The kernel's ptrace check is the permission
 * boundary: the caller needs PTRACE_MODE_ATTACH_REALCREDS access to @pid.
 * @vm_id is mvmm's id of the VM (mvmmctl vm list), needed if the process
 * has several; 0 takes its only one. Telling the VMs apart takes an attach
 * to each in turn (the attach reply is what carries the id).
 * NULL with errno on failure: ESRCH (no such process, or it exited),
 * EPERM (no ptrace access), ENOENT (no KVM VM in that process, none with
 * @vm_id, or no module), ENOTUNIQ (several VMs and @vm_id 0), EINVAL
 * (@pid not a process, or the name), ENOSYS (a kernel before 5.6), or
 * mvmm_sec_attach()'s errnos. mvmm_sec_attach_error() tells which.
 */
struct mvmm_sec *mvmm_sec_attach_pid(pid_t pid, unsigned int vm_id,
				     const char *name,
				     const struct mvmm_sec_opts *opts);
struct mvmm_sec *mvmm_sec_attach_pid_dev(const char *dev_path, pid_t pid,
					 unsigned int vm_id, const char *name,
					 const struct mvmm_sec_opts *opts);
/*
 * Why the last mvmm_sec_attach*() of this thread failed, in a sentence
 * for a user (which process, which check, the VM ids it found); errno
 * alone cannot tell "no KVM VM in that process" from "no /dev/mvmm".
 * "" after a success.
 */
const char *mvmm_sec_attach_error(void);
/*
 * Unmap, close both fds, free. Detaching completes every request still
 * waiting for this handler through its rule's fallback. NULL is a no-op.
 */
void mvmm_sec_detach(struct mvmm_sec *s);

int mvmm_sec_fd(const struct mvmm_sec *s);		/* the /dev/mvmm fd */
/* -1 with POLL; a blocking eventfd: read it when poll() says POLLIN. */
int mvmm_sec_eventfd(const struct mvmm_sec *s);
unsigned int mvmm_sec_vm_id(const struct mvmm_sec *s);
const struct mvmm_ring *mvmm_sec_ring(const struct mvmm_sec *s);
/*
 * 1 once KVM destroyed the VM (MVMM_RING_VM_GONE): nothing more will
 * come; the fd polls EPOLLHUP. 0 before.
 */
int mvmm_sec_vm_gone(const struct mvmm_sec *s);
/* Observe copies the kernel dropped so far because the ring was full. */
uint64_t mvmm_sec_obs_dropped(const struct mvmm_sec *s);

/* What mvmm_sec_run() did so far (exact once it returned). */
struct mvmm_sec_stats {
	uint64_t wakeups;	/* reads of the eventfd that returned */
	uint64_t signals;	/* the counts they returned, summed */
	uint64_t served;	/* requests and copies given to the function */
	uint64_t kicks;		/* MVMM_IOC_KICKs of a sleeping vCPU */
};
void mvmm_sec_stats(const struct mvmm_sec *s, struct mvmm_sec_stats *st);
/* The kernel's side (MVMM_IOC_STATS): 0 or -errno. */
int mvmm_sec_kstats(struct mvmm_sec *s, struct mvmm_ustats *st);

/*
 * Interrupts into the attached VM through KVM's in-kernel irqchip (see
 * MVMM_IOC_IRQ_LINE and MVMM_IOC_MSI in uapi/linux/mvmm.h).
 *
 * mvmm_sec_irq_line(): set GSI line @gsi to @level (0 or 1): a level-
 * triggered device raises it and lowers it when the cause is gone; an
 * edge-triggered one raises and lowers it for each interrupt. The line
 * is this attachment's own: the VMM's KVM_IRQ_LINE does not lower it,
 * and detaching does. Needs the full in-kernel irqchip.
 * mvmm_sec_msi(): send the MSI @address (0xfeeXXXXX, x2APIC ids in the
 * high half)/@data. Needs an in-kernel LAPIC (the split irqchip does).
 * Both return 0 with KVM's report in *@status (NULL: not wanted): > 0
 * delivered, 0 coalesced (still pending), < 0 masked or no destination;
 * or -errno with errno set: -ENOTCONN (not attached, the VM is gone),
 * -ENXIO (no in-kernel irqchip for it), -EINVAL, -EBUSY (no IRQ source
 * id left in the VM).
 */
int mvmm_sec_irq_line(struct mvmm_sec *s, uint32_t gsi, int level,
		      int *status);
int mvmm_sec_msi(struct mvmm_sec *s, uint64_t address, uint32_t data,
		 int *status);

/*
 * Guest memory of the attached VM, for DMA (see MVMM_IOC_MEM_READ and
 * MVMM_IOC_MEM_WRITE in uapi/linux/mvmm.h): copy @len bytes (1 to
 * MVMM_MEM_MAX) between guest-physical @gpa and @buf, while answering a
 * request or at any other time. The range must be all in the VMM's
 * memslots; a write that fails wrote nothing, and one that succeeds
 * marks its pages dirty for the VMM's dirty log. 0, or -errno with errno
 * set: -ENOTCONN (not attached, the VM is gone), -EINVAL (@len), -EFAULT
 * (@buf), -ENOENT (outside the memslots), -EIO (a page the VMM does not
 * map, or not writably), -EACCES (a guest_memfd slot), -EROFS (write: a
 * read-only slot), -EOPNOTSUPP (write: the VM has a dirty ring).
 */
int mvmm_sec_mem_read(struct mvmm_sec *s, uint64_t gpa, void *buf,
		      uint32_t len);
int mvmm_sec_mem_write(struct mvmm_sec *s, uint64_t gpa, const void *buf,
		       uint32_t len);

/*
 * Called once per request. @ans is zeroed on entry (MVMM_ACT_MAIN): fill
 * it. Return 0 to go on, < 0 to stop: that request is left unanswered (it
 * times out, or takes its fallback at detach) and run/poll_once return
 * the value. For observe copies (req->flags & MVMM_REQF_OBSERVE) the
 * answer is ignored.
 */
typedef int (*mvmm_sec_fn)(const struct mvmm_request *req,
			   struct mvmm_answer *ans, void *arg);

/*
 * Serve requests from the ring until @fn returns < 0 or mvmm_sec_stop().
 * Between passes it blocks in read() of the eventfd (which a stop
 * signals), or spins with MVMM_ATTACH_POLL. Returns 0 after a stop or
 * once the VM is gone (after a last pass; mvmm_sec_vm_gone() tells), @fn's
 * negative value, or -errno. One thread at a time per handler.
 */
int mvmm_sec_run(struct mvmm_sec *s, mvmm_sec_fn fn, void *arg);
/*
 * Make mvmm_sec_run() return 0 as soon as it finishes the request at
 * hand; a later run returns at once (the stop sticks). Async-signal-safe
 * and thread-safe.
 */
void mvmm_sec_stop(struct mvmm_sec *s);

/*
 * One non-blocking pass over the ring: the slots of the vCPUs that posted
 * so far, then the observe ring. Returns the number of requests given to
 * @fn, or @fn's negative value, or -errno.
 */
int mvmm_sec_poll_once(struct mvmm_sec *s, mvmm_sec_fn fn, void *arg);

/*
 * The read()/ioctl path. mvmm_sec_read() reads up to @n whole records
 * (each request once: first unread synchronous requests, then observe
 * copies) and returns how many, never 0; it blocks unless the fd is
 * O_NONBLOCK (then -EAGAIN). mvmm_sec_answer() answers one synchronous
 * request through MVMM_IOC_ANSWER: 0, or -EINVAL (an answer the event does
 * not allow), -ESTALE (timed out, withdrawn or already answered), ...
 * Do not consume observe copies by read() and by the ring at the same
 * time: both move the same tail.
 */
ssize_t mvmm_sec_read(struct mvmm_sec *s, struct mvmm_request *reqs,
		      size_t n);
int mvmm_sec_answer(struct mvmm_sec *s, const struct mvmm_request *req,
		    const struct mvmm_answer *ans);

/* Answer helpers: they set only the fields they name. */
void mvmm_ans_handled(struct mvmm_answer *a, uint64_t value);
void mvmm_ans_inject(struct mvmm_answer *a, unsigned int vector,
		     int has_error_code, uint32_t error_code);
/* Write @value to a GPR (enum mvmm_gpr) / RIP when handled. */
void mvmm_ans_gpr(struct mvmm_answer *a, unsigned int gpr, uint64_t value);
void mvmm_ans_rip(struct mvmm_answer *a, uint64_t rip);

/*
 * Pass a file descriptor (a VM fd) over a connected unix socket with
 * SCM_RIGHTS, one byte of data carrying it. mvmm_send_fd: 0 or -errno.
 * mvmm_recv_fd: the new fd (close-on-exec), -ECONNRESET if the peer
 * closed, -EBADMSG if the byte came without an fd, or -errno.
 */
int mvmm_send_fd(int sock, int fd);
int mvmm_recv_fd(int sock);

#ifdef __cplusplus
}
#endif

#endif /* MVMM_LIBMVMM_H */

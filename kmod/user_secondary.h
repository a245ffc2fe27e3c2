/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_USER_SECONDARY_H
#define _MVMM_USER_SECONDARY_H

#include <linux/eventfd.h>
#include <linux/kvm_host.h>
#include <linux/mvmm.h>
#include <linux/poll.h>

struct mvmm_handler;
struct mvmm_hinfo;
struct mvmm_usersec;

/* How a vCPU may wait for a userspace answer. */
enum mvmm_wait {
	/*
	 * A signal returns to KVM_RUN and the exit recurs: at the exit, or
	 * on an MMIO access whose instruction bus.c can leave undone.
	 */
	MVMM_WAIT_RESTARTABLE,
	/* SIGKILL only: observe copies, string IO elements. */
	MVMM_WAIT_KILLABLE,
};

/*
 * The state of one attached /dev/mvmm file: checked attach arguments in,
 * @efd is consumed (put on error too). ERR_PTR on failure.
 */
struct mvmm_usersec *mvmm_usersec_create(const struct mvmm_attach *a, u32 vm_id,
					 u32 nr_slots, struct eventfd_ctx *efd);
void mvmm_usersec_set_handler(struct mvmm_usersec *u, struct mvmm_handler *h);
/*
 * Make @u known to mvmm_usersec_vm_gone(), while the caller still holds the
 * VM's file (so that it cannot have gone unnoticed).
 */
void mvmm_usersec_publish(struct mvmm_usersec *u);
/* KVM is destroying VM @vm_id: its files get EPOLLHUP and end of file. */
void mvmm_usersec_vm_gone(u32 vm_id);
/* The file goes away: every waiting vCPU takes its fallback now. */
void mvmm_usersec_kill(struct mvmm_usersec *u);
/* Free, once no vCPU can be inside mvmm_usersec_call() any more. */
void mvmm_usersec_destroy(struct mvmm_usersec *u);
size_t mvmm_usersec_ring_size(const struct mvmm_usersec *u);

/*
 * Post @req and wait for the answer. 0: @ans holds it (unchecked);
 * -EINTR: a signal interrupted a restartable wait and the request stays
 * outstanding; -ETIMEDOUT, -ENODEV (detached), -EXDEV (another VM's
 * handler), -ERANGE (vCPU index beyond the slots): apply the fallback.
 * @route numbers the vCPU's routed events: an interrupted request is
 * resumed only by the very next one (the guest retaking that exit).
 */
int mvmm_usersec_call(struct mvmm_usersec *u, struct kvm_vcpu *vcpu,
		      const struct mvmm_request *req, struct mvmm_answer *ans,
		      enum mvmm_wait how, u64 route);
/* Queue an observe copy without waiting: 0, -ENOSPC (dropped), -EXDEV. */
int mvmm_usersec_observe(struct mvmm_usersec *u, const struct mvmm_request *req);

/* The file operations' side. */
int mvmm_usersec_answer(struct mvmm_usersec *u, const struct mvmm_reply *r);
int mvmm_usersec_kick(struct mvmm_usersec *u, unsigned long idx);
void mvmm_usersec_stats(struct mvmm_usersec *u, struct mvmm_ustats *st);
ssize_t mvmm_usersec_read(struct mvmm_usersec *u, char __user *buf, size_t len,
			  bool nonblock);
__poll_t mvmm_usersec_poll(struct mvmm_usersec *u, struct file *file,
			   poll_table *wait);
int mvmm_usersec_mmap(struct mvmm_usersec *u, struct vm_area_struct *vma);
void mvmm_usersec_info(struct mvmm_usersec *u, struct mvmm_hinfo *info);

#endif /* _MVMM_USER_SECONDARY_H */

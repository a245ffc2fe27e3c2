/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_USER_SECONDARY_H
#define _MVMM_USER_SECONDARY_H

#include <linux/eventfd.h>
#include <linux/kvm_host.h>
#include <linux/mvmm.h>
#include <linux/poll.h>
#include "handler.h"

struct mvmm_usersec;

/*
 * The /dev/mvmm files' handler backend: each one's handler has the file's
 * state as its priv.
 */
extern const struct mvmm_backend mvmm_usersec_backend;

/*
 * The state of one attached /dev/mvmm file: checked attach arguments in,
 * @efd is consumed (put on error too). ERR_PTR on failure.
 */
struct mvmm_usersec *mvmm_usersec_create(const struct mvmm_attach *a, u32 vm_id,
					 u32 nr_slots, struct eventfd_ctx *efd);
/* The file goes away: every waiting vCPU takes its fallback now. */
void mvmm_usersec_kill(struct mvmm_usersec *u);
/* Free, once its handler is unregistered: no vCPU can call it any more. */
void mvmm_usersec_destroy(struct mvmm_usersec *u);
size_t mvmm_usersec_ring_size(const struct mvmm_usersec *u);

/* The file operations' side. */
int mvmm_usersec_answer(struct mvmm_usersec *u, const struct mvmm_reply *r);
int mvmm_usersec_kick(struct mvmm_usersec *u, unsigned long idx);
void mvmm_usersec_stats(struct mvmm_usersec *u, struct mvmm_ustats *st);
ssize_t mvmm_usersec_read(struct mvmm_usersec *u, char __user *buf, size_t len,
			  bool nonblock);
__poll_t mvmm_usersec_poll(struct mvmm_usersec *u, struct file *file,
			   poll_table *wait);
int mvmm_usersec_mmap(struct mvmm_usersec *u, struct vm_area_struct *vma);

#endif /* _MVMM_USER_SECONDARY_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MVMM_IRQ_H
#define _MVMM_IRQ_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/mvmm.h>

struct kvm;

/* The KVM IRQ source id of one /dev/mvmm attachment, taken at first use. */
struct mvmm_irq_src {
	struct mutex lock;	/* serializes taking @id */
	int id;			/* -1: none yet */
};

void mvmm_irq_src_init(struct mvmm_irq_src *s);
/* Lower @src's lines in @kvm and free it: the caller holds @kvm. */
void mvmm_irq_src_free(struct kvm *kvm, int src);
/* Give @s's id back to VM @vm_id (lowering its lines), if it lives. */
void mvmm_irq_src_release(struct mvmm_irq_src *s, u32 vm_id);

/* MVMM_IOC_IRQ_LINE and MVMM_IOC_MSI on a file attached to VM @vm_id. */
int mvmm_irq_line_user(u32 vm_id, struct mvmm_irq_src *s,
		       struct mvmm_irq_line *l);
int mvmm_irq_msi_user(u32 vm_id, struct mvmm_msi *m);

#endif /* _MVMM_IRQ_H */

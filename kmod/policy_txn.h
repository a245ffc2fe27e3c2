/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy transactions: the one way the tables change. A writer (one rule
 * command, or a whole policy file) begins, stages the tables it names
 * (private copies, made from the published ones at first use), edits
 * their builders, and commits: every stage is compiled, and only if all
 * compile is each published, one pointer swap that cannot fail. Writers
 * are serialized from begin to end.
 */
#ifndef _MVMM_POLICY_TXN_H
#define _MVMM_POLICY_TXN_H

#include <linux/types.h>

struct mvmm_policy;
struct mvmm_policy_builder;
struct mvmm_policy_err;

/* A table being rebuilt: not visible to anyone until committed. */
struct mvmm_policy_stage {
	u32 vm_id;			/* 0: the default table */
	struct mvmm_policy *p;
	/*
	 * The table @p was copied from, kept until the end: it holds the
	 * answers of the copied rules until @p, activated, holds them too,
	 * even if its VM goes meanwhile.
	 */
	struct mvmm_policy *old;
};

struct mvmm_policy_txn {
	struct mvmm_policy_stage *st;
	unsigned int nr;		/* tables staged: st[0..nr) */
	unsigned int cap;
	unsigned int last;		/* st[last] served the previous stage */
};

/* Begin @t: waits for the writer before to end. Process context. */
void mvmm_policy_txn_begin(struct mvmm_policy_txn *t);

/*
 * The builder of table @vm_id (0: the default) in @t, in *@b: staged at
 * first use, from the table published then. 0, -ESRCH (no such VM) or
 * -ENOMEM.
 */
int mvmm_policy_txn_stage(struct mvmm_policy_txn *t, u32 vm_id,
			  struct mvmm_policy_builder **b);

/*
 * Compile every stage of @t, then publish them all; a VM destroyed
 * meanwhile takes its new table with it. 0, or the first compilation's
 * error (-ENOMEM, -E2BIG, a hook's, with @err->msg set): then nothing was
 * published. The tables staged stay listed in @t until the end.
 */
int mvmm_policy_txn_commit(struct mvmm_policy_txn *t,
			   struct mvmm_policy_err *err);

/* End @t, committed or not: the next writer may begin. */
void mvmm_policy_txn_end(struct mvmm_policy_txn *t);

#endif /* _MVMM_POLICY_TXN_H */

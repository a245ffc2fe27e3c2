// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-registered answers: fixed results that mvmm gives on the exit path
 * itself, with no handler to call or wake: complete.c writes them into
 * the registers at the exit, route.c gives them to accesses on KVM's
 * buses.
 *
 * Each distinct answer is stored once and does not change or move while
 * anything holds it: a rule names it by index, tables derived from one
 * another share it, and an exit still holding a replaced table can use
 * it, without references on the exit path. The store is a static array
 * (128 KiB) that the exit path reads at a constant address, one entry per
 * answer, so the answers held at one time are bounded (MVMM_ANSWERS_MAX).
 *
 * Who holds an answer is counted per slot, apart from the entries the exit
 * path reads: each activated table once per rule naming it (table.c), and
 * each netlink request that stored or named it once (struct
 * mvmm_answer_hold), so that a refused request gives back what it took.
 * A table drops its references when it is freed, after an RCU grace
 * period and an exit-SRCU one (table.h): no exit can read the slot then,
 * and a store may fill it with a new answer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "answer_tgt.h"
#include "exit_srcu.h"

/* What was given for one CPUID register, to dump it as it came. */
enum {
	MVMM_REG_VALUE = 1 << 0,
	MVMM_REG_AND = 1 << 1,
	MVMM_REG_OR = 1 << 2,
};

/*
 * Entries [0, mvmm_nr_answers) have been used (their hit counters are
 * allocated); an entry is set, each time it is filled, before its index
 * is known: rules that name it are published after it (RCU), so readers
 * of a rule find it complete. An entry is filled only while its count in
 * mvmm_answer_refs is 0, under mvmm_answers_lock.
 */
struct mvmm_stored_answer mvmm_answers[MVMM_ANSWERS_MAX];
static atomic_t mvmm_answer_refs[MVMM_ANSWERS_MAX];
static u32 mvmm_nr_answers;
static DEFINE_MUTEX(mvmm_answers_lock);

static const struct nla_policy mvmm_answer_reg_policy[MVMM_A_ANSWER_REG_MAX + 1] = {
	[MVMM_A_ANSWER_REG_VALUE] = { .type = NLA_U32 },
	[MVMM_A_ANSWER_REG_AND] = { .type = NLA_U32 },
	[MVMM_A_ANSWER_REG_OR] = { .type = NLA_U32 },
};

const struct nla_policy mvmm_nl_answer_policy[MVMM_A_ANSWER_MAX + 1] = {
	[MVMM_A_ANSWER_VALUE] = { .type = NLA_U64 },
	[MVMM_A_ANSWER_IGNORE] = { .type = NLA_FLAG },
	[MVMM_A_ANSWER_EAX] = NLA_POLICY_NESTED(mvmm_answer_reg_policy),
	[MVMM_A_ANSWER_EBX] = NLA_POLICY_NESTED(mvmm_answer_reg_policy),
	[MVMM_A_ANSWER_ECX] = NLA_POLICY_NESTED(mvmm_answer_reg_policy),
	[MVMM_A_ANSWER_EDX] = NLA_POLICY_NESTED(mvmm_answer_reg_policy),
	/* Dumps only; accepted and ignored so that dumps can be sent back. */
	[MVMM_A_ANSWER_HITS] = { .type = NLA_U64 },
};

/*
 * The refusal of a result an event type's answer cannot have (which it
 * can: struct mvmm_event_desc .answers, core/event_names.c), in netlink's
 * words.
 */
static const char *const mvmm_answer_refusals[MVMM_EV_MAX + 1] = {
	[MVMM_EV_CPUID] =
		"a CPUID answer is registers: ANSWER_EAX, _EBX, _ECX and/or _EDX",
	[MVMM_EV_MSR_READ] =
		"an MSR read is answered with ANSWER_VALUE (EDX:EAX) only",
	[MVMM_EV_MSR_WRITE] =
		"an MSR write has no result: ANSWER_IGNORE only",
	[MVMM_EV_IO] =
		"an IO answer is ANSWER_VALUE (IN) and/or ANSWER_IGNORE (OUT)",
	[MVMM_EV_MMIO] =
		"an MMIO answer is ANSWER_VALUE (reads) and/or ANSWER_IGNORE (writes)",
	[MVMM_EV_HYPERCALL] =
		"a hypercall is answered with ANSWER_VALUE (RAX) only",
};

static const char *mvmm_answer_refusal(u32 type)
{
	return mvmm_answer_refusals[type] ?:
	       "this event type's answer cannot have that result";
}

/* NL_SET_ERR_MSG_ATTR() with a message chosen at run time (static text). */
static void mvmm_answer_err(struct netlink_ext_ack *extack,
			    const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

/* CPUID register @i from its MVMM_A_ANSWER_E?X nest @attr. */
static int mvmm_answer_reg(const struct nlattr *attr, int i,
			   struct mvmm_answer_key *k,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *rt[MVMM_A_ANSWER_REG_MAX + 1];
	int ret;

	ret = nla_parse_nested(rt, MVMM_A_ANSWER_REG_MAX, attr,
			       mvmm_answer_reg_policy, extack);
	if (ret)
		return ret;
	if (rt[MVMM_A_ANSWER_REG_VALUE]) {
		if (rt[MVMM_A_ANSWER_REG_AND] || rt[MVMM_A_ANSWER_REG_OR]) {
			NL_SET_ERR_MSG_ATTR(extack, rt[MVMM_A_ANSWER_REG_AND] ?:
					    rt[MVMM_A_ANSWER_REG_OR],
					    "REG_VALUE is the whole register; REG_AND and REG_OR change KVM's value instead");
			return -EINVAL;
		}
		k->reg_given[i] = MVMM_REG_VALUE;
		k->reg_and[i] = 0;
		k->reg_or[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_VALUE]);
		return 0;
	}
	if (!rt[MVMM_A_ANSWER_REG_AND] && !rt[MVMM_A_ANSWER_REG_OR]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a register needs REG_VALUE, or REG_AND and/or REG_OR");
		return -EINVAL;
	}
	if (rt[MVMM_A_ANSWER_REG_AND]) {
		k->reg_given[i] |= MVMM_REG_AND;
		k->reg_and[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_AND]);
	}
	if (rt[MVMM_A_ANSWER_REG_OR]) {
		k->reg_given[i] |= MVMM_REG_OR;
		k->reg_or[i] = nla_get_u32(rt[MVMM_A_ANSWER_REG_OR]);
	}
	return 0;
}

void mvmm_answer_tgt_ref(u32 index)
{
	/* Only an answer something holds already can be named by a table. */
	WARN_ON_ONCE(atomic_inc_return(&mvmm_answer_refs[index]) < 2);
}

void mvmm_answer_tgt_unref(u32 index)
{
	/* At 0 the slot is free: the next new answer may take it. */
	WARN_ON_ONCE(atomic_dec_return(&mvmm_answer_refs[index]) < 0);
}

void mvmm_answer_cpuid_masked(struct kvm_vcpu *vcpu,
			      const struct mvmm_answer_key *k)
{
	unsigned long *regs = vcpu->arch.regs;
	u32 eax = regs[VCPU_REGS_RAX], ebx = 0;
	u32 ecx = regs[VCPU_REGS_RCX], edx = 0;

	/* What kvm_emulate_cpuid() would put in the registers. */
	mvmm_kvm.cpuid(vcpu, &eax, &ebx, &ecx, &edx, false);
	/* A 32-bit result zero-extends, as the instruction's does. */
	regs[VCPU_REGS_RAX] = (eax & k->reg_and[0]) | k->reg_or[0];
	regs[VCPU_REGS_RBX] = (ebx & k->reg_and[1]) | k->reg_or[1];
	regs[VCPU_REGS_RCX] = (ecx & k->reg_and[2]) | k->reg_or[2];
	regs[VCPU_REGS_RDX] = (edx & k->reg_and[3]) | k->reg_or[3];
}

/* Fill free slot @i with @k, held once. */
static void mvmm_answer_fill(u32 i, const struct mvmm_answer_key *k)
{
	struct mvmm_stored_answer *a = &mvmm_answers[i];
	int cpu, r;

	a->key = *k;
	a->need_kvm = false;
	for (r = 0; r < MVMM_CPUID_REGS; r++)
		if (k->reg_and[r])
			a->need_kvm = true;
	/* A new answer counts its own hits, not those of the slot's last. */
	for_each_possible_cpu(cpu)
		*per_cpu_ptr(a->hits, cpu) = 0;
	atomic_set(&mvmm_answer_refs[i], 1);
}

/*
 * The index of answer @k with a reference, stored now if it is new: its
 * twin if one is held, else a free slot, else a slot never used. -ENOSPC
 * when every slot is held.
 */
static int mvmm_answer_store_locked(const struct mvmm_answer_key *k, u32 *index)
{
	struct mvmm_stored_answer *a;
	int free = -1;
	u32 i, n;

	lockdep_assert_held(&mvmm_answers_lock);
	n = mvmm_nr_answers;
	for (i = 0; i < n; i++) {
		if (!memcmp(&mvmm_answers[i].key, k, sizeof(*k)) &&
		    atomic_inc_not_zero(&mvmm_answer_refs[i])) {
			*index = i;
			return 0;
		}
		if (free < 0 && !atomic_read(&mvmm_answer_refs[i]))
			free = i;
	}
	if (free >= 0) {
		/*
		 * Nothing holds it, so no table names it and no exit reads
		 * it: the grace period of the last table that did is over.
		 */
		mvmm_answer_fill(free, k);
		*index = free;
		return 0;
	}
	if (n == MVMM_ANSWERS_MAX)
		return -ENOSPC;
	a = &mvmm_answers[n];
	a->hits = alloc_percpu(u64);
	if (!a->hits)
		return -ENOMEM;
	mvmm_answer_fill(n, k);
	/*
	 * Complete before any rule can name it: the rule is published
	 * later, under the policy's RCU, which orders these stores first.
	 */
	mvmm_nr_answers = n + 1;
	*index = n;
	return 0;
}

static int mvmm_answer_store(const struct mvmm_answer_key *k, u32 *index)
{
	int ret;

	mutex_lock(&mvmm_answers_lock);
	ret = mvmm_answer_store_locked(k, index);
	mutex_unlock(&mvmm_answers_lock);
	if (ret != -ENOSPC)
		return ret;
	/*
	 * Tables replaced or of VMs destroyed just now may still hold
	 * slots until their grace periods end: a VM's entry is freed after
	 * an RCU one, and its table then after another RCU one and an
	 * exit-SRCU one (table.h). Wait for them all, so that ENOSPC means
	 * that live tables and requests hold every slot.
	 */
	rcu_barrier();
	mvmm_exit_barrier();
	mutex_lock(&mvmm_answers_lock);
	ret = mvmm_answer_store_locked(k, index);
	mutex_unlock(&mvmm_answers_lock);
	return ret;
}

int mvmm_answer_tgt_parse(const struct nlattr *nest, u16 type,
			  struct mvmm_answer_key *k,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MVMM_A_ANSWER_MAX + 1];
	const struct mvmm_event_desc *d = mvmm_event_desc(type);
	unsigned int may = d ? d->answers : 0;
	int ret, i;

	if (!may) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "no pre-registered answer for this event type: cpuid, msr read and write, io, mmio and hypercall have one");
		return -EOPNOTSUPP;
	}
	ret = nla_parse_nested(tb, MVMM_A_ANSWER_MAX, nest,
			       mvmm_nl_answer_policy, extack);
	if (ret)
		return ret;

	memset(k, 0, sizeof(*k));
	k->type = type;
	memset(k->reg_and, 0xff, sizeof(k->reg_and));
	for (i = MVMM_A_ANSWER_VALUE; i <= MVMM_A_ANSWER_EDX; i++) {
		u8 what = i == MVMM_A_ANSWER_VALUE ? MVMM_ANS_VALUE :
			  i == MVMM_A_ANSWER_IGNORE ? MVMM_ANS_IGNORE :
			  MVMM_ANS_REGS;

		if (!tb[i])
			continue;
		if (!(may & what)) {
			mvmm_answer_err(extack, tb[i], mvmm_answer_refusal(type));
			return -EINVAL;
		}
		k->flags |= what;
		if (what == MVMM_ANS_REGS) {
			ret = mvmm_answer_reg(tb[i], i - MVMM_A_ANSWER_EAX, k,
					      extack);
			if (ret)
				return ret;
		}
	}
	if (!k->flags) {
		mvmm_answer_err(extack, nest, mvmm_answer_refusal(type));
		return -EINVAL;
	}
	if (tb[MVMM_A_ANSWER_VALUE]) {
		k->value = nla_get_u64(tb[MVMM_A_ANSWER_VALUE]);
		if (type == MVMM_EV_IO && k->value > U32_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MVMM_A_ANSWER_VALUE],
					    "IO reads are at most 4 bytes: ANSWER_VALUE above 0xffffffff");
			return -ERANGE;
		}
	}
	return 0;
}

int mvmm_answer_tgt_store(const struct mvmm_answer_key *k, u32 *index,
			  struct mvmm_answer_hold *hold,
			  const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	int ret = mvmm_answer_store(k, index);

	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "2048 distinct answers are in use by the tables: reuse one, or remove rules");
	if (ret)
		return ret;
	/* A request holds each answer once, however many rules name it. */
	if (test_and_set_bit(*index, hold->held))
		mvmm_answer_tgt_unref(*index);
	return 0;
}

void mvmm_answer_tgt_hold(struct mvmm_answer_hold *hold, u32 index)
{
	if (index < MVMM_ANSWERS_MAX && !test_and_set_bit(index, hold->held))
		mvmm_answer_tgt_ref(index);
}

void mvmm_answer_tgt_release(struct mvmm_answer_hold *hold)
{
	unsigned int i;

	for_each_set_bit(i, hold->held, MVMM_ANSWERS_MAX)
		mvmm_answer_tgt_unref(i);
	bitmap_zero(hold->held, MVMM_ANSWERS_MAX);
}

static u64 mvmm_answer_hits(const struct mvmm_stored_answer *a)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(a->hits, cpu);
	return sum;
}

static int mvmm_answer_put_reg(struct sk_buff *skb, const struct mvmm_answer_key *k,
			       int i)
{
	struct nlattr *nest;
	u8 given = k->reg_given[i];

	nest = nla_nest_start(skb, MVMM_A_ANSWER_EAX + i);
	if (!nest ||
	    ((given & MVMM_REG_VALUE) &&
	     nla_put_u32(skb, MVMM_A_ANSWER_REG_VALUE, k->reg_or[i])) ||
	    ((given & MVMM_REG_AND) &&
	     nla_put_u32(skb, MVMM_A_ANSWER_REG_AND, k->reg_and[i])) ||
	    ((given & MVMM_REG_OR) &&
	     nla_put_u32(skb, MVMM_A_ANSWER_REG_OR, k->reg_or[i])))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int mvmm_answer_tgt_put(struct sk_buff *skb, u32 index)
{
	const struct mvmm_stored_answer *a = mvmm_answer_get(index);
	const struct mvmm_answer_key *k;
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, MVMM_A_RULE_ANSWER);
	if (!nest)
		return -EMSGSIZE;
	if (!a)		/* cannot happen: rules name stored answers only */
		goto end;
	k = &a->key;
	if (((k->flags & MVMM_ANS_VALUE) &&
	     nla_put_u64_64bit(skb, MVMM_A_ANSWER_VALUE, k->value,
			       MVMM_A_ANSWER_PAD)) ||
	    ((k->flags & MVMM_ANS_IGNORE) &&
	     nla_put_flag(skb, MVMM_A_ANSWER_IGNORE)))
		goto err;
	for (i = 0; i < MVMM_CPUID_REGS; i++)
		if (k->reg_given[i] && mvmm_answer_put_reg(skb, k, i))
			goto err;
	if (nla_put_u64_64bit(skb, MVMM_A_ANSWER_HITS, mvmm_answer_hits(a),
			      MVMM_A_ANSWER_PAD))
		goto err;
end:
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

void mvmm_answer_tgt_exit(void)
{
	u32 i;

	mutex_lock(&mvmm_answers_lock);
	for (i = 0; i < mvmm_nr_answers; i++) {
		/* Every table is freed by now, and no request runs. */
		WARN_ON_ONCE(atomic_read(&mvmm_answer_refs[i]));
		atomic_set(&mvmm_answer_refs[i], 0);
		free_percpu(mvmm_answers[i].hits);
		memset(&mvmm_answers[i], 0, sizeof(mvmm_answers[i]));
	}
	mvmm_nr_answers = 0;
	mutex_unlock(&mvmm_answers_lock);
}

/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mvmm: several virtual machine monitors sharing one KVM host.
 *
 * This header is the whole user ABI of the module: the vendor-neutral event
 * taxonomy, the "mvmm" generic netlink family, and the /dev/mvmm device for
 * userspace secondaries (at the end).
 *
 * Events
 * ------
 *
 * Every VM exit is classified into one struct mvmm_event: a type (enum
 * mvmm_event_type), the origin (the VM's own guest, or a nested guest run by
 * a guest hypervisor), and qualifiers whose meaning depends on the type:
 *
 *   type                 qual                      sub                  flags
 *   MVMM_EV_EXCEPTION    vector                    error code           ERRCODE
 *   MVMM_EV_INTR         vector (VMX only, when known)
 *   MVMM_EV_SIPI         SIPI vector (VMX only)
 *   MVMM_EV_TASK_SWITCH  new TSS selector
 *   MVMM_EV_CPUID        leaf (EAX)                subleaf (ECX)
 *   MVMM_EV_INVLPG       linear address (if known)
 *   MVMM_EV_RDPMC        counter (ECX)
 *   MVMM_EV_HYPERCALL    hypercall number (RAX)
 *   MVMM_EV_CR_ACCESS    CR number                 GPR number or ~0     WRITE
 *   MVMM_EV_DR_ACCESS    DR number                 GPR number or ~0     WRITE
 *   MVMM_EV_IO           port                                           WRITE (out),
 *                        size = 1, 2 or 4                               STRING, REP
 *   MVMM_EV_MSR_READ     MSR index (ECX)
 *   MVMM_EV_MSR_WRITE    MSR index (ECX)
 *   MVMM_EV_XSETBV       XCR index (ECX)
 *   MVMM_EV_NPF          guest-physical address    fault error code /   WRITE (if known)
 *   MVMM_EV_MMIO         guest-physical address      exit qualification
 *   MVMM_EV_APIC_ACCESS  APIC register offset      EOI vector (VMX      WRITE, FETCH
 *                        (if known)                  virtualized EOI)
 *   MVMM_EV_NESTED       enum mvmm_nested_insn (SVM INVLPGA included)
 *   MVMM_EV_OTHER        vendor exit code
 *
 * Vendor notes: on SVM, CR access has sub = GPR only when decode assists
 * report it (CLTS, LMSW and CR write traps give ~0), and DR access always
 * has sub = ~0. The SEV-ES EFER write trap is an MSR write of 0xc0000080.
 * Descriptor-table exits (SVM 0x66-0x6d, VMX 46/47) are MVMM_EV_OTHER.
 * A nested page fault on a GPA that no memslot backs is MVMM_EV_MMIO,
 * whatever the hardware reported (not-present NPF, reserved-bit NPF or EPT
 * misconfiguration); for L2 events the GPA is L2's and stays MVMM_EV_NPF.
 *
 * raw_reason always holds the vendor's exit code (SVM) or full exit reason
 * (VMX), so nothing the hardware said is lost.
 *
 * Generic netlink family "mvmm" (MVMM_GENL_NAME, version MVMM_GENL_VERSION)
 * -------------------------------------------------------------------------
 *
 * Permissions: a sender holding CAP_NET_ADMIN in the initial user
 * namespace (it and its socket's opener) sees and changes everything.
 * Without it a sender sees only its own VMs, those whose creator had its
 * effective uid: other VMs are left out of GET_VM and GET_STATS dumps,
 * and a doit or a GET_RULE dump naming one gets what an id no VM has
 * gets (ENOENT, "no VM with this id"). GET_RULE of the default table,
 * GET_HANDLER, GET_GROUP and every change are refused with EPERM,
 * extended ACK message "CAP_NET_ADMIN required"; joining the multicast
 * group fails with EPERM.
 *
 * MVMM_CMD_GET_VM
 *   doit with MVMM_A_VM_ID (ids start at 1): that VM; without it EINVAL,
 *   the extended ACK naming MVMM_A_VM_ID as missing
 *   (NLMSGERR_ATTR_MISS_TYPE); dump (NLM_F_DUMP): every VM known to
 *   the module that the sender may see. Each reply message carries:
 *
 *     MVMM_A_VM_ID: NLA_U32, small id given when the VM is first seen
 *     MVMM_A_VM_PID: NLA_U32, pid of the process that created the VM
 *     MVMM_A_VM_COMM: NLA_NUL_STRING, that process's command name
 *     MVMM_A_VM_VCPUS: NLA_U32, number of vCPUs created so far
 *     MVMM_A_VM_AGE_MS: NLA_U64, milliseconds since the module first saw it
 *
 * MVMM_CMD_GET_STATS
 *   Same addressing as MVMM_CMD_GET_VM. Each reply carries the VM
 *   attributes above plus:
 *
 *     MVMM_A_VM_STATS: NLA_NESTED
 *       <type>: NLA_NESTED, one per event type with a non-zero count,
 *               the attribute type being the event type
 *         MVMM_A_EVSTAT_TYPE: NLA_U32, enum mvmm_event_type
 *         MVMM_A_EVSTAT_EXITS: NLA_U64, every exit of this type
 *         MVMM_A_EVSTAT_FASTPATH: NLA_U64, of those, exits KVM completed
 *                                 in its fastpath (never routable; x2APIC
 *                                 ICR and TSC-deadline MSR writes)
 *         MVMM_A_EVSTAT_L2: NLA_U64, of those, exits taken while a nested
 *                           (L2) guest ran
 *         MVMM_A_EVSTAT_ROUTED: NLA_U64, events a rule sent to a secondary
 *                               (handler, group or pre-registered answer),
 *                               observe copies included; MMIO and answered
 *                               IO count each access KVM's emulator made
 *         MVMM_A_EVSTAT_COMPLETED: NLA_U64, of those, completed by mvmm
 *                                  (the secondary's or answer's result, an
 *                                  injected fault, a deny fallback): KVM
 *                                  never handled them
 *       <type>: NLA_NESTED
 *         ...
 *
 * Policy tables: every rule command names one table, either
 *
 *     MVMM_A_VM_ID: NLA_U32, that VM's table, or
 *     MVMM_A_DEFAULT: NLA_FLAG, the table VMs start from when first seen
 *
 * and rules travel in
 *
 *     MVMM_A_RULE: NLA_NESTED
 *       MVMM_A_RULE_ID: NLA_U32, >= 1; chosen by the module on add if absent
 *       MVMM_A_RULE_TYPE: NLA_U32, enum mvmm_event_type
 *       MVMM_A_RULE_LO: NLA_U64, qualifier range start (default 0)
 *       MVMM_A_RULE_HI: NLA_U64, range end, inclusive (default: LO if LO
 *                       is given, else U64_MAX: the whole type)
 *       MVMM_A_RULE_ORIGIN: NLA_U8, enum mvmm_origin_match (default any)
 *       MVMM_A_RULE_MODE: NLA_U8, enum mvmm_rule_mode (default sync)
 *       MVMM_A_RULE_FALLBACK: NLA_U8, enum mvmm_rule_fallback (default main)
 *       MVMM_A_RULE_TARGET: NLA_NUL_STRING, "main" or a handler's name
 *       MVMM_A_RULE_ANSWER: NLA_NESTED, instead of TARGET: a fixed answer
 *                           (see "Pre-registered answers" below)
 *
 *   LO and HI may not pass the largest qualifier of the type (ERANGE,
 *   naming the attribute): 31 for EXCEPTION vectors, 0xff for INTR and
 *   SIPI vectors, 0xffff for IO ports and TASK_SWITCH selectors, 15 for
 *   CR and DR numbers, 0xfff for APIC_ACCESS offsets, MVMM_NESTED_VMFUNC
 *   for NESTED, 0xffffffff for CPUID, RDPMC, MSR_READ, MSR_WRITE and
 *   XSETBV, 0 for types without a qualifier; INVLPG, HYPERCALL, NPF, MMIO
 *   and OTHER take any value. HI may always be U64_MAX ("up to the
 *   last"), so that a rule as dumped can be sent back.
 *
 * The rule commands need CAP_NET_ADMIN in the initial user namespace:
 * without it EPERM, extended ACK message "CAP_NET_ADMIN required". The
 * attribute policy is checked first, for every request.
 *
 * MVMM_CMD_RULE_ADD (CAP_NET_ADMIN)
 *   A table and MVMM_A_RULE with at least TYPE and TARGET. The reply
 *   (doit) carries MVMM_A_RULE with the rule as stored, id included. A
 *   range that overlaps a rule of the same type accepting a common origin
 *   is refused with EEXIST; the extack cookie holds that rule's id (u32).
 *   A rule sending MSR writes that cover 0x6e0 or 0x830 to a handler, in
 *   sync or observe mode, is refused with EOPNOTSUPP: KVM completes those
 *   writes in its fastpath, where no handler can get them.
 *   A sync rule for MVMM_EV_EXCEPTION whose range is not exactly vector
 *   6 (#UD) is refused with EOPNOTSUPP (naming MVMM_A_RULE_LO): KVM
 *   handles the other exceptions it intercepts itself (see "Secondary
 *   VMMs" below); observe rules may cover any vector.
 * MVMM_CMD_RULE_REPLACE (CAP_NET_ADMIN)
 *   As add, with MVMM_A_RULE_ID naming the rule to replace (ENOENT if
 *   none); the rule keeps its id.
 * MVMM_CMD_RULE_DEL (CAP_NET_ADMIN)
 *   A table and MVMM_A_RULE holding MVMM_A_RULE_ID and nothing else; any
 *   other attribute in it is refused (EINVAL, naming it), not ignored.
 * MVMM_CMD_RULE_FLUSH (CAP_NET_ADMIN)
 *   A table and no MVMM_A_RULE (EINVAL): every rule in it goes.
 * MVMM_CMD_GET_RULE
 *   Dump with a table: one message per rule, MVMM_A_VM_ID or
 *   MVMM_A_DEFAULT plus MVMM_A_RULE, in rule id order. The default
 *   table needs CAP_NET_ADMIN, a VM's table CAP_NET_ADMIN or its owner.
 * MVMM_CMD_GET_HANDLER (CAP_NET_ADMIN)
 *   Dump: one message per handler registered under a name (its kernel
 *   handler first, then its userspace handlers by VM id), or one for the
 *   name alone when none is. The counters are the name's (the same in
 *   each of its messages); the load is the handler's. Names that no
 *   handler, rule or group refers to may be reclaimed (see Names below);
 *   a name registered again after that has a new HANDLER_ID.
 *
 *     MVMM_A_HANDLER: NLA_NESTED
 *       MVMM_A_HANDLER_NAME: NLA_NUL_STRING
 *       MVMM_A_HANDLER_ID: NLA_U32
 *       MVMM_A_HANDLER_ATTACHED: NLA_U8, 1 if a handler is registered now
 *       MVMM_A_HANDLER_EVENTS: NLA_U64, events routed to this name
 *       MVMM_A_HANDLER_HANDLED: NLA_U64, completed by the handler
 *       MVMM_A_HANDLER_TO_MAIN: NLA_U64, passed back to KVM by it
 *       MVMM_A_HANDLER_INJECTED: NLA_U64, answered with an exception
 *       MVMM_A_HANDLER_FALLBACK: NLA_U64, rule fallback applied (handler
 *                                absent, failed, or answered invalidly)
 *       MVMM_A_HANDLER_INVALID: NLA_U64, of those, invalid answers
 *       MVMM_A_HANDLER_OBSERVED: NLA_U64, observe-mode copies delivered
 *       MVMM_A_HANDLER_USER: NLA_FLAG, attached through /dev/mvmm
 *       MVMM_A_HANDLER_PID: NLA_U32, user: the attaching process
 *       MVMM_A_HANDLER_VM_ID: NLA_U32, user: the VM it is bound to
 *       MVMM_A_HANDLER_TIMEOUTS: NLA_U64, of the fallbacks, timeouts
 *       MVMM_A_HANDLER_DROPPED: NLA_U64, observe copies dropped (ring full)
 *       MVMM_A_HANDLER_RESTARTS: NLA_U64, waits interrupted by a signal
 *                                and resumed on the next KVM_RUN
 *       MVMM_A_HANDLER_OUTSTANDING: NLA_U32, user: requests unanswered now
 *
 * MVMM_CMD_RULE_APPLY (CAP_NET_ADMIN)
 *   Many changes to any tables, applied atomically (mvmmctl apply -f):
 *
 *     MVMM_A_OP: NLA_NESTED, repeated, top level, in order
 *       MVMM_A_VM_ID or MVMM_A_DEFAULT: the table, as above
 *       MVMM_A_FLUSH: NLA_FLAG, empty the table (rule ids go on), or
 *       MVMM_A_RULE: as for MVMM_CMD_RULE_ADD, add this rule
 *
 *   Each operation applies to the result of those before it. Every
 *   table named is rebuilt from its current rules before anything is
 *   published, then all of them are swapped at once; on any error no
 *   table changes. An error about an operation has an extack cookie of
 *   one u32, the index of that MVMM_A_OP in the message (from 0),
 *   followed for EEXIST by a second u32, the id of the rule in the way.
 *   No MVMM_A_OP at all is a valid request that changes nothing. The
 *   request is one message: the sender's socket send buffer bounds its
 *   size (mvmmctl raises it; about 100 bytes per rule).
 *
 * Groups
 * ------
 *
 * A group names 1..MVMM_GROUP_MAX_MEMBERS handlers (kernel or userspace,
 * any mix, each at most once) and a policy; a rule whose MVMM_A_RULE has
 * MVMM_A_RULE_GROUP (NLA_NUL_STRING, the group's name) instead of
 * MVMM_A_RULE_TARGET sends each event to one member, chosen per event:
 *
 *   least-outstanding  fewest events waiting on the member now (ties: the
 *                      lower service-time EWMA, then in turn);
 *   ewma               lowest EWMA of recent service times, times one plus
 *                      the events waiting on it (a member with no answer
 *                      yet counts as 0: every member is tried);
 *   weighted           weighted round robin by MVMM_A_MEMBER_WEIGHT (1..
 *                      MVMM_GROUP_WEIGHT_MAX, default 1), interleaved.
 *
 * A member is out of the choice while no handler is attached under its
 * name, and for one second after a call to it timed out (then events
 * probe it again: an answer in time puts it back). A member that turns out
 * detached or bound to another VM when called is skipped and the event
 * goes to another member; a timed-out event takes the rule's fallback (the
 * secondary may still act on it). With no usable member the rule's
 * fallback applies, counted in MVMM_A_GROUP_NO_MEMBER. Handler counters
 * (MVMM_A_HANDLER_*) count the events a member served. RULE_TARGET and
 * RULE_GROUP together are refused (EINVAL naming RULE_GROUP); a group
 * rule needs the group to exist (ENOENT naming RULE_GROUP). Deleting a
 * group is allowed while rules name it: they take their fallback until a
 * group of that name is added again (like a detached handler's rules).
 * Rule dumps carry RULE_GROUP for group rules, and no RULE_TARGET. An
 * event interrupted by a signal (see "Waiting" below) is chosen afresh
 * when the guest retakes it, and may go to another member.
 *
 * MVMM_CMD_GROUP_ADD, MVMM_CMD_GROUP_SET (CAP_NET_ADMIN)
 *     MVMM_A_GROUP: NLA_NESTED
 *       MVMM_A_GROUP_NAME: NLA_NUL_STRING, as a handler name
 *       MVMM_A_GROUP_POLICY: NLA_U8, enum mvmm_group_policy (default
 *                            least-outstanding)
 *       MVMM_A_GROUP_MEMBERS: NLA_NESTED
 *         MVMM_A_GROUP_MEMBER: NLA_NESTED, one per member, in order
 *           MVMM_A_MEMBER_NAME: NLA_NUL_STRING, a handler name the module
 *                               has seen (ENOENT otherwise)
 *           MVMM_A_MEMBER_WEIGHT: NLA_U32, weighted policy (default 1)
 *   Add: EEXIST if the group exists; SET: ENOENT if it does not, else
 *   policy and members are replaced at once (choice counters restart).
 *   No member, more than MVMM_GROUP_MAX_MEMBERS, a member twice: EINVAL.
 *   ENOSPC: 64 group names were used already.
 * MVMM_CMD_GROUP_DEL (CAP_NET_ADMIN)
 *     MVMM_A_GROUP with MVMM_A_GROUP_NAME only; ENOENT if no such group.
 * MVMM_CMD_GET_GROUP (CAP_NET_ADMIN)
 *   doit with MVMM_A_GROUP { NAME }, or dump: every group. Replies:
 *     MVMM_A_GROUP: NLA_NESTED
 *       MVMM_A_GROUP_NAME, MVMM_A_GROUP_ID (NLA_U32), MVMM_A_GROUP_POLICY
 *       MVMM_A_GROUP_NO_MEMBER: NLA_U64, events that found no usable member
 *       MVMM_A_GROUP_MEMBERS: NLA_NESTED
 *         MVMM_A_GROUP_MEMBER: NLA_NESTED
 *           MVMM_A_MEMBER_NAME, MVMM_A_MEMBER_WEIGHT
 *           MVMM_A_MEMBER_HANDLER_ID: NLA_U32
 *           MVMM_A_MEMBER_CHOSEN: NLA_U64, events it was chosen for
 *           MVMM_A_MEMBER_USABLE: NLA_U8, 1 if it can be chosen now
 *
 * Handler load, in every MVMM_CMD_GET_HANDLER reply:
 *
 *     MVMM_A_HANDLER_LOAD: NLA_NESTED
 *       MVMM_A_HLOAD_INFLIGHT: NLA_U32, vCPUs waiting on the handler now
 *       MVMM_A_HLOAD_SAMPLES: NLA_U64, synchronous calls timed (answers
 *                             and timeouts)
 *       MVMM_A_HLOAD_EWMA_NS: NLA_U64, service time EWMA (weight 1/8)
 *       MVMM_A_HLOAD_P50_NS, MVMM_A_HLOAD_P99_NS, MVMM_A_HLOAD_MAX_NS:
 *                             NLA_U64, percentiles of the service times,
 *                             as the upper bound of their power-of-two
 *                             bucket (0: no sample)
 *       MVMM_A_HLOAD_USABLE: NLA_U8, 0 while out of group choice (not
 *                            attached, or after a timeout)
 *       MVMM_A_HLOAD_CPU_NS: NLA_U64, userspace handlers: CPU time used by
 *                            the attached process so far (absent if gone)
 *
 * Pre-registered answers
 * ----------------------
 *
 * A rule whose MVMM_A_RULE has MVMM_A_RULE_ANSWER (NLA_NESTED, enum
 * mvmm_answer_attr) instead of MVMM_A_RULE_TARGET completes the events it
 * matches in the kernel with a fixed result: no handler is called or
 * woken. What it may carry depends on the rule's type:
 *
 *   type       attributes              the guest gets
 *   CPUID      EAX, EBX, ECX, EDX      for each register given, REG_VALUE,
 *              (at least one)          or KVM's value & REG_AND | REG_OR
 *                                      (AND defaults to ~0, OR to 0);
 *                                      KVM's value for the others
 *   MSR_READ   VALUE                   EDX:EAX = VALUE
 *   MSR_WRITE  IGNORE                  nothing: the write is dropped
 *   IO         VALUE and/or IGNORE     IN: the low 1, 2 or 4 bytes of
 *                                      VALUE (<= 0xffffffff) in AL/AX/EAX;
 *                                      OUT: dropped if IGNORE
 *   MMIO       VALUE and/or IGNORE     reads: the low 1..8 bytes of VALUE;
 *                                      writes: dropped if IGNORE
 *   HYPERCALL  VALUE                   RAX = VALUE
 *
 * and the instruction completes, exactly as with a secondary's handled
 * answer (the same code applies both). MMIO accesses and the elements of
 * string IO are answered where KVM's in-kernel devices are, on its MMIO
 * and PIO buses, ahead of them. An IO or MMIO access whose direction has
 * no answer (an IN without VALUE, an OUT without IGNORE), and CPUID while
 * the guest enabled CPUID faulting, go to KVM.
 * "KVM's value" is what KVM would answer for that leaf and subleaf.
 * Events of a nested guest are answered when KVM handles them itself
 * (see "Nested guests" below).
 *
 * Answer rules are sync rules with fallback main: another MODE or
 * FALLBACK is EINVAL naming it. Refused, naming the attribute: RULE_ANSWER
 * with RULE_TARGET or RULE_GROUP, or empty (EINVAL); a type not in the
 * table (EOPNOTSUPP); an attribute the type does not take, or its
 * required one missing (EINVAL); REG_VALUE with REG_AND or REG_OR, or an
 * empty register (EINVAL); an IO VALUE above 0xffffffff (ERANGE). Answers
 * are stored once per distinct content while some table's rule names
 * them (a refused request keeps none); beyond 2048 distinct answers in
 * use, ENOSPC.
 *
 * Rule dumps carry RULE_ANSWER (the attributes as given) and no
 * RULE_TARGET, with MVMM_A_ANSWER_HITS: events completed with this
 * answer since it was stored, by every rule that has the same answer.
 * HITS is ignored on input, so that a dumped rule can be sent back.
 *
 * Errors come back as netlink error messages with an extended ACK whose
 * message names the offending attribute. Each command has its own
 * attribute policy: a top-level attribute it does not take is refused
 * (EINVAL, "Unsupported attribute"; above MVMM_A_MAX, "Unknown attribute
 * type").
 *
 * Dump consistency: MVMM_CMD_GET_RULE dumps that span several messages
 * carry NLM_F_DUMP_INTR (on a rule message or on NLMSG_DONE) when any
 * table changed between two parts: what was received may mix two states
 * of the table and must be dumped again.
 *
 * Notifications (monitor)
 * -----------------------
 *
 * The family's multicast group MVMM_GENL_MCGRP_EVENTS ("events"), which
 * needs CAP_NET_ADMIN to join (EPERM otherwise), gets one message per
 * change, sent after the change took effect, in the order of the changes
 * (seq 0, portid 0):
 *
 *   MVMM_CMD_RULE_ADD, MVMM_CMD_RULE_REPLACE
 *     The table (MVMM_A_VM_ID or MVMM_A_DEFAULT) and MVMM_A_RULE, as
 *     stored (the new rule for replace), attributes as in GET_RULE.
 *   MVMM_CMD_RULE_DEL
 *     The table and MVMM_A_RULE: the rule as it was before it went.
 *   MVMM_CMD_RULE_FLUSH
 *     The table only.
 *   MVMM_CMD_RULE_APPLY
 *     The table only, once for each table an apply replaced (its rules
 *     changed as a whole: dump it again).
 *   MVMM_CMD_HANDLER_ATTACH, MVMM_CMD_HANDLER_DETACH
 *     A handler (kernel module or /dev/mvmm file) registered or went:
 *       MVMM_A_HANDLER: NLA_NESTED
 *         MVMM_A_HANDLER_NAME, MVMM_A_HANDLER_ID
 *         MVMM_A_HANDLER_USER, _PID, _VM_ID: userspace handlers only
 *   MVMM_CMD_VM_NEW
 *     mvmm saw a VM for the first time (its first exit, or an attach to
 *     it): MVMM_A_VM_ID, MVMM_A_VM_PID, MVMM_A_VM_COMM.
 *   MVMM_CMD_VM_DEL
 *     KVM destroyed the VM (its table goes with it): the same attributes.
 *
 * HANDLER_ATTACH, HANDLER_DETACH, VM_NEW and VM_DEL are notifications
 * only: as requests they are refused (EOPNOTSUPP).
 *
 * Nothing is built or sent while nobody listens. VM notifications are
 * queued from KVM's paths and sent shortly after from a workqueue; a
 * notification that cannot be allocated is lost, and the listener's socket
 * gets ENOBUFS on its next receive, as for any overrun.
 */

#ifndef _UAPI_LINUX_MVMM_H
#define _UAPI_LINUX_MVMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

enum mvmm_event_type {
	MVMM_EV_OTHER = 0,
	MVMM_EV_EXCEPTION,
	MVMM_EV_INTR,
	MVMM_EV_NMI,
	MVMM_EV_SMI,
	MVMM_EV_INIT,
	MVMM_EV_SIPI,
	MVMM_EV_INTR_WINDOW,
	MVMM_EV_NMI_WINDOW,
	MVMM_EV_TASK_SWITCH,
	MVMM_EV_CPUID,
	MVMM_EV_HLT,
	MVMM_EV_INVD,
	MVMM_EV_WBINVD,
	MVMM_EV_INVLPG,
	MVMM_EV_INVPCID,
	MVMM_EV_RDPMC,
	MVMM_EV_RDTSC,
	MVMM_EV_RDTSCP,
	MVMM_EV_HYPERCALL,
	MVMM_EV_CR_ACCESS,
	MVMM_EV_DR_ACCESS,
	MVMM_EV_IO,
	MVMM_EV_MSR_READ,
	MVMM_EV_MSR_WRITE,
	MVMM_EV_MONITOR,
	MVMM_EV_MWAIT,
	MVMM_EV_PAUSE,
	MVMM_EV_XSETBV,
	MVMM_EV_NPF,		/* nested page fault / EPT violation on RAM */
	MVMM_EV_MMIO,		/* guest access to a GPA that no memslot backs */
	MVMM_EV_APIC_ACCESS,	/* APIC access/write, EOI induced, TPR, AVIC */
	MVMM_EV_NESTED,		/* virtualization instructions (VMRUN, VMXON, ...) */
	MVMM_EV_SHUTDOWN,	/* triple fault / shutdown */
	MVMM_EV_XSAVES,		/* XSAVES/XRSTORS */
	MVMM_EV_PREEMPT_TIMER,	/* VMX preemption timer */
	MVMM_EV_FAILED_ENTRY,	/* VM entry failed (invalid guest state) */
	__MVMM_EV_MAX
};
#define MVMM_EV_MAX (__MVMM_EV_MAX - 1)

enum mvmm_origin {
	MVMM_ORIGIN_L1 = 0,	/* the VM's own guest */
	MVMM_ORIGIN_L2 = 1,	/* a nested guest run by a guest hypervisor */
};

enum mvmm_event_flags {
	MVMM_EVF_WRITE = 1 << 0,	/* IO out, MSR/CR/DR/MMIO write */
	MVMM_EVF_STRING = 1 << 1,	/* INS/OUTS */
	MVMM_EVF_REP = 1 << 2,		/* REP prefix */
	MVMM_EVF_ERRCODE = 1 << 3,	/* sub holds a valid error code */
	MVMM_EVF_FETCH = 1 << 4,	/* NPF/MMIO on instruction fetch */
};

/* MVMM_EV_NESTED qualifier */
enum mvmm_nested_insn {
	MVMM_NESTED_VMRUN = 0,
	MVMM_NESTED_VMLOAD,
	MVMM_NESTED_VMSAVE,
	MVMM_NESTED_STGI,
	MVMM_NESTED_CLGI,
	MVMM_NESTED_SKINIT,
	MVMM_NESTED_INVLPGA,
	MVMM_NESTED_VMCLEAR,
	MVMM_NESTED_VMLAUNCH,
	MVMM_NESTED_VMPTRLD,
	MVMM_NESTED_VMPTRST,
	MVMM_NESTED_VMREAD,
	MVMM_NESTED_VMRESUME,
	MVMM_NESTED_VMWRITE,
	MVMM_NESTED_VMXOFF,
	MVMM_NESTED_VMXON,
	MVMM_NESTED_INVEPT,
	MVMM_NESTED_INVVPID,
	MVMM_NESTED_VMFUNC,
};

/**
 * struct mvmm_event - one exit, classified
 * @type: enum mvmm_event_type
 * @origin: enum mvmm_origin: L1, or L2 (a nested guest)
 * @size: access size in bytes (IO, MMIO), else 0
 * @flags: enum mvmm_event_flags
 * @qual: primary qualifier, see the table above
 * @sub: secondary qualifier, see the table above
 * @raw_reason: the vendor exit code (SVM) or exit reason (VMX)
 */
struct mvmm_event {
	__u16 type;
	__u8 origin;
	__u8 size;
	__u32 flags;
	__u64 qual;
	__u64 sub;
	__u64 raw_reason;
};

/*
 * Secondary VMMs
 * --------------
 *
 * A secondary gets one struct mvmm_request per routed event and answers
 * with one struct mvmm_answer. What a *handled* answer may write depends on
 * the event; mvmm checks it and falls back (see the rule's fallback) on
 * anything else:
 *
 *   event        handled answer                        then
 *   IO in        value -> AL/AX/EAX (by size)          skip instruction
 *   IO out       nothing                               skip instruction
 *   MSR read     value -> EDX:EAX                      skip instruction
 *   MSR write    nothing                               skip instruction
 *   CPUID        gprs[] under gpr_mask, RAX..RDX only   skip instruction
 *   hypercall    value -> RAX, or gprs[] under          skip instruction
 *                gpr_mask (any GPR but RSP)
 *   HLT          nothing (the vCPU does not halt)      skip instruction
 *   exception    the exception is consumed: rip under  resume at rip
 *                MVMM_ANS_RIP is required
 *
 * Events are completed where KVM's own handling of them starts, once
 * KVM's vendor code has done what it does for every exit (see
 * Documentation/mvmm.rst, "How the hook works"). Of the exceptions, only
 * #UD gets there (sync rules for other vectors are refused). String IO
 * (INS, OUTS) and MMIO are decoded by KVM's emulator first: the
 * secondary gets one request per access, with its size and data (an
 * element of string IO keeps MVMM_EVF_STRING), and answers IN and reads
 * with a value; they cannot be answered with an exception, and a deny
 * fallback reads all-ones and drops writes, as an unclaimed bus does.
 * Any other event may be answered with MVMM_ACT_INJECT: vector < 32, not
 * NMI (2), not reserved (15, 22-27, 31), not #BP (3), #OF (4) or #VC
 * (29), with an error code exactly for the vectors that architecturally
 * have one (8, 10-14, 17, 21, 30); the instruction is not skipped. KVM
 * would take an injected #BP or #OF for INT3 or INTO and skip the
 * instruction, and SVM does not inject #BP, #OF or #VC again when an NPF
 * interrupts their delivery, so the exit would be routed twice: those
 * answers are invalid (EINVAL from MVMM_IOC_ANSWER, the rule's fallback
 * from the ring or a kernel secondary).
 */
enum mvmm_gpr {
	MVMM_GPR_RAX, MVMM_GPR_RCX, MVMM_GPR_RDX, MVMM_GPR_RBX,
	MVMM_GPR_RSP, MVMM_GPR_RBP, MVMM_GPR_RSI, MVMM_GPR_RDI,
	MVMM_GPR_R8, MVMM_GPR_R9, MVMM_GPR_R10, MVMM_GPR_R11,
	MVMM_GPR_R12, MVMM_GPR_R13, MVMM_GPR_R14, MVMM_GPR_R15,
	MVMM_NR_GPRS
};

/* gpr_mask bit for RIP, next to the (1 << enum mvmm_gpr) bits */
#define MVMM_ANS_RIP	(1U << 16)

enum mvmm_request_flags {
	MVMM_REQF_OBSERVE = 1 << 0,	/* a copy: no answer is expected */
};

/**
 * struct mvmm_request - one routed event, as a secondary gets it
 * @ev: the event
 * @seq: per handler, from 1; the answer echoes it
 * @vm_id: mvmm's id of the VM
 * @vcpu_id: KVM's vcpu_id (the APIC id)
 * @vcpu_idx: index of the vCPU: its ring slot
 * @flags: enum mvmm_request_flags
 * @data: IO out, MMIO write: the value written
 * @gprs: the vCPU's general-purpose registers, by enum mvmm_gpr
 * @rip: the address of the instruction that exited
 */
struct mvmm_request {
	struct mvmm_event ev;
	__u64 seq;
	__u32 vm_id;
	__u32 vcpu_id;
	__u32 vcpu_idx;
	__u32 flags;
	__u64 data;
	__u64 gprs[MVMM_NR_GPRS];
	__u64 rip;
};

enum mvmm_action {
	MVMM_ACT_MAIN = 0,	/* KVM handles the event as if mvmm were absent */
	MVMM_ACT_HANDLED,	/* results below; mvmm completes the event */
	MVMM_ACT_INJECT,	/* inject an exception into the guest */
};

/**
 * struct mvmm_answer - a secondary's answer to a request (see the table above)
 * @action: enum mvmm_action
 * @gpr_mask: HANDLED: the gprs[] (1 << enum mvmm_gpr) and rip (%MVMM_ANS_RIP)
 *	to write
 * @value: HANDLED: the IO-in, MSR-read or hypercall result
 * @gprs: HANDLED: register values, where @gpr_mask says
 * @rip: HANDLED: the new RIP, under %MVMM_ANS_RIP
 * @vector: INJECT: the exception vector
 * @has_error_code: INJECT: 1 if @error_code is pushed
 * @reserved: must be 0
 * @error_code: INJECT: the error code
 */
struct mvmm_answer {
	__u32 action;
	__u32 gpr_mask;
	__u64 value;
	__u64 gprs[MVMM_NR_GPRS];
	__u64 rip;
	__u8 vector;
	__u8 has_error_code;
	__u16 reserved;
	__u32 error_code;
};

/*
 * Policy rules (values of MVMM_A_RULE_ORIGIN, _MODE, _FALLBACK)
 *
 * Which origins a rule accepts (an event's origin is enum mvmm_origin).
 *
 * Nested guests: an exit of a nested guest (origin L2) that the guest
 * hypervisor (L1) intercepts is L1's: KVM reflects it into L1 as a
 * #VMEXIT, and no sync rule takes it from L1. One that L1 does not
 * intercept is KVM's (L0's) to handle, and sync rules of origin L2 or any
 * route it like an L1 event: mvmm completes events only after KVM made
 * that choice. Observe rules get copies of every L2 exit, intercepted by
 * L1 or not.
 */
enum mvmm_origin_match {
	MVMM_MATCH_ANY = 0,	/* L1 and L2: the default */
	MVMM_MATCH_L1 = 1,	/* only events of the VM's own guest */
	MVMM_MATCH_L2 = 2,	/* only events of a nested guest */
};

enum mvmm_rule_mode {
	MVMM_MODE_SYNC = 0,	/* the target decides what happens */
	MVMM_MODE_OBSERVE = 1,	/* the target gets a copy, KVM handles it */
};

/* What happens when the target is absent, detached or fails. */
enum mvmm_rule_fallback {
	MVMM_FALLBACK_MAIN = 0,	/* KVM handles the event */
	MVMM_FALLBACK_DENY = 1,	/* inject a fault: nothing reaches KVM */
};

/* Generic netlink */
#define MVMM_GENL_NAME		"mvmm"
#define MVMM_GENL_VERSION	1
/* Multicast group of the family: see "Notifications" above (monitor). */
#define MVMM_GENL_MCGRP_EVENTS	"events"

enum mvmm_cmd {
	MVMM_CMD_UNSPEC,
	MVMM_CMD_GET_VM,
	MVMM_CMD_GET_STATS,
	MVMM_CMD_RULE_ADD,
	MVMM_CMD_RULE_REPLACE,
	MVMM_CMD_RULE_DEL,
	MVMM_CMD_RULE_FLUSH,
	MVMM_CMD_GET_RULE,
	MVMM_CMD_GET_HANDLER,
	MVMM_CMD_RULE_APPLY,	/* policy files: many changes at once */
	MVMM_CMD_HANDLER_ATTACH,	/* monitor: notification only */
	MVMM_CMD_HANDLER_DETACH,	/* monitor: notification only */
	MVMM_CMD_VM_NEW,	/* monitor: notification only */
	MVMM_CMD_VM_DEL,	/* monitor: notification only */
	MVMM_CMD_GROUP_ADD,	/* groups: create */
	MVMM_CMD_GROUP_SET,	/* groups: replace policy and members */
	MVMM_CMD_GROUP_DEL,	/* groups: delete */
	MVMM_CMD_GET_GROUP,	/* groups: one, or dump all */
	__MVMM_CMD_MAX
};
#define MVMM_CMD_MAX (__MVMM_CMD_MAX - 1)

enum mvmm_attr {
	MVMM_A_UNSPEC,
	MVMM_A_VM_ID,
	MVMM_A_VM_PID,
	MVMM_A_VM_COMM,
	MVMM_A_VM_VCPUS,
	MVMM_A_VM_AGE_MS,
	MVMM_A_VM_STATS,
	MVMM_A_PAD,
	MVMM_A_DEFAULT,
	MVMM_A_RULE,
	MVMM_A_HANDLER,
	MVMM_A_OP,		/* RULE_APPLY: one table operation */
	MVMM_A_FLUSH,		/* RULE_APPLY: in MVMM_A_OP, empty the table */
	MVMM_A_GROUP,		/* groups of handlers: MVMM_A_GROUP_* */
	__MVMM_A_MAX
};
#define MVMM_A_MAX (__MVMM_A_MAX - 1)

enum mvmm_evstat_attr {
	MVMM_A_EVSTAT_UNSPEC,
	MVMM_A_EVSTAT_TYPE,
	MVMM_A_EVSTAT_EXITS,
	MVMM_A_EVSTAT_FASTPATH,
	MVMM_A_EVSTAT_L2,
	MVMM_A_EVSTAT_PAD,
	MVMM_A_EVSTAT_ROUTED,	/* stats: sent to a secondary by a rule */
	MVMM_A_EVSTAT_COMPLETED,	/* stats: of those, completed by mvmm */
	__MVMM_A_EVSTAT_MAX
};
#define MVMM_A_EVSTAT_MAX (__MVMM_A_EVSTAT_MAX - 1)

enum mvmm_rule_attr {
	MVMM_A_RULE_UNSPEC,
	MVMM_A_RULE_ID,
	MVMM_A_RULE_TYPE,
	MVMM_A_RULE_LO,
	MVMM_A_RULE_HI,
	MVMM_A_RULE_ORIGIN,
	MVMM_A_RULE_MODE,
	MVMM_A_RULE_FALLBACK,
	MVMM_A_RULE_TARGET,
	MVMM_A_RULE_PAD,
	MVMM_A_RULE_GROUP,	/* groups: target a group, by name */
	MVMM_A_RULE_ANSWER,	/* pre-registered answers: MVMM_A_ANSWER_* */
	__MVMM_A_RULE_MAX
};
#define MVMM_A_RULE_MAX (__MVMM_A_RULE_MAX - 1)

enum mvmm_handler_attr {
	MVMM_A_HANDLER_UNSPEC,
	MVMM_A_HANDLER_NAME,
	MVMM_A_HANDLER_ID,
	MVMM_A_HANDLER_ATTACHED,
	MVMM_A_HANDLER_EVENTS,
	MVMM_A_HANDLER_HANDLED,
	MVMM_A_HANDLER_TO_MAIN,
	MVMM_A_HANDLER_INJECTED,
	MVMM_A_HANDLER_FALLBACK,
	MVMM_A_HANDLER_INVALID,
	MVMM_A_HANDLER_OBSERVED,
	MVMM_A_HANDLER_PAD,
	MVMM_A_HANDLER_USER,
	MVMM_A_HANDLER_PID,
	MVMM_A_HANDLER_VM_ID,
	MVMM_A_HANDLER_TIMEOUTS,
	MVMM_A_HANDLER_DROPPED,
	MVMM_A_HANDLER_RESTARTS,
	MVMM_A_HANDLER_OUTSTANDING,
	MVMM_A_HANDLER_LOAD,	/* groups: NLA_NESTED, MVMM_A_HLOAD_* */
	__MVMM_A_HANDLER_MAX
};
#define MVMM_A_HANDLER_MAX (__MVMM_A_HANDLER_MAX - 1)

/* Groups of handlers (MVMM_CMD_GROUP_*, MVMM_A_GROUP): see "Groups" above. */
#define MVMM_GROUP_MAX_MEMBERS	16
#define MVMM_GROUP_WEIGHT_MAX	255

/* How a group chooses a member for each event (MVMM_A_GROUP_POLICY). */
enum mvmm_group_policy {
	MVMM_GROUP_LEAST_OUTSTANDING = 0,	/* fewest events waiting on it */
	MVMM_GROUP_EWMA = 1,		/* lowest recent service time */
	MVMM_GROUP_WEIGHTED = 2,	/* weighted round robin */
};
#define MVMM_GROUP_POLICY_MAX	MVMM_GROUP_WEIGHTED

enum mvmm_group_attr {
	MVMM_A_GROUP_UNSPEC,
	MVMM_A_GROUP_NAME,
	MVMM_A_GROUP_ID,
	MVMM_A_GROUP_POLICY,
	MVMM_A_GROUP_MEMBERS,
	MVMM_A_GROUP_NO_MEMBER,
	MVMM_A_GROUP_PAD,
	__MVMM_A_GROUP_MAX
};
#define MVMM_A_GROUP_MAX (__MVMM_A_GROUP_MAX - 1)

/* In MVMM_A_GROUP_MEMBERS: one MVMM_A_GROUP_MEMBER nest per member. */
enum mvmm_group_members_attr {
	MVMM_A_GROUP_MEMBERS_UNSPEC,
	MVMM_A_GROUP_MEMBER,
	__MVMM_A_GROUP_MEMBERS_MAX
};
#define MVMM_A_GROUP_MEMBERS_MAX (__MVMM_A_GROUP_MEMBERS_MAX - 1)

enum mvmm_member_attr {
	MVMM_A_MEMBER_UNSPEC,
	MVMM_A_MEMBER_NAME,
	MVMM_A_MEMBER_WEIGHT,
	MVMM_A_MEMBER_HANDLER_ID,
	MVMM_A_MEMBER_CHOSEN,
	MVMM_A_MEMBER_USABLE,
	MVMM_A_MEMBER_PAD,
	__MVMM_A_MEMBER_MAX
};
#define MVMM_A_MEMBER_MAX (__MVMM_A_MEMBER_MAX - 1)

/* In MVMM_A_HANDLER_LOAD. */
enum mvmm_hload_attr {
	MVMM_A_HLOAD_UNSPEC,
	MVMM_A_HLOAD_INFLIGHT,
	MVMM_A_HLOAD_SAMPLES,
	MVMM_A_HLOAD_EWMA_NS,
	MVMM_A_HLOAD_P50_NS,
	MVMM_A_HLOAD_P99_NS,
	MVMM_A_HLOAD_MAX_NS,
	MVMM_A_HLOAD_USABLE,
	MVMM_A_HLOAD_CPU_NS,
	MVMM_A_HLOAD_PAD,
	__MVMM_A_HLOAD_MAX
};
#define MVMM_A_HLOAD_MAX (__MVMM_A_HLOAD_MAX - 1)

/*
 * Pre-registered answers: MVMM_A_RULE_ANSWER, in place of RULE_TARGET
 * (see "Pre-registered answers" above).
 */
enum mvmm_answer_attr {
	MVMM_A_ANSWER_UNSPEC,
	MVMM_A_ANSWER_VALUE,	/* NLA_U64: what a read returns */
	MVMM_A_ANSWER_IGNORE,	/* NLA_FLAG: writes complete, doing nothing */
	MVMM_A_ANSWER_EAX,	/* NLA_NESTED, MVMM_A_ANSWER_REG_*: CPUID */
	MVMM_A_ANSWER_EBX,
	MVMM_A_ANSWER_ECX,
	MVMM_A_ANSWER_EDX,
	MVMM_A_ANSWER_HITS,	/* NLA_U64, dumps only: events answered */
	MVMM_A_ANSWER_PAD,
	__MVMM_A_ANSWER_MAX
};
#define MVMM_A_ANSWER_MAX (__MVMM_A_ANSWER_MAX - 1)

/* One CPUID register: VALUE, or KVM's value & AND | OR. */
enum mvmm_answer_reg_attr {
	MVMM_A_ANSWER_REG_UNSPEC,
	MVMM_A_ANSWER_REG_VALUE,	/* NLA_U32: the register, whole */
	MVMM_A_ANSWER_REG_AND,		/* NLA_U32: KVM's value & AND ... */
	MVMM_A_ANSWER_REG_OR,		/* NLA_U32: ... then | OR */
	__MVMM_A_ANSWER_REG_MAX
};
#define MVMM_A_ANSWER_REG_MAX (__MVMM_A_ANSWER_REG_MAX - 1)

/*
 * Userspace secondaries: /dev/mvmm
 * --------------------------------
 *
 * Each open file of /dev/mvmm can become one handler. MVMM_IOC_ATTACH
 * binds it to one VM, named by a KVM VM file descriptor: holding that fd is
 * the capability (pass it over a unix socket to give a secondary access).
 * No other privilege is needed beyond opening /dev/mvmm (mode 0600 root by
 * default: grant it with a udev rule). From then on rules that target the
 * handler's name route that VM's events to this file. Closing the file (or
 * the process dying) detaches: every vCPU waiting on it completes through
 * the rule's fallback at once, and the name's rules resolve to their
 * fallback until a handler of that name attaches or registers again.
 *
 * Names: a userspace handler serves only the VM it attached to, and the
 * name is only that VM's: files attached to other VMs may use the same
 * name at the same time, each serving its own VM's events (a rule of the
 * default table that names it reaches, in each VM, that VM's handler).
 * EBUSY only for a second file of the same name and VM, or a name a kernel
 * secondary has registered: a kernel secondary serves every VM and comes
 * first (it may register a name userspace handlers use; they then get no
 * events). A name lives while a handler, a rule or a group member names
 * it; unused names are reclaimed when a new one needs room. The table
 * holds MVMM_HANDLER_NAMES_MAX names; without CAP_NET_ADMIN an attach may
 * not make a new name once only MVMM_HANDLER_NAMES_RESERVED places are
 * left (ENOSPC), nor hold more than MVMM_HANDLER_NAMES_PER_USER names per
 * user (EDQUOT), so that no local user can take every name.
 *
 * Events reach the secondary in two ways, which may be mixed:
 *
 * read(): returns whole struct mvmm_request records, each request once:
 *   first synchronous requests not yet read, then observe-mode copies
 *   (flags MVMM_REQF_OBSERVE) from the observe ring. A buffer smaller than
 *   one record is EINVAL. Blocks unless O_NONBLOCK (then EAGAIN); poll()
 *   reports EPOLLIN. Answers go back with ioctl(MVMM_IOC_ANSWER).
 *
 * The ring: mmap() of the file at offset 0, length mmap_size from the
 *   attach. It starts with struct mvmm_ring; slot i (at slots_offset +
 *   i * slot_size) belongs to the vCPU with vcpu_idx i; the observe ring
 *   (obs_entries records at obs_offset) follows.
 *
 * Memory: the ring (some 14 MB with obs_entries %MVMM_OBS_MAX) and the
 *   rest of an attachment's kernel memory are charged to the memory cgroup
 *   of the process that attached, as KVM charges a VM's to its VMM, until
 *   the file is closed (even after the VM is gone). An attach that would
 *   exceed the cgroup's limit fails with ENOMEM, or meets the cgroup's OOM
 *   killer, as any other allocation of that process would.
 *
 * The kernel signals the eventfd given at attach once for each request and
 * each observe copy, except with MVMM_ATTACH_POLL, where the secondary is
 * expected to poll the ring (no eventfd is needed then).
 *
 * Memory ordering of a slot (what libmvmm does; C11 atomics names):
 *   kernel:    writes seq = 0, req, then store-release seq and
 *              store-release state = REQUEST.
 *   secondary: load-acquire state; if REQUEST, load-acquire seq, copies
 *              req, acquire fence, re-reads seq: a copy is good if seq is
 *              non-zero and unchanged (else the request was withdrawn and
 *              replaced meanwhile). Then it writes
 *              ans and ans_seq = seq, then store-release state = ANSWER
 *              (a compare-and-swap from REQUEST). Then a full fence
 *              (seq_cst) and a load of sleeping: if non-zero, the vCPU
 *              thread sleeps and needs ioctl(MVMM_IOC_KICK, vcpu_idx).
 *   kernel:    sets sleeping, full fence, re-checks state before sleeping;
 *              on ANSWER copies ans once, checks it, sets state IDLE.
 * The kernel trusts nothing in the ring: an answer whose ans_seq is not
 * the outstanding request's (a late answer to a request that timed out,
 * landing on the next one) is ignored and the slot goes back to REQUEST
 * with a new eventfd signal; an invalid answer takes the
 * rule's fallback (counted as invalid). Use MVMM_IOC_ANSWER to get an
 * errno back instead.
 *
 * Observe ring: the kernel writes record obs_head % obs_entries, then
 * store-release obs_head + 1; the secondary reads records from obs_tail
 * (its own) up to a load-acquire of obs_head, then store-release obs_tail.
 * A copy that finds the ring full is dropped and counted in obs_dropped
 * (and MVMM_A_HANDLER_DROPPED); observe rules never make a vCPU wait.
 *
 * Who consumes observe copies: whoever moves obs_tail, and only that.
 * There is one tail, in the ring: the ring consumer moves it itself, and
 * read() moves it on the secondary's behalf (it copies the records from
 * the ring's obs_tail up to obs_head, then store-release obs_tail), so a
 * copy taken one way is gone for the other. read() and a ring consumer
 * do not synchronize with each other: take observe copies one way at a
 * time (in libmvmm: mvmm_sec_read(), or mvmm_sec_run()/poll_once(), not
 * both at once), or some may be seen twice. read() never trusts the
 * tail: one more than obs_entries behind obs_head, or ahead of it, counts
 * as exactly obs_entries behind. Synchronous requests are different: read()
 * hands each out once, but it stays in its slot until answered, so the
 * ring shows it too (answer it once).
 *
 * Waiting: the vCPU thread waits in the kernel, up to timeout_ms per
 * request (the rule's fallback applies then; counted as a timeout).
 * Before it sleeps it spins, watching its slot (a pause between looks;
 * when the scheduler wants the CPU, e.g. for a secondary just woken on
 * it, it gives the CPU up and spins on; another task merely runnable on
 * that CPU ends the spin), for at most:
 *   MVMM_ATTACH_POLL: poll_us (0: MVMM_POLL_DEFAULT_US), every request;
 *   eventfd mode: an adaptive time per vCPU, like KVM's halt polling: it
 *   starts at MVMM_SPIN_START_US; when the vCPU slept and the answer came
 *   within the ceiling it doubles (at least MVMM_SPIN_START_US, at most
 *   the ceiling), when it came later it halves (0 below the start). The
 *   ceiling is poll_us (0: MVMM_SPIN_DEFAULT_US);
 *   MVMM_ATTACH_NOSPIN (eventfd mode only, poll_us 0): no spin at all.
 * Only a vCPU that went to sleep needs a wake-up: see sleeping above
 * (MVMM_IOC_ANSWER wakes it by itself). MVMM_IOC_STATS tells how many
 * answers a spin caught and how often vCPUs slept. A
 * signal to the vCPU thread makes KVM_RUN return (-EINTR, KVM_EXIT_INTR)
 * without completing the instruction; the request stays outstanding, and
 * when the guest retakes the same exit (same type, qualifier and RIP) on
 * the next KVM_RUN the vCPU waits for that same request again: the
 * secondary sees it once. If the next exit is a different one (the main
 * VMM changed RIP, or an interrupt was delivered first), the old request
 * is withdrawn: a late answer to it gets ESTALE. An answer to an
 * interrupted request is lost if the secondary detaches before the guest
 * retakes the exit: the exit then takes the rule's fallback. An MMIO
 * access (one request per access, per element of REP MOVS/STOS) is
 * stopped the same way at the access that waits, and the retaken
 * instruction resumes there; elements of string port IO (REP INS/OUTS),
 * which KVM's emulator reads ahead, wait through signals other than
 * SIGKILL; all the elements of one exit share one timeout, counted from
 * the first: once it is over, the rest take the fallback without being
 * posted (Documentation/userspace-secondary.rst).
 *
 * When the VM goes (KVM destroys it once its last reference is closed),
 * an attached file stays attached, so that the secondary can read what
 * is left, but it has nothing more to serve: poll() reports EPOLLHUP
 * (and EPOLLIN while records remain), read() returns the records left,
 * then 0 (end of file) instead of blocking, MVMM_IOC_ANSWER and
 * MVMM_IOC_KICK fail with ENOTCONN (no vCPU waits any more), and
 * MVMM_IOC_STATS still works. The kernel sets MVMM_RING_VM_GONE in the
 * ring's flags (store-release) and signals the eventfd once, so that a
 * secondary asleep on it wakes up. The handler stays attached until the
 * file is closed.
 *
 * MMIO: an access to a guest-physical address that no memslot backs, in
 * the range of a rule for MVMM_EV_MMIO, reaches the rule's target (before
 * any in-kernel device of KVM's MMIO bus) decoded: qual = address,
 * ev.size = 1 to 8, WRITE flag, data = the value written. KVM's emulator
 * splits an access at page boundaries and into pieces of at most 8
 * bytes, each a request of its own: a misaligned access across a page
 * comes as two, of any sizes (e.g. 3 + 1 bytes). A handled read answer's
 * value (its low ev.size bytes) is what the guest reads.
 */
#define MVMM_DEV_NAME		"mvmm"
#define MVMM_IOC_MAGIC		0xB8	/* not registered: out of tree */

enum mvmm_attach_flags {
	MVMM_ATTACH_POLL = 1 << 0,	/* spin, no eventfd: see above */
	MVMM_ATTACH_NOSPIN = 1 << 1,	/* eventfd mode: the vCPU never spins */
};

/*
 * Handler and group names: 1 to MVMM_HANDLER_NAME_LEN - 1 characters of
 * [a-zA-Z0-9_.-], not "main" (KVM in rules). How many: see Names above.
 */
#define MVMM_HANDLER_NAME_LEN		32
#define MVMM_HANDLER_NAMES_MAX		256
#define MVMM_HANDLER_NAMES_RESERVED	64
#define MVMM_HANDLER_NAMES_PER_USER	16

#define MVMM_TIMEOUT_DEFAULT_MS	100
#define MVMM_TIMEOUT_MAX_MS	60000
#define MVMM_POLL_DEFAULT_US	50
#define MVMM_POLL_MAX_US	10000
#define MVMM_SPIN_START_US	10	/* eventfd mode: adaptive spin, */
#define MVMM_SPIN_DEFAULT_US	200	/* its default ceiling */
#define MVMM_OBS_DEFAULT	1024
#define MVMM_OBS_MAX		65536

/**
 * struct mvmm_attach - argument of MVMM_IOC_ATTACH
 * @size: in: sizeof(struct mvmm_attach)
 * @flags: in: enum mvmm_attach_flags
 * @vm_fd: in: a KVM VM file descriptor
 * @eventfd: in: an eventfd, or -1 with %MVMM_ATTACH_POLL
 * @timeout_ms: in: 1..%MVMM_TIMEOUT_MAX_MS, 0: the default
 * @poll_us: in: 0..%MVMM_POLL_MAX_US, 0: the default; eventfd mode: the ceiling
 *	of the spin
 * @obs_entries: in: a power of 2 <= %MVMM_OBS_MAX, 0: the default
 * @vm_id: out: mvmm's id of the VM
 * @name: in: the handler name, NUL-terminated
 * @mmap_size: out: the length to mmap()
 * @nr_slots: out: one per possible vCPU
 * @reserved: in: 0
 */
struct mvmm_attach {
	__u32 size;
	__u32 flags;
	__s32 vm_fd;
	__s32 eventfd;
	__u32 timeout_ms;
	__u32 poll_us;
	__u32 obs_entries;
	__u32 vm_id;
	char name[MVMM_HANDLER_NAME_LEN];
	__u64 mmap_size;
	__u32 nr_slots;
	__u32 reserved;
};

enum mvmm_slot_state {
	MVMM_SLOT_IDLE = 0,
	MVMM_SLOT_REQUEST = 1,	/* set by the kernel */
	MVMM_SLOT_ANSWER = 2,	/* set by the secondary */
};

/**
 * struct mvmm_slot - one vCPU's request and answer in the ring
 * @state: enum mvmm_slot_state
 * @sleeping: kernel: the vCPU sleeps, kick it
 * @seq: kernel: the request's seq
 * @ans_seq: secondary: the seq it answers
 * @req: kernel: the request
 * @ans: secondary: the answer
 */
struct mvmm_slot {
	__u32 state;
	__u32 sleeping;
	__u64 seq;
	__u64 ans_seq;
	struct mvmm_request req;
	struct mvmm_answer ans;
};

/**
 * struct mvmm_ring - the header of the mmap()ed ring
 * @version: %MVMM_RING_VERSION
 * @nr_slots: slots, one per possible vCPU
 * @slot_size: stride, >= sizeof(struct mvmm_slot)
 * @slots_offset: where slot 0 starts
 * @obs_entries: records of struct mvmm_request in the observe ring
 * @obs_offset: where the observe ring starts
 * @obs_head: written by the kernel
 * @obs_tail: written by the secondary
 * @obs_dropped: written by the kernel: copies a full ring could not take
 * @slots_used: kernel: highest vcpu_idx that posted + 1
 * @flags: kernel: MVMM_RING_*
 */
struct mvmm_ring {
	__u32 version;
	__u32 nr_slots;
	__u32 slot_size;
	__u32 slots_offset;
	__u32 obs_entries;
	__u32 obs_offset;
	__u32 obs_head;
	__u32 obs_tail;
	__u64 obs_dropped;
	__u32 slots_used;
	__u32 flags;
};
#define MVMM_RING_VERSION	1
#define MVMM_RING_VM_GONE	(1U << 0)	/* the VM was destroyed */

/**
 * struct mvmm_reply - argument of MVMM_IOC_ANSWER
 * @seq: the request's seq
 * @vcpu_idx: the request's vcpu_idx
 * @flags: 0
 * @ans: the answer
 */
struct mvmm_reply {
	__u64 seq;
	__u32 vcpu_idx;
	__u32 flags;
	struct mvmm_answer ans;
};

/**
 * struct mvmm_ustats - argument of MVMM_IOC_STATS: waits since the attach
 * @posted: synchronous requests posted
 * @signals: eventfd signals sent
 * @spun: answers a vCPU saw while spinning
 * @slept: answers it saw after the spin ended
 * @sleeps: times a vCPU went to sleep
 * @kicks: MVMM_IOC_KICK calls
 */
struct mvmm_ustats {
	__u64 posted;
	__u64 signals;
	__u64 spun;
	__u64 slept;
	__u64 sleeps;
	__u64 kicks;
};

/*
 * MVMM_IOC_ATTACH errors: EINVAL (size, flags, reserved, name, timeout,
 * poll_us, obs_entries, MVMM_ATTACH_NOSPIN with MVMM_ATTACH_POLL or with a
 * poll_us, or vm_fd not a KVM VM), EBADF (vm_fd or eventfd not
 * open), EBUSY (this file is attached already, the name is attached to
 * this VM already, or a kernel secondary has it), ENOSPC (no room for a
 * new name, for this caller: see Names above), EDQUOT (this user holds
 * MVMM_HANDLER_NAMES_PER_USER names already).
 * MVMM_IOC_ANSWER errors: ENOTCONN (not attached), EINVAL (flags,
 * vcpu_idx out of range, or an answer the event does not allow: see the
 * table above), ESTALE (no outstanding request with that seq on that
 * vCPU: answered, timed out, withdrawn, or never sent), EFAULT.
 * MVMM_IOC_KICK: ENOTCONN, EINVAL (vcpu_idx out of range).
 * MVMM_IOC_ANSWER and MVMM_IOC_KICK: ENOTCONN as well once the VM is gone.
 * MVMM_IOC_STATS: ENOTCONN, EFAULT.
 */
#define MVMM_IOC_ATTACH	_IOWR(MVMM_IOC_MAGIC, 0x00, struct mvmm_attach)
#define MVMM_IOC_ANSWER	_IOW(MVMM_IOC_MAGIC, 0x01, struct mvmm_reply)
#define MVMM_IOC_KICK	_IO(MVMM_IOC_MAGIC, 0x02)	/* arg: vcpu_idx */
#define MVMM_IOC_STATS	_IOR(MVMM_IOC_MAGIC, 0x03, struct mvmm_ustats)

/*
 * Interrupts into the attached VM, through KVM's own irqchip, so that
 * routing, level semantics and EOI are those of KVM's own devices.
 * Only into the file's VM: there is no VM argument.
 *
 * MVMM_IOC_IRQ_LINE: set GSI line @gsi to @level (0 or 1), as the VMM's
 *   KVM_IRQ_LINE_STATUS does, through KVM's routing of that GSI (its
 *   default: the IOAPIC's pins 0-23 and the PIC's 0-15). A level-
 *   triggered entry fires again after each EOI while the line is high;
 *   an edge-triggered one fires once per raise: raise then lower. Each
 *   attached file is an IRQ source of its own (KVM's irq source ids):
 *   a line it holds high is ORed with the VMM's own (and other files')
 *   sources of that line, and the VMM's KVM_IRQ_LINE does not lower
 *   it. Detaching lowers every line the file held. With the split
 *   irqchip (KVM_CAP_SPLIT_IRQCHIP: IOAPIC and PIC in the VMM), a GSI's
 *   route is the MSI the VMM's IOAPIC keeps there for the pin (QEMU
 *   does, for irqfds): a raise sends it, an edge; a lowering sends
 *   nothing, and a line held high does not fire again after EOI (the
 *   VMM's IOAPIC never sees it); a route that is no valid LAPIC message
 *   yet (a pin not set up) counts as masked. KVM does not see the
 *   VMM's mask bit: QEMU leaves a pin's route as it was when the guest
 *   masks it, so raise only while the guest's driver uses the line.
 *   No IRQ source id is taken.
 *   A VM without an in-kernel irqchip gets ENXIO. @status (out): what KVM_IRQ_LINE_STATUS
 *   reports: > 0 delivered (or the line lowered), 0 coalesced (the
 *   line's interrupt still pending), < 0 masked or not delivered.
 *   The first raise of a file (full irqchip) takes one of the VM's IRQ source ids
 *   (KVM has BITS_PER_LONG of them, a few its own): EBUSY when none is
 *   left.
 *
 * MVMM_IOC_MSI: send the message of struct kvm_msi, as the VMM's
 *   KVM_SIGNAL_MSI does: @address_lo in 0xfee00000-0xfeefffff (the
 *   destination APIC id in bits 19:12, and in @address_hi bits 31:8 for
 *   x2APIC ids above 255 when the VMM enabled them), @data with the
 *   vector and delivery mode. Works with an in-kernel LAPIC (the full
 *   or the split irqchip); ENXIO without one. @flags may hold
 *   MVMM_MSI_VALID_DEVID (then @devid is passed on; x86 ignores it).
 *   @status (out): > 0 how many vCPUs it went to, 0 coalesced, < 0
 *   not delivered (no such destination, or masked).
 *
 * Errors of both: ENOTCONN (not attached, or the VM is gone), ENXIO (no
 * in-kernel irqchip for it, see above), EINVAL (@level not 0 or 1, a
 * GSI KVM has no route for, @flags or @reserved not 0, an address
 * outside the MSI window, or one KVM refuses: with the VMM's x2APIC
 * API on, bits 7:0 of @address_hi set), EBUSY (no IRQ source
 * id left), EFAULT.
 */

/**
 * struct mvmm_irq_line - argument of MVMM_IOC_IRQ_LINE
 * @gsi: the GSI line, as KVM routes it
 * @level: 0 or 1
 * @flags: 0
 * @status: out: what KVM_IRQ_LINE_STATUS reports (see above)
 */
struct mvmm_irq_line {
	__u32 gsi;
	__u32 level;
	__u32 flags;
	__s32 status;
};

#define MVMM_MSI_VALID_DEVID	(1U << 0)	/* KVM_MSI_VALID_DEVID */

/**
 * struct mvmm_msi - argument of MVMM_IOC_MSI: struct kvm_msi's message
 * @address_lo: 0xfeeXXXXX: the destination APIC id in bits 19:12
 * @address_hi: x2APIC ids above 255 in bits 31:8, if the VMM enabled them
 * @data: the vector and the delivery mode
 * @flags: MVMM_MSI_VALID_DEVID or 0
 * @devid: with MVMM_MSI_VALID_DEVID: passed on (x86 ignores it)
 * @status: out: how many vCPUs it went to, see above
 * @reserved: 0
 */
struct mvmm_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 flags;
	__u32 devid;
	__s32 status;
	__u64 reserved;
};

#define MVMM_IOC_IRQ_LINE _IOWR(MVMM_IOC_MAGIC, 0x04, struct mvmm_irq_line)
#define MVMM_IOC_MSI	_IOWR(MVMM_IOC_MAGIC, 0x05, struct mvmm_msi)

/*
 * Guest memory of the attached VM, for devices that do DMA: only the
 * file's VM (there is no VM argument), at any time while it lives, while
 * answering one of its requests or outside one (a device completing a
 * transfer later).
 *
 * MVMM_IOC_MEM_READ copies @len bytes of guest-physical memory from @gpa
 * to the buffer at @addr; MVMM_IOC_MEM_WRITE copies them from the buffer
 * into the guest. 1 to MVMM_MEM_MAX bytes per call, any alignment: the
 * range may cross pages and memslots, but all of it must be in memslots
 * the VMM created (address space 0, not SMM's; never KVM's own internal
 * slots). Every page is checked before any byte is copied: a call that
 * fails copied nothing into the guest (a read that fails may have
 * filled part of the buffer: EFAULT).
 *
 * The memory is the VMM's: a memslot's pages are reached in the VMM's
 * address space (its mappings, faulted in as the VMM's accesses would
 * be), never in the caller's. A write is seen by the guest at once, as
 * a write by the VMM would be, and marks the pages it wrote dirty for
 * KVM_GET_DIRTY_LOG in slots with KVM_MEM_LOG_DIRTY_PAGES, so that a
 * migration copies them again. No ordering beyond that is promised:
 * bytes are copied as by memcpy(), not atomically; a secondary that
 * publishes data to a guest (a used ring index after the buffer) writes
 * the data first, then the index in a later call.
 *
 * Errors of both: ENOTCONN (not attached, the VM is gone or being
 * destroyed, or the VMM's address space is gone), EINVAL (@len 0 or
 * above MVMM_MEM_MAX, @flags or @reserved not 0), EFAULT (the buffer at
 * @addr), ENOENT (part of the range is in no memslot of the VMM), EIO
 * (a page of a memslot cannot be reached in the VMM's address space:
 * not mapped there, or a mapping of IO or PFNs, or not writable there
 * for a write), EACCES (part of the range is in a guest_memfd memslot,
 * whose private memory is not the VMM's to reach; kernels with
 * guest_memfd only), ENOMEM.
 * MVMM_IOC_MEM_WRITE also: EROFS (part of the range is in a read-only
 * memslot, KVM_MEM_READONLY), EOPNOTSUPP (the VM logs dirty pages in a
 * dirty ring, KVM_CAP_DIRTY_LOG_RING: KVM's rings take entries only
 * from the VM's own vCPU threads, so a write from elsewhere could not be
 * logged; such a VM's memory can be read, not written).
 */
#define MVMM_MEM_MAX	65536	/* bytes per MVMM_IOC_MEM_READ/WRITE */

/**
 * struct mvmm_mem - argument of MVMM_IOC_MEM_READ and MVMM_IOC_MEM_WRITE
 * @gpa: the first guest-physical address
 * @addr: the caller's buffer, @len bytes: written by MVMM_IOC_MEM_READ,
 *	read by MVMM_IOC_MEM_WRITE
 * @len: 1 to %MVMM_MEM_MAX
 * @flags: 0
 * @reserved: 0
 */
struct mvmm_mem {
	__u64 gpa;
	__u64 addr;
	__u32 len;
	__u32 flags;
	__u64 reserved;
};

#define MVMM_IOC_MEM_READ	_IOW(MVMM_IOC_MAGIC, 0x06, struct mvmm_mem)
#define MVMM_IOC_MEM_WRITE	_IOW(MVMM_IOC_MAGIC, 0x07, struct mvmm_mem)

#endif /* _UAPI_LINUX_MVMM_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pre-registered answers in mvmmctl rules: the target "answer ...",
 * which the kernel applies itself (MVMM_A_RULE_ANSWER).
 *
 *   ANSWER := answer ITEM...
 *   ITEM   := { value N | ignore | REG N | REG and N [ or N ]
 *              | REG or N [ and N ] }
 *   REG    := { eax | ebx | ecx | edx }
 *
 * N is decimal or 0x-prefixed hex, or ~N for its bitwise complement (32
 * bits for a register, 64 for a value). "value" answers reads (IN, MSR
 * read, MMIO read, hypercall RAX), "ignore" completes writes doing
 * nothing (OUT, MSR write, MMIO write), and REG gives one CPUID register:
 * a fixed value, or KVM's value & and | or. Item words are whole words,
 * not prefixes; "and"/"or" belong to the answer only when a number
 * follows ("or l1" is still "origin l1").
 */
#ifndef MVMMCTL_ANSWER_H
#define MVMMCTL_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "containers.h"

/*
 * Parse the ITEMs after the word "answer" at the start of @argv, up to the
 * first word that is none. Returns the number of arguments used (at least
 * 1), or -1 with a message in @err.
 */
int mvmm_parse_answer(int argc, char **argv, struct mvmm_answer_spec *a,
		      char *err, size_t errlen);

/*
 * Can a rule for event @type carry @a (what the kernel checks, so that a
 * bad command line sends nothing)? 0, or -1 with a message in @err.
 */
int mvmm_answer_spec_check(const struct mvmm_answer_spec *a, uint32_t type,
			   char *err, size_t errlen);

/* @a as ITEMs, after "answer": "eax 0x1 ecx and 0x7fffffff". */
void mvmm_fmt_answer(const struct mvmm_answer_spec *a, char *buf, size_t len);

/* "eax", "ebx", "ecx", "edx": register @i of struct mvmm_answer_spec. */
const char *mvmm_answer_reg_name(int i);

#endif /* MVMMCTL_ANSWER_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The type every exit is counted by (mvmm_exit_type_svm/vmx(), a table)
 * is the type of the whole event (mvmm_classify_svm/vmx()), for every exit
 * code and every value of the fields the type depends on.
 */
#include "helpers.h"

/* The fields a type may depend on: each combination of these values. */
static const __u64 info1s[] = { 0, 1, 8, 9, 0x10, 0x2a, ~0ULL };
static const __u32 intr_infos[] = { 0, 0x80000000, 0x80000202,
				    0x80000306, 0x80000b0d, 0x200 };

static unsigned int check(int (*type)(const struct mvmm_exit_info *),
			  int (*full)(const struct mvmm_exit_info *,
				      struct mvmm_event *),
			  const char *vendor, __u32 reason)
{
	struct mvmm_exit_info x;
	struct mvmm_event ev;
	unsigned int i, j, l2, bad = 0;

	for (i = 0; i < ARRAY_SIZE(info1s); i++)
		for (j = 0; j < ARRAY_SIZE(intr_infos); j++)
			for (l2 = 0; l2 < 2; l2++) {
				x = exit_info(reason);
				x.info1 = info1s[i];
				x.intr_info = intr_infos[j];
				x.l2 = l2;
				x.rax = 0x40000000;
				x.rcx = 0xc0000080;
				classify(full, &x, &ev);
				if (type(&x) == ev.type)
					continue;
				if (bad++ < 3)
					unit_fail(__FILE__, __LINE__,
						  "%s reason 0x%x info1 0x%llx intr_info 0x%x l2 %u: type %s, event %s",
						  vendor, reason,
						  (unsigned long long)x.info1,
						  x.intr_info, l2,
						  tname(type(&x)),
						  tname(ev.type));
			}
	return bad;
}

TEST(svm_exit_type_matches_the_event)
{
	unsigned int bad = 0;
	__u32 code;

	for (code = 0; code < 0x1000; code++)
		bad += check(mvmm_exit_type_svm, mvmm_classify_svm, "svm",
			     code);
	bad += check(mvmm_exit_type_svm, mvmm_classify_svm, "svm",
		     0xffffffffu);
	bad += check(mvmm_exit_type_svm, mvmm_classify_svm, "svm",
		     0x80000000u);
	EXPECT_EQ(bad, 0);
}

TEST(vmx_exit_type_matches_the_event)
{
	static const __u32 high[] = { 0, 1u << 27, 1u << 29, 1u << 31 };
	unsigned int bad = 0, h;
	__u32 basic;

	for (h = 0; h < ARRAY_SIZE(high); h++)
		for (basic = 0; basic < 0x200; basic++)
			bad += check(mvmm_exit_type_vmx, mvmm_classify_vmx,
				     "vmx", basic | high[h]);
	EXPECT_EQ(bad, 0);
}

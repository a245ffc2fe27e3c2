/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ucall a test's host loop waits for between two steps of its guest:
 * GUEST_SYNC. Anything else ends the test with what the guest said: a
 * failed GUEST_ASSERT, an exception no handler took, another ucall.
 */
#ifndef MVMM_SELFTEST_UCALL_H
#define MVMM_SELFTEST_UCALL_H

#include "kvm_util.h"

/*
 * The vCPU stopped at the ucall port: check that it is a GUEST_SYNC, and
 * return the value the guest gave it (GUEST_SYNC(v)).
 */
static inline uint64_t mvmm_ucall_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT_2(uc, "values: %#lx, %#lx");
		break;
	case UCALL_UNHANDLED:
		TEST_FAIL("Unexpected exception %lu in the guest", uc.args[0]);
		break;
	default:
		TEST_FAIL("Unexpected ucall %lu (first argument %#lx)",
			  uc.cmd, uc.args[0]);
	}
	return 0;
}

#endif /* MVMM_SELFTEST_UCALL_H */

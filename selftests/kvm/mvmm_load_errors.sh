#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# insmod mvmm.ko must fail with a clear kernel-log message when KVM's vendor
# module or KVM itself is missing, leave nothing behind, and succeed again
# once they are back. Runs in the rig guest with mvmm loaded; leaves it
# loaded.
set -u
# ok/nok, check_rc and tlib_end; the rig's suite runs this from the
# directory rule_cli/ was copied to.
. ./rule_cli/tlib.sh

ko=/mvmm/mvmm.ko
kmods=/mvmm/kmods

if grep -qw svm /proc/cpuinfo; then
	vendor=kvm_amd
	order=$kmods/amd.order
else
	vendor=kvm_intel
	order=$kmods/intel.order
fi

rmmod mvmm
check_rc $? "rmmod mvmm"

rmmod $vendor
check_rc $? "rmmod $vendor"
insmod_refused $ko "no KVM vendor module loaded"

rmmod kvm
check_rc $? "rmmod kvm"
insmod_refused $ko "KVM symbol kvm_x86_ops not found"

for m in $(cat "$order"); do
	grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules && continue
	insmod "$kmods/$m"
	check_rc $? "insmod $m"
done
insmod $ko
check_rc $? "insmod mvmm with KVM back"
mvmmctl vm list >/dev/null
check_rc $? "mvmmctl talks to the reloaded module"

# The module pins KVM: its vendor module cannot go while mvmm is loaded.
if rmmod $vendor 2>/dev/null; then
	check_rc 1 "$vendor pinned while mvmm is loaded"
	for m in $(cat "$order"); do insmod "$kmods/$m" 2>/dev/null; done
	insmod $ko
else
	check_rc 0 "$vendor pinned while mvmm is loaded"
fi

tlib_end

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# insmod mvmm.ko must fail with a clear kernel-log message when KVM's vendor
# module or KVM itself is missing, leave nothing behind, and succeed again
# once they are back. Runs in the rig guest with mvmm loaded; leaves it
# loaded.
set -u

ko=/mvmm/mvmm.ko
kmods=/mvmm/kmods
fails=0

if grep -qw svm /proc/cpuinfo; then
	vendor=kvm_amd
	order=$kmods/amd.order
else
	vendor=kvm_intel
	order=$kmods/intel.order
fi

check()
{
	if [ "$1" = 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		fails=$((fails + 1))
	fi
}

# Did insmod fail, with @msg in the kernel log lines it produced?
expect_refusal()
{
	msg=$1
	before=$(dmesg | wc -l)
	if insmod $ko 2>/dev/null; then
		check 1 "insmod refused ($msg)"
		rmmod mvmm
		return
	fi
	dmesg | tail -n +$((before + 1)) | grep -q "mvmm: .*$msg"
	check $? "insmod refused with '$msg' in the kernel log"
	grep -q '^mvmm ' /proc/modules
	check $((!$?)) "no mvmm module left behind"
}

rmmod mvmm
check $? "rmmod mvmm"

rmmod $vendor
check $? "rmmod $vendor"
expect_refusal "no KVM vendor module loaded"

rmmod kvm
check $? "rmmod kvm"
expect_refusal "KVM symbol kvm_x86_ops not found"

for m in $(cat "$order"); do
	grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules && continue
	insmod "$kmods/$m"
	check $? "insmod $m"
done
insmod $ko
check $? "insmod mvmm with KVM back"
mvmmctl vm list >/dev/null
check $? "mvmmctl talks to the reloaded module"

# The module pins KVM: its vendor module cannot go while mvmm is loaded.
if rmmod $vendor 2>/dev/null; then
	check 1 "$vendor pinned while mvmm is loaded"
	for m in $(cat "$order"); do insmod "$kmods/$m" 2>/dev/null; done
	insmod $ko
else
	check 0 "$vendor pinned while mvmm is loaded"
fi

echo "# $fails failed"
[ $fails = 0 ]

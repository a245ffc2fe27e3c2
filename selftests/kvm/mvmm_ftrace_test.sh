#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmm's ftrace hooks are permanent: while mvmm is loaded,
# "sysctl kernel.ftrace_enabled=0" is refused (EBUSY), so routing and the
# VM-teardown watch cannot vanish under it. A module whose hooks could be
# switched off this way missed VM teardown: the destroyed VM stayed listed
# (an entry pointing at a freed struct kvm). With mvmm unloaded the sysctl
# works; insmod while ftrace is off is refused with a clear message and
# leaves nothing behind. Runs in the rig with mvmm loaded; leaves it
# loaded and ftrace on.
set -u
# ok/nok, check_rc and tlib_end; the rig's suite runs this from the
# directory rule_cli/ was copied to.
. ./rule_cli/tlib.sh

ko=/mvmm/mvmm.ko
knob=/proc/sys/kernel/ftrace_enabled

vms()
{
	mvmmctl -j vm list | tr -cd '{' | wc -c
}

grep -q '^mvmm ' /proc/modules || insmod $ko
check_rc $? "mvmm loaded"
[ "$(cat $knob)" = 1 ]
check_rc $? "ftrace is on"

# A VM that mvmm knows, destroyed after the attempt below: its teardown
# must not go unnoticed, whatever the attempt did.
before=$(vms)
./rule_cli/kvm_idle 1 /tmp/ftrace-idle.ready & pid=$!
while [ ! -e /tmp/ftrace-idle.ready ]; do sleep 0.1; done
[ "$(vms)" = $((before + 1)) ]
check_rc $? "mvmm sees the VM"

err=$( (echo 0 > $knob) 2>&1)
if [ $? = 0 ]; then
	check_rc 1 "ftrace_enabled=0 refused while mvmm is loaded (it was accepted)"
else
	echo "# echo 0 > $knob: $err"
	echo "$err" | grep -q "busy"
	check_rc $? "ftrace_enabled=0 refused with EBUSY while mvmm is loaded"
fi
kill $pid
wait $pid 2>/dev/null
echo "# VMs listed: $before before, $(vms) after the VM was destroyed"
[ "$(vms)" = "$before" ]
check_rc $? "the destroyed VM is forgotten"
echo 1 > $knob
[ "$(cat $knob)" = 1 ]
check_rc $? "ftrace on"

rmmod mvmm
check_rc $? "rmmod mvmm"
echo 0 > $knob
check_rc $? "ftrace_enabled=0 accepted without mvmm"

insmod_refused $ko "ftrace_enabled is 0"

echo 1 > $knob
check_rc $? "ftrace_enabled=1"
insmod $ko
check_rc $? "insmod with ftrace on again"

tlib_end

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmmctl monitor, dump consistency and big tables against the real module,
# in the rig's guest:
#
# - three monitors (text, -j, and "monitor rule vm") see, in order, what
#   other processes do: rule add, replace, del,
#   flush and apply, a VM seen and destroyed (kvm_idle), a kernel handler
#   attached and detached (insmod/rmmod of the sample mvmm_debugcon.ko,
#   when the rig carries it), a userspace handler (mvmm-uart-static on
#   uart_vmm's VM) attached and killed; text compared line by line, JSON parsed
#   (jget); the filtered monitor gets no handler lines; an unprivileged
#   one is refused (the group needs CAP_NET_ADMIN);
# - dumps racing with table changes (nl_dump race): some dumps are flagged
#   NLM_F_DUMP_INTR, and no dump that is not flagged is a mix of two
#   tables; "mvmmctl rule show" racing the same way exits 2 with "the
#   rules changed during the dump; try again" and otherwise prints one
#   whole table;
# - a table of 100,000 rules dumps completely (raw dump, text and JSON),
#   with the times printed (not checked).
#
# Needs root (rule changes need CAP_NET_ADMIN). Expects no other activity
# on mvmm while it runs; leaves the default table empty.
#
# From the top of the repo:
#   make -C userspace-tool vm-progs samples
#   make vm-run SCRIPT=userspace-tool/tests/vm/monitor.sh \
#	FILES="userspace-tool/tests/vm/tlib.sh userspace-tool/tests/vm/kvm_idle userspace-tool/tests/vm/runas \
#	       userspace-tool/tests/vm/jget userspace-tool/tests/vm/nl_dump \
#	       userspace-tool/libmvmm/tests/vm/uart_vmm \
#	       userspace-tool/samples/mvmm-uart-static"
#
# TAP-like "ok"/"not ok" lines, then "N passed, N failed"; exit 1 on any
# failure.

cd "$(dirname "$0")" || exit 2
PATH=$PWD:$PATH
. ./tlib.sh

# same NAME GOT-FILE WANT-FILE: identical files, else a diff.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		echo "#   got:"
		sed 's/^/#     /' "$2"
		echo "#   wanted:"
		sed 's/^/#     /' "$3"
	fi
}

# wait_for FILE ERE: up to 20 s for a line of FILE to match.
wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -Eq -- "$2" "$1" 2>/dev/null
}

# handler_id NAME: the id of handler NAME in "handler list".
handler_id() {
	mvmmctl -j handler list >h.json
	n=$(jget h.json "#")
	k=0
	while [ "$k" -lt "$n" ] && [ "$(jget h.json $k.name)" != "$1" ]; do
		k=$((k + 1))
	done
	jget h.json $k.id
}

R="origin any mode sync"

echo "# monitors"
mvmmctl rule flush default
mvmmctl monitor >m1.txt 2>m1.err &
pids="$pids $!"
mvmmctl -j monitor >m2.json 2>m2.err &
pids="$pids $!"
mvmmctl monitor rule vm >m3.txt 2>m3.err &
pids="$pids $!"

# A monitor prints nothing until something changes: flush the (empty)
# default table until each has joined the group and shows it.
i=0
while [ $i -lt 100 ]; do
	mvmmctl rule flush default
	grep -q '^rule flush default$' m1.txt &&
		grep -q '"action":"flush"' m2.json &&
		grep -q '^rule flush default$' m3.txt && break
	sleep 0.1
	i=$((i + 1))
done
check "the monitors are listening" [ $i -lt 100 ]
# On a kernel that let it join, it would wait for changes: 10 s at most.
t "monitor as an unprivileged user: refused" 2 "" \
  'Error: cannot join the "events" group: CAP_NET_ADMIN required' \
  timeout 10 runas $NOBODY mvmmctl monitor

# From here on every change is one that expect.txt lists.
: >expect.txt
line=$(mvmmctl rule add default io port 0x80 main)
id=${line#default id }
id=${id%% *}
echo "rule add $line" >>expect.txt
mvmmctl rule replace default id "$id" io port 0x80-0x81 mode observe main
echo "rule replace default id $id io port 0x80-0x81 origin any mode observe main fallback main" >>expect.txt
mvmmctl rule del default id "$id"
echo "rule del default id $id io port 0x80-0x81 origin any mode observe main fallback main" >>expect.txt

check "kvm_idle runs" start_vm 3
vm_pid=$VM_PID
vm=$(mvmmctl -j vm list pid "$vm_pid" | jget - 0.id)
echo "vm new $vm pid $vm_pid comm kvm_idle" >>expect.txt
# VM notifications come from a work item: let it run before the next.
wait_for m1.txt "^vm new $vm "
line=$(mvmmctl rule add vm "$vm" hlt main)
echo "rule add $line" >>expect.txt
mvmmctl rule flush vm "$vm"
echo "rule flush vm $vm" >>expect.txt

handler=no
if [ -e /mvmm/mvmm_debugcon.ko ] && insmod /mvmm/mvmm_debugcon.ko; then
	handler=yes
	hid=$(handler_id debugcon)
	echo "handler attach debugcon id $hid kernel" >>expect.txt
	rmmod mvmm_debugcon
	echo "handler detach debugcon id $hid kernel" >>expect.txt
else
	echo "ok - handler attach/detach # SKIP no loadable /mvmm/mvmm_debugcon.ko"
fi

# A userspace handler: mvmm-uart attached to uart_vmm's VM (fd passed
# over a socket), then killed.
user=no
if [ -x ./uart_vmm ] && [ -x ./mvmm-uart-static ]; then
	user=yes
	rm -f sock go
	./uart_vmm sock go >vmm.out 2>&1 &
	uvmm=$!
	pids="$pids $uvmm"
	i=0
	while [ ! -S sock ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	./mvmm-uart-static --socket sock --input hi >uart.out 2>uart.err &
	uart=$!
	pids="$pids $uart"
	check "mvmm-uart attached" wait_for uart.err attached
	mvmmctl -j vm list pid "$uvmm" >uvm.json
	uvm=$(jget uvm.json 0.id)
	ucomm=$(jget uvm.json 0.comm)
	uid=$(handler_id uart)
	# mvmm sees the VM first at the attach: VM_NEW, then the handler.
	echo "vm new $uvm pid $uvmm comm $ucomm" >>expect.txt
	echo "handler attach uart id $uid user pid $uart vm $uvm" >>expect.txt
	kill "$uart"
	wait "$uart" 2>/dev/null
	echo "handler detach uart id $uid user pid $uart vm $uvm" >>expect.txt
	kill "$uvmm"
	wait "$uvmm" 2>/dev/null
	echo "vm del $uvm pid $uvmm comm $ucomm" >>expect.txt
	wait_for m1.txt "^vm del $uvm "
else
	echo "ok - userspace handler attach/detach # SKIP no uart_vmm, mvmm-uart-static"
fi

kill "$vm_pid"
wait "$vm_pid" 2>/dev/null
echo "vm del $vm pid $vm_pid comm kvm_idle" >>expect.txt
wait_for m1.txt "^vm del $vm "
nl_dump fill 3 >/dev/null
echo "rule apply default" >>expect.txt
last=$(tail -n 1 expect.txt)
for f in m1.txt m3.txt; do
	wait_for $f "^$last\$" || echo "# $f never got: $last"
done
wait_for m2.json '"action":"apply"'

grep -v '^rule flush default$' m1.txt >got1.txt
same "monitor: every change, in order" got1.txt expect.txt
grep -v '^handler ' expect.txt >expect3.txt
grep -v '^rule flush default$' m3.txt >got3.txt
same "monitor rule vm: no handler lines" got3.txt expect3.txt
check "monitors said nothing on stderr" \
	[ ! -s m1.err ] && [ ! -s m2.err ] && [ ! -s m3.err ]

# JSON: one object per line, the probes left out.
n=0
while read -r l; do
	echo "$l" >j.json
	[ "$(jget j.json action)" = flush ] && [ "$(jget j.json table)" = default ] &&
		continue
	cp j.json "j$n.json"
	n=$((n + 1))
done <m2.json
check "monitor -j: one object per change" [ "$n" = "$(wc -l <expect.txt)" ]
jeq "json add: object" j0.json object rule
jeq "json add: action" j0.json action add
jeq "json add: table" j0.json table default
jeq "json add: rule id" j0.json rule.id "$id"
jeq "json add: rule type" j0.json rule.type io
jeq "json add: rule lo" j0.json rule.lo 128
jeq "json add: rule hi" j0.json rule.hi 128
jeq "json add: rule target" j0.json rule.target main
jeq "json replace: action" j1.json action replace
jeq "json replace: new hi" j1.json rule.hi 129
jeq "json replace: new mode" j1.json rule.mode observe
jeq "json del: action" j2.json action del
jeq "json del: the rule as it was" j2.json rule.hi 129
jeq "json vm new: object" j3.json object vm
jeq "json vm new: action" j3.json action new
jeq "json vm new: id" j3.json id "$vm"
jeq "json vm new: pid" j3.json pid "$vm_pid"
jeq "json vm new: comm" j3.json comm kvm_idle
jeq "json rule add to the VM: table" j4.json table vm
jeq "json rule add to the VM: vm" j4.json vm "$vm"
jeq "json rule add to the VM: type" j4.json rule.type hlt
jeq "json flush: action" j5.json action flush
jeq "json flush: vm" j5.json vm "$vm"
jeq "json flush: no rule" j5.json "#" 4
k=6
if [ $handler = yes ]; then
	jeq "json handler attach: object" j6.json object handler
	jeq "json handler attach: action" j6.json action attach
	jeq "json handler attach: name" j6.json name debugcon
	jeq "json handler attach: id" j6.json id "$hid"
	jeq "json handler attach: kernel" j6.json user false
	jeq "json handler detach: action" j7.json action detach
	k=8
fi
if [ $user = yes ]; then
	jeq "json user handler: VM first" j$k.json action new
	k=$((k + 1))
	jeq "json user handler attach: object" j$k.json object handler
	jeq "json user handler attach: name" j$k.json name uart
	jeq "json user handler attach: user" j$k.json user true
	jeq "json user handler attach: pid" j$k.json pid "$uart"
	jeq "json user handler attach: vm" j$k.json vm "$uvm"
	k=$((k + 1))
	jeq "json user handler detach: action" j$k.json action detach
	jeq "json user handler detach: pid" j$k.json pid "$uart"
	k=$((k + 2))
fi
jeq "json vm del: action" j$k.json action del
jeq "json vm del: id" j$k.json id "$vm"
jeq "json vm del: pid" j$k.json pid "$vm_pid"
k=$((k + 1))
jeq "json apply: action" j$k.json action apply
jeq "json apply: table" j$k.json table default

cleanup
pids=

echo "# dumps racing with changes"
nl_dump race 100 1000 >race.txt 2>&1
rc=$?
sed 's/^/#   /' race.txt
check "raw dumps: interrupted ones flagged, none mixed silently" [ $rc = 0 ]

nl_dump churn 1000 20 &
churn=$!
pids="$pids $churn"
intr=0 clean=0 bad=0 tries=0
while [ $tries -lt 100 ] && { [ $intr = 0 ] || [ $clean = 0 ]; }; do
	tries=$((tries + 1))
	mvmmctl rule show default >s.txt 2>s.err
	rc=$?
	if [ $rc = 2 ] && [ "$(cat s.err)" = \
	     "Error: the rules changed during the dump; try again" ] &&
	   [ ! -s s.txt ]; then
		intr=$((intr + 1))
	elif [ $rc = 0 ] && [ ! -s s.err ] && [ "$(wc -l <s.txt)" = 1000 ] &&
	     [ "$(awk '{ print (length($6) > 6) }' s.txt | sort -u | wc -l)" = 1 ]; then
		clean=$((clean + 1))
	else
		bad=$((bad + 1))
		echo "# rule show: exit $rc, $(wc -l <s.txt) lines, stderr: $(cat s.err)"
	fi
done
kill $churn
wait $churn 2>/dev/null
pids=
echo "# rule show racing: $tries tries, $intr interrupted (exit 2), $clean whole tables"
check "rule show: interrupted dumps reported" [ $intr -gt 0 ]
check "rule show: nothing else than a whole table or the error" [ $bad = 0 ]

echo "# 100,000 rules"
nl_dump fill 100000 >fill.txt 2>&1
rc=$?
sed 's/^/#   /' fill.txt
check "100,000 rules in the default table" [ $rc = 0 ]
nl_dump count 100000 >count.txt 2>&1
rc=$?
sed 's/^/#   /' count.txt
check "raw dump: 100,000 rules, ids rising, not interrupted" [ $rc = 0 ]
nl_dump timeit mvmmctl rule show default >big.txt 2>time.txt
rc=$?
echo "# mvmmctl rule show, 100,000 rules: $(cat time.txt)"
check "rule show: exit 0" [ $rc = 0 ]
check "rule show: 100,000 lines" [ "$(wc -l <big.txt)" = 100000 ]
check "rule show: last line" \
	[ "$(tail -n 1 big.txt | cut -d' ' -f5-6)" = "read 0x1869f" ]
nl_dump timeit mvmmctl -j rule show default >big.json 2>time.txt
echo "# mvmmctl -j rule show, 100,000 rules: $(cat time.txt)"
jeq "rule show -j: 100,000 rules" big.json "#" 100000
jeq "rule show -j: first rule" big.json 0.lo 0
jeq "rule show -j: last rule" big.json 99999.lo 99999
mvmmctl rule flush default
check "default table emptied" [ -z "$(mvmmctl rule show default)" ]

tlib_end

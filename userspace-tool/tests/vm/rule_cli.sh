#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmmctl rule / handler against the real module, in the rig's guest:
# add, replace, del, flush and show on the default table and on a VM's
# table (text, -n and JSON), the kernel's refusals with their extack
# messages (overlap with the conflicting rule's id from the cookie,
# unknown handler, unknown rule id, bad VM), unprivileged callers
# ("CAP_NET_ADMIN required" for changes, the default table, handlers and
# groups; only the VMs their uid created, with their stats and tables),
# a 300-rule dump, a show | add round trip,
# and, when the rig carries the sample module mvmm_debugcon.ko, a handler
# that is attached, counts and detaches, and rules for the fastpath MSRs
# refused in sync and observe mode.
#
# From the top of the repo:
#   make -C userspace-tool vm-progs
#   make vm-run SCRIPT=userspace-tool/tests/vm/rule_cli.sh \
#	FILES="userspace-tool/tests/vm/tlib.sh userspace-tool/tests/vm/kvm_idle userspace-tool/tests/vm/runas \
#	       userspace-tool/tests/vm/jget"
#
# TAP-like "ok"/"not ok" lines, then "N passed, N failed"; exit 1 on any
# failure.

cd "$(dirname "$0")" || exit 2
PATH=$PWD:$PATH
. ./tlib.sh

R="origin any mode sync"

echo "# empty state"
t "default table starts empty" 0 "" "" mvmmctl rule show default
t "empty table in JSON" 0 "[]" "" mvmmctl -j rule show default
t "no handler registered yet" 0 \
  "NAME  ID  ATTACHED  PID  VM  EVENTS  HANDLED  TO-MAIN  INJECTED  FALLBACK  INVALID  OBSERVED  TIMEOUTS  DROPPED  RESTARTS" \
  "" mvmmctl handler list
mvmmctl -j handler list >h.json
jeq "handler list -j: empty array" h.json "#" 0
t "no VM yet" 2 "" "Error: no VM with this id" mvmmctl rule show vm 1

echo "# default table: add, show, refusals"
t "add io port" 0 "default id 1 io port 0xe9 $R main fallback main" "" \
  mvmmctl rule add default io port 0xe9 main
t "add serial range, l1, observe, deny" 0 \
  "default id 2 io port 0x3f8-0x3ff origin l1 mode observe main fallback deny" "" \
  mvmmctl rule add default io port 0x3f8-0x3ff origin l1 mode observe main fallback deny
t "same range for l2 does not overlap" 0 \
  "default id 3 io port 0x3f8 origin l2 mode sync main fallback main" "" \
  mvmmctl rule add default io port 0x3f8 origin l2 main
t "add with chosen id" 0 "default id 10 cpuid leaf 0x40000000-0x400000ff $R main fallback main" "" \
  mvmmctl rule add default id 10 cpuid leaf 0x40000000-0x400000ff main
t "add whole type; explicit ids do not move the counter" 0 \
  "default id 4 hlt $R main fallback main" "" \
  mvmmctl rule add default hlt main
t "overlap names the rule in the way" 2 "" \
  "Error: range overlaps another rule: rule 1" \
  mvmmctl rule add default io port 0xe0-0xef main
tre "overlap with two candidates names one" 2 "" \
  "Error: range overlaps another rule: rule [23]" \
  mvmmctl rule add default io port 0x3f8 main
t "whole type overlaps every range of it" 2 "" \
  "Error: range overlaps another rule: rule 4" \
  mvmmctl rule add default hlt origin l2 main
t "taken id" 2 "" "Error: rule id already in use: rule 1" \
  mvmmctl rule add default id 1 msr read 0x10 main
t "unknown handler" 2 "" "Error: no handler of this name was ever registered" \
  mvmmctl rule add default cpuid leaf 1 handler nosuch
t "table unchanged by refusals" 0 "$(printf '%s\n' \
  "default id 1 io port 0xe9 $R main fallback main" \
  "default id 2 io port 0x3f8-0x3ff origin l1 mode observe main fallback deny" \
  "default id 3 io port 0x3f8 origin l2 mode sync main fallback main" \
  "default id 4 hlt $R main fallback main" \
  "default id 10 cpuid leaf 0x40000000-0x400000ff $R main fallback main")" "" \
  mvmmctl rule show default
t "-n shows type numbers" 0 "default id 1 22 port 0xe9 $R main fallback main" "" \
  sh -c 'mvmmctl -n rule show default | head -n1'

mvmmctl -j rule show default >r.json
jeq "json: 5 rules" r.json "#" 5
jeq "json: keys" r.json "0#" 8
jeq "json: id" r.json 1.id 2
jeq "json: type" r.json 1.type io
jeq "json: lo" r.json 1.lo 1016
jeq "json: hi" r.json 1.hi 1023
jeq "json: origin" r.json 1.origin l1
jeq "json: mode" r.json 1.mode observe
jeq "json: fallback" r.json 1.fallback deny
jeq "json: target" r.json 1.target main
jeq "json: whole type lo" r.json 3.lo 0
jeq "json: whole type hi" r.json 3.hi 18446744073709551615
mvmmctl -j -n rule show default >rn.json
jeq "json -n: type number" rn.json 4.type 10
mvmmctl -j rule add default msr write 0x1b main >a.json
jeq "add -j: one rule" a.json "#" 1
jeq "add -j: the stored id" a.json 0.id 5
jeq "add -j: type" a.json 0.type msr-write
mvmmctl -p rule show default >p.json
jeq "-p: same document" p.json "#" 6

echo "# replace and del"
t "replace keeps the id" 0 "" "" \
  mvmmctl rule replace default id 1 io port 0xe9-0xea mode observe main
t "replaced rule" 0 "default id 1 io port 0xe9-0xea origin any mode observe main fallback main" "" \
  sh -c 'mvmmctl rule show default | head -n1'
t "replace unknown id" 2 "" "Error: no rule with this id" \
  mvmmctl rule replace default id 99 hlt main
t "replace into an overlap" 2 "" "Error: range overlaps another rule: rule 2" \
  mvmmctl rule replace default id 1 io port 0x3f8 origin l1 main
t "a rule is never in its own way" 0 "" "" \
  mvmmctl rule replace default id 1 io port 0xe9 main
t "del unknown id" 2 "" "Error: no rule with this id" mvmmctl rule del default id 99
t "del" 0 "" "" mvmmctl rule del default id 5
t "del twice" 2 "" "Error: no rule with this id" mvmmctl rule del default id 5
t "del leaves the others" 0 "1 2 3 4 10" "" \
  sh -c "mvmmctl rule show default | cut -d' ' -f3 | tr '\n' ' ' | sed 's/ \$//'"

echo "# unprivileged"
t "runas really drops root" 0 "$NOBODY" "" runas $NOBODY id -u
for cmd in "rule add default nmi main" "rule replace default id 1 hlt main" \
	   "rule del default id 1" "rule flush default"; do
	# shellcheck disable=SC2086
	t "unprivileged $cmd" 2 "" "Error: CAP_NET_ADMIN required" \
	  runas $NOBODY mvmmctl $cmd
done
# Reading: the default table, handlers and groups need CAP_NET_ADMIN;
# VMs and their tables are shown to the uid that created them only.
for cmd in "rule show default" "default show" "handler list" "group list"; do
	# shellcheck disable=SC2086
	t "unprivileged $cmd" 2 "" "Error: CAP_NET_ADMIN required" \
	  runas $NOBODY mvmmctl $cmd
done
t "unprivileged vm list" 0 "[]" "" runas $NOBODY mvmmctl -j vm list

echo "# a VM's table"
if start_vm 3; then ok "kvm_idle runs"; else nok "kvm_idle runs"; fi
t "vm list" 0 "1" "" sh -c "mvmmctl -j vm list | jget - 0.id"
t "unprivileged vm list: not root's VM" 0 "[]" "" \
  runas $NOBODY mvmmctl -j vm list
t "unprivileged stats: not root's VM" 0 "[]" "" runas $NOBODY mvmmctl -j stats
t "unprivileged vm show of root's VM" 2 "" "Error: no VM with this id" \
  runas $NOBODY mvmmctl vm show 1
t "unprivileged stats of root's VM" 2 "" "Error: no VM with this id" \
  runas $NOBODY mvmmctl stats vm 1
t "unprivileged rule show of root's VM" 2 "" "Error: no VM with this id" \
  runas $NOBODY mvmmctl rule show vm 1
t "unprivileged rule show by the pid of root's VM" 2 "" \
  "Error: no VM created by pid $VM_PID" \
  runas $NOBODY mvmmctl rule show vm pid "$VM_PID"
t "a new VM starts from the default table" 0 \
  "$(mvmmctl rule show default | sed 's/^default/vm 1/')" "" mvmmctl rule show vm 1
t "add to the VM: ids go on from the copy" 0 "vm 1 id 6 msr read 0xc0000080 $R main fallback main" "" \
  mvmmctl rule add vm 1 msr read 0xc0000080 main
t "add by pid" 0 "vm 1 id 7 hypercall nr 12 $R main fallback main" "" \
  mvmmctl rule add vm pid "$VM_PID" hypercall nr 12 main
t "show by pid" 0 "vm 1 id 7 hypercall nr 12 $R main fallback main" "" \
  sh -c "mvmmctl rule show vm pid $VM_PID | grep ' id 7 '"
# shellcheck disable=SC2016
t "the default table did not change" 5 "" "" \
  sh -c 'exit $(mvmmctl rule show default | wc -l)'
t "overlap in the VM's table" 2 "" "Error: range overlaps another rule: rule 6" \
  mvmmctl rule add vm 1 msr read 0xc0000000-0xc00000ff main
t "unknown VM id" 2 "" "Error: no VM with this id" mvmmctl rule add vm 99 hlt main
t "unknown VM id: del" 2 "" "Error: no VM with this id" mvmmctl rule del vm 99 id 1
t "unknown VM id: flush" 2 "" "Error: no VM with this id" mvmmctl rule flush vm 99
t "unknown VM id: replace" 2 "" "Error: no VM with this id" \
  mvmmctl rule replace vm 99 id 1 hlt main
t "no VM of that pid" 2 "" "Error: no VM created by pid 1" mvmmctl rule add vm pid 1 hlt main
t "flush the VM's table" 0 "" "" mvmmctl rule flush vm 1
t "VM table empty" 0 "" "" mvmmctl rule show vm 1
t "flushed VM's ids go on" 0 "vm 1 id 8 hlt $R main fallback main" "" \
  mvmmctl rule add vm 1 hlt main
# shellcheck disable=SC2016
t "the default table kept its rules" 5 "" "" \
  sh -c 'exit $(mvmmctl rule show default | wc -l)'

echo "# an unprivileged user's own VM"
kvm_mode=$(stat -c %a /dev/kvm)
chmod 666 /dev/kvm
mkdir -p /tmp/nobody
chown $NOBODY /tmp/nobody
rm -f /tmp/nobody/ready
runas $NOBODY kvm_idle 3 /tmp/nobody/ready &
NB_PID=$!
pids="$pids $NB_PID"
i=0
while [ ! -e /tmp/nobody/ready ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
chmod "$kvm_mode" /dev/kvm
check "uid $NOBODY runs a VM" [ -e /tmp/nobody/ready ]
NB_VM=$(mvmmctl -j vm list pid "$NB_PID" | jget - 0.id)
mvmmctl -j vm list >all.json
jeq "root sees both VMs" all.json "#" 2
runas $NOBODY mvmmctl -j vm list >own.json
jeq "unprivileged vm list: its own VM only" own.json "#" 1
jeq "unprivileged vm list: its VM's pid" own.json 0.pid "$NB_PID"
t "unprivileged vm show of its VM" 0 "$NB_PID" "" \
  sh -c "runas $NOBODY mvmmctl -j vm show $NB_VM | jget - 0.pid"
t "unprivileged stats: its VM's IO exits" 0 \
  "$(mvmmctl stats vm "$NB_VM" | awk '$1 == "io" { print $2 }')" "" \
  sh -c "runas $NOBODY mvmmctl stats | awk '\$1 == \"io\" { print \$2 }'"
t "unprivileged rule show of its VM" 0 "$(mvmmctl rule show vm "$NB_VM")" "" \
  runas $NOBODY mvmmctl rule show vm pid "$NB_PID"
t "unprivileged rule change of its VM still refused" 2 "" \
  "Error: CAP_NET_ADMIN required" \
  runas $NOBODY mvmmctl rule flush vm "$NB_VM"
kill "$NB_PID"
wait "$NB_PID" 2>/dev/null

echo "# round trip: show | flush | add each line"
mvmmctl rule show default >before
mvmmctl rule flush default
t "flushed" 0 "" "" mvmmctl rule show default
bad=0
while read -r line; do
	# shellcheck disable=SC2086
	mvmmctl rule add $line >/dev/null || bad=1
done <before
mvmmctl rule show default >after
check "every line added back" [ $bad = 0 ]
check "show | add gives the same table" cmp -s before after

echo "# a larger table dumps whole"
mvmmctl rule flush default
bad=0
i=0
while [ $i -lt 300 ]; do
	mvmmctl rule add default io port $((0x1000 + i)) main >/dev/null || bad=1
	i=$((i + 1))
done
check "300 adds" [ $bad = 0 ]
mvmmctl rule show default >big
check "300 rules shown" [ "$(wc -l <big)" = 300 ]
check "in id order, the last one" \
  [ "$(tail -n1 big)" = "default id 305 io port 0x112b $R main fallback main" ]
mvmmctl -j rule show default >big.json
jeq "300 rules in JSON" big.json "#" 300
jeq "JSON last lo" big.json 299.lo $((0x112b))
mvmmctl rule flush default

echo "# a handler module, if the rig has one"
if [ -e /mvmm/mvmm_debugcon.ko ] && insmod /mvmm/mvmm_debugcon.ko; then
	ok "mvmm_debugcon loads"
	mvmmctl -j handler list >h.json
	jeq "handler listed" h.json 0.name debugcon
	jeq "handler attached" h.json 0.attached true
	t "handler show NAME" 0 "debugcon" "" \
	  sh -c 'mvmmctl -j handler show debugcon | jget - 0.name'
	t "handler show unknown NAME" 2 "" "Error: no handler named \"nosuch\"" \
	  mvmmctl handler show nosuch
	t "sync rule for a type a secondary cannot complete" 2 "" \
	  "Error: a secondary cannot complete this event type; use observe mode" \
	  mvmmctl rule add default rdtsc handler debugcon
	fastpath="Error: writes to MSRs 0x6e0 and 0x830 are completed in KVM's fastpath: no handler can get them, not even in observe mode"
	t "fastpath MSR writes cannot be routed" 2 "" "$fastpath" \
	  mvmmctl rule add default msr write 0x800-0x8ff handler debugcon
	t "nor observed" 2 "" "$fastpath" \
	  mvmmctl rule add default msr write 0x6e0 mode observe handler debugcon
	t "nor observed as part of every MSR write" 2 "" "$fastpath" \
	  mvmmctl rule add default msr write mode observe handler debugcon
	t "observe mode is fine for it" 0 \
	  "default id 306 rdtsc origin any mode observe handler debugcon fallback main" "" \
	  mvmmctl rule add default rdtsc mode observe handler debugcon
	t "route port 0xe9 to debugcon" 0 \
	  "default id 307 io port 0xe9 $R handler debugcon fallback main" "" \
	  mvmmctl rule add default io port 0xe9 handler debugcon
	if start_vm 5; then ok "second VM runs"; else nok "second VM runs"; fi
	mvmmctl -j handler list >h.json
	jeq "events counted" h.json 0.events 5
	jeq "handled counted" h.json 0.handled 5
	jeq "nothing fell back" h.json 0.fallback 0
	t "VM stats: 5 io routed, 5 completed by mvmm" 0 "5 5" "" \
	  sh -c "mvmmctl stats vm pid $VM_PID | awk '\$1 == \"io\" { print \$5, \$6 }'"
	t "handler text row" 0 "debugcon 0 yes - - 5 5 0 0 0 0 0 0 0 0" "" \
	  sh -c "mvmmctl handler list | awk 'NR == 2 { \$1 = \$1; print }'"
	if rmmod mvmm_debugcon; then ok "rmmod mvmm_debugcon"; else nok "rmmod mvmm_debugcon"; fi
	mvmmctl -j handler list >h.json
	jeq "name stays listed" h.json 0.name debugcon
	jeq "detached" h.json 0.attached false
	t "rules naming it stay" 0 "default id 307 io port 0xe9 $R handler debugcon fallback main" "" \
	  sh -c 'mvmmctl rule show default | tail -n1'
	if start_vm 2; then ok "third VM runs"; else nok "third VM runs"; fi
	mvmmctl -j handler list >h.json
	jeq "detached: events still counted" h.json 0.events 7
	jeq "detached: fallback counted" h.json 0.fallback 2
	jeq "detached: handled unchanged" h.json 0.handled 5
	t "VM stats: 2 io routed, none completed by mvmm" 0 "2 0" "" \
	  sh -c "mvmmctl stats vm pid $VM_PID | awk '\$1 == \"io\" { print \$5, \$6 }'"
	mvmmctl rule flush default
else
	echo "ok - handler module # SKIP no loadable /mvmm/mvmm_debugcon.ko"
fi

tlib_end

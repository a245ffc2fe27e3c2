#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmmctl group against the real module, in the rig's guest: a group of
# the two sample kernel secondaries (mvmm_debugcon.ko, mvmm_cpuidsig.ko),
# weighted 3:1, targeted by a rule of the default table; a VM (kvm_idle,
# from rule_cli/) makes 8 OUTs to port 0xe9: 6 go to debugcon, 2 to
# cpuidsig (which passes them to KVM). Text and JSON of group list/show,
# rule show, handler show with the load; group set, del, and the kernel's
# refusals as mvmmctl prints them. Exit 4 (skip) without the samples.
#
# Runs from /mvmm/tests, next to rule_cli/ and its static helpers.

cd "$(dirname "$0")" || exit 1
PATH=$PWD/rule_cli:$PATH
. ./rule_cli/tlib.sh
vm=

# More to undo than tlib.sh's cleanup: modules, a group, rules.
cleanup() {
	[ -n "$vm" ] && kill "$vm" 2>/dev/null
	wait 2>/dev/null
	mvmmctl rule flush default >/dev/null 2>&1
	mvmmctl group del gk >/dev/null 2>&1
	# shellcheck disable=SC2086	# one word per module
	[ -n "$loaded" ] && rmmod $loaded 2>/dev/null
}

if ! [ -e /mvmm/mvmm_debugcon.ko ] || ! [ -e /mvmm/mvmm_cpuidsig.ko ]; then
	echo "# no sample modules in /mvmm: skip"
	exit 4
fi
# Loaded by an earlier test: use them, and leave them loaded.
loaded=
for m in mvmm_debugcon mvmm_cpuidsig; do
	[ -d /sys/module/$m ] && continue
	insmod /mvmm/$m.ko || exit 1
	loaded="$loaded $m"
done
mvmmctl rule flush default
mvmmctl group del gk 2>/dev/null

t "group add" 0 "" "" \
	mvmmctl group add gk policy weighted member debugcon weight 3 member cpuidsig
t "group add again" 2 "" "Error: a group of this name exists (change it with GROUP_SET)" \
	mvmmctl group add gk member debugcon
t "group add unknown member" 2 "" "Error: no handler of this name was ever registered" \
	mvmmctl group add gx member nosuch
t "group add member twice" 2 "" "Error: member named twice" \
	mvmmctl group add gx member debugcon member debugcon
t "rule to a missing group" 2 "" "Error: no group of this name" \
	mvmmctl rule add default io port 0xe9 group gx

mvmmctl group list | awk '$1 == "gk" { $2 = "ID"; print }' >out
if [ "$(cat out)" = "gk ID weighted 0 debugcon,cpuidsig" ]; then
	ok "group list"
else
	nok "group list"; sed 's/^/#   /' out
fi

# Rule ids go on across flushes: leave them out.
noid() { "$@" | sed 's/ id [0-9]* / id N /'; }
RG="default id N io port 0xe9 origin any mode sync group gk fallback main"
t "rule add ... group" 0 "$RG" "" noid mvmmctl rule add default io port 0xe9 group gk
t "rule show" 0 "$RG" "" noid mvmmctl rule show default
mvmmctl -j rule show default >r.json
jeq "rule JSON names the group" r.json 0.group gk

# Counters are per name since the module loaded: compare with before.
mvmmctl -j handler show debugcon >h0.json
handled0=$(jget h0.json 0.handled)
samples0=$(jget h0.json 0.samples)

rm -f ready
kvm_idle 8 ready &
vm=$!
i=0
while [ ! -e ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
if [ -e ready ]; then ok "a VM made 8 OUTs"; else nok "a VM made 8 OUTs"; fi

mvmmctl -j group show gk >g.json
jeq "policy" g.json 0.policy weighted
jeq "debugcon weight" g.json 0.members.0.weight 3
jeq "debugcon chosen 6 of 8" g.json 0.members.0.chosen 6
jeq "cpuidsig chosen 2 of 8" g.json 0.members.1.chosen 2
jeq "cpuidsig usable" g.json 0.members.1.usable true
jeq "no member: 0" g.json 0.no_member 0
mvmmctl group show gk | sed -n 3p | awk '{ $2 = "ID"; print }' >out
if [ "$(cat out)" = "debugcon ID 3 yes 6" ]; then ok "group show text"; else nok "group show text"; sed 's/^/#   /' out; fi

mvmmctl -j handler show debugcon >h.json
jeq "debugcon handled 6" h.json 0.handled $((handled0 + 6))
jeq "debugcon timed 6 calls" h.json 0.samples $((samples0 + 6))
jeq "debugcon usable" h.json 0.usable true
jeq "debugcon inflight 0" h.json 0.inflight 0
ewma=$(jget h.json 0.ewma_ns)
if [ "${ewma:-0}" -gt 0 ]; then ok "debugcon EWMA $ewma ns"; else nok "debugcon EWMA \"$ewma\""; fi
mvmmctl handler show debugcon | sed -n '5p' >out
if grep -Eq "^debugcon +0 +$((samples0 + 6)) +[0-9.]+(ns|us|ms) +<=" out; then ok "handler show load row"; else nok "handler show load row"; sed 's/^/#   /' out; fi

t "group set" 0 "" "" mvmmctl group set gk policy ewma member cpuidsig
mvmmctl -j group show gk >g.json
jeq "set: policy" g.json 0.policy ewma
jeq "set: one member" g.json 0.members.0.name cpuidsig
jeq "set: counters restart" g.json 0.members.0.chosen 0
t "group del" 0 "" "" mvmmctl group del gk
t "group del again" 2 "" "Error: no group of this name" mvmmctl group del gk
t "the rule stays" 0 "$RG" "" noid mvmmctl rule show default
t "group list without gk" 0 "0" "" sh -c 'mvmmctl group list | grep -c "^gk " || true'

tlib_end

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmmctl apply -f, rule show -f and the default object against the real
# module, in the rig's guest: a 60-line file applies all at once; the same
# file with a line 40 that the kernel refuses (overlap, unknown handler,
# unknown VM, taken id) or that mvmmctl refuses changes nothing (full JSON
# dumps compared), names line 40 and exits 2 (kernel) or 1 (mvmmctl);
# show -f | flush | apply gives an identical JSON dump; stdin; an
# unprivileged caller; a full table (131072 rules) in one apply, one rule
# more refused as a whole, and the operation limit.
#
# From the top of the repo:
#   make -C userspace-tool vm-progs
#   make vm-run SCRIPT=userspace-tool/tests/vm/apply_cli.sh \
#	FILES="userspace-tool/tests/vm/tlib.sh userspace-tool/tests/vm/kvm_idle userspace-tool/tests/vm/runas \
#	       userspace-tool/tests/vm/jget"
#
# Needs a freshly loaded mvmm with no handler registered. TAP-like
# "ok"/"not ok" lines, then "N passed, N failed"; exit 1 on any failure.

cd "$(dirname "$0")" || exit 2
PATH=$PWD:$PATH
. ./tlib.sh

# Every table, parsed JSON as mvmmctl prints it, into $1.
dump_all() {
	{
		mvmmctl -j rule show default
		mvmmctl -j rule show vm "$V"
	} >"$1"
}

# same NAME: the tables are those of before.json.
same() {
	dump_all after.json
	if cmp -s before.json after.json; then
		ok "$1"
	else
		nok "$1"
		diff before.json after.json | head -n 20 | sed 's/^/#   /'
	fi
}

# good_file FILE [LINE40]: 60 lines; line 40 replaced by LINE40 if given.
# Lines 1-8 comments and blanks, then flush of both tables, 25 IO rules
# for the default table (ports 0x1000 up), 25 CPUID rules for the VM,
# with ids from 101 and 201, then two rules without ids.
good_file() {
	{
		echo "# policy for the apply test"
		echo "#"
		echo ""
		echo "# serial and debug ports"
		echo "	# an indented comment"
		echo ""
		echo "# the tables are replaced whole:"
		echo ""
		echo "flush default"
		echo "flush vm $V   # this VM"
		n=0
		while [ $n -lt 25 ]; do
			echo "default id $((101 + n)) io port $((0x1000 + 16 * n))-$((0x1000 + 16 * n + 15)) main"
			n=$((n + 1))
		done
		n=0
		while [ $n -lt 23 ]; do
			echo "vm $V id $((201 + n)) cpuid leaf $((0x40000000 + n)) mode observe main fallback deny"
			n=$((n + 1))
		done
		echo "default hlt main"
		echo "vm $V msr read 0xc0000080 main"
	} | awk -v l40="$2" 'NR == 40 && l40 != "" { print l40; next } { print }' >"$1"
}

T0=$(date +%s)
echo "# setup: a VM and some rules"
if start_vm 3; then ok "kvm_idle runs"; else nok "kvm_idle runs"; fi
mvmmctl -j vm list >vms.json
V=$(jget vms.json 0.id)
check "the VM has an id" [ -n "$V" ]
t "add to default" 0 "default id 1 io port 0xe9 origin any mode sync main fallback main" "" \
  mvmmctl rule add default io port 0xe9 main
t "add to the VM" 0 "vm $V id 1 hlt origin l1 mode sync main fallback main" "" \
  mvmmctl rule add vm "$V" hlt origin l1 main

echo "# a good 60-line file applies at once"
good_file good.conf
check "the file has 60 lines" [ "$(wc -l <good.conf)" = 60 ]
t "apply good.conf" 0 "" "" mvmmctl apply -f good.conf
mvmmctl -j rule show default >d.json
mvmmctl -j rule show vm "$V" >v.json
# In id order: the rules without an id in the file got the next id of
# their table's counter, which a flush does not reset (old rules: id 1).
jeq "default: 26 rules" d.json "#" 26
jeq "default: a rule without id gets one" d.json 0.type hlt
jeq "default: ids go on from before the flush" d.json 0.id 2
jeq "default: the file's ids" d.json 1.id 101
jeq "default: first range" d.json 1.lo $((0x1000))
jeq "default: last file id" d.json 25.id 125
jeq "default: last range" d.json 25.hi $((0x1000 + 16 * 24 + 15))
jeq "vm: 24 rules" v.json "#" 24
jeq "vm: rule without id" v.json 0.type msr-read
jeq "vm: its id" v.json 0.id 2
jeq "vm: mode" v.json 1.mode observe
jeq "vm: fallback" v.json 1.fallback deny
jeq "vm: last file id" v.json 23.id 223
jeq "vm: leaf" v.json 23.lo $((0x40000000 + 22))
dump_all before.json

echo "# line 40 refused by the kernel: nothing changes, exit 2"
# Line 40 is the VM's 21st CPUID rule; replacements keep the table.
good_file bad.conf "vm $V cpuid leaf 0x40000003 main"
t "overlap on line 40" 2 "" \
  "Error: bad.conf:40: range overlaps another rule: rule 204" \
  mvmmctl apply -f bad.conf
same "overlap: every table as before"
good_file bad.conf "vm $V cpuid leaf 0x50000000 handler nosuch"
t "unknown handler on line 40" 2 "" \
  "Error: bad.conf:40: no handler of this name was ever registered" \
  mvmmctl apply -f bad.conf
same "unknown handler: every table as before"
good_file bad.conf "vm 99 cpuid leaf 0x50000000 main"
t "unknown VM on line 40" 2 "" "Error: bad.conf:40: no VM with this id" \
  mvmmctl apply -f bad.conf
same "unknown VM: every table as before"
good_file bad.conf "default id 101 nmi main"
t "taken id on line 40" 2 "" "Error: bad.conf:40: rule id already in use: rule 101" \
  mvmmctl apply -f bad.conf
same "taken id: every table as before"
good_file bad.conf "vm pid 1 hlt main"
t "vm pid without a VM on line 40" 2 "" "Error: bad.conf:40: no VM created by pid 1" \
  mvmmctl apply -f bad.conf
same "vm pid: every table as before"

echo "# line 40 refused by mvmmctl: nothing sent, exit 1"
good_file bad.conf "vm $V cpuid leaf 0x40000003-0x40000001 main"
t "inverted range on line 40" 1 "" \
  'Error: bad.conf:40: inverted leaf range "0x40000003-0x40000001" (start above end)' \
  mvmmctl apply -f bad.conf
same "inverted range: every table as before"

echo "# round trip: show -f | flush | apply"
t "show -f of one table" 0 "$(printf 'flush vm %s\n' "$V"; mvmmctl rule show vm "$V")" "" \
  mvmmctl rule show -f vm "$V"
mvmmctl rule show -f >rt.conf
check "show -f names the default table first" [ "$(head -n1 rt.conf)" = "flush default" ]
check "show -f has both tables" [ "$(grep -c '^flush ' rt.conf)" = 2 ]
mvmmctl rule flush default
mvmmctl rule flush vm "$V"
t "flushed" 0 "" "" mvmmctl rule show default
t "apply the dump" 0 "" "" mvmmctl apply -f rt.conf
same "the round trip gives the same JSON"
t "show -f again: the same file" 0 "$(cat rt.conf)" "" mvmmctl rule show -f

echo "# standard input"
t "apply from stdin" 0 "" "" \
  sh -c 'printf "flush default\ndefault id 50 hlt main\n" | mvmmctl apply -f -'
t "stdin applied" 0 "default id 50 hlt origin any mode sync main fallback main" "" \
  mvmmctl rule show default
dump_all before.json
t "overlap inside the file, from stdin" 2 "" \
  "Error: stdin:3: range overlaps another rule: rule 60" \
  sh -c 'printf "flush default\ndefault id 60 nmi main\ndefault id 61 nmi main\n" | mvmmctl apply -f -'
same "stdin refused: every table as before"
t "empty input changes nothing" 0 "" "" sh -c 'mvmmctl apply -f - </dev/null'
same "empty input: every table as before"
t "a VM named by pid in a file" 0 "" "" \
  sh -c "printf 'flush vm pid $VM_PID\nvm pid $VM_PID id 7 hlt main\n' | mvmmctl apply -f -"
t "the VM of that pid got it" 0 "vm $V id 7 hlt origin any mode sync main fallback main" "" \
  mvmmctl rule show vm "$V"

echo "# the default object"
t "default show" 0 "$(mvmmctl rule show default)" "" mvmmctl default show
t "default show -f" 0 "$(mvmmctl rule show -f default)" "" mvmmctl default show -f
# The counter is at 3: every id since was given by a file.
t "default add" 0 "default id 3 nmi origin any mode sync main fallback main" "" \
  mvmmctl default add nmi main
t "default replace" 0 "" "" mvmmctl default replace id 3 nmi origin l2 main
t "default del" 0 "" "" mvmmctl default del id 50
t "default as the kernel has it" 0 "default id 3 nmi origin l2 mode sync main fallback main" "" \
  mvmmctl d s
mvmmctl -j default show >dd.json
jeq "default -j show" dd.json 0.origin l2
t "default refusal" 2 "" "Error: range overlaps another rule: rule 3" \
  mvmmctl default add nmi main
t "default flush" 0 "" "" mvmmctl default flush
t "default flushed" 0 "" "" mvmmctl default show

echo "# unprivileged"
dump_all before.json
t "unprivileged apply" 2 "" "Error: stdin: CAP_NET_ADMIN required" \
  sh -c "runas $NOBODY mvmmctl apply -f - <good.conf"
same "unprivileged: every table as before"
# Every table starts with the default one, which needs CAP_NET_ADMIN;
# root's VM is not the unprivileged user's to read.
t "unprivileged show -f refused" 2 "" "Error: CAP_NET_ADMIN required" \
  runas $NOBODY mvmmctl rule show -f
t "unprivileged show -f of root's VM refused" 2 "" "Error: no VM with this id" \
  runas $NOBODY mvmmctl rule show -f vm "$V"

echo "# a full table in one apply ($(($(date +%s) - T0)) s so far)"
# MVMM_POLICY_MAX_RULES (kmod/core/policy.h): the rules one table holds.
# Text dumps here: JSON of these tables takes the guest long to parse.
MAX=131072
awk -v n=$MAX 'BEGIN { print "flush default"
	for (i = 0; i < n; i++) printf "default msr read %d main\n", i }' >full.conf
s=$(date +%s)
t "a full table ($MAX rules) at once" 0 "" "" mvmmctl apply -f full.conf
echo "# $(($(date +%s) - s)) s for $(wc -c <full.conf) bytes of file"
mvmmctl rule show default >full.txt
check "all the rules" [ "$(wc -l <full.txt)" = $MAX ]
check "the last index" grep -q " msr read 0x$(printf %x $((MAX - 1))) origin" full.txt
{ cat full.conf; echo "default hlt main"; } >over.conf
t "one rule more than a table holds" 2 "" "Error: over.conf:$((MAX + 2)): table is full" \
  mvmmctl apply -f over.conf
mvmmctl rule show default >after.txt
check "table full: the table as before" cmp -s full.txt after.txt
awk -v n=$MAX -v v="$V" 'BEGIN { print "flush vm " v
	for (i = 0; i < n; i++) printf "vm %d cpuid leaf %d main\n", v, i }' >full2.conf
cat full.conf full2.conf >both.conf
s=$(date +%s)
t "two full tables at once" 0 "" "" mvmmctl apply -f both.conf
echo "# $(($(date +%s) - s)) s for $(wc -l <both.conf) operations"
check "the VM's table is full" [ "$(mvmmctl rule show vm "$V" | wc -l)" = $MAX ]
awk 'BEGIN { for (i = 0; i <= 300000; i++) print "flush default" }' >many.conf
t "more operations than one apply carries" 1 "" \
  "Error: many.conf: 300001 operations, more than the 300000 one apply can carry; split the file" \
  mvmmctl apply -f many.conf
mvmmctl rule flush vm "$V"
mvmmctl rule flush default

echo "# $(($(date +%s) - T0)) s in all"
tlib_end

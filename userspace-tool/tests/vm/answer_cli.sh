#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmmctl and pre-registered answers ("answer ..." targets) against the
# real module, on the default table (no VM needed): add prints the rule
# as stored, show prints the same lines, show | add rebuilds the same
# table, -j shows the answer object with its hit counter, and the
# kernel's refusals reach the user (mvmmctl's own checks are unit-tested
# in tests/test_rule.c). Leaves the default table empty.
#
#   make -C userspace-tool vm-progs
#   make vm-run SCRIPT=userspace-tool/tests/vm/answer_cli.sh \
#	FILES="userspace-tool/tests/vm/tlib.sh userspace-tool/tests/vm/jget"
#
# "ok"/"not ok" lines, then "N passed, N failed"; exit 1 on any failure.

cd "$(dirname "$0")" || exit 2
PATH=$PWD:$PATH
. ./tlib.sh

# tout NAME STATUS STDOUT CMD...: exact status and standard output.
tout() {
	name=$1 want_rc=$2 want_out=$3
	shift 3
	"$@" >out 2>err
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$(cat out)" = "$want_out" ]; then
		ok "$name"
	else
		nok "$name"
		echo "#   ran: $*"
		echo "#   exit $rc (wanted $want_rc); stdout:"
		sed 's/^/#     /' out
		echo "#   wanted:"
		printf '%s\n' "$want_out" | sed 's/^/#     /'
		echo "#   stderr:"
		sed 's/^/#     /' err
	fi
}

# terr NAME MESSAGE CMD...: exit 2 and MESSAGE somewhere on stderr.
terr() {
	name=$1 want=$2
	shift 2
	"$@" >out 2>err
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$want" err; then
		ok "$name"
	else
		nok "$name"
		echo "#   ran: $*"
		echo "#   exit $rc; stderr:"
		sed 's/^/#     /' err
		echo "#   wanted exit 2 and: $want"
	fi
}

mvmmctl rule flush default >/dev/null 2>&1

L1="default id 1 msr read 0x10 origin any mode sync answer value 0x1234 fallback main"
L2="default id 2 cpuid leaf 0x40000000 origin any mode sync answer eax 0x40000001 ebx 0x6d6d766d ecx 0x6d6d766d edx 0x6d6d766d fallback main"
L3="default id 3 cpuid leaf 0x1 origin l1 mode sync answer ecx and 0x7fffffff or 0x1 fallback main"
L4="default id 4 io port 0x80 origin any mode sync answer value 0xff ignore fallback main"
L5="default id 5 msr write 0x1234 origin any mode sync answer ignore fallback main"
L6="default id 6 mmio gpa 0xfed00000-0xfed003ff origin any mode sync answer value 0x0 fallback main"
L7="default id 7 hypercall nr 16962 origin any mode sync answer value 0xffffffffffffffff fallback main"

tout "add msr read value" 0 "$L1" mvmmctl rule add default msr read 0x10 answer value 0x1234 id 1
tout "add cpuid fixed registers" 0 "$L2" mvmmctl rule add default cpuid leaf 0x40000000 \
	answer eax 0x40000001 ebx 0x6d6d766d ecx 0x6d6d766d edx 0x6d6d766d id 2
tout "add cpuid mask" 0 "$L3" mvmmctl rule add default cpuid leaf 1 answer ecx and ~0x80000000 or 1 \
	origin l1 id 3
tout "add io value ignore" 0 "$L4" mvmmctl rule add default io port 0x80 answer value 0xff ignore id 4
tout "add msr write ignore" 0 "$L5" mvmmctl rule add default msr write 0x1234 answer ignore id 5
tout "add mmio value" 0 "$L6" mvmmctl rule add default mmio gpa 0xfed00000-0xfed003ff answer value 0 id 6
tout "add hypercall value" 0 "$L7" mvmmctl rule add default hypercall nr 0x4242 answer value ~0 id 7

ALL=$(printf '%s\n' "$L1" "$L2" "$L3" "$L4" "$L5" "$L6" "$L7")
tout "show" 0 "$ALL" mvmmctl rule show default

# show | add: the same table again.
mvmmctl rule show default >shown
mvmmctl rule flush default
while read -r _ rest; do
	# shellcheck disable=SC2086
	mvmmctl rule add default $rest >/dev/null || nok "re-add $rest"
done <shown
tout "show | add round trip" 0 "$ALL" mvmmctl rule show default

# JSON
mvmmctl -j rule show default >json
jt() {
	got=$(jget json "$2" 2>&1)
	if [ "$got" = "$3" ]; then ok "json $1"; else nok "json $1: $2 = $got, wanted $3"; fi
}
jt "target" 0.target answer
jt "value" 0.answer.value 4660
jt "hits" 0.answer.hits 0
jt "no ignore" "0.answer#" 2
jt "register value" 1.answer.ebx.value 1835890285
jt "register and" 2.answer.ecx.and 2147483647
jt "register or" 2.answer.ecx.or 1
jt "ignore" 3.answer.ignore true
jt "io value" 3.answer.value 255
jt "write ignore only" "4.answer#" 2
jt "hypercall value" 6.answer.value 18446744073709551615

# The kernel's refusals reach the user.
terr "overlap" "range overlaps another rule: rule 4" \
	mvmmctl rule add default io port 0x80 answer ignore
terr "fastpath msr" "fastpath" mvmmctl rule add default msr write 0x830 answer ignore
terr "replace unknown id" "no rule with this id" \
	mvmmctl rule replace default id 99 io port 0x81 answer value 1
tout "replace with an answer" 0 \
	"default id 4 io port 0x80 origin any mode sync answer value 0x1 fallback main" \
	sh -c 'mvmmctl rule replace default id 4 io port 0x80 answer value 1 && mvmmctl rule show default | grep "id 4 "'
tout "flush" 0 "" sh -c 'mvmmctl rule flush default && mvmmctl rule show default'

tlib_end

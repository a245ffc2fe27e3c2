#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mvmm tracepoints fire: run the routing test with events/mvmm/
# enabled and check that each event appears, with the outcomes the test
# provokes (handled, injected, observed, fallback to main and to deny).
set -u
# ok/nok, check_rc and tlib_end; the rig's suite runs this from the
# directory rule_cli/ was copied to.
. ./rule_cli/tlib.sh

T=/sys/kernel/tracing

[ -d $T/events ] || mount -t tracefs none $T
check_rc $? "tracefs mounted"
for e in mvmm_route mvmm_answer mvmm_fallback; do
	[ -d $T/events/mvmm/$e ]
	check_rc $? "events/mvmm/$e exists"
done

echo 16384 > $T/buffer_size_kb
echo > $T/trace
echo 1 > $T/events/mvmm/enable
./mvmm_route_test > /tmp/mvmm_trace_route.log 2>&1
rc=$?
echo 0 > $T/events/mvmm/enable
check_rc $rc "mvmm_route_test passed while traced"

cat $T/trace > /tmp/mvmm_trace.txt
for e in mvmm_route mvmm_answer mvmm_fallback; do
	n=$(grep -c " $e: " /tmp/mvmm_trace.txt)
	echo "# $e: $n events"
	[ "$n" -gt 0 ]
	check_rc $? "$e fired"
done
for o in handled injected observed fallback-main fallback-deny; do
	grep -q "mvmm_route: .* outcome=$o\$" /tmp/mvmm_trace.txt
	check_rc $? "mvmm_route outcome=$o seen"
done
grep -q "mvmm_answer: .* latency_ns=[1-9]" /tmp/mvmm_trace.txt
check_rc $? "mvmm_answer carries a latency"
grep -q "mvmm_fallback: .* why=no handler registered" /tmp/mvmm_trace.txt
check_rc $? "mvmm_fallback says why"

tlib_end

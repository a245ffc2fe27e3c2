#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The real client: Debian's unmodified qemu-system-x86_64 as the main VMM
# in the rig, on nested KVM (-M microvm -accel kvm), and mvmm-uart serving
# its guest's COM2 beside it, attached by pid: QEMU hands its VM fd to
# nobody.
#
# The guest is uart_fw.bin (uart_fw.S, -bios): it waits until COM2's
# scratch register stops reading 0xff (QEMU has no COM2), sends a line
# through COM2, checks COM2's scratch register, and reports on COM1, QEMU's
# own UART, together with what COM2 gave it, then halts. Checked:
#   - QEMU's VM is listed by "mvmmctl vm list" with QEMU's pid and command
#     name before anything attaches to it;
#   - mvmm-uart as uid 65534 against root's QEMU: EPERM, the message names
#     ptrace;
#   - mvmm-uart --pid QEMU attaches, a rule routes COM2's ports to it, and
#     its stdout has the guest's line; QEMU's COM1 has the guest's report
#     (scratch register read back, mvmm-uart's --input received);
#   - every COM2 access from the first one routed was handled by mvmm-uart
#     and none went back to QEMU: the exact count in mvmm-uart's count
#     file, the handler's counters (TO-MAIN, FALLBACK 0) and the VM's io
#     ROUTED and COMPLETED;
#   - QEMU ends on SIGTERM as usual, and its VM leaves the list.
# The rig checks the kernel log.
#
# Run by selftests/vm/run-suite --qemu (which puts QEMU, its libraries and
# firmware in the rig) from selftests/qemu/suite, next to uart_fw.bin,
# mvmm-uart-static and runas (selftests/qemu/Makefile). A rig without QEMU
# fails this test: it never skips.

cd "$(dirname "$0")" || exit 2
QEMU=/usr/bin/qemu-system-x86_64
COMM=qemu-system-x86	# the kernel keeps 15 characters of the name
NAME=com2
# What uart_fw.S sends through COM2, and what mvmm-uart gives it.
MSG="Hello from QEMU's guest, through mvmm-uart"
INPUT="ping from mvmm-uart"
# The COM2 accesses uart_fw.S makes from the first one routed.
ROUTED=$((1 + 2 * (${#MSG} + 1) + 2 + 2 * ${#INPUT} + 1))
PTRACE="that needs ptrace access to it (PTRACE_MODE_ATTACH_REALCREDS: the same uid and not setuid, or CAP_SYS_PTRACE; Yama's ptrace_scope may restrict it further)"

. ./qlib.sh
qemu=
uart=
finish() {
	[ -z "$uart" ] || kill -9 $uart 2>/dev/null
	[ -z "$qemu" ] || kill -9 $qemu 2>/dev/null
	qlib_end
}
# give_up WHAT: a step the rest depends on failed.
give_up() {
	nok "$1"
	for f in qemu.out com1.out uart.err; do
		[ -s $f ] && { echo "# $f:"; sed 's/^/#   /' $f; }
	done
	finish
}
listed() { [ -n "$(mvmmctl vm list pid $qemu | awk 'NR > 1')" ]; }

if [ ! -x $QEMU ]; then
	nok "no $QEMU in the rig (selftests/vm/run-suite --qemu stages it)"
	finish
fi
[ -e /dev/kvm ] || give_up "/dev/kvm"

rm -f qemu.out com1.out uart.out uart.err cnt
start=$(date +%s)
$QEMU -M microvm -accel kvm -m 16 -bios uart_fw.bin -nodefaults \
	-no-user-config -display none -monitor none -no-reboot \
	-serial file:com1.out >qemu.out 2>&1 &
qemu=$!
wait_for 60 listed || give_up "QEMU's VM listed by mvmmctl vm list pid $qemu"
line=$(mvmmctl vm list | awk -v pid=$qemu '$2 == pid')
echo "# $line"
id=$(echo "$line" | awk '{ print $1 }')
check "mvmmctl vm list: QEMU's VM with its pid and command name" \
	"$(echo "$line" | awk '{ print $2, $3, $4 }')" "$qemu $COMM 1"

# uid 65534 may not take root's QEMU's fds: the kernel's ptrace check.
./runas 65534 ./mvmm-uart-static --pid $qemu --port 0x2f8 --name $NAME \
	>uart.out 2>uart.err </dev/null
check "mvmm-uart as uid 65534 against root's QEMU: EPERM naming ptrace" \
	"exit $? $(cat uart.err)$(cat uart.out)" \
	"exit 2 Error: not permitted to take the fds of process $qemu: $PTRACE"

./mvmm-uart-static --pid $qemu --port 0x2f8 --name $NAME --input "$INPUT" \
	--count-file cnt >uart.out 2>uart.err &
uart=$!
wait_for 30 grep -qs attached uart.err || give_up "mvmm-uart attached"
check "mvmm-uart attached to QEMU's VM by pid" "$(cat uart.err)" \
	"mvmm-uart: \"$NAME\" attached to VM $id of process $qemu, port 0x2f8"
# Nothing routed yet: the guest is waiting for COM2.
check "before the rule: no IO routed" \
	"$(mvmmctl stats vm $id | awk '$1 == "io" { print $5 }')" 0
[ ! -s com1.out ]
check "before the rule: the guest has written nothing to COM1" $? 0

mvmmctl rule add vm $id io port 0x2f8-0x2ff handler $NAME
check "rule: COM2's ports to $NAME" $? 0
report="COM1: QEMU's own UART; COM2 scratch ok, received \"$INPUT\""
wait_for 60 grep -qF "$report" com1.out ||
	give_up "the guest's report on QEMU's COM1"
ok "the guest's report on COM1 (QEMU's 16550), $(($(date +%s) - start)) s after QEMU started"
check "COM1 has exactly the guest's report" "$(cat com1.out)" "$report"

mvmmctl handler list | sed -n "1p; /^$NAME /p" | sed 's/^/# /'
check "handler $NAME: events, handled, to-main, fallback" \
	"$(mvmmctl handler list | awk -v n=$NAME '$1 == n { print $6, $7, $8, $10 }')" \
	"$ROUTED $ROUTED 0 0"
mvmmctl stats vm $id | sed 's/^/# /'
check "VM $id: io routed and completed by mvmm, not QEMU" \
	"$(mvmmctl stats vm $id | awk '$1 == "io" { print $5, $6 }')" \
	"$ROUTED $ROUTED"

kill -TERM $uart
wait $uart
check "mvmm-uart exits 0 on SIGTERM" $? 0
uart=
check "mvmm-uart's stdout: the guest's line" "$(cat uart.out)" "$MSG"
check "mvmm-uart's count file" "$(cat cnt)" "handled $ROUTED"

kill -TERM $qemu
wait $qemu
check "QEMU exits 0 on SIGTERM" $? 0
qemu_pid=$qemu
qemu=
sed 's/^/# qemu: /' qemu.out
check "QEMU printed nothing but its SIGTERM notice" \
	"$(grep -cv 'terminating on signal 15' qemu.out)" 0
gone() { [ -z "$(mvmmctl vm list pid $qemu_pid | awk 'NR > 1')" ]; }
wait_for 10 gone
check "QEMU's VM gone from the list" $? 0
finish

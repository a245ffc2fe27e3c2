#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The real client with a real guest: Debian's unmodified
# qemu-system-x86_64 (-M microvm -accel kvm, nested) boots a small Linux
# kernel (guest-kernel, built from linux-source-6.1) whose own drivers use
# two devices served beside QEMU by the mvmm samples, both attached by
# pid: QEMU hands its VM fd to nobody and knows nothing of them.
#   - COM2 (ports 0x2f8-0x2ff, ISA IRQ 3): mvmm-uart --irq 3. Linux's 8250
#     driver finds a 16550A, runs interrupt-driven (IRQ 3 counts in the
#     guest's /proc/interrupts), writes a line, and reads the line this
#     script then types into mvmm-uart's stdin (--stdin);
#   - a virtio-mmio window at 0xd0000000 (virtio_mmio.device= on the
#     guest's command line, GSI 5): mvmm-virtio-rng --irq 5. The guest's
#     virtio_rng binds, the hw_random core uses it, /dev/hwrng gives bytes;
#   - kill -9 of mvmm-uart while the guest polls COM2: QEMU and the guest
#     run on (the routed ports fall back to QEMU, which has no COM2); a new
#     mvmm-uart under the same name is used again: the guest writes a
#     second line through it;
#   - QEMU's VM is listed by mvmmctl vm list with QEMU's pid and command
#     name, and leaves the list when QEMU ends.
# The guest's /init is guest_init.c; it reports each step on COM1 (QEMU's
# own UART, a file here). QEMU starts stopped (-S) so that the devices
# are there when the guest's drivers probe, and is let go through its
# monitor. The guest idles by polling (idle=poll) and its /init waits by
# spinning on its clock (it says it is alive every 10 s while it waits).
# A step that never comes is reported with diagnose()'s findings: mvmm's
# counters, where QEMU's and the secondaries' threads are, the guest's
# RIP. That is how the stalls of the guest this test used to see were
# found to be the rig's (lib.sh, the tick): the guest spinning with IF
# clear in its timer interrupt, with or without mvmm loaded. The rig
# checks the kernel log. A rig without QEMU, or a tree without the guest
# kernel, fails this test: it never skips.

cd "$(dirname "$0")" || exit 2
QEMU=/usr/bin/qemu-system-x86_64
COMM=qemu-system-x86	# the kernel keeps 15 characters of the name
MSG=hello-from-linux-8250-through-mvmm-uart
MSG2=again-after-a-restart-of-mvmm-uart
INPUT="ping-from-mvmm-uart"
RNG_GPA=0xd0000000
RNG_GSI=5
# Each step of the guest, from QEMU's start (nested under TCG: slow). The
# boot's limit stays under the suite's 900 s, so that a stall is reported
# here, with what diagnose() finds, rather than killed from outside.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-420}
STEP_TIMEOUT=180

. ./qlib.sh
qemu=
uart=
rng=
finish() {
	for p in $uart $rng $qemu; do kill -9 $p 2>/dev/null; done
	qlib_end
}
show() {
	for f in qemu.out com1.out uart.err uart2.err rng.out rng.err; do
		[ -s $f ] && { echo "# $f:"; sed 's/^/#   /' $f; }
	done
}
# Where each thread of PID is, in the kernel: its name, wchan and stack.
threads() {
	for t in /proc/$1/task/*; do
		[ -d "$t" ] || continue
		echo "# ${t##*/} $(cat $t/comm 2>/dev/null) state $(awk '{ print $3 }' $t/stat 2>/dev/null) wchan $(cat $t/wchan 2>/dev/null)"
		sed 's/^/#     /' $t/stack 2>/dev/null
	done
}
# A stalled guest: is its vCPU running (exits still counted, RIP moving),
# waiting in mvmm for a secondary, or asleep in KVM?
diagnose() {
	[ -n "$qemu" ] || return
	echo "# diagnosis: mvmm's counters for VM $id, twice 2 s apart"
	mvmmctl stats vm pid $qemu 2>&1 | sed 's/^/#   /'
	sleep 2
	mvmmctl stats vm pid $qemu 2>&1 | sed 's/^/#   /'
	mvmmctl handler list 2>&1 | sed 's/^/#   /'
	echo "# QEMU's threads:"
	threads $qemu
	for p in $uart $rng; do echo "# secondary $p's threads:"; threads $p; done
	# A QEMU that is gone reads no FIFO: open it read-write, never block.
	kill -0 $qemu 2>/dev/null || { echo "# QEMU is gone"; return; }
	for n in 1 2; do
		echo "info registers" 1<>mon.in
		sleep 1
	done
	echo "# QEMU's monitor, info registers twice 1 s apart:"
	grep -E 'RIP|RFL|CR0' mon.log | sed 's/^/#   /'
}
# give_up WHAT: a step the rest depends on failed.
give_up() {
	nok "$1"
	diagnose
	show
	finish
}
said() { grep -qF "init: $1" com1.out; }
# guest_says WHAT TIMEOUT: wait for the guest's line starting with WHAT.
guest_says() {
	wait_for "$2" said "$1" || give_up "the guest's \"$1\" on COM1"
}
# The guest's line that starts with "init: $1", without that prefix.
guest_line() { sed -n "s/^init: $1//p" com1.out | tr -d '\r' | head -n1; }
has_vm() { ls -l /proc/$qemu/fd 2>/dev/null | grep -q 'anon_inode:kvm-vm'; }
listed() { [ -n "$(mvmmctl vm list pid $qemu | awk 'NR > 1')" ]; }

if [ ! -x $QEMU ]; then
	nok "no $QEMU in the rig (selftests/vm/run-suite --qemu stages it)"
	finish
fi
for f in guest-vmlinux guest-initrd.cpio; do
	[ -s $f ] || { nok "no $f (selftests/qemu/Makefile builds it)"; finish; }
done
[ -e /dev/kvm ] || give_up "/dev/kvm"

rm -f qemu.out com1.out uart.out uart.err uart2.out uart2.err rng.out \
	rng.err mon.in mon.out mon.log input
mkfifo mon.in mon.out input || give_up "fifos"
# mvmm-uart's stdin: opened read-write here, so that neither side waits.
exec 3<>input
start=$(date +%s)
$QEMU -M microvm -accel kvm -m 64 -nodefaults \
	-no-user-config -display none -no-reboot -S \
	-kernel guest-vmlinux -initrd guest-initrd.cpio \
	-append "console=ttyS0 reboot=t panic=-1 idle=poll virtio_mmio.device=512@$RNG_GPA:$RNG_GSI mvmm_msg=$MSG mvmm_msg2=$MSG2" \
	-serial file:com1.out -chardev pipe,id=mon,path=mon \
	-mon chardev=mon,mode=readline >qemu.out 2>&1 &
qemu=$!
# The monitor's output, for diagnose().
cat mon.out >mon.log &
wait_for 60 has_vm || give_up "QEMU created its VM"

./mvmm-uart-static --pid $qemu --port 0x2f8 --irq 3 --name com2 --stdin \
	<input >uart.out 2>uart.err &
uart=$!
wait_for 60 grep -qs attached uart.err || give_up "mvmm-uart attached"
id=$(sed -n 's/.* attached to VM \([0-9]*\) .*/\1/p' uart.err)
./mvmm-virtio-rng-static --pid $qemu --vm-id $id --mmio $RNG_GPA \
	--irq $RNG_GSI --name rng >rng.out 2>rng.err &
rng=$!
wait_for 60 grep -qs attached rng.err || give_up "mvmm-virtio-rng attached"
sed 's/^/# /' uart.err rng.err

mvmmctl rule add vm $id io port 0x2f8-0x2ff handler com2
check "rule: COM2's ports to mvmm-uart" $? 0
mvmmctl rule add vm $id mmio gpa $RNG_GPA-$((RNG_GPA + 0x1ff)) handler rng
check "rule: the virtio-mmio window to mvmm-virtio-rng" $? 0
echo cont >mon.in

guest_says up $BOOT_TIMEOUT
ok "the guest's init runs, $(($(date +%s) - start)) s after QEMU started"
line=$(mvmmctl vm list | awk -v pid=$qemu '$2 == pid')
echo "# $line"
check "mvmmctl vm list: QEMU's VM with its pid and command name" \
	"$(echo "$line" | awk '{ print $1, $2, $3 }')" "$id $qemu $COMM"

# The guest's line on mvmm-uart's stdout: it listens on ttyS1 now.
sent() { [ "$(cat uart.out)" = "$MSG" ]; }
wait_for $STEP_TIMEOUT sent || give_up "the guest's line on mvmm-uart's stdout"
printf '%s\n' "$INPUT" >&3
guest_says "ttyS1: IRQ" $STEP_TIMEOUT
check "the 8250 driver: ttyS1 is a 16550A at 0x2f8 with IRQ 3" \
	"$(guest_line 'ttyS1: 1: ' | awk '{ print $1, $2, $3 }')" \
	"uart:16550A port:000002F8 irq:3"
check "mvmm-uart's stdout: the guest's line" "$(cat uart.out)" "$MSG"
check "the guest received mvmm-uart's line" \
	"$(guest_line 'ttyS1: received ')" "\"$INPUT\""
irqs=$(guest_line "ttyS1: IRQ 3 interrupts while open: ")
echo "# the guest counted $irqs interrupts on IRQ 3"
[ "${irqs:-0}" -gt 0 ] 2>/dev/null
check "the 8250 driver ran interrupt-driven (IRQ 3 interrupts counted)" $? 0

guest_says "hwrng: read" $STEP_TIMEOUT
check "the hw_random core uses the guest's virtio_rng" \
	"$(guest_line 'hw_random: current ')" "virtio_rng.0"
check "/dev/hwrng gave 64 bytes" \
	"$(guest_line 'hwrng: read ' | awk '{ print $1 }')" 64
guest_line "hwrng: " | sed 's/^/# /'
virtio_irqs=$(sed -n 's/^init: hwrng: *'$RNG_GSI': *\([0-9]*\) .*virtio0.*/\1/p' com1.out)
echo "# the guest counted ${virtio_irqs:-no} interrupts on GSI $RNG_GSI (virtio0)"
[ "${virtio_irqs:-0}" -gt 0 ] 2>/dev/null
check "the virtio driver took the device's interrupts (GSI $RNG_GSI counted)" $? 0

guest_says "COM2: waiting for it to go" $STEP_TIMEOUT
kill -9 $uart
wait $uart 2>/dev/null
uart=
guest_says "COM2: gone" $STEP_TIMEOUT
ok "kill -9 of mvmm-uart: the guest runs on, COM2 falls back to QEMU"
kill -0 $qemu 2>/dev/null
check "QEMU still runs" $? 0
./mvmm-uart-static --pid $qemu --vm-id $id --port 0x2f8 --irq 3 \
	--name com2 >uart2.out 2>uart2.err &
uart=$!
wait_for 60 grep -qs attached uart2.err || give_up "a new mvmm-uart attached"
guest_says "ttyS1: wrote again" $STEP_TIMEOUT
check "the new mvmm-uart's stdout: the guest's second line" \
	"$(cat uart2.out)" "$MSG2"

guest_says done $STEP_TIMEOUT
wait_for 60 sh -c "! kill -0 $qemu 2>/dev/null"
wait $qemu
check "QEMU exits 0 when the guest resets" $? 0
qemu_pid=$qemu
qemu=
gone() { [ -z "$(mvmmctl vm list pid $qemu_pid | awk 'NR > 1')" ]; }
wait_for 10 gone
check "QEMU's VM gone from the list" $? 0
# It ends by itself once the VM is gone; SIGTERM if not yet.
kill -TERM $rng 2>/dev/null
wait $rng
check "mvmm-virtio-rng exits 0 (the VM gone)" $? 0
rng=
echo "# $(cat rng.out)"
served=$(sed -n 's/.*: \([0-9]*\) requests served, \([0-9]*\) bytes,.*/\1 \2/p' rng.out)
[ "${served%% *}" -gt 0 ] 2>/dev/null && [ "${served##* }" -ge 64 ]
check "mvmm-virtio-rng served the guest's requests (requests, bytes: $served)" $? 0
mvmmctl handler list 2>/dev/null | sed 's/^/# /'
[ $fail -eq 0 ] || show
finish

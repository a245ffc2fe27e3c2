#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# libmvmm and mvmm-uart against the real module, in the rig's guest.
#
# paths_vmm: the read()/MVMM_IOC_ANSWER path and the ring, sync requests
# and observe copies, answer errnos (see paths_vmm.c).
#
# mvmm-uart end to end: uart_vmm (a tiny main VMM) hands its VM fd to
# mvmm-uart over a unix socket, rules route the UART's ports and MMIO
# window to the handler, the guest talks to the UART, and the sample's
# stdout and count file must show exactly what the guest did. Once woken
# by the eventfd, once polling.
#
# Attach by pid: uart_vmm keeps its VM fd to itself, mvmm-uart --pid takes
# it; with two VMs in the VMM, refused without --vm-id (the ids listed) or
# with an id it lacks, served with the guest's id; refused (EPERM, ptrace)
# as uid 65534 against the root VMM; and as uid 65534 against a VMM of
# uid 65534 it serves (with Yama at 1, refused first). --irq refused for
# a VM without KVM's in-kernel irqchip.
#
# From the top of the repo:
#   make -C userspace-tool samples vm-progs
#   make vm-run SCRIPT=userspace-tool/libmvmm/tests/vm/e2e.sh \
#	FILES="userspace-tool/libmvmm/tests/vm/paths_vmm \
#	       userspace-tool/libmvmm/tests/vm/uart_vmm \
#	       userspace-tool/samples/mvmm-uart-static \
#	       userspace-tool/tests/vm/runas selftests/qemu/qlib.sh"

cd "$(dirname "$0")" || exit 2
AS=
VM=
# ok, nok, check, wait_for and the counts $pass and $fail
. ./qlib.sh

# serve NAME [mvmm-uart options...]: uart_vmm ($vmm) waits for ./go;
# mvmm-uart (run as $AS) attaches with the options (its source of the VM
# fd among them), the rules route the UART of VM $VM (default: pid $vmm)
# to it, the guest runs, and everything the guest did must show.
serve() {
	m=$1
	shift
	vm=${VM:-pid $vmm}
	rm -f out err
	# Made here, so that an unprivileged mvmm-uart can write it.
	: >cnt
	chmod 666 cnt
	$AS ./mvmm-uart-static --input hi --mmio 0xa0000 --count-file cnt "$@" \
		>out 2>err &
	uart=$!
	if wait_for 10 grep -qs attached err; then
		ok "$m: mvmm-uart attached: $(cat err)"
	else
		nok "$m: mvmm-uart attached"; cat err; kill $vmm $uart; return
	fi

	mvmmctl rule add vm $vm io port 0x3f8-0x3ff handler uart &&
		mvmmctl rule add vm $vm mmio gpa 0xa0000-0xa0007 handler uart
	check "$m: rules added" $? 0
	touch go
	# A guest that hangs shows where, instead of running into the rig's
	# timeout.
	( sleep 60; echo "# uart_vmm still runs after 60 s:"; mvmmctl handler show uart
	  cat /proc/$vmm/task/*/stack; kill -9 $vmm ) &
	watchdog=$!
	wait $vmm
	check "$m: uart_vmm: the guest saw the UART it expected" $? 0
	kill $watchdog 2>/dev/null
	sed 's/^/# /' vmm.out
	mvmmctl handler show uart

	kill -TERM $uart
	wait $uart
	check "$m: mvmm-uart exits 0 on SIGTERM" $? 0
	check "$m: the guest's output on mvmm-uart's stdout" "$(cat out)" \
		"$(printf 'Hello from the guest\nM')"
	# 21 bytes, each one LSR read and one THR write (42); SCR out+in (2);
	# LCR, DLL out, DLL in, LCR (4); IIR (1); 2 x (LSR, RBR) and the LSR
	# that ends the loop (5); MMIO SCR out+in and 2 THR writes (4). The
	# 2-byte accesses went to KVM.
	check "$m: count file: requests handled" "$(cat cnt)" "handled 58"
}

# run_mode NAME [mvmm-uart options...]: uart_vmm hands its VM fd over a
# unix socket.
run_mode() {
	m=$1
	shift
	rm -f sock go vmm.out
	./uart_vmm sock go >vmm.out 2>&1 &
	vmm=$!
	wait_for 10 test -S sock || { nok "$m: uart_vmm listens"; cat vmm.out; return; }
	serve "$m" --socket sock "$@"
}

# start_pid_vmm NAME [uart_vmm options...]: a uart_vmm ($vmm) that hands
# its VM fd to nobody (run as $AS); 1 if it does not get ready.
start_pid_vmm() {
	m=$1
	shift
	rm -f go vmm.out
	$AS ./uart_vmm "$@" - go >vmm.out 2>&1 &
	vmm=$!
	wait_for 10 grep -q ready vmm.out && return 0
	nok "$m: uart_vmm ready"; cat vmm.out; kill $vmm
	return 1
}

# refused NAME STATUS STDERR COMMAND...: exactly that refusal, no stdout.
refused() {
	m=$1 want_rc=$2 want_err=$3
	shift 3
	"$@" >out 2>err </dev/null
	check "$m" "exit $? $(cat err)$(cat out)" "exit $want_rc $want_err"
}

PTRACE="that needs ptrace access to it (PTRACE_MODE_ATTACH_REALCREDS: the same uid and not setuid, or CAP_SYS_PTRACE; Yama's ptrace_scope may restrict it further)"

# mvmm-uart --pid: the VM fd taken from a main VMM that hands it to nobody.
run_pid() {
	AS=
	refused "pid: a process without a KVM VM" 2 \
		"Error: process $$ has no KVM VM: none of its fds is anon_inode:kvm-vm" \
		./mvmm-uart-static --pid $$
	if start_pid_vmm "pid, one VM"; then
		serve "pid, one VM" --pid $vmm
		grep -q "attached to VM [0-9]* of process $vmm," err
		check "pid, one VM: mvmm-uart names the process" $? 0
	fi

	start_pid_vmm "pid, two VMs" --vms 2 || return
	refused "pid, two VMs: uid 65534 against a root VMM: EPERM, ptrace" 2 \
		"Error: not permitted to take the fds of process $vmm: $PTRACE" \
		./runas 65534 ./mvmm-uart-static --pid $vmm
	./mvmm-uart-static --pid $vmm >out 2>err </dev/null
	several="exit $? $(cat err)"
	# Known to mvmm now, if not before: the refusal attached to both.
	mvmmctl vm list pid $vmm | sed 's/^/# /'
	idle=$(mvmmctl vm list pid $vmm | awk '$4 == 0 { print $1 }')
	guest=$(mvmmctl vm list pid $vmm | awk '$4 == 1 { print $1 }')
	# In fd order: the idle VM was created first.
	check "pid, two VMs, no id: refused, the ids listed" "$several" \
		"exit 2 Error: process $vmm has several KVM VMs (mvmm ids $idle, $guest): give the id of one"
	# Finding the ids attached to each VM in turn: none is left attached.
	check "pid, two VMs: the refusal leaves \"uart\" detached" \
		"$(mvmmctl handler show uart | awk 'NR == 2 { print $3 }')" no
	# The VMM's command name, not the secondary's, though mvmm may
	# have first seen these VMs at its attaches.
	check "pid, two VMs: listed with the VMM's command name" \
		"$(mvmmctl vm list pid $vmm | awk 'NR > 1 { print $3 }' | sort -u)" \
		uart_vmm
	refused "pid, two VMs, an id it does not have" 2 \
		"Error: process $vmm has no KVM VM with mvmm id 9999 (its VMs: $idle, $guest)" \
		./mvmm-uart-static --pid $vmm --vm-id 9999
	VM=$guest
	serve "pid, two VMs, --vm-id $guest, polling" \
		--pid $vmm --vm-id $guest --poll
	VM=
	grep -q "attached to VM $guest of process $vmm," err
	check "pid, two VMs: attached to the guest's VM $guest" $? 0
}

# mvmm-uart --irq needs KVM's in-kernel irqchip, which uart_vmm's VM has
# not: refused at start, before any request is served.
run_irq_refused() {
	start_pid_vmm "--irq, no irqchip" || return
	refused "--irq 3, a VM without in-kernel irqchip: ENXIO at start" 2 \
		"Error: cannot drive GSI 3: No such device or address" \
		./mvmm-uart-static --pid $vmm --irq 3 --quiet
	check "--irq refused: \"uart\" left detached" \
		"$(mvmmctl handler show uart | awk 'NR == 2 { print $3 }')" no
	kill $vmm
	wait $vmm 2>/dev/null
}

# The boundary is the kernel's ptrace check, not root: as uid 65534 both,
# the secondary attaches to the VMM by pid (if Yama's ptrace_scope is 1,
# only once it is 0: the VMM is not its descendant).
run_pid_unprivileged() {
	kvm_mode=$(stat -c %a /dev/kvm)
	mvmm_mode=$(stat -c %a /dev/mvmm)
	chmod 666 /dev/kvm /dev/mvmm
	AS="./runas 65534"
	if start_pid_vmm "uid 65534"; then
		yama=/proc/sys/kernel/yama/ptrace_scope
		if [ -w $yama ]; then
			scope=$(cat $yama)
			echo 1 >$yama
			refused "uid 65534, Yama ptrace_scope 1: EPERM from pidfd_getfd" 2 \
				"Error: not permitted to take the fds of process $vmm: $PTRACE" \
				./runas 65534 ./mvmm-uart-static --pid $vmm
			echo 0 >$yama
		else
			echo "# no Yama: its case is left out"
		fi
		serve "uid 65534, VMM of uid 65534" --pid $vmm
		[ -w $yama ] && echo "$scope" >$yama
	fi
	AS=
	chmod "$kvm_mode" /dev/kvm
	chmod "$mvmm_mode" /dev/mvmm
}

# paths_vmm prints its own ok / not ok lines.
out=$(timeout 300 ./paths_vmm 2>&1)
rc=$?
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^ok ')))
fail=$((fail + $(echo "$out" | grep -c '^not ok ')))
check "paths_vmm exits 0" $rc 0

run_mode eventfd
run_mode poll --poll
run_pid
run_irq_refused
run_pid_unprivileged

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

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
# From the top of the repo:
#   make -C userspace-tool samples vm-progs
#   make vm-run SCRIPT=userspace-tool/libmvmm/tests/vm/e2e.sh \
#	FILES="userspace-tool/libmvmm/tests/vm/paths_vmm \
#	       userspace-tool/libmvmm/tests/vm/uart_vmm \
#	       userspace-tool/samples/mvmm-uart-static"

cd "$(dirname "$0")" || exit 2
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		nok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}
# wait_for CMD...: up to 10 s
wait_for() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# run_mode NAME [mvmm-uart options...]
run_mode() {
	m=$1
	shift
	rm -f sock go out err cnt vmm.out
	./uart_vmm sock go >vmm.out 2>&1 &
	vmm=$!
	wait_for test -S sock || { nok "$m: uart_vmm listens"; cat vmm.out; return; }
	./mvmm-uart-static --socket sock --input hi --mmio 0xa0000 --count-file cnt "$@" \
		>out 2>err &
	uart=$!
	if wait_for grep -q attached err; then
		ok "$m: mvmm-uart attached: $(cat err)"
	else
		nok "$m: mvmm-uart attached"; cat err; kill $vmm $uart; return
	fi

	mvmmctl rule add vm pid $vmm io port 0x3f8-0x3ff handler uart &&
		mvmmctl rule add vm pid $vmm mmio gpa 0xa0000-0xa0007 handler uart
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

# paths_vmm prints its own ok / not ok lines.
out=$(timeout 300 ./paths_vmm 2>&1)
rc=$?
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^ok ')))
fail=$((fail + $(echo "$out" | grep -c '^not ok ')))
check "paths_vmm exits 0" $rc 0

run_mode eventfd
run_mode poll --poll

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

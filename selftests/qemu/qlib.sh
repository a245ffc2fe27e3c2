# SPDX-License-Identifier: GPL-2.0
#
# Shared by the real-client tests that run in the rig's guest
# (qemu_uart.sh, qemu_linux.sh) and by libmvmm's end-to-end test
# (userspace-tool/libmvmm/tests/vm/e2e.sh): TAP-like "ok"/"not ok" lines
# counted in $pass and $fail, and waiting for a condition. Source it after
# cd-ing to the directory that holds it.

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		nok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}
# wait_for SECONDS CMD...: until CMD succeeds; 1 if it never did.
wait_for() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -le 0 ] && return 1
		sleep 0.1
	done
}
# qlib_end: once the script's processes are killed, the count and status.
qlib_end() {
	wait 2>/dev/null
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ] && exit 0
	exit 1
}

# SPDX-License-Identifier: GPL-2.0
#
# Shared by the scripts that run in the rig's guest (rule_cli.sh,
# apply_cli.sh, monitor.sh, answer_cli.sh, and selftests/kvm's
# mvmm_group_cli.sh, mvmm_ftrace_test.sh, mvmm_load_errors.sh and
# mvmm_trace_test.sh): TAP-like "ok"/"not ok" lines counted in $pass and
# $fail, checks of a command's exit status and output, JSON checks
# through jget, and a VM (kvm_idle) for tables of a live VM. Source it
# after cd-ing to the directory that holds it and its helpers.

pass=0
fail=0
NOBODY=65534
pids=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

show_run() {
	echo "#   ran: $*"
	echo "#   exit $rc; stdout:"
	sed 's/^/#     /' out
	echo "#   stderr:"
	sed 's/^/#     /' err
}

# t NAME STATUS STDOUT STDERR CMD...: exact status and output.
t() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 4
	"$@" >out 2>err
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$(cat out)" = "$want_out" ] &&
	   [ "$(cat err)" = "$want_err" ]; then
		ok "$name"
	else
		nok "$name"
		show_run "$@"
		echo "#   wanted exit $want_rc; stdout:"
		printf '%s\n' "$want_out" | sed 's/^/#     /'
		echo "#   stderr:"
		printf '%s\n' "$want_err" | sed 's/^/#     /'
	fi
}

# matches FILE ERE: FILE is one line matching ERE, or empty for "".
matches() {
	if [ -z "$2" ]; then
		[ ! -s "$1" ]
	else
		[ "$(wc -l <"$1")" = 1 ] && grep -Eqx -- "$2" "$1"
	fi
}

# tre NAME STATUS STDOUT-ERE STDERR-ERE CMD...: one-line outputs by regex.
tre() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 4
	"$@" >out 2>err
	rc=$?
	if [ "$rc" = "$want_rc" ] && matches out "$want_out" &&
	   matches err "$want_err"; then
		ok "$name"
	else
		nok "$name"
		show_run "$@"
		echo "#   wanted exit $want_rc, stdout =~ $want_out, stderr =~ $want_err"
	fi
}

# check NAME COMMAND...: a shell condition.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

# check_rc STATUS NAME: a status already taken, as in "cmd; check_rc $? NAME".
check_rc() {
	if [ "$1" = 0 ]; then ok "$2"; else nok "$2"; fi
}

# insmod_refused KO MSG: insmod KO fails, the kernel log lines it wrote
# say "mvmm: ...MSG", and no mvmm module is left behind.
insmod_refused() {
	before=$(dmesg | wc -l)
	if insmod "$1" 2>/dev/null; then
		nok "insmod refused ($2)"
		rmmod mvmm
		return
	fi
	dmesg | tail -n +$((before + 1)) | grep -q "mvmm: .*$2"
	check_rc $? "insmod refused with '$2' in the kernel log"
	grep -q '^mvmm ' /proc/modules
	check_rc $((!$?)) "no mvmm module left behind"
}

# jeq NAME FILE PATH VALUE: the parsed JSON value at PATH.
jeq() {
	got=$(jget "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		nok "$1"
		echo "#   $3: got \"$got\", want \"$4\""
	fi
}

# start_vm SECONDS: a VM mvmm has seen (kvm_idle); sets VM_PID.
start_vm() {
	rm -f ready
	kvm_idle "$1" ready &
	VM_PID=$!
	pids="$pids $VM_PID"
	i=0
	while [ ! -e ready ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e ready ]
}

# tlib_end: the summary line; the script's exit status.
tlib_end() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` script. It runs inside the rig's guest, where mvmm.ko is
# loaded and mvmmctl is on PATH: it starts a small KVM guest
# (mvmm_demo_guest, built from selftests/kvm) whose hypervisor CPUID
# leaves a rule routes to a secondary VMM (the mvmm_cpuidsig sample
# module), lets it run for a few seconds, and shows what mvmm saw with
# `mvmmctl vm list`, `mvmmctl handler list` and `mvmmctl stats`. Exits
# non-zero if any step fails.

log=/tmp/mvmm-demo-guest.log
run_s=${DEMO_SECONDS:-3}

say()
{
	printf '%s\n' "$*"
}

run()
{
	say ""
	say "\$ $*"
	"$@" || { say "demo: '$*' failed"; exit 1; }
}

guest=
for g in ./mvmm_demo_guest /mvmm/user/mvmm_demo_guest \
	 /mvmm/tests/mvmm_demo_guest; do
	if [ -x "$g" ]; then
		guest=$g
		break
	fi
done
if [ -z "$guest" ]; then
	say "demo: mvmm_demo_guest is not in the guest (build selftests/kvm and"
	say "demo: pass it to vm-run, e.g. make vm-run SCRIPT=selftests/vm/demo.sh"
	say "demo: FILES=build/kvm-tests/mvmm_demo_guest)"
	exit 1
fi

say "=== mvmm demo ==="
say "mvmm.ko hooks KVM's VM-exit handler: every exit of every guest on this"
say "host is classified into a vendor-neutral event (cpuid, io, msr-read, ...)"
say "and counted per VM. mvmmctl reads the counters over generic netlink."
say ""
say "\$ grep ^mvmm /proc/modules"
grep '^mvmm ' /proc/modules || { say "demo: mvmm.ko is not loaded"; exit 1; }

say ""
say "A secondary VMM: mvmm_cpuidsig.ko, a kernel module that registers with"
say "mvmm and answers the hypervisor CPUID leaves with its own signature."
say "One rule in the default table (every new VM starts with a copy) sends"
say "those leaves to it; every other event still goes to KVM."
grep -q '^mvmm_cpuidsig ' /proc/modules || run insmod /mvmm/mvmm_cpuidsig.ko
run mvmmctl rule add default cpuid leaf 0x40000000-0x400000ff handler cpuidsig

say ""
say "Starting a small KVM guest: for ${run_s}s its vCPU loops on CPUID, an OUT"
say "to port 0x80, RDMSR, WRMSR and CPUID 0x40000000; then it stays alive"
say "with its vCPU idle."
: > "$log"
"$guest" "$run_s" 300 > "$log" 2>&1 &
pid=$!

# Wait for the guest to finish its loop (TCG is slow to start a VM).
i=0
until grep -q 'idle now' "$log"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$log"
		say "demo: the guest program ended early"
		exit 1
	fi
	i=$((i + 1))
	if [ $i -gt 600 ]; then
		cat "$log"
		say "demo: the guest program did not finish its loop in 60s"
		kill "$pid"
		exit 1
	fi
	sleep 0.1
done
cat "$log"

say ""
say "mvmm registered the VM at its first exit, with the pid and command of"
say "the process that created it:"
run mvmmctl vm list

say ""
say "Its table, copied from the default one:"
vm=$(mvmmctl -j vm list | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | tail -n 1)
run mvmmctl rule show vm "$vm"

say ""
say "The secondary handled every CPUID 0x40000000 (EVENTS = HANDLED, half"
say "the guest's CPUIDs), and the guest saw its signature, not KVM's:"
run mvmmctl handler list
grep -q 'hypervisor is "mvmmCPUIDsig"' "$log" ||
	{ say "demo: the guest did not see the secondary's signature"; exit 1; }

say ""
say "Exits per event type since mvmm first saw each VM (compare with the"
say "guest's tally above; 'intr' and 'npf' exits come from the host, not"
say "from guest instructions):"
run mvmmctl stats

say ""
say "The same as JSON, for scripts:"
run mvmmctl -j stats

kill "$pid"
wait "$pid"
say ""
say "The guest's process ended, so KVM destroyed the VM and mvmm forgot it:"
run mvmmctl vm list
run mvmmctl rule flush default
say ""
say "=== end of demo ==="

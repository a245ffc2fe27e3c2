# SPDX-License-Identifier: GPL-2.0
#
# Host-side helpers of the mvmm VM test rig, sourced by vm-run, run-suite and
# transparency.  Everything downloaded or built lands under $RIG_BUILD
# (build/ at the top of the repo, git-ignored); nothing else is written
# outside it except apt installs.
#
# Environment knobs (all optional):
#   MVMM_SRC    tree holding Kbuild, kmod/ and uapi/ (default: the repo).
#               Lets the rig be tried with a stand-in module.
#   RIG_KERNEL  the kernel line the rig boots: 6.1 (default) or 6.12, both
#               Debian 12's (6.12 is Debian 13's LTS line, in Debian 12's
#               archive too).
#   RIG_ABI     kernel ABI such as 6.1.0-56 or 6.12.118+deb12 (default: the
#               newest of the line, see rig_abi).
#   RIG_ACCEL   kvm or tcg (default: kvm only if it is really usable).
#   RIG_MEM     guest memory in MiB (default 2048).
#   RIG_SMP     guest vCPUs (default 2).
#   RIG_GDB     a TCP port: QEMU's gdbstub listens there (bench/exit_profile).
#   RIG_MONITOR a path: QEMU's human monitor listens on that unix socket
#               (info lapic, info registers -a: what a stalled guest does).
#   RIG_APPEND  more kernel command line (e.g. nokaslr).
#   RIG_ICOUNT  1: run under QEMU's instruction counter (-icount
#               shift=0,sleep=off -rtc clock=vm; TCG only): the guest's
#               clocks then advance one nanosecond per instruction, so
#               times measured in the rig are instruction counts, the same
#               in every run (make bench).

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_TOP=$(cd "$RIG_DIR/../.." && pwd)
RIG_BUILD=${RIG_BUILD:-$RIG_TOP/build}
RIG_CACHE=$RIG_BUILD/cache
MVMM_SRC=${MVMM_SRC:-$RIG_TOP}

# Patterns that make a guest's kernel log a failure.  "blocked for more
# than" is what the hung task detector actually prints.
RIG_DMESG_BAD='BUG:|WARNING:|Oops|Kernel panic|general protection|soft lockup|hung task|blocked for more than|refcount_t|list_add corruption|list_del corruption|UBSAN|KASAN'

rig_log()
{
	echo "rig: $*" >&2
}

rig_die()
{
	echo "rig: error: $*" >&2
	exit 2
}

# The kernel lines the rig knows, and the one it boots.
RIG_KERNELS_ALL="6.1 6.12"
RIG_KERNEL=${RIG_KERNEL:-6.1}
case " $RIG_KERNELS_ALL " in
*" $RIG_KERNEL "*) ;;
*) echo "rig: error: RIG_KERNEL=$RIG_KERNEL: the rig knows $RIG_KERNELS_ALL" >&2
   exit 2 ;;
esac

# What the rig keeps per kernel line: the source tree (its KVM selftest
# library), the upstream selftests built from it and the list of those
# that transparency runs.
RIG_SRC=$RIG_BUILD/linux-source-$RIG_KERNEL
RIG_UPSTREAM=$RIG_BUILD/upstream-tests-$RIG_KERNEL
RIG_UPSTREAM_LIST=$RIG_DIR/upstream-$RIG_KERNEL.list

# apt-cache on a fresh machine has no package lists yet.
rig_apt_lists()
{
	apt-cache show linux-source-6.1 >/dev/null 2>&1 && return 0
	rig_log "apt-cache knows no linux-source-6.1, running apt-get update"
	apt-get update -qq >&2 || rig_die "apt-get update failed"
}

# The newest ABI of the line, never hard-coded (the mirror moves on):
# 6.1's comes from the current linux-headers-amd64 dependency, as a
# Debian 12 machine's kernel does; 6.12 has no such meta package in
# Debian 12, so its ABI is the one of linux-source-6.12, whose tree also
# gives the KVM selftests (6.12.118-1~deb12u1: 6.12.118+deb12).
rig_abi()
{
	local abi=

	if [ -n "${RIG_ABI:-}" ]; then
		echo "$RIG_ABI"
		return
	fi
	rig_apt_lists
	case $RIG_KERNEL in
	6.1)
		abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		      sed -n 's/^ *Depends: linux-headers-\(.*\)-amd64$/\1/p' |
		      head -n1)
		;;
	*)
		abi=$(apt-cache policy "linux-source-$RIG_KERNEL" 2>/dev/null |
		      sed -n 's/^ *Candidate: \([0-9.]*\)-.*~\(deb[0-9]*\).*/\1+\2/p')
		;;
	esac
	[ -n "$abi" ] || rig_die "cannot find the $RIG_KERNEL kernel ABI in Debian's archive"
	echo "$abi"
}

# Download (once) and unpack the unsigned kernel image; print the unpacked
# root.  depmod is run on it because the .deb ships no modules.dep (its
# postinst makes one).
rig_kernel()
{
	local abi=$1 pkg=linux-image-$1-amd64-unsigned
	local root=$RIG_BUILD/kernel-$1 deb

	mkdir -p "$RIG_CACHE"
	exec 8> "$RIG_CACHE/kernel.lock"
	flock 8
	if [ ! -e "$root/.done" ]; then
		deb=$(ls "$RIG_CACHE/${pkg}_"*.deb 2>/dev/null | head -n1)
		if [ -z "$deb" ]; then
			rig_log "downloading $pkg"
			(cd "$RIG_CACHE" && apt-get download -q "$pkg" >&2) ||
				rig_die "apt-get download $pkg failed"
			deb=$(ls "$RIG_CACHE/${pkg}_"*.deb | head -n1)
		fi
		rm -rf "$root"
		dpkg -x "$deb" "$root" || rig_die "dpkg -x $deb failed"
		depmod -b "$root" "$abi-amd64" || rig_die "depmod failed"
		touch "$root/.done"
	fi
	exec 8>&-
	echo "$root"
}

rig_headers()
{
	local abi=$1 dir=/usr/src/linux-headers-$1-amd64

	if [ ! -e "$dir/Makefile" ]; then
		rig_log "installing linux-headers-$abi-amd64"
		apt-get install -y -q "linux-headers-$abi-amd64" >&2 ||
			rig_die "cannot install linux-headers-$abi-amd64"
	fi
	echo "$dir"
}

# Build mvmm.ko for the rig from a copy of the sources, so that an in-tree
# host build (make at the top) and the rig build never share objects.  A
# lock serializes concurrent rig runs; another MVMM_SRC (a stand-in) gets
# its own copy.
rig_module()
{
	local abi=$1 hdr out=$RIG_BUILD/kmod-$1

	[ -e "$MVMM_SRC/Kbuild" ] || rig_die "no Kbuild in $MVMM_SRC"
	if [ "$(cd "$MVMM_SRC" && pwd)" != "$RIG_TOP" ]; then
		out=$out-$(cd "$MVMM_SRC" && pwd | md5sum | cut -c1-8)
	fi
	hdr=$(rig_headers "$abi") || exit 2
	mkdir -p "$out"
	(
		flock 9
		# Checksums, not times, decide what changed: an older file
		# copied in must still rebuild, so copies get a fresh mtime.
		rsync -rlpc --delete --exclude='*.o' --exclude='*.ko' \
			--exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
			"$MVMM_SRC/kmod" "$MVMM_SRC/Kbuild" "$out/" >&2 ||
			rig_die "rsync failed"
		if [ -d "$MVMM_SRC/uapi" ]; then
			rsync -rlpc --delete "$MVMM_SRC/uapi" "$out/" >&2 ||
				rig_die "rsync failed"
		fi
		make -s -C "$hdr" M="$out" modules >&2 ||
			rig_die "building mvmm.ko failed"
	) 9> "$out.lock" || exit 2
	[ -e "$out/mvmm.ko" ] || rig_die "the build made no mvmm.ko"
	echo "$out/mvmm.ko"
}

# Copy a dynamically linked program and the libraries ldd names into the
# initramfs under the same paths, so it runs in the guest unchanged.
rig_copy_prog()
{
	local prog=$1 root=$2 dest=${3:-$1} lib

	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$prog" "$root/$dest"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Lay out the parts of the initramfs that every boot needs: busybox, bash
# (so scripts with #!/bin/bash run), the init, the kernel's kvm modules with
# their load order per vendor, and the modules built from Kbuild.
rig_stage_base()
{
	local root=$1 kroot=$2 abi=$3 ko=$4 vendor mod line base

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mvmm/kmods,mvmm/bin,mvmm/user}
	cp /bin/busybox "$root/bin/busybox"
	rig_copy_prog /bin/bash "$root"
	# init's rig_kick_cpus: busybox has no chrt.
	rig_copy_prog /usr/bin/chrt "$root"
	cp "$RIG_DIR/init" "$root/init"
	chmod 755 "$root/init"
	for vendor in amd intel; do
		: > "$root/mvmm/kmods/$vendor.order"
		# modprobe prints the insmod commands in dependency order.
		modprobe -d "$kroot" -S "$abi-amd64" --show-depends "kvm_$vendor" |
		while read -r line; do
			mod=$(echo "$line" | awk '$1 == "insmod" { print $2 }')
			[ -n "$mod" ] || continue
			# 6.12 ships .ko.xz; busybox's insmod wants them plain.
			base=$(basename "$mod" .xz)
			[ -e "$root/mvmm/kmods/$base" ] ||
				case $mod in
				*.xz) xz -dc "$mod" > "$root/mvmm/kmods/$base" ;;
				*) cp "$mod" "$root/mvmm/kmods/" ;;
				esac
			echo "$base" >> "$root/mvmm/kmods/$vendor.order"
		done
		[ -s "$root/mvmm/kmods/$vendor.order" ] ||
			rig_die "no kvm_$vendor module in $kroot"
	done
	# mvmm.ko and every other module the Kbuild makes (sample secondary
	# VMMs) go to /mvmm/; modules.order names the ones of this build, so
	# a module dropped from Kbuild does not linger.
	while read -r mod; do
		mod=${mod%.o}
		mod=${mod%.ko}.ko
		[[ $mod = /* ]] || mod=$(dirname "$ko")/$mod
		cp "$mod" "$root/mvmm/" || rig_die "no $mod"
	done < "$(dirname "$ko")/modules.order"
}

# mvmmctl is optional for vm-run (it may not exist yet) and required for
# suites that use it; the caller decides.
rig_stage_mvmmctl()
{
	local root=$1 ctl=$RIG_TOP/userspace-tool/mvmmctl

	if [ -x "$ctl" ]; then
		rig_copy_prog "$ctl" "$root" /mvmm/bin/mvmmctl
		return 0
	fi
	return 1
}

# Debian's qemu-system-x86_64 for tests that run it as the main VMM
# inside the rig (on nested KVM): the binary under its own path, so that
# its command name is QEMU's, every library it links, and the firmware of
# -M microvm. No QEMU on the host is an error, never a reason to skip.
RIG_QEMU=/usr/bin/qemu-system-x86_64
rig_stage_qemu()
{
	local root=$1 fw

	[ -x "$RIG_QEMU" ] ||
		rig_die "no $RIG_QEMU on the host (apt-get install qemu-system-x86)"
	rig_copy_prog "$RIG_QEMU" "$root"
	# microvm's firmware, and the option ROM that starts a -kernel
	# vmlinux at its PVH entry.
	for fw in bios-microvm.bin pvh.bin; do
		[ -e "/usr/share/qemu/$fw" ] || rig_die "no /usr/share/qemu/$fw"
		mkdir -p "$root/usr/share/qemu"
		cp -L "/usr/share/qemu/$fw" "$root/usr/share/qemu/"
	done
}

rig_cpio()
{
	local root=$1 out=$2

	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$out" ||
		rig_die "cannot build $out"
}

# KVM is used only where the guest can itself run KVM (the host CPU shows
# vmx or svm, i.e. nested virtualization) and QEMU really starts with it:
# some hosts expose a /dev/kvm that QEMU's "-cpu host" cannot use.
rig_accel()
{
	if [ -n "${RIG_ACCEL:-}" ]; then
		echo "$RIG_ACCEL"
		return
	fi
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	   grep -qwE 'vmx|svm' /proc/cpuinfo &&
	   echo quit | timeout 30 qemu-system-x86_64 -accel kvm -cpu host -S \
		-nodefaults -display none -monitor stdio >/dev/null 2>&1; then
		echo kvm
	else
		echo tcg
	fi
}

# Boot the kernel with an initramfs, passing the serial console through
# live to stdout (dmesg dumps between markers are only written to the log)
# and keeping a CR-free copy in $log.  $timeout bounds the whole boot.
# The initrd and the log belong to one run (its private work dir): runs
# may go on in parallel.
# Where a file lives in memory: /dev/shm, or the build tree without it.
rig_shm_dir()
{
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		echo /dev/shm
	else
		echo "$RIG_BUILD"
	fi
}

rig_boot()
{
	local kroot=$1 abi=$2 initrd=$3 timeout=$4 log=$5
	local accel rc raw tick
	local -a qemu

	accel=$(rig_accel)
	if [ "${RIG_ICOUNT:-0}" = 1 ]; then
		[ "$accel" = tcg ] || rig_die "RIG_ICOUNT=1 needs RIG_ACCEL=tcg"
		accel="tcg, icount"
	fi
	if [ "$accel" = kvm ]; then
		qemu=(-accel kvm -cpu host)
	else
		# thread=single: multi-threaded TCG hangs upstream's
		# hyperv_features test even without mvmm (DESIGN.md).
		# x86-64-v2's features: 6.12's KVM selftests are built for it
		# (-march=x86-64-v2) and die of SIGILL on a bare qemu64.
		qemu=(-accel tcg,thread=single
		      -cpu qemu64,+svm,+npt,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16)
	fi
	if [ "${RIG_ICOUNT:-0}" = 1 ]; then
		# One instruction per virtual nanosecond, every clock of the
		# guest included: rounds repeat to the instruction.
		qemu+=(-icount shift=0,sleep=off -rtc clock=vm)
	fi
	[ -z "${RIG_GDB:-}" ] || qemu+=(-gdb "tcp:127.0.0.1:$RIG_GDB")
	[ -z "${RIG_MONITOR:-}" ] ||
		qemu+=(-monitor "unix:$RIG_MONITOR,server=on,wait=off")
	# The tick. QEMU 7.2's TCG with nested SVM loses interrupts both
	# ways, and which way depends on the rig's timer mode:
	#  - with its default tick (one-shot LAPIC timer, idle CPUs without
	#    it), a CPU of the rig whose vCPU thread ran a nested guest could
	#    stop taking timer interrupts for minutes: the expired timer's
	#    vector stayed pending in the LAPIC's IRR with IF set, and
	#    nothing armed the timer again (1 in 10 runs of
	#    mvmm_unload_routed_test 30 on 6.1, whose unload then waited);
	#  - with a periodic tick (nohz=off highres=off), a nested guest
	#    takes an interrupt while its IF is clear: Linux booted by QEMU
	#    inside the rig (qemu_linux) then spins for ever in its timer
	#    interrupt on tk_core.seq, which the interrupted writer left
	#    odd (guest RIP in ktime_get_update_offsets_now, RFLAGS 0x2). In
	#    the rig, with or without mvmm loaded, 1 boot in 4 to 1 in 13
	#    with two rigs running, and 3 in 66 with nohz=off alone; 0 in 80
	#    with the default tick.
	# So the default tick, and rig_kick_cpus in the guest's init for the
	# first. Boots with one CPU (make bench under icount, exit_profile),
	# where no other CPU can kick, keep the periodic tick their figures
	# were measured with: no nested Linux runs there.
	if [ "${RIG_ICOUNT:-0}" = 1 ] || [ "${RIG_SMP:-2}" = 1 ]; then
		tick="nohz=off highres=off"
	else
		tick="mvmm_rig_kick=1"
	fi
	rig_log "booting $abi with $accel (timeout ${timeout}s)"
	: > "$log"
	# The serial console goes to a file, which the filter follows: QEMU
	# drops what its console backend cannot take at once (after a few
	# retries), so a pipe to a reader slower than the guest (a busy
	# host, the 8 MiB kernel log at the end, icount's guest that never
	# waits) lost characters of the results. The file is in memory
	# (/dev/shm): QEMU writes the console holding its global lock, and
	# a write that waited for a busy disk would stop the guest's timers
	# meanwhile. QEMU's own messages are appended to the same file.
	# QEMU runs in the background so that a signal to this script (a
	# make interrupted, a CI timeout) can stop it instead of leaving an
	# orphan: timeout forwards TERM/INT/HUP.
	raw=$(mktemp -p "$(rig_shm_dir)" mvmm-console.XXXXXX)
	timeout -k 10 "$timeout" qemu-system-x86_64 "${qemu[@]}" \
		-m "${RIG_MEM:-2048}" -smp "${RIG_SMP:-2}" \
		-display none -no-reboot -nodefaults \
		-chardev "file,id=console,path=$raw,append=on" \
		-serial chardev:console \
		-kernel "$kroot/boot/vmlinuz-$abi-amd64" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet log_buf_len=8M $tick ${RIG_APPEND:-}" \
		</dev/null >> "$raw" 2>&1 &
	RIG_QEMU_PID=$!
	trap 'rig_stop_qemu; rm -f "$raw"; exit 143' TERM INT HUP
	# tail reads what is left once QEMU is gone, then ends.
	tail -n +1 -f --pid="$RIG_QEMU_PID" "$raw" | rig_filter "$log" &
	RIG_FILTER_PID=$!
	wait "$RIG_QEMU_PID"
	rc=$?
	RIG_QEMU_PID=
	wait "$RIG_FILTER_PID"
	rm -f "$raw"
	return $rc
}

rig_stop_qemu()
{
	if [ -n "${RIG_QEMU_PID:-}" ]; then
		kill -TERM "$RIG_QEMU_PID" 2>/dev/null
		wait "$RIG_QEMU_PID" 2>/dev/null
	fi
}

# Keep a run's console log as build/logs/NAME-LINE.log (the last run of a
# kind wins).
rig_keep_log()
{
	local name=${2%.log}-$RIG_KERNEL.log

	mkdir -p "$RIG_BUILD/logs"
	cp "$1" "$RIG_BUILD/logs/$name.tmp.$$" &&
		mv "$RIG_BUILD/logs/$name.tmp.$$" "$RIG_BUILD/logs/$name"
	echo "$RIG_BUILD/logs/$name"
}

# Strip CRs and the BIOS's terminal escapes, log every line, echo all but
# the dmesg dump.
rig_filter()
{
	local log=$1 line quiet=0

	shopt -s extglob
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		line=${line//$'\e'\[*([0-9;?])[A-Za-z]/}
		line=${line//$'\e'c/}
		printf '%s\n' "$line" >> "$log"
		case $line in
		MVMM-DMESG-BEGIN*) quiet=1 ;;
		MVMM-DMESG-END*) quiet=0; continue ;;
		esac
		[ $quiet = 1 ] || printf '%s\n' "$line"
	done
}

# Print the kernel log lines that must fail a run; return 1 if any.  The
# guest dumps dmesg between markers at the end; if it never got there (a
# crash), the whole console log is searched instead.
rig_check_dmesg()
{
	local log=$1 bad

	if grep -q '^MVMM-DMESG-END' "$log"; then
		bad=$(sed -n '/^MVMM-DMESG-BEGIN/,/^MVMM-DMESG-END/p' "$log" |
		      grep -E "$RIG_DMESG_BAD")
	else
		bad=$(grep -E "$RIG_DMESG_BAD" "$log")
	fi
	if [ -n "$bad" ]; then
		echo "rig: the guest kernel log has errors:"
		printf '%s\n' "$bad" | sed 's/^/rig:   /'
		return 1
	fi
	return 0
}

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
#   RIG_ABI     kernel ABI such as 6.1.0-56 (default: whatever Debian's
#               linux-headers-amd64 currently depends on).
#   RIG_ACCEL   kvm or tcg (default: kvm only if it is really usable).
#   RIG_MEM     guest memory in MiB (default 2048).
#   RIG_SMP     guest vCPUs (default 2).

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

# The ABI comes from the current linux-headers-amd64 dependency: the Debian
# mirror moves on, so it is never hard-coded.
rig_abi()
{
	local abi

	if [ -n "${RIG_ABI:-}" ]; then
		echo "$RIG_ABI"
		return
	fi
	abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	      sed -n 's/^ *Depends: linux-headers-\(.*\)-amd64$/\1/p' | head -n1)
	if [ -z "$abi" ]; then
		# A fresh machine has no package lists yet.
		rig_log "apt-cache knows no linux-headers-amd64, running apt-get update"
		apt-get update -qq >&2 || rig_die "apt-get update failed"
		abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		      sed -n 's/^ *Depends: linux-headers-\(.*\)-amd64$/\1/p' | head -n1)
	fi
	[ -n "$abi" ] || rig_die "cannot find the kernel ABI from linux-headers-amd64"
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
	local root=$1 kroot=$2 abi=$3 ko=$4 vendor mod line

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mvmm/kmods,mvmm/bin,mvmm/user}
	cp /bin/busybox "$root/bin/busybox"
	rig_copy_prog /bin/bash "$root"
	cp "$RIG_DIR/init" "$root/init"
	chmod 755 "$root/init"
	for vendor in amd intel; do
		: > "$root/mvmm/kmods/$vendor.order"
		# modprobe prints the insmod commands in dependency order.
		modprobe -d "$kroot" -S "$abi-amd64" --show-depends "kvm_$vendor" |
		while read -r line; do
			mod=$(echo "$line" | awk '$1 == "insmod" { print $2 }')
			[ -n "$mod" ] || continue
			cp -n "$mod" "$root/mvmm/kmods/"
			basename "$mod" >> "$root/mvmm/kmods/$vendor.order"
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
rig_boot()
{
	local kroot=$1 abi=$2 initrd=$3 timeout=$4 log=$5
	local accel rc fifo
	local -a qemu

	accel=$(rig_accel)
	if [ "$accel" = kvm ]; then
		qemu=(-accel kvm -cpu host)
	else
		# thread=single: multi-threaded TCG hangs upstream's
		# hyperv_features test even without mvmm (DESIGN.md).
		qemu=(-accel tcg,thread=single -cpu qemu64,+svm,+npt)
	fi
	rig_log "booting $abi with $accel (timeout ${timeout}s)"
	: > "$log"
	# QEMU runs in the background so that a signal to this script (a
	# make interrupted, a CI timeout) can stop it instead of leaving an
	# orphan: timeout forwards TERM/INT/HUP to QEMU.
	fifo=$(dirname "$initrd")/console.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	rig_filter "$log" < "$fifo" &
	RIG_FILTER_PID=$!
	timeout -k 10 "$timeout" qemu-system-x86_64 "${qemu[@]}" \
		-m "${RIG_MEM:-2048}" -smp "${RIG_SMP:-2}" \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$kroot/boot/vmlinuz-$abi-amd64" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet log_buf_len=8M" \
		</dev/null > "$fifo" 2>&1 &
	RIG_QEMU_PID=$!
	trap 'rig_stop_qemu; exit 143' TERM INT HUP
	wait "$RIG_QEMU_PID"
	rc=$?
	RIG_QEMU_PID=
	wait "$RIG_FILTER_PID"
	rm -f "$fifo"
	return $rc
}

rig_stop_qemu()
{
	if [ -n "${RIG_QEMU_PID:-}" ]; then
		kill -TERM "$RIG_QEMU_PID" 2>/dev/null
		wait "$RIG_QEMU_PID" 2>/dev/null
	fi
}

# Keep a run's console log as build/logs/NAME (the last run of a kind wins).
rig_keep_log()
{
	mkdir -p "$RIG_BUILD/logs"
	cp "$1" "$RIG_BUILD/logs/$2.tmp.$$" &&
		mv "$RIG_BUILD/logs/$2.tmp.$$" "$RIG_BUILD/logs/$2"
	echo "$RIG_BUILD/logs/$2"
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

# SPDX-License-Identifier: GPL-2.0
#
# mvmm top-level Makefile.  The module itself is described by Kbuild; this
# file drives the module build, the userspace tool, the tests and the VM
# rig (selftests/vm/, see its README.md).  Downloads and rig builds live in
# build/ (git-ignored).
#
#   make              mvmm.ko (KDIR=...), mvmmctl, unit tests
#   make deps         apt-get install what is missing (idempotent)
#   make check        deps, unit tests, then on each kernel line (6.1, 6.12;
#                     RIG_KERNELS=6.12 for one): VM suite, upstream
#                     transparency
#   make demo         boot the rig and show mvmmctl on a running guest
#   make vm-run SCRIPT=path [FILES="f1 f2"]   run your program in the rig
#   make bench        benchmarks (host callgrind counts, then in the rig
#                     under QEMU's instruction counter)
#   make fuzz         fuzz the policy tables (FUZZ_SECONDS=60)
#   make fuzz-long    the randomized uapi test in the rig, for long
#                     (FUZZ_LONG_SECONDS=600, FUZZ_SEED=, RIG_KERNEL)
#   make install      mvmmctl, its man page and bash completion, examples
#                     (PREFIX=/usr/local, DESTDIR=; no kernel headers needed)
#   make modules_install   the modules into /lib/modules (KDIR=...)
#   make dkms-install      the sources into /usr/src/mvmm-VERSION, then
#                          dkms add, build, install (KVER=, default running)
#   make clean

TOP   := $(CURDIR)
BUILD := $(TOP)/build
VM    := $(TOP)/selftests/vm

# The kernel lines the rig boots (Debian 12's 6.1 and 6.12): make check
# and make bench take each of RIG_KERNELS, one kernel for a quick run:
#   RIG_KERNELS=6.12 make check
# Targets that boot once (demo, vm-run) take RIG_KERNEL, the first.
RIG_KERNELS ?= 6.1 6.12
# The kernel line whose source builds the real-client tests' Linux guest
# (selftests/qemu/guest-kernel), one for all lines: the first one tested.
GUEST_LINE ?= $(firstword $(RIG_KERNELS))
RIG_KERNEL  ?= $(firstword $(RIG_KERNELS))
export RIG_KERNEL

# The Debian kernel ABI of a line (e.g. 6.1.0-56, 6.12.118+deb12): the
# newest in the archive (selftests/vm/lib.sh, rig_abi). Computed once per
# line, and only when used.
abi_of = $(or $(ABI_$(1)),$(eval ABI_$(1) := $$(shell RIG_KERNEL=$(1) $(VM)/abi))$(ABI_$(1)))
ABI = $(call abi_of,$(RIG_KERNEL))

KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),\
	  /lib/modules/$(shell uname -r)/build,/usr/src/linux-headers-$(ABI)-amd64)

# Per line: the source tree (the KVM selftest library), our selftests and
# benchmarks built against it.
LINUX_SRC  = $(BUILD)/linux-source-$(RIG_KERNEL)
KVM_TESTS  = $(BUILD)/kvm-tests-$(RIG_KERNEL)
BENCH_OUT  = $(BUILD)/bench-$(RIG_KERNEL)

.PHONY: all module userspace unit-build deps rig kvm-tests unit vm-check \
	check demo vm-run bench bench-host fuzz fuzz-long clean install \
	modules_install dkms-src dkms-install packaging-test dkms-check \
	kdoc-check

all: module userspace unit-build

module:
	@test -e $(KDIR)/Makefile || \
		{ echo "No kernel headers in $(KDIR): run 'make deps' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

userspace:
	$(MAKE) -C userspace-tool

unit-build:
	$(MAKE) -C selftests/unit

deps:
	$(VM)/deps

rig: deps
	$(VM)/prepare

# Host-side tests: the portable classifier, then mvmmctl's parser/JSON.
unit:
	$(MAKE) -C selftests/unit run
	$(MAKE) -C selftests/fuzz replay
	$(MAKE) -C userspace-tool test
	$(MAKE) packaging-test

# The policy fuzzer against its reference model, for a bounded time
# (libFuzzer; make check only replays the committed corpus).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) -C selftests/fuzz run SECONDS=$(FUZZ_SECONDS)

# The randomized test of the netlink family and /dev/mvmm that make check
# runs for 30 s (selftests/kvm/suite), for FUZZ_LONG_SECONDS in the rig of
# RIG_KERNEL; FUZZ_SEED= replays a run (its seed is printed first).
FUZZ_LONG_SECONDS ?= 600
FUZZ_LONG_SCRIPT = $(BUILD)/fuzz-long-$(RIG_KERNEL).sh
fuzz-long: vm-build-$(RIG_KERNEL)
	printf '#!/bin/sh\nexec ./mvmm_uapi_fuzz_test -t %s %s\n' \
		$(FUZZ_LONG_SECONDS) '$(if $(FUZZ_SEED),-s $(FUZZ_SEED))' \
		> $(FUZZ_LONG_SCRIPT)
	RIG_TIMEOUT=$$(($(FUZZ_LONG_SECONDS) + 900)) $(VM)/vm-run \
		$(FUZZ_LONG_SCRIPT) $(KVM_TESTS)/mvmm_uapi_fuzz_test

# Per kernel line: our VM suite (every test must run: a skip fails it),
# the upstream KVM selftests with and without mvmm, which must end the
# same way, and modinfo of the modules the rig built (the host-side
# packaging test ran before any module existed). make check builds every
# line first, then boots the lines' rigs at once (one core each) and
# prints each line's output whole when it ends.
vm-check: $(addprefix vm-build-,$(RIG_KERNELS))
	$(MAKE) -j$(words $(RIG_KERNELS)) -O \
		$(addprefix vm-suite-,$(RIG_KERNELS))

vm-build-%: deps userspace
	RIG_KERNEL=$* $(VM)/prepare
	$(MAKE) -C selftests/kvm LINUX_SRC=$(BUILD)/linux-source-$* \
		OUT=$(BUILD)/kvm-tests-$*
	$(MAKE) -C selftests/qemu OUT=$(BUILD)/qemu-tests-$* \
		GUEST_LINE=$(GUEST_LINE) GUEST_DIR=$(BUILD)/guest-kernel-$(GUEST_LINE)

# What DKMS builds from (make dkms-src) builds against every line's
# headers.
dkms-check: deps userspace
	selftests/packaging/run $(foreach k,$(RIG_KERNELS),\
		--kbuild /usr/src/linux-headers-$(call abi_of,$(k))-amd64)

# The same boot runs the real-client tests (selftests/qemu/suite): Debian's
# QEMU as the main VMM in the rig (--qemu puts it there).
vm-suite-%:
	@echo "=== make check, kernel line $* ($(call abi_of,$*))"
	RIG_KERNEL=$* $(VM)/run-suite --fail-on-skip --qemu \
		--add $(BUILD)/kvm-tests-$*:/mvmm/tests \
		--add $(BUILD)/qemu-tests-$*:/mvmm/qemu \
		selftests/kvm/suite selftests/qemu/suite
	RIG_KERNEL=$* $(VM)/transparency
	selftests/packaging/run --modules $(BUILD)/kmod-$(call abi_of,$*)

# kernel-doc of the exported secondary API, the uapi and the headers of
# kmod/ and kmod/core/, by the kernel's own script (from the source tree of
# the newest line, which vm-build prepared): any warning fails.
KDOC_FILES = kmod/include/mvmm/secondary.h uapi/linux/mvmm.h \
	$(wildcard kmod/*.h kmod/core/*.h)
KDOC_LINE = $(lastword $(RIG_KERNELS))
kdoc-check: vm-build-$(KDOC_LINE)
	@out=$$($(BUILD)/linux-source-$(KDOC_LINE)/scripts/kernel-doc -none \
		-Wall $(KDOC_FILES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; \
		echo "kernel-doc: warnings, see above" >&2; exit 1; fi; \
	echo "kernel-doc: $(words $(KDOC_FILES)) headers, no warning"

check: deps unit dkms-check vm-check kdoc-check

# Our KVM selftests link the upstream selftest library that make rig builds.
kvm-tests: rig
	$(MAKE) -C selftests/kvm LINUX_SRC=$(LINUX_SRC) OUT=$(KVM_TESTS)

# demo.sh runs in the guest's /mvmm/user next to the demo guest program.
demo: deps kvm-tests userspace
	$(VM)/vm-run $(VM)/demo.sh $(KVM_TESTS)/mvmm_demo_guest

vm-run: deps userspace
	@test -n "$(SCRIPT)" || { echo "usage: make vm-run SCRIPT=path [FILES=\"f1 f2\"]" >&2; exit 2; }
	$(VM)/vm-run $(SCRIPT) $(FILES)

# Benchmarks: instructions per classification on the host (callgrind),
# then the programs in the rig (listed in bench/suite), under QEMU's
# instruction counter with one vCPU (RIG_ICOUNT=1, RIG_SMP=1): the rig's
# times are then instruction counts, the same in every run.
bench: $(addprefix bench-,$(RIG_KERNELS))

bench-host:
	$(MAKE) -C bench classify OUT=$(BUILD)/bench-host
	$(MAKE) -C bench policy OUT=$(BUILD)/bench-host
	$(MAKE) -C bench group OUT=$(BUILD)/bench-host

bench-%: deps userspace bench-host
	RIG_KERNEL=$* $(VM)/prepare
	$(MAKE) -C bench LINUX_SRC=$(BUILD)/linux-source-$* \
		OUT=$(BUILD)/bench-$*
	@echo "=== make bench, kernel line $* ($(call abi_of,$*))"
	RIG_KERNEL=$* RIG_ICOUNT=1 RIG_SMP=1 RIG_ACCEL=tcg \
		$(VM)/run-suite --add $(BUILD)/bench-$*:/mvmm/bench bench/suite

# Installation. make install needs no kernel headers: its recipe never
# expands KDIR. Paths follow the GNU conventions; packagers set PREFIX=/usr
# and DESTDIR.
MVMM_VERSION := $(shell cat $(TOP)/VERSION)
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR      ?= $(PREFIX)/share/doc/mvmm
INSTALL     ?= install

# The modprobe.d file is an example: /etc stays the administrator's.
install: userspace
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples/modprobe.d
	$(INSTALL) -m 0755 userspace-tool/mvmmctl $(DESTDIR)$(SBINDIR)/mvmmctl
	$(INSTALL) -m 0644 Documentation/mvmmctl.8 $(DESTDIR)$(MANDIR)/man8/mvmmctl.8
	$(INSTALL) -m 0644 userspace-tool/completion/mvmmctl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/mvmmctl
	$(INSTALL) -m 0644 Documentation/modprobe.d/mvmm.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/mvmm.conf

# Kbuild installs into /lib/modules/<release>/$(INSTALL_MOD_DIR) (extra/ by
# default; INSTALL_MOD_PATH= for a staging root). The release is the one
# in the modules' vermagic: Debian's headers give another one (the upstream
# version) in include/config/kernel.release. They have no System.map
# either, so kbuild skips depmod: run it here unless staging.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h)
modules_install: module
	$(MAKE) -C $(KDIR) M=$(TOP) KERNELRELEASE=$(KREL) modules_install
	$(if $(INSTALL_MOD_PATH),,depmod -a $(KREL))

# DKMS rebuilds the modules for every kernel installed later (dkms.conf).
# dkms-src copies what Kbuild needs, and nothing built, to DKMS_SRC;
# dkms-install first removes a previous copy of the same version from
# DKMS, so that it can be run again.
DKMS_SRC ?= /usr/src/mvmm-$(MVMM_VERSION)
dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	tar -C $(TOP) -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.d' \
		--exclude=modules.order --exclude=Module.symvers \
		Kbuild dkms.conf VERSION LICENSE kmod uapi | tar -C $(DKMS_SRC) -x

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	if dkms status -m mvmm -v $(MVMM_VERSION) | grep -q .; then \
		dkms remove -m mvmm -v $(MVMM_VERSION) --all; fi
	$(MAKE) dkms-src DKMS_SRC=/usr/src/mvmm-$(MVMM_VERSION)
	dkms add -m mvmm -v $(MVMM_VERSION)
	dkms build -m mvmm -v $(MVMM_VERSION) $(if $(KVER),-k $(KVER))
	dkms install -m mvmm -v $(MVMM_VERSION) $(if $(KVER),-k $(KVER))

# The man page, completion, install layout, dkms.conf and modprobe.d
# example (selftests/packaging/run; no kernel needed).
packaging-test: userspace
	selftests/packaging/run

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	-$(MAKE) -C userspace-tool clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C selftests/kvm clean OUT=$(KVM_TESTS)
	-$(MAKE) -C bench clean OUT=$(BENCH_OUT)
	rm -rf $(filter-out $(BUILD)/cache,$(wildcard $(BUILD)/*))

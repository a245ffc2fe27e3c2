# SPDX-License-Identifier: GPL-2.0
#
# mvmm top-level Makefile.  The module itself is described by Kbuild; this
# file drives the module build, the userspace tool, the tests and the VM
# rig (selftests/vm/, see its README.md).  Downloads and rig builds live in
# build/ (git-ignored).
#
#   make              mvmm.ko (KDIR=...), mvmmctl, unit tests
#   make deps         apt-get install what is missing (idempotent)
#   make check        deps, unit tests, VM suite, upstream transparency
#   make demo         boot the rig and show mvmmctl on a running guest
#   make vm-run SCRIPT=path [FILES="f1 f2"]   run your program in the rig
#   make bench        benchmarks (host callgrind counts, then in the rig)
#   make fuzz         fuzz the policy tables (FUZZ_SECONDS=60)
#   make clean

TOP   := $(CURDIR)
BUILD := $(TOP)/build
VM    := $(TOP)/selftests/vm

# The Debian kernel ABI the rig uses (e.g. 6.1.0-56), from the current
# linux-headers-amd64 dependency.  Computed once, and only when used.
ABI = $(eval ABI := $$(shell $(VM)/abi))$(ABI)

KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),\
	  /lib/modules/$(shell uname -r)/build,/usr/src/linux-headers-$(ABI)-amd64)

LINUX_SRC  = $(BUILD)/linux-source-6.1
KVM_TESTS  = $(BUILD)/kvm-tests
BENCH_OUT  = $(BUILD)/bench

.PHONY: all module userspace unit-build deps rig kvm-tests unit vm-check \
	check demo vm-run bench fuzz clean

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

# The policy fuzzer against its reference model, for a bounded time
# (libFuzzer; make check only replays the committed corpus).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) -C selftests/fuzz run SECONDS=$(FUZZ_SECONDS)

# Our VM suite (every test must run: a skip fails it), then the upstream
# KVM selftests with and without mvmm, which must end the same way.
vm-check: kvm-tests userspace
	$(VM)/run-suite --fail-on-skip --add $(KVM_TESTS):/mvmm/tests \
		selftests/kvm/suite
	$(VM)/transparency

check: deps unit vm-check

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
# then the exit-rate programs in the rig (listed in bench/suite).
bench: rig userspace
	$(MAKE) -C bench LINUX_SRC=$(LINUX_SRC) OUT=$(BENCH_OUT)
	$(MAKE) -C bench classify OUT=$(BENCH_OUT)
	$(MAKE) -C bench policy OUT=$(BENCH_OUT)
	$(VM)/run-suite --add $(BENCH_OUT):/mvmm/bench bench/suite

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	-$(MAKE) -C userspace-tool clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C selftests/kvm clean OUT=$(KVM_TESTS)
	-$(MAKE) -C bench clean OUT=$(BENCH_OUT)
	rm -rf $(filter-out $(BUILD)/cache,$(wildcard $(BUILD)/*))

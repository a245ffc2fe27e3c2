# SPDX-License-Identifier: GPL-2.0
#
# How to build a static program against upstream's KVM selftest library
# and our test helpers (lib/). Included by selftests/kvm/Makefile and
# bench/Makefile. Needs TOP (the repo) and LINUX_SRC (an extracted
# linux-source-6.1 tree whose tools/testing/selftests/kvm was built, as the
# rig does with make -k -C .../selftests/kvm LDFLAGS=-static).

MVMM_KVM_DIR := $(LINUX_SRC)/tools/testing/selftests/kvm
MVMM_LIB_DIR := $(TOP)/selftests/kvm/lib

# 6.1 has no libkvm.a: its tests link the library objects directly.  Take
# the archive where a newer tree has one.
MVMM_LIBKVM_A    := $(wildcard $(MVMM_KVM_DIR)/libkvm.a)
MVMM_LIBKVM_OBJS := $(if $(MVMM_LIBKVM_A),$(MVMM_LIBKVM_A),\
	$(wildcard $(MVMM_KVM_DIR)/lib/*.o $(MVMM_KVM_DIR)/lib/x86_64/*.o))

# The library's kernel version, for lib/mvmm_ksft_compat.h (included in
# every program): 6 * 256 + 12 for linux-source-6.12.
MVMM_KSFT_VERSION := $(shell awk '/^VERSION =/ { v = $$3 } \
	/^PATCHLEVEL =/ { print v * 256 + $$3; exit }' $(LINUX_SRC)/Makefile)

# The flags upstream's kvm Makefile uses, plus our uapi header and lib/.
MVMM_KVM_CFLAGS := -Wall -Wstrict-prototypes -Wuninitialized -O2 -g \
	-std=gnu99 -D_GNU_SOURCE -U_FORTIFY_SOURCE -fno-stack-protector \
	-fno-PIE -I$(TOP)/uapi -I$(TOP)/kmod/core -I$(MVMM_LIB_DIR) \
	-I$(LINUX_SRC)/tools/include -I$(LINUX_SRC)/tools/arch/x86/include \
	-I$(LINUX_SRC)/usr/include -I$(MVMM_KVM_DIR)/include \
	-I$(MVMM_KVM_DIR)/include/x86_64 -I$(MVMM_KVM_DIR)/.. \
	-DMVMM_KSFT_VERSION=$(MVMM_KSFT_VERSION) \
	-include $(MVMM_LIB_DIR)/mvmm_ksft_compat.h
MVMM_KVM_LDFLAGS := -static -pthread -no-pie

# Guest code that takes exceptions through the library's fixup
# (KVM_ASM_SAFE, rdmsr_safe()) is built with general registers only: the
# library's exception path saves those alone, and 6.12's route_exception(),
# built for x86-64-v2, moves through XMM0, so a value the compiler keeps in
# an XMM register across a faulting instruction comes back changed.
MVMM_GUEST_CFLAGS := -mgeneral-regs-only
MVMM_KVM_SRCS := $(MVMM_LIB_DIR)/mvmm_nl.c $(MVMM_LIB_DIR)/mvmm_kmod.c \
	$(TOP)/kmod/core/event_names.c
MVMM_KVM_LIBS := $(MVMM_KVM_SRCS) $(MVMM_LIBKVM_OBJS) -ldl
MVMM_KVM_DEPS := $(MVMM_KVM_SRCS) $(MVMM_LIB_DIR)/mvmm_nl.h \
	$(MVMM_LIB_DIR)/mvmm_ksft_compat.h \
	$(MVMM_LIB_DIR)/mvmm_kmod.h $(MVMM_LIB_DIR)/mvmm_ucall.h \
	$(MVMM_LIB_DIR)/mvmm_gcmd.h $(MVMM_LIB_DIR)/mvmm_guest_io.h \
	$(TOP)/uapi/linux/mvmm.h

# $(call mvmm_kvm_check): fail with a hint when the library is not built.
mvmm_kvm_check = @test -e $(MVMM_KVM_DIR)/lib/kvm_util.o -o -n "$(MVMM_LIBKVM_A)" || { \
	echo "No built KVM selftest library in $(MVMM_KVM_DIR):" >&2; \
	echo "run make -k -C $(MVMM_KVM_DIR) LDFLAGS=-static first" >&2; \
	exit 1; }

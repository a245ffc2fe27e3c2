// SPDX-License-Identifier: GPL-2.0
/*
 * A VM that mvmm first sees through a secondary's attach is listed under
 * its VMM, not under the secondary.
 *
 * This process (the VMM) creates a VM and never runs it, so mvmm has not
 * seen it. A child renamed "mvmm-sec-owner" attaches a /dev/mvmm file to
 * it: that is when mvmm learns of the VM. The VM's pid and command name
 * must be this process's, the one that created it.
 */
#include "kvm_util.h"
#include "processor.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "libmvmm.h"
#include "mvmm_nl.h"

#define SEC_COMM	"mvmm-sec-owner"

static void guest_code(void)
{
	GUEST_DONE();
}

/* The child: attach, send the VM's id, wait for the parent's word. */
static int child(int vm_fd, int up, int down)
{
	struct mvmm_sec *sec;
	uint32_t id;
	char c;

	prctl(PR_SET_NAME, SEC_COMM);
	sec = mvmm_sec_attach(vm_fd, "u-vm-owner", NULL);
	id = sec ? mvmm_sec_vm_id(sec) : 0;
	if (write(up, &id, sizeof(id)) != sizeof(id) ||
	    read(down, &c, 1) != 1)
		return 1;
	mvmm_sec_detach(sec);
	return sec ? 0 : 1;
}

int main(void)
{
	int up[2], down[2], status;
	struct mvmm_vm_info info;
	struct kvm_vcpu *vcpu;
	char comm[16] = "";
	struct mvmm_nl *nl;
	struct kvm_vm *vm;
	uint32_t id;
	pid_t pid;
	int ret;

	ksft_print_header();
	ksft_set_plan(1);
	prctl(PR_GET_NAME, comm);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_ASSERT(!pipe(up) && !pipe(down), "pipe: %s", strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(child(vm->fd, up[1], down[0]));

	TEST_ASSERT(read(up[0], &id, sizeof(id)) == sizeof(id) && id,
		    "Expected the child to attach to the VM");
	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "mvmm_nl_open: %s", strerror(errno));
	ret = mvmm_nl_get(nl, 0, id, &info);
	TEST_ASSERT(!ret, "Expected VM %u to be known, got %s", id,
		    strerror(-ret));
	ksft_print_msg("VM %u: pid %u comm \"%s\"; VMM pid %d comm \"%s\", secondary pid %d comm \"%s\"\n",
		       id, info.pid, info.comm, getpid(), comm, pid, SEC_COMM);
	ksft_test_result(info.pid == (uint32_t)getpid() &&
			 !strcmp(info.comm, comm),
			 "a VM first seen at a secondary's attach is listed under the VMM that created it\n");

	TEST_ASSERT(write(down[1], "x", 1) == 1, "pipe");
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status), "Expected the child to exit 0");
	mvmm_nl_close(nl);
	kvm_vm_free(vm);
	ksft_finished();
}

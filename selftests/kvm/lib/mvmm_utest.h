/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-side helpers for the userspace-secondary tests: netlink rules and
 * handler counters with assertions, and the generic secondary
 * (lib/mvmm_user.h) started, given a VM fd, attached and stopped.
 * Every helper fails the test (TEST_ASSERT) on an unexpected error.
 */
#ifndef MVMM_SELFTEST_UTEST_H
#define MVMM_SELFTEST_UTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mvmm_rule.h"
#include "mvmm_uguest.h"
#include "mvmm_user.h"

uint64_t mvmm_ut_now_ms(void);
/* Wait until *@p is non-zero; false after @ms. */
bool mvmm_ut_wait_nonzero(uint32_t *p, uint64_t ms);

struct mvmm_rsk *mvmm_ut_rsk_open(void);
/* Add a rule to VM @vm's table (origin any); its id. */
uint32_t mvmm_ut_rule_add(struct mvmm_rsk *s, uint32_t vm, uint32_t type,
			  uint64_t lo, uint64_t hi, uint8_t mode,
			  uint8_t fallback, const char *target);
void mvmm_ut_rule_replace(struct mvmm_rsk *s, uint32_t vm, uint32_t id,
			  uint32_t type, uint64_t lo, uint64_t hi,
			  uint8_t mode, uint8_t fallback, const char *target);
/* The handler's counters; zeros (and not attached) if never seen. */
void mvmm_ut_uh(struct mvmm_rsk *s, const char *name,
		struct mvmm_handler_info *h);

/* A secondary process running mvmm_sp_server(). */
struct mvmm_ut_sec {
	struct mvmm_sp p;
	struct mvmm_sp_shm *shm;
};

void mvmm_ut_fork(struct mvmm_ut_sec *x);
/* Pass @vm_fd over the socket; the child held no VM fd before. */
void mvmm_ut_give_vm(struct mvmm_ut_sec *x, int vm_fd);
/* mvmm_sec_attach() in the child: its -errno, or 0. */
int mvmm_ut_attach_ret(struct mvmm_ut_sec *x, const char *name,
		       uint32_t flags, uint32_t timeout_ms,
		       uint32_t obs_entries);
void mvmm_ut_attach(struct mvmm_ut_sec *x, const char *name, uint32_t flags,
		    uint32_t timeout_ms, uint32_t obs_entries);
/* Fork, give VM @c, attach as @name, serve with @path if >= 0. */
void mvmm_ut_start(struct mvmm_ut_sec *x, struct ug_vm *c, const char *name,
		   uint32_t flags, uint32_t timeout_ms, int path);
/* Ask it to quit; it must exit 0. No-op if not started. */
void mvmm_ut_quit(struct mvmm_ut_sec *x);

/*
 * The samples of userspace-tool/samples, run as separate programs: where
 * one is ($@env, else @name beside this program), waiting until it is
 * attached as @name, and stopping it.
 */
const char *mvmm_ut_sample_path(const char *env, const char *name);
/*
 * Wait (up to @ms) until process @pid, "@what" in messages, is attached
 * as handler @name; its counters in @h. It must not exit meanwhile.
 */
void mvmm_ut_sample_attached(struct mvmm_rsk *s, const char *name, pid_t pid,
			     const char *what, uint64_t ms,
			     struct mvmm_handler_info *h);
/*
 * SIGTERM to @pid, and read its stdout (the pipe @out_fd) to the end
 * into @out, NUL terminated; its wait status.
 */
int mvmm_ut_sample_stop(pid_t pid, int out_fd, char *out, size_t len);

/*
 * One step through a serving secondary: @cmd's iterations all end as it
 * says, each reached the secondary once (as a request of @type) and was
 * handled by it; nothing reached this program; the handler is attached
 * by the secondary to @c's VM with nothing outstanding.
 */
void mvmm_ut_step(struct mvmm_rsk *s, struct ug_vm *c, struct mvmm_ut_sec *x,
		  const char *name, const char *what,
		  const struct ug_cmd *cmd, uint32_t type);

/*
 * A routed IN stopped mid-wait, as a VMM stopping its vCPUs does: a
 * secondary forked into @x, given @vm and attached as @name, holds the
 * request of a sync IO rule on @port (in @vm's table, added through
 * *@rsk, opened here); KVM_RUN of @vcpu, which must be the calling
 * thread's, runs the guest to its IN, and a SIGUSR1 sent once the
 * secondary holds the request makes it return -EINTR. Returns with the
 * request still held: SP_SET(x->shm->hold, 0) lets it go.
 */
void mvmm_ut_interrupt_held_in(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			       uint16_t port, const char *name,
			       struct mvmm_ut_sec *x, struct mvmm_rsk **rsk);

#endif /* MVMM_SELFTEST_UTEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The guest of the userspace-secondary tests and its host loop (see
 * mvmm_uguest.h).
 */
#include "kvm_util.h"
#include "processor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mvmm_gcmd.h"
#include "mvmm_guest_io.h"
#include "mvmm_nl.h"
#include "mvmm_ucall.h"
#include "mvmm_uguest.h"

/* Guest globals: the shared page's guest address, the CPU vendor. */
static struct ug_shared *ug_guest_sh;
static bool ug_is_amd;

static MVMM_GUEST_ENTRY void ug_exc_handler(struct ex_regs *regs)
{
	struct ug_shared *s = ug_guest_sh;

	s->exc[regs->vector & 31]++;
	mvmm_safe_fixup(regs);
}

static uint8_t ug_in(uint16_t port, int size, uint64_t *v)
{
	return mvmm_safe_in(port, size, UG_RAX_FILL, v);
}

static uint64_t ug_mmio_rd(uint64_t gva, int size)
{
	switch (size) {
	case 1:
		return READ_ONCE(*(uint8_t *)gva);
	case 2:
		return READ_ONCE(*(uint16_t *)gva);
	case 4:
		return READ_ONCE(*(uint32_t *)gva);
	default:
		return READ_ONCE(*(uint64_t *)gva);
	}
}

static void ug_mmio_wr(uint64_t gva, int size, uint64_t v)
{
	switch (size) {
	case 1:
		WRITE_ONCE(*(uint8_t *)gva, v);
		break;
	case 2:
		WRITE_ONCE(*(uint16_t *)gva, v);
		break;
	case 4:
		WRITE_ONCE(*(uint32_t *)gva, v);
		break;
	default:
		WRITE_ONCE(*(uint64_t *)gva, v);
		break;
	}
}

static uint8_t ug_hlt(void)
{
	return kvm_asm_safe("hlt");
}

/* String IO: REP INSB into @buf / REP OUTSB from it, @n bytes. */
static uint8_t ug_rep_insb(uint16_t port, uint64_t n, uint8_t *buf)
{
	uint8_t vector;

	asm volatile(KVM_ASM_SAFE("rep insb")
		     : "+D"(buf), "+c"(n), KVM_ASM_SAFE_OUTPUTS(vector)
		     : "d"(port) : KVM_ASM_SAFE_CLOBBERS, "memory");
	return vector;
}

static uint8_t ug_rep_outsb(uint16_t port, uint64_t n, const uint8_t *buf)
{
	uint8_t vector;

	asm volatile(KVM_ASM_SAFE("rep outsb")
		     : "+S"(buf), "+c"(n), KVM_ASM_SAFE_OUTPUTS(vector)
		     : "d"(port) : KVM_ASM_SAFE_CLOBBERS, "memory");
	return vector;
}

/* String MMIO: REP STOSB of @val at @gpa, REP MOVSB from @gpa to @buf. */
static void ug_rep_stosb(uint64_t gpa, uint64_t n, uint8_t val)
{
	asm volatile("rep stosb"
		     : "+D"(gpa), "+c"(n) : "a"(val) : "memory");
}

static void ug_rep_movsb(uint64_t gpa, uint64_t n, uint8_t *buf)
{
	asm volatile("rep movsb"
		     : "+S"(gpa), "+D"(buf), "+c"(n) : : "memory");
}

/* A UART register: a port, or a byte at GPA base + reg. */
static uint8_t ug_uart_rd(struct ug_shared *s, int reg, uint8_t *vector)
{
	uint64_t v = 0;

	if (s->mmio)
		return ug_mmio_rd(s->arg + reg, 1);
	*vector = ug_in(s->arg + reg, 1, &v);
	return v;
}

static void ug_uart_wr(struct ug_shared *s, int reg, uint8_t v,
		       uint8_t *vector)
{
	if (s->mmio)
		ug_mmio_wr(s->arg + reg, 1, v);
	else
		*vector = mvmm_safe_out(s->arg + reg, 1, v);
}

#define UART_THR	0
#define UART_LSR	5
#define UART_SCR	7
#define UART_LSR_THRE	0x20
#define UART_POLLS	1000	/* LSR reads before giving up on a byte */

/*
 * One UART session: the string, each byte once THRE is set; then @n
 * scratch writes and readbacks. v[0] = bytes sent, v[1] = scratch
 * readbacks that matched.
 */
static uint8_t ug_uart(struct ug_shared *s, uint64_t *v)
{
	uint8_t vector = 0, lsr = 0;
	uint64_t k, polls;

	for (k = 0; k < s->len && !vector; k++) {
		for (polls = 0; polls < UART_POLLS && !vector; polls++) {
			lsr = ug_uart_rd(s, UART_LSR, &vector);
			s->lsr_polls++;
			s->lsr_last = lsr;
			if (lsr & UART_LSR_THRE)
				break;
		}
		if (!(lsr & UART_LSR_THRE) || vector)
			break;
		ug_uart_wr(s, UART_THR, s->str[k], &vector);
		v[0]++;
	}
	for (k = 0; k < s->val && !vector; k++) {
		uint8_t b = 0xa5 ^ k;

		ug_uart_wr(s, UART_SCR, b, &vector);
		if (!vector && ug_uart_rd(s, UART_SCR, &vector) == b)
			v[1]++;
	}
	s->scr_ok = v[1];
	return vector;
}

static uint8_t ug_one(struct ug_shared *s, uint64_t i, uint64_t *v)
{
	switch (s->op) {
	case UG_IN:
		return ug_in(s->arg, s->size, &v[0]);
	case UG_OUT:
		return mvmm_safe_out(s->arg, s->size, s->val + i);
	case UG_MMIO_RD:
		v[0] = ug_mmio_rd(s->arg, s->size);
		return 0;
	case UG_MMIO_WR:
		ug_mmio_wr(s->arg, s->size, s->val + i);
		return 0;
	case UG_RDMSR:
		return rdmsr_safe(s->arg, &v[0]);
	case UG_WRMSR:
		return wrmsr_safe(s->arg, s->val + i);
	case UG_CPUID:
		return mvmm_safe_cpuid(s->arg, s->val, v);
	case UG_HC:
		return mvmm_safe_hypercall(ug_is_amd, s->arg, s->val, v);
	case UG_UART:
		return ug_uart(s, v);
	case UG_HLT:
		return ug_hlt();
	case UG_REP_INSB: {
		uint8_t vector;

		memset(s->str, 0, 8);
		vector = ug_rep_insb(s->arg, s->size, (uint8_t *)s->str);
		memcpy(&v[0], s->str, 8);
		return vector;
	}
	case UG_REP_OUTSB:
		return ug_rep_outsb(s->arg, s->size, (uint8_t *)s->str);
	case UG_REP_STOSB:
		ug_rep_stosb(s->arg, s->size, s->val);
		return 0;
	case UG_REP_MOVSB:
		ug_rep_movsb(s->arg, s->size, (uint8_t *)s->str);
		memcpy(&v[0], s->str, 8);
		return 0;
	}
	GUEST_ASSERT_1(0, s->op);
	return 0;
}

static void ug_run_cmd(struct ug_shared *s)
{
	uint64_t i, v[4];
	uint8_t vector;

	for (i = 0; i < s->n; i++) {
		v[0] = v[1] = v[2] = v[3] = 0;
		vector = ug_one(s, i, v);
		MVMM_GCMD_RECORD(s, vector, v);
	}
}

static MVMM_GUEST_ENTRY void ug_guest_code(void)
{
	for (;;) {
		GUEST_SYNC(0);
		ug_run_cmd(ug_guest_sh);
	}
}

/* ---- host side ----------------------------------------------------------- */

static void *ug_job_fn(void *arg)
{
	struct ug_job *j = arg;

	ug_cmd(j->what, j->c, &j->cmd);
	return NULL;
}

void ug_job_start(struct ug_job *j, struct ug_vm *c, const char *what,
		  const struct ug_cmd *cmd)
{
	j->c = c;
	j->cmd = *cmd;
	snprintf(j->what, sizeof(j->what), "%s", what);
	pthread_create(&j->t, NULL, ug_job_fn, j);
}

uint64_t ug_in_rax(unsigned int size, uint64_t v)
{
	if (size == 4)
		return (uint32_t)v;
	if (size == 2)
		return (UG_RAX_FILL & ~0xffffULL) | (v & 0xffff);
	return (UG_RAX_FILL & ~0xffULL) | (v & 0xff);
}

/* IO the main VMM (this program) completes: each element of string IO. */
static void ug_user_io(struct ug_vm *c, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t v = UG_USER_IN, i;

	if (c->on_io) {
		c->on_io(c, run);
		return;
	}
	TEST_ASSERT(run->io.count >= 1 && run->io.size <= 4,
		    "Unexpected IO exit to userspace: port %#x size %u count %u",
		    run->io.port, run->io.size, run->io.count);
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_IN) {
			memcpy(data, &v, run->io.size);
			c->user_in++;
			continue;
		}
		v = 0;
		memcpy(&v, data, run->io.size);
		c->user_out++;
		c->user_out_last = v;
	}
}

static void ug_user_mmio(struct ug_vm *c, struct kvm_run *run)
{
	uint64_t v = UG_USER_MMIO;

	TEST_ASSERT(run->mmio.len <= 8, "MMIO exit of %u bytes", run->mmio.len);
	if (run->mmio.is_write) {
		c->user_mmio_wr++;
		return;
	}
	memcpy(run->mmio.data, &v, run->mmio.len);
	c->user_mmio_rd++;
}

int ug_run(struct ug_vm *c, bool stop_on_eintr)
{
	struct kvm_run *run = c->vcpu->run;
	int ret;

	for (;;) {
		ret = __vcpu_run(c->vcpu);
		if (ret < 0) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN failed: %s",
				    strerror(errno));
			TEST_ASSERT(run->exit_reason == KVM_EXIT_INTR,
				    "Expected exit reason KVM_EXIT_INTR with -EINTR, got %u (%s)",
				    run->exit_reason,
				    exit_reason_str(run->exit_reason));
			c->eintr++;
			if (stop_on_eintr)
				return 1;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			ug_user_mmio(c, run);
			continue;
		}
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "Expected an IO exit, got exit reason %u (%s)",
			    run->exit_reason, exit_reason_str(run->exit_reason));
		if (run->io.port != UG_UCALL_PORT) {
			ug_user_io(c, run);
			continue;
		}
		mvmm_ucall_sync(c->vcpu);
		return 0;
	}
}

void ug_start(struct ug_vm *c, const struct ug_cmd *cmd)
{
	struct ug_shared *s = c->sh;
	char str[sizeof(s->str)];
	uint64_t len = s->len;

	memcpy(str, s->str, sizeof(str));
	memset(s, 0, sizeof(*s));
	memcpy(s->str, str, sizeof(str));
	s->len = len;
	s->op = cmd->op;
	s->n = cmd->n;
	s->arg = cmd->arg;
	s->val = cmd->val;
	s->size = cmd->size;
	s->mmio = cmd->mmio;
	memcpy(s->exp, cmd->exp, sizeof(s->exp));
	s->nexp = cmd->nexp;
	s->exp_vector = cmd->vector;
	c->user_in = c->user_out = c->user_out_last = 0;
	c->user_mmio_rd = c->user_mmio_wr = 0;
	c->eintr = 0;
}

void ug_cmd(const char *what, struct ug_vm *c, const struct ug_cmd *cmd)
{
	struct ug_shared *s = c->sh;

	ug_start(c, cmd);
	ug_run(c, false);
	MVMM_GCMD_CHECK(what, s, cmd);
}

int ug_vm_fd(const struct ug_vm *c)
{
	return c->vm->fd;
}

struct ug_vm *ug_vm_start(const uint32_t *exclude, int n)
{
	struct ug_vm *c = calloc(1, sizeof(*c));
	struct mvmm_vm_info info;
	struct mvmm_nl *nl;
	vm_vaddr_t gva;
	int ret, i;

	TEST_ASSERT(c, "calloc");
	c->vm = vm_create_with_one_vcpu(&c->vcpu, ug_guest_code);
	vm_init_descriptor_tables(c->vm);
	vcpu_init_descriptor_tables(c->vcpu);
	vm_install_exception_handler(c->vm, GP_VECTOR, ug_exc_handler);
	vm_install_exception_handler(c->vm, UD_VECTOR, ug_exc_handler);
	gva = vm_vaddr_alloc_page(c->vm);
	c->sh = addr_gva2hva(c->vm, gva);
	memset(c->sh, 0, getpagesize());
	ug_guest_sh = (struct ug_shared *)gva;
	sync_global_to_guest(c->vm, ug_guest_sh);
	ug_is_amd = is_amd_cpu();
	sync_global_to_guest(c->vm, ug_is_amd);
	/* No memslot backs these pages: every access is MMIO. */
	for (i = 0; i < UG_MMIO_PAGES; i++)
		virt_pg_map(c->vm, UG_MMIO_GPA + i * getpagesize(),
			    UG_MMIO_GPA + i * getpagesize());

	/* The first GUEST_SYNC: mvmm has seen the VM from now on. */
	ug_run(c, false);
	nl = mvmm_nl_open();
	TEST_ASSERT(nl, "Expected the mvmm netlink family, got %s",
		    strerror(errno));
	ret = mvmm_nl_find_vm(nl, getpid(), exclude, n, &info);
	TEST_ASSERT(!ret, "Expected a VM of pid %d after its first exit, got %s",
		    getpid(), strerror(-ret));
	mvmm_nl_close(nl);
	c->id = info.id;
	return c;
}

void ug_vm_stop(struct ug_vm *c)
{
	if (!c)
		return;
	kvm_vm_free(c->vm);
	free(c);
}

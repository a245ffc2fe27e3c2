// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-rng sample (userspace-tool/samples/mvmm_virtio_rng.c) end to
 * end: a device served from userspace, its virtqueue in guest memory, its
 * interrupt through KVM's IOAPIC.
 *
 * The sample runs as its own program (mvmm-virtio-rng-static next to this
 * test, or $MVMM_VIRTIO_RNG), given the VM fd as an inherited fd
 * (--vm-fd), with --mmio RNG_MMIO --irq RNG_GSI; a rule routes the
 * 0x200-byte window to it. The guest is a minimal virtio-mmio driver:
 * it routes IOAPIC pin RNG_GSI (level) to a vector whose handler reads
 * InterruptStatus, writes it to InterruptACK and EOIs; probes MagicValue,
 * Version, DeviceID; negotiates VIRTIO_F_VERSION_1; sets up an 8-entry
 * split queue in its memory; then
 *  1. posts three buffers (64 bytes; a chain of 32 + 32; a chain of 8
 *     read-only bytes + 24) filled with a pattern, notifies, waits for
 *     the interrupt: exactly one, InterruptStatus 1 then 0 after the ACK,
 *     used->idx 3, used ids 0, 1, 4 with lengths 64, 64, 24, the
 *     writable bytes changed, the read-only ones and those past each
 *     buffer not;
 *  2. sets VIRTQ_AVAIL_F_NO_INTERRUPT and posts one more: used (idx 4),
 *     no interrupt;
 *  3. posts a head index beyond the queue: Status gets
 *     DEVICE_NEEDS_RESET, a configuration interrupt comes, nothing is
 *     used; Status 0 resets the device.
 * Checked also: no access to the window reached this program (the VMM),
 * the handler's counters, and the sample's summary line on SIGTERM
 * (4 requests, 216 bytes, 1 error).
 * All of it twice: the sample signalling with the GSI line (--irq), then,
 * in a new VM, with an MSI to the same vector (--msi), the IOAPIC pin
 * left alone.
 */
#include "kvm_util.h"
#include "processor.h"
#include "apic.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "libmvmm.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"

#define RNG_MMIO	0xd0000000ULL
#define RNG_SIZE	0x200
#define RNG_GSI		20	/* the IOAPIC's alone (above the PIC's) */
#define RNG_VEC		0x41
#define IOAPIC_GPA	0xfec00000ULL
#define QNUM		8
#define FILL		0xaa
#define SPIN		200000000UL	/* the guest's patience, in loops */
#define WAIT_MS		20000

/* virtio-mmio registers and bits (virtio 1.x, 4.2.2) */
#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_DEV_FEAT	0x010
#define R_DEV_FEAT_SEL	0x014
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX	0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_INT_STATUS	0x060
#define R_INT_ACK	0x064
#define R_STATUS	0x070
#define R_DESC_LO	0x080
#define R_DESC_HI	0x084
#define R_AVAIL_LO	0x090
#define R_AVAIL_HI	0x094
#define R_USED_LO	0x0a0
#define R_USED_HI	0x0a4
#define S_ACK		0x01
#define S_DRIVER	0x02
#define S_DRIVER_OK	0x04
#define S_FEATURES_OK	0x08
#define S_NEEDS_RESET	0x40
#define D_NEXT		1
#define D_WRITE		2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct avail {
	uint16_t flags, idx, ring[QNUM];
};

struct used {
	uint16_t flags, idx;
	struct { uint32_t id, len; } ring[QNUM];
};

/* Where things are: set by the host before the guest runs. */
struct layout {
	struct desc *desc;	/* guest virtual addresses */
	struct avail *avail;
	struct used *used;
	uint8_t *buf;		/* 6 buffers, 0x100 apart */
	uint64_t desc_gpa, avail_gpa, used_gpa, buf_gpa;
};

/* What the guest saw: read by the host at the end. */
struct results {
	uint32_t magic, version, device_id, feat_hi, num_max;
	uint32_t status_feat, status_ok;
	/* round 1 */
	uint32_t irqs1, used_idx1, int_status_after1;
	uint32_t used_id[3], used_len[3];
	uint32_t filled[3];	/* writable bytes no longer FILL */
	uint32_t untouched;	/* read-only and past-the-end bytes still FILL */
	/* round 2 */
	uint32_t used_idx2, irqs2, filled2;
	/* round 3 */
	uint32_t status3, irqs3, used_idx3, status_reset;
	/* the handler */
	uint32_t isr_status_or;	/* InterruptStatus bits it saw */
	uint32_t isr_zero;	/* times InterruptStatus read 0 in it */
};

static struct layout lay;
static struct results res;
static uint32_t irqs;

static uint32_t rd(uint32_t off)
{
	return READ_ONCE(*(volatile uint32_t *)(RNG_MMIO + off));
}

static void wr(uint32_t off, uint32_t val)
{
	WRITE_ONCE(*(volatile uint32_t *)(RNG_MMIO + off), val);
}

static void isr_rng(struct ex_regs *regs)
{
	uint32_t st = rd(R_INT_STATUS);

	res.isr_status_or |= st;
	if (!st)
		res.isr_zero++;
	wr(R_INT_ACK, st);
	WRITE_ONCE(irqs, irqs + 1);
	x2apic_write_reg(APIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t val)
{
	WRITE_ONCE(*(uint32_t *)IOAPIC_GPA, reg);		/* IOREGSEL */
	WRITE_ONCE(*(uint32_t *)(IOAPIC_GPA + 0x10), val);	/* IOWIN */
}

static void set_desc(int i, int buf, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	lay.desc[i].addr = lay.buf_gpa + 0x100 * buf;
	lay.desc[i].len = len;
	lay.desc[i].flags = flags;
	lay.desc[i].next = next;
}

/* Make @head available: ring entry first, then the index. */
static void post(uint16_t head)
{
	uint16_t idx = lay.avail->idx;

	lay.avail->ring[idx % QNUM] = head;
	__atomic_store_n(&lay.avail->idx, idx + 1, __ATOMIC_RELEASE);
}

static uint32_t count_not(const uint8_t *p, int len, uint8_t c)
{
	uint32_t n = 0;

	while (len--)
		n += *p++ != c;
	return n;
}

/* Wait for the interrupt count to reach @n (or give up). */
static void wait_irqs(uint32_t n)
{
	unsigned long i;

	for (i = 0; i < SPIN && READ_ONCE(irqs) < n; i++)
		asm volatile("pause" ::: "memory");
}

/* A while with interrupts on, for one that should not come. */
static void linger(void)
{
	unsigned long i;

	for (i = 0; i < SPIN / 20; i++)
		asm volatile("pause" ::: "memory");
}

static MVMM_GUEST_ENTRY void guest_code(void)
{
	int i;

	x2apic_enable();
	/* Pin RNG_GSI: level, active high, fixed, physical, APIC id 0. */
	ioapic_write(0x10 + 2 * RNG_GSI + 1, 0);
	ioapic_write(0x10 + 2 * RNG_GSI, RNG_VEC | 1U << 15);
	GUEST_SYNC(1);	/* the host starts the sample and adds the rule */

	res.magic = rd(R_MAGIC);
	res.version = rd(R_VERSION);
	res.device_id = rd(R_DEVICE_ID);
	wr(R_STATUS, 0);
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DEV_FEAT_SEL, 1);
	res.feat_hi = rd(R_DEV_FEAT);
	wr(R_DRV_FEAT_SEL, 1);
	wr(R_DRV_FEAT, 1);		/* VIRTIO_F_VERSION_1 */
	wr(R_DRV_FEAT_SEL, 0);
	wr(R_DRV_FEAT, 0);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	res.status_feat = rd(R_STATUS);
	wr(R_QUEUE_SEL, 0);
	res.num_max = rd(R_QUEUE_NUM_MAX);
	wr(R_QUEUE_NUM, QNUM);
	wr(R_DESC_LO, (uint32_t)lay.desc_gpa);
	wr(R_DESC_HI, lay.desc_gpa >> 32);
	wr(R_AVAIL_LO, (uint32_t)lay.avail_gpa);
	wr(R_AVAIL_HI, lay.avail_gpa >> 32);
	wr(R_USED_LO, (uint32_t)lay.used_gpa);
	wr(R_USED_HI, lay.used_gpa >> 32);
	wr(R_QUEUE_READY, 1);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	res.status_ok = rd(R_STATUS);

	/* 1: three buffers, two of them chains. */
	for (i = 0; i < 6 * 0x100; i++)
		lay.buf[i] = FILL;
	set_desc(0, 0, 64, D_WRITE, 0);
	set_desc(1, 1, 32, D_WRITE | D_NEXT, 2);
	set_desc(2, 2, 32, D_WRITE, 0);
	set_desc(4, 4, 8, D_NEXT, 5);		/* read-only: not for us */
	set_desc(5, 5, 24, D_WRITE, 0);
	post(0);
	post(1);
	post(4);
	asm volatile("sti" ::: "memory");
	wr(R_QUEUE_NOTIFY, 0);
	wait_irqs(1);
	linger();
	res.irqs1 = READ_ONCE(irqs);
	res.int_status_after1 = rd(R_INT_STATUS);
	res.used_idx1 = __atomic_load_n(&lay.used->idx, __ATOMIC_ACQUIRE);
	for (i = 0; i < 3; i++) {
		res.used_id[i] = lay.used->ring[i].id;
		res.used_len[i] = lay.used->ring[i].len;
	}
	res.filled[0] = count_not(lay.buf, 64, FILL);
	res.filled[1] = count_not(lay.buf + 0x100, 32, FILL) +
			count_not(lay.buf + 0x200, 32, FILL);
	res.filled[2] = count_not(lay.buf + 0x500, 24, FILL);
	res.untouched = count_not(lay.buf + 0x400, 8, FILL) +
			count_not(lay.buf + 64, 0x100 - 64, FILL) +
			count_not(lay.buf + 0x100 + 32, 0x100 - 32, FILL) +
			count_not(lay.buf + 0x200 + 32, 0x100 - 32, FILL) +
			count_not(lay.buf + 0x500 + 24, 0x100 - 24, FILL) +
			count_not(lay.buf + 0x300, 0x100, FILL);

	/* 2: no interrupt wanted. */
	lay.avail->flags = 1;		/* VIRTQ_AVAIL_F_NO_INTERRUPT */
	for (i = 0; i < 64; i++)
		lay.buf[i] = FILL;
	post(0);
	wr(R_QUEUE_NOTIFY, 0);
	linger();
	res.used_idx2 = __atomic_load_n(&lay.used->idx, __ATOMIC_ACQUIRE);
	res.irqs2 = READ_ONCE(irqs) - res.irqs1;
	res.filled2 = count_not(lay.buf, 64, FILL);
	lay.avail->flags = 0;

	/* 3: a head index beyond the queue. */
	post(QNUM);
	wr(R_QUEUE_NOTIFY, 0);
	wait_irqs(res.irqs1 + 1);
	linger();
	res.status3 = rd(R_STATUS);
	res.irqs3 = READ_ONCE(irqs) - res.irqs1;
	res.used_idx3 = __atomic_load_n(&lay.used->idx, __ATOMIC_ACQUIRE);
	wr(R_STATUS, 0);
	res.status_reset = rd(R_STATUS) | rd(R_QUEUE_READY) << 8;
	asm volatile("cli" ::: "memory");
	GUEST_DONE();
}

/* ---- the host ---------------------------------------------------------- */

struct sample {
	pid_t pid;
	int out;	/* its stdout */
};

/*
 * Start it with the VM fd as its fd 3 and nothing else of ours; with
 * @msi, signalling by MSI to APIC id 0 (fixed, edge, RNG_VEC).
 */
static void sample_spawn(struct sample *s, int vm_fd, bool msi)
{
	const char *path = mvmm_ut_sample_path("MVMM_VIRTIO_RNG",
					       "mvmm-virtio-rng-static");
	char mmio[32], gsi[32];
	int p[2], fd;

	TEST_ASSERT(!access(path, X_OK),
		    "Expected the virtio-rng sample at %s, got %s", path,
		    strerror(errno));
	snprintf(mmio, sizeof(mmio), "%#llx", RNG_MMIO);
	if (msi)
		snprintf(gsi, sizeof(gsi), "0xfee00000:%#x", RNG_VEC);
	else
		snprintf(gsi, sizeof(gsi), "%d", RNG_GSI);
	TEST_ASSERT(!pipe(p), "pipe: %s", strerror(errno));
	fflush(stdout);
	s->pid = fork();
	TEST_ASSERT(s->pid >= 0, "fork: %s", strerror(errno));
	if (!s->pid) {
		dup2(p[1], 1);
		dup2(vm_fd, 3);
		for (fd = 4; fd < 1024; fd++)
			close(fd);
		execl(path, path, "--vm-fd", "3", "--mmio", mmio,
		      msi ? "--msi" : "--irq", gsi,
		      "--timeout-ms", "10000", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	s->out = p[0];
}

/* SIGTERM: it must exit 0 after its summary line, which goes to @out. */
static int sample_stop(struct sample *s, char *out, size_t len)
{
	int status = mvmm_ut_sample_stop(s->pid, s->out, out, len);

	close(s->out);
	return status;
}

/* Run the vCPU to its next ucall; no MMIO may reach us. */
static uint64_t run(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t cmd;

	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason != KVM_EXIT_MMIO,
		    "Expected no MMIO exit to reach the VMM, got one at %#llx (%s)",
		    (unsigned long long)vcpu->run->mmio.phys_addr,
		    vcpu->run->mmio.is_write ? "write" : "read");
	cmd = get_ucall(vcpu, &uc);
	if (cmd == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	return cmd;
}

/* A page of guest memory: its guest virtual and physical addresses. */
static void *alloc_page(struct kvm_vm *vm, uint64_t *gpa)
{
	vm_vaddr_t gva = vm_vaddr_alloc_page(vm);

	*gpa = addr_gva2gpa(vm, gva);
	memset(addr_gva2hva(vm, gva), 0, getpagesize());
	return (void *)gva;
}

#define TESTS_PER_MODE	13

static void test_mode(bool msi)
{
	struct kvm_vcpu *vcpu;
	struct results *r;
	struct mvmm_handler_info h0, h1;
	struct mvmm_rsk *rsk;
	struct sample smp;
	struct layout *l;
	struct kvm_vm *vm;
	unsigned long long req = 0, bytes = 0, nerr = 0;
	char out[1024];
	int status;

	ksft_print_msg("--- the sample signalling with %s\n",
		       msi ? "an MSI (--msi)" : "GSI line 20 (--irq)");
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu);
	vm_install_exception_handler(vm, RNG_VEC, isr_rng);
	virt_pg_map(vm, IOAPIC_GPA, IOAPIC_GPA);
	virt_pg_map(vm, RNG_MMIO, RNG_MMIO);

	l = addr_gva2hva(vm, (vm_vaddr_t)&lay);
	l->desc = alloc_page(vm, &l->desc_gpa);
	l->avail = alloc_page(vm, &l->avail_gpa);
	l->used = alloc_page(vm, &l->used_gpa);
	l->buf = alloc_page(vm, &l->buf_gpa);

	TEST_ASSERT(run(vcpu) == UCALL_SYNC, "Expected the guest's first sync");

	rsk = mvmm_ut_rsk_open();
	sample_spawn(&smp, vm->fd, msi);
	mvmm_ut_sample_attached(rsk, "rng", smp.pid, "the virtio-rng sample",
				WAIT_MS, &h0);
	ksft_print_msg("the sample (pid %d) attached to VM %u as rng\n",
		       smp.pid, h0.vm_id);
	mvmm_ut_rule_add(rsk, h0.vm_id, MVMM_EV_MMIO, RNG_MMIO,
			 RNG_MMIO + RNG_SIZE - 1, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, "rng");

	TEST_ASSERT(run(vcpu) == UCALL_DONE, "Expected the guest's DONE");
	mvmm_ut_uh(rsk, "rng", &h1);

	r = addr_gva2hva(vm, (vm_vaddr_t)&res);
	ksft_print_msg("probe: magic %#x version %u device %u features[63:32] %#x queue max %u; status %#x, %#x\n",
		       r->magic, r->version, r->device_id, r->feat_hi,
		       r->num_max, r->status_feat, r->status_ok);
	ksft_test_result(r->magic == 0x74726976 && r->version == 2 &&
			 r->device_id == 4,
			 "probe: MagicValue \"virt\", Version 2, DeviceID 4\n");
	ksft_test_result(r->feat_hi == 1 && r->status_feat == 0x0b &&
			 r->num_max >= QNUM && r->status_ok == 0x0f,
			 "VIRTIO_F_VERSION_1 offered and negotiated, queue set up, DRIVER_OK\n");
	ksft_print_msg("round 1: %u interrupts, used idx %u, ids %u %u %u, lens %u %u %u, filled %u %u %u, %u bytes changed that must not, InterruptStatus after %#x\n",
		       r->irqs1, r->used_idx1, r->used_id[0], r->used_id[1],
		       r->used_id[2], r->used_len[0], r->used_len[1],
		       r->used_len[2], r->filled[0], r->filled[1],
		       r->filled[2], r->untouched, r->int_status_after1);
	ksft_test_result(r->irqs1 == 1 && r->int_status_after1 == 0,
			 "three buffers: one interrupt, acknowledged (InterruptStatus 0 after)\n");
	ksft_test_result(r->used_idx1 == 3 && r->used_id[0] == 0 &&
			 r->used_id[1] == 1 && r->used_id[2] == 4 &&
			 r->used_len[0] == 64 && r->used_len[1] == 64 &&
			 r->used_len[2] == 24,
			 "used ring: idx 3, ids 0 1 4, lengths 64 64 24 (a chain, a chain with a read-only part)\n");
	/* 64 random bytes all equal to FILL: 2^-512. One byte: 1/256. */
	ksft_test_result(r->filled[0] >= 56 && r->filled[1] >= 56 &&
			 r->filled[2] >= 18,
			 "the device-writable bytes changed from the fill pattern\n");
	ksft_test_result(r->untouched == 0,
			 "read-only bytes and bytes past each buffer untouched\n");
	ksft_print_msg("round 2: used idx %u, %u interrupts, %u bytes filled\n",
		       r->used_idx2, r->irqs2, r->filled2);
	ksft_test_result(r->used_idx2 == 4 && r->irqs2 == 0 &&
			 r->filled2 >= 56,
			 "VIRTQ_AVAIL_F_NO_INTERRUPT: buffer used, no interrupt\n");
	ksft_print_msg("round 3: status %#x, %u interrupts, used idx %u; after reset status|ready<<8 %#x; handler saw InterruptStatus bits %#x, 0 %u times\n",
		       r->status3, r->irqs3, r->used_idx3, r->status_reset,
		       r->isr_status_or, r->isr_zero);
	ksft_test_result((r->status3 & S_NEEDS_RESET) && r->irqs3 == 1 &&
			 r->used_idx3 == 4 && (r->isr_status_or & 2),
			 "head index 8 in a queue of 8: DEVICE_NEEDS_RESET, a config interrupt, nothing used\n");
	ksft_test_result(r->status_reset == 0,
			 "Status 0 resets the device (Status 0, QueueReady 0)\n");
	ksft_test_result(r->isr_zero == 0,
			 "every interrupt taken had a cause in InterruptStatus (level line lowered on ACK)\n");
	ksft_print_msg("handler rng: %lu events, %lu handled, %lu to main, %lu fallback, %lu timeouts\n",
		       (unsigned long)(h1.events - h0.events),
		       (unsigned long)(h1.handled - h0.handled),
		       (unsigned long)(h1.to_main - h0.to_main),
		       (unsigned long)(h1.fallback - h0.fallback),
		       (unsigned long)(h1.timeouts - h0.timeouts));
	ksft_test_result(h1.events > h0.events &&
			 h1.handled - h0.handled == h1.events - h0.events,
			 "every access to the window handled by the sample\n");

	status = sample_stop(&smp, out, sizeof(out));
	ksft_print_msg("the sample: %s", out);
	ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status),
			 "the sample exits 0 on SIGTERM\n");
	sscanf(out, "mvmm-virtio-rng: %llu requests served, %llu bytes, %*u notifies, %*u interrupts, %*u register accesses, %llu errors",
	       &req, &bytes, &nerr);
	ksft_test_result(req == 4 && bytes == 64 + 64 + 24 + 64 && nerr == 1,
			 "its summary: 4 requests served, 216 bytes, 1 error\n");

	mvmm_rsk_close(rsk);
	kvm_vm_free(vm);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(2 * TESTS_PER_MODE);
	test_mode(false);
	test_mode(true);
	ksft_finished();
}

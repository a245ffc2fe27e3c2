// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory for secondaries (MVMM_IOC_MEM_READ, MVMM_IOC_MEM_WRITE,
 * mvmm_guest_read(), mvmm_guest_write()).
 *
 * The VM has, besides the library's memslot, two adjacent ones of 8
 * pages at GPA_A (A, with KVM_MEM_LOG_DIRTY_PAGES) and GPA_B (B), a
 * read-only one at GPA_RO, and one whose memory this process unmapped
 * (GPA_GONE). A secondary in a separate process, given the VM fd over a
 * socket and holding no VM fd after its attach (its own address space
 * is not the VMM's: a wrong mm shows), on command:
 *  - reads MVMM_MEM_MAX bytes across A and B, and 5000 unaligned bytes
 *    across their boundary: exactly the pattern the guest wrote;
 *  - writes 4296 bytes across that boundary: the guest reads them back
 *    exactly, and KVM_GET_DIRTY_LOG of A shows exactly the page of A it
 *    wrote (reads mark nothing);
 *  - writes while answering the guest's OUT routed to it: the guest
 *    sees the bytes once its OUT completes, the page shows dirty;
 *  - is refused: read-only slot EROFS (read there works), a GPA in no
 *    memslot ENOENT (a write running off the end of B too, writing none
 *    of it), the unmapped slot EIO, len 0 and MVMM_MEM_MAX + 1, flags,
 *    reserved EINVAL, a bad buffer EFAULT; after the VM is destroyed
 *    ENOTCONN.
 * A kernel secondary (mvmm_testsec.ko, on the guest's OUTs to its ports)
 * copies with mvmm_guest_read()/mvmm_guest_write() in ->handle() and
 * from a work item (no mm at all): the bytes land, the pages show dirty.
 * In this process: a file not attached gets ENOTCONN; a VM with a dirty
 * ring is read, its writes refused with EOPNOTSUPP.
 */
#include "kvm_util.h"
#include "processor.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest.h"
#include "libmvmm.h"
#include "mvmm_kmod.h"
#include "mvmm_user.h"
#include "mvmm_utest.h"
#include "testsec.h"
#include "mvmm_guest_io.h"

#define PG		4096UL
#define SLOT_PAGES	8
#define SLOT_A		10
#define SLOT_B		11
#define SLOT_RO		12
#define SLOT_GONE	13
#define GPA_A		0x10000000ULL
#define GPA_B		(GPA_A + SLOT_PAGES * PG)
#define GPA_RO		0x20000000ULL
#define GPA_GONE	0x28000000ULL
#define GPA_NONE	0x30000000ULL
#define U_PORT		0x7e0		/* routed to the userspace secondary */
#define U_NAME		"u-mem"
#define MAGIC		0x5ec0d3a7f00dcafeULL
#define WAIT_MS		10000

/* The write across A and B, and where the routed OUT writes. */
#define WR_GPA		(GPA_A + 7 * PG + 50)
#define WR_LEN		4296
#define SERVE_GPA	(GPA_A + 2 * PG + 8)
#define KSEC_GPA	(GPA_A + 5 * PG)	/* mvmm_guest_*() in ->handle() */
#define KLATER_GPA	(GPA_A + 6 * PG)	/* ... and from a work item */

static uint8_t pat(uint64_t gpa)
{
	return (uint8_t)(gpa * 7 + 3) ^ (uint8_t)(gpa >> 9);
}

static uint8_t wpat(uint64_t i)
{
	return (uint8_t)(i * 13 + 0x5a);
}

/* Written by the guest, read by the host: bytes that differed. */
static uint64_t bad;

static MVMM_GUEST_ENTRY void guest_code(void)
{
	volatile uint8_t *p;
	uint64_t i, n;

	/* 1: the pattern in A and B, for the secondary to read. */
	for (i = 0; i < 2 * SLOT_PAGES * PG; i++)
		*(volatile uint8_t *)(GPA_A + i) = pat(GPA_A + i);
	GUEST_SYNC(1);

	/* 2: the secondary's write across A and B, as it wrote it. */
	p = (volatile uint8_t *)WR_GPA;
	for (i = n = 0; i < WR_LEN; i++)
		n += p[i] != wpat(i);
	WRITE_ONCE(bad, n);
	GUEST_SYNC(2);

	/* 3: an OUT whose answer comes with a write to SERVE_GPA. */
	mvmm_guest_outl(U_PORT, (uint32_t)SERVE_GPA);
	WRITE_ONCE(bad, *(volatile uint64_t *)SERVE_GPA != MAGIC);
	GUEST_SYNC(3);

	/* 4: the kernel secondary, in ->handle() then from a work item. */
	mvmm_guest_outl(TESTSEC_MEM_PORT, (uint32_t)KSEC_GPA);
	p = (volatile uint8_t *)KSEC_GPA;
	for (i = n = 0; i < TESTSEC_MEM_LEN; i++)
		n += p[TESTSEC_MEM_LEN + i] != (uint8_t)~p[i];
	WRITE_ONCE(bad, n);
	mvmm_guest_outl(TESTSEC_MEM_LATER_PORT, (uint32_t)KLATER_GPA);
	GUEST_SYNC(4);
	GUEST_DONE();
}

/* ---- the secondary ----------------------------------------------------- */

enum { OP_READ = 1, OP_WRITE, OP_RAW_READ, OP_RAW_WRITE, OP_SERVE, OP_QUIT };

struct cmd {
	uint32_t op;
	int32_t ret;		/* reply: 0 or -errno */
	struct mvmm_mem m;	/* addr 0: the shared buffer */
};

/* The shared mapping: the data buffer after a page of the library's. */
#define SHM_DATA	PG
#define SHM_SIZE	(SHM_DATA + MVMM_MEM_MAX + PG)

static int sec_serve(struct mvmm_sec *s)
{
	struct mvmm_answer ans = {};
	struct mvmm_request req;
	uint64_t magic = MAGIC;
	ssize_t n;
	int ret;

	n = mvmm_sec_read(s, &req, 1);
	if (n != 1)
		return n < 0 ? (int)n : -EPROTO;
	if (req.ev.type != MVMM_EV_IO || req.ev.qual != U_PORT)
		return -EPROTO;
	/* The GPA is what the guest OUTs; the answer after the write. */
	ret = mvmm_sec_mem_write(s, (uint32_t)req.gprs[MVMM_GPR_RAX], &magic,
				 sizeof(magic));
	if (ret)
		return ret;
	mvmm_ans_handled(&ans, 0);
	return mvmm_sec_answer(s, &req, &ans);
}

static int sec_main(int sock, void *shm, void *arg)
{
	uint8_t *data = (uint8_t *)shm + SHM_DATA;
	struct mvmm_sec *s;
	struct cmd c;
	int vm_fd, fd;

	vm_fd = mvmm_recv_fd(sock);
	if (vm_fd < 0)
		return 1;
	s = mvmm_sec_attach(vm_fd, U_NAME, NULL);
	if (!s)
		return 2;
	/* Holding no VM fd, the secondary cannot keep the VM alive. */
	close(vm_fd);
	fd = mvmm_sec_fd(s);
	c.ret = mvmm_sec_vm_id(s);
	if (send(sock, &c, sizeof(c), 0) != sizeof(c))
		return 3;

	while (recv(sock, &c, sizeof(c), 0) == sizeof(c)) {
		if (!c.m.addr)
			c.m.addr = (uint64_t)(uintptr_t)data;
		switch (c.op) {
		case OP_READ:
			c.ret = mvmm_sec_mem_read(s, c.m.gpa, data, c.m.len);
			break;
		case OP_WRITE:
			c.ret = mvmm_sec_mem_write(s, c.m.gpa, data, c.m.len);
			break;
		case OP_RAW_READ:
			c.ret = ioctl(fd, MVMM_IOC_MEM_READ, &c.m) ? -errno : 0;
			break;
		case OP_RAW_WRITE:
			c.ret = ioctl(fd, MVMM_IOC_MEM_WRITE, &c.m) ? -errno : 0;
			break;
		case OP_SERVE:
			c.ret = sec_serve(s);
			break;
		case OP_QUIT:
			mvmm_sec_detach(s);
			return 0;
		}
		if (send(sock, &c, sizeof(c), 0) != sizeof(c))
			return 4;
	}
	return 5;
}

static struct mvmm_sp sec;
static uint8_t *sdata;	/* the secondary's buffer, shared */

static void sec_send(struct cmd c)
{
	TEST_ASSERT(send(sec.sock, &c, sizeof(c), 0) == sizeof(c),
		    "send to the secondary: %s", strerror(errno));
}

static int sec_reply(void)
{
	struct cmd c;

	TEST_ASSERT(recv(sec.sock, &c, sizeof(c), 0) == sizeof(c),
		    "the secondary's reply: %s", strerror(errno));
	return c.ret;
}

static int sec_op(uint32_t op, uint64_t gpa, uint32_t len)
{
	sec_send((struct cmd){ .op = op, .m = { .gpa = gpa, .len = len } });
	return sec_reply();
}

static int sec_raw(uint32_t op, struct mvmm_mem m)
{
	sec_send((struct cmd){ .op = op, .m = m });
	return sec_reply();
}

/* ---- the host ---------------------------------------------------------- */

static struct kvm_vm *vm;
static struct kvm_vcpu *vcpu;

static void run_to(uint64_t stage)
{
	struct ucall uc;
	int ret;

	vcpu_run(vcpu);
	ret = get_ucall(vcpu, &uc);
	if (ret == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(ret == UCALL_SYNC && uc.args[1] == stage,
		    "Expected the guest's sync %lu, got ucall %d (exit %u)",
		    (unsigned long)stage, ret, vcpu->run->exit_reason);
}

static uint64_t guest_bad(void)
{
	return READ_ONCE(*(uint64_t *)addr_gva2hva(vm, (vm_vaddr_t)&bad));
}

/* KVM_GET_DIRTY_LOG of A (which clears it): its pages as a mask. */
static unsigned long dirty_a(void)
{
	unsigned long bitmap[1] = { 0 };

	kvm_vm_get_dirty_log(vm, SLOT_A, bitmap);
	return bitmap[0];
}

/* Bytes of the secondary's buffer that are not the guest's pattern. */
static size_t pat_diff(uint64_t gpa, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += sdata[i] != pat(gpa + i);
	return n;
}

static void test_mem_read(void)
{
	int ret;

	memset(sdata, 0, MVMM_MEM_MAX);
	ret = sec_op(OP_READ, GPA_A, MVMM_MEM_MAX);
	ksft_test_result(!ret && !pat_diff(GPA_A, MVMM_MEM_MAX),
			 "read of MVMM_MEM_MAX bytes across two memslots: the guest's bytes exactly (%d, %zu differ)\n",
			 ret, ret ? 0 : pat_diff(GPA_A, MVMM_MEM_MAX));
	memset(sdata, 0, MVMM_MEM_MAX);
	ret = sec_op(OP_READ, GPA_B - 37, 5000);
	ksft_test_result(!ret && !pat_diff(GPA_B - 37, 5000) && !sdata[5000],
			 "read of 5000 unaligned bytes across the slots' boundary: exact (%d)\n",
			 ret);
}

static void test_mem_write(void)
{
	unsigned long d;
	uint64_t i;
	int ret;

	/* The guest's own pattern writes, out of the way. */
	dirty_a();
	for (i = 0; i < WR_LEN; i++)
		sdata[i] = wpat(i);
	ret = sec_op(OP_WRITE, WR_GPA, WR_LEN);
	TEST_ASSERT(!ret, "write across the slots: %s", strerror(-ret));
	ret = sec_op(OP_READ, GPA_A + PG, 100);
	TEST_ASSERT(!ret, "read: %s", strerror(-ret));
	d = dirty_a();
	ksft_test_result(d == 1UL << 7,
			 "KVM_GET_DIRTY_LOG: exactly the page of A written (%#lx), none read\n",
			 d);
	run_to(2);
	ksft_test_result(!guest_bad(),
			 "the guest reads the secondary's %d bytes across the slots exactly (%lu differ)\n",
			 WR_LEN, (unsigned long)guest_bad());
}

/* The guest's OUT, answered after a write to the page it then reads. */
static void test_serve(void)
{
	unsigned long d;
	int ret;

	dirty_a();
	sec_send((struct cmd){ .op = OP_SERVE });
	run_to(3);
	ret = sec_reply();
	d = dirty_a();
	ksft_test_result(!ret && !guest_bad() && d == 1UL << 2,
			 "a write while answering a routed OUT: seen by the guest after it, page dirty (%d, %#lx)\n",
			 ret, d);
}

static void testsec_unload(void)
{
	int ret = mvmm_kmod_unload_mod("mvmm_testsec");

	TEST_ASSERT(!ret, "rmmod mvmm_testsec: %s", strerror(-ret));
}

/* debugfs "mem": transfers done from the work item, the last result. */
static void testsec_mem(long long *done, int *ret)
{
	FILE *f = fopen(TESTSEC_DEBUGFS "/mem", "r");

	TEST_ASSERT(f, "open " TESTSEC_DEBUGFS "/mem: %s", strerror(errno));
	TEST_ASSERT(fscanf(f, "%lld %d", done, ret) == 2, "parse mem");
	fclose(f);
}

static size_t compl_diff(uint64_t gpa)
{
	uint8_t *p = addr_gpa2hva(vm, gpa);
	size_t i, n = 0;

	for (i = 0; i < TESTSEC_MEM_LEN; i++)
		n += p[TESTSEC_MEM_LEN + i] != (uint8_t)~p[i];
	return n;
}

static void test_kernel(uint32_t vm_id)
{
	bool loaded = mvmm_kmod_is_loaded("mvmm_testsec");
	long long done0, done;
	struct mvmm_rsk *rsk;
	uint64_t t0;
	char path[300];
	unsigned long d;
	int ret, kret;

	if (!loaded) {
		ret = mvmm_kmod_load(mvmm_kmod_path_of("mvmm_testsec", path,
							sizeof(path)));
		TEST_ASSERT(!ret, "insmod %s: %s", path, strerror(-ret));
	}
	rsk = mvmm_ut_rsk_open();
	mvmm_ut_rule_add(rsk, vm_id, MVMM_EV_IO, TESTSEC_MEM_PORT,
			 TESTSEC_MEM_LATER_PORT, MVMM_MODE_SYNC,
			 MVMM_FALLBACK_MAIN, TESTSEC_NAME);
	testsec_mem(&done0, &kret);
	memset(addr_gpa2hva(vm, KSEC_GPA + TESTSEC_MEM_LEN), 0, TESTSEC_MEM_LEN);
	memset(addr_gpa2hva(vm, KLATER_GPA + TESTSEC_MEM_LEN), 0,
	       TESTSEC_MEM_LEN);
	dirty_a();
	/* A fails the test's run_to(): the OUT went to this VMM. */
	run_to(4);
	ksft_test_result(!guest_bad() && !compl_diff(KSEC_GPA),
			 "a kernel secondary's mvmm_guest_read()/write() in ->handle(): the guest sees the bytes\n");
	t0 = mvmm_ut_now_ms();
	do {
		usleep(1000);
		testsec_mem(&done, &kret);
	} while (done == done0 && mvmm_ut_now_ms() - t0 < WAIT_MS);
	d = dirty_a();
	ksft_test_result(done == done0 + 1 && !kret && !compl_diff(KLATER_GPA),
			 "the same from a work item, no mm: done %lld, result %d, bytes right\n",
			 done - done0, kret);
	ksft_test_result(d == (1UL << 5 | 1UL << 6),
			 "both kernel writes marked dirty (%#lx)\n", d);
	mvmm_rsk_close(rsk);
	if (!loaded)
		testsec_unload();
}

static void test_refusals(void)
{
	uint8_t *b = addr_gpa2hva(vm, GPA_B);
	struct mvmm_mem m;
	bool same;
	int r1, r2;

	r1 = sec_op(OP_WRITE, GPA_RO + 8, 8);
	memset(sdata, 0, 8);
	r2 = sec_op(OP_READ, GPA_RO + 8, 8);
	ksft_test_result(r1 == -EROFS && !r2 && !memcmp(sdata, "rom rom ", 8),
			 "read-only slot: write EROFS, read the VMM's bytes (%d, %d)\n",
			 r1, r2);
	r1 = sec_op(OP_READ, GPA_NONE, 8);
	r2 = sec_op(OP_WRITE, GPA_NONE, 8);
	ksft_test_result(r1 == -ENOENT && r2 == -ENOENT,
			 "a GPA in no memslot: ENOENT (%d, %d)\n", r1, r2);
	memset(sdata, 0xee, 2 * PG);
	r1 = sec_op(OP_WRITE, GPA_B + SLOT_PAGES * PG - PG, 2 * PG);
	same = true;
	for (size_t i = 0; i < PG; i++)
		same &= b[(SLOT_PAGES - 1) * PG + i] ==
			pat(GPA_B + (SLOT_PAGES - 1) * PG + i);
	ksft_test_result(r1 == -ENOENT && same,
			 "a write running off the end of the last slot: ENOENT, nothing of it written (%d)\n",
			 r1);
	r1 = sec_op(OP_READ, GPA_GONE, 8);
	r2 = sec_op(OP_WRITE, GPA_GONE, 8);
	ksft_test_result(r1 == -EIO && r2 == -EIO,
			 "a slot whose memory the VMM unmapped: EIO (%d, %d)\n",
			 r1, r2);

	m = (struct mvmm_mem){ .gpa = GPA_A, .len = 0 };
	r1 = sec_raw(OP_RAW_READ, m);
	r2 = sec_raw(OP_RAW_WRITE, m);
	ksft_test_result(r1 == -EINVAL && r2 == -EINVAL, "len 0: EINVAL\n");
	m.len = MVMM_MEM_MAX + 1;
	r1 = sec_raw(OP_RAW_READ, m);
	r2 = sec_raw(OP_RAW_WRITE, m);
	ksft_test_result(r1 == -EINVAL && r2 == -EINVAL,
			 "len MVMM_MEM_MAX + 1: EINVAL\n");
	m.len = 8;
	m.flags = 1;
	r1 = sec_raw(OP_RAW_READ, m);
	r2 = sec_raw(OP_RAW_WRITE, m);
	ksft_test_result(r1 == -EINVAL && r2 == -EINVAL, "flags 1: EINVAL\n");
	m.flags = 0;
	m.reserved = 1;
	r1 = sec_raw(OP_RAW_READ, m);
	r2 = sec_raw(OP_RAW_WRITE, m);
	ksft_test_result(r1 == -EINVAL && r2 == -EINVAL,
			 "reserved 1: EINVAL\n");
	m.reserved = 0;
	m.addr = 8;	/* unmapped in the secondary */
	r1 = sec_raw(OP_RAW_READ, m);
	r2 = sec_raw(OP_RAW_WRITE, m);
	ksft_test_result(r1 == -EFAULT && r2 == -EFAULT,
			 "a bad buffer: EFAULT (%d, %d)\n", r1, r2);
}

/* This process's own attaches: none, and a VM with a dirty ring. */
static void test_local(void)
{
	struct mvmm_mem m = { .gpa = GPA_A, .len = 8 };
	uint64_t buf = 0x1122334455667788ULL, got = 0;
	struct mvmm_sec *s;
	struct kvm_vm *rvm;
	int fd, r1, r2;
	uint32_t size;

	fd = open("/dev/" MVMM_DEV_NAME, O_RDWR);
	TEST_ASSERT(fd >= 0, "open /dev/mvmm: %s", strerror(errno));
	m.addr = (uint64_t)(uintptr_t)&buf;
	r1 = ioctl(fd, MVMM_IOC_MEM_READ, &m) ? errno : 0;
	r2 = ioctl(fd, MVMM_IOC_MEM_WRITE, &m) ? errno : 0;
	ksft_test_result(r1 == ENOTCONN && r2 == ENOTCONN,
			 "a file not attached: ENOTCONN for both\n");
	close(fd);

	size = kvm_check_cap(KVM_CAP_DIRTY_LOG_RING);
	if (!size) {
		ksft_test_result_skip("KVM has no KVM_CAP_DIRTY_LOG_RING\n");
		return;
	}
	rvm = vm_create_barebones();
	vm_enable_cap(rvm, KVM_CAP_DIRTY_LOG_RING, size < 65536 ? size : 65536);
	vm_userspace_mem_region_add(rvm, VM_MEM_SRC_ANONYMOUS, GPA_A, 1, 1,
				    KVM_MEM_LOG_DIRTY_PAGES);
	*(uint64_t *)addr_gpa2hva(rvm, GPA_A) = 0xabcdef;
	s = mvmm_sec_attach(rvm->fd, "u-mem-ring", NULL);
	TEST_ASSERT(s, "attach to a dirty-ring VM: %s", strerror(errno));
	r1 = mvmm_sec_mem_read(s, GPA_A, &got, sizeof(got));
	r2 = mvmm_sec_mem_write(s, GPA_A, &buf, sizeof(buf));
	ksft_test_result(!r1 && got == 0xabcdef && r2 == -EOPNOTSUPP &&
			 *(uint64_t *)addr_gpa2hva(rvm, GPA_A) == 0xabcdef,
			 "a VM with a dirty ring: read works, write EOPNOTSUPP (%d, %d)\n",
			 r1, r2);
	kvm_vm_free(rvm);
	mvmm_sec_detach(s);
}

static void add_slots(void)
{
	void *gone;

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, GPA_A, SLOT_A,
				    SLOT_PAGES, KVM_MEM_LOG_DIRTY_PAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, GPA_B, SLOT_B,
				    SLOT_PAGES, 0);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, GPA_RO, SLOT_RO,
				    1, KVM_MEM_READONLY);
	memcpy(addr_gpa2hva(vm, GPA_RO + 8), "rom rom ", 8);
	virt_map(vm, GPA_A, GPA_A, 2 * SLOT_PAGES);
	/* A slot of memory this VMM then unmaps. */
	gone = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(gone != MAP_FAILED, "mmap: %s", strerror(errno));
	vm_set_user_memory_region(vm, SLOT_GONE, 0, GPA_GONE, PG, gone);
	munmap(gone, PG);
}

int main(void)
{
	struct cmd ready, quit = { .op = OP_QUIT };
	struct mvmm_rsk *rsk;
	int ret, status;

	ksft_print_header();
	ksft_set_plan(22);

	/* Forked first: it inherits nothing of the VM. */
	ret = mvmm_sp_fork(&sec, SHM_SIZE, sec_main, NULL);
	TEST_ASSERT(!ret, "fork the secondary: %s", strerror(-ret));
	sdata = (uint8_t *)sec.shm + SHM_DATA;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	add_slots();
	run_to(1);

	ret = mvmm_send_fd(sec.sock, vm->fd);
	TEST_ASSERT(!ret, "pass the VM fd: %s", strerror(-ret));
	TEST_ASSERT(recv(sec.sock, &ready, sizeof(ready), 0) == sizeof(ready),
		    "the secondary did not attach");
	ksft_print_msg("secondary %d attached to VM %d\n", sec.pid, ready.ret);
	rsk = mvmm_ut_rsk_open();
	mvmm_ut_rule_add(rsk, ready.ret, MVMM_EV_IO, U_PORT, U_PORT,
			 MVMM_MODE_SYNC, MVMM_FALLBACK_MAIN, U_NAME);

	test_mem_read();
	test_mem_write();
	test_serve();
	test_kernel(ready.ret);
	test_refusals();
	{
		struct ucall uc;

		vcpu_run(vcpu);
		ksft_test_result(get_ucall(vcpu, &uc) == UCALL_DONE,
				 "the guest ran to its end\n");
	}
	mvmm_rsk_close(rsk);
	kvm_vm_free(vm);

	ret = sec_op(OP_READ, GPA_A, 8);
	ksft_test_result(ret == -ENOTCONN &&
			 sec_op(OP_WRITE, GPA_A, 8) == -ENOTCONN,
			 "the VM destroyed: ENOTCONN for both (%d)\n", ret);
	test_local();

	sec_send(quit);
	status = mvmm_sp_wait(&sec);
	ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status),
			 "the secondary exits 0\n");
	mvmm_sp_free(&sec);
	ksft_finished();
}

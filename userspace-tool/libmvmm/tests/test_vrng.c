// SPDX-License-Identifier: GPL-2.0
/*
 * The device model of mvmm-virtio-rng (samples/vrng_dev.c) without a VM:
 * its registers driven as a virtio-mmio driver does, its virtqueue in a
 * fake guest memory (an array; anything outside it fails as
 * MVMM_IOC_MEM_READ/WRITE do outside the memslots), random bytes that are
 * a known sequence, the interrupt recorded.
 *
 * A well-behaved driver: probe, negotiation (VERSION_1 required), queue
 * setup, three buffers (one a chain, one a chain with a read-only part),
 * notify, the used ring, InterruptStatus and the line, ACK, notification
 * suppression, reset. A malicious one: descriptor indexes beyond the
 * queue, a loop in a chain, a huge length, addresses outside memory or
 * wrapping, a runaway avail index, a bad queue size: each sets
 * DEVICE_NEEDS_RESET, writes no used element, and the device stays still
 * until a reset.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../samples/vrng_dev.h"
#include "../../tests/tap.h"

#define MEM_SIZE	(1u << 20)
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define QNUM		8
#define FILL		0xaa	/* the driver's pattern in its buffers */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static unsigned char mem[MEM_SIZE];
static unsigned char rnd_next;		/* the "random" sequence: 1, 2, ... */
static int line;			/* the level the device set */
static int edges;			/* new causes signalled */
static int reads, writes;		/* guest memory accesses */
/* Used elements written since used->idx last moved; idx moves past one */
/* not written yet (the driver could read a stale element). */
static int elems_pending, order_bad;

static int fake_read(void *ctx, uint64_t gpa, void *buf, uint32_t len)
{
	(void)ctx;
	reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -ENOENT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int fake_write(void *ctx, uint64_t gpa, const void *buf, uint32_t len)
{
	(void)ctx;
	writes++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -ENOENT;
	if (gpa >= USED + 4 && gpa < USED + 4 + 8 * QNUM) {
		elems_pending++;
	} else if (gpa == USED + 2 && len == 2) {
		uint16_t old, new;

		memcpy(&old, mem + gpa, 2);
		memcpy(&new, buf, 2);
		if ((uint16_t)(new - old) > elems_pending)
			order_bad++;
		elems_pending = 0;
	}
	memcpy(mem + gpa, buf, len);
	return 0;
}

static void fake_irq(void *ctx, bool pending, bool edge)
{
	(void)ctx;
	line = pending;
	edges += edge;
}

static int fake_random(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)ctx;
	while (len--) {
		if (++rnd_next == FILL)	/* never the fill pattern */
			rnd_next++;
		*p++ = rnd_next;
	}
	return 0;
}

static const struct vrng_ops ops = {
	.read = fake_read, .write = fake_write, .irq = fake_irq,
	.random = fake_random,
};

static struct vrng dev;

static uint32_t rd(uint32_t off)
{
	return vrng_mmio_read(&dev, off, 4);
}

static void wr(uint32_t off, uint32_t val)
{
	vrng_mmio_write(&dev, off, 4, val);
}

static void put16(uint64_t gpa, uint16_t v) { memcpy(mem + gpa, &v, 2); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, mem + gpa, 2); return v; }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, mem + gpa, 4); return v; }

static void set_desc(unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	put64(DESC + 16 * i, addr);
	put32(DESC + 16 * i + 8, len);
	put16(DESC + 16 * i + 12, flags);
	put16(DESC + 16 * i + 14, next);
}

/* Post @head as the next available entry (the index after it). */
static void post(uint16_t head)
{
	uint16_t idx = get16(AVAIL + 2);

	put16(AVAIL + 4 + 2 * (idx % QNUM), head);
	put16(AVAIL + 2, idx + 1);
}

static bool all(uint64_t gpa, uint32_t len, unsigned char c)
{
	while (len--)
		if (mem[gpa++] != c)
			return false;
	return true;
}

/* No byte of [gpa, gpa + len) left with the fill pattern. */
static bool filled(uint64_t gpa, uint32_t len)
{
	while (len--)
		if (mem[gpa++] == FILL)
			return false;
	return true;
}

/* Driver initialisation up to DRIVER_OK (virtio 1.x, 3.1.1). */
static bool driver_init(uint32_t qnum)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	if (!(rd(VIRTIO_MMIO_DEVICE_FEATURES) & 1))
		return false;
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS, 0x0b);
	if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	if (rd(VIRTIO_MMIO_QUEUE_READY) || rd(VIRTIO_MMIO_QUEUE_NUM_MAX) < qnum)
		return false;
	wr(VIRTIO_MMIO_QUEUE_NUM, qnum);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, 0x0f);
	return rd(VIRTIO_MMIO_STATUS) == 0x0f && rd(VIRTIO_MMIO_QUEUE_READY) == 1;
}

/*
 * Reset, then ACKNOWLEDGE | DRIVER, VERSION_1 and FEATURES_OK without
 * driver_init()'s checks: the start of a setup that then goes wrong.
 */
static void negotiate(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(VIRTIO_MMIO_STATUS, 0x0b);
}

/* A fresh memory and device, the driver done with its setup. */
static bool fresh(void)
{
	memset(mem, FILL, sizeof(mem));
	memset(mem + DESC, 0, 0x3000);	/* rings and descriptors */
	line = edges = elems_pending = 0;
	vrng_init(&dev, &ops, NULL);
	return driver_init(QNUM);
}

static void test_probe(void)
{
	vrng_init(&dev, &ops, NULL);
	CHECK(rd(VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976 &&
	      rd(VIRTIO_MMIO_VERSION) == 2 && rd(VIRTIO_MMIO_DEVICE_ID) == 4 &&
	      rd(VIRTIO_MMIO_VENDOR_ID) == VRNG_VENDOR_ID,
	      "probe: magic \"virt\", version 2, device ID 4, vendor ID");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 0, "features 0-31: none");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 1,
	      "features 32-63: VIRTIO_F_VERSION_1 (bit 32) alone");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 0, "features 64-95: none");
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == VRNG_QUEUE_NUM_MAX &&
	      rd(VIRTIO_MMIO_CONFIG_GENERATION) == 0 &&
	      rd(VIRTIO_MMIO_CONFIG) == 0,
	      "queue 0: 256 entries at most; config generation 0, no config");
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "queue 1 does not exist");
	CHECK(vrng_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE, 1) == 0 &&
	      vrng_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE + 2, 4) == 0,
	      "byte and misaligned register reads: 0");

	/* A driver that does not take VERSION_1 (a legacy one). */
	vrng_init(&dev, &ops, NULL);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS, 0x0b);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 3,
	      "FEATURES_OK refused without VERSION_1");
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 3);	/* VERSION_1 and bit 33 */
	wr(VIRTIO_MMIO_STATUS, 0x0b);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 3,
	      "FEATURES_OK refused with a feature not offered (bit 33)");
}

static void test_requests(void)
{
	int e0;

	CHECK(fresh(), "driver setup: reset, ACK, DRIVER, FEATURES_OK, queue, DRIVER_OK");
	/* 0: 64 bytes; 1 -> 2: 32 + 32; 4 -> 5: 8 read-only + 24 */
	set_desc(0, 0x10000, 64, VIRTQ_DESC_F_WRITE, 0);
	set_desc(1, 0x11000, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, 0x12000, 32, VIRTQ_DESC_F_WRITE, 0);
	set_desc(4, 0x14000, 8, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, 0x15000, 24, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	post(1);
	post(4);
	CHECK(!line && !rd(VIRTIO_MMIO_INTERRUPT_STATUS),
	      "before the notify: nothing used, no interrupt");
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 3, "used->idx 3 after three buffers");
	CHECK(get32(USED + 4) == 0 && get32(USED + 8) == 64,
	      "used[0]: id 0, len 64");
	CHECK(get32(USED + 12) == 1 && get32(USED + 16) == 64,
	      "used[1]: id 1 (the chain 1 -> 2), len 64");
	CHECK(get32(USED + 20) == 4 && get32(USED + 24) == 24,
	      "used[2]: id 4, len 24: the read-only descriptor not counted");
	CHECK(filled(0x10000, 64) && filled(0x11000, 32) &&
	      filled(0x12000, 32) && filled(0x15000, 24),
	      "every device-writable byte filled");
	CHECK(all(0x10040, 16, FILL) && all(0x11020, 16, FILL) &&
	      all(0x12020, 16, FILL) && all(0x15018, 16, FILL),
	      "nothing written past a buffer");
	CHECK(all(0x14000, 8, FILL), "the read-only descriptor's buffer untouched");
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING &&
	      line == 1 && edges == 1,
	      "InterruptStatus 1 (used buffer), line raised once");
	CHECK(dev.requests == 3 && dev.bytes == 64 + 64 + 24,
	      "counters: 3 requests, 152 bytes");
	CHECK(!order_bad, "each used element written before used->idx covers it");
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK(!rd(VIRTIO_MMIO_INTERRUPT_STATUS) && line == 0,
	      "InterruptACK 1: status 0, line lowered");

	/* Nothing new: a notify changes nothing. */
	e0 = edges;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 3 && edges == e0 && !line,
	      "a notify with nothing available: no used entry, no interrupt");

	/* The driver suppresses interrupts. */
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	memset(mem + 0x10000, FILL, 64);
	post(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 4 && get32(USED + 28) == 0 &&
	      get32(USED + 32) == 64 && filled(0x10000, 64),
	      "VIRTQ_AVAIL_F_NO_INTERRUPT: buffer used (used->idx 4)");
	CHECK(edges == e0 && !line && !rd(VIRTIO_MMIO_INTERRUPT_STATUS),
	      "VIRTQ_AVAIL_F_NO_INTERRUPT: no interrupt");
	put16(AVAIL, 0);

	/* The ring wraps: 8 more buffers through slots 4..7, 0..3. */
	for (int i = 0; i < QNUM; i++) {
		set_desc(i, 0x30000 + 0x100 * i, 16, VIRTQ_DESC_F_WRITE, 0);
		post(i);
	}
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 12 && get32(USED + 4 + 8 * 3) == 7 &&
	      get32(USED + 4 + 8 * 4) == 0 && line == 1,
	      "a full queue around the ring's end: used->idx 12, ids in order");
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

	/* Reset. */
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(!rd(VIRTIO_MMIO_STATUS) && !rd(VIRTIO_MMIO_QUEUE_READY) &&
	      !rd(VIRTIO_MMIO_INTERRUPT_STATUS) && !line,
	      "Status 0 resets: status, queue, interrupt");
	post(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 12, "after the reset a notify does nothing");
	CHECK(driver_init(QNUM), "set up again after the reset");
}

/* The device refused what the driver did: NEEDS_RESET, still, no use. */
static void check_refused(const char *what, uint16_t used_before)
{
	char buf[160];
	uint32_t st = rd(VIRTIO_MMIO_STATUS);
	int r0;

	snprintf(buf, sizeof(buf), "%s: DEVICE_NEEDS_RESET, config interrupt, nothing used (%s)",
		 what, dev.error ? dev.error : "no reason");
	CHECK((st & VIRTIO_STATUS_NEEDS_RESET) &&
	      (rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG) &&
	      line && get16(USED + 2) == used_before, buf);
	/* It stays so: the driver cannot clear it, a notify does nothing. */
	wr(VIRTIO_MMIO_STATUS, 0x0f);
	r0 = reads;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	snprintf(buf, sizeof(buf), "%s: stays stopped until a reset", what);
	CHECK((rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	      reads == r0, buf);
	wr(VIRTIO_MMIO_STATUS, 0);
	snprintf(buf, sizeof(buf), "%s: a reset clears it", what);
	CHECK(!rd(VIRTIO_MMIO_STATUS) && !line && driver_init(QNUM), buf);
}

/* A chain the device must refuse: up to two descriptors, then its head. */
static const struct bad_chain {
	const char *what;
	unsigned int nr_desc;
	struct {
		unsigned int i;
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
	} desc[2];
	uint16_t head;
} bad_chains[] = {
	{ "head index 8 in a queue of 8", 0, { }, QNUM },
	{ "next index 0xffff", 1,
	  { { 0, 0x10000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0xffff } },
	  0 },
	{ "a loop 0 -> 1 -> 0", 2,
	  { { 0, 0x10000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 },
	    { 1, 0x11000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0 } },
	  0 },
	{ "a descriptor that is its own next", 1,
	  { { 3, 0x10000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3 } },
	  3 },
	{ "a buffer past the end of guest memory", 1,
	  { { 0, MEM_SIZE - 32, 64, VIRTQ_DESC_F_WRITE, 0 } }, 0 },
	{ "a buffer wrapping around 2^64", 1,
	  { { 0, 0xfffffffffffffff0ULL, 0x100, VIRTQ_DESC_F_WRITE, 0 } }, 0 },
	{ "an indirect descriptor (not negotiated)", 1,
	  { { 0, 0x10000, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_INDIRECT, 0 } },
	  0 },
};

static void test_malicious(void)
{
	unsigned int i, d;

	for (i = 0; i < ARRAY_SIZE(bad_chains); i++) {
		const struct bad_chain *c = &bad_chains[i];

		fresh();
		for (d = 0; d < c->nr_desc; d++)
			set_desc(c->desc[d].i, c->desc[d].addr, c->desc[d].len,
				 c->desc[d].flags, c->desc[d].next);
		post(c->head);
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		check_refused(c->what, 0);
	}

	fresh();
	set_desc(0, 0x20000, 0xffffffff, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, 0x90000, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	      get16(USED + 2) == 1 && get32(USED + 8) == VRNG_MAX_CHAIN_BYTES &&
	      filled(0x20000, VRNG_MAX_CHAIN_BYTES) &&
	      all(0x20000 + VRNG_MAX_CHAIN_BYTES, 64, FILL) &&
	      all(0x90000, 64, FILL),
	      "lengths 0xffffffff: 64 KiB given in all, the rest left alone");

	fresh();
	put16(AVAIL + 2, QNUM + 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check_refused("avail->idx 9 ahead in a queue of 8", 0);

	/* The rings themselves outside guest memory. */
	fresh();
	negotiate();
	wr(VIRTIO_MMIO_QUEUE_NUM, QNUM);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x100);	/* 1 TiB */
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, 0x0f);
	post(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check_refused("a descriptor table outside guest memory", 0);

	fresh();
	negotiate();
	wr(VIRTIO_MMIO_QUEUE_NUM, 6);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(!rd(VIRTIO_MMIO_QUEUE_READY) &&
	      (rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	      "QueueNum 6 (not a power of 2): not ready, DEVICE_NEEDS_RESET");
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 512);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(!rd(VIRTIO_MMIO_QUEUE_READY),
	      "QueueNum 512 (above QueueNumMax): not ready");

	/* Queue registers are fixed while the queue is ready. */
	fresh();
	wr(VIRTIO_MMIO_QUEUE_NUM, 2);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, 0x8000);
	set_desc(0, 0x10000, 16, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(get16(USED + 2) == 1 && dev.q.num == QNUM,
	      "QueueNum and QueueDevice writes ignored while the queue is ready");
}

int main(void)
{
	test_probe();
	test_requests();
	test_malicious();
	return tap_done();
}

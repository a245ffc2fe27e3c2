// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng on virtio-mmio (version 2), split virtqueue: see vrng_dev.h.
 */
#include <string.h>

#include "vrng_dev.h"

/* Little-endian guest (x86): the ring's fields are used as they are. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

static void vrng_update_irq(struct vrng *d, bool edge)
{
	if (d->ops->irq)
		d->ops->irq(d->ctx, d->int_status != 0, edge);
}

static void vrng_raise(struct vrng *d, uint32_t bits)
{
	d->int_status |= bits;
	vrng_update_irq(d, true);
}

/* Something the guest gave us cannot be used: stop until a reset. */
static void vrng_fail(struct vrng *d, const char *why)
{
	d->error = why;
	d->errors++;
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		vrng_raise(d, VIRTIO_MMIO_INT_CONFIG);
}

static void vrng_reset(struct vrng *d)
{
	bool had_irq = d->int_status != 0;

	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	d->drv_features = 0;
	d->status = d->int_status = 0;
	memset(&d->q, 0, sizeof(d->q));
	if (had_irq)
		vrng_update_irq(d, false);
}

void vrng_init(struct vrng *d, const struct vrng_ops *ops, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->ctx = ctx;
}

static uint64_t vrng_dev_features(void)
{
	return 1ULL << VIRTIO_F_VERSION_1;
}

static uint32_t vrng_reg_read(struct vrng *d, uint32_t off)
{
	struct vrng_queue *q = &d->q;
	bool q0 = d->queue_sel == 0;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return VIRTIO_ID_RNG;
	case VIRTIO_MMIO_VENDOR_ID:
		return VRNG_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (d->dev_features_sel > 1)
			return 0;
		return (uint32_t)(vrng_dev_features() >>
				  (32 * d->dev_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q0 ? VRNG_QUEUE_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q0 ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->int_status;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;	/* no configuration space */
	default:
		/* Write-only registers, holes, the (empty) config space. */
		return 0;
	}
}

uint32_t vrng_mmio_read(struct vrng *d, uint32_t off, unsigned int size)
{
	/* The transport's registers are 32 bits wide, aligned. */
	if (size != 4 || (off & 3) || off >= VRNG_MMIO_SIZE)
		return 0;
	return vrng_reg_read(d, off);
}

/* The queue's registers, writable while it is not ready. */
static void vrng_queue_write(struct vrng *d, uint32_t off, uint32_t val)
{
	struct vrng_queue *q = &d->q;
	uint64_t *addr = NULL;
	bool high = false;

	if (d->queue_sel != 0)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		if (!q->ready)
			q->num = val;
		return;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		high = true;
		/* fallthrough */
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		addr = &q->desc;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		high = true;
		/* fallthrough */
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		addr = &q->avail;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		high = true;
		/* fallthrough */
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		addr = &q->used;
		break;
	}
	if (!addr || q->ready)
		return;
	if (high)
		*addr = (*addr & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | val;
}

/* QueueReady 1: the queue must make sense before it is used. */
static void vrng_queue_ready(struct vrng *d, uint32_t val)
{
	struct vrng_queue *q = &d->q;

	if (d->queue_sel != 0)
		return;
	if (!val) {
		q->ready = 0;
		return;
	}
	if (!q->num || q->num > VRNG_QUEUE_NUM_MAX || (q->num & (q->num - 1))) {
		vrng_fail(d, "queue size not a power of 2 up to 256");
		return;
	}
	/* Alignments of the split virtqueue (2.7): 16, 2, 4. */
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
		vrng_fail(d, "queue addresses misaligned");
		return;
	}
	q->ready = 1;
	q->last_avail = q->used_idx = 0;
}

static void vrng_status_write(struct vrng *d, uint32_t val)
{
	if (!val) {
		vrng_reset(d);
		return;
	}
	/* FEATURES_OK only for features we offer, VERSION_1 among them. */
	if ((val & VIRTIO_STATUS_FEATURES_OK) &&
	    !(d->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((d->drv_features & ~vrng_dev_features()) ||
	     !(d->drv_features & (1ULL << VIRTIO_F_VERSION_1))))
		val &= ~VIRTIO_STATUS_FEATURES_OK;
	/* The driver cannot set or clear NEEDS_RESET. */
	d->status = (val & ~VIRTIO_STATUS_NEEDS_RESET) |
		    (d->status & VIRTIO_STATUS_NEEDS_RESET);
}

void vrng_mmio_write(struct vrng *d, uint32_t off, unsigned int size,
		     uint32_t val)
{
	if (size != 4 || (off & 3) || off >= VRNG_MMIO_SIZE)
		return;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Only before FEATURES_OK; words beyond 1 we offer none of. */
		if (d->status & VIRTIO_STATUS_FEATURES_OK)
			break;
		if (d->drv_features_sel == 0)
			d->drv_features = (d->drv_features & ~0xffffffffULL) | val;
		else if (d->drv_features_sel == 1)
			d->drv_features = (d->drv_features & 0xffffffffULL) |
					  (uint64_t)val << 32;
		else if (val)
			d->drv_features |= 1ULL << 63;	/* unknown: refused */
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		vrng_queue_ready(d, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		d->notifies++;
		if (val == 0)
			vrng_process(d);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		if (d->int_status & val) {
			d->int_status &= ~val;
			vrng_update_irq(d, false);
		}
		break;
	case VIRTIO_MMIO_STATUS:
		vrng_status_write(d, val);
		break;
	default:
		vrng_queue_write(d, off, val);
		break;
	}
}

/* Random bytes into [@gpa, @gpa + @len), in pieces: 0 or < 0. */
static int vrng_fill(struct vrng *d, uint64_t gpa, uint32_t len)
{
	unsigned char buf[4096];

	while (len) {
		uint32_t n = len < sizeof(buf) ? len : sizeof(buf);
		int ret = d->ops->random(d->ctx, buf, n);

		if (ret)
			return ret;
		ret = d->ops->write(d->ctx, gpa, buf, n);
		if (ret)
			return ret;
		gpa += n;
		len -= n;
	}
	return 0;
}

/*
 * Serve the chain that starts at descriptor @head: every device-writable
 * descriptor gets random bytes, at most VRNG_MAX_CHAIN_BYTES in all. The
 * bytes written go to *@written. 0, or -1 after vrng_fail().
 */
static int vrng_chain(struct vrng *d, uint16_t head, uint32_t *written)
{
	struct vrng_queue *q = &d->q;
	uint32_t total = 0, n = 0;
	uint16_t i = head;
	struct virtq_desc desc;

	for (;;) {
		if (i >= q->num) {
			vrng_fail(d, "descriptor index beyond the queue");
			return -1;
		}
		/* A chain has at most num descriptors: more is a loop. */
		if (++n > q->num) {
			vrng_fail(d, "descriptor chain longer than the queue (a loop)");
			return -1;
		}
		if (d->ops->read(d->ctx, q->desc + (uint64_t)i * sizeof(desc),
				 &desc, sizeof(desc))) {
			vrng_fail(d, "descriptor table not in guest memory");
			return -1;
		}
		if (desc.flags & VIRTQ_DESC_F_INDIRECT) {
			/* Not negotiated (VIRTIO_F_INDIRECT_DESC). */
			vrng_fail(d, "indirect descriptor, not negotiated");
			return -1;
		}
		if ((desc.flags & VIRTQ_DESC_F_WRITE) &&
		    total < VRNG_MAX_CHAIN_BYTES) {
			uint32_t len = desc.len;

			if (len > VRNG_MAX_CHAIN_BYTES - total)
				len = VRNG_MAX_CHAIN_BYTES - total;
			if (desc.addr + len < desc.addr) {
				vrng_fail(d, "buffer wraps around the address space");
				return -1;
			}
			if (len && vrng_fill(d, desc.addr, len)) {
				vrng_fail(d, "buffer not in writable guest memory");
				return -1;
			}
			total += len;
		}
		if (!(desc.flags & VIRTQ_DESC_F_NEXT))
			break;
		i = desc.next;
	}
	*written = total;
	return 0;
}

void vrng_process(struct vrng *d)
{
	struct vrng_queue *q = &d->q;
	uint16_t avail_idx, avail_flags, head;
	bool used = false;

	if (!(d->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (d->status & VIRTIO_STATUS_NEEDS_RESET) || !q->ready)
		return;
	/* avail: flags, idx, ring[num] (16 bits each) */
	if (d->ops->read(d->ctx, q->avail + 2, &avail_idx, 2)) {
		vrng_fail(d, "available ring not in guest memory");
		return;
	}
	if ((uint16_t)(avail_idx - q->last_avail) > q->num) {
		vrng_fail(d, "available index more than the queue size ahead");
		return;
	}
	while (q->last_avail != avail_idx) {
		struct { uint32_t id, len; } elem;
		uint32_t written;

		if (d->ops->read(d->ctx, q->avail + 4 +
				 2ULL * (q->last_avail % q->num), &head, 2)) {
			vrng_fail(d, "available ring not in guest memory");
			return;
		}
		if (vrng_chain(d, head, &written))
			return;
		/* The element first, then the index that publishes it. */
		elem.id = head;
		elem.len = written;
		if (d->ops->write(d->ctx, q->used + 4 +
				  8ULL * (q->used_idx % q->num), &elem,
				  sizeof(elem))) {
			vrng_fail(d, "used ring not in writable guest memory");
			return;
		}
		q->used_idx++;
		if (d->ops->write(d->ctx, q->used + 2, &q->used_idx, 2)) {
			vrng_fail(d, "used ring not in writable guest memory");
			return;
		}
		q->last_avail++;
		d->requests++;
		d->bytes += written;
		used = true;
	}
	if (!used)
		return;
	/* Read after the used index went out: the driver's suppression. */
	if (d->ops->read(d->ctx, q->avail, &avail_flags, 2)) {
		vrng_fail(d, "available ring not in guest memory");
		return;
	}
	if (!(avail_flags & VIRTQ_AVAIL_F_NO_INTERRUPT)) {
		d->interrupts++;
		vrng_raise(d, VIRTIO_MMIO_INT_VRING);
	}
}

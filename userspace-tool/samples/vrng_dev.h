/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device model of mvmm-virtio-rng: a virtio entropy device (device ID
 * 4, one virtqueue, "requestq") on the virtio-mmio transport, version 2
 * registers (virtio 1.x, section 4.2.2), split virtqueue.
 *
 * It knows nothing of mvmm: guest memory, the interrupt and the random
 * bytes come through callbacks, so that a host test can run it against a
 * fake guest memory (libmvmm/tests/test_vrng.c) and the sample against
 * the real one (mvmm_sec_mem_read/write, mvmm_sec_irq_line/msi).
 *
 * Everything the guest writes is checked before use: descriptor indexes
 * below the queue size, chains no longer than the queue (a loop ends
 * there), at most VRNG_MAX_CHAIN_BYTES filled per chain, the ring's index
 * no more than the queue size ahead. A broken ring, or guest memory that
 * cannot be read or written, sets DEVICE_NEEDS_RESET in Status, signals
 * a configuration change, and the device does nothing more until the
 * driver resets it (Status 0).
 */
#ifndef MVMM_SAMPLES_VRNG_DEV_H
#define MVMM_SAMPLES_VRNG_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRNG_MMIO_SIZE		0x200

/* virtio-mmio registers (virtio 1.x, 4.2.2) */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW	0x090	/* QueueDriver */
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW	0x0a0	/* QueueDevice */
#define VIRTIO_MMIO_QUEUE_USED_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_ID_RNG			4
#define VRNG_VENDOR_ID			0x4d564d4d	/* "MMVM" */

/* Status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* InterruptStatus bits */
#define VIRTIO_MMIO_INT_VRING		0x01
#define VIRTIO_MMIO_INT_CONFIG		0x02

#define VIRTIO_F_VERSION_1		32

/* Split virtqueue */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

#define VRNG_QUEUE_NUM_MAX		256
/* Bytes given to one request (one chain) at most; the rest stays unused. */
#define VRNG_MAX_CHAIN_BYTES		65536

struct vrng_ops {
	/* Guest-physical memory: 0 or a negative errno. */
	int (*read)(void *ctx, uint64_t gpa, void *buf, uint32_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, uint32_t len);
	/*
	 * The interrupt: @pending is InterruptStatus != 0 (a level line
	 * follows it); @edge says a new cause was just set (an MSI is sent
	 * for it). Called when either changes.
	 */
	void (*irq)(void *ctx, bool pending, bool edge);
	/* Fill @buf with @len random bytes: 0 or a negative errno. */
	int (*random)(void *ctx, void *buf, size_t len);
};

struct vrng_queue {
	uint32_t num;			/* QueueNum */
	uint32_t ready;			/* QueueReady */
	uint64_t desc, avail, used;	/* guest-physical */
	uint16_t last_avail;		/* next avail ring entry to take */
	uint16_t used_idx;		/* our used->idx */
};

struct vrng {
	const struct vrng_ops *ops;
	void *ctx;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t drv_features;
	uint32_t status, int_status;
	struct vrng_queue q;
	/* Counters, never reset. */
	uint64_t requests;	/* chains returned in the used ring */
	uint64_t bytes;		/* random bytes written into guest memory */
	uint64_t notifies;	/* QueueNotify writes */
	uint64_t interrupts;	/* used-buffer notifications sent */
	uint64_t errors;	/* times the device needed a reset */
	const char *error;	/* why the last time, for a log */
};

void vrng_init(struct vrng *d, const struct vrng_ops *ops, void *ctx);
/* A register access at @off in the window; @size 1, 2, 4 or 8. */
uint32_t vrng_mmio_read(struct vrng *d, uint32_t off, unsigned int size);
void vrng_mmio_write(struct vrng *d, uint32_t off, unsigned int size,
		     uint32_t val);
/* What QueueNotify does: serve every available buffer. */
void vrng_process(struct vrng *d);

#endif /* MVMM_SAMPLES_VRNG_DEV_H */

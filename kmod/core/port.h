/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little that the portable core needs from its environment beyond
 * <linux/types.h>: memory, mem*() and errno values. In the module these
 * are the kernel's; in userspace (unit tests, fuzzers, benchmarks) libc's.
 * Only the code that builds or frees tables includes this: lookups need
 * none of it.
 */
#ifndef _MVMM_CORE_PORT_H
#define _MVMM_CORE_PORT_H

#ifdef __KERNEL__

#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Tables of 65536 rules are megabytes: let kvmalloc fall back to vmalloc. */
static inline void *mvmm_alloc_array(size_t n, size_t size)
{
	return kvmalloc_array(n, size, GFP_KERNEL);
}

static inline void mvmm_free(const void *p)
{
	kvfree(p);
}

#else /* !__KERNEL__ */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline void *mvmm_alloc_array(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	/* malloc(0) may return NULL: callers read that as -ENOMEM. */
	return malloc(n && size ? n * size : 1);
}

static inline void mvmm_free(const void *p)
{
	free((void *)p);
}

#endif /* __KERNEL__ */

#endif /* _MVMM_CORE_PORT_H */

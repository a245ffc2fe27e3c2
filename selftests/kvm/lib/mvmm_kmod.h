/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading mvmm.ko from a test, with the raw syscalls (no
 * insmod/rmmod binaries needed, static-link friendly).
 */
#ifndef MVMM_SELFTEST_KMOD_H
#define MVMM_SELFTEST_KMOD_H

#include <stdbool.h>

/* Where the rig puts the module; $MVMM_KO overrides it. */
#define MVMM_KO_DEFAULT	"/mvmm/mvmm.ko"

/* The module file to load: $MVMM_KO or MVMM_KO_DEFAULT. */
const char *mvmm_kmod_path(void);

/* Whether mvmm is listed in /proc/modules. */
bool mvmm_kmod_loaded(void);

/* finit_module(@path); 0, -EEXIST if already loaded, or -errno. */
int mvmm_kmod_load(const char *path);

/* delete_module("mvmm"); 0, -ENOENT if not loaded, or -errno. */
int mvmm_kmod_unload(void);

#endif /* MVMM_SELFTEST_KMOD_H */

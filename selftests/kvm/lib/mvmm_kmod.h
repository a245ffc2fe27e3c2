/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading mvmm.ko from a test, with the raw syscalls (no
 * insmod/rmmod binaries needed, static-link friendly).
 */
#ifndef MVMM_SELFTEST_KMOD_H
#define MVMM_SELFTEST_KMOD_H

#include <stdbool.h>
#include <stddef.h>

/* Where the rig puts the module; $MVMM_KO overrides it. */
#define MVMM_KO_DEFAULT	"/mvmm/mvmm.ko"

/* The module file to load: $MVMM_KO or MVMM_KO_DEFAULT. */
const char *mvmm_kmod_path(void);

/* Whether mvmm is listed in /proc/modules. */
bool mvmm_kmod_loaded(void);
/* Whether module @mod (e.g. "mvmm_testsec") is. */
bool mvmm_kmod_is_loaded(const char *mod);

/*
 * The file of module @mod (e.g. "mvmm_testsec"): the rig installs the
 * test secondaries beside mvmm.ko. @buf, or what did not fit of it.
 */
const char *mvmm_kmod_path_of(const char *mod, char *buf, size_t len);

/* finit_module(@path); 0, -EEXIST if already loaded, or -errno. */
int mvmm_kmod_load(const char *path);
/* The same with module parameters @args ("name=value ..."). */
int mvmm_kmod_load_args(const char *path, const char *args);

/* delete_module("mvmm"); 0, -ENOENT if not loaded, or -errno. */
int mvmm_kmod_unload(void);

/*
 * delete_module(@mod) as rmmod does it, tried again for 5 s while the
 * module is busy (a VM closing, a secondary detaching). 0 or -errno.
 */
int mvmm_kmod_unload_mod(const char *mod);

/*
 * Read the whole of a module's sysfs or debugfs file @path into @buf (NUL
 * terminated, cut at @len - 1 bytes); false if it cannot be opened.
 */
bool mvmm_kmod_read_file(const char *path, char *buf, size_t len);

#endif /* MVMM_SELFTEST_KMOD_H */

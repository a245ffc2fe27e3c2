// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm.ko load/unload for tests and benchmarks (see mvmm_kmod.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "mvmm_kmod.h"

const char *mvmm_kmod_path(void)
{
	const char *p = getenv("MVMM_KO");

	return p && *p ? p : MVMM_KO_DEFAULT;
}

bool mvmm_kmod_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "mvmm ", 5);
	fclose(f);
	return found;
}

int mvmm_kmod_load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int mvmm_kmod_unload(void)
{
	/*
	 * No O_TRUNC/forcing: the module must be unloadable the normal way.
	 * O_NONBLOCK fails with EWOULDBLOCK rather than waiting forever if
	 * something still holds it.
	 */
	if (syscall(SYS_delete_module, "mvmm", O_NONBLOCK))
		return -errno;
	return 0;
}

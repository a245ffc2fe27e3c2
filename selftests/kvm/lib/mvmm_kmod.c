// SPDX-License-Identifier: GPL-2.0
/*
 * mvmm.ko load/unload for tests and benchmarks (see mvmm_kmod.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

bool mvmm_kmod_is_loaded(const char *mod)
{
	size_t len = strlen(mod);
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, mod, len) && line[len] == ' ';
	fclose(f);
	return found;
}

bool mvmm_kmod_loaded(void)
{
	return mvmm_kmod_is_loaded("mvmm");
}

const char *mvmm_kmod_path_of(const char *mod, char *buf, size_t len)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s", mvmm_kmod_path());
	snprintf(buf, len, "%s/%s.ko", dirname(dir), mod);
	return buf;
}

int mvmm_kmod_load_args(const char *path, const char *args)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, args, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int mvmm_kmod_load(const char *path)
{
	return mvmm_kmod_load_args(path, "");
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

int mvmm_kmod_unload_mod(const char *mod)
{
	int ret = 0, tries;

	for (tries = 0; tries < 100; tries++) {
		ret = syscall(SYS_delete_module, mod, O_NONBLOCK) ? -errno : 0;
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		usleep(50000);
	}
	return ret;
}

bool mvmm_kmod_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return true;
}

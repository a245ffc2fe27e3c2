/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The number of this process's open fds, for libmvmm's host tests: an
 * attach that fails, or a detach, must leave it as it was.
 */
#ifndef MVMM_TEST_FDS_H
#define MVMM_TEST_FDS_H

#include <dirent.h>

/* Entries of /proc/self/fd (with "." and ".."): -1 if unreadable. */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif /* MVMM_TEST_FDS_H */

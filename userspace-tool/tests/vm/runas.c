// SPDX-License-Identifier: GPL-2.0
/*
 * runas: run a command as an unprivileged user, for the permission tests
 * in the rig (its busybox has no users to "su" to).
 *
 * Usage: runas UID COMMAND [ARG...]   (gid and uid both become UID)
 */
#include <err.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t id;

	if (argc < 3)
		errx(2, "usage: %s UID COMMAND [ARG...]", argv[0]);
	id = (uid_t)strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) || setgid(id) || setuid(id))
		err(2, "cannot become uid %u", (unsigned int)id);
	if (!setuid(0))
		errx(2, "still able to become root");
	execvp(argv[2], argv + 2);
	err(127, "%s", argv[2]);
}

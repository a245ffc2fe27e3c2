// SPDX-License-Identifier: GPL-2.0
/*
 * Runs a fuzz target on files, without libFuzzer: `policy_replay DIR|FILE
 * ...` feeds every file (a directory's files in name order) to
 * LLVMFuzzerTestOneInput() once. A finding aborts, as under libFuzzer; so
 * the committed corpus is a deterministic regression test that needs only
 * gcc.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return -1;
			}
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	struct dirent **names;
	unsigned int count = 0;
	char path[4096];
	struct stat st;
	int i, k, n;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			count++;
			continue;
		}
		n = scandir(argv[i], &names, NULL, by_name);
		if (n < 0) {
			perror(argv[i]);
			return 1;
		}
		for (k = 0; k < n; k++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 names[k]->d_name);
			if (!stat(path, &st) && S_ISREG(st.st_mode)) {
				if (run_file(path))
					return 1;
				count++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %u inputs, no finding\n", count);
	return count ? 0 : 1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Runs "mvmmctl -j events" (the one JSON command that needs no module) and
 * checks the parsed document against the uapi header and the name table,
 * and that -p prints the same document.
 *
 * Usage: test_json PATH-TO-MVMMCTL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include <linux/mvmm.h>

#include "classify.h"
#include "tap.h"

static struct json_object *run_json(const char *tool, const char *opts, int *status)
{
	char cmd[512], *buf = NULL;
	size_t len = 0, n;
	struct json_object *obj;
	char chunk[4096];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s events", tool, opts);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		if (!buf)
			exit(2);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	*status = pclose(f);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	obj = json_tokener_parse(buf);
	free(buf);
	return obj;
}

static int has_qual(struct json_object *e, const char *want)
{
	struct json_object *q;
	size_t i;

	if (!json_object_object_get_ex(e, "qualifiers", &q) ||
	    !json_object_is_type(q, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(q); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(q, i)), want))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct json_object *doc, *pretty, *e, *v;
	int status = -1, pstatus = -1, good = 1;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MVMMCTL\n", argv[0]);
		return 2;
	}

	doc = run_json(argv[1], "-j", &status);
	CHECK(status == 0, "mvmmctl -j events exits 0");
	CHECK(doc && json_object_is_type(doc, json_type_array),
	      "mvmmctl -j events prints a JSON array");
	if (!doc || !json_object_is_type(doc, json_type_array))
		return tap_done();

	CHECK(json_object_array_length(doc) == __MVMM_EV_MAX,
	      "one entry per event type of the uapi header");
	for (i = 0; i < json_object_array_length(doc); i++) {
		e = json_object_array_get_idx(doc, i);
		if (!json_object_object_get_ex(e, "type", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) != (int64_t)i ||
		    !json_object_object_get_ex(e, "name", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), mvmm_event_name(i) ?: "") ||
		    !json_object_object_get_ex(e, "qualifiers", &v) ||
		    !json_object_is_type(v, json_type_array)) {
			printf("# bad entry %zu: %s\n", i, json_object_to_json_string(e));
			good = 0;
		}
	}
	CHECK(good, "every entry has its type number, name and a qualifier list");

	e = json_object_array_get_idx(doc, MVMM_EV_IO);
	CHECK(e && has_qual(e, "port") && has_qual(e, "size") && has_qual(e, "write"),
	      "io carries port, size and write");
	e = json_object_array_get_idx(doc, MVMM_EV_CPUID);
	CHECK(e && has_qual(e, "leaf") && has_qual(e, "subleaf"), "cpuid carries leaf, subleaf");
	e = json_object_array_get_idx(doc, MVMM_EV_HLT);
	CHECK(e && json_object_object_get_ex(e, "qualifiers", &v) &&
	      json_object_array_length(v) == 0, "hlt carries no qualifier");

	pretty = run_json(argv[1], "-p", &pstatus);
	CHECK(pstatus == 0 && pretty && json_object_equal(doc, pretty),
	      "-p prints the same document as -j");

	json_object_put(doc);
	json_object_put(pretty);
	return tap_done();
}

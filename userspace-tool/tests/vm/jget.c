// SPDX-License-Identifier: GPL-2.0
/*
 * jget: parse a JSON document (json-c) and print one value, so that the
 * rig's shell tests check parsed JSON rather than grep it.
 *
 * Usage: jget FILE PATH     (FILE "-": standard input)
 *
 * PATH is "." (the document) or dot-separated keys and array indexes
 * ("0.type"); a trailing "#" prints an array's length or an object's
 * number of keys ("#", "0#"). Strings print bare, other values as JSON.
 * Exit 1 if FILE is not JSON or PATH does not exist.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

int main(int argc, char **argv)
{
	struct json_object *doc, *cur, *next;
	char *path, *word, *save;
	size_t len;
	bool count;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE PATH\n", argv[0]);
		return 2;
	}
	/* The rig's guest has no /dev/stdin. */
	if (!strcmp(argv[1], "-"))
		doc = json_object_from_fd(0);
	else
		doc = json_object_from_file(argv[1]);
	if (!doc) {
		fprintf(stderr, "jget: %s: not JSON\n", argv[1]);
		return 1;
	}
	path = strdup(argv[2]);
	if (!path)
		return 2;
	len = strlen(path);
	count = len && path[len - 1] == '#';
	if (count)
		path[len - 1] = '\0';

	cur = doc;
	for (word = strtok_r(path, ".", &save); word;
	     word = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(cur, json_type_array)) {
			char *end;
			long i = strtol(word, &end, 10);

			next = *end || i < 0 ? NULL :
			       json_object_array_get_idx(cur, i);
		} else if (!json_object_object_get_ex(cur, word, &next)) {
			next = NULL;
		}
		if (!next) {
			fprintf(stderr, "jget: no \"%s\" in %s\n", word, argv[2]);
			return 1;
		}
		cur = next;
	}

	if (count && json_object_is_type(cur, json_type_array))
		printf("%zu\n", json_object_array_length(cur));
	else if (count && json_object_is_type(cur, json_type_object))
		printf("%d\n", json_object_object_length(cur));
	else if (count)
		return 1;
	else if (json_object_is_type(cur, json_type_string))
		printf("%s\n", json_object_get_string(cur));
	else
		printf("%s\n", json_object_to_json_string_ext(cur, JSON_C_TO_STRING_PLAIN));
	return 0;
}

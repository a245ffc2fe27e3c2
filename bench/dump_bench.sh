#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dump_bench.sh [N]: how long a table of N rules (default 100,000) takes to
# dump, in the rig with mvmm.ko loaded, and what adding rules one by one
# costs. Prints the figures; checks only that every dump is complete.
#
#   - RULE_APPLY of N rules in one message (nl_dump fill);
#   - a raw GET_RULE dump of them (nl_dump count: one process, 32 KiB
#     reads, no output);
#   - "mvmmctl rule show default" and "mvmmctl -j rule show default" with
#     their output to a file;
#   - RULE_ADD one by one: 20 adds on top of 0, 10,000 and N rules (each
#     add copies and recompiles the table: O(table) per add).
#
# Run by bench/suite next to nl_dump (userspace-tool/tests/vm/nl_dump.c).
# Leaves the default table empty.

cd "$(dirname "$0")" || exit 2
PATH=$PWD:$PATH
n=${1:-100000}
fail=0

mvmmctl rule flush default || exit 2
echo "# RULE_APPLY of $n rules"
nl_dump fill "$n" || exit 2
echo "# raw dump"
nl_dump count "$n" || fail=1
echo "# mvmmctl rule show default"
nl_dump timeit mvmmctl rule show default >out.txt || fail=1
[ "$(wc -l <out.txt)" = "$n" ] || { echo "not $n lines"; fail=1; }
echo "# mvmmctl -j rule show default"
nl_dump timeit mvmmctl -j rule show default >out.json || fail=1
rm -f out.txt out.json

for base in 0 10000 "$n"; do
	nl_dump fill "$base" >/dev/null || exit 2
	echo "# RULE_ADD one by one on a table of $base rules"
	nl_dump add 20 || fail=1
done
mvmmctl rule flush default
exit $fail

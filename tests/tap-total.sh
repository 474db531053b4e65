#!/bin/bash
# tests/tap-total.sh DIR - count the TAP files DIR/*.tap: one line per file, then the total
# "N passed, N failed, N skipped" as the last line. Exits 1 on any failure, or when DIR
# holds fewer than MIN_FILES (default 1) TAP files.
set -uo pipefail
dir=$1
passed=0 failed=0 skipped=0 files=0
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	files=$((files + 1))
	p=$(grep -cE '^ok ' "$f")
	s=$(grep -ciE '^ok .*# skip' "$f")
	n=$(grep -cE '^not ok' "$f")
	printf '%-40s %4d passed %4d failed %4d skipped\n' "${f##*/}" $((p - s)) "$n" "$s"
	passed=$((passed + p - s)) failed=$((failed + n)) skipped=$((skipped + s))
done
[ "$files" -ge "${MIN_FILES:-1}" ] || failed=$((failed + 1))
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]

#!/bin/bash
# bench/run.sh - run every benchmark (bench/*.sh) inside the harness (`make bench`).
# Benchmarks report ratios against a reference tool run side by side in the same run;
# they are never part of `make check`.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/*.sh; do
	[ "${b##*/}" = run.sh ] && continue
	[ "${b##*/}" = lib.sh ] && continue
	echo "== ${b##*/}"
	"$b" || rc=1
done
exit $rc

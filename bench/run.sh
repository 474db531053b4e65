#!/bin/bash
# bench/run.sh - every benchmark in bench/ (make bench runs this inside the test harness).
# Benchmarks print measurements and ratios; they never fail a build on timing.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rc=0
for b in "$here"/*.sh; do
	[ "${b##*/}" = run.sh ] && continue
	echo "== ${b##*/}"
	bash "$b" || rc=1
done
exit $rc

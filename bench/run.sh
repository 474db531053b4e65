#!/bin/bash
# bench/run.sh [--smoke] - run every benchmark (bench/*.sh) inside the harness.
#
#   make bench                       each in full: side-by-side timings, ratios, targets
#   bench/run.sh --smoke             (make check, inside tests/run-all.sh's harness run) each
#                                    once with tiny counts (BENCH_SMOKE=1); one TAP line per
#                                    benchmark, its output as comments; no timing is checked
#
# A benchmark fails when it exits non-zero (a broken command, work not done) or prints no
# ratio; timing targets are reported, never asserted.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
rc=0 i=0
out=$(mktemp "${KUKEON_TEST_TMP:-/tmp}/bench-out.XXXXXX")
trap 'rm -f "$out"' EXIT
for b in "$here"/*.sh; do
	name=${b##*/}
	[ "$name" = run.sh ] || [ "$name" = lib.sh ] && continue
	i=$((i + 1))
	if [ $smoke = 1 ]; then
		BENCH_SMOKE=1 "$b" >"$out" 2>&1
		st=$?
		if [ $st -eq 0 ] && grep -q 'ratio' "$out"; then
			echo "ok $i - bench/$name runs (smoke)"
		else
			echo "not ok $i - bench/$name (smoke): status $st$(grep -q ratio "$out" || echo ', no ratio printed')"
			rc=1
		fi
		sed 's/^/# /' "$out"
	else
		# timings on a shared machine mean little without the load they were taken at
		echo "== $name (load average $(cut -d' ' -f1-3 /proc/loadavg))"
		"$b" 2>&1 | tee "$out"
		st=${PIPESTATUS[0]}
		if [ "$st" -ne 0 ]; then
			echo "bench: $name failed with status $st" >&2
			rc=1
		elif ! grep -q 'ratio' "$out"; then
			echo "bench: $name printed no ratio" >&2
			rc=1
		fi
		echo "   (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
	fi
done
[ $smoke = 1 ] && echo "1..$i"
exit $rc

#!/bin/bash
# tests/run-unit.sh BUILD - the C unit tests (BUILD/tests/test_*, the ASan/UBSan build),
# inside tests/harness/run.sh (several need containerd and a cgroup v2 view), each writing
# TAP into BUILD/test-results/unit-NAME.tap; ends with "N passed, N failed, N skipped".
# `make check-unit`; tests/run-all.sh runs the same inner loop inside its own harness run.
#
#   tests/run-unit.sh BUILD --inner RESULTS   (already inside the harness) just the loop
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${2:-}" = --inner ]; then
	results=$3
	cd "$top"
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		name=unit-${t##*/}
		echo "== $name"
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			timeout 300 "$t" >"$results/$name.tap" 2>"$results/$name.err"
		rc=$?
		cat "$results/$name.tap"
		if [ -s "$results/$name.err" ]; then
			sed 's/^/# stderr: /' "$results/$name.err"
		fi
		# a crash or sanitizer report without a failing test line still fails
		if [ $rc -ne 0 ] && ! grep -q '^not ok' "$results/$name.tap"; then
			echo "not ok - $name exited with status $rc" | tee -a "$results/$name.tap"
		fi
	done
	exit 0
fi

[ "${CI:-}" = true ] && export KUKEON_TEST_STRICT=1
ls "$build"/tests/test_* >/dev/null 2>&1 || {
	echo "run-unit: no unit tests in \`$build/tests\` (make check-unit builds them)" >&2
	exit 1
}
results=$build/test-results/unit
rm -rf "$results"
mkdir -p "$results"
"$top/tests/harness/run.sh" "$0" "$build" --inner "$results"
harness_rc=$?
if [ $harness_rc -ne 0 ]; then
	echo "not ok 1 - harness exited with status $harness_rc" >"$results/harness.tap"
fi
"$top/tests/tap-total.sh" "$results"

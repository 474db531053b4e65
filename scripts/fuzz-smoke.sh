#!/bin/bash
# fuzz-smoke.sh BUILD SECONDS TARGET... - run each libFuzzer target briefly on its seed corpus.
#
# The fuzzer's own chatter goes to BUILD/fuzz/<target>.log; this prints one line per
# target (never a pass/fail total, so it cannot be mistaken for the test summary). New
# inputs go to BUILD/fuzz/corpus-<target>, seeds stay untouched in tests/fuzz/corpus/.
# A crash leaves its reproducer in BUILD/fuzz/ and fails with the log's tail.
set -uo pipefail
build=$1 secs=$2
shift 2
rc=0
for t in "$@"; do
	bin=$build/fuzz/fuzz_$t log=$build/fuzz/$t.log corpus=$build/fuzz/corpus-$t
	mkdir -p "$corpus"
	"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz/crash-$t-" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
	status=$?
	runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
	if [ $status -eq 0 ]; then
		echo "fuzz-smoke: $t: ${runs:-0} inputs in ${secs}s, no finding"
	else
		echo "fuzz-smoke: $t: FINDING (exit $status), reproducer under $build/fuzz/, log $log" >&2
		tail -n 40 "$log" >&2
		rc=1
	fi
done
exit $rc

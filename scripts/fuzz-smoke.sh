#!/bin/bash
# fuzz-smoke.sh BUILD SECONDS RUNS TARGET... - run each libFuzzer target on its seed corpus.
#
# RUNS > 0 is the smoke run of make check: a fixed seed, at most RUNS inputs (and SECONDS),
# and a fresh output corpus, so it explores the same inputs on every machine and a finding
# in CI is one a developer saw before pushing (a random smoke once failed CI on a finding
# nobody could have seen). RUNS = 0 is the long run: a random seed for SECONDS, new inputs
# kept in BUILD/fuzz/corpus-<target> for the next run.
#
# The fuzzer's own chatter goes to BUILD/fuzz/<target>.log; this prints one line per
# target (never a pass/fail total, so it cannot be mistaken for the test summary). Seeds
# stay untouched in tests/fuzz/corpus/. A crash leaves its reproducer in BUILD/fuzz/ and
# fails with the log's tail.
set -uo pipefail
build=$1 secs=$2 runs=$3
shift 3
rc=0
for t in "$@"; do
	bin=$build/fuzz/fuzz_$t log=$build/fuzz/$t.log corpus=$build/fuzz/corpus-$t
	opts=(-max_total_time="$secs")
	if [ "$runs" -gt 0 ]; then
		corpus=$build/fuzz/smoke-$t
		rm -rf "$corpus"
		opts+=(-seed=1 -runs="$runs")
	fi
	mkdir -p "$corpus"
	"$bin" "${opts[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz/crash-$t-" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
	status=$?
	done_runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
	if [ $status -eq 0 ]; then
		echo "fuzz-smoke: $t: ${done_runs:-0} inputs in at most ${secs}s, no finding"
	else
		echo "fuzz-smoke: $t: FINDING (exit $status), reproducer under $build/fuzz/, log $log" >&2
		tail -n 40 "$log" >&2
		rc=1
	fi
	[ "$runs" -gt 0 ] && rm -rf "$corpus"
done
exit $rc

#!/bin/bash
# tests/run-all.sh BUILD - every test suite, inside one harness, then a total.
#
# First every single-applet configuration is built (scripts/check-configs.sh). Then unit
# tests (BUILD/tests/test_*, the ASan/UBSan build) and the bats suites (against the
# static BUILD/kukeon) run inside tests/harness/run.sh, each writing TAP into
# BUILD/test-results/. After the harness exits we check it left nothing behind, then
# count. The last line is the total: "N passed, N failed, N skipped".
# With CI=true, KUKEON_TEST_STRICT=1: a skip of something that should run is a failure.
set -uo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$build" && pwd)
results=$build/test-results

if [ "${2:-}" = --inner ]; then
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
	echo "== bats"
	bats --tap tests/bats | tee "$results/bats.tap"
	exit 0
fi

[ "${CI:-}" = true ] && export KUKEON_TEST_STRICT=1
rm -rf "$results"
mkdir -p "$results"

echo "== static checks"
{
	i=0
	for check in "scripts/check-layers.sh" "scripts/lint.sh $build"; do
		i=$((i + 1))
		if out=$("$top"/$check 2>&1); then
			echo "ok $i - ${check%% *} is clean"
		else
			echo "not ok $i - ${check%% *} found problems"
			sed 's/^/#   /' <<<"$out"
		fi
	done
	echo "1..$i"
} | tee "$results/static.tap"

# tests must not touch the host's HOME (kuke creates ~/.kuke/kuke.yaml on first use)
home_kuke_before=$([ -e "$HOME/.kuke" ] && echo yes || echo no)

echo "== configs (scripts/check-configs.sh)"
"$top/scripts/check-configs.sh" --tap "$results/configs.tap"

echo "== harness self-test"
"$top/tests/harness/selftest.sh" 2>&1 | tee "$results/harness-selftest.tap"

report=$results/harness.paths
KUKEON_TEST_REPORT=$report KUKEON_BIN=${KUKEON_BIN:-$build/kukeon} \
	"$top/tests/harness/run.sh" "$0" "$build" --inner
harness_rc=$?
{
	left=""
	while read -r path; do
		[ -e "$path" ] && left="$left $path"
	done <"$report"
	# processes: anything still running from this run's temp dir or binary
	if pgrep -f "$(head -n 1 "$report")" >/dev/null; then
		left="$left processes"
	fi
	if [ "$home_kuke_before" = no ] && [ -e "$HOME/.kuke" ]; then
		left="$left $HOME/.kuke"
	fi
	if [ -z "$left" ]; then
		echo "ok 1 - harness left no temp dir, cgroup, process or host file behind"
	else
		echo "not ok 1 - harness left behind:$left"
	fi
	if [ $harness_rc -eq 0 ]; then
		echo "ok 2 - harness ran the suites"
	else
		echo "not ok 2 - harness exited with status $harness_rc"
	fi
	echo "1..2"
} >"$results/harness.tap"
cat "$results/harness.tap"

passed=0 failed=0 skipped=0
for f in "$results"/*.tap; do
	p=$(grep -cE '^ok ' "$f" | tr -d ' ')
	s=$(grep -ciE '^ok .*# skip' "$f" | tr -d ' ')
	n=$(grep -cE '^not ok' "$f" | tr -d ' ')
	printf '%-40s %4d passed %4d failed %4d skipped\n' "${f##*/}" $((p - s)) "$n" "$s"
	passed=$((passed + p - s)) failed=$((failed + n)) skipped=$((skipped + s))
done
[ "$(ls "$results"/*.tap | wc -l)" -ge 2 ] || failed=$((failed + 1))
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]

#!/bin/bash
# tests/run-all.sh BUILD - every test suite, inside one harness, then a total.
#
# First the static checks (scripts/check-layers.sh, check-sizes.sh, lint.sh), then every
# single-applet configuration is built (scripts/check-configs.sh). Then unit
# tests (BUILD/tests/test_*, the ASan/UBSan build, via tests/run-unit.sh), the bats suites
# (against the static BUILD/kukeon) and a smoke run of every benchmark (bench/run.sh
# --smoke) run inside tests/harness/run.sh, each writing TAP into BUILD/test-results/.
# After the harness exits we check it left nothing behind, then count
# (tests/tap-total.sh). The kuke-uninstall applet also boots a machine under qemu
# (tests/rescue/qemu.sh, make test-rescue), and `make demo`'s script runs in a harness of its
# own. The last line is the total: "N passed, N failed, N skipped".
# With CI=true, KUKEON_TEST_STRICT=1: a skip of something that should run is a failure.
set -uo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$build" && pwd)
results=$build/test-results

if [ "${2:-}" = --inner ]; then
	cd "$top"
	"$top/tests/run-unit.sh" "$build" --inner "$results"
	echo "== bats"
	bats --tap tests/bats | tee "$results/bats.tap"
	# last, so nothing a benchmark leaves behind can meet the suites
	echo "== bench smoke (bench/run.sh --smoke)"
	ONESHOT_BIN=$build/bench/oneshot bench/run.sh --smoke | tee "$results/bench-smoke.tap"
	exit 0
fi

[ "${CI:-}" = true ] && export KUKEON_TEST_STRICT=1
rm -rf "$results"
mkdir -p "$results"

echo "== static checks"
{
	i=0
	for check in "scripts/check-layers.sh" "scripts/check-sizes.sh" "scripts/lint.sh $build"; do
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

echo "== rescue on a whole machine (tests/rescue/qemu.sh)"
"$top/tests/rescue/qemu.sh" "${KUKEON_BIN:-$build/kukeon}" "$build/qemu" | tee "$results/rescue-qemu.tap"

echo "== make demo (scripts/demo.sh in a harness of its own)"
{
	if KUKEON_BIN=${KUKEON_BIN:-$build/kukeon} "$top/tests/harness/run.sh" \
		"$top/scripts/demo.sh" >"$results/demo.log" 2>&1; then
		echo "ok 1 - make demo: kuke init, kukeond in its cell, a cell serving HTTP, fetched"
	else
		echo "not ok 1 - make demo failed (the end of $results/demo.log:)"
		tail -n 20 "$results/demo.log" | sed 's/^/#   /'
	fi
	echo "1..1"
} | tee "$results/demo.tap"

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

MIN_FILES=2 "$top/tests/tap-total.sh" "$results"

# bench/lib.sh - helpers shared by the benchmarks.
#
# BENCH_SMOKE=1 (bench/run.sh --smoke, inside `make check`): every benchmark runs once
# with tiny counts, still checks that it did the work, and prints its ratios, but no
# timing target is checked. Ratios from a smoke run mean nothing.

# Each benchmark has its own run path: kuke runs the controller in-process (as through the
# daemon otherwise); bench/kukeond.sh measures the daemon itself.
export KUKE_TEST_IN_PROCESS=1

# now_ns: monotonic-enough wall clock in nanoseconds
now_ns() { date +%s%N; }
# smoke: true in a smoke run
smoke() { [ "${BENCH_SMOKE:-}" = 1 ]; }

# count FULL SMOKE: the count to use for this run
count() { if smoke; then echo "$2"; else echo "$1"; fi; }

# need VAR: the harness variable VAR is set (benchmarks run under tests/harness/run.sh)
need() {
	[ -n "${!1:-}" ] || {
		echo "${0##*/}: \$$1 is not set: run under tests/harness/run.sh (make bench)" >&2
		exit 1
	}
}

# time_ns CMD...: run CMD once (output discarded), print its wall time in ns, from bash's
# own clock ($EPOCHREALTIME: a `date` fork would add a millisecond to both sides). A
# failing CMD fails, with its stderr: a benchmark of a broken command measures nothing.
time_ns() {
	local t0 t1 errf=${KUKEON_TEST_TMP:-/tmp}/bench-last.err
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>"$errf" || {
		echo "${0##*/}: failed: $*" >&2
		cat "$errf" >&2
		return 1
	}
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) * 1000))
}

# median: of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ms NS: nanoseconds as milliseconds, one decimal
ms() { awk -v x="$1" 'BEGIN { printf "%.1f", x / 1e6 }'; }

# target WHAT OK: say whether a target was met; never fails the run (timings on a shared
# machine are not assertions)
target() {
	smoke && return 0
	if [ "$2" = 1 ]; then echo "  target $1: met"; else echo "  target $1: MISSED"; fi
}

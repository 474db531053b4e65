# bench/lib.sh - helpers shared by the benchmarks.

# Each benchmark has its own run path: kuke runs the controller in-process (as through the
# daemon otherwise); bench/kukeond.sh measures the daemon itself.
export KUKE_TEST_IN_PROCESS=1

# now_ns: monotonic-enough wall clock in nanoseconds
now_ns() { date +%s%N; }

# time_ns CMD...: run CMD once (output discarded), print its wall time in ns
time_ns() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null 2>&1
	t1=$(now_ns)
	echo $((t1 - t0))
}

# median: of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

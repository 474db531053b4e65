#!/bin/bash
# bench/get-realms.sh - `kuke get realms` with 100 realms vs `ctr namespaces ls` on the same
# containerd, alternated N times in one run; medians and ratio. Targets (issue 4): kuke
# median <= 5 ms and <= 0.5x ctr's. Exits 1 when a target is missed.
#
# Needs a containerd: tests/harness/run.sh bench/get-realms.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bin=${KUKEON_BIN:-build/kukeon}
n=${N:-41}
sock=${KUKEON_CONTAINERD_SOCKET:?run under tests/harness/run.sh}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-realms

kuke() { "$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" "$@"; }

# time_us CMD...: wall time (printed in ns) from bash's own clock ($EPOCHREALTIME, no `date` forks,
# which would add a millisecond to both sides)
time_us() {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>&1
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) * 1000))
}

for i in $(seq -w 1 100); do
	kuke create realm "bench$i" >/dev/null
done
[ "$(kuke get realms | wc -l)" -eq 102 ] || { echo "bench: expected 100 realms" >&2; exit 1; }

ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_us kuke get realms)")
	theirs+=("$(time_us ctr --address "$sock" namespaces ls)")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'kuke get realms (100)  median %6.2f ms\n' "$(awk -v x="$a" 'BEGIN { print x / 1e6 }')"
printf 'ctr namespaces ls      median %6.2f ms\n' "$(awk -v x="$b" 'BEGIN { print x / 1e6 }')"
r=$(ratio "$a" "$b")
echo "ratio kuke/ctr: ${r}x (n=$n; targets <= 5 ms and <= 0.5x)"
awk -v a="$a" -v r="$r" 'BEGIN { exit !(a <= 5e6 && r <= 0.5) }'

#!/bin/bash
# bench/get-realms.sh - `kuke get realms` with 100 realms vs `ctr namespaces ls` on the same
# containerd, alternated N times in one run; medians and ratio. Targets (issue 4): kuke
# median <= 5 ms and <= 0.5x ctr's (reported, not asserted).
#
# Needs a containerd: tests/harness/run.sh bench/get-realms.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need KUKEON_CONTAINERD_SOCKET
bin=${KUKEON_BIN:-build/kukeon}
sock=$KUKEON_CONTAINERD_SOCKET
n=${N:-$(count 41 1)}
realms=${REALMS:-$(count 100 3)}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench.XXXXXX")
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-realms

kuke() { "$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" "$@"; }

cleanup() {
	for i in $(seq -w 1 "$realms"); do
		kuke delete realm "bench$i" >/dev/null 2>&1 || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

for i in $(seq -w 1 "$realms"); do
	kuke create realm "bench$i" >/dev/null
done
# the header, the default realm and ours
got=$(kuke get realms | wc -l)
[ "$got" -eq $((realms + 2)) ] || { echo "get-realms: $got lines, want $((realms + 2))" >&2; exit 1; }

ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_ns kuke get realms)")
	theirs+=("$(time_ns ctr --address "$sock" namespaces ls)")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'kuke get realms (%d)  median %6s ms\n' "$realms" "$(ms "$a")"
printf 'ctr namespaces ls      median %6s ms\n' "$(ms "$b")"
r=$(ratio "$a" "$b")
echo "ratio kuke/ctr: ${r}x (n=$n)"
target "kuke <= 5 ms" "$(awk -v a="$a" 'BEGIN { print (a <= 5e6) }')"
target "kuke/ctr <= 0.5x" "$(awk -v r="$r" 'BEGIN { print (r <= 0.5) }')"

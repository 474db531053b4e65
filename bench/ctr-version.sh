#!/bin/bash
# bench/ctr-version.sh - one containerd round trip: `kuke version --containerd` (grpc C
# core, static) vs `ctr version`, alternated N times in one run; medians and ratio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bin=${KUKEON_BIN:-build/kukeon}
n=${N:-40}
ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_ns "$bin" kuke version --containerd)")
	theirs+=("$(time_ns ctr --address "$KUKEON_CONTAINERD_SOCKET" version)")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'kuke version --containerd  median %6.2f ms\n' "$(awk -v x="$a" 'BEGIN { print x / 1e6 }')"
printf 'ctr version                median %6.2f ms\n' "$(awk -v x="$b" 'BEGIN { print x / 1e6 }')"
echo "ratio kuke/ctr: $(ratio "$a" "$b")x (n=$n)"

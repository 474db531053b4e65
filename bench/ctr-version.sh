#!/bin/bash
# bench/ctr-version.sh - one containerd round trip: `kuke version --containerd` (grpc C
# core, static) vs `ctr version`, alternated N times in one run; medians and ratio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need KUKEON_CONTAINERD_SOCKET
bin=${KUKEON_BIN:-build/kukeon}
sock=$KUKEON_CONTAINERD_SOCKET
n=${N:-$(count 40 1)}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home

# once, untimed: both really answer
[[ "$("$bin" kuke --containerd-socket "$sock" version --containerd)" == *$'\ncontainerd '* ]]
[[ "$(ctr --address "$sock" version)" == *Server:* ]]

ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_ns "$bin" kuke --containerd-socket "$sock" version --containerd)")
	theirs+=("$(time_ns ctr --address "$sock" version)")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'kuke version --containerd  median %6s ms\n' "$(ms "$a")"
printf 'ctr version                median %6s ms\n' "$(ms "$b")"
echo "ratio kuke/ctr: $(ratio "$a" "$b")x (n=$n)"

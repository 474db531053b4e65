#!/bin/bash
# bench/oneshot.sh - one container run to completion: ctr_run_oneshot() (static C driver,
# build/bench/oneshot) vs `ctr run --rm --cpu-shares 0`, both running `echo hello` in the
# harness busybox image, alternated N times in one run; medians and ratio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need KUKEON_CONTAINERD_SOCKET
need KUKEON_TEST_BUSYBOX_TAR
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
drv=${ONESHOT_BIN:-$top/build/bench/oneshot}
n=${N:-$(count 20 1)}
ns=bench-oneshot
sock=$KUKEON_CONTAINERD_SOCKET
ref=${KUKEON_TEST_BUSYBOX_REF:-docker.io/library/busybox:latest}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-oneshot.XXXXXX")
log=$tmp/oneshot.log
hctr() { ctr --address "$sock" -n "$ns" "$@"; }
cleanup() {
	hctr images rm --sync "$ref" >/dev/null 2>&1 || true
	ctr --address "$sock" namespaces rm "$ns" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$drv" ] || { echo "oneshot: $drv not built (make $drv)" >&2; exit 1; }
hctr images import "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null

# both once, untimed, and check they really print hello
"$drv" "$sock" "$ns" "$ref" warm "$log"
grep -qx hello "$log" || { echo "oneshot: driver did not print hello" >&2; exit 1; }
[ "$(hctr run --rm --cpu-shares 0 "$ref" warm-ctr echo hello)" = hello ]

ours=() theirs=()
for i in $(seq "$n"); do
	ours+=("$(time_ns "$drv" "$sock" "$ns" "$ref" "o$i" "$log")")
	theirs+=("$(time_ns hctr run --rm --cpu-shares 0 "$ref" "c$i" echo hello)")
done
left=$(hctr containers ls -q | wc -l)
[ "$left" = 0 ] || { echo "oneshot: $left containers left behind" >&2; exit 1; }
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'ctr_run_oneshot            median %7s ms\n' "$(ms "$a")"
printf 'ctr run --rm               median %7s ms\n' "$(ms "$b")"
r=$(ratio "$a" "$b")
echo "ratio oneshot/ctr: ${r}x (n=$n)"
target "oneshot/ctr <= 0.95x" "$(awk -v r="$r" 'BEGIN { print (r <= 0.95) }')"

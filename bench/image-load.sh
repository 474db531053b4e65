#!/bin/bash
# bench/image-load.sh - `kuke image load` against `ctr images import` (which also unpacks),
# side by side in one run, and the peak RSS of loading a ~200 MB image made on the fly.
# Needs the harness (KUKEON_CONTAINERD_SOCKET, KUKEON_TEST_BUSYBOX_TAR): run `make bench`.
# Targets: load <= 1.0x ctr; peak RSS < 32 MiB (reported, not asserted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need KUKEON_CONTAINERD_SOCKET
need KUKEON_TEST_BUSYBOX_TAR
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${KUKEON_BIN:-$top/build/kukeon}
sock=$KUKEON_CONTAINERD_SOCKET
tarball=$KUKEON_TEST_BUSYBOX_TAR
ref=${KUKEON_TEST_BUSYBOX_REF:-docker.io/library/busybox:latest}
rounds=${BENCH_ROUNDS:-$(count 10 1)}
layer_mb=${LAYER_MB:-$(count 50 1)}
work=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-image.XXXXXX")
export HOME=$work/home KUKEON_CGROUP_ROOT=/bench-image

kuke() { "$bin" kuke --run-path "$work/run" --containerd-socket "$sock" "$@"; }
hctr() { ctr --address "$sock" "$@"; }
cleanup() {
	drop_realms
	ctr_ns_drop "$sock" $(hctr namespaces ls -q | grep -E '^(bc[0-9]+|bigc)\.kukeon\.io$')
	rm -rf "$work"
}
trap cleanup EXIT
# has_image NAMESPACE REF: containerd has the image record
has_image() { hctr -n "$1" images ls -q | grep -qxF "$2"; }

# ---- busybox: a fresh namespace each round, so both sides store and unpack ----
ours=() theirs=()
for i in $(seq 1 "$rounds"); do
	new_realm "bk$i"
	ours+=("$(time_ns kuke image load --realm "bk$i" "$tarball")")
	theirs+=("$(time_ns hctr -n "bc$i.kukeon.io" images import "$tarball")")
	has_image "bk$i.kukeon.io" "$ref" || { echo "image-load: kuke loaded no $ref" >&2; exit 1; }
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
r=$(ratio "$a" "$b")
echo "image-load busybox (median of $rounds): kuke $(ms "$a") ms, ctr $(ms "$b") ms, ratio ${r}x"
target "kuke/ctr <= 1.00x" "$(awk -v r="$r" 'BEGIN { print (r <= 1.0) }')"

# re-import of what is already there
a=$(time_ns kuke image load --realm bk1 "$tarball")
b=$(time_ns hctr -n bc1.kukeon.io images import "$tarball")
echo "image-load busybox again: kuke $(ms "$a") ms, ctr $(ms "$b") ms, ratio $(ratio "$a" "$b")x"

# ---- a big image of random data (4 uncompressed layers), for peak RSS ----
big=example.com/bench/big:latest
layout=$work/big
big_image "$layout" "$layer_mb" "$big"
tar -C "$layout" -cf "$work/big.tar" .
rm -rf "$layout"
mb=$(($(stat -c %s "$work/big.tar") / 1048576))

new_realm big
a=$(time_ns /usr/bin/time -f '%M' -o "$work/rss.k" "$bin" kuke --run-path "$work/run" \
	--containerd-socket "$sock" image load --realm big "$work/big.tar")
b=$(time_ns /usr/bin/time -f '%M' -o "$work/rss.c" ctr --address "$sock" -n bigc.kukeon.io \
	images import "$work/big.tar")
has_image big.kukeon.io "$big" || { echo "image-load: kuke loaded no $big" >&2; exit 1; }
rk=$(tail -n 1 "$work/rss.k") rc=$(tail -n 1 "$work/rss.c")
awk -v rk="$rk" -v rc="$rc" -v mb="$mb" -v k="$a" -v c="$b" 'BEGIN {
	printf "image-load %d MB: kuke peak RSS %.1f MiB, ctr %.1f MiB; time kuke %.2f s, ctr %.2f s, ratio %.2fx\n",
		mb, rk / 1024, rc / 1024, k / 1e9, c / 1e9, k / c }'
target "kuke peak RSS < 32 MiB" "$(awk -v rk="$rk" 'BEGIN { print (rk < 32 * 1024) }')"

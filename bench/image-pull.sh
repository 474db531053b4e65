#!/bin/bash
# bench/image-pull.sh - `kuke image pull` against `ctr images pull --plain-http` (which also
# unpacks) of the same multi-layer image from the same loopback docker-registry, side by
# side in one run, each round into fresh namespaces so both download and unpack it all;
# then the peak RSS of kuke pulling the ~200 MB image.
# Needs the harness (KUKEON_CONTAINERD_SOCKET) and docker-registry + skopeo (make deps):
# run `make bench`. Targets: pull <= 0.9x ctr; peak RSS < 16 MiB (reported, not asserted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need KUKEON_CONTAINERD_SOCKET
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$top/tests/bats/helpers/registry.bash"
for t in docker-registry skopeo; do
	command -v "$t" >/dev/null || { echo "image-pull: $t missing (make deps)" >&2; exit 1; }
done
bin=${KUKEON_BIN:-$top/build/kukeon}
sock=$KUKEON_CONTAINERD_SOCKET
rounds=${BENCH_ROUNDS:-$(count 5 1)}
layer_mb=${LAYER_MB:-$(count 50 1)}
port=${BENCH_REGISTRY_PORT:-5090}
work=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-pull.XXXXXX")
export HOME=$work/home KUKEON_CGROUP_ROOT=/bench-pull

kuke() { "$bin" kuke --run-path "$work/run" --containerd-socket "$sock" "$@"; }
hctr() { ctr --address "$sock" "$@"; }
cleanup() {
	drop_realms
	ctr_ns_drop "$sock" $(hctr namespaces ls -q | grep -E '^(p[kc][0-9]+|rss[kc])\.kukeon\.io$')
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
# pulled NAMESPACE REF: containerd has REF complete and unpacked in NAMESPACE
pulled() {
	hctr -n "$1" images check | awk -v r="$2" '$1 == r && /complete/ && $NF == "true" { ok = 1 }
		END { exit !ok }' || {
		echo "image-pull: $2 is not complete and unpacked in namespace $1" >&2
		hctr -n "$1" images check >&2
		exit 1
	}
}

# ---- a registry on loopback holding a 4-layer image of random data ----
registry_start "$work/reg" "$port"
big_image "$work/big" "$layer_mb" bench/big:1
skopeo copy -q --insecure-policy --dest-tls-verify=false "oci:$work/big" \
	"docker://127.0.0.1:$port/bench/big:1" >/dev/null
rm -rf "$work/big"
ref=127.0.0.1:$port/bench/big:1
mb=$(du -sm "$work/reg/data" | cut -f1)

# ---- alternated pulls, each into a fresh namespace ----
ours=() theirs=()
for i in $(seq 1 "$rounds"); do
	new_realm "pk$i"
	ours+=("$(time_ns kuke image pull -q --realm "pk$i" "$ref")")
	theirs+=("$(time_ns hctr -n "pc$i.kukeon.io" images pull --plain-http "$ref")")
	pulled "pk$i.kukeon.io" "$ref"
	pulled "pc$i.kukeon.io" "$ref"
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
r=$(ratio "$a" "$b")
echo "image-pull ${mb} MB, 4 layers (median of $rounds): kuke $(ms "$a") ms, ctr $(ms "$b") ms, ratio ${r}x"
target "kuke/ctr <= 0.90x" "$(awk -v r="$r" 'BEGIN { print (r <= 0.9) }')"

# ---- peak RSS of one pull of the whole image ----
new_realm rssk
/usr/bin/time -f '%M' -o "$work/rss.k" "$bin" kuke --run-path "$work/run" \
	--containerd-socket "$sock" image pull -q --realm rssk "$ref" >/dev/null
/usr/bin/time -f '%M' -o "$work/rss.c" ctr --address "$sock" -n rssc.kukeon.io \
	images pull --plain-http "$ref" >/dev/null
pulled rssk.kukeon.io "$ref"
rk=$(tail -n 1 "$work/rss.k") rc=$(tail -n 1 "$work/rss.c")
awk -v rk="$rk" -v rc="$rc" -v mb="$mb" 'BEGIN {
	printf "image-pull %d MB: peak RSS kuke %.1f MiB, ctr %.1f MiB, ratio %.2fx\n",
		mb, rk / 1024, rc / 1024, rk / rc }'
target "kuke peak RSS < 16 MiB" "$(awk -v rk="$rk" 'BEGIN { print (rk < 16 * 1024) }')"

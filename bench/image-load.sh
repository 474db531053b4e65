#!/bin/bash
# bench/image-load.sh - `kuke image load` against `ctr images import` (which also unpacks),
# side by side in one run, and the peak RSS of loading a ~200 MB image made on the fly.
# Needs the harness (KUKEON_CONTAINERD_SOCKET, KUKEON_TEST_BUSYBOX_TAR): run `make bench`.
# Targets: load <= 1.0x ctr; peak RSS < 32 MiB.
set -euo pipefail
export KUKE_TEST_IN_PROCESS=1 # its own run path: the controller in-process
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${KUKEON_BIN:-$top/build/kukeon}
sock=${KUKEON_CONTAINERD_SOCKET:?run inside tests/harness/run.sh (make bench)}
tarball=${KUKEON_TEST_BUSYBOX_TAR:?run inside tests/harness/run.sh (make bench)}
rounds=${BENCH_ROUNDS:-10}
work=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---- busybox: a fresh namespace each round, so both sides store and unpack ----
: >"$work/k" && : >"$work/c"
for i in $(seq 1 "$rounds"); do
	t0=$(now)
	"$bin" kuke --containerd-socket "$sock" image load --realm "bk$i" "$tarball" >/dev/null
	t1=$(now)
	ctr --address "$sock" -n "bc$i.kukeon.io" images import "$tarball" >/dev/null
	t2=$(now)
	echo $(((t1 - t0) / 1000)) >>"$work/k"
	echo $(((t2 - t1) / 1000)) >>"$work/c"
done
k=$(median <"$work/k") c=$(median <"$work/c")
awk -v k="$k" -v c="$c" -v n="$rounds" 'BEGIN {
	printf "image-load busybox (median of %d): kuke %.1f ms, ctr %.1f ms, ratio %.2fx (target <= 1.00x)\n",
		n, k / 1000, c / 1000, k / c }'

# re-import of what is already there
t0=$(now)
"$bin" kuke --containerd-socket "$sock" image load --realm bk1 "$tarball" >/dev/null
t1=$(now)
ctr --address "$sock" -n bc1.kukeon.io images import "$tarball" >/dev/null
t2=$(now)
awk -v k=$(((t1 - t0) / 1000)) -v c=$(((t2 - t1) / 1000)) 'BEGIN {
	printf "image-load busybox again: kuke %.1f ms, ctr %.1f ms, ratio %.2fx\n", k / 1000, c / 1000, k / c }'

# ---- a ~200 MB image of random data (4 uncompressed layers), for peak RSS ----
layout=$work/big
mkdir -p "$layout/blobs/sha256"
diffs="" layers=""
for l in 1 2 3 4; do
	mkdir -p "$work/root$l"
	head -c 50M /dev/urandom >"$work/root$l/data$l"
	tar -C "$work/root$l" --owner=0 --group=0 -cf "$work/layer$l.tar" .
	d=$(sha256sum "$work/layer$l.tar" | cut -d' ' -f1)
	s=$(stat -c %s "$work/layer$l.tar")
	mv "$work/layer$l.tar" "$layout/blobs/sha256/$d"
	rm -rf "$work/root$l"
	diffs="$diffs${diffs:+,}\"sha256:$d\""
	layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$s}"
done
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$arch" "$diffs" >"$work/config"
cd_=$(sha256sum "$work/config" | cut -d' ' -f1) cs=$(stat -c %s "$work/config")
mv "$work/config" "$layout/blobs/sha256/$cd_"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd_" "$cs" "$layers" >"$work/manifest"
md=$(sha256sum "$work/manifest" | cut -d' ' -f1) ms=$(stat -c %s "$work/manifest")
mv "$work/manifest" "$layout/blobs/sha256/$md"
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"example.com/bench/big:latest"}}]}' "$md" "$ms" >"$layout/index.json"
tar -C "$layout" -cf "$work/big.tar" .
rm -rf "$layout"
mb=$(($(stat -c %s "$work/big.tar") / 1048576))

t0=$(now)
/usr/bin/time -f '%M' -o "$work/rss.k" "$bin" kuke --containerd-socket "$sock" image load --realm big "$work/big.tar" >/dev/null
t1=$(now)
/usr/bin/time -f '%M' -o "$work/rss.c" ctr --address "$sock" -n bigc.kukeon.io images import "$work/big.tar" >/dev/null
t2=$(now)
rk=$(tail -n 1 "$work/rss.k") rc=$(tail -n 1 "$work/rss.c")
awk -v rk="$rk" -v rc="$rc" -v mb="$mb" -v k=$(((t1 - t0) / 1000)) -v c=$(((t2 - t1) / 1000)) 'BEGIN {
	printf "image-load %d MB: kuke peak RSS %.1f MiB (target < 32 MiB), ctr %.1f MiB; time kuke %.2f s, ctr %.2f s, ratio %.2fx\n",
		mb, rk / 1024, rc / 1024, k / 1e6, c / 1e6, k / c }'

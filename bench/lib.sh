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

# big_image DIR LAYER_MB NAME: an OCI image layout in DIR (made) of random data, 4
# uncompressed layers of LAYER_MB MiB each, for the host's platform; its index names it
# NAME (io.containerd.image.name), so `ctr images import` and `kuke image load` of a tar
# of DIR store it as NAME
big_image() {
	local layout=$1 mb=$2 name=$3 tmp l d s diffs="" layers="" arch cd_ cs md msz
	tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-big.XXXXXX")
	mkdir -p "$layout/blobs/sha256"
	for l in 1 2 3 4; do
		mkdir -p "$tmp/root$l"
		head -c "${mb}M" /dev/urandom >"$tmp/root$l/data$l"
		tar -C "$tmp/root$l" --owner=0 --group=0 -cf "$tmp/layer$l.tar" .
		d=$(sha256sum "$tmp/layer$l.tar" | cut -d' ' -f1)
		s=$(stat -c %s "$tmp/layer$l.tar")
		mv "$tmp/layer$l.tar" "$layout/blobs/sha256/$d"
		rm -rf "$tmp/root$l"
		diffs="$diffs${diffs:+,}\"sha256:$d\""
		layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$s}"
	done
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$arch" "$diffs" >"$tmp/config"
	cd_=$(sha256sum "$tmp/config" | cut -d' ' -f1) cs=$(stat -c %s "$tmp/config")
	mv "$tmp/config" "$layout/blobs/sha256/$cd_"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd_" "$cs" "$layers" >"$tmp/manifest"
	md=$(sha256sum "$tmp/manifest" | cut -d' ' -f1) msz=$(stat -c %s "$tmp/manifest")
	mv "$tmp/manifest" "$layout/blobs/sha256/$md"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s"}}]}' "$md" "$msz" "$name" >"$layout/index.json"
	rmdir "$tmp"
}

# ctr_ns_drop SOCKET NS...: remove every image of each containerd namespace (content and
# snapshots collected with them), then the namespace; quiet, never fails (cleanup)
ctr_ns_drop() {
	local sock=$1 ns
	shift
	for ns in "$@"; do
		ctr --address "$sock" -n "$ns" images rm --sync \
			$(ctr --address "$sock" -n "$ns" images ls -q 2>/dev/null) >/dev/null 2>&1 || true
		ctr --address "$sock" namespaces rm "$ns" >/dev/null 2>&1 || true
	done
}

# new_realm NAME: create realm NAME with the script's kuke(); drop_realms (cleanup) purges
# every realm made so, quietly
bench_realms=()
new_realm() {
	kuke create realm "$1" >/dev/null
	bench_realms+=("$1")
}
drop_realms() {
	local r
	for r in "${bench_realms[@]}"; do
		kuke purge realm "$r" >/dev/null 2>&1 || true
	done
}

# cell_bench_env: what a benchmark that runs cells takes from the harness: $top, $bin (the
# binary under test), $sock (containerd's socket) and $ref (the busybox image's name)
cell_bench_env() {
	need KUKEON_CONTAINERD_SOCKET
	need KUKEON_TEST_BUSYBOX_TAR
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	bin=${KUKEON_BIN:-$top/build/kukeon}
	sock=$KUKEON_CONTAINERD_SOCKET
	ref=${KUKEON_TEST_BUSYBOX_REF:-docker.io/library/busybox:latest}
}

# cell_doc NAME R IMAGE [APP]: a Cell NAME in sp/st of realm R whose one container, `app`,
# runs IMAGE, with APP (more of its keys, each line indented 6)
cell_doc() {
	cat <<-EOF
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $1
	spec:
	  realmId: $2
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: app
	      image: $3
	${4:-}
	EOF
}

# cell_space R TMP: with the script's kuke(), realm R holding the harness busybox image,
# space sp (host-local's store under TMP/ipam, the conflist copied to TMP/conflist.copy)
# and stack st; drop_cell_space R TMP (cleanup) purges the realm and drops the bridge
cell_space() {
	kuke create realm "$1" >/dev/null
	kuke image load --realm "$1" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	kuke create space sp --realm "$1" >/dev/null
	local cl=$2/run/data/$1/sp/network.conflist
	jq --arg d "$2/ipam" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new" && mv "$cl.new" "$cl"
	cp "$cl" "$2/conflist.copy"
	kuke create stack st --realm "$1" --space sp >/dev/null
}
drop_cell_space() {
	kuke purge realm "$1" --cascade >/dev/null 2>&1 || true
	local br
	br=$(jq -r '.plugins[0].bridge' "$2/conflist.copy" 2>/dev/null) || true
	[ -n "$br" ] && ip link del "$br" 2>/dev/null || true
}

# sleep_cell_yaml NAME: a Cell NAME in sp/st of realm $R with one container `app` running
# `sleep infinity` from image $ref
sleep_cell_yaml() {
	cell_doc "$1" "$R" "$ref" '      command: sleep
      args: ["infinity"]'
}

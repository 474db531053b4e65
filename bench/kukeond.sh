#!/bin/bash
# bench/kukeond.sh - kukeond: `kuke get realms` (100 realms) through the daemon vs
# `ctr namespaces ls` on the same containerd, alternated in one run; the daemon's RSS idle
# and after many calls. Targets (issue 10): get realms median <= 2 ms and <= 0.07x ctr;
# idle RSS <= 8 MiB and <= +1 MiB after 10k calls; 20 cells (one per stack) applied at once
# through the daemon <= 0.5x the same 20 one after another. Timing targets are reported, not
# asserted; a broken command or work not done fails.
#
# Needs a containerd: tests/harness/run.sh bench/kukeond.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
unset KUKE_TEST_IN_PROCESS
bin=$(readlink -f "${KUKEON_BIN:-build/kukeon}")
need KUKEON_CONTAINERD_SOCKET
need KUKEON_TEST_BUSYBOX_TAR
n=${N:-$(count 41 3)} realms=$(count 100 3) calls=$(count 10000 200) cells=$(count 20 2)
sock=$KUKEON_CONTAINERD_SOCKET
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench.XXXXXX")
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-kukeond
export KUKEON_CNI_BIN_DIR=/usr/lib/cni KUKEON_CNI_CACHE_DIR=$tmp/cni-cache
kd_sock=$tmp/kd/kukeond.sock
"$bin" kukeond --configuration "$tmp/kukeond.yaml" serve --socket "$kd_sock" \
	--run-path "$tmp/run" --containerd-socket "$sock" --reconcile-interval 0 2>"$tmp/kd.log" &
kd=$!
trap 'kill -TERM $kd 2>/dev/null; wait $kd 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$kd_sock" ] && break; sleep 0.05; done
kuke() { "$bin" kuke --host "unix://$kd_sock" --run-path "$tmp/run" "$@"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$kd/status"; }

idle=$(rss_kib)
for i in $(seq -w 1 "$realms"); do
	kuke create realm "bench$i" >/dev/null
done
[ "$(kuke get realms | wc -l)" -eq $((realms + 2)) ] || { echo "bench: expected $realms realms" >&2; exit 1; }

ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_ns kuke get realms)")
	theirs+=("$(time_ns ctr --address "$sock" namespaces ls)")
done
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
r=$(ratio "$a" "$b")
printf 'kuke get realms (%d) through kukeond  median %6s ms\n' "$realms" "$(ms "$a")"
printf 'ctr namespaces ls                     median %6s ms\n' "$(ms "$b")"
echo "ratio kuke/ctr: ${r}x (n=$n)"
target "kuke through kukeond <= 2 ms" "$(awk -v a="$a" 'BEGIN { print (a <= 2e6) }')"
target "kuke/ctr <= 0.07x" "$(awk -v r="$r" 'BEGIN { print (r <= 0.07) }')"

# many calls on few connections (as a long-lived client does), then the RSS again
before=$(rss_kib)
python3 - "$kd_sock" "$calls" <<'PY'
import json, socket, sys
path, calls = sys.argv[1], int(sys.argv[2])
methods = ["KukeonV1.Ping", "KukeonV1.ListRealms", "KukeonV1.GetRealm", "KukeonV1.ListSpaces"]
params = [{}, {}, {"Doc": {"metadata": {"name": "bench001"}}}, {"RealmName": "bench001"}]
done = 0
while done < calls:
    s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("r")
    for i in range(min(1000, calls - done)):
        k = i % len(methods)
        s.sendall((json.dumps({"method": methods[k], "params": [params[k]], "id": i}) + "\n").encode())
        r = json.loads(f.readline())
        assert r["error"] is None, r
        done += 1
    s.close()
PY
after=$(rss_kib)
printf 'kukeond RSS: idle %.1f MiB, before the calls %.1f MiB, after %d calls %.1f MiB (+%.2f MiB)\n' \
	"$(awk -v k="$idle" 'BEGIN { print k / 1024 }')" "$(awk -v k="$before" 'BEGIN { print k / 1024 }')" \
	"$calls" "$(awk -v k="$after" 'BEGIN { print k / 1024 }')" "$(awk -v a="$after" -v b="$before" 'BEGIN { print (a - b) / 1024 }')"
target "idle RSS <= 8 MiB" "$(awk -v k="$idle" 'BEGIN { print (k <= 8192) }')"
target "RSS growth <= 1 MiB" "$(awk -v g=$((after - before)) 'BEGIN { print (g <= 1024) }')"

# cells in different stacks: a slow create must not hold up the others
kuke create realm cr >/dev/null
kuke image load --realm cr "${KUKEON_TEST_BUSYBOX_TAR:?}" >/dev/null
kuke create space sp --realm cr >/dev/null
cl=$tmp/run/data/cr/sp/network.conflist
jq --arg d "$tmp/ipam" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new" && mv "$cl.new" "$cl"
for i in $(seq "$cells"); do
	kuke create stack "st$i" --realm cr --space sp >/dev/null
	cat >"$tmp/cell$i.yaml" <<YAML
apiVersion: v1beta1
kind: Cell
metadata: {name: c$i}
spec:
  id: c$i
  realmId: cr
  spaceId: sp
  stackId: st$i
  containers:
    - {id: root, root: true, image: ${KUKEON_TEST_BUSYBOX_REF:?}, command: sleep, args: [infinity]}
YAML
done
delete_cells() {
	local i
	for i in $(seq "$cells"); do
		kuke delete cell "c$i" --realm cr --space sp --stack "st$i" >/dev/null
	done
}
t0=${EPOCHREALTIME/./}
for i in $(seq "$cells"); do kuke apply -f "$tmp/cell$i.yaml" >/dev/null; done
t1=${EPOCHREALTIME/./}
delete_cells
pids=()
t2=${EPOCHREALTIME/./}
for i in $(seq "$cells"); do
	kuke apply -f "$tmp/cell$i.yaml" >"$tmp/apply$i.out" 2>&1 &
	pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
t3=${EPOCHREALTIME/./}
if [ $fail != 0 ]; then
	cat "$tmp"/apply*.out >&2
	echo "bench: a parallel apply failed" >&2
	exit 1
fi
[ "$(kuke get cells --realm cr | grep -c Ready)" = "$cells" ] || { echo "bench: not every cell is Ready" >&2; exit 1; }
delete_cells
pr=$(ratio $((t3 - t2)) $((t1 - t0)))
printf '%d cells through kukeond: one after another %.2f s, all at once %.2f s, ratio %sx\n' \
	"$cells" "$(awk -v x=$((t1 - t0)) 'BEGIN { print x / 1e6 }')" "$(awk -v x=$((t3 - t2)) 'BEGIN { print x / 1e6 }')" "$pr"
target "parallel/sequential <= 0.5x" "$(awk -v p="$pr" 'BEGIN { print (p <= 0.5) }')"

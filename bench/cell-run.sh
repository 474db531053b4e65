#!/bin/bash
# bench/cell-run.sh - the life of a one-container busybox cell, side by side in one run:
#   kuke:  `kuke run -f cell.yaml -d` + `kuke delete cell` (cgroup, root container and task,
#          CNI ADD on the space bridge, the app container joined to the root's namespaces,
#          metadata; then all of it undone)
#   ctr:   the same two tasks by hand: `ctr run -d` of a root `sleep infinity`, `ctr run -d`
#          of the app joined to the root's network namespace, then kill + delete of both
#          (no cgroup tree, no CNI, no metadata)
# alternated N times; medians and ratio (target <= 0.8x); the CPU both take. The processes
# one `kuke run -d` spawns (target: the CNI plugins only; no iptables). Then 50 cells
# created then deleted with kuke: time per cell each way (target <= 120 ms) and the largest
# peak RSS of one kuke process.
#
# Needs the harness: tests/harness/run.sh bench/cell-run.sh (make bench).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cell_bench_env
tarball=$KUKEON_TEST_BUSYBOX_TAR
n=${N:-$(count 15 1)}
parts=$(count 5 1)
many=${CELLS:-$(count 50 2)}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-cell.XXXXXX")
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-cell
export KUKEON_CNI_BIN_DIR=${KUKEON_CNI_BIN_DIR:-/usr/lib/cni}
export KUKEON_CNI_CACHE_DIR=$tmp/cni-cache
R=benchc NS=benchc.kukeon.io CNS=bench-ctr

kuke() { "$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" "$@"; }
hctr() { ctr --address "$sock" "$@"; }

cleanup() {
	drop_cell_space "$R" "$tmp"
	hctr -n "$CNS" images rm --sync "$ref" >/dev/null 2>&1 || true
	hctr namespaces rm "$CNS" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

cell_space "$R" "$tmp"
hctr -n "$CNS" images import "$tarball" >/dev/null

sleep_cell_yaml c >"$tmp/cell.yaml"

ours_once() {
	kuke run -f "$tmp/cell.yaml" -d >/dev/null &&
		kuke delete cell c --realm "$R" --space sp --stack st >/dev/null
}
theirs_once() {
	local pid
	hctr -n "$CNS" run -d --cpu-shares 0 "$ref" r sleep infinity >/dev/null
	pid=$(hctr -n "$CNS" tasks ls | awk '$1 == "r" { print $2 }')
	hctr -n "$CNS" run -d --cpu-shares 0 --with-ns "network:/proc/$pid/ns/net" "$ref" a \
		sleep infinity >/dev/null
	hctr -n "$CNS" tasks kill -s SIGKILL a
	hctr -n "$CNS" tasks kill -s SIGKILL r
	hctr -n "$CNS" tasks rm -f a >/dev/null 2>&1
	hctr -n "$CNS" tasks rm -f r >/dev/null 2>&1
	hctr -n "$CNS" containers rm a r
}

# once each, untimed, and check they did the work and left nothing
ours_once
theirs_once
[ -z "$(hctr -n "$NS" containers ls -q)" ] || { echo "cell-run: kuke left containers" >&2; exit 1; }
[ -z "$(hctr -n "$CNS" containers ls -q)" ] || { echo "cell-run: ctr left containers" >&2; exit 1; }

ours=() theirs=()
for _ in $(seq "$n"); do
	ours+=("$(time_ns ours_once)")
	theirs+=("$(time_ns theirs_once)")
done
[ -z "$(hctr -n "$NS" containers ls -q)" ] || { echo "cell-run: kuke left containers" >&2; exit 1; }
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'kuke run -d + delete cell        median %7s ms\n' "$(ms "$a")"
printf 'ctr run -d x2 + kill/delete      median %7s ms\n' "$(ms "$b")"
r=$(ratio "$a" "$b")
echo "ratio kuke/ctr: ${r}x (n=$n)"
target "kuke/ctr <= 0.8x" "$(awk -v r="$r" 'BEGIN { print (r <= 0.8) }')"

# the parts of one kuke run + delete, for where the time goes
t_run=() t_del=()
for _ in $(seq "$parts"); do
	t_run+=("$(time_ns kuke run -f "$tmp/cell.yaml" -d)")
	t_del+=("$(time_ns kuke delete cell c --realm "$R" --space sp --stack st)")
done
echo "  of which: kuke run -d median $(ms "$(printf '%s\n' "${t_run[@]}" | median)") ms," \
	"kuke delete cell median $(ms "$(printf '%s\n' "${t_del[@]}" | median)") ms"

# ---- CPU: everything in the harness's cgroup (containerd, shims, runc, plugins, kuke or
# ctr), the same work either way; what a loaded machine has to find time for ----
if [ -r /sys/fs/cgroup/cpu.stat ]; then
	cpu_us() { awk '$1 == "usage_usec" { print $2 }' /sys/fs/cgroup/cpu.stat; }
	c_ours=() c_theirs=()
	for _ in $(seq "$parts"); do
		u0=$(cpu_us)
		ours_once
		u1=$(cpu_us)
		theirs_once
		u2=$(cpu_us)
		c_ours+=($((u1 - u0))) c_theirs+=($((u2 - u1)))
	done
	a=$(printf '%s\n' "${c_ours[@]}" | median)
	b=$(printf '%s\n' "${c_theirs[@]}" | median)
	echo "CPU per run + delete (harness cgroup): kuke $((a / 1000)) ms, ctr $((b / 1000)) ms, ratio $(ratio "$a" "$b")x"
fi

# ---- the processes one kuke run -d spawns ----
if command -v strace >/dev/null; then
	strace -f -qq -e trace=execve -e signal=none -o "$tmp/exec" "$bin" kuke --run-path "$tmp/run" \
		--containerd-socket "$sock" run -f "$tmp/cell.yaml" -d >/dev/null
	kuke delete cell c --realm "$R" --space sp --stack st >/dev/null
	names=$(grep -o 'execve("[^"]*"' "$tmp/exec" | tail -n +2 | sed -e 's/.*\///' -e 's/"$//' |
		sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')
	echo "processes spawned by one kuke run -d: $(($(grep -c 'execve(' "$tmp/exec") - 1)) (${names:-none}; target: the CNI plugins only)"
fi

# ---- many cells: create all, then delete all; peak RSS of the largest kuke process ----
: >"$tmp/rss"
t0=${EPOCHREALTIME/./}
for i in $(seq "$many"); do
	sleep_cell_yaml "m$i" >"$tmp/m.yaml"
	/usr/bin/time -a -o "$tmp/rss" -f %M "$bin" kuke --run-path "$tmp/run" \
		--containerd-socket "$sock" run -f "$tmp/m.yaml" -d >/dev/null
done
t1=${EPOCHREALTIME/./}
running=$(hctr -n "$NS" tasks ls | awk 'NR > 1 && $3 == "RUNNING"' | wc -l)
for i in $(seq "$many"); do
	/usr/bin/time -a -o "$tmp/rss" -f %M "$bin" kuke --run-path "$tmp/run" \
		--containerd-socket "$sock" delete cell "m$i" --realm "$R" --space sp --stack st >/dev/null
done
t2=${EPOCHREALTIME/./}
left=$(hctr -n "$NS" containers ls -q | wc -l)
[ "$running" -eq $((2 * many)) ] || { echo "cell-run: $running tasks running, want $((2 * many))" >&2; exit 1; }
[ "$left" -eq 0 ] || { echo "cell-run: $left containers left" >&2; exit 1; }
peak=$(sort -n "$tmp/rss" | tail -n 1)
awk -v n="$many" -v c=$((t1 - t0)) -v d=$((t2 - t1)) -v p="$peak" 'BEGIN {
	printf "%d cells: create %.2f s (%.0f ms/cell), delete %.2f s (%.0f ms/cell), total %.2f s (target <= 120 ms/cell each way); kuke peak RSS %.1f MiB\n",
		n, c / 1e6, c / 1e3 / n, d / 1e6, d / 1e3 / n, (c + d) / 1e6, p / 1024 }'

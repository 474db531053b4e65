#!/bin/bash
# bench/journal.sh - what the create/delete journal (common/controller/journal.h) costs a
# clean cell's life: the journal's own work for one create and one delete (the driver
# build/bench/journal: begin, every step, end, on the run path's file system; median of
# N) against the median `kuke run -d` + `kuke delete cell` of a one-container cell in the
# same run; ratio (target <= 0.03).
#
# Needs the harness: tests/harness/run.sh bench/journal.sh (make bench).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${KUKEON_BIN:-$top/build/kukeon}
drv=${JOURNAL_BIN:-$top/build/bench/journal}
need KUKEON_CONTAINERD_SOCKET
need KUKEON_TEST_BUSYBOX_TAR
sock=$KUKEON_CONTAINERD_SOCKET
ref=${KUKEON_TEST_BUSYBOX_REF:-docker.io/library/busybox:latest}
n=${N:-$(count 9 1)}
records=$(count 200 3)
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-journal.XXXXXX")
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-journal
export KUKEON_CNI_BIN_DIR=${KUKEON_CNI_BIN_DIR:-/usr/lib/cni}
export KUKEON_CNI_CACHE_DIR=$tmp/cni-cache
unset KUKEON_TEST_FAULT
R=benchj

kuke() { "$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" "$@"; }

cleanup() {
	drop_cell_space "$R" "$tmp"
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -x "$drv" ] || { echo "journal: $drv not built (make $drv)" >&2; exit 1; }

cell_space "$R" "$tmp"
sleep_cell_yaml c >"$tmp/cell.yaml"

life() {
	kuke run -f "$tmp/cell.yaml" -d >/dev/null &&
		kuke delete cell c --realm "$R" --space sp --stack st >/dev/null
}
for _ in $(seq "$n"); do time_ns life; done >"$tmp/life"
# a clean life leaves no record behind
[ -z "$(ls "$tmp/run/.journal" 2>/dev/null)" ] || { echo "journal: records left behind" >&2; exit 1; }
life_ns=$(median <"$tmp/life")
j_ns=$("$drv" "$tmp/run" "$records")
[ -z "$(ls "$tmp/run/.journal" 2>/dev/null)" ] || { echo "journal: driver left records" >&2; exit 1; }
r=$(ratio "$j_ns" "$life_ns")
printf 'kuke run -d + delete cell    median %8s ms (%s runs)\n' "$(ms "$life_ns")" "$n"
printf 'journal of both              median %8s ms (%s records)\n' "$(awk -v x="$j_ns" 'BEGIN { printf "%.3f", x / 1e6 }')" "$records"
printf '  ratio journal/life %s\n' "$r"
target "journal <= 3% of kuke run -d + delete" "$(awk -v r="$r" 'BEGIN { print (r <= 0.03) ? 1 : 0 }')"

#!/bin/bash
# bench/attach.sh - kuketty and kuke attach, in one run on one container:
#   keystroke to echo: one key at a time through `kuke attach` (kuke -> kuketty's data socket
#   -> the PTY -> back) against `ctr task exec -t` of a cat in the same container (ctr ->
#   containerd -> the shim's PTY -> back); medians and ratio (target <= 1.0x)
#   burst: 100 MiB written by the workload while one client is attached and reads it all;
#   throughput, and kuketty's peak RSS (target <= 4 MiB)
#
# Needs the harness: tests/harness/run.sh bench/attach.sh (make bench).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cell_bench_env
keys=${N:-$(count 200 5)}
mib=${MIB:-$(count 100 1)}
tmp=$(mktemp -d "${KUKEON_TEST_TMP:-/tmp}/bench-attach.XXXXXX")
export HOME=$tmp/home KUKEON_CGROUP_ROOT=/bench-attach
export KUKEON_CNI_BIN_DIR=${KUKEON_CNI_BIN_DIR:-/usr/lib/cni}
export KUKEON_CNI_CACHE_DIR=$tmp/cni-cache
R=bencha NS=bencha.kukeon.io

kuke() { "$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" "$@"; }
hctr() { ctr --address "$sock" "$@"; }
tc() { python3 "$top/tests/bats/helpers/ttyclient.py" "$@"; }

cleanup() {
	drop_cell_space "$R" "$tmp"
	rm -rf "$tmp"
}
trap cleanup EXIT

cell_space "$R" "$tmp"

cell() { # NAME SCRIPT
	cell_doc "$1" "$R" "$ref" "      attachable: true
      command: sh
      args: [\"-c\", \"$2\"]" >"$tmp/$1.yaml"
	kuke run -d -f "$tmp/$1.yaml" >/dev/null
	local i
	for i in $(seq 100); do
		[ -S "$tmp/run/data/$R/sp/st/$1/app/tty/socket" ] && return 0
		sleep 0.1
	done
	echo "attach.sh: kuketty of $1 never listened" >&2
	return 1
}

# ---- keystroke to echo -------------------------------------------------------------------
cell echo 'exec cat'
ours=$(python3 "$top/bench/attach_rtt.py" "$keys" 'To detach' '\x1d\x1d' -- \
	"$bin" kuke --run-path "$tmp/run" --containerd-socket "$sock" attach echo \
	--realm "$R" --space sp --stack st)
theirs=$(python3 "$top/bench/attach_rtt.py" "$keys" '' '\x04' -- \
	ctr --address "$sock" -n "$NS" task exec -t --exec-id rtt sp_st_echo_app cat)
echo "keystroke to echo, median of $keys: kuke attach $(ms "$ours") ms, ctr task exec -t $(ms "$theirs") ms"
r=$(ratio "$ours" "$theirs")
echo "  ratio kuke attach / ctr task exec -t: ${r}x"
target "keystroke round trip <= 1.0x ctr task exec -t" "$(awk -v r="$r" 'BEGIN { print (r <= 1.0) }')"

# ---- burst -------------------------------------------------------------------------------
cell burst "read x; head -c $((mib * 1024 * 1024)) /dev/zero | tr '\\\\000' x; echo; echo burst-done; sleep infinity"
pid=$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_burst_app" { print $2 }')
out=$(tc "$tmp/run/data/$R/sp/st/burst/app/tty/socket" drain 'go\r' burst-done)
bytes=$(awk '/^bytes/ { print $2 }' <<<"$out")
secs=$(awk '/^bytes/ { print $4 }' <<<"$out")
[ "$bytes" -ge $((mib * 1024 * 1024)) ] || {
	echo "attach.sh: the client got $bytes bytes of $((mib * 1024 * 1024))" >&2
	exit 1
}
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
cap=$(stat -c %s "$tmp/run/data/$R/sp/st/burst/app/tty/capture")
echo "burst: $mib MiB through the capture ($cap bytes) to one client in ${secs}s ($(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }') MiB/s); kuketty peak RSS ${hwm} KiB"
echo "  ratio kuketty peak RSS / 4 MiB: $(ratio "$hwm" 4096)"
target "kuketty peak RSS <= 4 MiB" "$(awk -v h="$hwm" 'BEGIN { print (h <= 4096) }')"

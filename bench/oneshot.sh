#!/bin/bash
# bench/oneshot.sh - one container run to completion: ctr_run_oneshot() (static C driver,
# build/bench/oneshot) vs `ctr run --rm --cpu-shares 0`, both running `echo hello` in the
# harness busybox image, alternated N times in one run; medians and ratio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
drv=${ONESHOT_BIN:-build/bench/oneshot}
n=${N:-20}
ns=bench-oneshot
sock=$KUKEON_CONTAINERD_SOCKET
hctr() { ctr --address "$sock" -n "$ns" "$@"; }

[ -x "$drv" ] || { echo "oneshot: $drv not built (make $drv)" >&2; exit 1; }
hctr images import "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
ref=$KUKEON_TEST_BUSYBOX_REF
log=$KUKEON_TEST_TMP/oneshot.log

# both once, untimed, and check they really print hello
"$drv" "$sock" "$ns" "$ref" warm "$log"
grep -qx hello "$log" || { echo "oneshot: driver did not print hello" >&2; exit 1; }
hctr run --rm --cpu-shares 0 "$ref" warm-ctr echo hello | grep -qx hello

ours=() theirs=()
for i in $(seq "$n"); do
	ours+=("$(time_ns "$drv" "$sock" "$ns" "$ref" "o$i" "$log")")
	theirs+=("$(time_ns hctr run --rm --cpu-shares 0 "$ref" "c$i" echo hello)")
done
left=$(hctr containers ls -q | wc -l)
[ "$left" = 0 ] || { echo "oneshot: $left containers left behind" >&2; exit 1; }
a=$(printf '%s\n' "${ours[@]}" | median)
b=$(printf '%s\n' "${theirs[@]}" | median)
printf 'ctr_run_oneshot            median %7.2f ms\n' "$(awk -v x="$a" 'BEGIN { print x / 1e6 }')"
printf 'ctr run --rm               median %7.2f ms\n' "$(awk -v x="$b" 'BEGIN { print x / 1e6 }')"
echo "ratio oneshot/ctr: $(ratio "$a" "$b")x (n=$n, target <= 0.95x)"

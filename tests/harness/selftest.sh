#!/bin/bash
# tests/harness/selftest.sh - the harness cleans up after itself, also when the command
# fails or the harness is interrupted with a container running. Prints TAP.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
n=0 failed=0
work=$(mktemp -d /tmp/kukeon-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT

result() { # result OK|FAIL description
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# leftovers REPORT: names what a run described by REPORT left behind ("" if nothing)
leftovers() {
	local left="" path t
	t=$(head -n 1 "$1")
	while read -r path; do
		[ -e "$path" ] && left="$left $path"
	done <"$1"
	pgrep -f "$t" >/dev/null && left="$left processes"
	echo "$left"
}

# 1. a failing command: its status comes back, nothing stays
KUKEON_TEST_REPORT=$work/r1 "$here/run.sh" bash -c 'exit 3'
rc=$?
[ $rc -eq 3 ] && result OK "harness returns the command's status" ||
	result FAIL "harness returned $rc for a command that exited 3"
left=$(leftovers "$work/r1")
[ -z "$left" ] && result OK "nothing left after a failing command" ||
	result FAIL "left after a failing command:$left"

# 2. interrupted while a container runs
cat >"$work/busy.sh" <<'SH'
#!/bin/bash
set -e
c() { ctr --address "$KUKEON_CONTAINERD_SOCKET" -n selftest "$@"; }
c images import "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
c run -d --cpu-shares 0 "$KUKEON_TEST_BUSYBOX_REF" busy sleep 1000 >/dev/null
touch "$1"
sleep 1000
SH
chmod +x "$work/busy.sh"
KUKEON_TEST_REPORT=$work/r2 "$here/run.sh" "$work/busy.sh" "$work/started" &
pid=$!
for _ in $(seq 1 300); do
	[ -e "$work/started" ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
[ -e "$work/started" ] && result OK "a container runs inside the harness" ||
	result FAIL "the container did not start"
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] && result OK "an interrupted harness exits 143" ||
	result FAIL "interrupted harness exited $rc"
left=$(leftovers "$work/r2")
[ -z "$left" ] && result OK "nothing left after an interrupt with a running container" ||
	result FAIL "left after an interrupt:$left"

echo "1..$n"
[ $failed -eq 0 ]

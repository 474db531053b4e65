# tests/bats/helpers/daemon.bash - the kukeond suites (4x): a real daemon per test.
#
# daemon_setup gives the test hier_setup's run path and cgroup root, unsets
# KUKE_TEST_IN_PROCESS (so kuke dials), and names the socket. start_kukeond runs kukeond on
# it, serving that run path with the harness containerd; the test's environment
# (KUKEON_CGROUP_ROOT, CNI dirs) reaches it as it reaches kuke. kd runs kuke through the
# daemon, kp the same command in-process, rpc is the raw Go-codec client.

daemon_setup() {
	hier_setup
	unset KUKE_TEST_IN_PROCESS
	KD_DIR=$BATS_TEST_TMPDIR/kd
	KD_SOCK=$KD_DIR/kukeond.sock
	KD_LOG=$BATS_TEST_TMPDIR/kukeond.log
	KD_PID=
}

# start_kukeond [serve flags...]: waits until the socket answers a Ping
start_kukeond() {
	"$KUKEON_LINKS/kukeond" --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve --socket "$KD_SOCK" \
		--run-path "$RP" --containerd-socket "$KUKEON_CONTAINERD_SOCKET" \
		--reconcile-interval 0 "$@" </dev/null >"$KD_LOG" 2>&1 3>&- &
	KD_PID=$!
	local i
	for i in $(seq 100); do
		if [ -S "$KD_SOCK" ] && rpc call KukeonV1.Ping >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$KD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "kukeond did not come up:" >&2
	cat "$KD_LOG" >&2
	return 1
}

# stop_kukeond: SIGTERM and wait; the exit status is in $KD_RC
stop_kukeond() {
	[ -n "$KD_PID" ] || return 0
	kill -TERM "$KD_PID" 2>/dev/null
	KD_RC=0
	wait "$KD_PID" || KD_RC=$?
	KD_PID=
}

# a failed test shows the daemon's side too
daemon_teardown() {
	stop_kukeond
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -s "${KD_LOG:-}" ]; then
		echo "--- kukeond log, last 40 lines:"
		tail -n 40 "$KD_LOG"
	fi >&2
}

kd() { kuke --host "unix://$KD_SOCK" --run-path "$RP" "$@"; }
kp() { KUKE_TEST_IN_PROCESS=1 kuke --host "unix://$KD_SOCK" --run-path "$RP" "$@"; }
rpc() { python3 "$BATS_TEST_DIRNAME/helpers/jsonrpc.py" "$KD_SOCK" "$@"; }

# parity ARGS...: the same kuke command through the daemon and in-process prints the same
# bytes and exits the same
parity() {
	local out_d out_p rc_d=0 rc_p=0
	out_d=$(kd "$@" 2>&1) || rc_d=$?
	out_p=$(kp "$@" 2>&1) || rc_p=$?
	if [ "$out_d" != "$out_p" ] || [ "$rc_d" != "$rc_p" ]; then
		echo "parity broken for: kuke $*" >&2
		echo "--- daemon (exit $rc_d)" >&2
		echo "$out_d" >&2
		echo "--- in-process (exit $rc_p)" >&2
		echo "$out_p" >&2
		return 1
	fi
}

# bats file_tags=kuke
# kuke daemon start|stop|kill|restart|reset|logs on the kukeond cell that `kuke init` made:
# every round trip keeps the user's data, and init brings a reset host back.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/init

setup() {
	init_setup
	EXTRA_REALMS=keep
}
teardown() { init_teardown; }

W='(cell "kukeond" in realm "kuke-system")'

# wait until the daemon answers a Ping (10 s)
wait_ping() {
	local i
	for i in $(seq 100); do
		rpc call KukeonV1.Ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "kukeond did not answer" >&2
	return 1
}

kd_pid() { cat "$(dirname "$KD_SOCK")/kukeond.pid"; }

@test "kuke daemon: before init every verb says the host is not initialized" {
	require_containerd
	for v in start stop kill restart logs; do
		run -1 kuke daemon "$v"
		[ "$output" = 'kuke: kukeon host is not initialized: kukeond cell metadata is missing; run `kuke init` first' ]
	done
	run -2 kuke daemon stop --timeout soon
	[ "$output" = 'kuke: invalid argument "soon" for "--timeout" flag' ]
	run -2 kuke daemon start now
	[ "$output" = 'kuke: unknown command "now" for "kuke daemon start"' ]
}

# bats test_tags=containerd
@test "kuke daemon: stop, start, restart, kill, logs round trips keep user data" {
	init_ok
	run -0 kuke create realm keep
	local pid
	pid=$(kd_pid)

	run -0 kuke daemon stop
	[ "$output" = "kukeond stopped $W" ]
	[ -z "$(sys_tasks | grep RUNNING)" ]
	[ ! -e "/proc/$pid" ] || [ "$(cat /proc/"$pid"/stat | cut -d' ' -f3)" = Z ]
	run -1 kuke get realm keep
	run -0 kuke --no-daemon get realm keep
	run -0 kuke daemon stop
	[ "$output" = "kukeond is already stopped $W" ]
	run -1 kuke daemon logs
	[ "$output" = "kuke: kukeond is not running $W; run \`kuke daemon start\` to bring it up (or \`kuke status\` to inspect)" ]

	run -0 kuke daemon start
	[ "$output" = "kukeond started $W" ]
	wait_ping
	run -0 kuke get realm keep
	run -0 kuke daemon start
	[ "$output" = "kukeond is already running $W" ]

	pid=$(kd_pid)
	run -0 kuke daemon restart
	[ "$output" = "kukeond stopped $W
kukeond started $W" ]
	wait_ping
	[ "$(kd_pid)" != "$pid" ]
	run -0 kuke get realm keep

	run -0 kuke daemon kill
	[ "$output" = "kukeond force-killed $W" ]
	[ -z "$(sys_tasks | grep RUNNING)" ]
	run -0 kuke daemon kill
	[ "$output" = "kukeond is already stopped $W" ]
	run -0 kuke daemon restart
	[ "$output" = "kukeond was already stopped $W
kukeond started $W" ]
	wait_ping
	run -0 kuke daemon logs
	[[ "$output" == *'INFO "kukeond listening" socket='"$KD_SOCK"* ]]
	run -0 kuke get realm keep
}

# bats test_tags=containerd
@test "kuke daemon stop|restart --timeout: a kukeond that does not end on SIGTERM is killed when the grace period expires" {
	init_ok
	run -0 kuke create realm keep
	local pid
	pid=$(kd_pid)
	# a stopped process leaves SIGTERM pending: the runtime's own grace (5 s) would end in
	# "kukeond stopped"; the 1 s race escalates to KillCell first
	kill -STOP "$pid"
	run -0 kuke daemon stop --timeout 1s
	[ "$output" = "kukeond force-killed after 1s grace period expired $W" ]
	[ -z "$(sys_tasks | grep RUNNING)" ]
	[ ! -e "/proc/$pid" ] || [ "$(cut -d' ' -f3 /proc/"$pid"/stat)" = Z ]
	run -0 kuke daemon start
	[ "$output" = "kukeond started $W" ]
	wait_ping
	pid=$(kd_pid)
	kill -STOP "$pid"
	run -0 kuke daemon restart --timeout 1500ms
	[ "$output" = "kukeond force-killed after 1.5s grace period expired $W
kukeond started $W" ]
	wait_ping
	[ "$(kd_pid)" != "$pid" ]
	run -0 kuke get realm keep
	# a daemon that ends in time is simply stopped, whatever the timeout
	run -0 kuke daemon stop --timeout 30s
	[ "$output" = "kukeond stopped $W" ]
}

# a process in kukeond's cgroup that holds the system realm's lock, as a kukeond stopped in
# a reconcile pass does (the pass holds each realm's lock while it walks it); $HOLDER its pid
hang_holding_lock() {
	local kd cg
	kd=$(kd_pid)
	cg=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$kd/cgroup")
	rm -f "$BATS_TEST_TMPDIR/locked"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close()
time.sleep(1000)' "$RP/.locks/kuke-system.lock" "$BATS_TEST_TMPDIR/locked" 3>&- &
	HOLDER=$!
	until [ -e "$BATS_TEST_TMPDIR/locked" ]; do sleep 0.05; done
	echo "$HOLDER" >"$cg/cgroup.procs"
	kill -STOP "$kd"
}

# bats test_tags=containerd
@test "kuke daemon stop --timeout|kill: a hung kukeond that holds the system realm's lock is still killed" {
	local st
	init_ok
	hang_holding_lock
	run -0 kuke daemon stop --timeout 1s
	[ "$output" = "kukeond force-killed after 1s grace period expired $W" ]
	[ -z "$(sys_tasks | grep RUNNING)" ]
	st=0
	wait "$HOLDER" || st=$?
	[ "$st" = 137 ]
	run -0 kuke daemon start
	wait_ping
	hang_holding_lock
	run -0 kuke daemon kill
	[ "$output" = "kukeond force-killed $W" ]
	[ -z "$(sys_tasks | grep RUNNING)" ]
	st=0
	wait "$HOLDER" || st=$?
	[ "$st" = 137 ]
}

# bats test_tags=containerd
@test "kuke daemon reset --purge-system: the cell, its files and the system metadata go; user data stays; init brings it back" {
	init_ok
	run -0 kuke create realm keep
	run -0 kuke daemon kill
	# a daemon killed leaves its socket and PID file: reset removes them
	run -0 kuke daemon reset --purge-system
	[ "$output" = "kukeond was already stopped $W
kukeond cell deleted $W
removed $KD_SOCK
removed $(dirname "$KD_SOCK")/kukeond.pid
removed $RP/data/kuke-system
removed iptables chain KUKEON-FORWARD" ]
	[ ! -e "$RP/data/kuke-system" ]
	! iptables -S KUKEON-FORWARD 2>/dev/null
	[ -z "$(hctr -n "$SYS_NS" containers ls -q)" ]
	run -0 kuke --no-daemon get realm keep
	run -0 kuke --no-daemon get realm default
	run -1 kuke daemon start
	[[ "$output" == *"kukeon host is not initialized"* ]]
	# a reset without the system realm is done already
	run -0 kuke daemon reset
	[ "$output" = "kukeond cell already torn down $W" ]

	run -0 kuke init
	# the system space is made again (its realm's namespace may have outlived it)
	[[ "$output" == *"Creating space network 'kuke-system-kukeon'"$'\n'"Initialized Kukeon runtime"$'\n'* ]]
	[[ "$output" != *"'default"* ]]
	[[ "$output" == *'    - realm "default": already existed'* ]]
	[[ "$output" == *'    - realm "kuke-system": created'* ]]
	[ "${lines[-1]}" = "kukeond is ready (unix://$KD_SOCK)" ]
	run -0 kuke get realm keep
	iptables -S KUKEON-FORWARD | grep -q -- '-i k-+ -j ACCEPT'
}

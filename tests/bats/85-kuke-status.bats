# bats file_tags=kuke
# kuke status: containerd, kukeond (its status record), the reconcile loop, cells by state
# per realm, disk use; exit 0 only when healthy. In-process and with a real kukeond.
bats_require_minimum_version 1.5.0
load helpers/cell_suite

setup() { cell_suite_setup st; }
teardown() { cell_suite_teardown; }

# a kukeond reconciling every 200ms, and the scaffold made through it
daemon_scaffold() {
	require_containerd
	require_applet kukeond
	daemon_setup
	start_kukeond --reconcile-interval 200ms
	k() { kd "$@"; }
	cell_scaffold
}

# until the daemon's status record satisfies the jq test FILTER, up to 5 s
record_until() {
	local i
	for i in $(seq 50); do
		[ "$(jq -r "$1" "$RP/kukeond-status.json" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	return 1
}

# bats test_tags=containerd
@test "kuke status in-process: containerd, no kukeond (not needed), cells by state, disk use; json" {
	require_containerd
	cell_scaffold
	app_cell up 'sleep 1000'
	app_cell down 'sleep 1000'
	k stop cell down "${SCOPE[@]}" >/dev/null
	run -0 k --no-daemon --host "unix://$BATS_TEST_TMPDIR/none.sock" status
	echo "$output"
	[[ "${lines[0]}" == "containerd:  reachable, version "* ]]
	[[ "$output" == *"kukeond:     not running (dial kukeond at $BATS_TEST_TMPDIR/none.sock"*"; kuke runs the controller in-process"* ]]
	[[ "$output" == *"reconcile:   -"* ]]
	[[ "$output" =~ $'\n'"$R "\ +2\ +1\ +0\ +1\ +0\ +0\ +0 ]]
	[[ "$output" == *"disk:        run path $RP: "*B* ]]
	[[ "$output" == *"content store /"*B* ]]
	[[ "${lines[-1]}" == "health:      ok" ]]
	run -0 k --no-daemon --host "unix://$BATS_TEST_TMPDIR/none.sock" status -o json
	python3 -c 'import json, sys; json.loads(sys.argv[1])' "$output"
	[ "$(jq -r .healthy <<<"$output")" = true ]
	[ "$(jq -r .containerd.reachable <<<"$output")" = true ]
	[ "$(jq -r .kukeond.running <<<"$output")" = false ]
	[ "$(jq -r ".realms[] | select(.name == \"$R\") | .cells.Ready" <<<"$output")" = 1 ]
	[ "$(jq -r ".realms[] | select(.name == \"$R\") | .cells.Stopped" <<<"$output")" = 1 ]
	[ "$(jq -r '.disk.runPathBytes > 0 and .disk.contentStoreBytes > 0' <<<"$output")" = true ]
}

# bats test_tags=containerd
@test "kuke status: unhealthy without kukeond, or when containerd does not answer; bad input" {
	require_containerd
	hier_setup
	unset KUKE_TEST_IN_PROCESS
	run -1 kuke --run-path "$RP" --host "unix://$BATS_TEST_TMPDIR/none.sock" status
	[[ "$output" == *"kukeond:     not running"* ]]
	[[ "${lines[-1]}" == "kuke: unhealthy: kukeond is not running (dial kukeond at $BATS_TEST_TMPDIR/none.sock"* ]]
	run -1 kuke --no-daemon --run-path "$RP" --containerd-socket "$BATS_TEST_TMPDIR/no-containerd.sock" status -o json
	[ "$(head -n -1 <<<"$output" | jq -r .healthy)" = false ]
	[ "$(head -n -1 <<<"$output" | jq -r .containerd.reachable)" = false ]
	[[ "${lines[-1]}" == "kuke: unhealthy: containerd does not answer: "* ]]
	run -2 k status extra
	[ "$output" = 'kuke: status: accepts 0 arg(s), received 1' ]
	run -1 k status -o xml
	[ "$output" = 'kuke: invalid output format: xml (supported: yaml, json, table)' ]
}

# bats test_tags=containerd
@test "kuke status through kukeond: pid, version, uptime, socket, reconcile passes; gone after stop" {
	daemon_scaffold
	app_cell one 'sleep 1000'
	record_until '.passes >= 2'
	run -0 kd status
	echo "$output"
	[[ "$output" == *"kukeond:     running, pid $KD_PID, version "*", up "*", socket $KD_SOCK"* ]]
	[[ "$output" == *"reconcile:   last pass 20"*"0 error(s)"* ]]
	[[ "$output" =~ $'\n'"$R "\ +1\ +1\ + ]]
	[[ "${lines[-1]}" == "health:      ok" ]]
	run -0 kd status -o json
	[ "$(jq -r .kukeond.pid <<<"$output")" = "$KD_PID" ]
	[ "$(jq -r .kukeond.socket <<<"$output")" = "$KD_SOCK" ]
	[ "$(jq -r '.reconcile.passes >= 2 and .reconcile.intervalMs == 200' <<<"$output")" = true ]
	[ "$(jq -r '.reconcile.lastPass | startswith("20")' <<<"$output")" = true ]
	# in-process with the daemon up: the same record, read from the run path
	run -0 kp status -o json
	[ "$(jq -r .kukeond.running <<<"$output")" = true ]
	[ "$(jq -r .kukeond.pid <<<"$output")" = "$KD_PID" ]
	stop_kukeond
	[ ! -e "$RP/kukeond-status.json" ]
	run -1 kd status
	[[ "${lines[-1]}" == "kuke: unhealthy: kukeond is not running"* ]]
}

# bats test_tags=containerd
@test "kuke status: a reconcile pass with errors makes the host unhealthy" {
	daemon_scaffold
	app_cell bad 'sleep 1000'
	# a cell whose metadata cannot be read is an error of the walk
	local m=$RP/data/$R/sp/st/bad/metadata.json
	cp "$m" "$BATS_TEST_TMPDIR/good.json"
	echo '{not json' >"$m"
	record_until '(.lastErrors | length) >= 1'
	run -1 kd status
	echo "$output"
	[[ "$output" == *"reconcile:   last pass"*"error(s)"* ]]
	[[ "${lines[-1]}" == "kuke: unhealthy: the last reconcile pass reported "*" error(s)" ]]
	cp "$BATS_TEST_TMPDIR/good.json" "$m" # so teardown can purge the cell
}

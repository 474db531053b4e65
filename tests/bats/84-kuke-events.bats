# bats file_tags=kuke
# kuke events: containerd's task events (exit codes) and kukeon's own (cell created,
# stopped, deleted, restarted by policy, auto-deleted) as kukeon names, streaming until
# SIGINT; --since replays the event log. In-process and through kukeond.
bats_require_minimum_version 1.5.0
load helpers/cell_suite

setup() {
	cell_suite_setup ev
	EV_PID=
}

teardown() {
	[ -z "$EV_PID" ] || kill -INT "$EV_PID" 2>/dev/null || true
	cell_suite_teardown
}

# start `kuke events ARGS...` in the background into $EV_OUT (ARGS before the verb go to kuke)
events_start() {
	EV_OUT=$BATS_TEST_TMPDIR/events.out
	"$KUKEON_LINKS/kuke" --run-path "$RP" "$@" >"$EV_OUT" 2>"$EV_OUT.err" &
	EV_PID=$!
	sleep 1 # containerd registers a subscription a moment after it is made
}

# until PATTERN (grep -E) is in $EV_OUT, up to 20 s
events_wait() {
	local i
	for i in $(seq 100); do
		grep -qE "$1" "$EV_OUT" && return 0
		sleep 0.2
	done
	echo "no event matching $1 in:" >&2
	cat "$EV_OUT" "$EV_OUT.err" >&2
	return 1
}

# SIGINT ends the stream with status 0
events_stop() {
	kill -INT "$EV_PID"
	local rc=0
	wait "$EV_PID" || rc=$?
	EV_PID=
	[ "$rc" = 0 ]
}

# bats test_tags=containerd
@test "kuke events: a cell create, a container exit with its code, a stop and a delete, as kukeon names" {
	require_containerd
	cell_scaffold
	events_start events
	app_cell job 'sleep 0.5; exit 3'
	events_wait "CellCreated  $R/sp/st/job\$"
	events_wait "TaskStart  $R/sp/st/job/app\$"
	events_wait "TaskExit  $R/sp/st/job/app  exitCode=3\$"
	k stop cell job "${SCOPE[@]}" >/dev/null
	events_wait "CellStopped  $R/sp/st/job\$"
	events_wait "TaskExit  $R/sp/st/job/root  exitCode=137\$"
	k delete cell job "${SCOPE[@]}" >/dev/null
	events_wait "CellDeleted  $R/sp/st/job\$"
	events_stop
	# every line: an RFC 3339 time, a type, a name
	cat "$EV_OUT"
	run -1 grep -vE '^20[0-9-]+T[0-9:.]+Z  [A-Za-z]+  [a-z0-9./-]+(  exitCode=[0-9]+)?$' "$EV_OUT"
}

# bats test_tags=containerd
@test "kuke events: a realm with its own --namespace is named in its tasks' events, and --realm picks them" {
	require_containerd
	REALM_NS=custom-$R cell_scaffold
	events_start events --realm "$R"
	app_cell job 'sleep 0.5; exit 3'
	events_wait "TaskExit  $R/sp/st/job/app  exitCode=3\$"
	events_stop
	run -1 grep "custom-$R" "$EV_OUT"
	events_start events
	k stop cell job "${SCOPE[@]}" >/dev/null
	events_wait "TaskExit  $R/sp/st/job/root  exitCode=137\$"
	events_stop
}

# bats test_tags=containerd
@test "kuke events: a realm made after the stream began, with its own --namespace, is named" {
	require_containerd
	# the realms are read when the stream begins, from a data directory older than a second:
	# only a realm made since (the directory changed) makes them be read again
	mkdir -p "$RP/data"
	touch -d '-5 seconds' "$RP/data"
	events_start events
	REALM_NS=late-$R cell_scaffold
	app_cell job 'sleep 0.5; exit 3'
	events_wait "TaskExit  $R/sp/st/job/app  exitCode=3\$"
	events_stop
	run -1 grep "late-$R" "$EV_OUT"
}

# bats test_tags=containerd
@test "kuke events -o json and --since: the log replays, JSON lines parse, --realm filters" {
	require_containerd
	cell_scaffold
	app_cell a 'sleep 1000'
	k stop cell a "${SCOPE[@]}" >/dev/null
	events_start events --since 10m -o json --realm "$R"
	events_wait '"type":"CellStopped"'
	events_stop
	python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$EV_OUT"
	[ "$(jq -r 'select(.type == "CellCreated") | .cell' "$EV_OUT")" = a ]
	[ "$(jq -r 'select(.type == "CellStopped") | .source + " " + .realm + "/" + .space + "/" + .stack' "$EV_OUT")" = "kukeon $R/sp/st" ]
	# another realm's filter sees none of it; an RFC 3339 --since in the future replays nothing
	events_start events --since 10m --realm other
	sleep 0.5
	events_stop
	[ ! -s "$EV_OUT" ]
	events_start events --since 2999-01-01T00:00:00Z
	sleep 0.5
	events_stop
	[ ! -s "$EV_OUT" ]
}

# bats test_tags=containerd
@test "kuke events: a bad --since or -o is a one-line usage error" {
	require_containerd
	hier_setup
	run -2 k events --since yesterday
	[ "$output" = 'kuke: invalid --since `yesterday`: want a duration (10m, 1h30m) or an RFC 3339 time (2006-01-02T15:04:05Z)' ]
	run -1 k events -o xml
	[ "$output" = 'kuke: invalid output format: xml (supported: text, json)' ]
	run -2 k events extra
	[ "$output" = 'kuke: events: accepts 0 arg(s), received 1' ]
}

# bats test_tags=containerd
@test "kuke events through kukeond: restarts by policy and auto-deletes from the reconcile loop" {
	require_containerd
	require_applet kukeond
	daemon_setup
	KUKEOND_RESTART_BACKOFF=100ms start_kukeond --reconcile-interval 200ms
	k() { kd "$@"; }
	cell_scaffold
	EVD=(--host "unix://$KD_SOCK")
	events_start "${EVD[@]}" events
	app_cell flap 'sleep 0.3; exit 1' on-failure
	events_wait "TaskExit  $R/sp/st/flap/app  exitCode=1\$"
	events_wait "ContainerRestarted  $R/sp/st/flap/app\$"
	AUTO=true app_cell once 'sleep 0.3; exit 0'
	events_wait "CellAutoDeleted  $R/sp/st/once\$"
	events_stop
	grep -q "CellCreated  $R/sp/st/flap\$" "$EV_OUT"
}

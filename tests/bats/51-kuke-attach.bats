# bats file_tags=kuketty
# kuke attach on real busybox containers (in-process controller): kuketty wraps the
# attachable container's command, kuke attach talks to its socket on a real PTY
# (helpers/ptydrive.py): typing and echo, ^]^] detach with the task left running, replay
# on re-attach, two clients at once, resize, and the auto-pick rules and their messages.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/tty

setup() {
	cell_setup ta
	cell_scaffold
}

teardown() {
	cell_teardown
}

bb_cell() { tty_cell "$1" "$KUKEON_TEST_BUSYBOX_REF" "${2:-      command: sh}" "${3:-}"; }

@test "kuke attach: type into busybox sh, read the echo, detach with ^]^]; the task keeps running" {
	bb_cell c1
	run -0 attach c1 <<-'EOF2'
	expect To detach, press ^] twice
	send echo hello-$((6*7))\r
	expect hello-42
	send \x1d\x1d
	expect Detached
	EOF2
	[[ "$output" == *$'\e[96mTo detach, press ^] twice\e[0m'* ]]
	[[ "$output" == *$'\e[93m\r\nDetached\e[0m\r\n'* ]]
	[[ "$output" == *'exit=0'* ]]
	run -0 ns_tasks
	[[ "$output" == *"sp_st_c1_app RUNNING"* ]]
	# the server side: kuketty staged and mounted, the args wrapped, the config rendered
	[ -x "$RP/bin/kuketty" ]
	run -0 jq -r '.apiVersion, .kind, .spec.command, .spec.socketIO, .spec.captureFile' "$(cdir c1 app)/kuketty-metadata.json"
	[ "$output" = $'sbsh/v1beta1\nTerminal\nsh\n/run/kukeon/tty/socket\n/run/kukeon/tty/capture' ]
	[ "$(stat -c %a "$(cdir c1 app)/kuketty-metadata.json")" = 600 ]
	# no kukeon group on this host: root only, no group modes (54 has the group); the
	# socket 0600 as sbsh's runner makes it when the config sets no mode
	[ "$(stat -c '%U:%G %a' "$(cdir c1 app)" "$(cdir c1 app)/tty" "$(cdir c1 app)/tty/capture" "$(cdir c1 app)/tty/socket")" = "root:root 700
root:root 700
root:root 600
root:root 600" ]
	run -0 hctr -n "$NS" containers info sp_st_c1_app
	[ "$(jq -c '.Spec.process.args' <<<"$output")" = '["/.kukeon/bin/kuketty"]' ]
	[ "$(jq -r '.Spec.mounts[-3:] | map(.destination) | join(" ")' <<<"$output")" = "/.kukeon/bin/kuketty /run/kukeon/tty /.kukeon/kuketty/metadata.json" ]
}

@test "kuke attach: a re-attach replays the capture; kuke log prints it" {
	bb_cell c2
	run -0 attach c2 <<-'EOF2'
	expect To detach
	send echo first-$((1+1))\r
	expect first-2
	send \x1d\x1d
	expect Detached
	EOF2
	run -0 attach c2 <<-'EOF2'
	expect first-2
	send echo second-$((2+1))\r
	expect second-3
	send \x1d\x1d
	expect Detached
	EOF2
	run -0 k log c2 --realm "$R" --space sp --stack st
	[[ "$output" == *first-2*second-3* ]]
}

@test "kuke attach: two clients see the same output; stty size follows a resize" {
	bb_cell c3
	drive -- "$KUKEON_LINKS/kuke" --run-path "$RP" attach c3 --realm "$R" --space sp --stack st \
		>"$BATS_TEST_TMPDIR/second.out" <<-'EOF2' &
	expect To detach
	expect from-one-9
	send \x1d\x1d
	expect Detached
	EOF2
	local bg=$!
	sleep 1
	run -0 drive --rows 33 --cols 101 -- "$KUKEON_LINKS/kuke" --run-path "$RP" attach c3 --realm "$R" --space sp --stack st <<-'EOF2'
	expect To detach
	send stty size\r
	expect 33 101
	resize 40 120
	sleep 0.5
	send stty size\r
	expect 40 120
	send echo from-one-$((3*3))\r
	expect from-one-9
	send \x1d\x1d
	expect Detached
	EOF2
	wait "$bg"
	grep -q 'from-one-9' "$BATS_TEST_TMPDIR/second.out"
	grep -q 'exit=0' "$BATS_TEST_TMPDIR/second.out"
}

@test "kuke attach: the workload's exit ends the session (exit 0), its status reaches kuke get" {
	bb_cell c4
	run -0 attach c4 <<-'EOF2'
	expect To detach
	send exit 7\r
	EOF2
	[[ "$output" == *'exit=0'* ]]
	for i in $(seq 50); do
		[ "$(app c4 state)" = Stopped ] && break
		k get cell c4 --realm "$R" --space sp --stack st -o json >/dev/null
		sleep 0.1
	done
	run -0 k get cell c4 --realm "$R" --space sp --stack st -o json
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .exitCode' <<<"$output")" = 7 ]
}

@test "kuke attach: the terminal is restored after a detach, the workload's end and a SIGTERM of kuke; resize storms" {
	bb_cell c7
	run -0 attach c7 <<-'EOF2'
	expect To detach
	send \x1d\x1d
	expect Detached
	EOF2
	[[ "$output" == *$'tty=cooked\nexit=0'* ]]
	run -0 attach c7 <<-'EOF2'
	expect To detach
	resize 30 90
	resize 31 91
	resize 32 92
	resize 33 93
	resize 34 94
	sleep 0.5
	send stty size\r
	expect 34 94
	kill TERM
	EOF2
	[[ "$output" == *'kuke: interrupted by SIGTERM'* ]]
	[[ "$output" == *$'tty=cooked\nexit=1'* ]]
	run -0 ns_tasks
	[[ "$output" == *"sp_st_c7_app RUNNING"* ]]
	run -0 attach c7 <<-'EOF2'
	expect To detach
	send exit\r
	EOF2
	[[ "$output" == *$'tty=cooked\nexit=0'* ]]
}

@test "kuke attach: a terminal that is not Ready 2 s after the attach ends the session with upstream's error" {
	# kuketty's test knob leaves the terminal Starting: the first wait passes, the second
	# (after Attach, while the data flows) gives up after 2 s
	bb_cell c8 "      command: sh
      env: [\"KUKEON_TEST_FAULT=kuketty:setup:fail\"]"
	run -0 attach c8 <<-'EOF2'
	expect To detach
	send echo still-$((3*3))\r
	expect still-9
	EOF2
	[[ "$output" == *$'kuke: error attaching client: context done before ready: context deadline exceeded\r\n'* ]]
	[[ "$output" == *$'tty=cooked\nexit=1'* ]]
	[[ "$output" != *Detached* ]]
	# the workload is left running, and a terminal that is Ready attaches as before
	run -0 ns_tasks
	[[ "$output" == *"sp_st_c8_app RUNNING"* ]]
	bb_cell c9
	run -0 attach c9 <<-'EOF2'
	expect To detach
	sleep 2.5
	send echo after-$((4*4))\r
	expect after-16
	send \x1d\x1d
	expect Detached
	EOF2
	[[ "$output" == *'exit=0'* ]]
}

@test "kuke attach: auto-pick and attachability errors" {
	local more
	more=$(printf '    - id: other\n      image: %s\n      attachable: true\n      command: sh\n    - id: plain\n      image: %s\n      command: sleep\n      args: ["infinity"]' "$KUKEON_TEST_BUSYBOX_REF" "$KUKEON_TEST_BUSYBOX_REF")
	bb_cell c5 "      command: sh" "$more"
	run -1 k attach c5 --realm "$R" --space sp --stack st
	[ "$output" = 'kuke: multiple attachable containers in cell; specify --container (cell "c5"): candidates: app, other' ]
	run -1 k attach c5 --realm "$R" --space sp --stack st --container plain
	[ "$output" = 'kuke: container "plain" in cell "c5" is not attachable: container is not attachable; recreate with attachable=true' ]
	run -1 k attach c5 --realm "$R" --space sp --stack st --container root
	[[ "$output" == *'is not attachable'* ]]
	run -1 k attach c5 --realm "$R" --space sp --stack st --container nope
	[ "$output" = 'kuke: container "nope" not found in cell "c5"' ]
	app_cell c6 "sleep infinity"
	run -1 k attach c6 --realm "$R" --space sp --stack st
	[ "$output" = 'kuke: no attachable container in cell (cell "c6")' ]
	run -2 k attach
	[[ "$output" == *'accepts 1 arg(s), received 0'* ]]
}

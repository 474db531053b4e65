# bats file_tags=kuke
# kuke exec: a process in a running container (containerd's Tasks.Exec) on FIFOs kuke makes,
# its exit status passed through; -i passes stdin, -t puts it on a PTY (driven by
# helpers/ptydrive.py); in-process and through a real kukeond.
bats_require_minimum_version 1.5.0
load helpers/cell_suite
load helpers/tty

setup() {
	require_containerd
	cell_suite_setup tex
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	cell_scaffold
	app_cell web 'sleep infinity'
}

teardown() {
	export KUKE_TEST_IN_PROCESS=1
	cell_suite_teardown
}

x() { k exec "${SCOPE[@]}" "$@"; }
# no FIFO directory is left behind
no_fifos() { [ -z "$(ls -A "$TMPDIR")" ]; }

# test_tags=containerd
@test "kuke exec: runs id in the app container, stdout and stderr apart" {
	run -0 x web -- id
	[[ "$output" == "uid=0(root) gid=0(root)"* ]]
	run -0 --separate-stderr x web --container app -- sh -c 'echo out; echo err >&2'
	[ "$output" = out ] && [ "$stderr" = err ]
	# the process sees the container's environment and namespaces: the cell's hostname
	run -0 x web -- hostname
	[ "$output" = web ]
	no_fifos
}

# test_tags=containerd
@test "kuke exec: the exit status is the process's" {
	run -7 x web -- sh -c 'exit 7'
	[ "$output" = "" ]
	run -0 x web -- true
	run -1 x web -- false
	run -127 x web -- sh -c 'nosuchcommand 2>/dev/null'
	no_fifos
	# nothing of the execs runs on in the container: only its sleep
	run -0 hctr -n "$NS" tasks ps sp_st_web_app
	[ "${#lines[@]}" = 2 ]
}

# test_tags=containerd
@test "kuke exec -i: standard input reaches the process; without -i it has none" {
	run -0 timeout 30 bash -c "printf 'one\ntwo\n' | $KUKEON_LINKS/kuke --run-path '$RP' exec -i web --realm $R --space sp --stack st -- wc -l"
	[ "$output" = 2 ]
	run -0 timeout 30 bash -c "printf 'one\n' | $KUKEON_LINKS/kuke --run-path '$RP' exec web --realm $R --space sp --stack st -- cat"
	[ "$output" = "" ]
	# the root container, by name
	run -0 timeout 30 bash -c "echo hi | $KUKEON_LINKS/kuke --run-path '$RP' exec --container root -i web --realm $R --space sp --stack st -- cat"
	[ "$output" = hi ]
	no_fifos
}

# test_tags=containerd
@test "kuke exec -t: a terminal inside, its size, raw mode restored, the status passed" {
	run -0 drive --rows 33 --cols 101 -- "$KUKEON_LINKS/kuke" --run-path "$RP" exec -t web \
		--realm "$R" --space sp --stack st -- sh -c 'tty; test -t 0 && echo stdin-is-a-tty; stty size; exit 3' <<-'EOF'
	expect stdin-is-a-tty
	EOF
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"33 101"* ]]
	[[ "$output" == *$'tty=cooked\nexit=3' ]]
	# -it: an interactive shell; keys go in, output comes back, exit ends it
	run -0 drive -- "$KUKEON_LINKS/kuke" --run-path "$RP" exec -it web --realm "$R" \
		--space sp --stack st -- sh <<-'EOF'
	send echo $((6*7))\r
	expect 42
	send exit 5\r
	EOF
	[[ "$output" == *$'tty=cooked\nexit=5' ]]
	no_fifos
}

# test_tags=containerd
@test "kuke exec: bad input is one clear line and leaves nothing behind" {
	run -1 x nope -- id
	[ "$output" = "kuke: cell \"nope\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
	run -1 x web --container zz -- id
	[ "$output" = 'kuke: container "zz" not found in cell "web"' ]
	run -2 x web
	[ "$output" = 'kuke: exec: a command is required (kuke exec web -- CMD...)' ]
	run -2 x
	[ "$output" = 'kuke: exec: a cell is required (kuke exec CELL -- CMD...)' ]
	run -1 x -t web -- id </dev/null
	[ "$output" = 'kuke: exec: -t: standard input is not a terminal' ]
	run -1 x web -- /no/such/binary
	[[ "$output" == 'kuke: exec in container "app" of cell "web": '*'/no/such/binary'* ]]
	[ "$(echo "$output" | wc -l)" = 1 ]
	k stop cell web --realm "$R" --space sp --stack st >/dev/null
	run -1 x web -- id
	[ "$output" = 'kuke: container "app" in cell "web" is not running' ]
	no_fifos
}

# test_tags=containerd
@test "kuke exec through kukeond: id, the exit status, -i and -t" {
	require_applet kukeond
	daemon_setup
	start_kukeond
	run -0 kd exec web --realm "$R" --space sp --stack st -- id
	[[ "$output" == "uid=0(root) gid=0(root)"* ]]
	run -7 kd exec web --realm "$R" --space sp --stack st -- sh -c 'echo seven; exit 7'
	[ "$output" = seven ]
	run -0 timeout 30 bash -c "echo piped | $KUKEON_LINKS/kuke --host 'unix://$KD_SOCK' --run-path '$RP' exec -i web --realm $R --space sp --stack st -- cat"
	[ "$output" = piped ]
	run -0 drive -- "$KUKEON_LINKS/kuke" --host "unix://$KD_SOCK" --run-path "$RP" exec -t web \
		--realm "$R" --space sp --stack st -- sh -c 'test -t 0 && test -t 1 && echo both-ttys' <<-'EOF'
	expect both-ttys
	EOF
	[[ "$output" == *$'tty=cooked\nexit=0' ]]
	run -1 kd exec web --realm "$R" --space sp --stack st --container zz -- id
	[ "$output" = 'kuke: container "zz" not found in cell "web"' ]
	no_fifos
}

# test_tags=containerd
@test "kuke exec: a TMPDIR containerd cannot see is one clear error, not a hang (in-process and through kukeond)" {
	require_applet kukeond
	daemon_setup
	start_kukeond
	# kuke in a mount namespace of its own, its TMPDIR a tmpfs there: the shim cannot see it
	local priv=$BATS_TEST_TMPDIR/private
	mkdir -p "$priv"
	for via in "--no-daemon" "--host unix://$KD_SOCK"; do
		run -1 timeout 30 unshare -m sh -c "mount -t tmpfs none '$priv' && TMPDIR='$priv' \
			'$KUKEON_LINKS/kuke' $via --run-path '$RP' exec web --realm $R --space sp \
			--stack st -- id"
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "kuke: exec in container \"app\" of cell \"web\": containerd cannot open the FIFO \`$priv/kuke-exec-"*"/stdout\` kuke made (run kuke with a TMPDIR that containerd sees too): "* ]]
	done
}

# bats file_tags=kuke
# kuke log --tail N and --all-containers (a `NAME | ` prefix per line), alone and with -f, on
# containers whose output is known: shim logs and an attachable container's kuketty capture.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	require_containerd
	cell_setup tlo
	cell_scaffold
}

teardown() {
	cell_teardown
}

l() { k log --realm "$R" --space sp --stack st "$@"; }

# until_lines N CMD...: CMD prints at least N lines (10 s at most)
until_lines() {
	local n=$1 i
	shift
	for i in $(seq 100); do
		[ "$("$@" 2>/dev/null | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# cell NAME: `app` prints a1..a5, `side` prints b1..b3, then both sleep
two_cell() {
	app_cell "$1" 'echo a1; echo a2; echo a3; echo a4; echo a5; sleep infinity' '' \
		"$(sh_item side 'echo b1; echo b2; echo b3; sleep infinity')"
	until_lines 5 l "$1" --container app
	until_lines 3 l "$1" --container side
}

# test_tags=containerd
@test "kuke log --tail: the last N lines; 0 none; more than there are: all" {
	two_cell web
	run -0 l web --container app --tail 2
	[ "$output" = $'a4\na5' ]
	run -0 l web --container app --tail 0
	[ "$output" = "" ]
	run -0 l web --container app --tail 50
	[ "$output" = $'a1\na2\na3\na4\na5' ]
	run -0 l web --container app --tail -1
	[ "$output" = $'a1\na2\na3\na4\na5' ]
}

# test_tags=containerd
@test "kuke log --all-containers: each container's lines after its name, root left out" {
	two_cell web
	run -0 l web --all-containers
	[ "$output" = $'app | a1\napp | a2\napp | a3\napp | a4\napp | a5\nside | b1\nside | b2\nside | b3' ]
	run -0 l web --all-containers --tail 1
	[ "$output" = $'app | a5\nside | b3' ]
}

# test_tags=containerd
@test "kuke log -f with --tail and --all-containers: history, then new lines, until SIGTERM" {
	app_cell web 'echo old1; echo old2; sleep 2; echo new1; sleep infinity'
	until_lines 2 l web
	# the binary itself in the background, so that SIGTERM reaches it
	"$KUKEON_LINKS/kuke" --run-path "$RP" log web --realm "$R" --space sp --stack st \
		-f --tail 1 >"$BATS_TEST_TMPDIR/one" 2>&1 &
	local p1=$!
	"$KUKEON_LINKS/kuke" --run-path "$RP" log web --realm "$R" --space sp --stack st \
		-f --all-containers --tail 1 >"$BATS_TEST_TMPDIR/all" 2>&1 &
	local p2=$!
	for i in $(seq 100); do
		grep -q new1 "$BATS_TEST_TMPDIR/one" && grep -q new1 "$BATS_TEST_TMPDIR/all" && break
		sleep 0.1
	done
	kill -TERM "$p1" "$p2"
	wait "$p1"
	wait "$p2"
	[ "$(cat "$BATS_TEST_TMPDIR/one")" = $'old2\nnew1' ]
	[ "$(cat "$BATS_TEST_TMPDIR/all")" = $'app | old2\napp | new1' ]
}

# test_tags=containerd
@test "kuke log --all-containers: an attachable container's capture is prefixed line by line" {
	app_cell web 'sleep infinity' '' "$(sh_item tty 'echo t1; echo t2; sleep infinity' attachable)"
	until_lines 2 l web --container tty
	run -0 l web --all-containers
	# the capture is the terminal's bytes: lines end in \r\n
	[ "$output" = $'tty | t1\r\ntty | t2\r' ]
}

# test_tags=containerd
@test "kuke log: bad --tail, --all-containers with --container, an unknown cell" {
	two_cell web
	run -2 l web --tail x
	[ "$output" = 'kuke: log: invalid --tail `x`: want a number of lines' ]
	run -2 l web --tail ''
	[ "$output" = 'kuke: log: invalid --tail ``: want a number of lines' ]
	run -2 l web --all-containers --container app
	[ "$output" = 'kuke: log: --all-containers and --container cannot be used together' ]
	run -1 l nope --all-containers
	[ "$output" = "kuke: cell \"nope\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
}

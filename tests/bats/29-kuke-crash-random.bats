# bats file_tags=kuke
# The second net under the crash matrix (26): real SIGKILLs at random delays during an
# apply and a delete of a cell, in a bounded loop (KUKEON_TEST_KILLS rounds, default 12;
# the seed is printed, KUKEON_TEST_SEED replays it). After each kill the ordinary command
# run again converges: the apply leaves the cell Ready, the delete leaves nothing in
# containerd, the host's links, host-local's store, the CNI cache, cgroupfs, the run path or
# the journal.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup cr
}

teardown() {
	cell_teardown
}

ready() {
	[ "$(ns_tasks | grep -c '^sp_st_web_.* RUNNING$')" -eq 2 ]
	[ "$(jq -r .status.state "$RP/data/$R/sp/st/web/metadata.json")" = Ready ]
}

# run k ARGS... in the background and SIGKILL it after MS milliseconds (if still running)
killed_after() { # MS ARGS...
	local ms=$1 pid
	shift
	# the binary itself, not the k function: $! must be kuke, or the kill ends a subshell
	# and kuke runs on
	"$KUKEON_LINKS/kuke" --run-path "$RP" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# bats test_tags=containerd
@test "random kills: apply and delete killed at random delays, the command run again converges" {
	cell_scaffold
	app_cell_yaml web "sleep 1000"
	VETHS=$(veths)
	local seed=${KUKEON_TEST_SEED:-$((RANDOM * 32768 + RANDOM))} rounds=${KUKEON_TEST_KILLS:-12}
	local round ms
	echo "# seed $seed" >&3
	RANDOM=$seed
	for round in $(seq "$rounds"); do
		ms=$((RANDOM % 500))
		echo "# round $round: apply killed after $ms ms" >&3
		killed_after "$ms" apply -f "$BATS_TEST_TMPDIR/web.yaml"
		run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
		ready
		ms=$((RANDOM % 300))
		echo "# round $round: delete killed after $ms ms" >&3
		killed_after "$ms" delete cell web --realm "$R" --space sp --stack st
		run k delete cell web --realm "$R" --space sp --stack st
		# killed after it finished, there is nothing left to delete
		[ "$status" -eq 0 ] || [[ "$output" == *'cell "web" not found'* ]]
		nothing_left web
		[ -z "$(ls "$RP/.journal" 2>/dev/null)" ]
	done
}

# bats file_tags=kuke
# kuke stats: CPU from cpu.stat deltas, memory, pids, block I/O and network bytes of real
# cells, in-process and through kukeond; the live view on a real PTY.
bats_require_minimum_version 1.5.0
load helpers/cell_suite

setup() { cell_suite_setup ss; }
teardown() { cell_suite_teardown; }

# FIELD of container C of cell NAME in a `-o json` snapshot on stdin
cfield() { jq -r ".cells[] | select(.cell == \"$1\") | .containers[] | select(.name == \"$2\") | .$3"; }

# bats test_tags=containerd
@test "kuke stats: a container burning CPU shows it, an idle one does not; -o json parses" {
	require_containerd
	cell_scaffold
	app_cell burn 'while :; do :; done'
	run -0 k stats burn --realm "$R" --no-stream -o json
	python3 -c 'import json, sys; json.loads(sys.argv[1])' "$output"
	cpu=$(cfield burn app cpuPercent <<<"$output")
	idle=$(cfield burn root cpuPercent <<<"$output")
	echo "app $cpu% root $idle%"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 20 else 1)' "$cpu"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 5 else 1)' "$idle"
	[ "$(cfield burn app running <<<"$output")" = true ]
	[ "$(jq -r '.cells[0].realm + "/" + .cells[0].space + "/" + .cells[0].stack' <<<"$output")" = "$R/sp/st" ]
	# the cell's own figure holds its containers'
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 20 else 1)' \
		"$(jq -r '.cells[0].cpuPercent' <<<"$output")"
	[ "$(jq -r '.cells[0].pids' <<<"$output")" -ge 2 ]
}

# bats test_tags=containerd
@test "kuke stats: 64 MiB held by a container shows as >= 64 MiB; yaml and the table" {
	require_containerd
	cell_scaffold
	app_cell mem 'x=$(yes aaaaaaaaaaaaaaa | head -c 67108864); echo held; sleep 1000; echo ${#x}'
	local i mem=0
	for i in $(seq 60); do
		mem=$(k stats mem --realm "$R" --no-stream -o json | cfield mem app memoryBytes)
		[ "$mem" -ge 67108864 ] && break
		sleep 0.5
	done
	echo "memory: $mem"
	[ "$mem" -ge 67108864 ]
	run -0 k stats mem --realm "$R" --no-stream -o yaml
	[[ "$output" == *"cell: mem"* ]]
	run -0 k stats --realm "$R" --no-stream
	[[ "${lines[0]}" == "STACK"*"CELL"*"CONTAINER"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS"*"BLOCK I/O (R / W)"*"NET I/O (RX / TX)"* ]]
	[[ "$output" == *"$R/sp/st  mem "*" app "*MiB*" / -"* ]]
	# not a terminal: one snapshot, no escape sequences
	[[ "$output" != *$'\033'* ]]
}

# bats test_tags=containerd
@test "kuke stats: network bytes of the cell's namespace" {
	require_containerd
	cell_scaffold
	app_cell net 'sleep 1000'
	run -0 k stats net --realm "$R" --no-stream -o json
	# the CNI interface of the cell's netns has carried at least its own setup traffic or none;
	# the counters are numbers either way, and lo is not counted
	[[ "$(jq -r '.cells[0].netRxBytes' <<<"$output")" =~ ^[0-9]+$ ]]
	pid=$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_net_root" { print $2 }')
	nsenter -t "$pid" -n ping -c 3 -i 0.2 -W 1 "$(nsenter -t "$pid" -n ip -4 -o route show default | awk '{ print $3 }')" >/dev/null 2>&1 || true
	run -0 k stats net --realm "$R" --no-stream -o json
	[ "$(jq -r '.cells[0].netTxBytes' <<<"$output")" -gt 0 ]
}

# bats test_tags=containerd
@test "kuke stats: unknown cells and a bad -o are one-line errors" {
	require_containerd
	cell_scaffold
	run -1 k stats nope --realm "$R" --no-stream
	[ "$output" = 'kuke: cell `nope` not found' ]
	run -1 k stats --no-stream -o xml
	[ "$output" = 'kuke: invalid output format: xml (supported: yaml, json, table)' ]
}

# bats test_tags=containerd
@test "kuke stats: on a terminal the table is redrawn until ^C, and the cursor comes back" {
	require_containerd
	cell_scaffold
	app_cell tty 'sleep 1000'
	run -0 python3 "$BATS_TEST_DIRNAME/helpers/ptydrive.py" -- \
		"$KUKEON_LINKS/kuke" --run-path "$RP" stats tty --realm "$R" <<-'EOF2'
	expect NET I/O
	expect NET I/O
	kill INT
	EOF2
	[[ "$output" == *$'\033[?25l'* ]]
	[[ "$output" == *$'\033[H\033[2J'*$'\033[H\033[2J'* ]]
	[[ "$output" == *$'\033[?25h'* ]]
	[[ "$output" == *"tty=cooked"* ]]
	[[ "$output" == *"exit=0"* ]]
}

# bats test_tags=containerd
@test "kuke stats: through kukeond, the same cells and containers as in-process" {
	require_containerd
	require_applet kukeond
	daemon_setup
	start_kukeond
	k() { kd "$@"; }
	cell_scaffold
	app_cell dm 'while :; do :; done'
	run -0 kd stats dm --realm "$R" --no-stream -o json
	[ "$(jq -r '[.cells[].cell] | join(",")' <<<"$output")" = dm ]
	[ "$(jq -r '[.cells[0].containers[].name] | join(",")' <<<"$output")" = root,app ]
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 20 else 1)' "$(cfield dm app cpuPercent <<<"$output")"
	run -0 kp stats dm --realm "$R" --no-stream -o json
	[ "$(jq -r '[.cells[0].containers[].name] | join(",")' <<<"$output")" = root,app ]
	run -1 kd stats nope --realm "$R" --no-stream
	[ "$output" = 'kuke: cell `nope` not found' ]
}

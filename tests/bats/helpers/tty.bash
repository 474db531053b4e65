# tests/bats/helpers/tty.bash - the attach suites (5x): cells with an attachable container,
# and a real PTY to drive kuke with (helpers/ptydrive.py). Needs helpers/cell.bash.

drive() { python3 "$BATS_TEST_DIRNAME/helpers/ptydrive.py" "$@"; }
# attach ARGS...: kuke attach (in-process) on a PTY, in sp/st of $R
attach() { drive -- "$KUKEON_LINKS/kuke" --run-path "$RP" attach --realm "$R" --space sp --stack st "$@"; }
# the host dir of container C of cell CELL in sp/st of $R
cdir() { echo "$RP/data/$R/sp/st/$1/$2"; }

# wait_tty_socket CELL: until the app's kuketty listens (10 s at most)
wait_tty_socket() {
	local i
	for i in $(seq 100); do
		[ -S "$(cdir "$1" app)/tty/socket" ] && return 0
		sleep 0.1
	done
	return 1
}

# tty_cell NAME IMAGE [APP_LINES] [MORE_CONTAINERS]: cell_yaml NAME with an attachable `app`
# on IMAGE, then APP_LINES (more of app's keys, indented 6) and MORE_CONTAINERS (items
# indented 4); applied with k, its socket waited for
tty_cell() {
	cell_yaml "$1" "      image: $2
      attachable: true
${3:-}" "${4:-}"
	k apply -f "$BATS_TEST_TMPDIR/$1.yaml" >/dev/null
	wait_tty_socket "$1"
}

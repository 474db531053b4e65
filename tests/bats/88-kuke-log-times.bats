# bats file_tags=kuke
# kuke log --timestamps, --since and --since-time: the time index written beside a shim log
# (by the binary:// logger) and beside a kuketty capture (by kuketty), with --tail, -f and
# --all-containers; a log without an index (as upstream writes it); bad values. In-process
# and through kukeond.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/daemon

setup() {
	require_containerd
	cell_setup tlt
	LOGP=
}

teardown() {
	[ -z "$LOGP" ] || kill -TERM "$LOGP" 2>/dev/null || true
	cell_teardown
	daemon_teardown
}

l() { k log --realm "$R" --space sp --stack st "$@"; }

now_ns() { date +%s%N; }

# until_grep PATTERN CMD...: CMD's output has a line matching PATTERN (15 s at most)
until_grep() {
	local pat=$1 i
	shift
	for i in $(seq 150); do
		"$@" 2>/dev/null | grep -q -- "$pat" && return 0
		sleep 0.1
	done
	return 1
}

STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

# check_stamps FILE LO HI PREFIX LINE...: FILE holds exactly PREFIX<time> LINE for each LINE,
# in order, the times non-decreasing and within [LO, HI] (Unix ns)
check_stamps() {
	local file=$1 lo=$2 hi=$3 prefix=$4 prev=0 i=0 t
	shift 4
	[ "$(wc -l <"$file")" -eq $# ]
	while IFS= read -r line; do
		i=$((i + 1))
		[[ "$line" =~ ^"$prefix"($STAMP)\ (.*)$ ]]
		[ "${BASH_REMATCH[2]}" = "${!i}" ]
		t=$(date -d "${BASH_REMATCH[1]}" +%s%N)
		[ "$t" -ge "$prev" ]
		[ "$t" -ge "$lo" ]
		[ "$t" -le "$hi" ]
		prev=$t
	done <"$file"
}

# the time --timestamps gives LINE of `l ARGS...` (the first such line)
stamp_of() {
	local line=$1
	shift
	l "$@" --timestamps | sed -E -n "s/^($STAMP) $line\$/\1/p" | head -1
}

# cell web: `app` prints e1 e2, 2 s later l1 l2, then sleeps; `side` prints s1, 2 s later s2
spaced_cell() {
	cell_scaffold
	app_cell web 'echo e1; echo e2; sleep 2; echo l1; echo l2; sleep infinity' '' \
		"$(sh_item side 'echo s1; sleep 2; echo s2; sleep infinity')"
	until_grep '^l2$' l web --container app
	until_grep '^s2$' l web --container side
}

# test_tags=containerd
@test "kuke log --timestamps: each line after its time, monotonic, within the run; the log is as upstream's" {
	local lo hi
	lo=$(now_ns)
	spaced_cell
	hi=$(now_ns)
	l web --container app --timestamps >"$BATS_TEST_TMPDIR/out"
	check_stamps "$BATS_TEST_TMPDIR/out" "$lo" "$hi" '' e1 e2 l1 l2
	# the sleep between the two writes shows
	local e2 l1
	e2=$(date -d "$(stamp_of e2 web --container app)" +%s%N)
	l1=$(date -d "$(stamp_of l1 web --container app)" +%s%N)
	[ $((l1 - e2)) -ge 1500000000 ]
	# the log itself holds the output only; the times are in log.idx beside it
	[ "$(cat "$RP/data/$R/sp/st/web/app/log")" = $'e1\ne2\nl1\nl2' ]
	[ -s "$RP/data/$R/sp/st/web/app/log.idx" ]
	[ $(($(stat -c %s "$RP/data/$R/sp/st/web/app/log.idx") % 16)) -eq 0 ]
	run -0 l web --container app --timestamps --tail 1
	[[ "$output" =~ ^$STAMP\ l2$ ]]
	l web --all-containers --timestamps >"$BATS_TEST_TMPDIR/all"
	check_stamps <(grep '^app | ' "$BATS_TEST_TMPDIR/all") "$lo" "$hi" 'app | ' e1 e2 l1 l2
	check_stamps <(grep '^side | ' "$BATS_TEST_TMPDIR/all") "$lo" "$hi" 'side | ' s1 s2
	[ "$(wc -l <"$BATS_TEST_TMPDIR/all")" -eq 6 ]
}

# test_tags=containerd
@test "kuke log --since and --since-time: cut at the first line written at or after T; --tail after" {
	spaced_cell
	local e2 cut
	e2=$(date -d "$(stamp_of e2 web --container app)" +%s%N)
	# a time between the two bursts
	cut=$(date -u -d "@$(((e2 + 1000000000) / 1000000000)).$(printf %09d $(((e2 + 1000000000) % 1000000000)))" +%Y-%m-%dT%H:%M:%S.%NZ)
	run -0 l web --container app --since-time "$cut"
	[ "$output" = $'l1\nl2' ]
	run -0 l web --container app --since "$cut"
	[ "$output" = $'l1\nl2' ]
	run -0 l web --container app --since "$cut" --tail 1
	[ "$output" = 'l2' ]
	run -0 l web --container app --since "$cut" --tail 5
	[ "$output" = $'l1\nl2' ]
	run -0 l web --all-containers --since "$cut"
	[ "$output" = $'app | l1\napp | l2\nside | s2' ]
	# the exact time of a line keeps it
	run -0 l web --container app --since-time "$(stamp_of l1 web --container app)"
	[ "$output" = $'l1\nl2' ]
	run -0 l web --container app --since 1h
	[ "$output" = $'e1\ne2\nl1\nl2' ]
	run -0 l web --container app --since 2999-01-01T00:00:00Z
	[ "$output" = '' ]
}

# test_tags=containerd
@test "kuke log --since DURATION: back from now" {
	cell_scaffold
	app_cell web 'echo old; sleep 4; echo new; sleep infinity'
	until_grep '^new$' l web
	# old is at least 4 s old by now, new (just seen) far less than 3
	run -0 l web --since 3s
	[ "$output" = 'new' ]
}

# test_tags=containerd
@test "kuke log -f --timestamps --all-containers --since: history, then new lines with their times" {
	cell_scaffold
	app_cell web 'echo old; sleep 3; echo mid; sleep 2; echo new; sleep infinity'
	until_grep '^mid$' l web
	local lo hi
	lo=$(date -d "$(stamp_of mid web)" +%s%N)
	"$KUKEON_LINKS/kuke" --run-path "$RP" log web --realm "$R" --space sp --stack st \
		-f --timestamps --all-containers --since 2s >"$BATS_TEST_TMPDIR/f" 2>&1 &
	LOGP=$!
	until_grep 'new$' cat "$BATS_TEST_TMPDIR/f"
	hi=$(now_ns)
	kill -TERM "$LOGP"
	wait "$LOGP"
	LOGP=
	check_stamps "$BATS_TEST_TMPDIR/f" "$lo" "$hi" 'app | ' mid new
}

# test_tags=containerd
@test "kuke log --timestamps and --since on an attachable container's capture (kuketty's index)" {
	local lo hi
	cell_scaffold
	lo=$(now_ns)
	app_cell web 'sleep infinity' '' "$(sh_item tty 'echo t1; sleep 2; echo t2; sleep infinity' attachable)"
	until_grep '^t2' l web --container tty
	hi=$(now_ns)
	[ -s "$RP/data/$R/sp/st/web/tty/tty/capture.idx" ]
	# the capture holds the terminal's bytes: lines end in \r
	l web --container tty --timestamps | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	check_stamps "$BATS_TEST_TMPDIR/out" "$lo" "$hi" '' t1 t2
	local t2
	t2=$(sed -E -n "s/^($STAMP) t2\$/\1/p" "$BATS_TEST_TMPDIR/out")
	run -0 l web --container tty --since-time "$t2"
	[ "$output" = $'t2\r' ]
}

# test_tags=containerd
@test "kuke log: a log without an index (as upstream writes it) is dated by its mtime; a torn index is read" {
	cell_scaffold
	app_cell web 'echo a1; echo a2; sleep infinity'
	until_grep '^a2$' l web
	local log=$RP/data/$R/sp/st/web/app/log
	# a record cut short (a writer caught mid-append) is ignored
	l web --timestamps >"$BATS_TEST_TMPDIR/before"
	printf 'torn' >>"$log.idx"
	l web --timestamps >"$BATS_TEST_TMPDIR/after"
	cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# no index: every line is as old as the file's last write
	rm "$log.idx"
	printf 'u1\nu2\n' >>"$log"
	touch -d '2020-01-02T03:04:05.123456789Z' "$log"
	run -0 l web --timestamps
	[ "$output" = $'2020-01-02T03:04:05.123456789Z a1\n2020-01-02T03:04:05.123456789Z a2\n2020-01-02T03:04:05.123456789Z u1\n2020-01-02T03:04:05.123456789Z u2' ]
	run -0 l web --since-time 2020-01-02T03:04:05Z
	[ "$output" = $'a1\na2\nu1\nu2' ]
	run -0 l web --since-time 2020-01-02T03:04:06Z
	[ "$output" = '' ]
	run -0 l web --since-time 2020-01-02T03:04:05Z --tail 1
	[ "$output" = 'u2' ]
}

# test_tags=containerd
@test "kuke log: a bad --since or --since-time is one usage line, before anything is read" {
	cell_scaffold
	run -2 l web --since yesterday
	[ "$output" = 'kuke: log: invalid --since `yesterday`: want a duration (10m, 1h30m) or an RFC 3339 time (2006-01-02T15:04:05Z)' ]
	run -2 l web --since-time 10m
	[ "$output" = 'kuke: log: invalid --since-time `10m`: want an RFC 3339 time (2006-01-02T15:04:05Z)' ]
	run -2 l web --since ''
	[ "$output" = 'kuke: log: invalid --since ``: want a duration (10m, 1h30m) or an RFC 3339 time (2006-01-02T15:04:05Z)' ]
	run -2 l web --since 10m --since-time 2020-01-02T03:04:05Z
	[ "$output" = 'kuke: log: --since and --since-time cannot be used together' ]
	# the logger mode is the shim's: by hand, without its pipes, it refuses and writes nothing
	run -2 kukeon __log-writer "$BATS_TEST_TMPDIR/x" 3>&- 4>&-
	[ "$output" = "kukeon: __log-writer: run by containerd's shim only (fds 3 and 4 are not open)" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

# test_tags=containerd
@test "a create beside one that has just staged the log writer runs it (not 'text file busy')" {
	cell_scaffold
	app_cell_yaml a 'echo a1; sleep infinity'
	app_cell_yaml b 'echo b1; sleep infinity'
	# a's create stops right after it put the log writer in place (bin/kuketty)
	KUKEON_TEST_FAULT=stage:kuketty:stop "$KUKEON_LINKS/kuke" --run-path "$RP" \
		apply -f "$BATS_TEST_TMPDIR/a.yaml" >"$BATS_TEST_TMPDIR/a.out" 2>&1 3>&- &
	LOGP=$!
	stopped "$LOGP"
	[ -x "$RP/bin/kuketty" ]
	# b's shim executes it while a is still there: a file still open for writing could not
	run k apply -f "$BATS_TEST_TMPDIR/b.yaml"
	echo "$output" # shown when the test fails
	[ "$status" -eq 0 ]
	[[ "$output" == *'Cell "b": created'* ]]
	kill -CONT "$LOGP"
	local rc=0
	wait "$LOGP" || rc=$?
	LOGP=
	cat "$BATS_TEST_TMPDIR/a.out"
	[ "$rc" -eq 0 ]
	until_grep '^a1$' l a --container app
	until_grep '^b1$' l b --container app
}

# test_tags=containerd
@test "kuke log --timestamps and --since through kukeond" {
	require_applet kukeond
	daemon_setup
	start_kukeond
	k() { kd "$@"; }
	local lo hi
	lo=$(now_ns)
	spaced_cell
	hi=$(now_ns)
	# kukeond created the task: its logger wrote the index
	[ -s "$RP/data/$R/sp/st/web/app/log.idx" ]
	l web --container app --timestamps >"$BATS_TEST_TMPDIR/out"
	check_stamps "$BATS_TEST_TMPDIR/out" "$lo" "$hi" '' e1 e2 l1 l2
	run -0 l web --container app --since-time "$(stamp_of l1 web --container app)" --tail 1
	[ "$output" = 'l2' ]
}

# bats file_tags=kuketty
# kuketty needs nothing from the image: an attachable container on a scratch image (the
# static busybox as /busybox and nothing else: no shell, no libc, no /etc), running as an
# unprivileged uid, is attached to, typed into and logged; a kuketty killed -9 leaves a
# stale socket that kuke attach reports in one line without hanging.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/tty

setup() {
	cell_setup ts
	cell_scaffold
	SCRATCH_REF=docker.io/library/scratchcat:1
	MKIMAGE_SCRATCH=1 "$BATS_TEST_DIRNAME/../harness/mkimage.sh" "$BATS_TEST_TMPDIR/scratch.tar" "$SCRATCH_REF"
	k image load --realm "$R" "$BATS_TEST_TMPDIR/scratch.tar" >/dev/null
}

teardown() {
	cell_teardown
}

scratch_cell() { tty_cell "$1" "$SCRATCH_REF" '      user: "1000:1000"'; }

@test "kuketty: an attachable container on a scratch image with no shell and no libc" {
	run -0 tar -tf "$BATS_TEST_TMPDIR/scratch.tar"
	scratch_cell s1
	run -0 attach s1 <<-'EOF2'
	expect To detach
	send meow-meow\r
	expect meow-meow\r\nmeow-meow
	send \x1d\x1d
	expect Detached
	EOF2
	# the image's CMD went through kuketty, as uid 1000; its files belong to that uid
	run -0 jq -c '[.spec.command, .spec.commandArgs]' "$(cdir s1 app)/kuketty-metadata.json"
	[ "$output" = '["/busybox",["cat"]]' ]
	[ "$(stat -c %u "$(cdir s1 app)/tty")" = 1000 ]
	[ "$(stat -c %u "$(cdir s1 app)/tty/capture")" = 1000 ]
	[ "$(stat -c %u "$(cdir s1 app)/tty/socket")" = 1000 ]
	run -0 k log s1 --realm "$R" --space sp --stack st
	[[ "$output" == *meow-meow* ]]
}

@test "kuke attach: a socket left by a killed kuketty is one clear error, no hang" {
	scratch_cell s2
	local sock pid
	sock=$(cdir s2 app)/tty/socket
	pid=$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_s2_app" { print $2 }')
	[ -n "$pid" ]
	kill -KILL "$pid"
	for i in $(seq 50); do
		[ "$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_s2_app" { print $3 }')" = STOPPED ] && break
		sleep 0.1
	done
	[ -S "$sock" ]
	run -1 timeout 20 "$KUKEON_LINKS/kuke" --run-path "$RP" attach s2 --realm "$R" --space sp --stack st </dev/null
	[ "$output" = "kuke: connect to \`$sock\`: Connection refused" ]
}

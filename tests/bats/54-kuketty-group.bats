# bats file_tags=kuketty
# The kukeon group on attachable containers (reference §8.1-§8.3): once `kuke init` has made
# the system account, the tty dirs are root:kukeon 02750 (tty/ then owned by the container's
# user), and kuketty gives the socket 0660, the capture and the log file 0640, all in the
# kukeon group; through the daemon in its cell (which init gives --socket-gid) and with the
# controller in-process (which reads /etc/group). Without the account, 51 checks 0700 root.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/init

setup() { init_setup; }
teardown() { init_teardown; }

# NAME: an attachable busybox sh with a log file, in default/default/default
tty_doc() {
	init_cell_yaml "$1" "exec sh" "      attachable: true
      tty:
        logFile: /run/kukeon/tty/kuketty.log"
}

# CELL: the owner, group and mode of every file kukeon and kuketty make for its `app`
tty_modes() {
	local d=$RP/data/default/default/default/$1/app i
	for i in $(seq 100); do
		[ -S "$d/tty/socket" ] && [ -f "$d/tty/kuketty.log" ] && break
		sleep 0.1
	done
	stat -c '%n %U:%G %a' "$d" "$d/tty" "$d/kuketty-metadata.json" "$d/tty/socket" \
		"$d/tty/capture" "$d/tty/kuketty.log" | sed "s|^$d|.|"
}

# bats test_tags=containerd
@test "kuketty: after kuke init, tty dirs, socket, capture and log file belong to the kukeon group" {
	init_ok
	local gid
	gid=$(getent group kukeon | cut -d: -f3)
	[ "$gid" -gt 0 ]
	# the daemon in its cell knows the group from the --socket-gid init gives it
	[[ "$(tr '\0' ' ' </proc/"$(cat "$(dirname "$KD_SOCK")/kukeond.pid")"/cmdline)" == *" --socket-gid $gid " ]]
	run -0 kuke image load --realm default "$KUKEON_TEST_BUSYBOX_TAR"
	run -0 kuke apply -f "$(tty_doc td)"
	want=". root:kukeon 2750
./tty root:kukeon 2750
./kuketty-metadata.json root:kukeon 600
./tty/socket root:kukeon 660
./tty/capture root:kukeon 640
./tty/kuketty.log root:kukeon 640"
	run -0 tty_modes td
	[ "$output" = "$want" ]
	run -0 jq -c '.spec | [.socketMode, .socketGid, .captureMode, .captureGid, .logFileMode, .logFileGid]' \
		"$RP/data/default/default/default/td/app/kuketty-metadata.json"
	[ "$output" = "[432,$gid,416,$gid,416,$gid]" ]
	# the controller in-process finds the group in /etc/group
	run -0 kuke --no-daemon apply -f "$(tty_doc tp)"
	run -0 tty_modes tp
	[ "$output" = "$want" ]
	run -0 kuke delete cell td
	run -0 kuke --no-daemon delete cell tp
}

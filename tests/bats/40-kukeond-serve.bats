# bats file_tags=kukeond
# kukeond serve: flags, configuration layering, socket, PID file, shutdown.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/daemon

setup() {
	require_applet kukeond
	daemon_setup
}

teardown() {
	daemon_teardown
}

@test "kukeond: --help documents serve and every flag; no command is a usage error" {
	run -0 kukeond --help
	[[ "$output" == *"Usage: kukeond [flags] serve"* ]]
	for f in --configuration --socket --socket-gid --run-path --containerd-socket \
		--log-level --reconcile-interval --containerd-namespace-suffix --cgroup-root; do
		[[ "$output" == *"$f"* ]]
	done
	run -2 kukeond
	[ "$output" = "kukeond: a command is required: kukeond serve (see kukeond --help)" ]
	run -2 kukeond serve --bogus
	[ "$output" = "kukeond: unknown flag: --bogus" ]
	run -2 kukeond serve --socket
	[ "$output" = "kukeond: flag needs an argument: --socket" ]
}

# bats test_tags=containerd
@test "kukeond serve: socket 0600, PID file beside it, stale socket replaced; SIGTERM removes both" {
	require_containerd
	mkdir -p "$KD_DIR"
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$KD_SOCK"
	[ -S "$KD_SOCK" ]
	start_kukeond
	[ "$(stat -c %a "$KD_SOCK")" = 600 ]
	[ "$(cat "$KD_DIR/kukeond.pid")" = "$KD_PID" ]
	[ "$(stat -c %a "$KD_DIR/kukeond.pid")" = 644 ]
	grep -q 'INFO "kukeond listening" socket='"$KD_SOCK" "$KD_LOG"
	stop_kukeond
	[ "$KD_RC" = 0 ]
	[ ! -e "$KD_SOCK" ]
	[ ! -e "$KD_DIR/kukeond.pid" ]
	grep -q '"shutting down" signal=Terminated' "$KD_LOG"
	# the run path was claimed for this configuration
	[ -f "$RP/.kukeon-instance.json" ]
}

# bats test_tags=containerd
@test "kukeond serve: --socket-gid makes the socket 0660 and group-owned" {
	require_containerd
	start_kukeond --socket-gid 4242
	[ "$(stat -c '%a %u %g' "$KD_SOCK")" = "660 0 4242" ]
}

# bats test_tags=containerd
@test "kukeond serve: a run path bootstrapped with another cgroup root is refused" {
	require_containerd
	KUKEON_CGROUP_ROOT=/elsewhere run -0 kp create realm r1
	run -1 kukeond --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve --socket "$KD_SOCK" \
		--run-path "$RP" --containerd-socket "$KUKEON_CONTAINERD_SOCKET"
	[[ "$output" == *'was bootstrapped with containerdNamespaceSuffix="kukeon.io" cgroupRoot="/elsewhere" but the running configuration requests'*'kukeon instance mismatch' ]]
	[ ! -e "$KD_SOCK" ]
}

# bats test_tags=containerd
@test "kukeond serve: configuration file < environment < flag" {
	require_containerd
	cat >"$BATS_TEST_TMPDIR/kukeond.yaml" <<YAML
apiVersion: v1beta1
kind: ServerConfiguration
metadata:
  name: default
spec:
  socket: $BATS_TEST_TMPDIR/fromfile/kukeond.sock
  logLevel: debug
YAML
	# the file's socket and log level
	"$KUKEON_LINKS/kukeond" --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve --run-path "$RP" \
		--containerd-socket "$KUKEON_CONTAINERD_SOCKET" </dev/null >"$KD_LOG" 2>&1 3>&- &
	KD_PID=$!
	for i in $(seq 100); do [ -S "$BATS_TEST_TMPDIR/fromfile/kukeond.sock" ] && break; sleep 0.05; done
	[ -S "$BATS_TEST_TMPDIR/fromfile/kukeond.sock" ]
	kuke --host "unix://$BATS_TEST_TMPDIR/fromfile/kukeond.sock" --run-path "$RP" get realms
	grep -q 'DEBUG "rpc" method=KukeonV1.ListRealms' "$KD_LOG"
	stop_kukeond
	# the environment beats the file, the flag beats the environment
	KUKEOND_SOCKET=$BATS_TEST_TMPDIR/fromenv/kukeond.sock KUKEON_LOG_LEVEL=error \
		"$KUKEON_LINKS/kukeond" --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve --run-path "$RP" \
		--containerd-socket "$KUKEON_CONTAINERD_SOCKET" </dev/null >"$KD_LOG" 2>&1 3>&- &
	KD_PID=$!
	for i in $(seq 100); do [ -S "$BATS_TEST_TMPDIR/fromenv/kukeond.sock" ] && break; sleep 0.05; done
	[ -S "$BATS_TEST_TMPDIR/fromenv/kukeond.sock" ]
	stop_kukeond
	! grep -q listening "$KD_LOG" # error level: no info lines
	KUKEOND_SOCKET=$BATS_TEST_TMPDIR/fromenv/kukeond.sock start_kukeond
	[ -S "$KD_SOCK" ]
	[ ! -e "$BATS_TEST_TMPDIR/fromenv/kukeond.sock" ]
}

@test "kukeond serve: a configuration file of the wrong kind is refused" {
	printf 'apiVersion: v1beta1\nkind: Realm\n' >"$BATS_TEST_TMPDIR/kukeond.yaml"
	run -1 kukeond --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve --socket "$KD_SOCK" --run-path "$RP"
	[[ "$output" == *'has kind "Realm", want "ServerConfiguration": server configuration is invalid'* ]]
	[ ! -e "$KD_SOCK" ]
}

# bats test_tags=containerd
@test "kukeond serve: an unparsable reconcile interval warns and keeps the default" {
	require_containerd
	start_kukeond --reconcile-interval soon
	grep -q 'WARN "invalid reconcile interval, using the default" default=30s' "$KD_LOG"
}

@test "kuke: no daemon listening is one line with the way out" {
	run -1 kuke --host "unix://$KD_SOCK" get realms
	[ "$output" = "kuke: dial kukeond at $KD_SOCK: dial unix $KD_SOCK: connect: No such file or directory (is kukeond running? start it with \`kuke daemon start\`, or run in-process with --no-daemon)" ]
	run -1 kuke --host "ssh://host" get realms
	[ "$output" = "kuke: unsupported kukeon host scheme: ssh transport not yet implemented" ]
}

# bats test_tags=containerd
@test "kuke: a socket the user may not open gives the kukeon group hint" {
	require_containerd
	# a path everyone may walk (the harness's private /run), so only the socket's mode says no
	KD_DIR=/run/kukeon-test-$BATS_TEST_NUMBER
	KD_SOCK=$KD_DIR/kukeond.sock
	start_kukeond
	cp "$KUKEON_BIN" "$KD_DIR/kuke"
	run -1 setpriv --reuid 65534 --regid 65534 --clear-groups env HOME=/nonexistent \
		"$KD_DIR/kuke" --host "unix://$KD_SOCK" get realms
	stop_kukeond
	rm -rf "$KD_DIR"
	[[ "$output" == "kuke: dial kukeond at $KD_SOCK: permission denied — add yourself to the kukeon group (sudo usermod -aG kukeon \$USER), then log out and back in: "* ]]
}

@test "make install: the binary, the applet links and kukeond's systemd unit" {
	local d=$BATS_TEST_TMPDIR/inst top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	[ -x "$top/build/kukeon" ] || skip_or_fail "no build/kukeon to install"
	run -0 make -s -C "$top" install DESTDIR="$d" PREFIX=/usr
	[ -x "$d/usr/bin/kukeon" ]
	[ "$(readlink "$d/usr/sbin/kukeond")" = ../bin/kukeon ]
	grep -qx 'ExecStart=/usr/sbin/kukeond serve' "$d/usr/lib/systemd/system/kukeond.service"
	grep -qx 'KillSignal=SIGTERM' "$d/usr/lib/systemd/system/kukeond.service"
	[ -f "$d/usr/share/man/man8/kukeond.8" ]
}

# bats file_tags=kuke
# kuke talking to containerd through ctr/ (grpc C core): Version, and clear errors.
bats_require_minimum_version 1.5.0
load helpers/common

setup() { require_applet kuke; }

@test "kuke version prints only the version line" {
	run -0 kuke version
	[ "${#lines[@]}" -eq 1 ]
}

# bats test_tags=containerd
@test "kuke version --containerd asks the harness containerd" {
	require_containerd
	run -0 kuke version --containerd
	[ "${#lines[@]}" -eq 2 ]
	want=$(hctr version | awk '/Server:/ { s = 1 } s && /Version:/ { print $2; exit }')
	[[ "${lines[1]}" == "containerd $want "* ]]
}

# bats test_tags=containerd
@test "--containerd-socket beats KUKEON_CONTAINERD_SOCKET" {
	require_containerd
	good=$KUKEON_CONTAINERD_SOCKET
	KUKEON_CONTAINERD_SOCKET=/nonexistent.sock run -0 kuke --containerd-socket "$good" version --containerd
	KUKEON_CONTAINERD_SOCKET=/nonexistent.sock run -1 kuke version --containerd
	run -1 kuke version --containerd-socket=/nonexistent.sock --containerd
}

@test "a missing containerd socket is a one-line error, not a hang" {
	run -1 kuke --containerd-socket "$BATS_TEST_TMPDIR/none.sock" version --containerd
	[ "$output" = "kuke: version: version.Version: cannot reach containerd at \`$BATS_TEST_TMPDIR/none.sock\`: No such file or directory" ]
}

@test "a path that is not a socket is named as such" {
	touch "$BATS_TEST_TMPDIR/file.sock"
	run -1 kuke --containerd-socket "$BATS_TEST_TMPDIR/file.sock" version --containerd
	[ "$output" = "kuke: version: version.Version: cannot reach containerd at \`$BATS_TEST_TMPDIR/file.sock\`: not a socket" ]
}

@test "kuke version rejects unknown flags and values on boolean flags" {
	run -2 kuke version --bogus
	[ "$output" = 'kuke: version: unknown flag `--bogus`' ]
	run -2 kuke version -x
	[ "$output" = 'kuke: version: unknown flag `-x`' ]
	run -2 kuke version --containerd=yes
	[ "$output" = 'kuke: version: flag `--containerd` takes no value' ]
}

@test "kuke -v logs in upstream's line format on stdout" {
	run -0 kuke -v --log-level debug version extra
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ DEBUG\ \"version:\ ignoring\ arguments\"\ first=extra$ ]]
	run -0 kuke version extra
	[ "${#lines[@]}" -eq 1 ]
}

# bats file_tags=build
# The release binary users run: static, and needing nothing from the image it runs in.
bats_require_minimum_version 1.5.0
load helpers/common

@test "the release binary is statically linked" {
	[[ "$KUKEON_BIN" == */kukeon ]] || skip "testing a non-release binary ($KUKEON_BIN)"
	run -0 file -L "$KUKEON_BIN"
	[[ "$output" == *"statically linked"* ]]
}

# bats test_tags=containerd
@test "kuketty --version runs inside a busybox container, bind-mounted as kuketty" {
	[[ "$KUKEON_BIN" == */kukeon ]] || skip "the sanitizer build is not static"
	require_containerd
	require_applet kuketty
	run -0 hctr -n kukeon-test images import "$KUKEON_TEST_BUSYBOX_TAR"
	# the image has no libc: a dynamic binary could not start here
	run -0 hctr -n kukeon-test run --rm --cpu-shares 0 \
		--mount "type=bind,src=$KUKEON_BIN,dst=/.kukeon/bin/kuketty,options=rbind:ro" \
		"$KUKEON_TEST_BUSYBOX_REF" kuketty-version /.kukeon/bin/kuketty --version
	[[ "$output" == "kuketty v"* ]]
	run -0 hctr -n kukeon-test run --rm --cpu-shares 0 "$KUKEON_TEST_BUSYBOX_REF" no-libc \
		sh -c 'ls /lib /lib64 /usr/lib 2>&1 || true'
	[[ "$output" != *libc* ]]
}

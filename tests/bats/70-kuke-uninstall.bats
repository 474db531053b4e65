# bats file_tags=kuke
# kuke uninstall [-y]: upstream's five steps on a host laid out by helpers/uninstall.bash
# (real cells in the harness containerd), its prompt, its report and the CleanupSkipped
# rule; and kuke-uninstall finishing what an uninstall with containerd down could not do.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/uninstall

setup() {
	cell_setup tu
	require_containerd
	install_state
}

teardown() {
	local p
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	# what a test left: purge through the real containerd (the run path may be gone)
	ku uninstall -y >/dev/null 2>&1 || true
	for p in $(ns_shim_pids); do kill "$p" 2>/dev/null || true; done
	cell_teardown
}

ku() { k --host "unix://$SD/kukeond.sock" "$@"; }

@test "kuke uninstall -y: no namespace, cgroup, link, mount, directory, user or group is left" {
	app_cell web 'sleep infinity'
	mkdir -p "$RP/mnt" "$SD/secrets"
	mount -t tmpfs none "$RP/mnt"
	mount -t tmpfs none "$SD/secrets"
	[ -d "$CG" ]
	ip link show "$BR"
	run -0 ku uninstall -y
	[[ "${lines[0]}" == "kuke uninstall:" ]]
	[[ "${lines[1]}" == "  - kukeond: stale pid file" ]]
	[[ "$output" == *"  - realm \"$R\" (namespace \"$NS\"): purged"* ]]
	[[ "$output" == *'  - realm "default" (namespace "default.kukeon.io"): purged'* ]]
	[[ "$output" == *'  - realm "kuke-system" (namespace "kuke-system.kukeon.io"): purged'* ]]
	[[ "$output" == *"  - cgroup $CGR: removed"* ]]
	[[ "$output" == *"  - mount $SD/secrets: unmounted"$'\n'"  - $SD: removed"* ]]
	[[ "$output" == *"  - mount $RP/mnt: unmounted"$'\n'"  - $RP: removed"* ]]
	[[ "$output" == *$'  - user "kukeon": removed\n  - group "kukeon": removed' ]]
	assert_all_gone
}

@test "kuke uninstall: a second run finds everything absent and succeeds" {
	run -0 ku uninstall -y
	run -0 ku uninstall -y
	[[ "${lines[1]}" == "  - kukeond: absent" ]]
	[[ "$output" == *"  - cgroup $CGR: absent"* ]]
	[[ "$output" == *"  - $SD: absent"$'\n'"  - $RP: absent"* ]]
	[[ "$output" == *$'  - user "kukeon": absent\n  - group "kukeon": absent' ]]
}

@test "kuke uninstall: stops the daemon named by the PID file" {
	sleep 300 &
	local pid=$!
	echo "$pid" >"$SD/kukeond.pid"
	run -0 ku uninstall -y
	[[ "${lines[1]}" == "  - kukeond: stopped (pid $pid)" ]]
	run ! kill -0 "$pid"
}

@test "kuke uninstall: a busy mount is detached lazily, the directory still goes" {
	mkdir -p "$RP/busy"
	mount -t tmpfs none "$RP/busy"
	(cd "$RP/busy" && exec sleep 300) &
	HOLDER=$!
	sleep 0.2
	run -0 ku uninstall -y
	[[ "$output" == *"  - mount $RP/busy: unmounted"$'\n'"  - $RP: removed"* ]]
	assert_all_gone
}

@test "kuke uninstall: the prompt; no, an empty answer and EOF abort and touch nothing" {
	run -1 ku uninstall <<<"no"
	[[ "${lines[0]}" == "kuke uninstall will remove ALL kukeon runtime state on this host:" ]]
	[[ "$output" == *"  - $SD/ (kukeond socket dir)"* ]]
	[[ "$output" == *"  - $RP/ (run path)"* ]]
	[[ "$output" == *"Are you sure? (yes/no) Aborted."$'\n'"kuke: uninstall aborted" ]]
	run -1 ku uninstall <<<""
	[[ "$output" == *"Aborted."* ]]
	run -1 ku uninstall </dev/null
	[[ "$output" == *"kuke: read confirmation: EOF" ]]
	run -0 ku uninstall <<<$'maybe\nYES'
	[[ "$output" == *"Are you sure? (yes/no) Are you sure? (yes/no) kuke uninstall:"* ]]
}

@test "kuke uninstall with containerd down skips the teardown; kuke-uninstall finishes it" {
	app_cell web 'sleep infinity'
	local pid
	pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /web_app$/ { print $2 }')
	[ -n "$pid" ]
	run -1 ku --containerd-socket "$BATS_TEST_TMPDIR/gone.sock" uninstall -y
	[[ "$output" == *"  - realm \"$R\" (namespace \"$NS\"): FAILED: "* ]]
	[[ "$output" == *"  - $SD: skipped (realm purge failed)"* ]]
	[[ "$output" == *"  - $RP: skipped (realm purge failed)"* ]]
	[[ "$output" == *'  - user "kukeon": skipped (realm purge failed)'* ]]
	[[ "$output" == *'  - group "kukeon": skipped (realm purge failed)'* ]]
	[[ "$output" == *"  filesystem + user/group cleanup skipped: residual containerd namespace prevented teardown"* ]]
	[[ "$output" == *"kuke: purge realm \"$R\": "* ]]
	[ -d "$RP" ]

	run -0 kuke_uninstall -y --run-path "$RP" --socket "$SD/kukeond.sock" \
		--containerd-socket "$BATS_TEST_TMPDIR/gone.sock"
	[[ "$output" == *"  - containerd $BATS_TEST_TMPDIR/gone.sock: skipped: not reachable"* ]]
	[[ "$output" == *"  - cgroup $CGR: "* ]]
	run ! kill -0 "$pid"
	# containerd was not asked: its namespace stays until it is purged through it
	hctr namespaces ls -q | grep -qx "$NS"
	run -0 ku uninstall -y
	[[ "$output" == *"  - realm \"$R\" (namespace \"$NS\"): purged"* ]]
	assert_all_gone
}

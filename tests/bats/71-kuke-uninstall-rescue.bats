# bats file_tags=kuke-uninstall
# kuke-uninstall, the rescue applet: with containerd unreachable it works from the kernel and
# the disk (cgroup.kill, rtnetlink, host-local's store, the CNI cache, the accounts in /etc);
# --root DIR cleans a tree and touches nothing outside it; a second run is a no-op.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/uninstall

setup() {
	require_applet kuke-uninstall
	cell_setup tr
}

teardown() {
	local p
	# the realm's namespace in the harness containerd, through it
	[ -z "${SD:-}" ] || k --host "unix://$SD/kukeond.sock" uninstall -y >/dev/null 2>&1 || true
	for p in $(ns_shim_pids); do kill "$p" 2>/dev/null || true; done
	cell_teardown
}

rescue() { kuke_uninstall -y --run-path "$RP" --socket "$SD/kukeond.sock" "$@"; }

@test "kuke-uninstall: containerd unreachable after running cells, none of them is left" {
	require_containerd
	install_state
	app_cell web 'sleep infinity'
	app_cell db 'sleep infinity'
	local pids
	pids=$(hctr -n "$NS" tasks ls | awk 'NR > 1 { print $2 }')
	[ "$(wc -w <<<"$pids")" -eq 4 ]
	# the cgroup root comes from the run path's instance file when the environment is silent
	KUKEON_CGROUP_ROOT= run -0 rescue --containerd-socket "$BATS_TEST_TMPDIR/gone.sock"
	[[ "${lines[0]}" == "kuke-uninstall:" ]]
	[[ "$output" == *"  - kukeond: stale pid file"* ]]
	[[ "$output" == *"  - containerd $BATS_TEST_TMPDIR/gone.sock: skipped: not reachable"* ]]
	[[ "$output" == *"  - cgroup $CGR: removed (its processes killed)"* ]]
	[[ "$output" == *"  - link $BR: removed"* ]]
	[[ "$output" == *"  - CNI network $R-sp: removed"* ]]
	[[ "$output" == *"  - $SD: removed"$'\n'"  - $RP: removed"$'\n'"  - /etc/kukeon: removed"* ]]
	[[ "$output" == *$'  - user "kukeon": removed\n  - group "kukeon": removed' ]]
	for p in $pids; do
		run ! kill -0 "$p"
	done
	assert_all_gone_but_ns() { NS=none-such assert_all_gone rescue; }
	assert_all_gone_but_ns
}

@test "kuke-uninstall: with containerd reachable the realms are purged through it first" {
	require_containerd
	install_state
	app_cell web 'sleep infinity'
	run -0 rescue --containerd-socket "$KUKEON_CONTAINERD_SOCKET"
	[[ "$output" == *"  - realm \"$R\" (namespace \"$NS\"): purged"* ]]
	assert_all_gone rescue
}

@test "kuke-uninstall: twice in a row is safe, the second run finds everything absent" {
	require_containerd
	install_state
	run -0 rescue --containerd-socket "$BATS_TEST_TMPDIR/gone.sock"
	run -0 rescue --containerd-socket "$BATS_TEST_TMPDIR/gone.sock"
	[[ "$output" == *"  - kukeond: absent"* ]]
	[[ "$output" == *"  - cgroup $CGR: absent"* ]]
	[[ "$output" == *"  - $SD: absent"$'\n'"  - $RP: absent"$'\n'"  - /etc/kukeon: absent"* ]]
	[[ "$output" != *": removed"* ]]
}

@test "kuke-uninstall --root: cleans the tree and touches nothing outside it" {
	local t=$BATS_TEST_TMPDIR/sys h1 h2
	mkdir -p "$t"/{etc/kukeon,run/kukeon,opt/kukeon/data/default/default,var/lib/cni/networks/default-default}
	mkdir -p "$t"/{opt/cni/cache/results,home/alice}
	printf 'root:x:0:0:root:/root:/bin/bash\nkukeon:x:999:999::/home/kukeon:/usr/sbin/nologin\n' >"$t/etc/passwd"
	printf 'root:x:0:\nkukeon:x:999:\n' >"$t/etc/group"
	echo 1 >"$t/run/kukeon/kukeond.pid" # pid 1 of the harness: never signalled
	printf '{"cniVersion":"0.4.0","name":"default-default","plugins":[{"type":"bridge","bridge":"k-703e8b3a","ipam":{"type":"host-local"}}]}' \
		>"$t/opt/kukeon/data/default/default/network.conflist"
	echo x >"$t/var/lib/cni/networks/default-default/10.88.0.2"
	echo x >"$t/opt/cni/cache/results/default-default-c1-eth0"
	echo keep >"$t/home/alice/notes"
	mkdir -p /run/kukeon "$RP"
	echo outside >/run/kukeon/marker
	echo outside >"$RP/marker"
	getent group kukeon >/dev/null || groupadd --system kukeon
	h1=$( (md5sum /etc/passwd /etc/group; ls -R /run /opt "$RP"; ip -o link show | awk '{ print $2 }'; ls /sys/fs/cgroup) 2>&1)
	KUKEON_CNI_CACHE_DIR= run -0 kuke_uninstall -y --root "$t"
	[[ "$output" == *"  - kernel state: skipped: --root: "* ]]
	[[ "$output" == *"  - CNI network default-default: removed"* ]]
	[[ "$output" == *"  - $t/run/kukeon: removed"$'\n'"  - $t/opt/kukeon: removed"$'\n'"  - $t/etc/kukeon: removed"* ]]
	[[ "$output" == *$'  - user "kukeon": removed\n  - group "kukeon": removed' ]]
	h2=$( (md5sum /etc/passwd /etc/group; ls -R /run /opt "$RP"; ip -o link show | awk '{ print $2 }'; ls /sys/fs/cgroup) 2>&1)
	[ "$h1" = "$h2" ]
	[ "$(cat "$t/etc/passwd")" = "root:x:0:0:root:/root:/bin/bash" ]
	[ "$(cat "$t/etc/group")" = "root:x:0:" ]
	[ ! -e "$t/var/lib/cni/networks/default-default" ]
	[ ! -e "$t/opt/cni/cache/results/default-default-c1-eth0" ]
	[ "$(cat "$t/home/alice/notes")" = keep ]
	rm -rf /run/kukeon "$RP"
	groupdel kukeon
}

@test "kuke-uninstall: bad command lines are usage errors that touch nothing" {
	run -2 kuke_uninstall -y --root relative/dir
	[ "$output" = "kuke-uninstall: --root \`relative/dir\` must be an absolute path" ]
	run -2 kuke_uninstall -y --bogus
	[ "$output" = "kuke-uninstall: unknown argument \`--bogus\`; see \`kuke-uninstall --help\`" ]
	run -2 kuke_uninstall -y --run-path
	[ "$output" = "kuke-uninstall: flag \`--run-path\` needs a value" ]
	run -1 kuke_uninstall -y --root "$BATS_TEST_TMPDIR/none"
	[ "$output" = "kuke-uninstall: --root \`$BATS_TEST_TMPDIR/none\`: No such file or directory" ]
	run -1 kuke_uninstall --root "$BATS_TEST_TMPDIR" </dev/null
	[[ "$output" == *"kuke-uninstall: read confirmation: EOF" ]]
	run -1 kuke_uninstall --root "$BATS_TEST_TMPDIR" <<<no
	[[ "$output" == *$'Aborted.\nkuke-uninstall: uninstall aborted' ]]
	run -0 kuke_uninstall --help
	[[ "$output" == "Usage: kuke-uninstall [-y] [--root DIR]"* ]]
}

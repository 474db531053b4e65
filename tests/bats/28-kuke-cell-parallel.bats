# bats file_tags=kuke
# A cell's start and delete work on its members at once (each on its own containerd
# connection): a cell of more members than run together is created, joined to the root's
# network namespace and deleted with nothing left; the loopback of kukeon's own conflist is
# brought up over rtnetlink (no `loopback` process), while any other conflist still runs
# every plugin. Wrapper scripts in the CNI plugin dir log each plugin run.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup pa
	SCOPE=(--realm "$R" --space sp --stack st)
}

teardown() {
	cell_teardown
}

# the plugin dir $BIN: every real plugin behind a wrapper that appends "<name> <command>" to
# $PLUGIN_LOG
logged_plugins() {
	local p
	BIN=$BATS_TEST_TMPDIR/cni-bin PLUGIN_LOG=$BATS_TEST_TMPDIR/plugins.log
	mkdir "$BIN"
	: >"$PLUGIN_LOG"
	for p in /usr/lib/cni/*; do
		printf '#!/bin/sh\necho "%s $CNI_COMMAND" >>%s\nexec %s\n' \
			"${p##*/}" "$PLUGIN_LOG" "$p" >"$BIN/${p##*/}"
		chmod +x "$BIN/${p##*/}"
	done
	export KUKEON_CNI_BIN_DIR=$BIN
}

# the pid of task ID in $NS
task_pid() { hctr -n "$NS" tasks ls | awk -v id="$1" '$1 == id { print $2 }'; }

# bats test_tags=containerd
@test "loopback: kukeon's own conflist brings lo up without the plugin; another conflist runs it" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell web "sleep infinity"
	run -0 cat "$PLUGIN_LOG"
	[ "$output" = "bridge ADD
host-local ADD" ]
	pid=$(task_pid sp_st_web_root)
	[ -n "$pid" ]
	run -0 nsenter -t "$pid" -n ip -o addr show dev lo
	[[ "$output" == *"inet 127.0.0.1/8"* ]]
	run -0 nsenter -t "$pid" -n ip -o link show dev lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	# the cached result is what the plugin passes on: the bridge's
	run -0 jq -c '.result.interfaces | map(.name)' "$KUKEON_CNI_CACHE_DIR"/results/*
	[[ "$output" == '["k-'*'","veth'*'","eth0"]' ]]
	[[ "$(meta web | jq -r .status.network.ipAddress)" == 10.88.* ]]
	run -0 k delete cell web "${SCOPE[@]}"
	nothing_left web

	# one more plugin after the loopback: not kukeon's shape, every plugin runs
	local cl=$RP/data/$R/sp/network.conflist
	jq '.plugins += [{"type": "tuning"}]' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	: >"$PLUGIN_LOG"
	app_cell web "sleep infinity"
	run -0 cat "$PLUGIN_LOG"
	[ "$output" = "bridge ADD
host-local ADD
loopback ADD
tuning ADD" ]
	pid=$(task_pid sp_st_web_root)
	run -0 nsenter -t "$pid" -n ip -o link show dev lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	run -0 k delete cell web "${SCOPE[@]}"
	cp "$BATS_TEST_TMPDIR/conflist.copy" "$cl"
}

# bats test_tags=containerd
@test "a cell of seven containers: made, started in the root's netns, and deleted together" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	local more="" i
	for i in 2 3 4 5 6; do
		more+="    - id: app$i
      image: $KUKEON_TEST_BUSYBOX_REF
      command: sh
      args: [\"-c\", \"sleep 1000 & exec sleep infinity\"]
"
	done
	app_cell big "sleep 1000 & exec sleep infinity" "" "$more"
	run -0 ns_tasks
	[ "${#lines[@]}" = 7 ]
	[ "$(grep -c RUNNING <<<"$output")" = 7 ]
	root_ns=$(readlink "/proc/$(task_pid sp_st_big_root)/ns/net")
	for i in app app2 app3 app4 app5 app6; do
		[ "$(readlink "/proc/$(task_pid "sp_st_big_$i")/ns/net")" = "$root_ns" ]
	done
	[ "$(meta big | jq -r .status.state)" = Ready ]
	[ "$(meta big | jq '[.status.containers[] | select(.state == "Ready")] | length')" = 7 ]
	[ "$(veths)" = $((VETHS + 1)) ]
	run -0 k delete cell big "${SCOPE[@]}"
	[ "$output" = 'Deleted cell "big" from stack "st"' ]
	nothing_left big
	[ -z "$(shims sp_st_big)" ]
}

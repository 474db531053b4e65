# bats file_tags=kukeond
# kill -9 of kukeond in the middle of cell creates, then a restart: the first reconcile pass
# leaves a consistent host (no task without a cell, no Ready cell without its root task),
# and the same apply then simply works.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
load helpers/daemon

# everything through the daemon, helpers/cell.bash's scaffold and teardown too
k() { kd "$@"; }

setup() {
	require_applet kukeond
	require_containerd
	cell_setup kx
	daemon_setup
	start_kukeond
	cell_scaffold
}

teardown() {
	cell_teardown
	daemon_teardown
}

cell_yaml() { # NAME
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata: {name: $1}
	spec:
	  id: $1
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - {id: root, root: true, image: $KUKEON_TEST_BUSYBOX_REF, command: sleep, args: [infinity]}
	    - {id: app, image: $KUKEON_TEST_BUSYBOX_REF, command: sleep, args: [infinity]}
	EOF2
}

# every task belongs to a cell the store knows; every Ready cell has its root task running
consistent() {
	local t cell state
	while read -r t _ state; do
		[ -n "$t" ] || continue
		cell=$(hctr -n "$NS" containers info "$t" | jq -r '.Labels["kukeon.io/cell"]')
		[ -f "$RP/data/$R/sp/st/$cell/metadata.json" ] || { echo "task $t: no cell $cell"; return 1; }
	done < <(hctr -n "$NS" tasks ls | tail -n +2)
	for m in "$RP"/data/"$R"/sp/st/*/metadata.json; do
		[ -f "$m" ] || continue
		cell=$(jq -r .metadata.name "$m")
		state=$(jq -r .status.state "$m")
		if [ "$state" = Ready ]; then
			hctr -n "$NS" tasks ls | grep -q "^sp_st_${cell}_root .* RUNNING" ||
				{ echo "cell $cell Ready without its root task"; return 1; }
		fi
	done
}

# bats test_tags=containerd
@test "crash: kukeond killed -9 during creates; after a restart the host converges and apply works" {
	local i delay
	i=0
	for delay in 0.05 0.15 0.3 0.6; do
		i=$((i + 1))
		cell_yaml "c$i" >"$BATS_TEST_TMPDIR/c$i.yaml"
		kd apply -f "$BATS_TEST_TMPDIR/c$i.yaml" >/dev/null 2>&1 3>&- &
		local apply=$!
		sleep "$delay"
		kill -9 "$KD_PID"
		wait "$KD_PID" || true
		KD_PID=
		wait "$apply" || true
		start_kukeond --reconcile-interval 500ms
		# the first pass runs at start: give it a moment to finish
		local ok=0
		for _ in $(seq 60); do
			if consistent >/dev/null; then ok=1; break; fi
			sleep 0.25
		done
		consistent
		[ $ok = 1 ]
		run kd apply -f "$BATS_TEST_TMPDIR/c$i.yaml"
		echo "apply after crash ($delay s): $output"
		[ "$status" = 0 ]
		[[ "$output" == "Cell \"c$i\": "* ]]
		run -0 kd get cell "c$i" --realm "$R" --space sp --stack st -o json
		jq -e '.status.state == "Ready"' <<<"$output"
		consistent
	done
	grep -q 'kukeond listening' "$KD_LOG"
}

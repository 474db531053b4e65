# tests/bats/helpers/cell.bash - shared by the suites that run real cells (15-18, 21).
#
# Each test gets its own realm $R (namespace $NS), CNI cache and host-local store under the
# test dir, on top of hier_setup's run path and cgroup root.

# cell_setup PREFIX: R=<PREFIX><test number>, NS, the CNI plugin dir, cache and IPAM dirs
cell_setup() {
	hier_setup
	R=$1$BATS_TEST_NUMBER
	NS=$R.kukeon.io
	export KUKEON_CNI_BIN_DIR=/usr/lib/cni
	export KUKEON_CNI_CACHE_DIR=$BATS_TEST_TMPDIR/cni-cache
	IPAM=$BATS_TEST_TMPDIR/ipam
}

# Purge every cell of sp/st, then the realm; drop the space bridge should a purge have
# missed it.
cell_teardown() {
	[ -d "$RP/data/$R" ] || return 0
	local c br
	for c in $(ls "$RP/data/$R/sp/st" 2>/dev/null); do
		[ -d "$RP/data/$R/sp/st/$c" ] &&
			k purge cell "$c" --realm "$R" --space sp --stack st >/dev/null 2>&1
	done
	k purge realm "$R" --cascade >/dev/null 2>&1 || true
	br=$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy" 2>/dev/null) || true
	[ -n "$br" ] && ip link del "$br" 2>/dev/null || true
}

# Realm $R (in containerd namespace $REALM_NS when set) with the busybox image, space sp
# (host-local's store moved to $IPAM; the conflist copied to $BATS_TEST_TMPDIR/conflist.copy),
# stack st.
cell_scaffold() {
	k create realm "$R" ${REALM_NS:+--namespace "$REALM_NS"} >/dev/null
	k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	k create space sp --realm "$R" >/dev/null
	local cl=$RP/data/$R/sp/network.conflist
	jq --arg d "$IPAM" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	cp "$cl" "$BATS_TEST_TMPDIR/conflist.copy"
	k create stack st --realm "$R" --space sp >/dev/null
}

# until process PID has stopped itself (state T) at a KUKEON_TEST_FAULT=<point>:stop, 30 s
# at most
stopped() {
	local i
	for i in $(seq 300); do
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	echo "process $1 did not stop at its fault point" >&2
	return 1
}

# app_cell NAME SCRIPT [POLICY] [EXTRA]: app_cell_yaml, then apply it with k (quiet, but a
# failed apply shows what it printed: which resource failed and why).
app_cell() {
	local out
	app_cell_yaml "$@"
	out=$(k apply -f "$BATS_TEST_TMPDIR/$1.yaml" 2>&1) || {
		printf '%s\n' "$out" >&2
		return 1
	}
}

# cell_yaml NAME APP [MORE]: write $BATS_TEST_TMPDIR/NAME.yaml, a Cell in sp/st of $R with a
# root (sleep infinity) and an `app` container whose keys after its id are APP (lines indented
# 6), then MORE (more container items, indented 4); spec.autoDelete is $AUTO (default false).
cell_yaml() {
	AUTO=${AUTO:-false} cell_doc "$1" "$R" sp st "$(cell_root)
    - id: app
$2
${3:-}" >"$BATS_TEST_TMPDIR/$1.yaml"
}

# sh_item ID SCRIPT [KEY]: one more container item (app_cell's EXTRA) running SCRIPT under
# sh -c, with the line `KEY: true` when given (attachable)
sh_item() {
	printf '    - id: %s\n      image: %s\n%s      command: sh\n      args: ["-c", "%s"]\n' \
		"$1" "$KUKEON_TEST_BUSYBOX_REF" "${3:+      $3: true
}" "$2"
}

# app_cell_yaml NAME SCRIPT [POLICY] [EXTRA]: cell_yaml NAME with an `app` running SCRIPT
# under sh -c with restartPolicy POLICY, then EXTRA (more container yaml).
app_cell_yaml() {
	cell_yaml "$1" "      image: $KUKEON_TEST_BUSYBOX_REF
      command: sh
      args: [\"-c\", \"$2\"]
      restartPolicy: \"${3:-}\"" "${4:-}"
}

# the metadata.json of cell NAME in sp/st; FIELD of its `app` container's status
meta() { cat "$RP/data/$R/sp/st/$1/metadata.json"; }
app() { meta "$1" | jq -r ".status.containers[] | select(.name == \"app\") | .$2"; }
# "ID STATUS" of every task in $NS; the shim processes serving ids that start with PREFIX
ns_tasks() { hctr -n "$NS" tasks ls | awk 'NR > 1 { print $1, $3 }' | sort; }
shims() { ps -eo args | grep -E "^[^ ]*containerd-shim[^ ]* .*-namespace $NS .*-id $1" || true; }

# the number of veth links on the host (a test takes $VETHS before, compares after)
veths() { ip -o link show type veth | wc -l; }

# nothing of cell NAME anywhere: containerd, veths (as many as $VETHS), host-local's store,
# the CNI cache, the cgroup, the metadata
nothing_left() { # NAME
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ -z "$(hctr -n "$NS" tasks ls -q)" ]
	[ -z "$(hctr -n "$NS" snapshots ls | awk 'NR > 1 { print $1 }' | grep "^sp_st_$1_")" ]
	[ "$(veths)" = "$VETHS" ]
	[ -z "$(ls "$IPAM"/*/ 2>/dev/null | grep -v -e lock -e last_reserved)" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null)" ]
	[ ! -e "$CG/$R/sp/st/$1" ]
	[ ! -e "$RP/data/$R/sp/st/$1/metadata.json" ]
}

# nothing of the containers NAME... of cell CELL (in sp/st) in containerd (containers, tasks,
# snapshots, create leases), the cell's cgroup or the run path
no_container_left() { # CELL NAME...
	local c=$1 n pat=()
	shift
	for n; do pat+=(-e "sp_st_${c}_$n"); done
	[ -z "$(hctr -n "$NS" containers ls -q | grep "${pat[@]}")" ]
	[ -z "$(hctr -n "$NS" tasks ls -q | grep "${pat[@]}")" ]
	[ -z "$(hctr -n "$NS" snapshots ls | grep "${pat[@]}")" ]
	[ -z "$(hctr -n "$NS" leases ls | grep "${pat[@]}")" ]
	[ -z "$(find "$CG/$R/sp/st/$c" | grep "${pat[@]}")" ]
	for n; do
		[ ! -e "$RP/data/$R/sp/st/$c/$n" ] || return 1
	done
}

# Restart the harness's containerd (tests/harness/run.sh): SIGNAL (TERM or KILL) to the
# running one, by its pid, then the same configuration started again, detached from bats'
# descriptors; waits until it answers.
restart_containerd() { # SIGNAL
	local T=$KUKEON_TEST_TMP pid i
	pid=$(cat "$T/containerd.pid")
	kill -"$1" "$pid"
	for i in $(seq 100); do
		# gone, or a zombie nobody has reaped yet
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = S ] ||
			[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = R ] || break
		sleep 0.05
	done
	setsid containerd --config "$T/containerd/config.toml" >>"$T/containerd.log" 2>&1 \
		</dev/null 3>&- &
	echo $! >"$T/containerd.pid"
	disown
	for i in $(seq 100); do
		hctr version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

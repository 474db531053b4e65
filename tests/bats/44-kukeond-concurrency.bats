# bats file_tags=kukeond
# Concurrency: writers of one object never interleave (daemon threads and in-process kuke
# alike); a writer holding one cell blocks neither reads nor other cells.
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
	cell_setup kc
	daemon_setup
	start_kukeond
	cell_scaffold
	kd create stack other --realm "$R" --space sp >/dev/null
}

teardown() {
	k purge cell c2 --realm "$R" --space sp --stack other >/dev/null 2>&1 || true
	cell_teardown
	daemon_teardown
}

cell_yaml() { # NAME STACK
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata: {name: $1}
	spec:
	  id: $1
	  realmId: $R
	  spaceId: sp
	  stackId: $2
	  containers:
	    - {id: root, root: true, image: $KUKEON_TEST_BUSYBOX_REF, command: sleep, args: [infinity]}
	EOF2
}

# bats test_tags=containerd
@test "concurrency: containers added to one cell at once, through kukeond and in-process, all land" {
	cell_yaml web st >"$BATS_TEST_TMPDIR/web.yaml"
	kd apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	local S="--realm $R --space sp --stack st --cell web" pids=() i
	for i in 1 2 3; do
		kd create container "d$i" $S --image "$KUKEON_TEST_BUSYBOX_REF" --command sleep --args infinity >"$BATS_TEST_TMPDIR/d$i.out" 2>&1 3>&- &
		pids+=($!)
		kp create container "p$i" $S --image "$KUKEON_TEST_BUSYBOX_REF" --command sleep --args infinity >"$BATS_TEST_TMPDIR/p$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || { cat "$BATS_TEST_TMPDIR"/*.out; false; }; done
	run -0 jq -r '.spec.containers[].id' "$RP/data/$R/sp/st/web/metadata.json"
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "d1 d2 d3 p1 p2 p3 root " ]
	run -0 hctr -n "$NS" tasks ls -q
	[ "$(wc -l <<<"$output")" = 7 ]
}

# bats test_tags=containerd
@test "concurrency: a writer holding one cell blocks neither reads nor a cell in another stack" {
	cell_yaml web st >"$BATS_TEST_TMPDIR/web.yaml"
	cell_yaml c2 other >"$BATS_TEST_TMPDIR/c2.yaml"
	# hold web's lock as a slow create would (the daemon's writers take the same file)
	mkdir -p "$RP/.locks"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(20)' \
		"$RP/.locks/${R}_sp_st_web.lock" "$BATS_TEST_TMPDIR/held" 3>&- &
	local holder=$! t0 t1
	# the lock is held before web's create starts (python is slow to start on a busy host)
	for _ in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/held" ] && break; sleep 0.05; done
	[ -e "$BATS_TEST_TMPDIR/held" ]
	kd apply -f "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/web.out" 2>&1 3>&- &
	local web=$!
	sleep 0.3
	t0=${EPOCHREALTIME/./}
	run -0 kd get realms
	run -0 kd apply -f "$BATS_TEST_TMPDIR/c2.yaml"
	[ "$output" = 'Cell "c2": created' ]
	t1=${EPOCHREALTIME/./}
	# both done while web's lock is still held, and web is not created yet
	kill -0 "$holder"
	[ ! -f "$RP/data/$R/sp/st/web/metadata.json" ]
	echo "other work took $(((t1 - t0) / 1000)) ms"
	kill "$holder" # the "slow create" ends: web's own create goes on
	wait "$holder" || true
	wait "$web"
	grep -qx 'Cell "web": created' "$BATS_TEST_TMPDIR/web.out"
}

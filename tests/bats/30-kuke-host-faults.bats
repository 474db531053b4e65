# bats file_tags=kuke
# Host faults under a cell create (issue 15): the run path's file system full (a small
# tmpfs mounted over it, filled page by page), containerd restarted in the middle. The
# command fails with one clear line or succeeds; nothing is half-written; once the fault is
# gone the ordinary command (then refresh, for a status read while containerd was away)
# converges and a delete leaves nothing. containerd is restarted by pid (tests/harness/run.sh
# keeps it in $KUKEON_TEST_TMP/containerd.pid). And the orphan sweep of refresh
# (common/controller/orphans.h): orphans of every kind made by hand, kept within the grace,
# removed past it.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup hf
}

teardown() {
	[ -z "${FILL:-}" ] || rm -f "$FILL"
	cell_teardown
	! mountpoint -q "$RP" || umount "$RP"
}

ready() {
	[ "$(ns_tasks | grep -c '^sp_st_web_.* RUNNING$')" -eq 2 ]
	[ "$(jq -r .status.state "$RP/data/$R/sp/st/web/metadata.json")" = Ready ]
}

# every metadata.json under the run path is whole JSON; no temp file is left
store_whole() {
	local f
	while IFS= read -r f; do
		jq -e . "$f" >/dev/null
	done < <(find "$RP/data" -name metadata.json)
	[ -z "$(find "$RP" -name '*.tmp')" ]
}

# fill the run path's file system but for N free 4 KiB blocks
fill_but() { # N
	rm -f "$FILL"
	local avail
	avail=$(df --output=avail -B4096 "$RP" | tail -1)
	[ "$avail" -gt "$1" ] || return 0
	dd if=/dev/zero of="$FILL" bs=4096 count=$((avail - $1)) 2>/dev/null || true
}

# bats test_tags=containerd
@test "ENOSPC: a full run path fails the create with one line, half-writes nothing; freed, it converges" {
	mkdir -p "$RP"
	mount -t tmpfs -o size=4m tmpfs "$RP"
	FILL=$RP/.fill
	cell_scaffold
	app_cell_yaml web "sleep 1000"
	VETHS=$(veths)
	local n failed=0
	for n in 0 1 2 3 4 5 6 7 8 9 10 12 14 16 20 24; do
		fill_but "$n"
		run k apply -f "$BATS_TEST_TMPDIR/web.yaml"
		echo "# $n free blocks: status $status: $(grep Error: <<<"$output")" >&3
		store_whole
		if [ "$status" -ne 0 ]; then
			failed=$((failed + 1))
			[ "$(grep -c 'No space left on device' <<<"$output")" = 1 ]
			nothing_left web
			[ -z "$(ls "$RP/.journal" 2>/dev/null)" ]
			continue
		fi
		ready
		rm -f "$FILL"
		run -0 k delete cell web --realm "$R" --space sp --stack st
		nothing_left web
	done
	[ "$failed" -gt 0 ]
	rm -f "$FILL"
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

# bats test_tags=containerd
@test "containerd restarted during a create: it fails with one line or succeeds; the apply again converges" {
	cell_scaffold
	app_cell_yaml web "sleep 1000"
	VETHS=$(veths)
	local ms sig pid st
	for ms in 30 120 250; do
		for sig in TERM KILL; do
			k apply -f "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/out" 2>&1 &
			pid=$!
			sleep "0.$(printf '%03d' "$ms")"
			restart_containerd "$sig"
			st=0
			wait "$pid" || st=$?
			echo "# $sig after $ms ms: status $st: $(grep Error: "$BATS_TEST_TMPDIR/out")" >&3
			[ "$st" -eq 0 ] || [ "$(grep -c 'Error: ' "$BATS_TEST_TMPDIR/out")" = 1 ]
			run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
			# a create that succeeded while containerd came back may have stored the
			# status it could see (Unknown): refresh re-reads it
			run -0 k refresh
			ready
			run -0 k delete cell web --realm "$R" --space sp --stack st
			nothing_left web
			[ -z "$(ls "$RP/.journal" 2>/dev/null)" ]
		done
	done
}

# bats test_tags=containerd
@test "orphan sweep: refresh removes hand-made orphans of every kind once past the grace, never a live cell's" {
	cell_scaffold
	VETHS=$(veths)
	app_cell web "sleep 1000"
	local net=$R-sp live sleeper
	live=$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)
	# containerd: a container with its task and snapshot, labelled for a cell with no
	# metadata; a container's snapshot (and its lease, cgroup and cell directory) left by a
	# create killed before its container was made, whose journal record is lost (an
	# image-lookup view is not made here: with no lease, containerd collects it itself)
	hctr -n "$NS" run -d --cpu-shares 0 --label kukeon.io/realm="$R" --label kukeon.io/space=sp \
		--label kukeon.io/stack=st --label kukeon.io/cell=ghost \
		"$KUKEON_TEST_BUSYBOX_REF" sp_st_ghost_root sleep 1000 >/dev/null 3>&-
	app_cell_yaml ghost2 "sleep 1000"
	KUKEON_TEST_FAULT=container-create:snapshot run -137 k apply -f "$BATS_TEST_TMPDIR/ghost2.yaml"
	rm "$RP/.journal/"*
	# cgroupfs: a cell's group with a process in it
	mkdir -p "$CG/$R/sp/st/ghost4"
	sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	sleeper=$!
	disown
	echo "$sleeper" >"$CG/$R/sp/st/ghost4/cgroup.procs"
	# the run path: a cell directory with etc files and a tty dir; a container directory
	# the live cell does not declare
	mkdir -p "$RP/data/$R/sp/st/ghost5/app/tty" "$RP/data/$R/sp/st/web/gone/tty"
	touch "$RP/data/$R/sp/st/ghost5/etc-hosts"
	# a veth pair on the space's bridge with both ends on the host
	ip link add kkorph0 type veth peer name kkorph1
	ip link set kkorph0 master "$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy")"
	# CNI: a reservation and a cache entry of no container
	printf 'sp_st_ghost6_root\r\neth0' >"$IPAM/$net/10.88.250.9"
	jq -n --arg n "$net" '{kind: "cniCacheV1", containerId: "sp_st_ghost6_root", ifName: "eth0", networkName: $n, config: "", result: {cniVersion: "0.4.0"}}' \
		>"$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_ghost6_root-eth0"

	# within the grace (default 3 min) everything of containerd, cgroupfs, the run path and
	# CNI stays: it could be a create in flight. ghost2's members are prepared at once, so the
	# kill may come after one snapshot or after both
	local snaps
	snaps=$(hctr -n "$NS" snapshots ls | grep -c ghost)
	[ "$snaps" -ge 2 ]
	run -0 k refresh
	[ "$(hctr -n "$NS" containers ls -q | grep -c ghost)" = 1 ]
	[ "$(hctr -n "$NS" snapshots ls | grep -c ghost)" = "$snaps" ]
	[ -d "$CG/$R/sp/st/ghost4" ]
	[ -d "$CG/$R/sp/st/ghost2" ]
	[ -d "$RP/data/$R/sp/st/ghost2" ]
	[ -d "$RP/data/$R/sp/st/ghost5/app/tty" ]
	[ -d "$RP/data/$R/sp/st/web/gone/tty" ]
	[ -e "$IPAM/$net/10.88.250.9" ]
	[ -e "$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_ghost6_root-eth0" ]

	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	[[ "$output" == *"Errors:
  (none)" ]]
	[ -z "$(hctr -n "$NS" containers ls -q | grep ghost)" ]
	[ -z "$(hctr -n "$NS" tasks ls -q | grep ghost)" ]
	[ -z "$(hctr -n "$NS" snapshots ls | grep ghost)" ]
	[ ! -e "$CG/$R/sp/st/ghost4" ]
	[ ! -e "$CG/$R/sp/st/ghost2" ]
	[ ! -e "$RP/data/$R/sp/st/ghost2" ]
	[ -z "$(hctr -n "$NS" leases ls | grep ghost)" ]
	! kill -0 "$sleeper" 2>/dev/null
	[ ! -e "$RP/data/$R/sp/st/ghost5" ]
	[ ! -e "$RP/data/$R/sp/st/web/gone" ]
	[ ! -e "$IPAM/$net/10.88.250.9" ]
	[ ! -e "$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_ghost6_root-eth0" ]
	! ip link show kkorph0 2>/dev/null
	# the live cell keeps everything
	ready
	[ -d "$RP/data/$R/sp/st/web/app" ]
	[ "$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)" = "$live" ]
	[ "$(veths)" = "$((VETHS + 1))" ]
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

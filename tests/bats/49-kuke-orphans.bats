# bats file_tags=kuke
# The orphan sweep of refresh (common/controller/orphans.h), for what bats 30 does not
# make: a container inside a cell that has metadata but does not declare it, CNI cache
# entries and host-local reservations within their grace, and space and stack cgroups with
# no metadata. Each orphan is made by hand; a refresh with the default grace (3 min) keeps
# it, one with KUKEON_ORPHAN_GRACE=0 removes it, and the live cell is never touched.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup or
}

teardown() {
	# a kuke the test stopped and did not get to continue: ended (by its pid) before the purge
	local pid
	for pid in ${STOPPED:-} ${REFRESH:-}; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	cell_teardown
}

ready() {
	[ "$(ns_tasks | grep -c '^sp_st_web_.* RUNNING$')" -eq 2 ]
	[ "$(jq -r .status.state "$RP/data/$R/sp/st/web/metadata.json")" = Ready ]
}

# cell web (root and app, sleeping) in sp/st of a new realm; $VETHS taken before
web_up() {
	cell_scaffold
	VETHS=$(veths)
	app_cell web "sleep 1000"
}

# web still ready, then deleted, and nothing of it left
web_down() {
	ready
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

# what cell web's create has made up to its network, one line each (see the test below)
made() {
	ls "$RP/.journal/"
	ls "$IPAM/$R-sp" | grep -v -e lock -e last_reserved
	ls "$KUKEON_CNI_CACHE_DIR/results"
	veths
	ns_tasks
	hctr -n "$NS" containers ls -q | sort
	hctr -n "$NS" snapshots ls | awk 'NR > 1 { print $1 }' | grep '^sp_st_web_' | sort
	ls -d "$CG/$R/sp/st/web"
}

no_errors() {
	[[ "$output" == *"Errors:
  (none)" ]]
}

# bats test_tags=containerd
@test "orphan sweep: a container its cell does not declare goes past the grace, the declared ones stay" {
	web_up
	# one made by hand with the cell's labels and a name of its form; one left by a
	# `create container` killed after its task was made, whose journal record is lost
	hctr -n "$NS" run -d --cpu-shares 0 --label kukeon.io/realm="$R" --label kukeon.io/space=sp \
		--label kukeon.io/stack=st --label kukeon.io/cell=web \
		"$KUKEON_TEST_BUSYBOX_REF" sp_st_web_stray sleep 1000 >/dev/null 3>&-
	KUKEON_TEST_FAULT=container-create:task run -137 k create container extra --cell web \
		--realm "$R" --space sp --stack st --image "$KUKEON_TEST_BUSYBOX_REF" \
		--command sleep --args 1000
	rm "$RP/.journal/"*
	run -0 k refresh
	no_errors
	[ "$(hctr -n "$NS" containers ls -q | grep -c -e stray -e extra)" = 2 ]

	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	no_errors
	no_container_left web stray extra
	# the cell keeps its root and app, running
	[ "$(hctr -n "$NS" containers ls -q | sort | tr '\n' ' ')" = "sp_st_web_app sp_st_web_root " ]
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

# bats test_tags=containerd
@test "orphan sweep: CNI cache entries and reservations of no running root are kept within the grace" {
	web_up
	local net=$R-sp live res=$IPAM/$R-sp/10.88.250.9
	local cache=$KUKEON_CNI_CACHE_DIR/results/$R-sp-sp_st_ghost_root-eth0
	live=$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)
	[ -n "$live" ]
	# what a create in flight has made before its root task runs: a reservation and a
	# cache entry
	printf 'sp_st_ghost_root\r\neth0' >"$res"
	jq -n --arg n "$net" '{kind: "cniCacheV1", containerId: "sp_st_ghost_root", ifName: "eth0", networkName: $n, config: "", result: {cniVersion: "0.4.0"}}' \
		>"$cache"
	run -0 k refresh
	no_errors
	[ -e "$res" ]
	[ -e "$cache" ]
	# past the grace (mtimes 10 minutes old, and with the knob) they go
	touch -d '-10 min' "$res" "$cache"
	run -0 k refresh
	no_errors
	[ ! -e "$res" ]
	[ ! -e "$cache" ]
	printf 'sp_st_ghost_root\r\neth0' >"$res"
	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	[ ! -e "$res" ]
	# the live cell's stay, however old
	touch -d '-10 min' "$IPAM/$net/$live" "$KUKEON_CNI_CACHE_DIR/results/"*
	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	no_errors
	[ "$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)" = "$live" ]
	[ -n "$(ls "$KUKEON_CNI_CACHE_DIR/results/" | grep sp_st_web_root)" ]
	web_down
}

# start_web FAULT: apply cell web (root and app) with KUKEON_TEST_FAULT=FAULT in the
# background, the binary itself so that $STOPPED is its pid
start_web() {
	app_cell_yaml web "sleep 1000"
	KUKEON_TEST_FAULT=$1 "$KUKEON_LINKS/kuke" --run-path "$RP" \
		apply -f "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/apply.out" 2>&1 3>&- &
	STOPPED=$!
}

# web's apply, stopped once the cell's network is up and before its metadata is written,
# has made: a journal record; a reservation and a cache entry of the root; the veth; both
# tasks running; the cgroup. All of it made past any grace (mtimes 10 minutes back).
web_in_flight() {
	stopped "$STOPPED"
	[ "$(ls "$RP/.journal/" | wc -l)" -eq 1 ]
	[ "$(ls "$IPAM/$R-sp" | grep -v -e lock -e last_reserved | wc -l)" -eq 1 ]
	[ -n "$(ls "$KUKEON_CNI_CACHE_DIR/results" | grep sp_st_web_root-eth0)" ]
	[ "$(veths)" -eq $((VETHS + 1)) ]
	[ "$(ns_tasks | grep -c '^sp_st_web_.* RUNNING$')" -eq 2 ]
	[ -d "$CG/$R/sp/st/web" ]
	[ ! -e "$RP/data/$R/sp/st/web/metadata.json" ]
	touch -d '-10 min' "$IPAM/$R-sp/"* "$KUKEON_CNI_CACHE_DIR/results/"* "$CG/$R/sp/st/web"
	BEFORE=$(made)
}

# web's apply continued: it completes, the cell runs, nothing is journaled, nothing swept
web_continued() {
	local rc=0
	kill -CONT "$STOPPED"
	wait "$STOPPED" || rc=$?
	STOPPED=
	[ "$rc" -eq 0 ]
	[[ "$(cat "$BATS_TEST_TMPDIR/apply.out")" == *"created"* ]]
	[ -z "$(ls "$RP/.journal/")" ]
	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	no_errors
	web_down
}

# bats test_tags=containerd
@test "orphan sweep: the network sweep keeps a reservation and cache entry whose create is in flight (journaled, its lock held), past the grace" {
	cell_scaffold
	VETHS=$(veths)
	# refresh walks (no cell yet) and stops before its network sweep; then the apply runs
	# up to its network and stops; then the sweep meets it, old and with no running root
	# of the walk's to own it
	KUKEON_ORPHAN_GRACE=0 KUKEON_TEST_FAULT=refresh:network:stop "$KUKEON_LINKS/kuke" \
		--run-path "$RP" refresh >"$BATS_TEST_TMPDIR/refresh.out" 2>&1 3>&- &
	REFRESH=$!
	stopped "$REFRESH"
	start_web cell-create:network:stop
	web_in_flight
	local rc=0
	kill -CONT "$REFRESH"
	wait "$REFRESH" || rc=$?
	REFRESH=
	output=$(cat "$BATS_TEST_TMPDIR/refresh.out")
	[ "$rc" -eq 0 ]
	no_errors
	[ "$(made)" = "$BEFORE" ]
	web_continued
}

# bats test_tags=containerd
@test "orphan sweep: refresh beside a create in flight removes nothing of it and says the realm was busy" {
	cell_scaffold
	VETHS=$(veths)
	start_web cell-create:network:stop
	web_in_flight
	# the sweep before the walk keeps the cell's containers, tasks, snapshots, cgroup and
	# veth (journaled, locked); the walk waits for the realm the apply holds, says so, and
	# so the network sweep does not run
	KUKEON_ORPHAN_GRACE=0 run -0 timeout 60 "$KUKEON_LINKS/kuke" --run-path "$RP" refresh
	[[ "$output" == *"Errors:
  realm $R: store: timed out after 10s waiting for lock"*"(held by pid $STOPPED)" ]]
	[ "$(made)" = "$BEFORE" ]
	web_continued
}

# bats test_tags=containerd
@test "orphan sweep: space and stack cgroups with no metadata go past the grace, the others stay" {
	web_up
	local sleeper
	# a space with a stack below it, a stack with a process in it, and a stack whose
	# space has metadata; none of them has metadata itself
	mkdir -p "$CG/$R/ghostsp/ghostst" "$CG/$R/sp/ghostst2" "$CG/$R/sp/ghostst3"
	sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	sleeper=$!
	disown
	echo "$sleeper" >"$CG/$R/sp/ghostst2/cgroup.procs"
	run -0 k refresh
	no_errors
	[ -d "$CG/$R/ghostsp/ghostst" ]
	[ -d "$CG/$R/sp/ghostst2" ]
	[ -d "$CG/$R/sp/ghostst3" ]

	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	no_errors
	[ ! -e "$CG/$R/ghostsp" ]
	[ ! -e "$CG/$R/sp/ghostst2" ]
	[ ! -e "$CG/$R/sp/ghostst3" ]
	! kill -0 "$sleeper" 2>/dev/null
	# the space, the stack and the cell with metadata keep theirs; an empty stack too
	run -0 k create stack st2 --realm "$R" --space sp
	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	no_errors
	[ -d "$CG/$R/sp/st/web" ]
	[ -d "$CG/$R/sp/st2" ]
	run -0 k delete stack st2 --realm "$R" --space sp
	web_down
}

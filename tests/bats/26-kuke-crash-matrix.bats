# bats file_tags=kuke
# The crash matrix (issue 15): kuke stopped dead (KUKEON_TEST_FAULT=<point>, exit 137 as
# after a SIGKILL, nothing undone) at each named step of a cell create and delete, then the
# ordinary command run again: it finishes the job, and after a delete nothing is left in
# containerd, the host's links, host-local's store, the CNI cache, cgroupfs or the run path.
# With `:fail` the step fails instead, and the create's undo must leave nothing.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup cm
}

teardown() {
	cell_teardown
}

# the cell of every test: a root and `app` (sleep), in $BATS_TEST_TMPDIR/web.yaml
web() { app_cell_yaml web "sleep 1000"; }

# k with the fault knob: kf POINT[:fail] ARGS...
kf() { KUKEON_TEST_FAULT=$1 k "${@:2}"; }

ready() {
	[ "$(ns_tasks | grep -c '^sp_st_web_.* RUNNING$')" -eq 2 ]
	[ "$(jq -r .status.state "$RP/data/$R/sp/st/web/metadata.json")" = Ready ]
}

create_points=(cell-create:cgroup cell-create:root-task cell-create:network cell-create:metadata)
delete_points=(cell-delete:containers cell-delete:metadata)

# bats test_tags=containerd
@test "crash matrix: killed at every step of a cell create, the apply run again creates it" {
	cell_scaffold
	web
	VETHS=$(veths)
	local p
	for p in "${create_points[@]}"; do
		echo "# $p" >&3
		run -137 kf "$p" apply -f "$BATS_TEST_TMPDIR/web.yaml"
		run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
		[ "$output" = 'Cell "web": created' ]
		ready
		run -0 k delete cell web --realm "$R" --space sp --stack st
		nothing_left web
	done
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a cell delete, the delete run again finishes it" {
	cell_scaffold
	web
	VETHS=$(veths)
	local p
	for p in "${delete_points[@]}"; do
		echo "# $p" >&3
		run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
		ready
		run -137 kf "$p" delete cell web --realm "$R" --space sp --stack st
		run -0 k delete cell web --realm "$R" --space sp --stack st
		nothing_left web
	done
}

# bats test_tags=containerd
@test "crash matrix: a create step that fails is undone, nothing left" {
	cell_scaffold
	web
	VETHS=$(veths)
	local p
	for p in "${create_points[@]}"; do
		run -1 kf "$p:fail" apply -f "$BATS_TEST_TMPDIR/web.yaml"
		[[ "$output" == *"fault injected at $p"* ]]
		nothing_left web
	done
	# and the knob is off without it
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
}

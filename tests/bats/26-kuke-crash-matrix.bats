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

create_points=(cell-create:cgroup container-create:snapshot container-create:container
	container-create:task cell-create:root-task cell-create:network cell-create:metadata)
delete_points=(cell-delete:containers cell-delete:metadata)

# no journal record is left (common/controller/journal.h)
no_journal() { [ -z "$(ls "$RP/.journal" 2>/dev/null)" ]; }

# For each create point: the apply killed there, then CMD ARGS... (the ordinary command);
# then nothing of the cell is left, nor a journal record.
killed_create_then() { # CMD ARGS...
	local p
	for p in "${create_points[@]}"; do
		echo "# create $p" >&3
		run -137 kf "$p" apply -f "$BATS_TEST_TMPDIR/web.yaml"
		[ -n "$(ls "$RP/.journal")" ]
		"$@"
		nothing_left web
		no_journal
	done
}

reapply_then_delete() {
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[ "$output" = 'Cell "web": created' ]
	ready
	run -0 k delete cell web --realm "$R" --space sp --stack st
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a cell create, the apply run again creates it" {
	cell_scaffold
	web
	VETHS=$(veths)
	killed_create_then reapply_then_delete
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a cell create, a delete rolls it back" {
	cell_scaffold
	web
	VETHS=$(veths)
	killed_create_then run -0 k delete cell web --realm "$R" --space sp --stack st
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a create or delete, refresh converges" {
	cell_scaffold
	web
	VETHS=$(veths)
	killed_create_then run -0 k refresh
	local p
	for p in "${delete_points[@]}"; do
		echo "# delete $p" >&3
		run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
		ready
		run -137 kf "$p" delete cell web --realm "$R" --space sp --stack st
		run -0 k refresh
		nothing_left web
		no_journal
	done
}

# bats test_tags=containerd
@test "crash matrix: a killed create's cell goes with its stack's cascade delete" {
	cell_scaffold
	web
	VETHS=$(veths)
	run -137 kf cell-create:network apply -f "$BATS_TEST_TMPDIR/web.yaml"
	run -0 k delete stack st --realm "$R" --space sp --cascade
	nothing_left web
	no_journal
}

# bats test_tags=containerd
@test "crash matrix: a corrupt journal record is one line, and the cell it names is rolled back" {
	cell_scaffold
	web
	VETHS=$(veths)
	local f
	for f in garbage empty; do
		run -137 kf cell-create:root-task apply -f "$BATS_TEST_TMPDIR/web.yaml"
		rec=$(ls "$RP"/.journal/*.cell)
		[ "$f" = empty ] && : >"$rec" || printf 'kukeon-journal 9 \x00 garbage' >"$rec"
		run -0 k refresh
		[ "$(grep -c "journal \`$rec\` is corrupt: rolled back cell \`web\` by its names" <<<"$output")" = 1 ]
		nothing_left web
		no_journal
	done
}

# bats test_tags=containerd
@test "crash matrix: a killed re-apply of a committed cell loses nothing" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	# a stopped cell's re-apply starts it again: killed half way, the cell stays
	run -0 k stop cell web --realm "$R" --space sp --stack st
	run -137 kf container-create:task start cell web --realm "$R" --space sp --stack st
	run -0 k refresh
	[ -e "$RP/data/$R/sp/st/web/metadata.json" ]
	run -0 k start cell web --realm "$R" --space sp --stack st
	ready
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a stop, the stop run again finishes it" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	local p
	for p in container-stop:signal cell-stop:containers; do
		echo "# $p" >&3
		run -0 k start cell web --realm "$R" --space sp --stack st
		run -137 kf "$p" stop cell web --realm "$R" --space sp --stack st
		run -0 k stop cell web --realm "$R" --space sp --stack st
		[ -z "$(ns_tasks | grep RUNNING)" ]
		[ "$(jq -r .status.state "$RP/data/$R/sp/st/web/metadata.json")" = Stopped ]
	done
	run -0 k start cell web --realm "$R" --space sp --stack st
	ready
}

# bats test_tags=containerd
@test "crash matrix: killed between the documents of an apply, the apply run again converges" {
	cell_scaffold
	web
	VETHS=$(veths)
	{
		printf 'apiVersion: v1beta1\nkind: Stack\nmetadata:\n  name: st2\nspec:\n'
		printf '  realmId: %s\n  spaceId: sp\n---\n' "$R"
		cat "$BATS_TEST_TMPDIR/web.yaml"
	} >"$BATS_TEST_TMPDIR/all.yaml"
	local p
	for p in apply:stack apply:cell; do
		echo "# $p" >&3
		run -137 kf "$p" apply -f "$BATS_TEST_TMPDIR/all.yaml"
		run -0 k apply -f "$BATS_TEST_TMPDIR/all.yaml"
		ready
		[ -e "$RP/data/$R/sp/st2/metadata.json" ]
		run -0 k delete cell web --realm "$R" --space sp --stack st
		run -0 k delete stack st2 --realm "$R" --space sp
		nothing_left web
	done
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a cell delete or purge, the command run again finishes it" {
	cell_scaffold
	web
	VETHS=$(veths)
	local p verb
	for verb in delete purge; do
		for p in "${delete_points[@]}" cell-purge:metadata; do
			[ "$verb:$p" != delete:cell-purge:metadata ] || continue
			[ "$verb:$p" != purge:cell-delete:metadata ] || continue
			echo "# $verb $p" >&3
			run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
			ready
			run -137 kf "$p" "$verb" cell web --realm "$R" --space sp --stack st
			run -0 k "$verb" cell web --realm "$R" --space sp --stack st
			nothing_left web
			no_journal
		done
	done
}

# bats test_tags=containerd
@test "crash matrix: killed at every step of a container create in a running cell, the create run again makes it" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	local p extra=(extra --cell web --realm "$R" --space sp --stack st)
	for p in container-create:snapshot container-create:container container-create:task; do
		echo "# $p" >&3
		run -137 kf "$p" create container "${extra[@]}" --image "$KUKEON_TEST_BUSYBOX_REF" \
			--command sleep --args 1000
		run -0 k create container "${extra[@]}" --image "$KUKEON_TEST_BUSYBOX_REF" \
			--command sleep --args 1000
		ns_tasks | grep -qx 'sp_st_web_extra RUNNING'
		run -0 k delete container "${extra[@]}"
		[ -z "$(hctr -n "$NS" containers ls -q | grep extra)" ]
		[ -z "$(hctr -n "$NS" snapshots ls | grep extra)" ]
		ready
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
		no_journal
	done
	# and the knob is off without it
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
}

# the container `extra` of cell web: nothing of it in containerd, cgroupfs, the run path,
# the cell's spec or the journal; the cell itself still ready
no_extra() {
	no_container_left web extra
	[ -z "$(jq -r '.spec.containers[].id' "$RP/data/$R/sp/st/web/metadata.json" | grep extra)" ]
	no_journal
	ready
}

# Each container create point: `create container extra` (or, with `apply`, a Container
# document) killed there leaves a journal record; then CMD ARGS... converges (no_extra).
killed_container_create_then() { # apply|create CMD ARGS...
	local how=$1 p extra=(extra --cell web --realm "$R" --space sp --stack st)
	shift
	cat >"$BATS_TEST_TMPDIR/extra.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Container
	metadata:
	  name: extra
	spec:
	  id: extra
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  cellId: web
	  image: $KUKEON_TEST_BUSYBOX_REF
	  command: sleep
	  args: ["1000"]
	EOF2
	for p in container-create:snapshot container-create:container container-create:task; do
		echo "# $how $p" >&3
		if [ "$how" = apply ]; then
			run -137 kf "$p" apply -f "$BATS_TEST_TMPDIR/extra.yaml"
		else
			run -137 kf "$p" create container "${extra[@]}" \
				--image "$KUKEON_TEST_BUSYBOX_REF" --command sleep --args 1000
		fi
		[ -e "$RP/.journal/${R}_sp_st_web_extra.container" ]
		"$@"
		no_extra
	done
}

# bats test_tags=containerd
@test "crash matrix: a container create killed at every step, then delete container removes all of it" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	killed_container_create_then create \
		run -0 k delete container extra --cell web --realm "$R" --space sp --stack st
	killed_container_create_then apply \
		run -0 k delete container extra --cell web --realm "$R" --space sp --stack st
	# with no record, a container the cell does not declare is still not found
	run -1 k delete container extra --cell web --realm "$R" --space sp --stack st
	[[ "$output" == *'container "extra" not found in cell "web"'* ]]
}

# bats test_tags=containerd
@test "crash matrix: a container create killed at every step, refresh or the next command on the cell rolls it back" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	killed_container_create_then create run -0 k refresh
	killed_container_create_then create run -0 k start cell web --realm "$R" --space sp --stack st
}

# bats test_tags=containerd
@test "crash matrix: a container delete killed at every step, the delete again or refresh finishes it" {
	cell_scaffold
	web
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	local p then extra=(extra --cell web --realm "$R" --space sp --stack st)
	for then in delete refresh; do
		for p in container-delete:task container-delete:metadata; do
			echo "# $p, then $then" >&3
			run -0 k create container "${extra[@]}" --image "$KUKEON_TEST_BUSYBOX_REF" \
				--command sleep --args 1000
			ns_tasks | grep -qx 'sp_st_web_extra RUNNING'
			run -137 kf "$p" delete container "${extra[@]}"
			[ -e "$RP/.journal/${R}_sp_st_web_extra.container" ]
			if [ "$then" = delete ]; then
				run -0 k delete container "${extra[@]}"
			else
				run -0 k refresh
			fi
			no_extra
		done
	done
}

# bats test_tags=containerd
@test "crash matrix: a cell delete drops the records of its containers" {
	cell_scaffold
	web
	VETHS=$(veths)
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ready
	run -137 kf container-create:task create container extra --cell web --realm "$R" \
		--space sp --stack st --image "$KUKEON_TEST_BUSYBOX_REF" --command sleep --args 1000
	[ -e "$RP/.journal/${R}_sp_st_web_extra.container" ]
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
	no_journal
}

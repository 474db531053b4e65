# bats file_tags=kuke
# Bugs found by trying kuke as a user would (issue 15), each shown first by a test here:
# parallel applies of one new cell, an unreadable metadata.json, a NUL in a name.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup hd
}

teardown() {
	cell_teardown
}

# bats test_tags=containerd
@test "hardening: five parallel applies of one new cell: one says created, the others unchanged" {
	cell_scaffold
	AUTO=false app_cell web 'sleep 1000'
	k delete cell web --realm "$R" --space sp --stack st >/dev/null
	local pids=() i
	for i in 1 2 3 4 5; do
		k apply -f "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/o$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run -0 cat "$BATS_TEST_TMPDIR"/o1 "$BATS_TEST_TMPDIR"/o2 "$BATS_TEST_TMPDIR"/o3 \
		"$BATS_TEST_TMPDIR"/o4 "$BATS_TEST_TMPDIR"/o5
	[ "$(grep -c '^Cell "web": created$' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^Cell "web": unchanged$' <<<"$output")" -eq 4 ]
	[ "$(ns_tasks | grep -c RUNNING)" -eq 2 ]
}

# bats test_tags=containerd
@test "hardening: an unreadable cell metadata.json: listed as skipped, delete says how, purge removes the cell" {
	cell_scaffold
	app_cell web 'sleep 1000'
	app_cell ok 'sleep 1000'
	local cg=$CG/$R/sp/st/web
	[ -d "$cg" ]
	echo '{"apiVersion":' >"$RP/data/$R/sp/st/web/metadata.json"
	# the list goes on, names what it passed over, and succeeds
	run -0 --separate-stderr k get cells --realm "$R" --space sp --stack st
	[[ "$output" == *"ok "* ]]
	[[ "$output" != *"web"* ]]
	[ "$stderr" = "kuke: warning: skipped $RP/data/$R/sp/st/web/metadata.json: invalid JSON at byte 14" ]
	# delete refuses with one line that says what removes it; nothing changes
	run -1 k delete cell web --realm "$R" --space sp --stack st
	[ "$output" = "kuke: $RP/data/$R/sp/st/web/metadata.json: invalid JSON at byte 14 (\`kuke purge cell web\` removes the cell without it)" ]
	[ "$(ns_tasks | grep -c '^sp_st_web_')" -eq 2 ]
	# purge goes by the cell's names: containers, tasks, cgroup and directory go
	run -0 k purge cell web --realm "$R" --space sp --stack st
	[ "${lines[0]}" = 'Purged cell "web" from stack "st"' ]
	run -0 hctr -n "$NS" containers ls -q
	[[ "$output" != *sp_st_web_* ]]
	[ ! -d "$cg" ]
	[ ! -d "$RP/data/$R/sp/st/web" ]
	# the other cell is untouched
	[ "$(ns_tasks | grep -c '^sp_st_ok_.* RUNNING')" -eq 2 ]
}

# bats test_tags=containerd
@test "hardening: a realm purge goes through a cell whose metadata cannot be read" {
	cell_scaffold
	app_cell web 'sleep 1000'
	: >"$RP/data/$R/sp/st/web/metadata.json"
	run -0 k purge realm "$R" --cascade
	[ "${lines[0]}" = "Purged realm \"$R\"" ]
	run -0 ns_ls
	[[ "$output" != *"$NS"* ]]
	[ ! -d "$CG/$R" ]
	[ ! -d "$RP/data/$R" ]
}

@test "hardening: a NUL in a name is refused, not truncated" {
	printf 'apiVersion: v1beta1\nkind: Realm\nmetadata:\n  name: "a\\0b"\n' >"$BATS_TEST_TMPDIR/nul.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/nul.yaml"
	# upstream's validation report: the document, then the line and the problem
	[ "${lines[0]}" = "kuke: validation failed:" ]
	[[ "${lines[1]}" == *"yaml: line 4: a string contains a NUL character (\\0), which kukeon does not accept"* ]]
	[ ! -d "$RP/data/a" ]
	# exactly that namespace (other suites' realms share the harness's containerd)
	[ -z "$(ns_ls | awk '$1 == "a.kukeon.io"')" ]
}

# bats test_tags=containerd
@test "hardening: a space or stack whose cells could not have containerd ids is refused when created" {
	local s68 s64
	s68=$(printf 'a%.0s' $(seq 68))
	s64=$(printf 'b%.0s' $(seq 64))
	k create realm "$R" >/dev/null
	run -1 k create space "$s68" --realm "$R"
	[ "$output" = "kuke: space \"$s68\": a cell in it would need a containerd id of at least 77 characters (\"${s68}_<stack>_<cell>_root\"); containerd allows at most 76: choose a shorter name" ]
	[ ! -e "$RP/data/$R/$s68" ]
	# 64 leaves room for a short stack, not for "default"
	k create space "$s64" --realm "$R" >/dev/null
	run -1 k create stack default --realm "$R" --space "$s64"
	[ "$output" = "kuke: stack \"default\": a cell in it would need a containerd id of at least 79 characters (\"${s64}_default_<cell>_root\"); containerd allows at most 76: choose a shorter name" ]
	[ ! -e "$RP/data/$R/$s64/default" ]
	run -0 k create stack s --realm "$R" --space "$s64"
}

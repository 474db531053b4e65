# bats file_tags=kuke
# kuke create | get | delete | purge stack.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	R=tr$BATS_TEST_NUMBER
}

# bats test_tags=containerd
@test "create stack: cgroup, metadata with spec.id and labels" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space sp --realm "$R" >/dev/null
	run -0 k create st api --realm "$R" --space sp
	[ "${lines[0]}" = "Stack \"api\" (realm \"$R\", space \"sp\")" ]
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[2]}" = "  - cgroup: created" ]
	[ -f "$CG/$R/sp/api/cgroup.controllers" ]
	[ "$(cat "$CG/$R/sp/api/cgroup.subtree_control")" = "$(want_controllers)" ]
	sed "s/$R/REALM/g" "$RP/data/$R/sp/api/metadata.json" | golden stack-metadata.json
	run -0 k create stack api --realm "$R" --space sp
	[ "${lines[1]}" = "  - metadata: already existed" ]
	[ "${lines[2]}" = "  - cgroup: already existed" ]
}

@test "create stack: the parent space must exist; scope flags default to default" {
	run -1 k create stack api
	[ "$output" = 'kuke: space "default" not found in realm "default"' ]
	run -1 k create stack api --realm x --space y
	[ "$output" = 'kuke: space "y" not found in realm "x"' ]
	run -1 k create stack a_b
	[[ "$output" == *'stack name "a_b" contains disallowed character'* ]]
	[ ! -e "$RP/data" ]
}

# bats test_tags=containerd
@test "get stack: tables and documents; filters; not found" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space sp --realm "$R" >/dev/null
	k create stack a --realm "$R" --space sp >/dev/null
	k create stack b --realm "$R" --space sp >/dev/null
	run -0 k get stacks
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden stack-table.txt
	run -0 k get stacks --realm "$R" --space sp --show-controllers
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == *CONTROLLERS* ]]
	run -0 k get stacks --space other
	[ "$output" = "No stacks found." ]
	run -0 k get stack a --realm "$R" --space sp
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden stack-get.yaml
	run -1 k get stack zz --realm "$R" --space sp
	[ "$output" = "kuke: stack \"zz\" not found in realm \"$R\", space \"sp\"" ]
}

# bats test_tags=containerd
@test "delete and purge stack" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space sp --realm "$R" >/dev/null
	k create stack a --realm "$R" --space sp >/dev/null
	k create stack b --realm "$R" --space sp >/dev/null
	mkdir -p "$RP/data/$R/sp/a/cell1"
	run -1 k delete stack a --realm "$R" --space sp
	[ "$output" = "kuke: failed to delete stack: resource has child resources: stack \"a\" has 1 cell(s). Use --cascade to delete them or --force to skip validation" ]
	run -0 k delete stack a --realm "$R" --space sp --force
	[ "$output" = 'Deleted stack "a" from space "sp"' ]
	[ ! -e "$RP/data/$R/sp/a" ]
	[ ! -e "$CG/$R/sp/a" ]
	run -0 k purge stack b --realm "$R" --space sp
	[ "${lines[0]}" = 'Purged stack "b" from space "sp"' ]
	[ ! -e "$RP/data/$R/sp/b" ]
	[ ! -e "$CG/$R/sp/b" ]
	run -1 k delete stack b --realm "$R" --space sp
	[ "$output" = "kuke: stack \"b\" not found in realm \"$R\", space \"sp\"" ]
}

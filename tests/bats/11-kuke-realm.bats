# bats file_tags=kuke
# kuke create | get | delete | purge realm against the harness containerd and cgroup2 view;
# ctr and the file system are the witnesses.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	R=r$BATS_TEST_NUMBER
	NS=$R.kukeon.io
}

# bats test_tags=containerd
@test "create realm: namespace with labels, delegated cgroup, metadata" {
	require_containerd
	run -0 k create realm "$R"
	[ "${lines[0]}" = "Realm \"$R\" (namespace \"$NS\")" ]
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[2]}" = "  - containerd namespace: created" ]
	[ "${lines[3]}" = "  - cgroup: created" ]
	ns_ls | grep -qx "$NS realm.kukeon.io=$NS"
	[ -f "$CG/$R/cgroup.controllers" ]
	[ "$(cat "$CG/$R/cgroup.subtree_control")" = "$(want_controllers)" ]
	[ -f "$RP/.kukeon-instance.json" ]
	jq -e --arg cg "$CGR/$R" '.status.cgroupPath == $cg and .status.state == "Ready"' "$RP/data/$R/metadata.json"
	sed "s/$R/REALM/g" "$RP/data/$R/metadata.json" | golden realm-metadata.json
}

# bats test_tags=containerd
@test "create realm: a second run reports what already existed; --namespace is used for a new realm" {
	require_containerd
	k create realm "$R"
	run -0 k create realm "$R"
	[ "${lines[1]}" = "  - metadata: already existed" ]
	[ "${lines[2]}" = "  - containerd namespace: already existed" ]
	[ "${lines[3]}" = "  - cgroup: already existed" ]
	run -0 k create realm "${R}b" --namespace "custom-$R"
	[ "${lines[0]}" = "Realm \"${R}b\" (namespace \"custom-$R\")" ]
	ns_ls | grep -q "^custom-$R "
	# in-process (--no-daemon) mode shows the runner's line first, as upstream
	run -0 k --no-daemon c r "${R}c"
	[ "${lines[0]}" = "Creating containerd namespace '${R}c.kukeon.io'" ]
	[ "${lines[1]}" = "Realm \"${R}c\" (namespace \"${R}c.kukeon.io\")" ]
}

# bats test_tags=containerd
@test "create realm: completes what a crash left (namespace and cgroup made by hand)" {
	require_containerd
	hctr namespaces create "$NS"
	mkdir -p "$CG/$R"
	run -0 k create realm "$R"
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[2]}" = "  - containerd namespace: already existed" ]
	[ "${lines[3]}" = "  - cgroup: already existed" ]
	[ -f "$RP/data/$R/metadata.json" ]
}

# bats test_tags=containerd
@test "create realm: a failing step undoes the earlier ones" {
	require_containerd
	mkdir -p "$BATS_TEST_TMPDIR/notcg"
	KUKEON_CGROUP_MOUNT=$BATS_TEST_TMPDIR/notcg run -1 k create realm "$R"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "kuke: create realm \`$R\`: cgroup "* ]]
	! ns_ls | grep -q "^$NS "
	[ ! -e "$RP/data/$R" ]
}

@test "create realm: bad names are one line and nothing is written" {
	run -1 k create realm bad_name
	[ "$output" = "kuke: realm name is invalid: \"bad_name\" contains disallowed character (must not contain '_' or '/')" ]
	run -1 k create realm 'a b'
	[[ "$output" == *'"a b" must match'* ]]
	run -1 k create realm "$(printf 'x%.0s' {1..80})"
	[[ "$output" == *"containerd allows at most 76"* ]]
	run -1 k create realm '  '
	[ "$output" = "kuke: realm name is required (usage: kuke create realm [name] [flags])" ]
	run -2 k create realm a b
	[ "$output" = "kuke: create realm: accepts at most 1 arg(s), received 2" ]
	[ ! -e "$RP" ]
}

# bats test_tags=containerd
@test "create realm: a run path bootstrapped with another cgroup root is refused" {
	require_containerd
	k create realm "$R"
	KUKEON_CGROUP_ROOT=/elsewhere run -1 k create realm "${R}x"
	[ "$output" = "kuke: runPath \"$RP\" was bootstrapped with containerdNamespaceSuffix=\"kukeon.io\" cgroupRoot=\"$CGR\" but the running configuration requests containerdNamespaceSuffix=\"kukeon.io\" cgroupRoot=\"/elsewhere\": kukeon instance mismatch" ]
	[ ! -e "$RP/data/${R}x" ]
	! ns_ls | grep -q "^${R}x.kukeon.io "
	[ ! -e /sys/fs/cgroup/elsewhere ]
}

# bats test_tags=containerd
@test "get realm: table, yaml, json, KUKE_GET_OUTPUT, --show-controllers" {
	require_containerd
	k create realm "${R}a" >/dev/null
	k create realm "${R}b" >/dev/null
	run -0 k get realms
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden realm-table.txt
	run -0 k get r --show-controllers
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden realm-table-controllers.txt
	run -0 k get realm "${R}a"
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden realm-get.yaml
	run -0 k get realm "${R}a" -o json
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden realm-get.json
	run -0 k get realms -o yaml
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden realm-list.yaml
	KUKE_GET_OUTPUT=JSON run -0 k get realms
	[ "$(printf '%s' "$output" | jq length)" = 2 ]
	run -1 k get realms -o wide
	[ "$output" = "kuke: invalid output format: wide (supported: yaml, json, table)" ]
	run -1 k get realm nope
	[ "$output" = 'kuke: realm "nope" not found' ]
}

@test "get realm: an empty run path" {
	run -0 k get realms
	[ "$output" = "No realms found." ]
	run -0 k get realms -o json
	[ "$output" = "[]" ]
}

# bats test_tags=containerd
@test "delete realm: refuses while it has spaces; --cascade takes them; everything goes" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space s1 --realm "$R" >/dev/null
	run -1 k delete realm "$R"
	[ "$output" = "kuke: failed to delete realm: resource has child resources: realm \"$R\" has 1 space(s). Use --cascade to delete them or --force to skip validation" ]
	[ -f "$RP/data/$R/s1/metadata.json" ]
	run -0 k delete r "$R" --cascade
	[ "$output" = "Deleted realm \"$R\"" ]
	! ns_ls | grep -q "^$NS "
	[ ! -e "$CG/$R" ]
	[ ! -e "$RP/data/$R" ]
	run -1 k delete realm "$R"
	[ "$output" = "kuke: realm \"$R\" not found" ]
	run -2 k delete realm
	[ "$output" = "kuke: delete realm: accepts 1 arg(s), received 0" ]
}

# bats test_tags=containerd
@test "delete realm --force skips the child check" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space s1 --realm "$R" >/dev/null
	run -0 k delete realm "$R" --force
	[ ! -e "$RP/data/$R/metadata.json" ]
	! ns_ls | grep -q "^$NS "
}

# bats test_tags=containerd
@test "purge realm: works with broken metadata and takes namespace, cgroup and files" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space s1 --realm "$R" >/dev/null
	echo 'not json' >"$RP/data/$R/metadata.json"
	run -1 k purge realm "$R"
	[[ "$output" == *"Use --cascade to purge them or --force to skip validation" ]]
	run -0 k purge realm "$R" --cascade
	[ "${lines[0]}" = "Purged realm \"$R\"" ]
	! ns_ls | grep -q "^$NS "
	[ ! -e "$CG/$R" ]
	[ ! -e "$RP/data/$R" ]
	# nothing left at all: purge is still fine
	run -0 k purge realm "$R"
}

# bats test_tags=containerd
@test "kuke -v says the controller runs in-process; without -v nothing is logged" {
	require_containerd
	run -0 k -v get realms
	[[ "$output" == *'"running the controller in-process"'* ]]
	run -0 k get realms
	[[ "$output" != *"in-process"* ]]
}

@test "global settings: flag > environment > client configuration > default" {
	run -0 k get realms
	[ "$(stat -c %a "$HOME/.kuke/kuke.yaml")" = 600 ]
	[ "$(stat -c %a "$HOME/.kuke")" = 750 ]
	grep -q '^kind: ClientConfiguration$' "$HOME/.kuke/kuke.yaml"
	# the configuration's runPath is used when neither flag nor environment says otherwise
	mkdir -p "$BATS_TEST_TMPDIR/cfgrun/data/fromcfg" "$BATS_TEST_TMPDIR/envrun/data/fromenv" "$BATS_TEST_TMPDIR/flagrun/data/fromflag"
	for d in fromcfg:cfgrun fromenv:envrun fromflag:flagrun; do
		printf '{"apiVersion":"v1beta1","kind":"Realm","metadata":{"name":"%s"},"spec":{"namespace":"%s.kukeon.io"},"status":{"state":"Ready"}}\n' \
			"${d%%:*}" "${d%%:*}" >"$BATS_TEST_TMPDIR/${d#*:}/data/${d%%:*}/metadata.json"
	done
	printf 'apiVersion: v1beta1\nkind: ClientConfiguration\nspec:\n  runPath: %s\n' "$BATS_TEST_TMPDIR/cfgrun" >"$BATS_TEST_TMPDIR/c.yaml"
	run -0 kuke --configuration "$BATS_TEST_TMPDIR/c.yaml" get realms
	[[ "$output" == *fromcfg* ]]
	KUKE_CONFIGURATION=$BATS_TEST_TMPDIR/c.yaml run -0 kuke get realms
	[[ "$output" == *fromcfg* ]]
	KUKEON_RUN_PATH=$BATS_TEST_TMPDIR/envrun run -0 kuke --configuration "$BATS_TEST_TMPDIR/c.yaml" get realms
	[[ "$output" == *fromenv* ]]
	KUKEON_RUN_PATH=$BATS_TEST_TMPDIR/envrun run -0 kuke --configuration "$BATS_TEST_TMPDIR/c.yaml" --run-path "$BATS_TEST_TMPDIR/flagrun" get realms
	[[ "$output" == *fromflag* ]]
	# an empty variable counts as unset: the configuration still applies
	KUKEON_RUN_PATH= run -0 kuke --configuration "$BATS_TEST_TMPDIR/c.yaml" get realms
	[[ "$output" == *fromcfg* ]]
	KUKEON_VERBOSE=true KUKEON_RUN_PATH=$BATS_TEST_TMPDIR/envrun run -0 kuke get realms
	[[ "$output" == *"in-process"* ]]
	printf 'kind: Other\n' >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 kuke --configuration "$BATS_TEST_TMPDIR/bad.yaml" get realms
	[ "$output" = "kuke: client configuration \"$BATS_TEST_TMPDIR/bad.yaml\" has kind \"Other\", want \"ClientConfiguration\": client configuration is invalid" ]
}

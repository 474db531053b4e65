# bats file_tags=kuke
# kuke create | get | delete | purge space: conflist, subnet, cgroup and metadata on disk.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	R=sr$BATS_TEST_NUMBER
}

# a failed test leaves no cell running in the shared containerd
teardown() {
	[ -d "$RP/data/$R" ] || return 0
	k purge realm "$R" --cascade >/dev/null 2>&1 || true
}

# bats test_tags=containerd
@test "create space: conflist as reference 7.4, persisted subnet, cgroup, metadata" {
	require_containerd
	k create realm "$R" >/dev/null
	run -0 k create space web --realm "$R"
	[ "${lines[0]}" = "Space \"web\" (realm \"$R\", network \"$R-web\")" ]
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[2]}" = "  - network: created" ]
	[ "${lines[3]}" = "  - cgroup: created" ]
	D=$RP/data/$R/web
	[ "$(stat -c %a "$D/network.conflist")" = 600 ]
	[ "$(stat -c %a "$D/network.json")" = 600 ]
	# bridge name: k- + FNV-1a of the network name
	bridge=$(jq -r '.plugins[0].bridge' "$D/network.conflist")
	[[ "$bridge" =~ ^k-[0-9a-f]{8}$ ]]
	sed -e "s/$bridge/BRIDGE/" -e "s/$R/REALM/g" "$D/network.conflist" | golden space-conflist.json
	[ "$(tail -c1 "$D/network.conflist" | od -An -c | tr -d ' ')" = "}" ] # no trailing newline
	[ "$(jq -r .subnetCIDR "$D/network.json")" = 10.88.0.0/24 ]
	[ -f "$CG/$R/web/cgroup.controllers" ]
	[ "$(cat "$CG/$R/web/cgroup.subtree_control")" = "$(want_controllers)" ]
	jq -e --arg p "$D/network.conflist" '.spec.cniConfigPath == $p' "$D/metadata.json"
	sed "s/$R/REALM/g" "$D/metadata.json" | golden space-metadata.json
}

# bats test_tags=containerd
@test "create space: the default-default example bridge, and first-free subnets" {
	require_containerd
	k create realm default >/dev/null
	k create space default >/dev/null
	[ "$(jq -r '.plugins[0].bridge' "$RP/data/default/default/network.conflist")" = k-703e8b3a ]
	k create realm "$R" >/dev/null
	k create space a --realm "$R" >/dev/null
	k create space b --realm "$R" >/dev/null
	[ "$(jq -r .subnetCIDR "$RP/data/$R/a/network.json")" = 10.88.1.0/24 ]
	[ "$(jq -r .subnetCIDR "$RP/data/$R/b/network.json")" = 10.88.2.0/24 ]
	k delete space a --realm "$R" >/dev/null
	k create space c --realm "$R" >/dev/null
	[ "$(jq -r .subnetCIDR "$RP/data/$R/c/network.json")" = 10.88.1.0/24 ]
	k delete realm default --cascade >/dev/null
}

# bats test_tags=containerd
@test "create space: completes a half-made space (conflist gone, cgroup made by hand)" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space web --realm "$R" >/dev/null
	rm "$RP/data/$R/web/network.conflist"
	run -0 k create space web --realm "$R"
	[ "${lines[1]}" = "  - metadata: already existed" ]
	[ "${lines[2]}" = "  - network: created" ]
	[ "${lines[3]}" = "  - cgroup: already existed" ]
	[ "$(jq -r '.plugins[0].ipam.ranges[0][0].subnet' "$RP/data/$R/web/network.conflist")" = 10.88.0.0/24 ]
}

@test "create space: under a missing realm nothing is written" {
	run -1 k create space web --realm nope
	[ "$output" = 'kuke: realm "nope" not found' ]
	run -1 k create space web
	[ "$output" = 'kuke: realm "default" not found' ]
	[ ! -e "$RP/data" ]
	run -1 k create space bad_name --realm nope
	[ "$output" = "kuke: name is invalid: space name \"bad_name\" contains disallowed character (must not contain '_' or '/')" ]
}

# bats test_tags=containerd
@test "create space: a bad egress policy or container default is refused before anything is made" {
	require_containerd
	k create realm "$R" >/dev/null
	cat >"$BATS_TEST_TMPDIR/s.yaml" <<-YAML
	apiVersion: v1beta1
	kind: Space
	metadata:
	  name: web
	spec:
	  realmId: $R
	  network:
	    egress:
	      default: maybe
	YAML
	run -1 k apply -f "$BATS_TEST_TMPDIR/s.yaml"
	[ "${lines[0]}" = 'Space "web": failed' ]
	[[ "${lines[1]}" == *"egress default must be 'allow' or 'deny'" ]]
	[ ! -e "$RP/data/$R/web" ]
	[ ! -e "$CG/$R/web" ]
	cat >"$BATS_TEST_TMPDIR/d.yaml" <<-YAML
	kind: Space
	metadata:
	  name: web
	spec:
	  realmId: $R
	  defaults:
	    container:
	      tmpfs:
	        - path: relative
	YAML
	run -1 k apply -f "$BATS_TEST_TMPDIR/d.yaml"
	[ "${lines[1]}" = '  Error: space "web": spec.defaults.container.tmpfs[0].path: `relative` is not an absolute path' ]
	[ ! -e "$RP/data/$R/web" ]
}

# bats test_tags=containerd
@test "create space: egress and container defaults are stored" {
	require_containerd
	cat >"$BATS_TEST_TMPDIR/s.yaml" <<-YAML
	apiVersion: v1beta1
	kind: Space
	metadata:
	  name: web
	spec:
	  realmId: $R
	  network:
	    egress:
	      default: deny
	      allow:
	        - cidr: 10.99.0.0/16
	          ports: [443, 80, 443]
	  defaults:
	    container:
	      user: "1000"
	      readOnlyRootFilesystem: true
	YAML
	run -0 k apply -f "$BATS_TEST_TMPDIR/s.yaml"
	jq -e '.spec.network.egress.default == "deny" and .spec.defaults.container.user == "1000" and .spec.defaults.container.readOnlyRootFilesystem == true' "$RP/data/$R/web/metadata.json"
}

# bats test_tags=containerd
@test "get space: list across realms, --realm filter, single, not found" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space a --realm "$R" >/dev/null
	k create space b --realm "$R" >/dev/null
	run -0 k get spaces
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden space-table.txt
	run -0 k get sp --realm "$R" --show-controllers
	[ "${lines[0]}" = "NAME  REALM  STATE  CGROUP$(printf '%*s' $((${#CGR} + ${#R} + 3 - 6)) '')  CONTROLLERS" ]
	[ "${#lines[@]}" -eq 4 ]
	run -0 k get spaces --realm other
	[ "$output" = "No spaces found." ]
	run -0 k get space a --realm "$R" -o json
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden space-get.json
	run -1 k get space zz --realm "$R"
	[ "$output" = "kuke: space \"zz\" not found in realm \"$R\"" ]
}

# bats test_tags=containerd
@test "delete space: refuses with stacks; --cascade; conflist, subnet, cgroup, metadata go" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space web --realm "$R" >/dev/null
	k create stack st --realm "$R" --space web >/dev/null
	run -1 k delete space web --realm "$R"
	[ "$output" = "kuke: failed to delete space: resource has child resources: space \"web\" has 1 stack(s). Use --cascade to delete them or --force to skip validation" ]
	run -0 k delete space web --realm "$R" --cascade
	[ "$output" = "Deleted space \"web\" from realm \"$R\"" ]
	[ ! -e "$RP/data/$R/web" ]
	[ ! -e "$CG/$R/web" ]
	[ -f "$RP/data/$R/metadata.json" ]
	run -1 k delete space web --realm "$R"
	[ "$output" = "kuke: space \"web\" not found in realm \"$R\"" ]
}

# bats test_tags=containerd
@test "purge space: reports what it removed" {
	require_containerd
	k create realm "$R" >/dev/null
	k create space web --realm "$R" >/dev/null
	run -0 k purge sp web --realm "$R"
	[ "${lines[0]}" = "Purged space \"web\" from realm \"$R\"" ]
	[ "${lines[1]}" = "Deleted resources -> metadata:true cgroup:true cni:true" ]
	[ "${lines[2]}" = "Additional resources purged: [cni-resources all-metadata]" ]
	[ ! -e "$RP/data/$R/web" ]
	[ ! -e "$CG/$R/web" ]
}

# ---- the space network on the host: bridge, host-local store, CNI cache ----------------

# realm with the busybox image, space sp (host-local's store under the test dir), stack st,
# and a running empty cell, so the bridge, an IP reservation and a cache entry exist. A
# second, stale cache entry for the network stands for an attachment nobody deleted.
net_scaffold() {
	export KUKEON_CNI_BIN_DIR=/usr/lib/cni
	export KUKEON_CNI_CACHE_DIR=$BATS_TEST_TMPDIR/cni-cache
	IPAM=$BATS_TEST_TMPDIR/ipam
	k create realm "$R" >/dev/null
	k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	k create space sp --realm "$R" >/dev/null
	local cl=$RP/data/$R/sp/network.conflist
	jq --arg d "$IPAM" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	BR=$(jq -r '.plugins[0].bridge' "$cl")
	k create stack st --realm "$R" --space sp >/dev/null
	k create cell solo --realm "$R" --space sp --stack st >/dev/null
	ip link show "$BR" >/dev/null
	[ -d "$IPAM/$R-sp" ]
	local entry
	entry=$(ls "$KUKEON_CNI_CACHE_DIR"/results/"$R-sp"-*)
	jq '.containerId = "stale"' "$entry" >"$KUKEON_CNI_CACHE_DIR/results/$R-sp-stale-eth0"
	# another network's entry is not touched
	jq '.networkName = "other-net"' "$entry" >"$KUKEON_CNI_CACHE_DIR/results/other-net-x-eth0"
}

net_gone() {
	run ! ip link show "$BR"
	[ ! -e "$IPAM/$R-sp" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" | grep -- "^$R-sp-")" ]
	[ -f "$KUKEON_CNI_CACHE_DIR/results/other-net-x-eth0" ]
}

# bats test_tags=containerd
@test "delete space --cascade: the bridge, the host-local store and the CNI cache entries go" {
	require_containerd
	net_scaffold
	run -0 k delete space sp --realm "$R" --cascade
	net_gone
	# a second teardown of a network that is gone is fine
	k create space sp --realm "$R" >/dev/null
	run -0 k delete space sp --realm "$R"
	k delete realm "$R" >/dev/null
}

# bats test_tags=containerd
@test "purge space --cascade: the space network goes too" {
	require_containerd
	net_scaffold
	run -0 k purge space sp --realm "$R" --cascade
	[ "${lines[1]}" = "Deleted resources -> metadata:true cgroup:true cni:true" ]
	net_gone
	k delete realm "$R" >/dev/null
}

# bats test_tags=containerd
@test "delete realm --cascade and purge realm --force take their spaces' networks down" {
	require_containerd
	net_scaffold
	run -0 k delete realm "$R" --cascade
	net_gone
	[ -z "$(hctr namespaces ls -q | grep -x "$R.kukeon.io")" ]
	# purge --force (no cascade) of a realm whose space and cell are still on disk
	net_scaffold
	k kill cell solo --realm "$R" --space sp --stack st >/dev/null
	run -0 k purge realm "$R" --force
	net_gone
}

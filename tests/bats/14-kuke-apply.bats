# bats file_tags=kuke
# kuke apply -f and kuke delete -f for realms, spaces and stacks.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	R=ar$BATS_TEST_NUMBER
	M=$BATS_TEST_TMPDIR/m.yaml
	# out of order on purpose: apply sorts Realm, Space, Stack
	cat >"$M" <<-YAML
	apiVersion: v1beta1
	kind: Stack
	metadata:
	  name: api
	spec:
	  realmId: $R
	  spaceId: web
	---
	apiVersion: v1beta1
	kind: Realm
	metadata:
	  name: $R
	  labels:
	    team: a
	---
	kind: Space
	metadata:
	  name: web
	spec:
	  realmId: $R
	YAML
}

# bats test_tags=containerd
@test "apply: creates in dependency order; a second run is all unchanged, in every mode" {
	require_containerd
	run -0 k apply -f "$M"
	[ "$output" = "Realm \"$R\": created
Space \"web\": created
Stack \"api\": created" ]
	hctr namespaces ls -q | grep -qx "$R.kukeon.io"
	[ -f "$RP/data/$R/web/network.conflist" ]
	[ -d "$CG/$R/web/api" ]
	run -0 k apply -f "$M"
	[ "$output" = "Realm \"$R\": unchanged
Space \"web\": unchanged
Stack \"api\": unchanged" ]
	run -0 k apply -f "$M" -o json
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden apply-unchanged.json
	run -0 k apply -f - -o yaml <"$M"
	printf '%s\n' "$output" | sed "s/$R/R/g" | golden apply-unchanged.yaml
}

# bats test_tags=containerd
@test "apply: a label change is updated with its change listed" {
	require_containerd
	k apply -f "$M" >/dev/null
	sed -i 's/team: a/team: b/' "$M"
	run -0 k apply -f "$M"
	[ "${lines[0]}" = "Realm \"$R\": updated" ]
	[ "${lines[1]}" = "  - metadata.labels" ]
	[ "${lines[2]}" = 'Space "web": unchanged' ]
	[ "$(jq -r .metadata.labels.team "$RP/data/$R/metadata.json")" = b ]
	run -0 k apply -f "$M" -o json
	[ "$(printf '%s' "$output" | jq -r '.resources[0].Action')" = unchanged ]
}

# bats test_tags=containerd
@test "apply: a failed resource fails the command, in every output mode" {
	require_containerd
	k apply -f "$M" >/dev/null
	cat >"$BATS_TEST_TMPDIR/b.yaml" <<-YAML
	kind: Realm
	metadata:
	  name: $R
	spec:
	  namespace: other-ns
	YAML
	run -1 k apply -f "$BATS_TEST_TMPDIR/b.yaml"
	[ "${lines[0]}" = "Realm \"$R\": failed" ]
	[ "${lines[1]}" = "  Error: realm \"$R\" has breaking changes: [spec.namespace]. Delete the realm and recreate it with the new spec" ]
	[ "${lines[2]}" = "kuke: config error: some resources failed to apply" ]
	run -1 --separate-stderr k apply -f "$BATS_TEST_TMPDIR/b.yaml" -o json
	[ "$(printf '%s' "$output" | jq -r '.resources[0].Action')" = failed ]
	[ "$stderr" = "kuke: config error: some resources failed to apply" ]
}

@test "apply: malformed YAML, wrong apiVersion or kind, missing fields: nothing is applied" {
	printf 'kind: Realm\nmetadata: [\n' >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	[[ "$output" == "kuke: validation failed:"* ]]
	[[ "$output" == *"line 3 column 1"*"(\`$BATS_TEST_TMPDIR/bad.yaml\`)" ]]
	cat >"$BATS_TEST_TMPDIR/v.yaml" <<-YAML
	apiVersion: v2
	kind: Realm
	metadata:
	  name: x
	---
	kind: Blob
	metadata:
	  name: y
	---
	kind: Space
	metadata:
	  name: z
	---
	kind: Realm
	metadata:
	  name: ok
	YAML
	run -1 k apply -f "$BATS_TEST_TMPDIR/v.yaml"
	[ "${lines[0]}" = "kuke: validation failed:" ]
	[ "${lines[1]}" = "  document 0 (Realm): unsupported apiVersion: v2 (expected v1beta1) (\`$BATS_TEST_TMPDIR/v.yaml\` line 1)" ]
	[ "${lines[2]}" = "  document 1 (): document 1: unknown kind: Blob (\`$BATS_TEST_TMPDIR/v.yaml\` line 6)" ]
	[ "${lines[3]}" = "  document 2 (Space \"z\"): spec.realmId is required (\`$BATS_TEST_TMPDIR/v.yaml\` line 10)" ]
	[ ! -e "$RP" ]
	run -1 k apply -f "$BATS_TEST_TMPDIR/none.yaml"
	[[ "$output" == "kuke: failed to open file \"$BATS_TEST_TMPDIR/none.yaml\": "* ]]
	run -2 k apply
	[ "$output" = 'kuke: required flag(s) "file" not set' ]
	: >"$BATS_TEST_TMPDIR/empty.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/empty.yaml"
	[ "$output" = "kuke: failed to parse YAML: no documents found in input" ]
}

# bats test_tags=containerd
@test "apply: a bad name in a manifest fails that resource only, and nothing of it is made" {
	require_containerd
	cat >"$BATS_TEST_TMPDIR/n.yaml" <<-YAML
	kind: Realm
	metadata:
	  name: bad_realm
	---
	kind: Realm
	metadata:
	  name: $R
	YAML
	run -1 k apply -f "$BATS_TEST_TMPDIR/n.yaml"
	[ "${lines[0]}" = 'Realm "bad_realm": failed' ]
	[ "${lines[2]}" = "Realm \"$R\": created" ]
	[ ! -e "$RP/data/bad_realm" ]
}

# bats test_tags=containerd
@test "delete -f: children first; not found the second time; --cascade" {
	require_containerd
	k apply -f "$M" >/dev/null
	run -0 k delete -f "$M"
	[ "$output" = "Stack \"api\": deleted
Space \"web\": deleted
Realm \"$R\": deleted" ]
	! hctr namespaces ls -q | grep -qx "$R.kukeon.io"
	[ ! -e "$RP/data/$R" ]
	[ ! -e "$CG/$R" ]
	run -0 k delete -f "$M" -o json
	[ "$(printf '%s' "$output" | jq -r '[.resources[].action] | join(",")')" = "not found,not found,not found" ]
	k apply -f "$M" >/dev/null
	printf 'kind: Realm\nmetadata:\n  name: %s\n' "$R" >"$BATS_TEST_TMPDIR/r.yaml"
	run -1 k delete -f "$BATS_TEST_TMPDIR/r.yaml"
	[ "${lines[0]}" = "Realm \"$R\": failed" ]
	run -0 k delete -f "$BATS_TEST_TMPDIR/r.yaml" --cascade
	[ "${lines[0]}" = "Realm \"$R\": deleted" ]
	[ "${lines[1]}" = "  - 1 space(s) deleted (cascade)" ]
}

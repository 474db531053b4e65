# bats file_tags=kukeond
# kuke through kukeond prints what kuke --no-daemon's path prints, byte for byte, with the
# same exit status: every read command, the errors, and cells made through the daemon.
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
	cell_setup kp
	daemon_setup
	start_kukeond
}

teardown() {
	cell_teardown
	daemon_teardown
}

# the scaffold of helpers/cell.bash, made through the daemon
scaffold() {
	cell_scaffold
	cat >"$BATS_TEST_TMPDIR/web.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: web
	  labels: {tier: front}
	spec:
	  id: web
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: root
	      root: true
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sleep
	      args: ["infinity"]
	    - id: app
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sh
	      args: ["-c", "echo hello-from-app; sleep infinity"]
	EOF2
	run -0 kd apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[ "${lines[0]}" = "Cell \"web\": created" ]
}

# bats test_tags=containerd
@test "parity: every read command prints the same through kukeond and in-process" {
	scaffold
	local S="--realm $R --space sp --stack st"
	parity get realms
	parity get realms -o json
	parity get realms -o yaml --show-controllers
	parity get realm "$R" -o json
	parity get spaces --realm "$R"
	parity get space sp --realm "$R" -o yaml
	parity get stacks --realm "$R" --space sp -o json
	parity get stack st --realm "$R" --space sp
	parity get cells $S
	parity get cells $S -o wide
	parity get cells --realm "$R" -o json
	parity get cell web $S -o yaml
	parity get cell web $S -o wide --show-controllers
	parity get containers $S --cell web
	parity get containers $S --cell web -o json
	parity get container app $S --cell web -o yaml
	parity image get --realm "$R"
	parity image get busybox --realm "$R" -o json
	for i in $(seq 50); do kp log web $S --container app | grep -q hello-from-app && break; sleep 0.1; done
	parity log web $S --container app
	parity log web $S
	parity version --containerd
	kd refresh >/dev/null
	parity refresh
}

# bats test_tags=containerd
@test "parity: errors are the same message and exit status both ways" {
	scaffold
	local S="--realm $R --space sp --stack st"
	printf 'apiVersion: v1beta1\nkind: Space\nmetadata:\n  name: x\nspec: {}\n' >"$BATS_TEST_TMPDIR/bad.yaml"
	parity get realm nope
	parity get space nope --realm "$R"
	parity get stack nope --realm "$R" --space sp
	parity get cell nope $S
	parity get container nope $S --cell web
	parity get container app $S --cell nope
	parity get containers --realm nope
	parity get cells --realm ../../x
	parity create realm 'a_b'
	parity create space 'x/y' --realm "$R"
	parity delete realm "$R"
	parity delete space sp --realm "$R"
	parity start cell nope $S
	parity stop container nope $S --cell web
	parity log nope $S
	parity image get nope --realm "$R"
	parity image get --realm nope
	parity image delete nope --realm "$R"
	parity apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	parity apply -f "$BATS_TEST_TMPDIR/missing.yaml"
	run -1 kd get realm nope
	[ "$output" = 'kuke: realm "nope" not found' ]
}

# bats test_tags=containerd
@test "through kukeond: cells and containers created, stopped, started, deleted; apply and delete -f" {
	scaffold
	local S="--realm $R --space sp --stack st"
	run -0 kd get cells $S
	[[ "${lines[2]}" == web*Ready* ]]
	run -0 kd stop cell web $S
	[ "$output" = 'Stopped cell "web" from stack "st"' ]
	run -0 kd start cell web $S
	[ "$output" = 'Started cell "web" from stack "st"' ]
	run -0 kd create container extra $S --cell web --image "$KUKEON_TEST_BUSYBOX_REF" --command sleep --args infinity
	[[ "${lines[0]}" == 'Container "extra" (ID: "extra") in cell "web"'* ]]
	run -0 kd kill container extra $S --cell web
	[ "$output" = 'Killed container "extra" from cell "web"' ]
	run -0 kd delete container extra $S --cell web
	[ "$output" = 'Deleted container "extra" from cell "web"' ]
	run -0 kd apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[ "$output" = 'Cell "web": unchanged' ]
	sed -i 's/tier: front/tier: back/' "$BATS_TEST_TMPDIR/web.yaml"
	run -0 kd apply -f "$BATS_TEST_TMPDIR/web.yaml" -o json
	jq -e '.resources[0].Action == "updated" and .resources[0].Changes == ["metadata.labels"]' <<<"$output"
	run -0 kd delete -f "$BATS_TEST_TMPDIR/web.yaml"
	[ "$output" = 'Cell "web": deleted' ]
	run -0 hctr -n "$NS" tasks ls -q
	[ -z "$output" ]
	run -0 kd purge realm "$R" --cascade
	[[ "${lines[0]}" == "Purged realm \"$R\"" ]]
	run -0 hctr namespaces ls -q
	[[ "$output" != *"$NS"* ]]
}

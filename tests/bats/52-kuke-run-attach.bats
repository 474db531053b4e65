# bats file_tags=kuketty
# Attach through a real kukeond (a reconcile pass every 300ms): kuke run's attach mode and
# its exit status, --rm (the cell goes once the workload exits, stays on a detach),
# --container and the target errors (nothing created), AttachContainer on the wire, kuke
# attach and kuke log (the capture) through the daemon.
bats_require_minimum_version 1.5.0
load helpers/cell_suite
load helpers/tty

setup() {
	require_applet kukeond
	cell_suite_setup ra
	daemon_setup
	cell_scaffold_daemon
}

teardown() { cell_suite_teardown; }

k() { kd "$@"; }
cell_scaffold_daemon() {
	start_kukeond --reconcile-interval 300ms
	cell_scaffold
}

kdrive() { drive -- "$KUKEON_LINKS/kuke" --host "unix://$KD_SOCK" --run-path "$RP" "$@"; }

# a Cell document without location: attachable `app` running sh -c SCRIPT, and `plain`
doc() { # NAME SCRIPT
	cat >"$BATS_TEST_TMPDIR/$1.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $1
	spec:
	  containers:
	    - id: app
	      image: $KUKEON_TEST_BUSYBOX_REF
	      attachable: true
	      command: sh
	      args: ["-c", "$2"]
	    - id: plain
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sleep
	      args: ["infinity"]
	EOF2
	echo "$BATS_TEST_TMPDIR/$1.yaml"
}
SCOPE() { echo --realm "$R" --space sp --stack st; }

until_ok() { # SECONDS CMD...
	local n=$(($1 * 10)) i
	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

@test "kuke run: attach mode types into the workload and exits with its status" {
	run -0 kdrive run -f "$(doc r1 'echo ready; read x; exit $x')" $(SCOPE) <<-'EOF2'
	expect ready
	send 5\r
	EOF2
	[[ "$output" == *'Cell "r1"'* ]]
	[[ "$output" == *'To detach, press ^] twice'* ]]
	[[ "$output" == *'exit=5'* ]]
	run -0 kd get cell r1 $(SCOPE) -o json
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .exitCode' <<<"$output")" = 5 ]
}

@test "kuke run --rm: the cell is deleted once the workload exits, and nothing is left" {
	run -0 kdrive run --rm -f "$(doc r2 'echo ready; read x; exit 3')" $(SCOPE) <<-'EOF2'
	expect ready
	send go\r
	EOF2
	[[ "$output" == *'exit=3'* ]]
	until_ok 20 test ! -e "$RP/data/$R/sp/st/r2"
	run -0 ns_tasks
	[[ "$output" != *r2* ]]
	run -0 hctr -n "$NS" containers ls -q
	[[ "$output" != *r2* ]]
	[ ! -e "$CG/$R/sp/st/r2" ]
	run -0 find "$IPAM" -type f -newer "$BATS_TEST_TMPDIR/r2.yaml" -name '10.*'
	[ -z "$output" ]
}

@test "kuke run --rm: a detach leaves the cell running" {
	run -0 kdrive run --rm -f "$(doc r3 'echo ready; sleep infinity')" $(SCOPE) <<-'EOF2'
	expect ready
	send \x1d\x1d
	expect Detached
	EOF2
	[[ "$output" == *'exit=0'* ]]
	sleep 1
	run -0 ns_tasks
	[[ "$output" == *"sp_st_r3_app RUNNING"* ]]
	[ -e "$RP/data/$R/sp/st/r3/metadata.json" ]
}

@test "kuke run: the attach target is checked before anything is created" {
	local f
	f=$(doc r4 'sleep infinity')
	run -1 kd run -f "$f" $(SCOPE) --container plain
	[ "$output" = 'kuke: container "plain" in cell "r4" is not attachable: container is not attachable; recreate with attachable=true; available attachable containers: app' ]
	run -1 kd run -f "$f" $(SCOPE) --container nope
	[ "$output" = 'kuke: container "nope" not found in cell "r4": container not found; available attachable containers: app' ]
	sed -i '/attachable: true/d' "$f"
	run -1 kd run -f "$f" $(SCOPE)
	[ "$output" = "kuke: no attachable container in cell (cell \"r4\"); declare 'attachable: true' on one container or pass -d/--detach" ]
	run -2 kd run -f "$f" $(SCOPE) -d --container app
	[ "$output" = 'kuke: --container is incompatible with -d/--detach' ]
	[ ! -e "$RP/data/$R/sp/st/r4" ]
}

@test "kukeond: AttachContainer on the wire, kuke attach and kuke log through the daemon" {
	kd run -d -f "$(doc r5 'echo ready; exec sh')" $(SCOPE) >/dev/null
	local d='"realmId":"'$R'","spaceId":"sp","stackId":"st","cellId":"r5"'
	run -0 rpc call KukeonV1.AttachContainer '{"Doc":{"metadata":{"name":"app"},"spec":{'"$d"'}}}'
	[ "$(jq -r '.result.Result.HostSocketPath' <<<"$output")" = "$RP/data/$R/sp/st/r5/app/tty/socket" ]
	run -0 rpc call KukeonV1.AttachContainer '{"Doc":{"metadata":{"name":"plain"},"spec":{'"$d"'}}}'
	[ "$(jq -c '.result.Err | {Kind, Message}' <<<"$output")" = '{"Kind":"AttachNotSupported","Message":"container \"plain\" in cell \"r5\" is not attachable: container is not attachable; recreate with attachable=true"}' ]
	until_ok 10 test -S "$RP/data/$R/sp/st/r5/app/tty/socket"
	run -0 kdrive attach r5 $(SCOPE) <<-'EOF2'
	expect To detach
	send echo via-$((40+2))\r
	expect via-42
	send \x1d\x1d
	expect Detached
	EOF2
	run -0 kd log r5 $(SCOPE) --container app
	[[ "$output" == *ready*via-42* ]]
}

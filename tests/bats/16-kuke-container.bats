# bats file_tags=kuke
# kuke create | get | start | stop | kill | delete | purge container, and apply -f / delete -f
# of Container documents: real busybox containers in the harness containerd; ctr and the
# cell's metadata.json are the witnesses.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup tco
	BB=$KUKEON_TEST_BUSYBOX_REF
	META=$RP/data/$R/sp/st/web/metadata.json
}

teardown() {
	cell_teardown
}

# cell_scaffold, and a running cell `web` (the default root only)
scaffold() {
	cell_scaffold
	k create cell web --realm "$R" --space sp --stack st >/dev/null
}

kc() { k "$@" --realm "$R" --space sp --stack st; }
tasks() { hctr -n "$NS" tasks ls | awk 'NR > 1 { print $1, $3 }' | sort; }
ctrs() { hctr -n "$NS" containers ls -q | sort; }
snaps() { hctr -n "$NS" snapshots ls | awk 'NR > 1 { print $1 }' | sort; }
# what must not change when a bad request fails
witness() { { ctrs; tasks; snaps; jq -S .spec "$META"; } >"$BATS_TEST_TMPDIR/witness.$1"; }
unchanged() { witness after && diff -u "$BATS_TEST_TMPDIR/witness.before" "$BATS_TEST_TMPDIR/witness.after"; }

doc() { # NAME [command args-yaml]
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Container
	metadata:
	  name: $1
	spec:
	  id: $1
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  cellId: web
	  image: $BB
	  command: ${2:-sleep}
	  args: ${3:-["infinity"]}
	EOF2
}

# bats test_tags=containerd
@test "create container: joins the root's network namespace (httpd + wget over localhost)" {
	require_containerd
	scaffold
	run -0 kc create container httpd --cell web --image "$BB" --command httpd --args=-f --args=-p --args 8080 --args=-h --args /etc
	[ "${lines[0]}" = "Container \"httpd\" (ID: \"httpd\") in cell \"web\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	[ "${lines[1]}" = "  - container: created" ]
	[ "${lines[2]}" = "  - container: started" ]
	run -0 kc create container client --cell web --image busybox --command sh --args=-c \
		--args 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://localhost:8080/hostname && break; sleep 0.3; done; sleep infinity'
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_client RUNNING" ]
	[ "${lines[1]}" = "sp_st_web_httpd RUNNING" ]
	[ "${lines[2]}" = "sp_st_web_root RUNNING" ]
	for _ in $(seq 30); do grep -q web "$RP/data/$R/sp/st/web/client/log" 2>/dev/null && break; sleep 0.2; done
	run -0 cat "$RP/data/$R/sp/st/web/client/log"
	[ "$output" = web ]
	# the default root is written into the cell's spec, as upstream persists it
	run -0 jq -r '.spec.rootContainerId, [.spec.containers[].id] | tostring' "$META"
	[ "${lines[0]}" = root ]
	[ "${lines[1]}" = '["root","httpd","client"]' ]
	# create again: idempotent
	run -0 kc create container httpd --cell web --image "$BB"
	[ "${lines[1]}" = "  - container: already existed" ]
	[ "$(jq '.spec.containers | length' "$META")" = 3 ]
}

# bats test_tags=containerd
@test "create container --user NAME: ids from the image's /etc/passwd and /etc/group, read in the container's own snapshot; an unknown name leaves nothing" {
	require_containerd
	scaffold
	run -0 kc create container named --cell web --image "$BB" --command sleep --args infinity --user kk
	run -0 bash -c "ctr --address '$KUKEON_CONTAINERD_SOCKET' -n '$NS' containers info sp_st_web_named | jq -c .Spec.process.user"
	[ "$output" = '{"uid":1000,"gid":1000,"additionalGids":[1000]}' ]
	pid=$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_web_named" { print $2 }')
	[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" = 1000 ]
	# the snapshot the ids were read from is the container's, left as prepared
	run -0 hctr -n "$NS" snapshots ls
	[[ "$output" == *"sp_st_web_named "*Active* ]]
	[[ "$output" != *kkview* ]]
	witness before
	run -1 kc create container bad --cell web --image "$BB" --command sleep --args infinity --user nosuch
	[ "$output" = "kuke: failed to create container bad: cell \`web\`: container \`bad\`: user \`nosuch\`: no such user in the image's /etc/passwd" ]
	unchanged
}

# bats test_tags=containerd
@test "get container: table, yaml, json, list filters and the empty messages" {
	require_containerd
	scaffold
	kc create container app --cell web --image "$BB" --command sleep --args infinity >/dev/null
	run -0 k get containers --realm "$R"
	[[ "${lines[0]}" == "NAME  REALM"*"SPACE  STACK  CELL  ROOT   IMAGE"*"STATE" ]]
	[[ "${lines[2]}" == root*"$R"*sp*st*web*true*busybox*Ready* ]]
	[[ "${lines[3]}" == app*"$R"*sp*st*web*false*"$BB"*Ready* ]]
	run -0 k get co --cell web
	[ "${#lines[@]}" = 4 ]
	run -0 kc get container app --cell web
	[[ "$output" == *"kind: Container"* ]]
	[[ "$output" == *"state: Ready"* ]]
	run -0 kc get container app --cell web -o json
	[ "$(jq -r '.metadata.name, .spec.image, .spec.cellId, .status.state, (.spec | has("containerdId"))' <<<"$output" | tr '\n' ' ')" = "app $BB web Ready false " ]
	run -0 k get containers --realm "$R" -o json
	[ "$(jq -r '[.[].containerdId] | join(" ")' <<<"$output")" = "sp_st_web_root sp_st_web_app" ]
	run -0 k get containers --realm "$R" -o yaml
	[[ "$output" == "- id: root"* ]]
	run -0 k get containers --realm nope --cell web
	[ "${lines[0]}" = 'No containers found for cell "web" realm "nope".' ]
	[[ "${lines[1]}" == "Hint: cell \"web\" exists in realm \"$R\" space \"sp\" stack \"st\" "* ]]
	run -0 k get containers --realm nope --cell zz
	[ "$output" = 'No containers found for cell "zz" realm "nope".' ]
	run -0 k get containers --realm "$R" --stack other
	[ "${lines[0]}" = "No containers found for stack \"other\" realm \"$R\"." ]
	run -0 k get containers --stack st --space other
	[ "$output" = 'No containers found for stack "st" space "other".' ]
	run -0 k get containers --stack st --realm nope
	[ "${lines[0]}" = 'No containers found for stack "st" realm "nope".' ]
	[[ "${lines[1]}" == "Hint: stack \"st\" exists in realm \"$R\" space \"sp\" stack \"st\""*" pass --realm/--space/--stack to filter there." ]]
	run -0 k get containers --realm nope
	[ "$output" = 'No containers found for realm "nope".' ]
	run -1 kc get container app
	[ "$output" = 'kuke: cell name is required (--cell)' ]
	run -1 kc get container nope --cell web
	[ "$output" = 'kuke: container "nope" not found' ]
	run -1 kc get container app --cell zz
	[ "$output" = 'kuke: failed to get cell "zz": cell not found' ]
}

# bats test_tags=containerd
@test "start, stop, kill, delete, purge container; states in get; the root is refused" {
	require_containerd
	scaffold
	kc create container app --cell web --image "$BB" --command sleep --args infinity >/dev/null
	state() { kc get container app --cell web -o json | jq -r .status.state; }
	run -0 kc stop container app --cell web
	[ "$output" = 'Stopped container "app" from cell "web"' ]
	[ "$(state)" = Stopped ]
	run -0 kc start container app --cell web
	[ "$output" = 'Started container "app" from cell "web"' ]
	[ "$(state)" = Ready ]
	# create of an existing container starts it when it does not run
	kc stop container app --cell web >/dev/null
	run -0 kc create container app --cell web --image "$BB"
	[ "${lines[1]}" = "  - container: already existed" ]
	[ "${lines[2]}" = "  - container: started" ]
	[ "$(state)" = Ready ]
	run -0 kc kill container app --cell web
	[ "$output" = 'Killed container "app" from cell "web"' ]
	[ "$(state)" = Stopped ]
	[ "$(kc get container app --cell web -o json | jq -r .status.exitCode)" = 137 ]
	kc start container app --cell web >/dev/null
	for v in start stop kill delete; do
		run -1 kc "$v" container root --cell web
		case $v in start) d=started ;; stop) d=stopped ;; kill) d=killed ;; delete) d=deleted ;; esac
		[ "$output" = "kuke: root container cannot be $d directly, $v the cell instead using 'kuke $v cell web'" ]
	done
	run -0 tasks
	[ "${lines[1]}" = "sp_st_web_root RUNNING" ]
	run -1 kc stop container nope --cell web
	[ "$output" = 'kuke: container "nope" not found in cell "web"' ]
	run -1 kc start container app
	[ "$output" = 'kuke: cell name is required (--cell)' ]
	run -0 kc delete container app --cell web
	[ "$output" = 'Deleted container "app" from cell "web"' ]
	[ "$(ctrs)" = sp_st_web_root ]
	[ "$(jq -r '[.spec.containers[].id] | join(" ")' "$META")" = root ]
	[ ! -e "$RP/data/$R/sp/st/web/app" ]
	run -1 kc delete container app --cell web
	[ "$output" = 'kuke: container "app" not found in cell "web"' ]

	kc create container app2 --cell web --image "$BB" --command sleep --args infinity >/dev/null
	run -0 kc purge container app2 --cell web
	[ "${lines[0]}" = 'Purged container "app2" from cell "web"' ]
	[ "$(ctrs)" = sp_st_web_root ]
	[ "$(snaps | grep -c app2)" = 0 ]
	[ "$(jq -r '[.spec.containers[].id] | join(" ")' "$META")" = root ]
	# purge also takes a containerd container the cell no longer lists
	kc create container app3 --cell web --image "$BB" --command sleep --args infinity >/dev/null
	jq 'del(.spec.containers[] | select(.id == "app3"))' "$META" >"$META.new" && mv "$META.new" "$META"
	run -1 kc delete container app3 --cell web
	[ "$output" = 'kuke: container "app3" not found in cell "web"' ]
	run -0 kc purge container app3 --cell web
	[ "${lines[0]}" = 'Purged container "app3" from cell "web"' ]
	[ "$(ctrs)" = sp_st_web_root ]
	run -1 kc purge container app3 --cell web
	[ "$output" = 'kuke: container "app3" not found in cell "web"' ]
	run -0 kc get container root --cell web -o json
	[ "$(jq -r '.spec.root, .spec.image, .status.state' <<<"$output" | tr '\n' ' ')" = "true $BB Ready " ]
}

# bats test_tags=containerd
@test "create container: every flag is honoured and stored" {
	require_containerd
	scaffold
	mkdir -p "$BATS_TEST_TMPDIR/data"
	run -0 kc create container full --cell web --image "$BB" --command sh --args=-c --args 'sleep infinity' \
		--env A=1 --env B=two --port 8080 --volume "$BATS_TEST_TMPDIR/data:/data:ro" \
		--network n1 --network-alias al --privileged --cni-config-path /x.conflist \
		--restart-policy always --label k=v --user 0:0 --read-only --cap-add NET_ADMIN --cap-drop ALL \
		--security-opt no-new-privileges --tmpfs /scratch:size=1m,noexec
	[ "${lines[1]}" = "  - container: created" ]
	run -0 kc get container full --cell web -o json
	[ "$(jq -c .spec <<<"$output")" = "$(jq -c . <<-EOF2
	{"id":"full","realmId":"$R","spaceId":"sp","stackId":"st","cellId":"web","image":"$BB","command":"sh",
	 "args":["-c","sleep infinity"],"env":["A=1","B=two"],"ports":["8080"],
	 "volumes":[{"source":"$BATS_TEST_TMPDIR/data","target":"/data","readOnly":true}],
	 "networks":["n1"],"networksAliases":["al"],"privileged":true,"user":"0:0","readOnlyRootFilesystem":true,
	 "capabilities":{"drop":["ALL"],"add":["NET_ADMIN"]},"securityOpts":["no-new-privileges"],
	 "tmpfs":[{"path":"/scratch","sizeBytes":1048576,"options":["noexec"]}],
	 "cniConfigPath":"/x.conflist","restartPolicy":"always"}
	EOF2
	)" ]
	# env reaches the process
	hctr -n "$NS" tasks exec --exec-id e1 sp_st_web_full sh -c 'echo $B' >"$BATS_TEST_TMPDIR/env"
	[ "$(cat "$BATS_TEST_TMPDIR/env")" = two ]
	# resource flags are stored; this host cannot run memory/cpu/pids limits, so the cell is
	# stopped first and the container is only merged into its spec
	kc kill cell web >/dev/null
	run -0 kc create container res --cell web --image "$BB" --memory 64m --cpu-shares 512 --pids-limit 50
	[ "${lines[1]}" = "  - container: created" ]
	[ "${lines[2]}" = "  - container: not started" ]
	run -0 kc get container res --cell web -o json
	[ "$(jq -c .spec.resources <<<"$output")" = '{"memoryLimitBytes":67108864,"cpuShares":512,"pidsLimit":50}' ]
	[ "$(jq -r '.spec.command, (.spec.args | length)' <<<"$output" | tr '\n' ' ')" = " 0 " ]
	[ -z "$(ctrs | grep res)" ]
}

# bats test_tags=containerd
@test "apply -f / delete -f Container: created, unchanged, updated (recreated), deleted" {
	require_containerd
	scaffold
	doc app >"$BATS_TEST_TMPDIR/app.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/app.yaml"
	[ "$output" = 'Container "app": created' ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')
	run -0 k apply -f "$BATS_TEST_TMPDIR/app.yaml"
	[ "$output" = 'Container "app": unchanged' ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')" = "$pid" ]
	doc app sh '["-c", "echo v2; sleep infinity"]' >"$BATS_TEST_TMPDIR/app2.yaml"
	echo '  env: ["V=2"]' >>"$BATS_TEST_TMPDIR/app2.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/app2.yaml"
	[ "${lines[0]}" = 'Container "app": updated' ]
	[ "${lines[1]}" = '  - command' ]
	[ "${lines[2]}" = '  - args' ]
	[ "${lines[3]}" = '  - env' ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')" != "$pid" ]
	[ "$(jq -r '.spec.containers[] | select(.id == "app") | .command' "$META")" = sh ]
	run -0 k apply -f "$BATS_TEST_TMPDIR/app2.yaml" -o json
	[ "$(jq -r '.resources[0].Action' <<<"$output")" = unchanged ]

	# a stopped cell: the spec changes now, the container runs at the next start
	kc kill cell web >/dev/null
	doc app sh '["-c", "echo v3; sleep infinity"]' >"$BATS_TEST_TMPDIR/app3.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/app3.yaml"
	[ "${lines[0]}" = 'Container "app": updated' ]
	[ "$(jq -r '.spec.containers[] | select(.id == "app") | .args[1]' "$META")" = "echo v3; sleep infinity" ]
	kc start cell web >/dev/null
	for _ in $(seq 30); do grep -q v3 "$RP/data/$R/sp/st/web/app/log" 2>/dev/null && break; sleep 0.2; done
	grep -q v3 "$RP/data/$R/sp/st/web/app/log"
	run -0 k apply -f "$BATS_TEST_TMPDIR/app3.yaml"
	[ "$output" = 'Container "app": unchanged' ]

	run -0 k delete -f "$BATS_TEST_TMPDIR/app3.yaml"
	[ "${lines[0]}" = 'Container "app": deleted' ]
	[ "${lines[1]}" = '  - containers: 1 deleted' ]
	[ "$(ctrs)" = sp_st_web_root ]
	run -0 k delete -f "$BATS_TEST_TMPDIR/app3.yaml"
	[ "$output" = 'Container "app": not found' ]
	# the parent cell must exist
	doc app | sed 's/cellId: web/cellId: nope/' >"$BATS_TEST_TMPDIR/orphan.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/orphan.yaml"
	[ "${lines[0]}" = 'Container "app": failed' ]
	[[ "${lines[1]}" == "  Error: parent cell \"nope\" not found: "* ]]
}

# bats test_tags=containerd
@test "bad containers: clear errors, nothing left in containerd, cell metadata unchanged" {
	require_containerd
	scaffold
	kc create container app --cell web --image "$BB" --command sleep --args infinity >/dev/null
	witness before

	run -1 kc create container x --cell web --image 127.0.0.1:9/nope:1
	[[ "$output" == "kuke: failed to create container x: failed to pull image 127.0.0.1:9/nope:1: registry \`127.0.0.1:9\`: cannot connect: "* ]]
	[ "${#lines[@]}" = 1 ]
	unchanged
	run -1 kc create container x --cell web
	[[ "$output" == *'failed to pull image docker.io/library/debian:latest: registry `registry-1.docker.io`: '* ]]
	unchanged
	run -1 kc create container x --cell web --image "$BB" --root
	[ "$output" = 'kuke: cell "web" already has a root container "root": a cell has exactly one root container' ]
	unchanged
	run -1 kc create container x --cell web --image "$BB" --volume /nope/nothing:/data
	[ "$output" = 'kuke: volume source does not exist on the host (volume[0] source "/nope/nothing")' ]
	unchanged
	run -1 kc create container x --cell web --image "$BB" --volume justname:/data
	[ "$output" = 'kuke: named or managed volumes are not supported; use an absolute host path as source (volume[0] source "justname")' ]
	run -1 kc create container x --cell web --image "$BB" --volume /tmp
	[ "$output" = 'kuke: invalid --volume "/tmp": expected SRC:DST[:ro|rw]' ]
	run -1 kc create container x --cell web --image "$BB" --volume /tmp:/x:rx
	[ "$output" = 'kuke: invalid --volume "/tmp:/x:rx": mode must be ro or rw' ]
	run -1 kc create container x --cell web --image "$BB" --memory 12Q
	[ "$output" = 'kuke: invalid size "12Q": strconv.ParseInt: parsing "12Q": invalid syntax' ]
	run -1 kc create container x --cell web --image "$BB" --tmpfs :size=1m
	[ "$output" = 'kuke: invalid --tmpfs ":size=1m": path is required' ]
	run -1 kc create container x --cell web --image "$BB" --label novalue
	[ "$output" = 'kuke: invalid label "novalue": expected KEY=VALUE' ]
	run -1 kc create container x --cell web --image "$BB" --cap-add NOPE
	[[ "$output" == "kuke: failed to create container x: "*NOPE* ]]
	unchanged
	run -1 kc create container x --image "$BB"
	[ "$output" = 'kuke: cell name is required (--cell)' ]
	run -1 kc create container --cell web
	[ "$output" = 'kuke: container name is required (usage: kuke create container [name] [flags])' ]
	run -1 kc create container x --cell zz --image "$BB"
	[ "$output" = 'kuke: cell "zz" not found' ]
	unchanged

	# apply: a second root, a changed root, and one input naming a container twice
	doc r2 >"$BATS_TEST_TMPDIR/r2.yaml"
	echo '  root: true' >>"$BATS_TEST_TMPDIR/r2.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/r2.yaml"
	[ "${lines[1]}" = '  Error: cell "web" already has a root container "root": a cell has exactly one root container' ]
	unchanged
	doc root sleep '["1000"]' >"$BATS_TEST_TMPDIR/root.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/root.yaml"
	[ "${lines[1]}" = '  Error: container "root" has breaking changes: [args]. Delete the container and recreate it with the new spec' ]
	unchanged
	{ doc dup; echo ---; doc dup sh '["-c", "sleep infinity"]'; } >"$BATS_TEST_TMPDIR/dup.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/dup.yaml"
	[[ "$output" == "kuke: validation failed:"*'document 1 (Container "dup"): container "dup" of cell "web" is already in document 0'* ]]
	unchanged
	doc bad | sed "s#image: .*#image: docker.io/library/nope:1#" >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	[ "${lines[0]}" = 'Container "bad": failed' ]
	unchanged
	# an update to a bad spec keeps the running container as it was
	doc app | sed "s#image: .*#image: docker.io/library/nope:1#" >"$BATS_TEST_TMPDIR/app-bad.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/app-bad.yaml"
	[ "${lines[0]}" = 'Container "app": failed' ]
	[[ "${lines[1]}" == *'failed to pull image docker.io/library/nope:1: '* ]]
	doc app | sed 's#args: .*#args: ["infinity"]\n  volumes: [{source: /nope/x, target: /x}]#' >"$BATS_TEST_TMPDIR/app-vol.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/app-vol.yaml"
	[ "${lines[1]}" = '  Error: volume source does not exist on the host (volume[0] source "/nope/x")' ]
	unchanged
}

# bats test_tags=containerd
@test "a Cell applied again after create container: the added container goes, the root stays" {
	require_containerd
	scaffold
	cat >"$BATS_TEST_TMPDIR/cell.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: two
	spec:
	  id: two
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: app
	      image: $BB
	      command: sleep
	      args: ["infinity"]
	EOF2
	k apply -f "$BATS_TEST_TMPDIR/cell.yaml" >/dev/null
	root_pid=$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_two_root" { print $2 }')
	[ -n "$root_pid" ]
	kc create container extra --cell two --image "$BB" --command sleep --args infinity >/dev/null
	run -0 k get containers --cell two
	[[ "${lines[2]}" == app* ]]
	[[ "${lines[3]}" == root*true* ]]
	[[ "${lines[4]}" == extra* ]]
	run -0 k apply -f "$BATS_TEST_TMPDIR/cell.yaml"
	[ "${lines[0]}" = 'Cell "two": updated' ]
	[ "${lines[1]}" = '  - container "extra" removed' ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_two_root" { print $2 }')" = "$root_pid" ]
	[ -z "$(ctrs | grep extra)" ]
	run -0 k apply -f "$BATS_TEST_TMPDIR/cell.yaml"
	[ "$output" = 'Cell "two": unchanged' ]
}

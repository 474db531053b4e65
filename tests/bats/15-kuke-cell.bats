# bats file_tags=kuke
# kuke create | get | start | stop | kill | delete | purge cell, and apply -f / delete -f of
# Cell documents: real busybox containers in the harness containerd; ctr, cgroupfs, the CNI
# cache and host-local's store are the witnesses.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup tc
}

teardown() {
	cell_teardown
}

manifest() { # NAME [IMAGE]
	cell_doc "$1" "$R" sp st "$(cell_root)
    - id: app
      image: ${2:-$KUKEON_TEST_BUSYBOX_REF}
      command: sh
      args: [\"-c\", \"echo hello-from-app; sleep infinity\"]"
}

tasks() { hctr -n "$NS" tasks ls | awk 'NR > 1 { print $1, $3 }' | sort; }

# bats test_tags=containerd
@test "apply -f Cell: root and app run; get shows Ready; stop, start, kill, delete" {
	require_containerd
	cell_scaffold
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[[ "$output" == *'Cell "web": created'* ]]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	[ "${lines[1]}" = "sp_st_web_root RUNNING" ]
	run -0 k get cells --realm "$R"
	[[ "${lines[0]}" == NAME*REALM*SPACE*STACK*STATE*CGROUP* ]]
	[[ "${lines[2]}" == web*"$R"*sp*st*Ready*"$CGR/$R/sp/st/web"* ]]
	[ -d "$CG/$R/sp/st/web" ]
	# the cell got an address from host-local and the cache has the attachment
	run -0 ls "$IPAM"/*
	[[ "$output" == *10.* ]]
	[ -n "$(ls "$KUKEON_CNI_CACHE_DIR/results")" ]
	run -0 grep -r hello-from-app "$RP/data/$R/sp/st/web"
	# apply again: unchanged, tasks kept
	pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[[ "$output" == *'Cell "web": unchanged'* ]]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')" = "$pid" ]

	run -0 k stop cell web --realm "$R" --space sp --stack st
	[ "$output" = 'Stopped cell "web" from stack "st"' ]
	run -0 tasks
	[ "$output" = "" ]
	run -0 k get cell web --realm "$R" --space sp --stack st -o json
	[ "$(jq -r .status.state <<<"$output")" = Stopped ]
	# the space's bridge, as the conflist names it
	[ "$(jq -r .status.network.bridgeName <<<"$output")" = "$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy")" ]
	run -0 k start cell web --realm "$R" --space sp --stack st
	[ "$output" = 'Started cell "web" from stack "st"' ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	run -0 k kill cell web --realm "$R" --space sp --stack st
	[ "$output" = 'Killed cell "web" from stack "st"' ]
	run -0 k get cell web --realm "$R" --space sp --stack st -o json
	[ "$(jq -r '.status.containers[] | select(.id == "app") | .exitCode' <<<"$output")" = 137 ]

	run -0 k delete cell web --realm "$R" --space sp --stack st
	[ "$output" = 'Deleted cell "web" from stack "st"' ]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ ! -e "$CG/$R/sp/st/web" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null)" ]
	[ -z "$(ls "$IPAM"/*/ 2>/dev/null | grep -v -e lock -e last_reserved)" ]
	[ ! -e "$RP/data/$R/sp/st/web" ]
	run -1 k get cell web --realm "$R" --space sp --stack st
	[ "$output" = "kuke: cell \"web\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
}

# bats test_tags=containerd
@test "kill cell: an unreadable CNI cache entry is ignored, and said so at debug level" {
	require_containerd
	cell_scaffold
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	entry=$(ls "$KUKEON_CNI_CACHE_DIR"/results/*-sp_st_web_root-eth0)
	echo 'not json' >"$entry"
	cp "$entry" "$BATS_TEST_TMPDIR/entry.bad"
	# info level (kuke -v alone): nothing about it
	run -0 k -v stop cell web --realm "$R" --space sp --stack st
	[[ "$output" != *'"ignored"'* ]]
	run -0 k start cell web --realm "$R" --space sp --stack st
	entry=$(ls "$KUKEON_CNI_CACHE_DIR"/results/*-sp_st_web_root-eth0)
	cp "$BATS_TEST_TMPDIR/entry.bad" "$entry"
	run -0 k --log-level debug -v kill cell web --realm "$R" --space sp --stack st
	[ "${lines[-1]}" = 'Killed cell "web" from stack "st"' ]
	line=$(grep ' DEBUG "ignored" ' <<<"$output" | grep 'del: the cached result (dropped)')
	[[ "$line" == *"error=\"cache entry \`"*"/results/"*"-sp_st_web_root-eth0\`: invalid JSON\"" ]]
	[ ! -e "$entry" ]
}

# bats test_tags=containerd
@test "apply -f Cell: a changed container is recreated; delete -f; purge" {
	require_containerd
	cell_scaffold
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	root_pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')
	sed 's/hello-from-app/hello-again/' "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/web2.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/web2.yaml"
	[[ "$output" == *'Cell "web": updated'* ]]
	[[ "$output" == *'container "app" updated'* ]]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')" = "$root_pid" ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	run -0 k delete -f "$BATS_TEST_TMPDIR/web2.yaml"
	[[ "$output" == *'Cell "web": deleted'* ]]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]

	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	run -0 k purge cell web --realm "$R" --space sp --stack st
	[ "${lines[0]}" = 'Purged cell "web" from stack "st"' ]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ ! -e "$CG/$R/sp/st/web" ]
	[ ! -e "$RP/data/$R/sp/st/web" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null)" ]
}

# bats test_tags=containerd
@test "bad cells: image not in the realm, duplicate container id; nothing left" {
	require_containerd
	cell_scaffold
	manifest bad docker.io/library/nope:1 >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	[[ "$output" == *'Cell "bad": failed'* ]]
	[[ "$output" == *'docker.io/library/nope:1'* ]]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ ! -e "$CG/$R/sp/st/bad" ]
	[ ! -e "$RP/data/$R/sp/st/bad/metadata.json" ]
	manifest dup | sed 's/- id: app/- id: root/' >"$BATS_TEST_TMPDIR/dup.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/dup.yaml"
	[[ "$output" == *'Cell "dup": failed'* ]]
	[[ "$output" == *root* ]]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	run -1 k create cell x --realm "$R" --space sp --stack nope
	[ "$output" = "kuke: stack \"nope\" not found in realm \"$R\", space \"sp\"" ]
	run -1 k stop cell zz --realm "$R" --space sp --stack st
	[ "$output" = "kuke: cell \"zz\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
}

# bats test_tags=containerd
@test "log: a container's output, --container, -f until SIGTERM; errors" {
	require_containerd
	cell_scaffold
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	run -0 k log web --realm "$R" --space sp --stack st
	[ "$output" = hello-from-app ]
	run -0 k logs web --realm "$R" --space sp --stack st --container app
	[ "$output" = hello-from-app ]
	"$KUKEON_LINKS/kuke" --run-path "$RP" log web --realm "$R" --space sp --stack st -f \
		>"$BATS_TEST_TMPDIR/follow" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/follow")" = hello-from-app ]
	run -1 k log web --realm "$R" --space sp --stack st --container nope
	[ "$output" = 'kuke: container "nope" not found in cell "web"' ]
	run -1 k log zz --realm "$R" --space sp --stack st
	[ "$output" = "kuke: cell \"zz\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
}

# bats test_tags=containerd
@test "create cell: an empty cell runs the default root; delete stack --cascade takes it down" {
	require_containerd
	cell_scaffold
	run -0 k create cell solo --realm "$R" --space sp --stack st
	[ "${lines[0]}" = "Cell \"solo\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[4]}" = "  - containers: none defined" ]
	run -0 tasks
	[ "$output" = "sp_st_solo_root RUNNING" ]
	run -0 k delete stack st --realm "$R" --space sp --cascade
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ ! -e "$CG/$R/sp/st" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null)" ]
}

# bats test_tags=containerd
@test "inside the containers: etc files, KUKEON_*, volumes, tmpfs, read-only root, user, secrets; two cells reach each other by IP" {
	require_containerd
	cell_scaffold
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo hello-kukeon >"$BATS_TEST_TMPDIR/www/index.html"
	echo s3cret-file >"$BATS_TEST_TMPDIR/tok"
	cat >"$BATS_TEST_TMPDIR/web.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: web
	spec:
	  id: web
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: srv
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: httpd
	      args: ["-f", "-p", "8080", "-h", "/www"]
	      volumes:
	        - {kind: bind, source: "$BATS_TEST_TMPDIR/www", target: /www, readOnly: true}
	    - id: cli
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sh
	      args:
	        - -c
	        - >-
	          for i in \$(seq 50); do wget -q -O- http://localhost:8080/ && break; sleep 0.2; done;
	          echo host=\$(cat /etc/hostname); cat /etc/hosts; env | grep ^KUKEON_ | sort;
	          echo uid=\$(id -u):\$(id -g); echo tmp > /scratch/f && echo tmpfs=\$(cat /scratch/f);
	          touch /probe 2>/dev/null && echo root=rw || echo root=ro;
	          echo file=\$(cat /run/secrets/tok); echo env=\$TOKEN; echo done; sleep infinity
	      user: "1000:1000"
	      readOnlyRootFilesystem: true
	      env: ["KUKEON_EXTRA=1"]
	      volumes:
	        - {kind: tmpfs, target: /scratch, sizeBytes: 1048576, mode: 1023}
	      secrets:
	        - {name: tok, fromFile: "$BATS_TEST_TMPDIR/tok", mountPath: /run/secrets/tok}
	        - {name: TOKEN, fromEnv: KK_BATS_SECRET}
	EOF2
	KK_BATS_SECRET=s3cret-env run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	ip=$(k get cell web --realm "$R" --space sp --stack st -o json | jq -r .status.network.ipAddress)
	[[ "$ip" == 10.* ]]
	for _ in $(seq 50); do
		grep -q '^done' "$RP/data/$R/sp/st/web/cli/log" 2>/dev/null && break
		sleep 0.2
	done
	run -0 k log web --realm "$R" --space sp --stack st --container cli
	[[ "$output" == *hello-kukeon* ]] # srv over localhost: one network namespace
	[[ "$output" == *"host=web"* ]]
	[[ "$output" == *"$ip"$'\t'"web"* ]]
	[[ "$output" == *"KUKEON_CELL_NAME=web"* ]]
	[[ "$output" == *"KUKEON_CONTAINER_ID=cli"* ]]
	[[ "$output" == *"KUKEON_EXTRA=1"* ]]
	[[ "$output" == *"uid=1000:1000"* ]]
	[[ "$output" == *"tmpfs=tmp"* ]]
	[[ "$output" == *"root=ro"* ]]
	[[ "$output" == *"file=s3cret-file"* ]]
	[[ "$output" == *"env=s3cret-env"* ]]
	# the staged secret: 0400, owned by the container's user
	[ "$(stat -c '%a %u:%g' /run/kukeon/secrets/sp_st_web_cli/tok)" = "400 1000:1000" ]
	# secrets stay out of the metadata, the log aside
	! grep -rq s3cret "$RP/data/$R/sp/st/web/metadata.json"
	# a second cell in the space fetches from the first by its IP over the bridge
	cat >"$BATS_TEST_TMPDIR/peer.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: peer
	spec:
	  id: peer
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: get
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sh
	      args: ["-c", "for i in \$(seq 50); do wget -q -O- http://$ip:8080/ && break; sleep 0.2; done; sleep infinity"]
	EOF2
	run -0 k apply -f "$BATS_TEST_TMPDIR/peer.yaml"
	for _ in $(seq 50); do
		grep -q hello-kukeon "$RP/data/$R/sp/st/peer/get/log" 2>/dev/null && break
		sleep 0.2
	done
	run -0 k log peer --realm "$R" --space sp --stack st
	[[ "$output" == *hello-kukeon* ]]
	peer_ip=$(k get cell peer --realm "$R" --space sp --stack st -o json | jq -r .status.network.ipAddress)
	[[ "$peer_ip" == 10.* && "$peer_ip" != "$ip" ]]
	k delete cell peer --realm "$R" --space sp --stack st >/dev/null
	k delete cell web --realm "$R" --space sp --stack st >/dev/null
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ -z "$(ls "$IPAM"/*/ 2>/dev/null | grep -v -e lock -e last_reserved)" ]
	[ -z "$(ls /run/kukeon/secrets 2>/dev/null)" ]
}

# bats test_tags=containerd
@test "a realm with its own --namespace: the image loads there and a cell runs from it" {
	require_containerd
	NS=custom-$R
	k create realm "$R" --namespace "$NS" >/dev/null
	run -0 k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR"
	[[ "$output" == *"into realm \"$R\" (namespace \"$NS\")"* ]]
	hctr -n "$NS" images ls -q | grep -qx "$KUKEON_TEST_BUSYBOX_REF"
	[ -z "$(hctr -n "$R.kukeon.io" images ls -q 2>/dev/null)" ]
	k create space sp --realm "$R" >/dev/null
	local cl=$RP/data/$R/sp/network.conflist
	jq --arg d "$IPAM" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	cp "$cl" "$BATS_TEST_TMPDIR/conflist.copy"
	k create stack st --realm "$R" --space sp >/dev/null
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[[ "$output" == *'Cell "web": created'* ]]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	[ "${lines[1]}" = "sp_st_web_root RUNNING" ]
	run -0 k image get --realm "$R"
	[[ "${lines[2]}" == "$KUKEON_TEST_BUSYBOX_REF "* ]]
}

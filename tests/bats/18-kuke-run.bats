# bats file_tags=kuke
# kuke run -f FILE -d (create + start one cell; no-op on a matching Ready cell; refuses a
# diverging one; every flag check), and what `kuke apply -f` reports for an existing Cell
# (root container recreated, labels, container fields, a stopped cell re-materialized).
# Real busybox containers in the harness containerd; ctr and the run path are the witnesses.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup tr
}

teardown() {
	cell_teardown
}

# a cell with one container `app`; no location (run fills it from the flags)
cell() { # NAME [IMAGE] [ECHO]
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $1
	spec:
	  containers:
	    - id: app
	      image: ${2:-$KUKEON_TEST_BUSYBOX_REF}
	      command: sh
	      args: ["-c", "echo ${3:-hi}; sleep infinity"]
	EOF2
}

# a located cell with an explicit root and an app, for apply
located() { # NAME ROOT_IMAGE APP_ECHO [LABEL]
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $1
	  labels:
	    team: ${4:-blue}
	spec:
	  id: $1
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - id: root
	      root: true
	      image: $2
	      command: sleep
	      args: ["infinity"]
	    - id: app
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sh
	      args: ["-c", "echo $3; sleep infinity"]
	EOF2
}

tasks() { hctr -n "$NS" tasks ls | awk 'NR > 1 { print $1, $3 }' | sort; }
where() { echo --realm "$R" --space sp --stack st; }

@test "run: flag checks, each refused before anything is done" {
	f=$BATS_TEST_TMPDIR/c.yaml
	cell x >"$f"
	run -2 k run
	[ "$output" = 'kuke: at least one of the flags in the group [file profile] is required' ]
	run -2 k run -f "$f" -p prof -d
	[ "$output" = 'kuke: if any flags in the group [file profile] are set none of the others can be; [file profile] were all set' ]
	run -2 k run -f "$f" -d -o table
	[ "$output" = 'kuke: invalid --output "table": want json or yaml' ]
	run -2 k run -f "$f" -d --container app
	[ "$output" = 'kuke: --container is incompatible with -d/--detach' ]
	run -2 k run -f "$f" -o json
	[ "$output" = 'kuke: --output is incompatible with attach mode (pass -d/--detach)' ]
	run -2 k --no-daemon run -f "$f" -d --rm
	[ "$output" = 'kuke: --rm is incompatible with --no-daemon' ]
	run -2 k run -f "$f" -d --name y
	[ "$output" = 'kuke: --name is only valid with -p/--profile' ]
	run -2 k run -f "$f" -d --param A=b
	[ "$output" = 'kuke: --param is only valid with -p/--profile' ]
	run -2 k run -f "$f" -d --param-file p.env
	[ "$output" = 'kuke: --param-file is only valid with -p/--profile' ]
	run -2 k run -f "$f" -d extra
	[ "$output" = 'kuke: unknown command "extra" for "kuke run"' ]
	run -1 k run -f "$f"
	[ "$output" = "kuke: no attachable container in cell (cell \"x\"); declare 'attachable: true' on one container or pass -d/--detach" ]
	run -1 k run -f "$BATS_TEST_TMPDIR/nope.yaml" -d
	[[ "$output" == "kuke: failed to open file \"$BATS_TEST_TMPDIR/nope.yaml\": "* ]]
	[ ! -e "$RP/data" ]
}

# a profile with a required, a defaulted and an environment parameter
profile() { # DIR
	mkdir -p "$1"
	cat >"$1/dev.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: CellProfile
	metadata:
	  name: dev
	  labels:
	    team: red
	spec:
	  realm: $R
	  space: sp
	  prefix: devbox
	  parameters:
	    - name: MSG
	      required: true
	    - name: IMG
	      default: $KUKEON_TEST_BUSYBOX_REF
	    - name: FROM_ENV
	  cell:
	    containers:
	      - id: app
	        image: \${IMG}
	        command: sh
	        args: ["-c", "echo \${MSG} \${FROM_ENV}; sleep infinity"]
	EOF2
}

@test "run -p: profile lookup, parameters and their errors" {
	export KUKE_PROFILES_DIR=$BATS_TEST_TMPDIR/profiles
	P=$KUKE_PROFILES_DIR
	profile "$P"
	run -1 k run -p nope -d
	[ "$output" = "kuke: profile \"nope\" not found in $P: profile not found" ]
	run -1 k run -p dev -d
	[ "$output" = 'kuke: profile "dev": required parameter "MSG" is not set (provide --param MSG=... or declare a spec.parameters[].default): profile is invalid' ]
	run -1 k run -p dev -d --param MSG=x --param OTHER=y
	[ "$output" = 'kuke: profile "dev": --param "OTHER" is not declared in spec.parameters[]: profile is invalid' ]
	run -1 k run -p dev -d --param MSG
	[ "$output" = 'kuke: invalid --param "MSG": want KEY=VALUE: profile is invalid' ]
	run -1 k run -p dev -d --param 1X=y
	[ "$output" = 'kuke: invalid --param "1X=y": KEY must match [A-Za-z_][A-Za-z0-9_]*: profile is invalid' ]
	printf '# comment\n\nMSG=a\nbad line\n' >"$BATS_TEST_TMPDIR/p.env"
	run -1 k run -p dev -d --param-file "$BATS_TEST_TMPDIR/p.env"
	[ "$output" = "kuke: $BATS_TEST_TMPDIR/p.env:4: invalid line \"bad line\": want KEY=VALUE: profile is invalid" ]
	run -1 k run -p dev -d --param-file "$BATS_TEST_TMPDIR/none.env"
	[[ "$output" == "kuke: read --param-file \"$BATS_TEST_TMPDIR/none.env\": "* ]]
	# found by scanning: a file of another name, whose metadata.name matches
	sed -e 's/name: dev$/name: scanned/' -e 's/\${MSG}/${NOPE}/' "$P/dev.yaml" >"$P/zz.yml"
	run -1 k run -p scanned -d
	[ "$output" = "kuke: profile \"scanned\" not found in $P: profile not found" ]
	sed -e 's/name: dev$/name: scanned/' "$P/dev.yaml" >"$P/zz.yml"
	sed -e 's/name: dev$/name: bad/' -e 's/\${MSG}/${NOPE}/' "$P/dev.yaml" >"$P/bad.yaml"
	run -1 k run -p bad -d
	[ "$output" = "kuke: profile \"$P/bad.yaml\": references undeclared parameter \"NOPE\" (declare it in spec.parameters[] to fix): profile is invalid" ]
	printf 'apiVersion: v1beta1\nkind: Cell\nmetadata:\n  name: wrong\n' >"$P/wrong.yaml"
	run -1 k run -p wrong -d
	[ "$output" = "kuke: profile \"$P/wrong.yaml\" has kind \"Cell\", want \"CellProfile\": profile is invalid" ]
	sed -e 's/name: dev$/name: withid/' -e 's/^  cell:$/  cell:\n    id: x/' "$P/dev.yaml" >"$P/withid.yaml"
	run -1 k run -p withid -d
	[ "$output" = "kuke: profile \"$P/withid.yaml\": spec.cell.id must not be set on a CellProfile: profile is invalid" ]
	sed -e 's/name: dev$/name: dup/' -e 's/name: FROM_ENV/name: MSG/' "$P/dev.yaml" >"$P/dup.yaml"
	run -1 k run -p dup -d
	[ "$output" = "kuke: profile \"$P/dup.yaml\": parameter \"MSG\" is declared twice in spec.parameters[]: profile is invalid" ]
	[ ! -e "$RP/data" ]
}

# bats test_tags=containerd
@test "run -p: a cell materialized from a profile runs; --name, --param-file, environment" {
	require_containerd
	cell_scaffold
	export KUKE_PROFILES_DIR=$BATS_TEST_TMPDIR/profiles
	profile "$KUKE_PROFILES_DIR"
	run -0 env FROM_ENV=from-env "$KUKEON_LINKS/kuke" --run-path "$RP" run -p dev -d --stack st --param MSG=hello
	[[ "${lines[0]}" =~ ^Cell\ \"devbox-[0-9a-f]{6}\"\ \(realm\ \"$R\",\ space\ \"sp\",\ stack\ \"st\"\)$ ]]
	name=$(sed -E 's/^Cell "([^"]+)".*/\1/' <<<"${lines[0]}")
	[ "${lines[4]}" = '  - container "app": created' ]
	m=$RP/data/$R/sp/st/$name/metadata.json
	[ "$(jq -r '.metadata.labels["kukeon.io/profile"]' "$m")" = dev ]
	[ "$(jq -r .metadata.labels.team "$m")" = red ]
	[ "$(jq -r .spec.id "$m")" = "$name" ]
	sleep 0.5
	run -0 k log "$name" $(where)
	[ "$output" = "hello from-env" ]
	echo 'MSG=from-file' >"$BATS_TEST_TMPDIR/p.env"
	run -0 k run -p dev -d --stack st --name mine --param-file "$BATS_TEST_TMPDIR/p.env"
	[ "${lines[0]}" = "Cell \"mine\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	sleep 0.5
	run -0 k log mine $(where)
	[ "$output" = "from-file" ]
	# --param wins over the file; the existing cell now diverges
	run -1 k run -p dev -d --stack st --name mine --param-file "$BATS_TEST_TMPDIR/p.env" --param MSG=cli
	[ "$output" = 'kuke: cell "mine" exists with diverging spec (spec.containers["app"].args); use `kuke apply -f` to update' ]
}

# bats test_tags=containerd
@test "run -d: creates and starts; again is a no-op; -o json; a diverging spec is refused" {
	require_containerd
	cell_scaffold
	f=$BATS_TEST_TMPDIR/web.yaml
	cell web >"$f"
	run -0 k run -f "$f" -d $(where)
	[ "${lines[0]}" = "Cell \"web\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	[ "${lines[1]}" = "  - metadata: created" ]
	[ "${lines[2]}" = "  - cgroup: created" ]
	[ "${lines[3]}" = "  - root container: created" ]
	[ "${lines[4]}" = '  - container "app": created' ]
	[ "${lines[5]}" = "  - containers: started" ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	[ "${lines[1]}" = "sp_st_web_root RUNNING" ]
	run -0 k get cell web $(where) -o json
	[ "$(jq -r .status.state <<<"$output")" = Ready ]
	[ "$(jq -r '.metadata.labels["kukeon.io/cell"] // .metadata.labels | tostring' <<<"$output")" != null ]
	pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')

	# the same file again: nothing done
	run -0 k run -f "$f" -d $(where)
	[ "${lines[1]}" = "  - metadata: already existed" ]
	[ "${lines[2]}" = "  - cgroup: already existed" ]
	[ "${lines[3]}" = "  - root container: already existed" ]
	[ "${lines[4]}" = '  - container "app": already existed' ]
	[ "${lines[5]}" = "  - containers: not started" ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')" = "$pid" ]
	run -0 k run -f - -d -o json $(where) <"$f"
	[ "$(jq -c . <<<"$output")" = "{\"cell\":{\"name\":\"web\",\"realmId\":\"$R\",\"spaceId\":\"sp\",\"stackId\":\"st\"},\"created\":false,\"metadataExistsPost\":true,\"cgroupCreated\":false,\"cgroupExistsPost\":true,\"rootContainerCreated\":false,\"rootContainerExistsPost\":true,\"started\":false,\"containers\":[{\"name\":\"app\",\"created\":false,\"existsPost\":true}]}" ]
	run -0 k run -f "$f" -d -o yaml $(where)
	[ "${lines[0]}" = "cell:" ]
	[ "${lines[1]}" = "    name: web" ]
	[[ "$output" == *"started: false"* ]]

	# a different image and an added container: refused, nothing changed
	hctr -n "$NS" images tag "$KUKEON_TEST_BUSYBOX_REF" docker.io/library/busybox:v2 >/dev/null
	cell web docker.io/library/busybox:v2 >"$BATS_TEST_TMPDIR/web2.yaml"
	before=$(cat "$RP/data/$R/sp/st/web/metadata.json")
	run -1 k run -f "$BATS_TEST_TMPDIR/web2.yaml" -d $(where)
	[ "$output" = 'kuke: cell "web" exists with diverging spec (spec.containers["app"].image); use `kuke apply -f` to update' ]
	sed 's/echo hi/echo ho/' "$f" >"$BATS_TEST_TMPDIR/web3.yaml"
	run -1 k run -f "$BATS_TEST_TMPDIR/web3.yaml" -d $(where)
	[ "$output" = 'kuke: cell "web" exists with diverging spec (spec.containers["app"].args); use `kuke apply -f` to update' ]
	{ cat "$f"; printf '    - id: two\n      image: %s\n' "$KUKEON_TEST_BUSYBOX_REF"; } >"$BATS_TEST_TMPDIR/web4.yaml"
	run -1 k run -f "$BATS_TEST_TMPDIR/web4.yaml" -d $(where)
	[ "$output" = 'kuke: cell "web" exists with diverging spec (spec.containers (count: actual=1, desired=2)); use `kuke apply -f` to update' ]
	sed 's/id: app/id: other/' "$f" >"$BATS_TEST_TMPDIR/web5.yaml"
	run -1 k run -f "$BATS_TEST_TMPDIR/web5.yaml" -d $(where)
	[ "$output" = 'kuke: cell "web" exists with diverging spec (spec.containers["app"] (missing in file)); use `kuke apply -f` to update' ]
	[ "$(cat "$RP/data/$R/sp/st/web/metadata.json")" = "$before" ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_app$/ { print $2 }')" = "$pid" ]

	# stopped: run starts it again
	k stop cell web $(where) >/dev/null
	run -0 k run -f "$f" -d $(where)
	[ "${lines[1]}" = "  - metadata: already existed" ]
	[ "${lines[3]}" = "  - root container: already existed" ]
	[ "${lines[5]}" = "  - containers: started" ]
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]

	run -0 k delete cell web $(where)
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ ! -e "$RP/data/$R/sp/st/web" ]
}

# bats test_tags=containerd
@test "run -d: the document's location wins over the flags; defaults" {
	require_containerd
	cell_scaffold
	cell loc | sed "s/^spec:/spec:\n  realmId: $R\n  spaceId: sp/" >"$BATS_TEST_TMPDIR/loc.yaml"
	run -0 k run -f "$BATS_TEST_TMPDIR/loc.yaml" -d --realm nope --space nope --stack st
	[ "${lines[0]}" = "Cell \"loc\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	[ -f "$RP/data/$R/sp/st/loc/metadata.json" ]
	cell d >"$BATS_TEST_TMPDIR/d.yaml"
	run -1 k run -f "$BATS_TEST_TMPDIR/d.yaml" -d
	[ "$output" = 'kuke: stack "default" not found in realm "default", space "default"' ]
}

# bats test_tags=containerd
@test "run -d: bad documents are refused and leave nothing behind" {
	require_containerd
	cell_scaffold
	d=$BATS_TEST_TMPDIR
	{ cell a; echo ---; cell b; } >"$d/two.yaml"
	run -1 k run -f "$d/two.yaml" -d $(where)
	[ "$output" = 'kuke: expected a single Cell document, got 2 (use `kuke apply -f` for multi-document streams)' ]
	printf 'apiVersion: v1beta1\nkind: Stack\nmetadata:\n  name: s2\nspec:\n  realmId: %s\n  spaceId: sp\n' "$R" >"$d/stack.yaml"
	run -1 k run -f "$d/stack.yaml" -d $(where)
	[ "$output" = 'kuke: expected kind "Cell", got "Stack" (use `kuke apply -f` for non-Cell resources)' ]
	printf 'apiVersion: v1beta1\nkind: Cell\nmetadata:\n  name: [oops\n' >"$d/bad.yaml"
	run -1 k run -f "$d/bad.yaml" -d $(where)
	[[ "$output" == 'kuke: document 0 ('*'failed to parse'* ]]
	printf 'apiVersion: v1beta1\nkind: Cell\nmetadata:\n  name: empty\nspec: {}\n' >"$d/empty.yaml"
	run -1 k run -f "$d/empty.yaml" -d $(where)
	[ "$output" = 'kuke: document 0 (Cell "empty"): spec.containers is required and cannot be empty' ]
	: >"$d/nothing.yaml"
	run -1 k run -f "$d/nothing.yaml" -d $(where)
	[ "$output" = 'kuke: failed to parse YAML: no documents found in input' ]
	cell img docker.io/library/nope:1 >"$d/img.yaml"
	run -1 k run -f "$d/img.yaml" -d $(where)
	[[ "$output" == *'docker.io/library/nope:1'* ]]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
	[ "$(ls "$RP/data/$R/sp/st")" = metadata.json ]
	[ ! -e "$CG/$R/sp/st/img" ]
	[ -z "$(ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null)" ]
}

# bats test_tags=containerd
@test "apply -f Cell: root image change recreates the cell; labels; container fields" {
	require_containerd
	cell_scaffold
	hctr -n "$NS" images tag "$KUKEON_TEST_BUSYBOX_REF" docker.io/library/busybox:v2 >/dev/null
	d=$BATS_TEST_TMPDIR
	located web "$KUKEON_TEST_BUSYBOX_REF" one >"$d/1.yaml"
	run -0 k apply -f "$d/1.yaml"
	[ "$output" = 'Cell "web": created' ]
	root_pid=$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')

	# labels only: persisted, containers untouched
	located web "$KUKEON_TEST_BUSYBOX_REF" one red >"$d/2.yaml"
	run -0 k apply -f "$d/2.yaml"
	[ "$output" = "$(printf 'Cell "web": updated\n  - metadata.labels')" ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')" = "$root_pid" ]
	[ "$(jq -r .metadata.labels.team "$RP/data/$R/sp/st/web/metadata.json")" = red ]
	run -0 k apply -f "$d/2.yaml" -o json
	[ "$(jq -c '.resources[0] | [.Action, .Changes, .Details]' <<<"$output")" = '["unchanged",null,null]' ]

	# an app change: only the app is recreated, named fields
	located web "$KUKEON_TEST_BUSYBOX_REF" two red >"$d/3.yaml"
	run -0 k apply -f "$d/3.yaml" -o json
	[ "$(jq -c '.resources[0] | [.Action, .Changes, .Details]' <<<"$output")" = '["updated",["container \"app\" updated: args"],{}]' ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')" = "$root_pid" ]
	sleep 0.5
	run -0 k log web $(where)
	[[ "$output" == *two* ]]

	# the root's image: the cell is recreated
	located web docker.io/library/busybox:v2 two blue >"$d/4.yaml"
	run -0 k apply -f "$d/4.yaml" -o json
	[ "$(jq -c '.resources[0] | [.Action, .Changes, .Details]' <<<"$output")" = '["updated",["root container recreated"],{"rootContainer":"root container spec changed (image, command, or args)"}]' ]
	[ "$(hctr -n "$NS" tasks ls | awk '$1 ~ /_root$/ { print $2 }')" != "$root_pid" ]
	run -0 tasks
	[ "$output" = "$(printf 'sp_st_web_app RUNNING\nsp_st_web_root RUNNING')" ]
	[ "$(hctr -n "$NS" containers info sp_st_web_root | jq -r .Image)" = docker.io/library/busybox:v2 ]
	[ "$(jq -r '.spec.containers[] | select(.id == "root") | .image' "$RP/data/$R/sp/st/web/metadata.json")" = docker.io/library/busybox:v2 ]
	[ "$(jq -r .metadata.labels.team "$RP/data/$R/sp/st/web/metadata.json")" = blue ]
	run -0 k apply -f "$d/4.yaml"
	[ "$output" = 'Cell "web": unchanged' ]
}

# bats test_tags=containerd
@test "apply -f Cell: a stopped cell is re-materialized; containers added, removed; a root added; parents" {
	require_containerd
	cell_scaffold
	d=$BATS_TEST_TMPDIR
	located web "$KUKEON_TEST_BUSYBOX_REF" one >"$d/1.yaml"
	k apply -f "$d/1.yaml" >/dev/null
	k kill cell web $(where) >/dev/null
	run -0 k apply -f "$d/1.yaml"
	[ "$output" = "$(printf 'Cell "web": updated\n  - runtime stopped: containers re-materialized\n  - container "app" re-materialized')" ]
	run -0 tasks
	[ "$output" = "$(printf 'sp_st_web_app RUNNING\nsp_st_web_root RUNNING')" ]
	k stop cell web $(where) >/dev/null
	run -0 k apply -f "$d/1.yaml" -o yaml
	[[ "$output" == *"action: updated"* ]]
	[[ "$output" == *"- 'runtime stopped: containers re-materialized'"* ]]
	run -0 tasks
	[ "$output" = "$(printf 'sp_st_web_app RUNNING\nsp_st_web_root RUNNING')" ]

	sed 's/- id: app/- id: web2/' "$d/1.yaml" >"$d/2.yaml"
	run -0 k apply -f "$d/2.yaml"
	[ "$output" = "$(printf 'Cell "web": updated\n  - container "web2" added\n  - container "app" removed')" ]
	run -0 tasks
	[ "$output" = "$(printf 'sp_st_web_root RUNNING\nsp_st_web_web2 RUNNING')" ]
	[ "$(hctr -n "$NS" containers ls -q | sort | tr '\n' ' ')" = "sp_st_web_root sp_st_web_web2 " ]
	k delete cell web $(where) >/dev/null

	# a root declared where the default one ran: recreated around it
	sed -e '/- id: root/,/args: \["infinity"\]/d' "$d/1.yaml" >"$d/noroot.yaml"
	run -0 k apply -f "$d/noroot.yaml"
	[ "$output" = 'Cell "web": created' ]
	run -0 k apply -f "$d/1.yaml" -o json
	[ "$(jq -c '.resources[0] | [.Action, .Changes, .Details]' <<<"$output")" = '["updated",["root container recreated"],{"rootContainer":"root container added"}]' ]
	run -0 tasks
	[ "$output" = "$(printf 'sp_st_web_app RUNNING\nsp_st_web_root RUNNING')" ]
	[ "$(jq -r '.spec.containers[] | select(.root) | .id' "$RP/data/$R/sp/st/web/metadata.json")" = root ]
	k delete cell web $(where) >/dev/null

	# a missing stack (and space) is created first, as for the other kinds
	sed 's/stackId: st/stackId: st2/' "$d/1.yaml" >"$d/3.yaml"
	run -0 k apply -f "$d/3.yaml"
	[ "$output" = 'Cell "web": created' ]
	[ -f "$RP/data/$R/sp/st2/metadata.json" ]
	k delete cell web --realm "$R" --space sp --stack st2 >/dev/null
}

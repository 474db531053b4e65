# bats file_tags=kuke
# Kubernetes: `kuke get cell|stack|space NAME -o kube` (a Pod per cell, checked against the
# Kubernetes schema offline with npm's kubernetes-models, tests/kube/validate.js) and the way
# back, `kuke apply -f pod.yaml` (a Pod becomes a cell; fields with no cell equivalent are
# refused, one line each, nothing created).
bats_require_minimum_version 1.5.0
load helpers/cell_suite

setup() { cell_suite_setup kb; }

teardown() {
	daemon_teardown
	cell_teardown
}

# validate FILE: every document a valid Kubernetes Pod (scripts/deps.sh installs the schema)
validate() {
	local dir=${KUKEON_NODE_DIR:-$(dirname "$KUKEON_BIN")/node}
	[ -f "$dir/node_modules/kubernetes-models/package.json" ] ||
		skip_or_fail "no kubernetes-models in $dir (scripts/deps.sh installs it)"
	node "$BATS_TEST_DIRNAME/../kube/validate.js" "$dir" "$1"
}

# the body of the HTTP answer of IP:8080 (headers dropped; Date differs between answers)
http_body() { # IP
	local i out=
	for i in $(seq 50); do
		out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 busybox nc "$1" 8080 2>/dev/null) &&
			[[ "$out" == *"200 OK"* ]] && break
		sleep 0.2
	done
	printf '%s\n' "$out" | tr -d '\r' | sed '1,/^$/d'
}

# A two-container cell serving HTTP (helpers/cell.bash's app_cell_yaml): `app` (httpd on
# 8080 with a read-only bind of the test dir, a tmpfs, user, capabilities, a network name
# Kubernetes has no place for) and `side`, plus kukeon's root, labelled app=shop. (No
# resources: runc cannot apply limits in the harness's cgroup view; the unit tests cover them.)
web_cell() { # NAME
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo "hello from $1" >"$BATS_TEST_TMPDIR/www/index.html"
	app_cell_yaml "$1" "exec httpd -f -p 8080 -h /www" always "$(
		cat <<-EOF2
		      env: ["GREETING=hello"]
		      volumes:
		        - {kind: bind, source: $BATS_TEST_TMPDIR/www, target: /www, readOnly: true}
		        - {kind: tmpfs, target: /scratch, sizeBytes: 8388608}
		      user: "0:0"
		      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, SETUID, SETGID]}
		      networks: [front]
		    - id: side
		      image: $KUKEON_TEST_BUSYBOX_REF
		      command: sh
		      args: ["-c", "echo side-ready; sleep infinity"]
		      workingDir: /tmp
		      restartPolicy: always
		EOF2
	)"
	sed -i "s/^  name: $1\$/&\n  labels: {app: shop}/" "$BATS_TEST_TMPDIR/$1.yaml"
	k apply -f "$BATS_TEST_TMPDIR/$1.yaml" >/dev/null
}

@test "apply: Pod fields with no cell equivalent are refused by path, one line each, nothing created" {
	refuse() { # WANT  (the Pod's spec lines on stdin)
		{
			printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n'
			cat
		} >"$BATS_TEST_TMPDIR/p.yaml"
		run -1 k apply -f "$BATS_TEST_TMPDIR/p.yaml" "${SCOPE[@]}"
		[ "${#lines[@]}" = 2 ]
		[ "${lines[0]}" = "kuke: validation failed:" ]
		[ "${lines[1]}" = "  document 0 (Pod \"p\"): $1 (\`$BATS_TEST_TMPDIR/p.yaml\` line 1)" ]
		[ ! -e "$RP/data/$R" ]
	}
	refuse "spec.containers[0].livenessProbe: not supported by kukeon cells" <<-EOF2
	  containers:
	    - {name: a, image: busybox, livenessProbe: {exec: {command: ["true"]}}}
	EOF2
	refuse "spec.volumes[0].persistentVolumeClaim: not supported by kukeon cells" <<-EOF2
	  containers: [{name: a, image: busybox, volumeMounts: [{name: d, mountPath: /d}]}]
	  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
	EOF2
	refuse "spec.containers[0].env[0].valueFrom: not supported by kukeon cells" <<-EOF2
	  containers: [{name: a, image: busybox, env: [{name: K, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]
	EOF2
	refuse "spec.containers[0].resources.limits.cpu: a cell has no CPU quota (requests.cpu sets its cpuShares)" <<-EOF2
	  containers: [{name: a, image: busybox, resources: {limits: {cpu: 500m}}}]
	EOF2
	refuse "spec.containers[0].volumeMounts[0].subPath: not supported by kukeon cells" <<-EOF2
	  containers: [{name: a, image: busybox, volumeMounts: [{name: d, mountPath: /d, subPath: x}]}]
	  volumes: [{name: d, emptyDir: {}}]
	EOF2
	refuse "spec.affinity: not supported by kukeon cells" <<-EOF2
	  affinity: {}
	  containers: [{name: a, image: busybox}]
	EOF2
	refuse "spec.containers: required and cannot be empty" <<-EOF2
	  containers: []
	EOF2
	# a List (kubectl get pods -o yaml) is read item by item
	printf 'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: i}]}}\n  - {apiVersion: v1, kind: Service, metadata: {name: s}}\n' >"$BATS_TEST_TMPDIR/l.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/l.yaml"
	[ "${lines[1]}" = "  document 0 (List): items[1]: not a v1 Pod (\`$BATS_TEST_TMPDIR/l.yaml\` line 1)" ]
	[ ! -e "$RP/data" ]
	# other Kubernetes kinds keep upstream's message
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n' >"$BATS_TEST_TMPDIR/d.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/d.yaml"
	[[ "$output" == *"document 0 (): document 0: unknown kind: Deployment"* ]]
}

@test "get -o kube: a stack NAME is required; an unknown one is an error" {
	run -2 k get stack -o kube
	[ "$output" = "kuke: -o kube: a stack NAME is required" ]
	run -1 k get stack nope -o kube --realm "$R" --space sp
	[[ "$output" == *nope* ]]
	[[ "$output" == *"not found"* ]]
}

# bats test_tags=containerd
@test "get cell -o kube: a two-container cell is a valid Kubernetes Pod, with kukeon's names as labels and notes as comments" {
	require_containerd
	cell_scaffold
	web_cell web
	run -0 k get cell web "${SCOPE[@]}" -o kube
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/pod.yaml"
	[ "${lines[0]}" = "# kukeon cell \"web\" (realm \"$R\", space \"sp\", stack \"st\")" ]
	[ "${lines[1]}" = "# not expressed in Kubernetes:" ]
	[ "${lines[2]}" = '#   container "app": networks and networksAliases' ]
	[[ "$output" == *"    realm.kukeon.io: $R"* ]]
	[[ "$output" == *"    stack.kukeon.io: st"* ]]
	[[ "$output" == *"    cell.kukeon.io: web"* ]]
	[[ "$output" == *"    app: shop"* ]]
	# the root container is kukeon's pause, not a Kubernetes container
	[ "$(sed -n '/^  containers:/,/^  [a-z]/p' "$BATS_TEST_TMPDIR/pod.yaml" | grep -c '^    - name: ')" = 2 ]
	[[ "$output" != *"name: root"* ]]
	[[ "$output" == *"        sizeLimit: 8Mi"* ]]
	[[ "$output" == *"  restartPolicy: Always"* ]]
	run -0 validate "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$output" = "valid Pod web" ]
	# the schema check can fail: a Pod with a string port is refused
	sed 's/^      image: .*/&\n      ports: [{containerPort: "x"}]/' "$BATS_TEST_TMPDIR/pod.yaml" >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 validate "$BATS_TEST_TMPDIR/bad.yaml"
	[[ "$output" == "invalid: "*containerPort* ]]
}

# bats test_tags=containerd
@test "get -o kube: export, delete, apply of the export gives a cell serving the same HTTP response" {
	require_containerd
	cell_scaffold
	web_cell shop
	ip=$(cell_ip_of shop)
	before=$(http_body "$ip")
	[ "$before" = "hello from shop" ]
	run -0 k get cell shop "${SCOPE[@]}" -o kube
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/export.yaml"
	run -0 k delete cell shop "${SCOPE[@]}"
	[ ! -e "$RP/data/$R/sp/st/shop" ]
	# the labels put it back where it was: no --realm/--space/--stack
	run -0 k apply -f "$BATS_TEST_TMPDIR/export.yaml"
	[ "$output" = 'Cell "shop": created' ]
	run -0 jq -r '.spec.containers | map(select(.root != true) | .id) | join(" ")' "$RP/data/$R/sp/st/shop/metadata.json"
	[ "$output" = "app side" ]
	ip=$(cell_ip_of shop)
	after=$(http_body "$ip")
	[ "$after" = "$before" ]
	# applied again: nothing to change
	run -0 k apply -f "$BATS_TEST_TMPDIR/export.yaml"
	[ "$output" = 'Cell "shop": unchanged' ]
	# and delete -f takes the Pod too
	run -0 k delete -f "$BATS_TEST_TMPDIR/export.yaml"
	[ "$output" = 'Cell "shop": deleted' ]
	[ ! -e "$RP/data/$R/sp/st/shop" ]
}

cell_ip_of() { k get cell "$1" "${SCOPE[@]}" -o json | jq -r .status.network.ipAddress; }

# bats test_tags=containerd
@test "apply: a Pod as podman kube generate writes it runs as a cell in --realm/--space/--stack" {
	require_containerd
	cell_scaffold
	cat >"$BATS_TEST_TMPDIR/podman.yaml" <<-EOF2
	# Save the output of this file and use kubectl create -f to import it into Kubernetes.
	#
	# Created with podman-4.3.1
	apiVersion: v1
	kind: Pod
	metadata:
	  annotations:
	    io.kubernetes.cri-o.SandboxID/greeter: 6a3f0c1e9d2b
	  creationTimestamp: "2026-12-05T10:00:00Z"
	  labels:
	    app: greeter-pod
	  name: greeter-pod
	spec:
	  automountServiceAccountToken: false
	  containers:
	  - args:
	    - sh
	    - -c
	    - echo "\$GREETING from \$(pwd) as \$(id -u)"; sleep infinity
	    env:
	    - name: GREETING
	      value: hello-podman
	    image: $KUKEON_TEST_BUSYBOX_REF
	    name: greeter
	    ports:
	    - containerPort: 8080
	    resources: {}
	    securityContext:
	      capabilities:
	        drop:
	        - CAP_MKNOD
	        - CAP_NET_RAW
	        - CAP_AUDIT_WRITE
	    workingDir: /tmp
	  enableServiceLinks: false
	  hostname: greeter-pod
	  restartPolicy: Never
	  securityContext:
	    runAsUser: 1000
	    runAsGroup: 1000
	status: {}
	EOF2
	# a hostname that is not the Pod's name: a cell's hostname is its name
	sed 's/hostname: greeter-pod/hostname: other/' "$BATS_TEST_TMPDIR/podman.yaml" >"$BATS_TEST_TMPDIR/other.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/other.yaml" "${SCOPE[@]}"
	[[ "$output" == *'document 0 (Pod "greeter-pod"): spec.hostname: other: a cell'"'"'s hostname is its name, `greeter-pod`'* ]]
	[ ! -e "$RP/data/$R/sp/st/greeter-pod" ]
	run -0 k apply -f "$BATS_TEST_TMPDIR/podman.yaml" "${SCOPE[@]}"
	[ "$output" = 'Cell "greeter-pod": created' ]
	run -0 jq -r '.spec.containers[0] | [.id, .user, .workingDir, .restartPolicy, (.env | join(",")), (.ports | length)] | join(" ")' \
		"$RP/data/$R/sp/st/greeter-pod/metadata.json"
	[ "$output" = "greeter 1000:1000 /tmp  GREETING=hello-podman 0" ]
	for i in $(seq 50); do
		out=$(k log greeter-pod "${SCOPE[@]}" 2>/dev/null) || true
		[ -n "$out" ] && break
		sleep 0.2
	done
	[ "$out" = "hello-podman from /tmp as 1000" ]
	run -0 k get cell greeter-pod "${SCOPE[@]}" -o json
	[ "$(jq -r .metadata.labels.app <<<"$output")" = greeter-pod ]
}

# bats test_tags=containerd
@test "get stack|space NAME -o kube: one Pod per cell, a valid multi-document stream" {
	require_containerd
	cell_scaffold
	app_cell one "sleep infinity"
	app_cell two "sleep infinity"
	run -0 k get stack st --realm "$R" --space sp -o kube
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/stack.yaml"
	[ "$(grep -c '^kind: Pod$' "$BATS_TEST_TMPDIR/stack.yaml")" = 2 ]
	[ "$(grep -c '^---$' "$BATS_TEST_TMPDIR/stack.yaml")" = 1 ]
	run -0 validate "$BATS_TEST_TMPDIR/stack.yaml"
	[ "$output" = "$(printf 'valid Pod one\nvalid Pod two')" ]
	run -0 k get space sp --realm "$R" -o KUBE
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/stack.yaml")" ]
	# cells without a NAME: those the filters select
	run -0 k get cells --realm "$R" -o kube
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/stack.yaml")" ]
	# the same Pods as a v1 List apply as the cells they came from
	{
		printf 'apiVersion: v1\nkind: List\nitems:\n'
		grep -v '^#' "$BATS_TEST_TMPDIR/stack.yaml" | grep -v '^---$' | sed 's/^apiVersion: v1$/- apiVersion: v1/; /^- apiVersion/!s/^/  /'
	} >"$BATS_TEST_TMPDIR/list.yaml"
	run -0 validate "$BATS_TEST_TMPDIR/list.yaml"
	run -0 k apply -f "$BATS_TEST_TMPDIR/list.yaml"
	[ "$output" = "$(printf '%s\n' 'Cell "one": unchanged' 'Cell "two": unchanged')" ]
	# an empty stack says so
	k create stack empty --realm "$R" --space sp >/dev/null
	run -0 k get stack empty --realm "$R" --space sp -o kube
	[ "$output" = "# no cells" ]
}

# bats test_tags=containerd
@test "through kukeond: a Pod goes where --realm/--space/--stack say, and -o kube prints what in-process does" {
	require_containerd
	cell_scaffold
	KD_DIR=$BATS_TEST_TMPDIR/kd KD_SOCK=$BATS_TEST_TMPDIR/kd/kukeond.sock KD_LOG=$BATS_TEST_TMPDIR/kukeond.log
	start_kukeond
	kdd() { env -u KUKE_TEST_IN_PROCESS "$KUKEON_LINKS/kuke" --host "unix://$KD_SOCK" --run-path "$RP" "$@"; }
	cat >"$BATS_TEST_TMPDIR/pod.yaml" <<-EOF2
	apiVersion: v1
	kind: Pod
	metadata:
	  name: viad
	  labels: {realm.kukeon.io: elsewhere}
	spec:
	  restartPolicy: OnFailure
	  containers:
	    - name: app
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: [sleep, infinity]
	EOF2
	# the flags win over the Pod's labels, through the wire too
	run -0 kdd apply -f "$BATS_TEST_TMPDIR/pod.yaml" "${SCOPE[@]}"
	[ "$output" = 'Cell "viad": created' ]
	[ -f "$RP/data/$R/sp/st/viad/metadata.json" ]
	[ ! -e "$RP/data/elsewhere" ]
	run -0 jq -r '.spec.containers[0].restartPolicy' "$RP/data/$R/sp/st/viad/metadata.json"
	[ "$output" = on-failure ]
	run -0 kdd get cell viad "${SCOPE[@]}" -o kube
	through=$output
	run -0 k get cell viad "${SCOPE[@]}" -o kube
	[ "$output" = "$through" ]
	[[ "$output" == *"  restartPolicy: OnFailure"* ]]
}

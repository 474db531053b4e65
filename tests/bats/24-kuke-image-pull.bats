# bats file_tags=kuke
# kuke image pull and pull on create, from registries on loopback inside the harness
# netns (docker-registry filled with skopeo; regproxy.py for Bearer and faults); ctr is
# the witness that images are complete and nothing is left behind.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/registry

setup() {
	require_applet kuke
	"$KUKEON_BIN" kuke image pull --help >/dev/null 2>&1 || skip_or_fail "pull not built in"
	require_containerd
	require_registry_tools
	REALM=pull$BATS_TEST_NUMBER
	NS=$REALM.kukeon.io
	P=$((5100 + BATS_TEST_NUMBER * 10))
	D=$BATS_TEST_TMPDIR/reg
	kuke create realm "$REALM" >/dev/null
}

teardown() {
	stop_all
}

pull() { kuke image pull --realm "$REALM" "$@"; }

# nothing of a failed pull stays: no record, no lease, no ingest, no content
nothing_left() {
	[ -z "$(hctr -n "$NS" images ls -q)" ]
	[ "$(hctr -n "$NS" leases ls -q | wc -l)" = 0 ]
	[ "$(hctr -n "$NS" content active | tail -n +2 | wc -l)" = 0 ]
	[ -z "$(hctr -n "$NS" content ls -q)" ]
}

complete() { # complete REF: ctr sees the image complete and unpacked
	run hctr -n "$NS" images check
	[ "$status" = 0 ]
	[[ "$output" == *"$1 "*"complete (2/2)"*"true"* ]]
}

# bats test_tags=containerd
@test "image pull: plain HTTP on loopback, complete and unpacked; again is a no-op" {
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1
	run -0 pull "127.0.0.1:$P/bb:1"
	[[ "$output" == "pulled image \"127.0.0.1:$P/bb:1\" (sha256:"*", 1 layer(s), "*") into realm \"$REALM\" (namespace \"$NS\")" ]]
	complete "127.0.0.1:$P/bb:1"
	[ "$(hctr -n "$NS" leases ls -q | wc -l)" = 0 ]
	run -0 pull -q "127.0.0.1:$P/bb:1"
	[ "$output" = "127.0.0.1:$P/bb:1" ]
	# by digest too
	dg=$(hctr -n "$NS" images ls | awk 'NR==2 {print $3}')
	run -0 pull -q "127.0.0.1:$P/bb@$dg"
	[ "$output" = "127.0.0.1:$P/bb@$dg" ]
}

# bats test_tags=containerd
@test "image pull: unknown repository, unknown tag, bad reference: one line, exit 1, nothing left" {
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1
	run -1 pull "127.0.0.1:$P/bb:2"
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:2: registry \`127.0.0.1:$P\`: tag \`bb:2\` not found (MANIFEST_UNKNOWN: manifest unknown)" ]
	run -1 pull "127.0.0.1:$P/nope:1"
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"failed to pull image 127.0.0.1:$P/nope:1: registry \`127.0.0.1:$P\`: "*"not found"* ]]
	run -1 pull "127.0.0.1:$P/BAD:1"
	[ "${#lines[@]}" = 1 ]
	run -2 kuke image pull
	nothing_left
	run -0 pull -q "127.0.0.1:$P/bb:1"
}

# bats test_tags=containerd
@test "image pull: an index picks the platform; a platform it lacks is one line" {
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1
	# an index holding the harness manifest for the host and a fake arm64 entry
	skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$P/bb:1" >"$BATS_TEST_TMPDIR/m.json"
	md=sha256:$(sha256sum "$BATS_TEST_TMPDIR/m.json" | cut -d' ' -f1)
	ms=$(stat -c %s "$BATS_TEST_TMPDIR/m.json")
	jq -n --arg d "$md" --argjson s "$ms" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
			platform: {os: "linux", architecture: "amd64"}}]}' >"$BATS_TEST_TMPDIR/idx.json"
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
		--data-binary @"$BATS_TEST_TMPDIR/idx.json" "http://127.0.0.1:$P/v2/bb/manifests/multi" >/dev/null
	run -0 pull -q "127.0.0.1:$P/bb:multi" --platform linux/amd64
	run -1 pull "127.0.0.1:$P/bb:multi" --platform linux/s390x
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:multi: \`127.0.0.1:$P/bb:multi\` has no image for platform linux/s390x" ]
}

# bats test_tags=containerd
@test "image pull: TLS with a test CA; an unverified certificate is one line" {
	make_certs "$BATS_TEST_TMPDIR/certs"
	registry_start "$D" "$P" tls
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1
	run -1 pull "localhost:$P/bb:1"
	[[ "$output" == "kuke: image pull: failed to pull image localhost:$P/bb:1: registry \`localhost:$P\`: TLS certificate does not verify: "* ]]
	[ "${#lines[@]}" = 1 ]
	nothing_left
	KUKEON_REGISTRY_CA_FILE=$REG_CERTS/ca.crt run -0 pull -q "localhost:$P/bb:1"
	complete "localhost:$P/bb:1"
}

realm_with_creds() { # realm_with_creds USER PASS SERVER
	cat >"$BATS_TEST_TMPDIR/realm.yaml" <<-EOF
		apiVersion: v1beta1
		kind: Realm
		metadata: {name: $REALM}
		spec:
		  namespace: $NS
		  registryCredentials:
		    - {username: $1, password: $2, serverAddress: "$3"}
	EOF
	kuke apply -f "$BATS_TEST_TMPDIR/realm.yaml" >/dev/null
}

# bats test_tags=containerd
@test "image pull: htpasswd Basic auth with the realm's credentials; wrong ones are a 401 naming the registry" {
	registry_start "$D/open" $((P + 1))
	push "$KUKEON_TEST_BUSYBOX_TAR" $((P + 1)) bb:1
	registry_start "$D" "$P" basic
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1 --dest-creds kk:secret
	run -1 pull "127.0.0.1:$P/bb:1"
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:1: registry \`127.0.0.1:$P\`: 401 Unauthorized: it wants credentials and the realm has none for it" ]
	realm_with_creds kk wrong "127.0.0.1:$P"
	run -1 pull "127.0.0.1:$P/bb:1"
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:1: registry \`127.0.0.1:$P\`: 401 Unauthorized: the realm's credentials for it were refused" ]
	nothing_left
	realm_with_creds kk secret "127.0.0.1:$P"
	run -0 pull -q "127.0.0.1:$P/bb:1"
	complete "127.0.0.1:$P/bb:1"
}

# bats test_tags=containerd
@test "image pull: Bearer token flow with the realm's credentials" {
	registry_start "$D" $((P + 1))
	push "$KUKEON_TEST_BUSYBOX_TAR" $((P + 1)) bb:1
	proxy_start "$P" $((P + 1)) bearer "$BATS_TEST_TMPDIR/log"
	run -1 pull "127.0.0.1:$P/bb:1"
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:1: registry \`127.0.0.1:$P\`: 401 Unauthorized: it wants credentials and the realm has none for it" ]
	realm_with_creds kk secret ""
	run -0 pull -q "127.0.0.1:$P/bb:1"
	complete "127.0.0.1:$P/bb:1"
	grep -q '^GET /token' "$BATS_TEST_TMPDIR/log"
}

# bats test_tags=containerd
@test "image pull: a blob cut halfway resumes with a Range; one cut every time fails cleanly" {
	registry_start "$D" $((P + 1))
	random_image "$BATS_TEST_TMPDIR/r.tar"
	push "$BATS_TEST_TMPDIR/r.tar" $((P + 1)) bb:1
	proxy_start "$P" $((P + 1)) cut-once "$BATS_TEST_TMPDIR/log"
	run -0 pull -q "127.0.0.1:$P/bb:1"
	complete "127.0.0.1:$P/bb:1"
	grep -q '^GET /v2/bb/blobs/sha256:[0-9a-f]* bytes=[0-9]*-$' "$BATS_TEST_TMPDIR/log"

	kuke create realm "${REALM}b" >/dev/null
	random_image "$BATS_TEST_TMPDIR/r.tar"
	push "$BATS_TEST_TMPDIR/r.tar" $((P + 1)) bb:1
	proxy_start $((P + 2)) $((P + 1)) cut "$BATS_TEST_TMPDIR/log2"
	run -1 kuke image pull --realm "${REALM}b" "127.0.0.1:$((P + 2))/bb:1"
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"failed to pull image 127.0.0.1:$((P + 2))/bb:1: registry \`127.0.0.1:$((P + 2))\`: "* ]]
	NS=${REALM}b.kukeon.io nothing_left
	run -0 kuke image pull -q --realm "${REALM}b" "127.0.0.1:$((P + 1))/bb:1"
}

# bats test_tags=containerd
@test "image pull: a corrupted blob, a redirect loop: one line each, nothing left; redirects work" {
	registry_start "$D" $((P + 1))
	random_image "$BATS_TEST_TMPDIR/r.tar"
	push "$BATS_TEST_TMPDIR/r.tar" $((P + 1)) bb:1
	proxy_start "$P" $((P + 1)) corrupt /dev/null
	run -1 pull "127.0.0.1:$P/bb:1"
	[[ "$output" == "kuke: image pull: failed to pull image 127.0.0.1:$P/bb:1: registry \`127.0.0.1:$P\`: blob \`sha256:"*"\`: digest mismatch: the registry sent other content" ]]
	nothing_left
	proxy_start $((P + 2)) $((P + 1)) loop /dev/null
	run -1 pull "127.0.0.1:$((P + 2))/bb:1"
	[ "$output" = "kuke: image pull: failed to pull image 127.0.0.1:$((P + 2))/bb:1: registry \`127.0.0.1:$((P + 2))\`: more than 8 redirects" ]
	nothing_left
	proxy_start $((P + 3)) $((P + 1)) redirect "$BATS_TEST_TMPDIR/log"
	run -0 pull -q "127.0.0.1:$((P + 3))/bb:1"
	grep -q '^GET /storage/v2/bb/blobs/' "$BATS_TEST_TMPDIR/log"
	complete "127.0.0.1:$((P + 3))/bb:1"
}

# bats test_tags=containerd
@test "pull on create: a cell runs from an image pulled from the registry" {
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:1
	kuke create space s --realm "$REALM" >/dev/null
	kuke create stack t --realm "$REALM" --space s >/dev/null
	cat >"$BATS_TEST_TMPDIR/cell.yaml" <<-EOF
		apiVersion: v1beta1
		kind: Cell
		metadata: {name: web}
		spec:
		  realmId: $REALM
		  spaceId: s
		  stackId: t
		  containers:
		    - {id: app, root: true, image: "127.0.0.1:$P/bb:1", command: sleep, args: ["infinity"]}
	EOF
	run -0 kuke apply -f "$BATS_TEST_TMPDIR/cell.yaml"
	complete "127.0.0.1:$P/bb:1"
	run -0 kuke get cell web --realm "$REALM" --space s --stack t -o json
	[ "$(jq -r '.status.state' <<<"$output")" = Ready ]
	kuke delete cell web --realm "$REALM" --space s --stack t >/dev/null
}

# bats test_tags=containerd
@test "image pull through kukeond: the daemon pulls, kuke prints the same summary" {
	require_applet kukeond
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:2
	local sock=$BATS_TEST_TMPDIR/kd/kukeond.sock kd
	"$KUKEON_LINKS/kukeond" --configuration "$BATS_TEST_TMPDIR/kd.yaml" serve --socket "$sock" \
		--log-level debug --reconcile-interval 0 </dev/null >"$BATS_TEST_TMPDIR/kd.log" 2>&1 3>&- &
	kd=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	run env -u KUKE_TEST_IN_PROCESS "$KUKEON_LINKS/kuke" --host "unix://$sock" image pull \
		--realm "$REALM" "127.0.0.1:$P/bb:2"
	kill -TERM "$kd"
	wait "$kd"
	[ "$status" = 0 ]
	[[ "$output" == "pulled image \"127.0.0.1:$P/bb:2\" (sha256:"*", 1 layer(s), "*") into realm \"$REALM\" (namespace \"$NS\")" ]]
	complete "127.0.0.1:$P/bb:2"
	grep -q 'DEBUG "rpc" method=KukeonV1.PullImage' "$BATS_TEST_TMPDIR/kd.log"
}

# bats test_tags=containerd
@test "image pull on a terminal: progress per blob and in total; -q draws none" {
	registry_start "$D" "$P"
	push "$KUKEON_TEST_BUSYBOX_TAR" "$P" bb:3
	# script(1) gives kuke a pseudo-terminal for its output
	run -0 script -qec "$KUKEON_LINKS/kuke image pull --realm $REALM 127.0.0.1:$P/bb:3" /dev/null
	[[ "$output" == *"sha256:"*"done"* ]]
	[[ "$output" == *"total "*" / "*"s"* ]]
	[[ "$output" == *"pulled image \"127.0.0.1:$P/bb:3\""* ]]
	complete "127.0.0.1:$P/bb:3"
	run -0 script -qec "$KUKEON_LINKS/kuke image pull -q --realm $REALM 127.0.0.1:$P/bb:3" /dev/null
	[[ "$output" != *"total "* ]]
	[[ "$output" == *"127.0.0.1:$P/bb:3"* ]]
}

# tests/bats/helpers/registry.bash - registries on loopback for the pull suites: Debian's
# docker-registry (plain HTTP, TLS with a test CA, htpasswd Basic auth), filled with
# skopeo from the harness tarballs, and regproxy.py in front for Bearer and faults.
# Everything runs inside the harness netns and dies with it; stop_all ends it earlier.

REG_PIDS=()

require_registry_tools() {
	command -v docker-registry >/dev/null && command -v skopeo >/dev/null &&
		command -v htpasswd >/dev/null && command -v python3 >/dev/null ||
		skip_or_fail "docker-registry, skopeo, htpasswd or python3 missing (make deps)"
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (5 s)
wait_port() {
	local i
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# registry_start DIR PORT [tls|basic]: a registry storing in DIR
registry_start() {
	local dir=$1 port=$2 kind=${3:-plain}
	mkdir -p "$dir/data"
	{
		printf 'version: 0.1\nlog: {level: error}\n'
		printf 'storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\n' "$dir/data"
		printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
		if [ "$kind" = tls ]; then
			printf '  tls: {certificate: %s, key: %s}\n' "$REG_CERTS/server.crt" "$REG_CERTS/server.key"
		fi
		if [ "$kind" = basic ]; then
			htpasswd -Bbc "$dir/htpasswd" kk secret >/dev/null 2>&1
			printf 'auth: {htpasswd: {realm: kk-basic, path: %s}}\n' "$dir/htpasswd"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	REG_PIDS+=($!)
	wait_port "$port"
}

# proxy_start PORT UPSTREAM_PORT MODE LOG
proxy_start() {
	python3 "$BATS_TEST_DIRNAME/helpers/regproxy.py" "$1" "http://127.0.0.1:$2" "$3" "$4" &
	REG_PIDS+=($!)
	wait_port "$1"
}

stop_all() {
	local p
	for p in "${REG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${REG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	REG_PIDS=()
}

# make_certs DIR: a test CA and a server certificate for localhost (mbedTLS 2.28 matches
# no IP address in a certificate)
make_certs() {
	REG_CERTS=$1
	mkdir -p "$REG_CERTS"
	(
		cd "$REG_CERTS"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kk-test-ca \
			-keyout ca.key -out ca.crt 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
			-keyout server.key -out server.csr 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -extfile ext -out server.crt 2>/dev/null
	)
}

# push TARBALL PORT REPO:TAG [skopeo flags...]: the OCI layout tarball into the registry
push() {
	local tar=$1 port=$2 ref=$3
	shift 3
	skopeo copy -q --insecure-policy --dest-tls-verify=false "$@" "oci-archive:$tar" \
		"docker://127.0.0.1:$port/$ref" >/dev/null
}

# random_image OUT.tar: an OCI layout tarball whose one layer holds 2 MiB of random bytes,
# so no other test (nor containerd's shared content store) has its blobs
random_image() {
	local out=$1 w
	w=$(mktemp -d "$BATS_TEST_TMPDIR/rimg.XXXXXX")
	mkdir -p "$w/root" "$w/l/blobs/sha256"
	head -c 2097152 /dev/urandom >"$w/root/data"
	tar -C "$w/root" --owner=0 --group=0 -cf "$w/layer.tar" .
	local diff_id layer lsize config csize manifest msize
	diff_id=sha256:$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
	gzip -n "$w/layer.tar"
	layer=$(sha256sum "$w/layer.tar.gz" | cut -d' ' -f1)
	lsize=$(stat -c %s "$w/layer.tar.gz")
	mv "$w/layer.tar.gz" "$w/l/blobs/sha256/$layer"
	jq -nc --arg d "$diff_id" '{architecture: "amd64", os: "linux", config: {},
		rootfs: {type: "layers", diff_ids: [$d]}}' >"$w/config"
	config=$(sha256sum "$w/config" | cut -d' ' -f1)
	csize=$(stat -c %s "$w/config")
	mv "$w/config" "$w/l/blobs/sha256/$config"
	jq -nc --arg c "sha256:$config" --argjson cs "$csize" --arg l "sha256:$layer" \
		--argjson ls "$lsize" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l,
			size: $ls}]}' >"$w/manifest"
	manifest=$(sha256sum "$w/manifest" | cut -d' ' -f1)
	msize=$(stat -c %s "$w/manifest")
	mv "$w/manifest" "$w/l/blobs/sha256/$manifest"
	jq -nc --arg m "sha256:$manifest" --argjson ms "$msize" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
			digest: $m, size: $ms}]}' >"$w/l/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$w/l/oci-layout"
	tar -C "$w/l" -cf "$out" oci-layout index.json blobs
	rm -rf "$w"
}

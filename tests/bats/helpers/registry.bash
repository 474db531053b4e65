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

# make_certs DIR: a test CA and a server certificate for 127.0.0.1 and localhost
make_certs() {
	REG_CERTS=$1
	mkdir -p "$REG_CERTS"
	(
		cd "$REG_CERTS"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kk-test-ca \
			-keyout ca.key -out ca.crt 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
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

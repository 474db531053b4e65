# bats file_tags=kukeond
# The kukeonv1 wire as Go's net/rpc jsonrpc speaks it, driven by a raw client
# (helpers/jsonrpc.py): shapes, transport errors, pipelining, garbage, load.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/daemon

setup() {
	require_applet kukeond
	require_containerd
	daemon_setup
	start_kukeond
}

teardown() {
	daemon_teardown
}

# bats test_tags=containerd
@test "wire: Ping, CreateRealm and ListRealms in upstream's shapes" {
	run -0 rpc call KukeonV1.Ping
	[[ "$output" =~ ^\{\"id\":0,\"result\":\{\"OK\":true,\"Version\":\"[^\"]+\",\"Err\":null\},\"error\":null\}$ ]]
	run -0 rpc call KukeonV1.CreateRealm '{"Doc":{"apiVersion":"v1beta1","kind":"Realm","metadata":{"name":"w1"},"spec":{}}}'
	jq -e '.id == 0 and .error == null and .result.Err == null' <<<"$output"
	jq -e '.result.Result | .Created and .MetadataExistsPost and .CgroupCreated and .ContainerdNamespaceCreated and (.MetadataExistsPre | not)' <<<"$output"
	jq -e '.result.Result.Realm | .apiVersion == "v1beta1" and .kind == "Realm" and .metadata.name == "w1" and .spec.namespace == "w1.kukeon.io" and .status.state == "Ready"' <<<"$output"
	run -0 rpc call KukeonV1.ListRealms '{}'
	jq -e '.result.Realms | length == 1 and .[0].metadata.name == "w1"' <<<"$output"
	jq -e '.result.Err == null and .error == null' <<<"$output"
	# what kuke shows is what the wire carried
	run -0 kd get realms
	[[ "${lines[2]}" == "w1 "* ]]
}

# bats test_tags=containerd
@test "wire: application errors travel in the reply's Err with Kind and Message" {
	run -0 rpc call KukeonV1.GetRealm '{"Doc":{"metadata":{"name":"nope"}}}'
	jq -e '.error == null and .result.Err.Kind == "Unknown" and .result.Err.Message == "realm \"nope\" not found"' <<<"$output"
	# a zero Result rides along, as upstream's does
	jq -e '.result.Result.Realm.apiVersion == "" and .result.Result.MetadataExists == false' <<<"$output"
	run -0 rpc call KukeonV1.CreateSpace '{"Doc":{"metadata":{"name":"s"},"spec":{"realmId":"nope"}}}'
	jq -e '.result.Err.Message == "realm \"nope\" not found"' <<<"$output"
	run -0 rpc call KukeonV1.CreateRealm '{"Doc":{"apiVersion":"v2","metadata":{"name":"x"}}}'
	jq -e '.result.Err.Message == "conversion failed: unsupported apiVersion for Realm: v2"' <<<"$output"
	jq -e '.result.Err.Kind == "ConversionFailed"' <<<"$output"
	[ ! -d "$RP/data/x" ]
}

# bats test_tags=containerd
@test "wire: Go's transport errors for bad names, unknown methods, missing or wrong params" {
	run -0 rpc raw <<'REQ'
{"method":"Ping","params":[{}],"id":1}
{"method":"Other.Ping","params":[{}],"id":2}
{"method":"KukeonV1.Nope","params":[{}],"id":3}
{"method":"KukeonV1.ListRealms","id":4}
{"method":"KukeonV1.ListRealms","params":null,"id":5}
{"method":"KukeonV1.ListRealms","params":{},"id":6}
{"method":"KukeonV1.Ping","params":[{}]}
{"method":"KukeonV1.Ping","params":[{}],"id":"seven"}
REQ
	[ "${lines[0]}" = '{"id":1,"result":null,"error":"rpc: service/method request ill-formed: Ping"}' ]
	[ "${lines[1]}" = '{"id":2,"result":null,"error":"rpc: can'"'"'t find service Other.Ping"}' ]
	[ "${lines[2]}" = '{"id":3,"result":null,"error":"rpc: can'"'"'t find method KukeonV1.Nope"}' ]
	[ "${lines[3]}" = '{"id":4,"result":null,"error":"jsonrpc: request body missing params"}' ]
	[ "${lines[4]}" = '{"id":5,"result":null,"error":"jsonrpc: request body missing params"}' ]
	[ "${lines[5]}" = '{"id":6,"result":null,"error":"json: cannot unmarshal object into Go value of type [1]interface {}"}' ]
	[[ "${lines[6]}" == '{"id":null,"result":{"OK":true,'* ]]
	[[ "${lines[7]}" == '{"id":"seven","result":{"OK":true,'* ]]
	[ "${#lines[@]}" = 8 ]
}

# bats test_tags=containerd
@test "wire: pipelined requests on one connection are all answered, by id, in order" {
	run -0 rpc raw <<'REQ'
{"method":"KukeonV1.CreateRealm","params":[{"Doc":{"metadata":{"name":"p1"}}}],"id":10}{"method":"KukeonV1.GetRealm","params":[{"Doc":{"metadata":{"name":"p1"}}}],"id":11}
{"method":"KukeonV1.ListRealms","params":[{}],"id":12}  {"method":"KukeonV1.Ping","params":[{}],"id":13}
REQ
	[ "${#lines[@]}" = 4 ]
	for i in 0 1 2 3; do
		jq -e ".id == $((10 + i)) and .error == null and .result.Err == null" <<<"${lines[$i]}"
	done
	jq -e '.result.Result.Realm.metadata.name == "p1"' <<<"${lines[1]}"
}

# bats test_tags=containerd
@test "wire: garbage, a truncated request and a vanished client drop only that connection" {
	run -0 rpc raw <<<'hello there'
	[ -z "$output" ]
	run -0 rpc raw <<<'{"method":"KukeonV1.Ping","params":[{}],"id":1}{"method":"KukeonV1.Pi'
	[ "${#lines[@]}" = 1 ]
	run -0 rpc raw <<<'[1,2,3]'
	[ -z "$output" ]
	# a create whose client is gone before the reply still completes
	printf '{"method":"KukeonV1.CreateRealm","params":[{"Doc":{"metadata":{"name":"gone"}}}],"id":0}\n' |
		timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); s.close()' "$KD_SOCK"
	for i in $(seq 100); do [ -f "$RP/data/gone/metadata.json" ] && break; sleep 0.05; done
	[ -f "$RP/data/gone/metadata.json" ]
	grep -q 'WARN "closing a connection that sent something not JSON"' "$KD_LOG"
	run -0 rpc call KukeonV1.Ping
	kill -0 "$KD_PID"
}

# bats test_tags=containerd
@test "wire: a request past --max-request-size closes its connection; the daemon serves on" {
	stop_kukeond
	start_kukeond --max-request-size 4MiB
	# a 1 GiB request: refused once it passes the limit, without reading the rest
	run -0 timeout 60 python3 "$BATS_TEST_DIRNAME/helpers/jsonrpc.py" "$KD_SOCK" big $((1 << 30))
	[ "$output" = closed ]
	grep -q 'WARN "closing a connection whose request is too large" limit=4194304' "$KD_LOG"
	run -0 rpc call KukeonV1.Ping
	run -2 kukeond serve --max-request-size lots
	[ "$output" = 'kukeond: invalid --max-request-size "lots" (bytes, or a number with KiB, MiB or GiB)' ]
}

# bats test_tags=containerd
@test "wire: 50 clients x 20 calls at once, and 200 idle connections, all served" {
	rpc call KukeonV1.CreateRealm '{"Doc":{"metadata":{"name":"sw"}}}' >/dev/null
	run -0 timeout 120 python3 "$BATS_TEST_DIRNAME/helpers/jsonrpc.py" "$KD_SOCK" swarm 50 20
	[ "$output" = "ok 1000" ]
	python3 "$BATS_TEST_DIRNAME/helpers/jsonrpc.py" "$KD_SOCK" idle 200 5 >"$BATS_TEST_TMPDIR/idle.out" 3>&- &
	local idle_pid=$!
	for i in $(seq 100); do grep -q 'open 200' "$BATS_TEST_TMPDIR/idle.out" && break; sleep 0.05; done
	grep -q 'open 200' "$BATS_TEST_TMPDIR/idle.out"
	run -0 kd get realms
	[[ "${lines[2]}" == "sw "* ]]
	wait "$idle_pid"
}

# bats test_tags=containerd
@test "wire: LoadImage with a base64 tarball, as a Go kuke sends it" {
	rpc call KukeonV1.CreateRealm '{"Doc":{"metadata":{"name":"li"}}}' >/dev/null
	python3 - "$KD_SOCK" "$KUKEON_TEST_BUSYBOX_TAR" >"$BATS_TEST_TMPDIR/load.json" <<'PY'
import base64, json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
tar = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
s.sendall((json.dumps({"method": "KukeonV1.LoadImage", "params": [{"Realm": "li", "Tarball": tar}], "id": 0}) + "\n").encode())
print(s.makefile().readline(), end="")
PY
	jq -e '.result.Err == null and .result.Result.Realm == "li" and .result.Result.Namespace == "li.kukeon.io"' "$BATS_TEST_TMPDIR/load.json"
	jq -e '.result.Result.Images == ["docker.io/library/busybox:latest"]' "$BATS_TEST_TMPDIR/load.json"
	hctr -n li.kukeon.io images ls -q | grep -qx docker.io/library/busybox:latest
	run -0 rpc call KukeonV1.ListImages '{"Realm":"li"}'
	jq -e '.result.Result.Images[0].Name == "docker.io/library/busybox:latest" and .result.Result.Images[0].Size > 0' <<<"$output"
}

# bats test_tags=containerd
@test "wire: kuke image load through kukeond passes the file, so neither side holds the tarball" {
	local W=$BATS_TEST_TMPDIR/img d s cd_ cs md ms arch
	mkdir -p "$W/layout/blobs/sha256" "$W/root"
	head -c 64M /dev/urandom >"$W/root/data"
	tar -C "$W/root" --owner=0 --group=0 -cf "$W/layer.tar" .
	d=$(sha256sum "$W/layer.tar" | cut -d' ' -f1) s=$(stat -c %s "$W/layer.tar")
	mv "$W/layer.tar" "$W/layout/blobs/sha256/$d"
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	printf '{"architecture":"%s","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$arch" "$d" >"$W/config"
	cd_=$(sha256sum "$W/config" | cut -d' ' -f1) cs=$(stat -c %s "$W/config")
	mv "$W/config" "$W/layout/blobs/sha256/$cd_"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' "$cd_" "$cs" "$d" "$s" >"$W/manifest"
	md=$(sha256sum "$W/manifest" | cut -d' ' -f1) ms=$(stat -c %s "$W/manifest")
	mv "$W/manifest" "$W/layout/blobs/sha256/$md"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$W/layout/oci-layout"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"example.com/t/big:1"}}]}' "$md" "$ms" >"$W/layout/index.json"
	tar -C "$W/layout" -cf "$W/big.tar" .
	rm -rf "$W/layout" "$W/root"
	kd create realm big >/dev/null
	run -0 /usr/bin/time -f 'rss %M' -o "$W/rss" "$KUKEON_LINKS/kuke" --host "unix://$KD_SOCK" \
		--run-path "$RP" image load --realm big "$W/big.tar"
	[ "${lines[1]}" = "  - example.com/t/big:1" ]
	# peak RSS in KiB: kuke well under the 64 MiB it sent, kukeond too
	[ "$(awk '/^rss/ { print $2 }' "$W/rss")" -lt 32768 ]
	[ "$(awk '/^VmHWM/ { print $2 }' "/proc/$KD_PID/status")" -lt 49152 ]
	hctr -n big.kukeon.io images ls -q | grep -qx example.com/t/big:1
	# stdin goes the same way
	run -0 kd image load --realm big - <"$KUKEON_TEST_BUSYBOX_TAR"
	[[ "$output" == *"docker.io/library/busybox:latest"* ]]
}

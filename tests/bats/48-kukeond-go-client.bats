# bats file_tags=kukeond
# kukeond against Go's own net/rpc jsonrpc client (tests/go/kukeonv1_client.go, standard
# library only, built here with Debian's Go): what a Go v0.5.0 `kuke` sends and how it
# decodes the replies into typed structs, rather than helpers/jsonrpc.py's imitation.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/daemon

setup_file() {
	command -v go >/dev/null || {
		echo "go: not installed (scripts/deps.sh installs golang-go)" >&2
		return 1
	}
	export GOCLIENT=$BATS_FILE_TMPDIR/kukeonv1_client
	GOCACHE=$BATS_FILE_TMPDIR/gocache GOPATH=$BATS_FILE_TMPDIR/gopath GOFLAGS=-buildvcs=false \
		go build -o "$GOCLIENT" "$BATS_TEST_DIRNAME/../go/kukeonv1_client.go"
}

setup() {
	require_applet kukeond
	require_containerd
	daemon_setup
	start_kukeond
}

teardown() {
	daemon_teardown
}

goclient() { "$GOCLIENT" "$KD_SOCK" "$@"; }
# run goclient, show what it printed, and require success
goclient_ok() {
	run goclient "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "go client: Ping decodes into upstream's PingReply" {
	run -0 goclient ping
	[[ "$output" == "ok Ping: OK, version "* ]]
}

# bats test_tags=containerd
@test "go client: a realm created, read, listed and deleted; times decode as time.Time" {
	goclient_ok realm gorealm
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[1]}" == "ok GetRealm gorealm: Ready, created 20"* ]]
	[[ "${lines[3]}" == *"not found"* ]]
	# the realm is really gone
	run -0 kd get realms
	[[ "$output" != *gorealm* ]]
}

# bats test_tags=containerd
@test "go client: DeleteRealm --cascade returns the realm found and the space:<n> tokens first" {
	goclient_ok cascade gocasc
	[ "${lines[0]}" = "ok DeleteRealm gocasc --cascade: Realm gocasc (Ready), Deleted [space:sp1 metadata cgroup namespace]" ]
	[[ "${lines[1]}" == "ok DeleteRealm of a missing realm: zero Result, Err "*'realm "gocasc" not found' ]]
	run -0 kd get realms
	[[ "$output" != *gocasc* ]]
}

# bats test_tags=containerd
@test "go client: DeleteStack, DeleteSpace and PurgeSpace carry upstream's keys and tokens" {
	goclient_ok children gokids
	[ "${lines[0]}" = "ok DeleteStack gokids/sp1/st1: Stack st1, Deleted [metadata cgroup]" ]
	[ "${lines[1]}" = "ok DeleteSpace gokids/sp1: Space sp1, Deleted [metadata cgroup network]" ]
	[ "${lines[2]}" = "ok PurgeSpace gokids/sp2 --force: PurgeSucceeded, Deleted [metadata cgroup network], Purged [cni-network cni-cache orphaned-containers all-metadata]" ]
	[ "${lines[3]}" = "ok DeleteRealm gokids: Deleted [metadata cgroup namespace]" ]
	run -0 kd get realms
	[[ "$output" != *gokids* ]]
}

@test "go client: transport errors as Go's server words them; the connection survives" {
	run -0 goclient errors
	[ "${lines[0]}" = "ok unknown method: rpc: can't find method KukeonV1.Nope" ]
	[ "${lines[1]}" = "ok unknown service: rpc: can't find service Other.Ping" ]
	[[ "${lines[2]}" == "ok Ping: OK"* ]]
}

# bats test_tags=containerd
@test "go client: 50 goroutines x 20 calls pipelined on one connection" {
	kd create realm pipe >/dev/null
	run -0 goclient pipeline 50 20
	[ "$output" = "ok pipeline: 50 goroutines x 20 calls on one connection" ]
}

@test "go client: a failure is reported, not passed (the client can fail)" {
	run -1 "$GOCLIENT" "$KD_SOCK.absent" ping
	[[ "$output" == "FAIL dial "* ]]
}

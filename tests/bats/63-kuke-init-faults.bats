# bats file_tags=kuke
# kuke init against faults: containerd down, a run path of another instance, an init killed
# midway, a login user named kukeon. Each says what is wrong in one line and leaves nothing
# half made that the next run cannot finish.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/init

setup() { init_setup; }
teardown() { init_teardown; }

# nothing of an init is on the host: no run path, account, namespace or cgroup
untouched() {
	[ ! -e "$RP" ]
	! grep -q '^kukeon:' /etc/passwd
	! grep -q '^kukeon:' /etc/group
	[ -z "$(hctr namespaces ls -q | grep -F ".$SUF")" ]
	[ ! -e "$CG" ]
}

# bats test_tags=containerd
@test "kuke init: containerd down, a socket path that is not a socket, or one nobody serves" {
	local s=$BATS_TEST_TMPDIR/containerd.sock
	run -1 kuke init --containerd-socket "$s"
	[ "$output" = "kuke: failed to connect to containerd: $s — start containerd before re-running \`kuke init\`: stat $s: No such file or directory" ]
	untouched
	: >"$s"
	run -1 kuke init --containerd-socket "$s"
	[ "$output" = "kuke: failed to connect to containerd: $s is not a socket file — verify containerd is running and the path is correct" ]
	rm "$s"
	# a socket left by a containerd that died
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$s"
	run -1 kuke init --containerd-socket "$s"
	[[ "$output" == "kuke: failed to connect to containerd: $s — start containerd before re-running \`kuke init\`: "* ]]
	[ "${#lines[@]}" = 1 ]
	untouched
}

# bats test_tags=containerd
@test "kuke init: a run path bootstrapped with another suffix is refused before anything is made" {
	mkdir -p "$RP"
	printf '{\n  "containerdNamespaceSuffix": "other.io",\n  "cgroupRoot": "/kukeon"\n}\n' >"$RP/.kukeon-instance.json"
	run -1 kuke init
	[ "$output" = "kuke: runPath \"$RP\" was bootstrapped with containerdNamespaceSuffix=\"other.io\" cgroupRoot=\"/kukeon\" but the running configuration requests containerdNamespaceSuffix=\"$SUF\" cgroupRoot=\"$KUKEON_CGROUP_ROOT\": kukeon instance mismatch" ]
	! grep -q '^kukeon:' /etc/passwd
	[ -z "$(hctr namespaces ls -q | grep -F ".$SUF")" ]
	[ ! -e "$CG" ]
	# the instance file as it was, and the store's lock file
	[ -z "$(ls -A "$RP" | grep -v -e '^.kukeon-instance.json$' -e '^.kukeon-store.lock$')" ]
	grep -q other.io "$RP/.kukeon-instance.json"
}

# bats test_tags=containerd
@test "kuke init: an init killed midway is finished by the next run" {
	# the binary itself, not the kuke function: $! must be kuke, or the kill ends a
	# subshell and the first init runs on beside the second
	"$KUKEON_LINKS/kuke" init >"$BATS_TEST_TMPDIR/first.out" 2>&1 &
	local pid=$! i
	# kill it once the system realm is being made (the daemon cell is not there yet)
	for i in $(seq 300); do
		[ -e "$RP/data/kuke-system/metadata.json" ] && break
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || true
	[ -e "$RP/data/kuke-system/metadata.json" ]
	run kuke init
	echo "$output" # shown when the test fails
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "kukeond is ready (unix://$KD_SOCK)" ]
	[[ "$output" == *'    - realm "default": already existed'* ]]
	[ "$(grep -c '^kukeon:' /etc/passwd)" = 1 ]
	run -0 kuke get cell kukeond --realm kuke-system --space kukeon --stack kukeon -o json
	[ "$(jq -r .status.state <<<"$output")" = Ready ]
	# no lock or temp file of the account files stayed behind
	[ -z "$(ls /etc | grep -E '^(passwd|group|shadow|gshadow)(\.lock|\+|\.[0-9]+)$')" ]
}

# bats test_tags=containerd
@test "kuke init: a login user named kukeon is refused, nothing is made" {
	useradd -u 1500 -M -s /bin/sh kukeon
	run -1 kuke init
	[ "$output" = 'kuke: user `kukeon` exists with uid 1500, outside the system range 101-999: it is not the kukeon system account (members of its group reach kukeond'"'"'s socket); remove or rename it (`userdel kukeon`) and run `kuke init` again' ]
	[ ! -e "$RP" ]
	[ -z "$(hctr namespaces ls -q | grep -F ".$SUF")" ]
	# once it is gone, init makes the system account
	userdel kukeon
	init_ok --no-wait
	[ "$(id -u kukeon)" -lt 1000 ]
}

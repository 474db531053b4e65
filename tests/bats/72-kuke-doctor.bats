# bats file_tags=kuke
# kuke doctor cgroups: upstream's pre-flight (statuses, probe writes, remediation text, the
# --scope checks) against cgroup directories laid out by the test, and the plain kuke doctor
# overview against the harness containerd.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy

setup() {
	hier_setup
	FAKE=$BATS_TEST_TMPDIR/cg
	mkdir -p "$FAKE"
}

# a directory with the two interface files: advertised and enabled controllers
fake() {
	echo "$1" >"$FAKE/cgroup.controllers"
	echo "$2" >"$FAKE/cgroup.subtree_control"
}

@test "kuke doctor cgroups: all four enabled is silent and exits 0; --verbose-status prints them" {
	fake "cpu io memory pids" "cpu io memory pids"
	run -0 kuke doctor cgroups --root "$FAKE" --no-probe
	[ -z "$output" ]
	run -0 kuke doctor cgroups --root "$FAKE" --no-probe --verbose-status
	[ "$output" = "host root: $FAKE
required:  cpu, memory, io, pids
  cpu: enabled
  memory: enabled
  io: enabled
  pids: enabled" ]
}

@test "kuke doctor cgroups --no-probe: needs-delegation and kernel-missing, with the fix line" {
	fake "cpu memory" "cpu"
	run -1 kuke doctor cgroups --root "$FAKE" --no-probe
	[[ "$output" == "host root: $FAKE
required:  cpu, memory, io, pids
  cpu: enabled
  memory: needs-delegation
  io: kernel-missing
  pids: kernel-missing

host root cgroup is missing controllers required by kukeond: memory, io, pids
"* ]]
	[[ "$output" == *"  kernel does not support: io, pids"* ]]
	[[ "$output" == *"  not enabled in cgroup.subtree_control: memory"* ]]
	[[ "$output" == *"  fix: echo \"+memory\" | sudo tee $FAKE/cgroup.subtree_control"* ]]
	[[ "$output" == *"kuke: cgroup pre-flight: missing controllers at $FAKE/cgroup.subtree_control" ]]
}

@test "kuke doctor cgroups: the probe writes +CTRL and a real cgroup reports enabled-by-probe, then enabled" {
	local cg=/sys/fs/cgroup/k72-probe-$BATS_TEST_NUMBER
	grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip_or_fail "no hugetlb on this cgroup2 mount"
	# the mount root first, so that a child is offered hugetlb at all
	run -0 kuke doctor cgroups --nested-cgroup-runtime --verbose-status
	[[ "$output" == *"  hugetlb: enabled"* ]]
	mkdir "$cg"
	run -0 kuke doctor cgroups --root "$cg" --nested-cgroup-runtime --verbose-status
	[[ "$output" == *"  hugetlb: enabled-by-probe"* ]]
	grep -qw hugetlb "$cg/cgroup.subtree_control"
	run -0 kuke doctor cgroups --root "$cg" --nested-cgroup-runtime --verbose-status
	[[ "$output" == *"  hugetlb: enabled"* ]]
	rmdir "$cg"
}

@test "kuke doctor cgroups --scope realm: the realm's status.cgroupPath is checked" {
	require_containerd
	k create realm dr >/dev/null
	run -1 k doctor cgroups --scope realm dr --no-probe
	# shown only when the test fails (it did once in CI, line 0 not this, cause unknown)
	printf '%s\n' "$output"
	[[ "${lines[0]}" == "scope: realm dr" ]]
	[[ "${lines[1]}" == "host root: /sys/fs/cgroup$CGR/dr" ]]
	run -1 k doctor cgroups --scope realm nope --no-probe
	[ "$output" = 'kuke: realm "nope" not found' ]
	k purge realm dr --cascade >/dev/null
}

@test "kuke doctor cgroups: upstream's argument checks, in upstream's order" {
	run -1 kuke doctor cgroups x --no-probe
	[ "$output" = 'kuke: positional name "x" is only valid with --scope realm|space|stack|cell' ]
	run -1 kuke doctor cgroups --scope realm --no-probe
	[ "$output" = 'kuke: --scope realm requires a positional <name> argument' ]
	run -1 kuke doctor cgroups --scope pod x --no-probe
	[ "$output" = 'kuke: --scope must be one of: realm, space, stack, cell (got "pod")' ]
	run -1 kuke doctor cgroups --scope cell x --realm r --stack t --no-probe
	[ "$output" = 'kuke: --scope cell requires --space' ]
	run -1 kuke doctor cgroups --scope stack x --no-probe
	[ "$output" = 'kuke: --scope stack requires --realm' ]
	run -1 kuke doctor cgroups --root "$BATS_TEST_TMPDIR/none" --no-probe
	[ "$output" = "kuke: cgroup pre-flight: read $BATS_TEST_TMPDIR/none/cgroup.controllers: No such file or directory" ]
	run -2 kuke doctor cgroups a b
	[[ "$output" == *"accepts at most 1 arg(s), received 2"* ]]
}

@test "kuke doctor: the overview names containerd's version, runc, the CNI plugins and kukeond" {
	require_containerd
	run -0 kuke doctor
	[ "${lines[0]}" = "kuke doctor:" ]
	[[ "${lines[1]}" == "  - containerd: reachable at $KUKEON_CONTAINERD_SOCKET (version "* ]]
	[[ "$output" == *"  - runc: "*"(runc version "* ]]
	[[ "$output" == *"  - CNI plugins: bridge, host-local, loopback found in "* ]]
	[[ "$output" == *"  - cgroup v2: /sys/fs/cgroup"* ]]
	[[ "$output" == *"  - kukeond: not serving at unix://"* ]]
	run -1 kuke --containerd-socket "$BATS_TEST_TMPDIR/gone.sock" doctor
	[[ "${lines[1]}" == "  - containerd: NOT reachable at $BATS_TEST_TMPDIR/gone.sock: "* ]]
	[[ "$output" == *"kuke: doctor: 1 problem(s) found (see above)" ]]
	run -2 kuke doctor bogus
	[ "$output" = 'kuke: unknown command `doctor bogus`; see `kuke --help`' ]
}

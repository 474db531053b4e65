#!/bin/bash
# tests/harness/run.sh CMD [ARGS...] - run CMD in a private copy of a kukeon host.
#
# What CMD gets (DESIGN.md "Test environment"):
#   - private mount, network, pid and cgroup namespaces; lo up; nothing else on the net
#   - a pure cgroup v2 view on /sys/fs/cgroup, rooted at a per-run cgroup
#   - tmpfs over /run and /opt, so /run/kukeon, /run/containerd, /opt/kukeon and
#     /opt/cni are scratch; the host's are never touched
#   - a private containerd on $KUKEON_TEST_TMP/containerd.sock (Debian's containerd, runc)
#   - a busybox OCI image tarball at $KUKEON_TEST_BUSYBOX_TAR, built from /bin/busybox
# Environment for CMD: KUKEON_TEST_TMP, KUKEON_CONTAINERD_SOCKET, KUKEON_TEST_BUSYBOX_TAR,
# KUKEON_TEST_BUSYBOX_REF, KUKEON_BIN (the binary under test, default build/kukeon).
#
# Leaves nothing behind: CMD's exit (or a signal) ends the pid namespace, which kills
# containerd, its shims and every container; then the run's cgroup is killed and removed
# and the temp dir deleted. The exit status is CMD's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --inner ]; then
	# ---- outer: host side -------------------------------------------------------
	[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
	[ "$(id -u)" = 0 ] || { echo "harness: must run as root (namespaces, containerd)" >&2; exit 1; }
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$cg2" ] || { echo "harness: no cgroup2 mount on this host" >&2; exit 1; }

	# A hybrid host binds cpu/memory/... to v1, leaving hugetlb as the only v2 controller,
	# and may not pass it down from the v2 root: do so, so delegation can be tested.
	# (Enabling a controller at the root is harmless and left in place: other runs may
	# be using it.)
	if grep -qw hugetlb "$cg2/cgroup.controllers" &&
		! grep -qw hugetlb "$cg2/cgroup.subtree_control"; then
		echo +hugetlb >"$cg2/cgroup.subtree_control" 2>/dev/null || true
	fi

	T=$(mktemp -d /tmp/kukeon-test.XXXXXX)
	chmod 0755 "$T"
	cg="$cg2/${T##*/}"
	mkdir "$cg"
	# tell a caller that checks for leftovers which run this was
	[ -z "${KUKEON_TEST_REPORT:-}" ] || printf '%s\n%s\n' "$T" "$cg" >"$KUKEON_TEST_REPORT"

	cleanup() {
		local rc=$? i
		trap - EXIT INT TERM HUP
		if [ -d "$cg" ]; then
			# everything we started lives in this subtree: end it all, by cgroup
			echo 1 >"$cg/cgroup.kill" 2>/dev/null || true
			for i in $(seq 1 100); do
				grep -q 'populated 0' "$cg/cgroup.events" 2>/dev/null && break
				sleep 0.1
			done
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ ! -d "$cg" ] || echo "harness: could not remove cgroup $cg" >&2
		fi
		for i in 1 2 3 4 5; do
			rm -rf "$T" 2>/dev/null && break
			sleep 0.2
		done
		[ ! -e "$T" ] || echo "harness: could not remove $T" >&2
		exit "$rc"
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP

	export KUKEON_TEST_TMP=$T KUKEON_TEST_CGROUP=$cg
	export KUKEON_BIN=${KUKEON_BIN:-$top/build/kukeon}
	# in the background, so a signal reaches our trap at once (bash runs traps only
	# between commands, and `wait` is interruptible where a foreground child is not)
	set +e
	unshare --mount --net --pid --fork --mount-proc --propagation private \
		"$here/run.sh" --inner "$@" <&0 &
	wait $!
	rc=$?
	set -e
	exit $rc
fi

# ---- inner: pid 1 of the private namespaces ------------------------------------------
shift
T=$KUKEON_TEST_TMP

# Enter the run's cgroup, then a cgroup namespace rooted there (unshare without a fork:
# we stay pid 1). The outer unshare process stays outside, so the root holds no process
# once we move to a leaf, and can delegate controllers to what containerd creates.
if [ -z "${KUKEON_TEST_CGNS:-}" ]; then
	echo $$ >"$KUKEON_TEST_CGROUP/cgroup.procs"
	export KUKEON_TEST_CGNS=1
	exec unshare --cgroup "$here/run.sh" --inner "$@"
fi
umount -l /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 none /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/harness
echo $$ >/sys/fs/cgroup/harness/cgroup.procs
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /opt
ip link set lo up

mkdir -p "$T/containerd/root" "$T/containerd/state" "$T/cni/net.d" "$T/cni/cache" "$T/home"
# kuke writes $HOME/.kuke/kuke.yaml on first use, as upstream does: not the host's HOME
export HOME=$T/home
cat >"$T/containerd/config.toml" <<TOML
version = 2
root = "$T/containerd/root"
state = "$T/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[debug]
  address = ""
TOML

containerd --config "$T/containerd/config.toml" >"$T/containerd.log" 2>&1 &
ctrd_pid=$!
# a test that restarts containerd (tests/bats/helpers/cell.bash restart_containerd) writes
# the new pid here, so the one running at the end is the one stopped
echo "$ctrd_pid" >"$T/containerd.pid"

stop_containerd() {
	ctrd_pid=$(cat "$T/containerd.pid")
	kill -TERM "$ctrd_pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$ctrd_pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$ctrd_pid" 2>/dev/null || true
}
trap stop_containerd EXIT

export KUKEON_CONTAINERD_SOCKET=$T/containerd.sock
for i in $(seq 1 100); do
	ctr --address "$KUKEON_CONTAINERD_SOCKET" version >/dev/null 2>&1 && break
	if ! kill -0 "$ctrd_pid" 2>/dev/null || [ "$i" = 100 ]; then
		echo "harness: containerd did not start; its log:" >&2
		tail -n 30 "$T/containerd.log" >&2
		exit 1
	fi
	sleep 0.1
done

export KUKEON_TEST_BUSYBOX_REF=docker.io/library/busybox:latest
export KUKEON_TEST_BUSYBOX_TAR=$T/busybox.tar
"$here/mkimage.sh" "$KUKEON_TEST_BUSYBOX_TAR" "$KUKEON_TEST_BUSYBOX_REF"

set +e
"$@"
rc=$?
set -e
stop_containerd
exit $rc

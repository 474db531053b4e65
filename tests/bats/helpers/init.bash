# tests/bats/helpers/init.bash - the host-lifecycle suites (60-64): `kuke init` for real, with
# kukeond in its cell.
#
# Each test gets its own host view: scratch copies of /etc (init adds the kukeon user and
# group there) and of /var/lib/cni (host-local's store, bound into the kukeond cell) bound over
# the real ones in the harness's mount namespace, and its own containerd namespace suffix,
# cgroup root, run path, socket, server configuration and CNI cache, which reach init, kuke
# and the daemon in its cell through the environment. init_teardown purges both realms with
# the controller in-process (which ends the daemon's cell), checks that no namespace or cgroup
# of the test is left, and unbinds the scratch directories.

init_setup() {
	require_applet kuke
	require_containerd
	local f=${BATS_TEST_FILENAME##*/}
	f=${f%%-*}
	SUF=k$f-$BATS_TEST_NUMBER.test
	export KUKEON_NAMESPACE_SUFFIX=$SUF
	export KUKEON_CGROUP_ROOT=/k$f-$BATS_TEST_NUMBER
	CG=/sys/fs/cgroup$KUKEON_CGROUP_ROOT
	RP=$BATS_TEST_TMPDIR/run
	export KUKEON_RUN_PATH=$RP
	KD_SOCK=$BATS_TEST_TMPDIR/kd/kukeond.sock
	export KUKEOND_SOCKET=$KD_SOCK
	export KUKEON_HOST=unix://$KD_SOCK
	export KUKEON_CNI_CACHE_DIR=$BATS_TEST_TMPDIR/cni-cache
	export KUKE_INIT_SERVER_CONFIGURATION=$BATS_TEST_TMPDIR/etc-kukeon/kukeond.yaml
	export HOME=$BATS_TEST_TMPDIR/home
	unset KUKE_TEST_IN_PROCESS
	SYS_NS=kuke-system.$SUF
	mkdir -p "$BATS_TEST_TMPDIR/etc" "$BATS_TEST_TMPDIR/var-lib-cni"
	cp -a /etc/. "$BATS_TEST_TMPDIR/etc/"
	mount --bind "$BATS_TEST_TMPDIR/etc" /etc
	mount --bind "$BATS_TEST_TMPDIR/var-lib-cni" /var/lib/cni
	INIT_MOUNTED=1
}

init_teardown() {
	[ -n "${INIT_MOUNTED:-}" ] || return 0
	local r left
	for r in kuke-system default $EXTRA_REALMS; do
		kuke --no-daemon purge realm "$r" --cascade >/dev/null 2>&1 || true
	done
	left=$(hctr namespaces ls -q | grep -F ".$SUF" || true)
	[ -d "$CG" ] && find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	umount /var/lib/cni
	umount /etc
	INIT_MOUNTED=
	if [ -n "$left" ]; then
		echo "teardown: containerd namespaces left: $left" >&2
		return 1
	fi
	if [ -d "$CG" ]; then
		echo "teardown: cgroup $CG left" >&2
		return 1
	fi
}

# kuke init, quietly; fails the test with its output when it fails
init_ok() {
	local out
	out=$(kuke init "$@" 2>&1) || {
		echo "$out" >&2
		return 1
	}
}

# init_cell_yaml NAME SCRIPT [EXTRA]: write $BATS_TEST_TMPDIR/NAME.yaml and print its path: a Cell in default/default/default whose `app` container runs
# SCRIPT under sh -c, then EXTRA (more of app's keys, indented 6)
init_cell_yaml() {
	cell_doc "$1" default default default "    - id: app
      image: $KUKEON_TEST_BUSYBOX_REF
      command: sh
      args: [\"-c\", \"$2\"]
${3:-}" >"$BATS_TEST_TMPDIR/$1.yaml"
	echo "$BATS_TEST_TMPDIR/$1.yaml"
}

# the Go-codec client on the test's socket
rpc() { python3 "$BATS_TEST_DIRNAME/helpers/jsonrpc.py" "$KD_SOCK" "$@"; }

# state of the kukeond cell's tasks: "ID STATUS" lines
sys_tasks() { hctr -n "$SYS_NS" tasks ls | awk 'NR > 1 { print $1, $3 }' | sort; }

# tests/bats/helpers/common.bash - loaded by every suite.
#
# KUKEON_BIN is the binary under test (the static build/kukeon unless set); setup_suite
# installs its applet links in $KUKEON_LINKS, so kuke/kukeond/... run by their own name.

: "${KUKEON_BIN:=$BATS_TEST_DIRNAME/../../build/kukeon}"

# Each test has its own run path and one kukeond serves one, so kuke runs the controller
# in-process here while behaving as through the daemon (what it prints, what it refuses);
# the kukeond suites (4x) unset this and go through a real daemon.
export KUKE_TEST_IN_PROCESS=1

kukeon() { "$KUKEON_BIN" "$@"; }
kuke() { "$KUKEON_LINKS/kuke" "$@"; }
kukeond() { "$KUKEON_LINKS/kukeond" "$@"; }
kuketty() { "$KUKEON_LINKS/kuketty" "$@"; }
kuke_uninstall() { "$KUKEON_LINKS/kuke-uninstall" "$@"; }

# skip, or in strict mode (CI) fail: nothing passes by being skipped there
skip_or_fail() {
	if [ "${KUKEON_TEST_STRICT:-}" = 1 ]; then
		echo "strict mode: would skip: $*" >&2
		return 1
	fi
	skip "$*"
}

require_applet() {
	"$KUKEON_BIN" --list | grep -qx "$1" || skip_or_fail "applet $1 is not built in"
}

require_containerd() {
	[ -S "${KUKEON_CONTAINERD_SOCKET:-}" ] || skip_or_fail "no harness containerd (run under tests/harness/run.sh)"
}

# ctr against the harness containerd
hctr() { ctr --address "$KUKEON_CONTAINERD_SOCKET" "$@"; }

# cell_doc NAME REALM SPACE STACK CONTAINERS: print a Cell named NAME (spec.id too) in
# REALM/SPACE/STACK whose spec.containers items are the lines CONTAINERS (indented 4 and
# more); spec.autoDelete is there only when $AUTO is set.
cell_doc() {
	cat <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $1
	spec:
	  id: $1
	  realmId: $2
	  spaceId: $3
	  stackId: $4${AUTO:+
	  autoDelete: $AUTO}
	  containers:
	$5
	EOF2
}

# the root container item of a cell_doc: busybox sleeping
cell_root() {
	cat <<-EOF2
	    - id: root
	      root: true
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sleep
	      args: ["infinity"]
	EOF2
}

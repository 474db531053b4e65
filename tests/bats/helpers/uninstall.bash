# tests/bats/helpers/uninstall.bash - an "installed host" for the uninstall suites (70, 71).
#
# kuke init is not what these suites test, so they lay the host out themselves: cell_setup's
# realm $R with space sp and stack st (and a running cell when asked), a socket dir $SD with a
# PID file, /etc/kukeon, and the kukeon user and group. /etc is a scratch copy bound over
# the real one for the whole file (setup_file/teardown_file), so the accounts are edited
# there and the host's are never touched.

# a suite that loads this file runs with the scratch /etc
setup_file() { etc_scratch_on; }
teardown_file() { etc_scratch_off; }

etc_scratch_on() {
	ETC_COPY=$BATS_FILE_TMPDIR/etc
	cp -a /etc "$ETC_COPY"
	mount --bind "$ETC_COPY" /etc
}

etc_scratch_off() {
	umount /etc
}

# install_state: realm $R (busybox loaded), space sp, stack st, $SD/kukeond.pid (a stale
# pid), /etc/kukeon, the kukeon group and user
install_state() {
	SD=$BATS_TEST_TMPDIR/sock
	mkdir -p "$SD" /etc/kukeon
	echo 2147483000 >"$SD/kukeond.pid"
	printf 'apiVersion: v1beta1\nkind: ServerConfiguration\n' >/etc/kukeon/kukeond.yaml
	getent group kukeon >/dev/null || groupadd --system kukeon
	getent passwd kukeon >/dev/null ||
		useradd --system --gid kukeon --no-create-home --shell /usr/sbin/nologin kukeon
	cell_scaffold
	BR=$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy")
}

# what must be gone after a complete uninstall
assert_all_gone() {
	local left=
	hctr namespaces ls -q | grep -qx "$NS" && left="$left namespace:$NS"
	[ -d "$CG" ] && left="$left cgroup:$CG"
	ip link show "$BR" >/dev/null 2>&1 && left="$left link:$BR"
	ip -o link show | grep -q 'master k-' && left="$left veth"
	awk -v rp="$RP" -v sd="$SD" '$2 ~ "^" rp || $2 ~ "^" sd { print $2 }' /proc/self/mounts |
		grep -q . && left="$left mounts"
	[ -e "$RP" ] && left="$left $RP"
	[ -e "$SD" ] && left="$left $SD"
	[ -e /etc/kukeon ] && [ "${1:-}" = rescue ] && left="$left /etc/kukeon"
	ls "$IPAM" 2>/dev/null | grep -q . && left="$left ipam"
	ls "$KUKEON_CNI_CACHE_DIR/results" 2>/dev/null | grep -q . && left="$left cni-cache"
	grep -q '^kukeon:' /etc/passwd && left="$left user"
	grep -q '^kukeon:' /etc/group && left="$left group"
	if [ -n "$left" ]; then
		echo "left behind:$left" >&2
		return 1
	fi
}

# the shims of the test's namespace (the cells' tasks), for a teardown after containerd
# lost track of them
ns_shim_pids() { pgrep -f -- "-namespace $NS " || true; }

# tests/bats/helpers/hierarchy.bash - shared by the realm/space/stack/apply suites.
#
# Every test gets its own run path, cgroup root (under the harness's private cgroup2 view)
# and names, so tests never see each other's objects in the shared containerd.

hier_setup() {
	require_applet kuke
	RP=$BATS_TEST_TMPDIR/run
	local f=${BATS_TEST_FILENAME##*/}
	CGR=/k${f%%-*}-$BATS_TEST_NUMBER # e.g. /k11-3: fixed width, so golden tables are stable
	export KUKEON_CGROUP_ROOT=$CGR
	CG=/sys/fs/cgroup$CGR
	FIX=$BATS_TEST_DIRNAME/../fixtures/hierarchy
	# kuke writes a default client configuration under $HOME: keep it in the test dir
	export HOME=$BATS_TEST_TMPDIR/home
}

k() { kuke --run-path "$RP" "$@"; }

# the namespace list of the harness containerd, one "NAME LABELS" line each
ns_ls() { hctr namespaces ls | awk 'NR > 1 { print $1, $2 }'; }

# what delegation should give here: cpu memory io pids that the mount root offers, in order
want_controllers() {
	local c out=
	for c in cpu memory io pids; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.controllers && out="$out $c"
	done
	echo "${out# }"
}

# stable text for golden files: timestamps, the run path and the cgroup root replaced
norm() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' \
		-e "s#$RP#RUNPATH#g" -e "s#$CGR#CGROOT#g" -e 's/ +$//'
}

# compare stdin (normalised) with a fixture; set KUKEON_UPDATE_GOLDEN=1 to rewrite it
golden() {
	local f=$FIX/$1
	if [ "${KUKEON_UPDATE_GOLDEN:-}" = 1 ]; then
		norm >"$f"
		return 0
	fi
	diff -u "$f" <(norm)
}

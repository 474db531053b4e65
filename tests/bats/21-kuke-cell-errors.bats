# bats file_tags=kuke
# Bad cells through `kuke apply -f`: a CNI plugin that fails, two root containers, a missing
# bind source, an unknown capability, a malformed size. Each fails with one line naming the
# cell and the field, exits 1, and leaves nothing: no containerd container, task or snapshot,
# no veth, no host-local reservation, no CNI cache entry, no cgroup, no metadata.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup te
}

teardown() {
	cell_teardown
}

scaffold() {
	cell_scaffold
	VETHS=$(veths)
}

# A cell document: a root and an `app` container; $2 is YAML appended to `app`.
manifest() { # NAME [app yaml]
	cell_doc "$1" "$R" sp st "$(cell_root)
    - id: app
      image: $KUKEON_TEST_BUSYBOX_REF
      command: sleep
      args: [\"infinity\"]"
	[ -z "${2:-}" ] || sed 's/^/      /' <<<"$2"
}

# apply a bad cell: exit 1, `Cell "<n>": failed`, the error has every fragment given
apply_fails() { # NAME APP_YAML FRAGMENT...
	local name=$1 app=$2
	shift 2
	manifest "$name" "$app" >"$BATS_TEST_TMPDIR/$name.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/$name.yaml"
	[[ "$output" == *"Cell \"$name\": failed"* ]]
	local f
	for f in "$@"; do
		[[ "$output" == *"$f"* ]] || {
			echo "error lacks \`$f\`: $output" >&2
			return 1
		}
	done
}

# bats test_tags=containerd
@test "a CNI plugin that fails after the bridge attached: the attachment is undone" {
	require_containerd
	scaffold
	# the real plugins and one that refuses ADD (DEL succeeds), put after the loopback: the
	# list is no longer kukeon's own shape, so every plugin of it runs as a process
	local bin=$BATS_TEST_TMPDIR/cni-bin p cl=$RP/data/$R/sp/network.conflist
	mkdir "$bin"
	for p in /usr/lib/cni/*; do ln -s "$p" "$bin/"; done
	cat >"$bin/refuse" <<-'EOF2'
	#!/bin/sh
	[ "$CNI_COMMAND" = ADD ] || exit 0
	echo '{"cniVersion":"0.4.0","code":11,"msg":"plugin refused","details":"test plugin"}'
	exit 1
	EOF2
	chmod +x "$bin/refuse"
	jq '.plugins += [{"type": "refuse"}]' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	KUKEON_CNI_BIN_DIR=$bin apply_fails web "" "plugin refused"
	nothing_left web
	# the same cell with kukeon's own list comes up and gets an address
	cp "$BATS_TEST_TMPDIR/conflist.copy" "$cl"
	run -0 k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	[[ "$output" == *'Cell "web": created'* ]]
	run -0 ls "$IPAM"/*
	[[ "$output" == *10.* ]]
	[ "$(veths)" = $((VETHS + 1)) ]
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

# bats test_tags=containerd
@test "two root containers, a missing bind source, an unknown capability: nothing left" {
	require_containerd
	scaffold
	apply_fails two "root: true" root
	nothing_left two
	apply_fails vol "$(printf 'volumes:\n  - source: /nope/kukeon\n    target: /data')" \
		'volume' '/nope/kukeon'
	nothing_left vol
	apply_fails cap "$(printf 'capabilities:\n  add: [CAP_NOPE]')" CAP_NOPE
	nothing_left cap
	apply_fails sec "$(printf 'securityOpts: ["bogus=1"]')" bogus
	nothing_left sec
}

# bats test_tags=containerd
@test "a malformed size or type is refused before anything is made" {
	require_containerd
	scaffold
	manifest mem "$(printf 'resources:\n  memoryLimitBytes: 12Q')" >"$BATS_TEST_TMPDIR/mem.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/mem.yaml"
	[ "${lines[0]}" = "kuke: validation failed:" ]
	# the field and its line, then the file (no second, contradicting line number)
	[[ "${lines[1]}" == *"line 21: spec.containers[1].resources.memoryLimitBytes: expected an integer"*"(\`$BATS_TEST_TMPDIR/mem.yaml\`)" ]]
	nothing_left mem
	manifest priv "privileged: maybe" >"$BATS_TEST_TMPDIR/priv.yaml"
	run -1 k apply -f "$BATS_TEST_TMPDIR/priv.yaml"
	[[ "$output" == *'privileged'* ]]
	nothing_left priv
}

# bats test_tags=containerd
@test "a root task that died behind kukeon's back: start forgets its stale attachment" {
	require_containerd
	scaffold
	manifest web >"$BATS_TEST_TMPDIR/web.yaml"
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	old_ip=$(k get cell web --realm "$R" --space sp --stack st -o json | jq -r .status.network.ipAddress)
	[[ "$old_ip" == 10.* ]]
	hctr -n "$NS" tasks kill -s SIGKILL sp_st_web_root
	for _ in $(seq 50); do
		[ "$(hctr -n "$NS" tasks ls | awk '$1 == "sp_st_web_root" { print $3 }')" = STOPPED ] && break
		sleep 0.1
	done
	# the cache entry and the reservation of the dead root are still there
	[ -n "$(ls "$KUKEON_CNI_CACHE_DIR/results")" ]
	run -0 k start cell web --realm "$R" --space sp --stack st
	run -0 k get cell web --realm "$R" --space sp --stack st -o json
	[ "$(jq -r .status.state <<<"$output")" = Ready ]
	[[ "$(jq -r .status.network.ipAddress <<<"$output")" == 10.* ]]
	# one attachment, one reservation, one veth: nothing of the dead root's left
	[ "$(ls "$KUKEON_CNI_CACHE_DIR/results" | wc -l)" = 1 ]
	[ "$(ls "$IPAM"/*/ | grep -v -e lock -e last_reserved | wc -l)" = 1 ]
	[ "$(veths)" = $((VETHS + 1)) ]
	run -0 k delete cell web --realm "$R" --space sp --stack st
	nothing_left web
}

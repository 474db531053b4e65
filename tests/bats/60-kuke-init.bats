# bats file_tags=kuke
# kuke init with no --kukeond-image and no registry: the kukeond image is built from this very
# binary, kukeond runs in its cell (hostNetwork, hostPID, privileged) and answers; the report,
# the system account, ownership and modes; a second run finds everything in place.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/init

setup() { init_setup; }
teardown() { init_teardown; }

@test "kuke init: refuses a non-root user before touching anything" {
	run -1 --separate-stderr env HOME=/nonexistent setpriv --reuid=65534 --regid=65534 --clear-groups "$KUKEON_LINKS/kuke" init
	[ "$stderr" = 'kuke: command must run as root: `kuke init` writes to root-owned paths — re-run with `sudo kuke init`' ]
	[ ! -e "$RP" ]
	! grep -q '^kukeon:' /etc/passwd
}

# bats test_tags=containerd
@test "kuke init: offline, kukeond in its cell from the self-made image, the full report" {
	local v img
	v=$(kuke version)
	img=localhost/kukeon:$v
	run -0 kuke init
	# the CNI config and bin dirs are the harness's shared /opt: created or already there
	diff -u - <(sed -E 's/^(  - CNI (config|bin) dir .*): (created|already existed)$/\1: X/' <<<"$output") <<EOF2
Creating containerd namespace 'default.$SUF'
Creating space network 'default-default'
Creating containerd namespace 'kuke-system.$SUF'
Creating space network 'kuke-system-kukeon'
Initialized Kukeon runtime
Realm: default (namespace: default.$SUF)
System realm: kuke-system (namespace: kuke-system.$SUF)
Run path: $RP
Kukeond image: $img
Actions:
    - kukeon root cgroup: created
  - CNI config dir "/opt/cni/net.d": X
  - CNI cache dir "$KUKEON_CNI_CACHE_DIR": created
  - CNI bin dir "/opt/cni/bin": X
  Default hierarchy:
    - realm "default": created
    - containerd namespace "default.$SUF": created
    - realm cgroup: created
    - space "default": created
    - network "default-default": created
    - space cgroup: created
    - stack "default": created
    - stack cgroup: created
  System hierarchy:
    - realm "kuke-system": created
    - containerd namespace "kuke-system.$SUF": created
    - realm cgroup: created
    - space "kukeon": created
    - network "kuke-system-kukeon": created
    - space cgroup: created
    - stack "kukeon": created
    - stack cgroup: created
    - cell "kukeond": created (image $img)
    - cell cgroup: created
    - cell root container: created
    - cell containers: started
  Permissions:
    - group "kukeon": created (gid $(getent group kukeon | cut -d: -f3))
    - user "kukeon": created (uid $(id -u kukeon))
    - "$(dirname "$KD_SOCK")": chown root:kukeon mode 0o2750
    - "$RP" (recursive): chown root:kukeon mode 0o2750 (dirs) / 0o0640 (files)
  - socket "$KD_SOCK": chown root:kukeon mode 0o0660
kukeond is ready (unix://$KD_SOCK)
EOF2
	# the image came from this binary: no registry was asked, its name carries our version
	hctr -n "$SYS_NS" images ls -q | grep -qx "$img"
	# both containers of the cell run that image; the daemon is PID-namespace-shared (hostPID)
	[ "$(sys_tasks)" = "kukeon_kukeon_kukeond_kukeond RUNNING
kukeon_kukeon_kukeond_root RUNNING" ]
	[ "$(hctr -n "$SYS_NS" containers info kukeon_kukeon_kukeond_kukeond | jq -r .Image)" = "$img" ]
	local pid
	pid=$(cat "$(dirname "$KD_SOCK")/kukeond.pid")
	[ "$(readlink /proc/"$pid"/ns/net)" = "$(readlink /proc/self/ns/net)" ]
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "/bin/kukeond --configuration $KUKE_INIT_SERVER_CONFIGURATION serve --socket $KD_SOCK --run-path $RP --containerd-socket $KUKEON_CONTAINERD_SOCKET --socket-gid $(getent group kukeon | cut -d: -f3) " ]
	# it answers Ping with the same version, and serves kuke
	run -0 rpc call KukeonV1.Ping
	[[ "$output" == *"\"$v\""* ]]
	run -0 kuke get realms
	[[ "$output" == *"kuke-system  kuke-system.$SUF  Ready"* ]]
	run -0 kuke get cell kukeond --realm kuke-system --space kukeon --stack kukeon -o json
	[ "$(jq -r .status.state <<<"$output")" = Ready ]
	# the system account is what useradd --system writes
	grep -Eq '^kukeon:x:[0-9]+:[0-9]+::/home/kukeon:/usr/sbin/nologin$' /etc/passwd
	[ "$(id -u kukeon)" -lt 1000 ] && [ "$(id -g kukeon)" = "$(getent group kukeon | cut -d: -f3)" ]
	grep -Eq '^kukeon:!:[0-9]+::::::$' /etc/shadow
	# ownership and modes
	[ "$(stat -c '%U:%G %a' "$(dirname "$KD_SOCK")")" = "root:kukeon 2750" ]
	[ "$(stat -c '%U:%G %a' "$KD_SOCK")" = "root:kukeon 660" ]
	[ "$(stat -c '%U:%G %a' "$RP")" = "root:kukeon 2750" ]
	[ "$(stat -c '%U:%G %a' "$RP/.kukeon-instance.json")" = "root:kukeon 640" ]
	[ "$(stat -c '%U:%G %a' "$RP/data/kuke-system/metadata.json")" = "root:kukeon 640" ]
}

# bats test_tags=containerd
@test "kuke init: a second run finds everything in place and changes nothing" {
	init_ok
	local pid
	pid=$(cat "$(dirname "$KD_SOCK")/kukeond.pid")
	run -0 kuke init
	[ "${lines[0]}" = "Kukeon runtime already initialized" ]
	[[ "$output" != *": created"* ]]
	[[ "$output" == *'    - cell "kukeond": already existed'* ]]
	[[ "$output" == *"    - cell containers: already running"* ]]
	[[ "$output" == *'    - user "kukeon": already existed (uid '* ]]
	[ "${lines[-1]}" = "kukeond is ready (unix://$KD_SOCK)" ]
	# the same daemon still serves
	[ "$(cat "$(dirname "$KD_SOCK")/kukeond.pid")" = "$pid" ]
	[ "$(grep -c '^kukeon:' /etc/passwd)" = 1 ]
	[ "$(grep -c '^kukeon:' /etc/group)" = 1 ]
}

# bats test_tags=containerd
@test "kuke init --force-regenerate-cni: the conflists of the default and kuke-system spaces are written again, on the same subnets" {
	init_ok --no-wait
	local d=$RP/data/default/default/network.conflist s=$RP/data/kuke-system/kukeon/network.conflist
	local dw sw f
	dw=$(cat "$d")
	sw=$(cat "$s")
	# hand edits that keep the network's name and bridge: an ordinary re-run leaves them
	for f in "$d" "$s"; do
		jq '.plugins[0].mtu = 1234' "$f" >"$f.new" && mv "$f.new" "$f"
	done
	run -0 kuke init --no-wait
	[[ "$output" != *Creating* ]]
	[ "$(jq '.plugins[0].mtu' "$d")" = 1234 ] && [ "$(jq '.plugins[0].mtu' "$s")" = 1234 ]
	run -0 kuke init --no-wait --force-regenerate-cni
	[ "${lines[0]}" = "Kukeon runtime already initialized" ]
	[[ "$output" == *'    - network "default-default": already existed'* ]]
	[ "$(cat "$d")" = "$dw" ] && [ "$(cat "$s")" = "$sw" ]
	# the environment variable does the same
	jq '.plugins[0].mtu = 1234' "$d" >"$d.new" && mv "$d.new" "$d"
	KUKE_INIT_FORCE_REGENERATE_CNI=true run -0 kuke init --no-wait
	[ "$(cat "$d")" = "$dw" ]
}

# bats test_tags=containerd
@test "kuke init --no-wait: the report without the readiness lines; env and flags layered over the server configuration" {
	mkdir -p "$(dirname "$KUKE_INIT_SERVER_CONFIGURATION")"
	# the file's cgroupRoot loses to KUKEON_CGROUP_ROOT; its runPath to KUKEON_RUN_PATH
	cat >"$KUKE_INIT_SERVER_CONFIGURATION" <<-EOF2
	apiVersion: v1beta1
	kind: ServerConfiguration
	metadata:
	  name: default
	spec:
	  runPath: /nonexistent/run
	  cgroupRoot: /nonexistent
	EOF2
	run -0 kuke init --no-wait
	[[ "$output" != *"kukeond is ready"* ]]
	[[ "${lines[-1]}" == '    - "'"$RP"'" (recursive): chown root:kukeon mode 0o2750 (dirs) / 0o0640 (files)' ]]
	[ -d "$CG/kuke-system" ]
	[ ! -e /nonexistent ]
	# KUKE_INIT_NO_WAIT works too, and --kukeond-image beats everything (the image exists)
	KUKE_INIT_NO_WAIT=true run -0 kuke init --kukeond-image "localhost/kukeon:$(kuke version)"
	[[ "$output" != *"kukeond is ready"* ]]
	[[ "$output" == *"Kukeond image: localhost/kukeon:$(kuke version)"* ]]
}

# bats test_tags=containerd
@test "kuke init: a kukeond cell on another image is made again on the one init wants" {
	local v
	v=$(kuke version)
	init_ok
	hctr -n "$SYS_NS" images tag "localhost/kukeon:$v" localhost/kukeon:other >/dev/null
	run -0 kuke init --kukeond-image localhost/kukeon:other
	[ "${lines[0]}" = "Initialized Kukeon runtime" ]
	[[ "$output" == *'    - cell "kukeond": recreated (image localhost/kukeon:other)'* ]]
	[ "${lines[-1]}" = "kukeond is ready (unix://$KD_SOCK)" ]
	[ "$(hctr -n "$SYS_NS" containers info kukeon_kukeon_kukeond_kukeond | jq -r .Image)" = localhost/kukeon:other ]
	# and back to this binary's own image by default
	run -0 kuke init
	[[ "$output" == *"    - cell \"kukeond\": recreated (image localhost/kukeon:$v)"* ]]
	[ "$(hctr -n "$SYS_NS" containers info kukeon_kukeon_kukeond_root | jq -r .Image)" = "localhost/kukeon:$v" ]
	run -0 rpc call KukeonV1.Ping
}

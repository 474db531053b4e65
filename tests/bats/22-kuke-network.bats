# bats file_tags=kuke
# Space networking in the harness's private network namespace: NAT once per space (no
# iptables per cell), the egress policy enforced against a listener cell in another space
# (the outside world here), published ports, nestedCgroupRuntime, the refresh sweep.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup nw
	SCOPE=(--realm "$R" --space sp --stack st)
}

teardown() {
	local s
	if [ -n "${IPT_HIDDEN:-}" ]; then umount "$IPT_HIDDEN" || true; fi
	for s in world fenced; do
		[ -d "$RP/data/$R/$s" ] && k purge space "$s" --realm "$R" --cascade >/dev/null 2>&1
	done
	cell_teardown
	if [ -n "${HOSTS_BOUND:-}" ]; then umount /etc/hosts || true; fi
}

# $BATS_TEST_TMPDIR/NAME.yaml: a cell in SPACE (stack st) running SCRIPT under sh -c in its
# `app` container; extra cell spec keys (indented 2) from $CELL_EXTRA, container keys
# (indented 6) from $EXTRA
cell_yaml() { # SPACE NAME SCRIPT
	cat >"$BATS_TEST_TMPDIR/$2.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata:
	  name: $2
	spec:
	  id: $2
	  realmId: $R
	  spaceId: $1
	  stackId: st
	${CELL_EXTRA:-}
	  containers:
	    - id: app
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sh
	      args: ["-c", "$3"]
	${EXTRA:-}
	EOF2
}

# that cell, applied
cell_in() { # SPACE NAME SCRIPT
	cell_yaml "$@"
	k apply -f "$BATS_TEST_TMPDIR/$2.yaml"
}

cell_ip() { k get cell "$2" --realm "$R" --space "$1" --stack st -o json | jq -r .status.network.ipAddress; }

# a space with an optional egress policy (YAML lines under spec, indented 2), and stack st
space_with() { # NAME [POLICY]
	cat >"$BATS_TEST_TMPDIR/space-$1.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Space
	metadata:
	  name: $1
	spec:
	  realmId: $R
	${2:-}
	EOF2
	k apply -f "$BATS_TEST_TMPDIR/space-$1.yaml" || return
	local cl=$RP/data/$R/$1/network.conflist
	jq --arg d "$IPAM" '.plugins[0].ipam.dataDir = $d' "$cl" >"$cl.new" && mv "$cl.new" "$cl"
	k create stack st --realm "$R" --space "$1" >/dev/null
}

# spec.network.egress as YAML lines: DEFAULT, then rules "cidr: X" / "host: Y", each with an
# optional "|[PORTS]"
egress() { # DEFAULT [RULE[|PORTS]]...
	local r
	printf '  network:\n    egress:\n      default: %s\n' "$1"
	shift
	if [ $# -gt 0 ]; then printf '      allow:\n'; fi
	for r in "$@"; do
		printf '        - %s\n' "${r%%|*}"
		if [[ "$r" == *"|"* ]]; then printf '          ports: %s\n' "${r#*|}"; fi
	done
}

subnet_of() { jq -r .subnetCIDR "$RP/data/$R/$1/network.json"; }
chain_of() { printf 'KUKE-%s-%08x' "$1" "$(fnv "$R/$2")"; }
# FNV-1a 32 of a string, as kukeon names chains
fnv() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ c) * 16777619 & 0xffffffff))
	done
	echo "$h"
}

# fetch http://IP:PORT/ from cell NAME of SPACE (exit status of the fetch)
fetch_from() { # SPACE NAME IP PORT
	hctr -n "$NS" tasks exec --exec-id "f$RANDOM" "$1_st_$2_app" \
		sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $3 $4 | grep -q '^HTTP/'"
}

# the world: a space with a cell serving HTTP on 8080 and 8081
world() {
	space_with world >/dev/null
	cell_in world web "httpd -p 8080 -h /; httpd -f -p 8081 -h /" >/dev/null
	WORLD_IP=$(cell_ip world web)
	[ -n "$WORLD_IP" ] && [ "$WORLD_IP" != null ]
}

# bats test_tags=containerd
@test "network: NAT once per space; a cell create, stop, start and delete run no iptables" {
	require_containerd
	cell_scaffold
	[ "$(jq .plugins[0].ipMasq "$RP/data/$R/sp/network.conflist")" = false ]
	nat=$(chain_of NAT sp)
	run -0 iptables -t nat -S "$nat"
	[[ "$output" == *"-A $nat -d $(subnet_of sp) -j RETURN"* ]]
	[[ "$output" == *"-A $nat ! -d 224.0.0.0/4 -j MASQUERADE"* ]]
	run -0 iptables -t nat -S KUKEON-POSTROUTING
	[[ "$output" == *"-s $(subnet_of sp) -m comment --comment \"kukeon:$R:sp:nat\" -j $nat"* ]]
	# every iptables tool goes through a wrapper that logs its run
	mkdir "$BATS_TEST_TMPDIR/bin"
	for t in iptables iptables-save iptables-restore iptables-nft ip6tables; do
		printf '#!/bin/sh\necho "%s $*" >>%s/ipt.log\nexec /usr/sbin/%s "$@"\n' \
			"$t" "$BATS_TEST_TMPDIR" "$t" >"$BATS_TEST_TMPDIR/bin/$t"
		chmod +x "$BATS_TEST_TMPDIR/bin/$t"
	done
	cell_yaml sp web "sleep infinity"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k run -f "$BATS_TEST_TMPDIR/web.yaml" -d
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k stop cell web "${SCOPE[@]}"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k start cell web "${SCOPE[@]}"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k delete cell web "${SCOPE[@]}"
	[ ! -e "$BATS_TEST_TMPDIR/ipt.log" ]
	# the wrapper works: a space delete runs it
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k delete stack st --realm "$R" --space sp
	PATH=$BATS_TEST_TMPDIR/bin:$PATH k delete space sp --realm "$R"
	grep -q '^iptables-save' "$BATS_TEST_TMPDIR/ipt.log"
	run -1 iptables -t nat -S "$nat"
	run -0 iptables -t nat -S KUKEON-POSTROUTING
	[[ "$output" != *"kukeon:$R:sp:"* ]]
}

# bats test_tags=containerd
@test "network: a conflist with ipMasq true (upstream's) keeps working; its per-cell chain goes with the cell" {
	require_containerd
	cell_scaffold
	cl=$RP/data/$R/sp/network.conflist
	jq '.plugins[0].ipMasq = true' "$cl" >"$cl.new" && mv "$cl.new" "$cl"
	cell_in sp web "sleep infinity" >/dev/null
	ip=$(cell_ip sp web)
	[ -n "$ip" ] && [ "$ip" != null ]
	run -0 iptables -t nat -S POSTROUTING
	[[ "$output" == *"-s $ip/32 -m comment --comment \"name: \\\"$R-sp\\\" id: \\\"sp_st_web_root\\\"\" -j CNI-"* ]]
	# refresh re-ensures the space without its own NAT (the bridge masquerades)
	run -0 k refresh
	[[ "$output" == *"Errors:
  (none)" ]]
	run -1 iptables -t nat -S "$(chain_of NAT sp)"
	k delete cell web "${SCOPE[@]}"
	run -0 iptables -t nat -S POSTROUTING
	[[ "$output" != *"sp_st_web_root"* ]]
}

# bats test_tags=containerd
@test "network: egress default deny with one allowed CIDR and port; replies come back; the rest is dropped" {
	require_containerd
	k create realm "$R" >/dev/null
	k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	world
	space_with fenced "$(egress deny "cidr: $(subnet_of world)|[8080]")"
	egr=$(chain_of EGR fenced)
	run -0 iptables -S "$egr"
	[[ "$output" == *"-A $egr -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"kukeon:$R:fenced:established\" -j RETURN"* ]]
	[[ "$output" == *"-A $egr -d $(subnet_of world) -p tcp -m tcp --dport 8080 -m comment --comment \"kukeon:$R:fenced:allow[0]:cidr=$(subnet_of world)\" -j RETURN"* ]]
	[[ "$output" == *"-A $egr -m comment --comment \"kukeon:$R:fenced:default\" -j DROP" ]]
	# egress first in FORWARD, the admission chain after it
	run -0 iptables -S FORWARD
	[ "${lines[1]}" = "-A FORWARD -j KUKEON-EGRESS" ]
	[ "${lines[2]}" = "-A FORWARD -j KUKEON-FORWARD" ]
	cell_in fenced probe "sleep infinity" >/dev/null
	# allowed: the request goes out and the reply (established) comes back
	fetch_from fenced probe "$WORLD_IP" 8080
	# another port of the same host: dropped
	run ! fetch_from fenced probe "$WORLD_IP" 8081
	# the world itself is not fenced
	hctr -n "$NS" tasks exec --exec-id w1 world_st_web_app \
		sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $WORLD_IP 8081 | grep -q '^HTTP/'"
}

# bats test_tags=containerd
@test "network: the policy survives a flush by hand (refresh and cell start restore it) and a re-apply changes it" {
	require_containerd
	k create realm "$R" >/dev/null
	k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	world
	policy=$(egress deny "cidr: $(subnet_of world)|[8080]")
	space_with fenced "$policy"
	egr=$(chain_of EGR fenced)
	cell_in fenced probe "sleep infinity" >/dev/null
	iptables -F "$egr"
	# open while flushed (the hole a reboot or a flush leaves) ...
	fetch_from fenced probe "$WORLD_IP" 8081
	# ... and closed again by refresh
	run -0 k refresh
	[[ "$output" == *"Errors:
  (none)" ]]
	run ! fetch_from fenced probe "$WORLD_IP" 8081
	fetch_from fenced probe "$WORLD_IP" 8080
	# the dispatch rule deleted: a cell start puts it back before the cell runs
	iptables -D KUKEON-EGRESS -i "$(jq -r .plugins[0].bridge "$RP/data/$R/fenced/network.conflist")" \
		-m comment --comment "kukeon:$R:fenced:dispatch" -j "$egr"
	k stop cell probe --realm "$R" --space fenced --stack st >/dev/null
	k start cell probe --realm "$R" --space fenced --stack st >/dev/null
	run ! fetch_from fenced probe "$WORLD_IP" 8081
	# a re-apply with another port: the chain changes (upstream never re-applies)
	run -0 space_with fenced "${policy/8080/8081}"
	[[ "$output" == *"Space \"fenced\": updated"*"spec.network.egress"* ]]
	run -0 iptables -S "$egr"
	[[ "$output" == *"--dport 8081"* ]]
	[[ "$output" != *"--dport 8080"* ]]
	fetch_from fenced probe "$WORLD_IP" 8081
	run ! fetch_from fenced probe "$WORLD_IP" 8080
	# an unchanged re-apply runs no batch and reports nothing
	run -0 k apply -f "$BATS_TEST_TMPDIR/space-fenced.yaml"
	[[ "$output" == *'Space "fenced": unchanged'* ]]
}

# bats test_tags=containerd
@test "network: fail closed: a policy that cannot be installed starts no cell, and says why" {
	require_containerd
	k create realm "$R" >/dev/null
	k image load --realm "$R" "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
	space_with fenced "$(egress deny)"
	egr=$(chain_of EGR fenced)
	iptables -F "$egr"
	# an iptables-restore that fails every batch
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho "iptables-restore: line 3 failed" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/bin/iptables-restore"
	chmod +x "$BATS_TEST_TMPDIR/bin/iptables-restore"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run -1 cell_in fenced probe "sleep infinity"
	[[ "$output" == *"space \`fenced\` egress policy is not in place: chain $egr is missing or incomplete; installing it: space \`fenced\` network policy: \`iptables-restore\` failed with status 1: iptables-restore: line 3 failed"* ]]
	run -0 hctr -n "$NS" tasks ls
	[[ "$output" != *fenced_st_probe* ]]
	[ ! -d "$RP/data/$R/fenced/st/probe" ]
	# the old (flushed) chain is left as it was, not half of a new one
	run -0 iptables -S "$egr"
	[ "$output" = "-N $egr" ]
	# with a working iptables the same start succeeds
	cell_in fenced probe "sleep infinity"
}

# bats test_tags=containerd
@test "network: bad egress input and a missing iptables fail with one clear line and leave no space" {
	require_containerd
	k create realm "$R" >/dev/null
	printf '10.99.0.7 api.test\n' >"$BATS_TEST_TMPDIR/hosts"
	run -1 space_with fenced "$(egress deny "host: nowhere.invalid")"
	[[ "$output" == *"egress allow rule 0: host \`nowhere.invalid\` does not resolve to an IPv4 address"* ]]
	[ ! -e "$RP/data/$R/fenced" ]
	run -1 iptables -S "$(chain_of EGR fenced)"
	run -1 space_with fenced "$(egress deny "cidr: 10.1.2.0/33")"
	[[ "$output" == *"cidr is not a valid CIDR"* ]]
	[ ! -e "$RP/data/$R/fenced" ]
	# a host resolved from /etc/hosts at apply time
	cat /etc/hosts >>"$BATS_TEST_TMPDIR/hosts"
	mount --bind "$BATS_TEST_TMPDIR/hosts" /etc/hosts
	HOSTS_BOUND=1
	space_with fenced "$(egress deny "host: api.test|[443, 80, 443]")"
	run -0 iptables -S "$(chain_of EGR fenced)"
	[[ "$output" == *"-d 10.99.0.7/32 -p tcp -m tcp --dport 80 -m comment --comment \"kukeon:$R:fenced:allow[0]:host=api.test\" -j RETURN
"*"-d 10.99.0.7/32 -p tcp -m tcp --dport 443 "* ]]
	# no iptables at all (the multicall binary hidden in this mount namespace): a space is
	# refused, its rules could not be installed
	IPT_HIDDEN=$(readlink -f /usr/sbin/iptables-save)
	mount --bind /dev/null "$IPT_HIDDEN"
	run -1 k create space other --realm "$R"
	umount "$IPT_HIDDEN"
	IPT_HIDDEN=
	[[ "$output" == *"\`iptables-save\` is not installed"* ]]
	[ ! -e "$RP/data/$R/other" ]
}

# bats test_tags=containerd
@test "network: published ports reach the cell from the host and from another space; conflicts are refused" {
	require_containerd
	cell_scaffold
	EXTRA='      ports: ["18080:8080", "18053:53/udp"]' cell_in sp web "httpd -f -p 8080 -h /" >/dev/null
	ip=$(cell_ip sp web)
	gw=${ip%.*}.1
	chain=$(printf 'KUKE-PRT-%08x' "$(fnv "$R/sp/st/web")")
	run -0 iptables -t nat -S "$chain"
	[[ "$output" == *"-A $chain -p tcp -m tcp --dport 18080 -m comment --comment \"kukeon:$R:sp:st:web:port\" -j DNAT --to-destination $ip:8080"* ]]
	[[ "$output" == *"-A $chain -p udp -m udp --dport 18053 "*"--to-destination $ip:53"* ]]
	# from the host namespace, at one of the host's addresses
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 busybox nc "$gw" 18080 | grep -q '^HTTP/'
	# from a cell of another space, through its own gateway
	space_with world >/dev/null
	cell_in world probe "sleep infinity" >/dev/null
	wip=$(cell_ip world probe)
	fetch_from world probe "${wip%.*}.1" 18080
	# the same host port for another cell: refused at create, nothing left behind
	EXTRA='      ports: ["18080:80"]' run -1 cell_in sp other "sleep infinity"
	[[ "$output" == *"host port 18080/tcp is already published by cell \"web\" (realm \"$R\", space \"sp\", stack \"st\")"* ]]
	[ ! -d "$RP/data/$R/sp/st/other" ]
	run -0 hctr -n "$NS" containers ls -q
	[[ "$output" != *sp_st_other* ]]
	# bad ports
	EXTRA='      ports: ["0:80"]' run -1 cell_in sp bad "sleep infinity"
	[[ "$output" == *'ports[0]: port `0:80`: 0 is not within [1, 65535]'* ]]
	EXTRA='      ports: ["8080:70000"]' run -1 cell_in sp bad "sleep infinity"
	[[ "$output" == *'port `8080:70000`: 70000 is not within [1, 65535]'* ]]
	EXTRA='      ports: ["8080:80/sctp"]' run -1 cell_in sp bad "sleep infinity"
	[[ "$output" == *'protocol must be tcp or udp'* ]]
	# a container with ports joining the running cell: its port is published too
	k create container extra --cell web "${SCOPE[@]}" --image "$KUKEON_TEST_BUSYBOX_REF" \
		--command sleep --args infinity --port 18090:8090 >/dev/null
	run -0 iptables -t nat -S "$chain"
	[[ "$output" == *"--dport 18090 "*"--to-destination $ip:8090"* ]]
	[[ "$output" == *"--dport 18080 "* ]]
	# stop takes the rules away, start puts them back, delete removes them
	k stop cell web "${SCOPE[@]}" >/dev/null
	run -1 iptables -t nat -S "$chain"
	k start cell web "${SCOPE[@]}" >/dev/null
	run -0 iptables -t nat -S "$chain"
	k delete cell web "${SCOPE[@]}" >/dev/null
	run -1 iptables -t nat -S "$chain"
	run -0 iptables -t nat -S KUKEON-PORTS
	[[ "$output" != *"$chain"* ]]
}

# bats test_tags=containerd
@test "network: nestedCgroupRuntime: a container makes a child cgroup and moves a process into it" {
	require_containerd
	cell_scaffold
	CELL_EXTRA='  nestedCgroupRuntime: true' cell_in sp nest \
		"mkdir /sys/fs/cgroup/child && echo \$\$ >/sys/fs/cgroup/child/cgroup.procs && cat /proc/self/cgroup >/tmp/cg && sleep infinity" >/dev/null
	run -0 hctr -n "$NS" tasks exec --exec-id n1 sp_st_nest_app grep "^0::" /tmp/cg
	[ "$output" = "0::/child" ]
	run -0 hctr -n "$NS" tasks exec --exec-id n2 sp_st_nest_app sh -c 'grep -c cgroup2 /proc/mounts'
	# every controller of the mount root delegated to the cell
	cg=$(k get cell nest "${SCOPE[@]}" -o json | jq -r .status.cgroupPath)
	[ "$(cat "/sys/fs/cgroup$cg/cgroup.subtree_control")" = "$(cat /sys/fs/cgroup/cgroup.controllers)" ]
	# without the flag: no cgroup2 mount inside
	cell_in sp flat "sleep infinity" >/dev/null
	run -1 hctr -n "$NS" tasks exec --exec-id n3 sp_st_flat_app sh -c 'grep cgroup2 /proc/mounts'
}

# bats test_tags=containerd
@test "network: refresh sweeps reservations, cache entries and rules that belong to no live cell" {
	require_containerd
	cell_scaffold
	EXTRA='      ports: ["18081:8080"]' cell_in sp web "sleep infinity" >/dev/null
	net=$R-sp
	live=$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)
	# leaks: an IP reservation and a cache entry of a container that is gone, a port chain
	# of a cell that does not exist, the chains of a space that was removed behind our
	# back, a bridge masquerade chain of a dead container
	printf 'sp_st_ghost_root\r\neth0' >"$IPAM/$net/10.88.250.9"
	mkdir -p "$KUKEON_CNI_CACHE_DIR/results"
	jq -n --arg n "$net" '{kind: "cniCacheV1", containerId: "sp_st_ghost_root", ifName: "eth0", networkName: $n, config: "", result: {cniVersion: "0.4.0"}}' \
		>"$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_ghost_root-eth0"
	ghost=$(printf 'KUKE-PRT-%08x' "$(fnv "$R/sp/st/ghost")")
	gone=$(chain_of NAT gone)
	iptables-restore --noflush <<-EOF
	*nat
	:$ghost - [0:0]
	:$gone - [0:0]
	:CNI-deadbeefdeadbeefdeadbeef - [0:0]
	-A $ghost -p tcp -m tcp --dport 18099 -j DNAT --to-destination 10.88.250.9:80
	-A KUKEON-PORTS -m comment --comment "kukeon:$R:sp:st:ghost:ports" -j $ghost
	-A KUKEON-POSTROUTING -s 10.88.251.0/24 -m comment --comment "kukeon:$R:gone:nat" -j $gone
	-A POSTROUTING -s 10.88.250.9/32 -m comment --comment "name: \"$net\" id: \"sp_st_ghost_root\"" -j CNI-deadbeefdeadbeefdeadbeef
	COMMIT
	EOF
	# the reservation and cache entry are just made: past the orphan grace only
	KUKEON_ORPHAN_GRACE=0 run -0 k refresh
	[[ "$output" == *"Errors:
  (none)" ]]
	[ ! -e "$IPAM/$net/10.88.250.9" ]
	[ ! -e "$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_ghost_root-eth0" ]
	run -1 iptables -t nat -S "$ghost"
	run -1 iptables -t nat -S "$gone"
	run -1 iptables -t nat -S CNI-deadbeefdeadbeefdeadbeef
	run -0 iptables -t nat -S POSTROUTING
	[[ "$output" != *sp_st_ghost_root* ]]
	# what is live stays: the cell's reservation, cache entry and port chain
	[ "$(ls "$IPAM/$net" | grep -v -e lock -e last_reserved)" = "$live" ]
	[ -e "$KUKEON_CNI_CACHE_DIR/results/$net-sp_st_web_root-eth0" ]
	iptables -t nat -S "$(printf 'KUKE-PRT-%08x' "$(fnv "$R/sp/st/web")")" >/dev/null
}

# bats file_tags=kuke
# A cell's start and delete work on its members at once (each on its own containerd
# connection): a cell of more members than run together is created, joined to the root's
# network namespace and deleted with nothing left; the loopback of kukeon's own conflist is
# brought up over rtnetlink (no `loopback` process), while any other conflist still runs
# every plugin; once the space's bridge exists, the whole ADD of kukeon's own conflist is
# done in-process, with host-local's files and the plugins' cache entry, which the plugins'
# DEL (libcni's, as upstream runs it) removes. Wrapper scripts in the CNI plugin dir log each
# plugin run.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup pa
	SCOPE=(--realm "$R" --space sp --stack st)
}

teardown() {
	cell_teardown
}

# the plugin dir $BIN: every real plugin behind a wrapper that appends "<name> <command>" to
# $PLUGIN_LOG
logged_plugins() {
	local p
	BIN=$BATS_TEST_TMPDIR/cni-bin PLUGIN_LOG=$BATS_TEST_TMPDIR/plugins.log
	mkdir "$BIN"
	: >"$PLUGIN_LOG"
	for p in /usr/lib/cni/*; do
		printf '#!/bin/sh\necho "%s $CNI_COMMAND" >>%s\nexec %s\n' \
			"${p##*/}" "$PLUGIN_LOG" "$p" >"$BIN/${p##*/}"
		chmod +x "$BIN/${p##*/}"
	done
	export KUKEON_CNI_BIN_DIR=$BIN
}

# the pid of task ID in $NS
task_pid() { hctr -n "$NS" tasks ls | awk -v id="$1" '$1 == id { print $2 }'; }

# bats test_tags=containerd
@test "loopback: kukeon's own conflist brings lo up without the plugin; another conflist runs it" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell web "sleep infinity"
	run -0 cat "$PLUGIN_LOG"
	[ "$output" = "bridge ADD
host-local ADD" ]
	pid=$(task_pid sp_st_web_root)
	[ -n "$pid" ]
	run -0 nsenter -t "$pid" -n ip -o addr show dev lo
	[[ "$output" == *"inet 127.0.0.1/8"* ]]
	run -0 nsenter -t "$pid" -n ip -o link show dev lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	# the cached result is what the plugin passes on: the bridge's
	run -0 jq -c '.result.interfaces | map(.name)' "$KUKEON_CNI_CACHE_DIR"/results/*
	[[ "$output" == '["k-'*'","veth'*'","eth0"]' ]]
	[[ "$(meta web | jq -r .status.network.ipAddress)" == 10.88.* ]]
	run -0 k delete cell web "${SCOPE[@]}"
	nothing_left web

	# one more plugin after the loopback: not kukeon's shape, every plugin runs
	local cl=$RP/data/$R/sp/network.conflist
	jq '.plugins += [{"type": "tuning"}]' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	: >"$PLUGIN_LOG"
	app_cell web "sleep infinity"
	run -0 cat "$PLUGIN_LOG"
	[ "$output" = "bridge ADD
host-local ADD
loopback ADD
tuning ADD" ]
	pid=$(task_pid sp_st_web_root)
	run -0 nsenter -t "$pid" -n ip -o link show dev lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	run -0 k delete cell web "${SCOPE[@]}"
	cp "$BATS_TEST_TMPDIR/conflist.copy" "$cl"
}

# bats test_tags=containerd
@test "a cell of seven containers: made, started in the root's netns, and deleted together" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	local more="" i
	for i in 2 3 4 5 6; do
		more+="    - id: app$i
      image: $KUKEON_TEST_BUSYBOX_REF
      command: sh
      args: [\"-c\", \"sleep 1000 & exec sleep infinity\"]
"
	done
	app_cell big "sleep 1000 & exec sleep infinity" "" "$more"
	run -0 ns_tasks
	[ "${#lines[@]}" = 7 ]
	[ "$(grep -c RUNNING <<<"$output")" = 7 ]
	root_ns=$(readlink "/proc/$(task_pid sp_st_big_root)/ns/net")
	for i in app app2 app3 app4 app5 app6; do
		[ "$(readlink "/proc/$(task_pid "sp_st_big_$i")/ns/net")" = "$root_ns" ]
	done
	[ "$(meta big | jq -r .status.state)" = Ready ]
	[ "$(meta big | jq '[.status.containers[] | select(.state == "Ready")] | length')" = 7 ]
	[ "$(veths)" = $((VETHS + 1)) ]
	run -0 k delete cell big "${SCOPE[@]}"
	[ "$output" = 'Deleted cell "big" from stack "st"' ]
	nothing_left big
	[ -z "$(shims sp_st_big)" ]
}

# the reservation files of host-local's store (no lock, no last_reserved_ip.*)
reservations() { ls "$IPAM/$R-sp" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved' || true; }
# the cache entry of cell NAME's root
cache_entry() { echo "$KUKEON_CNI_CACHE_DIR/results/$R-sp-sp_st_$1_root-eth0"; }
# the cell's IP, and its root's host veth (the cached result's interface 1)
cell_ip() { meta "$1" | jq -r .status.network.ipAddress; }
host_veth() { jq -r '.result.interfaces[1].name' "$(cache_entry "$1")"; }

# What libcni (upstream's kukeon) does to delete an attachment: every plugin of the cached
# conflist, last first, with the cached result as prevResult, then the entry goes.
libcni_del() { # NAME NETNS
	local entry conf n i p
	entry=$(cache_entry "$1")
	conf=$(jq -r .config "$entry" | base64 -d)
	n=$(jq '.plugins | length' <<<"$conf")
	for ((i = n - 1; i >= 0; i--)); do
		p=$(jq -c --argjson i "$i" --slurpfile e "$entry" \
			'.plugins[$i] + {name: .name, cniVersion: .cniVersion, prevResult: $e[0].result}' \
			<<<"$conf")
		CNI_COMMAND=DEL CNI_CONTAINERID="sp_st_$1_root" CNI_NETNS="$2" CNI_IFNAME=eth0 \
			CNI_PATH=$BIN "$BIN/$(jq -r .type <<<"$p")" <<<"$p" || return 1
	done
	rm "$entry"
}

# bats test_tags=containerd
@test "own conflist: once the bridge exists, a cell's ADD runs no plugin and writes what the plugins write" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell a "sleep infinity"
	: >"$PLUGIN_LOG"
	app_cell b "sleep infinity"
	run -0 cat "$PLUGIN_LOG"
	[ "$output" = "" ]
	[ "$(veths)" = $((VETHS + 2)) ]
	ip_b=$(cell_ip b)
	[[ "$ip_b" == 10.88.* ]]
	# host-local's reservation: "<container id>\r\n<ifname>", and the last address handed out
	[ "$(od -An -c "$IPAM/$R-sp/$ip_b" | tr -s ' ')" = \
		"$(printf 'sp_st_b_root\r\neth0' | od -An -c | tr -s ' ')" ]
	[ "$(cat "$IPAM/$R-sp/last_reserved_ip.0")" = "$ip_b" ]
	[ "$(reservations | sort)" = "$(printf '%s\n' "$(cell_ip a)" "$ip_b" | sort)" ]
	# the cache entry: the same members as the plugins' entry of a, the bridge's result
	local keys='[paths(scalars) | map(tostring) | join(".")] | sort'
	[ "$(jq -c "$keys" "$(cache_entry a)")" = "$(jq -c "$keys" "$(cache_entry b)")" ]
	run -0 jq -c '.result | [.cniVersion, (.interfaces | map(.name | sub("^veth[0-9a-f]{8}$"; "vethX"))),
		.interfaces[2].sandbox, .ips, .routes, .dns]' "$(cache_entry b)"
	local br gw=${ip_b%.*}.1
	br=$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy")
	pid=$(task_pid sp_st_b_root)
	[ "$output" = "[\"0.4.0\",[\"$br\",\"vethX\",\"eth0\"],\"/proc/$pid/ns/net\",[{\"version\":\"4\",\"interface\":2,\"address\":\"$ip_b/24\",\"gateway\":\"$gw\"}],[{\"dst\":\"0.0.0.0/0\"}],{}]" ]
	# the interface, its address, its route and the host end on the bridge as the plugin's
	run -0 nsenter -t "$pid" -n ip -o addr show dev eth0
	[[ "$output" == *"inet $ip_b/24 brd ${ip_b%.*}.255 scope global eth0"* ]]
	run -0 nsenter -t "$pid" -n ip route show default
	[ "$output" = "default via $gw dev eth0 " ]
	run -0 ip -o link show "$(host_veth b)"
	[[ "$output" == *"master $br state UP"* ]]
	[ "$(cat "/proc/sys/net/ipv6/conf/$(host_veth b)/accept_ra")" = 0 ]
	[ "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" = 1 ]
	# b reaches a over the bridge
	run -0 nsenter -t "$pid" -n busybox ping -c 1 -W 2 "$(cell_ip a)"
	run -0 k delete cell b "${SCOPE[@]}"
	run -0 k delete cell a "${SCOPE[@]}"
	nothing_left a
	nothing_left b
	[ "$(cat "$PLUGIN_LOG")" = "" ]
}

# bats test_tags=containerd
@test "own conflist: the plugins' DEL (libcni's) removes an in-process ADD; a plugin ADD is released in-process" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell a "sleep infinity" # the plugins make the bridge
	app_cell b "sleep infinity" # in-process
	ip_b=$(cell_ip b)
	veth_b=$(host_veth b)
	pid=$(task_pid sp_st_b_root)
	: >"$PLUGIN_LOG"
	run -0 libcni_del b "/proc/$pid/ns/net"
	[ "$(cat "$PLUGIN_LOG")" = "loopback DEL
bridge DEL
host-local DEL" ]
	run -1 ip link show "$veth_b"
	[ ! -e "$IPAM/$R-sp/$ip_b" ]
	[ "$(reservations)" = "$(cell_ip a)" ]
	run -0 nsenter -t "$pid" -n ip -o link show
	[[ "$output" != *eth0* ]]
	[ "$(veths)" = $((VETHS + 1)) ]
	run -0 k delete cell b "${SCOPE[@]}"
	# a's attachment, made by the plugins, goes without one
	: >"$PLUGIN_LOG"
	run -0 k delete cell a "${SCOPE[@]}"
	[ "$(cat "$PLUGIN_LOG")" = "" ]
	nothing_left a
	nothing_left b
}

# bats test_tags=containerd
@test "own conflist: ten cells created at once get ten addresses" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell first "sleep infinity"
	: >"$PLUGIN_LOG"
	local i pids=()
	for i in $(seq 10); do
		app_cell_yaml "p$i" "sleep infinity"
		"$KUKEON_LINKS/kuke" --run-path "$RP" apply -f "$BATS_TEST_TMPDIR/p$i.yaml" \
			>"$BATS_TEST_TMPDIR/p$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ "$(cat "$PLUGIN_LOG")" = "" ]
	run -0 bash -c "for i in \$(seq 10); do jq -r .status.network.ipAddress $RP/data/$R/sp/st/p\$i/metadata.json; done | sort -u | wc -l"
	[ "$output" = 10 ]
	[ "$(reservations | wc -l)" = 11 ]
	[ "$(veths)" = $((VETHS + 11)) ]
	for i in $(seq 10); do
		run -0 k delete cell "p$i" "${SCOPE[@]}"
	done
	run -0 k delete cell first "${SCOPE[@]}"
	nothing_left p1
}

# bats test_tags=containerd
@test "own conflist: a full subnet is one clear error and leaves nothing" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell a "sleep infinity"
	local ip_a i net
	ip_a=$(cell_ip a)
	net=${ip_a%.*}
	# every other address of the range held by someone else (an upstream kukeon, say)
	for i in $(seq 2 254); do
		[ "$net.$i" = "$ip_a" ] || printf 'other\r\neth0' >"$IPAM/$R-sp/$net.$i"
	done
	: >"$PLUGIN_LOG"
	app_cell_yaml b "sleep infinity"
	run -1 k apply -f "$BATS_TEST_TMPDIR/b.yaml"
	[[ "$output" == *"network \`$R-sp\`: add: plugin \`host-local\`: no free IP address in subnet $net.0/24 (host-local store \`$IPAM/$R-sp\`)"* ]]
	[ "${lines[0]}" = 'Cell "b": failed' ]
	[ "$(grep -c 'Error:' <<<"$output")" = 1 ]
	[ "$(cat "$PLUGIN_LOG")" = "" ]
	[ "$(veths)" = $((VETHS + 1)) ]
	[ ! -e "$(cache_entry b)" ]
	[ "$(grep -l sp_st_b_root "$IPAM/$R-sp"/* || true)" = "" ]
	[ -z "$(hctr -n "$NS" containers ls -q | grep sp_st_b_ || true)" ]
	rm "$IPAM/$R-sp/$net".*[0-9]
	run -0 k delete cell a "${SCOPE[@]}"
	k delete cell b "${SCOPE[@]}" >/dev/null 2>&1 || true
	nothing_left b
}

# bats test_tags=containerd
@test "own conflist: a bridge not as the plugin left it (no gateway address, down) gets the plugins, which repair it; so does another bridge entry" {
	require_containerd
	cell_scaffold
	VETHS=$(veths)
	logged_plugins
	app_cell a "sleep infinity"
	local br gw
	br=$(jq -r '.plugins[0].bridge' "$BATS_TEST_TMPDIR/conflist.copy")
	gw=$(cell_ip a)
	gw=${gw%.*}.1
	ip addr flush dev "$br"
	: >"$PLUGIN_LOG"
	app_cell b "sleep infinity"
	[ "$(cat "$PLUGIN_LOG")" = "bridge ADD
host-local ADD" ]
	run -0 ip -o -4 addr show dev "$br"
	[[ "$output" == *"inet $gw/24"* ]]
	ip link set "$br" down
	: >"$PLUGIN_LOG"
	app_cell c "sleep infinity"
	[ "$(cat "$PLUGIN_LOG")" = "bridge ADD
host-local ADD" ]
	run -0 ip -o link show "$br"
	[[ "$output" == *",UP,"* ]]
	: >"$PLUGIN_LOG"
	app_cell d "sleep infinity"
	[ "$(cat "$PLUGIN_LOG")" = "" ]
	run -0 nsenter -t "$(task_pid sp_st_d_root)" -n busybox ping -c 1 -W 2 "$(cell_ip a)"
	# a bridge entry with a key kukeon does not write (here the MTU): the plugins
	local cl=$RP/data/$R/sp/network.conflist
	jq '.plugins[0].mtu = 1400' "$cl" >"$cl.new"
	mv "$cl.new" "$cl"
	: >"$PLUGIN_LOG"
	app_cell e "sleep infinity"
	[ "$(cat "$PLUGIN_LOG")" = "bridge ADD
host-local ADD" ]
	run -0 nsenter -t "$(task_pid sp_st_e_root)" -n ip -o link show dev eth0
	[[ "$output" == *"mtu 1400"* ]]
	for c in a b c d e; do
		run -0 k delete cell "$c" "${SCOPE[@]}"
	done
	cp "$BATS_TEST_TMPDIR/conflist.copy" "$cl"
	nothing_left a
}

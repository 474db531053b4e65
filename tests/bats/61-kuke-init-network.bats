# bats file_tags=kuke
# After `kuke init`, kuke talks to the kukeond that runs in its cell: the CNI plugins and the
# firewall tools that daemon execs come from the image init built, yet a cell it creates gets
# an address on the default space's bridge and serves HTTP to another cell. (Not fetched
# from the harness itself: other suites' bridges may hold the same /24 there.)
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/init

setup() { init_setup; }
teardown() { init_teardown; }

# NAME SCRIPT: a cell in default/default/default whose `app` container runs SCRIPT under sh -c
cell() { kuke apply -f "$(init_cell_yaml "$1" "$2")"; }

# bats test_tags=containerd
@test "kukeond in its cell: a cell gets an IP on the space bridge and serves HTTP to another cell" {
	init_ok
	run -0 kuke image load --realm default "$KUKEON_TEST_BUSYBOX_TAR"
	run -0 cell web 'mkdir -p /www && echo hello-from-a-cell >/www/index.html && exec httpd -f -p 8080 -h /www'
	local ip i out=
	ip=$(kuke get cell web -o json | jq -r .status.network.ipAddress)
	[[ "$ip" =~ ^10\.88\.[0-9]+\.[0-9]+$ ]]
	# the daemon made the network: the bridge of the space holds the cell's veth
	local br
	br=$(jq -r '.plugins[0].bridge' "$RP/data/default/default/network.conflist")
	ip -o link show master "$br" | grep -q veth
	# the NAT the daemon put in place from inside its cell
	iptables -t nat -S | grep -q -- "-A KUKEON-POSTROUTING"
	run -0 cell client "for i in \$(seq 50); do printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc $ip 8080 && break; sleep 0.2; done; sleep infinity"
	for i in $(seq 50); do
		out=$(kuke log client 2>/dev/null) || true
		[[ "$out" == *hello-from-a-cell* ]] && break
		sleep 0.2
	done
	[[ "$out" == *"HTTP/1.1 200 OK"* ]]
	[[ "$out" == *hello-from-a-cell* ]]
	run -0 kuke delete cell client
	run -0 kuke delete cell web
}

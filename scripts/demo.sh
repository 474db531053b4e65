#!/bin/bash
# demo.sh - a host from nothing to a cell serving HTTP: `kuke init` (offline: the kukeond image
# is built from this binary), kukeond in its cell, then a web cell made through that daemon
# and fetched. `make demo` runs it inside tests/harness/run.sh: a private containerd, network,
# /run and /opt; here /etc and /var/lib/cni get scratch copies too, so the host's accounts and
# CNI state are never touched.
set -euo pipefail
bin=$(readlink -f "${KUKEON_BIN:-build/kukeon}")
[ -n "${KUKEON_TEST_TMP:-}" ] || {
	echo "demo.sh: run it with \`make demo\` (inside tests/harness/run.sh)" >&2
	exit 1
}
T=$KUKEON_TEST_TMP
mkdir -p "$T/demo/etc" "$T/demo/var-lib-cni" "$T/demo/bin"
cp -a /etc/. "$T/demo/etc/"
mount --bind "$T/demo/etc" /etc
mount --bind "$T/demo/var-lib-cni" /var/lib/cni
"$bin" --install "$T/demo/bin"
kuke() { "$T/demo/bin/kuke" "$@"; }

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

step "$bin" --list
step kuke version
echo
echo "kuke init, with no registry reachable: the kukeond image is made from this binary"
step kuke init
step kuke get cells --realm kuke-system -o wide
echo
echo "kukeond runs in that cell (host network and PID namespace); kuke talks to it:"
step cat /run/kukeon/kukeond.pid
step ls -l /run/kukeon
step kuke image load --realm default "$KUKEON_TEST_BUSYBOX_TAR"
cat >"$T/demo/web.yaml" <<YAML
apiVersion: v1beta1
kind: Cell
metadata:
  name: web
spec:
  id: web
  realmId: default
  spaceId: default
  stackId: default
  containers:
    - id: httpd
      image: $KUKEON_TEST_BUSYBOX_REF
      command: sh
      args: ["-c", "mkdir -p /www && echo 'hello from a kukeon cell' >/www/index.html && exec httpd -f -p 8080 -h /www"]
YAML
step cat "$T/demo/web.yaml"
step kuke apply -f "$T/demo/web.yaml"
step kuke get cells -o wide
ip=$(kuke get cell web -o json | jq -r .status.network.ipAddress)
echo
echo "Fetching http://$ip:8080/ from the host:"
page=
for _ in $(seq 50); do
	page=$(printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 5 "$ip" 8080 2>/dev/null) && [ -n "$page" ] && break
	sleep 0.2
done
printf '%s\n' "$page"
[[ "$page" == *"hello from a kukeon cell"* ]] || {
	echo "demo: the web cell did not answer" >&2
	exit 1
}
step kuke daemon restart
for _ in $(seq 100); do kuke get realms >/dev/null 2>&1 && break; sleep 0.1; done
step kuke get cell web
step kuke delete cell web
echo
echo "demo: done (the harness now stops containerd and removes everything it started)"

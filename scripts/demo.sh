#!/bin/bash
# demo.sh - what kukeon can do today, against the private containerd of the harness
# (run it with `make demo`, which starts one).
set -euo pipefail
bin=${KUKEON_BIN:-build/kukeon}
links=$(mktemp -d)
trap 'rm -rf "$links"' EXIT
"$bin" --install "$links"

step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$bin" --list
step "$links/kuke" version
step "$links/kuke" --no-daemon version --containerd
step "$links/kuketty" --version
echo
echo "kuketty from the same static file, inside a busybox container that has no libc:"
ctr --address "$KUKEON_CONTAINERD_SOCKET" -n demo images import "$KUKEON_TEST_BUSYBOX_TAR" >/dev/null
step ctr --address "$KUKEON_CONTAINERD_SOCKET" -n demo run --rm --cpu-shares 0 \
	--mount "type=bind,src=$(readlink -f "$bin"),dst=/.kukeon/bin/kuketty,options=rbind:ro" \
	"$KUKEON_TEST_BUSYBOX_REF" demo /.kukeon/bin/kuketty --version

echo
echo "kukeond serves the API; kuke talks to it (run path /opt/kukeon, a scratch tmpfs here):"
"$links/kukeond" --configuration "$links/kukeond.yaml" serve --reconcile-interval 5s \
	2>"$links/kukeond.log" &
kukeond_pid=$!
trap 'kill -TERM $kukeond_pid 2>/dev/null; wait $kukeond_pid; rm -rf "$links"' EXIT
for _ in $(seq 100); do [ -S /run/kukeon/kukeond.sock ] && break; sleep 0.05; done
step ls -l /run/kukeon
echo
echo "A realm, a space and a stack, through the daemon:"
kuke() { "$links/kuke" "$@"; }
step kuke create realm demo
step kuke create space web --realm demo
step kuke create stack api --realm demo --space web
step kuke get realms
step kuke image load --realm demo "$KUKEON_TEST_BUSYBOX_TAR"
step kuke image get --realm demo
step kuke purge realm demo --cascade

#!/bin/bash
# check-layers.sh [TREE] - includes only point downward (STYLE.md §1, §7). TREE defaults
# to this checkout; the test suite points it at a copy with a bad include.
#
# The layers, top to bottom (a file may include its own layer and any layer below):
#   7 applets/           (an applet's private headers stay in its own directory)
#   6 common/rpc/        the kukeonv1 wire, over the controller's operations
#   5 common/controller/
#   4 common/runtime/ model/ store/ cgroup/ cni/ oci/ registry/ host/ tty/
#   3 ctr/               the containerd client
#   2 common/image/      image formats: refs, media types, platforms, digests, tar, streams
#                        (ctr/'s image import is built on them, so they sit below ctr/)
#   1 common/*.h         utilities: err, cleanup, mem, fs, path, log, json, yaml ...
# Generated headers (kk_config.h, kk_version.h) and cJSON are allowed everywhere. A new
# directory under common/ fails until it is given a layer here.
#
# Also: grpc, protobuf-c and the protoc-c output only in ctr/, and of ctr/'s headers only
# ctr.h and image.h (plain C in, plain C out) outside it; ctr_* calls never in
# applets/ (they reach containerd through the controller); libyaml only in common/yaml.c.
# Prints file:line, the include and the rule broken; exits 1 on any violation.
set -uo pipefail
tree=${1:-$(dirname "$0")/..}
cd "$tree" || exit 2
dirs=()
for d in applets common ctr; do
	[ -d "$d" ] && dirs+=("$d")
done
[ ${#dirs[@]} -gt 0 ] || {
	echo "check-layers: no applets/, common/ or ctr/ under \`$tree\`" >&2
	exit 2
}
rc=0

violation() {
	echo "check-layers: $1" >&2
	rc=1
}

# file:line:#include "target" -> the layer rule, in one awk pass
while IFS= read -r line; do
	violation "$line"
done < <(grep -rnE --include='*.c' --include='*.h' --include='*.def' \
	'^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "${dirs[@]}" | awk -F: '
function rank(p) {
	if (p ~ /^applets\//) return 7
	if (p ~ /^common\/rpc\//) return 6
	if (p ~ /^common\/controller\//) return 5
	if (p ~ /^common\/(runtime|model|store|cgroup|cni|oci|registry|host|tty)\//) return 4
	if (p ~ /^ctr\//) return 3
	if (p ~ /^common\/image\//) return 2
	if (p ~ /^common\/[^\/]+$/) return 1
	if (p ~ /^common\//) return -1		# a module with no layer yet
	return 0				# generated, third-party: not layered
}
function name(r) {
	return r == 7 ? "applets" : r == 6 ? "common/rpc" : r == 5 ? "common/controller" : \
	       r == 4 ? "runtime/model/store/cgroup/cni/oci/registry/host/tty" : r == 3 ? "ctr" : \
	       r == 2 ? "common/image" : "common utilities"
}
{
	file = $1; lno = $2
	target = $0; sub(/^[^"]*"/, "", target); sub(/".*$/, "", target)
	where = file ":" lno ": includes \"" target "\": "
	if (target ~ /\.pb-c\.h$/ && file !~ /^ctr\//) {
		print where "protoc-c output is seen only in ctr/"
		next
	}
	if (target ~ /^ctr\// && target !~ /^ctr\/(ctr|image)\.h$/ && file !~ /^ctr\//) {
		print where "only ctr/ctr.h and ctr/image.h are seen outside ctr/"
		next
	}
	if (target !~ /\// && target !~ /^kk_[a-z_]+\.h$/) {
		print where "include paths are written from the repository root"
		next
	}
	fr = rank(file); tr = rank(target)
	if (fr < 0) {
		d = file; sub(/\/[^\/]*$/, "", d)
		print file ":" lno ": " d "/ is in no layer: place it in scripts/check-layers.sh"
		next
	}
	if (tr < 0) {
		d = target; sub(/\/[^\/]*$/, "", d)
		print where d "/ is in no layer: place it in scripts/check-layers.sh"
		next
	}
	if (tr > fr) {
		print where name(fr) " must not include " name(tr) " (an upward include)"
		next
	}
	if (fr == 7 && target ~ /^applets\// && split(file, f, "/") > 2 && split(target, t, "/") > 2 &&
	    f[2] != t[2])
		print where "an applet includes only its own private headers"
}')

while IFS= read -r hit; do
	violation "$hit: grpc and protobuf-c are seen only in ctr/"
done < <(grep -rnE --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*<(grpc/|protobuf-c/)' \
	"${dirs[@]}" | grep -v '^ctr/')

while IFS= read -r hit; do
	violation "$hit: applets reach containerd only through common/controller"
done < <([ -d applets ] && grep -rnE --include='*.c' --include='*.h' '\bctr_[a-z_]+\(' applets)

while IFS= read -r hit; do
	violation "$hit: libyaml is seen only in common/yaml.c"
done < <(grep -rnE --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*<yaml\.h>' \
	"${dirs[@]}" | grep -v '^common/yaml\.c:')

[ $rc -eq 0 ] && echo "check-layers: ok"
exit $rc

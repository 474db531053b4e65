#!/bin/bash
# check-layers.sh - includes only point downward (STYLE.md §1, §7).
#   applets/*  -> common/controller -> (ctr/, common/...) -> common/util
# Fails on: grpc or protobuf-c outside ctr/; ctr/ headers or ctr_* calls in applets/;
# applet headers included from common/ or ctr/; libyaml outside common/yaml*.c.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0

violation() {
	echo "check-layers: $1" >&2
	rc=1
}

while IFS= read -r hit; do
	violation "grpc/protobuf-c outside ctr/: $hit"
done < <(git grep -nE '#include [<"](grpc/|protobuf-c/)' -- '*.c' '*.h' ':!ctr/')

while IFS= read -r hit; do
	violation "applets reach containerd only through common/controller: $hit"
done < <(git grep -nE '#include "ctr/|\bctr_[a-z_]+\(' -- 'applets/')

while IFS= read -r hit; do
	violation "common/ and ctr/ must not include applet headers: $hit"
done < <(git grep -nE '#include "applets/' -- 'common/' 'ctr/')

while IFS= read -r hit; do
	violation "libyaml lives only in common/yaml*.c: $hit"
done < <(git grep -nE '#include <yaml\.h>' -- '*.c' '*.h' ':!common/yaml*.c' ':!tests/')

[ $rc -eq 0 ] && echo "check-layers: ok"
exit $rc

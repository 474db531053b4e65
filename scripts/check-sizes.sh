#!/bin/bash
# check-sizes.sh [TREE] - no product source file over 1,000 lines (issue #9): a file that
# grows past it wants splitting along a seam, as container.c / container_spec.c. TREE
# defaults to this checkout; the test suite points it at a copy with a long file.
#
# Product sources are the *.c and *.h files under applets/, common/ and ctr/ (generated
# code lives in build/, tests under tests/; anything under a third_party/ is not ours).
# Prints `path: N lines (limit 1000)` for each file over, longest first; exits 1 if any.
set -uo pipefail
limit=1000
tree=${1:-$(dirname "$0")/..}
cd "$tree" 2>/dev/null || {
	echo "check-sizes: no tree at \`$tree\`" >&2
	exit 2
}
mapfile -t dirs < <(find applets common ctr -maxdepth 0 -type d 2>/dev/null)
[ ${#dirs[@]} -gt 0 ] || {
	echo "check-sizes: no applets/, common/ or ctr/ under \`$tree\`" >&2
	exit 2
}

over=$(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) -not -path '*/third_party/*' \
	-not -name '*.pb-c.[ch]' -print0 | xargs -0 -r wc -l | awk -v limit=$limit '
	{ n = $1; sub(/^ *[0-9]+ /, "") }
	$0 != "total" && n > limit { printf "%s: %d lines (limit %d)\n", $0, n, limit }' |
	sort -t: -k2 -rn)
if [ -n "$over" ]; then
	echo "$over" >&2
	exit 1
fi
echo "check-sizes: ok"

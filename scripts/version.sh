#!/bin/sh
# version.sh - the version string compiled into kukeon, from git describe.
#
# A tagged tree gives e.g. v0.1.0 or v0.1.0-12-gabcdef[-dirty]. A history without a
# v* tag still gives the same shape, counted from the first commit: v0.0.0-N-gHASH.
# Outside git (a source tarball) it falls back to the VERSION environment variable.
set -eu
cd "$(dirname "$0")/.."
if [ -n "${VERSION:-}" ]; then
	echo "$VERSION"
	exit 0
fi
if v=$(git describe --tags --dirty --match 'v*' 2>/dev/null); then
	echo "$v"
elif hash=$(git rev-parse --short=7 HEAD 2>/dev/null); then
	n=$(git rev-list --count HEAD)
	dirty=$(git diff --quiet HEAD 2>/dev/null || echo -dirty)
	echo "v0.0.0-$n-g$hash$dirty"
else
	echo "v0.0.0-unknown"
fi

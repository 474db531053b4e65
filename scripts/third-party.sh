#!/bin/bash
# third-party.sh NAME DIR - unpack Debian's source package NAME into DIR/src/NAME.
#
# Debian ships no static archive for some dependencies (cJSON); we build those from
# Debian's own source package, with Debian's patches applied, so nothing third-party
# is committed here. Needs deb-src entries; adds them for Debian's archive if missing.
set -euo pipefail
name=$1 dir=$2
dest="$dir/src/$name"
[ -d "$dest" ] && exit 0

ensure_deb_src() {
	if apt-get source --print-uris "$name" 2>/dev/null | grep -q "\.dsc'"; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "third-party.sh: no deb-src entries for \`$name\`; run \`make deps\` as root" >&2
		exit 1
	fi
	scripts/deps.sh --deb-src
}

ensure_deb_src
work="$dir/src/.fetch-$name"
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && apt-get source -qq "$name" >/dev/null 2>&1) || {
	echo "third-party.sh: apt-get source $name failed" >&2
	rm -rf "$work"
	exit 1
}
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
mv "$src" "$dest"
rm -rf "$work"

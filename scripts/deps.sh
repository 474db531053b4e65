#!/bin/bash
# deps.sh - install every build and test dependency of kukeon on Debian 12 (apt-get).
#
# Idempotent and quick when all is there: apt is only run for missing packages.
#   scripts/deps.sh            packages (and deb-src entries, for cJSON's source)
#   scripts/deps.sh --deb-src  only make sure deb-src entries exist (used by third-party.sh)
set -euo pipefail

packages=(
	# build
	build-essential pkg-config dpkg-dev file git
	libgrpc-dev libprotobuf-dev protobuf-c-compiler libprotobuf-c-dev
	golang-github-containerd-containerd-dev golang-github-gogo-protobuf-dev
	golang-github-gogo-googleapis-dev
	libyaml-dev libmbedtls-dev libc-ares-dev zlib1g-dev libzstd-dev
	# lint, and libFuzzer (clang-14 with its compiler-rt runtime) for make fuzz-smoke
	cppcheck clang-tidy clang-format clang-14 libclang-rt-14-dev
	# test environment: a real containerd, runc, CNI plugins, busybox for images
	containerd runc containernetworking-plugins busybox-static
	bats iproute2 util-linux procps psmisc iptables jq groff-base python3 time
	# completion scripts (kuke autocomplete) are loaded by each shell in the tests
	zsh fish
	# a Go net/rpc client for the wire tests (tests/go, standard library only)
	golang-go
	# pull tests: a registry on loopback, filled with skopeo; htpasswd; the fault proxy
	docker-registry skopeo apache2-utils openssl curl
	# the rescue test: a whole machine under qemu, an ext4 disk image, an initramfs
	qemu-system-x86 e2fsprogs cpio
)

src_list=/etc/apt/sources.list.d/kukeon-deb-src.sources

have_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}

add_deb_src() {
	have_deb_src && return 0
	echo "deps.sh: adding deb-src entries ($src_list)"
	cat >"$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
}

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: must run as root (apt-get)" >&2
	exit 1
fi

if [ "${1:-}" = --deb-src ]; then
	add_deb_src
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	[[ $p == \#* ]] && continue
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm is Debian's unless a nodejs that brings its own (NodeSource's) is installed
if ! command -v npm >/dev/null; then
	echo "deps.sh: installing nodejs npm"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# the Kubernetes schema the -o kube tests validate Pods against (tests/kube/validate.js),
# project-local and cached: build/node (or $KUKEON_NODE_DIR)
node_dir=${KUKEON_NODE_DIR:-$(dirname "$0")/../build/node}
if [ ! -f "$node_dir/node_modules/kubernetes-models/package.json" ] ||
	[ ! -f "$node_dir/node_modules/yaml/package.json" ]; then
	echo "deps.sh: npm install kubernetes-models yaml into $node_dir"
	mkdir -p "$node_dir"
	npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error \
		kubernetes-models@5.1.0 yaml@2.9.1 >/dev/null
fi
add_deb_src
echo "deps.sh: all dependencies present"

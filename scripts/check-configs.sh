#!/bin/bash
# check-configs.sh [--tap FILE] - build every single-applet kukeon.config and the all-on one.
#
# Catches IF_/ENABLE_ slips: each build must compile, be static, list exactly its applets
# and answer --version. A kuketty-only binary must not link grpc at all, and stays under
# 1 MiB (it is bind-mounted into every attachable container), nor a kuke-uninstall-only one
# without its containerd feature (the "rescue" config). Prints each
# binary's size. With --tap FILE, also writes the results as TAP.
set -uo pipefail
cd "$(dirname "$0")/.."
tap=/dev/null
[ "${1:-}" = --tap ] && tap=$2
applets=(kuke kukeond kuketty kuke-uninstall)
# kuke writes $HOME/.kuke/kuke.yaml on first use (as upstream): keep it off the host
HOME=$(mktemp -d /tmp/kukeon-configs-home.XXXXXX)
export HOME
trap 'rm -rf "$HOME"' EXIT
n=0 failed=0
: >"$tap"

result() { # result OK|FAIL description
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2" >>"$tap"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2" >>"$tap"
		echo "check-configs: FAILED: $2" >&2
	fi
}

config_for() { # config_for NAME OUT: only applet NAME enabled (all: every applet; minimal:
	# every applet, every optional feature off; rescue: kuke-uninstall working from disk only)
	local name=$1 out=$2 sym
	cp kukeon.config "$out"
	if [ "$name" = rescue ]; then
		config_for kuke-uninstall "$out"
		sed -i 's/^CONFIG_FEATURE_KUKE_UNINSTALL_CONTAINERD=.*/CONFIG_FEATURE_KUKE_UNINSTALL_CONTAINERD=n/' "$out"
	elif [ "$name" = minimal ]; then
		sed -i 's/^\(CONFIG_FEATURE_[A-Z0-9_]*\)=y/\1=n/' "$out"
	elif [ "$name" != all ]; then
		for a in "${applets[@]}"; do
			sym=CONFIG_$(echo "$a" | tr 'a-z-' 'A-Z_')
			sed -i "s/^$sym=.*/$sym=n/" "$out"
		done
		sym=CONFIG_$(echo "$name" | tr 'a-z-' 'A-Z_')
		sed -i "s/^$sym=.*/$sym=y/" "$out"
	fi
}

mkdir -p build/configs
printf '%-16s %12s\n' config "size (bytes)"
for name in "${applets[@]}" all minimal rescue; do
	dir=build/cfg-$name
	config_for "$name" "build/configs/$name.config"
	if ! make -s -j2 BUILD="$dir" KCONFIG="build/configs/$name.config" "$dir/kukeon" >"$dir.log" 2>&1; then
		result FAIL "$name: build (see $dir.log)"
		continue
	fi
	bin=$dir/kukeon
	result OK "$name: builds"
	file -L "$bin" | grep -q 'statically linked' && result OK "$name: static" ||
		result FAIL "$name: not statically linked"
	case $name in
	all | minimal) want=$(printf '%s\n' "${applets[@]}") ;;
	rescue) want=kuke-uninstall ;;
	*) want=$name ;;
	esac
	[ "$("$bin" --list)" = "$want" ] && result OK "$name: --list shows exactly its applets" ||
		result FAIL "$name: --list shows $("$bin" --list | tr '\n' ' ')"
	for a in $want; do
		"$bin" "$a" --version >/dev/null && result OK "$name: $a --version" ||
			result FAIL "$name: $a --version"
	done
	if [ "$name" = minimal ]; then
		"$bin" kuke image load --help >/dev/null 2>&1 && result FAIL "minimal: image load still built in" ||
			result OK "minimal: features switched off are gone (kuke image load)"
		# strings of libcurl's HTTP and of its mbedTLS glue witness their code
		grep -qaE "Proxy-Connection|mbedtls_ctr_drbg_seed" "$bin" && result FAIL "minimal: HTTP/TLS code linked without pull" ||
			result OK "minimal: no HTTP or TLS code without pull"
	fi
	if [ "$name" = all ]; then
		[ "$(stat -c %s "$bin")" -le $((8 * 1024 * 1024)) ] && result OK "all: stripped binary <= 8 MiB" ||
			result FAIL "all: stripped binary is $(stat -c %s "$bin") bytes, over 8 MiB"
	fi
	if [ "$name" = rescue ]; then
		grep -qa 'grpc' "$bin" && result FAIL "rescue (kuke-uninstall from disk only) links grpc" ||
			result OK "rescue (kuke-uninstall from disk only) links no grpc"
	fi
	if [ "$name" = kuketty ]; then
		grep -qa 'grpc' "$bin" && result FAIL "kuketty-only build links grpc" ||
			result OK "kuketty-only build links no grpc"
		# it is bind-mounted into every attachable container: it stays small
		[ "$(stat -c %s "$bin")" -le $((1024 * 1024)) ] && result OK "kuketty: stripped binary <= 1 MiB" ||
			result FAIL "kuketty: stripped binary is $(stat -c %s "$bin") bytes, over 1 MiB"
		"$bin" kuketty --config /nonexistent/kuketty.json >/dev/null 2>&1
		[ $? -eq 70 ] && result OK "kuketty: the terminal server is in (a missing config exits 70)" ||
			result FAIL "kuketty: a missing config does not exit 70"
	fi
	printf '%-16s %12d\n' "$name" "$(stat -c %s "$bin")"
done
echo "1..$n" >>"$tap"
[ $failed -eq 0 ]

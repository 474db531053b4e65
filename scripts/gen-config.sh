#!/bin/sh
# gen-config.sh CONFIG OUT - turn kukeon.config into a C header.
#
# CONFIG_X=y|n   -> #define ENABLE_X 1|0, and IF_X(...) / IF_NOT_X(...) that keep or drop
#                   their argument (busybox style), so code can be gated without #ifdef.
# CONFIG_X=value -> #define CONFIG_X value (strings keep their quotes).
# OUT is rewritten only when its content changes, so a touch of the config does not
# rebuild everything.
set -eu
config=$1 out=$2
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

{
	echo "/* Generated from $config by scripts/gen-config.sh; do not edit. */"
	echo "#ifndef KK_CONFIG_H"
	echo "#define KK_CONFIG_H"
	grep -E '^[[:space:]]*CONFIG_[A-Z0-9_]+=' "$config" | while IFS= read -r line; do
		key=${line%%=*}
		key=$(echo "$key" | tr -d '[:space:]')
		val=${line#*=}
		name=${key#CONFIG_}
		case $val in
		y)
			echo "#define ENABLE_$name 1"
			echo "#define IF_$name(...) __VA_ARGS__"
			echo "#define IF_NOT_$name(...)"
			;;
		n)
			echo "#define ENABLE_$name 0"
			echo "#define IF_$name(...)"
			echo "#define IF_NOT_$name(...) __VA_ARGS__"
			;;
		'')
			echo "gen-config.sh: $config: \`$key\` has no value (use y, n or a value)" >&2
			exit 1
			;;
		*)
			echo "#define $key $val"
			;;
		esac
	done
	echo "#endif"
} >"$tmp"

if ! cmp -s "$tmp" "$out"; then
	mv "$tmp" "$out"
fi

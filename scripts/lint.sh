#!/bin/bash
# lint.sh BUILD - static analysis of our own sources (never generated or third-party code).
#   cppcheck    warnings, portability, performance
#   clang-tidy  bugprone-*, cert-* subsets, clang-analyzer-*
# Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t srcs < <(git ls-files '*.c' | grep -v '^tests/fuzz/')
incs=(-D_GNU_SOURCE -I. -I"$build/gen" -I"$build/gen/proto" -Ibuild/third_party/include)
rc=0

echo "lint: cppcheck (${#srcs[@]} files)"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem --suppress=unmatchedSuppression \
	"${incs[@]}" -DPROTOBUF_C_VERSION_NUMBER=1004001 -DPROTOBUF_C_MIN_COMPILER_VERSION=1000000 \
	"${srcs[@]}" || rc=1

echo "lint: clang-tidy"
checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,'
checks+='-bugprone-macro-parentheses,-bugprone-assignment-in-if-condition,'
checks+='-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result,'
checks+='clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,'
checks+='-clang-analyzer-unix.Malloc,-clang-analyzer-valist.*,cert-flp30-c'
out=$(clang-tidy --quiet --checks="$checks" --warnings-as-errors='*' "${srcs[@]}" -- \
	-std=gnu11 "${incs[@]}" 2>&1) || rc=1
grep -E 'warning:|error:' <<<"$out" && rc=1
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc

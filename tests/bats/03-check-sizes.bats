# bats file_tags=build
# scripts/check-sizes.sh: no product source file over 1,000 lines. This tree passes; a copy
# with a file of 1001 lines does not.
bats_require_minimum_version 1.5.0
load helpers/common

top=$BATS_TEST_DIRNAME/../..
check=$top/scripts/check-sizes.sh

setup() {
	tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$top/applets" "$top/common" "$top/ctr" "$tree/"
}

# grow FILE N: FILE in the copy made N lines long by appending comment lines
grow() {
	local f=$tree/$1 n
	n=$(wc -l <"$f")
	[ "$n" -le "$2" ]
	yes '/* padding */' | head -n $(($2 - n)) >>"$f"
	[ "$(wc -l <"$f")" -eq "$2" ]
}

@test "check-sizes: this tree is clean, and so is its copy" {
	run -0 "$check"
	[ "$output" = "check-sizes: ok" ]
	run -0 "$check" "$tree"
	[ "$output" = "check-sizes: ok" ]
}

@test "check-sizes: a source file of 1001 lines fails, naming it; 1000 lines pass" {
	grow common/model/kube_import.c 1000
	run -0 "$check" "$tree"
	[ "$output" = "check-sizes: ok" ]
	grow common/model/kube_import.c 1001
	run -1 "$check" "$tree"
	[ "$output" = "common/model/kube_import.c: 1001 lines (limit 1000)" ]
}

@test "check-sizes: headers count, in applets/ and ctr/ too, each file on its own line, longest first" {
	seq 1200 | sed 's|.*|/* & */|' >"$tree/applets/kuke/long.h"
	grow ctr/ctr.h 1001
	run -1 "$check" "$tree"
	[ "$output" = "$(printf '%s\n' 'applets/kuke/long.h: 1200 lines (limit 1000)' \
		'ctr/ctr.h: 1001 lines (limit 1000)')" ]
}

@test "check-sizes: only product sources count (not tests, third_party, other file types)" {
	mkdir -p "$tree/tests/unit" "$tree/common/third_party"
	seq 2000 >"$tree/tests/unit/test_long.c"
	seq 2000 >"$tree/common/third_party/long.c"
	seq 2000 >"$tree/common/model/long.txt"
	run -0 "$check" "$tree"
	[ "$output" = "check-sizes: ok" ]
}

@test "check-sizes: a missing tree is an error, not a pass" {
	run -2 "$check" "$BATS_TEST_TMPDIR/nothing-here"
	[ "$output" = "check-sizes: no tree at \`$BATS_TEST_TMPDIR/nothing-here\`" ]
	run -2 "$check" "$BATS_TEST_TMPDIR"
	[[ "$output" == "check-sizes: no applets/, common/ or ctr/ under"* ]]
}

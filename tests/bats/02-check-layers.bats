# bats file_tags=build
# scripts/check-layers.sh: this tree is clean, and a copy with one bad include is not.
# scripts/check-sizes.sh: this tree passes, and a copy with a file of 1001 lines does not.
bats_require_minimum_version 1.5.0
load helpers/common

top=$BATS_TEST_DIRNAME/../..
check=$top/scripts/check-layers.sh
sizes=$top/scripts/check-sizes.sh

setup() {
	tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$top/applets" "$top/common" "$top/ctr" "$tree/"
}

# add_include FILE INCLUDE: one more #include line at the top of FILE in the copy
add_include() {
	sed -i "1i #include \"$2\"" "$tree/$1"
}

@test "check-layers: this tree is clean" {
	run -0 "$check" "$tree"
	[ "$output" = "check-layers: ok" ]
}

@test "check-layers: model including the controller is an upward include" {
	add_include common/model/realm.c common/controller/cell.h
	run -1 "$check" "$tree"
	[ "$output" = 'check-layers: common/model/realm.c:1: includes "common/controller/cell.h": runtime/model/store/cgroup/cni/oci/registry/host/tty must not include common/controller (an upward include)' ]
}

@test "check-layers: ctr including the runtime, or a utility including ctr, is upward" {
	add_include ctr/tasks.c common/runtime/runtime.h
	add_include common/fs.c ctr/ctr.h
	run -1 "$check" "$tree"
	[[ "$output" == *'ctr/tasks.c:1: includes "common/runtime/runtime.h": ctr must not include runtime/model/store/cgroup/cni/oci/registry/host/tty (an upward include)'* ]]
	[[ "$output" == *'common/fs.c:1: includes "ctr/ctr.h": common utilities must not include ctr (an upward include)'* ]]
	[ "$(grep -c '^check-layers: ' <<<"$output")" -eq 2 ]
}

@test "check-layers: image formats must not include ctr, the controller must not include rpc" {
	add_include common/image/tar.c ctr/image.h
	add_include common/controller/cell.c common/rpc/host.h
	run -1 "$check" "$tree"
	[[ "$output" == *'common/image/tar.c:1: includes "ctr/image.h": common/image must not include ctr (an upward include)'* ]]
	[[ "$output" == *'common/controller/cell.c:1: includes "common/rpc/host.h": common/controller must not include common/rpc (an upward include)'* ]]
}

@test "check-layers: an applet includes no other applet's private header" {
	add_include applets/kuketty/kuketty.c applets/kuke/kuke.h
	run -1 "$check" "$tree"
	[ "$output" = 'check-layers: applets/kuketty/kuketty.c:1: includes "applets/kuke/kuke.h": an applet includes only its own private headers' ]
}

@test "check-layers: a new common/ module must be given a layer" {
	mkdir "$tree/common/volume"
	printf '#include "common/err.h"\n' >"$tree/common/volume/volume.c"
	run -1 "$check" "$tree"
	[ "$output" = 'check-layers: common/volume/volume.c:1: common/volume/ is in no layer: place it in scripts/check-layers.sh' ]
}

@test "check-layers: grpc and ctr/ internals outside ctr/, ctr_* calls in applets/ are refused" {
	add_include common/cni/cni.c ctr/pb.h
	sed -i '1i #include <grpc/grpc.h>' "$tree/common/store/store.c"
	printf 'static void f(void) { ctr_disconnect(0); }\n' >>"$tree/applets/kuke/refresh.c"
	run -1 "$check" "$tree"
	[[ "$output" == *'common/cni/cni.c:1: includes "ctr/pb.h": only ctr/ctr.h and ctr/image.h are seen outside ctr/'* ]]
	[[ "$output" == *'common/store/store.c:1:#include <grpc/grpc.h>: grpc and protobuf-c are seen only in ctr/'* ]]
	[[ "$output" == *'applets/kuke/refresh.c:'*'ctr_disconnect(0)'*'applets reach containerd only through common/controller'* ]]
}

@test "check-layers: a missing tree is an error, not a pass" {
	run -2 "$check" "$BATS_TEST_TMPDIR/nothing-here"
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
	run -0 "$sizes"
	[ "$output" = "check-sizes: ok" ]
	run -0 "$sizes" "$tree"
	[ "$output" = "check-sizes: ok" ]
}

@test "check-sizes: a source file of 1001 lines fails, naming it; 1000 lines pass" {
	grow common/model/kube_import.c 1000
	run -0 "$sizes" "$tree"
	[ "$output" = "check-sizes: ok" ]
	grow common/model/kube_import.c 1001
	run -1 "$sizes" "$tree"
	[ "$output" = "common/model/kube_import.c: 1001 lines (limit 1000)" ]
}

@test "check-sizes: headers count, in applets/ and ctr/ too, each file on its own line, longest first" {
	seq 1200 | sed 's|.*|/* & */|' >"$tree/applets/kuke/long.h"
	grow ctr/ctr.h 1001
	run -1 "$sizes" "$tree"
	[ "$output" = "$(printf '%s\n' 'applets/kuke/long.h: 1200 lines (limit 1000)' \
		'ctr/ctr.h: 1001 lines (limit 1000)')" ]
}

@test "check-sizes: only product sources count (not tests, third_party, other file types)" {
	mkdir -p "$tree/tests/unit" "$tree/common/third_party"
	seq 2000 >"$tree/tests/unit/test_long.c"
	seq 2000 >"$tree/common/third_party/long.c"
	seq 2000 >"$tree/common/model/long.txt"
	run -0 "$sizes" "$tree"
	[ "$output" = "check-sizes: ok" ]
}

@test "check-sizes: a missing tree is an error, not a pass" {
	run -2 "$sizes" "$BATS_TEST_TMPDIR/nothing-here"
	[ "$output" = "check-sizes: no tree at \`$BATS_TEST_TMPDIR/nothing-here\`" ]
	run -2 "$sizes" "$BATS_TEST_TMPDIR"
	[[ "$output" == "check-sizes: no applets/, common/ or ctr/ under"* ]]
}

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell
setup() { cell_setup dbg; }
teardown() { cell_teardown; }
@test "dbg" {
	cell_scaffold
	app_cell_yaml web "sleep 1000"
	for ms in 030 060 090 120 150; do
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 0.$ms
	restart_containerd KILL
	wait $pid || true
	cat "$BATS_TEST_TMPDIR/out" >&3
	run k apply -f "$BATS_TEST_TMPDIR/web.yaml"
	echo "again: $output" >&3
	if [ $status != 0 ]; then
	ls -la $KUKEON_TEST_TMP/containerd/state/io.containerd.runtime.v2.task/$NS/ >&3
	ls -la $KUKEON_TEST_TMP/containerd/state/io.containerd.runtime.v2.task/$NS/*/ >&3
	ps -eo pid,args | grep shim >&3
	hctr -n $NS tasks ls >&3
	hctr -n $NS tasks rm sp_st_web_root >&3 2>&1
	hctr -n $NS tasks rm sp_st_web_app >&3 2>&1
	grep -i "error\|level=warn" $KUKEON_TEST_TMP/containerd.log | tail -20 >&3
	break
	fi
	k delete cell web --realm "$R" --space sp --stack st
	done
}

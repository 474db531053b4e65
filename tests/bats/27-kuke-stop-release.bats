# bats file_tags=kuke
# Stop and kill release everything (as upstream): the stopped tasks are deleted once their
# exit code, signal and finish time are in the cell's status, so a stopped cell or container
# holds no containerd shim. ctr and ps are the witnesses; refresh keeps the recorded exits.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup sr
	SCOPE=(--realm "$R" --space sp --stack st)
}

teardown() {
	cell_teardown
}

cell() { app_cell "$@"; } # NAME SCRIPT
tasks() { ns_tasks; }

wait_task() { # ID STATUS
	local i
	for i in $(seq 50); do
		tasks | grep -qx "$1 $2" && return 0
		sleep 0.2
	done
	return 1
}

# bats test_tags=containerd
@test "stop cell: no task and no shim left; the exit of a container that ended by itself survives stop and refresh" {
	require_containerd
	cell_scaffold
	cell job "sleep 1; exit 3"
	# one shim serves the cell: the root's
	[ "$(shims sp_st_job_ | wc -l)" = 1 ]
	[ -n "$(shims sp_st_job_root)" ]
	# an exited task stays in containerd until kukeon records the exit and releases it
	wait_task sp_st_job_app STOPPED
	[ "$(shims sp_st_job_ | wc -l)" = 1 ]
	run -0 k stop cell job "${SCOPE[@]}"
	[ "$output" = 'Stopped cell "job" from stack "st"' ]
	run -0 tasks
	[ "$output" = "" ]
	[ -z "$(shims sp_st_job)" ]
	# the containerd containers stay: start makes new tasks from them
	[ "$(hctr -n "$NS" containers ls -q | sort | tr '\n' ' ')" = "sp_st_job_app sp_st_job_root " ]
	[ "$(meta job | jq -r .status.state)" = Stopped ]
	[ "$(app job state)" = Stopped ]
	[ "$(app job exitCode)" = 3 ]
	finish=$(app job finishTime)
	[[ "$finish" == 20* ]]
	root_exit=$(meta job | jq -r '.status.containers[] | select(.name == "root") | .exitCode')
	[ "$root_exit" = 137 ]
	# refresh does not turn what it cannot see any more into Unknown, nor drop it
	run -0 k refresh
	[[ "$output" == *"Updated:
  (none)"* ]]
	[ "$(app job state)" = Stopped ]
	[ "$(app job exitCode)" = 3 ]
	[ "$(app job finishTime)" = "$finish" ]
	run -0 k get cell job "${SCOPE[@]}" -o json
	[ "$(jq -r '.status.containers[] | select(.name == "app") | "\(.state) \(.exitCode) \(.finishTime)"' <<<"$output")" = "Stopped 3 $finish" ]
	run -0 k get cells --realm "$R"
	[[ "${lines[2]}" == job*Stopped* ]]
	# start brings both back from the stored spec
	run -0 k start cell job "${SCOPE[@]}"
	[ "$output" = 'Started cell "job" from stack "st"' ]
	run -0 tasks
	[ "${lines[1]}" = "sp_st_job_root RUNNING" ]
	[ "$(meta job | jq -r .status.state)" = Ready ]
	[[ "$(meta job | jq -r .status.network.ipAddress)" == 10.88.* ]]
}

# bats test_tags=containerd
@test "kill cell: no task and no shim left, exit 137 recorded; start after kill" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	run -0 k kill cell web "${SCOPE[@]}"
	[ "$output" = 'Killed cell "web" from stack "st"' ]
	run -0 tasks
	[ "$output" = "" ]
	[ -z "$(shims sp_st_web)" ]
	[ "$(meta web | jq -r .status.state)" = Stopped ]
	[ "$(app web exitCode)" = 137 ]
	[ "$(app web exitSignal)" = SIGKILL ]
	k refresh >/dev/null
	[ "$(app web exitCode)" = 137 ]
	run -0 k start cell web "${SCOPE[@]}"
	run -0 tasks
	[ "$output" = "sp_st_web_app RUNNING
sp_st_web_root RUNNING" ]
	[ "$(app web state)" = Ready ]
}

# bats test_tags=containerd
@test "stop: a PID 1 with no SIGTERM handler (the default root's sleep, an app's) is killed without waiting out a grace period it could not use" {
	require_containerd
	cell_scaffold
	cell web "sleep 1000"
	run -0 k --log-level debug -v stop cell web "${SCOPE[@]}"
	[ "${lines[-1]}" = 'Stopped cell "web" from stack "st"' ]
	[ "$(grep -c ' DEBUG "SIGTERM skipped: PID 1 without a handler for it" ' <<<"$output")" = 2 ]
	grep -q 'container=sp_st_web_root' <<<"$output"
	grep -q 'container=sp_st_web_app' <<<"$output"
	[ "$(app web exitCode)" = 137 ]
	# one that traps it still gets it, and its grace period
	k delete cell web "${SCOPE[@]}" >/dev/null
	cell web "trap 'exit 7' TERM; while :; do sleep 1; done"
	run -0 k --log-level debug -v stop cell web "${SCOPE[@]}"
	[ "$(grep -c 'SIGTERM skipped' <<<"$output")" = 1 ]
	[ "$(app web exitCode)" = 7 ]
}

# bats test_tags=containerd
@test "stop and kill container: its task goes, the root and the cell's shim keep running; start after each" {
	require_containerd
	cell_scaffold
	cell web "trap 'exit 7' TERM; while :; do sleep 1; done"
	shim=$(pgrep -f -- "-namespace $NS .*-id sp_st_web_root")
	run -0 k stop container app --cell web "${SCOPE[@]}"
	[ "$output" = 'Stopped container "app" from cell "web"' ]
	run -0 tasks
	[ "$output" = "sp_st_web_root RUNNING" ]
	[ -z "$(shims sp_st_web_app)" ]
	[ "$(pgrep -f -- "-namespace $NS .*-id sp_st_web_")" = "$shim" ]
	[ "$(app web state)" = Stopped ]
	[ "$(app web exitCode)" = 7 ]
	k refresh >/dev/null
	[ "$(app web exitCode)" = 7 ]
	run -0 k get container app --cell web "${SCOPE[@]}" -o json
	[ "$(jq -r '"\(.status.state) \(.status.exitCode)"' <<<"$output")" = "Stopped 7" ]
	run -0 k start container app --cell web "${SCOPE[@]}"
	run -0 tasks
	[ "$output" = "sp_st_web_app RUNNING
sp_st_web_root RUNNING" ]
	[ "$(app web state)" = Ready ]

	run -0 k kill container app --cell web "${SCOPE[@]}"
	[ "$output" = 'Killed container "app" from cell "web"' ]
	run -0 tasks
	[ "$output" = "sp_st_web_root RUNNING" ]
	[ -z "$(shims sp_st_web_app)" ]
	[ "$(app web exitCode)" = 137 ]
	[ "$(app web exitSignal)" = SIGKILL ]
	run -0 k start container app --cell web "${SCOPE[@]}"
	run -0 tasks
	[ "${lines[0]}" = "sp_st_web_app RUNNING" ]
	[ "$(pgrep -f -- "-namespace $NS .*-id sp_st_web_")" = "$shim" ]
}

# bats test_tags=containerd
@test "one shim per cell: every member's task in the root's shim; the shim killed -9: every container reported stopped, start cell brings the cell back; delete leaves no shim" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity" "" "$(sh_item side 'sleep infinity')"
	run -0 tasks
	[ "$output" = "sp_st_web_app RUNNING
sp_st_web_root RUNNING
sp_st_web_side RUNNING" ]
	[ "$(shims sp_st_web_ | wc -l)" = 1 ]
	[ -n "$(shims sp_st_web_root)" ]
	run -0 hctr -n "$NS" containers info sp_st_web_side
	[ "$(jq -r '.Spec.annotations["io.containerd.runc.v2.group"]' <<<"$output")" = sp_st_web_root ]
	run -0 hctr -n "$NS" containers info sp_st_web_root
	[ "$(jq -r '.Spec.annotations["io.containerd.runc.v2.group"]' <<<"$output")" = sp_st_web_root ]
	# exec in a member of the shared shim
	run -0 k exec "${SCOPE[@]}" web --container side -- echo exec-in-side
	[ "$output" = exec-in-side ]

	kill -9 "$(pgrep -f -- "-namespace $NS .*-id sp_st_web_root")"
	for i in $(seq 50); do
		[ -z "$(tasks)" ] && break
		sleep 0.2
	done
	run -0 tasks
	[ "$output" = "" ]
	run -0 k get cell web "${SCOPE[@]}" -o json
	[ "$(jq -r '[.status.containers[].state] | unique | join(" ")' <<<"$output")" = Stopped ]
	run -0 k start cell web "${SCOPE[@]}"
	run -0 tasks
	[ "$output" = "sp_st_web_app RUNNING
sp_st_web_root RUNNING
sp_st_web_side RUNNING" ]
	[ "$(shims sp_st_web_ | wc -l)" = 1 ]
	[ "$(app web state)" = Ready ]
	[[ "$(meta web | jq -r .status.network.ipAddress)" == 10.88.* ]]

	run -0 k delete cell web "${SCOPE[@]}"
	[ -z "$(shims sp_st_web_)" ]
	[ -z "$(hctr -n "$NS" containers ls -q)" ]
}

# bats test_tags=containerd
@test "a cell with one of two containers down is Degraded; a finished job is not" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	cat >>"$BATS_TEST_TMPDIR/web.yaml" <<-EOF2
	    - id: side
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: sleep
	      args: ["infinity"]
	    - id: once
	      image: $KUKEON_TEST_BUSYBOX_REF
	      command: "true"
	EOF2
	k apply -f "$BATS_TEST_TMPDIR/web.yaml" >/dev/null
	wait_task sp_st_web_once STOPPED
	k refresh >/dev/null
	[ "$(meta web | jq -r .status.state)" = Ready ]
	run -0 k kill container app --cell web "${SCOPE[@]}"
	[ "$(meta web | jq -r .status.state)" = Degraded ]
	run -0 k get cells --realm "$R"
	[[ "${lines[2]}" == web*"$R"*sp*st*Degraded* ]]
	run -0 k get cell web "${SCOPE[@]}" -o yaml
	[[ "$output" == *"  state: Degraded"* ]]
	k start container app --cell web "${SCOPE[@]}" >/dev/null
	[ "$(meta web | jq -r .status.state)" = Ready ]
}

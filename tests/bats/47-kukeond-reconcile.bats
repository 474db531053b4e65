# bats file_tags=kukeond
# The reconcile pass of a real kukeond (on a temp socket, every 300ms): restartPolicy with
# its backoff and retry limit, Degraded, AutoDelete, wind-down, the release of exited tasks. kuke goes
# through the daemon; ctr, ps and the daemon's log are the witnesses.
bats_require_minimum_version 1.5.0
load helpers/cell_suite

setup() {
	require_applet kukeond
	cell_suite_setup rc
	daemon_setup
}

teardown() { cell_suite_teardown; }

# everything through the daemon, cell_scaffold's commands too
k() { kd "$@"; }

# start kukeond, a pass every 300ms; BACKOFF is the first restart delay
daemon() { # [BACKOFF]
	KUKEOND_RESTART_BACKOFF=${1:-} start_kukeond --reconcile-interval 300ms --log-level debug
}

tasks() { ns_tasks; }

# until CMD succeeds, up to SECONDS
until_ok() { # SECONDS CMD...
	local n=$(($1 * 10)) i
	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out: $*" >&2
	grep -v DEBUG "$KD_LOG" >&2
	tasks >&2
	return 1
}

cell() { app_cell "$1" "$3" "$2" "${4:-}"; } # NAME POLICY SCRIPT [EXTRA]

restarts() { [ "$(app "$1" restartCount)" -ge "$2" ]; }
app_is() { [ "$(app "$1" state)" = "$2" ]; }
cell_is() { [ "$(meta "$1" | jq -r .status.state)" = "$2" ]; }
logged() { grep -q "$1" "$KD_LOG"; }

# bats test_tags=containerd
@test "reconcile: on-failure restarts a failing container with a doubling backoff, then gives up at the retry limit" {
	require_containerd
	daemon 200ms
	cell_scaffold
	cell job on-failure "sleep 1; exit 3"
	until_ok 30 logged '"restart limit reached'
	for a in 1:200ms 2:400ms 3:800ms 4:1.600s 5:3.200s; do
		grep -q "\"restarting container\" container=$R/sp/st/job/app policy=on-failure attempt=${a%%:*} backoff=${a#*:}\$" "$KD_LOG"
	done
	[ "$(grep -c '"restarting container"' "$KD_LOG")" = 5 ]
	grep -q "\"restart limit reached, leaving container stopped\" container=$R/sp/st/job/app restarts=5" "$KD_LOG"
	until_ok 5 cell_is job Stopped
	[ "$(app job restartCount)" = 5 ]
	[ "$(app job exitCode)" = 3 ]
	[[ "$(app job restartTime)" == 20* ]]
	# given up: the exited task is released once its exit is recorded
	until_ok 5 eval '[ -z "$(tasks | grep _app)" ]'
	[ -z "$(shims sp_st_job_app)" ]
	run -0 kd get cell job "${SCOPE[@]}" -o json
	[ "$(jq -r '.status.containers[] | select(.name == "app") | "\(.state) \(.exitCode) \(.restartCount)"' <<<"$output")" = "Stopped 3 5" ]
	# and it stays so
	sleep 1
	[ "$(grep -c '"restarting container"' "$KD_LOG")" = 5 ]
	# kuke start container runs it again
	# the workload is down for good: the root was wound down too
	until_ok 5 eval '[ -z "$(tasks)" ]'
	run -1 kd start container app --cell job "${SCOPE[@]}"
	[ "$output" = "kuke: failed to start container app: cell \`job\`: root container \"sp_st_job_root\" has no running task, start the cell first using 'kuke start cell job'" ]
	# kuke start cell runs it again
	run -0 kd start cell job "${SCOPE[@]}"
	run -0 tasks
	[[ "$output" == *"sp_st_job_app RUNNING"* ]]
}

# bats test_tags=containerd
@test "reconcile: never leaves an exited container Stopped with its exit code, and winds the cell down" {
	require_containerd
	daemon 100ms
	cell_scaffold
	cell job never "sleep 1; exit 3"
	until_ok 10 eval '[ -z "$(tasks | grep _app)" ]'
	[ -z "$(shims sp_st_job_app)" ]
	cell_is job Stopped
	app_is job Stopped
	[ "$(app job exitCode)" = 3 ]
	[ "$(app job restartCount)" = 0 ]
	sleep 1
	run -1 logged '"restarting container"'
	[ "$(app job exitCode)" = 3 ]
	# wind-down (reference §3.6 step 5): every workload stopped, so the root is killed and
	# the cell holds no shim, netns or IP; the exits stay in the status
	until_ok 5 eval '[ -z "$(tasks)" ]'
	[ -z "$(shims sp_st_job_)" ]
	logged "\"wind-down: every workload stopped, killing the root\" cell=job realm=$R space=sp stack=st"
	cell_is job Stopped
	[ "$(meta job | jq -r '.status.containers[] | select(.name == "root") | .state')" = Stopped ]
	[ "$(meta job | jq -r '.status.ipAddress // ""')" = "" ]
	[ "$(app job exitCode)" = 3 ]
	[ "$(app job restartCount)" = 0 ]
	# and it is done once: no kill on the next passes
	sleep 1
	[ "$(grep -c '"wind-down:' "$KD_LOG")" = 1 ]
}

# bats test_tags=containerd
@test "reconcile: always restarts a clean exit; the cell is Degraded while it is down" {
	require_containerd
	daemon 1500ms
	cell_scaffold
	cell web always "sleep 1; exit 0" "$(printf '    - id: side\n      image: %s\n      command: sleep\n      args: ["infinity"]' "$KUKEON_TEST_BUSYBOX_REF")"
	until_ok 10 cell_is web Degraded
	app_is web Stopped
	[ "$(app web exitCode)" = 0 ]
	run -0 kd get cells --realm "$R"
	[[ "${lines[2]}" == web*"$R"*sp*st*Degraded* ]]
	until_ok 10 restarts web 2
	grep -q "\"restarting container\" container=$R/sp/st/web/app policy=always attempt=1 backoff=1.500s\$" "$KD_LOG"
	grep -q "\"restarting container\" container=$R/sp/st/web/app policy=always attempt=2 backoff=3s\$" "$KD_LOG"
	[[ "$(app web restartTime)" == 20* ]]
	# kuke stop of the container is not undone by the policy
	kd stop container app --cell web "${SCOPE[@]}" >/dev/null
	n=$(grep -c '"restarting container"' "$KD_LOG")
	sleep 5
	[ "$(grep -c '"restarting container"' "$KD_LOG")" = "$n" ]
	app_is web Stopped
	run -0 tasks
	[ "$output" = "sp_st_web_root RUNNING
sp_st_web_side RUNNING" ]
}

# bats test_tags=containerd
@test "reconcile: AutoDelete removes a cell whose workload exited; a running one stays" {
	require_containerd
	daemon
	cell_scaffold
	AUTO=true cell job "" "sleep 1"
	AUTO=true cell keep "" "sleep infinity"
	[ "$(meta job | jq -r .spec.autoDelete)" = true ]
	until_ok 15 eval '[ ! -e "$RP/data/$R/sp/st/job" ]'
	[ -z "$(hctr -n "$NS" containers ls -q | grep _job_)" ]
	[ ! -e "$CG/$R/sp/st/job" ]
	run -1 kd get cell job "${SCOPE[@]}"
	[ "$output" = "kuke: cell \"job\" not found in realm \"$R\", space \"sp\", stack \"st\"" ]
	# logged when the pass ends, which can be after the cell is gone
	until_ok 10 logged "\"reconcile: auto-deleted\" cell=$R/sp/st/job"
	cell_is keep Ready
	[ -n "$(hctr -n "$NS" containers ls -q | grep _keep_app)" ]
}

# bats test_tags=containerd
@test "reconcile: after a daemon restart the backoff goes on from the container's status" {
	require_containerd
	daemon 300ms
	cell_scaffold
	cell job on-failure "sleep 1; exit 3"
	until_ok 20 restarts job 2
	stop_kukeond
	[ "$KD_RC" = 0 ]
	n=$(app job restartCount)
	daemon 300ms
	until_ok 20 logged '"restarting container"'
	case $n in 2) b=1.200s ;; 3) b=2.400s ;; 4) b=4.800s ;; *) false ;; esac
	grep -q "\"restarting container\" container=$R/sp/st/job/app policy=on-failure attempt=$((n + 1)) backoff=$b\$" "$KD_LOG"
}

# bats test_tags=containerd
@test "reconcile: kuke run -d --rm through the daemon: the cell goes when its workload exits" {
	require_containerd
	daemon
	cell_scaffold
	cat >"$BATS_TEST_TMPDIR/once.yaml" <<-EOF2
	apiVersion: v1beta1
	kind: Cell
	metadata: {name: once}
	spec:
	  id: once
	  realmId: $R
	  spaceId: sp
	  stackId: st
	  containers:
	    - {id: root, root: true, image: $KUKEON_TEST_BUSYBOX_REF, command: sleep, args: ["1"]}
	EOF2
	run -0 kd run -f "$BATS_TEST_TMPDIR/once.yaml" -d --rm
	[ "$(meta once | jq -r .spec.autoDelete)" = true ]
	until_ok 15 eval '[ ! -e "$RP/data/$R/sp/st/once" ]'
	[ -z "$(hctr -n "$NS" containers ls -q | grep _once_)" ]
	run -2 kd --no-daemon run -f "$BATS_TEST_TMPDIR/once.yaml" -d --rm
	[ "$output" = 'kuke: --rm is incompatible with --no-daemon' ]
}

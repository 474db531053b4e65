# bats file_tags=kuke
# kuke refresh: statuses re-derived from containerd, cgroupfs and the conflists, rewritten
# only where they changed; the cell IP in status and in `get cell -o wide`. ctr is the
# witness of what happened behind kukeon's back.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/cell

setup() {
	cell_setup rf
	SCOPE=(--realm "$R" --space sp --stack st)
}

teardown() {
	[ -d "$RP/data/$R" ] || return 0
	# a broken realm metadata file would stop the purge at nothing: put a readable one back
	jq . "$RP/data/$R/metadata.json" >/dev/null 2>&1 ||
		echo "{\"kind\":\"Realm\",\"metadata\":{\"name\":\"$R\"},\"spec\":{\"namespace\":\"$NS\"}}" \
			>"$RP/data/$R/metadata.json"
	cell_teardown
}

cell() { app_cell "$@"; } # NAME SCRIPT

# wait (up to 10s) until the task is STOPPED
wait_stopped() {
	local i
	for i in $(seq 50); do
		hctr -n "$NS" tasks ls | awk -v id="$1" '$1 == id { print $3 }' | grep -qx STOPPED && return 0
		sleep 0.2
	done
	return 1
}

@test "refresh: an empty run path" {
	run -0 k refresh
	[ "$output" = "Refreshed metadata status:
  Realms: 0
  Spaces: 0
  Stacks: 0
  Cells: 0
  Containers: 0

Updated:
  (none)

Errors:
  (none)" ]
	# nothing to observe, nothing written
	[ ! -e "$RP/.kukeon-instance.json" ]
	run -2 k refresh --all
	[ "$output" = 'kuke: refresh: unknown flag `--all`' ]
}

# bats test_tags=containerd
@test "refresh: a populated run path; create records what refresh observes; refresh changes nothing" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	run -0 k refresh
	[ "${lines[0]}" = "Refreshed metadata status:" ]
	[ "${lines[1]}" = "  Realms: 1 ($R)" ]
	[ "${lines[2]}" = "  Spaces: 1 (sp)" ]
	[ "${lines[3]}" = "  Stacks: 1 (st)" ]
	[ "${lines[4]}" = "  Cells: 1 (web)" ]
	[ "${lines[5]}" = "  Containers: 2 ($R/sp/st/web/root, $R/sp/st/web/app)" ]
	# bats drops the blank lines from $lines
	# create recorded what refresh observes: nothing to update
	[ "${lines[6]}" = "Updated:" ]
	[ "${lines[7]}" = "  (none)" ]
	[[ "$output" == *"

Errors:
  (none)" ]]
	[ "$(jq -r '.status.cgroupReady' "$RP/data/$R/metadata.json")" = true ]
	[ "$(jq -r '.status.containerdNamespaceReady' "$RP/data/$R/metadata.json")" = true ]
	[ "$(jq -r '.status.state' "$RP/data/$R/sp/metadata.json")" = Ready ]
	[ "$(meta web | jq -r '.status.state')" = Ready ]
	before=$(md5sum "$RP/data/$R/metadata.json" "$RP/data/$R/sp/st/web/metadata.json")
	run -0 k refresh
	[[ "$output" == *"
Updated:
  (none)

Errors:
  (none)" ]]
	# unchanged statuses are not rewritten (updatedAt kept)
	[ "$(md5sum "$RP/data/$R/metadata.json" "$RP/data/$R/sp/st/web/metadata.json")" = "$before" ]
	# a run path made with another cgroup root: the walk does not start
	KUKEON_CGROUP_ROOT=/elsewhere run -1 k refresh
	[[ "$output" == "kuke: refresh: "*"instance mismatch"* ]]
	[ "${#lines[@]}" = 1 ]
}

# bats test_tags=containerd
@test "refresh: a container that exited shows Stopped with its exit code" {
	require_containerd
	cell_scaffold
	cell job "sleep 1; exit 3"
	wait_stopped sp_st_job_app
	run -0 k refresh
	[[ "$output" == *"Updated:"*"  Cells: 1 (job)"* ]]
	run -0 meta job
	[ "$(jq -r .status.state <<<"$output")" = Stopped ]
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .state' <<<"$output")" = Stopped ]
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .exitCode' <<<"$output")" = 3 ]
	[ "$(jq -r '.status.containers[] | select(.name == "root") | .state' <<<"$output")" = Ready ]
	run -0 k get cells --realm "$R"
	[[ "${lines[2]}" == job*"$R"*sp*st*Stopped* ]]
}

# bats test_tags=containerd
@test "refresh: a task killed behind kukeon's back is seen; Updated lists it; then (none)" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	k refresh >/dev/null
	[ "$(meta web | jq -r .status.state)" = Ready ]
	hctr -n "$NS" tasks kill -s SIGKILL sp_st_web_app
	wait_stopped sp_st_web_app
	run -0 k refresh
	[ "${lines[6]}" = "Updated:" ]
	[ "${lines[7]}" = "  Cells: 1 (web)" ]
	[ "${lines[8]}" = "  Containers: 1 ($R/sp/st/web/app)" ]
	[ "${lines[9]}" = "Errors:" ]
	[ "${lines[10]}" = "  (none)" ]
	run -0 meta web
	[ "$(jq -r .status.state <<<"$output")" = Stopped ]
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .exitCode' <<<"$output")" = 137 ]
	[ "$(jq -r '.status.containers[] | select(.name == "app") | .exitSignal' <<<"$output")" = SIGKILL ]
	run -0 k refresh
	[ "${lines[7]}" = "  (none)" ]
}

# bats test_tags=containerd
@test "cell IP: in status.network.ipAddress, -o wide; gone with the root task after refresh" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	ip=$(jq -r '.result.ips[0].address' "$KUKEON_CNI_CACHE_DIR"/results/* | cut -d/ -f1)
	[[ "$ip" == 10.88.* ]]
	[ "$(meta web | jq -r .status.network.ipAddress)" = "$ip" ]
	run -0 k get cell web "${SCOPE[@]}" -o yaml
	[[ "$output" == *"  network:"*"    ipAddress: $ip"* ]]
	run -0 k get cell web "${SCOPE[@]}" -o json
	[ "$(jq -r .status.network.ipAddress <<<"$output")" = "$ip" ]
	run -0 k get cells --realm "$R" -o wide
	[[ "${lines[0]}" == "NAME"*"STATE"*"CGROUP"*"IP"* ]]
	[[ "${lines[2]}" == web*Ready*"$CGR/$R/sp/st/web"*"$ip"* ]]
	run -0 k get cell web "${SCOPE[@]}" -o wide --show-controllers
	[[ "${lines[0]}" == "NAME"*"IP"*"CONTROLLERS"* ]]
	[[ "${lines[2]}" == web*"$ip"* ]]
	run -1 k get cells -o tall
	[ "$output" = "kuke: invalid output format: tall (supported: yaml, json, table, wide)" ]
	# the root task dies: no more IP
	hctr -n "$NS" tasks kill -s SIGKILL sp_st_web_root
	wait_stopped sp_st_web_root
	k refresh >/dev/null
	[ "$(meta web | jq -r '.status.network.ipAddress // "none"')" = none ]
	run -0 k get cells --realm "$R" -o wide
	[[ "${lines[2]}" == web*"$CGR/$R/sp/st/web  "*"-"* ]]
	# stop clears it too, start brings one back
	k start cell web "${SCOPE[@]}" >/dev/null
	[[ "$(meta web | jq -r .status.network.ipAddress)" == 10.88.* ]]
	k stop cell web "${SCOPE[@]}" >/dev/null
	[ "$(meta web | jq -r '.status.network.ipAddress // "none"')" = none ]
}

# bats test_tags=containerd
@test "refresh: a cell in a broken realm ends up in Errors; its metadata is left alone" {
	require_containerd
	cell_scaffold
	cell web "sleep infinity"
	k refresh >/dev/null
	hctr -n "$NS" tasks kill -s SIGKILL sp_st_web_app
	wait_stopped sp_st_web_app
	echo '{"kind": "Realm", "metadata": ' >"$RP/data/$R/metadata.json"
	before=$(md5sum <"$RP/data/$R/sp/st/web/metadata.json")
	run -0 k refresh
	[ "${lines[1]}" = "  Realms: 1 ($R)" ]
	[ "${lines[4]}" = "  Cells: 1 (web)" ]
	[ "${lines[7]}" = "  (none)" ]
	[ "${lines[8]}" = "Errors:" ]
	[[ "${lines[9]}" == "  failed to refresh realm '$R': $RP/data/$R/metadata.json: invalid JSON"* ]]
	[[ "${lines[10]}" == "  failed to refresh cell 'web' in realm '$R', space 'sp', stack 'st': $RP/data/$R/metadata.json: invalid JSON"* ]]
	[ "${#lines[@]}" = 11 ]
	[ "$(md5sum <"$RP/data/$R/sp/st/web/metadata.json")" = "$before" ]
	[ "$(meta web | jq -r .status.state)" = Ready ]
}

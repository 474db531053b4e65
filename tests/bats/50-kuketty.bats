# bats file_tags=kuketty
# kuketty on the host, without containerd: its command line and configuration errors (64,
# 70, one line each), the workload's exit status, the capture file, and the attach socket
# spoken raw (helpers/ttyclient.py): Ping, State, Attach with SCM_RIGHTS, replay then live
# output, Resize, Detach, Metadata, unknown methods; a stale socket, clients that vanish,
# a flood nobody reads, a huge paste, and no descriptor leaked.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	require_applet kuketty
	D=$BATS_TEST_TMPDIR/tty
	mkdir -p "$D"
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# conf [ARGV_JSON] [EXTRA_SPEC_JSON]: a config running ARGV (default: sh) with everything
# under $D; prints its path
conf() {
	jq -n --arg d "$D" --argjson argv "${1:-[\"/bin/sh\"]}" --argjson extra "${2:-{\}}" '{
		apiVersion: "sbsh/v1beta1", kind: "Terminal", metadata: {name: "t"},
		spec: ({id: "0badc0de", kind: 0, name: "calm_otter", labels: null,
			command: $argv[0], commandArgs: $argv[1:], inheritEnv: true, env: null,
			prompt: "", runPath: $d, captureFile: ($d + "/capture"), logFile: "",
			logLevel: "info", socketIO: ($d + "/socket"), profileName: "", stages: {}} + $extra),
		status: {pid: 0, tty: "", state: 0, attachers: null}}' >"$D/config.json"
	echo "$D/config.json"
}

tc() { python3 "$BATS_TEST_DIRNAME/helpers/ttyclient.py" "$D/socket" "$@"; }

# start kuketty on CONFIG in the background; waits for its socket
start() {
	"$KUKEON_LINKS/kuketty" --config "$1" </dev/null >"$D/out" 2>&1 3>&- &
	KT=$!
	PIDS+=("$KT")
	local i
	for i in $(seq 100); do
		[ -S "$D/socket" ] && return 0
		sleep 0.05
	done
	cat "$D/out" >&2
	return 1
}
nfds() { ls "/proc/$1/fd" | wc -l; }

@test "kuketty: bad command lines exit 64 with one line" {
	run -64 kuketty --bogus
	[ "$output" = 'kuketty: flag provided but not defined: --bogus' ]
	run -64 kuketty --config
	[ "$output" = 'kuketty: flag needs an argument: -config' ]
	run -64 kuketty extra
	[ "$output" = 'kuketty: unexpected positional argument(s): extra' ]
	run -0 kuketty --help
	[[ "$output" == *'--config PATH'* ]]
}

@test "kuketty: a missing or corrupt configuration exits 70 with one line" {
	run -70 kuketty --config "$D/nope.json"
	[ "$output" = "kuketty: read config $D/nope.json: open \`$D/nope.json\`: No such file or directory" ]
	printf '{"apiVersion":' >"$D/bad.json"
	run -70 kuketty --config "$D/bad.json"
	[[ "$output" == "kuketty: config $D/bad.json: "* ]]
	[ "${#lines[@]}" = 1 ]
	jq '.apiVersion = "v1"' "$(conf)" >"$D/v1.json"
	run -70 kuketty --config "$D/v1.json"
	[ "$output" = "kuketty: config $D/v1.json: apiVersion must be \`sbsh/v1beta1\`" ]
	jq '.kind = "Cell"' "$(conf)" >"$D/kind.json"
	run -70 kuketty --config "$D/kind.json"
	[ "$output" = "kuketty: config $D/kind.json: kind must be \`Terminal\`" ]
	jq 'del(.spec.socketIO)' "$(conf)" >"$D/nosock.json"
	run -70 kuketty --config "$D/nosock.json"
	[ "$output" = "kuketty: config $D/nosock.json: spec.socketIO is required" ]
	jq '.spec.socketMode = "rw"' "$(conf)" >"$D/mode.json"
	run -70 kuketty --config "$D/mode.json"
	[ "$output" = "kuketty: config $D/mode.json: spec.socketMode: not a valid number" ]
	[ ! -e "$D/socket" ]
}

@test "kuketty: exits with the workload's status; output lands in the capture with its modes" {
	run -3 kuketty --config "$(conf '["/bin/sh","-c","echo out-$((2*21)); exit 3"]' '{"captureMode":416,"socketMode":432}')"
	[ "$(cat "$D/capture")" = $'out-42\r' ]
	[ "$(stat -c %a "$D/capture")" = 640 ]
	[ ! -e "$D/socket" ]
	[ -f "$D/terminals/0badc0de/metadata.json" ]
	run -137 kuketty --config "$(conf '["/bin/sh","-c","kill -KILL $$"]')"
	run -127 kuketty --config "$(conf '["/nonexistent"]')"
	[[ "$(cat "$D/capture")" == *'kuketty: exec `/nonexistent`: No such file or directory'* ]]
	# the environment: inherited, spec.env, the SBSH_ variables, TERM when unset
	env -u TERM "$KUKEON_LINKS/kuketty" --config "$(conf '["/bin/sh","-c","echo $A $SBSH_TERM_ID $SBSH_TERM_SOCKET $TERM $COLORTERM"]' '{"env":["A=from-spec"]}')"
	[[ "$(cat "$D/capture")" == *"from-spec 0badc0de $D/socket xterm-256color truecolor"* ]]
}

@test "kuketty: the prompt, the onInit scripts and the log file" {
	start "$(conf '["/bin/sh","-i"]' '{"prompt":"PS1X> ","setPrompt":true,"logFile":"'"$D"'/kuketty.log","logFileMode":416,"stages":{"onInit":[{"script":"echo init-$((1+2))"}]}}')"
	for i in $(seq 50); do
		grep -q 'init-3' "$D/capture" && grep -q 'PS1X> ' "$D/capture" && break
		sleep 0.1
	done
	grep -q 'init-3' "$D/capture"
	grep -q 'PS1X> ' "$D/capture"
	grep -q 'level=INFO msg="started `/bin/sh` as pid' "$D/kuketty.log"
	[ "$(stat -c %a "$D/kuketty.log")" = 640 ]
	run -0 tc call Stop '{"Reason":"test"}'
	wait "$KT" || true
	grep -q 'workload exited with status' "$D/kuketty.log"
}

@test "kuketty: the attach socket speaks TerminalController, with the data socket passed" {
	start "$(conf '["/bin/cat"]')"
	# no socketMode in the config: 0600, whatever the umask (as sbsh's terminal runner)
	[ "$(stat -c %a "$D/socket")" = 600 ]
	run -0 tc call Ping '{"Message":"PING"}'
	[ "$output" = '{"id":1,"result":{"Message":"PONG"},"error":null}' ]
	run -0 tc call State '{}'
	[ "$output" = '{"id":1,"result":4,"error":null}' ]
	run -0 tc call Resize '{"Cols":90,"Rows":20}'
	[ "$output" = '{"id":1,"result":{},"error":null}' ]
	run -0 tc call Detach '"nobody"'
	[ "$output" = '{"id":1,"result":null,"error":"client nobody not found among clients"}' ]
	run -0 tc call Bogus '{}'
	[ "$output" = "{\"id\":1,\"result\":null,\"error\":\"rpc: can't find method TerminalController.Bogus\"}" ]
	run -0 tc call Metadata '{}'
	[ "$(jq -r '.result.spec.id, .result.status.state' <<<"$output")" = $'0badc0de\n4' ]
	run -0 tc call Attach '"c1"'
	[ "${lines[0]}" = '{"id":1,"result":{"ok":true},"error":null}' ]
	[ "${lines[1]}" = fd ]
	# live output, then a second client sees it all again (the replay)
	run -0 tc attach c2 1 'first line\n'
	[[ "$output" == *'first line'* ]]
	[[ "${lines[-1]}" == '{"id":1,"result":{},"error":null}' ]]
	run -0 tc attach c3 0.5
	[[ "$output" == *'first line'* ]]
	[[ "$(cat "$D/capture")" == *'first line'* ]]
	# Write takes Go's base64 []byte
	run -0 tc call Write '{"Data":"d3JpdHRlbgo="}'
	[ "$output" = '{"id":1,"result":{},"error":null}' ]
	run -0 tc call Write '{"Data":"!!"}'
	[ "$output" = '{"id":1,"result":null,"error":"Write: illegal base64 data at input byte 2"}' ]
	sleep 0.3
	[[ "$(cat "$D/capture")" == *'written'* ]]
}

@test "kuketty: a stale socket is replaced; vanishing clients, a flood and a huge paste leave it serving, with no descriptor leaked" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$D/socket"
	[ -S "$D/socket" ]
	start "$(conf '["/bin/sh","-c","head -c 30000000 /dev/zero | tr \"\\\\000\" x; echo; echo flood-done; cat >/dev/null"]')"
	run -0 tc call Ping '{"Message":"PING"}'
	for i in $(seq 100); do
		grep -q flood-done "$D/capture" && break
		sleep 0.1
	done
	grep -q flood-done "$D/capture"
	[ "$(stat -c %s "$D/capture")" -gt 30000000 ]
	local before
	before=$(nfds "$KT")
	run -0 tc vanish 50
	sleep 0.5
	[ "$(nfds "$KT")" = "$before" ]
	run -0 tc paste 4000000
	[ "${lines[0]}" = pong ]
	[ "${lines[1]}" = 'sent 4000000' ]
	sleep 0.5
	[ "$(nfds "$KT")" = "$before" ]
	kill -0 "$KT"
	# the memory bound is the release build's: a sanitizer build's shadow memory is not
	# kuketty's (make check-asan)
	if [[ "$KUKEON_BIN" == */kukeon ]]; then
		[ "$(awk '/VmRSS/ { print $2 }' "/proc/$KT/status")" -lt 4096 ]
	fi
}

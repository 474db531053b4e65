# bats file_tags=kukeond
# kukeond runs for months: the sanitizer build under 10k mixed calls (good, bad, garbage,
# creates and deletes) reports no leak at its clean exit, and its RSS stays flat.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/hierarchy
load helpers/daemon

setup() {
	require_applet kukeond
	require_containerd
	daemon_setup
	ASAN_BIN=$BATS_TEST_DIRNAME/../../build/kukeon-asan
	cat >"$BATS_TEST_TMPDIR/mixed.py" <<'PY'
import json, socket, sys
path, calls, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
calls_ = [
    ("KukeonV1.Ping", {}),
    ("KukeonV1.CreateRealm", {"Doc": {"metadata": {"name": "lk"}}}),
    ("KukeonV1.ListRealms", {}),
    ("KukeonV1.GetRealm", {"Doc": {"metadata": {"name": "lk"}}}),
    ("KukeonV1.GetRealm", {"Doc": {"metadata": {"name": "missing"}}}),
    ("KukeonV1.CreateSpace", {"Doc": {"metadata": {"name": "sp"}, "spec": {"realmId": "lk"}}}),
    ("KukeonV1.ListSpaces", {"RealmName": "lk"}),
    ("KukeonV1.GetCell", {"Doc": {"metadata": {"name": "c"}, "spec": {"realmId": "lk"}}}),
    ("KukeonV1.ListCells", {"RealmName": "lk"}),
    ("KukeonV1.ApplyDocuments", {"RawYAML": "a2luZDogU3RhY2sK"}),
    ("KukeonV1.ListImages", {"Realm": "lk"}),
    ("KukeonV1.CreateRealm", {"Doc": {"apiVersion": "v9", "metadata": {"name": "x"}}}),
    ("KukeonV1.Nope", {}),
    ("KukeonV1.DeleteSpace", {"Doc": {"metadata": {"name": "sp"}, "spec": {"realmId": "lk"}}}),
]
done, marks = 0, []
while done < calls:
    s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("r")
    for i in range(min(500, calls - done)):
        m, p = calls_[(done + i) % len(calls_)]
        s.sendall((json.dumps({"method": m, "params": [p], "id": i}) + "\n").encode())
        r = json.loads(f.readline())
        assert r["id"] == i, r
    done += min(500, calls - done)
    if done % 1000 == 0:
        marks.append(rss())
    s.close()
    if done % 2500 == 0:  # garbage and a vanished client now and then
        g = socket.socket(socket.AF_UNIX); g.connect(path); g.sendall(b"garbage{"); g.close()
        g = socket.socket(socket.AF_UNIX); g.connect(path); g.sendall(b'{"method":"KukeonV1.Ping","par'); g.close()
print("rss KiB", marks)
PY
}

teardown() {
	daemon_teardown
}

# bats test_tags=containerd
@test "leaks: the ASan kukeond under 10k mixed calls reports nothing and exits 0" {
	[ -x "$ASAN_BIN" ] || skip_or_fail "no sanitizer build (make build/kukeon-asan)"
	# a small quarantine, so freed memory is reused and a flat RSS means no growth
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=4:thread_local_quarantine_size_kb=64 \
		UBSAN_OPTIONS=print_stacktrace=1 \
		"$ASAN_BIN" kukeond --configuration "$BATS_TEST_TMPDIR/kukeond.yaml" serve \
		--socket "$KD_SOCK" --run-path "$RP" --containerd-socket "$KUKEON_CONTAINERD_SOCKET" \
		--reconcile-interval 200ms </dev/null >"$KD_LOG" 2>&1 3>&- &
	KD_PID=$!
	for i in $(seq 200); do [ -S "$KD_SOCK" ] && break; sleep 0.05; done
	[ -S "$KD_SOCK" ]
	run timeout 600 python3 "$BATS_TEST_TMPDIR/mixed.py" "$KD_SOCK" 10000 "$KD_PID"
	echo "$output"
	[ "$status" = 0 ]
	stop_kukeond
	[ "$KD_RC" = 0 ]
	! grep -E 'LeakSanitizer|AddressSanitizer|runtime error' "$KD_LOG"
}

# bats test_tags=containerd
@test "leaks: the release kukeond's RSS stays flat over 10k mixed calls" {
	start_kukeond
	run timeout 600 python3 "$BATS_TEST_TMPDIR/mixed.py" "$KD_SOCK" 10000 "$KD_PID"
	echo "$output"
	[ "$status" = 0 ]
	# after warm-up: no more than 1 MiB between the 2nd and the last thousand calls
	python3 -c 'import ast, sys; m = ast.literal_eval(sys.argv[1].split(" ", 2)[2]); sys.exit(m[-1] - m[1] > 1024)' "$output"
}

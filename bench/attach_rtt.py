#!/usr/bin/env python3
"""bench/attach_rtt.py N READY QUIT -- CMD...: CMD on a fresh PTY; once READY (a Python
string literal body) has been printed, type one key at a time N times and time how long
its echo takes to come back; then type QUIT. Prints the median round trip in ns, or exits
1 when an echo does not come within 5 s."""
import ast, os, pty, select, signal, sys, time

n = int(sys.argv[1])
ready = ast.literal_eval('"' + sys.argv[2] + '"').encode("latin-1")
quit_ = ast.literal_eval('"' + sys.argv[3] + '"').encode("latin-1")
cmd = sys.argv[5:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
buf = b""


def dbg(*a):
    if os.environ.get("KK_DEBUG"):
        print("attach_rtt:", *a, file=sys.stderr, flush=True)


def read_until(want, timeout):
    global buf
    end = time.time() + timeout
    while want not in buf:
        left = end - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                return False
    buf = buf[buf.index(want) + len(want):]
    return True


signal.alarm(60)  # never hang a benchmark run
if not read_until(ready, 20):
    sys.exit("attach_rtt: never saw %r" % ready)
dbg("ready")
time.sleep(0.3)
times = []
for i in range(n):
    key = bytes([ord("a") + i % 26])
    t0 = time.perf_counter_ns()
    os.write(fd, key)
    if not read_until(key, 5):
        os.kill(pid, 9)
        sys.exit("attach_rtt: no echo for %r after %d keys; got %r" % (key, i, buf[-200:]))
    times.append(time.perf_counter_ns() - t0)
    dbg("key", i)
dbg("quit")
os.write(fd, quit_)
end = time.time() + 3
while time.time() < end:
    p, _ = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        break
    if select.select([fd], [], [], 0.05)[0]:
        try:
            os.read(fd, 65536)
        except OSError:
            pass
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
times.sort()
print(times[len(times) // 2])

#!/usr/bin/env python3
"""ptydrive.py [--rows R] [--cols C] -- CMD ARGS...: run CMD on a fresh pseudo-terminal and
drive it with the script on stdin, one step per line:

  expect TEXT        wait (10 s at most) until TEXT has appeared in the output since the
                     last expect; TEXT is a Python string literal body (\\x1d, \\r ...)
  send TEXT          type TEXT
  resize ROWS COLS   resize the terminal (the kernel sends SIGWINCH to CMD)
  sleep SECONDS
  eof                type ^D
  kill SIG           send signal SIG (TERM, INT, HUP ...) to CMD

At the end wait for CMD to exit. Prints the whole transcript (bytes as received,
undecodable ones escaped), then `tty=cooked` or `tty=raw` (the terminal's mode CMD left),
then `exit=N` (128+signal when killed), and exits 0;
a timed-out expect prints the transcript and exits 99. A real PTY: raw mode, echo and
window sizes are the kernel's."""
import ast, fcntl, os, pty, select, signal, struct, sys, termios, time

args = sys.argv[1:]
rows, cols = 24, 80
while args and args[0] != "--":
    if args[0] == "--rows":
        rows = int(args[1]); args = args[2:]
    elif args[0] == "--cols":
        cols = int(args[1]); args = args[2:]
    else:
        sys.exit("ptydrive: unknown flag " + args[0])
cmd = args[1:]
script = sys.stdin.read().splitlines()

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
out = bytearray()
mark = 0
status = None


def pump(timeout):
    global status
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if data:
            out.extend(data)
            return True
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
    return False


def unescape(s):
    return ast.literal_eval('"' + s.replace('"', '\\"') + '"').encode("latin-1")


def finish(code, msg=None):
    deadline = time.time() + 20
    while status is None and time.time() < deadline:
        pump(0.05)
    while pump(0.05):
        pass
    sys.stdout.write(out.decode("utf-8", "backslashreplace"))
    if msg:
        sys.stdout.write("\nptydrive: " + msg + "\n")
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write("\nexit=timeout\n")
        sys.exit(99)
    lflag = termios.tcgetattr(fd)[3]
    sys.stdout.write("\ntty=%s" % ("cooked" if lflag & termios.ICANON and lflag & termios.ECHO else "raw"))
    n = os.waitstatus_to_exitcode(status)
    sys.stdout.write("\nexit=%d\n" % (n if n >= 0 else 128 - n))
    sys.exit(code)


for line in script:
    if not line.strip():
        continue
    op, _, rest = line.partition(" ")
    if op == "expect":
        want = unescape(rest)
        deadline = time.time() + 10
        while want not in out[mark:]:
            if time.time() > deadline:
                finish(99, "timeout waiting for %r" % want)
            pump(0.05)
        mark = out.index(want, mark) + len(want)
    elif op == "send":
        os.write(fd, unescape(rest))
    elif op == "resize":
        r, c = rest.split()
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
    elif op == "sleep":
        end = time.time() + float(rest)
        while time.time() < end:
            pump(0.05)
    elif op == "eof":
        os.write(fd, b"\x04")
    elif op == "kill":
        os.kill(pid, getattr(signal, "SIG" + rest.strip()))
    else:
        sys.exit("ptydrive: unknown step " + op)
finish(0)

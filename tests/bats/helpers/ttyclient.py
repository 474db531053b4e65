#!/usr/bin/env python3
"""ttyclient.py SOCKET STEP...: a raw TerminalController client (sbsh's attach protocol,
runtime reference §8.4), written the way the Go client talks: one request per connection,
the reply read with a single recvmsg that may carry the data socket (SCM_RIGHTS).

  call METHOD PARAMS_JSON   print the reply line, then `fd` if a descriptor came with it
  attach ID SECONDS [TEXT]  Attach as ID, type TEXT (Python escapes), print what arrives
                            for SECONDS, then Detach
  vanish N                  N times: Attach and drop both sockets without a Detach
  paste BYTES               Attach, send BYTES of 64-byte lines without waiting; meanwhile
                            Ping must answer: prints `pong` and `sent BYTES`
  drain TEXT MARKER         Attach, type TEXT, read until MARKER arrives (60 s at most);
                            prints `bytes N seconds S`, then Detach
"""
import array, ast, json, socket, sys, threading, time

path = sys.argv[1]


def call(method, params, timeout=3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall((json.dumps({"method": "TerminalController." + method, "params": [params], "id": 1}) + "\n").encode())
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
    fds = array.array("i")
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % 4])
    s.close()
    return msg.decode(), list(fds)


def attach(cid):
    msg, fds = call("Attach", cid)
    if not fds:
        sys.exit("no fd: " + msg)
    return socket.socket(fileno=fds[0])


args = sys.argv[2:]
step = args[0]
if step == "call":
    msg, fds = call(args[1], json.loads(args[2]))
    sys.stdout.write(msg)
    if fds:
        print("fd")
elif step == "attach":
    d = attach(args[1])
    if len(args) > 3:
        d.sendall(ast.literal_eval('"' + args[3] + '"').encode("latin-1"))
    d.settimeout(0.1)
    out = bytearray()
    end = time.time() + float(args[2])
    while time.time() < end:
        try:
            b = d.recv(65536)
            if not b:
                break
            out.extend(b)
        except socket.timeout:
            pass
    sys.stdout.write(out.decode("utf-8", "backslashreplace"))
    print()
    print(call("Detach", args[1])[0].strip())
elif step == "vanish":
    for i in range(int(args[1])):
        d = attach("v%d" % i)
        d.close()
    print("ok")
elif step == "paste":
    n = int(args[1])
    d = attach("paste")
    d.settimeout(30)
    done = []

    def send():
        line = b"p" * 63 + b"\n"
        sent = 0
        while sent < n:
            d.sendall(line)
            sent += len(line)
        done.append(sent)

    t = threading.Thread(target=send, daemon=True)
    t.start()
    time.sleep(0.2)
    print(json.loads(call("Ping", {"Message": "PING"})[0])["result"]["Message"].lower())
    t.join(30)
    print("sent %d" % (done[0] if done else -1))
    print(call("Detach", "paste")[0].strip())
elif step == "drain":
    d = attach("drain")
    marker = args[2].encode()
    t0 = time.time()
    d.sendall(ast.literal_eval('"' + args[1] + '"').encode("latin-1"))
    d.settimeout(60)
    n, tail = 0, b""
    while marker not in tail:
        b = d.recv(1 << 20)
        if not b:
            sys.exit("drain: closed before the marker")
        n += len(b)
        tail = (tail + b)[-(len(marker) + 4096):]
    print("bytes %d seconds %.3f" % (n, time.time() - t0))
    print(call("Detach", "drain")[0].strip())
else:
    sys.exit("ttyclient: unknown step " + step)

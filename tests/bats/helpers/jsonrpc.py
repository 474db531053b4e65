#!/usr/bin/env python3
"""tests/bats/helpers/jsonrpc.py - a raw kukeonv1 client, written the way Go's net/rpc
jsonrpc client talks (one JSON object per line, ids from 0), for the kukeond suites.

  jsonrpc.py SOCKET call METHOD [PARAMS_JSON]   one call; prints the reply line
  jsonrpc.py SOCKET raw                        stdin as is; prints every reply line until EOF
  jsonrpc.py SOCKET swarm CLIENTS CALLS        CLIENTS connections x CALLS pipelined-free
                                               ListRealms/Ping calls; prints "ok N" or fails
  jsonrpc.py SOCKET idle N SECONDS             hold N idle connections open for SECONDS
  jsonrpc.py SOCKET big BYTES                  send one request of BYTES; prints "closed" when
                                               the daemon drops the connection
"""
import json
import socket
import sys
import threading
import time


def connect(path):
    # a full accept queue answers EAGAIN on unix sockets: wait and retry, as a client would
    for _ in range(200):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.01)
    raise TimeoutError("connect: accept queue stayed full")


def read_line(f):
    line = f.readline()
    if not line:
        raise EOFError("connection closed")
    return line


def call(path, method, params):
    s = connect(path)
    f = s.makefile("r")
    req = {"method": method, "params": [params], "id": 0}
    s.sendall((json.dumps(req, separators=(",", ":")) + "\n").encode())
    sys.stdout.write(read_line(f))
    s.close()


def raw(path):
    s = connect(path)
    s.sendall(sys.stdin.buffer.read())
    s.shutdown(socket.SHUT_WR)
    sys.stdout.write(s.makefile("r").read())


def swarm(path, clients, calls):
    errors = []

    def worker(n):
        try:
            s = connect(path)
            f = s.makefile("r")
            for i in range(calls):
                m = "KukeonV1.Ping" if i % 2 else "KukeonV1.ListRealms"
                s.sendall((json.dumps({"method": m, "params": [{}], "id": i}) + "\n").encode())
                r = json.loads(read_line(f))
                if r["id"] != i or r["error"] is not None or r["result"]["Err"] is not None:
                    errors.append("client %d call %d: %r" % (n, i, r))
                    return
            s.close()
        except Exception as e:  # noqa: BLE001 - any failure is a test failure
            errors.append("client %d: %s" % (n, e))

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        print("\n".join(errors[:5]))
        sys.exit(1)
    print("ok %d" % (clients * calls))


def idle(path, n, seconds):
    conns = [connect(path) for _ in range(n)]
    print("open %d" % len(conns), flush=True)
    time.sleep(seconds)
    for c in conns:
        c.close()


def big(path, size):
    s = connect(path)
    head = b'{"method":"KukeonV1.ApplyDocuments","params":[{"RawYAML":"'
    chunk = b"A" * 65536
    sent = 0
    try:
        s.sendall(head)
        while sent < size:
            s.sendall(chunk)
            sent += len(chunk)
        s.sendall(b'"}],"id":0}\n')
        s.shutdown(socket.SHUT_WR)
        data = s.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        data = b""
    print("closed" if not data else "answered: %s" % data[:200].decode(errors="replace"))


def main():
    path, verb = sys.argv[1], sys.argv[2]
    if verb == "call":
        call(path, sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
    elif verb == "raw":
        raw(path)
    elif verb == "swarm":
        swarm(path, int(sys.argv[3]), int(sys.argv[4]))
    elif verb == "idle":
        idle(path, int(sys.argv[3]), float(sys.argv[4]))
    elif verb == "big":
        big(path, int(sys.argv[3]))
    else:
        sys.exit("unknown verb " + verb)


if __name__ == "__main__":
    main()

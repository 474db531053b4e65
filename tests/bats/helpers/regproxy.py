#!/usr/bin/env python3
"""tests/bats/helpers/regproxy.py PORT UPSTREAM MODE [LOG] - a proxy in front of a
loopback registry (UPSTREAM = http://127.0.0.1:N) that misbehaves on purpose:

  bearer     Bearer token flow: /v2/ requests need `Authorization: Bearer tok-<user>`,
             else 401 with a challenge whose realm is this proxy's /token; /token wants
             Basic kk:secret (401 otherwise) and answers {"token": ...}
  cut-once   the first blob GET stops after half its bytes (the connection closes)
  cut        every blob GET stops after half of what it was asked for
  corrupt    blob GETs get one byte flipped
  redirect   blob GETs are redirected (307) to /storage/..., served from upstream
  loop       blob GETs redirect to themselves forever
  plain      pass everything through

Each request is logged to LOG as "METHOD PATH RANGE". Test use only."""
import base64
import http.client
import http.server
import sys
import urllib.parse

PORT, UPSTREAM, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOG = sys.argv[4] if len(sys.argv) > 4 else None
UP = urllib.parse.urlparse(UPSTREAM)
state = {"cut": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log(self):
        if LOG:
            with open(LOG, "a") as f:
                f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Range", "-")))

    def send_plain(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.log()
        path = self.path
        if MODE == "bearer":
            if path.startswith("/token"):
                auth = self.headers.get("Authorization", "")
                ok = auth == "Basic " + base64.b64encode(b"kk:secret").decode()
                if not ok:
                    return self.send_plain(401, b'{"details":"bad credentials"}')
                return self.send_plain(200, b'{"token":"tok-kk"}',
                                       [("Content-Type", "application/json")])
            if self.headers.get("Authorization") != "Bearer tok-kk":
                realm = 'Bearer realm="http://127.0.0.1:%d/token",service="kk-registry",' \
                    'scope="repository:x:pull"' % PORT
                return self.send_plain(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                                       [("WWW-Authenticate", realm)])
        is_blob = "/blobs/sha256:" in path
        if path.startswith("/storage/"):
            return self.forward(path[len("/storage"):], is_blob)
        if is_blob and MODE == "loop":
            return self.send_plain(307, b"", [("Location", path)])
        if is_blob and MODE == "redirect":
            return self.send_plain(307, b"", [("Location", "/storage" + path)])
        self.forward(path, is_blob)

    def forward(self, path, is_blob):
        conn = http.client.HTTPConnection(UP.hostname, UP.port)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "authorization", "connection")}
        conn.request(self.command, path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        cut = False
        if is_blob and resp.status in (200, 206) and self.command == "GET":
            if MODE == "corrupt" and body:
                body = bytes([body[0] ^ 0xFF]) + body[1:]
            if MODE == "cut" or (MODE == "cut-once" and state["cut"] == 0):
                state["cut"] += 1
                cut = True
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

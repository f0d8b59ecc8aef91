#!/usr/bin/env python3
"""A loopback proxy in front of a real Prometheus that misbehaves on demand, for fault tests.

    fault-proxy.py PORT UPSTREAM        e.g. 9191 http://127.0.0.1:9090

Control (not forwarded):
    GET /_fault/set?mode=MODE[&seconds=S]   every later request gets MODE until set again
    GET /_fault/stats                       {"mode", "requests", "request_ids", "huge_bytes_sent"}
Modes:
    pass          forwarded unchanged
    delay         forwarded after S seconds
    truncate      Prometheus' answer cut in half, the connection closed (Content-Length says the full size)
    garbage       HTTP 200 with a body that is not JSON
    status-error  HTTP 200 with {"status":"error"} (a confused proxy)
    http-5xx      HTTP 502 with an ingress' HTML page
    warnings      Prometheus' answer with "warnings" added (the data is still good)
    reset         the connection reset (TCP RST) once the request is read
    huge          a valid-looking answer that never ends (200 MiB), sent until the client hangs up
"""
import http.server
import json
import signal
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

port, upstream = int(sys.argv[1]), sys.argv[2].rstrip("/")
# A parent that blocks or ignores SIGTERM (a server under swift-service-lifecycle) passes that on to its children.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
lock = threading.Lock()
state = {"mode": "pass", "seconds": 0.0, "requests": 0, "request_ids": [], "huge_bytes_sent": 0}
HUGE = 200 << 20


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def control(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        with lock:
            if url.path == "/_fault/set":
                state["mode"], state["seconds"] = query.get("mode", "pass"), float(query.get("seconds", "0"))
            answer = {key: state[key] for key in ("mode", "requests", "request_ids", "huge_bytes_sent")}
        self.reply(200, json.dumps(answer).encode())

    def forward(self, body):
        request = urllib.request.Request(upstream + self.path, data=body, method=self.command)
        for name in ("Content-Type", "Accept", "X-Request-ID"):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("Content-Type", "application/json"), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", "application/json"), error.read()

    def handle_any(self):
        if self.path.startswith("/_fault/"):
            return self.control()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command == "POST" else None
        with lock:
            state["requests"] += 1
            state["request_ids"] = (state["request_ids"] + [self.headers.get("X-Request-ID")])[-50:]
            mode, seconds = state["mode"], state["seconds"]
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if mode == "garbage":
            return self.reply(200, b"<html><body>Service temporarily overloaded</body></html>")
        if mode == "status-error":
            return self.reply(200, b'{"status":"error","errorType":"internal","error":"proxy lost its upstream"}')
        if mode == "http-5xx":
            return self.reply(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html")
        if mode == "huge":
            return self.huge()
        if mode == "delay":
            time.sleep(seconds)
        status, content_type, answer = self.forward(body)
        if mode == "truncate":
            try:
                self.reply(status, answer[: len(answer) // 2], content_type, length=len(answer))
            finally:
                self.close_connection = True
            return
        if mode == "warnings" and status == 200:
            document = json.loads(answer)
            document["warnings"] = ["PromQL info: metric might not be a counter, name does not end in _total"]
            answer = json.dumps(document).encode()
        self.reply(status, answer, content_type)

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no Content-Length: the body ends when the connection closes
        chunk = b'{"metric":{"__name__":"gpu_utilization","node":"x"},"value":[1795000000,"1"]},' * 1000
        sent = 0
        try:
            self.wfile.write(b'{"status":"success","data":{"resultType":"vector","result":[')
            while sent < HUGE:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with lock:
            state["huge_bytes_sent"] = sent
        self.close_connection = True

    do_GET = handle_any
    do_POST = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()

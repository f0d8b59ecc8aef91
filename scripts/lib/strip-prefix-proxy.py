#!/usr/bin/env python3
"""A reverse proxy that strips a path prefix, as ks-apiserver's ReverseProxy (stripPathPrefix) does for the console.

  strip-prefix-proxy.py PORT PREFIX UPSTREAM    e.g. 8090 /proxy/ks-edge-gpu http://127.0.0.1:8080
Requests outside PREFIX are 404: the page must only ever ask for URLs under it.
"""
import http.server
import sys
import urllib.error
import urllib.request

port, prefix, upstream = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3].rstrip("/")


class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not (self.path == prefix or self.path.startswith(prefix + "/")):
            self.send_error(404, "outside " + prefix)
            return
        target = upstream + (self.path[len(prefix):] or "/")
        try:
            response = urllib.request.urlopen(urllib.request.Request(target, headers={"Accept": self.headers.get("Accept", "*/*")}), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            self.send_response(response.status)
            for name in ("Content-Type", "Content-Length", "Cache-Control", "ETag", "Last-Modified"):
                if response.headers.get(name):
                    self.send_header(name, response.headers[name])
            self.end_headers()
            # Relayed as it arrives, so an event stream stays live (Go's ReverseProxy flushes text/event-stream too).
            # Without Content-Length the body ends when the connection closes (HTTP/1.0).
            read = getattr(response, "read1", response.read)
            try:
                while chunk := read(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser left: it navigated away or closed its event stream

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()

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
            with urllib.request.urlopen(urllib.request.Request(target, headers={"Accept": self.headers.get("Accept", "*/*")}), timeout=30) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        self.send_response(status)
        for name in ("Content-Type", "ETag", "Last-Modified"):
            if headers.get(name):
                self.send_header(name, headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()

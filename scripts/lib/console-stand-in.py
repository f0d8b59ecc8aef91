#!/usr/bin/env python3
"""Stands in for ks-console and ks-apiserver in front of ks-edge-gpu, as a browser in the console reaches it:

  /proxy/ks-edge-gpu/...                              the ReverseProxy: the prefix stripped, on to ks-edge-gpu
  /proxy-api/clusters/<cluster>/proxy/ks-edge-gpu/... a cluster's ReverseProxy through ks-console's /proxy-api/ and
                                                      ks-apiserver's cluster dispatcher (every cluster is this one here)
  /dist/ks-edge-gpu/index.js                          the JSBundle: ks-edge-gpu's /console/index.js (spec.rawFrom.url)
  /harness/...   files of --harness DIR (a page standing in for the console around the bundle)
  /vendor/...    files of --vendor DIR (React's UMD builds for that page)

  console-stand-in.py PORT UPSTREAM [--harness DIR] [--vendor DIR]    e.g. 8090 http://127.0.0.1:8080
Anything else is 404: the page must only ever ask for URLs under its prefix.
"""
import argparse
import http.server
import mimetypes
import os
import re
import urllib.error
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("upstream")
parser.add_argument("--harness")
parser.add_argument("--vendor")
arguments = parser.parse_args()
upstream = arguments.upstream.rstrip("/")
PROXIED = [re.compile(r"^/proxy/ks-edge-gpu(/.*)?$"), re.compile(r"^/proxy-api/clusters/[^/]+/proxy/ks-edge-gpu(/.*)?$")]
FOLDERS = {"/harness/": arguments.harness, "/vendor/": arguments.vendor}


class StandIn(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        for pattern in PROXIED:
            if match := pattern.match(path):
                return self.relay(upstream + (match.group(1) or "/") + self.path[len(path):])
        if path == "/dist/ks-edge-gpu/index.js":
            return self.relay(upstream + "/console/index.js")
        for prefix, folder in FOLDERS.items():
            if folder and path.startswith(prefix):
                return self.file(folder, path[len(prefix):])
        self.send_error(404, "not a path the console serves here")

    def file(self, folder, name):
        root = os.path.realpath(folder)
        target = os.path.realpath(os.path.join(root, name))
        if not target.startswith(root + os.sep) or not os.path.isfile(target):
            return self.send_error(404)
        with open(target, "rb") as source:
            body = source.read()
        kind = "text/javascript" if target.endswith((".js", ".mjs")) else mimetypes.guess_type(target)[0] or "application/octet-stream"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def relay(self, target):
        try:
            response = urllib.request.urlopen(urllib.request.Request(target, headers={"Accept": self.headers.get("Accept", "*/*")}), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            self.send_response(response.status)
            for name in ("Content-Type", "Content-Length", "Cache-Control", "ETag", "Last-Modified", "Content-Security-Policy"):
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


http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), StandIn).serve_forever()

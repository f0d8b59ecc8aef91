"""Event-stream clients for scripts/soak: COUNT connections to /edge/nodes/<node>/gpu/stream, each on a node picked
from NODES_FILE, read for SECONDS. A stream that ends or fails is counted and opened again. Prints one JSON line:
streams, snapshot events, errors and reconnections.

    python3 stream-clients.py BASE NODES_FILE COUNT SECONDS
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

base, nodes_file, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
nodes = [line.strip() for line in open(nodes_file) if line.strip()]
url = urllib.parse.urlparse(base)
deadline = time.monotonic() + seconds
lock = threading.Lock()
totals = {"streams": count, "events": 0, "errors": 0, "reconnects": 0, "error_kinds": {}}


def add(key, amount=1, kind=None):
    with lock:
        totals[key] += amount
        if kind:
            totals["error_kinds"][kind] = totals["error_kinds"].get(kind, 0) + 1


def client():
    first = True
    while time.monotonic() < deadline:
        if not first:
            add("reconnects")
        first = False
        node = random.choice(nodes)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request("GET", f"/edge/nodes/{node}/gpu/stream", headers={"Accept": "text/event-stream"})
            response = connection.getresponse()
            if response.status != 200:
                add("errors", kind=f"status {response.status}")
                response.read()
                time.sleep(1)
                continue
            while time.monotonic() < deadline:
                line = response.fp.readline()
                if not line:
                    break  # the server ended the stream: reconnect
                if line.startswith(b"event: snapshot"):
                    add("events")
        except (OSError, http.client.HTTPException) as error:
            if time.monotonic() < deadline:
                add("errors", kind=type(error).__name__)
                time.sleep(1)
        finally:
            connection.close()


threads = [threading.Thread(target=client, daemon=True) for _ in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(seconds + 60)
print(json.dumps(totals))

#!/usr/bin/env python3
"""Side-by-side measurements for scripts/bench (standard library only).

  measure.py snapshot SERVER PROMETHEUS NODE SAMPLES WINDOW   cold node snapshot vs what ks-console does today
  measure.py fleet SERVER SAMPLES                      fleet list latency and Prometheus queries per request
  measure.py polled SERVER CLIENTS SECONDS              fleet latency while CLIENTS consoles poll it every 5 s
  measure.py rss PID                                   peak resident memory of a process, in MB

Every measurement interleaves the alternatives in one run on one machine, so the ratios compare like with like.
"""
import concurrent.futures
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

# The families ks-console queries one by one today for a Jetson node.
JETSON_FAMILIES = [
    "gpu_info_board_info", "gpu_info_hardware_info", "gpu_nvpmode_info", "gpu_uptime", "gpu_usage_cpu",
    "gpu_usage_gpu", "gpu_usage_fan", "gpu_temperatures", "gpu_usage_power", "gpu_processes_info",
]

# What the console would ask node-exporter for the same snapshot: its gauges, and the rates of its counters.
# `%s` is the node's selector; the rate window is 4 scrape intervals, as ks-edge-gpu's.
NODE_EXPORTER_QUERIES = [
    'node_memory_MemTotal_bytes{%s}', 'node_memory_MemAvailable_bytes{%s}', 'node_load1{%s}',
    'node_filesystem_size_bytes{%s,mountpoint="/"}', 'node_filesystem_avail_bytes{%s,mountpoint="/"}',
    'node_thermal_zone_temp{%s}', '1 - irate(node_cpu_seconds_total{%s,mode="idle"}[{window}])',
    'sum(irate(node_network_receive_bytes_total{%s,device!="lo"}[{window}]))',
    'sum(irate(node_network_transmit_bytes_total{%s,device!="lo"}[{window}]))',
]
NODE_EXPORTER_FAMILIES = "node_memory_MemTotal_bytes|node_memory_MemAvailable_bytes|node_load1|node_filesystem_size_bytes|node_filesystem_avail_bytes|node_thermal_zone_temp"


class Client:
    """One keep-alive HTTP/1.1 connection, as a browser or the console's backend keeps one."""

    def __init__(self, address):
        host, port = address.split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def get(self, path):
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
        return body


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def prometheus_query(client, query):
    return client.get("/api/v1/query?" + urllib.parse.urlencode({"query": query}))


def snapshot(server, prometheus, node, samples, window):
    ours, batched, sequential = Client(server), Client(prometheus), Client(prometheus)
    # A browser's six connections per host: one keep-alive connection per worker thread.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=6)
    local = threading.local()
    selector = 'instance="%s"' % node
    queries = ['%s{%s}' % (family, selector) for family in JETSON_FAMILIES] \
        + [query.replace("{window}", window) % selector for query in NODE_EXPORTER_QUERIES]

    def on_own_connection(query):
        if not hasattr(local, "client"):
            local.client = Client(prometheus)
        return prometheus_query(local.client, query)

    def per_family_parallel():
        futures = [pool.submit(on_own_connection, query) for query in queries]
        for future in futures:
            future.result()

    def per_family_sequential():
        for query in queries:
            prometheus_query(sequential, query)

    runs = {"ks-edge-gpu": [], "per-family parallel": [], "per-family sequential": [], "one batched query": []}
    for _ in range(3):  # warm connections and Prometheus' own caches for every path alike
        ours.get(f"/edge/nodes/{node}/gpu"); per_family_parallel(); per_family_sequential()
    for _ in range(samples):
        runs["ks-edge-gpu"].append(timed(lambda: ours.get(f"/edge/nodes/{node}/gpu")))
        runs["per-family parallel"].append(timed(per_family_parallel))
        runs["per-family sequential"].append(timed(per_family_sequential))
        runs["one batched query"].append(timed(lambda: prometheus_query(batched, '{__name__=~"gpu_.*|%s",%s}' % (NODE_EXPORTER_FAMILIES, selector))))
    medians = {name: statistics.median(values) * 1000 for name, values in runs.items()}
    print(json.dumps({"medians_ms": medians}))


def queries_total(client):
    for line in client.get("/metrics").decode().splitlines():
        if line.startswith("ks_edge_gpu_prometheus_queries_total"):
            return float(line.split()[-1])
    return 0.0


def fleet(server, samples):
    client = Client(server)
    client.get("/edge/nodes")
    before = queries_total(client)
    latencies, count = [], 0
    for _ in range(samples):
        start = time.perf_counter()
        body = client.get("/edge/nodes")
        latencies.append(time.perf_counter() - start)
        count = json.loads(body)["totalItems"]
    queries = (queries_total(client) - before) / samples
    latencies.sort()
    print(json.dumps({"nodes": count, "p50_ms": statistics.median(latencies) * 1000,
                      "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000, "queries_per_request": queries}))


def polled(server, clients, seconds):
    """Each client polls the fleet every 5 seconds, as ks-console does, starting at a random offset."""
    import random
    latencies, lock = [], threading.Lock()

    def console(offset):
        client = Client(server)
        time.sleep(offset)
        end = time.time() + seconds
        while time.time() < end:
            start = time.perf_counter()
            client.get("/edge/nodes")
            with lock:
                latencies.append(time.perf_counter() - start)
            time.sleep(max(0.0, 5.0 - (time.perf_counter() - start)))

    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(console, random.uniform(0, 5)) for _ in range(clients)]:
            future.result()
    latencies.sort()
    print(json.dumps({"requests": len(latencies), "p50_ms": statistics.median(latencies) * 1000,
                      "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000}))


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    print(json.dumps({"peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024, "rss_mb": int(fields["VmRSS"].split()[0]) / 1024}))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "snapshot":
        snapshot(arguments[0], arguments[1], arguments[2], int(arguments[3]), arguments[4])
    elif command == "fleet":
        fleet(arguments[0], int(arguments[1]))
    elif command == "polled":
        polled(arguments[0], int(arguments[1]), float(arguments[2]))
    elif command == "rss":
        rss(arguments[0])
    else:
        raise SystemExit(__doc__)

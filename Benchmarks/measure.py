#!/usr/bin/env python3
"""Side-by-side measurements for scripts/bench (standard library only).

  measure.py snapshot SERVER PROMETHEUS NODE SAMPLES WINDOW   cold node snapshot vs what ks-console does today (rates
                                                       over WINDOW), and the raw samples over WINDOW, as a scraped node's
  measure.py fleet SERVER SAMPLES                      fleet requests (each view, KubeSphere's too) answered from the index, and
                                                       Prometheus queries per index refresh
  measure.py ranges SERVER SAMPLES                     KubeSphere's node list over the last 5 minutes: a page of named
                                                       nodes (the console's), and a page of every node, against /edge/nodes
  measure.py polled SERVER CLIENTS SECONDS PATH         latency of PATH while CLIENTS consoles poll it every 5 s
  measure.py rules PROMETHEUS RULE_FILE SAMPLES         Prometheus' time for one index refresh: the recorded series
                                                       (one selector) against the aggregation queries they replace
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


class Overloaded(Exception):
    """The backend said 503: too busy to start the query (VictoriaMetrics' queue of concurrent queries is full)."""


class Client:
    """One keep-alive HTTP/1.1 connection, as a browser or the console's backend keeps one."""

    def __init__(self, address):
        host, port = address.split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def get(self, path):
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        if response.status == 503:
            raise Overloaded(f"GET {path[:120]}: HTTP 503: {body[:200]!r}")
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

    runs = {"ks-edge-gpu": [], "per-family parallel": [], "per-family sequential": [], "one batched query": [],
            "one batched range selector": []}
    batched_families = '{__name__=~"gpu_.*|%s",%s}' % (NODE_EXPORTER_FAMILIES, selector)
    for _ in range(3):  # warm connections and Prometheus' own caches for every path alike
        ours.get(f"/edge/nodes/{node}/gpu"); per_family_parallel(); per_family_sequential()
    for _ in range(samples):
        runs["ks-edge-gpu"].append(timed(lambda: ours.get(f"/edge/nodes/{node}/gpu")))
        runs["per-family parallel"].append(timed(per_family_parallel))
        runs["per-family sequential"].append(timed(per_family_sequential))
        runs["one batched query"].append(timed(lambda: prometheus_query(batched, batched_families)))
        # The same selector over the snapshot's window: the raw samples a snapshot is computed from, what the
        # backend's answer to ks-edge-gpu's own query costs at least.
        runs["one batched range selector"].append(timed(lambda: prometheus_query(batched, batched_families + "[%s]" % window)))
    medians = {name: statistics.median(values) * 1000 for name, values in runs.items()}
    print(json.dumps({"medians_ms": medians}))


def metric(client, name):
    """The sum of every sample of `name` (all label sets) in the server's /metrics."""
    total = 0.0
    for line in client.get("/metrics").decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.split()[-1])
    return total


def percentiles(latencies):
    latencies = sorted(latencies)
    return {"p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000}


FLEET_VIEWS = {
    "whole fleet": "/edge/nodes",
    "page's first view": "/edge/nodes?sortBy=node&page=1&limit=20",
    "filtered, sorted page": "/edge/nodes?status=online&exporter=jetson&sortBy=gpuTemperatureCelsius&page=3&limit=50",
    "summary": "/edge/summary",
    "needs attention, by health": "/edge/nodes?health=warning,critical&sortBy=health&page=1&limit=20",
    "problems, worst first": "/edge/problems?severity=warning,critical&page=1&limit=50",
}
# What KubeSphere's console asks of the same fleet in its monitoring envelope, now: a page of its node list (by name,
# and sorted over every node) and the cluster's totals.
KUBESPHERE = "/kapis/gpu.edge.kubesphere.io/v1alpha1"
NODE_LIST = KUBESPHERE + "/nodes/metrics?" + urllib.parse.urlencode(
    {"metrics_filter": "node_gpu_(usage|total|utilization|memory_usage|memory_total|memory_utilization)$", "page": 1, "limit": 10})
FLEET_VIEWS.update({
    "KubeSphere node list, a page": NODE_LIST,
    "KubeSphere node list, sorted page": NODE_LIST + "&sort_metric=node_gpu_utilization&sort_type=desc",
    "KubeSphere cluster totals": KUBESPHERE + "/cluster/metrics?" + urllib.parse.urlencode({"metrics_filter": "cluster_gpu_"}),
})


def fleet(server, samples):
    client = Client(server)
    for path in FLEET_VIEWS.values():
        client.get(path)
    queries, refreshes = metric(client, "ks_edge_gpu_prometheus_queries_total"), metric(client, "ks_edge_gpu_fleet_index_refreshes_total")
    runs = {name: [] for name in FLEET_VIEWS}
    count = 0
    for _ in range(samples):
        for name, path in FLEET_VIEWS.items():
            start = time.perf_counter()
            body = client.get(path)
            runs[name].append(time.perf_counter() - start)
            if name == "whole fleet":
                count = json.loads(body)["totalItems"]
    # Every query in the meantime is a background refresh's (the inventory refresh is off): none is a request's.
    refreshes_after = metric(client, "ks_edge_gpu_fleet_index_refreshes_total")
    queries_after = metric(client, "ks_edge_gpu_prometheus_queries_total")
    refresh_seconds = metric(client, "ks_edge_gpu_fleet_index_refresh_seconds_sum") / max(1, metric(client, "ks_edge_gpu_fleet_index_refresh_seconds_count"))
    print(json.dumps({"nodes": count, "views": {name: percentiles(values) for name, values in runs.items()},
                      "refreshes": refreshes_after - refreshes, "queries": queries_after - queries,
                      "requests": samples * len(FLEET_VIEWS), "mean_refresh_ms": refresh_seconds * 1000}))


def ranges(server, samples):
    """The console's node list over a range asks for the nodes on its page by name; without names every node is asked
    for and paged afterwards. Both go to Prometheus (the server measured has no answer cache); the page of /edge/nodes
    from the fleet index is measured beside them. The last 5 minutes at 30 s steps: a stack the benchmark has just
    started holds that much data (an hour at 10-minute steps would select next to nothing)."""
    client = Client(server)
    page = "/edge/nodes?sortBy=node&page=1&limit=10"
    names = [item["node"] for item in json.loads(client.get(page))["items"]]
    metrics = "node_gpu_(usage|total|utilization|memory_usage|memory_total|memory_utilization)$"

    def node_list(extra):
        end = int(time.time())
        return KUBESPHERE + "/nodes/metrics?" + urllib.parse.urlencode(
            {"metrics_filter": metrics, "start": end - 300, "end": end, "step": "30s", **extra})

    views = {
        "page's first view": lambda: page,
        "KubeSphere node list over 5 minutes, named nodes": lambda: node_list({"resources_filter": "|".join(names)}),
        "KubeSphere node list over 5 minutes, every node paged": lambda: node_list({"page": 1, "limit": 10}),
    }
    runs = {name: [] for name in views}
    # A range past the server's upstream deadline (HTTP 503, every node's range at the largest fleets) is counted, not
    # timed: at those sizes that is the finding.
    unanswered = {name: 0 for name in views}
    for _ in range(samples):
        for name, path in views.items():
            path = path()
            start = time.perf_counter()
            try:
                client.get(path)
            except Overloaded:
                unanswered[name] += 1
                continue
            runs[name].append(time.perf_counter() - start)
    print(json.dumps({"views": {name: percentiles(values) for name, values in runs.items() if values},
                      "unanswered": {name: count for name, count in unanswered.items() if count}}))


def polled(server, clients, seconds, path):
    """Each client polls `path` every 5 seconds, as ks-console does, starting at a random offset."""
    import random
    latencies, lock = [], threading.Lock()

    def console(offset):
        client = Client(server)
        time.sleep(offset)
        end = time.time() + seconds
        while time.time() < end:
            start = time.perf_counter()
            client.get(path)
            with lock:
                latencies.append(time.perf_counter() - start)
            time.sleep(max(0.0, 5.0 - (time.perf_counter() - start)))

    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(console, random.uniform(0, 5)) for _ in range(clients)]:
            future.result()
    print(json.dumps({"requests": len(latencies), **percentiles(latencies)}))


def rules(prometheus, rule_file, samples):
    """The recorded read the index sends with the rules loaded, against the aggregation it sends without them (one
    query per source, each rule's expression tagged and joined with `or`, in parallel), timed side by side."""
    records, by_source, record, expression = [], {}, None, None
    lines = open(rule_file).read().splitlines()
    for index, line in enumerate(lines):
        text = line.strip()
        if text.startswith("- record: "):
            record = text[len("- record: "):]
            records.append(record)
        elif text == "expr: |-":
            expression = lines[index + 1].strip()
        elif text.startswith("exporter: ") and record and expression:
            tagged = 'label_replace(%s, "ks_family", "%s", "", "")' % (expression, record)
            by_source.setdefault(text[len("exporter: "):], []).append(tagged)
            record = expression = None
    read = '{__name__=~"%s"}' % "|".join(sorted(set(records)))
    aggregations = [" or ".join(clauses) for clauses in by_source.values()]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(aggregations))
    local = threading.local()

    def on_own_connection(query):
        if not hasattr(local, "client"):
            local.client = Client(prometheus)
        return prometheus_query(local.client, query)

    def aggregate():
        for future in [pool.submit(on_own_connection, query) for query in aggregations]:
            future.result()

    recorded_client = Client(prometheus)
    series = len(json.loads(prometheus_query(recorded_client, read))["data"]["result"])
    if series == 0:
        raise SystemExit("rules: no recorded series; are the rules loaded?")
    runs = {"recorded": [], "aggregated": []}
    # A backend too busy to start an aggregation (503) is counted, not timed: at the largest fleets that is the finding.
    rejected = 0

    def attempt(name, function):
        nonlocal rejected
        try:
            runs[name].append(timed(function))
        except Overloaded:
            rejected += 1

    for _ in range(2):
        attempt("recorded", lambda: prometheus_query(recorded_client, read)); attempt("aggregated", aggregate)
    runs, rejected = {"recorded": [], "aggregated": []}, 0
    for _ in range(samples):
        attempt("recorded", lambda: prometheus_query(recorded_client, read))
        attempt("aggregated", aggregate)
    print(json.dumps({"recorded_series": series, "queries_aggregated": len(aggregations), "rejected": rejected,
                      "medians_ms": {name: statistics.median(values) * 1000 if values else float("nan") for name, values in runs.items()}}))


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
    elif command == "ranges":
        ranges(arguments[0], int(arguments[1]))
    elif command == "polled":
        polled(arguments[0], int(arguments[1]), float(arguments[2]), arguments[3])
    elif command == "rules":
        rules(arguments[0], arguments[1], int(arguments[2]))
    elif command == "rss":
        rss(arguments[0])
    else:
        raise SystemExit(__doc__)

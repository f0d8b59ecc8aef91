#!/usr/bin/env python3
"""Cumulative figures of the soak's stack at one moment, as one JSON line: scripts/soak takes one after each round and
prints the differences, so a round's latency can be put down to the server, Prometheus or the machine.

  soak-probe.py SERVER_URL PROMETHEUS_URL name=PID...

- cpu_s: CPU seconds (user + system) each named process has used so far, from /proc/PID/stat;
- server: from the server's /metrics, the request-duration sum and count (event streams left out), and the Prometheus calls' time by endpoint;
- prometheus: from Prometheus' own /metrics, its query handlers' time (sum, count), head series and chunks, resident
  memory and Go's garbage-collection time.
"""
import json
import os
import re
import sys
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")
# Label values may hold braces (the server's routes do: http_route="/edge/nodes/{name}/gpu"), so quoted values are
# read whole.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)')


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        # The command name may hold spaces; the fields after its closing parenthesis are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def samples(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            match = SAMPLE.match(line)
            if match:
                yield match.group(1), match.group(2) or "", float(match.group(3))


def main():
    server, prometheus, processes = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {"cpu_s": {}, "server": {}, "prometheus": {}}
    for item in processes:
        name, pid = item.split("=")
        out["cpu_s"][name] = cpu_seconds(pid)
    for name, labels, value in samples(server + "/metrics"):
        # Event streams last the whole round: their time is not a request's latency.
        if name in ("http_server_request_duration_sum", "http_server_request_duration_count") and "stream" not in labels:
            key = name.rsplit("_", 1)[1]
            out["server"]["requests_" + key] = out["server"].get("requests_" + key, 0) + value
        elif name.startswith("ks_edge_gpu_prometheus_query_seconds_") and name[-4:] in ("_sum", "ount"):
            endpoint = re.search(r'endpoint="([^"]*)"', labels).group(1)
            out["server"][f"upstream_{endpoint}_{name.rsplit('_', 1)[1]}"] = value
        elif name == "ks_edge_gpu_sqlite_write_seconds_sum" or name == "ks_edge_gpu_sqlite_write_seconds_count":
            out["server"]["sqlite_write_" + name.rsplit("_", 1)[1]] = value
    for name, labels, value in samples(prometheus + "/metrics"):
        if name in ("prometheus_http_request_duration_seconds_sum", "prometheus_http_request_duration_seconds_count") and \
                re.search(r'handler="/api/v1/query(_range)?"', labels):
            out["prometheus"]["queries_" + name.rsplit("_", 1)[1]] = out["prometheus"].get("queries_" + name.rsplit("_", 1)[1], 0) + value
        elif name in ("prometheus_tsdb_head_series", "prometheus_tsdb_head_chunks", "process_resident_memory_bytes",
                      "go_gc_duration_seconds_sum", "go_gc_duration_seconds_count"):
            out["prometheus"][name] = value
    print(json.dumps(out))


main()

# Shared by scripts/demo and scripts/e2e: start the simulator, a real Prometheus scraping it, and ks-edge-gpu.
# Every process started here is stopped by stack_stop (installed as an EXIT trap by stack_init).

STACK_PIDS=()

# stack_init DIR [--temporary]: state (logs, Prometheus' data, the SQLite file) goes in DIR. A --temporary one is
# removed when the script succeeds, and kept for a look when it fails.
stack_init() {
    STACK_DIR=${1:?state directory}
    STACK_TEMPORARY=0
    [[ "${2:-}" == --temporary ]] && STACK_TEMPORARY=1
    mkdir -p "$STACK_DIR"
    # Every scrape target holds a connection open in the backend and in the simulator, two per node with node-exporter:
    # open files as far as the hard limit allows (VictoriaMetrics stops with "too many open files" past it).
    ulimit -n 262144 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    trap 'stack_exit $?' EXIT
    trap 'exit 130' INT TERM
}

stack_exit() {
    stack_stop
    ((STACK_TEMPORARY)) || return 0
    if (($1 == 0)); then rm -rf "$STACK_DIR"; else echo "state kept in $STACK_DIR" >&2; fi
}

stack_stop() {
    local pid
    for pid in "${STACK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${STACK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    STACK_PIDS=()
}

# A free loopback port from the kernel (or $1 when that one is free).
free_port() {
    python3 - "${1:-0}" <<'PY'
import socket, sys
want = int(sys.argv[1])
for port in ([want] if want else []) + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1]); break
    except OSError:
        continue
    finally:
        s.close()
PY
}

# wait_for URL [SECONDS]: until URL answers 2xx.
wait_for() {
    local url=$1 deadline=$((SECONDS + ${2:-60}))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        ((SECONDS < deadline)) || { echo "timed out waiting for $url" >&2; return 1; }
        sleep 0.5
    done
}

# build: the ks-edge-gpu binary path in $BIN.
stack_build() {
    swift build --product ks-edge-gpu >&2
    BIN="$(swift build --show-bin-path)/ks-edge-gpu"
}

# start_simulator BOARDS PORT [extra simulate args…]
start_simulator() {
    local boards=$1 port=$2
    shift 2
    "$BIN" simulate --boards "$boards" --port "$port" --nodes-per-target "${NODES_PER_TARGET:-1}" "$@" >"$STACK_DIR/simulate.log" 2>&1 &
    STACK_PIDS+=($!)
    SIMULATOR_PID=$!
    wait_for "http://127.0.0.1:$port/targets" 60
}

# start_pushgateway PORT: a real Pushgateway (Debian prometheus-pushgateway) for nodes that push. In memory only:
# Debian's build persists to /var/lib/prometheus by default, which would mix groups of separate runs.
start_pushgateway() {
    local port=$1
    prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file= --log.level=warn >"$STACK_DIR/pushgateway.log" 2>&1 &
    STACK_PIDS+=($!)
    PUSHGATEWAY_PID=$!
    wait_for "http://127.0.0.1:$port/-/ready" 60
}

# start_prometheus PORT SIMULATOR_PORT SCRAPE_INTERVAL [PUSHGATEWAY_PORT]
# Loads the fleet's recording rules (deploy/prometheus/ks-edge-gpu.rules.yml), evaluated once per scrape interval,
# unless RECORDING_RULES=0, and the dcgm-compatible rules (deploy/prometheus/dcgm-compat.rules.yml: the Jetson and
# nvidia-smi boards under dcgm-exporter's names, as KubeSphere's console and Grafana read them) unless
# DCGM_COMPAT_RULES=0. BACKEND=victoria-metrics runs VictoriaMetrics (single-node, scraping the same config) in
# Prometheus' place, with vmalert evaluating the rules.
start_prometheus() {
    local port=$1 simulator_port=$2 interval=$3 pushgateway_port=${4:-}
    cat >"$STACK_DIR/prometheus.yml" <<YAML
global:
  scrape_interval: $interval
  scrape_timeout: $interval
  evaluation_interval: $interval
YAML
    local rules=()
    [[ "${RECORDING_RULES:-1}" != 0 ]] && rules+=("$PWD/deploy/prometheus/ks-edge-gpu.rules.yml")
    [[ "${DCGM_COMPAT_RULES:-1}" != 0 ]] && rules+=("$PWD/deploy/prometheus/dcgm-compat.rules.yml")
    if ((${#rules[@]})); then
        printf 'rule_files:\n' >>"$STACK_DIR/prometheus.yml"
        printf '  - %s\n' "${rules[@]}" >>"$STACK_DIR/prometheus.yml"
    fi
    cat >>"$STACK_DIR/prometheus.yml" <<YAML
scrape_configs:
  # As the exporters' ServiceMonitors do: instance = the Kubernetes node name (node-exporter targets set their own job).
  - job_name: jetson-exporter
    http_sd_configs:
      - url: http://127.0.0.1:$simulator_port/targets
        refresh_interval: 5s
YAML
    if [[ "${PROCESS_LABELS:-kept}" == bounded ]]; then
        # deploy/exporter-bounded's metric relabelings, as Prometheus' own configuration names them.
        python3 - deploy/exporter-bounded/process-labels.yaml >>"$STACK_DIR/prometheus.yml" <<'PY'
import re, sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))[0]["value"]
snake = [{re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), key): value for key, value in rule.items()} for rule in rules]
print("\n".join("    " + line for line in yaml.safe_dump({"metric_relabel_configs": snake}).splitlines()))
PY
    fi
    if (("${NODES_PER_TARGET:-1}" > 1)); then
        # simulate --nodes-per-target serves the boards in racks, each sample naming its node: honor_labels keeps them.
        cat >>"$STACK_DIR/prometheus.yml" <<YAML
  - job_name: racks
    honor_labels: true
    http_sd_configs:
      - url: http://127.0.0.1:$simulator_port/rack-targets
        refresh_interval: 5s
YAML
    fi
    if [[ -n "$pushgateway_port" ]]; then
        # honor_labels keeps the pushed grouping key (job, instance = node name) on the series.
        cat >>"$STACK_DIR/prometheus.yml" <<YAML
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$pushgateway_port"]
YAML
    fi
    if [[ "${BACKEND:-prometheus}" == victoria-metrics ]]; then
        # Instant queries see the newest samples (the default hides the last 30 s); targets re-read as Prometheus does.
        victoria-metrics -promscrape.config="$STACK_DIR/prometheus.yml" -promscrape.config.strictParse=false \
            -promscrape.httpSDCheckInterval=5s -storageDataPath="$STACK_DIR/prometheus-data" \
            -httpListenAddr="127.0.0.1:$port" -search.latencyOffset=0s -loggerLevel=ERROR >"$STACK_DIR/prometheus.log" 2>&1 &
    else
        prometheus --config.file="$STACK_DIR/prometheus.yml" --storage.tsdb.path="$STACK_DIR/prometheus-data" \
            --web.listen-address="127.0.0.1:$port" --log.level=warn >"$STACK_DIR/prometheus.log" 2>&1 &
    fi
    STACK_PIDS+=($!)
    PROMETHEUS_PID=$!
    wait_for "http://127.0.0.1:$port/-/ready" 60
    if [[ "${BACKEND:-prometheus}" == victoria-metrics ]] && ((${#rules[@]})); then
        vmalert "${rules[@]/#/-rule=}" -datasource.url="http://127.0.0.1:$port" \
            -remoteWrite.url="http://127.0.0.1:$port" -evaluationInterval="$interval" -remoteWrite.flushInterval=1s \
            -httpListenAddr="127.0.0.1:$(free_port)" -loggerLevel=ERROR >"$STACK_DIR/vmalert.log" 2>&1 &
        STACK_PIDS+=($!)
    fi
}

# start_serve PORT PROMETHEUS_PORT SCRAPE_INTERVAL [extra serve args…]
start_serve() {
    local port=$1 prometheus_port=$2 interval=$3
    shift 3
    "$BIN" serve --host 127.0.0.1 --port "$port" --prometheus-url "http://127.0.0.1:$prometheus_port" \
        --database "$STACK_DIR/ks-edge-gpu.sqlite" --scrape-interval "$interval" "$@" >"$STACK_DIR/serve.log" 2>&1 &
    STACK_PIDS+=($!)
    SERVE_PID=$!
    wait_for "http://127.0.0.1:$port/ready" 60
}

# wait_for_nodes PROMETHEUS_PORT COUNT [SECONDS]: until Prometheus has scraped COUNT GPU exporter targets (one per
# scraped node) successfully; node-exporter and Pushgateway targets are not counted.
wait_for_nodes() {
    local deadline=$((SECONDS + ${3:-60}))
    local query='count(up{job!~"node-exporter|pushgateway"}==1)'
    # In racks (NODES_PER_TARGET): the nodes whose GPU exporter's heartbeat Prometheus holds, a target holding several.
    (("${NODES_PER_TARGET:-1}" > 1)) && query='count(count by (instance) ({__name__=~"gpu_usage_gpu|DCGM_FI_DEV_GPU_TEMP|nvidia_smi_temperature_gpu",ks_edge_gpu_source=""}))'
    until curl -fsS -G "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$query" 2>/dev/null | grep -q "\"$2\"\]"; do
        ((SECONDS < deadline)) || { echo "Prometheus did not scrape $2 nodes in ${3:-60}s" >&2; return 1; }
        sleep 0.5
    done
}

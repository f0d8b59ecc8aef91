"""The KubeSphere extension package (deploy/extension) from the kustomize trees, which stay the source.

make:   charts/<chart>/templates/*.yaml and values.yaml from `kubectl kustomize deploy/kubesphere` and
        `kubectl kustomize deploy/prometheus`, with the settings a cluster admin changes turned into `{{ .Values.<key> }}`
        and the extension's namespace into `{{ .Release.Namespace }}`. The console's JSBundle goes to the frontend
        chart (tagged extension: the host cluster), everything else to the backend chart (tagged agent: every cluster).
render: every chart of the package with the default values, by that substitution alone (Helm cannot be installed on
        these machines, so the templates use no other template action but `{{ "{{" }}` and `{{ "}}" }}`, which write
        Prometheus' own template braces in the alerts), as one YAML stream per chart.
"""
import copy, glob, os, re, subprocess, sys
import yaml

PACKAGE = "deploy/extension"
NAMESPACE = "extension-ks-edge-gpu"
HEADER = ("# Made by scripts/make-extension from `kubectl kustomize {source}`: edit deploy/ there and run it again\n"
          "# (scripts/check-deploy fails when this copy is not current).\n")

# The settings of values.yaml's backend section: key, where kustomize's output holds it, and what it is.
SETTINGS = [
    ("image", ("StatefulSet", ["spec", "template", "spec", "containers", 0, "image"]), "the ks-edge-gpu image"),
    ("replicas", ("StatefulSet", ["spec", "replicas"]), "replicas, each with its own SQLite file"),
    ("authMode", ("ConfigMap", ["data", "AUTH_MODE"]), "who may read the data: kubesphere (users' tokens), token or none"),
    ("prometheusURL", ("ConfigMap", ["data", "PROMETHEUS_URL"]), "KubeSphere's Prometheus in the cluster"),
    ("scrapeInterval", ("ConfigMap", ["data", "SCRAPE_INTERVAL"]), "the exporters' ServiceMonitor interval"),
    ("nodeExporterNodeLabel", ("ConfigMap", ["data", "NODE_EXPORTER_NODE_LABEL"]), "the label naming the node on node-exporter's series"),
    ("pushInterval", ("ConfigMap", ["data", "PUSH_INTERVAL"]), "how often Pushgateway-fed nodes push"),
]
SENTINEL = "@@{}@@"


def kustomize(directory):
    text = subprocess.run(["kubectl", "kustomize", directory], check=True, capture_output=True, text=True).stdout
    return [document for document in yaml.safe_load_all(text) if document]


def package_objects():
    """What the package's charts must render to, together: the KubeSphere overlay (the namespace is the release's,
    created by the installer) and the recording rules."""
    return [d for d in kustomize("deploy/kubesphere") if d["kind"] != "Namespace"] + kustomize("deploy/prometheus")


def chart_of(document):
    """The console's bundle is the host's alone; the server and what serves it go to every cluster."""
    return "frontend" if document["kind"] == "JSBundle" else "backend"


CHARTS = ("backend", "frontend")


def substitute_namespace(value):
    if isinstance(value, dict):
        return {key: substitute_namespace(item) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute_namespace(item) for item in value]
    if isinstance(value, str):
        return value.replace(NAMESPACE, SENTINEL.format("namespace"))
    return value


def make(root):
    documents = package_objects()
    defaults = {}
    templates = {}
    for document in documents:
        document = copy.deepcopy(document)
        for key, (kind, path), _ in SETTINGS:
            if document["kind"] != kind:
                continue
            parent = document
            for step in path[:-1]:
                parent = parent[step]
            defaults[key] = parent[path[-1]]
            parent[path[-1]] = SENTINEL.format(key)
        document = substitute_namespace(document)
        text = yaml.safe_dump(document, sort_keys=True, default_flow_style=False, width=1 << 20)
        # Prometheus' own templates ({{ $labels.node }} in alerts) are text to Helm: written as string actions.
        text = re.sub(r"\{\{|\}\}", lambda m: '{{ "' + m.group(0) + '" }}', text)
        text = re.sub(r"'?@@namespace@@'?", lambda m: "{{ .Release.Namespace }}", text)
        text = re.sub(r"'?@@(\w+)@@'?", lambda m: "{{ .Values." + m.group(1) + " }}", text)
        source = "deploy/prometheus" if document["kind"] == "PrometheusRule" else "deploy/kubesphere"
        name = f"charts/{chart_of(document)}/templates/{document['kind'].lower()}-{document['metadata']['name']}.yaml"
        templates[name] = HEADER.format(source=source) + text
    missing = [key for key, _, _ in SETTINGS if key not in defaults]
    if missing:
        sys.exit(f"make-extension: kustomize's output has no {missing}")
    values = ["# The extension's settings. Made by scripts/make-extension from deploy/kubesphere's defaults: change them",
              "# at installation (the Marketplace's configuration, or an InstallPlan's spec.config).", "backend:"]
    for key, _, help in SETTINGS:
        values.append(f"  # {help[0].upper() + help[1:]}.")
        values.append(f"  {key}: {yaml.safe_dump(defaults[key], default_style=None).splitlines()[0]}")
    for chart in CHARTS:
        for stale in glob.glob(os.path.join(root, f"charts/{chart}/templates/*.yaml")):
            os.remove(stale)
    files = dict(templates)
    files["values.yaml"] = "\n".join(values) + "\n"
    for path, text in files.items():
        target = os.path.join(root, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as out:
            out.write(text)
    return sorted(files)


def render(chart, values):
    """The chart's templates with `values` (its section of values.yaml) and the default namespace, as documents."""
    documents = []
    for path in sorted(glob.glob(os.path.join(PACKAGE, "charts", chart, "templates", "*.yaml"))):
        text = open(path).read()
        text = text.replace("{{ .Release.Namespace }}", NAMESPACE)

        def value(match):
            if match.group(1) not in values:
                raise KeyError(f"{path}: no value {match.group(1)} in values.yaml")
            return yaml.safe_dump(values[match.group(1)], default_style=None).splitlines()[0]
        text = re.sub(r"\{\{ \.Values\.(\w+) \}\}", value, text)
        text = re.sub(r'\{\{ "(\{\{|\}\})" \}\}', lambda m: "\x00" + m.group(1) + "\x00", text)
        if "{{" in text.replace("\x00{{\x00", "").replace("\x00}}\x00", ""):
            raise ValueError(f"{path}: a template action other than .Values.<key> or .Release.Namespace")
        documents += [d for d in yaml.safe_load_all(text.replace("\x00", "")) if d]
    return documents


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "make":
        for path in make(PACKAGE):
            print(f"make-extension: wrote {PACKAGE}/{path}")
    elif command == "render":
        values = yaml.safe_load(open(os.path.join(PACKAGE, "values.yaml")))
        print(yaml.safe_dump_all(render(sys.argv[2], values.get(sys.argv[2]) or {}), sort_keys=True))

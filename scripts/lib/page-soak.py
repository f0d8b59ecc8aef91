"""The operator page left open, as an operator leaves it on a wall screen: one Chromium tab on the fleet view paging
through the fleet, one on a node's live view (event stream, charts redrawn every minute). Every SAMPLE seconds each
tab's JavaScript heap after a forced garbage collection, its DOM nodes and event listeners, and the server's resident
memory. Prints one JSON object: the samples and the growth from the start to the end.

    page-soak.py BASE_URL SERVER_PID NODE MINUTES SAMPLE_SECONDS
"""
import json
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

base, server_pid, node, minutes, sample_seconds = sys.argv[1].rstrip("/") + "/", int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver


def page_memory(driver):
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    heap = driver.execute_cdp_cmd("Runtime.getHeapUsage", {})
    counters = driver.execute_cdp_cmd("Memory.getDOMCounters", {})
    return {"heap_kb": round(heap["usedSize"] / 1024), "dom_nodes": counters["nodes"], "listeners": counters["jsEventListeners"]}


def server_rss_mb():
    with open(f"/proc/{server_pid}/status") as status:
        return round(next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024, 1)


fleet, live = browser(), browser()
samples, errors, pages_seen = [], [], set()
try:
    fleet.get(base + "#/")
    live.get(base + f"#/nodes/{node}?range=1h")
    time.sleep(min(10, sample_seconds))
    total_pages = fleet.execute_script("const m = (document.querySelector('.pages') || {}).textContent?.match(/of (\\d+)/); return m ? +m[1] : 1")
    start = time.time()
    index = 0
    while True:
        # The fleet tab visits the next page, as an operator browsing does, and comes back to the first, so every
        # sample is taken on the same view; the node tab stays live.
        page = index % max(1, total_pages) + 1
        fleet.execute_script("location.hash = arguments[0]", f"#/?page={page}")
        time.sleep(2)
        pages_seen.add(fleet.execute_script("return (document.querySelector('.pages') || {}).textContent || ''"))
        fleet.execute_script("location.hash = '#/'")
        time.sleep(2)
        samples.append({"minute": round((time.time() - start) / 60, 2), "fleet": page_memory(fleet), "node": page_memory(live),
                        "live": live.execute_script("const b = document.querySelector('.live'); return b ? b.dataset.live : null"),
                        "server_rss_mb": server_rss_mb()})
        index += 1
        if time.time() - start >= minutes * 60:
            break
        time.sleep(max(0, sample_seconds - 4))
    for name, driver in (("fleet", fleet), ("node", live)):
        errors += [f"{name}: {entry['message']}" for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
finally:
    fleet.quit()
    live.quit()


def growth(path):
    """End over start: the median of the last quarter of samples over that of the first quarter (after the first)."""
    values = [path(sample) for sample in samples[1:]] or [path(samples[0])]
    quarter = max(1, len(values) // 4)
    first, last = statistics.median(values[:quarter]), statistics.median(values[-quarter:])
    return {"start": first, "end": last, "ratio": round(last / first, 3) if first else None}


print(json.dumps({
    "minutes": minutes, "samples": samples, "fleet_pages": total_pages, "fleet_pages_visited": len(pages_seen), "errors": errors[:10],
    "stream_live_throughout": all(sample["live"] == "stream" for sample in samples[1:]),
    "growth": {
        "fleet heap (KB)": growth(lambda s: s["fleet"]["heap_kb"]), "fleet DOM nodes": growth(lambda s: s["fleet"]["dom_nodes"]),
        "fleet listeners": growth(lambda s: s["fleet"]["listeners"]),
        "node heap (KB)": growth(lambda s: s["node"]["heap_kb"]), "node DOM nodes": growth(lambda s: s["node"]["dom_nodes"]),
        "node listeners": growth(lambda s: s["node"]["listeners"]),
        "server RSS (MB)": growth(lambda s: s["server_rss_mb"]),
    },
}))

"""ks-edge-gpu inside the KubeSphere console, in a real browser (Chromium through chromedriver, Selenium): a page standing
in for the console (Tests/Console/harness.html) loads the extension's bundle from /dist/ks-edge-gpu/index.js with React
and a stub router, and renders its routes; the operator page opens in the bundle's frame through the prefix-stripping
stand-in for ks-console and ks-apiserver (scripts/lib/console-stand-in.py), for one cluster and for a member of several,
in English and in Chinese. In Chinese no English may be left but the data and the words Tests/Console/latin-in-chinese.json
lists. Prints one line per check; exits 1 on any failure.

    console-test.py STAND_IN_URL API_URL --nodes NODE…
"""
import argparse
import json
import re
import sys
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("stand_in")
parser.add_argument("api")
parser.add_argument("--nodes", nargs="+", required=True, help="nodes whose view is read in Chinese; the first is opened from the fleet")
parser.add_argument("--without-node-exporter", help="a node without node-exporter, whose Host card must name the source")
arguments = parser.parse_args()
stand_in, api = arguments.stand_in.rstrip("/"), arguments.api.rstrip("/")
passed = failed = 0
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
with open("Tests/Console/latin-in-chinese.json") as listed:
    ALLOWED = set(json.load(listed)["words"])


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   console: {name}")
    else:
        failed += 1
        print(f"FAIL console: {name} {detail}")


def get(path):
    with urllib.request.urlopen(api + path) as answer:
        return json.load(answer)


def data_words(value):
    """Every word of every string in an API answer: names, models, sensors, rails, labels (keys are not shown)."""
    if isinstance(value, str):
        return set(WORD.findall(value))
    if isinstance(value, dict):
        return set().union(*(data_words(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(data_words(item) for item in value)) if value else set()
    return set()


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(condition, seconds=20):
    try:
        return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition(d))
    except TimeoutException:
        return None


def harness(query, route):
    driver.switch_to.default_content()
    driver.get(f"{stand_in}/harness/harness.html?{query}#{route}")
    return wait(lambda d: d.execute_script("return window.harness && window.harness.ready && document.querySelector('iframe') ? true : null"))


def frame_src():
    driver.switch_to.default_content()
    return driver.execute_script("const f = document.querySelector('iframe'); return f && f.getAttribute('src')")


def in_frame(script, *args):
    """`script` run inside the bundle's frame (the operator page)."""
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element(By.TAG_NAME, "iframe"))
    try:
        return driver.execute_script(script, *args)
    finally:
        driver.switch_to.default_content()


ROWS = "return [...document.querySelectorAll('#fleet-view tbody tr[data-node]')].map(r => r.dataset.node)"
NODE_SHOWN = "const v = document.querySelector('#node-view'); return v && !v.hidden && v.querySelector('h2') ? v.querySelector('h2').textContent : null"
# Everything a reader sees or hears: the visible text, the titles, labels and placeholders, every option of a choice.
PAGE_TEXT = """return [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[title], [aria-label], [placeholder]')].flatMap(e => ['title', 'aria-label', 'placeholder'].map(a => e.getAttribute(a) || '')),
  ...[...document.querySelectorAll('option')].map(o => o.textContent)].join('\\n')"""


def english_left(text, data):
    return sorted({word for word in WORD.findall(text) if word not in ALLOWED and word not in data})


try:
    fleet = get("/edge/nodes?limit=20")
    # One cluster, English: the fleet in the frame at /proxy/ks-edge-gpu/.
    check("the harness loads the bundle from /dist/ks-edge-gpu/index.js and renders the fleet route", harness("lang=en", "/clusters/host/edge-gpus") is not None)
    menus = driver.execute_script("return window.harness.menus")
    check("the menu entry is under the cluster, linked to the route", menus and menus[0]["parent"] == "cluster" and menus[0]["name"] == "edge-gpus", f"{menus}")
    check("one cluster: the frame opens /proxy/ks-edge-gpu/ in English", frame_src() == "/proxy/ks-edge-gpu/?lang=en#/", frame_src())
    shown = wait(lambda d: in_frame(ROWS) or None)
    check("one cluster: the fleet shows through the prefix-stripping proxy, rows as /edge/nodes", shown == [i["node"] for i in fleet["items"]], f"{shown}")
    first = arguments.nodes[0]
    in_frame("document.querySelector(`#fleet-view a[href='#/nodes/${arguments[0]}']`).click()", first)
    check("a row opens the node in the frame", wait(lambda d: first in (in_frame(NODE_SHOWN) or "")) is not None)
    followed = wait(lambda d: d.execute_script("return location.hash") == f"#/clusters/host/edge-gpus/{first}" or None)
    check("... and the console's URL follows it (replaced, not pushed)", followed is not None and
          driver.execute_script("return window.harness.navigations") == [f"/clusters/host/edge-gpus/{first}"],
          f"{driver.execute_script('return [location.hash, window.harness.navigations]')}")
    in_frame("window.stayed = true")  # gone if the frame reloads
    driver.execute_script("location.hash = '#/clusters/host/edge-gpus'")
    check("the console's URL back on the fleet: the frame shows the fleet, without reloading",
          wait(lambda d: in_frame("return document.querySelector('#fleet-view').hidden ? null : true")) is not None
          and in_frame("return window.stayed === true") and in_frame("return location.hash") == "#/", in_frame("return location.href"))
    if arguments.without_node_exporter:
        harness("lang=en", f"/clusters/host/edge-gpus/{arguments.without_node_exporter}")
        host = wait(lambda d: in_frame("const h = document.querySelector('#node-view .host .source-note'); return h ? h.textContent : null"))
        check("a node without node-exporter names the source of its missing host facts", host == "RAM, disk and network come from node-exporter, which does not run on this node.", f"{host}")
        board = in_frame("return [...document.querySelectorAll('#node-view .board dt')].map(d => d.textContent)")
        check("... and lists only the board rows its exporter reports", "Driver" not in board and "JetPack" in board, f"{board}")

    # Several clusters, Chinese: a member cluster's page through ks-apiserver's dispatcher, with no English left.
    data = data_words(fleet) | data_words(get("/edge/summary"))
    harness("lang=zh&clusters=multi", "/clusters/edge-site-1/edge-gpus")
    check("several clusters: the frame opens the member's page in Chinese", frame_src() == "/proxy-api/clusters/edge-site-1/proxy/ks-edge-gpu/?lang=zh#/", frame_src())
    check("several clusters: the fleet shows through the member's path", wait(lambda d: in_frame(ROWS) or None) is not None)
    wait(lambda d: in_frame("return document.querySelector('#summary dd') ? true : null"))
    check("the page says it is in Chinese", in_frame("return document.documentElement.lang") == "zh-CN")
    left = english_left(in_frame(PAGE_TEXT), data)
    check("in Chinese, the fleet has no English left", not left, f"{left}")
    for node in arguments.nodes:
        harness("lang=zh&clusters=multi", f"/clusters/edge-site-1/edge-gpus/{node}")
        wait(lambda d: in_frame("return document.querySelectorAll('#node-view figure.chart').length >= 6 && document.querySelector('#node-view .board dt') ? true : null"), 30)
        words = data | data_words(get(f"/edge/nodes/{node}/gpu")) | data_words(get(f"/edge/nodes/{node}/events")) \
            | data_words(get(f"/edge/nodes/{node}/gpu/history?metrics=gpu_utilization,board_temperature,board_power,cpu_utilization,memory_utilization,network"))
        left = english_left(in_frame(PAGE_TEXT), words)
        check(f"in Chinese, {node}'s view has no English left", not left, f"{left}")
    observed = in_frame("const o = document.querySelector('#node-view .observed'); return [o.textContent, new Date(o.dataset.observedAt).toLocaleString('zh-CN')]")
    check("in Chinese, times are written the Chinese way", observed[1] in observed[0] and "采集于" in observed[0], f"{observed}")

    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
    check("no script errors and no Content-Security-Policy violation, in the console or the frame", not errors, "; ".join(errors)[:400])
finally:
    driver.quit()

print(f"console: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

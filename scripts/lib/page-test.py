"""The operator page in a real browser (Chromium through chromedriver, Selenium): the fleet view driven by the server
with its state in the URL, the node view with live updates and history charts, the page under the console's path
prefix, phone width, and no Content-Security-Policy violation. Prints one line per check; exits 1 on any failure.

    page-test.py BASE_URL --prefixed URL --scrape-interval SECONDS --gap-node NODE
    page-test.py --outage BASE_URL [--server-pid PID]
        while Prometheus is down: the banner says the data is stale and how old; with --server-pid, the server is then
        stopped (SIGTERM) and the banner must say it cannot be reached
"""
import argparse
import json
import os
import signal
import statistics
import sys
import time
import urllib.request
from datetime import datetime

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("--outage", action="store_true")
parser.add_argument("--server-pid", type=int)
parser.add_argument("--prefixed")
parser.add_argument("--scrape-interval", type=float, default=1)
parser.add_argument("--gap-node", help="a node whose link was down for a while after its first scrapes")
arguments = parser.parse_args()
outage, base, prefixed = arguments.outage, arguments.base.rstrip("/") + "/", arguments.prefixed
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   page: {name}")
    else:
        failed += 1
        print(f"FAIL page: {name} {detail}")


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(condition, seconds=15):
    # The page redraws rows every few seconds: an element found a moment ago may be gone; asking again is right.
    try:
        return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition(d))
    except TimeoutException:
        return None


def css(selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def click(selector):
    """Clicks the first element `selector` finds, found again where the page redrew it between finding and clicking."""
    def clicked(d):
        found = css(selector)
        if not found:
            return False
        found[0].click()
        return True
    wait(clicked)


def rows():
    """The fleet's rows, read in one step (the page may redraw them between two)."""
    return driver.execute_script("return [...document.querySelectorAll('#fleet-view tbody tr[data-node]')].map(r => r.dataset.node)")


def text_of(selector):
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", selector)


try:
    if outage:
        driver.get(base + "#/nodes/fx-xavier-nx")
        banner = wait(lambda d: d.execute_script("const b = document.querySelector('#banner'); return !b.hidden && b.textContent.includes('stale') ? b.textContent : null"))
        check("Prometheus down: a banner says the node is stale and how old its data is", banner is not None and " old" in banner, banner or "no banner")
        check("Prometheus down: the stored values are still shown", "47.8 %" in text_of("#node-view .gpus"))
        if arguments.server_pid:
            # The server stops while the page is open (its event stream ends): the page polls, and says it cannot.
            os.kill(arguments.server_pid, signal.SIGTERM)
            banner = wait(lambda d: d.execute_script("const b = document.querySelector('#banner'); return !b.hidden && b.textContent.includes('cannot be reached') ? b.textContent : null"), 30)
            check("server down: a banner says it cannot be reached and how old the data shown is", banner is not None and " old" in banner, banner or text_of("#banner"))
            check("server down: the last values are still shown", "47.8 %" in text_of("#node-view .gpus"))
            check("server down: the live badge says polling", bool(css('#node-view .live[data-live="polling"]')))
        raise SystemExit(0)

    # The fleet: one page of rows, each a link to its node; the counters from /edge/summary.
    driver.get(base + "#/")
    check("fleet rows are links to their node", wait(lambda d: css('#fleet-view a[href="#/nodes/edge-agx-orin-02"]')) is not None)
    check("summary counters show the online nodes", wait(lambda d: text_of("#summary dd a").isdigit()) is not None)
    check("the page asks for one page of rows only", len(rows()) <= 20 and len(rows()) > 0, f"{len(rows())} rows")

    # The rows say what /edge/nodes says: order, status, exporter, model; the replayed fixture's GPU load (constant).
    with urllib.request.urlopen(base + "edge/nodes?limit=20") as answer:
        api = json.load(answer)["items"]
    expected = [[i["node"], i["status"], i["exporter"] or "—", i["model"] or "—"] for i in api]
    shown = driver.execute_script("""return [...document.querySelectorAll('#fleet-view tbody tr[data-node]')]
        .map(r => [r.dataset.node, ...[1, 3, 4].map(i => r.cells[i].textContent.trim())])""")
    check("fleet rows match /edge/nodes (node, status, exporter, model)", shown == expected, f"{shown[:2]} vs {expected[:2]}")
    fixture = next((i for i in api if i["node"] == "fx-xavier-nx"), None)
    load = driver.execute_script("const r = document.querySelector('#fleet-view tr[data-node=\"fx-xavier-nx\"]'); return r ? r.cells[5].textContent : null")
    check("the fixture's GPU load is the API's, with its unit", fixture is not None and load == f"{fixture['gpuUtilizationPercent']:.1f} %", f"{load}")

    health = driver.execute_script("const r = document.querySelector('#fleet-view tr[data-node=\"fx-xavier-nx\"]'); return r ? r.cells[2].textContent.trim() : null")
    check("a row's health: its worst problem and how many (the fixture's offline sensor)",
          fixture is not None and health == f"{fixture['health']} {fixture['problems']}", f"{health}")
    with urllib.request.urlopen(base + "edge/nodes?health=ok&limit=20") as answer:
        healthy = [i["node"] for i in json.load(answer)["items"]]
    driver.get(base + "#/?health=ok")
    check("the health filter shows the healthy nodes the API lists", wait(lambda d: rows() == healthy and "fx-xavier-nx" not in rows()) is not None,
          f"{rows()} vs {healthy}")

    # The URL holds the view: filter, sort, page size; the controls follow it.
    driver.get(base + "#/?status=online&sortBy=gpuTemperatureCelsius&limit=2")
    wait(lambda d: len(rows()) == 2 and css('th[data-sort="gpuTemperatureCelsius"][aria-sort="descending"]'))
    check("hash state: two rows, sorted by GPU temperature", len(rows()) == 2 and bool(css('th[data-sort="gpuTemperatureCelsius"][aria-sort="descending"]')), f"{rows()}")
    check("hash state: the status filter shows online", driver.find_element(By.NAME, "status").get_attribute("value") == "online")
    check("pager: page 1 of several", wait(lambda d: "page 1 of" in text_of(".pages") and not text_of(".pages").endswith(" 1")) is not None,
          text_of(".pages"))

    # Typing in the search box asks the server and records the query in the URL.
    driver.get(base + "#/")
    wait(lambda d: rows())
    box = driver.find_element(By.NAME, "q")
    box.send_keys("orin")
    check("search goes to the URL", wait(lambda d: "q=orin" in d.current_url) is not None, driver.current_url)
    check("search shows matching nodes only", wait(lambda d: rows() and all("orin" in node for node in rows())) is not None, f"{rows()}")
    check("the search box keeps its focus across refreshes", driver.switch_to.active_element == box)

    # A header sorts; again reverses.
    driver.get(base + "#/")
    wait(lambda d: rows())
    click('button[data-sort="node"]')
    check("a header click reverses the node order", wait(lambda d: css('th[data-sort="node"][aria-sort="descending"]') and rows() == sorted(rows(), reverse=True)) is not None)

    # Following a row's link opens the node view, live over Server-Sent Events, with history charts.
    driver.get(base + "#/")
    click('#fleet-view a[href="#/nodes/edge-agx-orin-02"]')
    check("a row's link opens the node view", wait(lambda d: not d.find_element(By.ID, "node-view").get_attribute("hidden") and "edge-agx-orin-02" in text_of("#node-view h2")) is not None)
    check("the node view shows 12 CPU cores from node-exporter", wait(lambda d: len(css("#node-view .cores meter")) == 12) is not None, f"{len(css('#node-view .cores meter'))}")
    check("the node view is live over the event stream", wait(lambda d: css('#node-view .live[data-live="stream"]')) is not None)
    check("history charts are drawn as SVG lines", wait(lambda d: [p for p in css("#node-view path.series") if p.get_attribute("d")]) is not None)

    # Every scrape reaches the page over the stream, without polling: observedAt moves on a scrape interval or two apart.
    polls = "return performance.getEntriesByType('resource').filter(e => /\\/gpu$/.test(e.name)).length"
    driver.execute_script("performance.setResourceTimingBufferSize(100000)")
    before, seen, deadline = driver.execute_script(polls), [], time.time() + 12 * arguments.scrape_interval + 10
    while len(seen) < 6 and time.time() < deadline:
        at = driver.execute_script("const e = document.querySelector('#node-view .observed'); return e && e.dataset.observedAt")
        if at and (not seen or at != seen[-1]):
            seen.append(at)
        time.sleep(0.05)
    times = [datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() for at in seen]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    check("stream: five new scrapes arrived, each later than the last", len(gaps) >= 5 and all(g > 0 for g in gaps), f"{seen}")
    check(f"stream: the median step between scrapes shown is within two scrape intervals ({statistics.median(gaps) if gaps else None} s)",
          bool(gaps) and statistics.median(gaps) <= 2 * arguments.scrape_interval, f"{gaps}")
    check("stream: the page did not poll while the stream was open", driver.execute_script(polls) == before)

    # A board whose link was down shows a gap in its history, never a line through the missing scrapes.
    if arguments.gap_node:
        driver.get(base + f"#/nodes/{arguments.gap_node}?range=15m")
        gapped = "return [...document.querySelectorAll('#node-view path.series')].filter(p => (p.getAttribute('d').match(/M/g) || []).length >= 2).length"
        check(f"history: a gap where {arguments.gap_node}'s link was down", wait(lambda d: d.execute_script(gapped) > 0, 75) is not None,
              f"{len(css('#node-view path.series'))} series")
    check("each chart has a text alternative", all(svg.get_attribute("aria-label") for svg in css("#node-view figure.chart svg")) and bool(css("#node-view figure.chart svg")))

    # Unknown is a dash or "not measured", never 0; an offline sensor is marked offline.
    driver.get(base + "#/nodes/fx-xavier-nx")
    check("unmeasured rails say 'not measured'", wait(lambda d: "not measured" in text_of("#node-view .power")) is not None)
    check("an offline sensor is marked offline", wait(lambda d: "offline" in text_of("#node-view .temperatures")) is not None)
    check("the health card lists the offline sensor as an info problem, and what cannot be told",
          wait(lambda d: css('#node-view .problems li.problem.info[data-code="sensor_offline"]')) is not None
          and "Sensor aux cannot be read" in text_of("#node-view .problems") and "Cannot tell" in text_of("#node-view .problems")
          and text_of("#node-view .node-health") == "info", text_of("#node-view .health"))

    # The board ledger on the page: a node's changes (the e2e upgraded edge-agx-orin-02), and the inventory's facets.
    driver.get(base + "#/nodes/edge-agx-orin-02")
    check("the node view's Changes card lists the JetPack upgrade",
          wait(lambda d: "JetPack 5.1.2 → 6.0" in text_of("#node-view .changes")) is not None, text_of("#node-view .changes"))
    check("the Changes card offers the node's events as CSV",
          (css("#node-view .changes a.csv") or [None])[0] is not None and css("#node-view .changes a.csv")[0].get_attribute("href").endswith("/edge/nodes/edge-agx-orin-02/events?format=csv"))
    driver.get(base + "#/inventory")
    facets = json.load(urllib.request.urlopen(base + "edge/inventory"))["facets"]
    bars = lambda facet: {li.find_element(By.TAG_NAME, "a").text: li.find_element(By.CSS_SELECTOR, ".num").text
                          for li in css(f'#inventory-view .facet[data-facet="{facet}"] li')}
    check("the inventory shows a bar per JetPack with the API's counts",
          wait(lambda d: bars("jetpack") == {value: str(count) for value, count in facets["jetpack"].items()}) is not None, f"{bars('jetpack')} vs {facets['jetpack']}")
    check("the inventory's table lists every board", wait(lambda d: len(css("#inventory-view tbody tr[data-node]")) == 6) is not None)
    click('#inventory-view .facet[data-facet="jetpack"] a[href*="jetpack=6.0"]')
    check("a facet value links to the boards that have it",
          wait(lambda d: "jetpack=6.0" in d.current_url and [r.get_attribute("data-node") for r in css("#inventory-view tbody tr[data-node]")] == ["edge-agx-orin-02"]) is not None,
          driver.current_url)
    check("the filtered inventory's facets count the filtered boards",
          wait(lambda d: bars("exporter") == {"jetson": "1"}) is not None, f"{bars('exporter')}")
    check("the inventory lists the fleet's recent changes", wait(lambda d: "JetPack 5.1.2 → 6.0" in text_of("#inventory-view .recent")) is not None)

    # Under the console's prefix, behind a proxy that strips it as ks-apiserver's ReverseProxy does.
    if prefixed:
        driver.get(prefixed + "#/nodes/gpu-a100-04")
        check("under /proxy/ks-edge-gpu/: a GPU server's pods", wait(lambda d: "ai-serving / vllm" in text_of("#node-view .processes")) is not None)
        check("under /proxy/ks-edge-gpu/: the node view is live over the event stream", wait(lambda d: css('#node-view .live[data-live="stream"]')) is not None)
        driver.get(prefixed + "#/")
        check("under /proxy/ks-edge-gpu/: the fleet", wait(lambda d: rows()) is not None)

    # Keyboard only: Tab reaches a row's link, whose focus is visible, and Enter opens the node.
    driver.get(base + "#/")
    wait(lambda d: rows())
    body = driver.find_element(By.TAG_NAME, "body")
    reached = None
    for _ in range(40):
        body.send_keys(Keys.TAB) if driver.switch_to.active_element.tag_name == "body" else driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.execute_script("const a = document.activeElement; return a && a.matches('#fleet-view tbody a')"):
            reached = driver.switch_to.active_element
            break
    check("keyboard: Tab reaches a row's link", reached is not None)
    if reached is not None:
        outline = driver.execute_script("const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth")
        check("keyboard: the focused link is visibly outlined", not outline.startswith("none") and not outline.endswith(" 0px"), outline)
        target = reached.get_attribute("href")
        reached.send_keys(Keys.ENTER)
        check("keyboard: Enter opens the node", wait(lambda d: d.current_url == target and not d.find_element(By.ID, "node-view").get_attribute("hidden")) is not None)

    # Dark: the system's colour scheme is followed.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    check("dark mode follows the system", background == "rgb(24, 29, 40)", background)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    check("light mode follows the system", background == "rgb(239, 244, 249)", background)

    # Phone width: nothing but the tables' own scroll areas is wider than the screen.
    driver.set_window_size(390, 844)
    driver.get(base + "#/nodes/edge-agx-orin-02")
    wait(lambda d: css("#node-view .cores meter"))
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check("phone width: the page fits", width <= 400, f"scrollWidth {width}")

    violations = [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]
    check("no Content-Security-Policy violation", not violations, "; ".join(violations)[:300])
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
    check("no script errors", not errors, "; ".join(errors)[:300])
except SystemExit:
    pass
finally:
    driver.quit()

print(f"page: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

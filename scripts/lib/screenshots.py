"""Screenshots of the operator page for the README: the fleet view, a node view and the inventory, light and dark, full height.

    screenshots.py BASE_URL NODE OUT_DIR
"""
import base64
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

base, node, out = sys.argv[1].rstrip("/") + "/", sys.argv[2], sys.argv[3]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--hide-scrollbars", "--force-device-scale-factor=1"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(name, ready):
    """The whole page, however tall, at the window's width."""
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(ready))
    time.sleep(1)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path = os.path.join(out, f"{name}.png")
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    print(path)


try:
    for scheme in ("light", "dark"):
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        driver.get(base + "#/")
        shoot(f"fleet-{scheme}", "return document.querySelectorAll('#fleet-view tbody tr[data-node]').length > 0 && document.querySelector('#summary dd')")
        driver.get(base + f"#/nodes/{node}?range=15m")
        shoot(f"node-{scheme}", "return document.querySelectorAll('#node-view path.series').length > 0 && document.querySelector('#node-view .live[data-live=stream]')")
        driver.get(base + "#/inventory")
        shoot(f"inventory-{scheme}", "return document.querySelectorAll('#inventory-view tbody tr[data-node]').length > 0 && document.querySelector('#inventory-view .facet meter')")
finally:
    driver.quit()

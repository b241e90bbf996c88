"""The playground in a real browser: Debian's Chromium (``apt-get install chromium
chromium-driver``), headless, driven by Selenium through the packaged chromedriver.

Skipped where that browser is not installed (CI machines do not have it). With the environment
variable AUTOGRAD_CORE_SCREENSHOT=path.png the main test saves the README's screenshot there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
if importlib.util.find_spec("selenium") is None:
    missing.append("the selenium package (the dev extra has it)")
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"no system Chromium to drive: {', '.join(missing)} not installed "
    "(Debian: apt-get install chromium chromium-driver)")

if not missing:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_core", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert found, line + process.stderr.read()
    yield process, found.group(0)
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1300,1400",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver's path, given: Selenium Manager then never tries to download one.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1300, 1400)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def text(driver: webdriver.Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def wait_for(driver: webdriver.Chrome, condition, timeout: float = 30, what: str = "") -> None:
    # not too often: each look is a request to the browser, which shares the CPUs with the page
    WebDriverWait(driver, timeout, poll_frequency=0.25).until(lambda d: condition(), what)


def page_errors(driver: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def test_train_xor_by_pressing_play_then_look_inside_a_neuron(server, browser):
    _, url = server
    browser.get(url)
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".neuron canvas"),
             what="the network picture")
    browser.find_element(By.CSS_SELECTOR, '#datasets button[data-name="xor"]').click()
    wait_for(browser, lambda: "selected" in browser.find_element(
        By.CSS_SELECTOR, '#datasets button[data-name="xor"]').get_attribute("class"))
    assert text(browser, "epoch") == "000000"
    first_loss = float(text(browser, "test-loss"))

    browser.find_element(By.ID, "play").click()
    wait_for(browser, lambda: int(text(browser, "epoch")) > 0, what="the epoch counter moving")
    wait_for(browser, lambda: float(text(browser, "test-loss")) != first_loss,
             what="the test loss changing")
    rates = []

    def trained() -> bool:
        shown = re.match(r"(\d+) updates/s", text(browser, "rate"))
        if shown:
            rates.append(int(shown.group(1)))
        return float(text(browser, "test-loss")) < 0.1

    wait_for(browser, trained, timeout=90, what="XOR's test loss below 0.1")
    browser.find_element(By.ID, "play").click()  # pause
    assert "play" in text(browser, "play")
    assert max(rates) >= 10, f"updates per second while playing: {rates}"
    assert float(text(browser, "test-loss")) < 0.1

    browser.find_element(By.CSS_SELECTOR, '.neuron[data-layer="1"][data-index="0"]').click()
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#graph svg"),
             what="the neuron's graph")
    assert text(browser, "inspect-title").startswith("neuron h1[1] for training point 0")
    graph = browser.find_element(By.CSS_SELECTOR, "#graph svg").get_attribute("outerHTML")
    assert "h1[1]" in graph and "z1[1]" in graph and "grad" in graph
    explanation = text(browser, "explanation")
    assert explanation.startswith("dL/dh1[1] = ") and "✓" in explanation
    wait_for(browser, lambda: text(browser, "bw-counter").startswith("step 1 of "))
    browser.find_element(By.ID, "bw-next").click()
    wait_for(browser, lambda: text(browser, "bw-counter").startswith("step 2 of "))
    assert "dL/d(node)" in text(browser, "bw-text")
    assert browser.find_elements(By.CSS_SELECTOR, "#bw-graph svg")

    screenshot = os.environ.get("AUTOGRAD_CORE_SCREENSHOT")
    if screenshot:
        browser.execute_script("window.scrollTo(0, 0)")
        Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(screenshot)

    browser.execute_script(  # a weight: the line from x2 into h1[1]
        "document.querySelector(`.link-hit[data-weight='[1,0,1]']`)"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    wait_for(browser, lambda: text(browser, "explanation").startswith("dL/dW1[1,2] = "),
             what="the weight's chain rule")
    assert "dz1[1]/dW1[1,2]" in text(browser, "explanation")
    assert page_errors(browser) == []


def test_bad_input_shows_a_message_and_keeps_the_settings(server, browser):
    _, url = server
    browser.get(url)
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".neuron canvas"))
    rate = browser.find_element(By.ID, "learning_rate")
    rate.send_keys(Keys.CONTROL, "a")
    rate.send_keys("-1", Keys.TAB)  # leaving the field sends the change
    wait_for(browser, lambda: browser.find_element(By.ID, "message").is_displayed())
    assert text(browser, "message") == "learning rate must be positive and at most 10, got -1"
    assert rate.get_attribute("value") == "0.03"  # the form shows what is in use

    def remove_a_neuron_from_layer_2() -> None:
        buttons = browser.find_elements(By.CSS_SELECTOR, ".layer-buttons")[1]
        buttons.find_elements(By.TAG_NAME, "button")[1].click()

    def layer_2_size() -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, '.neuron[data-layer="2"]'))

    remove_a_neuron_from_layer_2()
    wait_for(browser, lambda: layer_2_size() == 1)
    remove_a_neuron_from_layer_2()
    wait_for(browser, lambda: "0 neurons" in text(browser, "message"))
    assert text(browser, "message").startswith("hidden layer 2 has 0 neurons")
    assert "Traceback" not in browser.page_source
    assert layer_2_size() == 1


def test_closing_the_page_stops_the_server(server, browser):
    process, url = server
    browser.get(url)
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, ".neuron canvas"))
    time.sleep(0.5)  # the page's first heartbeat
    browser.get("about:blank")  # the page closes: its goodbye reaches the server
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "the page was closed: stopping\nplayground stopped" in out

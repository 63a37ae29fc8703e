"""The built book in a real headless Chromium: every page loads offline, images decode, math is
typeset, the console stays clean, and search works. Screenshots go to _build/screenshots/."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
import yaml
from browser_support import needs_chromium, start_chromium
from conftest import ROOT

pytestmark = needs_chromium

IMAGES_DECODED = "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);"
MATH_STATE = """
const done = arguments[arguments.length - 1];
const report = () => {
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest('pre, code, script, style, mjx-container, .highlight')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let raw = 0;
  while (walker.nextNode()) { if (/\\$\\$|\\\\\\(|\\\\\\[/.test(walker.currentNode.nodeValue)) raw++; }
  done({math: document.querySelectorAll('.math').length,
        typeset: document.querySelectorAll('mjx-container').length,
        mathjax: typeof window.MathJax !== 'undefined', raw: raw});
};
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(report, report);
} else { report(); }
"""


def _pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site(built_book: Path):
    """Serve the built HTML on a local port, as a learner's browser would fetch it."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _wait_loaded(driver):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("page", _pages())
def test_page_renders_offline(page, site, browser):
    browser.get_log("browser")  # drop what earlier pages left
    browser.get(f"{site}/{page}.html")
    _wait_loaded(browser)
    assert browser.find_elements("css selector", "main h1"), f"{page}: no title rendered"
    broken = browser.execute_script(IMAGES_DECODED)
    assert not broken, f"{page}: images that do not decode: {broken}"
    math = browser.execute_async_script(MATH_STATE)
    if math["math"]:
        assert math["mathjax"], f"{page}: has math but MathJax did not load"
        assert math["typeset"] >= math["math"], f"{page}: {math['math']} math blocks, {math['typeset']} typeset"
    assert math["raw"] == 0, f"{page}: {math['raw']} text nodes still hold raw TeX delimiters"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{page}: console errors: {errors}"
    external = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin));")
    assert not external, f"{page}: external requests: {external}"


def test_search_finds_softmax(site, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/search.html?q=softmax")
    _wait_loaded(browser)
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements("css selector", "#search-results ul.search li"))
    results = browser.find_elements("css selector", "#search-results ul.search li")
    assert results, "search for 'softmax' found nothing"


def test_screenshots(site, browser):
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    chapters = [p for p in _pages() if p.startswith("notebooks/")]
    for page in [_pages()[0]] + chapters[:1] + chapters[-1:]:
        browser.get(f"{site}/{page}.html")
        _wait_loaded(browser)
        browser.execute_async_script(MATH_STATE)
        target = shots / (Path(page).name + ".png")
        assert browser.save_screenshot(str(target)) and target.stat().st_size > 10_000

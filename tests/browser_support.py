"""Headless Chromium for the browser tests (the built book, and notebooks in a live JupyterLab)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PAGE_CEILING = 300  # seconds a page load or an async script may take before the test fails
WAIT_CEILING = 180  # seconds a test waits for a condition in the page (it goes on at once when met)

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason=(
        "needs Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver; .ci/run does)"
    ),
)


def start_chromium(profile: Path, width: int = 1280, height: int = 900):
    """A headless Chromium under Selenium with a fresh profile; it logs the browser console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # Ceilings, not delays: a page or script that answers sooner is not waited for. They are
    # generous because a busy machine (CI runners, 2 shared cores) can be many times slower.
    driver.set_page_load_timeout(PAGE_CEILING)
    driver.set_script_timeout(PAGE_CEILING)
    return driver

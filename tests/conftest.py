"""Shared fixtures: paths, and one book build for the tests that need it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BOOK_PAGES = sorted((ROOT / "book").glob("*.md"))


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the whole book once per session, as `make book` does; return the HTML folder."""
    reuse = os.environ.get("COURSE_REUSE_BOOK")  # developers only: test an already built book
    if reuse:
        return Path(reuse)
    html = ROOT / "_build" / "html"
    if html.exists():
        shutil.rmtree(ROOT / "_build")
    exe = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(exe), "build", str(ROOT), "-W", "-n", "--keep-going"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if result.returncode != 0:
        pytest.fail(f"book build failed (exit {result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}")
    return html

"""Shared fixtures: paths, an isolated data folder, one book build, and the suite's own report.

Every test, and every notebook nbval runs, sees the same isolated data folder
(`.course-test-data/` in the repository, git-ignored) instead of the learner's own cache: a
Fashion-MNIST copy or pretrained weights that a learner downloaded never change what is tested,
and no test reads or writes `~/.cache`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from builders import autograd_grads as _autograd_grads
from builders import tiny_cnn as _tiny_cnn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the repository's tools (translations, solution_cells)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SPANISH_NOTEBOOKS = sorted((ROOT / "es" / "notebooks").glob("*.ipynb"))
BOOK_PAGES = sorted((ROOT / "book").glob("*.md"))
TEST_DATA = ROOT / ".course-test-data"


def toc_chapters() -> list[Path]:
    """The chapter notebooks in reading order, as `_toc.yml` lists them."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [entry["file"] for part in toc["parts"] for entry in part.get("chapters", [])]
    return [ROOT / f"{name}.ipynb" for name in files if name.startswith("notebooks/")]


def chapter(topic: str) -> Path:
    """The chapter notebook about `topic` ("optimizers" -> notebooks/NN_optimizers.ipynb).

    Tests name a chapter by its topic, never by its number, so renumbering chapters (renaming
    their files and `_toc.yml`) changes no test.
    """
    found = [p for p in toc_chapters() if re.fullmatch(rf"\d+_{re.escape(topic)}", p.stem)]
    if len(found) != 1:
        raise LookupError(f"_toc.yml lists {len(found)} chapters about {topic!r}: {found}")
    return found[0]


os.environ["COURSE_DATA_DIR"] = str(TEST_DATA)
os.environ["TORCH_HOME"] = str(TEST_DATA / "torch")

BROWSER_HINT = "apt-get install chromium chromium-driver"


def pytest_collection_modifyitems(config, items):
    """Refuse a test that builds the book without the `slow` marker (`make check` must skip it)."""
    unmarked = [
        item.nodeid
        for item in items
        if "built_book" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"tests that build the book must be marked slow: {unmarked}")


def pytest_terminal_summary(terminalreporter):
    """One clear line when the browser tests could not run, so nobody mistakes a skip for a pass."""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "chromium" in str(getattr(r, "longrepr", "")).lower()
    ]
    if skipped:
        names = sorted({r.nodeid.split("::")[0] for r in skipped})
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} browser tests did NOT run ({', '.join(names)}): Chromium or its "
            f"driver is missing. Install them with `{BROWSER_HINT}` (as root), "
            "then run `make test` "
            "again.",
            yellow=True,
            bold=True,
        )


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh NumPy generator (seed 12) for each test: no test depends on which ran before it."""
    return np.random.default_rng(12)


@pytest.fixture(scope="session")
def tiny_cnn():
    """The tests' one small CNN builder: `tiny_cnn(size=8, classes=3, dropout=0.2, seed=0)`."""
    return _tiny_cnn


@pytest.fixture(scope="session")
def autograd_grads():
    """`autograd_grads(forward, upstream, *arrays) -> (upstream, gradients)`, by autograd."""
    return _autograd_grads


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build both editions once per session, as `make book` does, into a temporary folder.

    The developer's own `_build` is left alone. Returns the English HTML folder; the Spanish
    edition is its `es/` folder.
    """
    reuse = os.environ.get("COURSE_REUSE_BOOK")  # developers only: test an already built book
    if reuse:
        return Path(reuse)
    import build_book

    out = tmp_path_factory.mktemp("book")
    failures = build_book.build(out)
    if failures:
        pytest.fail("\n".join(failures))
    return out / "_build" / "html"

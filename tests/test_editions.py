"""The built book's two editions (issue 21): the Spanish one at es/, in Spanish throughout.

Read from the built HTML: every Spanish page declares `lang="es"`, the themes' own words are
Spanish, no English prose is left outside code and outputs, each page's download is the Spanish
notebook, and every page of both editions links to its twin in the other. The browser test of
the switch is in test_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import translations as tr
from bs4 import BeautifulSoup
from conftest import ROOT, chapter

pytestmark = pytest.mark.slow

PAGES = tr.docnames()
FIRST = f"notebooks/{chapter('convolutions').stem}"  # the first chapter, by its topic
# Words frequent in English prose and absent from Spanish prose: a page where they make up more
# than 1% of the words still holds English sentences.
ENGLISH = set(
    "the and of is are with that this from which what its your into than then there their "
    "be has have was were will would should could these those does how when where".split()
)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _prose(soup: BeautifulSoup) -> str:
    """The words a reader reads on the page, less code, outputs, math and bibliography entries."""
    main = soup.find("main")
    for element in main.select(
        "pre, code, script, style, .cell_output, .highlight, .math, div.math, span.math, "
        ".citation, .bibliography, dl.py, .headerlink"
    ):
        element.decompose()
    return main.get_text(" ", strip=True)


@pytest.fixture(scope="module")
def spanish(built_book: Path) -> Path:
    return built_book / tr.LANG


# Pages for contributors whose body is generated in English: the API reference (the code's
# docstrings) and the execution status (benchmarks/RESULTS.md). Their own headings are Spanish.
GENERATED_IN_ENGLISH = {"book/api", "book/status"}


@pytest.mark.parametrize("docname", PAGES)
def test_a_spanish_page_is_in_spanish(docname, spanish, built_book):
    soup = _soup(spanish / f"{docname}.html")
    assert soup.html.get("lang") == tr.LANG
    if docname in GENERATED_IN_ENGLISH:
        english = _soup(built_book / f"{docname}.html").find("h1").get_text()
        assert soup.find("h1").get_text() != english
        return
    words = re.findall(r"[A-Za-záéíóúñü]+", _prose(soup))
    english = [w for w in words if w.lower() in ENGLISH]
    share = len(english) / max(len(words), 1)
    assert share < 0.01, (
        f"{docname}: {len(english)} of {len(words)} words are English function words "
        f"({sorted(set(english))[:20]}): an untranslated passage or theme string"
    )


def test_the_themes_words_are_spanish(spanish):
    page = (spanish / f"{FIRST}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("input[name=q]")["placeholder"] == "Buscar en este libro..."
    assert "Contenido" in soup.select_one(".bd-sidebar-secondary, .onthispage").get_text()
    assert soup.select_one(".prev-next-info .prev-next-subtitle").get_text(strip=True) in (
        "anterior",
        "siguiente",
    )
    titles = [t.get_text(" ", strip=True) for t in soup.select(".admonition-title")]
    assert any(t.startswith("Ejercicio 1.1") for t in titles), titles[:5]
    assert any(t.startswith("Solución") for t in titles), titles[:5]
    assert "Exercise" not in " ".join(titles)
    assert "toggleHintShow = 'Mostrar'" in page
    captions = [c.get_text(strip=True) for c in soup.select("nav.bd-links p.caption")]
    assert captions == list(tr.translations(tr.TOC).values()), captions
    for english in ("Search this book", "Contents", "Click to show", "Link to this heading"):
        assert english not in page, english


@pytest.mark.parametrize("docname", PAGES)
def test_every_page_links_its_twin_in_the_other_edition(docname, built_book, spanish):
    for here, there, lang in (
        (built_book, spanish, tr.LANG),
        (spanish, built_book, "en"),
    ):
        page = here / f"{docname}.html"
        switch = _soup(page).select_one("a.edition-switch")
        assert switch is not None, f"{page}: no language switch"
        assert switch["hreflang"] == lang
        target = (page.parent / switch["href"]).resolve()
        assert target == (there / f"{docname}.html").resolve(), (page, switch["href"])


def test_a_spanish_chapter_downloads_as_the_spanish_notebook(spanish):
    notebook = spanish / "_sources" / f"{FIRST}.ipynb"
    assert notebook.exists(), "the Spanish chapter's download is missing"
    assert 'lang=\\"es\\"' in notebook.read_text(encoding="utf-8")
    page = (spanish / f"{FIRST}.html").read_text(encoding="utf-8")
    assert f"_sources/{FIRST}.ipynb" in page


def test_the_spanish_setup_page_links_the_one_archive(spanish, built_book):
    soup = _soup(spanish / "book" / "setup.html")
    links = [a["href"] for a in soup.select("a[href$='cnn-course.zip']")]
    assert links, "the Spanish setup page does not link the course archive"
    for href in links:
        assert (spanish / "book" / href).resolve() == (built_book / "cnn-course.zip").resolve()


def test_the_spanish_intro_shows_the_spanish_course_map(spanish):
    soup = _soup(spanish / "book" / "intro.html")
    image = soup.select_one("main figure img")
    drawn = (spanish / "book" / image["src"]).resolve().read_bytes()
    assert drawn == (ROOT / "book" / "images" / "course_map_es.png").read_bytes()

"""The Spanish edition is complete and current: an English edit without its translation fails.

Every page has a catalogue in locale/es/LC_MESSAGES/ whose messages are exactly the English
page's (tools/translations.py extracts them), every message is translated and none is fuzzy,
and every translation keeps the English's markup, math, code, links and numbers. The Spanish
chapters in es/notebooks/ are what the English chapters and the catalogues give.
"""

from __future__ import annotations

import json
import re

import nbformat
import polib
import pytest
import translations as tr
from conftest import ROOT, SPANISH_NOTEBOOKS
from solution_cells import LEADS, solution_spans

PAGES = tr.docnames()


@pytest.mark.parametrize("docname", tr.catalogues())
def test_every_page_is_translated_current_and_sound(docname):
    problems = tr.report(docname)
    assert not problems, (
        f"{len(problems)} problems in the Spanish catalogue of {docname} (run `make translations`,"
        " translate, then `make notebooks`; CONTRIBUTING.md, Translating):\n"
        + "\n".join(problems[:40])
    )


def test_the_themes_own_words_are_translated():
    catalogue = polib.pofile(str(tr.LOCALE / "sphinx.po"))
    assert catalogue.percent_translated() == 100
    assert not [e for e in catalogue if "fuzzy" in e.flags]


def test_spanish_chapters_are_generated_from_the_catalogues():
    assert len(SPANISH_NOTEBOOKS) == len(tr.chapters())
    stale = tr.stale_notebooks()
    assert not stale, (
        f"regenerate with `make notebooks` (or tools/translations.py notebooks): {stale}"
    )


@pytest.mark.parametrize("path", SPANISH_NOTEBOOKS, ids=[p.name for p in SPANISH_NOTEBOOKS])
def test_a_spanish_chapter_speaks_spanish_and_hides_its_solutions(path):
    """Its one setup call switches course_utils to Spanish; folded cells show Spanish leads."""
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    calls = [line for source in code for line in source.splitlines() if "setup(" in line]
    assert len(calls) == 1 and 'lang="es"' in calls[0], calls
    spanish = LEADS["es"]
    for start, end in solution_spans(nb.cells):
        for cell in nb.cells[start + 1 : end]:
            first = cell.source.split("\n", 1)[0]
            assert first.startswith(spanish[cell.cell_type]), (path.name, first)
    assert not [c for c in nb.cells if c.cell_type == "code" and c.execution_count is None], (
        f"{path.name} has unexecuted cells: run `make notebooks NB=notebooks/{path.name}`"
    )


def _printed(cell) -> str:
    return "".join(
        "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
        for o in cell.get("outputs", [])
    )


def test_tolerance_patterns_read_the_spanish_outputs():
    """A cell's declared loose or exact integers are found by a regex over its printed words; in
    a Spanish chapter the Spanish regex finds them wherever the English one does in English."""
    checked = 0
    for docname in tr.chapters():
        english = nbformat.read(tr.source_path(docname), as_version=4)
        spanish = {c.get("id"): c for c in nbformat.read(tr.spanish_path(docname), 4).cells}
        for cell in english.cells:
            tolerance = cell.get("metadata", {}).get("tolerance", {})
            twin = spanish[cell.get("id")]
            for key in tr.TOLERANCE_PATTERNS:
                theirs = twin.metadata.get("tolerance", {}).get(key, [])
                pairs = zip(tolerance.get(key, []), theirs, strict=True)
                for en, es in pairs:
                    lines = [line for line in _printed(cell).splitlines() if re.search(en, line)]
                    found = [ln for ln in _printed(twin).splitlines() if re.search(es, ln)]
                    assert len(found) == len(lines), (docname, key, en, es)
                    checked += bool(lines)
    assert checked >= 3


# --- The tool itself, on small texts -------------------------------------------------------------

SAMPLE = """# A title

A paragraph with a {term}`kernel`, $x^2$ and `code`,
on two lines.

- an item
  that wraps
- a second item with a [link](other.ipynb#a-title)

> a quote

| a | b |
|---|---|
| 1 | 2 |

```{exercise} Blur it
:label: ex-blur

Use a 3x3 kernel.
```

```{glossary}
feature map
  *es: mapa de características.* What a kernel's output is.
```
"""


def test_blocks_are_found_with_their_kinds():
    found = {b.text: b.kind for b in tr.markdown_blocks(SAMPLE)}
    assert found["A title"] == "heading"
    assert found["A paragraph with a {term}`kernel`, $x^2$ and `code`,\non two lines."] == "text"
    assert found["an item\nthat wraps"] == "text"
    assert found["Blur it"] == "title"
    assert found["Use a 3x3 kernel."] == "text"
    assert found["feature map"] == "title"
    assert found["| a | b |\n|---|---|\n| 1 | 2 |"] == "table"
    assert "a quote" in found and ":label: ex-blur" not in found


def test_translating_keeps_the_markdown_around_each_block():
    table = {(b.context, b.text): f"ES {b.text}" for b in tr.markdown_blocks(SAMPLE)}
    table[(None, "an item\nthat wraps")] = "un elemento\nque sigue\nen tres líneas"
    spanish = tr.translate_markdown(SAMPLE, table)
    assert "# ES A title" in spanish
    assert "- un elemento\n  que sigue\n  en tres líneas\n- ES a second" in spanish
    assert "> ES a quote" in spanish
    assert "```{exercise} ES Blur it\n:label: ex-blur\n\nES Use a 3x3 kernel.\n```" in spanish
    assert "\nES feature map\n  ES *es: mapa" in spanish
    identity = {(b.context, b.text): b.text for b in tr.markdown_blocks(SAMPLE)}
    assert tr.translate_markdown(SAMPLE, identity) == SAMPLE


def test_every_page_survives_a_round_trip():
    """Replacing every block by itself gives back each page and cell exactly (a solution cell's
    first line, which the Spanish chapters write in Spanish, aside)."""
    for docname in PAGES:
        path = tr.source_path(docname)
        if path.suffix == ".md":
            texts = [path.read_text()]
        else:
            cells = json.loads(path.read_text())["cells"]
            texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        for text in texts:
            identity = {(b.context, b.text): b.text for b in tr.markdown_blocks(text)}
            back = tr.translate_markdown(text, identity)
            assert back == tr.spanish_leads(text, "markdown"), docname


def _entry(msgid, msgstr, context=None):
    return polib.POEntry(msgid=msgid, msgstr=msgstr, msgctxt=context)


@pytest.mark.parametrize(
    ("msgstr", "problem"),
    [
        ("Un {term}`kernel` con $x^2$ y `f(x)`, 0.5.", None),
        ("Un {term}`núcleo <kernel>` con $x^2$ y `f(x)`, 0.5.", None),
        ("Un núcleo con $x^2$ y `f(x)`, 0.5.", "roles differ"),
        ("Un {term}`kernel` con $x^3$ y `f(x)`, 0.5.", "math differ"),
        ("Un {term}`kernel` con $x^2$ y `g(x)`, 0.5.", "inline code differ"),
        ("Un {term}`kernel` con $x^2$ y `f(x)`, 0,5.", "decimal comma"),
        ("Un {term}`kernel` con $x^2$ y `f(x)`, 0.6.", "numbers differ"),
    ],
)
def test_a_translation_that_breaks_markup_is_named(msgstr, problem):
    found = tr.problems_of(_entry("A {term}`kernel` with $x^2$ and `f(x)`, 0.5.", msgstr))
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_a_code_translation_may_change_only_words():
    english = 'x = f(1)  # one call\nprint(f"mean {x:.2f}")'
    ok = 'x = f(1)  # una llamada\nprint(f"media {x:.2f}")'
    assert tr.problems_of(_entry(english, ok, tr.CODE)) == []
    changed = 'x = f(2)  # una llamada\nprint(f"media {x:.2f}")'
    assert tr.problems_of(_entry(english, changed, tr.CODE))
    split = 'x = f(1)  # una llamada\nprint(\n    f"media "\n    f"{x:.2f}"\n)'
    assert tr.problems_of(_entry(english, split, tr.CODE)) == []  # a long string split in two
    field = 'x = f(1)  # una llamada\nprint(f"media {x:.3f}")'
    assert tr.problems_of(_entry(english, field, tr.CODE))


def test_headings_and_titles_stay_on_one_line():
    assert tr.problems_of(_entry("A title", "Un\ntítulo"), "heading")
    assert not tr.problems_of(_entry("A long item", "Un elemento\nlargo"), "text")


def test_an_edited_paragraph_keeps_its_old_translation_as_fuzzy(tmp_path, monkeypatch):
    page = tmp_path / "book" / "page.md"
    page.parent.mkdir()
    page.write_text("# Title\n\nThe kernel slides over the image, one pixel at a time.\n")
    monkeypatch.setattr(tr, "ROOT", tmp_path)
    monkeypatch.setattr(tr, "LOCALE", tmp_path / "locale")
    assert tr.extract("book/page") == (2, 0)
    catalogue = tr.load("book/page")
    for entry in catalogue:
        entry.msgstr = {"Title": "Título"}.get(entry.msgid, "El kernel recorre la imagen.")
    catalogue.save(str(tr.catalogue_path("book/page")))
    assert tr.report("book/page") == []
    page.write_text("# Title\n\nThe kernel slides over the image, two pixels at a time.\n")
    assert any("stale" in p for p in tr.report("book/page"))
    assert tr.extract("book/page") == (1, 1)
    edited = [e for e in tr.load("book/page") if "two pixels" in e.msgid][0]
    assert edited.fuzzy and edited.msgstr == "El kernel recorre la imagen."
    assert "one pixel" in edited.previous_msgid
    assert any("fuzzy" in p for p in tr.report("book/page"))


def test_links_and_terms_follow_the_spanish_headings_and_glossary():
    english = "# Cross-correlation by hand\n\ntext\n"
    spanish = "# Correlación cruzada a mano\n\ntexto\n"
    maps = {"first": tr.anchors(english, spanish)}
    assert maps["first"] == {"cross-correlation-by-hand": "correlación-cruzada-a-mano"}
    terms = {"feature map": "mapa de características"}
    text = "[ver](first.ipynb#cross-correlation-by-hand) y {term}`feature map`"
    out = tr.relink(text, "second", maps, terms)
    assert "(first.ipynb#correlación-cruzada-a-mano)" in out
    assert "{term}`feature map <mapa de características>`" in out
    shown = tr.relink("{term}`mapas <feature map>`", "x", {}, terms)
    assert shown == "{term}`mapas <mapa de características>`"


def test_the_setup_call_gains_the_language():
    source = "from course_utils import setup\n\nrun = setup(seed=0, precision=4)"
    assert tr.spanish_code(source, {}).endswith('setup(seed=0, precision=4, lang="es")')
    generator = tr.spanish_code("g = setup(seed=0).generator", {})
    assert generator == 'g = setup(seed=0, lang="es").generator'
    assert tr.spanish_code("setup()", {}) == 'setup(lang="es")'


def test_code_cells_with_words_are_messages():
    assert tr.code_needs_translation("x = 1  # one")
    assert tr.code_needs_translation('print("the loss is", loss)')
    assert tr.code_needs_translation('ax.set_title("Input")')
    assert not tr.code_needs_translation('y = f(x, reduction="mean")\nprint(y)')


def test_the_configurations_name_each_other():
    """Each edition's switch points at the other's root; the Spanish one is in Spanish."""
    import yaml

    english = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    spanish = yaml.safe_load((ROOT / "_config_es.yml").read_text())["sphinx"]["config"]
    assert english["course_edition"]["root"] == f"{tr.LANG}/"
    assert spanish["course_edition"]["root"] == "../"
    assert spanish["language"] == tr.LANG
    assert re.search(
        r"[áéíóúñ]", spanish["course_edition"]["title"] + english["course_edition"]["title"]
    )

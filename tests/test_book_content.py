"""Cross-references in the book: every {term} is in the glossary, every {cite} in the .bib."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import BOOK_PAGES, NOTEBOOKS, ROOT

TERM = re.compile(r"\{term\}`([^`]+)`")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _sources():
    for page in BOOK_PAGES:
        yield page.name, page.read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        yield (
            path.name,
            "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"),
        )


def glossary_entries() -> dict[str, str]:
    """Term -> definition, from every {glossary} block of book/glossary.md."""
    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    entries = {}
    for block in re.findall(r"```\{glossary\}\n(.*?)```", text, re.S):
        term = None
        for line in block.splitlines():
            if line and not line.startswith(" "):
                term = line.strip()
                entries[term] = ""
            elif term and line.strip():
                entries[term] += line.strip() + " "
    return entries


def test_glossary_terms_have_spanish_and_definition():
    entries = glossary_entries()
    assert len(entries) >= 10
    for term, definition in entries.items():
        assert re.match(r"\*es: [^*]+\.\*\s+\S", definition), (
            f"glossary '{term}': must start '*es: ...*' then a definition"
        )


def test_every_term_used_is_in_the_glossary():
    entries = {t.lower() for t in glossary_entries()}
    missing = []
    for name, text in _sources():
        for target in TERM.findall(text):
            key = re.sub(r".*<(.+)>$", r"\1", target).strip().lower()
            if key not in entries:
                missing.append(f"{name}: {target}")
    assert not missing, f"terms used but not in book/glossary.md: {missing}"


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    assert len(keys) == len(re.findall(r"@\w+\{", bib)), "a BibTeX key appears twice"
    missing = [
        f"{name}: {key}"
        for name, text in _sources()
        for group in CITE.findall(text)
        for key in (k.strip() for k in group.split(","))
        if key not in keys
    ]
    assert not missing, f"citations missing from book/references.bib: {missing}"


def test_every_chapter_is_used_in_the_book():
    toc = (ROOT / "_toc.yml").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}" in toc


@pytest.mark.parametrize(("lang", "name"), [("en", "course_map.png"), ("es", "course_map_es.png")])
def test_course_map_figure_is_made_by_its_script(lang, name, tmp_path):
    """The committed PNG (and its Spanish twin) was drawn from the script's current data, like
    a fresh drawing."""
    import runpy

    from matplotlib.image import imread
    from PIL import Image

    script = ROOT / "book" / "images" / "make_course_map.py"
    committed = ROOT / "book" / "images" / name
    current = runpy.run_path(str(script))["source_data"](lang)
    assert Image.open(committed).text.get("Description") == current, (
        f"{name} is stale: rerun book/images/make_course_map.py"
    )
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True)
    fresh, stored = imread(tmp_path / name), imread(committed)
    assert fresh.shape == stored.shape
    differing = np.mean(np.abs(fresh - stored).max(axis=-1) > 0.25)
    assert differing < 0.02, f"{differing:.1%} of the pixels differ from a fresh drawing"


def test_docstrings_hold_no_tex_math():
    """The API page renders docstrings as reStructuredText, where `$w$` stays raw text."""
    import ast
    import re

    raw = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Module):
                doc = ast.get_docstring(node) or ""
                raw += [f"{path.name}: {m}" for m in re.findall(r"\$[^$\s][^$]*\$", doc)]
    assert not raw, f"TeX math in docstrings shows raw on the API page: {raw[:5]}"

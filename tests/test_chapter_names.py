"""Chapters are named by topic or MyST label, never by a number that renumbering would make stale.

The package, the tests, the contributor docs and the benchmarks refuse "chapter 09", "ch. 10",
"chapters 10-11", "Chapter 06's", `ch10_...` or `test_chapter_07_...`: inserting a chapter
renames files and `_toc.yml`, and nothing else may need to change. Tests find a chapter through
`_toc.yml` (`conftest.chapter("optimizers")`). The one exception is text generated from
`_toc.yml` itself (its generator keeps the numbers true): list such files in GENERATED.
Code (the package and the tests) also never spells a chapter's file name (`08_training...`);
the docs may, in example commands.
"""

from __future__ import annotations

import re
import sys

import pytest
from conftest import ROOT

# "chapter 09", "chapters 10-11", "Chapter 06's", "ch. 10", "ch 9", "chs. 2-3", "ch10_grad_cam",
# "test_chapter_07_": a chapter word, then a number (an underscore may join them in names).
CHAPTER_NUMBER = re.compile(r"(?<![a-z])ch(?:apters?|s)?\.?[\s_-]*\d{1,2}(?![\d.])", re.IGNORECASE)
# A chapter's file name: "09_training_a_classifier", "notebooks/08_optimizers".
NOTEBOOK_FILE = re.compile(r"\b\d{2}[a-z]?_[a-z]")

# Where a chapter must be named by topic, and which files there to read.
AREAS = {
    "course_utils": ["course_utils/**/*.py"],
    "tests": ["tests/**/*.py", "tests/*.cfg"],
    "docs": ["docs/**/*.md", "CONTRIBUTING.md", "README.md"],
    "tools": ["tools/**/*.py", "benchmarks/*.py", "Makefile"],
}
CODE = {"course_utils", "tests"}
# Files generated from _toc.yml, whose chapter numbers follow it by construction (none today),
# and this file, whose examples below are the point.
GENERATED: set[str] = set()
EXAMPLES = {"tests/test_chapter_names.py", "tools/renumber_chapters.py"}


def chapter_numbers(area: str) -> list[str]:
    """Every line in `area` that names a chapter by number, as "path:line: text"."""
    paths = sorted({p for pattern in AREAS[area] for p in ROOT.glob(pattern)})
    hits = []
    for path in paths:
        name = str(path.relative_to(ROOT))
        if name in GENERATED | EXAMPLES or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CHAPTER_NUMBER.search(line) or (area in CODE and NOTEBOOK_FILE.search(line)):
                hits.append(f"{name}:{number}: {line.strip()}")
    return hits


@pytest.mark.parametrize("area", AREAS)
def test_chapters_are_named_by_topic_not_by_number(area):
    hits = chapter_numbers(area)
    assert not hits, (
        f"{len(hits)} lines in {area} name a chapter by number (name it by topic or by its MyST "
        "label; tests find chapters with conftest.chapter(topic)):\n" + "\n".join(hits)
    )


@pytest.mark.parametrize(
    "text",
    [
        "(chapter 09)",
        "Chapter 06's exercise",
        "chapters 10-11",
        "ch. 10",
        "ch 9",
        "chs. 2-3",
        "_ch10_grad_cam_tiny",
        "def test_chapter_07_uses_fashion",
        "CHAPTER_07 = ",
    ],
)
def test_a_chapter_number_is_caught(text):
    assert CHAPTER_NUMBER.search(text)


@pytest.mark.parametrize("text", ['"09_training_a_classifier.ipynb"', "notebooks/08_optimizers"])
def test_a_chapter_file_name_is_caught(text):
    assert NOTEBOOK_FILE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "the chapter on optimizers",
        "{ref}`sec-backprop`",
        "each 3x3 kernel",
        "batch 2 of 10",
        "chunk 12",
        "channels 3",
        "the cache 0.5",
        "relu1_1",
        "occlusion_28x28_window4",
        'chapter("training_a_classifier")',
    ],
)
def test_topic_names_and_other_numbers_pass(text):
    assert not CHAPTER_NUMBER.search(text) and not NOTEBOOK_FILE.search(text)


def test_renumbering_shifts_every_citation_once(tmp_path):
    """`tools/renumber_chapters.py` renumbers prose citations and titles in one pass."""
    sys.path.insert(0, str(ROOT / "tools"))
    from renumber_chapters import rewrite, shift_citations

    numbers = {"06b": "07", "07": "08", "08": "09"}
    text = "See chapter 07, Chapters 07-08, chapters 06 and 08, ch. 08; chapter 7 and 2007."
    assert shift_citations(text, numbers) == (
        "See chapter 08, Chapters 08-09, chapters 06 and 09, ch. 09; chapter 7 and 2007."
    )
    twin = tmp_path / "07_optimizers.md"
    twin.write_text("# 07 Optimizers\n\nChapter 08 and {doc}`08_training` follow.\n")
    stems = {"07_optimizers": "08_optimizers", "08_training": "09_training"}
    assert rewrite(twin, "notebooks/md/07_optimizers.md", numbers, stems)
    assert twin.read_text() == "# 08 Optimizers\n\nChapter 09 and {doc}`09_training` follow.\n"
    spanish = "Ver el capítulo 07, los capítulos 07 y 08, capítulos 06 a 08; el año 2007."
    assert shift_citations(spanish, numbers) == (
        "Ver el capítulo 08, los capítulos 08 y 09, capítulos 06 a 09; el año 2007."
    )
    catalogue = tmp_path / "07_optimizers.po"
    catalogue.write_text('msgid "07 Optimizers"\nmsgstr "07 Optimizadores"\n')
    assert rewrite(catalogue, "locale/es/LC_MESSAGES/notebooks/07_optimizers.po", numbers, stems)
    assert catalogue.read_text() == 'msgid "08 Optimizers"\nmsgstr "08 Optimizadores"\n'
    code = tmp_path / "x.py"
    code.write_text('path = "notebooks/07_optimizers.ipynb"  # chapter 07\n')
    assert rewrite(code, "course_utils/x.py", numbers, stems)  # file names move, prose rules not
    assert code.read_text() == 'path = "notebooks/08_optimizers.ipynb"  # chapter 07\n'

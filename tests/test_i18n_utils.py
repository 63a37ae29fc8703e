"""course_utils in Spanish: its catalogue is complete and current, and the language really switches.

The catalogue `course_utils/locale/es/LC_MESSAGES/course_utils.po` must hold every message the
code marks with `_()` or `N_()` (and nothing else), each translated, none fuzzy, each keeping
the English message's `{placeholders}`, numbers and `inline code`. Then a real exercise check,
a figure and a widget speak Spanish under `set_language("es")`, `setup(lang="es")` or
`COURSE_LANG=es`, with the numbers they print unchanged; and a language that is not offered is
refused with a clear error.
"""

import os
import re
import string
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import polib
import pytest
from conftest import ROOT

from course_utils import i18n
from course_utils.checks import check_box_blur, check_vertical_edge_kernel
from course_utils.plotting import draw_windows, show_feature_maps, show_heatmap_overlay
from course_utils.runtime import setup

sys.path.insert(0, str(ROOT / "tools"))
from course_utils_catalogue import Extraction, _scan, catalogue_path, extract

RUN_TOOL = "run `python tools/course_utils_catalogue.py`, then translate its new entries"
NUMBER = re.compile(r"(?:(?<![\w)])-)?\d+(?:\.\d+)?(?:e-?\d+)?")  # "block-2" holds 2, not -2


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(catalogue_path("es")))


@pytest.fixture
def spanish():
    """Spanish for one test, then the language the session had before."""
    before = i18n.language()
    i18n.set_language("es")
    try:
        yield
    finally:
        i18n.set_language(before)


@pytest.fixture
def english():
    before = i18n.language()
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language(before)


# --- the catalogue -------------------------------------------------------------------------------


def test_every_marked_message_can_be_extracted():
    found = extract()
    assert not found.errors, "\n".join(found.errors)
    assert len(found.messages) > 300  # the feedback of every exercise, the figures, the widgets


def test_the_catalogue_is_current(catalogue):
    in_code = set(extract().messages)
    in_catalogue = {entry.msgid for entry in catalogue if not entry.obsolete}
    missing, stale = sorted(in_code - in_catalogue), sorted(in_catalogue - in_code)
    obsolete = [entry.msgid for entry in catalogue if entry.obsolete]
    assert not missing, f"{len(missing)} messages not in the catalogue ({RUN_TOOL}): {missing[:5]}"
    assert not stale, f"{len(stale)} messages no longer in the code ({RUN_TOOL}): {stale[:5]}"
    assert not obsolete, f"obsolete entries ({RUN_TOOL}): {obsolete[:5]}"


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check them, then drop the flag): {fuzzy[:5]}"


def _fields(text: str) -> list[tuple]:
    """The `{name!r:.3g}` fields of a template: name, conversion, format."""
    return sorted(
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def _numbers(text: str) -> list[str]:
    """The numbers a message writes out itself (its fields left aside)."""
    return sorted(NUMBER.findall(re.sub(r"\{[^{}]*\}", " ", text)))


def test_translations_keep_placeholders_numbers_and_code(catalogue):
    problems = []
    for entry in catalogue.translated_entries():
        english, spanish = entry.msgid, entry.msgstr
        if _fields(english) != _fields(spanish):
            problems.append(f"fields {_fields(english)} != {_fields(spanish)}: {english!r}")
        if _numbers(english) != _numbers(spanish):
            problems.append(f"numbers {_numbers(english)} != {_numbers(spanish)}: {english!r}")
        code = re.compile(r"`[^`]*`")
        if sorted(code.findall(english)) != sorted(code.findall(spanish)):
            problems.append(f"inline code changed: {english!r}")
        if english.endswith(" ") != spanish.endswith(" "):  # prefixes joined to a message
            problems.append(f"trailing space: {english!r}")
    assert not problems, "\n".join(problems[:10])


def test_feedback_opens_as_the_english_does(catalogue):
    """Verdicts read "Correcto: ..." and "Todavía no: ..."."""
    spanish = {entry.msgid: entry.msgstr for entry in catalogue}
    assert spanish["Correct: {message}"] == "Correcto: {message}"
    assert spanish["Not yet: {message}"] == "Todavía no: {message}"


def test_extraction_refuses_what_it_cannot_read(tmp_path):
    """A non-literal argument, or `_` rebound in a module that translates, is an error."""
    probe = tmp_path / "course_utils" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(
        "from course_utils.i18n import _\n"
        "word = 'x'\n"
        "a = _(f'got {word}')\n"
        "b = _(word)\n"
        "for _ in range(2):\n"
        "    pass\n"
        "c = _('fine')\n",
        encoding="utf-8",
    )
    found = Extraction()
    _scan(probe, found, root=tmp_path)
    where = "course_utils/probe.py"
    assert [error.split(": ")[0] for error in found.errors] == [f"{where}:{n}" for n in (3, 4, 5)]
    assert "_() needs one string literal, got _(f'got {word}')" in found.errors[0]
    assert "`_` is rebound" in found.errors[2]
    assert list(found.messages) == ["fine"]


# --- the language switches ---------------------------------------------------------------------


def _feedback_pairs():
    """(English repr, Spanish repr) of real verdicts: placeholders, wrong and right answers."""
    edge = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    answers = [
        (check_box_blur, None),
        (check_box_blur, np.ones((5, 5))),
        (check_box_blur, np.ones((3, 3))),
        (check_box_blur, np.full((5, 5), 1 / 25)),
        (check_vertical_edge_kernel, -edge),
        (check_vertical_edge_kernel, edge),
    ]
    pairs = []
    for check, answer in answers:
        verdicts = []
        for lang in ("en", "es"):
            i18n.set_language(lang)
            verdicts.append(repr(check(answer)))
        pairs.append(tuple(verdicts))
    return pairs


def test_a_real_check_speaks_spanish_with_the_same_numbers():
    before = i18n.language()
    try:
        pairs = _feedback_pairs()
    finally:
        i18n.set_language(before)
    english, spanish = zip(*pairs, strict=True)
    verdicts = [text.split(":")[0] for text in english]
    assert verdicts == ["Not yet", "Not yet", "Not yet", "Correct", "Not yet", "Correct"]
    for en, es in pairs:
        assert en != es
        assert es.startswith("Correcto: ") == en.startswith("Correct: ")
        assert es.startswith("Todavía no: ") == en.startswith("Not yet: ")
        assert sorted(NUMBER.findall(en)) == sorted(NUMBER.findall(es)), (en, es)
    assert "sustituye `None` por" in spanish[0]
    assert "los pesos suman 25" in spanish[1]  # the learner's own number, formatted as in English
    assert english[1].startswith("Not yet: the weights sum to 25;")


def test_the_language_switches_after_import_and_back():
    before = i18n.language()
    try:
        i18n.set_language("es")
        assert i18n.language() == "es"
        assert repr(check_box_blur(None)).startswith("Todavía no: ")
        i18n.set_language("en")
        assert repr(check_box_blur(None)).startswith("Not yet: replace `None` with")
    finally:
        i18n.set_language(before)


def test_setup_sets_the_language_and_none_keeps_it():
    before = i18n.language()
    try:
        setup(seed=0, lang="es")
        assert i18n.language() == "es"
        setup(seed=0)
        assert i18n.language() == "es"
        setup(seed=0, lang="en")
        assert i18n.language() == "en"
    finally:
        i18n.set_language(before)


def test_figures_get_spanish_titles_and_labels(spanish):
    fig, ax = plt.subplots()
    try:
        draw_windows(ax, n=5, k=3, stride=2, padding=1)
        assert ax.get_title() == "n=5, k=3, s=2, p=1: salida de 3x3"
        assert ax.get_xlabel() == "columna (entrada con relleno)"
        assert ax.get_ylabel() == "fila (entrada con relleno)"
        show_heatmap_overlay(np.zeros((4, 4)), np.ones((4, 4)), ax=ax)
        labels = [other.get_ylabel() for other in fig.axes if other is not ax]
        assert "atribución" in labels
    finally:
        plt.close(fig)
    fig = show_feature_maps(np.random.default_rng(0).normal(size=(2, 4, 4)))
    try:
        assert "activación" in [ax.get_ylabel() for ax in fig.axes]
    finally:
        plt.close(fig)


def test_figures_stay_english_in_english(english):
    fig, ax = plt.subplots()
    try:
        draw_windows(ax, n=5, k=3, stride=2, padding=1)
        assert ax.get_title() == "n=5, k=3, s=2, p=1: 3x3 output"
        assert ax.get_xlabel() == "column (padded input)"
    finally:
        plt.close(fig)


def test_the_kernel_explorer_labels_are_spanish(spanish):
    from course_utils.widgets import _KernelExplorer

    explorer = _KernelExplorer(np.zeros((8, 8)), "sobel_x")
    assert explorer.preset.description == "predefinido"
    assert explorer.relu.description == "aplicar ReLU, max(0, x)"
    assert explorer.info.value.startswith("gradiente horizontal: responde a los bordes verticales")
    assert "suma de los pesos: 0" in explorer.info.value


def _run(code: str, lang: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COURSE_LANG": lang, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_course_lang_sets_the_language_of_a_new_session():
    code = (
        "from course_utils.checks import check_box_blur\n"
        "from course_utils.i18n import language\n"
        "print(language()); print(repr(check_box_blur(None)))"
    )
    done = _run(code, "es")
    assert done.returncode == 0, done.stderr
    lang, verdict = done.stdout.splitlines()[:2]
    assert lang == "es" and verdict.startswith("Todavía no: sustituye `None` por")
    refused = _run(code, "fr")
    assert refused.returncode != 0
    assert "ValueError: COURSE_LANG" in refused.stderr and "'en', 'es'" in refused.stderr
    assert "'fr'" in refused.stderr


@pytest.mark.parametrize("bad", ["fr", "", "spanish", None, 1])
def test_a_language_not_offered_is_refused_clearly(bad):
    before = i18n.language()
    with pytest.raises(ValueError, match=r"set_language: `lang` must be one of 'en', 'es', got"):
        i18n.set_language(bad)
    assert i18n.language() == before
    if bad is not None:  # setup(lang=None) keeps the language
        with pytest.raises(ValueError, match=r"^setup: `lang` must be one of 'en', 'es', got"):
            setup(seed=0, lang=bad)
        assert i18n.language() == before


def test_a_message_without_translation_stays_english(spanish):
    assert i18n.gettext("a message no catalogue holds") == "a message no catalogue holds"
    assert i18n.N_("marked, not translated") == "marked, not translated"

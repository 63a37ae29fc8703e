"""A small pytest plugin that extends nbval: numbers compared within a tolerance a cell declares.

nbval re-executes every notebook and compares each cell's text output with the stored one,
character for character. That is right for results that are exact on every machine (integers,
shapes, hand-made examples, small float64 computations). Results of float32 reductions
(training, optimisation paths, attributions, t-SNE, style transfer) legitimately differ in their
last digits between instruction sets (AVX2, AVX-512, ARM), thread counts and GPUs.

A cell declares how far its printed numbers may move in its metadata, where a reviewer sees it::

    "tolerance": {"rtol": 0.02, "atol": 0.005, "reason": "a 10-epoch training run"}

For such a cell every number in a text output (stream text or text/plain) may differ from the
stored one by at most `atol + rtol * |stored|`. Everything else in the text (the words, the
punctuation, how many numbers there are) is still compared exactly, except how many spaces
pad a number (NumPy aligns array columns). Cells without the key are
compared exactly, as nbval does. nbval stays the runner: this plugin only rewrites a fresh output
to its stored twin when the two agree within the declared tolerance, then lets nbval compare.

The lesson's own `assert`, in the hidden cell after it, guards the claim (the hygiene tests
require one), so a loose comparison never hides a broken lesson.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pytest

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")
TEXT_KEYS = ("text/plain",)


def tolerance_of(metadata) -> tuple[float, float] | None:
    """(rtol, atol) that a cell's metadata declares, or None for exact comparison."""
    spec = metadata.get("tolerance") if hasattr(metadata, "get") else None
    if spec is None:
        return None
    rtol, atol = spec.get("rtol", 0.0), spec.get("atol", 0.0)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
            raise ValueError(
                f"cell metadata 'tolerance': {name} must be a number >= 0, got {value!r}"
            )
    return float(rtol), float(atol)


SPACES = re.compile(r"[ \t]+")


def _split(text: str) -> tuple[list[str], list[str]]:
    """The text between the numbers (runs of spaces counted as one), and the numbers.

    NumPy pads the numbers of an array to one width, so a value that gains a digit moves its
    neighbours by a space: how many spaces separate two numbers is not part of the text.
    """
    return [SPACES.sub(" ", words) for words in NUMBER.split(text)], NUMBER.findall(text)


def numbers_close(fresh: str, stored: str, rtol: float, atol: float) -> bool:
    """Whether two numerals agree within `atol + rtol * |stored|` (nan equals nan)."""
    a, b = float(fresh), float(stored)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b) + 1e-12


def paired_numbers(fresh: str, stored: str) -> list[tuple[str, str]] | None:
    """The (fresh, stored) numerals of two texts in order, or None if the texts differ otherwise.

    None when the words between the numbers differ, or how many numbers there are: then no
    tolerance can make the texts agree. `benchmarks/spreads.py` measures spreads with it.
    """
    fresh_words, fresh_numbers = _split(fresh)
    stored_words, stored_numbers = _split(stored)
    if fresh_words != stored_words or len(fresh_numbers) != len(stored_numbers):
        return None
    return list(zip(fresh_numbers, stored_numbers, strict=True))


def texts_agree(fresh: str, stored: str, rtol: float, atol: float) -> bool:
    """Whether two texts are equal apart from numbers that agree within the tolerance."""
    pairs = paired_numbers(fresh, stored)
    return pairs is not None and all(numbers_close(a, b, rtol, atol) for a, b in pairs)


def _text_fields(output) -> Iterable[tuple[object, str]]:
    """(container, key) of every text field of one output that holds compared text."""
    if output.get("output_type") == "stream":
        yield output, "text"
    for key in TEXT_KEYS:
        if key in output.get("data", {}):
            yield output["data"], key


def align_within_tolerance(fresh_outputs, stored_outputs, rtol, atol, sanitize) -> None:
    """Replace each fresh text by its stored twin where they agree within the tolerance.

    Outputs are paired in order; a pair of different kinds, or texts that differ in anything
    but the value of their numbers, is left as it is, for nbval to report.
    """
    for fresh, stored in zip(fresh_outputs, stored_outputs, strict=False):
        if fresh.get("output_type") != stored.get("output_type") or fresh.get("name") != stored.get(
            "name"
        ):
            continue
        stored_fields = dict((key, box) for box, key in _text_fields(stored))
        for box, key in _text_fields(fresh):
            if key not in stored_fields:
                continue
            fresh_text, stored_text = box[key], stored_fields[key][key]
            fresh_text = "".join(fresh_text) if isinstance(fresh_text, list) else fresh_text
            stored_text = "".join(stored_text) if isinstance(stored_text, list) else stored_text
            if texts_agree(sanitize(fresh_text), sanitize(stored_text), rtol, atol):
                box[key] = stored_text


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Wrap nbval's output comparison, when nbval is active, with the declared tolerances."""
    if not (getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False)):
        return
    from nbval import plugin as nbval_plugin

    cell_class = nbval_plugin.IPyNbCell
    if getattr(cell_class, "_course_tolerance", False):
        return
    exact_compare = cell_class.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        tolerance = tolerance_of(self.cell.get("metadata", {}))
        if tolerance is not None:  # both lists hold coalesced outputs, streams merged by name
            align_within_tolerance(test, ref, *tolerance, self.sanitize)
        return exact_compare(self, test, ref, skip_compare)

    cell_class.compare_outputs = compare_outputs
    cell_class._course_tolerance = True

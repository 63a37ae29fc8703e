"""A small pytest plugin that extends nbval: numbers within a declared tolerance, and figures.

nbval re-executes every notebook and compares each cell's text output with the stored one,
character for character. That is right for results that are exact on every machine (integers,
shapes, hand-made examples, small float64 computations). Results of float32 reductions
(training, optimisation paths, attributions, t-SNE, style transfer) legitimately differ in their
last digits between instruction sets (AVX2, AVX-512, ARM), thread counts and GPUs.

Numbers. A cell declares how far its printed numbers may move in its metadata, where a
reviewer sees it::

    "tolerance": {"rtol": 0.02, "atol": 0.005, "reason": "a 10-epoch training run"}

For such a cell every number that can move may differ from the stored one by at most
`atol + rtol * |stored|`. Numbers that can move are decimals (`0.97`, `1e-06`, `nan`). Stay
exact: integers (labels, counts, sizes: `class 7`, `100 of 100`), and every number attached
to a word (`class-7`, `block3`, `224x224`, `7s`). An integer that truly moves (a count of
pixels over a noisy threshold, a logit printed rounded) is opted in by a regular expression
over the stored text; the integers inside its groups (or its whole match, without groups) are
then compared within the tolerance (`^` and `$` match at each line)::

    "tolerance": {"atol": 3, "loose_integers": ["on +(\\d+) of 100"], "reason": "..."}

and `"exact": [regex, ...]` keeps every number inside its groups (or match) exact. Everything
else in the text (the words, the punctuation, how many numbers there are) is compared exactly,
except how many spaces pad a number (NumPy aligns array columns). Cells without the key are
compared exactly, as nbval does. nbval stays the runner: this plugin only rewrites a fresh
output to its stored twin when the two agree within the declared tolerance, then lets nbval
compare.

Figures. nbval does not compare images. Every PNG or JPEG output is compared here with its
stored twin, in order: a different number of figures, or a different size in pixels, fails;
otherwise both are shrunk to colour thumbnails 64 px on the long side and the largest mean
absolute difference of any region (8 x 8 thumbnail pixels, colour values 0 to 1) must stay
within `FIGURE_TOLERANCE`, or within what the cell declares where float noise moves pixels::

    "figure_tolerance": {"max_diff": 0.15, "reason": "a t-SNE map moves between processors"}

A blank figure, a swapped colormap, a transposed image or a missing panel each move some
region by far more (tests/test_nbval_tolerance.py). A figure with less than half the ink
(distance from white) of the stored one fails as blank under any tolerance. A cell tagged
`nbval-ignore-output` is not compared at all, figures included: the same budget of 5 covers
both.

The lesson's own `assert`, in the hidden cell after it, guards the claim (the hygiene tests
require one), so a loose comparison never hides a broken lesson.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")
INTEGER = re.compile(r"[-+]?\d+")
TEXT_KEYS = ("text/plain",)
IMAGE_KEYS = ("image/png", "image/jpeg")
FIGURE_TOLERANCE = 0.02  # the default largest regional difference of a figure (0 to 1)
THUMBNAIL = 64  # pixels on the long side
REGION = 8  # thumbnail pixels on a side of a compared region
BLANK = 0.5  # a figure with less than half the stored one's ink is reported as blank
#: nbval's method that the plugin wraps; test_nbval_tolerance checks its signature.
WRAPPED = ("IPyNbCell.compare_outputs", ("self", "test", "ref", "skip_compare"))


@dataclass(frozen=True)
class Rules:
    """How one cell's numbers are compared: the tolerance and which integers may move."""

    rtol: float
    atol: float
    loose_integers: tuple[re.Pattern, ...] = ()
    exact: tuple[re.Pattern, ...] = ()


def _patterns(spec: dict, key: str) -> tuple[re.Pattern, ...]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError(f"cell metadata 'tolerance': {key} must be a list of regexes")
    try:
        return tuple(re.compile(p, re.M) for p in value)
    except re.error as error:
        raise ValueError(f"cell metadata 'tolerance': {key} holds a bad regex: {error}") from None


def rules_of(metadata) -> Rules | None:
    """The number rules that a cell's metadata declares, or None for exact comparison."""
    spec = metadata.get("tolerance") if hasattr(metadata, "get") else None
    if spec is None:
        return None
    rtol, atol = spec.get("rtol", 0.0), spec.get("atol", 0.0)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
            raise ValueError(
                f"cell metadata 'tolerance': {name} must be a number >= 0, got {value!r}"
            )
    return Rules(
        float(rtol), float(atol), _patterns(spec, "loose_integers"), _patterns(spec, "exact")
    )


def tolerance_of(metadata) -> tuple[float, float] | None:
    """(rtol, atol) that a cell's metadata declares, or None for exact comparison."""
    rules = rules_of(metadata)
    return None if rules is None else (rules.rtol, rules.atol)


SPACES = re.compile(r"[ \t]+")


def _split(text: str) -> tuple[list[str], list[re.Match]]:
    """The text between the numbers (runs of spaces counted as one), and the numbers.

    NumPy pads the numbers of an array to one width, so a value that gains a digit moves its
    neighbours by a space: how many spaces separate two numbers is not part of the text.
    """
    return [SPACES.sub(" ", words) for words in NUMBER.split(text)], list(NUMBER.finditer(text))


def attached(text: str, match: re.Match) -> bool:
    """Whether a numeral is part of a word: `class-7`, `block3`, `224x224`, `7s`, `16-18`."""
    start, end = match.span()
    if text[start] in "+-" and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return True  # the sign is a hyphen: class-7
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if after == "-" and end + 1 < len(text) and text[end + 1].isalpha():
        return True  # 2-D, 5-NN
    return before.isalnum() or before == "_" or after.isalnum() or after == "_"


def _inside(patterns: tuple[re.Pattern, ...], text: str, span: tuple[int, int]) -> bool:
    """Whether `span` lies within a group of a match (or the match, without groups)."""
    for pattern in patterns:
        for found in pattern.finditer(text):
            groups = range(1, pattern.groups + 1) if pattern.groups else (0,)
            for group in groups:
                if found.start(group) <= span[0] and span[1] <= found.end(group) != -1:
                    return True
    return False


def can_move(text: str, match: re.Match, rules: Rules) -> bool:
    """Whether a numeral of the stored `text` is compared within the tolerance."""
    if attached(text, match) or _inside(rules.exact, text, match.span()):
        return False
    if INTEGER.fullmatch(match.group()):
        return _inside(rules.loose_integers, text, match.span())
    return True


def paired_numbers(
    fresh: str, stored: str, rules: Rules | None = None
) -> list[tuple[str, str]] | None:
    """The (fresh, stored) numerals that can move, in order, or None if anything else differs.

    None when the words between the numbers differ, how many numbers there are, or a number
    that stays exact under `rules` (default: every number can move): then no tolerance can make
    the texts agree. `benchmarks/spreads.py` measures spreads with it.
    """
    fresh_words, fresh_numbers = _split(fresh)
    stored_words, stored_numbers = _split(stored)
    if fresh_words != stored_words or len(fresh_numbers) != len(stored_numbers):
        return None
    pairs = []
    for new, old in zip(fresh_numbers, stored_numbers, strict=True):
        if rules is None or can_move(stored, old, rules):
            pairs.append((new.group(), old.group()))
        elif new.group() != old.group():
            return None
    return pairs


def numbers_close(fresh: str, stored: str, rtol: float, atol: float) -> bool:
    """Whether two numerals agree within `atol + rtol * |stored|` (nan equals nan)."""
    a, b = float(fresh), float(stored)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b) + 1e-12


def texts_agree(fresh: str, stored: str, rtol: float, atol: float, rules: Rules | None = None):
    """Whether two texts are equal apart from numbers that can move and agree within tolerance.

    Without `rules`, the integers and attached numbers stay exact and every decimal can move.
    """
    rules = Rules(rtol, atol) if rules is None else rules
    pairs = paired_numbers(fresh, stored, rules)
    return pairs is not None and all(numbers_close(a, b, rtol, atol) for a, b in pairs)


def _text_fields(output) -> Iterable[tuple[object, str]]:
    """(container, key) of every text field of one output that holds compared text."""
    if output.get("output_type") == "stream":
        yield output, "text"
    for key in TEXT_KEYS:
        if key in output.get("data", {}):
            yield output["data"], key


def align_within_tolerance(fresh_outputs, stored_outputs, rules: Rules, sanitize) -> None:
    """Replace each fresh text by its stored twin where they agree within the tolerance.

    Outputs are paired in order; a pair of different kinds, or texts that differ in anything
    but the value of numbers that can move, is left as it is, for nbval to report.
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
            if texts_agree(
                sanitize(fresh_text), sanitize(stored_text), rules.rtol, rules.atol, rules
            ):
                box[key] = stored_text


def figure_tolerance_of(metadata) -> float:
    """The largest regional difference a cell's figures may show (FIGURE_TOLERANCE unless set)."""
    spec = metadata.get("figure_tolerance") if hasattr(metadata, "get") else None
    if spec is None:
        return FIGURE_TOLERANCE
    value = spec.get("max_diff") if isinstance(spec, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 1:
        raise ValueError(
            f"cell metadata 'figure_tolerance': max_diff must be a number in [0, 1), got {value!r}"
        )
    return float(value)


def decode_figure(data: str | bytes) -> np.ndarray:
    """An image output (base64 PNG or JPEG) as RGB floats 0-1, transparency laid on white."""
    raw = base64.b64decode("".join(data) if isinstance(data, list) else data)
    with Image.open(io.BytesIO(raw)) as image:
        rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.float64) / 255


def thumbnail(rgb: np.ndarray, side: int = THUMBNAIL) -> np.ndarray:
    """`rgb` shrunk by area averaging to `side` pixels on its long side."""
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.fromarray(np.round(rgb * 255).astype(np.uint8))
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float64) / 255


def figure_difference(fresh: np.ndarray, stored: np.ndarray) -> tuple[float, float]:
    """(largest regional, mean) absolute difference of two same-sized images' thumbnails."""
    difference = np.abs(thumbnail(fresh) - thumbnail(stored)).mean(axis=2)
    height, width = difference.shape
    step = REGION // 2
    regions = [
        difference[top : top + REGION, left : left + REGION].mean()
        for top in range(0, max(1, height - REGION + step), step)
        for left in range(0, max(1, width - REGION + step), step)
    ]
    return float(max(regions)), float(difference.mean())


def ink(rgb: np.ndarray) -> float:
    """How far a figure's thumbnail is from a white page, on average (0: blank)."""
    return float(np.abs(1 - thumbnail(rgb)).mean())


def figures_of(outputs) -> list[tuple[str, str]]:
    """(mime type, data) of every image output, in order."""
    return [
        (key, output["data"][key])
        for output in outputs
        for key in IMAGE_KEYS
        if key in output.get("data", {})
    ]


def figure_problems(fresh_outputs, stored_outputs, tolerance: float) -> list[str]:
    """Why the fresh figures of a cell differ from the stored ones (an empty list: they agree)."""
    fresh, stored = figures_of(fresh_outputs), figures_of(stored_outputs)
    if [kind for kind, _ in fresh] != [kind for kind, _ in stored]:
        return [
            f"the cell drew {len(fresh)} figure(s) {[k for k, _ in fresh]}, the stored output "
            f"holds {len(stored)} {[k for k, _ in stored]}"
        ]
    problems = []
    for number, ((kind, new), (_, old)) in enumerate(zip(fresh, stored, strict=True), 1):
        new_image, old_image = decode_figure(new), decode_figure(old)
        if new_image.shape != old_image.shape:
            problems.append(
                f"figure {number} ({kind}) changed size: {new_image.shape[1]}x"
                f"{new_image.shape[0]} px, the stored one is {old_image.shape[1]}x"
                f"{old_image.shape[0]} px"
            )
            continue
        largest, mean = figure_difference(new_image, old_image)
        if ink(new_image) < BLANK * ink(old_image):
            problems.append(
                f"figure {number} ({kind}) is (nearly) blank: it holds {ink(new_image):.4f} of "
                f"ink (mean distance from white), the stored one {ink(old_image):.4f}"
            )
        elif largest > tolerance:
            problems.append(
                f"figure {number} ({kind}) differs from the stored one: a region of its "
                f"{THUMBNAIL}-px thumbnail differs by {largest:.3f} (mean {mean:.3f}; colour "
                f"values 0-1), more than the tolerance {tolerance:g}. If float noise moves its "
                'pixels, declare "figure_tolerance": {"max_diff": ..., "reason": ...} in the '
                "cell's metadata, wider than the spread measured on other processors"
            )
    return problems


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
        metadata = self.cell.get("metadata", {})
        rules = rules_of(metadata)
        if rules is not None:  # both lists hold coalesced outputs, streams merged by name
            align_within_tolerance(test, ref, rules, self.sanitize)
        problems = figure_problems(test, ref, figure_tolerance_of(metadata))
        same_text = exact_compare(self, test, ref, skip_compare)  # (re)sets comparison_traceback
        self.comparison_traceback += [self.colors.FAIL + p + self.colors.ENDC for p in problems]
        return same_text and not problems

    cell_class._course_exact_compare = exact_compare  # for the signature test
    cell_class.compare_outputs = compare_outputs
    cell_class._course_tolerance = True

"""Exercise check for chapter 08's feature-visualization section.

Written beside `course_utils.checks` while that module becomes a package; it uses the same
`Feedback` helpers, and moves into the package when the branches merge.
"""

from __future__ import annotations

import numbers

from course_utils.checks import Feedback, _not_yet

__all__ = ["check_pooled_receptive_field"]


def _as_triple(answer) -> tuple[int, int, int] | Feedback:
    """Three integers (size, stride, offset), or a Feedback saying why not."""
    try:
        values = tuple(answer)
    except TypeError:
        return Feedback(
            False, f"give the triple (size, stride, offset), got {type(answer).__name__}."
        )
    if len(values) != 3:
        return Feedback(False, f"give three numbers (size, stride, offset), got {len(values)}.")
    if not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer()
        for v in values
    ):
        return Feedback(
            False, f"size, stride and offset are whole numbers of pixels, got {values}."
        )
    return tuple(int(v) for v in values)


def check_pooled_receptive_field(answer) -> Feedback:
    """Exercise ex-08-receptive-field (chapter 08): the receptive field after block 3's pooling."""
    from course_utils.featurevis import receptive_field
    from course_utils.models import DigitCNN

    missing = _not_yet(answer, "the triple (size, stride, offset)")
    if missing is not None:
        return missing
    triple = _as_triple(answer)
    if isinstance(triple, Feedback):
        return triple
    model = DigitCNN()  # the geometry only: weights play no part
    expected = receptive_field(model, "pool", (1, 28, 28))  # the shared pool's last call
    if triple == expected:
        size, stride, offset = triple
        return Feedback(
            True,
            f"each of the 3x3 positions sees a {size}x{size} window, {stride} pixels from the "
            f"next, the first starting at pixel {offset} (in the padding).",
        )
    if triple == receptive_field(model, "bn3", (1, 28, 28)):
        return Feedback(False, "that is block 3 before its pooling; add the last 2x2 pooling.")
    size, stride, offset = triple
    if stride != expected[1]:
        return Feedback(False, "the stride should be the product of the strides of all layers.")
    if size != expected[0]:
        return Feedback(
            False,
            "the size is not right: each layer adds (kernel - 1) times the jump *before* that "
            "layer, the jump being the product of the strides before it.",
        )
    return Feedback(
        False,
        "size and stride are right, the offset is not: each padding p moves the start by "
        "p times the jump before that layer (poolings here have no padding).",
    )

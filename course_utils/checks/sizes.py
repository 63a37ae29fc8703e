"""Exercise checks of the chapter on what the network learned: sizes through the layers.

The receptive field of a pooled unit of the digit classifier, and the size of MobileNetV2's
feature maps after each block, for an input of another size.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from course_utils.featurevis import receptive_field
from course_utils.i18n import N_, _
from course_utils.models import DigitCNN

from ._feedback import Feedback, NotYet, exercise, read_array

__all__ = ["check_block_sizes", "check_pooled_receptive_field"]


def _as_triple(answer: Any) -> tuple[int, int, int]:
    """Three integers (size, stride, offset), or a "not yet" stop saying why not."""
    try:
        values = tuple(answer)
    except TypeError:
        raise NotYet(
            _("give the triple (size, stride, offset), got {type}.").format(
                type=type(answer).__name__
            )
        ) from None
    if len(values) != 3:
        raise NotYet(_("give three numbers (size, stride, offset), got {n}.").format(n=len(values)))
    if not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer()
        for v in values
    ):
        raise NotYet(
            _("size, stride and offset are whole numbers of pixels, got {values}.").format(
                values=values
            )
        )
    return tuple(int(v) for v in values)


@exercise(N_("the triple (size, stride, offset)"))
def check_pooled_receptive_field(answer: Any) -> Feedback:
    """Exercise ex-receptive-field: the receptive field after block 3's pooling."""
    triple = _as_triple(answer)
    model = DigitCNN()  # the geometry only: weights play no part
    expected = receptive_field(model, "pool", (1, 28, 28))  # the shared pool's last call
    if triple == expected:
        size, stride, offset = triple
        return Feedback(
            True,
            _(
                "each of the 3x3 positions sees a {size}x{size} window, {stride} pixels from "
                "the next, the first starting at pixel {offset} (in the padding)."
            ).format(size=size, stride=stride, offset=offset),
        )
    if triple == receptive_field(model, "bn3", (1, 28, 28)):
        return Feedback(False, _("that is block 3 before its pooling; add the last 2x2 pooling."))
    size, stride, offset = triple
    if stride != expected[1]:
        return Feedback(False, _("the stride should be the product of the strides of all layers."))
    if size != expected[0]:
        return Feedback(
            False,
            _(
                "the size is not right: each layer adds (kernel - 1) times the jump *before* "
                "that layer, the jump being the product of the strides before it."
            ),
        )
    return Feedback(
        False,
        _(
            "size and stride are right, the offset is not: each padding p moves the start "
            "by p times the jump before that layer (poolings here have no padding)."
        ),
    )


def _mobilenet_sizes(size: int) -> list[int]:
    """The spatial size after each of MobileNetV2's 19 feature blocks for a square input."""
    from torchvision.models import mobilenet_v2

    from course_utils.models import describe

    traced = describe(mobilenet_v2(), (1, 3, size, size))  # the geometry only: no weights
    return [traced.shape_of(f"features.{k}")[2] for k in range(19)]


def _read_sizes(answer: Any) -> list[int]:
    """The answer as a list of whole numbers, or a "not yet" stop saying why not."""
    array = read_array(answer, "block_sizes")
    if array.ndim != 1:
        raise NotYet(
            _("give a flat list of 19 sizes, got an array of shape {shape}.").format(
                shape=array.shape
            )
        )
    if len(array) != 19:
        raise NotYet(
            _("give 19 sizes, one per block `features[0]` to `features[18]`; got {n}.").format(
                n=len(array)
            )
        )
    if not np.all(array == np.round(array)):
        raise NotYet(_("sizes are whole numbers of positions: round down inside the formula."))
    return [int(v) for v in array]


def _size_hint(sizes: list[int], expected: list[int]) -> str:
    """What a wrong list of block sizes most likely is."""
    if sizes == _mobilenet_sizes(224):
        return _("those are the sizes for a 224x224 input; the exercise asks for 200x200.")
    if sizes == [200, *expected[:-1]]:
        return _("those are the sizes *entering* each block; give the size leaving it.")
    if sizes[:4] == [32, 16, 24, 24]:
        return _("those are channel counts; give the spatial size (height = width) of the maps.")
    floor_halves, size = [], 200
    for before, after in zip([200, *expected[:-1]], expected, strict=True):
        size = size // 2 if after != before else size
        floor_halves.append(size)
    if sizes == floor_halves:
        return _(
            "25 does not become 12: a 3x3 convolution with stride 2 and padding 1 gives "
            "floor((n + 2 - 3) / 2) + 1, which is 13 for n = 25 (it rounds odd sizes up)."
        )
    steps = list(zip([200, *sizes[:-1]], sizes, strict=True))
    if all(b <= a for a, b in steps) and sum(b < a for a, b in steps) > 5:
        return _(
            "not every block halves the size: only those whose convolutions have stride 2 "
            "(read each `nn.Conv2d`'s `stride`)."
        )
    first = next(k for k, (a, b) in enumerate(zip(sizes, expected, strict=True)) if a != b)
    return (
        _(
            "the sizes are right up to `features[{last_right}]` and wrong from "
            "`features[{first_wrong}]`"
        ).format(last_right=first - 1, first_wrong=first)
        if first
        else _("the first block, `features[0]`, already has the wrong size")
    ) + _(": apply (n + 2 * padding - kernel) // stride + 1 to every convolution in order.")


@exercise(N_("the list of 19 output sizes"))
def check_block_sizes(answer: Any) -> Feedback:
    """Exercise ex-block-sizes: MobileNetV2's block output sizes for 200x200."""
    sizes = _read_sizes(answer)
    expected = _mobilenet_sizes(200)
    if sizes == expected:
        return Feedback(
            True,
            _(
                "200 becomes 100, 50, 25, 13 and 7 at the five stride-2 blocks (features[0], "
                "2, 4, 7 and 14); every other block keeps the size."
            ),
        )
    return Feedback(False, _size_hint(sizes, expected))

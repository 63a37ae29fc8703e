"""Exercise checks of the pooling chapter: max pooling by hand and as a function, GAP heads."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.i18n import N_, _
from course_utils.ops import avg_pool2d, max_pool2d

from ._by_hand import refuse_in_answer, refuse_in_function
from ._feedback import (
    Feedback,
    NotYet,
    _compare,
    check_callable,
    exercise,
    learner_call,
    read_array,
    require,
    second_part,
)

__all__ = ["check_max_pool_by_hand", "check_max_pool_function", "check_head_parameters"]


def _grid() -> np.ndarray:
    """The 4x6 array of ex-max-pool."""
    return np.array(
        [[0, 3, 1, 1, 5, 2], [2, 1, 0, 4, 0, 1], [7, 2, 3, 1, 0, 0], [1, 0, 6, 2, 2, 8]],
        dtype=np.float64,
    )


def _library_max_pools(what: str) -> dict[str, str]:
    """The library max poolings the two by-hand exercises refuse, each with the reason shown."""
    names = (
        "max_pool2d",
        "MaxPool2d",
        "adaptive_max_pool2d",
        "max_pool2d_with_indices",
        "block_reduce",
        "maximum_filter",
    )
    return {
        name: _(
            "{what} `{name}`, a library's max pooling. This exercise is for taking each "
            "window's maximum yourself (slices and .max(), or loops), so that you see "
            "which values a pooling keeps; the check compares with the library afterwards."
        ).format(what=what, name=name)
        for name in names
    }


@exercise(N_("your 2x3 array"))
def check_max_pool_by_hand(answer: Any) -> Feedback:
    """Exercise ex-max-pool: 2x2 max pooling, stride 2, of a 4x6 array."""
    array = read_array(answer, "answer")
    refuse_in_answer(
        answer, "check_max_pool_by_hand", _library_max_pools(_("your answer comes from"))
    )
    windows = _grid().reshape(2, 2, 3, 2)
    expected = windows.max(axis=(1, 3))
    if array.shape == expected.T.shape and array.shape != expected.shape:
        return Feedback(
            False,
            _(
                "`answer` has shape {shape}; 4 rows pooled by 2 give 2 rows, and 6 columns "
                "give 3: expected (2, 3)."
            ).format(shape=array.shape),
        )
    if array.shape == (3, 5):
        return Feedback(
            False, _("that is a 2x2 window with stride 1 (overlapping windows); use stride 2.")
        )
    if array.shape == expected.shape:
        if np.allclose(array, windows.mean(axis=(1, 3))):
            return Feedback(
                False, _("those are the means of the windows (average pooling); keep the maximum.")
            )
        if np.allclose(array, windows.min(axis=(1, 3))):
            return Feedback(
                False, _("those are the smallest values of the windows; keep the largest.")
            )
        if np.allclose(array, windows.sum(axis=(1, 3))):
            return Feedback(False, _("those are the sums of the windows; keep the largest value."))
    return _compare(
        array,
        expected,
        "answer",
        _("each of the six 2x2 windows keeps its largest value: [[3, 4, 5], [7, 6, 8]]."),
    )


def _pool_cases() -> list[tuple[str, np.ndarray, int, int]]:
    """Test cases for ex-pool-function: (description, image, kernel_size, stride)."""
    rng = np.random.default_rng(2)
    return [
        (_("a 4x4 image, window 2, stride 2"), np.arange(16, dtype=np.float64).reshape(4, 4), 2, 2),
        (_("a 5x7 image, window 3, stride 1 (overlapping)"), rng.normal(size=(5, 7)), 3, 1),
        (_("a 7x6 image, window 2, stride 3 (cells skipped)"), rng.normal(size=(7, 6)), 2, 3),
        (
            _("a 9x9 image of negative values, window 3, stride 2"),
            -rng.uniform(1, 2, size=(9, 9)),
            3,
            2,
        ),
    ]


@exercise(N_("your function"))
def check_max_pool_function(func: Any) -> Feedback:
    """Exercise ex-pool-function: `func(image, kernel_size, stride)`."""
    check_callable(func)
    refuse_in_function(func, _library_max_pools(_("your function calls")))
    for about, image, kernel, stride in _pool_cases():
        expected = max_pool2d(image[None], kernel, stride)[0]
        answer = learner_call(
            _("for {about} it").format(about=about), func, image.copy(), kernel, stride
        )
        if answer is None:
            return Feedback(
                False,
                _(
                    "for {about} it returned None; return the pooled array (shape "
                    "{expected_shape})."
                ).format(about=about, expected_shape=expected.shape),
            )
        verdict = _compare(answer, expected, "output", "")
        if not verdict:
            if _compare(answer, avg_pool2d(image[None], kernel, stride)[0], "output", ""):
                return Feedback(
                    False,
                    _("for {about} you took the mean of each window; keep the maximum.").format(
                        about=about
                    ),
                )
            if stride != kernel and _compare(
                answer, max_pool2d(image[None], kernel)[0], "output", ""
            ):
                return Feedback(
                    False,
                    _("for {about} you moved by the window size; move by `stride`.").format(
                        about=about
                    ),
                )
            return Feedback(
                False, _("for {about}: {message}").format(about=about, message=verdict.message)
            )
    return Feedback(
        True,
        _(
            "it matches course_utils.ops.max_pool2d on 4 cases (strides 1-3, odd sizes, "
            "negative values)."
        ),
    )


def _check_heads(heads: Any, counts: tuple[int, int]) -> None:
    """The learner's two heads of ex-gap-head: (N, 128, 4, 4) -> (N, 10), `counts` parameters."""
    require(heads, _("a pair (flatten head, GAP head) of the two heads built in PyTorch"))
    try:
        heads = list(heads)
    except TypeError:
        raise NotYet(
            _("`heads` should be a pair of nn.Modules, got {type}.").format(
                type=type(heads).__name__
            )
        ) from None
    if len(heads) != 2 or not all(isinstance(head, nn.Module) for head in heads):
        raise NotYet(_("`heads` should be a pair of nn.Modules: (flatten head, GAP head)."))
    for name, head, count in zip(("flatten", "GAP"), heads, counts, strict=True):
        with torch.no_grad():
            out = learner_call(
                _("the {name} head").format(name=name),
                head,
                torch.zeros(2, 128, 4, 4),
                on=_(" on a (2, 128, 4, 4) batch"),
            )
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise NotYet(
                _("the {name} head should map (2, 128, 4, 4) to (2, 10), got {shape}.").format(
                    name=name, shape=shape
                )
            )
        built = sum(p.numel() for p in head.parameters())
        if built != count:
            raise NotYet(
                _(
                    "the {name} head you built has {built:,} parameters; it should have {count:,}."
                ).format(name=name, built=built, count=count)
            )


def _read_two_ints(answer: Any) -> tuple[int, int]:
    """The answer of ex-gap-head as a pair of ints, or a stop."""
    try:
        values = [v.item() if hasattr(v, "item") else v for v in answer]
    except TypeError:
        raise NotYet(
            _("`answer` should be a pair of ints, got {type}.").format(type=type(answer).__name__)
        ) from None
    if len(values) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values
    ):
        raise NotYet(
            _("`answer` should be a pair of two ints, got {answer!r}.").format(answer=answer)
        )
    return int(values[0]), int(values[1])


@exercise(N_("a pair (parameters with flatten, parameters with GAP)"))
def check_head_parameters(answer: Any, heads: Any) -> Feedback:
    """Exercise ex-gap-head: parameters of flatten and GAP heads, and the heads."""
    flat, gap = _read_two_ints(answer)
    channels, side, classes = 128, 4, 10
    expected = (channels * side * side * classes + classes, channels * classes + classes)
    if (flat, gap) == expected[::-1]:
        return Feedback(
            False, _("the two numbers are swapped: the flatten head is the larger one.")
        )
    if flat != expected[0]:
        if flat == channels * side * side * classes:
            return Feedback(False, _("(a) counts the weights only; add the 10 biases."))
        if flat == channels * side * classes + classes:
            return Feedback(
                False, _("(a): a 4x4 map has 16 positions, so flattening gives 128 * 16 inputs.")
            )
        return Feedback(
            False,
            _(
                "(a) got {flat}; flattening gives 128 * 4 * 4 inputs, each connected to 10 "
                "outputs, plus 10 biases."
            ).format(flat=flat),
        )
    if gap != expected[1]:
        if gap == channels * classes:
            return Feedback(
                False, _("(a) is right; (b) counts the weights only: add the 10 biases.")
            )
        return Feedback(
            False,
            _(
                "(a) is right; (b) got {gap}: GAP leaves one number per channel (128 inputs), "
                "and GAP itself has no parameters."
            ).format(gap=gap),
        )
    with second_part(_("your counts are right; ")):
        _check_heads(heads, expected)
    return Feedback(
        True,
        _(
            "flatten: {expected:,}; GAP: {expected2:,}, about 16 times fewer, and your two "
            "heads have exactly these counts."
        ).format(expected=expected[0], expected2=expected[1]),
    )

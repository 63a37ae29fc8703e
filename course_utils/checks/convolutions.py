"""Exercise checks of the convolutions chapter: output sizes, edge and blur kernels, conv2d."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.i18n import N_, _
from course_utils.ops import conv2d, output_size

from ._by_hand import refuse_in_function
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

__all__ = [
    "check_output_sizes",
    "check_vertical_edge_kernel",
    "check_box_blur",
    "check_conv2d_single_channel",
]

_STACK = [  # (input size, kernel, stride, padding) for ex-output-size
    (28, 5, 1, 0),
    (24, 3, 2, 1),
    (12, 3, 2, 0),
]


def _check_layers(layers: Any, sizes: list[int]) -> None:
    """The learner's three nn.Conv2d layers of ex-output-size, run on a 28x28 input."""
    require(
        layers, _("a list of your three `nn.Conv2d` layers, so that PyTorch can confirm the sizes")
    )
    try:
        layers = list(layers)
    except TypeError:
        raise NotYet(
            _("`layers` should be a list of three nn.Conv2d layers, got {type}.").format(
                type=type(layers).__name__
            )
        ) from None
    if len(layers) != len(_STACK) or not all(isinstance(layer, nn.Conv2d) for layer in layers):
        raise NotYet(
            _("`layers` should hold three nn.Conv2d layers, one per line of the exercise.")
        )
    side = 28
    for number, (layer, (_skip, kernel, stride, padding), size) in enumerate(
        zip(layers, _STACK, sizes, strict=True), 1
    ):
        wanted = ((kernel, kernel), (stride, stride), (padding, padding))
        if (layer.kernel_size, layer.stride, layer.padding) != wanted:
            raise NotYet(
                _(
                    "layer {number} of `layers` should have kernel_size={kernel}, stride={stride}, "
                    "padding={padding}; it has kernel_size={got_kernel}, stride={got_stride}, "
                    "padding={got_padding}."
                ).format(
                    number=number,
                    kernel=kernel,
                    stride=stride,
                    padding=padding,
                    got_kernel=layer.kernel_size,
                    got_stride=layer.stride,
                    got_padding=layer.padding,
                )
            )
        with torch.no_grad():
            side = layer(torch.zeros(1, layer.in_channels, side, side)).shape[-1]
        if side != size:
            raise NotYet(
                _("PyTorch gives {side} after layer {number}, your list says {size}.").format(
                    side=side, number=number, size=size
                )
            )


def _check_size(layer: int, got: Any, size: int, kernel: int, stride: int, padding: int) -> None:
    """One size of ex-output-size against the formula, with a hint for rounding up."""
    expected = output_size(size, kernel, stride, padding)
    rule = _(
        "(n + 2p - k) // s + 1 with n = {size}, k = {kernel}, s = {stride}, p = {padding}"
    ).format(size=size, kernel=kernel, stride=stride, padding=padding)
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        raise NotYet(
            _("layer {layer}: a size is a whole number (an int), got {got!r}.").format(
                layer=layer, got=got
            )
        )
    if got == expected:
        return
    exact = (size + 2 * padding - kernel) / stride + 1  # before the floor, for the hint
    if got == int(np.ceil(exact)) and exact != expected:
        raise NotYet(
            _(
                "layer {layer}: you rounded up; the formula floors, because a window that does "
                "not fit is dropped: {rule}."
            ).format(layer=layer, rule=rule)
        )
    raise NotYet(
        _("layer {layer}: got {got}; compute {rule}.").format(layer=layer, got=got, rule=rule)
    )


@exercise(N_("a list of three ints, one output size per layer"))
def check_output_sizes(answer: Any, layers: Any) -> Feedback:
    """Exercise ex-output-size: the 28x28 stack's output sizes, and the stack."""
    try:
        values = list(answer)
    except TypeError:
        raise NotYet(
            _("`answer` should be a list of three ints, got {type}.").format(
                type=type(answer).__name__
            )
        ) from None
    if len(values) != len(_STACK):
        raise NotYet(
            _("`answer` should hold {want} sizes, one per layer; got {got}.").format(
                want=len(_STACK), got=len(values)
            )
        )
    for layer, (got, case) in enumerate(zip(values, _STACK, strict=True), 1):
        _check_size(layer, got, *case)
    with second_part(_("your sizes are right; ")):
        _check_layers(layers, [int(v) for v in values])
    return Feedback(
        True,
        _("the sizes are {values}: 28 -> 24 -> 12 -> 5, and your nn.Conv2d stack agrees.").format(
            values=values
        ),
    )


def _edge_images() -> tuple[np.ndarray, np.ndarray]:
    """A 6x6 vertical edge (bright left half) and the same edge turned horizontal (bright top)."""
    vertical = np.zeros((6, 6))
    vertical[:, :3] = 1.0
    return vertical, vertical.T.copy()


@exercise(N_("your 3x3 kernel, a NumPy array"))
def check_vertical_edge_kernel(kernel: Any) -> Feedback:
    """Exercise ex-vertical-edge: a 3x3 kernel for bright-left, dark-right edges."""
    weights = read_array(kernel, "kernel")
    if weights.shape != (3, 3):
        return Feedback(
            False, _("`kernel` has shape {shape}; expected (3, 3).").format(shape=weights.shape)
        )
    total = float(weights.sum())
    if abs(total) > 1e-6:
        return Feedback(
            False,
            _(
                "the weights sum to {total:.3g}, so a flat region of brightness b gives "
                "{total:.3g} * b, not 0. Make them sum to 0."
            ).format(total=total),
        )
    vertical, horizontal = _edge_images()
    windows = np.lib.stride_tricks.sliding_window_view
    on_vertical = np.einsum("ijuv,uv->ij", windows(vertical, (3, 3)), weights)
    on_horizontal = np.einsum("ijuv,uv->ij", windows(horizontal, (3, 3)), weights)
    if np.abs(on_horizontal).max() > 1e-6:
        return Feedback(
            False,
            _(
                "it responds to a horizontal edge (bright above, dark below). Make each row of "
                "the kernel sum to 0, so only left-right changes count."
            ),
        )
    if on_vertical.max() <= 1e-6 and on_vertical.min() >= -1e-6:
        return Feedback(
            False, _("it gives 0 everywhere on a vertical edge: it detects nothing yet.")
        )
    if on_vertical.min() < -1e-6:
        if on_vertical.max() <= 1e-6:
            return Feedback(
                False, _("it is negative on a bright-left, dark-right edge: flip its sign.")
            )
        return Feedback(
            False,
            _(
                "it is positive in some places and negative in others along one edge. Compare "
                "the left column (positive weights) with the right one (negative)."
            ),
        )
    return Feedback(
        True,
        _(
            "positive on a bright-to-dark edge (up to {peak:.3g}), 0 on flat "
            "regions and on horizontal edges."
        ).format(peak=on_vertical.max()),
    )


@exercise(N_("your 5x5 kernel, a NumPy array"))
def check_box_blur(kernel: Any) -> Feedback:
    """Exercise ex-box-blur: a 5x5 box-blur kernel."""
    weights = read_array(kernel, "kernel")
    if weights.shape != (5, 5):
        return Feedback(
            False,
            _("`kernel` has shape {shape}; a 5x5 blur has shape (5, 5).").format(
                shape=weights.shape
            ),
        )
    total = float(weights.sum())
    if abs(total - 1.0) > 1e-6:
        return Feedback(
            False,
            _(
                "the weights sum to {total:.4g}; a blur must sum to 1 so that a flat region "
                "keeps its brightness."
            ).format(total=total),
        )
    if np.ptp(weights) > 1e-9:
        return Feedback(
            False, _("the weights sum to 1 but differ: a box blur weighs all 25 pixels equally.")
        )
    return _compare(
        weights,
        np.full((5, 5), 1 / 25),
        "kernel",
        _("every weight is 1/25 = 0.04: each output is the mean of a 5x5 window."),
    )


def _conv_cases() -> list[tuple[str, np.ndarray, np.ndarray, int, int]]:
    """Test cases for ex-conv-by-hand: (description, image, kernel, stride, padding)."""
    rng = np.random.default_rng(1)
    tiny = np.arange(20, dtype=np.float64).reshape(4, 5)
    edge = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    return [
        (_("a 4x5 image, 3x3 kernel, stride 1, padding 0"), tiny, edge, 1, 0),
        (
            _("a 5x5 image, 3x3 kernel, stride 1, padding 1"),
            rng.normal(size=(5, 5)),
            rng.normal(size=(3, 3)),
            1,
            1,
        ),
        (
            _("a 6x7 image, 2x3 kernel, stride 2, padding 1"),
            rng.normal(size=(6, 7)),
            rng.normal(size=(2, 3)),
            2,
            1,
        ),
        (
            _("a 7x7 image, 3x3 kernel, stride 3, padding 0"),
            rng.normal(size=(7, 7)),
            rng.normal(size=(3, 3)),
            3,
            0,
        ),
    ]


def _library_convolutions() -> dict[str, str]:
    """The library operations ex-conv-by-hand refuses, each with the reason shown."""
    names = ("conv2d", "Conv2d", "correlate2d", "convolve2d", "correlate", "convolve")
    return {
        name: _(
            "your function calls `{name}`, a library's convolution. This exercise is for "
            "writing the sliding window yourself (np.pad, then loops or slices), so that "
            "you see what nn.Conv2d computes; the check compares it with the library "
            "afterwards."
        ).format(name=name)
        for name in names
    }


@exercise(N_("your function"))
def check_conv2d_single_channel(func: Any) -> Feedback:
    """Exercise ex-conv-by-hand: `func(image, kernel, stride, padding)`."""
    check_callable(func)
    refuse_in_function(func, _library_convolutions())
    for about, image, kernel, stride, padding in _conv_cases():
        expected = conv2d(image[None], kernel[None, None], stride=stride, padding=padding)[0]
        answer = learner_call(
            _("for {about} it").format(about=about),
            func,
            image.copy(),
            kernel.copy(),
            stride=stride,
            padding=padding,
        )
        if answer is None:
            return Feedback(
                False,
                _(
                    "for {about} it returned None; return the output array (shape "
                    "{expected_shape})."
                ).format(about=about, expected_shape=expected.shape),
            )
        verdict = _compare(answer, expected, "output", "")
        if not verdict:
            flipped = kernel[None, None, ::-1, ::-1].copy()
            turned = conv2d(image[None], flipped, stride=stride, padding=padding)[0]
            if _compare(answer, turned, "output", ""):
                return Feedback(
                    False,
                    _(
                        "for {about} you flipped the kernel: that is true convolution. "
                        "Cross-correlation, what nn.Conv2d computes, does not flip."
                    ).format(about=about),
                )
            return Feedback(
                False, _("for {about}: {message}").format(about=about, message=verdict.message)
            )
    return Feedback(
        True, _("it matches course_utils.ops.conv2d on 4 cases (strides 1-3, padding 0-1).")
    )

"""The convolutions exercise checks accept right answers and explain wrong ones."""

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.checks import (
    Feedback,
    check_box_blur,
    check_conv2d_single_channel,
    check_output_sizes,
    check_vertical_edge_kernel,
)


def _loop_conv2d(image, kernel, stride=1, padding=0):
    """A reference solution, written as the chapter's exercise asks."""
    image = np.pad(np.asarray(image, dtype=float), padding)
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(
                image[i * stride : i * stride + kh, j * stride : j * stride + kw] * kernel
            )
    return out


@pytest.mark.parametrize(
    "check",
    [check_output_sizes, check_vertical_edge_kernel, check_box_blur, check_conv2d_single_channel],
)
def test_placeholder_none_is_not_yet(check):
    feedback = check(None, _stack()) if check is check_output_sizes else check(None)
    assert isinstance(feedback, Feedback)
    assert not feedback
    assert "None" in feedback.message
    assert repr(feedback).startswith("Not yet: ")


def _stack(specs=((5, 1, 0), (3, 2, 1), (3, 2, 0)), channels=(1, 1, 1, 1)):
    return [
        nn.Conv2d(c_in, c_out, k, stride=s, padding=p)
        for (k, s, p), c_in, c_out in zip(specs, channels[:-1], channels[1:], strict=True)
    ]


def test_output_sizes():
    assert check_output_sizes([24, 12, 5], _stack())
    assert check_output_sizes((24, 12, np.int64(5)), nn.Sequential(*_stack(channels=(1, 8, 16, 4))))
    assert "rounded up" in check_output_sizes([24, 12, 6], _stack()).message
    assert "layer 1" in check_output_sizes([26, 12, 5], _stack()).message
    assert "layer 2" in check_output_sizes([24, 13, 5], _stack()).message
    assert "whole number" in check_output_sizes([24, 12.0, 5], _stack()).message
    assert "3 sizes" in check_output_sizes([24, 12], _stack()).message
    assert "list" in check_output_sizes(24, _stack()).message


@pytest.mark.parametrize(
    "layers, hint",
    [
        (None, "replace `None`"),
        (_stack()[:2], "three nn.Conv2d"),
        ([nn.Linear(1, 1)] * 3, "three nn.Conv2d"),
        (
            _stack(specs=((5, 1, 0), (3, 2, 0), (3, 2, 0))),
            "layer 2 of `layers` should have",
        ),  # padding forgotten
        (_stack(specs=((5, 1, 0), (3, 2, 1), (3, 1, 0))), "layer 3 of `layers` should have"),
        (5, "list of three"),
    ],
)
def test_output_sizes_need_the_stack_built(layers, hint):
    verdict = check_output_sizes([24, 12, 5], layers)
    assert not verdict
    assert "your sizes are right" in verdict.message and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "kernel",
    [
        -np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),  # minus Sobel x
        np.array([[1, 0, -1]] * 3),  # Prewitt, flipped
        np.array([[0, 1, -1], [0, 1, -1], [0, 1, -1]]),  # a one-sided difference
        torch.tensor([[1.0, 0, -1]] * 3),  # a tensor works too
    ],
)
def test_vertical_edge_accepts_any_right_kernel(kernel):
    assert check_vertical_edge_kernel(kernel)


@pytest.mark.parametrize(
    ("kernel", "phrase"),
    [
        (np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]), "flip its sign"),
        (np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]), "horizontal edge"),
        (np.ones((3, 3)), "sum to 0"),
        (np.zeros((3, 3)), "detects nothing"),
        (np.array([[1, -2, 1]] * 3), "positive in some places"),
        (np.ones((5, 5)), "shape"),
        (np.array([[np.nan, 0, 0]] * 3), "NaN"),
        ("edge", "array of numbers"),
    ],
)
def test_vertical_edge_explains_wrong_kernels(kernel, phrase):
    feedback = check_vertical_edge_kernel(kernel)
    assert not feedback
    assert phrase in feedback.message


def test_box_blur():
    assert check_box_blur(np.full((5, 5), 1 / 25))
    assert check_box_blur(np.ones((5, 5)) / 25)
    assert "sum to 1" in check_box_blur(np.ones((5, 5))).message
    assert "shape" in check_box_blur(np.full((3, 3), 1 / 9)).message
    uneven = np.full((5, 5), 1 / 25)
    uneven[0, 0], uneven[0, 1] = 0.0, 2 / 25
    assert "equally" in check_box_blur(uneven).message


def test_conv2d_single_channel_accepts_a_right_function():
    assert check_conv2d_single_channel(_loop_conv2d)


def test_conv2d_single_channel_explains_wrong_functions():
    def flipped(image, kernel, stride=1, padding=0):
        return _loop_conv2d(image, kernel[::-1, ::-1], stride, padding)

    def no_padding(image, kernel, stride=1, padding=0):
        return _loop_conv2d(image, kernel, stride, 0)

    def no_stride(image, kernel, stride=1, padding=0):
        return _loop_conv2d(image, kernel, 1, padding)

    def crashes(image, kernel, stride=1, padding=0):
        raise IndexError("oops")

    assert "flipped" in check_conv2d_single_channel(flipped).message
    assert "padding 1" in check_conv2d_single_channel(no_padding).message
    assert "shape" in check_conv2d_single_channel(no_padding).message
    assert "stride 2" in check_conv2d_single_channel(no_stride).message
    assert "IndexError: oops" in check_conv2d_single_channel(crashes).message
    assert (
        "returned None"
        in check_conv2d_single_channel(lambda image, kernel, stride=1, padding=0: None).message
    )
    assert "function itself" in check_conv2d_single_channel(np.zeros(3)).message


def test_conv2d_single_channel_refuses_the_library():
    import torch.nn.functional as F
    from scipy.signal import correlate2d

    from course_utils import ops

    def with_torch(image, kernel, stride=1, padding=0):
        x = torch.tensor(image)[None, None]
        w = torch.tensor(kernel)[None, None]
        return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()

    def with_ops(image, kernel, stride=1, padding=0):
        return ops.conv2d(image[None], kernel[None, None], stride=stride, padding=padding)[0]

    def with_scipy(image, kernel, stride=1, padding=0):
        return correlate2d(np.pad(image, padding), kernel, mode="valid")[::stride, ::stride]

    def helper(image, kernel, stride, padding):
        return with_torch(image, kernel, stride, padding)

    def through_a_helper(image, kernel, stride=1, padding=0):
        return helper(image, kernel, stride, padding)

    for shortcut in (with_torch, with_ops, with_scipy, through_a_helper):
        verdict = check_conv2d_single_channel(shortcut)
        assert not verdict and "a library's convolution" in verdict.message, shortcut.__name__


def test_conv2d_single_channel_accepts_the_chapters_function_and_own_helpers():
    def conv2d(image, kernel, stride, padding):  # the learner's own, by hand, named like torch's
        return _loop_conv2d(image, kernel, stride, padding)

    def my_conv2d(image, kernel, stride=1, padding=0):
        return conv2d(image, kernel, stride, padding)

    assert check_conv2d_single_channel(my_conv2d)

"""ops.conv2d / relu / output_size mean exactly what torch.nn.functional means."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import ops

RNG = np.random.default_rng(0)

CASES = [  # (input shape, weight shape, stride, padding)
    ((2, 3, 9, 7), (4, 3, 3, 3), 2, 1),
    ((1, 8, 8), (1, 1, 3, 3), 1, 0),
    ((3, 11, 6), (5, 3, 2, 4), (2, 1), (0, 2)),
    ((4, 2, 5, 5), (3, 2, 5, 5), 1, 0),
    ((2, 1, 28, 28), (6, 1, 5, 5), 3, 2),
]


@pytest.mark.parametrize("x_shape,w_shape,stride,padding", CASES)
@pytest.mark.parametrize("with_bias", [False, True])
def test_conv2d_equals_torch(x_shape, w_shape, stride, padding, with_bias):
    x = RNG.normal(size=x_shape)
    w = RNG.normal(size=w_shape)
    b = RNG.normal(size=w_shape[0]) if with_bias else None
    ours = ops.conv2d(x, w, b, stride=stride, padding=padding)
    theirs = F.conv2d(
        torch.tensor(x),
        torch.tensor(w),
        None if b is None else torch.tensor(b),
        stride=stride,
        padding=padding,
    ).numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-5


def test_conv2d_is_cross_correlation_not_flipped_convolution():
    image = np.zeros((1, 3, 3))
    image[0, 0, 0] = 1.0
    kernel = np.arange(9.0).reshape(1, 1, 3, 3)
    out = ops.conv2d(image, kernel, padding=1)
    # The single 1 at the top-left corner picks kernel entries in the same (not flipped) layout.
    assert out[0, 0, 0] == kernel[0, 0, 1, 1] and out[0, 1, 1] == kernel[0, 0, 0, 0]


def test_conv2d_accepts_torch_tensors_and_ints():
    x = torch.ones(1, 4, 4)
    w = np.ones((1, 1, 2, 2), dtype=int)
    assert np.allclose(ops.conv2d(x, w), 4.0)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(input=np.ones((4, 4)), weight=np.ones((1, 1, 3, 3))), ValueError, "`input`"),
        (dict(input=np.ones((1, 1, 1, 4, 4)), weight=np.ones((1, 1, 3, 3))), ValueError, "`input`"),
        (dict(input=np.ones((1, 4, 4)), weight=np.ones((3, 3))), ValueError, "`weight`"),
        (
            dict(input=np.ones((2, 4, 4)), weight=np.ones((1, 1, 3, 3))),
            ValueError,
            "input channels",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((1, 1, 3, 3)), stride=0),
            ValueError,
            "`stride`",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((1, 1, 3, 3)), stride=-1),
            ValueError,
            "`stride`",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((1, 1, 3, 3)), stride=1.5),
            TypeError,
            "`stride`",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((1, 1, 3, 3)), padding=-1),
            ValueError,
            "`padding`",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((1, 1, 7, 7))),
            ValueError,
            "larger than the padded input",
        ),
        (
            dict(input=np.ones((1, 4, 4)), weight=np.ones((2, 1, 3, 3)), bias=np.ones(3)),
            ValueError,
            "`bias`",
        ),
        (dict(input="image", weight=np.ones((1, 1, 3, 3))), TypeError, "`input`"),
        (dict(input=None, weight=np.ones((1, 1, 3, 3))), TypeError, "`input`"),
    ],
)
def test_conv2d_bad_inputs_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        ops.conv2d(**kwargs)


def test_padding_makes_a_large_kernel_fit():
    assert ops.conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 5, 5)), padding=1).shape == (1, 2, 2)


def test_relu_is_max_zero_x_not_a_step():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    assert np.array_equal(ops.relu(x), np.array([0.0, 0.0, 0.0, 0.5, 3.0]))
    assert np.allclose(ops.relu(x), F.relu(torch.tensor(x)).numpy())
    with pytest.raises(TypeError, match="`x`"):
        ops.relu(["a", "b"])


@pytest.mark.parametrize(
    "size,kernel,stride,padding", [(28, 5, 1, 0), (28, 3, 2, 1), (7, 7, 1, 0), (10, 4, 3, 2)]
)
def test_output_size_matches_torch(size, kernel, stride, padding):
    out = F.conv2d(
        torch.zeros(1, 1, size, size),
        torch.zeros(1, 1, kernel, kernel),
        stride=stride,
        padding=padding,
    )
    assert ops.output_size(size, kernel, stride, padding) == out.shape[-1]


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((5, 7, 1, 0), ValueError, "`kernel`"),
        ((5, 3, 0, 0), ValueError, "`stride`"),
        ((5, 3, 1, -1), ValueError, "`padding`"),
        ((5.0, 3, 1, 0), TypeError, "`size`"),
    ],
)
def test_output_size_bad_inputs(args, error, match):
    with pytest.raises(error, match=match):
        ops.output_size(*args)

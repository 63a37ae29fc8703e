"""The backward passes in course_utils.ops (backpropagation by hand) equal torch autograd.

The shapes, strides and paddings here are ones the backpropagation chapter does not use: odd
sizes, strides 2 and 3, padding 1-2, rectangular kernels, batches of 1 and 3, unbatched inputs.
All in float64.
"""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import ops

ATOL = 1e-10


def _close(ours, theirs) -> None:
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=ATOL)


CONV_CASES = [  # (input shape, weight shape, stride, padding)
    ((3, 2, 9, 7), (4, 2, 3, 3), 2, 1),
    ((1, 3, 11, 6), (5, 3, 2, 4), (2, 1), (0, 2)),
    ((3, 1, 10, 10), (2, 1, 3, 3), 3, 2),  # (10 + 4 - 3) % 3 != 0: rows no window reaches
    ((2, 3, 8, 9), (1, 3, 4, 2), (3, 2), 1),
    ((2, 5, 7), (3, 2, 5, 3), 1, (2, 0)),  # unbatched
    ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0),  # 1x1 output
]


@pytest.mark.parametrize("x_shape,w_shape,stride,padding", CONV_CASES)
def test_conv2d_backward_equals_autograd(x_shape, w_shape, stride, padding, rng, autograd_grads):
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])

    def forward(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding)

    upstream, (gx, gw, gb) = autograd_grads(forward, rng, x, w, b)
    grad_input, grad_weight, grad_bias = ops.conv2d_backward(upstream, x, w, stride, padding)
    _close(grad_input, gx)
    _close(grad_weight, gw)
    _close(grad_bias, gb)


@pytest.mark.parametrize("x_shape,w_shape,stride,padding", CONV_CASES[:4])
def test_conv2d_input_gradient_is_conv_transpose2d(x_shape, w_shape, stride, padding, rng):
    x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
    out = ops.conv2d(x, w, stride=stride, padding=padding)
    upstream = rng.normal(size=out.shape)
    lost = [
        (x_shape[-2 + i] + 2 * np.broadcast_to(padding, 2)[i] - w_shape[2 + i])
        % np.broadcast_to(stride, 2)[i]
        for i in range(2)
    ]
    theirs = F.conv_transpose2d(
        torch.tensor(upstream),
        torch.tensor(w),
        stride=stride,
        padding=padding,
        output_padding=tuple(lost),
    ).numpy()
    _close(ops.conv2d_backward(upstream, x, w, stride, padding)[0], theirs)


POOL_CASES = [  # (input shape, kernel, stride, padding)
    ((3, 2, 9, 7), 3, 2, 1),
    ((1, 3, 8, 11), (2, 3), (3, 2), (1, 1)),
    ((2, 1, 10, 10), 5, 3, 2),
    ((2, 7, 5), 2, 1, 0),  # overlapping windows, unbatched
    ((3, 2, 6, 6), (4, 2), None, (2, 0)),
]


@pytest.mark.parametrize("x_shape,kernel,stride,padding", POOL_CASES)
def test_max_pool2d_backward_equals_autograd(x_shape, kernel, stride, padding, rng, autograd_grads):
    x = rng.normal(size=x_shape)
    upstream, (gx,) = autograd_grads(lambda t: F.max_pool2d(t, kernel, stride, padding), rng, x)
    _close(ops.max_pool2d_backward(upstream, x, kernel, stride, padding), gx)


def test_max_pool2d_backward_ties_go_to_the_first_maximum_as_torch_cpu(rng, autograd_grads):
    x = np.array([[[1.0, 3.0, 3.0, 0.0], [3.0, 3.0, 2.0, 2.0], [0.0, 0.0, 5.0, 5.0], [5, 5, 5, 5]]])
    upstream, (gx,) = autograd_grads(lambda t: F.max_pool2d(t, 2), rng, x)
    ours = ops.max_pool2d_backward(upstream, x, 2)
    _close(ours, gx)
    assert np.count_nonzero(ours) == 4  # one winner per window, even with ties


@pytest.mark.parametrize("x_shape,kernel,stride,padding", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_backward_equals_autograd(
    x_shape, kernel, stride, padding, count_include_pad, rng, autograd_grads
):
    x = rng.normal(size=x_shape)

    def forward(t):
        return F.avg_pool2d(t, kernel, stride, padding, count_include_pad=count_include_pad)

    upstream, (gx,) = autograd_grads(forward, rng, x)
    ours = ops.avg_pool2d_backward(upstream, x, kernel, stride, padding, count_include_pad)
    _close(ours, gx)


@pytest.mark.parametrize("shape", [(7,), (3, 5), (1, 2, 3, 4)])
def test_relu_backward_equals_autograd_with_zero_at_zero(shape, rng, autograd_grads):
    x = rng.normal(size=shape)
    x.flat[0] = 0.0  # ReLU has no derivative at 0; torch (and ops) use 0
    upstream, (gx,) = autograd_grads(F.relu, rng, x)
    ours = ops.relu_backward(upstream, x)
    _close(ours, gx)
    assert ours.flat[0] == 0.0


@pytest.mark.parametrize("x_shape,out_features", [((3, 7), 5), ((1, 4), 1), ((6,), 3)])
def test_linear_forward_and_backward_equal_torch(x_shape, out_features, rng, autograd_grads):
    x = rng.normal(size=x_shape)
    w, b = rng.normal(size=(out_features, x_shape[-1])), rng.normal(size=out_features)
    theirs = F.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy()
    _close(ops.linear(x, w, b), theirs)
    _close(ops.linear(x, w), theirs - b)
    upstream, (gx, gw, gb) = autograd_grads(F.linear, rng, x, w, b)
    grad_x, grad_weight, grad_bias = ops.linear_backward(upstream, x, w)
    _close(grad_x, gx)
    _close(grad_weight, gw)
    _close(grad_bias, gb)


@pytest.mark.parametrize("n,k", [(1, 2), (3, 10), (5, 7)])
def test_cross_entropy_and_its_backward_equal_torch(n, k, rng):
    logits = rng.normal(size=(n, k)) * 4
    targets = rng.integers(0, k, size=n)
    t_logits = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(t_logits, torch.tensor(targets))
    loss.backward()
    assert abs(ops.cross_entropy(logits, targets) - loss.item()) < ATOL
    _close(ops.cross_entropy_backward(logits, targets), t_logits.grad.numpy())


def test_cross_entropy_unbatched_and_large_logits():
    logits = np.array([1000.0, -1000.0, 999.0])
    t_logits = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(t_logits, torch.tensor(2))
    loss.backward()
    assert abs(ops.cross_entropy(logits, 2) - loss.item()) < ATOL
    _close(ops.cross_entropy_backward(logits, 2), t_logits.grad.numpy())


BAD = [
    (
        lambda: ops.conv2d_backward(
            np.ones((2, 3, 3, 3)), np.ones((2, 1, 5, 5)), np.ones((4, 1, 3, 3))
        ),
        ValueError,
        r"conv2d_backward: `grad_output` must have shape \(N, C_out, H_out, W_out\) = "
        r"\(2, 4, 3, 3\)",
    ),
    (
        lambda: ops.conv2d_backward(
            np.ones((1, 4, 3, 3)), np.ones((1, 5, 5)), np.ones((4, 1, 3, 3))
        ),
        ValueError,
        r"`grad_output` must have shape \(C_out, H_out, W_out\) = \(4, 3, 3\), "
        r"got \(1, 4, 3, 3\)",
    ),
    (
        lambda: ops.conv2d_backward(
            np.ones((1, 4, 3, 3)), np.ones((1, 2, 5, 5)), np.ones((4, 1, 3, 3))
        ),
        ValueError,
        r"conv2d_backward: `weight` expects 1 input channels",
    ),
    (
        lambda: ops.conv2d_backward(None, np.ones((1, 5, 5)), np.ones((1, 1, 3, 3))),
        TypeError,
        r"conv2d_backward: `grad_output` must be an array, got None",
    ),
    (
        lambda: ops.max_pool2d_backward(np.ones((1, 2, 2)), np.ones((1, 5, 5)), 2, 1),
        ValueError,
        r"max_pool2d_backward: `grad_output` must have shape \(C, H_out, W_out\) = \(1, 4, 4\)",
    ),
    (
        lambda: ops.avg_pool2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 4, 4)), 2, 2, 3),
        ValueError,
        r"avg_pool2d_backward: `padding` \(3, 3\) must be at most half",
    ),
    (
        lambda: ops.avg_pool2d_backward(np.ones((1, 2, 2)), np.ones((1, 4, 4)), 2, None, 0, "no"),
        TypeError,
        r"avg_pool2d_backward: `count_include_pad` must be a bool",
    ),
    (
        lambda: ops.relu_backward(np.ones(3), np.ones(4)),
        ValueError,
        r"relu_backward: `grad_output` must have the shape of `x` \(4,\), got \(3,\)",
    ),
    (
        lambda: ops.linear(np.ones((2, 3)), np.ones((4, 5))),
        ValueError,
        r"linear: `weight` expects 5 input features",
    ),
    (
        lambda: ops.linear(np.ones(3), np.ones((2, 3)), np.ones(3)),
        ValueError,
        r"linear: `bias` must have one value per output \(2\), got 3",
    ),
    (
        lambda: ops.linear_backward(np.ones((2, 3)), np.ones((2, 5)), np.ones((4, 5))),
        ValueError,
        r"linear_backward: `grad_output` must have shape \(N, out\) = \(2, 4\), got \(2, 3\)",
    ),
    (
        lambda: ops.cross_entropy(np.ones((2, 3)), np.array([0, 3])),
        ValueError,
        r"cross_entropy: `targets` must be class indices in 0..2, got values from 0 to 3",
    ),
    (
        lambda: ops.cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])),
        TypeError,
        r"cross_entropy: `targets` must hold integer class indices, got dtype float64",
    ),
    (
        lambda: ops.cross_entropy_backward(np.ones((2, 3)), np.array([0, 1, 2])),
        ValueError,
        r"cross_entropy_backward: `targets` must have shape \(2,\)",
    ),
    (
        lambda: ops.cross_entropy(np.ones((2, 3, 4)), np.array([0, 1])),
        ValueError,
        r"cross_entropy: `logits` must have 1 or 2 dimensions",
    ),
]


@pytest.mark.parametrize("call,error,match", BAD)
def test_backward_passes_refuse_bad_input_with_a_clear_error(call, error, match):
    with pytest.raises(error, match=match) as excinfo:
        call()
    assert "\n" not in str(excinfo.value)


def test_backward_passes_are_exported_and_documented():
    for name in ops.__all__:
        function = getattr(ops, name)
        first = (function.__doc__ or " ").splitlines()[0]
        # names the topic or the section label that teaches it, never a chapter number
        assert re.search(r"\([a-z][a-z ,;-]*\)", first) or "section `sec-" in first, name
        assert not re.search(r"chapters? \d|ch\. ?\d", first, re.IGNORECASE), name


BATCH_NORM_SHAPES = [(5, 3), (2, 4, 7), (3, 2, 5, 4), (2, 1, 1, 3)]


@pytest.mark.parametrize("shape", BATCH_NORM_SHAPES)
@pytest.mark.parametrize("with_weight", [False, True])
def test_batch_norm_backward_equals_autograd(shape, with_weight, autograd_grads):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(loc=2.0, scale=3.0, size=shape)
    channels = shape[1]
    weight, bias = rng.normal(size=channels), rng.normal(size=channels)

    def forward(x, weight, bias):
        return F.batch_norm(x, None, None, weight, bias, training=True, eps=1e-3)

    upstream, (gx, gw, gb) = autograd_grads(forward, rng, x, weight, bias)
    ours = ops.batch_norm_backward(upstream, x, weight if with_weight else None, eps=1e-3)
    if not with_weight:  # gamma = 1: only the input gradient scales with it
        gx = gx / weight.reshape((1, channels) + (1,) * (len(shape) - 2))
    _close(ours[0], gx)
    _close(ours[1], gw)
    _close(ours[2], gb)


def test_batch_norm_backward_input_gradient_sums_to_zero_per_channel():
    # The output of batch norm does not change when a channel is shifted by a constant.
    rng = np.random.default_rng(3)
    x, upstream = rng.normal(size=(4, 3, 2, 2)), rng.normal(size=(4, 3, 2, 2))
    grad_x = ops.batch_norm_backward(upstream, x)[0]
    np.testing.assert_allclose(grad_x.sum(axis=(0, 2, 3)), 0.0, atol=1e-12)


@pytest.mark.parametrize("shape,p", [((7,), 0.5), ((3, 4, 5), 0.2), ((2, 3, 4, 6), 0.8)])
def test_dropout_backward_equals_autograd_of_torch_dropout(shape, p):
    rng = np.random.default_rng(len(shape))
    x = torch.tensor(rng.normal(size=shape) + 5.0, requires_grad=True)  # never exactly 0
    upstream = rng.normal(size=shape)
    torch.manual_seed(len(shape))
    out = F.dropout(x, p=p, training=True)
    (out * torch.tensor(upstream)).sum().backward()
    keep = out.detach().numpy() != 0
    _close(ops.dropout_backward(upstream, keep, p), x.grad.numpy())


def test_dropout_backward_with_the_numpy_forward_mask():
    rng = np.random.default_rng(9)
    x, upstream = rng.normal(size=(3, 4)) + 5.0, rng.normal(size=(3, 4))
    out = ops.dropout(x, p=0.25, generator=np.random.default_rng(1))
    keep = out != 0
    t = torch.tensor(x, requires_grad=True)
    (t * torch.tensor(keep) / 0.75 * torch.tensor(upstream)).sum().backward()
    _close(ops.dropout_backward(upstream, keep, 0.25), t.grad.numpy())


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda: ops.dropout_backward(np.ones(3), np.ones(4), 0.5), ValueError, "`keep`"),
        (lambda: ops.dropout_backward(np.ones(3), np.full(3, 0.5), 0.5), ValueError, "mask"),
        (lambda: ops.dropout_backward(np.ones(3), np.ones(3), 1.0), ValueError, "`p`"),
        (lambda: ops.dropout_backward(np.ones(3), np.ones(3), "0.5"), TypeError, "`p`"),
        (lambda: ops.dropout_backward(None, np.ones(3), 0.5), TypeError, "grad_output"),
        (lambda: ops.batch_norm_backward(np.ones((2, 3)), np.ones((2, 4))), ValueError, "shape"),
        (lambda: ops.batch_norm_backward(np.ones(3), np.ones(3)), ValueError, "`x`"),
        (lambda: ops.batch_norm_backward(np.ones((1, 3)), np.ones((1, 3))), ValueError, "2 val"),
        (
            lambda: ops.batch_norm_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones(2)),
            ValueError,
            "`weight`",
        ),
        (
            lambda: ops.batch_norm_backward(np.ones((2, 3)), np.ones((2, 3)), eps=0),
            ValueError,
            "eps",
        ),
        (lambda: ops.batch_norm_backward(np.ones((2, 3)), "x"), TypeError, "`x`"),
    ],
)
def test_dropout_and_batch_norm_backward_refuse_bad_input(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "_backward:" in str(info.value)

"""Property-based tests of the NumPy reference ops against torch, with Hypothesis.

For random shapes, strides, paddings, values and dtypes, each op either equals its
`torch.nn.functional` twin or refuses the arguments with a clear error naming one of them,
exactly where torch refuses too. The examples are derandomized (the same on every run and
machine) and bounded in number, so the file takes seconds.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils import ops

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.float16])


def _tolerance(dtype) -> dict:
    return (
        {"rtol": 1e-3, "atol": 1e-3}
        if dtype in (np.float16, np.float32)
        else {"rtol": 1e-9, "atol": 1e-9}
    )


@st.composite
def arrays(draw, shape, dtype=None):
    """A random array of `shape`; small integers, so uint8 and float16 hold them exactly."""
    dtype = draw(DTYPES) if dtype is None else dtype
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 10, size=shape).astype(dtype)
    return (rng.standard_normal(shape) * draw(st.sampled_from([1.0, 3.0]))).astype(dtype)


def _torch(array) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.float64))


def _check_refusal(excinfo, names) -> None:
    message = str(excinfo.value)
    assert any(f"`{name}`" in message for name in names), message
    assert "\n" not in message


# --- conv2d -------------------------------------------------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 2),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    bias=st.booleans(),
    batched=st.booleans(),
)
def test_conv2d_equals_torch_or_refuses(
    data, n, c_in, c_out, h, w, kh, kw, stride, padding, bias, batched
):
    dtype = data.draw(DTYPES)
    x = data.draw(arrays((n, c_in, h, w) if batched else (c_in, h, w), dtype))
    weight = data.draw(arrays((c_out, c_in, kh, kw), dtype))
    b = data.draw(arrays((c_out,), dtype)) if bias else None
    if kh > h + 2 * padding[0] or kw > w + 2 * padding[1]:
        with pytest.raises(ValueError) as info:
            ops.conv2d(x, weight, b, stride, padding)
        _check_refusal(info, ["weight"])
        with pytest.raises(RuntimeError):  # torch refuses the same arguments
            F.conv2d(_torch(x), _torch(weight), None if b is None else _torch(b), stride, padding)
        return
    ours = ops.conv2d(x, weight, b, stride, padding)
    theirs = F.conv2d(
        _torch(x), _torch(weight), None if b is None else _torch(b), stride, padding
    ).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.astype(np.float64), theirs, **_tolerance(dtype))
    expected_h = ops.output_size(h, kh, stride[0], padding[0])
    assert ours.shape[-2] == expected_h


@SETTINGS
@given(
    stride=st.one_of(
        st.integers(-2, 0), st.none(), st.just("2"), st.floats(0.5, 2.5), st.just((1, 2, 3))
    ),
    padding=st.one_of(st.integers(-3, -1), st.just("1"), st.just([0.5, 1])),
)
def test_conv2d_refuses_bad_strides_and_paddings(stride, padding):
    x, weight = np.ones((1, 5, 5)), np.ones((1, 1, 3, 3))
    with pytest.raises((TypeError, ValueError)) as info:
        ops.conv2d(x, weight, stride=stride)
    _check_refusal(info, ["stride"])
    with pytest.raises((TypeError, ValueError)) as info:
        ops.conv2d(x, weight, padding=padding)
    _check_refusal(info, ["padding"])


# --- pooling ------------------------------------------------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    too_much=st.integers(0, 5),
    kind=st.sampled_from(["max", "avg"]),
    count_include_pad=st.booleans(),
)
def test_pooling_equals_torch_or_refuses(
    data, n, c, h, w, kernel, stride, too_much, kind, count_include_pad
):
    # Mostly legal paddings (at most half the window); one example in six pads too much.
    limit = [k // 2 + (too_much == 0) for k in kernel]
    padding = (data.draw(st.integers(0, limit[0])), data.draw(st.integers(0, limit[1])))
    dtype = data.draw(st.sampled_from([np.float32, np.float64, np.int64]))
    x = data.draw(arrays((n, c, h, w), dtype))
    ours_fn = ops.max_pool2d if kind == "max" else ops.avg_pool2d
    extra = {} if kind == "max" else {"count_include_pad": count_include_pad}
    torch_fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    too_much_padding = padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2
    too_big = kernel[0] > h + 2 * padding[0] or kernel[1] > w + 2 * padding[1]
    if too_much_padding or too_big:
        with pytest.raises(ValueError) as info:
            ours_fn(x, kernel, stride, padding, **extra)
        _check_refusal(info, ["padding", "kernel_size"])
        with pytest.raises(RuntimeError):
            torch_fn(_torch(x), kernel, stride, padding, **extra)
        return
    ours = ours_fn(x, kernel, stride, padding, **extra)
    theirs = torch_fn(_torch(x), kernel, stride, padding, **extra).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.astype(np.float64), theirs, **_tolerance(dtype))


@SETTINGS
@given(data=st.data(), c=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6))
def test_global_average_pool_equals_adaptive_avg_pool(data, c, h, w):
    x = data.draw(arrays((c, h, w), np.float64))
    np.testing.assert_allclose(
        ops.global_avg_pool2d(x), F.adaptive_avg_pool2d(_torch(x), 1).numpy(), atol=1e-12
    )


# --- softmax, log-softmax, ReLU -------------------------------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=3),
    scale=st.sampled_from([1.0, 50.0, 1e3]),
)
def test_softmax_and_log_softmax_equal_torch_or_refuse(data, shape, scale):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(tuple(shape), np.float64)) * scale
    if shape[axis] == 0:
        for fn in (ops.softmax, ops.log_softmax):
            with pytest.raises(ValueError) as info:
                fn(x, axis=axis)
            _check_refusal(info, ["x"])
        return
    probabilities = ops.softmax(x, axis=axis)
    np.testing.assert_allclose(
        probabilities, torch.softmax(_torch(x), dim=axis).numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        ops.log_softmax(x, axis=axis),
        torch.log_softmax(_torch(x), dim=axis).numpy(),
        rtol=1e-9,
        atol=1e-9,
    )
    if x.size:
        np.testing.assert_allclose(probabilities.sum(axis=axis), 1.0, atol=1e-12)
        assert np.all(np.isfinite(ops.log_softmax(x, axis=axis)))


@SETTINGS
@given(
    data=st.data(),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    axis=st.integers(3, 6),
)
def test_softmax_axis_out_of_range_is_refused(data, shape, axis):
    x = data.draw(arrays(tuple(shape), np.float64))
    with pytest.raises(ValueError) as info:
        ops.softmax(x, axis=axis)
    _check_refusal(info, ["axis"])


@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_relu_equals_torch(data, shape):
    x = data.draw(arrays(tuple(shape)))
    np.testing.assert_array_equal(ops.relu(x).astype(np.float64), F.relu(_torch(x)).numpy())


# --- dropout and batch norm ----------------------------------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    p=st.floats(0.0, 0.9),
    seed=st.integers(0, 1000),
)
def test_dropout_zeroes_or_scales_every_value(data, shape, p, seed):
    x = data.draw(arrays(tuple(shape), np.float64)) + 20.0  # no zeros in the input
    out = ops.dropout(x, p, training=True, generator=np.random.default_rng(seed))
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-12)
    np.testing.assert_array_equal(ops.dropout(x, p, training=False), x)


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 4),
    c=st.integers(1, 3),
    spatial=st.lists(st.integers(1, 3), max_size=2),
    training=st.booleans(),
    momentum=st.floats(0.0, 1.0),
    affine=st.booleans(),
)
def test_batch_norm_equals_torch_or_refuses(data, n, c, spatial, training, momentum, affine):
    x = data.draw(arrays((n, c, *spatial), np.float64))
    mean = data.draw(arrays((c,), np.float64))
    var = np.abs(data.draw(arrays((c,), np.float64))) + 0.1
    weight = data.draw(arrays((c,), np.float64)) if affine else None
    bias = data.draw(arrays((c,), np.float64)) if affine else None
    args = (x, mean, var, weight, bias, training, momentum)
    if training and x.size // c < 2:
        with pytest.raises(ValueError) as info:
            ops.batch_norm(*args)
        _check_refusal(info, ["x"])
        return
    out, new_mean, new_var = ops.batch_norm(*args)
    torch_mean, torch_var = _torch(mean), _torch(var)
    expected = F.batch_norm(
        _torch(x),
        torch_mean,
        torch_var,
        None if weight is None else _torch(weight),
        None if bias is None else _torch(bias),
        training,
        momentum,
    ).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(new_mean, torch_mean.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(new_var, torch_var.numpy(), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
)
def test_output_size_equals_the_shape_torch_gives(size, kernel, stride, padding):
    if kernel > size + 2 * padding:
        with pytest.raises(ValueError) as info:
            ops.output_size(size, kernel, stride, padding)
        _check_refusal(info, ["kernel"])
        return
    shape = F.conv2d(
        torch.zeros(1, 1, size, 1),
        torch.zeros(1, 1, kernel, 1),
        stride=(stride, 1),
        padding=(padding, 0),
    ).shape
    assert ops.output_size(size, kernel, stride, padding) == shape[2]


# --- backward passes (backpropagation) against autograd -------------------------------------------


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 3),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    batched=st.booleans(),
)
def test_conv2d_backward_equals_autograd(
    autograd_grads, data, n, c_in, c_out, h, w, kernel, stride, padding, batched
):
    if kernel[0] > h + 2 * padding[0] or kernel[1] > w + 2 * padding[1]:
        return  # no output to differentiate; the forward's refusal is tested above
    x = data.draw(arrays((n, c_in, h, w) if batched else (c_in, h, w), np.float64))
    weight = data.draw(arrays((c_out, c_in) + kernel, np.float64))
    bias = data.draw(arrays((c_out,), np.float64))
    upstream = data.draw(arrays(ops.conv2d(x, weight, stride=stride, padding=padding).shape))

    def forward(x, weight, bias):
        return F.conv2d(x, weight, bias, stride=stride, padding=padding)

    _, theirs = autograd_grads(forward, upstream, x, weight, bias)
    ours = ops.conv2d_backward(upstream, x, weight, stride, padding)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-9)


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    kind=st.sampled_from(["max", "avg"]),
    count_include_pad=st.booleans(),
    ties=st.booleans(),
)
def test_pooling_backward_equals_autograd(
    autograd_grads, data, n, c, h, w, kernel, stride, kind, count_include_pad, ties
):
    padding = (data.draw(st.integers(0, kernel[0] // 2)), data.draw(st.integers(0, kernel[1] // 2)))
    if kernel[0] > h + 2 * padding[0] or kernel[1] > w + 2 * padding[1]:
        return  # refused by the forward, tested above
    # Small integers make ties common: max pooling must pick the first maximum, as torch does.
    x = data.draw(arrays((n, c, h, w), np.int64 if ties else np.float64)).astype(np.float64)
    forward_fn = ops.max_pool2d if kind == "max" else ops.avg_pool2d
    backward_fn = ops.max_pool2d_backward if kind == "max" else ops.avg_pool2d_backward
    torch_fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    extra = {} if kind == "max" else {"count_include_pad": count_include_pad}
    upstream = data.draw(arrays(forward_fn(x, kernel, stride, padding, **extra).shape))

    def forward(x):
        return torch_fn(x, kernel, stride, padding, **extra)

    _, (theirs,) = autograd_grads(forward, upstream, x)
    ours = backward_fn(upstream, x, kernel, stride, padding, **extra)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)

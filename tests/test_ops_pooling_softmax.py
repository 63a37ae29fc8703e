"""course_utils.ops pooling and softmax against torch.nn.functional."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import ops

TOL = 1e-5


def _random(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape).astype(np.float32)


def _max_diff(ours, theirs) -> float:
    return float(np.max(np.abs(np.asarray(ours) - theirs.numpy())))


# --- max_pool2d / avg_pool2d ------------------------------------------------------------------

POOL_CASES = [  # shape, kernel_size, stride, padding
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 7, 9), 2, None, 0),  # odd, non-square: the last row/column is dropped
    ((1, 2, 9, 6), 3, 2, 1),  # overlapping windows with padding
    ((3, 1, 11, 5), (3, 2), (2, 1), (1, 0)),
    ((2, 4, 10, 13), 3, 1, 0),  # stride smaller than the window
    ((1, 1, 12, 12), 2, 3, 1),  # stride larger than the window: cells are skipped
    ((2, 2, 5, 5), 5, None, 2),  # window as large as the input, maximal padding
    ((3, 6, 6), 2, None, 0),  # one image (C, H, W)
    ((3, 7, 5), (2, 3), (1, 2), (1, 1)),
]


@pytest.mark.parametrize("shape, kernel_size, stride, padding", POOL_CASES)
def test_max_pool2d_matches_torch(shape, kernel_size, stride, padding):
    x = _random(shape, seed=len(shape) + shape[-1])
    ours = ops.max_pool2d(x, kernel_size, stride, padding)
    theirs = F.max_pool2d(torch.from_numpy(x), kernel_size, stride, padding)
    assert ours.shape == tuple(theirs.shape)
    assert _max_diff(ours, theirs) < TOL


@pytest.mark.parametrize("shape, kernel_size, stride, padding", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(shape, kernel_size, stride, padding, count_include_pad):
    x = _random(shape, seed=shape[-2])
    ours = ops.avg_pool2d(x, kernel_size, stride, padding, count_include_pad=count_include_pad)
    theirs = F.avg_pool2d(
        torch.from_numpy(x), kernel_size, stride, padding, count_include_pad=count_include_pad
    )
    assert ours.shape == tuple(theirs.shape)
    assert _max_diff(ours, theirs) < TOL


def test_avg_pool2d_default_counts_padding():
    x = np.ones((1, 1, 2, 2))
    out = ops.avg_pool2d(x, 2, stride=2, padding=1)
    # Each corner window holds one real 1 and three padded zeros.
    np.testing.assert_allclose(out, np.full((1, 1, 2, 2), 0.25))
    np.testing.assert_allclose(
        ops.avg_pool2d(x, 2, 2, 1, count_include_pad=False), np.ones((1, 1, 2, 2))
    )


def test_max_pool2d_padding_never_wins():
    x = -np.arange(1.0, 17.0).reshape(1, 1, 4, 4)  # all negative: zero padding would win
    out = ops.max_pool2d(x, 2, stride=2, padding=1)
    assert out.max() < 0
    assert _max_diff(out, F.max_pool2d(torch.from_numpy(x), 2, 2, 1)) == 0.0


def test_pooling_worked_example_and_dtype():
    x = np.array([[1, 4, 8, 5], [3, 2, 7, 6], [6, 2, 3, 9], [4, 5, 2, 2]])[None]
    np.testing.assert_array_equal(ops.max_pool2d(x, 2)[0], [[4, 8], [6, 9]])
    np.testing.assert_allclose(ops.avg_pool2d(x, 2)[0], [[2.5, 6.5], [4.25, 4.0]])
    assert ops.global_avg_pool2d(x).item() == 69 / 16
    assert ops.max_pool2d(x.astype(np.float32), 2).dtype == np.float32
    assert ops.avg_pool2d(x.astype(np.float32), 2, count_include_pad=False).dtype == np.float32


def test_pooling_accepts_tensors():
    x = torch.from_numpy(_random((1, 2, 6, 6)))
    assert isinstance(ops.max_pool2d(x, 2), np.ndarray)
    assert _max_diff(ops.avg_pool2d(x, 3, 3), F.avg_pool2d(x, 3, 3)) < TOL


@pytest.mark.parametrize("func", [ops.max_pool2d, ops.avg_pool2d])
def test_pooling_bad_inputs(func):
    x = _random((1, 1, 4, 4))
    with pytest.raises(ValueError, match="`x` must have 3 or 4 dimensions"):
        func(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="`x` must have 3 or 4 dimensions"):
        func(np.zeros((1, 1, 1, 4, 4)), 2)
    with pytest.raises(TypeError, match="`x`"):
        func(None, 2)
    with pytest.raises(ValueError, match="kernel_size"):
        func(x, 5)  # larger than the 4x4 input
    with pytest.raises(ValueError, match="kernel_size"):
        func(x, (2, 7), padding=1)  # 7 > 4 + 2
    with pytest.raises(ValueError, match="kernel_size"):
        func(x, 0)
    with pytest.raises(TypeError, match="kernel_size"):
        func(x, 2.0)
    with pytest.raises(ValueError, match="stride"):
        func(x, 2, stride=0)
    with pytest.raises(ValueError, match="stride"):
        func(x, 2, stride=(1, -1))
    with pytest.raises(ValueError, match="padding"):
        func(x, 2, padding=-1)
    with pytest.raises(ValueError, match="padding.*half of `kernel_size`"):
        func(x, 2, padding=2)
    with pytest.raises(ValueError, match="padding"):
        func(x, 3, padding=2)


def test_padding_rule_is_torchs():
    """The same (kernel, padding) pairs are accepted and refused as by PyTorch."""
    x = torch.zeros(1, 1, 8, 8)
    for kernel in range(1, 6):
        for padding in range(0, 4):
            try:
                F.max_pool2d(x, kernel, 1, padding)
                torch_ok = True
            except RuntimeError:
                torch_ok = False
            try:
                ops.max_pool2d(x, kernel, 1, padding)
                ours_ok = True
            except ValueError:
                ours_ok = False
            assert ours_ok == torch_ok, (kernel, padding)


def test_avg_pool2d_count_include_pad_must_be_bool():
    with pytest.raises(TypeError, match="count_include_pad"):
        ops.avg_pool2d(np.zeros((1, 4, 4)), 2, count_include_pad="yes")


# --- global_avg_pool2d --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3, 7, 5), (4, 1, 1), (1, 64, 7, 7), (5, 9, 2)])
def test_global_avg_pool2d_matches_adaptive_avg_pool(shape):
    x = _random(shape, seed=shape[0])
    ours = ops.global_avg_pool2d(x)
    theirs = F.adaptive_avg_pool2d(torch.from_numpy(x), 1)
    assert ours.shape == tuple(theirs.shape)
    assert _max_diff(ours, theirs) < TOL


def test_global_avg_pool2d_bad_inputs():
    with pytest.raises(ValueError, match="`x` must have 3 or 4 dimensions"):
        ops.global_avg_pool2d(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="`x` has an empty spatial size"):
        ops.global_avg_pool2d(np.zeros((1, 2, 0, 3)))
    with pytest.raises(TypeError, match="`x`"):
        ops.global_avg_pool2d(["a", "b"])


# --- softmax / log_softmax ----------------------------------------------------------------------

SOFTMAX_CASES = [
    ((10,), -1),
    ((4, 10), -1),
    ((4, 10), 0),
    ((2, 3, 5), 1),
    ((2, 3, 4, 5), -3),
    ((1,), 0),
]


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
def test_softmax_and_log_softmax_match_torch(shape, axis):
    x = _random(shape, seed=sum(shape), scale=3.0)
    t = torch.from_numpy(x)
    assert _max_diff(ops.softmax(x, axis), torch.softmax(t, dim=axis)) < TOL
    assert _max_diff(ops.log_softmax(x, axis), torch.log_softmax(t, dim=axis)) < TOL
    np.testing.assert_allclose(ops.softmax(x, axis).sum(axis=axis), 1.0, rtol=1e-6)


def test_softmax_default_axis_is_last():
    x = _random((3, 4))
    np.testing.assert_array_equal(ops.softmax(x), ops.softmax(x, axis=1))
    np.testing.assert_array_equal(ops.log_softmax(x), ops.log_softmax(x, axis=-1))


def test_softmax_huge_logits_stay_finite():
    x = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0]])
    with np.errstate(over="raise", invalid="raise"):
        p = ops.softmax(x)
        logp = ops.log_softmax(x)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(logp))
    t = torch.from_numpy(x)
    assert _max_diff(p, torch.softmax(t, -1)) < TOL
    assert _max_diff(logp, torch.log_softmax(t, -1)) < TOL
    # The naive formula is what overflows: exp(1000) is inf in float64.
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x[0]) / np.exp(x[0]).sum()
    assert np.isnan(naive).any()


def test_softmax_is_shift_invariant_and_accepts_tensors():
    x = _random((2, 6))
    np.testing.assert_allclose(ops.softmax(x + 50.0), ops.softmax(x), atol=1e-6)
    assert isinstance(ops.softmax(torch.from_numpy(x)), np.ndarray)


@pytest.mark.parametrize("func", [ops.softmax, ops.log_softmax])
def test_softmax_bad_inputs(func):
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="`axis` 2 is out of range"):
        func(x, axis=2)
    with pytest.raises(ValueError, match="`axis` -3 is out of range"):
        func(x, axis=-3)
    with pytest.raises(TypeError, match="`axis` must be an int"):
        func(x, axis=1.0)
    with pytest.raises(TypeError, match="`axis` must be an int"):
        func(x, axis=True)
    with pytest.raises(ValueError, match="`x` must have at least 1 dimension"):
        func(3.0)
    with pytest.raises(TypeError, match="`x`"):
        func(None)
    with pytest.raises(TypeError, match="`x`"):
        func(["a", "b"])

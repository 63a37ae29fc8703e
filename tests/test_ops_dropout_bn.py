"""course_utils.ops dropout and batch_norm against torch.nn.functional / torch.nn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import ops

TOL = 1e-5


def _random(shape, seed=0, scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).normal(scale=scale, size=shape) + shift).astype(np.float32)


def _max_diff(ours, theirs) -> float:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    return float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - theirs)))


# --- dropout --------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_dropout_zero_fraction_is_close_to_p(p):
    x = np.ones(200_000, dtype=np.float32)
    out = ops.dropout(x, p=p, generator=np.random.default_rng(1))
    zero_fraction = float(np.mean(out == 0))
    # The standard deviation of the fraction is sqrt(p (1 - p) / n) < 0.0012: 5e-3 is > 4 sigma.
    assert abs(zero_fraction - p) < 5e-3, zero_fraction


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_survivors_are_scaled_by_one_over_keep_probability(p):
    x = _random((4, 3, 8, 8), seed=2)
    out = ops.dropout(x, p=p, generator=np.random.default_rng(3))
    kept = out != 0
    assert 0 < kept.sum() < x.size
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-6)
    # PyTorch scales its survivors by the same factor.
    torch_out = F.dropout(torch.from_numpy(x), p=p, training=True).numpy()
    torch_kept = torch_out != 0
    np.testing.assert_allclose(torch_out[torch_kept], x[torch_kept] / (1 - p), rtol=1e-6)


def test_dropout_preserves_the_mean_in_expectation():
    x = np.linspace(-2.0, 3.0, 50)
    rng = np.random.default_rng(4)
    draws = np.stack([ops.dropout(x, p=0.5, generator=rng) for _ in range(4000)])
    # Per element, the std of the mean of 4000 draws is |x| / sqrt(4000) <= 0.048: 0.25 > 5 sigma.
    assert np.max(np.abs(draws.mean(axis=0) - x)) < 0.25
    # Over all 200,000 values, the overall mean is much tighter.
    assert abs(draws.mean() - x.mean()) < 0.02


def test_dropout_mean_matches_torch_in_distribution():
    x = _random((100_000,), seed=5, shift=1.0)
    ours = ops.dropout(x, p=0.4, generator=np.random.default_rng(6))
    torch.manual_seed(0)
    theirs = F.dropout(torch.from_numpy(x), p=0.4, training=True).numpy()
    # Both means estimate mean(x) = about 1 with a std of about 0.005.
    assert abs(ours.mean() - x.mean()) < 0.03
    assert abs(theirs.mean() - x.mean()) < 0.03
    assert abs(float(np.mean(ours == 0)) - float(np.mean(theirs == 0))) < 0.01


def test_dropout_is_identity_in_eval_mode_and_for_p_zero():
    x = _random((2, 3, 5, 5), seed=7)
    for out in (
        ops.dropout(x, p=0.5, training=False),
        ops.dropout(x, p=0.0, generator=np.random.default_rng(0)),
    ):
        assert np.array_equal(out, x)
        assert out is not x
    assert np.array_equal(
        ops.dropout(x, p=0.5, training=False),
        F.dropout(torch.from_numpy(x), p=0.5, training=False).numpy(),
    )


def test_dropout_is_reproducible_with_a_seeded_generator():
    x = np.ones((16, 16))
    a = ops.dropout(x, 0.5, generator=np.random.default_rng(8))
    b = ops.dropout(x, 0.5, generator=np.random.default_rng(8))
    c = ops.dropout(x, 0.5, generator=np.random.default_rng(9))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    np.random.seed(0)
    d = ops.dropout(x, 0.5)
    np.random.seed(0)
    e = ops.dropout(x, 0.5)
    assert np.array_equal(d, e)


def test_dropout_keeps_float32():
    x = _random((3, 4), seed=10)
    assert ops.dropout(x, 0.5, generator=np.random.default_rng(0)).dtype == np.float32


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, float("nan")])
def test_dropout_rejects_p_outside_range(p):
    with pytest.raises(ValueError, match="`p`"):
        ops.dropout(np.ones(3), p=p)


def test_dropout_rejects_bad_arguments():
    with pytest.raises(TypeError, match="`p`"):
        ops.dropout(np.ones(3), p="0.5")
    with pytest.raises(TypeError, match="`p`"):
        ops.dropout(np.ones(3), p=True)
    with pytest.raises(TypeError, match="`generator`"):
        ops.dropout(np.ones(3), p=0.5, generator=torch.Generator())
    with pytest.raises(TypeError, match="`training`"):
        ops.dropout(np.ones(3), p=0.5, training="yes")
    with pytest.raises(TypeError, match="`x`"):
        ops.dropout(None, p=0.5)
    with pytest.raises(TypeError, match="`x`"):
        ops.dropout(["a", "b"], p=0.5)


# --- batch_norm -----------------------------------------------------------------------------

BN_SHAPES = [(8, 3, 5, 5), (16, 4), (6, 2, 7), (2, 5, 3, 4)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_train_mode_matches_functional(shape, momentum):
    channels = shape[1]
    x = _random(shape, seed=11, scale=3.0, shift=2.0)
    mean0, var0 = _random((channels,), seed=12), np.abs(_random((channels,), seed=13)) + 0.5
    weight, bias = _random((channels,), seed=14), _random((channels,), seed=15)
    out, new_mean, new_var = ops.batch_norm(
        x, mean0, var0, weight, bias, training=True, momentum=momentum
    )
    t_mean, t_var = torch.from_numpy(mean0.copy()), torch.from_numpy(var0.copy())
    expected = F.batch_norm(
        torch.from_numpy(x),
        t_mean,
        t_var,
        torch.from_numpy(weight),
        torch.from_numpy(bias),
        training=True,
        momentum=momentum,
    )
    assert out.shape == shape and out.dtype == np.float32
    assert _max_diff(out, expected) < TOL
    assert _max_diff(new_mean, t_mean) < TOL
    assert _max_diff(new_var, t_var) < TOL
    # The inputs are not modified: the updates come back as new arrays.
    assert not np.array_equal(new_mean, mean0)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_eval_mode_uses_running_statistics(shape):
    channels = shape[1]
    x = _random(shape, seed=16, scale=2.0)
    mean0, var0 = _random((channels,), seed=17), np.abs(_random((channels,), seed=18)) + 0.5
    weight, bias = _random((channels,), seed=19), _random((channels,), seed=20)
    out, new_mean, new_var = ops.batch_norm(x, mean0, var0, weight, bias, training=False)
    expected = F.batch_norm(
        torch.from_numpy(x),
        torch.from_numpy(mean0),
        torch.from_numpy(var0),
        torch.from_numpy(weight),
        torch.from_numpy(bias),
        training=False,
    )
    assert _max_diff(out, expected) < TOL
    assert np.array_equal(new_mean, mean0) and np.array_equal(new_var, var0)
    # In eval mode each image is normalised on its own: the batch-mates do not matter.
    alone, _, _ = ops.batch_norm(x[:1], mean0, var0, weight, bias, training=False)
    assert np.allclose(alone, out[:1])


def test_batch_norm_matches_batchnorm2d_over_several_steps():
    torch.manual_seed(0)
    layer = nn.BatchNorm2d(3, momentum=0.2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
        layer.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    weight, bias = layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()
    running_mean, running_var = np.zeros(3, np.float32), np.ones(3, np.float32)
    layer.train()
    for step in range(6):
        x = _random((4, 3, 6, 6), seed=100 + step, scale=1.0 + step, shift=step - 2.0)
        out, running_mean, running_var = ops.batch_norm(
            x, running_mean, running_var, weight, bias, training=True, momentum=0.2
        )
        expected = layer(torch.from_numpy(x))
        assert _max_diff(out, expected) < TOL, step
        assert _max_diff(running_mean, layer.running_mean) < TOL, step
        assert _max_diff(running_var, layer.running_var) < TOL, step
    layer.eval()
    x = _random((5, 3, 6, 6), seed=200, scale=4.0)
    out, _, _ = ops.batch_norm(x, running_mean, running_var, weight, bias, training=False)
    assert _max_diff(out, layer(torch.from_numpy(x))) < TOL


def test_batch_norm_matches_batchnorm1d_on_vectors():
    layer = nn.BatchNorm1d(4)
    running_mean, running_var = np.zeros(4, np.float32), np.ones(4, np.float32)
    for step in range(3):
        x = _random((10, 4), seed=300 + step, scale=2.0, shift=1.0)
        out, running_mean, running_var = ops.batch_norm(x, running_mean, running_var, training=True)
        assert _max_diff(out, layer(torch.from_numpy(x))) < TOL
    assert _max_diff(running_mean, layer.running_mean) < TOL
    assert _max_diff(running_var, layer.running_var) < TOL


def test_batch_norm_running_variance_is_unbiased():
    x = np.array([[1.0], [3.0]])  # one channel, mean 2, biased variance 1, unbiased variance 2
    out, mean, var = ops.batch_norm(
        x, np.zeros(1), np.ones(1), training=True, momentum=1.0, eps=1e-12
    )
    np.testing.assert_allclose(
        out[:, 0], [-1.0, 1.0], atol=1e-6
    )  # normalised with the biased variance
    np.testing.assert_allclose(mean, [2.0])
    np.testing.assert_allclose(var, [2.0])


def test_batch_norm_without_running_statistics_in_training():
    x = _random((4, 2, 3, 3), seed=21)
    out, mean, var = ops.batch_norm(x, None, None, training=True)
    assert mean is None and var is None
    assert _max_diff(out, F.batch_norm(torch.from_numpy(x), None, None, training=True)) < TOL


def test_batch_norm_output_has_zero_mean_unit_variance_per_channel():
    x = _random((32, 3, 4, 4), seed=22, scale=5.0, shift=-3.0)
    out, _, _ = ops.batch_norm(x, np.zeros(3), np.ones(3), training=True)
    assert np.allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    assert np.allclose(out.var(axis=(0, 2, 3)), 1.0, atol=1e-3)


def test_batch_norm_rejects_bad_arguments():
    x = _random((4, 3, 2, 2), seed=23)
    zeros, ones = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError, match="`x`"):
        ops.batch_norm(np.ones(5), np.zeros(1), np.ones(1))
    with pytest.raises(ValueError, match="`running_mean`"):
        ops.batch_norm(x, np.zeros(2), ones)
    with pytest.raises(ValueError, match="`running_var`"):
        ops.batch_norm(x, zeros, np.ones((3, 1)))
    with pytest.raises(ValueError, match="`weight`"):
        ops.batch_norm(x, zeros, ones, weight=np.ones(4))
    with pytest.raises(ValueError, match="`bias`"):
        ops.batch_norm(x, zeros, ones, bias=np.ones(2))
    with pytest.raises(ValueError, match="`momentum`"):
        ops.batch_norm(x, zeros, ones, training=True, momentum=1.5)
    with pytest.raises(TypeError, match="`momentum`"):
        ops.batch_norm(x, zeros, ones, training=True, momentum=None)
    with pytest.raises(ValueError, match="`eps`"):
        ops.batch_norm(x, zeros, ones, eps=0.0)
    with pytest.raises(TypeError, match="`training`"):
        ops.batch_norm(x, zeros, ones, training="no")
    with pytest.raises(ValueError, match="`running_mean`"):
        ops.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match="`running_var`"):
        ops.batch_norm(x, zeros, None, training=True)
    with pytest.raises(ValueError, match="`x`"):  # one value per channel cannot give a variance
        ops.batch_norm(np.ones((1, 3, 1, 1)), zeros, ones, training=True)
    with pytest.raises(TypeError, match="`x`"):
        ops.batch_norm(None, zeros, ones)

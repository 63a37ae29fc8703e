"""Exercise checks of the chapter on dropout and batch normalization."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from course_utils.i18n import N_, _
from course_utils.ops import batch_norm

from ._feedback import Feedback, NotYet, _compare, exercise, read_array, require, second_part

__all__ = ["check_inverted_dropout", "check_running_stats", "check_bn_eval"]


def _dropout_case() -> tuple[np.ndarray, np.ndarray, float]:
    """The fixed input, keep mask and p of ex-inverted-dropout."""
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    keep = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
    return x, keep, 0.25


@exercise(N_("the 2x4 output array of inverted dropout"))
def check_inverted_dropout(answer: Any) -> Feedback:
    """Exercise ex-inverted-dropout: inverted dropout of a 2x4 array, given mask."""
    array = read_array(answer, "answer")
    x, keep, p = _dropout_case()
    expected = x * keep / (1 - p)
    if array.shape == expected.shape:
        if np.allclose(array, x * keep):
            return Feedback(
                False,
                _(
                    "the right values are zeroed, but the survivors are not scaled: multiply them "
                    "by 1 / (1 - p) = {p:.4g}."
                ).format(p=1 / (1 - p)),
            )
        if np.allclose(array, x * keep * (1 - p)):
            return Feedback(
                False,
                _(
                    "you multiplied the survivors by 1 - p. Inverted dropout divides by 1 - p "
                    "during training, so that nothing changes at evaluation time."
                ),
            )
        if np.allclose(array, x * ~keep / (1 - p)):
            return Feedback(
                False, _("you zeroed the kept values: `keep` is True where a value survives.")
            )
        if np.allclose(array, x * keep / p):
            return Feedback(False, _("you divided by p; divide by the keep probability 1 - p."))
    return _compare(
        array,
        expected,
        "answer",
        _("the survivors are scaled by 1 / (1 - 0.25) = 4/3, the dropped values are 0."),
    )


def _batch() -> np.ndarray:
    """The one-channel batch of ex-running-stats, shape (4, 1)."""
    return np.array([[2.0], [4.0], [6.0], [8.0]])


def _check_layer(layer: Any, expected: tuple[float, float]) -> None:
    """The learner's nn.BatchNorm1d(1) of ex-running-stats, after one batch in training mode."""
    require(layer, _("your `nn.BatchNorm1d(1)` layer, after it has seen the batch"))
    if not isinstance(layer, nn.BatchNorm1d) or layer.num_features != 1:
        raise NotYet(
            _("`layer` should be an nn.BatchNorm1d(1), got {layer!r}.").format(layer=layer)
        )
    if layer.momentum != 0.1 or layer.running_mean is None:
        raise NotYet(_("`layer` should keep running statistics with momentum 0.1, the default."))
    mean, var = float(layer.running_mean[0]), float(layer.running_var[0])
    seen = int(layer.num_batches_tracked)
    if seen == 0:
        raise NotYet(
            _("`layer` has not seen a batch yet: call it once on the batch, in training mode.")
        )
    if seen > 1:
        raise NotYet(
            _("`layer` has seen {seen} batches; make a fresh one and call it once.").format(
                seen=seen
            )
        )
    if abs(mean - expected[0]) > 1e-5 or abs(var - expected[1]) > 1e-5:
        raise NotYet(
            _(
                "`layer` holds running mean {mean:.4g} and variance {var:.4g}: did it see the "
                "batch [[2], [4], [6], [8]]?"
            ).format(mean=mean, var=var)
        )


def _read_two_numbers(answer: Any) -> tuple[float, float]:
    """The answer of ex-running-stats as two finite numbers, or a stop."""
    try:
        values = [float(np.asarray(v, dtype=np.float64).reshape(-1)[0]) for v in answer]
    except (TypeError, ValueError, IndexError):
        raise NotYet(
            _("`answer` should be a pair of numbers (new_running_mean, new_running_var).")
        ) from None
    if len(values) != 2:
        raise NotYet(_("`answer` should hold 2 numbers, got {n}.").format(n=len(values)))
    read_array(values, "answer")
    return values[0], values[1]


@exercise(N_("a pair (new_running_mean, new_running_var) of two numbers"))
def check_running_stats(answer: Any, layer: Any) -> Feedback:
    """Exercise ex-running-stats: running statistics after a step, and the layer."""
    new_mean, new_var = _read_two_numbers(answer)
    batch = _batch()[:, 0]
    momentum, n = 0.1, len(batch)
    mean, biased = batch.mean(), batch.var()
    unbiased = biased * n / (n - 1)
    expected_mean = (1 - momentum) * 0.0 + momentum * mean
    expected_var = (1 - momentum) * 1.0 + momentum * unbiased
    if abs(new_mean - expected_mean) > 1e-6:
        if abs(new_mean - (momentum * 0.0 + (1 - momentum) * mean)) < 1e-6:
            return Feedback(
                False,
                _(
                    "the weights are swapped: PyTorch keeps (1 - momentum) = 0.9 of the old value "
                    "and adds momentum = 0.1 of the batch's value."
                ),
            )
        if abs(new_mean - mean) < 1e-6:
            return Feedback(
                False,
                _(
                    "that is the batch mean itself; the running mean moves only 10% of the way "
                    "from its old value 0 towards it."
                ),
            )
        return Feedback(
            False, _("the running mean should be 0.9 * 0 + 0.1 * {mean:g}.").format(mean=mean)
        )
    if abs(new_var - ((1 - momentum) * 1.0 + momentum * biased)) < 1e-6:
        return Feedback(
            False,
            _(
                "the mean is right; for the variance you used the biased batch variance "
                "({biased:g}, divided by n). The running variance uses the unbiased one, "
                "divided by n - 1: {unbiased:.4g}."
            ).format(biased=biased, unbiased=unbiased),
        )
    if abs(new_var - expected_var) > 1e-6:
        return Feedback(
            False,
            _(
                "the mean is right; the running variance should be 0.9 * 1 + 0.1 * (the "
                "unbiased variance of the batch)."
            ),
        )
    with second_part(_("your pair is right; ")):
        _check_layer(layer, (expected_mean, expected_var))
    return Feedback(
        True,
        _(
            "running mean {expected_mean:g}, running variance {expected_var:.4f} (with the "
            "unbiased batch variance {unbiased:.4f}), and the layer agrees."
        ).format(expected_mean=expected_mean, expected_var=expected_var, unbiased=unbiased),
    )


_STATE = ("running_mean", "running_var", "weight", "bias")  # batch_norm's order


def _eval_case() -> dict[str, np.ndarray]:
    """The fixed image and layer state of ex-bn-eval: 2 channels, 2x2 pixels."""
    return {
        "image": np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 10.0], [20.0, 30.0]]]),
        "running_mean": np.array([2.0, 10.0]),
        "running_var": np.array([4.0, 100.0]),
        "weight": np.array([1.0, 0.5]),
        "bias": np.array([0.0, 1.0]),
    }


def _bn_eval_hint(array: np.ndarray, case: dict[str, np.ndarray]) -> None:
    """Stop with a hint when the (2, 2, 2) answer of ex-bn-eval is a known mistake."""
    own = batch_norm(case["image"][None], *(case[k] for k in _STATE), training=True)[0][0]
    if np.allclose(array, own, atol=1e-4):
        raise NotYet(
            _(
                "you normalised with the image's own mean and variance: that is training mode. "
                "In eval mode use the running statistics."
            )
        )
    mean, var, weight, bias = (case[k].reshape(2, 1, 1) for k in _STATE)
    centred = case["image"] - mean
    if np.allclose(array, centred / np.sqrt(var + 1e-5), atol=1e-4):
        raise NotYet(_("normalised correctly; now scale by `weight` and add `bias`, per channel."))
    if np.allclose(array, centred / var * weight + bias, atol=1e-4):
        raise NotYet(
            _("you divided by the variance; divide by its square root, the standard deviation.")
        )


@exercise(N_("the (2, 2, 2) output for the image"))
def check_bn_eval(answer: Any) -> Feedback:
    """Exercise ex-bn-eval: batch norm of one image in evaluation mode."""
    array = read_array(answer, "answer")
    case = _eval_case()
    expected = batch_norm(case["image"][None], *(case[k] for k in _STATE), training=False)[0][0]
    if array.shape == (1,) + expected.shape:
        array = array[0]
    if array.shape == expected.shape:
        _bn_eval_hint(array, case)
    return _compare(
        array,
        expected,
        "answer",
        _("each channel is (x - running_mean) / sqrt(running_var + eps), then scaled and shifted."),
        atol=1e-4,
    )

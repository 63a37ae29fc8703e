"""Exercise checks of chapter 05b's section on activations and initialization.

Written next to the chapter; the lead moves them into the `course_utils.checks` package.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import Feedback, _as_array, _not_yet

_HE_CONV = {"in_channels": 16, "out_channels": 64, "kernel_size": 3}  # ex-05b-init


def _he_conv_expected() -> tuple[int, int, float]:
    """The fan-in, the fan-out and the He standard deviation of ex-05b-init's convolution."""
    k = _HE_CONV["kernel_size"]
    fan_in = _HE_CONV["in_channels"] * k * k
    fan_out = _HE_CONV["out_channels"] * k * k
    return fan_in, fan_out, float(np.sqrt(2.0 / fan_in))


def _he_std_mistake(value: float) -> str | None:
    """A hint when `value` is one of the usual wrong standard deviations, else None."""
    fan_in, fan_out, _ = _he_conv_expected()
    c_in, k = _HE_CONV["in_channels"], _HE_CONV["kernel_size"]
    mistakes = [
        (
            np.sqrt(2.0 / c_in),
            f"you used C_in = {c_in} as the fan-in; each output sums over C_in x k x k inputs.",
        ),
        (
            np.sqrt(2.0 / (c_in * k)),
            "a 3x3 kernel has k x k = 9 weights per input channel, not k = 3.",
        ),
        (
            np.sqrt(2.0 / fan_out),
            f"that is sqrt(2 / fan_out) with fan_out = C_out x k x k = {fan_out}; He's rule "
            "uses the fan-in, the number of inputs each output sums.",
        ),
        (
            np.sqrt(1.0 / fan_in),
            "that is sqrt(1 / fan_in), which keeps the spread of a linear (or tanh-like) unit; "
            "a ReLU zeroes half its inputs and halves the second moment, so He doubles it.",
        ),
        (
            2.0 / fan_in,
            "that is the variance 2 / fan_in; the standard deviation is its square root.",
        ),
        (
            np.sqrt(2.0 / (fan_in + fan_out)),
            "that is Xavier's sqrt(2 / (fan_in + fan_out)), made for tanh-like units; "
            "for a ReLU use He's rule.",
        ),
    ]
    for wrong, hint in mistakes:
        if np.isclose(value, wrong, rtol=1e-3, atol=0.0):
            return hint
    return None


def _check_he_layer(layer, expected_std: float) -> Feedback:
    """The learner's nn.Conv2d(16, 64, 3), initialised with He's standard deviation."""
    from torch import nn

    missing = _not_yet(layer, "your `nn.Conv2d(16, 64, kernel_size=3)`, initialised by hand")
    if missing is not None:
        return missing
    if not isinstance(layer, nn.Conv2d):
        return Feedback(False, f"`he_conv` should be an nn.Conv2d, got {type(layer).__name__}.")
    shape = (_HE_CONV["out_channels"], _HE_CONV["in_channels"], 3, 3)
    if tuple(layer.weight.shape) != shape:
        return Feedback(
            False,
            f"`he_conv` should be nn.Conv2d(16, 64, kernel_size=3), with weights of shape "
            f"{shape}; its weights have shape {tuple(layer.weight.shape)}.",
        )
    weights = _as_array(layer.weight, "he_conv.weight")
    if isinstance(weights, Feedback):
        return weights
    std, mean = float(weights.std()), float(weights.mean())
    default_std = 1.0 / np.sqrt(3.0 * weights[0].size)  # kaiming_uniform_(a=sqrt(5))
    if np.isclose(std, default_std, rtol=0.05):
        return Feedback(
            False,
            f"the weights of `he_conv` have std {std:.4f}: PyTorch's default initialisation, "
            f"1 / sqrt(3 fan_in). Draw them again with std {expected_std:.4f}.",
        )
    # 9,216 weights: the sample std is within about 1% of the true one, the mean within 0.002.
    if not (abs(std / expected_std - 1) < 0.05 and abs(mean) < 0.01):
        return Feedback(
            False,
            f"the weights of `he_conv` have mean {mean:.4f} and std {std:.4f}; expected "
            f"mean 0 and std {expected_std:.4f} (a normal draw, e.g. nn.init.normal_).",
        )
    return Feedback(True, f"your layer's {weights.size:,} weights have std {std:.3f}.")


def check_he_std(answer, he_conv) -> Feedback:
    """Exercise ex-05b-init (chapter 05b): He's std for nn.Conv2d(16, 64, 3), and the layer."""
    missing = _not_yet(answer, "a number: the He standard deviation of the layer's weights")
    if missing is not None:
        return missing
    array = _as_array(answer, "he_std")
    if isinstance(array, Feedback):
        return array
    if array.size != 1:
        return Feedback(False, f"`he_std` should be one number, got shape {array.shape}.")
    value = float(array.reshape(-1)[0])
    fan_in, _, expected = _he_conv_expected()
    if not np.isclose(value, expected, rtol=1e-3, atol=0.0):
        hint = _he_std_mistake(value)
        if hint is not None:
            return Feedback(False, hint)
        return Feedback(
            False,
            f"`he_std` = {value:.4g} is not it. Count the inputs each output sums (the "
            "fan-in), then use Var(w) = 2 / fan_in.",
        )
    layer = _check_he_layer(he_conv, expected)
    if not layer:
        return layer
    return Feedback(
        True,
        f"fan_in = 16 x 3 x 3 = {fan_in}, so he_std = sqrt(2 / {fan_in}) = {expected:.4f}; "
        + layer.message,
    )

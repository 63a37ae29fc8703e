"""Exercise checks of the backpropagation chapter: gradients by hand, gradient checks, He init."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from course_utils.i18n import N_, _, gettext
from course_utils.ops import conv2d, conv2d_backward, max_pool2d_backward

from ._by_hand import refuse_in_answer
from ._feedback import Feedback, _compare, exercise, read_array, require

__all__ = [
    "check_max_pool_routing",
    "check_numerical_gradient",
    "check_conv_input_gradient",
    "check_he_std",
    "gradient_check_function",
]

# --- ex-max-pool-routing ------------------------------------------------------------------

MAX_POOL_INPUT = np.array(
    [
        [1.0, 5.0, 2.0, 0.0],
        [3.0, 4.0, 8.0, 1.0],
        [0.0, 2.0, 6.0, 6.0],
        [7.0, 1.0, 3.0, 2.0],
    ]
)
MAX_POOL_UPSTREAM = np.array([[1.0, -2.0], [0.5, 3.0]])


def _max_pool_expected() -> np.ndarray:
    return max_pool2d_backward(MAX_POOL_UPSTREAM[None], MAX_POOL_INPUT[None], 2)[0]


_TIE = ((2, 2), (2, 3))  # the two 6s of the bottom-right window
_TIE_LESSON = N_(
    "max has no derivative at a tie: any split of the window's gradient between "
    "the tied inputs, with shares that add up to 1, is a valid subgradient. "
    "PyTorch picks one: on the CPU the whole gradient goes to the first maximum in "
    "reading order"
)


def _tie_split(array: np.ndarray, expected: np.ndarray) -> tuple[float, float] | None:
    """The shares of the tie's gradient `array` gives the two 6s, if the rest is right."""
    rest = np.ones(expected.shape, dtype=bool)
    for cell in _TIE:
        rest[cell] = False
    if not np.allclose(array[rest], expected[rest], atol=1e-9):
        return None
    upstream = MAX_POOL_UPSTREAM[1, 1]
    return float(array[_TIE[0]] / upstream), float(array[_TIE[1]] / upstream)


@exercise(N_("the 4x4 gradient with respect to the pooling's input"))
def check_max_pool_routing(grad_x: Any) -> Feedback:
    """Exercise ex-max-pool-routing: the gradient of a 2x2 max pool, 4x4.

    At the tie (two 6s), any split whose shares are in [0, 1] and add up to 1 is accepted: each
    is a valid subgradient; the feedback says which one PyTorch picks.
    """
    array = read_array(grad_x, "grad_x")
    expected = _max_pool_expected()
    if array.shape != expected.shape:
        return _compare(array, expected, "grad_x", "")
    shares = _tie_split(array, expected)
    if shares is not None:
        first, second = shares
        if abs(first + second - 1) <= 1e-9 and min(first, second) >= -1e-9:
            chosen = (
                _("you gave it all to the first 6, as PyTorch does")
                if abs(first - 1) <= 1e-9
                else _(
                    "your split ({first:g}, {second:g}) of the tied 6s is one of them, and "
                    "autograd would give (1, 0)"
                ).format(first=first, second=second)
            )
            return Feedback(
                True,
                _(
                    "each of the other windows' gradients went, whole, to its maximum. At the "
                    "bottom-right window {lesson}; {chosen}."
                ).format(lesson=gettext(_TIE_LESSON), chosen=chosen),
            )
        if abs(first + second - 2) <= 1e-9:
            return Feedback(
                False,
                _(
                    "you gave the whole gradient to both tied 6s, which counts it twice: {lesson}."
                ).format(lesson=gettext(_TIE_LESSON)),
            )
        problem = (
            _("do not add up to 1") if abs(first + second - 1) > 1e-9 else _("include a negative")
        )
        return Feedback(
            False,
            _("the tie's shares ({first:g}, {second:g}) {problem}: {lesson}.").format(
                first=first, second=second, problem=problem, lesson=gettext(_TIE_LESSON)
            ),
        )
    spread = np.kron(MAX_POOL_UPSTREAM, np.ones((2, 2))) / 4
    if np.allclose(array, spread):
        return Feedback(
            False,
            _(
                "that shares each gradient equally over its window: average pooling's rule. "
                "Max pooling sends the whole gradient to the window's largest input."
            ),
        )
    if np.allclose(array, expected * 2) or np.allclose(array, np.where(expected, 1, 0)):
        return Feedback(
            False,
            _(
                "the winners are right, but each should receive its window's upstream "
                "gradient, unchanged."
            ),
        )
    return _compare(array, expected, "grad_x", "", atol=1e-9)


# --- ex-gradient-check --------------------------------------------------------------------

GRADIENT_CHECK_POINT = np.array([0.5, -1.0, 2.0])


def gradient_check_function(v: np.ndarray) -> float:
    """The function of ex-gradient-check: sum(exp(v) * v)."""
    return float(np.sum(np.exp(v) * v))


def _library_gradients() -> dict[str, str]:
    """The library gradients ex-gradient-check refuses, each with the reason shown."""
    return {
        name: _(
            "your `numeric_grad` comes from `{name}`. This exercise is for writing the "
            "central differences yourself, from values of f only, so that you know what a "
            "gradient check computes."
        ).format(name=name)
        for name in ("numerical_gradient", "approx_fprime", "gradcheck", "backward")
    }


@exercise(N_("your central-difference gradient, an array of 3 numbers"))
def check_numerical_gradient(numeric_grad: Any, analytic_is_right: Any) -> Feedback:
    """Exercise ex-gradient-check: central differences, and the verdict."""
    require(analytic_is_right, _("True or False: is `claimed_gradient` right?"))
    array = read_array(numeric_grad, "numeric_grad")
    v = GRADIENT_CHECK_POINT
    expected = np.exp(v) * (1.0 + v)
    if array.shape != expected.shape:
        return Feedback(
            False,
            _("`numeric_grad` has shape {shape}; expected {expected_shape}.").format(
                shape=array.shape, expected_shape=expected.shape
            ),
        )
    if np.allclose(array, np.exp(v)):
        return Feedback(
            False,
            _(
                "that is the claimed formula exp(v), not a numerical estimate: compute (f(v + "
                "h e_i) - f(v - h e_i)) / (2 h) for each coordinate i."
            ),
        )
    if np.max(np.abs(array - expected)) <= 1e-13 * np.max(np.abs(expected)):
        return Feedback(
            False,
            _(
                "that is the exact derivative exp(v) (1 + v), to the last digit: a formula or "
                "autograd, not a numerical estimate. Central differences carry an error of "
                "about h^2 (1e-10 for h = 1e-5); the check is the estimate, made only from "
                "values of f."
            ),
        )
    refuse_in_answer(numeric_grad, "check_numerical_gradient", _library_gradients())
    error = float(np.max(np.abs(array - expected)))
    if not error <= 1e-7:
        hint = (
            _(
                "close: use central differences, (f(v + h) - f(v - h)) / (2 h), in float64, "
                "with h around 1e-5; a one-sided difference is only accurate to about h."
            )
            if error < 1e-2
            else _("compare your estimate with your own definition of central differences.")
        )
        return Feedback(
            False,
            _("`numeric_grad` is off by up to {error:.1e}; {hint}").format(error=error, hint=hint),
        )
    if not isinstance(analytic_is_right, bool | np.bool_):
        return Feedback(
            False,
            _("`analytic_is_right` should be True or False, got {analytic_is_right!r}.").format(
                analytic_is_right=analytic_is_right
            ),
        )
    if analytic_is_right:
        return Feedback(
            False,
            _(
                "your numerical gradient is right, but compare it with `claimed_gradient`: "
                "their relative error is far above 1e-7, so the claimed formula is wrong."
            ),
        )
    return Feedback(
        True,
        _("central differences give exp(v) (1 + v); the claimed exp(v) forgot the product rule."),
    )


# --- ex-conv-input-gradient ---------------------------------------------------------------

CONV_KERNEL = np.array([[1.0, 2.0], [3.0, 4.0]])
CONV_UPSTREAM = np.array([[1.0, 2.0], [0.0, -1.0]])


@exercise(N_("the 3x3 gradient with respect to the input image"))
def check_conv_input_gradient(grad_input: Any) -> Feedback:
    """Exercise ex-conv-input-gradient: a 2x2 kernel on a 3x3 input."""
    array = read_array(grad_input, "grad_input")
    image = np.zeros((1, 1, 3, 3))  # the input gradient does not depend on the input values
    expected = conv2d_backward(CONV_UPSTREAM[None, None], image, CONV_KERNEL[None, None])[0]
    expected = expected[0, 0]
    if array.shape == (2, 2):
        return Feedback(
            False,
            _(
                "`grad_input` has the kernel's shape (2, 2): that is the weight gradient's "
                "shape. The input gradient has the input's shape, (3, 3)."
            ),
        )
    if array.shape == expected.shape:
        unflipped = conv2d(np.pad(CONV_UPSTREAM, 1)[None], CONV_KERNEL[None, None])[0]
        if np.allclose(array, unflipped):
            return Feedback(
                False,
                _(
                    "that slides the kernel without flipping it: as a sliding window the input "
                    "gradient needs the kernel turned by 180 degrees (or scatter kernel x gradient "
                    "onto each window)."
                ),
            )
    return _compare(
        array,
        expected,
        "grad_input",
        _("every output's gradient scattered kernel x gradient back onto its 2x2 window."),
        atol=1e-9,
    )


# --- ex-init ------------------------------------------------------------------------------

_HE_CONV = {"in_channels": 16, "out_channels": 64, "kernel_size": 3}  # ex-init


def _he_conv_expected() -> tuple[int, int, float]:
    """The fan-in, the fan-out and the He standard deviation of ex-init's convolution."""
    k = _HE_CONV["kernel_size"]
    fan_in = _HE_CONV["in_channels"] * k * k
    fan_out = _HE_CONV["out_channels"] * k * k
    return fan_in, fan_out, float(np.sqrt(2.0 / fan_in))


def _he_std_mistake(value: float) -> str | None:
    """A hint when `value` is one of the usual wrong standard deviations, else None."""
    fan_in, fan_out, _skip = _he_conv_expected()
    c_in, k = _HE_CONV["in_channels"], _HE_CONV["kernel_size"]
    mistakes = [
        (
            np.sqrt(2.0 / c_in),
            _(
                "you used C_in = {c_in} as the fan-in; each output sums over C_in x k x k inputs."
            ).format(c_in=c_in),
        ),
        (
            np.sqrt(2.0 / (c_in * k)),
            _("a 3x3 kernel has k x k = 9 weights per input channel, not k = 3."),
        ),
        (
            np.sqrt(2.0 / fan_out),
            _(
                "that is sqrt(2 / fan_out) with fan_out = C_out x k x k = {fan_out}; He's rule "
                "uses the fan-in, the number of inputs each output sums."
            ).format(fan_out=fan_out),
        ),
        (
            np.sqrt(1.0 / fan_in),
            _(
                "that is sqrt(1 / fan_in), which keeps the spread of a linear (or tanh-like) "
                "unit; a ReLU zeroes half its inputs and halves the second moment, so He "
                "doubles it."
            ),
        ),
        (
            2.0 / fan_in,
            _("that is the variance 2 / fan_in; the standard deviation is its square root."),
        ),
        (
            np.sqrt(2.0 / (fan_in + fan_out)),
            _(
                "that is Xavier's sqrt(2 / (fan_in + fan_out)), made for tanh-like units; for "
                "a ReLU use He's rule."
            ),
        ),
    ]
    for wrong, hint in mistakes:
        if np.isclose(value, wrong, rtol=1e-3, atol=0.0):
            return hint
    return None


def _check_he_layer(layer, expected_std: float) -> Feedback:
    """The learner's nn.Conv2d(16, 64, 3), initialised with He's standard deviation."""
    require(layer, _("your `nn.Conv2d(16, 64, kernel_size=3)`, initialised by hand"))
    if not isinstance(layer, nn.Conv2d):
        return Feedback(
            False,
            _("`he_conv` should be an nn.Conv2d, got {type}.").format(type=type(layer).__name__),
        )
    shape = (_HE_CONV["out_channels"], _HE_CONV["in_channels"], 3, 3)
    if tuple(layer.weight.shape) != shape:
        return Feedback(
            False,
            _(
                "`he_conv` should be nn.Conv2d(16, 64, kernel_size=3), with weights of shape "
                "{shape}; its weights have shape {got}."
            ).format(shape=shape, got=tuple(layer.weight.shape)),
        )
    weights = read_array(layer.weight, "he_conv.weight")
    std, mean = float(weights.std()), float(weights.mean())
    default_std = 1.0 / np.sqrt(3.0 * weights[0].size)  # kaiming_uniform_(a=sqrt(5))
    if np.isclose(std, default_std, rtol=0.05):
        return Feedback(
            False,
            _(
                "the weights of `he_conv` have std {std:.4f}: PyTorch's default "
                "initialisation, 1 / sqrt(3 fan_in). Draw them again with std "
                "{expected_std:.4f}."
            ).format(std=std, expected_std=expected_std),
        )
    # 9,216 weights: the sample std is within about 1% of the true one, the mean within 0.002.
    if not (abs(std / expected_std - 1) < 0.05 and abs(mean) < 0.01):
        return Feedback(
            False,
            _(
                "the weights of `he_conv` have mean {mean:.4f} and std {std:.4f}; expected "
                "mean 0 and std {expected_std:.4f} (a normal draw, e.g. nn.init.normal_)."
            ).format(mean=mean, std=std, expected_std=expected_std),
        )
    spread = _draw_and_bias(layer, weights, std)
    if spread is not None:
        return Feedback(False, spread)
    return Feedback(
        True,
        _("your layer's {size:,} weights have std {std:.3f}.").format(size=weights.size, std=std),
    )


def _draw_and_bias(layer: nn.Conv2d, weights: np.ndarray, std: float) -> str | None:
    """What is wrong with a layer whose weights have He's std: a uniform draw, or its biases."""
    # A uniform draw never goes past sqrt(3) std (1.73); 9,216 normal draws go past 3 std.
    if np.abs(weights).max() <= 1.8 * std:
        return _(
            "the weights have the right std but a uniform distribution (none is beyond "
            "1.73 std, as kaiming_uniform_ or uniform_ give): the exercise asks for a "
            "normal draw, with nn.init.normal_."
        )
    if layer.bias is None:
        return _("`he_conv` has no bias: keep the layer's bias, and set it to 0.")
    bias = read_array(layer.bias, "he_conv.bias")
    if np.any(bias != 0):
        return _(
            "the weights are right, but the biases are not 0 (largest {bias_max:.3g}): set "
            "them with nn.init.zeros_, so that the layer starts unbiased."
        ).format(bias_max=np.abs(bias).max())
    return None


@exercise(N_("a number: the He standard deviation of the layer's weights"))
def check_he_std(answer: Any, he_conv: Any) -> Feedback:
    """Exercise ex-init: He's std for nn.Conv2d(16, 64, 3), and the layer."""
    array = read_array(answer, "he_std")
    if array.size != 1:
        return Feedback(
            False, _("`he_std` should be one number, got shape {shape}.").format(shape=array.shape)
        )
    value = float(array.reshape(-1)[0])
    fan_in, _skip, expected = _he_conv_expected()
    if not np.isclose(value, expected, rtol=1e-3, atol=0.0):
        hint = _he_std_mistake(value)
        if hint is not None:
            return Feedback(False, hint)
        return Feedback(
            False,
            _(
                "`he_std` = {value:.4g} is not it. Count the inputs each output sums (the "
                "fan-in), then use Var(w) = 2 / fan_in."
            ).format(value=value),
        )
    layer = _check_he_layer(he_conv, expected)
    if not layer:
        return layer
    return Feedback(
        True,
        _(
            "fan_in = 16 x 3 x 3 = {fan_in}, so he_std = sqrt(2 / {fan_in}) = {expected:.4f}; "
        ).format(fan_in=fan_in, expected=expected)
        + layer.message,
    )

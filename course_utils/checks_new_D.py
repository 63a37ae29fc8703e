"""Exercise checks for chapter 05b (backpropagation); the lead moves them into `checks`.

Each check returns a `Feedback`: truthy when the answer is right, with a one-line message that
says what is wrong otherwise. The exercise data live here, so a learner's edits to the
notebook's copies cannot change what counts as right.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import Feedback, _as_array, _compare, _not_yet

# --- ex-05b-max-pool-routing ------------------------------------------------------------------

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
    from course_utils.ops import max_pool2d_backward

    return max_pool2d_backward(MAX_POOL_UPSTREAM[None], MAX_POOL_INPUT[None], 2)[0]


def check_max_pool_routing(grad_x) -> Feedback:
    """Exercise ex-05b-max-pool-routing (chapter 05b): the gradient of a 2x2 max pool, 4x4."""
    missing = _not_yet(grad_x, "the 4x4 gradient with respect to the pooling's input")
    if missing is not None:
        return missing
    array = _as_array(grad_x, "grad_x")
    if isinstance(array, Feedback):
        return array
    expected = _max_pool_expected()
    if array.shape == expected.shape:
        spread = np.kron(MAX_POOL_UPSTREAM, np.ones((2, 2))) / 4
        if np.allclose(array, spread):
            return Feedback(
                False,
                "that shares each gradient equally over its window: average pooling's rule. "
                "Max pooling sends the whole gradient to the window's largest input.",
            )
        tie_to_last = expected.copy()
        tie_to_last[2, 2], tie_to_last[2, 3] = 0.0, expected[2, 2]
        if np.allclose(array, tie_to_last):
            return Feedback(
                False,
                "the bottom-right window has a tie (two 6s): PyTorch on the CPU gives the "
                "gradient to the first maximum in reading order, row by row.",
            )
        if np.allclose(array, expected * 2) or np.allclose(array, np.where(expected, 1, 0)):
            return Feedback(
                False,
                "the winners are right, but each should receive its window's upstream "
                "gradient, unchanged.",
            )
    return _compare(
        array,
        expected,
        "grad_x",
        "each window's gradient went, whole, to its maximum (the first of the two tied 6s).",
        atol=1e-9,
    )


# --- ex-05b-gradient-check --------------------------------------------------------------------

GRADIENT_CHECK_POINT = np.array([0.5, -1.0, 2.0])


def gradient_check_function(v: np.ndarray) -> float:
    """The function of ex-05b-gradient-check (chapter 05b): sum(exp(v) * v)."""
    return float(np.sum(np.exp(v) * v))


def check_numerical_gradient(numeric_grad, analytic_is_right) -> Feedback:
    """Exercise ex-05b-gradient-check (chapter 05b): central differences, and the verdict."""
    missing = _not_yet(numeric_grad, "your central-difference gradient, an array of 3 numbers")
    if missing is None:
        missing = _not_yet(analytic_is_right, "True or False: is `claimed_gradient` right?")
    if missing is not None:
        return missing
    array = _as_array(numeric_grad, "numeric_grad")
    if isinstance(array, Feedback):
        return array
    v = GRADIENT_CHECK_POINT
    expected = np.exp(v) * (1.0 + v)
    if array.shape != expected.shape:
        return Feedback(
            False, f"`numeric_grad` has shape {array.shape}; expected {expected.shape}."
        )
    if np.allclose(array, np.exp(v)):
        return Feedback(
            False,
            "that is the claimed formula exp(v), not a numerical estimate: compute "
            "(f(v + h e_i) - f(v - h e_i)) / (2 h) for each coordinate i.",
        )
    error = float(np.max(np.abs(array - expected)))
    if not error <= 1e-7:
        hint = (
            "close: use central differences, (f(v + h) - f(v - h)) / (2 h), in float64, "
            "with h around 1e-5; a one-sided difference is only accurate to about h."
            if error < 1e-2
            else "compare your estimate with your own definition of central differences."
        )
        return Feedback(False, f"`numeric_grad` is off by up to {error:.1e}; {hint}")
    if not isinstance(analytic_is_right, bool | np.bool_):
        return Feedback(
            False, f"`analytic_is_right` should be True or False, got {analytic_is_right!r}."
        )
    if analytic_is_right:
        return Feedback(
            False,
            "your numerical gradient is right, but compare it with `claimed_gradient`: their "
            "relative error is far above 1e-7, so the claimed formula is wrong.",
        )
    return Feedback(
        True,
        "central differences give exp(v) (1 + v); the claimed exp(v) forgot the product rule.",
    )


# --- ex-05b-conv-input-gradient ---------------------------------------------------------------

CONV_KERNEL = np.array([[1.0, 2.0], [3.0, 4.0]])
CONV_UPSTREAM = np.array([[1.0, 2.0], [0.0, -1.0]])


def check_conv_input_gradient(grad_input) -> Feedback:
    """Exercise ex-05b-conv-input-gradient (chapter 05b): a 2x2 kernel on a 3x3 input."""
    from course_utils.ops import conv2d, conv2d_backward

    missing = _not_yet(grad_input, "the 3x3 gradient with respect to the input image")
    if missing is not None:
        return missing
    array = _as_array(grad_input, "grad_input")
    if isinstance(array, Feedback):
        return array
    image = np.zeros((1, 1, 3, 3))  # the input gradient does not depend on the input values
    expected = conv2d_backward(CONV_UPSTREAM[None, None], image, CONV_KERNEL[None, None])[0]
    expected = expected[0, 0]
    if array.shape == (2, 2):
        return Feedback(
            False,
            "`grad_input` has the kernel's shape (2, 2): that is the weight gradient's shape. "
            "The input gradient has the input's shape, (3, 3).",
        )
    if array.shape == expected.shape:
        unflipped = conv2d(np.pad(CONV_UPSTREAM, 1)[None], CONV_KERNEL[None, None])[0]
        if np.allclose(array, unflipped):
            return Feedback(
                False,
                "that slides the kernel without flipping it: as a sliding window the input "
                "gradient needs the kernel turned by 180 degrees (or scatter kernel x "
                "gradient onto each window).",
            )
    return _compare(
        array,
        expected,
        "grad_input",
        "every output's gradient scattered kernel x gradient back onto its 2x2 window.",
        atol=1e-9,
    )

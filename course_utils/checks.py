"""Feedback for the exercises: `check_<exercise>(answer)` says what is right or wrong.

Each check returns a `Feedback`, which shows as a short paragraph in a notebook and is truthy when
the answer is right, so tests can assert on it. Chapters append their checks below, in order.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict of an exercise check: `ok` and a one-line message."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        """The verdict and the message, wrapped at 88 characters so nothing scrolls in the book."""
        text = ("Correct: " if self.ok else "Not yet: ") + self.message
        return textwrap.fill(text, width=88, break_long_words=False, break_on_hyphens=False)


def _as_array(answer, name: str, finite: bool = True) -> np.ndarray | Feedback:
    """The answer as a float array, or a Feedback saying why it could not be read.

    Every check reads answers through here, so a NaN or an infinity is "not yet" everywhere
    (`NaN > tolerance` is False, so without this a NaN would pass any tolerance test).
    `finite=False` lets a check give its own, more specific message for non-finite values.
    """
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu().numpy()
    if np.iscomplexobj(answer):
        return Feedback(False, f"`{name}` holds complex numbers; the answer is real.")
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Feedback(
            False, f"`{name}` should be an array of numbers, got {type(answer).__name__}."
        )
    if finite and not np.all(np.isfinite(array)):
        return Feedback(
            False, f"`{name}` holds NaN or infinite values; every entry must be a finite number."
        )
    return array


def _not_yet(answer, what: str) -> Feedback | None:
    """A 'not yet' Feedback when the placeholder `None` is still there."""
    if answer is None:
        return Feedback(False, f"replace `None` with {what}.")
    return None


def _compare(answer, expected: np.ndarray, name: str, success: str, atol: float = 1e-6) -> Feedback:
    """Compare an array answer with the expected one: shape first, then values."""
    array = _as_array(answer, name)
    if isinstance(array, Feedback):
        return array
    if array.shape != expected.shape:
        return Feedback(False, f"`{name}` has shape {array.shape}; expected {expected.shape}.")
    error = float(np.max(np.abs(array - expected))) if array.size else 0.0
    if not error <= atol:  # written so that a NaN error can never pass
        return Feedback(
            False, f"`{name}` has the right shape but values differ by up to {error:.3g}."
        )
    return Feedback(True, success)


# --- Chapter 01: convolutions -------------------------------------------------------------

_CH01_STACK = [  # (input size, kernel, stride, padding) for ex-01-output-size
    (28, 5, 1, 0),
    (24, 3, 2, 1),
    (12, 3, 2, 0),
]


def _ch01_check_layers(layers, sizes: list[int]) -> Feedback:
    """The learner's three nn.Conv2d layers of ex-01-output-size, run on a 28x28 input."""
    import torch
    from torch import nn

    missing = _not_yet(
        layers, "a list of your three `nn.Conv2d` layers, so that PyTorch can confirm the sizes"
    )
    if missing is not None:
        return missing
    try:
        layers = list(layers)
    except TypeError:
        return Feedback(
            False,
            f"`layers` should be a list of three nn.Conv2d layers, got {type(layers).__name__}.",
        )
    if len(layers) != len(_CH01_STACK) or not all(isinstance(layer, nn.Conv2d) for layer in layers):
        return Feedback(
            False, "`layers` should hold three nn.Conv2d layers, one per line of the exercise."
        )
    side = 28
    for number, (layer, (_, kernel, stride, padding), size) in enumerate(
        zip(layers, _CH01_STACK, sizes, strict=True), 1
    ):
        wanted = ((kernel, kernel), (stride, stride), (padding, padding))
        if (layer.kernel_size, layer.stride, layer.padding) != wanted:
            return Feedback(
                False,
                f"layer {number} of `layers` should have kernel_size={kernel}, stride={stride}, "
                f"padding={padding}; it has kernel_size={layer.kernel_size}, "
                f"stride={layer.stride}, padding={layer.padding}.",
            )
        with torch.no_grad():
            side = layer(torch.zeros(1, layer.in_channels, side, side)).shape[-1]
        if side != size:
            return Feedback(
                False, f"PyTorch gives {side} after layer {number}, your list says {size}."
            )
    return Feedback(True, "")


def check_output_sizes(answer, layers) -> Feedback:
    """Exercise ex-01-output-size (chapter 01): the three output sizes of the 28x28 stack, and the stack."""
    missing = _not_yet(answer, "a list of three ints, one output size per layer")
    if missing is not None:
        return missing
    try:
        values = list(answer)
    except TypeError:
        return Feedback(
            False, f"`answer` should be a list of three ints, got {type(answer).__name__}."
        )
    if len(values) != len(_CH01_STACK):
        return Feedback(
            False,
            f"`answer` should hold {len(_CH01_STACK)} sizes, one per layer; got {len(values)}.",
        )
    for layer, (got, (size, kernel, stride, padding)) in enumerate(
        zip(values, _CH01_STACK, strict=True), 1
    ):
        expected = (size + 2 * padding - kernel) // stride + 1
        rule = f"(n + 2p - k) // s + 1 with n = {size}, k = {kernel}, s = {stride}, p = {padding}"
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            return Feedback(
                False, f"layer {layer}: a size is a whole number (an int), got {got!r}."
            )
        if got == expected:
            continue
        exact = (size + 2 * padding - kernel) / stride + 1
        if got == int(np.ceil(exact)) and exact != expected:
            return Feedback(
                False,
                f"layer {layer}: you rounded up; the formula floors, because a window "
                f"that does not fit is dropped: {rule}.",
            )
        return Feedback(False, f"layer {layer}: got {got}; compute {rule}.")
    built = _ch01_check_layers(layers, [int(v) for v in values])
    if not built:
        return Feedback(False, f"your sizes are right; {built.message}")
    return Feedback(
        True, f"the sizes are {values}: 28 -> 24 -> 12 -> 5, and your nn.Conv2d stack agrees."
    )


def _ch01_edge_images() -> tuple[np.ndarray, np.ndarray]:
    """A 6x6 vertical edge (bright left half) and the same edge turned horizontal (bright top)."""
    vertical = np.zeros((6, 6))
    vertical[:, :3] = 1.0
    return vertical, vertical.T.copy()


def check_vertical_edge_kernel(kernel) -> Feedback:
    """Exercise ex-01-vertical-edge (chapter 01): a 3x3 kernel for bright-left, dark-right edges."""
    missing = _not_yet(kernel, "your 3x3 kernel, a NumPy array")
    if missing is not None:
        return missing
    weights = _as_array(kernel, "kernel")
    if isinstance(weights, Feedback):
        return weights
    if weights.shape != (3, 3):
        return Feedback(False, f"`kernel` has shape {weights.shape}; expected (3, 3).")
    if not np.all(np.isfinite(weights)):
        return Feedback(False, "`kernel` holds NaN or infinite values.")
    total = float(weights.sum())
    if abs(total) > 1e-6:
        return Feedback(
            False,
            f"the weights sum to {total:.3g}, so a flat region of brightness b gives "
            f"{total:.3g} * b, not 0. Make them sum to 0.",
        )
    vertical, horizontal = _ch01_edge_images()
    windows = np.lib.stride_tricks.sliding_window_view
    on_vertical = np.einsum("ijuv,uv->ij", windows(vertical, (3, 3)), weights)
    on_horizontal = np.einsum("ijuv,uv->ij", windows(horizontal, (3, 3)), weights)
    if np.abs(on_horizontal).max() > 1e-6:
        return Feedback(
            False,
            "it responds to a horizontal edge (bright above, dark below). Make each "
            "row of the kernel sum to 0, so only left-right changes count.",
        )
    if on_vertical.max() <= 1e-6 and on_vertical.min() >= -1e-6:
        return Feedback(False, "it gives 0 everywhere on a vertical edge: it detects nothing yet.")
    if on_vertical.min() < -1e-6:
        if on_vertical.max() <= 1e-6:
            return Feedback(
                False, "it is negative on a bright-left, dark-right edge: flip its sign."
            )
        return Feedback(
            False,
            "it is positive in some places and negative in others along one edge. "
            "Compare the left column (positive weights) with the right one (negative).",
        )
    return Feedback(
        True,
        f"positive on a bright-to-dark edge (up to {on_vertical.max():.3g}), "
        "0 on flat regions and on horizontal edges.",
    )


def check_box_blur(kernel) -> Feedback:
    """Exercise ex-01-box-blur (chapter 01): a 5x5 box-blur kernel."""
    missing = _not_yet(kernel, "your 5x5 kernel, a NumPy array")
    if missing is not None:
        return missing
    weights = _as_array(kernel, "kernel")
    if isinstance(weights, Feedback):
        return weights
    if weights.shape != (5, 5):
        return Feedback(False, f"`kernel` has shape {weights.shape}; a 5x5 blur has shape (5, 5).")
    total = float(weights.sum())
    if abs(total - 1.0) > 1e-6:
        return Feedback(
            False,
            f"the weights sum to {total:.4g}; a blur must sum to 1 so that a flat "
            "region keeps its brightness.",
        )
    if np.ptp(weights) > 1e-9:
        return Feedback(
            False, "the weights sum to 1 but differ: a box blur weighs all 25 pixels equally."
        )
    return _compare(
        weights,
        np.full((5, 5), 1 / 25),
        "kernel",
        "every weight is 1/25 = 0.04: each output is the mean of a 5x5 window.",
    )


def _ch01_conv_cases() -> list[tuple[str, np.ndarray, np.ndarray, int, int]]:
    """Test cases for ex-01-conv-by-hand: (description, image, kernel, stride, padding)."""
    rng = np.random.default_rng(1)
    tiny = np.arange(20, dtype=np.float64).reshape(4, 5)
    edge = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    return [
        ("a 4x5 image, 3x3 kernel, stride 1, padding 0", tiny, edge, 1, 0),
        (
            "a 5x5 image, 3x3 kernel, stride 1, padding 1",
            rng.normal(size=(5, 5)),
            rng.normal(size=(3, 3)),
            1,
            1,
        ),
        (
            "a 6x7 image, 2x3 kernel, stride 2, padding 1",
            rng.normal(size=(6, 7)),
            rng.normal(size=(2, 3)),
            2,
            1,
        ),
        (
            "a 7x7 image, 3x3 kernel, stride 3, padding 0",
            rng.normal(size=(7, 7)),
            rng.normal(size=(3, 3)),
            3,
            0,
        ),
    ]


def check_conv2d_single_channel(func) -> Feedback:
    """Exercise ex-01-conv-by-hand (chapter 01): `func(image, kernel, stride, padding)` vs `ops.conv2d`."""
    from course_utils.ops import conv2d

    missing = _not_yet(func, "your function")
    if missing is not None:
        return missing
    if not callable(func):
        return Feedback(
            False, f"pass the function itself (no parentheses), got {type(func).__name__}."
        )
    for about, image, kernel, stride, padding in _ch01_conv_cases():
        expected = conv2d(image[None], kernel[None, None], stride=stride, padding=padding)[0]
        try:
            answer = func(image.copy(), kernel.copy(), stride=stride, padding=padding)
        except Exception as exc:  # the learner's code may raise anything; report it
            return Feedback(False, f"for {about} it raised {type(exc).__name__}: {exc}")
        if answer is None:
            return Feedback(
                False,
                f"for {about} it returned None; return the output array (shape {expected.shape}).",
            )
        verdict = _compare(answer, expected, "output", "")
        if not verdict:
            flipped = conv2d(
                image[None], kernel[None, None, ::-1, ::-1].copy(), stride=stride, padding=padding
            )[0]
            if _compare(answer, flipped, "output", ""):
                return Feedback(
                    False,
                    f"for {about} you flipped the kernel: that is true convolution. "
                    "Cross-correlation, what nn.Conv2d computes, does not flip.",
                )
            return Feedback(False, f"for {about}: {verdict.message}")
    return Feedback(
        True, "it matches course_utils.ops.conv2d on 4 cases (strides 1-3, padding 0-1)."
    )


# --- Chapter 04: dropout and batch normalization -------------------------------------------


def _ch04_dropout_case() -> tuple[np.ndarray, np.ndarray, float]:
    """The fixed input, keep mask and p of ex-04-inverted-dropout."""
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    keep = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
    return x, keep, 0.25


def check_inverted_dropout(answer) -> Feedback:
    """Exercise ex-04-inverted-dropout (chapter 04): inverted dropout of a 2x4 array with a given mask."""
    missing = _not_yet(answer, "the 2x4 output array of inverted dropout")
    if missing is not None:
        return missing
    array = _as_array(answer, "answer")
    if isinstance(array, Feedback):
        return array
    x, keep, p = _ch04_dropout_case()
    expected = x * keep / (1 - p)
    if array.shape == expected.shape:
        if np.allclose(array, x * keep):
            return Feedback(
                False,
                "the right values are zeroed, but the survivors are not scaled: "
                f"multiply them by 1 / (1 - p) = {1 / (1 - p):.4g}.",
            )
        if np.allclose(array, x * keep * (1 - p)):
            return Feedback(
                False,
                "you multiplied the survivors by 1 - p. Inverted dropout divides by "
                "1 - p during training, so that nothing changes at evaluation time.",
            )
        if np.allclose(array, x * ~keep / (1 - p)):
            return Feedback(
                False, "you zeroed the kept values: `keep` is True where a value survives."
            )
        if np.allclose(array, x * keep / p):
            return Feedback(False, "you divided by p; divide by the keep probability 1 - p.")
    return _compare(
        array,
        expected,
        "answer",
        "the survivors are scaled by 1 / (1 - 0.25) = 4/3, the dropped values are 0.",
    )


def _ch04_batch() -> np.ndarray:
    """The one-channel batch of ex-04-running-stats, shape (4, 1)."""
    return np.array([[2.0], [4.0], [6.0], [8.0]])


def _ch04_check_layer(layer, expected: tuple[float, float]) -> Feedback:
    """The learner's nn.BatchNorm1d(1) of ex-04-running-stats, after it has seen the batch once in training mode."""
    from torch import nn

    missing = _not_yet(layer, "your `nn.BatchNorm1d(1)` layer, after it has seen the batch")
    if missing is not None:
        return missing
    if not isinstance(layer, nn.BatchNorm1d) or layer.num_features != 1:
        return Feedback(False, f"`layer` should be an nn.BatchNorm1d(1), got {layer!r}.")
    if layer.momentum != 0.1 or layer.running_mean is None:
        return Feedback(
            False, "`layer` should keep running statistics with momentum 0.1, the default."
        )
    mean, var = float(layer.running_mean[0]), float(layer.running_var[0])
    if int(layer.num_batches_tracked) == 0:
        return Feedback(
            False, "`layer` has not seen a batch yet: call it once on the batch, in training mode."
        )
    if int(layer.num_batches_tracked) > 1:
        return Feedback(
            False,
            f"`layer` has seen {int(layer.num_batches_tracked)} batches; make a fresh one and "
            "call it once.",
        )
    if abs(mean - expected[0]) > 1e-5 or abs(var - expected[1]) > 1e-5:
        return Feedback(
            False,
            f"`layer` holds running mean {mean:.4g} and variance {var:.4g}: did it see the "
            "batch [[2], [4], [6], [8]]?",
        )
    return Feedback(True, "")


def check_running_stats(answer, layer) -> Feedback:
    """Exercise ex-04-running-stats (chapter 04): running mean and variance after one training step, and the layer."""
    missing = _not_yet(answer, "a pair (new_running_mean, new_running_var) of two numbers")
    if missing is not None:
        return missing
    try:
        values = [float(np.asarray(v, dtype=np.float64).reshape(-1)[0]) for v in answer]
    except (TypeError, ValueError, IndexError):
        return Feedback(
            False, "`answer` should be a pair of numbers (new_running_mean, new_running_var)."
        )
    if len(values) != 2:
        return Feedback(False, f"`answer` should hold 2 numbers, got {len(values)}.")
    checked = _as_array(values, "answer")
    if isinstance(checked, Feedback):
        return checked
    new_mean, new_var = values
    batch = _ch04_batch()[:, 0]
    momentum, n = 0.1, len(batch)
    mean, biased = batch.mean(), batch.var()
    unbiased = biased * n / (n - 1)
    expected_mean = (1 - momentum) * 0.0 + momentum * mean
    expected_var = (1 - momentum) * 1.0 + momentum * unbiased
    if abs(new_mean - expected_mean) > 1e-6:
        if abs(new_mean - (momentum * 0.0 + (1 - momentum) * mean)) < 1e-6:
            return Feedback(
                False,
                "the weights are swapped: PyTorch keeps (1 - momentum) = 0.9 of the old "
                "value and adds momentum = 0.1 of the batch's value.",
            )
        if abs(new_mean - mean) < 1e-6:
            return Feedback(
                False,
                "that is the batch mean itself; the running mean moves only 10% of "
                "the way from its old value 0 towards it.",
            )
        return Feedback(False, f"the running mean should be 0.9 * 0 + 0.1 * {mean:g}.")
    if abs(new_var - ((1 - momentum) * 1.0 + momentum * biased)) < 1e-6:
        return Feedback(
            False,
            "the mean is right; for the variance you used the biased batch variance "
            f"({biased:g}, divided by n). The running variance uses the unbiased one, "
            f"divided by n - 1: {unbiased:.4g}.",
        )
    if abs(new_var - expected_var) > 1e-6:
        return Feedback(
            False,
            "the mean is right; the running variance should be 0.9 * 1 + 0.1 * "
            "(the unbiased variance of the batch).",
        )
    checked = _ch04_check_layer(layer, (expected_mean, expected_var))
    if not checked:
        return Feedback(False, f"your pair is right; {checked.message}")
    return Feedback(
        True,
        f"running mean {expected_mean:g}, running variance {expected_var:.4f} "
        f"(with the unbiased batch variance {unbiased:.4f}), and the layer agrees.",
    )


def _ch04_eval_case() -> dict[str, np.ndarray]:
    """The fixed image and layer state of ex-04-bn-eval: 2 channels, 2x2 pixels."""
    return {
        "image": np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 10.0], [20.0, 30.0]]]),
        "running_mean": np.array([2.0, 10.0]),
        "running_var": np.array([4.0, 100.0]),
        "weight": np.array([1.0, 0.5]),
        "bias": np.array([0.0, 1.0]),
    }


def check_bn_eval(answer) -> Feedback:
    """Exercise ex-04-bn-eval (chapter 04): batch norm of one image in evaluation mode."""
    from course_utils.ops import batch_norm

    missing = _not_yet(answer, "the (2, 2, 2) output for the image")
    if missing is not None:
        return missing
    array = _as_array(answer, "answer")
    if isinstance(array, Feedback):
        return array
    case = _ch04_eval_case()
    args = (case["running_mean"], case["running_var"], case["weight"], case["bias"])
    expected = batch_norm(case["image"][None], *args, training=False)[0][0]
    if array.shape == (1,) + expected.shape:
        array = array[0]
    if array.shape == expected.shape:
        own = batch_norm(case["image"][None], *args, training=True)[0][0]
        if np.allclose(array, own, atol=1e-4):
            return Feedback(
                False,
                "you normalised with the image's own mean and variance: that is "
                "training mode. In eval mode use the running statistics.",
            )
        shape = (2, 1, 1)
        no_affine = (case["image"] - case["running_mean"].reshape(shape)) / np.sqrt(
            case["running_var"].reshape(shape) + 1e-5
        )
        if np.allclose(array, no_affine, atol=1e-4):
            return Feedback(
                False, "normalised correctly; now scale by `weight` and add `bias`, per channel."
            )
        by_variance = (case["image"] - case["running_mean"].reshape(shape)) / case[
            "running_var"
        ].reshape(shape)
        if np.allclose(
            array,
            by_variance * case["weight"].reshape(shape) + case["bias"].reshape(shape),
            atol=1e-4,
        ):
            return Feedback(
                False,
                "you divided by the variance; divide by its square root, the standard deviation.",
            )
    return _compare(
        array,
        expected,
        "answer",
        "each channel is (x - running_mean) / sqrt(running_var + eps), then scaled and shifted.",
        atol=1e-4,
    )


# --- Chapter 05: a CNN in PyTorch -----------------------------------------------------------


def _ch05_int(answer, what: str) -> int | Feedback:
    """The answer as an int, or a Feedback saying why not (None is the placeholder)."""
    if answer is None:
        return Feedback(False, f"replace `None` with {what}.")
    if hasattr(answer, "item"):
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, int | np.integer):
        if isinstance(answer, float | np.floating) and float(answer).is_integer():
            return int(answer)
        return Feedback(False, f"`answer` should be a whole number (an int), got {answer!r}.")
    return int(answer)


def _ch05_run(module, shape: tuple[int, ...], name: str):
    """Run the learner's module on zeros of `shape`; the output tensor, or a Feedback saying what went wrong."""
    import torch
    from torch import nn

    if not isinstance(module, nn.Module):
        return Feedback(False, f"`{name}` should be an nn.Module, got {type(module).__name__}.")
    try:
        with torch.no_grad():
            out = module.eval()(torch.zeros(*shape))
    except Exception as exc:  # the learner's code may raise anything; report it
        return Feedback(
            False, f"`{name}` raised {type(exc).__name__} on a batch of shape {shape}: {exc}"
        )
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return Feedback(False, f"`{name}` should return a (batch, values) tensor, got {got}.")
    return out


def check_flattened_size(answer, features) -> Feedback:
    """Exercise ex-05-flattened-size (chapter 05): NotesNet's flattened size for 3x32x32 inputs, and the layers."""
    value = _ch05_int(answer, "the number of values per image after `torch.flatten`")
    if isinstance(value, Feedback):
        return value
    side = (32 - 5) // 1 + 1  # 28 after the 5x5 convolution
    pooled = (side - 2) // 2 + 1  # 14 after 2x2 pooling with stride 2
    expected = 32 * pooled * pooled
    hints = {
        32 * side * side: "that is the size before pooling; the 2x2 pooling halves each side.",
        32 * 16 * 16: "you halved 32 but forgot that the 5x5 convolution first shrinks 32 to 28.",
        3
        * pooled
        * pooled: "the flattened vector has one block per *output* channel of conv1 (32), "
        "not per input channel (3).",
        3
        * 32
        * pooled
        * pooled: "the input channels are summed by the convolution; they do not multiply "
        "the count.",
        32 * 4: "that is the notes' 32*4, which fits no usual input: trace the sizes yourself.",
    }
    if value == expected:
        from torch import nn

        if features is None:
            return Feedback(
                False,
                "your number is right; now replace `None` in `features` with the layers "
                "(conv1, ReLU, pool, flatten) for 3x32x32 images, to let PyTorch confirm it.",
            )
        out = _ch05_run(features, (2, 3, 32, 32), "features")
        if isinstance(out, Feedback):
            return Feedback(False, f"your number is right; {out.message}")
        convs = [m for m in features.modules() if isinstance(m, nn.Conv2d)]
        if [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] != [(3, 32, (5, 5))]:
            return Feedback(
                False,
                "your number is right; `features` should hold one nn.Conv2d(3, 32, 5), like conv1.",
            )
        if out.shape[1] != expected:
            return Feedback(
                False,
                f"your number is right, but `features` gives {out.shape[1]} values per image: "
                "is the 2x2 pooling in it?",
            )
        return Feedback(
            True,
            f"32 channels x {pooled} x {pooled} = {expected}: 32 -> 28 (conv) -> 14 (pool), "
            "and your layers agree.",
        )
    return Feedback(
        False,
        hints.get(
            value,
            f"got {value}; trace 32 -> conv 5x5 -> pool 2x2, then multiply by the 32 channels.",
        ),
    )


def check_parameter_count(answer, model) -> Feedback:
    """Exercise ex-05-parameter-count (chapter 05): parameters of NotesNet(20) on 28x28 gray images, and the model."""
    value = _ch05_int(answer, "the total number of parameters, an int")
    if isinstance(value, Feedback):
        return value
    conv_weights, conv_bias = 32 * 1 * 5 * 5, 32
    fc_weights, fc_bias = 32 * 12 * 12 * 20, 20
    expected = conv_weights + conv_bias + fc_weights + fc_bias
    hints = {
        conv_weights
        + fc_weights: "you counted the weights only; each layer also has one bias per output.",
        fc_weights
        + fc_bias: "that is the linear layer alone; add the convolution's weights and biases.",
        conv_weights + conv_bias: "that is the convolution alone; add the linear layer.",
        conv_weights
        + conv_bias
        + 32 * 4 * 20
        + 20: "that uses the notes' 32*4 inputs for fc1; the real "
        "flattened size for 28x28 is 32 x 12 x 12 = 4608.",
    }
    if value == expected:
        if model is None:
            return Feedback(
                False,
                "your count is right; now replace `None` in `model` with the corrected network "
                "for 20 classes, to count its parameters with PyTorch.",
            )
        out = _ch05_run(model, (2, 1, 28, 28), "model")
        if isinstance(out, Feedback):
            return Feedback(False, f"your count is right; {out.message}")
        if out.shape[1] != 20:
            return Feedback(
                False,
                f"your count is right, but `model` gives {out.shape[1]} scores per image; "
                "the notes' network has 20 classes.",
            )
        counted = sum(p.numel() for p in model.parameters())
        if counted != expected:
            return Feedback(
                False,
                f"your count is right, but `model` has {counted:,} parameters: is it the "
                "corrected network (conv1 5x5 with 32 maps, pool, fc1)?",
            )
        return Feedback(
            True,
            f"{conv_weights + conv_bias} (conv1) + {fc_weights + fc_bias} (fc1) = {expected}, "
            "as PyTorch counts for your model; the linear layer holds 99% of them.",
        )
    return Feedback(
        False, hints.get(value, f"got {value}; count weights and biases of conv1 and of fc1.")
    )


def check_two_conv_net(model_class) -> Feedback:
    """Exercise ex-05-two-conv (chapter 05): a NotesNet with a second conv + pool block."""
    import torch
    from torch import nn

    if model_class is None:
        return Feedback(
            False, "replace `None` with your class (the class itself, not an instance)."
        )
    if not (isinstance(model_class, type) and issubclass(model_class, nn.Module)):
        return Feedback(False, f"pass a subclass of nn.Module, got {model_class!r}.")
    try:
        model = model_class(10)
    except Exception as exc:  # the learner's code may raise anything; report it
        return Feedback(False, f"`{model_class.__name__}(10)` raised {type(exc).__name__}: {exc}")
    for name, kind in (
        ("conv1", nn.Conv2d),
        ("conv2", nn.Conv2d),
        ("pool", nn.MaxPool2d),
        ("fc1", nn.Linear),
    ):
        layer = getattr(model, name, None)
        if not isinstance(layer, kind):
            return Feedback(False, f"the model needs a layer `{name}` of type nn.{kind.__name__}.")
    if (model.conv2.in_channels, model.conv2.out_channels, model.conv2.kernel_size) != (
        32,
        64,
        (3, 3),
    ):
        return Feedback(
            False, "conv2 should be nn.Conv2d(32, 64, 3): 32 channels in, 64 out, 3x3 kernels."
        )
    if model.fc1.in_features != 64 * 5 * 5:
        return Feedback(
            False,
            f"fc1 takes {model.fc1.in_features} inputs; trace 28 -> 24 -> 12 -> 10 -> 5 "
            "and multiply by conv2's 64 channels.",
        )
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(8, 1, 28, 28, generator=generator)
    try:
        with torch.no_grad():
            logits = model(images)
    except Exception as exc:  # the learner's code may raise anything; report it
        return Feedback(False, f"the forward pass raised {type(exc).__name__}: {exc}")
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (8, 10):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        return Feedback(
            False, f"for a batch (8, 1, 28, 28) the output should be (8, 10), got {shape}."
        )
    finite = _as_array(logits, "logits")
    if isinstance(finite, Feedback):
        return Feedback(
            False, "the forward pass returns NaN or infinite logits for ordinary images."
        )
    if torch.allclose(logits.sum(dim=1), torch.ones(8), atol=1e-4):
        return Feedback(
            False, "the outputs sum to 1 per image: return logits, not softmax probabilities."
        )
    if (logits >= 0).all():
        return Feedback(
            False, "no output is negative: is there a ReLU on the last layer? Return raw logits."
        )
    count = sum(p.numel() for p in model.parameters())
    return Feedback(
        True, f"output (8, 10), fc1 takes 64 x 5 x 5 = 1600 inputs, {count:,} parameters in all."
    )


# --- Chapter 06: optimizers ------------------------------------------------------------------


def _ch06_pair(answer, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray] | Feedback:
    """The answer as a pair of float arrays, or a Feedback saying why not (None is the placeholder)."""
    what = f"the pair ({names[0]}, {names[1]})"
    if answer is None or (
        isinstance(answer, tuple | list) and any(part is None for part in answer)
    ):
        return Feedback(False, f"replace `None` with {what}.")
    try:
        first, second = answer
    except (TypeError, ValueError):
        return Feedback(False, f"`answer` should be {what}.")
    arrays = []
    for name, part in zip(names, (first, second), strict=True):
        array = _as_array(part, name)
        if isinstance(array, Feedback):
            return array
        arrays.append(array)
    return arrays[0], arrays[1]


_CH06_MOMENTUM_CASE = {  # ex-06-momentum-step
    "w": np.array([1.0, -2.0]),
    "velocity": np.array([0.5, 0.5]),
    "grad": np.array([0.2, -0.4]),
    "lr": 0.1,
    "momentum": 0.9,
}


def check_momentum_step(answer) -> Feedback:
    """Exercise ex-06-momentum-step (chapter 06): one step of SGD with momentum, torch's rule."""
    pair = _ch06_pair(answer, ("new_w", "new_velocity"))
    if isinstance(pair, Feedback):
        return pair
    new_w, new_velocity = pair
    c = _CH06_MOMENTUM_CASE
    expected_velocity = c["momentum"] * c["velocity"] + c["grad"]
    expected_w = c["w"] - c["lr"] * expected_velocity
    if new_w.shape == expected_w.shape and new_velocity.shape == expected_velocity.shape:

        def close(a, b):
            return bool(np.allclose(a, b, atol=1e-9))

        other_velocity = c["momentum"] * c["velocity"] - c["lr"] * c["grad"]
        if close(new_velocity, other_velocity):
            return Feedback(
                False,
                "that is the other convention, v = momentum * v - lr * grad and w = w + v. "
                "torch.optim.SGD uses v = momentum * v + grad, then w = w - lr * v.",
            )
        if close(new_w, c["w"] - c["lr"] * c["grad"]):
            return Feedback(
                False,
                "that is a plain gradient-descent step: step along the new velocity, "
                "not along the gradient alone.",
            )
        if close(new_velocity, c["momentum"] * c["velocity"] + (1 - c["momentum"]) * c["grad"]):
            return Feedback(
                False,
                "you scaled the gradient by (1 - momentum): torch.optim.SGD adds the "
                "whole gradient (dampening 0).",
            )
        if close(new_velocity, expected_velocity) and close(
            new_w, c["w"] - c["lr"] * c["velocity"]
        ):
            return Feedback(
                False,
                "the velocity is right, but you stepped with the old one: update the "
                "velocity first, then step with the new velocity.",
            )
        if close(new_velocity, expected_velocity) and close(
            new_w, c["w"] + c["lr"] * expected_velocity
        ):
            return Feedback(
                False, "the velocity is right, but the step goes uphill: subtract lr * velocity."
            )
    velocity_feedback = _compare(new_velocity, expected_velocity, "new_velocity", "")
    if not velocity_feedback:
        return Feedback(
            False, velocity_feedback.message + " The new velocity is momentum * velocity + grad."
        )
    return _compare(
        new_w,
        expected_w,
        "new_w",
        "velocity = 0.9 * [0.5, 0.5] + [0.2, -0.4] = [0.65, 0.05], "
        "then w = w - 0.1 * velocity = [0.935, -2.005].",
    )


def check_bowl_learning_rate(lr) -> Feedback:
    """Exercise ex-06-learning-rate (chapter 06): a learning rate that solves the b = 25 bowl in 100 steps."""
    from course_utils.optim import SGD, IllConditionedBowl, run_optimizer

    if lr is None:
        return Feedback(False, "replace `None` with a learning rate, a positive number.")
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating):
        return Feedback(False, f"the learning rate should be a number, got {type(lr).__name__}.")
    if not np.isfinite(lr) or lr <= 0:
        return Feedback(False, f"the learning rate must be a positive number, got {lr}.")
    bowl, steps, tolerance = IllConditionedBowl(a=1.0, b=25.0), 100, 1e-3
    path = run_optimizer(bowl, SGD, steps, lr=float(lr))
    losses = bowl.value(path)
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return Feedback(
            False,
            f"with lr = {lr:g} gradient descent diverges: each step overshoots the steep "
            f"y-direction by more than it gains. Stay below 2 / b = {2 / bowl.b:g}.",
        )
    if losses[-1] >= tolerance:
        x, y = path[-1]
        if 0.5 * bowl.b * y**2 > 0.5 * bowl.a * x**2:
            return Feedback(
                False,
                f"loss {losses[-1]:.3g} after {steps} steps: the steep y-direction still "
                f"zig-zags, since |1 - 25 lr| = {abs(1 - bowl.b * lr):.3f} is close to 1. "
                "Go a little lower.",
            )
        return Feedback(
            False,
            f"loss {losses[-1]:.3g} after {steps} steps: too slow along the flat "
            f"x-direction, which shrinks only by 1 - lr = {1 - lr:.3f} per step. Go higher.",
        )
    first = int(np.nonzero(losses < tolerance)[0][0])
    return Feedback(
        True,
        f"with lr = {lr:g} the loss is below {tolerance:g} after {first} steps "
        f"({losses[-1]:.2g} after {steps}).",
    )


def check_adam_bias_correction(answer) -> Feedback:
    """Exercise ex-06-bias-correction (chapter 06): Adam's m_hat and v_hat after the gradients 4, 2, 1."""
    pair = _ch06_pair(answer, ("m_hat", "v_hat"))
    if isinstance(pair, Feedback):
        return pair
    m_hat, v_hat = (float(a.reshape(-1)[0]) if a.size == 1 else None for a in pair)
    if m_hat is None or v_hat is None:
        return Feedback(False, "`m_hat` and `v_hat` should each be one number.")
    gradients, beta1, beta2 = [4.0, 2.0, 1.0], 0.9, 0.999
    m = v = 0.0
    for g in gradients:
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
    t = len(gradients)
    expected_m, expected_v = m / (1 - beta1**t), v / (1 - beta2**t)

    def close(a, b):
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))

    if close(m_hat, m) or close(v_hat, v):
        return Feedback(
            False,
            f"that is the raw average (m = {m:.4f}, v = {v:.6f}): the bias correction "
            "divides m by 1 - beta1**t and v by 1 - beta2**t, with t = 3.",
        )
    if close(m_hat, sum(gradients) / t):
        return Feedback(
            False,
            "that is the plain mean of the gradients; Adam's average weights recent "
            "gradients more: m = beta1 * m + (1 - beta1) * g at each step.",
        )
    if not close(m_hat, expected_m):
        for wrong_t in (1, 2, 4):
            if close(m_hat, m / (1 - beta1**wrong_t)):
                return Feedback(
                    False, f"you divided by 1 - beta1**{wrong_t}; after the third gradient t = 3."
                )
        return Feedback(
            False,
            "m_hat is not right yet: run m = 0.9 * m + 0.1 * g over the three "
            "gradients, then divide by 1 - 0.9**3.",
        )
    if close(v_hat, np.sqrt(expected_v)):
        return Feedback(
            False,
            "m_hat is right; v_hat is the corrected average of g**2 itself, not its square root.",
        )
    if not close(v_hat, expected_v):
        return Feedback(
            False,
            "m_hat is right; for v_hat run v = 0.999 * v + 0.001 * g**2, then divide "
            "by 1 - 0.999**3.",
        )
    return Feedback(
        True,
        f"m_hat = {expected_m:.4f} and v_hat = {expected_v:.4f}: the corrected averages "
        "weight the latest gradients most, and neither is pulled towards the zero start.",
    )


# --- Chapter 02: pooling --------------------------------------------------------------------


def _ch02_grid() -> np.ndarray:
    """The 4x6 array of ex-02-max-pool."""
    return np.array(
        [[0, 3, 1, 1, 5, 2], [2, 1, 0, 4, 0, 1], [7, 2, 3, 1, 0, 0], [1, 0, 6, 2, 2, 8]],
        dtype=np.float64,
    )


def check_max_pool_by_hand(answer) -> Feedback:
    """Exercise ex-02-max-pool (chapter 02): 2x2 max pooling, stride 2, of a 4x6 array."""
    missing = _not_yet(answer, "your 2x3 array")
    if missing is not None:
        return missing
    array = _as_array(answer, "answer")
    if isinstance(array, Feedback):
        return array
    grid = _ch02_grid()
    windows = grid.reshape(2, 2, 3, 2)
    expected = windows.max(axis=(1, 3))
    if array.shape == expected.T.shape and array.shape != expected.shape:
        return Feedback(
            False,
            f"`answer` has shape {array.shape}; 4 rows pooled by 2 give 2 rows, and "
            "6 columns give 3: expected (2, 3).",
        )
    if array.shape == (3, 5):
        return Feedback(
            False, "that is a 2x2 window with stride 1 (overlapping windows); use stride 2."
        )
    if array.shape == expected.shape:
        if np.allclose(array, windows.mean(axis=(1, 3))):
            return Feedback(
                False, "those are the means of the windows (average pooling); keep the maximum."
            )
        if np.allclose(array, windows.min(axis=(1, 3))):
            return Feedback(
                False, "those are the smallest values of the windows; keep the largest."
            )
        if np.allclose(array, windows.sum(axis=(1, 3))):
            return Feedback(False, "those are the sums of the windows; keep the largest value.")
    return _compare(
        array,
        expected,
        "answer",
        "each of the six 2x2 windows keeps its largest value: [[3, 4, 5], [7, 6, 8]].",
    )


def _ch02_pool_cases() -> list[tuple[str, np.ndarray, int, int]]:
    """Test cases for ex-02-pool-function: (description, image, kernel_size, stride)."""
    rng = np.random.default_rng(2)
    return [
        ("a 4x4 image, window 2, stride 2", np.arange(16, dtype=np.float64).reshape(4, 4), 2, 2),
        ("a 5x7 image, window 3, stride 1 (overlapping)", rng.normal(size=(5, 7)), 3, 1),
        ("a 7x6 image, window 2, stride 3 (cells skipped)", rng.normal(size=(7, 6)), 2, 3),
        (
            "a 9x9 image of negative values, window 3, stride 2",
            -rng.uniform(1, 2, size=(9, 9)),
            3,
            2,
        ),
    ]


def check_max_pool_function(func) -> Feedback:
    """Exercise ex-02-pool-function (chapter 02): `func(image, kernel_size, stride)` vs `ops.max_pool2d`."""
    from course_utils.ops import avg_pool2d, max_pool2d

    missing = _not_yet(func, "your function")
    if missing is not None:
        return missing
    if not callable(func):
        return Feedback(
            False, f"pass the function itself (no parentheses), got {type(func).__name__}."
        )
    for about, image, kernel, stride in _ch02_pool_cases():
        expected = max_pool2d(image[None], kernel, stride)[0]
        try:
            answer = func(image.copy(), kernel, stride)
        except Exception as exc:  # the learner's code may raise anything; report it
            return Feedback(False, f"for {about} it raised {type(exc).__name__}: {exc}")
        if answer is None:
            return Feedback(
                False,
                f"for {about} it returned None; return the pooled array (shape {expected.shape}).",
            )
        verdict = _compare(answer, expected, "output", "")
        if not verdict:
            if _compare(answer, avg_pool2d(image[None], kernel, stride)[0], "output", ""):
                return Feedback(
                    False, f"for {about} you took the mean of each window; keep the maximum."
                )
            if stride != kernel and _compare(
                answer, max_pool2d(image[None], kernel)[0], "output", ""
            ):
                return Feedback(
                    False, f"for {about} you moved by the window size; move by `stride`."
                )
            return Feedback(False, f"for {about}: {verdict.message}")
    return Feedback(
        True,
        "it matches course_utils.ops.max_pool2d on 4 cases (strides 1-3, odd sizes, "
        "negative values).",
    )


def _ch02_check_heads(heads, counts: tuple[int, int]) -> Feedback:
    """The learner's two heads of ex-02-gap-head: they map (N, 128, 4, 4) to (N, 10) with `counts` parameters."""
    import torch
    from torch import nn

    missing = _not_yet(heads, "a pair (flatten head, GAP head) of the two heads built in PyTorch")
    if missing is not None:
        return missing
    try:
        heads = list(heads)
    except TypeError:
        return Feedback(
            False, f"`heads` should be a pair of nn.Modules, got {type(heads).__name__}."
        )
    if len(heads) != 2 or not all(isinstance(head, nn.Module) for head in heads):
        return Feedback(False, "`heads` should be a pair of nn.Modules: (flatten head, GAP head).")
    for name, head, count in zip(("flatten", "GAP"), heads, counts, strict=True):
        try:
            with torch.no_grad():
                out = head(torch.zeros(2, 128, 4, 4))
        except Exception as exc:  # the learner's code may raise anything; report it
            return Feedback(
                False,
                f"the {name} head raised {type(exc).__name__} on a (2, 128, 4, 4) batch: {exc}",
            )
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return Feedback(
                False, f"the {name} head should map (2, 128, 4, 4) to (2, 10), got {shape}."
            )
        built = sum(p.numel() for p in head.parameters())
        if built != count:
            return Feedback(
                False,
                f"the {name} head you built has {built:,} parameters; it should have {count:,}.",
            )
    return Feedback(True, "")


def check_head_parameters(answer, heads) -> Feedback:
    """Exercise ex-02-gap-head (chapter 02): parameters of flatten+linear and GAP+linear heads, and the heads."""
    missing = _not_yet(answer, "a pair (parameters with flatten, parameters with GAP)")
    if missing is not None:
        return missing
    try:
        values = [v.item() if hasattr(v, "item") else v for v in answer]
    except TypeError:
        return Feedback(False, f"`answer` should be a pair of ints, got {type(answer).__name__}.")
    if len(values) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values
    ):
        return Feedback(False, f"`answer` should be a pair of two ints, got {answer!r}.")
    flat, gap = (int(v) for v in values)
    channels, side, classes = 128, 4, 10
    expected = (channels * side * side * classes + classes, channels * classes + classes)
    if (flat, gap) == expected[::-1]:
        return Feedback(False, "the two numbers are swapped: the flatten head is the larger one.")
    if flat != expected[0]:
        if flat == channels * side * side * classes:
            return Feedback(False, "(a) counts the weights only; add the 10 biases.")
        if flat == channels * side * classes + classes:
            return Feedback(
                False, "(a): a 4x4 map has 16 positions, so flattening gives 128 * 16 inputs."
            )
        return Feedback(
            False,
            f"(a) got {flat}; flattening gives 128 * 4 * 4 inputs, each connected to 10 outputs, "
            "plus 10 biases.",
        )
    if gap != expected[1]:
        if gap == channels * classes:
            return Feedback(False, "(a) is right; (b) counts the weights only: add the 10 biases.")
        return Feedback(
            False,
            f"(a) is right; (b) got {gap}: GAP leaves one number per channel (128 inputs), "
            "and GAP itself has no parameters.",
        )
    built = _ch02_check_heads(heads, expected)
    if not built:
        return Feedback(False, f"your counts are right; {built.message}")
    return Feedback(
        True,
        f"flatten: {expected[0]:,}; GAP: {expected[1]:,}, about 16 times fewer, and your two "
        "heads have exactly these counts.",
    )


# --- Chapter 03: fully connected layers and softmax ----------------------------------------


def check_softmax_probabilities(answer) -> Feedback:
    """Exercise ex-03-softmax (chapter 03): the softmax of the logits (2.0, 1.0, 0.1)."""
    missing = _not_yet(answer, "your three probabilities")
    if missing is not None:
        return missing
    array = _as_array(answer, "answer")
    if isinstance(array, Feedback):
        return array
    z = np.array([2.0, 1.0, 0.1])
    expected = np.exp(z) / np.exp(z).sum()
    array = array.reshape(-1) if array.size == 3 else array
    if array.shape == expected.shape:
        if np.allclose(array, z / z.sum(), atol=1e-4):
            return Feedback(False, "you divided the logits by their sum; exponentiate them first.")
        if np.allclose(array, np.exp(z), atol=1e-4):
            return Feedback(
                False, "those are exp(z); divide them by their sum so they add up to 1."
            )
        if np.all(np.isfinite(array)) and not np.isclose(array.sum(), 1.0, atol=1e-4):
            return Feedback(
                False, f"your values sum to {array.sum():.4g}; probabilities must sum to 1."
            )
    return _compare(
        array,
        expected,
        "answer",
        "softmax(2.0, 1.0, 0.1) = (0.659, 0.242, 0.099): the largest logit gets two thirds.",
        atol=1e-4,
    )


def _ch03_log_softmax_cases() -> list[tuple[str, np.ndarray]]:
    """Test inputs for ex-03-log-softmax: (description, logits of shape (batch, classes))."""
    rng = np.random.default_rng(3)
    return [
        ("one row of small logits", np.array([[2.0, 1.0, 0.1]])),
        ("a (5, 10) batch of random logits", rng.normal(scale=3.0, size=(5, 10))),
        ("logits of +-1000", np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1001.0, -1002.0]])),
        ("a (4, 2) batch of equal logits", np.full((4, 2), 7.0)),
    ]


def check_log_softmax_function(func) -> Feedback:
    """Exercise ex-03-log-softmax (chapter 03): a stable `func(logits)` over the last axis of (N, K)."""
    from course_utils.ops import log_softmax

    missing = _not_yet(func, "your function")
    if missing is not None:
        return missing
    if not callable(func):
        return Feedback(
            False, f"pass the function itself (no parentheses), got {type(func).__name__}."
        )
    for about, logits in _ch03_log_softmax_cases():
        expected = log_softmax(logits, axis=1)
        try:
            with np.errstate(all="ignore"):  # a naive version overflows; report it as feedback
                answer = func(logits.copy())
        except Exception as exc:  # the learner's code may raise anything; report it
            return Feedback(False, f"for {about} it raised {type(exc).__name__}: {exc}")
        if answer is None:
            return Feedback(
                False,
                f"for {about} it returned None; return the log-probabilities "
                f"(shape {expected.shape}).",
            )
        array = _as_array(answer, "output", finite=False)
        if isinstance(array, Feedback):
            return array
        if not np.all(np.isfinite(array)):
            return Feedback(
                False,
                f"for {about} it returns inf or nan: exp overflows (or log(0) appears). "
                "Subtract each row's maximum before exponentiating.",
            )
        if (
            array.shape == expected.shape
            and np.allclose(array, log_softmax(logits, axis=0), atol=1e-6)
            and not np.allclose(array, expected, atol=1e-6)
        ):
            return Feedback(
                False,
                f"for {about} you normalised down the columns (axis 0); "
                "normalise each row, over the classes (axis 1).",
            )
        if array.shape == expected.shape and np.allclose(array, logits, atol=1e-6):
            return Feedback(
                False, f"for {about} the output equals the input; subtract the log-sum-exp."
            )
        verdict = _compare(array, expected, "output", "", atol=1e-6)
        if not verdict:
            return Feedback(False, f"for {about}: {verdict.message}")
    return Feedback(
        True, "it matches course_utils.ops.log_softmax on 4 cases, logits of +-1000 included."
    )


def _ch03_cross_entropy_case() -> tuple[np.ndarray, np.ndarray]:
    """The logits and targets of ex-03-cross-entropy."""
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    return logits, np.array([0, 2, 1])


def check_cross_entropy(answer, per_example) -> Feedback:
    """Exercise ex-03-cross-entropy (chapter 03): the per-example losses of a 3x3 batch and their mean."""
    from course_utils.ops import log_softmax, softmax

    missing = _not_yet(answer, "the mean cross-entropy, a number")
    if missing is not None:
        return missing
    array = _as_array(answer, "answer")
    if isinstance(array, Feedback):
        return array
    if array.size != 1:
        return Feedback(
            False,
            f"`answer` should be one number (the mean over the batch), got shape {array.shape}.",
        )
    value = float(array.reshape(-1)[0])
    learner_losses = per_example
    logits, targets = _ch03_cross_entropy_case()
    rows = np.arange(len(targets))
    per_example = -log_softmax(logits, axis=1)[rows, targets]
    expected = float(per_example.mean())
    hints = [
        (float(per_example.sum()), "that is the sum over the batch; take the mean."),
        (
            -expected,
            "the sign is flipped: the loss is minus the log-probability, so it is positive.",
        ),
        (
            float(-np.log(softmax(logits, axis=0))[rows, targets].mean()),
            "you normalised down the columns; the softmax runs over each row (the classes).",
        ),
        (
            float(-log_softmax(logits, axis=1).max(axis=1).mean()),
            "you used each row's largest probability; use the probability of the correct class.",
        ),
        (
            float(-np.log(softmax(logits, axis=1)[rows, targets]).sum() / logits.size),
            "you divided by the number of logits (9); divide by the number of examples (3).",
        ),
    ]
    if abs(value - expected) <= 1e-4:
        if learner_losses is None:
            return Feedback(
                False,
                "the mean is right; now replace `None` in `per_example` with the three "
                "per-example losses.",
            )
        losses = _as_array(learner_losses, "per_example")
        if isinstance(losses, Feedback):
            return Feedback(False, f"the mean is right; {losses.message}")
        if losses.shape != (len(targets),):
            return Feedback(
                False,
                f"the mean is right; `per_example` should hold {len(targets)} losses, one per "
                f"example, got shape {losses.shape}.",
            )
        if np.max(np.abs(losses - per_example)) > 1e-4:
            return Feedback(
                False,
                "the mean is right, but `per_example` is not -log p_y of each row: "
                f"expected about {np.round(per_example, 4).tolist()}.",
            )
        return Feedback(
            True,
            f"mean cross-entropy {expected:.4f}; the second example (loss "
            f"{per_example[1]:.2f}) dominates, since it favours the wrong class.",
        )
    for wrong, hint in hints:
        if abs(value - wrong) <= 1e-4:
            return Feedback(False, hint)
    return Feedback(
        False,
        f"got {value:.4g}; average -log p_y over the 3 examples, with p = softmax of each row.",
    )


# --- Chapter 08: what the network learned ---------------------------------------------------


def _ch08_model_and_data():
    """Chapter 07's classifier and its (train, test) split, looked up at call time."""
    from course_utils import models

    return models.trained_classifier(), models.classifier_data()


def check_block2_maps(answer) -> Feedback:
    """Exercise ex-08-hook (chapter 08): block 2's feature maps after the ReLU for 8 test digits."""
    import torch
    import torch.nn.functional as F

    if answer is None:
        return Feedback(
            False, "replace `None` with the (8, 32, 14, 14) tensor of block-2 feature maps."
        )
    array = _as_array(answer, "block2_maps")
    if isinstance(array, Feedback):
        return array
    model, (_, (test_images, _)) = _ch08_model_and_data()
    with torch.no_grad():
        block1 = model.pool(F.relu(model.bn1(model.conv1(test_images[:8]))))
        conv2 = model.conv2(block1)
        bn2 = model.bn2(conv2)
    expected = F.relu(bn2).numpy().astype(np.float64)
    if array.shape == (8, 32, 7, 7):
        return Feedback(
            False,
            "those maps are 7x7: they were pooled. Take the output of `bn2`, "
            "before `model.pool` halves it.",
        )
    if array.shape == (8, 16, 28, 28) or array.shape == (8, 16, 14, 14):
        return Feedback(False, "16 channels is block 1; hook `model.bn2`, which has 32.")
    if array.shape == expected.shape:
        if np.allclose(array, bn2.numpy(), atol=1e-5):
            return Feedback(
                False,
                "that is `bn2`'s output before the ReLU (it has negative values): "
                "apply F.relu to it.",
            )
        if np.allclose(array, F.relu(conv2).numpy(), atol=1e-5) or np.allclose(
            array, conv2.numpy(), atol=1e-5
        ):
            return Feedback(
                False,
                "that is the output of `conv2`; hook `bn2`, so batch normalization "
                "is included, then apply the ReLU.",
            )
    return _compare(
        array,
        expected,
        "block2_maps",
        "32 maps of 14x14 per digit, after batch normalization and ReLU.",
        atol=1e-5,
    )


def _ch08_test_features():
    import torch

    model, ((train_images, train_labels), (test_images, test_labels)) = _ch08_model_and_data()
    with torch.no_grad():
        return (
            model.features(train_images),
            train_labels,
            model.features(test_images),
            test_labels,
            train_images,
            test_images,
            model,
        )


def check_feature_pca(answer) -> Feedback:
    """Exercise ex-08-pca (chapter 08): the test features projected on their 2 principal components."""
    if answer is None:
        return Feedback(False, "replace `None` with the (1000, 2) array of projections.")
    array = _as_array(answer, "feature_pca")
    if isinstance(array, Feedback):
        return array
    features = _ch08_test_features()[2].numpy().astype(np.float64)
    centred = features - features.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    if array.shape != expected.shape:
        if array.shape == (2, len(features)):
            return Feedback(
                False, f"`feature_pca` has shape {array.shape}: transpose it, one row per digit."
            )
        return Feedback(False, f"`feature_pca` has shape {array.shape}; expected {expected.shape}.")
    scale = np.abs(expected).max()

    def matches(candidate) -> bool:
        signs = np.sign(np.sum(candidate * array, axis=0))
        signs[signs == 0] = 1
        return bool(np.abs(candidate * signs - array).max() <= 1e-3 * scale)

    if matches(expected):
        return Feedback(True, "the projections on the first two principal components (up to sign).")
    if matches(expected[:, ::-1]):
        return Feedback(
            False,
            "the two columns are swapped: the first component has the largest "
            "singular value, and `np.linalg.svd` sorts them in decreasing order.",
        )
    if matches(u[:, :2]):
        return Feedback(
            False,
            "those are the columns of U, scaled to length 1; the projections are "
            "U times the singular values, or the centred data times V.",
        )
    _, _, vt_raw = np.linalg.svd(features, full_matrices=False)
    if matches(features @ vt_raw[:2].T) or matches(centred @ vt_raw[:2].T):
        return Feedback(
            False, "centre the features first: subtract the mean of each column before the SVD."
        )
    if matches(centred @ vt[:, :2]):
        return Feedback(False, "the components are the rows of V^T (`vt[:2]`), not its columns.")
    return Feedback(
        False,
        "the values differ from the projections on the first two principal "
        "components: centre, take `np.linalg.svd(centred, full_matrices=False)`, "
        "and project on the first two rows of V^T.",
    )


def check_feature_1nn(answer) -> Feedback:
    """Exercise ex-08-nearest (chapter 08): 1-nearest-neighbour labels in feature space, and their accuracy.

    The answer is the pair (nn_labels, accuracy): the label of each test digit's nearest training
    digit (1,000 class indices), and the fraction of them that are right. Both are recomputed.
    """
    import torch

    pair = _ch06_pair(answer, ("nn_labels", "accuracy"))
    if isinstance(pair, Feedback):
        return pair
    nn_labels, accuracy = pair
    train_features, train_labels, test_features, test_labels, train_images, test_images, model = (
        _ch08_test_features()
    )
    n = len(test_labels)
    if nn_labels.shape != (n,):
        return Feedback(
            False,
            f"`nn_labels` has shape {nn_labels.shape}; expected ({n},): one label per test digit.",
        )
    if not np.all(nn_labels == np.round(nn_labels)) or nn_labels.min() < 0 or nn_labels.max() > 9:
        return Feedback(
            False, "`nn_labels` should hold class indices 0-9, the labels of training digits."
        )
    if accuracy.size != 1:
        return Feedback(False, f"`accuracy` should be one number, got shape {accuracy.shape}.")
    mine = torch.as_tensor(nn_labels.astype(np.int64))
    value = float(accuracy.reshape(-1)[0])

    def one_nn(queries, candidates) -> torch.Tensor:
        return train_labels[torch.cdist(queries, candidates).argmin(dim=1)]

    distances = torch.cdist(test_features, train_features)
    expected = train_labels[distances.argmin(dim=1)]
    differ = torch.nonzero(mine != expected)[:, 0]
    for (
        i
    ) in differ.tolist():  # a tie (within rounding) between training digits of two labels is fine
        same_label = distances[i][train_labels == mine[i]]
        if same_label.numel() == 0 or same_label.min() > distances[i].min() * (1 + 1e-4) + 1e-6:
            break
    else:
        differ = differ[:0]
    if len(differ):
        with torch.no_grad():
            classifier = model(test_images).argmax(dim=1)
        if torch.equal(mine, test_labels):
            return Feedback(
                False,
                "those are the true test labels; label each test digit with the label of "
                "its nearest *training* digit.",
            )
        if torch.equal(mine, one_nn(test_images.flatten(1), train_images.flatten(1))):
            return Feedback(
                False,
                "those are the nearest neighbours by raw pixels; use the 64 penultimate "
                "features (`test_features`, `train_features`).",
            )
        if torch.equal(mine, classifier):
            return Feedback(
                False,
                "those are the classifier's own predictions; label each test digit with the "
                "label of its nearest training digit instead.",
            )
        if torch.equal(mine, train_labels[distances.argmax(dim=1)]):
            return Feedback(
                False,
                "those are the labels of the *farthest* training digits: take the smallest "
                "distance (argmin, or topk with largest=False).",
            )
        return Feedback(
            False,
            f"{len(differ)} of the {n} labels are not those of the nearest training digit in "
            "feature space: compute all test-to-training distances (torch.cdist) and take "
            "the label of the closest one.",
        )
    right = float((mine == test_labels).float().mean())
    if abs(value - 100 * right) <= 0.05 and abs(value - right) > 1e-6:
        return Feedback(
            False,
            "the labels are right; the accuracy is a percentage: give a fraction between 0 and 1.",
        )
    if abs(value - right) > 1e-6:
        return Feedback(
            False,
            f"the labels are right, but they give an accuracy of {right:.4f}, not {value:.4f}: "
            "the fraction of test digits whose nearest neighbour's label equals their own.",
        )
    return Feedback(
        True,
        f"{right:.3f} of the test digits get the label of their nearest training digit "
        "in feature space.",
    )


# --- Chapter 07: training a classifier --------------------------------------------------------


def check_steps_per_epoch(
    answer, n_samples: int = 3500, batch_size: int = 128, epochs: int = 10
) -> Feedback:
    """Exercise ex-07-steps (chapter 07): (batches per epoch, optimizer steps in all) for a DataLoader."""
    missing = _not_yet(answer, "a pair (batches_per_epoch, total_steps)")
    if missing is not None:
        return missing
    try:
        batches, steps = answer
    except (TypeError, ValueError):
        return Feedback(
            False, f"`answer` should be a pair (batches_per_epoch, total_steps), got {answer!r}."
        )
    per_epoch = -(-n_samples // batch_size)  # ceiling: the last, smaller batch counts too
    if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in (batches, steps)):
        return Feedback(
            False,
            f"both numbers are whole counts (ints); got {answer!r}. "
            "Round the division of samples by batch size: which way?",
        )
    if batches == n_samples // batch_size and batches != per_epoch:
        return Feedback(
            False,
            f"{batches} batches drops the last {n_samples % batch_size} samples. "
            "With drop_last=False (the default) the last, smaller batch is kept: round up.",
        )
    if batches != per_epoch:
        return Feedback(
            False,
            f"{batches} batches per epoch is not right: {n_samples} samples in batches "
            f"of {batch_size} is {n_samples / batch_size:.2f} batches, rounded up.",
        )
    if steps != per_epoch * epochs:
        return Feedback(
            False,
            f"batches per epoch is right; the optimizer steps once per batch, "
            f"so over {epochs} epochs it steps {per_epoch} x {epochs} times.",
        )
    return Feedback(
        True,
        f"{per_epoch} batches per epoch ({per_epoch - 1} full ones and one of "
        f"{n_samples - (per_epoch - 1) * batch_size}), {per_epoch * epochs} steps in all.",
    )


def _ch07_labels(values, name: str, n_classes: int) -> np.ndarray | Feedback:
    array = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        return Feedback(
            False, f"`{name}` should be a 1-D array of class indices, got shape {array.shape}."
        )
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        return Feedback(False, f"`{name}` holds classes outside 0..{n_classes - 1}.")
    return array


def check_confusion_matrix(answer, labels, predictions, n_classes: int = 10) -> Feedback:
    """Exercise ex-07-confusion (chapter 07): a confusion matrix by hand, rows = true class, columns = predicted."""
    missing = _not_yet(answer, f"your ({n_classes}, {n_classes}) confusion matrix")
    if missing is not None:
        return missing
    true = _ch07_labels(labels, "labels", n_classes)
    if isinstance(true, Feedback):
        return true
    predicted = _ch07_labels(predictions, "predictions", n_classes)
    if isinstance(predicted, Feedback):
        return predicted
    if true.shape != predicted.shape:
        return Feedback(
            False,
            f"`labels` ({true.shape[0]}) and `predictions` ({predicted.shape[0]}) differ in length.",
        )
    expected = np.zeros((n_classes, n_classes))
    np.add.at(expected, (true, predicted), 1)
    matrix = _as_array(answer, "matrix")
    if isinstance(matrix, Feedback):
        return matrix
    if (
        matrix.shape == expected.shape
        and not np.array_equal(expected, expected.T)
        and np.array_equal(matrix, expected.T)
    ):
        return Feedback(
            False,
            "that is the transpose: put the true class on the rows and the "
            "predicted class on the columns (sklearn's convention).",
        )
    if matrix.shape == expected.shape and matrix.sum() != expected.sum():
        return Feedback(
            False,
            f"the entries add up to {matrix.sum():g}; every one of the "
            f"{len(true)} samples should be counted exactly once.",
        )
    return _compare(
        matrix,
        expected,
        "matrix",
        f"the diagonal holds the {int(np.trace(expected))} correct answers out of {len(true)}.",
    )


def check_top_k_accuracy(answer, probabilities, labels, k: int = 2) -> Feedback:
    """Exercise ex-07-top2 (chapter 07): the k most probable classes per sample, and the top-k accuracy.

    The answer is the pair (top_classes, accuracy): an (N, k) array of class indices and the
    fraction of samples whose label is among them. Both are recomputed from `probabilities`.
    """
    pair = _ch06_pair(answer, ("top_classes", "accuracy"))
    if isinstance(pair, Feedback):
        return pair
    classes, accuracy = pair
    probs = _as_array(probabilities, "probabilities")
    if isinstance(probs, Feedback):
        return probs
    true = _ch07_labels(labels, "labels", probs.shape[1] if probs.ndim == 2 else 0)
    if isinstance(true, Feedback):
        return true
    if probs.ndim != 2 or len(probs) != len(true):
        return Feedback(
            False,
            f"`probabilities` should be (N, classes) with N = {len(true)}, got {probs.shape}.",
        )
    n, n_classes = probs.shape
    if classes.shape == (n,):
        return Feedback(
            False,
            f"`top_classes` holds one class per sample; keep the {k} most probable "
            f"classes of each, an array of shape ({n}, {k}).",
        )
    if classes.shape != (n, k):
        return Feedback(False, f"`top_classes` has shape {classes.shape}; expected ({n}, {k}).")
    if not np.all(classes == np.round(classes)) or classes.min() < 0 or classes.max() >= n_classes:
        return Feedback(False, f"`top_classes` should hold class indices 0-{n_classes - 1}.")
    classes = classes.astype(np.int64)
    if accuracy.size != 1:
        return Feedback(False, f"`accuracy` should be one number, got shape {accuracy.shape}.")
    value = float(accuracy.reshape(-1)[0])
    chosen = np.sort(np.take_along_axis(probs, classes, axis=1), axis=1)
    largest = np.sort(probs, axis=1)[:, -k:]
    distinct = all(len(set(row)) == k for row in classes.tolist())
    if not distinct or not np.allclose(chosen, largest, rtol=0, atol=1e-7):
        if np.allclose(chosen, np.sort(probs, axis=1)[:, :k], rtol=0, atol=1e-7):
            return Feedback(
                False,
                f"those are the {k} *least* probable classes: take the largest "
                "probabilities (torch.topk does by default).",
            )
        return Feedback(
            False,
            f"some rows of `top_classes` are not the {k} most probable classes of that "
            "sample: use torch.topk(probabilities, k, dim=1).indices.",
        )
    expected = float(np.mean((classes == true[:, None]).any(axis=1)))
    top_1 = float(np.mean(probs.argmax(axis=1) == true))
    if abs(value - expected) <= 1e-6:
        return Feedback(
            True, f"top-{k} accuracy {expected:.4f}, against top-1 accuracy {top_1:.4f}."
        )
    if abs(value - 100 * expected) <= 1e-4:
        return Feedback(
            False, "the classes are right; the accuracy is a percentage: give the fraction."
        )
    if abs(value - top_1) <= 1e-6:
        return Feedback(
            False,
            f"the classes are right, but that is the ordinary (top-1) accuracy; count a "
            f"sample as right when its label is anywhere among its {k} classes.",
        )
    return Feedback(
        False,
        f"the classes are right, but they give a top-{k} accuracy of {expected:.4f}, "
        f"not {value:.4f}: the fraction of rows that contain the sample's label.",
    )


#: The transformations of exercise ex-07-augment (what each does to a digit is the exercise).
AUGMENTATION_OPTIONS = (
    "shift by 2 pixels",
    "rotate by 10 degrees",
    "flip left-right",
    "rotate by 180 degrees",
    "add faint noise",
    "invert the colours",
)
_CH07_KEEPS_LABEL = {
    "shift by 2 pixels",
    "rotate by 10 degrees",
    "add faint noise",
    "invert the colours",
}
_CH07_USEFUL = {"shift by 2 pixels", "rotate by 10 degrees", "add faint noise"}


def _ch07_option_set(value, name: str) -> set | Feedback:
    if isinstance(value, str) or not isinstance(value, set | list | tuple | frozenset):
        return Feedback(
            False, f"`{name}` should be a set of option names, got {type(value).__name__}."
        )
    chosen = set(value)
    unknown = sorted(str(v) for v in chosen - set(AUGMENTATION_OPTIONS))
    if unknown:
        return Feedback(
            False, f"{unknown} in `{name}` are not options; pick from {list(AUGMENTATION_OPTIONS)}."
        )
    return chosen


def check_label_preserving(answer) -> Feedback:
    """Exercise ex-07-augment (chapter 07): which transformations keep a digit's label, and which are useful.

    The answer is the pair (keeps_label, useful) of sets of names from AUGMENTATION_OPTIONS.
    """
    if answer is None or (
        isinstance(answer, tuple | list)
        and len(answer) == 2
        and any(part is None for part in answer)
    ):
        return Feedback(
            False,
            "replace `None` with the pair (keeps_label, useful), two sets of option names "
            "from AUGMENTATION_OPTIONS.",
        )
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return Feedback(
            False, "`answer` should be the pair (keeps_label, useful), two sets of option names."
        )
    keeps = _ch07_option_set(answer[0], "keeps_label")
    if isinstance(keeps, Feedback):
        return keeps
    useful = _ch07_option_set(answer[1], "useful")
    if isinstance(useful, Feedback):
        return useful
    changes = {
        "flip left-right": "a mirrored 2, 3, 4, 5, 6, 7 or 9 is not that digit any more",
        "rotate by 180 degrees": "it turns a 6 into a 9 and a 9 into a 6",
    }
    for option in sorted(keeps - _CH07_KEEPS_LABEL):
        return Feedback(False, f"'{option}' does not keep the label: {changes[option]}.")
    if "invert the colours" not in keeps:
        return Feedback(
            False,
            "'invert the colours' keeps the label: an inverted 3 is still a 3, and a person "
            "reads it at once. Whether it *helps* is the second question.",
        )
    for option in sorted(_CH07_KEEPS_LABEL - keeps):
        return Feedback(
            False, f"'{option}' also keeps the label: a person still reads the same digit."
        )
    if not useful <= keeps:
        option = sorted(useful - keeps)[0]
        return Feedback(
            False,
            f"'{option}' changes the label, so it cannot be a useful augmentation: it "
            "would teach the model something false.",
        )
    if "invert the colours" in useful:
        return Feedback(
            False,
            "inverting keeps the label, but it is not useful here: every training *and* test "
            "digit is light on black, so dark-on-light copies are images the model will never "
            "meet. Training on them moves the training distribution away from the test "
            "distribution (a distribution shift) and spends capacity on them.",
        )
    for option in sorted(_CH07_USEFUL - useful):
        return Feedback(
            False,
            f"'{option}' is useful too: it keeps the label and makes digits like those "
            "that real writers produce.",
        )
    return Feedback(
        True,
        "shifts, small rotations and faint noise keep the label and make digits like the "
        "ones the model will meet; inversion keeps the label too, but makes images unlike any "
        "test digit (a distribution shift); flips and half-turns change the label.",
    )


# --- Chapter 09: occlusion and saliency ------------------------------------------------------


def check_occlusion_copies(answer) -> Feedback:
    """Exercise ex-09-copies (chapter 09): masked copies of a 28x28 image, window 6, stride 4."""
    if answer is None:
        return Feedback(False, "replace `None` with the number of masked copies, an int.")
    if hasattr(answer, "item"):
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, int | np.integer):
        return Feedback(False, f"`answer` should be a whole number (an int), got {answer!r}.")
    per_axis = -(-(28 - 6) // 4) + 1  # ceil((28 - 6) / 4) + 1 = 7
    hints = {
        per_axis: "that is the count along one axis; the window slides along both, so square it.",
        ((28 - 6) // 4 + 1) ** 2: "that is the convolution formula (floor): it leaves pixels 26-27 "
        "uncovered. Captum adds one more window, cut off at the border.",
        (28 - 6) // 4
        + 1: "that is the floor formula along one axis; Captum covers the border with one "
        "more window, and the window slides along both axes.",
        (28 - 6 + 1) ** 2: "that is stride 1; the window moves 4 pixels at a time.",
        (28 // 4)
        ** 2: "that counts non-overlapping 4x4 tiles; the window is 6 wide and moves by 4.",
    }
    if answer == per_axis**2:
        return Feedback(
            True, f"{per_axis} positions per axis (0, 4, ..., 24), so {per_axis**2} copies."
        )
    return Feedback(
        False,
        hints.get(
            int(answer),
            f"got {answer}; count the window's start offsets along "
            "one axis until pixel 27 is covered, then square.",
        ),
    )


def _ch09_tiny() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W1, w2 and x of ex-09-guided: the score is w2 . relu(W1 x)."""
    w1 = np.array(
        [
            [1.0, -1.0, 0.5, 2.0],
            [0.5, 1.0, -1.0, 0.0],
            [-1.0, 0.5, 1.0, 1.0],
            [2.0, 0.0, -0.5, -1.0],
        ]
    )
    w2 = np.array([1.5, -2.0, 1.0, -0.5])
    x = np.array([1.0, 0.5, -1.0, 0.5])
    return w1, w2, x


def check_guided_tiny(answer) -> Feedback:
    """Exercise ex-09-guided (chapter 09): guided backprop through one ReLU, by hand."""
    if answer is None:
        return Feedback(
            False, "replace `None` with the guided-backprop map, an array of 4 numbers."
        )
    array = _as_array(answer, "guided_map")
    if isinstance(array, Feedback):
        return array
    w1, w2, x = _ch09_tiny()
    active = (w1 @ x) > 0
    expected = w1.T @ (np.maximum(w2, 0) * active)
    if array.shape == expected.shape:
        wrong = {
            "that is the plain gradient: the guided rule also drops the negative gradients at the ReLU.": w1.T
            @ (w2 * active),
            "that is the 'deconvnet' rule (positive gradients, ignoring which units were active): "
            "also keep the forward mask z > 0.": w1.T @ np.maximum(w2, 0),
            "you skipped the ReLU: apply both the forward mask (z > 0) and max(gradient, 0).": w1.T
            @ w2,
            "the last step multiplies by W1 transposed (W1.T @ ...), not W1.": w1
            @ (np.maximum(w2, 0) * active),
        }
        for message, candidate in wrong.items():
            if np.allclose(array, candidate):
                return Feedback(False, message)
    return _compare(
        array,
        expected,
        "guided_map",
        "only the first hidden unit is active with a positive gradient, so the map is "
        "1.5 times the first row of W1.",
    )


def check_probability_occlusion(answer) -> Feedback:
    """Exercise ex-09-probability (chapter 09): occlusion map of the true class's probability."""
    import torch

    from course_utils.interpret import occlusion

    if answer is None:
        return Feedback(False, "replace `None` with the (28, 28) occlusion map of the probability.")
    array = _as_array(answer, "probability_map")
    if isinstance(array, Feedback):
        return array
    if array.size == 28 * 28:
        array = array.reshape(28, 28)
    elif array.ndim == 4 and array.shape[2:] == (28, 28):
        return Feedback(
            False,
            f"`probability_map` has shape {array.shape}; take one channel of one image: [0, 0].",
        )
    model, (_, (test_images, test_labels)) = _ch08_model_and_data()
    image, label = test_images[:1], test_labels[:1]

    def run(score):
        return occlusion(score, image, label, window=4, stride=2)[0, 0].numpy().astype(np.float64)

    expected = run(lambda x: torch.softmax(model(x), dim=1))
    if array.shape == expected.shape:
        if np.allclose(array, run(model), atol=1e-5):
            return Feedback(
                False,
                "that is the map of the logit; wrap the model in a function that "
                "returns torch.softmax(model(x), dim=1).",
            )
        if np.allclose(array, run(lambda x: torch.log_softmax(model(x), dim=1)), atol=1e-5):
            return Feedback(False, "that is the log-probability (log_softmax); use softmax.")
        if np.allclose(array, -expected, atol=1e-6):
            return Feedback(
                False, "the sign is flipped: occlusion records score(original) - score(masked)."
            )
    return _compare(
        array,
        expected,
        "probability_map",
        "the drop of the true class's probability, averaged over the windows covering each pixel.",
        atol=1e-5,
    )


# --- Chapter 10: style transfer -----------------------------------------------------------------

_CH10_FEATURES = np.array([[[[2.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 3.0]]]])  # ex-10-gram
_CH10_TV_IMAGE = np.array([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [1.0, 1.0, 1.0]])  # ex-10-tv


def check_gram_by_hand(answer) -> Feedback:
    """Exercise ex-10-gram: the (2, 2) Gram matrix F F^T / (H W) of the exercise's feature maps."""
    if answer is None:
        return Feedback(False, "replace `None` with the (2, 2) Gram matrix of `exercise_features`.")
    array = _as_array(answer, "gram")
    if isinstance(array, Feedback):
        return array
    if array.shape == (1, 2, 2):
        array = array[0]
    rows = _CH10_FEATURES.reshape(2, 4)
    expected = rows @ rows.T / 4
    if array.shape == (4, 4):
        return Feedback(
            False,
            "that is a 4x4 matrix over positions (F^T F); the Gram matrix is channels "
            "by channels: F F^T, with F of shape (C, H W) = (2, 4).",
        )
    if array.shape == expected.shape and np.allclose(array, expected * 4, atol=1e-6):
        return Feedback(
            False, "right pattern, 4 times too large: divide by the number of positions, H W = 4."
        )
    return _compare(
        array,
        expected,
        "gram",
        "G = [[1.25, 0], [0, 2.5]]; the zeros off the diagonal say that the two maps are "
        "never active at the same position.",
    )


def check_total_variation_by_hand(answer) -> Feedback:
    """Exercise ex-10-tv: the total variation of the exercise's 3x3 image, as `total_variation` defines it."""
    if answer is None:
        return Feedback(False, "replace `None` with the total variation of `tv_image`, a float.")
    array = _as_array(answer, "tv")
    if isinstance(array, Feedback):
        return array
    if array.size != 1:
        return Feedback(False, f"`tv` should be one number, got shape {array.shape}.")
    value = float(array.reshape(()))
    vertical = np.diff(_CH10_TV_IMAGE, axis=0)
    horizontal = np.diff(_CH10_TV_IMAGE, axis=1)
    expected = float((vertical**2).mean() + (horizontal**2).mean())
    if np.isclose(value, float((vertical**2).sum() + (horizontal**2).sum())):
        return Feedback(
            False, "that is the sum of the squared differences; take the mean of each direction."
        )
    if np.isclose(value, float(np.abs(vertical).mean() + np.abs(horizontal).mean())):
        return Feedback(
            False, "that uses absolute differences; the course's total variation squares them."
        )
    if np.isclose(value, float((vertical**2).mean())) or np.isclose(
        value, float((horizontal**2).mean())
    ):
        return Feedback(
            False, "that is one direction only; add the vertical and the horizontal means."
        )
    return _compare(
        np.float64(value),
        np.float64(expected),
        "tv",
        f"{expected:.4f} = 1.25/6 (vertical) + 1/6 (horizontal).",
        atol=1e-6,
    )


def _ch10_layout_similarity(image, reference) -> float:
    """Largest correlation of two (1, 3, H, W) images over all circular shifts, after 4x4 average pooling.

    Near 1 for the reference with pixel noise on it, or shifted; low for a texture that shares
    only the reference's statistics (ex-10-deep-texture).
    """
    import torch
    import torch.nn.functional as F

    a, b = (F.avg_pool2d(x.double(), 4)[0] for x in (image, reference))
    a, b = a - a.mean(dim=(1, 2), keepdim=True), b - b.mean(dim=(1, 2), keepdim=True)
    cross = torch.fft.ifft2(torch.fft.fft2(a) * torch.fft.fft2(b).conj()).real.sum(dim=0)
    return float(cross.max() / (a.norm() * b.norm() + 1e-12))


def check_deep_layer_texture(answer) -> Feedback:
    """Exercise ex-10-deep-texture: a 64x64 texture of brush_stroke_painting(64) matching conv3-conv5 only."""
    import torch

    from course_utils.style import (
        FeatureExtractor,
        as_image_tensor,
        brush_stroke_painting,
        gram_matrix,
    )

    if answer is None:
        return Feedback(False, "replace `None` with your (64, 64, 3) texture.")
    try:
        image = as_image_tensor(answer, "texture")
    except (TypeError, ValueError) as error:
        return Feedback(False, str(error).replace("transfer: ", ""))
    if tuple(image.shape[-2:]) != (64, 64):
        return Feedback(
            False, f"the texture is {image.shape[-2]}x{image.shape[-1]}; make it 64x64 (size=64)."
        )
    painting = as_image_tensor(brush_stroke_painting(64))
    if torch.allclose(image, painting, atol=1e-3):
        return Feedback(False, 'that is the painting itself; start from noise (init="noise").')
    layout = _ch10_layout_similarity(image, painting)
    if layout > 0.5:
        return Feedback(
            False,
            f"your image has the painting's layout (blurred, it correlates {layout:.2f} with "
            "the painting at the best shift; a synthesised texture stays near 0.2): it is "
            "the painting with changes, not a texture synthesised from noise. Use "
            'init="noise" and let the Gram matrices alone shape it.',
        )
    network = FeatureExtractor("random", verbose=False)
    with torch.no_grad():
        mine, target = network(image), network(painting)
    errors = {
        name: float(
            (gram_matrix(mine[name]) - gram_matrix(target[name])).norm()
            / gram_matrix(target[name]).norm()
        )
        for name in network.layers
    }
    listing = ", ".join(f"{name} {value:.2f}" for name, value in errors.items())
    deep = max(errors[name] for name in ("conv3", "conv4", "conv5"))
    if deep > 0.1:
        return Feedback(
            False,
            f"the deep layers' Gram matrices are still up to {deep:.2f} (relative) away from "
            'the painting\'s; use style_layers=["conv3", "conv4", "conv5"] and enough '
            f"steps. All layers: {listing}.",
        )
    if errors["conv1"] < 0.15:
        return Feedback(
            False,
            f"conv1 is matched too ({errors['conv1']:.2f}): leave conv1 and conv2 out of "
            "style_layers.",
        )
    return Feedback(
        True,
        f"relative Gram differences: {listing}. conv3 to conv5 are matched, conv1 is not: "
        "the deep layers alone leave the pixel-level colours and edges free.",
    )

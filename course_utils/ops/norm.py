"""Dropout and batch normalization, in NumPy, forward and backward.

The forwards are taught in the section labelled `sec-dropout-by-hand` and `sec-batch-norm-by-hand`;
the backwards in `sec-batch-norm-backward` and `sec-dropout-backward`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_utils._validate import as_float_array, as_number, as_probability

__all__ = ["dropout", "dropout_backward", "batch_norm", "batch_norm_backward"]


def dropout(
    x: ArrayLike,
    p: float = 0.5,
    training: bool = True,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    """Inverted dropout, the meaning of `torch.nn.functional.dropout` (dropout, batch norm).

    In training, each value is zeroed with probability `p` and every survivor is multiplied by
    `1 / (1 - p)`, so the expected value of each output equals its input. With
    `training=False` the input comes back unchanged (a copy). The random mask comes from
    `generator` (a seeded `numpy.random.Generator`), or from NumPy's global generator when it
    is `None`. PyTorch draws its masks differently, so only the distributions agree, not the
    individual masks.
    """
    array = as_float_array(x, "x", "dropout")
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"dropout: `p` must be a number in [0, 1), got {p!r}")
    if not 0.0 <= float(p) < 1.0:
        raise ValueError(f"dropout: `p` must be in [0, 1), got {p!r}")
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"dropout: `training` must be a bool, got {training!r}")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            "dropout: `generator` must be a numpy.random.Generator or None, "
            f"got {type(generator).__name__}"
        )
    if not training or p == 0:
        return array.copy()
    uniform = (
        generator.random(array.shape)
        if generator is not None
        else np.random.random_sample(array.shape)
    )
    keep = uniform >= p  # True with probability 1 - p
    return (array * keep / (1.0 - float(p))).astype(array.dtype, copy=False)


def _channel_vector(
    value: ArrayLike, name: str, channels: int, func: str = "batch_norm"
) -> np.ndarray:
    """A per-channel vector of length `channels`, or raise naming `func` and `name`."""
    vector = as_float_array(value, name, func, (1,))
    if vector.shape[0] != channels:
        raise ValueError(
            f"{func}: `{name}` must have one value per channel ({channels}), "
            f"got shape {tuple(vector.shape)}"
        )
    if not np.isfinite(vector).all():
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    if name == "running_var" and (vector < 0).any():
        raise ValueError(
            f"batch_norm: `running_var` must be >= 0 (a variance), got {vector.min():g}"
        )
    return vector


def _check_batch_norm_options(
    training, momentum, eps, no_running_mean: bool, no_running_var: bool
) -> None:
    """Validate batch_norm's mode, momentum, eps and running statistics; raise naming them."""
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"batch_norm: `training` must be a bool, got {training!r}")
    for name, value in (("momentum", momentum), ("eps", eps)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"batch_norm: `{name}` must be a number, got {value!r}")
    if not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"batch_norm: `momentum` must be in [0, 1], got {momentum!r}")
    if not 0.0 < float(eps) < float("inf"):
        raise ValueError(f"batch_norm: `eps` must be finite and > 0, got {eps!r}")
    if no_running_mean != no_running_var:
        raise ValueError("batch_norm: give both `running_mean` and `running_var`, or neither")
    if no_running_mean and not training:
        raise ValueError(
            "batch_norm: `running_mean` and `running_var` are needed when training=False"
        )


def _batch_statistics(
    values: np.ndarray,
    axes: tuple[int, ...],
    mean_r: np.ndarray | None,
    var_r: np.ndarray | None,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Training mode: the batch's mean and biased variance, and the updated running statistics."""
    count = values.size // values.shape[1]
    if count < 2:
        raise ValueError(
            f"batch_norm: `x` of shape {tuple(values.shape)} has 1 value per channel; "
            "training mode needs at least 2 to estimate a variance"
        )
    mean = values.mean(axis=axes)
    var = values.var(axis=axes)  # biased: divides by count, used to normalise
    if mean_r is None:
        return mean, var, None, None
    m = float(momentum)
    new_mean = ((1 - m) * mean_r + m * mean).astype(mean_r.dtype)
    new_var = ((1 - m) * var_r + m * var * count / (count - 1)).astype(var_r.dtype)
    return mean, var, new_mean, new_var


def batch_norm(
    x: ArrayLike,
    running_mean: ArrayLike | None,
    running_var: ArrayLike | None,
    weight: ArrayLike | None = None,
    bias: ArrayLike | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Batch normalization, meaning what `torch.nn.functional.batch_norm` means (batch norm).

    Args:
        x: a batch `(N, C)`, `(N, C, L)` or `(N, C, H, W)`; statistics are taken per channel `C`
            over every other axis.
        running_mean: the running mean `(C,)`. It may be `None` (with `running_var`) only in
            training mode; then `None` comes back for both running statistics.
        running_var: the running variance `(C,)`, or `None` with `running_mean`.
        weight: optional scale (gamma), `(C,)`; default 1.
        bias: optional shift (beta), `(C,)`; default 0.
        training: `True` normalises with the batch's own mean and biased variance and updates
            the running statistics; `False` normalises with the running statistics.
        momentum: weight of the new batch in the update, in [0, 1]:
            ``new = (1 - momentum) * old + momentum * batch_stat``. As in PyTorch, the running
            variance is updated with the *unbiased* batch variance (divided by n - 1).
        eps: small positive number added to the variance before the square root.

    Returns:
        `(out, new_running_mean, new_running_var)`. PyTorch updates the running statistics in
        place; NumPy code cannot rely on that, so the updated copies are returned instead (in
        evaluation mode they are copies of the inputs, unchanged). `out` has the shape of `x`.
    """
    array = as_float_array(x, "x", "batch_norm", (2, 3, 4))
    channels = array.shape[1]
    _check_batch_norm_options(training, momentum, eps, running_mean is None, running_var is None)
    mean_r = (
        None if running_mean is None else _channel_vector(running_mean, "running_mean", channels)
    )
    var_r = None if running_var is None else _channel_vector(running_var, "running_var", channels)
    gamma = np.ones(channels) if weight is None else _channel_vector(weight, "weight", channels)
    beta = np.zeros(channels) if bias is None else _channel_vector(bias, "bias", channels)

    axes = (0,) + tuple(range(2, array.ndim))  # every axis except the channel axis
    shape = (1, channels) + (1,) * (array.ndim - 2)  # broadcast a (C,) vector over x
    values = array.astype(np.float64)
    if training:
        mean, var, new_mean, new_var = _batch_statistics(values, axes, mean_r, var_r, momentum)
    else:
        mean, var = mean_r.astype(np.float64), var_r.astype(np.float64)
        new_mean, new_var = mean_r.copy(), var_r.copy()
    normalised = (values - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + float(eps))
    out = normalised * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(array.dtype, copy=False), new_mean, new_var


def dropout_backward(grad_output: ArrayLike, keep: ArrayLike, p: float) -> np.ndarray:
    """Gradient of inverted dropout in training mode (section `sec-dropout-backward`).

    The forward multiplies each value by `keep / (1 - p)`, a constant once the mask is drawn,
    so the backward multiplies the upstream gradient by the same factor: kept positions pass
    it on scaled by `1 / (1 - p)`, dropped ones get 0.

    Args:
        grad_output: the gradient of the loss with respect to dropout's output.
        keep: the forward's mask, True (or 1) where a value was kept, shaped like `grad_output`.
        p: the drop probability the forward used, in [0, 1).

    Returns:
        The gradient with respect to dropout's input, float64, shaped like `grad_output`.
    """
    func = "dropout_backward"
    grad = as_float_array(grad_output, "grad_output", func).astype(np.float64)
    mask = as_float_array(keep, "keep", func)
    if mask.shape != grad.shape:
        raise ValueError(
            f"{func}: `keep` must have the shape of `grad_output` {tuple(grad.shape)}, "
            f"got {tuple(mask.shape)}"
        )
    if not np.isin(mask, (0.0, 1.0)).all():
        raise ValueError(f"{func}: `keep` must hold only True/False (or 1/0), the forward's mask")
    rate = as_probability(p, "p", func)
    return grad * mask / (1.0 - rate)


def batch_norm_backward(
    grad_output: ArrayLike, x: ArrayLike, weight: ArrayLike | None = None, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `batch_norm` in training mode (section `sec-batch-norm-backward`).

    With per-channel batch statistics, `x_hat = (x - mean) / sqrt(var + eps)` and
    `y = weight * x_hat + bias`, and `g = dLoss/dy`, every mean taken over the `m` values of
    a channel (every axis except 1):

    - `grad_bias = sum(g)`, `grad_weight = sum(g * x_hat)`;
    - `grad_x = weight / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat))`: the
      mean and the variance depend on every value of the channel, which adds the two
      correction terms to the plain `weight / sqrt(var + eps) * g`.

    Args:
        grad_output: the gradient of the loss with respect to the output, shaped like `x`.
        x: the forward's input, `(N, C)`, `(N, C, L)` or `(N, C, H, W)`.
        weight: the forward's scale (gamma), `(C,)`; default 1.
        eps: the forward's `eps`.

    Returns:
        `(grad_x, grad_weight, grad_bias)` in float64, shaped like `x`, `(C,)` and `(C,)`.
    """
    func = "batch_norm_backward"
    values = as_float_array(x, "x", func, (2, 3, 4)).astype(np.float64)
    grad = as_float_array(grad_output, "grad_output", func).astype(np.float64)
    if grad.shape != values.shape:
        raise ValueError(
            f"{func}: `grad_output` must have the shape of `x` {tuple(values.shape)}, "
            f"got {tuple(grad.shape)}"
        )
    channels = values.shape[1]
    if values.size // channels < 2:
        raise ValueError(f"{func}: `x` needs at least 2 values per channel, as the forward does")
    gamma = (
        np.ones(channels) if weight is None else _channel_vector(weight, "weight", channels, func)
    )
    epsilon = as_number(eps, "eps", func)
    if epsilon <= 0:
        raise ValueError(f"{func}: `eps` must be > 0, got {eps!r}")
    axes = (0,) + tuple(range(2, values.ndim))
    shape = (1, channels) + (1,) * (values.ndim - 2)
    mean = values.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(values.var(axis=axes, keepdims=True) + epsilon)
    x_hat = (values - mean) * inv_std
    grad_bias = grad.sum(axis=axes)
    grad_weight = (grad * x_hat).sum(axis=axes)
    grad_x_hat_mean = grad.mean(axis=axes, keepdims=True)
    correlation = (grad * x_hat).mean(axis=axes, keepdims=True)
    grad_x = gamma.reshape(shape) * inv_std * (grad - grad_x_hat_mean - x_hat * correlation)
    return grad_x, grad_weight, grad_bias

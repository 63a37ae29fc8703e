"""ReLU, softmax and cross-entropy, and their backward passes (backpropagation)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_utils._validate import as_float_array

__all__ = [
    "relu",
    "relu_backward",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_backward",
]


def relu(x: ArrayLike) -> np.ndarray:
    """Rectified linear unit, max(0, x) elementwise (convolutions). Not a step function."""
    array = as_float_array(x, "x", "relu")
    return np.maximum(array, 0.0)


def relu_backward(grad_output: ArrayLike, x: ArrayLike) -> np.ndarray:
    """Gradient of `relu` with respect to its input `x` (backpropagation).

    The output gradient passes where `x > 0` and is stopped (0) where `x <= 0`; at exactly 0,
    where ReLU has no derivative, PyTorch also uses 0. Both arrays have the same shape; the
    result is float64.
    """
    array = as_float_array(x, "x", "relu_backward")
    grad = as_float_array(grad_output, "grad_output", "relu_backward")
    if grad.shape != array.shape:
        raise ValueError(
            f"relu_backward: `grad_output` must have the shape of `x` {tuple(array.shape)}, "
            f"got {tuple(grad.shape)}"
        )
    return grad.astype(np.float64) * (array > 0)


def _softmax_args(x, axis, func: str) -> tuple[np.ndarray, int]:
    """Validate a softmax input and axis; return the array and the axis as a non-negative int."""
    array = as_float_array(x, "x", func)
    if array.ndim == 0:
        raise ValueError(f"{func}: `x` must have at least 1 dimension, got a scalar")
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"{func}: `axis` must be an int, got {axis!r}")
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(
            f"{func}: `axis` {axis} is out of range for `x` with {array.ndim} dimensions "
            f"(valid: {-array.ndim} to {array.ndim - 1})"
        )
    if array.shape[int(axis)] == 0:
        raise ValueError(
            f"{func}: `x` has no values along `axis` {axis} (shape {tuple(array.shape)})"
        )
    return array, int(axis) % array.ndim


def softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`, like `torch.softmax(x, dim=axis)` (softmax).

    Stable for large inputs: subtracting the maximum first changes nothing mathematically
    (softmax is shift invariant) and keeps `exp` from overflowing.
    """
    array, axis = _softmax_args(x, axis, "softmax")
    shifted = array - array.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    """Log of the softmax along `axis`, like `torch.log_softmax(x, dim=axis)` (softmax).

    Computed as `x - max - log(sum(exp(x - max)))` (the log-sum-exp trick), never as
    `log(softmax(x))`, which gives `-inf` once a probability underflows to 0.
    """
    array, axis = _softmax_args(x, axis, "log_softmax")
    shifted = array - array.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _cross_entropy_args(logits, targets, func: str) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Float64 logits `(N, K)`, int targets `(N,)` and the logits' own shape; or raise."""
    scores = as_float_array(logits, "logits", func, (1, 2)).astype(np.float64)
    if scores.shape[-1] == 0 or scores.size == 0:
        raise ValueError(f"{func}: `logits` must hold at least one class, got shape {scores.shape}")
    if hasattr(targets, "detach") and hasattr(targets, "cpu"):  # a torch tensor
        targets = targets.detach().cpu().numpy()
    labels = np.asarray(targets)
    if not np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool:
        raise TypeError(
            f"{func}: `targets` must hold integer class indices, got dtype {labels.dtype}"
        )
    want = scores.shape[:-1]
    if labels.shape != want:
        raise ValueError(
            f"{func}: `targets` must have shape {want} (one class index per row of `logits` "
            f"{tuple(scores.shape)}), got {tuple(labels.shape)}"
        )
    classes = scores.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{func}: `targets` must be class indices in 0..{classes - 1}, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return scores.reshape(-1, classes), labels.reshape(-1), scores.shape


def cross_entropy(logits: ArrayLike, targets: ArrayLike) -> float:
    """Mean cross-entropy loss, like `torch.nn.functional.cross_entropy` (backpropagation).

    Args:
        logits: raw scores `(N, K)` for a batch, or `(K,)` for one example.
        targets: the true class of each example, integers `(N,)` (or a single int).

    Returns:
        `-mean(log_softmax(logits)[n, targets[n]])` over the batch, a Python float.
    """
    scores, labels, _ = _cross_entropy_args(logits, targets, "cross_entropy")
    log_probabilities = log_softmax(scores, axis=1)
    return float(-log_probabilities[np.arange(len(labels)), labels].mean())


def cross_entropy_backward(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    """Gradient of `cross_entropy` with respect to the logits (backpropagation).

    Softmax followed by the negative log of the true class has the simple gradient
    `p - y`: the predicted probabilities minus the one-hot target, divided by the batch size
    `N` because the loss is a mean. Same arguments as `cross_entropy`; the result has the shape
    of `logits`, float64.
    """
    scores, labels, shape = _cross_entropy_args(logits, targets, "cross_entropy_backward")
    one_hot = np.zeros_like(scores)
    one_hot[np.arange(len(labels)), labels] = 1.0
    grad = (softmax(scores, axis=1) - one_hot) / len(labels)
    return grad.reshape(shape)

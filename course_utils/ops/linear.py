"""A fully connected (linear) layer and its backward pass, in NumPy (softmax; backpropagation)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_utils._validate import as_float_array

__all__ = ["linear", "linear_backward"]


def _linear_args(x, weight, func: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Batched input `(N, in)` and weight `(out, in)`, or raise naming the argument."""
    array = as_float_array(x, "x", func, (1, 2))
    w = as_float_array(weight, "weight", func, (2,))
    if array.shape[-1] != w.shape[1]:
        raise ValueError(
            f"{func}: `weight` expects {w.shape[1]} input features (shape {tuple(w.shape)}), "
            f"but `x` has {array.shape[-1]} (shape {tuple(array.shape)})"
        )
    return (array[None], w, True) if array.ndim == 1 else (array, w, False)


def linear(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> np.ndarray:
    """Fully connected layer `x @ W.T + b`, like `torch.nn.functional.linear` (backpropagation).

    Args:
        x: one example `(in,)` or a batch `(N, in)`.
        weight: `(out, in)`, one row of weights per output.
        bias: optional `(out,)`.

    Returns:
        `(out,)` or `(N, out)`, matching the form of `x`.
    """
    array, w, added = _linear_args(x, weight, "linear")
    out = array @ w.T
    if bias is not None:
        b = as_float_array(bias, "bias", "linear", (1,))
        if b.shape[0] != w.shape[0]:
            raise ValueError(
                f"linear: `bias` must have one value per output ({w.shape[0]}), got {b.shape[0]}"
            )
        out = out + b
    return out[0] if added else out


def linear_backward(
    grad_output: ArrayLike, x: ArrayLike, weight: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `linear` with respect to its input, weight and bias (backpropagation).

    With `y = x @ W.T + b` and `g = dLoss/dy`: `grad_x = g @ W`, `grad_W = g.T @ x` (each
    weight collects input x output gradient, summed over the batch), `grad_b = g` summed over
    the batch.

    Args:
        grad_output: `(N, out)`, or `(out,)` for one example.
        x, weight: the forward's arguments.

    Returns:
        `(grad_x, grad_weight, grad_bias)` in float64, shaped like `x`, `weight` and `(out,)`.
    """
    func = "linear_backward"
    array, w, added = _linear_args(x, weight, func)
    grad = as_float_array(grad_output, "grad_output", func).astype(np.float64)
    want = (array.shape[0], w.shape[0])
    if grad.shape != (want[1:] if added else want):
        form = "(out,)" if added else "(N, out)"
        raise ValueError(
            f"{func}: `grad_output` must have shape {form} = {want[1:] if added else want}, "
            f"got {tuple(grad.shape)}"
        )
    grad = grad.reshape(want)
    grad_x = grad @ w
    grad_weight = grad.T @ array
    grad_bias = grad.sum(axis=0)
    return (grad_x[0] if added else grad_x), grad_weight, grad_bias

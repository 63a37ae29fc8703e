"""Max, average and global average pooling (pooling) and their backward passes (backpropagation)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_utils._validate import as_float_array, as_pair
from course_utils.ops._common import _batched, _grad_output, _pad, _unpad, _windows

__all__ = [
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "global_avg_pool2d",
]

Pair = int | tuple[int, int]


def _pool_args(x, kernel_size, stride, padding, func: str):
    """Validate pooling arguments the way PyTorch does; return the batched input and pairs."""
    array = as_float_array(x, "x", func, (3, 4))
    kernel = as_pair(kernel_size, "kernel_size", func)
    step = kernel if stride is None else as_pair(stride, "stride", func)
    pad = as_pair(padding, "padding", func, minimum=0)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"{func}: `padding` {pad} must be at most half of `kernel_size` {kernel}, as in PyTorch"
        )
    return array, kernel, step, pad


def _check_count_include_pad(value, func: str) -> None:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{func}: `count_include_pad` must be a bool, got {value!r}")


def max_pool2d(
    x: ArrayLike, kernel_size: Pair, stride: Pair | None = None, padding: Pair = 0
) -> np.ndarray:
    """Max pooling, the same computation as `torch.nn.functional.max_pool2d` (pooling).

    Args:
        x: image `(C, H, W)` or batch `(N, C, H, W)`; each channel is pooled on its own.
        kernel_size: window size, an int or `(kH, kW)`, each >= 1.
        stride: step between windows, an int or `(sH, sW)`; `None` (default) means `kernel_size`.
        padding: border added on every side, an int or `(pH, pW)`, each at most half the window.
            Padded cells hold `-inf`, so they never win the max.

    Returns:
        `(C, oH, oW)` or `(N, C, oH, oW)`, with `o = (size + 2 * padding - kernel) // stride + 1`.
    """
    array, kernel, step, pad = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    batch, added = _batched(array)
    windows = _windows(_pad(batch, pad, -np.inf), kernel, step, "max_pool2d")
    out = windows.max(axis=(-2, -1))
    return out[0] if added else out


def _scatter_to_windows(
    grad_padded: np.ndarray, values: np.ndarray, offset: tuple[int, int], step: tuple[int, int]
) -> None:
    """Add `values` (N, C, oH, oW) to the cell at `offset` inside every window, in place."""
    (di, dj), (sh, sw) = offset, step
    oh, ow = values.shape[2:]
    grad_padded[:, :, di : di + sh * (oh - 1) + 1 : sh, dj : dj + sw * (ow - 1) + 1 : sw] += values


def max_pool2d_backward(
    grad_output: ArrayLike,
    x: ArrayLike,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
) -> np.ndarray:
    """Gradient of `max_pool2d` with respect to its input `x` (backpropagation).

    Each output's gradient goes, whole, to the one input cell that won its window's max; every
    other cell of the window gets nothing from that window. Windows that overlap (stride smaller
    than the window) add up. On a tie the first maximum in reading order (row by row) wins, as
    PyTorch does on the CPU (its GPU kernels may pick another of the tied cells).

    Args:
        grad_output: dLoss/dOutput, `(N, C, oH, oW)`, or `(C, oH, oW)` for one image.
        x, kernel_size, stride, padding: the arguments the forward `max_pool2d` was called with.

    Returns:
        The gradient with respect to `x`, same shape, float64.
    """
    func = "max_pool2d_backward"
    array, kernel, step, pad = _pool_args(x, kernel_size, stride, padding, func)
    batch, added = _batched(array.astype(np.float64))
    padded = _pad(batch, pad, -np.inf)
    windows = _windows(padded, kernel, step, func)
    form = "(N, C, H_out, W_out)"
    grad = _grad_output(grad_output, windows.shape[:4], not added, func, form)

    # Position of the winner inside each window, counted row by row: 0 .. kH * kW - 1.
    winner = windows.reshape(windows.shape[:4] + (-1,)).argmax(axis=-1)
    grad_padded = np.zeros_like(padded)
    for di in range(kernel[0]):
        for dj in range(kernel[1]):
            won_here = winner == di * kernel[1] + dj
            _scatter_to_windows(grad_padded, grad * won_here, (di, dj), step)
    grad_x = _unpad(grad_padded, pad)
    return grad_x[0] if added else grad_x


def _divisors(shape, kernel, step, pad, count_include_pad: bool, func: str) -> np.ndarray | float:
    """What each average-pooling window is divided by: kH * kW, or its number of real cells."""
    if count_include_pad:
        return float(kernel[0] * kernel[1])
    ones = _pad(np.ones((1, 1) + tuple(shape[2:])), pad, 0.0)
    return _windows(ones, kernel, step, func).sum(axis=(-2, -1))


def avg_pool2d(
    x: ArrayLike,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Average pooling, the same computation as `torch.nn.functional.avg_pool2d` (pooling).

    Arguments as in `max_pool2d`; padded cells hold 0. With `count_include_pad=True` (PyTorch's
    default) every window is divided by `kH * kW`; with `False`, by its number of real cells.
    """
    array, kernel, step, pad = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    _check_count_include_pad(count_include_pad, "avg_pool2d")
    batch, added = _batched(array)
    windows = _windows(_pad(batch, pad, 0.0), kernel, step, "avg_pool2d")
    sums = windows.sum(axis=(-2, -1))
    out = sums / _divisors(batch.shape, kernel, step, pad, count_include_pad, "avg_pool2d")
    out = out.astype(array.dtype, copy=False)
    return out[0] if added else out


def avg_pool2d_backward(
    grad_output: ArrayLike,
    x: ArrayLike,
    kernel_size: Pair,
    stride: Pair | None = None,
    padding: Pair = 0,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Gradient of `avg_pool2d` with respect to its input `x` (backpropagation).

    Each output is a sum of its window divided by a count, so its gradient is shared out
    equally: every cell of the window gets `grad / count`. Overlapping windows add up; the share
    that falls on padded cells is dropped.

    Args:
        grad_output: dLoss/dOutput, `(N, C, oH, oW)`, or `(C, oH, oW)` for one image.
        x, kernel_size, stride, padding, count_include_pad: the forward's arguments.

    Returns:
        The gradient with respect to `x`, same shape, float64.
    """
    func = "avg_pool2d_backward"
    array, kernel, step, pad = _pool_args(x, kernel_size, stride, padding, func)
    _check_count_include_pad(count_include_pad, func)
    batch, added = _batched(array)
    padded = _pad(np.zeros(batch.shape), pad, 0.0)
    windows = _windows(padded, kernel, step, func)
    form = "(N, C, H_out, W_out)"
    grad = _grad_output(grad_output, windows.shape[:4], not added, func, form)

    share = grad / _divisors(batch.shape, kernel, step, pad, count_include_pad, func)
    for di in range(kernel[0]):
        for dj in range(kernel[1]):
            _scatter_to_windows(padded, share, (di, dj), step)
    grad_x = _unpad(padded, pad)
    return grad_x[0] if added else grad_x


def global_avg_pool2d(x: ArrayLike) -> np.ndarray:
    """Mean of each channel over all positions, like `adaptive_avg_pool2d(x, 1)` (pooling).

    `(C, H, W)` gives `(C, 1, 1)`; `(N, C, H, W)` gives `(N, C, 1, 1)`.
    """
    array = as_float_array(x, "x", "global_avg_pool2d", (3, 4))
    if array.shape[-1] == 0 or array.shape[-2] == 0:
        raise ValueError(
            f"global_avg_pool2d: `x` has an empty spatial size, shape {tuple(array.shape)}"
        )
    return array.mean(axis=(-2, -1), keepdims=True)

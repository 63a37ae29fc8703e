"""Helpers shared by the NumPy reference layers: the output-size formula, padding, windows."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils._validate import as_float_array


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial output size of a convolution or pooling window (convolutions)."""
    for name, value, minimum in (
        ("size", size, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
    ):
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise TypeError(f"output_size: `{name}` must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"output_size: `{name}` must be >= {minimum}, got {value}")
    if kernel > size + 2 * padding:
        raise ValueError(
            f"output_size: `kernel` ({kernel}) is larger than the padded input "
            f"({size + 2 * padding})"
        )
    return (size + 2 * padding - kernel) // stride + 1


def _batched(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """Add a batch axis to a single (C, H, W) image; report whether one was added."""
    return (x[None], True) if x.ndim == 3 else (x, False)


def _pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _unpad(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Drop the border that `_pad` added: the gradient of the padded cells goes nowhere."""
    ph, pw = padding
    return x[:, :, ph : x.shape[2] - ph, pw : x.shape[3] - pw]


def _windows(
    x: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    func: str,
    arg: str = "kernel_size",
) -> np.ndarray:
    """All kernel-sized windows of a padded (N, C, H, W) array: shape (N, C, oh, ow, kh, kw)."""
    kh, kw = kernel
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(
            f"{func}: `{arg}` {kernel} is larger than the padded input {tuple(x.shape[2:])}"
        )
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))
    return windows[:, :, :: stride[0], :: stride[1]]


def _grad_output(
    grad_output, expected: tuple[int, ...], batched: bool, func: str, form: str
) -> np.ndarray:
    """`grad_output` as float64 of shape `expected` (batched form), or raise naming it.

    `form` spells the expected shape in symbols, e.g. "(N, C_out, H_out, W_out)"; an unbatched
    input expects the same shape without its leading batch axis.
    """
    grad = as_float_array(grad_output, "grad_output", func).astype(np.float64)
    want = expected if batched else expected[1:]
    if not batched:
        form = "(" + form[1:].split(", ", 1)[1]
    if tuple(grad.shape) != tuple(want):
        raise ValueError(
            f"{func}: `grad_output` must have shape {form} = {tuple(want)}, got {tuple(grad.shape)}"
        )
    return grad if batched else grad[None]

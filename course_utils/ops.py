"""NumPy reference layers with exactly the meaning of their `torch.nn.functional` twins.

Every function takes and returns NumPy arrays. Inputs are `(C, H, W)` for one image or
`(N, C, H, W)` for a batch; the output keeps the same form. Output sizes use floor
division, as PyTorch does: ``out = (size + 2 * padding - kernel) // stride + 1``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils._validate import as_float_array, as_pair



def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial output size of a convolution or pooling window (chapter 01)."""
    for name, value, minimum in (("size", size, 1), ("kernel", kernel, 1), ("stride", stride, 1),
                                 ("padding", padding, 0)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise TypeError(f"output_size: `{name}` must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"output_size: `{name}` must be >= {minimum}, got {value}")
    if kernel > size + 2 * padding:
        raise ValueError(
            f"output_size: `kernel` ({kernel}) is larger than the padded input ({size + 2 * padding})"
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


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], func: str,
             arg: str = "kernel_size") -> np.ndarray:
    """All kernel-sized windows of a padded (N, C, H, W) array: shape (N, C, oh, ow, kh, kw)."""
    kh, kw = kernel
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(
            f"{func}: `{arg}` {kernel} is larger than the padded input {tuple(x.shape[2:])}"
        )
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))
    return windows[:, :, :: stride[0], :: stride[1]]


def conv2d(input, weight, bias=None, stride=1, padding=0) -> np.ndarray:
    """2-D cross-correlation, the same computation as `torch.nn.functional.conv2d` (chapter 01).

    Args:
        input: image `(C_in, H, W)` or batch `(N, C_in, H, W)`.
        weight: kernels `(C_out, C_in, kH, kW)`.
        bias: optional `(C_out,)`, added to every position of each output channel.
        stride: step between windows, an int or `(sH, sW)`, each >= 1.
        padding: zeros added on every side, an int or `(pH, pW)`, each >= 0.

    Returns:
        `(C_out, oH, oW)` or `(N, C_out, oH, oW)`, matching the form of `input`.
    """
    x = as_float_array(input, "input", (3, 4), "conv2d")
    w = as_float_array(weight, "weight", (4,), "conv2d")
    stride = as_pair(stride, "stride", 1, "conv2d")
    padding = as_pair(padding, "padding", 0, "conv2d")
    x, added = _batched(x)
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"conv2d: `weight` expects {w.shape[1]} input channels (shape {tuple(w.shape)}), "
            f"but `input` has {x.shape[1]} (shape {tuple(x.shape)})"
        )
    if bias is not None:
        b = as_float_array(bias, "bias", (1,), "conv2d")
        if b.shape[0] != w.shape[0]:
            raise ValueError(
                f"conv2d: `bias` must have one value per output channel ({w.shape[0]}), got {b.shape[0]}"
            )
    windows = _windows(_pad(x, padding), w.shape[2:], stride, "conv2d", arg="weight")
    # Sum over input channels and the kernel window: (N, C, oh, ow, kh, kw) x (O, C, kh, kw).
    out = np.einsum("nchwij,ocij->nohw", windows, w, optimize=True)
    if bias is not None:
        out = out + b[None, :, None, None]
    return out[0] if added else out


def relu(x) -> np.ndarray:
    """Rectified linear unit, max(0, x) elementwise (chapter 01). Not a step function."""
    array = as_float_array(x, "x", None, "relu")
    return np.maximum(array, 0.0)

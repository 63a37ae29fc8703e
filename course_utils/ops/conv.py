"""2-D convolution (convolutions) and its backward pass (backpropagation), in NumPy."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course_utils._validate import as_float_array, as_pair
from course_utils.ops._common import _batched, _grad_output, _pad, _unpad, _windows

__all__ = ["conv2d", "conv2d_backward"]


def _conv_args(input, weight, stride, padding, func: str):
    """Validate convolution arguments; return the batched input, weight, pairs and a flag."""
    x = as_float_array(input, "input", func, (3, 4))
    w = as_float_array(weight, "weight", func, (4,))
    stride = as_pair(stride, "stride", func)
    padding = as_pair(padding, "padding", func, minimum=0)
    x, added = _batched(x)
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"{func}: `weight` expects {w.shape[1]} input channels (shape {tuple(w.shape)}), "
            f"but `input` has {x.shape[1]} (shape {tuple(x.shape)})"
        )
    return x, w, stride, padding, added


def conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """2-D cross-correlation, the same computation as `torch.nn.functional.conv2d` (convolutions).

    Args:
        input: image `(C_in, H, W)` or batch `(N, C_in, H, W)`.
        weight: kernels `(C_out, C_in, kH, kW)`.
        bias: optional `(C_out,)`, added to every position of each output channel.
        stride: step between windows, an int or `(sH, sW)`, each >= 1.
        padding: zeros added on every side, an int or `(pH, pW)`, each >= 0.

    Returns:
        `(C_out, oH, oW)` or `(N, C_out, oH, oW)`, matching the form of `input`.
    """
    x, w, stride, padding, added = _conv_args(input, weight, stride, padding, "conv2d")
    if bias is not None:
        b = as_float_array(bias, "bias", "conv2d", (1,))
        if b.shape[0] != w.shape[0]:
            raise ValueError(
                f"conv2d: `bias` must have one value per output channel ({w.shape[0]}), "
                f"got {b.shape[0]}"
            )
    windows = _windows(_pad(x, padding), w.shape[2:], stride, "conv2d", arg="weight")
    # Sum over input channels and the kernel window: (N, C, oh, ow, kh, kw) x (O, C, kh, kw).
    out = np.einsum("nchwij,ocij->nohw", windows, w, optimize=True)
    if bias is not None:
        out = out + b[None, :, None, None]
    return out[0] if added else out


def _dilate(grad: np.ndarray, stride: tuple[int, int]) -> np.ndarray:
    """Put `stride - 1` zeros between neighbouring gradient values (the positions skipped)."""
    n, c, oh, ow = grad.shape
    dilated = np.zeros((n, c, (oh - 1) * stride[0] + 1, (ow - 1) * stride[1] + 1))
    dilated[:, :, :: stride[0], :: stride[1]] = grad
    return dilated


def conv2d_backward(
    grad_output: ArrayLike,
    input: ArrayLike,
    weight: ArrayLike,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `conv2d` with respect to its input, weight and bias (backpropagation).

    Args:
        grad_output: dLoss/dOutput, `(N, C_out, oH, oW)`, or `(C_out, oH, oW)` for one image.
        input, weight, stride, padding: the arguments the forward `conv2d` was called with.

    Returns:
        `(grad_input, grad_weight, grad_bias)` in float64, shaped like `input`, `weight` and
        `(C_out,)`. The three rules:

        - grad_bias: the output gradient summed over the batch and every position.
        - grad_weight: a correlation of the (padded) input with the output gradient; each kernel
          entry collects input value x output gradient over every position it touched.
        - grad_input: a *full* convolution of the output gradient (with `stride - 1` zeros put
          between its values) with the kernel flipped left-right and up-down, input and output
          channels swapped; what `torch.nn.functional.conv_transpose2d` computes. Rows and
          columns that no window reached (when `(H + 2p - kH) % sH != 0`) get gradient 0, and
          the padding border is cut off.
    """
    func = "conv2d_backward"
    x, w, stride, padding, added = _conv_args(input, weight, stride, padding, func)
    x, w = x.astype(np.float64), w.astype(np.float64)
    padded = _pad(x, padding)
    windows = _windows(padded, w.shape[2:], stride, func, arg="weight")
    n, _, oh, ow = windows.shape[:4]
    form = "(N, C_out, H_out, W_out)"
    grad = _grad_output(grad_output, (n, w.shape[0], oh, ow), not added, func, form)

    grad_bias = grad.sum(axis=(0, 2, 3))
    grad_weight = np.einsum("nchwij,nohw->ocij", windows, grad, optimize=True)

    kh, kw = w.shape[2:]
    full = _pad(_dilate(grad, stride), (kh - 1, kw - 1))  # zeros all round: a full convolution
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_in, C_out, kH, kW)
    reached = conv2d(full, flipped)  # gradient of every padded-input cell a window touched
    grad_padded = np.zeros_like(padded)
    grad_padded[:, :, : reached.shape[2], : reached.shape[3]] = reached
    grad_input = _unpad(grad_padded, padding)
    return (grad_input[0] if added else grad_input), grad_weight, grad_bias

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


# --- Chapters 02-03: pooling and softmax ----------------------------------------------------


def _pool_args(x, kernel_size, stride, padding, func: str):
    """Validate pooling arguments the way PyTorch does; return the batched input and pairs."""
    array = as_float_array(x, "x", (3, 4), func)
    kernel = as_pair(kernel_size, "kernel_size", 1, func)
    step = kernel if stride is None else as_pair(stride, "stride", 1, func)
    pad = as_pair(padding, "padding", 0, func)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"{func}: `padding` {pad} must be at most half of `kernel_size` {kernel}, as in PyTorch"
        )
    return array, kernel, step, pad


def max_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Max pooling, the same computation as `torch.nn.functional.max_pool2d` (chapter 02).

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


def avg_pool2d(
    x, kernel_size, stride=None, padding=0, count_include_pad: bool = True
) -> np.ndarray:
    """Average pooling, the same computation as `torch.nn.functional.avg_pool2d` (chapter 02).

    Arguments as in `max_pool2d`; padded cells hold 0. With `count_include_pad=True` (PyTorch's
    default) every window is divided by `kH * kW`; with `False`, by its number of real cells.
    """
    array, kernel, step, pad = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    if not isinstance(count_include_pad, bool | np.bool_):
        raise TypeError(
            f"avg_pool2d: `count_include_pad` must be a bool, got {count_include_pad!r}"
        )
    batch, added = _batched(array)
    windows = _windows(_pad(batch, pad, 0.0), kernel, step, "avg_pool2d")
    sums = windows.sum(axis=(-2, -1))
    if count_include_pad:
        out = sums / (kernel[0] * kernel[1])
    else:
        ones = _pad(np.ones((1, 1) + batch.shape[2:]), pad, 0.0)
        counts = _windows(ones, kernel, step, "avg_pool2d").sum(axis=(-2, -1))
        out = sums / counts
    out = out.astype(array.dtype, copy=False)
    return out[0] if added else out


def global_avg_pool2d(x) -> np.ndarray:
    """Mean of each channel over all positions, like `adaptive_avg_pool2d(x, 1)` (chapter 02).

    `(C, H, W)` gives `(C, 1, 1)`; `(N, C, H, W)` gives `(N, C, 1, 1)`.
    """
    array = as_float_array(x, "x", (3, 4), "global_avg_pool2d")
    if array.shape[-1] == 0 or array.shape[-2] == 0:
        raise ValueError(
            f"global_avg_pool2d: `x` has an empty spatial size, shape {tuple(array.shape)}"
        )
    return array.mean(axis=(-2, -1), keepdims=True)


def _softmax_args(x, axis, func: str) -> tuple[np.ndarray, int]:
    """Validate a softmax input and axis; return the array and the axis as a non-negative int."""
    array = as_float_array(x, "x", None, func)
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


def softmax(x, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`, like `torch.softmax(x, dim=axis)`, stable for large inputs (chapter 03).

    Subtracting the maximum first changes nothing mathematically (softmax is shift invariant)
    and keeps `exp` from overflowing.
    """
    array, axis = _softmax_args(x, axis, "softmax")
    shifted = array - array.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1) -> np.ndarray:
    """Log of the softmax along `axis`, like `torch.log_softmax(x, dim=axis)` (chapter 03).

    Computed as `x - max - log(sum(exp(x - max)))` (the log-sum-exp trick), never as
    `log(softmax(x))`, which gives `-inf` once a probability underflows to 0.
    """
    array, axis = _softmax_args(x, axis, "log_softmax")
    shifted = array - array.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# --- Chapter 04: dropout and batch normalization ----------------------------------------------


def dropout(
    x, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> np.ndarray:
    """Inverted dropout, the meaning of `torch.nn.functional.dropout` (chapter 04).

    In training, each value is zeroed with probability `p` and every survivor is multiplied by
    `1 / (1 - p)`, so the expected value of each output equals its input. With
    `training=False` the input comes back unchanged (a copy). The random mask comes from
    `generator` (a seeded `numpy.random.Generator`), or from NumPy's global generator when it
    is `None`. PyTorch draws its masks differently, so only the distributions agree, not the
    individual masks.
    """
    array = as_float_array(x, "x", None, "dropout")
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"dropout: `p` must be a number in [0, 1), got {p!r}")
    if not 0.0 <= float(p) < 1.0:
        raise ValueError(f"dropout: `p` must be in [0, 1), got {p!r}")
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"dropout: `training` must be a bool, got {training!r}")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"dropout: `generator` must be a numpy.random.Generator or None, got {type(generator).__name__}"
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


def _channel_vector(value, name: str, channels: int) -> np.ndarray:
    """A per-channel vector of length `channels`, or raise naming `name`."""
    vector = as_float_array(value, name, (1,), "batch_norm")
    if vector.shape[0] != channels:
        raise ValueError(
            f"batch_norm: `{name}` must have one value per channel ({channels}), got shape {tuple(vector.shape)}"
        )
    return vector


def batch_norm(
    x,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Batch normalization with the meaning of `torch.nn.functional.batch_norm` (chapter 04).

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
    array = as_float_array(x, "x", (2, 3, 4), "batch_norm")
    channels = array.shape[1]
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"batch_norm: `training` must be a bool, got {training!r}")
    for name, value in (("momentum", momentum), ("eps", eps)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"batch_norm: `{name}` must be a number, got {value!r}")
    if not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"batch_norm: `momentum` must be in [0, 1], got {momentum!r}")
    if not float(eps) > 0.0:
        raise ValueError(f"batch_norm: `eps` must be > 0, got {eps!r}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both `running_mean` and `running_var`, or neither")
    if running_mean is None and not training:
        raise ValueError(
            "batch_norm: `running_mean` and `running_var` are needed when training=False"
        )
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
        count = array.size // channels
        if count < 2:
            raise ValueError(
                f"batch_norm: `x` of shape {tuple(array.shape)} has 1 value per channel; "
                "training mode needs at least 2 to estimate a variance"
            )
        mean = values.mean(axis=axes)
        var = values.var(axis=axes)  # biased: divides by count, used to normalise
        if mean_r is not None:
            m = float(momentum)
            new_mean = ((1 - m) * mean_r + m * mean).astype(mean_r.dtype)
            new_var = ((1 - m) * var_r + m * var * count / (count - 1)).astype(var_r.dtype)
        else:
            new_mean = new_var = None
    else:
        mean, var = mean_r.astype(np.float64), var_r.astype(np.float64)
        new_mean, new_var = mean_r.copy(), var_r.copy()
    normalised = (values - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + float(eps))
    out = normalised * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(array.dtype, copy=False), new_mean, new_var

"""Argument checks for every course_utils function: clear errors in the caller's terms.

Every check takes `(value, name, func, ...options)`: the value, the argument's name and the
public function the learner called. Every message starts with that function's name and names
the argument in backticks, for example "fit: `epochs` must be >= 1, got 0". Each check returns
the value in the form the caller needs (a float, an int, a pair, an array, a device, a module,
an image batch, one class index per image).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = [
    "where",
    "as_number",
    "as_int",
    "as_probability",
    "as_bool",
    "as_path",
    "as_module",
    "as_submodule",
    "as_float_array",
    "as_pair",
    "as_device",
    "as_generator",
    "as_unit_pixels",
    "require_finite",
    "as_callable",
    "as_image_batch",
    "as_model_input",
    "as_targets",
    "require_class_scores",
    "DEVICES",
]

DEVICES = ("cpu", "cuda", "mps")
"""The device types the course runs on: what `as_device`, `setup` and `pick_device` accept."""

_NUMBER = int | float | np.integer | np.floating


def where(func: str) -> str:
    """The start of an error message: "func: " (nothing when `func` is empty)."""
    return f"{func}: " if func else ""


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def as_number(value: object, name: str, func: str) -> float:
    """`value` as a finite float, or a TypeError (not a number) / ValueError (NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise TypeError(f"{where(func)}`{name}` must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where(func)}`{name}` must be finite, got {value}")
    return value


def as_int(
    value: object, name: str, func: str, minimum: int | None = None, not_int: type = TypeError
) -> int:
    """`value` as an int that is at least `minimum`; else `not_int` or a ValueError naming it.

    `not_int` is the error for a value that is not an int (a TypeError, or a ValueError where a
    function has always reported every bad value as a ValueError).
    """
    if not _is_int(value):
        raise not_int(f"{where(func)}`{name}` must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where(func)}`{name}` must be >= {minimum}, got {value}")
    return int(value)


def as_probability(value: object, name: str, func: str) -> float:
    """`value` as a float in [0, 1) (a dropout rate): a TypeError if it is not a number (a str
    such as '0.5' included), a ValueError naming `name` if it is outside [0, 1) or NaN."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise TypeError(
            f"{where(func)}`{name}` must be a probability in [0, 1) (a number), got {value!r}"
        )
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where(func)}`{name}` must be a probability in [0, 1), got {value!r}")
    return float(value)


def as_bool(value: object, name: str, func: str) -> bool:
    """`value` if it is True or False, else a TypeError naming `name`."""
    if not isinstance(value, bool):
        raise TypeError(f"{where(func)}`{name}` must be True or False, got {value!r}")
    return value


def as_path(value: object, name: str, func: str) -> Path:
    """`value` (a str or a path-like object) as a `Path`, else a TypeError naming `name`."""
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{where(func)}`{name}` must be a str or Path, got {type(value).__name__}")
    return Path(value)


def as_module(value: object, name: str, func: str) -> nn.Module:
    """`value` if it is a `torch.nn.Module`, else a TypeError naming `name`.

    For functions that train, save or load a model, which need its parameters. Functions that
    only call a model (the attribution methods) accept any callable instead.
    """
    if not isinstance(value, nn.Module):
        raise TypeError(
            f"{where(func)}`{name}` must be a torch.nn.Module, got {type(value).__name__}"
        )
    return value


def as_float_array(
    value: object, name: str, func: str, ndims: Sequence[int] | None = None
) -> np.ndarray:
    """Return `value` as a float NumPy array, or raise a TypeError/ValueError naming `name`."""
    prefix = where(func)
    if value is None:
        raise TypeError(f"{prefix}`{name}` must be an array, got None")
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{prefix}`{name}` must be array-like, got {type(value).__name__}") from exc
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{prefix}`{name}` must hold real numbers, got dtype {array.dtype}")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{prefix}`{name}` must hold numbers, got dtype {array.dtype}")
    if ndims is not None and array.ndim not in ndims:
        expected = " or ".join(str(n) for n in ndims)
        raise ValueError(
            f"{prefix}`{name}` must have {expected} dimensions, got shape {tuple(array.shape)}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def as_pair(value: object, name: str, func: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints as a pair, each at least `minimum`; else raise naming `name`."""
    prefix = where(func)
    if _is_int(value):
        pair = (value, value)
    elif isinstance(value, tuple | list):
        pair = tuple(value)
    else:
        raise TypeError(f"{prefix}`{name}` must be an int or a pair of ints, got {value!r}")
    if len(pair) != 2 or not all(_is_int(v) for v in pair):
        raise TypeError(f"{prefix}`{name}` must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{prefix}`{name}` must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def as_device(value: object, name: str, func: str) -> torch.device:
    """`value` (a name like 'cpu' or a torch.device) as a torch.device that exists here."""
    if isinstance(value, torch.device):
        device = value
    elif isinstance(value, str):
        try:
            device = torch.device(value)
        except RuntimeError:
            raise ValueError(
                f"{func}: `{name}` must be a device name like 'cpu' or 'cuda', got {value!r}"
            ) from None
    else:
        raise TypeError(
            f"{func}: `{name}` must be a torch.device or a name like 'cpu', got {value!r}"
        )
    if device.type not in DEVICES:
        raise ValueError(f"{func}: `{name}` must be 'cpu', 'cuda' or 'mps', got {value!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{func}: `{name}` is {value!r} but CUDA is not available on this machine "
            "(no usable GPU); use 'cpu'"
        )
    if device.type == "cuda" and device.index is not None:
        if device.index >= torch.cuda.device_count():
            raise ValueError(
                f"{func}: `{name}` is {value!r} but there are only {torch.cuda.device_count()} GPUs"
            )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{func}: `{name}` is {value!r} but MPS (Apple GPU) is not available here; use 'cpu'"
        )
    return device


def as_submodule(value: nn.Module | str, name: str, func: str, model: nn.Module) -> nn.Module:
    """`value`, a submodule of `model` or its name, as the submodule (a layer to look inside)."""
    modules = dict(model.named_modules())
    if isinstance(value, str):
        if not value or value not in modules:
            names = ", ".join(repr(n) for n in modules if n)
            raise ValueError(
                f"{func}: `{name}` {value!r} is not a submodule of the model; "
                f"its submodules are {names}"
            )
        return modules[value]
    if isinstance(value, nn.Module):
        if not any(m is value for m in modules.values()):
            raise ValueError(f"{func}: `{name}` is not a submodule of `model`")
        return value
    raise TypeError(
        f"{func}: `{name}` must be an nn.Module or its name, got {type(value).__name__}"
    )


def as_generator(value: object, name: str, func: str) -> torch.Generator | None:
    """`value` if it is a `torch.Generator` or None, else a TypeError naming `name`.

    A seed (an int) is refused with the line that makes a generator from it.
    """
    if value is None or isinstance(value, torch.Generator):
        return value
    hint = f"; for a seed use torch.Generator().manual_seed({value})" if _is_int(value) else ""
    raise TypeError(f"{where(func)}`{name}` must be a torch.Generator or None, got {value!r}{hint}")


def require_finite(array: np.ndarray, name: str, func: str) -> np.ndarray:
    """`array` if every value is finite, else a ValueError naming `name` (NaN, inf)."""
    if array.size and not np.isfinite(array).all():
        what = "only NaN" if np.isnan(array).all() else "NaN or infinite values"
        raise ValueError(f"{where(func)}`{name}` contains {what}")
    return array


def as_unit_pixels(array: np.ndarray, name: str, func: str) -> np.ndarray:
    """Pixel values as floats in [0, 1] (float32; float64 kept): one policy for every image.

    Booleans are 0 or 1. Integers of any type are 0-255 pixel values (uint8, as torchvision
    reads them; other integer types the same), divided by 255; values outside 0-255 are a
    ValueError. Floats must lie in [0, 1] (a ValueError otherwise, for example 0-255 floats);
    NaN or infinite values are a ValueError; complex numbers a TypeError.
    """
    array = np.asarray(array)
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError(
                f"{where(func)}integer `{name}` must hold 0-255 pixel values, got values in "
                f"[{array.min()}, {array.max()}]"
            )
        return array.astype(np.float32) / 255.0
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{where(func)}`{name}` must hold real numbers, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"{where(func)}`{name}` must hold numbers, got dtype {array.dtype}")
    array = require_finite(array.astype(np.result_type(array.dtype, np.float32)), name, func)
    if array.size and (array.min() < -1e-3 or array.max() > 1 + 1e-3):
        raise ValueError(
            f"{where(func)}float `{name}` must lie in [0, 1], got values in "
            f"[{array.min():.3g}, {array.max():.3g}] (divide 0-255 values by 255)"
        )
    return np.clip(array, 0.0, 1.0)


# --- models and image batches: what the functions that look inside a network accept ----------


def as_callable(value: object, name: str, func: str) -> object:
    """`value` if it can be called like a model (an nn.Module or a function), else a TypeError."""
    if not callable(value):
        raise TypeError(
            f"{func}: `{name}` must be a callable such as an nn.Module, got {type(value).__name__}"
        )
    return value


def as_image_batch(
    value: object, name: str, func: str, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """`value` (N, C, H, W) as a float tensor: integers are 0-255 pixels; floats in `dtype`."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{func}: `{name}` must be a torch.Tensor of shape (N, C, H, W), "
            f"got {type(value).__name__}"
        )
    if value.ndim != 4:
        raise ValueError(
            f"{func}: `{name}` must have shape (N, C, H, W), got shape {tuple(value.shape)}; "
            f"for one image use {name}[None]"
        )
    if value.shape[0] == 0:
        raise ValueError(f"{func}: `{name}` holds no images (batch size 0)")
    if value.is_complex():
        raise TypeError(f"{func}: `{name}` must hold real numbers, got dtype {value.dtype}")
    if value.dtype == torch.bool:
        raise TypeError(f"{func}: `{name}` must hold pixel values, got dtype torch.bool")
    if not torch.is_floating_point(value):  # integer pixels: 0-255, as uint8 images are stored
        low, high = int(value.min()), int(value.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{func}: integer `{name}` must hold 0-255 pixel values, got values in "
                f"[{low}, {high}]; pass floats for other ranges"
            )
        value = value.to(dtype or torch.float32) / 255.0
    elif dtype is not None and value.dtype != dtype:
        raise TypeError(
            f"{func}: `{name}` has dtype {value.dtype} but the model's weights are {dtype}; "
            f"convert it with {name}.to({dtype})"
        )
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    return value


def as_model_input(value: object, name: str, func: str, model: object = None) -> torch.Tensor:
    """`value` as a detached image batch on `model`'s device and in its dtype (`as_image_batch`)."""
    parameter = next(model.parameters(), None) if isinstance(model, nn.Module) else None
    x = as_image_batch(value, name, func, None if parameter is None else parameter.dtype)
    if parameter is not None and parameter.device != x.device:
        x = x.to(parameter.device)
    return x.detach()


def as_targets(value: object, name: str, func: str, batch_size: int) -> torch.Tensor:
    """`value` (an int, or one int per image) as an int64 tensor of length `batch_size`."""
    if isinstance(value, bool | str | bytes) or value is None:
        raise TypeError(f"{func}: `{name}` must be an int or a sequence of ints, got {value!r}")
    if _is_int(value):
        return torch.full((batch_size,), int(value), dtype=torch.int64)
    if isinstance(value, torch.Tensor):
        values = value.detach().cpu()
    elif isinstance(value, Sequence | np.ndarray):
        array = np.asarray(value)
        if not (
            np.issubdtype(array.dtype, np.integer)
            or np.issubdtype(array.dtype, np.floating)
            or array.dtype == bool
        ):
            raise TypeError(f"{func}: `{name}` must hold integers, one per image, got {value!r}")
        values = torch.as_tensor(array)
    else:
        raise TypeError(
            f"{func}: `{name}` must be an int or a sequence of ints, got {type(value).__name__}"
        )
    if values.ndim == 0:
        values = values.reshape(1).expand(batch_size)
    if values.dtype.is_floating_point or values.dtype == torch.bool or values.ndim != 1:
        raise TypeError(
            f"{func}: `{name}` must hold integers, one per image, got {values.dtype} "
            f"with shape {tuple(values.shape)}"
        )
    if len(values) != batch_size:
        raise ValueError(
            f"{func}: `{name}` has {len(values)} entries but `x` holds {batch_size} images"
        )
    return values.to(torch.int64)


def require_class_scores(
    value: torch.Tensor, name: str, func: str, scores: torch.Tensor
) -> torch.Tensor:
    """`value` (class indices, from `as_targets`) if the model's `scores` have one per class.

    The scores must be (N, classes) and every index in 0..classes-1, else a ValueError.
    """
    if scores.ndim != 2:
        raise ValueError(
            f"{func}: the model must return scores of shape (N, classes), "
            f"got shape {tuple(scores.shape)}"
        )
    classes = scores.shape[1]
    bad = (value < 0) | (value >= classes)
    if bool(bad.any()):
        raise ValueError(
            f"{func}: `{name}` must be in 0..{classes - 1} (the model has {classes} "
            f"outputs), got {value[bad][0].item()}"
        )
    return value

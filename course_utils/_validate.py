"""Input checks shared by course_utils functions: clear errors that name the argument.

Every message starts with the function's name and names the argument in backticks, for
example "fit: `epochs` must be >= 1, got 0". Each check returns the value in the form the
caller needs (a float, an int, a pair, an array, a device, a module).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported only when a check needs it: ops.py is NumPy only
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


def as_module(value: object, func: str, name: str = "model") -> nn.Module:
    """`value` if it is a `torch.nn.Module`, else a TypeError naming `name`.

    For functions that train, save or load a model, which need its parameters. Functions that
    only call a model (the attribution methods) accept any callable instead.
    """
    from torch import nn

    if not isinstance(value, nn.Module):
        raise TypeError(
            f"{where(func)}`{name}` must be a torch.nn.Module, got {type(value).__name__}"
        )
    return value


def as_float_array(
    value: object, name: str, ndims: Sequence[int] | None = None, func: str = ""
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


def as_pair(value: object, name: str, minimum: int, func: str = "") -> tuple[int, int]:
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


def as_device(value: object, func: str, name: str = "device") -> torch.device:
    """`value` (a name like 'cpu' or a torch.device) as a torch.device that exists here."""
    import torch

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


def as_submodule(model: nn.Module, layer: nn.Module | str, func: str) -> nn.Module:
    """`layer`, a submodule of `model` or its name, as the submodule (chapters 09 and 10)."""
    from torch import nn

    modules = dict(model.named_modules())
    if isinstance(layer, str):
        if not layer or layer not in modules:
            names = ", ".join(repr(n) for n in modules if n)
            raise ValueError(
                f"{func}: `layer` {layer!r} is not a submodule of the model; "
                f"its submodules are {names}"
            )
        return modules[layer]
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in modules.values()):
            raise ValueError(f"{func}: `layer` is not a submodule of `model`")
        return layer
    raise TypeError(f"{func}: `layer` must be an nn.Module or its name, got {type(layer).__name__}")


def as_generator(value: object, func: str, name: str = "generator") -> torch.Generator | None:
    """`value` if it is a `torch.Generator` or None, else a TypeError naming `name`.

    A seed (an int) is refused with the line that makes a generator from it.
    """
    import torch

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

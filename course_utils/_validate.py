"""Input checks shared by course_utils functions: clear errors that name the argument."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_float_array(
    value, name: str, ndims: Sequence[int] | None = None, func: str = ""
) -> np.ndarray:
    """Return `value` as a float NumPy array, or raise a TypeError/ValueError naming `name`."""
    where = f"{func}: " if func else ""
    if value is None:
        raise TypeError(f"{where}`{name}` must be an array, got None")
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{where}`{name}` must be array-like, got {type(value).__name__}") from exc
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{where}`{name}` must hold real numbers, got dtype {array.dtype}")
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{where}`{name}` must hold numbers, got dtype {array.dtype}")
    if ndims is not None and array.ndim not in ndims:
        expected = " or ".join(str(n) for n in ndims)
        raise ValueError(
            f"{where}`{name}` must have {expected} dimensions, got shape {tuple(array.shape)}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def as_pair(value, name: str, minimum: int, func: str = "") -> tuple[int, int]:
    """Return an int or a pair of ints as a pair, each at least `minimum`; else raise naming `name`."""
    where = f"{func}: " if func else ""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        pair = (value, value)
    elif isinstance(value, tuple | list):
        pair = tuple(value)
    else:
        raise TypeError(f"{where}`{name}` must be an int or a pair of ints, got {value!r}")
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in pair
    ):
        raise TypeError(f"{where}`{name}` must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{where}`{name}` must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def as_device(value, func: str, name: str = "device"):
    """`value` (a name like 'cpu' or a torch.device) as a torch.device that exists on this machine."""
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
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{func}: `{name}` is {value!r} but this machine has no usable CUDA GPU; use 'cpu'"
        )
    if (
        device.type == "cuda"
        and device.index is not None
        and device.index >= torch.cuda.device_count()
    ):
        raise ValueError(
            f"{func}: `{name}` is {value!r} but there are only {torch.cuda.device_count()} GPUs"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{func}: `{name}` is {value!r} but MPS (Apple GPU) is not available here; use 'cpu'"
        )
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{func}: `{name}` must be 'cpu', 'cuda' or 'mps', got {value!r}")
    return device

"""How every chapter compares a by-hand result with the library's (chapters 01-10)."""

from __future__ import annotations

import numpy as np

__all__ = ["max_abs_diff"]


def _as_float64(value, name: str) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, on any device
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"max_abs_diff: `{name}` must hold numbers, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"max_abs_diff: `{name}` must be real, got dtype {array.dtype}")
    return array.astype(np.float64)


def max_abs_diff(a, b) -> float:
    """The largest absolute difference between two arrays or tensors of the same shape (chapter 01).

    Both are compared in float64, so the difference itself is not rounded. A NaN anywhere makes
    the result NaN, which fails any `assert max_abs_diff(...) < tol`.
    """
    left, right = _as_float64(a, "a"), _as_float64(b, "b")
    if left.shape != right.shape:
        raise ValueError(
            f"max_abs_diff: `a` and `b` must have the same shape, got {left.shape} "
            f"and {right.shape}"
        )
    if left.size == 0:
        raise ValueError("max_abs_diff: `a` and `b` are empty; there is nothing to compare")
    return float(np.max(np.abs(left - right)))

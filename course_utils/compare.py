"""How every chapter compares a by-hand result with the library's (every chapter)."""

from __future__ import annotations

import numpy as np
import torch

from course_utils._validate import as_float_array

__all__ = ["max_abs_diff"]


def max_abs_diff(
    a: np.ndarray | torch.Tensor | float, b: np.ndarray | torch.Tensor | float
) -> float:
    """The largest absolute difference between two same-shaped arrays or tensors (convolutions).

    Both are compared in float64, so the difference itself is not rounded. A NaN anywhere makes
    the result NaN, which fails any `assert max_abs_diff(...) < tol`.
    """
    left = as_float_array(a, "a", "max_abs_diff").astype("float64")
    right = as_float_array(b, "b", "max_abs_diff").astype("float64")
    if left.shape != right.shape:
        raise ValueError(
            f"max_abs_diff: `a` and `b` must have the same shape, got {left.shape} "
            f"and {right.shape}"
        )
    if left.size == 0:
        raise ValueError("max_abs_diff: `a` and `b` are empty; there is nothing to compare")
    return float(abs(left - right).max())

"""Classic hand-designed 3x3 kernels, by name (convolutions).

Each kernel is a float64 NumPy array of shape (3, 3). `get_kernel(name)` returns a fresh copy.
"""

from __future__ import annotations

import numpy as np

from course_utils.i18n import N_, gettext

__all__ = ["kernel_names", "describe_kernel", "get_kernel"]

_KERNELS: dict[str, tuple[str, list[list[float]]]] = {
    "identity": (N_("returns the image unchanged"), [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box_blur": (
        N_("low-pass: the mean of the 3x3 neighbourhood"),
        [[1 / 9] * 3, [1 / 9] * 3, [1 / 9] * 3],
    ),
    "gaussian_blur": (
        N_("low-pass: a weighted mean, heavier at the centre"),
        [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    ),
    "sharpen": (N_("identity plus high-pass: boosts edges"), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "high_pass": (
        N_("Laplacian-like: responds to changes in any direction"),
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    ),
    "sobel_x": (
        N_("horizontal gradient: responds to vertical edges"),
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    ),
    "sobel_y": (
        N_("vertical gradient: responds to horizontal edges"),
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    ),
    "emboss": (N_("directional relief"), [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}


def kernel_names() -> list[str]:
    """Names accepted by `get_kernel` (convolutions)."""
    return list(_KERNELS)


def describe_kernel(name: str) -> str:
    """One-line description of a named kernel, in the course's language (convolutions)."""
    _check_name(name, "describe_kernel")
    return gettext(_KERNELS[name][0])


def get_kernel(name: str) -> np.ndarray:
    """A named classic kernel as a (3, 3) float64 array (convolutions)."""
    _check_name(name, "get_kernel")
    return np.array(_KERNELS[name][1], dtype=np.float64)


def _check_name(name: str, func: str, arg: str = "name") -> None:
    """Refuse a kernel name that `get_kernel` does not know, naming `func` and the argument."""
    if not isinstance(name, str) or name not in _KERNELS:
        raise ValueError(f"{func}: `{arg}` must be one of {kernel_names()}, got {name!r}")

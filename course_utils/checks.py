"""Feedback for the exercises: `check_<exercise>(answer)` says what is right or wrong.

Each check returns a `Feedback`, which shows as one line in a notebook and is truthy when
the answer is right, so tests can assert on it. Chapters append their checks below, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict of an exercise check: `ok` and a one-line message."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("Correct: " if self.ok else "Not yet: ") + self.message


def _as_array(answer, name: str) -> np.ndarray | Feedback:
    """The answer as a float array, or a Feedback saying why it could not be read."""
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu().numpy()
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Feedback(False, f"`{name}` should be an array of numbers, got {type(answer).__name__}.")
    return array


def _compare(answer, expected: np.ndarray, name: str, success: str, atol: float = 1e-6) -> Feedback:
    """Compare an array answer with the expected one: shape first, then values."""
    array = _as_array(answer, name)
    if isinstance(array, Feedback):
        return array
    if array.shape != expected.shape:
        return Feedback(False, f"`{name}` has shape {array.shape}; expected {expected.shape}.")
    error = float(np.max(np.abs(array - expected))) if array.size else 0.0
    if error > atol:
        return Feedback(False, f"`{name}` has the right shape but values differ by up to {error:.3g}.")
    return Feedback(True, success)


# --- Chapter 01: convolutions -------------------------------------------------------------

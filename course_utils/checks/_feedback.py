"""What every exercise check shares: the `Feedback` verdict and the `@exercise` decorator.

A check reads the learner's answer, stops at the first thing that is wrong with a "not yet"
verdict that says why, and otherwise returns a "correct" one. Inside a check, `NotYet` is that
early stop: raising it (directly, through `read_array`, or through `learner_call` when the
learner's own code raises) ends the check, and `@exercise` turns it into a `Feedback`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from course_utils.i18n import _, gettext

T = TypeVar("T")


@dataclass(frozen=True)
class Feedback:
    """The verdict of an exercise check (every chapter): `ok` and a one-line message."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        """The verdict and the message, wrapped at 88 characters so nothing scrolls in the book."""
        verdict = _("Correct: {message}") if self.ok else _("Not yet: {message}")
        text = verdict.format(message=self.message)
        return textwrap.fill(text, width=88, break_long_words=False, break_on_hyphens=False)


class NotYet(Exception):
    """Stops a check early; `@exercise` turns it into `Feedback(False, message)`."""


def _placeholder_message(what: str) -> str:
    """The "not yet" message for a `None` placeholder still in the learner's cell."""
    return _("replace `None` with {what}.").format(what=what)


def _is_placeholder(answer: Any, pair: bool) -> bool:
    """`None`, or with `pair=True` a tuple or list with a `None` still in it."""
    if answer is None:
        return True
    return pair and isinstance(answer, tuple | list) and any(part is None for part in answer)


def exercise(
    placeholder: str, *, pair: bool = False
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Make a check function of an exercise (every chapter): the placeholder and early stops.

    The decorated check receives the learner's answer first. While that answer is still the
    placeholder `None` (with `pair=True`: or a pair with a `None` in it), the check is not run
    and the verdict is "not yet: replace `None` with <placeholder>." (`{name}` fields in it are
    filled in with the check's arguments, e.g. "{n_classes}"; the placeholder is marked with
    `N_` and translated when the verdict is given.) A `NotYet` raised inside
    the check (by `read_array`, `learner_call`, `require` or `second_part`) becomes the
    "not yet" verdict carrying its message.
    """

    def decorate(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        signature = inspect.signature(check)

        @functools.wraps(check)
        def run(answer: Any, *args: Any, **kwargs: Any) -> Feedback:
            if _is_placeholder(answer, pair):
                bound = signature.bind(answer, *args, **kwargs)
                bound.apply_defaults()
                return Feedback(
                    False, _placeholder_message(gettext(placeholder).format(**bound.arguments))
                )
            try:
                return check(answer, *args, **kwargs)
            except NotYet as stop:
                return Feedback(False, str(stop))

        return run

    return decorate


def require(value: Any, what: str) -> None:
    """Stop the check with "replace `None` with <what>." while `value` is still `None`."""
    if value is None:
        raise NotYet(_placeholder_message(what))


def learner_call(what: str, code: Callable[..., T], *args: Any, on: str = "", **kwargs: Any) -> T:
    """Run the learner's code; if it raises, stop with "<what> raised <Error><on>: <message>"."""
    try:
        return code(*args, **kwargs)
    except Exception as exc:  # the learner's code may raise anything; report it
        raise NotYet(
            _("{what} raised {error}{on}: {message}").format(
                what=what, error=type(exc).__name__, on=on, message=exc
            )
        ) from exc


@contextlib.contextmanager
def second_part(prefix: str) -> Iterator[None]:
    """Inside, a "not yet" is about a second part of an answer whose first part is right.

    Its message gets `prefix` in front, e.g. "your sizes are right; ".
    """
    try:
        yield
    except NotYet as stop:
        raise NotYet(prefix + str(stop)) from stop.__cause__


def _as_array(answer: Any, name: str, finite: bool = True) -> np.ndarray | Feedback:
    """The answer as a float array, or a Feedback saying why it could not be read.

    Every check reads answers through here, so a NaN or an infinity is "not yet" everywhere
    (`NaN > tolerance` is False, so without this a NaN would pass any tolerance test).
    `finite=False` lets a check give its own, more specific message for non-finite values.
    """
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu().numpy()
    if np.iscomplexobj(answer):
        return Feedback(
            False, _("`{name}` holds complex numbers; the answer is real.").format(name=name)
        )
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Feedback(
            False,
            _("`{name}` should be an array of numbers, got {type}.").format(
                name=name, type=type(answer).__name__
            ),
        )
    if finite and not np.all(np.isfinite(array)):
        return Feedback(
            False,
            _("`{name}` holds NaN or infinite values; every entry must be a finite number.").format(
                name=name
            ),
        )
    return array


def read_array(answer: Any, name: str, finite: bool = True) -> np.ndarray:
    """`_as_array` inside a check: the float array, or a stop with the reason it is unreadable."""
    array = _as_array(answer, name, finite)
    if isinstance(array, Feedback):
        raise NotYet(array.message)
    return array


def _compare(
    answer: Any, expected: np.ndarray, name: str, success: str, atol: float = 1e-6
) -> Feedback:
    """Compare an array answer with the expected one: shape first, then values."""
    array = _as_array(answer, name)
    if isinstance(array, Feedback):
        return array
    if array.shape != expected.shape:
        return Feedback(
            False,
            _("`{name}` has shape {shape}; expected {expected_shape}.").format(
                name=name, shape=array.shape, expected_shape=expected.shape
            ),
        )
    error = float(np.max(np.abs(array - expected))) if array.size else 0.0
    if not error <= atol:  # written so that a NaN error can never pass
        return Feedback(
            False,
            _("`{name}` has the right shape but values differ by up to {error:.3g}.").format(
                name=name, error=error
            ),
        )
    return Feedback(True, success)


def read_int(answer: Any, whole_floats: bool = True) -> int:
    """The answer as an int (a one-element tensor counts, a whole float too), or a stop."""
    if hasattr(answer, "item"):
        answer = answer.item()
    if whole_floats and isinstance(answer, float | np.floating) and float(answer).is_integer():
        return int(answer)
    if isinstance(answer, bool) or not isinstance(answer, int | np.integer):
        raise NotYet(
            _("`answer` should be a whole number (an int), got {answer!r}.").format(answer=answer)
        )
    return int(answer)


def read_pair(answer: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The answer as a pair of float arrays named `names`, or a stop saying why not."""
    try:
        first, second = answer
    except (TypeError, ValueError):
        raise NotYet(
            _("`answer` should be the pair ({first}, {second}).").format(
                first=names[0], second=names[1]
            )
        ) from None
    return read_array(first, names[0]), read_array(second, names[1])


def check_callable(func: Any) -> None:
    """Stop the check unless the learner passed a function (not the result of calling one)."""
    if not callable(func):
        raise NotYet(
            _("pass the function itself (no parentheses), got {type}.").format(
                type=type(func).__name__
            )
        )

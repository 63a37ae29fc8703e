"""One progress helper for everything slow (from softmax on).

While a learner runs a notebook in Jupyter it is tqdm's widget bar. When
`COURSE_PLAIN_PROGRESS=1` (set by `make test`, `make notebooks` and the benchmarks) it draws
nothing at all: stored outputs are read by people, so the cell prints its own one-line result
instead of a progress bar, and no timing or widget state ends up in the notebook.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from tqdm.auto import tqdm as auto_tqdm

__all__ = ["progress", "plain_mode"]


def plain_mode() -> bool:
    """Whether progress is hidden for stored outputs (`COURSE_PLAIN_PROGRESS=1`) (softmax)."""
    return os.environ.get("COURSE_PLAIN_PROGRESS", "") not in ("", "0")


def progress(
    iterable: Iterable | None = None,
    total: int | None = None,
    desc: str | None = None,
    leave: bool = True,
    **kwargs: object,
) -> auto_tqdm:
    """A tqdm progress bar: a widget in Jupyter, nothing at all in plain mode (softmax)."""
    if plain_mode():
        kwargs["disable"] = True
    return auto_tqdm(iterable, total=total, desc=desc, leave=leave, **kwargs)

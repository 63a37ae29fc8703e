"""One progress-bar helper for everything slow (chapters 06-10).

In JupyterLab it is tqdm's widget bar. When `COURSE_PLAIN_PROGRESS=1` (set by `make test`,
`make notebooks` and the benchmarks) it is a text bar that prints once, when it finishes, so
stored notebook outputs hold one clean line instead of widget state.
"""

from __future__ import annotations

import os

from tqdm import tqdm as text_tqdm
from tqdm.auto import tqdm as auto_tqdm

__all__ = ["progress"]


def plain_mode() -> bool:
    """Whether progress bars print plain text (set `COURSE_PLAIN_PROGRESS=1`)."""
    return os.environ.get("COURSE_PLAIN_PROGRESS", "") not in ("", "0")


class _FinalLineTqdm(text_tqdm):
    """A text bar that draws nothing until `close()`, then one final line."""

    def __init__(self, *args, **kwargs):
        kwargs.update(mininterval=float("inf"), miniters=None, ncols=80, ascii=False, delay=0)
        self._quiet = True
        super().__init__(*args, **kwargs)

    def display(self, msg=None, pos=None):  # noqa: D102 - tqdm API
        if self._quiet:
            return True
        return super().display(msg, pos)

    def close(self):  # noqa: D102 - tqdm API
        if self.disable:
            return
        self._quiet = False
        super().close()


def progress(iterable=None, total: int | None = None, desc: str | None = None, leave: bool = True, **kwargs):
    """A tqdm progress bar: a widget in Jupyter, or a single final text line in plain mode."""
    cls = _FinalLineTqdm if plain_mode() else auto_tqdm
    return cls(iterable, total=total, desc=desc, leave=leave, **kwargs)

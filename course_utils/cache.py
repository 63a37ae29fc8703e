"""Where the course caches files, and caches that check themselves.

- `data_dir()`: the folder for downloads and trained weights (`COURSE_DATA_DIR`).
- `content_digest`, `file_sha256`: the course's checksums, stored beside what they check.
- `cache_folder`, `write_atomically`: a cache that cannot be written falls back to memory for
  the session (`keep_in_memory`, `kept_in_memory`) after a one-line `notice`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "DataDirError",
    "data_dir",
    "notice",
    "content_digest",
    "file_sha256",
    "cache_folder",
    "write_atomically",
    "keep_in_memory",
    "kept_in_memory",
]


class DataDirError(OSError):
    """The cache folder cannot be used: `COURSE_DATA_DIR` is a file, or it cannot be created."""


def data_dir() -> Path:
    """Folder for downloads and trained weights: `COURSE_DATA_DIR`, else ~/.cache/cnn-course."""
    root = os.environ.get("COURSE_DATA_DIR")
    try:
        path = Path(root).expanduser() if root else Path.home() / ".cache" / "cnn-course"
    except RuntimeError as exc:  # no HOME to expand
        raise DataDirError(
            f"no data folder: {exc}; set COURSE_DATA_DIR to a writable folder"
        ) from None
    where = "COURSE_DATA_DIR" if root else "the default data folder"
    if path.exists() and not path.is_dir():
        raise DataDirError(
            f"{where} {path} is a file, not a folder; set COURSE_DATA_DIR to a folder"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            f"cannot create {where} {path} ({exc.strerror or type(exc).__name__}); "
            "set COURSE_DATA_DIR to a writable folder"
        ) from None
    return path


# --- caches that verify themselves -------------------------------------------------------------

_IN_MEMORY: dict[str, object] = {}  # what could not be cached on disk, kept for this session
_SAID: set[str] = set()


def kept_in_memory(key: str) -> object | None:
    """What `keep_in_memory` kept under `key` in this session, or None."""
    return _IN_MEMORY.get(key)


def keep_in_memory(key: str, value: object) -> None:
    """Keep `value` for this session under `key`: the fallback when a file cannot be written."""
    _IN_MEMORY[key] = value


def notice(message: str, once: bool = False) -> None:
    """Print a one-line notice about a cache (to stderr); with `once`, only the first time."""
    if once and message in _SAID:
        return
    _SAID.add(message)
    print(message, file=sys.stderr, flush=True)


def content_digest(arrays: Iterable[np.ndarray | torch.Tensor]) -> str:
    """SHA-256 of arrays' dtypes, shapes and bytes, in order: the checksum a cache stores."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks: the checksum of shipped weights."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_folder(what: str) -> Path | None:
    """`data_dir()`, or None (after a one-line notice) if the cache `what` cannot use it."""
    try:
        return data_dir()
    except DataDirError as exc:
        notice(f"{exc}; keeping {what} in memory for this session", once=True)
        return None


def write_atomically(path: Path, write: Callable[[Path], object], what: str) -> bool:
    """`write(tmp)` then rename to `path`; False (after a one-line notice) if that fails."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
        return True
    except (
        OSError,
        RuntimeError,
    ) as exc:  # torch.save reports an unwritable folder as a RuntimeError
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        notice(
            f"cannot write {path} ({reason}); keeping {what} in memory for this session", once=True
        )
        return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()

"""Checkpoints: trained weights and metadata saved to a file and checked when read (training).

`save_checkpoint` writes a model's `state_dict`, plain metadata and a SHA-256 checksum of the
weights; `load_checkpoint` reads it with `torch.load(..., weights_only=True)`, checks the
checksum and that every tensor fits the model, and only then changes the model.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from course_utils._validate import as_module, as_path
from course_utils.cache import content_digest

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "course_utils.checkpoint/1"
"""The `format` entry of every file `save_checkpoint` writes."""


def _clean_metadata(value, key: str):
    """A copy of `value` that `torch.load(weights_only=True)` reads back; else a TypeError.

    The error names the metadata `key`.
    """
    if isinstance(value, dict):
        cleaned = {}
        for k, v in value.items():
            if type(k) not in (str, int):
                raise TypeError(
                    f"save_checkpoint: metadata `{key}` has a key of type {type(k).__name__}"
                )
            cleaned[k] = _clean_metadata(v, f"{key}.{k}")
        return cleaned
    if isinstance(value, list | tuple):
        return type(value)(_clean_metadata(v, f"{key}[{i}]") for i, v in enumerate(value))
    if value is None or type(value) in (str, int, float, bool) or isinstance(value, torch.Tensor):
        return value
    if isinstance(value, str):  # a str subclass such as torch.__version__ pickles as its class
        return str(value)
    raise TypeError(
        f"save_checkpoint: metadata `{key}` has type {type(value).__name__}; use numbers, strings, "
        "lists, dicts or tensors (convert NumPy values with .tolist() or float())"
    )


def _state_digest(state: dict) -> str:
    """SHA-256 of a state dict's names and tensors: the checksum saved in every checkpoint."""
    names = np.frombuffer("\n".join(state).encode(), dtype=np.uint8)
    return content_digest(
        [
            names,
            *(
                t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy()
                if t.numel()
                else np.zeros(0, np.uint8)
                for t in state.values()
            ),
        ]
    )


def save_checkpoint(model: nn.Module, path: str | os.PathLike, **metadata: object) -> Path:
    """Save `model.state_dict()` and keyword metadata to `path` (training).

    Metadata values are numbers, strings, lists, dicts or tensors.

    A SHA-256 checksum of the weights is saved with them and checked by `load_checkpoint`.
    The file is written to a temporary name and then renamed, so a reader never sees half a
    file. Parent folders are created. Returns the path as a `Path`.
    """
    model = as_module(model, "model", "save_checkpoint")
    path = as_path(path, "path", "save_checkpoint")
    if path.is_dir():
        raise IsADirectoryError(
            f"save_checkpoint: `path` {str(path)!r} is a folder; give a file name in it, "
            f"such as {str(path / 'model.pt')!r}"
        )
    metadata = {key: _clean_metadata(value, key) for key, value in metadata.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": CHECKPOINT_FORMAT,
        "state_dict": state,
        "metadata": metadata,
        "sha256": _state_digest(state),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict:
    """Load weights saved by `save_checkpoint` into `model` and return the metadata (training).

    Uses `torch.load(..., weights_only=True)`, which refuses to run code hidden in a file. A
    plain `state_dict` saved with `torch.save(model.state_dict(), path)` is accepted too
    (with empty metadata). Raises FileNotFoundError for a missing file and ValueError for a
    file that is not a checkpoint or whose weights do not fit `model`.
    """
    model = as_module(model, "model", "load_checkpoint")
    path = as_path(path, "path", "load_checkpoint")
    if not path.is_file():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or foreign files fail in many ways (pickle, zip, EOF...)
        if "weights only" in str(exc).lower() or "weights_only" in str(exc):
            # torch suggests weights_only=False, which would run the file's code: never that
            raise ValueError(
                f"load_checkpoint: {path.name} is not a readable course checkpoint: it holds "
                "Python objects other than tensors and plain values, refused because loading "
                "them could run code"
            ) from None
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"load_checkpoint: {path.name} is not a readable PyTorch checkpoint "
            f"({type(exc).__name__}: {reason[:160]})"
        ) from None
    if isinstance(payload, dict) and payload.get("format") == CHECKPOINT_FORMAT:
        state, metadata = payload.get("state_dict"), payload.get("metadata", {})
        stored = payload.get("sha256")
        if (
            isinstance(state, dict)
            and stored is not None
            and (
                not all(isinstance(v, torch.Tensor) for v in state.values())
                or stored != _state_digest(state)
            )
        ):
            raise ValueError(
                f"load_checkpoint: {path.name} is damaged: its weights do not match the "
                "checksum saved with them"
            )
    elif (
        isinstance(payload, dict)
        and payload
        and all(isinstance(v, torch.Tensor) for v in payload.values())
    ):
        state, metadata = payload, {}
    else:
        raise ValueError(
            f"load_checkpoint: {path.name} is not a checkpoint (expected the dict "
            f"written by save_checkpoint or a state_dict, got {type(payload).__name__})"
        )
    if not isinstance(state, dict) or not isinstance(metadata, dict):
        raise ValueError(f"load_checkpoint: {path.name} has no state_dict")
    _check_state(model, state, path.name)  # everything is checked before the model is touched
    model.load_state_dict(state)
    return dict(metadata)


def _check_state(model: nn.Module, state: dict, name: str) -> None:
    """Raise a ValueError unless `state` has exactly the model's keys, shapes and finite values."""
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing:
        problems.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    if unexpected:
        problems.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
    for key, value in state.items():
        if key not in expected:
            continue
        if not isinstance(value, torch.Tensor):
            problems.append(f"{key} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != tuple(expected[key].shape):
            problems.append(
                f"{key} has shape {tuple(value.shape)}, "
                f"the model needs {tuple(expected[key].shape)}"
            )
        elif value.is_floating_point() != expected[key].is_floating_point():
            problems.append(f"{key} has dtype {value.dtype}, the model needs {expected[key].dtype}")
        elif value.is_floating_point() and not bool(torch.isfinite(value).all()):
            problems.append(f"{key} holds NaN or infinite values")
    if problems:
        raise ValueError(
            f"load_checkpoint: the weights in {name} do not fit this "
            f"{type(model).__name__} (it is unchanged): {'; '.join(problems)[:300]}"
        )

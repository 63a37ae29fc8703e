"""Input checks shared by the functions of `course_utils.interpret` (chapters 09-11)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn


def _check_model(model, func: str) -> None:
    if not callable(model):
        raise TypeError(
            f"{func}: `model` must be a callable such as an nn.Module, got {type(model).__name__}"
        )


@contextlib.contextmanager
def evaluating(model: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> Iterator[None]:
    """Run `model` in eval mode inside the block, then restore its own mode (chapters 09-11)."""
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _as_image_batch(x, name: str, func: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """`x` (N, C, H, W) as a float tensor: integers are 0-255 pixels, floats must match `dtype`."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{func}: `{name}` must be a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}"
        )
    if x.ndim != 4:
        raise ValueError(
            f"{func}: `{name}` must have shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "for one image use x[None]"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{func}: `{name}` holds no images (batch size 0)")
    if x.is_complex():
        raise TypeError(f"{func}: `{name}` must hold real numbers, got dtype {x.dtype}")
    if x.dtype == torch.bool:
        raise TypeError(f"{func}: `{name}` must hold pixel values, got dtype torch.bool")
    if not torch.is_floating_point(x):  # integer pixels: 0-255, as uint8 images are stored
        low, high = int(x.min()), int(x.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{func}: integer `{name}` must hold 0-255 pixel values, got values in "
                f"[{low}, {high}]; pass floats for other ranges"
            )
        x = x.to(dtype or torch.float32) / 255.0
    elif dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"{func}: `{name}` has dtype {x.dtype} but the model's weights are {dtype}; "
            f"convert it with {name}.to({dtype})"
        )
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    return x


def _check_inputs(x, func: str, model=None) -> torch.Tensor:
    """`x` as a float tensor (N, C, H, W) on the model's device, in the model's dtype."""
    parameter = next(model.parameters(), None) if isinstance(model, nn.Module) else None
    x = _as_image_batch(x, "x", func, None if parameter is None else parameter.dtype)
    if parameter is not None and parameter.device != x.device:
        x = x.to(parameter.device)
    return x.detach()


def _check_target(target, batch_size: int, func: str) -> torch.Tensor:
    """`target` (an int, or one int per image) as an int64 tensor of length `batch_size`."""
    if isinstance(target, bool | str | bytes) or target is None:
        raise TypeError(f"{func}: `target` must be an int or a sequence of ints, got {target!r}")
    if isinstance(target, int | np.integer):
        return torch.full((batch_size,), int(target), dtype=torch.int64)
    if isinstance(target, torch.Tensor):
        values = target.detach().cpu()
    elif isinstance(target, Sequence | np.ndarray):
        array = np.asarray(target)
        if not (
            np.issubdtype(array.dtype, np.integer)
            or np.issubdtype(array.dtype, np.floating)
            or array.dtype == bool
        ):
            raise TypeError(f"{func}: `target` must hold integers, one per image, got {target!r}")
        values = torch.as_tensor(array)
    else:
        raise TypeError(
            f"{func}: `target` must be an int or a sequence of ints, got {type(target).__name__}"
        )
    if values.ndim == 0:
        values = values.reshape(1).expand(batch_size)
    if values.dtype.is_floating_point or values.dtype == torch.bool or values.ndim != 1:
        raise TypeError(
            f"{func}: `target` must hold integers, one per image, got {values.dtype} "
            f"with shape {tuple(values.shape)}"
        )
    if len(values) != batch_size:
        raise ValueError(
            f"{func}: `target` has {len(values)} entries but `x` holds {batch_size} images"
        )
    return values.to(torch.int64)


def _check_scores(scores: torch.Tensor, target: torch.Tensor, func: str) -> None:
    if scores.ndim != 2:
        raise ValueError(
            f"{func}: the model must return scores of shape (N, classes), "
            f"got shape {tuple(scores.shape)}"
        )
    classes = scores.shape[1]
    bad = (target < 0) | (target >= classes)
    if bool(bad.any()):
        raise ValueError(
            f"{func}: `target` must be in 0..{classes - 1} (the model has {classes} "
            f"outputs), got {target[bad][0].item()}"
        )


def _pick(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """scores[i, target[i]] for every image i."""
    return scores.gather(1, target.to(scores.device)[:, None])[:, 0]

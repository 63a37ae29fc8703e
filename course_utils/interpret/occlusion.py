"""Occlusion: cover a window of the image, score the copy, slide (attribution)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from course_utils._validate import (
    as_callable,
    as_int,
    as_model_input,
    as_pair,
    as_targets,
    require_class_scores,
)
from course_utils.modes import evaluating

from .gradients import pick_scores

__all__ = ["occlusion_positions", "occlusion", "occlusion_map"]


def occlusion_positions(size: int, window: int, stride: int) -> list[int]:
    """Start offsets of the window along one axis, as Captum places them (attribution).

    The first window starts at 0; the last start is the first multiple of `stride` at or past
    `size - window`, so a window at the far edge may be cut off by the border.
    """
    func = "occlusion_positions"
    size = as_int(size, "size", func, minimum=1)
    window = as_int(window, "window", func, minimum=1)
    stride = as_int(stride, "stride", func, minimum=1)
    if window > size:
        raise ValueError(f"{func}: `window` {window} is larger than the image side `size` {size}")
    steps = -(-(size - window) // stride)  # ceil((size - window) / stride)
    return [i * stride for i in range(steps + 1)]


def _occluders(x: torch.Tensor, window, stride, baseline, max_batch, func: str):
    """Check the occluder's arguments; return (masks (P, H, W), fill like `x`, grid shape)."""
    height, width = x.shape[2:]
    win_h, win_w = as_pair(window, "window", func)
    step_h, step_w = as_pair(stride, "stride", func)
    if win_h > height or win_w > width:
        raise ValueError(
            f"{func}: `window` {(win_h, win_w)} is larger than the image {(height, width)}"
        )
    if (step_h > win_h and win_h < height) or (step_w > win_w and win_w < width):
        raise ValueError(
            f"{func}: `stride` {(step_h, step_w)} must not exceed `window` {(win_h, win_w)}, "
            "or some pixels would never be occluded"
        )
    if not isinstance(max_batch, int | np.integer) or isinstance(max_batch, bool) or max_batch < 1:
        raise ValueError(f"{func}: `max_batch` must be a positive int, got {max_batch!r}")
    if isinstance(baseline, torch.Tensor):
        try:
            fill = torch.broadcast_to(baseline.to(x.device, x.dtype), x.shape)
        except RuntimeError:
            raise ValueError(
                f"{func}: `baseline` of shape {tuple(baseline.shape)} does not broadcast "
                f"to `x` of shape {tuple(x.shape)}"
            ) from None
    elif isinstance(baseline, int | float | np.number) and not isinstance(baseline, bool):
        fill = torch.full_like(x, float(baseline))
    else:
        raise TypeError(
            f"{func}: `baseline` must be a number or a tensor, got {type(baseline).__name__}"
        )
    if not bool(torch.isfinite(fill).all()):
        raise ValueError(f"{func}: `baseline` contains NaN or infinite values")
    # One boolean mask (H, W) per window position, row by row.
    tops = occlusion_positions(height, win_h, step_h)
    lefts = occlusion_positions(width, win_w, step_w)
    masks = torch.zeros(len(tops) * len(lefts), height, width, dtype=torch.bool, device=x.device)
    for i, (top, left) in enumerate((t, s) for t in tops for s in lefts):
        masks[i, top : top + win_h, left : left + win_w] = True
    return masks, fill, (len(tops), len(lefts))


def _occluded_scores(model, x, masks, fill, max_batch: int) -> torch.Tensor:
    """The model's scores (N * P, classes) for every image covered at every position."""
    n, positions = x.shape[0], len(masks)
    images = torch.arange(n, device=x.device).repeat_interleave(positions)
    which = torch.arange(positions, device=x.device).repeat(n)
    scores = []
    for start in range(0, n * positions, max_batch):
        rows = slice(start, start + max_batch)
        mask = masks[which[rows]][:, None]  # (B, 1, H, W): the same for every channel
        scores.append(model(torch.where(mask, fill[images[rows]], x[images[rows]])))
    return torch.cat(scores)


def occlusion(
    model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    target: int | Sequence[int] | torch.Tensor,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    baseline: float | torch.Tensor = 0.0,
    max_batch: int = 1024,
) -> torch.Tensor:
    """Occlusion map: per pixel, the mean drop of the target score when covered (attribution).

    A `window` (h, w) patch, across all channels, is set to `baseline` at every position on a
    grid with step `stride`, starting at the top-left corner (the last window in a row or column
    may be cut off by the border). For each occluded copy, the drop `score(x) - score(occluded)`
    is added to every pixel under the patch; each pixel's total is then divided by the number of
    windows that covered it. This is Captum's `Occlusion` with `sliding_window_shapes=(C, h, w)`,
    `strides=(C, sh, sw)` (any channel stride: there is one channel position), `baselines` and
    `target`.

    All occluded copies of all images are evaluated in batches of at most `max_batch` copies, so
    a 28x28 image with window 4 and stride 2 (169 copies) takes one forward pass. Returns a
    tensor shaped like `x`. `target` is an int or one int per image; `baseline` is a number or
    a tensor broadcastable to `x`.
    """
    func = "occlusion"
    as_callable(model, "model", func)
    x = as_model_input(x, "x", func, model)
    n, channels, height, width = x.shape
    masks, fill, _ = _occluders(x, window, stride, baseline, max_batch, func)
    target = as_targets(target, "target", func, n)
    coverage = masks.sum(0).to(x.dtype)  # how many windows cover each pixel (>= 1)
    with torch.no_grad(), evaluating(model):
        original = model(x)
        require_class_scores(target, "target", func, original)
        original = pick_scores(original, target)
        # Score every (image, position) pair, `max_batch` copies per forward pass.
        scores = _occluded_scores(model, x, masks, fill, max_batch)
        images = torch.arange(n, device=x.device).repeat_interleave(len(masks))
        drops = original[images] - pick_scores(scores, target[images])
        # Each pixel: the sum of the drops of the windows that cover it, then their mean.
        total = torch.einsum("np,phw->nhw", drops.view(n, len(masks)), masks.to(x.dtype))
    heat = total / coverage
    return heat[:, None].expand(n, channels, height, width).clone()


def occlusion_map(
    model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    target: int | Sequence[int] | torch.Tensor,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    baseline: float | torch.Tensor = 0.0,
    max_batch: int = 1024,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Zeiler and Fergus's occlusion maps: a class's probability and the top class (attribution).

    One value per position of the occluder.

    The occluder is placed as in `occlusion` (the same `window`, `stride`, `baseline` and
    positions, `occlusion_positions`). For each image i and each position (r, c) of the
    occluder it returns

    - `probability[i, r, c]`: the softmax probability of class `target[i]` for the covered copy
      (the model returns logits; their softmax is taken here);
    - `top_class[i, r, c]`: the class the model finds most probable for that copy (the first
      one on a tie, as `argmax` does).

    Both are (N, rows, cols), one value per occluder position rather than per pixel:
    Zeiler & Fergus (2014) draw them as maps over the occluder's position. All positions of an
    image go through the model in one forward pass when `max_batch` allows it.
    """
    func = "occlusion_map"
    as_callable(model, "model", func)
    x = as_model_input(x, "x", func, model)
    n = x.shape[0]
    masks, fill, grid = _occluders(x, window, stride, baseline, max_batch, func)
    target = as_targets(target, "target", func, n)
    with torch.no_grad(), evaluating(model):
        scores = _occluded_scores(model, x, masks, fill, max_batch)
    images = torch.arange(n, device=x.device).repeat_interleave(len(masks))
    require_class_scores(target[images], "target", func, scores)
    probability = pick_scores(torch.softmax(scores, dim=1), target[images])
    top_class = scores.argmax(dim=1)
    return probability.view(n, *grid), top_class.view(n, *grid)

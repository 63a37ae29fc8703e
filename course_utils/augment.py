"""Data augmentation: small random changes to training images (training).

Both functions take a batch `(N, C, H, W)` and a `torch.Generator`, so a seeded generator
repeats the same changes exactly; `fit(..., augment=...)` applies one to every training batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils._validate import as_generator, as_int, as_number

__all__ = ["random_shift", "random_affine"]


def _check_images(images, func: str, floats: bool) -> None:
    """Refuse anything but a (float) tensor (N, C, H, W), with a ValueError naming `images`."""
    if (
        not isinstance(images, torch.Tensor)
        or images.ndim != 4
        or (floats and not images.is_floating_point())
    ):
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        kind = "a float tensor" if floats else "a tensor"
        raise ValueError(f"{func}: `images` must be {kind} (N, C, H, W), got {shape}")


def random_shift(
    images: torch.Tensor, max_shift: int = 2, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Shift each image by its own random whole-pixel offset, zero-filled (training).

    Offsets along each axis are in [-max_shift, max_shift]. `images` is (N, C, H, W). Pixels
    shifted out are lost; pixels shifted in are 0. Offsets are drawn from `generator` (on the
    CPU), so a seeded generator gives the same shifts every run.
    """
    _check_images(images, "random_shift", floats=False)
    m = as_int(max_shift, "max_shift", "random_shift", minimum=0, not_int=ValueError)
    generator = as_generator(generator, "generator", "random_shift")
    if m == 0:
        return images
    n, c, h, w = images.shape
    padded = F.pad(images, (m, m, m, m))
    dy = torch.randint(0, 2 * m + 1, (n,), generator=generator).to(images.device)
    dx = torch.randint(0, 2 * m + 1, (n,), generator=generator).to(images.device)
    # A shift by (s_y, s_x) reads the padded image from row m - s_y, column m - s_x.
    rows = (dy[:, None] + torch.arange(h, device=images.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=images.device))[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channel = torch.arange(c, device=images.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]


def _limit(value, name: str, upper: float | None) -> float:
    """A number >= 0 (and < `upper`), or a ValueError naming `name`."""
    bound = f" and < {upper:g}" if upper is not None else ""
    message = f"random_affine: `{name}` must be a number >= 0{bound}, got {value!r}"
    try:
        number = as_number(value, name, "random_affine")
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if number < 0 or (upper is not None and number >= upper):
        raise ValueError(message)
    return number


def random_affine(
    images: torch.Tensor,
    degrees: float = 10.0,
    scale: float = 0.1,
    shift: float = 2.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Rotate, zoom and shift each image by its own small random amount, zero-filled (training).

    Per image: an angle uniform in [-degrees, degrees], a zoom factor uniform in
    [1 - scale, 1 + scale] and a shift uniform in [-shift, shift] pixels along each axis,
    all about the image centre, resampled bilinearly (`F.affine_grid` + `F.grid_sample`).
    Draws come from `generator` in that order, so a seeded generator repeats them exactly.
    """
    _check_images(images, "random_affine", floats=True)
    degrees = _limit(degrees, "degrees", 180.0)
    scale = _limit(scale, "scale", 1.0)
    shift = _limit(shift, "shift", None)
    generator = as_generator(generator, "generator", "random_affine")
    n, _, h, w = images.shape

    def uniform(limit: float) -> torch.Tensor:  # n draws in [-limit, limit]
        return (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * limit

    angle = torch.deg2rad(uniform(degrees))
    zoom = 1.0 + uniform(scale)
    dx, dy = uniform(shift), uniform(shift)
    # affine_grid maps each output position to the input position it reads, in coordinates
    # from -1 to 1: undo the zoom and the rotation, and read from (x - dx, y - dy).
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [
            torch.stack([cos, -sin, -dx * 2 / w], dim=1),
            torch.stack([sin, cos, -dy * 2 / h], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(
        theta.to(images.dtype).to(images.device), list(images.shape), align_corners=False
    )
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

"""Photos in and out of the ImageNet network's input format (attribution).

`imagenet_input` turns RGB photos (H, W, 3) in [0, 1], as `course_utils.data.sample_image`
returns them, into the normalised batch (N, 3, H', W') that the ImageNet network expects;
`imagenet_photo` undoes the normalisation, to draw a network input as a photo.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["imagenet_input", "imagenet_photo"]

# torchvision's ImageNet statistics (the same numbers as `imagenet_transforms()`'s Normalize).
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _as_photo(photo: object, func: str, index: int) -> torch.Tensor:
    """One RGB photo (H, W, 3), float in [0, 1], as a (3, H, W) float32 tensor."""
    name = f"photos[{index}]"
    if isinstance(photo, torch.Tensor):
        photo = photo.detach().cpu().numpy()
    if not isinstance(photo, np.ndarray):
        raise TypeError(
            f"{func}: `{name}` must be a NumPy array (H, W, 3), got {type(photo).__name__}"
        )
    if photo.ndim == 2 or (photo.ndim == 3 and photo.shape[2] == 1):
        raise ValueError(
            f"{func}: `{name}` is a grayscale image of shape {photo.shape}; the network wants "
            "RGB (H, W, 3): repeat the gray channel, e.g. np.stack([gray] * 3, axis=-1)"
        )
    if photo.ndim != 3 or photo.shape[2] != 3:
        hint = "; drop the alpha channel with photo[..., :3]" if photo.shape[-1:] == (4,) else ""
        raise ValueError(f"{func}: `{name}` must have shape (H, W, 3), got {photo.shape}{hint}")
    if not np.issubdtype(photo.dtype, np.floating):
        raise TypeError(
            f"{func}: `{name}` must hold floats in [0, 1], got dtype {photo.dtype}; "
            "for 0-255 pixels use skimage.util.img_as_float32(photo)"
        )
    if not np.isfinite(photo).all():
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    if photo.min() < 0 or photo.max() > 1:
        raise ValueError(
            f"{func}: `{name}` must hold values in [0, 1], got [{photo.min():.3g}, "
            f"{photo.max():.3g}]"
        )
    if min(photo.shape[:2]) < 32:
        raise ValueError(
            f"{func}: `{name}` is {photo.shape[0]}x{photo.shape[1]} pixels; the network "
            "needs at least 32x32 (it halves the size five times)"
        )
    return torch.from_numpy(np.ascontiguousarray(photo, dtype=np.float32)).permute(2, 0, 1)


def imagenet_input(photos: Sequence[np.ndarray] | np.ndarray) -> torch.Tensor:
    """RGB photos (H, W, 3) in [0, 1] as one normalised ImageNet batch (N, 3, H, W) (attribution).

    Each colour channel becomes (value - mean) / std with torchvision's ImageNet statistics, the
    normalisation of `imagenet_transforms()`, without its resizing: give photos of one size
    (e.g. `sample_image(name, 224)`). One photo (H, W, 3) gives a batch of one.
    """
    func = "imagenet_input"
    if isinstance(photos, np.ndarray | torch.Tensor) and photos.ndim <= 3:
        photos = [photos]
    if isinstance(photos, str) or not isinstance(photos, Sequence | np.ndarray | torch.Tensor):
        raise TypeError(
            f"{func}: `photos` must be an array (H, W, 3) or a list of them, "
            f"got {type(photos).__name__}"
        )
    if len(photos) == 0:
        raise ValueError(f"{func}: `photos` holds no photos")
    batch = [_as_photo(photo, func, i) for i, photo in enumerate(photos)]
    sizes = {tuple(photo.shape[1:]) for photo in batch}
    if len(sizes) > 1:
        raise ValueError(
            f"{func}: the photos must all have one size, got {sorted(sizes)}; resize them, "
            "e.g. sample_image(name, 224)"
        )
    mean = torch.tensor(_MEAN)[:, None, None]
    std = torch.tensor(_STD)[:, None, None]
    return (torch.stack(batch) - mean) / std


def imagenet_photo(x: torch.Tensor) -> np.ndarray:
    """A normalised network input (3, H, W) or (1, 3, H, W) back as a photo (H, W, 3) (attribution).

    The inverse of `imagenet_input`, clipped to [0, 1], for drawing with `plt.imshow`.
    """
    func = "imagenet_photo"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{func}: `x` must be a torch.Tensor (3, H, W), got {type(x).__name__}")
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3 or x.shape[0] != 3:
        raise ValueError(
            f"{func}: `x` must have shape (3, H, W) or (1, 3, H, W), got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{func}: `x` must be a float tensor, got dtype {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{func}: `x` contains NaN or infinite values")
    mean = torch.tensor(_MEAN)[:, None, None]
    std = torch.tensor(_STD)[:, None, None]
    photo = (x.detach().cpu().float() * std + mean).clamp(0, 1)
    return photo.permute(1, 2, 0).numpy()

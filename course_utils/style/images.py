"""Photos in, photos out: any image as a (1, 3, H, W) tensor in [0, 1], and back."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from course_utils._validate import as_unit_pixels

__all__ = ["as_image_tensor"]


def _tensor_as_chw(image: torch.Tensor, name: str, func: str) -> np.ndarray:
    """A tensor (H, W), (C, H, W) or (1, C, H, W) as a (C, H, W) array, C in 1, 3, 4."""
    tensor = image.detach().cpu()
    if tensor.ndim == 4:
        if tensor.shape[0] != 1:
            raise ValueError(
                f"{func}: `{name}` must hold one image, got a batch of {tensor.shape[0]}"
            )
        tensor = tensor[0]
    if tensor.ndim == 2:
        tensor = tensor[None]
    if tensor.ndim != 3 or tensor.shape[0] not in (1, 3, 4):
        raise ValueError(
            f"{func}: a tensor `{name}` must be (H, W), (C, H, W) or (1, C, H, W) with "
            f"C in 1, 3, 4, got shape {tuple(image.shape)}"
        )
    return tensor.numpy()


def _array_as_hwc(image: object, name: str, func: str) -> np.ndarray:
    """An array-like (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) as an (H, W, C) array."""
    try:
        array = np.asarray(image)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(
            f"{func}: `{name}` must be an image array, got {type(image).__name__}"
        ) from exc
    if array.dtype.kind in "USOV":
        raise TypeError(
            f"{func}: `{name}` must be an image array of numbers, got {type(image).__name__} "
            f"with dtype {array.dtype}"
        )
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"{func}: `{name}` must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
            f"got shape {array.shape}"
        )
    return array


def _as_unit_float(array: np.ndarray, name: str, func: str) -> np.ndarray:
    """Pixel values as float32 in [0, 1]: the course's one image policy (`as_unit_pixels`)."""
    return as_unit_pixels(array, name, func).astype(np.float32, copy=False)


def as_image_tensor(image: object, name: str = "image") -> torch.Tensor:
    """Any photo as a float32 tensor (1, 3, H, W) in [0, 1] (style transfer).

    Accepts NumPy arrays (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) and tensors (H, W), (C, H, W)
    or (1, C, H, W) with C in 1, 3, 4. Grayscale is repeated into three channels, RGBA is
    composited onto white, integer images (any integer type) are 0-255 pixel values, divided by
    255. `name` is the argument named in error messages (another name than "image" means
    `transfer` is asking).
    """
    func = "as_image_tensor" if name == "image" else "transfer"
    if image is None:
        raise TypeError(f"{func}: `{name}` must be an image array, got None")
    channels_first = isinstance(image, torch.Tensor)
    if channels_first:
        array = _tensor_as_chw(image, name, func)
    else:
        array = _array_as_hwc(image, name, func)
    if array.size == 0:
        raise ValueError(f"{func}: `{name}` is empty, shape {tuple(np.shape(image))}")
    tensor = torch.from_numpy(np.ascontiguousarray(_as_unit_float(array, name, func)))
    if not channels_first:
        tensor = tensor.permute(2, 0, 1)
    if tensor.shape[0] == 1:
        tensor = tensor.expand(3, -1, -1)
    elif tensor.shape[0] == 4:
        alpha = tensor[3:4]
        tensor = tensor[:3] * alpha + (1.0 - alpha)
    return tensor[None].contiguous().float()


def resize(image: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Images (N, 3, H, W) resized to `shape` (antialiased bilinear, clipped to [0, 1])."""
    if tuple(image.shape[-2:]) == tuple(shape):
        return image
    return F.interpolate(
        image, size=shape, mode="bilinear", align_corners=False, antialias=True
    ).clamp(0, 1)


def to_array(image: torch.Tensor) -> np.ndarray:
    """The first image of a batch (N, 3, H, W) as an (H, W, 3) float32 array clipped to [0, 1]."""
    return image.detach()[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy().astype(np.float32)

"""The three terms of the style-transfer objective and the Gram matrix (style transfer).

- `gram_matrix(f)`: the channel-by-channel correlations of a feature map, F F^T / (H W).
- `content_loss`, `style_loss`, `total_variation`: the terms of the objective of Gatys et al.
- `softmax_activations(f)`: the activation smoothing of Wang, Li and Vasconcelos (2021), a
  softmax over the channels at each position, applied before the Gram matrix.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

__all__ = [
    "gram_matrix",
    "softmax_activations",
    "content_loss",
    "style_loss",
    "total_variation",
]


def check_features(f: object, name: str, func: str) -> torch.Tensor:
    """`f` if it is a float tensor (N, C, H, W), else a clear error naming `func` and `name`."""
    if not isinstance(f, torch.Tensor):
        raise TypeError(f"{func}: `{name}` must be a torch.Tensor, got {type(f).__name__}")
    if f.ndim != 4:
        raise ValueError(f"{func}: `{name}` must have shape (N, C, H, W), got {tuple(f.shape)}")
    if not torch.is_floating_point(f):
        raise TypeError(f"{func}: `{name}` must hold floats, got dtype {f.dtype}")
    if 0 in f.shape:
        raise ValueError(
            f"{func}: `{name}` is empty, shape {tuple(f.shape)}; it needs at least one image, "
            "one channel and one position"
        )
    if not bool(torch.isfinite(f.detach()).all()):
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    return f


def gram_matrix(f: torch.Tensor) -> torch.Tensor:
    """Gram matrices (N, C, C) of features (N, C, H, W): F F^T / (H W) (style transfer).

    F is `f` reshaped to (N, C, H W): entry (i, j) is the mean over positions of the product of
    channels i and j.
    """
    f = check_features(f, "f", "gram_matrix")
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def softmax_activations(f: torch.Tensor) -> torch.Tensor:
    """At each position of `f` (N, C, H, W), a softmax over the C channels (style transfer).

    Wang, Li and Vasconcelos (2021) smooth a network's activations with a softmax before taking
    Gram matrices, so that a few large activations weigh less in them. Entry (n, c, i, j)
    becomes exp(f[n, c, i, j]) / sum over c' of exp(f[n, c', i, j]): positive, and summing to 1
    over the channels at every position. NaN or infinite activations raise a ValueError.
    """
    f = check_features(f, "f", "softmax_activations")
    if not torch.isfinite(f).all():
        raise ValueError("softmax_activations: `f` holds NaN or infinite values")
    return torch.softmax(f, dim=1)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between two feature maps of the same shape (style transfer)."""
    features = check_features(features, "features", "content_loss")
    target = check_features(target, "target", "content_loss")
    if features.shape != target.shape:
        raise ValueError(
            f"content_loss: `features` has shape {tuple(features.shape)} but `target` "
            f"has shape {tuple(target.shape)}; they must match"
        )
    return ((features - target) ** 2).mean()


def style_loss(
    features: Mapping[str, torch.Tensor],
    target_grams: Mapping[str, torch.Tensor],
    weights: Mapping[str, float] | None = None,
) -> torch.Tensor:
    """Weighted sum over layers of the mean squared difference of Gram matrices (style transfer).

    `features` maps layer names to activations (N, C, H, W) of the image being made;
    `target_grams` maps the same names to the style image's Gram matrices (N, C, C). The layers
    used are those of `target_grams`; `weights` (default: 1 / number of layers each) maps each
    of them to its weight.
    """
    if not isinstance(features, Mapping):
        raise TypeError(
            f"style_loss: `features` must map layer names to tensors, got {type(features).__name__}"
        )
    if not isinstance(target_grams, Mapping) or not target_grams:
        raise ValueError(
            "style_loss: `target_grams` must be a non-empty mapping of layer names to Gram matrices"
        )
    if weights is None:
        weights = {name: 1.0 / len(target_grams) for name in target_grams}
    missing = [name for name in target_grams if name not in features]
    if missing:
        raise ValueError(
            f"style_loss: `features` lacks the layers {missing} that `target_grams` has"
        )
    missing = [name for name in target_grams if name not in weights]
    if missing:
        raise ValueError(f"style_loss: `weights` lacks the layers {missing}")
    total = None
    for name, target in target_grams.items():
        gram = gram_matrix(check_features(features[name], f"features[{name!r}]", "style_loss"))
        if not isinstance(target, torch.Tensor) or not bool(torch.isfinite(target).all()):
            raise ValueError(f"style_loss: `target_grams[{name!r}]` must be a finite tensor")
        if gram.shape[-2:] != target.shape[-2:]:
            raise ValueError(
                f"style_loss: layer {name!r} gives Gram matrices {tuple(gram.shape)} but "
                f"`target_grams[{name!r}]` is {tuple(target.shape)}"
            )
        term = float(weights[name]) * ((gram - target) ** 2).mean()
        total = term if total is None else total + term
    return total


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared differences of vertical and horizontal neighbours, summed (style transfer)."""
    image = check_features(image, "image", "total_variation")
    if image.shape[-2] < 2 and image.shape[-1] < 2:
        raise ValueError(
            "total_variation: `image` needs at least 2 pixels along one axis, "
            f"got {tuple(image.shape)}"
        )
    loss = image.new_zeros(())
    if image.shape[-2] > 1:
        loss = loss + ((image[..., 1:, :] - image[..., :-1, :]) ** 2).mean()
    if image.shape[-1] > 1:
        loss = loss + ((image[..., :, 1:] - image[..., :, :-1]) ** 2).mean()
    return loss

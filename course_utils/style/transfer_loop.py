"""Neural style transfer by optimising the pixels of one image (style transfer).

`transfer` runs named steps: `_checked_settings`, then `_prepare_images` and
`_prepare_network` (the photos resized, the feature extractor and its layers), `_Objective` (the
weighted losses against the targets), `_optimise` (Adam or L-BFGS; a `_Tracker` keeps the best
image met and the history) and `_package` (a `TransferResult`: the image and the history).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from .._validate import as_device
from ..progress import progress
from .images import as_image_tensor, resize, to_array
from .losses import (
    content_loss,
    gram_matrix,
    softmax_activations,
    style_loss,
    total_variation,
)
from .networks import FeatureExtractor

__all__ = ["TransferResult", "transfer"]

LOSS_NAMES = ("total", "content", "style", "tv")


class TransferResult(NamedTuple):
    """What `transfer` returns: the image and the loss history (style transfer).

    `image` is the best image met, (H, W, 3) float32 clipped to [0, 1]. `history` holds lists
    "total", "content", "style" and "tv": after each evaluation the losses of the best image so
    far, then one last entry for the returned image (`steps` + 1 entries). A named pair, so
    `image, history = transfer(...)` works as well as `result.image`.
    """

    image: np.ndarray
    history: dict[str, list[float]]


# --- step 0: the arguments ---------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_weight(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"transfer: `{name}` must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"transfer: `{name}` must be finite and >= 0, got {value!r}")
    return float(value)


def _checked_settings(
    optimizer: object,
    init: object,
    steps: object,
    weights: dict[str, object],
    callback: object,
    device: object,
    lr: object,
    seed: object,
) -> tuple[dict[str, float], torch.device]:
    """Clear errors for the settings that need no image; the weights as floats, the device."""
    if optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"transfer: `optimizer` must be 'lbfgs' or 'adam', got {optimizer!r}")
    if isinstance(init, str) and init not in ("content", "noise"):
        raise ValueError(f"transfer: `init` must be 'content', 'noise' or an image, got {init!r}")
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"transfer: `steps` must be a positive int, got {steps!r}")
    weights = {name: _check_weight(value, name) for name, value in weights.items()}
    if callback is not None and not callable(callback):
        raise TypeError(f"transfer: `callback` must be callable, got {type(callback).__name__}")
    device = torch.device("cpu") if device is None else as_device(device, "device", "transfer")
    if lr is not None and (
        isinstance(lr, bool)
        or not isinstance(lr, int | float | np.integer | np.floating)
        or not np.isfinite(lr)
        or lr <= 0
    ):
        raise ValueError(f"transfer: `lr` must be a positive number or None, got {lr!r}")
    if not _is_int(seed):
        raise TypeError(f"transfer: `seed` must be an int, got {seed!r}")
    return weights, device


def _output_shape(size: object, content: torch.Tensor) -> tuple[int, int]:
    height, width = content.shape[-2:]
    if _is_int(size):
        if size < 1:
            raise ValueError(f"transfer: `size` must be positive, got {size}")
        return int(size), max(1, round(int(size) * width / height))
    if isinstance(size, tuple | list) and len(size) == 2 and all(_is_int(s) for s in size):
        if min(size) < 1:
            raise ValueError(f"transfer: `size` must be positive, got {size!r}")
        return int(size[0]), int(size[1])
    raise TypeError(
        f"transfer: `size` must be an int (the height) or (height, width), got {size!r}"
    )


# --- step 1: the inputs ------------------------------------------------------------------------


def _prepare_images(
    content: object, style: object, size: object
) -> tuple[torch.Tensor, torch.Tensor]:
    """The content resized to the output size, the style scaled to the same shorter side."""
    content_image = as_image_tensor(content, "content")
    style_image = as_image_tensor(style, "style")
    shape = _output_shape(size, content_image)
    content_image = resize(content_image, shape)
    scale = min(shape) / min(style_image.shape[-2:])
    style_shape = (
        max(1, round(style_image.shape[-2] * scale)),
        max(1, round(style_image.shape[-1] * scale)),
    )
    return content_image, resize(style_image, style_shape)


def _check_layer_names(content_layer: object, style_layers: object) -> None:
    if content_layer is not None and not isinstance(content_layer, str):
        raise TypeError(
            f"transfer: `content_layer` must be a layer name (a str), got {content_layer!r}"
        )
    if isinstance(style_layers, str):
        raise TypeError(
            "transfer: `style_layers` must be a list of layer names, got the str "
            f"{style_layers!r}; write [{style_layers!r}]"
        )
    if style_layers is not None and (
        not isinstance(style_layers, Sequence) or not all(isinstance(n, str) for n in style_layers)
    ):
        raise TypeError(
            f"transfer: `style_layers` must be a list of layer names, got {style_layers!r}"
        )


def _prepare_network(
    features: object,
    content_layer: str | None,
    style_layers: Sequence[str] | None,
    images: tuple[torch.Tensor, torch.Tensor],
) -> tuple[FeatureExtractor, str, tuple[str, ...]]:
    """The feature extractor and the layers to use, checked against the images' sizes."""
    if isinstance(features, FeatureExtractor):
        extractor = features
    elif isinstance(features, str):
        extractor = FeatureExtractor(features)
    else:
        raise TypeError(
            "transfer: `features` must be a kind name or a FeatureExtractor, "
            f"got {type(features).__name__}"
        )
    _check_layer_names(content_layer, style_layers)
    content_layer = content_layer or extractor.content_layer
    style_layers = tuple(style_layers or extractor.style_layers)
    unknown = [n for n in (content_layer, *style_layers) if n not in extractor.layers]
    if unknown:
        raise ValueError(
            f"transfer: layers {unknown} are not among the extractor's layers {extractor.layers}"
        )
    needed = extractor.min_size
    for name, image in zip(("content", "style"), images, strict=True):
        side = min(image.shape[-2:])
        if side < needed:
            raise ValueError(
                f"transfer: the {name} image would be {side} pixels on its shorter side, too "
                f"small for the {extractor.kind} network: `size` must give at least "
                f"{needed}x{needed}"
            )
    return extractor, content_layer, style_layers


def _start_image(init: object, content_image: torch.Tensor, seed: int) -> torch.Tensor:
    """The image the optimisation starts from, a leaf tensor that requires gradients."""
    device = content_image.device
    if isinstance(init, str) and init == "content":
        image = content_image.clone()
    elif isinstance(init, str):
        generator = torch.Generator().manual_seed(seed)
        image = (0.4 + 0.2 * torch.rand(content_image.shape, generator=generator)).to(device)
    else:
        image = resize(as_image_tensor(init, "init"), tuple(content_image.shape[-2:])).to(device)
    return image.contiguous().requires_grad_(True)


# --- step 2: the objective ---------------------------------------------------------------------


class _Objective:
    """The weighted losses of an image against a content and a style target.

    ``content`` is `content_loss` at the content layer divided by the mean square of its
    target; ``style`` is `style_loss` over the style layers, each layer weighted by
    1 / (number of layers x mean square of its target Gram matrix).
    """

    def __init__(
        self,
        extractor: FeatureExtractor,
        layers: tuple[str, tuple[str, ...]],
        images: tuple[torch.Tensor, torch.Tensor],
        weights: dict[str, float],
        smooth: bool = False,
    ):
        if not isinstance(smooth, bool):
            raise TypeError(f"transfer: `smooth` must be True or False, got {smooth!r}")
        self.extractor, (self.content_layer, style_layers) = extractor, layers
        self.smooth = smooth
        with torch.no_grad():
            self.target_content = extractor(images[0])[self.content_layer]
            style_features = self.style_features(extractor(images[1]))
            self.target_grams = {n: gram_matrix(style_features[n]) for n in style_layers}
        # Scales that make the weights mean the same for every network and image size.
        self.content_scale = 1.0 / float((self.target_content**2).mean().clamp_min(1e-12))
        self.layer_weights = {
            n: 1.0 / (len(style_layers) * float((g**2).mean().clamp_min(1e-12)))
            for n, g in self.target_grams.items()
        }
        self.weights = weights

    def style_features(self, activations: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The activations the Gram matrices are taken of: softmax-smoothed if `smooth`."""
        if not self.smooth:
            return activations
        return {n: softmax_activations(a) for n, a in activations.items()}

    def __call__(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.clamp(0, 1)  # the network sees a valid image (L-BFGS steps may leave [0, 1])
        activations = self.extractor(x)
        content = content_loss(activations[self.content_layer], self.target_content)
        style_features = self.style_features({n: activations[n] for n in self.target_grams})
        terms = {
            "content": self.content_scale * content,
            "style": style_loss(style_features, self.target_grams, self.layer_weights),
            "tv": total_variation(x),
        }
        terms["total"] = (
            self.weights["content_weight"] * terms["content"]
            + self.weights["style_weight"] * terms["style"]
            + self.weights["tv_weight"] * terms["tv"]
        )
        return terms


# --- step 3: the optimisation ------------------------------------------------------------------


@dataclass
class _Tracker:
    """The closure the optimisers call: evaluates, keeps the best image, records, reports."""

    objective: _Objective
    image: torch.Tensor
    steps: int
    callback: Callable | None
    bar: object
    optimizer: torch.optim.Optimizer | None = None
    evaluations: int = 0
    best: dict = field(default_factory=lambda: {"total": float("inf")})
    history: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in LOSS_NAMES})

    def record(self, values: dict[str, float]) -> None:
        for k in self.history:
            self.history[k].append(values[k])

    def __call__(self) -> torch.Tensor:
        self.optimizer.zero_grad()
        terms = self.objective(self.image)
        terms["total"].backward()
        self.evaluations += 1
        values = {k: float(v.detach()) for k, v in terms.items()}
        if values["total"] < self.best["total"]:  # L-BFGS line searches also try worse points
            self.best.update(values, image=self.image.detach().clone())
        if self.evaluations <= self.steps:  # L-BFGS may end a line search with one more
            losses = {k: self.best[k] for k in self.history}
            self.record(losses)
            self.bar.update(1)
            if self.callback is not None:
                self.callback(self.evaluations, to_array(self.best["image"]), losses)
        return terms["total"]


def _optimise(tracker: _Tracker, optimizer: str, lr: float | None) -> None:
    """Run Adam (clipping the image to [0, 1] after each step) or one L-BFGS call.

    L-BFGS's steps are not clipped: clipping between its steps breaks its curvature estimate
    and can make it diverge, so the objective sees the image clipped instead. L-BFGS may use
    one evaluation more than `steps` to finish its last line search; it is not recorded.
    """
    image, steps = tracker.image, tracker.steps
    if optimizer == "adam":
        tracker.optimizer = torch.optim.Adam([image], lr=0.05 if lr is None else lr)
        for _ in range(steps):
            tracker()
            tracker.optimizer.step()
            with torch.no_grad():
                image.clamp_(0, 1)
    else:  # one call: clamping between calls would break L-BFGS's picture of the curvature
        tracker.optimizer = torch.optim.LBFGS(
            [image],
            lr=1.0 if lr is None else lr,
            max_iter=steps,
            max_eval=steps,
            history_size=50,
            line_search_fn="strong_wolfe",
            tolerance_grad=0.0,
            tolerance_change=0.0,
        )
        tracker.optimizer.step(tracker)


# --- step 4: the result -----------------------------------------------------------------------


def _package(tracker: _Tracker) -> TransferResult:
    """The best image met, clipped to [0, 1], its losses appended to the history."""
    result = tracker.best["image"].clamp(0, 1)
    with torch.no_grad():
        tracker.record({k: float(v) for k, v in tracker.objective(result).items()})
    return TransferResult(to_array(result), tracker.history)


# --- the whole transfer ------------------------------------------------------------------------


def transfer(
    content: object,
    style: object,
    size: int | tuple[int, int] = 128,
    steps: int = 100,
    content_weight: float = 0.05,
    style_weight: float = 1.0,
    tv_weight: float = 0.3,
    optimizer: str = "adam",
    callback: Callable | None = None,
    *,
    features: str | FeatureExtractor = "random",
    content_layer: str | None = None,
    style_layers: Sequence[str] | None = None,
    init: object = "content",
    lr: float | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    desc: str = "style transfer",
    smooth: bool = False,
) -> TransferResult:
    """Neural style transfer (Gatys et al., 2016) by optimising an image's pixels (style transfer).

    Minimises ``content_weight * content + style_weight * style + tv_weight * tv``; the content
    and style terms are scaled by their targets (see `_Objective`), so the weights mean the same
    for every feature network and image size.

    - `size`: the output height (the width keeps the content's aspect ratio) or (height, width).
      The style image is scaled so that its shorter side matches the output's.
    - `steps`: loss evaluations, one forward and backward pass each.
    - `optimizer`: "adam" (default `lr` 0.05; its steps are clipped to [0, 1]; the same numbers
      for any number of CPU threads) or "lbfgs" (Gatys et al.'s; default `lr` 1, strong-Wolfe
      line search; unclipped steps, the losses see the image clipped; its line search amplifies
      thread-dependent last bits, so its result changes from machine to machine).
    - `init`: "content" (the photo), "noise", or an image (resized: a smaller result, say).
    - `smooth`: Gram matrices of `softmax_activations` (Wang, Li and Vasconcelos, 2021).
    - `callback(step, image, losses)`: called after every evaluation with the best image so far,
      an (H, W, 3) array, and its losses.

    Returns a `TransferResult`, the pair (image, history): the best image met (lowest total loss;
    L-BFGS's line searches also try worse ones), and its losses after each evaluation.
    """
    weights = {"content_weight": content_weight, "style_weight": style_weight}
    weights, device = _checked_settings(
        optimizer, init, steps, {**weights, "tv_weight": tv_weight}, callback, device, lr, seed
    )
    images = _prepare_images(content, style, size)
    extractor, content_layer, style_layers = _prepare_network(
        features, content_layer, style_layers, images
    )
    extractor = extractor.to(device)
    images = tuple(image.to(device) for image in images)
    objective = _Objective(extractor, (content_layer, style_layers), images, weights, smooth)
    image = _start_image(init, images[0], seed)
    tracker = _Tracker(objective, image, steps, callback, progress(total=steps, desc=desc))
    try:
        _optimise(tracker, optimizer, lr)
    finally:
        tracker.bar.close()
    return _package(tracker)

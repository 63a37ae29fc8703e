"""The pretrained ImageNet weights chapter 10 can use, in one place (chapter 10 and the CLI).

- `imagenet_weights(kind)`: the pinned torchvision weights enum of "squeezenet" or "vgg19".
- `weights_file(kind)`: where torch.hub caches that file.
- `pretrained_problem(kind)`, `pretrained_available(kind)`: whether the cached file is intact.

The weights are pinned to `IMAGENET1K_V1`, never `DEFAULT`: torchvision may point `DEFAULT` at
newer weights, and then the feature network, `doctor` and `download` would disagree about which
file to look for. torchvision names each file with the first hex digits of its SHA-256
(`squeezenet1_1-b8a52dc0.pth`); that prefix is what `pretrained_problem` verifies.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torchvision is imported only when weights are asked for
    from torchvision.models import WeightsEnum

__all__ = [
    "PRETRAINED_KINDS",
    "imagenet_weights",
    "weights_file",
    "pretrained_problem",
    "pretrained_available",
]

PRETRAINED_KINDS = ("squeezenet", "vgg19")


def _check_kind(kind: object, func: str) -> str:
    if kind not in PRETRAINED_KINDS:
        raise ValueError(f"{func}: `kind` must be 'squeezenet' or 'vgg19', got {kind!r}")
    return kind  # type: ignore[return-value]


def imagenet_weights(kind: str) -> WeightsEnum:
    """The pinned ImageNet weights (`IMAGENET1K_V1`) of "squeezenet" or "vgg19" (chapter 10)."""
    kind = _check_kind(kind, "imagenet_weights")
    from torchvision import models

    if kind == "squeezenet":
        return models.SqueezeNet1_1_Weights.IMAGENET1K_V1
    return models.VGG19_Weights.IMAGENET1K_V1


def weights_file(kind: str) -> Path:
    """Where torch.hub caches the weights file of `kind`, present or not (chapter 10)."""
    kind = _check_kind(kind, "weights_file")
    import torch

    url = imagenet_weights(kind).url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name


def pretrained_problem(kind: str) -> str | None:
    """None if the weights of `kind` are cached and intact, else "missing" or the damage (ch. 10).

    torchvision names each weights file with the first digits of its SHA-256; this checks them.
    """
    kind = _check_kind(kind, "pretrained_problem")
    path = weights_file(kind)
    if not path.is_file():
        return "missing"
    prefix = re.search(r"-([a-f0-9]+)\.", path.name)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if prefix and not digest.hexdigest().startswith(prefix.group(1)):
        return f"damaged: {path.name} fails its SHA-256 check"
    return None


def pretrained_available(kind: str) -> bool:
    """Whether the weights of `kind` are in the torch hub cache, intact; no network (chapter 10)."""
    kind = _check_kind(kind, "pretrained_available")
    return pretrained_problem(kind) is None

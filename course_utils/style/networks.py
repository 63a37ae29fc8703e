"""Feature networks for style transfer: named activations of a frozen CNN (style transfer).

- `RandomFeatureNet`: a fixed-seed random multi-scale CNN, always available offline.
- `FeatureExtractor(kind)`: named activations of MobileNetV2 (the course's verified ImageNet
  network, `course_utils.imagenet`), or of SqueezeNet 1.1 or VGG-19 when their pinned ImageNet
  weights (`course_utils.pretrained`) are cached or downloadable; otherwise of the random
  network.
"""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models

from course_utils import imagenet
from course_utils._validate import as_bool, as_int, as_number
from course_utils.i18n import _
from course_utils.modes import evaluating
from course_utils.ops import output_size
from course_utils.pretrained import imagenet_weights, pretrained_problem, weights_file

from .losses import check_features

__all__ = ["KINDS", "DEFAULT_LAYERS", "MOBILENET_NOTE", "RandomFeatureNet", "FeatureExtractor"]

KINDS = ("random", "mobilenet_v2", "squeezenet", "vgg19")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Which layers each network offers by default: (style layers, content layer).
# SqueezeNet's are the ones CS231n's assignment used; VGG-19's are those of Gatys et al. (2016).
# MobileNetV2's are the last block at each of its first four scales (1/2 to 1/16 of the input),
# its content layer the last block at 1/16 (`MOBILENET_NOTE`).
DEFAULT_LAYERS = {
    "random": (("conv1", "conv2", "conv3", "conv4", "conv5"), "conv4"),
    "mobilenet_v2": (("block0", "block1", "block3", "block6", "block10"), "block13"),
    "squeezenet": (("conv1", "fire3", "fire4", "fire5"), "fire2"),
    "vgg19": (("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"), "relu4_2"),
}

SQUEEZENET_NAMES = {
    1: "conv1",
    3: "fire2",
    4: "fire3",
    6: "fire4",
    7: "fire5",
    9: "fire6",
    10: "fire7",
    11: "fire8",
    12: "fire9",
}

MOBILENET_NOTE = (
    "MobileNetV2's layer `blockK` is the output of `features[K]`: block0 is the first 3x3 "
    "convolution (stride 2) with ReLU6, block1 to block17 are its inverted-residual blocks "
    "(1x1 expansion, 3x3 depthwise and ReLU6 inside, then a linear 1x1 projection, so their "
    "outputs can be negative), block18 the last 1x1 convolution (1280 maps)."
)


class RandomFeatureNet(nn.Module):
    """A fixed-seed random CNN: five 3x3 conv + ReLU stages, 2x2 average pooling between.

    The comparison that shows what training adds, in style transfer (style transfer).

    Stage k sees the image at 1/2^(k-1) of its size with `widths[k-1]` filters, so the five
    outputs ("conv1" ... "conv5") describe the image at five scales. The weights are drawn once
    from a normal distribution with He scaling (variance 2 / fan-in) from `seed`, and never
    trained. Padding is circular (the image wraps around), so the borders are not special: zero
    padding makes optimised images grow bright frames.
    """

    def __init__(self, widths: Sequence[int] = (32, 64, 128, 256, 256), seed: int = 0):
        super().__init__()
        if len(widths) < 1 or not all(
            isinstance(w, int | np.integer) and not isinstance(w, bool) and w > 0 for w in widths
        ):
            raise ValueError(f"RandomFeatureNet: `widths` must be positive ints, got {widths!r}")
        seed = as_int(seed, "seed", "RandomFeatureNet", minimum=0)
        generator = torch.Generator().manual_seed(seed)
        self.convs = nn.ModuleList()
        fan_in_channels = 3
        for width in widths:
            conv = nn.Conv2d(
                fan_in_channels, width, kernel_size=3, padding=1, padding_mode="circular"
            )
            with torch.no_grad():
                scale = (2.0 / (fan_in_channels * 9)) ** 0.5
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * scale)
                conv.bias.zero_()
            self.convs.append(conv)
            fan_in_channels = width
        self.names = [f"conv{i + 1}" for i in range(len(widths))]

    def spatial_sizes(self, size: int) -> dict[str, int]:
        """The side of each stage's output for an input of side `size`."""
        sizes = {}
        for i, name in enumerate(self.names):
            size = size // 2 if i > 0 else size
            sizes[name] = size
        return sizes

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The activations of every stage, by name, for a normalised batch `x` (N, 3, H, W)."""
        outputs = {}
        for i, (name, conv) in enumerate(zip(self.names, self.convs, strict=True)):
            if i > 0:
                x = F.avg_pool2d(x, 2)
            x = F.relu(conv(x))
            outputs[name] = x
        return outputs


class _Sequential(nn.Module):
    """Run a torchvision `features` stack and keep the outputs of the named modules."""

    def __init__(self, layers: nn.Sequential, names: dict[int, str]):
        super().__init__()
        self.layers = layers
        self.index_names = names
        self.names = list(names.values())

    def spatial_sizes(self, size: int) -> dict[str, int]:
        """The side of each named output for an input of side `size` (convolutions and pooling)."""
        sizes = {}
        for i, layer in enumerate(self.layers):
            for module in layer.modules():  # blocks hold their convolutions in order
                if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
                    size = _output_side(module, size)
            if i in self.index_names:
                sizes[self.index_names[i]] = size
        return sizes

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        outputs = {}
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.index_names:
                outputs[self.index_names[i]] = x
        return outputs

    def truncated(self, deepest: int) -> _Sequential:
        """The stack cut after the named output at position `deepest` of `names`."""
        last = max(i for i, n in self.index_names.items() if self.names.index(n) <= deepest)
        names = {i: n for i, n in self.index_names.items() if i <= last}
        return _Sequential(self.layers[: last + 1], names)


def _output_side(layer: nn.Module, size: int) -> int:
    """Output side of a conv or pooling layer (PyTorch's formula, dilation and ceil_mode too)."""

    def first(v: int | tuple[int, ...]) -> int:
        return v[0] if isinstance(v, tuple) else v

    kernel, stride = first(layer.kernel_size), first(layer.stride)
    padding, dilation = first(layer.padding), first(getattr(layer, "dilation", 1))
    span = dilation * (kernel - 1) + 1  # the kernel's reach, dilation included
    if size < 1 or span > size + 2 * padding:
        return 0
    out = output_size(size, span, stride, padding)
    if getattr(layer, "ceil_mode", False):  # a last, partial window, unless it starts in padding
        out += (size + 2 * padding - span) % stride > 0
        if (out - 1) * stride >= size + padding:
            out -= 1
    return out


def _as_pixels(image: object) -> object:
    """Integer images (any integer type) as float 0-255 pixel values / 255; the rest as given."""
    if not isinstance(image, torch.Tensor) or image.is_floating_point() or image.is_complex():
        return image
    if image.dtype == torch.bool or image.numel() == 0:
        return image
    low, high = int(image.min()), int(image.max())
    if low < 0 or high > 255:
        raise ValueError(
            f"FeatureExtractor: integer `image` must hold 0-255 pixel values, got values in "
            f"[{low}, {high}]"
        )
    return image.float() / 255.0


def _vgg19_names(features: nn.Sequential) -> dict[int, str]:
    names, block, conv = {}, 1, 0
    for i, layer in enumerate(features):
        if isinstance(layer, nn.Conv2d):
            conv += 1
        elif isinstance(layer, nn.ReLU):
            names[i] = f"relu{block}_{conv}"
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            block, conv = block + 1, 0
    return names


def _download(kind: str, timeout: float, download: bool) -> nn.Module:
    """The torchvision network of `kind` with its pinned ImageNet weights, cached or fetched."""
    problem = pretrained_problem(kind)
    if problem is not None and not download:
        raise RuntimeError(
            f"{'not in the torch hub cache' if problem == 'missing' else problem} "
            "and download=False"
        )
    if problem is not None and problem != "missing":
        weights_file(kind).unlink()  # torch.hub would load a damaged file without checking it
    builder = models.squeezenet1_1 if kind == "squeezenet" else models.vgg19
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:  # torch.hub prints "Downloading ..." even when it fails: keep it quiet
        with contextlib.redirect_stdout(io.StringIO()):
            return builder(weights=imagenet_weights(kind), progress=False)
    finally:
        socket.setdefaulttimeout(previous)


def _pretrained(
    kind: str, timeout: float, download: bool, model: nn.Module | None = None
) -> nn.Module:
    """The torchvision network of `kind` with ImageNet weights, its `features` stack only.

    MobileNetV2 comes from `course_utils.imagenet.imagenet_classifier`, verified at every load.
    """
    if model is None and kind == "mobilenet_v2":
        model = imagenet.imagenet_classifier(fetch=download)
    elif model is None:
        model = _download(kind, timeout, download)
    features = model.features
    for i, layer in enumerate(features):
        if isinstance(layer, nn.ReLU):
            features[i] = nn.ReLU(inplace=False)  # keep every stored activation intact
        elif kind == "vgg19" and isinstance(layer, nn.MaxPool2d):
            features[i] = nn.AvgPool2d(2)  # Gatys et al.: average pooling gives smoother images
    for module in features.modules():  # Fire modules and MobileNet blocks hold in-place ReLUs
        for child_name, child in module.named_children():
            if isinstance(child, nn.ReLU | nn.ReLU6):
                setattr(module, child_name, type(child)(inplace=False))
    if kind == "mobilenet_v2":
        names = {i: f"block{i}" for i in range(len(features))}
    else:
        names = SQUEEZENET_NAMES if kind == "squeezenet" else _vgg19_names(features)
    return _Sequential(features, dict(names))


def _network(
    kind: str, timeout: float, download: bool, verbose: bool, model: nn.Module | None
) -> tuple[nn.Module, str]:
    """The network of `kind` and the kind in use: "random" when pretrained weights fail."""
    if kind != "random":
        try:
            return _pretrained(kind, timeout, download, model=model), kind
        except Exception as exc:  # offline, blocked, corrupt cache: all mean "not available"
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:100]
            if verbose:
                print(
                    _(
                        "Pretrained {kind} weights are not available ({reason}); "
                        "using the fixed-seed random network instead."
                    ).format(kind=kind, reason=reason)
                )
    return RandomFeatureNet(), "random"


def _chosen_layers(network: nn.Module, kind: str, layers: Sequence[str] | None) -> tuple:
    """`layers` checked against the network's names (default: its style and content layers)."""
    style_layers, content_layer = DEFAULT_LAYERS[kind]
    if layers is None:
        layers = tuple(sorted(set(style_layers) | {content_layer}, key=network.names.index))
    if isinstance(layers, str) or not all(isinstance(n, str) for n in layers) or not layers:
        raise TypeError(
            "FeatureExtractor: `layers` must be a non-empty sequence of layer names, "
            f"got {layers!r}"
        )
    unknown = [n for n in layers if n not in network.names]
    if unknown:
        raise ValueError(
            f"FeatureExtractor: unknown `layers` {unknown} for {kind!r}; "
            f"valid names: {', '.join(network.names)}"
        )
    return tuple(layers)


class FeatureExtractor(nn.Module):
    """Named activations of a frozen CNN for images (N, 3, H, W) in [0, 1] (style transfer).

    `kind` is "mobilenet_v2" (the course's ImageNet network, 14 MB, from
    `course_utils.imagenet.imagenet_classifier`, its SHA-256 checked at every load; layer names
    in `MOBILENET_NOTE`), "squeezenet" (SqueezeNet 1.1, 5 MB), "vgg19" (548 MB) or "random".
    The pretrained weights come through torchvision when they are in the torch hub cache or can
    be downloaded (the attempt gives up after `timeout` seconds without an answer); otherwise one
    line says so and the fixed-seed `RandomFeatureNet` stands in. Every kind standardises its
    input with the ImageNet mean and standard deviation, as the pretrained weights expect. `layers`
    (default: the kind's usual style and content layers) are the names `forward` returns; the
    network is cut after the deepest one. `kind` afterwards tells which network is in use.
    """

    def __init__(
        self,
        kind: str = "random",
        layers: Sequence[str] | None = None,
        *,
        download: bool = True,
        timeout: float = 3.0,
        verbose: bool = True,
        _model: nn.Module | None = None,
    ):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(
                f"FeatureExtractor: `kind` must be one of {', '.join(KINDS)}, got {kind!r}"
            )
        timeout = as_number(timeout, "timeout", "FeatureExtractor")
        if timeout <= 0:
            raise ValueError(f"FeatureExtractor: `timeout` must be > 0 seconds, got {timeout:g}")
        download = as_bool(download, "download", "FeatureExtractor")
        verbose = as_bool(verbose, "verbose", "FeatureExtractor")
        self.requested = kind
        network, self.kind = _network(kind, timeout, download, verbose, _model)
        if self.kind != kind:  # the random stand-in has its own layer names
            layers = None
        self.pretrained = self.kind != "random"
        self.style_layers, self.content_layer = DEFAULT_LAYERS[self.kind]
        self.layers = _chosen_layers(network, self.kind, layers)
        self.all_layers = tuple(network.names)
        deepest = max(network.names.index(n) for n in self.layers)
        if isinstance(network, _Sequential):  # drop everything after the deepest layer used
            network = network.truncated(deepest)
        else:
            network.convs = network.convs[: deepest + 1]
            network.names = network.names[: deepest + 1]
        network.eval()
        for parameter in network.parameters():
            parameter.requires_grad_(False)
        self.network = network
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.min_size = self._smallest_input()

    def _smallest_input(self) -> int:
        """The smallest square side for which every requested layer has at least 2x2 positions."""
        for size in range(2, 4097):
            sizes = self.network.spatial_sizes(size)
            if all(sizes[name] >= 2 for name in self.layers):
                return size
        raise RuntimeError(
            "FeatureExtractor: no input size up to 4096 suits the network"
        )  # pragma: no cover

    def describe(self) -> str:
        """One line naming the network and whether its weights are trained (style transfer)."""
        if self.kind == "random":
            widths = ", ".join(str(c.out_channels) for c in self.network.convs)
            return (
                "random network (fixed seed, untrained): 3x3 conv + ReLU stages with "
                f"{widths} filters, 2x2 average pooling between them, circular padding"
            )
        name = {
            "mobilenet_v2": "MobileNetV2",
            "squeezenet": "SqueezeNet 1.1",
            "vgg19": "VGG-19 (average pooling)",
        }[self.kind]
        return f"{name} with ImageNet weights from torchvision"

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """The activations of the requested layers, by name, for images (N, 3, H, W) in [0, 1]."""
        image = check_features(_as_pixels(image), "image", "FeatureExtractor")
        low, high = float(image.detach().min()), float(image.detach().max())
        if low < -1e-3 or high > 1 + 1e-3:
            raise ValueError(
                f"FeatureExtractor: float `image` must lie in [0, 1], got values in "
                f"[{low:.3g}, {high:.3g}] (divide 0-255 values by 255)"
            )
        if image.shape[1] != 3:
            raise ValueError(
                f"FeatureExtractor: `image` must have 3 channels, got {image.shape[1]}"
            )
        height, width = image.shape[-2:]
        if min(height, width) < self.min_size:
            raise ValueError(
                f"FeatureExtractor: `image` is {height}x{width} pixels, too small for the "
                f"{self.kind} network's layer {max(self.layers, key=self.all_layers.index)!r}: "
                f"it needs at least {self.min_size}x{self.min_size}"
            )
        with evaluating(self.network):  # frozen features, even after a stray .train()
            outputs = self.network((image - self.mean) / self.std)
        return {name: outputs[name] for name in self.layers}

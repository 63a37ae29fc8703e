"""Neural style transfer (chapter 10): Gram matrices, the three losses, feature networks, the loop.

- `gram_matrix(f)`: the channel-by-channel correlations of a feature map, F F^T / (H W).
- `content_loss`, `style_loss`, `total_variation`: the terms of the objective of Gatys et al.
- `FeatureExtractor(kind)`: named activations of SqueezeNet 1.1 or VGG-19 when their pretrained
  weights are cached or downloadable, otherwise of a fixed-seed random multi-scale network.
- `transfer(content, style, ...)`: optimise the pixels of an image with L-BFGS or Adam.
- `brush_stroke_painting(size)`: a seeded, code-drawn "painting" to use as a style image.
"""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_device
from .progress import progress

__all__ = [
    "gram_matrix",
    "content_loss",
    "style_loss",
    "total_variation",
    "as_image_tensor",
    "RandomFeatureNet",
    "FeatureExtractor",
    "pretrained_available",
    "transfer",
    "brush_stroke_painting",
]

KINDS = ("random", "squeezenet", "vgg19")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Which layers each network offers by default: (style layers, content layer).
# SqueezeNet's are the ones CS231n's assignment used; VGG-19's are those of Gatys et al. (2016).
DEFAULT_LAYERS = {
    "random": (("conv1", "conv2", "conv3", "conv4", "conv5"), "conv4"),
    "squeezenet": (("conv1", "fire3", "fire4", "fire5"), "fire2"),
    "vgg19": (("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"), "relu4_2"),
}


# --- the three losses --------------------------------------------------------------------------


def _check_features(f, name: str, func: str) -> torch.Tensor:
    if not isinstance(f, torch.Tensor):
        raise TypeError(f"{func}: `{name}` must be a torch.Tensor, got {type(f).__name__}")
    if f.ndim != 4:
        raise ValueError(f"{func}: `{name}` must have shape (N, C, H, W), got {tuple(f.shape)}")
    if not torch.is_floating_point(f):
        raise TypeError(f"{func}: `{name}` must hold floats, got dtype {f.dtype}")
    return f


def gram_matrix(f: torch.Tensor) -> torch.Tensor:
    """Gram matrices (N, C, C) of features (N, C, H, W): F F^T / (H W), F = f as (N, C, H W) (chapter 10)."""
    f = _check_features(f, "f", "gram_matrix")
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between two feature maps of the same shape (chapter 10)."""
    features = _check_features(features, "features", "content_loss")
    target = _check_features(target, "target", "content_loss")
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
    """Weighted sum over layers of the mean squared difference of Gram matrices (chapter 10).

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
        gram = gram_matrix(features[name])
        if gram.shape[-2:] != target.shape[-2:]:
            raise ValueError(
                f"style_loss: layer {name!r} gives Gram matrices {tuple(gram.shape)} but "
                f"`target_grams[{name!r}]` is {tuple(target.shape)}"
            )
        term = float(weights[name]) * ((gram - target) ** 2).mean()
        total = term if total is None else total + term
    return total


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between vertically and horizontally adjacent pixels, summed (chapter 10)."""
    image = _check_features(image, "image", "total_variation")
    if image.shape[-2] < 2 and image.shape[-1] < 2:
        raise ValueError(
            f"total_variation: `image` needs at least 2 pixels along one axis, got {tuple(image.shape)}"
        )
    loss = image.new_zeros(())
    if image.shape[-2] > 1:
        loss = loss + ((image[..., 1:, :] - image[..., :-1, :]) ** 2).mean()
    if image.shape[-1] > 1:
        loss = loss + ((image[..., :, 1:] - image[..., :, :-1]) ** 2).mean()
    return loss


# --- images in, images out ---------------------------------------------------------------------


def as_image_tensor(image, name: str = "image") -> torch.Tensor:
    """Any photo as a float32 tensor (1, 3, H, W) in [0, 1] (chapter 10).

    Accepts NumPy arrays (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) and tensors (H, W), (C, H, W) or
    (1, C, H, W) with C in 1, 3, 4. Grayscale is repeated into three channels, RGBA is composited
    onto white, integer images (any integer type) are 0-255 pixel values, divided by 255.
    """
    func = "as_image_tensor" if name == "image" else "transfer"
    if image is None:
        raise TypeError(f"{func}: `{name}` must be an image array, got None")
    if isinstance(image, torch.Tensor):
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
        array = tensor.numpy()
        channels_first = True
    else:
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
        channels_first = False
    if array.dtype == bool:
        array = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.integer):  # pixel values 0-255, whatever the integer type
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError(
                f"{func}: integer `{name}` must hold 0-255 pixel values, got values in "
                f"[{array.min()}, {array.max()}]"
            )
        array = array.astype(np.float32) / 255.0
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
        if not np.isfinite(array).all():
            raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
        low, high = float(array.min()), float(array.max())
        if low < -1e-3 or high > 1 + 1e-3:
            raise ValueError(
                f"{func}: float `{name}` must lie in [0, 1], got values in [{low:.3g}, {high:.3g}]"
                " (divide 0-255 values by 255)"
            )
        array = np.clip(array, 0.0, 1.0)
    elif np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{func}: `{name}` must hold real numbers, got dtype {array.dtype}")
    else:
        raise TypeError(f"{func}: `{name}` must hold numbers, got dtype {array.dtype}")
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if not channels_first:
        tensor = tensor.permute(2, 0, 1)
    if tensor.shape[0] == 1:
        tensor = tensor.expand(3, -1, -1)
    elif tensor.shape[0] == 4:
        alpha = tensor[3:4]
        tensor = tensor[:3] * alpha + (1.0 - alpha)
    if min(tensor.shape[1:]) < 1:
        raise ValueError(f"{func}: `{name}` is empty, shape {tuple(image.shape)}")
    return tensor[None].contiguous().float()


def _resize(image: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    if tuple(image.shape[-2:]) == tuple(shape):
        return image
    return F.interpolate(
        image, size=shape, mode="bilinear", align_corners=False, antialias=True
    ).clamp(0, 1)


# --- feature networks ----------------------------------------------------------------------------


class RandomFeatureNet(nn.Module):
    """A fixed-seed random CNN: five 3x3 conv + ReLU stages, 2x2 average pooling between (chapter 10).

    Stage k sees the image at 1/2^(k-1) of its size with `widths[k-1]` filters, so the five outputs
    ("conv1" ... "conv5") describe the image at five scales. The weights are drawn once from a
    normal distribution with He scaling (variance 2 / fan-in) from `seed`, and never trained.
    Padding is circular (the image wraps around), so the borders are not special: zero padding
    makes optimised images grow bright frames.
    """

    def __init__(self, widths: Sequence[int] = (32, 64, 128, 256, 256), seed: int = 0):
        super().__init__()
        if len(widths) < 1 or not all(
            isinstance(w, int | np.integer) and not isinstance(w, bool) and w > 0 for w in widths
        ):
            raise ValueError(f"RandomFeatureNet: `widths` must be positive ints, got {widths!r}")
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
            if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
                size = _output_side(layer, size)
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


def _output_side(layer: nn.Module, size: int) -> int:
    """Output side of a conv or pooling layer (PyTorch's formula, ceil_mode included)."""

    def first(v):
        return v[0] if isinstance(v, tuple) else v

    kernel, stride = first(layer.kernel_size), first(layer.stride)
    padding, dilation = first(layer.padding), first(getattr(layer, "dilation", 1))
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    if getattr(layer, "ceil_mode", False):
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return span // stride + 1


def _squeezenet_names() -> dict[int, str]:
    return {
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


def _weights(kind: str):
    from torchvision import models

    return (
        models.SqueezeNet1_1_Weights.DEFAULT
        if kind == "squeezenet"
        else models.VGG19_Weights.DEFAULT
    )


def _weights_path(kind: str) -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(_weights(kind).url).name


def pretrained_problem(kind: str) -> str | None:
    """None if the weights of `kind` are cached and intact, else "missing" or what is damaged (chapter 10).

    torchvision names each weights file with the first digits of its SHA-256; this checks them.
    """
    import hashlib
    import re

    if kind not in ("squeezenet", "vgg19"):
        raise ValueError(
            f"pretrained_problem: `kind` must be 'squeezenet' or 'vgg19', got {kind!r}"
        )
    path = _weights_path(kind)
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
    """Whether the pretrained weights of `kind` are in the torch hub cache, intact; no network (chapter 10)."""
    if kind not in ("squeezenet", "vgg19"):
        raise ValueError(
            f"pretrained_available: `kind` must be 'squeezenet' or 'vgg19', got {kind!r}"
        )
    return pretrained_problem(kind) is None


def _pretrained(
    kind: str, timeout: float, download: bool, model: nn.Module | None = None
) -> nn.Module:
    """The torchvision network of `kind` with ImageNet weights, its `features` stack only."""
    from torchvision import models

    if model is None:
        problem = pretrained_problem(kind)
        if problem is not None and not download:
            raise RuntimeError(
                f"{'not in the torch hub cache' if problem == 'missing' else problem} "
                "and download=False"
            )
        if problem is not None and problem != "missing":
            _weights_path(kind).unlink()  # torch.hub would load a damaged file without checking it
        builder = models.squeezenet1_1 if kind == "squeezenet" else models.vgg19
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout)
        try:  # torch.hub prints "Downloading ..." even when it fails: keep it quiet
            with contextlib.redirect_stdout(io.StringIO()):
                model = builder(weights=_weights(kind), progress=False)
        finally:
            socket.setdefaulttimeout(previous)
    features = model.features
    for i, layer in enumerate(features):
        if isinstance(layer, nn.ReLU):
            features[i] = nn.ReLU(inplace=False)  # keep every stored activation intact
        elif kind == "vgg19" and isinstance(layer, nn.MaxPool2d):
            features[i] = nn.AvgPool2d(2)  # Gatys et al.: average pooling gives smoother images
    for module in features.modules():  # Fire modules hold in-place ReLUs too
        for child_name, child in module.named_children():
            if isinstance(child, nn.ReLU):
                setattr(module, child_name, nn.ReLU(inplace=False))
    names = _squeezenet_names() if kind == "squeezenet" else _vgg19_names(features)
    return _Sequential(features, names)


class FeatureExtractor(nn.Module):
    """Named activations of a frozen CNN for images (N, 3, H, W) in [0, 1] (chapter 10).

    `kind` is "squeezenet" (SqueezeNet 1.1, 5 MB), "vgg19" (548 MB) or "random". The pretrained
    weights come through torchvision when they are in the torch hub cache or can be downloaded
    (the attempt gives up after `timeout` seconds without an answer); otherwise one line says
    so and the fixed-seed `RandomFeatureNet` stands in. Every kind standardises its input with
    the ImageNet mean and standard deviation, as the pretrained weights expect. `layers`
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
        self.requested = kind
        network = None
        if kind != "random":
            try:
                network = _pretrained(kind, timeout, download, model=_model)
            except Exception as exc:  # offline, blocked, corrupt cache: all mean "not available"
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:100]
                if verbose:
                    print(
                        f"Pretrained {kind} weights are not available ({reason}); "
                        f"using the fixed-seed random network instead."
                    )
                kind = "random"
                layers = None
        if network is None:
            network = RandomFeatureNet()
        self.kind = kind
        self.pretrained = kind != "random"
        style_layers, content_layer = DEFAULT_LAYERS[kind]
        self.style_layers = style_layers
        self.content_layer = content_layer
        if layers is None:
            layers = tuple(sorted(set(style_layers) | {content_layer}, key=network.names.index))
        if isinstance(layers, str) or not all(isinstance(n, str) for n in layers) or not layers:
            raise TypeError(
                f"FeatureExtractor: `layers` must be a non-empty sequence of layer names, got {layers!r}"
            )
        unknown = [n for n in layers if n not in network.names]
        if unknown:
            raise ValueError(
                f"FeatureExtractor: unknown `layers` {unknown} for {kind!r}; "
                f"valid names: {', '.join(network.names)}"
            )
        self.layers = tuple(layers)
        self.all_layers = tuple(network.names)
        deepest = max(network.names.index(n) for n in self.layers)
        if isinstance(network, _Sequential):  # drop everything after the deepest layer used
            last = max(
                i for i, n in network.index_names.items() if network.names.index(n) <= deepest
            )
            network = _Sequential(
                network.layers[: last + 1],
                {i: n for i, n in network.index_names.items() if i <= last},
            )
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
        """One line naming the network and whether its weights are trained (chapter 10)."""
        if self.kind == "random":
            widths = ", ".join(str(c.out_channels) for c in self.network.convs)
            return (
                f"random network (fixed seed, untrained): 3x3 conv + ReLU stages with {widths} filters, "
                f"2x2 average pooling between them, circular padding"
            )
        name = "SqueezeNet 1.1" if self.kind == "squeezenet" else "VGG-19 (average pooling)"
        return f"{name} with ImageNet weights from torchvision"

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """The activations of the requested layers, by name, for images (N, 3, H, W) in [0, 1]."""
        image = _check_features(image, "image", "FeatureExtractor")
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
        from course_utils.interpret import evaluating

        with evaluating(self.network):  # frozen features, even after a stray .train()
            outputs = self.network((image - self.mean) / self.std)
        return {name: outputs[name] for name in self.layers}


# --- the optimisation -----------------------------------------------------------------------


def _output_shape(size, content: torch.Tensor) -> tuple[int, int]:
    height, width = content.shape[-2:]
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        if size < 1:
            raise ValueError(f"transfer: `size` must be positive, got {size}")
        return int(size), max(1, round(int(size) * width / height))
    if (
        isinstance(size, tuple | list)
        and len(size) == 2
        and all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in size)
    ):
        if min(size) < 1:
            raise ValueError(f"transfer: `size` must be positive, got {size!r}")
        return int(size[0]), int(size[1])
    raise TypeError(
        f"transfer: `size` must be an int (the height) or (height, width), got {size!r}"
    )


def _check_weight(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"transfer: `{name}` must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"transfer: `{name}` must be finite and >= 0, got {value!r}")
    return float(value)


def transfer(
    content,
    style,
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
    init="content",
    lr: float | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    desc: str = "style transfer",
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Neural style transfer (Gatys et al., 2016) by optimising the pixels of one image (chapter 10).

    Minimises ``content_weight * content + style_weight * style + tv_weight * tv``, where
    ``content`` is `content_loss` at `content_layer` divided by the mean square of its target and
    ``style`` is `style_loss` over `style_layers`, each layer weighted by 1 / (number of layers x
    mean square of its target Gram matrix). With these scales the weights mean the same for every
    feature network and image size.

    - `size`: the output height (the width keeps the content's aspect ratio) or (height, width).
      The style image is scaled so that its shorter side matches the output's.
    - `steps`: loss evaluations, one forward and backward pass each (L-BFGS may use one more to
      finish its last line search).
    - `optimizer`: "adam" (default `lr` 0.05) or "lbfgs" (what Gatys et al. used; default `lr` 1,
      strong-Wolfe line search). Adam gives the same numbers for any number of CPU threads.
      L-BFGS sums dot products in a thread-dependent order and its line search amplifies those
      last-bit differences, so its result changes from machine to machine.
    - `init`: "content" (start from the photo), "noise", or an image (resized to the output; for
      example a smaller earlier result, to work coarse-to-fine).
    - `callback(step, image, losses)`: called after every evaluation with the best image so far,
      an (H, W, 3) array, and its losses.

    Adam's steps are clipped to [0, 1]; L-BFGS's are not (clipping between its steps breaks its
    curvature estimate and can make it diverge), so the losses see the image clipped instead. The
    result is the best image met (lowest total loss), clipped to [0, 1]: L-BFGS's line searches
    also evaluate worse trial images. Returns the image, (H, W, 3) float32, and the
    history: lists "total", "content", "style" and "tv" holding, after each evaluation, the losses
    of the best image so far, then one last entry for the returned image.
    """
    if optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"transfer: `optimizer` must be 'lbfgs' or 'adam', got {optimizer!r}")
    if isinstance(init, str) and init not in ("content", "noise"):
        raise ValueError(f"transfer: `init` must be 'content', 'noise' or an image, got {init!r}")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"transfer: `steps` must be a positive int, got {steps!r}")
    content_weight = _check_weight(content_weight, "content_weight")
    style_weight = _check_weight(style_weight, "style_weight")
    tv_weight = _check_weight(tv_weight, "tv_weight")
    if callback is not None and not callable(callback):
        raise TypeError(f"transfer: `callback` must be callable, got {type(callback).__name__}")
    device = torch.device("cpu") if device is None else as_device(device, "transfer")
    if lr is not None and (
        isinstance(lr, bool)
        or not isinstance(lr, int | float | np.integer | np.floating)
        or not np.isfinite(lr)
        or lr <= 0
    ):
        raise ValueError(f"transfer: `lr` must be a positive number or None, got {lr!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"transfer: `seed` must be an int, got {seed!r}")

    content_image = as_image_tensor(content, "content")
    style_image = as_image_tensor(style, "style")
    shape = _output_shape(size, content_image)
    content_image = _resize(content_image, shape)
    scale = min(shape) / min(style_image.shape[-2:])
    style_shape = (
        max(1, round(style_image.shape[-2] * scale)),
        max(1, round(style_image.shape[-1] * scale)),
    )
    style_image = _resize(style_image, style_shape)

    if isinstance(features, FeatureExtractor):
        extractor = features
    elif isinstance(features, str):
        extractor = FeatureExtractor(features)
    else:
        raise TypeError(
            f"transfer: `features` must be a kind name or a FeatureExtractor, got {type(features).__name__}"
        )
    if content_layer is not None and not isinstance(content_layer, str):
        raise TypeError(
            f"transfer: `content_layer` must be a layer name (a str), got {content_layer!r}"
        )
    if isinstance(style_layers, str):
        raise TypeError(
            f"transfer: `style_layers` must be a list of layer names, got the str {style_layers!r}; "
            f"write [{style_layers!r}]"
        )
    if style_layers is not None and (
        not isinstance(style_layers, Sequence) or not all(isinstance(n, str) for n in style_layers)
    ):
        raise TypeError(
            f"transfer: `style_layers` must be a list of layer names, got {style_layers!r}"
        )
    content_layer = content_layer or extractor.content_layer
    style_layers = tuple(style_layers or extractor.style_layers)
    unknown = [n for n in (content_layer, *style_layers) if n not in extractor.layers]
    if unknown:
        raise ValueError(
            f"transfer: layers {unknown} are not among the extractor's layers {extractor.layers}"
        )
    needed = extractor.min_size
    for name, side in (("content", min(shape)), ("style", min(style_shape))):
        if side < needed:
            raise ValueError(
                f"transfer: the {name} image would be {side} pixels on its shorter side, too small "
                f"for the {extractor.kind} network: `size` must give at least {needed}x{needed}"
            )
    extractor = extractor.to(device)
    content_image, style_image = content_image.to(device), style_image.to(device)

    with torch.no_grad():
        target_content = extractor(content_image)[content_layer]
        style_features = extractor(style_image)
        target_grams = {n: gram_matrix(style_features[n]) for n in style_layers}
    content_scale = 1.0 / float((target_content**2).mean().clamp_min(1e-12))
    layer_weights = {
        n: 1.0 / (len(style_layers) * float((g**2).mean().clamp_min(1e-12)))
        for n, g in target_grams.items()
    }

    if isinstance(init, str) and init == "content":
        image = content_image.clone()
    elif isinstance(init, str):
        generator = torch.Generator().manual_seed(seed)
        image = (0.4 + 0.2 * torch.rand(content_image.shape, generator=generator)).to(device)
    else:
        image = _resize(as_image_tensor(init, "init"), shape).to(device)
    image = image.contiguous().requires_grad_(True)

    history: dict[str, list[float]] = {"total": [], "content": [], "style": [], "tv": []}

    def losses(x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.clamp(0, 1)  # the network sees a valid image (L-BFGS steps may leave [0, 1])
        activations = extractor(x)
        terms = {
            "content": content_scale * content_loss(activations[content_layer], target_content),
            "style": style_loss(activations, target_grams, layer_weights),
            "tv": total_variation(x),
        }
        terms["total"] = (
            content_weight * terms["content"]
            + style_weight * terms["style"]
            + tv_weight * terms["tv"]
        )
        return terms

    def record(values: dict[str, float]) -> None:
        for k in history:
            history[k].append(values[k])

    def as_array(x: torch.Tensor) -> np.ndarray:
        return x.detach()[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy().astype(np.float32)

    bar = progress(total=steps, desc=desc)
    evaluations = 0
    best: dict = {"total": float("inf")}

    def closure() -> torch.Tensor:
        nonlocal evaluations
        opt.zero_grad()
        terms = losses(image)
        terms["total"].backward()
        evaluations += 1
        values = {k: float(v.detach()) for k, v in terms.items()}
        if values["total"] < best["total"]:  # L-BFGS line searches also try worse points
            best.update(values, image=image.detach().clone())
        if evaluations <= steps:  # L-BFGS may finish a line search with one more: not recorded
            record({k: best[k] for k in history})
            bar.update(1)
            if callback is not None:
                callback(evaluations, as_array(best["image"]), {k: best[k] for k in history})
        return terms["total"]

    try:
        if optimizer == "adam":
            opt = torch.optim.Adam([image], lr=0.05 if lr is None else lr)
            for _ in range(steps):
                closure()
                opt.step()
                with torch.no_grad():
                    image.clamp_(0, 1)
        else:  # one call: clamping between calls would break L-BFGS's picture of the curvature
            opt = torch.optim.LBFGS(
                [image],
                lr=1.0 if lr is None else lr,
                max_iter=steps,
                max_eval=steps,
                history_size=50,
                line_search_fn="strong_wolfe",
                tolerance_grad=0.0,
                tolerance_change=0.0,
            )
            opt.step(closure)
    finally:
        bar.close()
    result = best["image"].clamp(0, 1)
    with torch.no_grad():
        record({k: float(v) for k, v in losses(result).items()})
    return as_array(result), history


# --- a style image drawn with code ----------------------------------------------------------

PAINT_PALETTE = (
    (0.08, 0.14, 0.38),
    (0.16, 0.32, 0.62),
    (0.36, 0.56, 0.82),
    (0.95, 0.80, 0.25),
    (0.98, 0.95, 0.75),
    (0.10, 0.30, 0.30),
)


def brush_stroke_painting(
    size: int = 256,
    seed: int = 0,
    palette: Sequence[Sequence[float]] = PAINT_PALETTE,
    swirls: int = 4,
    stroke_width: tuple[float, float] = (2.5, 6.0),
    density: float = 3.0,
) -> np.ndarray:
    """A seeded "painting" of bold brush strokes that follow a few swirls, (size, size, 3) in [0, 1] (chapter 10).

    Each stroke is a thick polyline traced along a swirling flow field and painted over the
    earlier ones in a colour of `palette`. `stroke_width` is the range of stroke radii in pixels
    at size 256 (they scale with `size`); `density` strokes per pixel of side.
    """
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 8:
        raise ValueError(f"brush_stroke_painting: `size` must be an int >= 8, got {size!r}")
    try:
        colours_in = np.asarray(palette, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"brush_stroke_painting: `palette` must be two or more RGB triples of numbers, "
            f"got {palette!r}"
        ) from None
    if colours_in.ndim != 2 or colours_in.shape[1] != 3 or len(colours_in) < 2:
        raise ValueError(
            f"brush_stroke_painting: `palette` must be two or more RGB triples, got shape {colours_in.shape}"
        )
    if not np.all(np.isfinite(colours_in)) or colours_in.min() < 0 or colours_in.max() > 1:
        raise ValueError(
            "brush_stroke_painting: `palette` colours must be finite RGB values in [0, 1] "
            "(divide 0-255 values by 255)"
        )
    rng = np.random.default_rng(seed)
    image = np.empty((size, size, 3))
    image[:] = colours_in[0]
    centres = rng.uniform(0.15, 0.85, size=(swirls, 2))
    spins = rng.choice([-1.0, 1.0], size=swirls)
    count, length = int(density * size), 18
    radius = rng.uniform(*stroke_width, count) * size / 256
    colours = colours_in[rng.integers(len(colours_in), size=count)] * rng.uniform(
        0.85, 1.1, (count, 1)
    )
    points = rng.uniform(0, 1, (count, 2))
    steps = rng.integers(8, length + 1, count)
    path = np.empty((length, count, 2))
    for t in range(length):  # trace every stroke along the flow field at once
        path[t] = points
        flow = np.tile([0.09, 0.3], (count, 1))
        for centre, spin in zip(centres, spins, strict=True):
            offset = points - centre
            flow += (
                spin
                * np.stack([-offset[:, 1], offset[:, 0]], 1)
                / ((offset**2).sum(1, keepdims=True) + 0.01)
                * 0.05
            )
        flow /= np.linalg.norm(flow, axis=1, keepdims=True) + 1e-9
        points = points + flow * (radius[:, None] / size * 1.5)
    path *= size
    for k in range(count):  # paint strokes in order: distance from each pixel to the polyline
        pts, r = path[: steps[k], k], radius[k]
        y0, x0 = np.maximum(np.floor(pts.min(0) - r - 1), 0).astype(int)
        y1, x1 = np.minimum(np.ceil(pts.max(0) + r + 2), size).astype(int)
        if y0 >= y1 or x0 >= x1:
            continue
        gy = np.arange(y0, y1, dtype=np.float32)[:, None, None]
        gx = np.arange(x0, x1, dtype=np.float32)[None, :, None]
        start = pts[:-1].astype(np.float32)
        seg = (pts[1:] - pts[:-1]).astype(np.float32)
        dy, dx = gy - start[:, 0], gx - start[:, 1]
        t = np.clip((dy * seg[:, 0] + dx * seg[:, 1]) / ((seg**2).sum(1) + 1e-9), 0, 1)
        dist = np.sqrt(((dy - t * seg[:, 0]) ** 2 + (dx - t * seg[:, 1]) ** 2).min(-1))[..., None]
        alpha = np.clip(r - dist + 0.5, 0, 1)
        image[y0:y1, x0:x1] = image[y0:y1, x0:x1] * (1 - alpha) + colours[k] * alpha
    return np.clip(image, 0, 1).astype(np.float32)

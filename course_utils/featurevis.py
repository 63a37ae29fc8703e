"""Feature visualization by optimization, and the dataset patches a channel likes.

`visualize` runs gradient ascent on the *input* of a trained network: start from faint noise
and change the pixels so that an objective grows, the class logit of Simonyan et al. (2014) or
the mean activation of one channel (Olah et al. 2017). Without help the result is
high-frequency noise that the network scores highly; three regularizers make it readable: an
L2 penalty on the pixels, random jitter (a small shift before each step) and a periodic
Gaussian blur. The model's weights and its train/eval modes are left as they were.

`top_patches` is the other half of a channel's portrait: the dataset images that excite the
channel most, cropped to the receptive field of the position where it fires hardest. The
receptive field is computed from the geometry (kernel, stride, padding, dilation) of the
convolutions and poolings that run before the layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_generator, as_submodule
from course_utils.modes import evaluating
from course_utils.progress import progress as progress_bar

__all__ = [
    "Objective",
    "VisResult",
    "TopPatches",
    "class_logit",
    "channel_mean",
    "visualize",
    "gaussian_blur",
    "receptive_field",
    "top_patches",
]


# --- objectives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Objective:
    """What `visualize` maximises: `score(model, images)`, one number per image (learned features).

    `check(model, batch_size)` raises a clear error before any optimization starts when the
    objective cannot apply to that model (an unknown layer name, a channel out of range).
    """

    name: str
    score: Callable[[nn.Module, torch.Tensor], torch.Tensor]
    check: Callable[[nn.Module, int], None]

    def __call__(self, model: nn.Module, images: torch.Tensor) -> torch.Tensor:
        """The objective's value for each image, shape `(N,)`."""
        return self.score(model, images)


def _is_int(value) -> bool:  # NumPy integers (np.int64(3)) are ints too
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


_NUMBER = (int, float, np.integer, np.floating)


def _as_indices(value, name: str, func: str) -> torch.Tensor:
    """An int, or a non-empty sequence of ints (one per image), as a 1-D tensor of them."""
    values = [value] if _is_int(value) else value
    if not isinstance(values, Sequence) or not values or not all(_is_int(v) for v in values):
        raise TypeError(
            f"{func}: `{name}` must be an int or a non-empty sequence of ints, got {value!r}"
        )
    if min(values) < 0:
        raise ValueError(f"{func}: `{name}` must be >= 0, got {value!r}")
    return torch.tensor(list(values))


def _check_batch(indices: torch.Tensor, batch_size: int, name: str, func: str) -> None:
    if len(indices) not in (1, batch_size):
        raise ValueError(
            f"{func}: `{name}` has {len(indices)} entries but the batch has {batch_size} "
            "images; give one, or one per image"
        )


def class_logit(target: int | Sequence[int]) -> Objective:
    """Objective: the logit of class `target` (one class, or one per image) (learned features)."""
    chosen = _as_indices(target, "target", "class_logit")

    def check(model: nn.Module, batch_size: int) -> None:
        _check_batch(chosen, batch_size, "target", "class_logit")

    def score(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
        logits = model(images)
        if logits.ndim != 2 or int(chosen.max()) >= logits.shape[1]:
            raise ValueError(
                f"class_logit: `target` {target!r} must index the model's "
                f"{logits.shape[-1]} classes (logits of shape {tuple(logits.shape)})"
            )
        index = chosen.to(logits.device).expand(len(images))[:, None]
        return logits.gather(1, index)[:, 0]

    return Objective(f"logit of class {target}", score, check)


def _layer_output(
    model: nn.Module, images: torch.Tensor, module: nn.Module, func: str
) -> torch.Tensor:
    """The output of `module` on its last call in `model(images)`, gradients kept."""
    recorded: list[torch.Tensor] = []
    handle = module.register_forward_hook(
        lambda _m, _i, out: recorded.append(out[0] if isinstance(out, tuple) else out)
    )
    try:
        model(images)
    finally:
        handle.remove()
    if not recorded:
        raise ValueError(f"{func}: `layer` was never called in the model's forward pass")
    output = recorded[-1]
    if output.ndim != 4:
        raise ValueError(
            f"{func}: `layer` must output feature maps (N, C, H, W), got {tuple(output.shape)}"
        )
    return output


def _check_channel(size: int, channel: torch.Tensor, layer, func: str) -> None:
    if int(channel.max()) >= size:
        raise ValueError(
            f"{func}: `channel` must be in [0, {size}) for layer {layer!r}, "
            f"got {channel.tolist() if len(channel) > 1 else int(channel)}"
        )


def channel_mean(layer: nn.Module | str, channel: int | Sequence[int]) -> Objective:
    """Objective: the mean activation of a channel of a conv layer's output (learned features).

    `layer` is a submodule or its name ("conv2", "bn3"); a module called several times in one
    forward pass is read on its last call. The mean is over the channel's H x W positions.
    `channel` is one channel for every image, or one per image.
    """
    if not isinstance(layer, nn.Module | str):
        raise TypeError(
            f"channel_mean: `layer` must be an nn.Module or its name, got {type(layer).__name__}"
        )
    chosen = _as_indices(channel, "channel", "channel_mean")

    def check(model: nn.Module, batch_size: int) -> None:
        module = as_submodule(layer, "layer", "channel_mean", model)
        _check_batch(chosen, batch_size, "channel", "channel_mean")
        size = getattr(module, "out_channels", getattr(module, "num_features", None))
        if _is_int(size):
            _check_channel(size, chosen, layer, "channel_mean")

    def score(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
        module = as_submodule(layer, "layer", "channel_mean", model)
        output = _layer_output(model, images, module, "channel_mean")
        _check_channel(output.shape[1], chosen, layer, "channel_mean")
        rows = torch.arange(len(output), device=output.device)
        picked = output[rows, chosen.to(output.device).expand(len(output))]
        return picked.mean(dim=(1, 2))

    name = layer if isinstance(layer, str) else type(layer).__name__
    return Objective(f"mean of {name} channel {channel}", score, check)


# --- gradient ascent on the input -------------------------------------------------------------


@dataclass(frozen=True)
class VisResult:
    """The optimized images `(N, C, H, W)` and the objective at each step `(steps, N)`."""

    image: torch.Tensor
    history: torch.Tensor


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel of `images` (N, C, H, W) with a Gaussian of std `sigma` (learned features).

    The kernel is separable, 2*ceil(3 sigma)+1 taps wide, normalised to sum 1; borders are
    reflected, so a constant image stays constant.
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise ValueError("gaussian_blur: `images` must be a tensor of shape (N, C, H, W)")
    if not images.is_floating_point():
        raise TypeError(f"gaussian_blur: `images` must hold floats, got dtype {images.dtype}")
    if not isinstance(sigma, _NUMBER) or isinstance(sigma, bool) or not 0 < sigma < math.inf:
        raise ValueError(f"gaussian_blur: `sigma` must be a number > 0, got {sigma!r}")
    radius = min(math.ceil(3 * sigma), min(images.shape[2:]) - 1)
    if radius < 1:
        return images.clone()
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    taps = torch.exp(-(offsets**2) / (2 * sigma**2))
    taps = taps / taps.sum()
    channels = images.shape[1]
    rows = taps.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    cols = taps.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    out = F.pad(images, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, rows, groups=channels)
    return F.conv2d(out, cols, groups=channels)


def _check_visualize_args(
    shape, steps, lr, l2, jitter, blur_every, blur_sigma, value_range
) -> None:
    if not (
        isinstance(shape, tuple | list)
        and len(shape) == 4
        and all(_is_int(s) and s > 0 for s in shape)
    ):
        raise ValueError(f"visualize: `shape` must be four ints > 0 (N, C, H, W), got {shape!r}")
    if not _is_int(steps) or steps <= 0:
        raise ValueError(f"visualize: `steps` must be an int > 0, got {steps!r}")
    for name, value in (("lr", lr), ("blur_sigma", blur_sigma)):
        if not isinstance(value, _NUMBER) or isinstance(value, bool) or not 0 < value < math.inf:
            raise ValueError(f"visualize: `{name}` must be a number > 0, got {value!r}")
    if not isinstance(l2, _NUMBER) or isinstance(l2, bool) or not 0 <= l2 < math.inf:
        raise ValueError(f"visualize: `l2` must be a number >= 0, got {l2!r}")
    for name, value in (("jitter", jitter), ("blur_every", blur_every)):
        if not _is_int(value) or value < 0:
            raise ValueError(f"visualize: `{name}` must be an int >= 0, got {value!r}")
    if not (
        isinstance(value_range, tuple | list)
        and len(value_range) == 2
        and all(isinstance(v, _NUMBER) and not isinstance(v, bool) for v in value_range)
    ):
        raise ValueError(f"visualize: `value_range` must be (low, high), got {value_range!r}")
    low, high = value_range
    if not -math.inf < low < high < math.inf:
        raise ValueError(
            f"visualize: `value_range` must be (low, high), low < high, got {value_range}"
        )


def _start_image(start, shape, value_range, generator, parameter) -> torch.Tensor:
    """The first image: `start`, or faint noise; on the model's device, in its dtype."""
    dtype = torch.float32 if parameter is None else parameter.dtype
    device = None if parameter is None else parameter.device
    low, high = value_range
    if start is None:
        noise = torch.rand(shape, generator=generator, dtype=dtype)
        return (low + 0.1 * (high - low) * noise).to(device)  # drawn on the CPU generator
    if not isinstance(start, torch.Tensor):
        raise TypeError(f"visualize: `start` must be a torch.Tensor, got {type(start).__name__}")
    if tuple(start.shape) != tuple(shape):
        raise ValueError(
            f"visualize: `start` must have shape `shape` = {tuple(shape)}, got {tuple(start.shape)}"
        )
    if not start.is_floating_point():
        raise TypeError(
            f"visualize: `start` must hold floats in `value_range` {tuple(value_range)}, "
            f"got dtype {start.dtype} (divide 0-255 pixels by 255)"
        )
    if not bool(torch.isfinite(start).all()):
        raise ValueError("visualize: `start` contains NaN or infinite values")
    slack = 1e-3 * (high - low)
    if float(start.min()) < low - slack or float(start.max()) > high + slack:
        raise ValueError(
            f"visualize: `start` must lie in `value_range` {tuple(value_range)}, got values in "
            f"[{float(start.min()):.3g}, {float(start.max()):.3g}]"
        )
    return start.detach().to(device=device, dtype=dtype).clamp(low, high)


def visualize(
    model: nn.Module,
    objective: Objective,
    steps: int,
    lr: float,
    l2: float = 0.0,
    jitter: int = 0,
    blur_every: int = 0,
    blur_sigma: float = 0.5,
    shape: tuple[int, int, int, int] = (1, 1, 28, 28),
    value_range: tuple[float, float] = (0.0, 1.0),
    generator: torch.Generator | None = None,
    start: torch.Tensor | None = None,
    progress: bool = True,
) -> VisResult:
    """Gradient ascent on the input to maximise `objective` (learned features).

    Each step: shift the image by a random (dy, dx) in [-jitter, jitter] (wrapping around),
    score it, and take an Adam step on the pixels up the gradient of
    `score - l2 * sum(pixels**2)`; every `blur_every` steps blur it (std `blur_sigma`); clamp
    it to `value_range`. All images of the batch `shape` are optimised at once, each for its own
    score. The model runs in eval mode (modes restored afterwards); its weights and their
    `.grad` are not touched. `generator` makes the start noise and the jitter reproducible.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"visualize: `model` must be an nn.Module, got {type(model).__name__}")
    if not isinstance(objective, Objective):
        raise TypeError(
            "visualize: `objective` must come from class_logit(...) or channel_mean(...), "
            f"got {type(objective).__name__}"
        )
    _check_visualize_args(shape, steps, lr, l2, jitter, blur_every, blur_sigma, value_range)
    generator = as_generator(generator, "generator", "visualize")
    objective.check(model, shape[0])
    image = _start_image(start, shape, value_range, generator, next(model.parameters(), None))
    image.requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    history = []
    with evaluating(model):
        for step in progress_bar(
            range(steps), desc=objective.name, leave=False, disable=not progress
        ):
            shift = torch.randint(-jitter, jitter + 1, (2,), generator=generator).tolist()
            scores = objective(model, torch.roll(image, shifts=shift, dims=(2, 3)))
            loss = -scores.sum() + l2 * image.pow(2).sum()
            (image.grad,) = torch.autograd.grad(loss, image)
            optimizer.step()
            with torch.no_grad():
                if blur_every and (step + 1) % blur_every == 0:
                    image.copy_(gaussian_blur(image, blur_sigma))
                image.clamp_(*value_range)
            history.append(scores.detach())
    return VisResult(image.detach().clone(), torch.stack(history))


# --- the dataset patches that excite a channel ------------------------------------------------


def _geometry(module: nn.Module) -> tuple[int, int, int, int] | None:
    """(kernel, stride, padding, dilation) of a square conv/pool, None if it keeps positions."""
    if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
        values = [module.kernel_size, module.stride, module.padding, getattr(module, "dilation", 1)]
        pairs = [v if isinstance(v, tuple) else (v, v) for v in values]
        if any(not isinstance(a, int) or a != b for a, b in pairs):
            raise ValueError(
                "receptive_field: only square, numeric kernel/stride/padding/dilation are "
                f"supported, got {module}"
            )
        return tuple(a for a, _ in pairs)
    return None


def _leaf_calls(model: nn.Module, target: nn.Module, image: torch.Tensor) -> list:
    """(module, input, output) of every leaf call up to the target's last call, in order."""
    calls: list = []
    target_end: list[int] = []

    def record(module, inputs, output):
        if module is target:
            target_end.append(len(calls))
        if not any(True for _ in module.children()):
            calls.append((module, inputs[0] if inputs else None, output))

    handles = [m.register_forward_hook(record) for m in model.modules()]
    try:
        with torch.no_grad(), evaluating(model):
            model(image)
    finally:
        for handle in handles:
            handle.remove()
    if not target_end:
        raise ValueError("receptive_field: `layer` was never called in the model's forward pass")
    end = target_end[-1] + (1 if not any(True for _ in target.children()) else 0)
    return calls[:end]


def receptive_field(
    model: nn.Module, layer: nn.Module | str, image_shape: tuple[int, int, int]
) -> tuple[int, int, int]:
    """(size, stride, offset) of the receptive field of `layer`'s positions (learned features).

    Output position (i, j) of `layer` sees input rows `offset + stride*i` to
    `offset + stride*i + size - 1` (columns likewise); the offset is negative where padding
    reaches outside the image. Computed from the convolutions and poolings that run before
    the layer; any other module that moves positions, or a spatial change made outside a module
    (a functional pooling), raises an error instead of giving a wrong answer.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"receptive_field: `model` must be an nn.Module, got {type(model).__name__}"
        )
    target = as_submodule(layer, "layer", "receptive_field", model)
    parameter = next(model.parameters(), None)
    dtype = torch.float32 if parameter is None else parameter.dtype
    device = None if parameter is None else parameter.device
    image = torch.zeros((1, *image_shape), dtype=dtype, device=device)
    size, stride, offset = 1, 1, 0
    spatial = tuple(image.shape[2:])
    for module, x, y in _leaf_calls(model, target, image):
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or not isinstance(y, torch.Tensor):
            raise ValueError(f"receptive_field: {type(module).__name__} does not map maps to maps")
        if tuple(x.shape[2:]) != spatial:
            raise ValueError(
                f"receptive_field: the input of {type(module).__name__} is {tuple(x.shape[2:])} "
                f"but the modules before it give {spatial}: a spatial operation runs outside "
                "a module (e.g. F.max_pool2d), so the geometry cannot be traced"
            )
        geometry = _geometry(module)
        if geometry is None and (y.ndim != 4 or y.shape[2:] != x.shape[2:]):
            raise ValueError(
                f"receptive_field: cannot trace positions through {type(module).__name__}"
            )
        if geometry is not None:
            kernel, step, padding, dilation = geometry
            offset -= padding * stride
            size += (dilation * (kernel - 1)) * stride
            stride *= step
        spatial = tuple(y.shape[2:])
    return size, stride, offset


@dataclass(frozen=True)
class TopPatches:
    """The `k` images that excite a channel most, cropped to the receptive field (learned features).

    `patches` (k, C, size, size), best first; `indices` into the images; `rows`, `cols` the
    position of the channel's maximum in the layer's output; `values` that maximum; `boxes`
    (top, left) of each patch in image coordinates (may be negative: padded with `fill`).
    """

    patches: torch.Tensor
    indices: torch.Tensor
    rows: torch.Tensor
    cols: torch.Tensor
    values: torch.Tensor
    boxes: torch.Tensor


def top_patches(
    model: nn.Module,
    layer: nn.Module | str,
    channel: int,
    images: torch.Tensor,
    k: int,
    fill: float = 0.0,
    batch_size: int = 500,
) -> TopPatches:
    """The receptive-field patches of the `k` images that excite `channel` most (learned features).

    Each image counts once, at the position of its largest activation (first one on ties); the
    images are ranked by that value. Parts of a receptive field outside the image are `fill`.
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise ValueError("top_patches: `images` must be a tensor of shape (N, C, H, W)")
    if not images.is_floating_point():
        raise TypeError(
            f"top_patches: `images` must be floating point like the training data, "
            f"got {images.dtype}"
        )
    if not _is_int(k) or not 1 <= k <= len(images):
        raise ValueError(f"top_patches: `k` must be an int in [1, {len(images)}], got {k!r}")
    if not _is_int(channel) or channel < 0:
        raise ValueError(f"top_patches: `channel` must be an int >= 0, got {channel!r}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"top_patches: `batch_size` must be an int >= 1, got {batch_size!r}")
    if not isinstance(fill, _NUMBER) or isinstance(fill, bool) or not math.isfinite(fill):
        raise ValueError(f"top_patches: `fill` must be a finite number, got {fill!r}")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("top_patches: `images` contains NaN or infinite values")
    size, stride, offset = receptive_field(model, layer, tuple(images.shape[1:]))
    module = as_submodule(layer, "layer", "top_patches", model)
    parameter = next(model.parameters(), None)
    device = images.device if parameter is None else parameter.device
    best = []
    with torch.no_grad(), evaluating(model):
        for batch in images.split(int(batch_size)):
            output = _layer_output(model, batch.to(device), module, "top_patches")
            _check_channel(output.shape[1], torch.tensor([channel]), layer, "top_patches")
            strongest = output[:, channel].flatten(1).max(dim=1)
            best.append((strongest.values.cpu(), strongest.indices.cpu()))
    values = torch.cat([b[0] for b in best])
    where = torch.cat([b[1] for b in best])
    width = output.shape[3]
    top = values.topk(k)
    rows, cols = where[top.indices] // width, where[top.indices] % width
    boxes = torch.stack([offset + stride * rows, offset + stride * cols], dim=1)
    pad = size + abs(offset)  # enough for any window that touches the image
    padded = F.pad(images[top.indices.to(images.device)], (pad, pad, pad, pad), value=fill)
    patches = torch.stack(
        [
            p[:, r + pad : r + pad + size, c + pad : c + pad + size]
            for p, (r, c) in zip(padded, boxes.tolist(), strict=True)
        ]
    )
    return TopPatches(patches, top.indices, rows, cols, top.values, boxes)

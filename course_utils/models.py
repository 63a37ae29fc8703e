"""The course's networks, and `describe`, which lists a network's layers (from a CNN in PyTorch on).

Only `nn.Module`s live here. The trained weights of `DigitCNN`, and how they are made, cached
and checked, live in `course_utils.pretrained`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_int, as_module, as_pair, as_probability
from course_utils.modes import evaluating
from course_utils.ops import output_size

__all__ = ["NotesNet", "LayerRow", "ModelSummary", "describe", "DigitCNN"]

# --- a CNN in PyTorch: the notes' network, corrected, and a layer-by-layer summary -----------


def _check_dtype(x: torch.Tensor, weight: torch.Tensor, func: str) -> None:
    """Refuse inputs whose dtype differs from the weights', naming `x` and the conversion."""
    if x.dtype != weight.dtype:
        hint = " (and divide 0-255 pixels by 255)" if not x.is_floating_point() else ""
        raise TypeError(
            f"{func}: `x` has dtype {x.dtype} but the weights are {weight.dtype}; "
            f"convert with x.to({weight.dtype}){hint}"
        )


class NotesNet(nn.Module):
    """The source notes' `Net` with its bugs fixed: conv, ReLU, max pool, linear (a CNN in PyTorch).

    Layers: `conv1` = `Conv2d(in_channels, conv_channels, kernel_size)`, `pool` =
    `MaxPool2d(2, 2)`, `fc1` = `Linear(flattened_size, n_classes)`. The flattened size is
    computed from `input_size` with the output-size formula, never hard-coded: for 28x28
    inputs it is 32 x 12 x 12 = 4608. `forward` takes `(N, in_channels, H, W)` and returns raw
    class scores (logits), with no ReLU: apply softmax yourself when you want probabilities.
    """

    def __init__(
        self,
        n_classes: int,
        in_channels: int = 1,
        input_size: int | tuple[int, int] = 28,
        conv_channels: int = 32,
        kernel_size: int = 5,
    ) -> None:
        super().__init__()
        n_classes = as_int(n_classes, "n_classes", "NotesNet", minimum=1)
        in_channels = as_int(in_channels, "in_channels", "NotesNet", minimum=1)
        conv_channels = as_int(conv_channels, "conv_channels", "NotesNet", minimum=1)
        kernel_size = as_int(kernel_size, "kernel_size", "NotesNet", minimum=1)
        height, width = as_pair(input_size, "input_size", "NotesNet")
        if min(height, width) < kernel_size + 1:
            raise ValueError(
                f"NotesNet: `input_size` {(height, width)} is too small for a "
                f"{kernel_size}x{kernel_size} convolution followed by 2x2 pooling "
                f"(each side must be >= {kernel_size + 1})"
            )
        pooled_h = output_size(output_size(height, kernel_size), 2, 2)
        pooled_w = output_size(output_size(width, kernel_size), 2, 2)
        self.input_shape = (in_channels, height, width)
        self.flattened_size = conv_channels * pooled_h * pooled_w
        self.conv1 = nn.Conv2d(in_channels, conv_channels, kernel_size)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(self.flattened_size, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits `(N, n_classes)` for a batch `(N, in_channels, H, W)` (a CNN in PyTorch)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"NotesNet: `x` must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            expected = "(N, {}, {}, {})".format(*self.input_shape)
            hint = (
                " (add a batch axis with x.unsqueeze(0))"
                if tuple(x.shape) == self.input_shape
                else ""
            )
            raise ValueError(
                f"NotesNet: `x` must have shape {expected}, got {tuple(x.shape)}{hint}"
            )
        _check_dtype(x, self.conv1.weight, "NotesNet")
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)  # (N, C, h, w) -> (N, C * h * w)
        return self.fc1(x)  # logits: no ReLU here


@dataclass(frozen=True)
class LayerRow:
    """One row of `describe`: a leaf layer's name, type, output shape and parameter count."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class ModelSummary:
    """What `describe` returns: a `LayerRow` per leaf-layer call, and totals (a CNN in PyTorch).

    It prints as a table; `rows` holds the same numbers for code. `module_shapes` maps the name
    of *every* module that ran, containers included ("features.3"), to the output shape of its
    last call; `shape_of(name)` reads it.
    """

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: tuple[LayerRow, ...]
    total_params: int
    trainable_params: int
    module_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    def shape_of(self, name: str) -> tuple[int, ...]:
        """The output shape of module `name` (a leaf or a container) on its last call."""
        if not isinstance(name, str):
            raise TypeError(f"shape_of: `name` must be a module name, got {type(name).__name__}")
        if name not in self.module_shapes:
            close = sorted(n for n in self.module_shapes if n.startswith(name.rstrip(".")))[:5]
            hint = f"; names starting like it: {', '.join(close)}" if close else ""
            raise ValueError(f"shape_of: no module named {name!r} ran in the model{hint}")
        return self.module_shapes[name]

    def table(self) -> str:
        """The summary as a fixed-width text table."""
        lines = [("input", "", str(self.input_shape), "")]
        lines += [(r.name, r.kind, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        header = ("layer", "type", "output shape", "params")
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(4)]
        total = f"{self.total_params:,}"
        widths[3] = max(widths[3], len(total))

        def fmt(row):
            return "  ".join(
                [
                    row[0].ljust(widths[0]),
                    row[1].ljust(widths[1]),
                    row[2].ljust(widths[2]),
                    row[3].rjust(widths[3]),
                ]
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        body = [
            fmt(header),
            rule,
            *(fmt(row) for row in lines),
            rule,
            fmt(("total", "", "", total)),
        ]
        body.append(f"trainable parameters: {self.trainable_params:,}")
        return "\n".join(body)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()


def _shape_of(output) -> tuple[int, ...]:
    """The shape of a layer's output: a tensor's shape, or that of the first tensor in a tuple."""
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, tuple | list):
        for item in output:
            if isinstance(item, torch.Tensor):
                return tuple(item.shape)
    return ()


def _input_shape(value) -> tuple[int, ...]:
    """`describe`'s `input_shape` as a tuple of positive ints, or a ValueError naming it."""
    if isinstance(value, torch.Size):
        value = tuple(value)
    if (
        not isinstance(value, tuple | list)
        or len(value) == 0
        or not all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1 for s in value
        )
    ):
        raise ValueError(
            "describe: `input_shape` must be a tuple of positive ints with the batch axis "
            f"first, such as (1, 1, 28, 28); got {value!r}"
        )
    return tuple(int(s) for s in value)


def describe(model: nn.Module, input_shape: tuple[int, ...]) -> ModelSummary:
    """Trace a zero input of `input_shape` (batch axis included) through `model` (a CNN in PyTorch).

    Forward hooks record the output shape of every leaf layer (a module with no sub-modules),
    in the order the layers run. Parameters are counted at a layer's first call. Functions
    called inside `forward` (such as `F.relu` or `torch.flatten`) are not modules, so they have
    no row. Containers (an `nn.Sequential` block) have no row either, but the summary's
    `shape_of("features.3")` gives their output shape (looking inside MobileNetV2 reads its
    blocks this way). The model runs in evaluation mode without gradients and is then put back
    in the mode it was in, so batch-norm running statistics are not changed.
    """
    model = as_module(model, "model", "describe")
    input_shape = _input_shape(input_shape)
    reference = next(model.parameters(), None)
    if reference is None:
        reference = next(model.buffers(), torch.zeros(()))
    dtype = reference.dtype if reference.is_floating_point() else torch.float32

    records: list[tuple[nn.Module, str, tuple[int, ...]]] = []
    module_shapes: dict[str, tuple[int, ...]] = {}
    handles = []
    for name, module in model.named_modules():
        if name:  # every sub-module, containers included: its output shape by name

            def remember(_mod, _inputs, output, name=name):
                module_shapes[name] = _shape_of(output)

            handles.append(module.register_forward_hook(remember))
        if next(module.children(), None) is None:
            label = name or type(module).__name__  # a model that is itself a single layer

            def hook(mod, _inputs, output, label=label):
                records.append((mod, label, _shape_of(output)))

            handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad(), evaluating(model):
            output = model(torch.zeros(input_shape, dtype=dtype, device=reference.device))
    finally:
        for handle in handles:
            handle.remove()

    rows, seen = [], set()
    for module, name, shape in records:
        first = id(module) not in seen
        seen.add(id(module))
        params = sum(p.numel() for p in module.parameters(recurse=False)) if first else 0
        rows.append(LayerRow(name, type(module).__name__, shape, int(params)))
    return ModelSummary(
        input_shape=input_shape,
        output_shape=_shape_of(output),
        rows=tuple(rows),
        total_params=int(sum(p.numel() for p in model.parameters())),
        trainable_params=int(sum(p.numel() for p in model.parameters() if p.requires_grad)),
        module_shapes=module_shapes,
    )


# --- training a classifier: the digit classifier that the later chapters look inside ---------


class DigitCNN(nn.Module):
    """Three conv-BN-ReLU-maxpool blocks, dropout, a 64-unit layer, 10 logits (training).

    Shapes for a 28x28 grayscale input: conv1 (5x5, 16 ch) 28x28 -> pool 14x14; conv2 (3x3,
    32 ch) -> pool 7x7; conv3 (3x3, 64 ch) -> pool 3x3; flatten to 576; `fc1` to `hidden`
    units (the penultimate features, see `features`); `fc2` to `n_classes` logits. Batch norm
    sits between each convolution and its ReLU, so the convolutions have no bias.
    """

    def __init__(
        self,
        n_classes: int = 10,
        in_channels: int = 1,
        channels: tuple[int, int, int] | list[int] = (16, 32, 64),
        hidden: int = 64,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        n_classes = as_int(n_classes, "n_classes", "DigitCNN", minimum=1)
        in_channels = as_int(in_channels, "in_channels", "DigitCNN", minimum=1)
        hidden = as_int(hidden, "hidden", "DigitCNN", minimum=1)
        if not isinstance(channels, tuple | list) or len(channels) != 3:
            raise ValueError(f"DigitCNN: `channels` must be three ints, got {channels!r}")
        c1, c2, c3 = (as_int(c, "channels", "DigitCNN", minimum=1) for c in channels)
        dropout = as_probability(dropout, "dropout", "DigitCNN")
        self.conv1 = nn.Conv2d(in_channels, c1, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(c3)
        self.pool = nn.MaxPool2d(2, 2)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(c3 * 3 * 3, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate features `(N, hidden)` that `fc2` maps to logits (learned features)."""
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 16, 14, 14)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 32, 7, 7)
        x = self.pool(F.relu(self.bn3(self.conv3(x))))  # (N, 64, 3, 3)
        x = self.dropout(torch.flatten(x, 1))  # (N, 576)
        return F.relu(self.fc1(x))  # (N, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits `(N, n_classes)` for a batch `(N, in_channels, 28, 28)` (training)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"DigitCNN: `x` must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.conv1.in_channels or tuple(x.shape[2:]) != (28, 28):
            hint = " (add a batch axis with x.unsqueeze(0))" if x.ndim == 3 else ""
            raise ValueError(
                f"DigitCNN: `x` must have shape (N, {self.conv1.in_channels}, 28, 28), "
                f"got {tuple(x.shape)}{hint}"
            )
        _check_dtype(x, self.conv1.weight, "DigitCNN")
        return self.fc2(self.dropout(self.features(x)))

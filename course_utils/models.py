"""The course's networks (chapters 05 and later)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_pair
from course_utils.ops import output_size

# --- Chapter 05: the notes' network, corrected, and a layer-by-layer summary ------------------


def _positive_int(value, name: str, func: str) -> int:
    """`value` as an int >= 1, or raise a TypeError/ValueError naming `name`."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise TypeError(f"{func}: `{name}` must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{func}: `{name}` must be >= 1, got {value}")
    return int(value)


class NotesNet(nn.Module):
    """The source notes' `Net` with its bugs fixed: conv, ReLU, max pool, linear (chapter 05).

    Layers: `conv1` = `Conv2d(in_channels, conv_channels, kernel_size)`, `pool` =
    `MaxPool2d(2, 2)`, `fc1` = `Linear(flattened_size, n_classes)`. The flattened size is
    computed from `input_size` with the output-size formula, never hard-coded: for 28x28
    inputs it is 32 x 12 x 12 = 4608. `forward` takes `(N, in_channels, H, W)` and returns raw
    class scores (logits), with no ReLU: apply softmax yourself when you want probabilities.
    """

    def __init__(self, n_classes: int, in_channels: int = 1, input_size: int | tuple[int, int] = 28,
                 conv_channels: int = 32, kernel_size: int = 5) -> None:
        super().__init__()
        n_classes = _positive_int(n_classes, "n_classes", "NotesNet")
        in_channels = _positive_int(in_channels, "in_channels", "NotesNet")
        conv_channels = _positive_int(conv_channels, "conv_channels", "NotesNet")
        kernel_size = _positive_int(kernel_size, "kernel_size", "NotesNet")
        height, width = as_pair(input_size, "input_size", 1, "NotesNet")
        if min(height, width) < kernel_size + 1:
            raise ValueError(
                f"NotesNet: `input_size` {(height, width)} is too small for a {kernel_size}x{kernel_size} "
                f"convolution followed by 2x2 pooling (each side must be >= {kernel_size + 1})"
            )
        pooled_h = output_size(output_size(height, kernel_size), 2, 2)
        pooled_w = output_size(output_size(width, kernel_size), 2, 2)
        self.input_shape = (in_channels, height, width)
        self.flattened_size = conv_channels * pooled_h * pooled_w
        self.conv1 = nn.Conv2d(in_channels, conv_channels, kernel_size)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(self.flattened_size, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits `(N, n_classes)` for a batch `(N, in_channels, H, W)` (chapter 05)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"NotesNet: `x` must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            expected = "(N, {}, {}, {})".format(*self.input_shape)
            hint = " (add a batch axis with x.unsqueeze(0))" if tuple(x.shape) == self.input_shape else ""
            raise ValueError(f"NotesNet: `x` must have shape {expected}, got {tuple(x.shape)}{hint}")
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
    """What `describe` returns: one `LayerRow` per leaf-layer call, and the totals (chapter 05).

    It prints as a table; `rows` holds the same numbers for code.
    """

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: tuple[LayerRow, ...]
    total_params: int
    trainable_params: int

    def table(self) -> str:
        """The summary as a fixed-width text table."""
        lines = [("input", "", str(self.input_shape), "")]
        lines += [(r.name, r.kind, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        header = ("layer", "type", "output shape", "params")
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(4)]
        total = f"{self.total_params:,}"
        widths[3] = max(widths[3], len(total))

        def fmt(row):
            return "  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                              row[2].ljust(widths[2]), row[3].rjust(widths[3])]).rstrip()

        rule = "  ".join("-" * w for w in widths)
        body = [fmt(header), rule, *(fmt(row) for row in lines), rule,
                fmt(("total", "", "", total))]
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


def describe(model: nn.Module, input_shape: tuple[int, ...]) -> ModelSummary:
    """Trace a zero input of `input_shape` (batch axis included) through `model` (chapter 05).

    Forward hooks record the output shape of every leaf layer (a module with no sub-modules),
    in the order the layers run. Parameters are counted at a layer's first call. Functions
    called inside `forward` (such as `F.relu` or `torch.flatten`) are not modules, so they have
    no row. The model runs in evaluation mode without gradients and is then put back in the
    mode it was in, so batch-norm running statistics are not changed.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"describe: `model` must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(input_shape, torch.Size):
        input_shape = tuple(input_shape)
    if (not isinstance(input_shape, tuple | list) or len(input_shape) == 0
            or not all(isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1
                       for s in input_shape)):
        raise ValueError(
            f"describe: `input_shape` must be a tuple of positive ints with the batch axis first, "
            f"such as (1, 1, 28, 28); got {input_shape!r}"
        )
    input_shape = tuple(int(s) for s in input_shape)
    reference = next(model.parameters(), None)
    if reference is None:
        reference = next(model.buffers(), torch.zeros(()))
    dtype = reference.dtype if reference.is_floating_point() else torch.float32

    records: list[tuple[nn.Module, str, tuple[int, ...]]] = []
    handles = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            label = name or type(module).__name__  # a model that is itself a single layer

            def hook(mod, _inputs, output, label=label):
                records.append((mod, label, _shape_of(output)))

            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            output = model(torch.zeros(input_shape, dtype=dtype, device=reference.device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

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
    )

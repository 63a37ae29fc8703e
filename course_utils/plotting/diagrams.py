"""Diagrams drawn from code: a network as 3-D volumes, a multi-channel convolution, where a
kernel's windows go with padding and stride."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon, Rectangle
from torch import nn

from course_utils._validate import as_float_array, as_int, require_finite
from course_utils.i18n import N_, _, gettext
from course_utils.models import ModelSummary, describe
from course_utils.plotting.figures import MAX_WIDTH_IN, MIN_FONT_PT, show_numbers

if TYPE_CHECKING:
    import torch

__all__ = ["draw_volumes", "draw_multichannel_conv", "draw_windows"]

# Volumes, in inches: each side grows with the square root of its size, so that 1x28x28 and
# 64x3x3 are both readable in one figure (a linear scale would make 3x3 a dot).
SPATIAL_IN = 0.3  # height per sqrt(pixel)
DEPTH_IN = 0.4 * SPATIAL_IN  # the width axis, drawn receding at 35 degrees, shortened
CHANNEL_IN = 0.08  # thickness per sqrt(channel)
VECTOR_IN = 0.06  # height of a vector's bar per sqrt(unit)
SLOT_IN = 0.78  # the least room per block, so its labels (9 pt) do not touch the next ones
GAP_IN = 0.12
_COLOURS = {
    "input": "#bdbdbd",
    "convolution": "#6baed6",
    "pooling": "#fdae6b",
    "linear": "#74c476",
    "other": "#bcbddc",
}
# The legend's words for the categories (translated when drawn); the keys stay English.
_CATEGORY_LABELS = {
    "input": N_("input"),
    "convolution": N_("convolution"),
    "pooling": N_("pooling"),
    "linear": N_("linear"),
    "other": N_("other"),
}


def _category(kind: str) -> str:
    if kind == "input":
        return "input"
    if kind.startswith("Conv"):
        return "convolution"
    if "Pool" in kind:
        return "pooling"
    return "linear" if kind in ("Linear", "LazyLinear") else "other"


def _stages(summary) -> list[dict]:
    """Blocks to draw: the input, then one per layer that changes the shape or has weights.

    A layer that keeps the shape and is not a convolution or linear layer (batch norm, dropout,
    an activation module) is listed on the block before it instead of drawing a copy of it.
    """
    stages = [{"names": [_("input")], "kind": "input", "shape": tuple(summary.input_shape[1:])}]
    for row in summary.rows:
        shape = tuple(row.output_shape[1:])
        if len(shape) not in (1, 3):
            raise ValueError(
                f"draw_volumes: layer `{row.name}` outputs shape {row.output_shape}; only "
                "(N, C, H, W) volumes and (N, F) vectors can be drawn"
            )
        keeps = shape == stages[-1]["shape"] and len(stages) > 1
        if keeps and _category(row.kind) not in ("convolution", "linear"):
            stages[-1]["names"].append(row.name)
        else:
            stages.append({"names": [row.name], "kind": row.kind, "shape": shape})
    if len(stages[0]["shape"]) not in (1, 3):
        raise ValueError(
            f"draw_volumes: the input shape {summary.input_shape} must be (N, C, H, W) or (N, F)"
        )
    return stages


def _box_size(shape: tuple[int, ...]) -> tuple[float, float, float]:
    """(thickness, height, receding depth) of one block, in inches."""
    if len(shape) == 1:
        return CHANNEL_IN, VECTOR_IN * math.sqrt(shape[0]), 0.6 * CHANNEL_IN
    channels, height, width = shape
    return (
        CHANNEL_IN * math.sqrt(channels),
        SPATIAL_IN * math.sqrt(height),
        DEPTH_IN * math.sqrt(width),
    )


def _draw_box(ax: Axes, left: float, size: tuple[float, float, float], colour: str) -> None:
    """A box seen from the front, right and above: front face, top face, side face."""
    thick, height, depth = size
    dx, dy = depth * math.cos(math.radians(35)), depth * math.sin(math.radians(35))
    bottom, top, right = -height / 2, height / 2, left + thick
    faces = [
        ([(left, bottom), (right, bottom), (right, top), (left, top)], 1.0),
        ([(left, top), (right, top), (right + dx, top + dy), (left + dx, top + dy)], 1.15),
        ([(right, bottom), (right + dx, bottom + dy), (right + dx, top + dy), (right, top)], 0.8),
    ]
    rgb = np.array(plt.matplotlib.colors.to_rgb(colour))
    for corners, shade in faces:
        face = np.clip(rgb * shade, 0, 1)
        ax.add_patch(Polygon(corners, closed=True, facecolor=face, edgecolor="#333333", lw=0.8))


def draw_volumes(
    summary_or_model: ModelSummary | nn.Module,
    input_shape: tuple[int, ...] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a network as 3-D blocks, one per layer output, labelled C x H x W (a CNN in PyTorch).

    Give a `ModelSummary` from `describe`, or an `nn.Module` and the `input_shape` (batch axis
    first) to trace it with. Each (C, H, W) output is a box: thickness for channels, height
    for H, receding depth for W, each growing with the square root of the size; an (F,) output
    is a flat bar. Above each block are the layers it stands for, below it its shape; the
    colour says the kind of layer. The figure is drawn from the traced shapes, never by hand.
    """
    if isinstance(summary_or_model, nn.Module):
        if input_shape is None:
            raise ValueError(
                "draw_volumes: give `input_shape` (batch axis first, such as (1, 1, 28, 28)) "
                "to trace a model"
            )
        summary_or_model = describe(summary_or_model, input_shape)
    elif not isinstance(summary_or_model, ModelSummary):
        raise TypeError(
            "draw_volumes: `summary_or_model` must be a ModelSummary from describe() or a "
            f"torch.nn.Module, got {type(summary_or_model).__name__}"
        )
    elif input_shape is not None:
        raise ValueError("draw_volumes: `input_shape` is for a model; a ModelSummary has its own")
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"draw_volumes: `ax` must be a matplotlib Axes, got {type(ax).__name__}")
    stages = _stages(summary_or_model)
    return _draw_stages(stages, ax, title)


def _labels_touch(labels: list[str], centres: list[float], scale: float) -> bool:
    """Whether two neighbouring 9 pt labels, centred at `centres`, would nearly touch when the
    drawing is shown at `scale` (a character is about 0.075 in wide; 0.1 in between labels)."""
    widths = [0.075 * len(label) / scale for label in labels]
    return any(
        right - left < (w_left + w_right) / 2 + 0.1 / scale
        for left, right, w_left, w_right in zip(
            centres, centres[1:], widths, widths[1:], strict=False
        )
    )


def _draw_stages(stages: list[dict], ax: Axes | None, title: str | None) -> Figure:
    """Lay the blocks out left to right, centred on y = 0, with aligned rows of labels."""
    sizes = [_box_size(stage["shape"]) for stage in stages]
    lefts, x = [], 0.0
    for thick, _skip, depth in sizes:
        slot = max(thick + depth * math.cos(math.radians(35)), SLOT_IN)
        lefts.append(x + (slot - thick) / 2 - 0.1 * depth)
        x += slot + GAP_IN
    width = x - GAP_IN
    top = max(h / 2 + d * math.sin(math.radians(35)) for _skip, h, d in sizes)
    bottom = -max(h / 2 for _skip, h, _skip2 in sizes)
    lines = max(len(stage["names"]) for stage in stages)
    shapes = [" × ".join(str(s) for s in stage["shape"]) for stage in stages]
    centres = [left + size[0] / 2 for left, size in zip(lefts, sizes, strict=True)]
    # Never wider than the book's column: a wider drawing is scaled down as a whole, its 9 pt
    # labels not; shape labels that would then touch go on two alternating rows.
    scale = 1.0 if ax is not None else min(1.0, (MAX_WIDTH_IN - 0.4) / (width + 0.1))
    stagger = _labels_touch(shapes, centres, scale)
    second_row = 0.19 / scale if stagger else 0.0
    name_room, shape_room = 0.08 + 0.16 * lines, 0.5 + second_row
    if ax is None:
        full = (width + 0.1, top - bottom + name_room + shape_room + 0.1)
        fig = plt.figure(figsize=(full[0] * scale, full[1] * scale))
        ax = fig.add_axes((0, 0, 1, 1))
    for i, (stage, left, size) in enumerate(zip(stages, lefts, sizes, strict=True)):
        _draw_box(ax, left, size, _COLOURS[_category(stage["kind"])])
        names = "\n".join(stage["names"])
        ax.text(centres[i], top + 0.08, names, ha="center", va="bottom", fontsize=MIN_FONT_PT)
        y = bottom - 0.06 - (second_row if i % 2 else 0.0)
        ax.text(centres[i], y, shapes[i], ha="center", va="top", fontsize=MIN_FONT_PT)
    present = dict.fromkeys(_category(stage["kind"]) for stage in stages)
    handles = [
        Patch(facecolor=_COLOURS[c], edgecolor="#333333", label=gettext(_CATEGORY_LABELS[c]))
        for c in present
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(width / 2, bottom - 0.22 - second_row),
        bbox_transform=ax.transData,
        ncols=len(handles),
        frameon=False,
        fontsize=MIN_FONT_PT,
    )
    ax.set_xlim(-0.05, width + 0.05)
    ax.set_ylim(bottom - shape_room, top + name_room)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


def _correlate(plane: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of one plane with one kernel slice."""
    windows = np.lib.stride_tricks.sliding_window_view(plane, kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def _conv_example(c_in, c_out, x, weight, bias) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arrays to draw: the ones given, checked, or a small integer example."""
    func = "draw_multichannel_conv"
    for name, value, most in (("c_in", c_in, 4), ("c_out", c_out, 3)):
        if value is not None and (
            not isinstance(value, int | np.integer)
            or isinstance(value, bool)
            or not 1 <= value <= most
        ):
            raise ValueError(f"{func}: `{name}` must be an int from 1 to {most}, got {value!r}")
    if (x is None) != (weight is None):
        raise ValueError(f"{func}: give both `x` and `weight`, or neither for an example")
    if x is None:
        rng = np.random.default_rng(0)
        c_in, c_out = c_in or 3, c_out or 2
        x = rng.integers(0, 4, size=(c_in, 5, 5)).astype(float)
        weight = rng.integers(-1, 2, size=(c_out, c_in, 3, 3)).astype(float)
        bias = rng.integers(-2, 3, size=c_out).astype(float) if bias is None else bias
    x, weight = (
        require_finite(as_float_array(a, n, func).astype(float), n, func)
        for a, n in ((x, "x"), (weight, "weight"))
    )
    if x.ndim != 3 or weight.ndim != 4 or weight.shape[1] != x.shape[0]:
        raise ValueError(
            f"{func}: `x` must be (C_in, H, W) and `weight` (C_out, C_in, kH, kW), got "
            f"{x.shape} and {weight.shape}"
        )
    if (c_in or x.shape[0]) != x.shape[0] or (c_out or weight.shape[0]) != weight.shape[0]:
        raise ValueError(f"{func}: `c_in`, `c_out` ({c_in}, {c_out}) disagree with the arrays")
    if x.shape[0] > 4 or weight.shape[0] > 3 or max(x.shape[1:]) > 8:
        raise ValueError(f"{func}: at most 4 input and 3 output channels of 8x8 fit the figure")
    if not all(k <= s for k, s in zip(weight.shape[2:], x.shape[1:], strict=True)):
        raise ValueError(f"{func}: the kernel {weight.shape[2:]} is larger than `x` {x.shape[1:]}")
    bias = (
        np.zeros(weight.shape[0])
        if bias is None
        else require_finite(as_float_array(bias, "bias", func), "bias", func).reshape(-1)
    )
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"{func}: `bias` must have shape (C_out,) = ({weight.shape[0]},)")
    return x, weight, bias


def draw_multichannel_conv(
    c_in: int | None = None,
    c_out: int | None = None,
    x: np.ndarray | torch.Tensor | None = None,
    weight: np.ndarray | torch.Tensor | None = None,
    bias: np.ndarray | torch.Tensor | list[float] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a multi-channel convolution with every number written in (convolutions).

    For each output channel: one kernel slice per input channel, each input channel's
    cross-correlation with its slice, and their sum plus the bias.

    `x` is (C_in, H, W), `weight` (C_out, C_in, kH, kW), `bias` (C_out,) or None (zeros);
    without them a small integer example with `c_in` (default 3) and `c_out` (default 2)
    channels is drawn. Column 0 holds the input channels; each output channel has two columns,
    its kernel slices and the cross-correlation of each input channel with its slice; the
    bottom row holds each output channel, the column above summed plus the bias.
    """
    x, weight, bias = _conv_example(c_in, c_out, x, weight, bias)
    n_in, n_out = x.shape[0], weight.shape[0]
    parts = np.array([[_correlate(x[c], weight[o, c]) for c in range(n_in)] for o in range(n_out)])
    outputs = parts.sum(axis=1) + bias[:, None, None]
    fig, axes = plt.subplots(
        n_in + 1,
        1 + 2 * n_out,
        figsize=(1.5 * (1 + 2 * n_out), 1.45 * (n_in + 1) + 0.3),
        squeeze=False,
        layout="constrained",
    )
    limit = float(max(np.abs(parts).max(), np.abs(outputs).max())) or 1.0
    light = (min(float(x.min()), 0.0), 2 * float(np.abs(x).max()) or 1.0)  # pale greys
    panels = [
        (axes[c, 0], x[c], _("input x[{c}]").format(c=c), "Greys", light) for c in range(n_in)
    ]
    for o in range(n_out):
        k = 2 * float(np.abs(weight[o]).max()) or 1.0  # pale colours, so the numbers read
        for c in range(n_in):
            name = _("kernel w[{o}, {c}]").format(o=o, c=c)
            panels.append((axes[c, 1 + 2 * o], weight[o, c], name, "PuOr_r", (-k, k)))
            name = f"corr(x[{c}], w[{o}, {c}])"
            panels.append((axes[c, 2 + 2 * o], parts[o, c], name, "RdBu_r", (-limit, limit)))
        name = _("output y[{o}]").format(o=o)
        panels.append((axes[n_in, 2 + 2 * o], outputs[o], name, "RdBu_r", (-limit, limit)))
        axes[n_in, 1 + 2 * o].text(
            1.0,
            0.5,
            _("sum of the\n{n_in} results above\n+ bias b[{o}] = {bias:g}  →").format(
                n_in=n_in, o=o, bias=bias[o]
            ),
            ha="right",
            va="center",
            fontsize=MIN_FONT_PT,
            transform=axes[n_in, 1 + 2 * o].transAxes,
        )
    for ax in axes.flat:
        ax.axis("off")
    for ax, values, name, cmap, limits in panels:
        ax.axis("on")
        show_numbers(ax, values, name, cmap=cmap, limits=limits)
        ax.set(xlabel="", ylabel="", xticks=[], yticks=[])
        ax.title.set_fontsize(MIN_FONT_PT)
    fig.suptitle(
        title
        or _("A convolution with {n_in} input and {n_out} output channels").format(
            n_in=n_in, n_out=n_out
        )
    )
    return fig


def draw_windows(ax: Axes, n: int, k: int, stride: int = 1, padding: int = 0) -> Axes:
    """Draw where a k x k kernel's windows go on an n x n input (sec. padding and stride).

    The input is dark blue, its zero padding pale cells marked "0", the first window a solid
    red square, the second a dashed orange one, and each window's centre a red dot, so the
    dots form the output grid, of side (n + 2 * padding - k) // stride + 1. Returns `ax`.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"draw_windows: `ax` must be a matplotlib Axes, got {type(ax).__name__}")
    n = as_int(n, "n", "draw_windows", minimum=1)
    k = as_int(k, "k", "draw_windows", minimum=1)
    stride = as_int(stride, "stride", "draw_windows", minimum=1)
    padding = as_int(padding, "padding", "draw_windows", minimum=0)
    size = n + 2 * padding
    if k > size:
        raise ValueError(
            f"draw_windows: the kernel (k={k}) must fit the padded input ({size} x {size})"
        )
    grid = np.zeros((size, size))
    grid[padding : padding + n, padding : padding + n] = 1.0
    ax.imshow(grid, cmap="Blues", vmin=-0.6, vmax=2.0)
    for row, col in zip(*np.nonzero(grid == 0), strict=True):
        ax.text(col, row, "0", ha="center", va="center", fontsize=MIN_FONT_PT, color="gray")
    out = (size - k) // stride + 1
    starts = [stride * i for i in range(out)]
    centres = np.array([(r + k // 2, c + k // 2) for r in starts for c in starts])
    ax.scatter(centres[:, 1], centres[:, 0], color="crimson", s=30, zorder=3)
    windows = [((0, 0), "-", "crimson")]
    if out > 1:
        windows.append(((0, stride), "--", "darkorange"))
    for (top, left), style, colour in windows:
        corner = (left - 0.42, top - 0.42)
        ax.add_patch(
            Rectangle(corner, k - 0.16, k - 0.16, fill=False, edgecolor=colour, ls=style, lw=2)
        )
    ax.set_title(
        _("n={n}, k={k}, s={stride}, p={padding}: {out}x{out} output").format(
            n=n, k=k, stride=stride, padding=padding, out=out
        )
    )
    ax.set_xlabel(_("column (padded input)"))
    ax.set_ylabel(_("row (padded input)"))
    ax.set_xticks(range(size))
    ax.set_yticks(range(size))
    return ax

"""Figures used across chapters: the course style, image grids, feature maps, heat maps, players."""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from IPython import get_ipython
from IPython.display import HTML
from matplotlib.animation import Animation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from PIL import Image, ImageChops, ImageStat

from course_utils._validate import (
    as_float_array,
    as_int,
    as_number,
    as_unit_pixels,
    require_finite,
)
from course_utils.i18n import _

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch


__all__ = [
    "COLUMN_PX",
    "DISPLAY_DPI",
    "MAX_WIDTH_IN",
    "MIN_FONT_PT",
    "use_course_style",
    "to_numpy_image",
    "show_images",
    "show_feature_maps",
    "show_numbers",
    "show_heatmap_overlay",
    "animation_html",
]


# The book's text column is 688 CSS px wide. Figures are shown at 72 px per inch, so a font of
# 9 pt is 9 CSS px on the page, and stored at twice that resolution for HiDPI screens and phones.
COLUMN_PX = 688
DISPLAY_DPI = 72
MAX_WIDTH_IN = 9.2  # widest figure not shrunk in the column (676 px with a scroll bar = 9.4 in)
MIN_FONT_PT = 9


def use_course_style() -> None:
    """Readable, crisp figures: text >= 9 px in the column, PNGs at 2x (every chapter's setup)."""
    # Load the backend now: Jupyter's inline backend resets rcParams and figure formatters when
    # it loads, which would otherwise happen at the first figure, after these settings.
    plt.switch_backend(plt.get_backend())
    plt.rcParams.update(
        {
            "figure.dpi": DISPLAY_DPI,
            "savefig.dpi": 2 * DISPLAY_DPI,
            "figure.figsize": (6, 3.5),
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "xtick.labelsize": MIN_FONT_PT,
            "ytick.labelsize": MIN_FONT_PT,
            "legend.fontsize": MIN_FONT_PT,
            "legend.title_fontsize": MIN_FONT_PT,
            "figure.titlesize": 11,
            "image.interpolation": "nearest",
        }
    )
    try:  # inline figures: one PNG each, at 2x, shown at 1x (see _png_2x)
        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("config", "InlineBackend.figure_formats = ['retina']")
            shell.display_formatter.formatters["image/png"].for_type(Figure, _png_2x)
    except Exception:  # pragma: no cover - outside IPython
        pass


def _png_2x(fig) -> tuple[bytes, dict] | None:
    """An inline figure as a small PNG at twice its display size, with that size as metadata."""
    if not fig.axes and not fig.lines:
        return None  # an empty figure shows nothing, as IPython's own formatter does
    _audit(fig)
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=2 * fig.dpi,
        bbox_inches="tight",
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
    )
    return _small_png(buffer.getvalue())


def _audit(fig: Figure, cropped: bool = True) -> None:
    """Under the notebook tests (COURSE_FIGURE_AUDIT=1), fail on overlapping or tiny text."""
    from course_utils.plotting.audit import audit_enabled, check_figure

    if audit_enabled():
        check_figure(fig, cropped=cropped)


def _small_png(png: bytes, max_error: float = 1.5) -> tuple[bytes, dict]:
    """Re-encode a 2x PNG with a 256-colour palette when that changes pixels by at most
    `max_error` (mean, of 255) and is smaller, else losslessly optimised. Returns (bytes,
    {width, height}) at 1x.

    Plots and diagrams keep their look at about a third of the bytes (as pngquant would); a photo
    whose colours a palette would band keeps all its colours.
    """
    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = {"width": image.width // 2, "height": image.height // 2}
    palette = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    error = sum(ImageStat.Stat(ImageChops.difference(image, palette.convert("RGB"))).mean) / 3
    candidates = [image] if error > max_error else [image, palette]
    encoded = []
    for candidate in candidates:
        out = io.BytesIO()
        candidate.save(out, format="PNG", optimize=True)
        encoded.append(out.getvalue())
    return min(encoded, key=len), size


def to_numpy_image(image: np.ndarray | torch.Tensor) -> np.ndarray:
    """One image as a float NumPy array ready for `imshow`: (H, W), (H, W, 3) or (H, W, 4).

    Accepts (H, W), (H, W, C) or (C, H, W) with C in 1, 3, 4. Integer images (uint8 and the
    other integer types) are 0-255 pixel values, divided by 255 as torchvision does; float
    colour images must lie in [0, 1] (imshow would clip anything else; a resampling overshoot
    of up to 0.1 is clipped, 0-255 floats are refused), grayscale ones may have
    any range (the colour map is scaled to them). NaN, complex numbers and other channel
    counts are refused with an error naming `image`.
    """
    return _image_array(image, "image", "to_numpy_image")


def _image_array(image: object, name: str, func: str) -> np.ndarray:
    """`to_numpy_image` for the argument `name` of `func`."""
    array = as_float_array(image, name, func, (2, 3)) if not _is_int_array(image) else None
    if array is None:  # integer pixels: 0-255, as uint8 images are stored
        array = as_unit_pixels(np.asarray(_numpy(image)), name, func)
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[2] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # (C, H, W) -> (H, W, C)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(
            f"{func}: `{name}` must be (H, W), or (H, W, C) or (C, H, W) with C in 1, 3, 4 "
            f"channels, got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{func}: `{name}` is empty, shape {array.shape}")
    require_finite(array, name, func)
    if array.ndim == 3 and (array.min() < -0.1 or array.max() > 1.1):
        raise ValueError(
            f"{func}: a float colour `{name}` must lie in [0, 1], got values in "
            f"[{array.min():.3g}, {array.max():.3g}] (divide 0-255 values by 255)"
        )
    return (
        np.clip(array, 0.0, 1.0).astype(np.float32) if array.ndim == 3 else array.astype(np.float32)
    )


def _numpy(value: object) -> object:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


def _is_int_array(value: object) -> bool:
    """Whether `value` holds integers or booleans (pixels 0-255, or a mask)."""
    if value is None or isinstance(value, str | bytes | dict):
        return False
    try:
        dtype = np.asarray(_numpy(value)).dtype
    except (TypeError, ValueError):
        return False
    return np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.bool_)


def _grid(n: int, ncols: int, size: float, suptitle: str | None, func: str):
    ncols = max(1, min(as_int(ncols, "ncols", func, minimum=1), n))
    size = as_number(size, "size", func)
    if size <= 0:
        raise ValueError(f"{func}: `size` must be > 0 inches, got {size:g}")
    nrows = math.ceil(n / ncols)
    size = min(size, MAX_WIDTH_IN / ncols)  # the whole grid fits the column, so text is not shrunk
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    return fig, axes.flat


def show_images(
    images: np.ndarray | torch.Tensor | Sequence[np.ndarray | torch.Tensor],
    titles: Sequence[object] | None = None,
    ncols: int = 8,
    cmap: str = "gray",
    size: float = 1.4,
    suptitle: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Figure:
    """Show a list or batch of images in a grid, with optional titles (convolutions).

    Accepts a tensor or array batch (N, C, H, W), (N, H, W) or (N, H, W, C), or a list of images.
    Returns the matplotlib figure.
    """
    if hasattr(images, "detach") or isinstance(images, np.ndarray):
        images = list(images)
    if len(images) == 0:
        raise ValueError("show_images: `images` is empty")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"show_images: got {len(titles)} `titles` for {len(images)} images")
    vmin, vmax = (
        None if v is None else as_number(v, n, "show_images")
        for v, n in ((vmin, "vmin"), (vmax, "vmax"))
    )
    fig, axes = _grid(len(images), ncols, size, suptitle, "show_images")
    for i, (ax, image) in enumerate(zip(axes, images, strict=False)):
        array = _image_array(image, f"images[{i}]", "show_images")
        ax.imshow(array, cmap=cmap if array.ndim == 2 else None, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=MIN_FONT_PT)
    fig.tight_layout()
    return fig


def show_feature_maps(
    maps: np.ndarray | torch.Tensor,
    titles: Sequence[object] | None = None,
    ncols: int = 8,
    size: float = 1.4,
    suptitle: str | None = None,
    symmetric: bool = True,
    colorbar: bool = True,
) -> Figure:
    """Show the channels of one feature map (C, H, W) side by side (convolutions).

    With `symmetric=True` each panel uses a diverging colour map centred on 0, so positive and
    negative responses are told apart; a shared colour bar shows the values.
    """
    maps = as_float_array(maps, "maps", "show_feature_maps").astype(np.float32)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3 or maps.size == 0:
        raise ValueError(
            f"show_feature_maps: `maps` must be a non-empty (C, H, W), got shape {maps.shape}"
        )
    require_finite(maps, "maps", "show_feature_maps")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"show_feature_maps: got {len(titles)} `titles` for {len(maps)} maps")
    limit = float(np.abs(maps).max()) or 1.0
    vmin, vmax, cmap = (
        (-limit, limit, "RdBu_r")
        if symmetric
        else (float(maps.min()), float(maps.max()), "viridis")
    )
    fig, axes = _grid(len(maps), ncols, size, suptitle, "show_feature_maps")
    shown = None
    for i, (ax, fmap) in enumerate(zip(axes, maps, strict=False)):
        shown = ax.imshow(fmap, cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=MIN_FONT_PT)
    fig.tight_layout()
    if colorbar and shown is not None:
        fig.colorbar(shown, ax=list(fig.axes), shrink=0.8, label=_("activation"))
    return fig


def _outlines(box: tuple | None, boxes: Sequence[tuple]) -> list[tuple]:
    """`show_numbers`' rectangles to outline, each (top, left, height, width, colour)."""
    outlines = [(*box, "gold")] if box is not None else []
    outlines += list(boxes)
    if any(len(outline) != 5 for outline in outlines):
        raise ValueError(
            "show_numbers: `box` must be (top, left, height, width) and each of `boxes` "
            f"(top, left, height, width, colour), got {box} and {list(boxes)}"
        )
    return outlines


def show_numbers(
    ax: Axes,
    array: np.ndarray | torch.Tensor,
    title: str,
    cmap: str = "RdBu_r",
    limits: tuple[float, float] | None = None,
    fmt: str = "{:g}",
    box: tuple[int, int, int, int] | None = None,
    boxes: Sequence[tuple[int, int, int, int, str]] = (),
) -> AxesImage:
    """Draw a small 2-D array as coloured cells with each value written in (convolutions; pooling).

    `limits` is (vmin, vmax) of the colour scale; by default one centred on 0 that fits the
    values, for the default diverging `cmap`. Each value is written in black or white, whichever
    reads better on its cell. `box` outlines one (top row, left column, height, width) region in
    gold; `boxes` outlines several, each (top, left, height, width, colour). Returns the image,
    for a colour bar.
    """
    values = as_float_array(array, "array", "show_numbers")
    if values.ndim != 2 or values.size == 0:
        raise ValueError(
            f"show_numbers: `array` must be a non-empty 2-D array of numbers, got shape "
            f"{values.shape} and dtype {values.dtype}"
        )
    require_finite(values, "array", "show_numbers")
    values = values.astype(float) + 0.0  # + 0.0 turns -0.0 into 0.0
    if limits is None:
        limit = float(np.abs(values).max()) or 1.0
        limits = (-limit, limit)
    if len(limits) != 2 or not limits[0] < limits[1]:
        raise ValueError(
            f"show_numbers: `limits` must be (vmin, vmax) with vmin < vmax, got {limits}"
        )
    outlines = _outlines(box, boxes)
    shown = ax.imshow(values, cmap=cmap, vmin=limits[0], vmax=limits[1])
    for (row, col), value in np.ndenumerate(values):
        red, green, blue, _alpha = shown.cmap(shown.norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # perceived brightness
        colour = "white" if dark else "black"
        ax.text(
            col,
            row,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=MIN_FONT_PT,
            color=colour,
        )
    for top, left, height, width, colour in outlines:
        corner = (left - 0.5, top - 0.5)
        ax.add_patch(Rectangle(corner, width, height, fill=False, edgecolor=colour, linewidth=3))
    ax.set_title(title)
    ax.set_xlabel(_("column"))
    ax.set_ylabel(_("row"))
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    return shown


# --- looking inside a network: heat maps over images -------------------------------------------


def show_heatmap_overlay(
    image: np.ndarray | torch.Tensor,
    heatmap: np.ndarray | torch.Tensor,
    ax: Axes | None = None,
    title: str | None = None,
    alpha: float = 0.6,
    symmetric: bool | None = None,
    cmap: str | None = None,
    colorbar: bool = True,
    label: str | None = None,
) -> Axes:
    """Draw a heat map (H, W) semi-transparently over a grayscale image (attribution).

    With `symmetric=True` (the default when the map has negative values) the colours are a
    diverging map centred on 0 (red: positive, blue: negative); otherwise 0 is transparent-dark
    and large values are bright. `label` names the colour bar (default: "attribution", in the
    language of the moment). Returns the matplotlib Axes.
    """
    picture = _image_array(image, "image", "show_heatmap_overlay")
    heat = as_float_array(heatmap, "heatmap", "show_heatmap_overlay").astype(np.float32)
    heat = (
        heat.reshape(heat.shape[-2:]) if heat.ndim > 2 and np.prod(heat.shape[:-2]) == 1 else heat
    )
    if heat.ndim != 2:
        raise ValueError(
            f"show_heatmap_overlay: `heatmap` must be (H, W), got shape {heat.shape}; "
            "reduce the channels first (for example .sum(0) or .abs().max(0))"
        )
    if heat.shape != picture.shape[:2]:
        raise ValueError(
            f"show_heatmap_overlay: `heatmap` shape {heat.shape} does not match the "
            f"image's {picture.shape[:2]}"
        )
    require_finite(heat, "heatmap", "show_heatmap_overlay")
    alpha = as_number(alpha, "alpha", "show_heatmap_overlay")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"show_heatmap_overlay: `alpha` must be in [0, 1], got {alpha}")
    if ax is None:
        _fig, ax = plt.subplots(figsize=(2.6, 2.3))
    if symmetric is None:
        symmetric = bool((heat < 0).any())
    limit = float(np.abs(heat).max()) or 1.0
    vmin, vmax = (
        (-limit, limit) if symmetric else (0.0 if heat.min() >= 0 else float(heat.min()), limit)
    )
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
    shown = ax.imshow(
        heat, cmap=cmap or ("RdBu_r" if symmetric else "inferno"), vmin=vmin, vmax=vmax, alpha=alpha
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    if colorbar:
        ax.figure.colorbar(
            shown, ax=ax, shrink=0.8, label=_("attribution") if label is None else label
        )
    return ax


# In the book's dark mode, a rich output sits on a light panel as wide as the column; an animation
# player needs none (its frames keep their own white background), so it clears that panel.
_ANIMATION_CSS = """<style>
html[data-theme=dark] .bd-content div.cell_output .text_html:has(.course-animation) {
  background-color: transparent !important; color: inherit !important; padding: 0 !important;
}
</style>"""


def animation_html(animation: Animation, **kwargs: object) -> HTML:
    """A matplotlib animation as an HTML player that works offline (optimizers; style transfer).

    Frames are drawn at twice the figure's dpi and shown at its size, crisp on HiDPI screens.
    `Animation.to_jshtml` links Font Awesome 4 from a CDN for its button icons; the book already
    ships Font Awesome, so that remote stylesheet is dropped. `kwargs` go to `to_jshtml`.
    """
    if not isinstance(animation, Animation):
        raise TypeError(
            "animation_html: `animation` must be a matplotlib animation (for example "
            f"FuncAnimation(fig, update, frames)), got {type(animation).__name__}"
        )
    fig = animation._fig
    with plt.rc_context({"savefig.dpi": 2 * fig.dpi}):
        html = animation.to_jshtml(**kwargs)
    _audit(fig, cropped=False)  # the last frame, with everything drawn
    html = re.sub(r'<link[^>]+href="https?://[^"]+"[^>]*>\s*', "", html)
    width = round(fig.get_figwidth() * fig.dpi)
    html = re.sub(
        r'<img id="(_anim_img\w+)">',
        rf'<img id="\1" width="{width}" alt="{_("animation frame")}">',
        html,
    )
    return HTML(f'<div class="course-animation">{_ANIMATION_CSS}{html}</div>')

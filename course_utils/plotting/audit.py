"""The figure text audit: no text over other text, a legend, another plot or the data it labels,
and no text smaller than 9 px as the book shows it.

Matplotlib knows where it drew every text. `figure_problems` draws a figure without rendering
it (a layout pass, a few milliseconds), records each text that was drawn (titles, axis and tick
labels, legends, annotations, colour-bar labels, figure texts) with its box, and reports:

- **tiny text**: a font smaller than `MIN_TEXT_PX` at its displayed size. A figure is shown at
  its own size (72 px per inch at the course's dpi), shrunk to fit the book's 676 px column when
  it is wider: displayed px = points * dpi / 72 * min(1, 676 / figure width in px);
- **text over text**: two text boxes that share more than `TOUCH_PX` each way, or two level
  texts side by side on one line with less than `GAP_PX` between them as shown (they read as
  one label);
- **text over a legend or another plot**: a text (or legend) over a legend it is not part of,
  or over another axes' plotting area or image (a title running into a colour bar, a second-row
  title hidden by a first-row image);
- **text over data**: a legend or an annotation in the same axes that a plotted line, its markers,
  a scatter point or (for legends) a bar passes under.

The notebooks' test runs set `COURSE_FIGURE_AUDIT=1` (the Makefile's NB_ENV): every figure a
chapter shows inline is then checked just before it is drawn (`course_utils.plotting.figures`),
and a figure with a problem raises `FigureTextError`, which fails the cell under nbval.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = [
    "AUDIT_ENV",
    "BOOK_COLUMN_PX",
    "MIN_TEXT_PX",
    "TOUCH_PX",
    "GAP_PX",
    "FigureTextError",
    "figure_problems",
    "check_figure",
    "audit_enabled",
]

AUDIT_ENV = "COURSE_FIGURE_AUDIT"
BOOK_COLUMN_PX = 676  # the book's text column (688 px less a scroll bar)
MIN_TEXT_PX = 9.0
TOUCH_PX = 1.0  # boxes that share at most this many px (either way) only touch
GAP_PX = 4.0  # two texts side by side need this much space, or they read as one


class FigureTextError(AssertionError):
    """A figure has overlapping or tiny text (raised by `check_figure`)."""


@dataclass
class _Drawn:
    text: Text
    box: Bbox
    role: str
    owner: Axes | None  # the axes the text belongs to (None: the figure's own text)
    legend: Legend | None


def audit_enabled() -> bool:
    """Whether `COURSE_FIGURE_AUDIT` asks for every shown figure to be audited (tests set it)."""
    return os.environ.get(AUDIT_ENV, "").strip() not in ("", "0")


@contextlib.contextmanager
def _recording(drawn: list[tuple[Text, Bbox]]) -> Iterator[None]:
    """Record each non-empty, visible text that a draw inside the block draws, with its box."""
    original = Text.draw

    def draw(self: Text, renderer) -> None:
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    Text.draw = draw
    try:
        yield
    finally:
        Text.draw = original


def _axes_name(fig: Figure, ax: Axes) -> str:
    if hasattr(ax, "_colorbar"):
        label = ax._colorbar.ax.get_ylabel() or ax._colorbar.ax.get_xlabel()
        return f"the colour bar {label!r}" if label else "a colour bar"
    title = next((t.get_text() for t in _titles(ax) if t.get_text().strip()), "")
    index = fig.axes.index(ax) + 1 if ax in fig.axes else 0
    return f"axes {index} {title!r}" if title else f"axes {index}"


def _titles(ax: Axes) -> list[Text]:
    return [ax.title, ax._left_title, ax._right_title]


def _roles(fig: Figure) -> dict[int, tuple[str, Axes | None, Legend | None]]:
    """What each text of the figure is, by id: (role, owner axes, legend it belongs to)."""
    roles: dict[int, tuple[str, Axes | None, Legend | None]] = {}
    for text in fig.texts:
        roles[id(text)] = ("figure text", None, None)
    for ax in fig.axes:
        name = _axes_name(fig, ax)
        for text in _titles(ax):
            roles[id(text)] = (f"title of {name}", ax, None)
        for axis, letter in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for tick in [*axis.majorTicks, *axis.minorTicks]:
                for text in (tick.label1, tick.label2):
                    roles[id(text)] = (f"{letter} tick label of {name}", ax, None)
            roles[id(axis.offsetText)] = (f"{letter} offset text of {name}", ax, None)
            roles[id(axis.label)] = (f"{letter} label of {name}", ax, None)
        for text in ax.texts:
            roles[id(text)] = (f"text in {name}", ax, None)
    legends = [(leg, leg.axes) for leg in fig.legends]
    legends += [(ax.get_legend(), ax) for ax in fig.axes if ax.get_legend() is not None]
    for legend, ax in legends:
        where = f"legend of {_axes_name(fig, ax)}" if ax is not None else "figure legend"
        for text in [*legend.get_texts(), legend.get_title()]:
            roles[id(text)] = (where, ax, legend)
    return roles


def _drawn_texts(fig: Figure) -> tuple[list[_Drawn], object]:
    """Draw `fig` without rendering; every text it drew, with its role, and the renderer."""
    from matplotlib.backend_bases import _get_renderer

    recorded: list[tuple[Text, Bbox]] = []
    renderer = _get_renderer(fig)
    with _recording(recorded), renderer._draw_disabled():
        fig.draw(renderer)
    roles = _roles(fig)
    drawn = []
    for text, box in recorded:
        role, owner, legend = roles.get(id(text), (None, text.axes, None))
        if role is None:
            role = f"tick label of {_axes_name(fig, owner)}" if owner is not None else "text"
        drawn.append(_Drawn(text, box, role, owner, legend))
    return drawn, renderer


def _shared(a: Bbox, b: Bbox) -> tuple[float, float]:
    return min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)


def _overlaps(a: Bbox, b: Bbox) -> bool:
    width, height = _shared(a, b)
    return width > TOUCH_PX and height > TOUCH_PX


def _label(item: _Drawn) -> str:
    text = " ".join(item.text.get_text().split())
    return f"{text[:40]!r} ({item.role})"


def _shown(fig: Figure, drawn: list[_Drawn], column_px: float) -> tuple[float, float]:
    """The saved figure's width in px (bbox_inches="tight": its texts and plotting areas,
    padded) and the scale the page shows it at."""
    from matplotlib import rcParams

    boxes = [d.box for d in drawn] + [ax.bbox for ax in fig.axes if ax.get_visible()]
    if not boxes:
        return 0.0, 1.0
    width_px = Bbox.union(boxes).width + 2 * float(rcParams["savefig.pad_inches"]) * fig.dpi
    return width_px, min(1.0, column_px / width_px)


def _cut_off(fig: Figure, drawn: list[_Drawn]) -> list[str]:
    inside = fig.bbox.padded(TOUCH_PX)
    return [
        f"text {_label(item)} is cut off at the edge of the figure"
        for item in drawn
        if not inside.contains(item.box.x0, item.box.y0)
        or not inside.contains(item.box.x1, item.box.y1)
    ]


def _tiny(fig: Figure, drawn: list[_Drawn], width_px: float, column_px: float) -> list[str]:
    scale = min(1.0, column_px / width_px) if width_px else 1.0
    problems = []
    for item in drawn:
        shown = item.text.get_fontsize() * fig.dpi / 72 * scale
        if round(shown, 1) < MIN_TEXT_PX:  # as printed: 8.96 px is 9.0 px
            problems.append(
                f"text {_label(item)} is {shown:.1f} px on the page (font "
                f"{item.text.get_fontsize():g} pt in a figure {width_px:.0f} px wide, shown "
                f"{min(width_px, column_px):.0f} px wide); text must be at least {MIN_TEXT_PX:g} px"
            )
    return problems


def _text_over_text(drawn: list[_Drawn], gap: float) -> list[str]:
    """Pairs of texts that overlap, or sit side by side less than `gap` px apart."""
    problems = []
    for i, first in enumerate(drawn):
        for second in drawn[i + 1 :]:
            width, height = _shared(first.box, second.box)
            # The gap rule is for labels on one line of reading: level texts side by side.
            level = first.text.get_rotation() % 180 == 0 == second.text.get_rotation() % 180
            lower = min(first.box.height, second.box.height)
            in_line = level and height > lower / 2
            if height > TOUCH_PX and width > (-gap if in_line else TOUCH_PX):
                verb = "overlaps" if width > TOUCH_PX else "runs into"
                problems.append(f"text {_label(first)} {verb} text {_label(second)}")
    return problems


def _legends(fig: Figure) -> list[tuple[Legend, Axes | None]]:
    found = [(leg, leg.axes) for leg in fig.legends]
    found += [(ax.get_legend(), ax) for ax in fig.axes if ax.get_legend() is not None]
    return [(leg, ax) for leg, ax in found if leg.get_visible()]


def _plot_areas(ax: Axes, renderer) -> list[Bbox]:
    """Where `ax` draws: its frame when its axis is on, else the images it shows."""
    if not ax.get_visible():
        return []
    if ax.axison and ax.patch.get_visible():
        return [ax.bbox]
    areas = []
    for image in ax.images:
        if isinstance(image, AxesImage) and image.get_visible():
            box = Bbox.intersection(image.get_window_extent(renderer), ax.bbox)
            if box is not None:
                areas.append(box)
    return areas


def _same_place(a: Bbox, b: Bbox) -> bool:
    return bool(np.allclose(a.get_points(), b.get_points(), atol=1.0))


def _over_other_plots(fig: Figure, drawn: list[_Drawn], renderer) -> list[str]:
    problems = []
    legends = _legends(fig)
    boxes = [(f"text {_label(d)}", d.box, d.owner, d.legend, False) for d in drawn]
    for legend, owner in legends:
        where = _axes_name(fig, owner) if owner is not None else "the figure"
        box = legend.get_window_extent(renderer)
        boxes.append((f"the legend of {where}", box, owner, legend, True))
    for name, box, owner, own_legend, is_legend in boxes:
        for legend, where in legends:
            if is_legend or legend is own_legend:
                continue
            if _overlaps(box, legend.get_window_extent(renderer)):
                place = _axes_name(fig, where) if where is not None else "the figure"
                problems.append(f"{name} is under or over the legend of {place}")
        for ax in fig.axes:
            if ax is owner or (owner is not None and _same_place(ax.bbox, owner.bbox)):
                continue
            if any(_overlaps(box, area) for area in _plot_areas(ax, renderer)):
                problems.append(f"{name} runs into {_axes_name(fig, ax)}")
    return problems


def _crossing(points: np.ndarray, box: Bbox, segments: bool) -> bool:
    """Whether a polyline (or, with `segments` False, its points) enters `box` (Liang-Barsky)."""
    x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
    points = points[np.isfinite(points).all(axis=1)]
    inside = (points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0) & (points[:, 1] < y1)
    if inside.any() or not segments or len(points) < 2:
        return bool(inside.any())
    start, delta = points[:-1], np.diff(points, axis=0)
    low, high = np.zeros(len(start)), np.ones(len(start))
    blocked = np.zeros(len(start), dtype=bool)
    for p, q in (
        (-delta[:, 0], start[:, 0] - x0),
        (delta[:, 0], x1 - start[:, 0]),
        (-delta[:, 1], start[:, 1] - y0),
        (delta[:, 1], y1 - start[:, 1]),
    ):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = q / p
        blocked |= (p == 0) & (q < 0)
        low = np.where(p < 0, np.maximum(low, ratio), low)
        high = np.where(p > 0, np.minimum(high, ratio), high)
    return bool((~blocked & (low < high)).any())


def _named(what: str, artist) -> str:
    label = str(artist.get_label())
    return what if label.startswith("_") else f"{what} {label!r}"


def _data_under(ax: Axes, box: Bbox, with_bars: bool) -> str | None:
    """The first line, marker, scatter point (or bar) of `ax` that passes under `box`."""
    box = Bbox.intersection(box, ax.bbox)
    if box is None or box.width <= 2 * TOUCH_PX or box.height <= 2 * TOUCH_PX:
        return None
    box = box.padded(-TOUCH_PX)
    for line in ax.lines:
        has_line = line.get_linestyle() not in ("None", "", " ") and line.get_linewidth() > 0
        has_marker = line.get_marker() not in ("None", "", " ", None)
        if not line.get_visible() or not (has_line or has_marker):
            continue
        points = line.get_transform().transform(line.get_xydata())
        if _crossing(points, box, segments=has_line):
            return _named("the line", line)
    for collection in ax.collections:
        if isinstance(collection, PathCollection) and collection.get_visible():
            offsets = collection.get_offset_transform().transform(collection.get_offsets())
            if len(offsets) and _crossing(np.asarray(offsets), box, segments=False):
                return _named("the points", collection)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_visible()]
    for bar in bars if with_bars else []:
        if _overlaps(box, bar.get_window_extent()):
            return _named("a bar", bar)
    return None


def _over_data(fig: Figure, drawn: list[_Drawn], renderer) -> list[str]:
    problems = []
    for legend, ax in _legends(fig):
        for target in [ax] if ax is not None else fig.axes:
            what = _data_under(target, legend.get_window_extent(renderer), with_bars=True)
            if what:
                problems.append(f"the legend of {_axes_name(fig, target)} covers {what}")
    for item in drawn:
        if item.owner is not None and item.text in item.owner.texts:
            what = _data_under(item.owner, item.box, with_bars=False)
            if what:
                problems.append(f"text {_label(item)} lies over {what}")
    return problems


def figure_problems(
    fig: Figure, column_px: float = BOOK_COLUMN_PX, cropped: bool = True
) -> list[str]:
    """Every overlapping or tiny text in `fig`, as sentences; empty when the figure is clean.

    `column_px` is the width the figure is shrunk to when wider (the book's column). `cropped`:
    the figure is saved cropped to what it draws (`bbox_inches="tight"`, as inline figures are);
    False for one saved at its own size (an animation's frames), where a text that sticks out
    of the figure is cut off, and is reported.
    """
    if not isinstance(fig, Figure):
        raise TypeError(
            f"figure_problems: `fig` must be a matplotlib Figure, got {type(fig).__name__}"
        )
    if isinstance(column_px, bool) or not isinstance(column_px, int | float) or column_px <= 0:
        raise ValueError(
            f"figure_problems: `column_px` must be a positive number, got {column_px!r}"
        )
    drawn, renderer = _drawn_texts(fig)
    width_px, scale = _shown(fig, drawn, float(column_px))
    if not cropped:
        width_px, scale = fig.bbox.width, min(1.0, column_px / fig.bbox.width)
    problems = [] if cropped else _cut_off(fig, drawn)
    problems += _tiny(fig, drawn, width_px, float(column_px))
    problems += _text_over_text(drawn, GAP_PX / scale)
    problems += _over_other_plots(fig, drawn, renderer)
    problems += _over_data(fig, drawn, renderer)
    return list(dict.fromkeys(problems))


def check_figure(fig: Figure, column_px: float = BOOK_COLUMN_PX, cropped: bool = True) -> None:
    """Raise `FigureTextError` listing the problems `figure_problems` finds in `fig`, if any."""
    problems = figure_problems(fig, column_px, cropped)
    if problems:
        shown = problems[:12]
        more = f"\n  ... and {len(problems) - 12} more" if len(problems) > 12 else ""
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        named = f" {title!r}" if title else ""
        raise FigureTextError(
            f"figure{named} has {len(problems)} text problem(s) (see CONTRIBUTING, Figures):\n  "
            + "\n  ".join(shown)
            + more
        )

"""Style images drawn with code: brush strokes that follow swirls, or waves (style transfer).

Each painting is data: a palette and a handful of numbers (`PAINT_PALETTE`, `STROKE`,
`WAVE_PALETTE`, `WAVE`) that `brush_stroke_painting` and `wave_painting` turn, with a seeded
random generator, into an (H, W, 3) image. Nothing is downloaded, and every seed gives the same
picture on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PAINT_PALETTE", "WAVE_PALETTE", "brush_stroke_painting", "wave_painting"]

# Deep blues, a sky blue, a warm yellow, a pale cream and a dark teal (RGB in [0, 1]).
PAINT_PALETTE = (
    (0.08, 0.14, 0.38),
    (0.16, 0.32, 0.62),
    (0.36, 0.56, 0.82),
    (0.95, 0.80, 0.25),
    (0.98, 0.95, 0.75),
    (0.10, 0.30, 0.30),
)

# How strokes move: at most `length` points each (at least `min_length`), a steady drift
# (down, right) plus the pull of each swirl, `swirl` strong, softened by `softening` near its
# centre; each step moves 1.5 stroke radii. Swirl centres lie in `centre_range` of the canvas.
STROKE = {
    "length": 18,
    "min_length": 8,
    "drift": (0.09, 0.3),
    "swirl": 0.05,
    "softening": 0.01,
    "step": 1.5,
    "centre_range": (0.15, 0.85),
    "brightness": (0.85, 1.1),
}

# Sea blues from deep to light, foam white, and a pale sky (RGB in [0, 1]).
WAVE_PALETTE = (
    (0.05, 0.12, 0.35),
    (0.10, 0.25, 0.55),
    (0.22, 0.45, 0.72),
    (0.45, 0.66, 0.86),
    (0.96, 0.97, 0.95),
    (0.93, 0.88, 0.74),
)

# Waves: crests `wavelength` of the canvas apart, `amplitude` high (fractions of the side),
# rows of strokes over the lower `sea` of the canvas; strokes `length` steps of 1.2 radii long;
# a stroke within `foam` of a crest (in units of the amplitude) is painted white.
WAVE = {"wavelength": 0.3, "amplitude": 0.06, "sea": 0.8, "length": 14, "foam": 0.25}


def _palette(palette: Sequence[Sequence[float]]) -> np.ndarray:
    """`palette` as a checked (K, 3) float64 array of RGB colours in [0, 1], K >= 2."""
    try:
        colours = np.asarray(palette, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "brush_stroke_painting: `palette` must be two or more RGB triples of numbers, "
            f"got {palette!r}"
        ) from None
    if colours.ndim != 2 or colours.shape[1] != 3 or len(colours) < 2:
        raise ValueError(
            "brush_stroke_painting: `palette` must be two or more RGB triples, "
            f"got shape {colours.shape}"
        )
    if not np.all(np.isfinite(colours)) or colours.min() < 0 or colours.max() > 1:
        raise ValueError(
            "brush_stroke_painting: `palette` colours must be finite RGB values in [0, 1] "
            "(divide 0-255 values by 255)"
        )
    return colours


def _trace(
    points: np.ndarray, centres: np.ndarray, spins: np.ndarray, step: np.ndarray
) -> np.ndarray:
    """Every stroke's path along the flow field at once: (length, strokes, 2), canvas units."""
    length, count = STROKE["length"], len(points)
    path = np.empty((length, count, 2))
    for t in range(length):
        path[t] = points
        flow = np.tile(STROKE["drift"], (count, 1))
        for centre, spin in zip(centres, spins, strict=True):
            offset = points - centre
            flow += (
                spin
                * np.stack([-offset[:, 1], offset[:, 0]], 1)
                / ((offset**2).sum(1, keepdims=True) + STROKE["softening"])
                * STROKE["swirl"]
            )
        flow /= np.linalg.norm(flow, axis=1, keepdims=True) + 1e-9
        points = points + flow * step[:, None]
    return path


def _paint(image: np.ndarray, pts: np.ndarray, r: float, colour: np.ndarray) -> None:
    """Paint one stroke, the polyline `pts` (pixels) `r` pixels thick, over `image` in place."""
    size = image.shape[0]
    y0, x0 = np.maximum(np.floor(pts.min(0) - r - 1), 0).astype(int)
    y1, x1 = np.minimum(np.ceil(pts.max(0) + r + 2), size).astype(int)
    if y0 >= y1 or x0 >= x1:
        return
    gy = np.arange(y0, y1, dtype=np.float32)[:, None, None]
    gx = np.arange(x0, x1, dtype=np.float32)[None, :, None]
    start = pts[:-1].astype(np.float32)
    seg = (pts[1:] - pts[:-1]).astype(np.float32)
    dy, dx = gy - start[:, 0], gx - start[:, 1]
    t = np.clip((dy * seg[:, 0] + dx * seg[:, 1]) / ((seg**2).sum(1) + 1e-9), 0, 1)
    dist = np.sqrt(((dy - t * seg[:, 0]) ** 2 + (dx - t * seg[:, 1]) ** 2).min(-1))[..., None]
    alpha = np.clip(r - dist + 0.5, 0, 1)  # distance from each pixel to the polyline
    image[y0:y1, x0:x1] = image[y0:y1, x0:x1] * (1 - alpha) + colour * alpha


def brush_stroke_painting(
    size: int = 256,
    seed: int = 0,
    palette: Sequence[Sequence[float]] = PAINT_PALETTE,
    swirls: int = 4,
    stroke_width: tuple[float, float] = (2.5, 6.0),
    density: float = 3.0,
) -> np.ndarray:
    """A seeded "painting" (size, size, 3) of brush strokes that follow a few swirls.

    Each stroke is a thick polyline traced along a swirling flow field and painted over the
    earlier ones in a colour of `palette`. `stroke_width` is the range of stroke radii in pixels
    at size 256 (they scale with `size`); `density` strokes per pixel of side. Values in [0, 1].
    """
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 8:
        raise ValueError(f"brush_stroke_painting: `size` must be an int >= 8, got {size!r}")
    colours_in = _palette(palette)
    rng = np.random.default_rng(seed)
    image = np.empty((size, size, 3))
    image[:] = colours_in[0]
    centres = rng.uniform(*STROKE["centre_range"], size=(swirls, 2))
    spins = rng.choice([-1.0, 1.0], size=swirls)
    count = int(density * size)
    radius = rng.uniform(*stroke_width, count) * size / 256
    colours = colours_in[rng.integers(len(colours_in), size=count)] * rng.uniform(
        *STROKE["brightness"], (count, 1)
    )
    points = rng.uniform(0, 1, (count, 2))
    lengths = rng.integers(STROKE["min_length"], STROKE["length"] + 1, count)
    path = _trace(points, centres, spins, radius / size * STROKE["step"]) * size
    for k in range(count):  # in order: later strokes cover earlier ones
        _paint(image, path[: lengths[k], k], radius[k], colours[k])
    return np.clip(image, 0, 1).astype(np.float32)


def _check_size(size: object, func: str) -> int:
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 8:
        raise ValueError(f"{func}: `size` must be an int >= 8, got {size!r}")
    return int(size)


def wave_painting(size: int = 224, seed: int = 0, density: float = 6.0) -> np.ndarray:
    """A seeded "painting" of sea waves: curved blue strokes, white foam on the crests.

    Strokes follow sine waves whose phase shifts with depth, darker further down, over a pale
    sky; a stroke that starts near a crest is foam (white). `density` strokes per pixel of
    side. Returns (size, size, 3) float32 values in [0, 1]; the same picture for a given seed.
    """
    size = _check_size(size, "wave_painting")
    if isinstance(density, bool) or not isinstance(density, int | float) or not density > 0:
        raise ValueError(f"wave_painting: `density` must be a number > 0, got {density!r}")
    rng = np.random.default_rng(seed)
    colours_in = np.asarray(WAVE_PALETTE)
    image = np.empty((size, size, 3))
    image[:] = colours_in[5]
    count = int(density * size)
    horizon = 1 - WAVE["sea"]
    rows = np.sort(rng.uniform(horizon, 1.05, count))  # far rows first, near ones over them
    starts = rng.uniform(-0.1, 1.0, count)
    radius = rng.uniform(2.0, 5.0, count) * (0.6 + rows) * size / 256
    k = 2 * np.pi / WAVE["wavelength"]
    for y0, x0, r in zip(rows, starts, radius, strict=True):
        phase = 9.0 * y0
        x = x0 + np.arange(WAVE["length"]) * 1.2 * r / size
        amplitude = WAVE["amplitude"] * (0.5 + y0)
        y = y0 + amplitude * np.sin(k * x + phase)
        crest = np.sin(k * x0 + phase) < -1 + WAVE["foam"]
        depth = (y0 - horizon) / WAVE["sea"]  # 0 at the horizon, 1 at the bottom
        shade = 4 if crest else int(np.clip(3.5 - 4 * depth + rng.normal(0, 0.6), 0, 3))
        colour = colours_in[shade] * rng.uniform(0.9, 1.05)
        _paint(image, np.stack([y, x], 1) * size, r, colour)
    return np.clip(image, 0, 1).astype(np.float32)

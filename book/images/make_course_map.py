"""Draw the course map (book/images/course_map.png): chapters and what each builds on.

Run: .venv/bin/python book/images/make_course_map.py   (a test checks the PNG is up to date)
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path as Route  # noqa: E402

# chapter number -> (title, part, (column, row))
CHAPTERS = {
    1: ("01 Convolutions", "layers", (0, 4)),
    2: ("02 Pooling", "layers", (0, 3)),
    3: ("03 Fully connected\n+ softmax", "layers", (0, 2)),
    4: ("04 Dropout\n+ batch norm", "layers", (0, 1)),
    5: ("05 A CNN in PyTorch", "layers", (0, 0)),
    6: ("06 Backpropagation", "training", (1, 3.75)),
    6.5: ("07 Activations\n+ initialization", "training", (1, 2.75)),  # file 06b until renumbered
    7: ("07 Optimizers", "training", (1, 1.75)),
    8: ("08 Training a\nclassifier", "training", (1, 0.5)),
    9: ("09 What the\nnetwork learned", "inside", (2, 3.5)),
    10: ("10 Occlusion\n+ saliency", "inside", (2, 2)),
    11: ("11 Style transfer", "inside", (2, 0.5)),
}
# (from, to): "to" builds on "from"
DEPENDS = [
    (1, 2),
    (2, 3),
    (3, 4),
    (4, 5),
    (5, 6),
    (6, 6.5),
    (4, 6.5),
    (6, 7),
    (5, 8),
    (7, 8),
    (8, 9),
    (8, 10),
    (9, 10),
    (9, 11),
    (1, 11),
]
COLOURS = {"layers": "#d1e5f0", "training": "#fddbc7", "inside": "#d9f0d3"}
PARTS = {"layers": "The layers of a CNN", "training": "Training", "inside": "Looking inside"}
BOX_W, BOX_H, X_GAP = 2.2, 0.62, 3.3


def source_data() -> str:
    """Everything the drawing is made from, as one JSON string."""
    import json

    return json.dumps(
        {
            "chapters": CHAPTERS,
            "depends": DEPENDS,
            "colours": COLOURS,
            "parts": PARTS,
            "box": [BOX_W, BOX_H, X_GAP],
        },
        sort_keys=True,
    )


def centre(number: float) -> tuple[float, float]:
    col, row = CHAPTERS[number][2]
    return col * X_GAP, row


def draw(path: Path) -> None:
    """Write the course map to `path` as a PNG at 2x, with no timestamp (reruns: same bytes)."""
    fig, ax = plt.subplots(figsize=(8.2, 4.6), dpi=90)
    for part, x in zip(PARTS, (0, 1, 2), strict=True):
        ax.text(
            x * X_GAP, 4.75, PARTS[part], ha="center", va="center", fontsize=11, fontweight="bold"
        )
    for number, (title, part, _) in CHAPTERS.items():
        x, y = centre(number)
        ax.add_patch(
            FancyBboxPatch(
                (x - BOX_W / 2, y - BOX_H / 2),
                BOX_W,
                BOX_H,
                boxstyle="round,pad=0.04",
                fc=COLOURS[part],
                ec="#333333",
                lw=1,
            )
        )
        ax.text(x, y, title, ha="center", va="center", fontsize=9)
    for start, end in DEPENDS:
        (x0, y0), (x1, y1) = centre(start), centre(end)
        if (
            x1 - x0 > X_GAP
        ):  # across the middle column: left of column 0, below every box, up into the target
            left, bottom = x0 - BOX_W / 2 - 0.25, -0.55
            corners = [
                (x0 - BOX_W / 2 - 0.05, y0),
                (left, y0),
                (left, bottom),
                (x1, bottom),
                (x1, y1 - BOX_H / 2 - 0.06),
            ]
            route = Route(corners, [Route.MOVETO] + [Route.LINETO] * (len(corners) - 1))
            ax.add_patch(
                FancyArrowPatch(
                    path=route, arrowstyle="-|>", mutation_scale=10, lw=0.9, color="#555555"
                )
            )
            continue
        if x0 == x1 and abs(y0 - y1) > 1.5:  # same column, skipping a box: around its right side
            a, b = (x0 + BOX_W / 2 + 0.05, y0), (x1 + BOX_W / 2 + 0.05, y1)
            style = "arc3,rad=-0.45"
        elif x0 == x1:  # same column: from the bottom of one box to the top of the next
            a, b = (x0, y0 - BOX_H / 2 - 0.04), (x1, y1 + BOX_H / 2 + 0.04)
            style = "arc3,rad=0.0"
        else:
            a, b = (x0 + BOX_W / 2 + 0.05, y0), (x1 - BOX_W / 2 - 0.05, y1)
            style = "arc3,rad=0.08"
        ax.add_patch(
            FancyArrowPatch(
                a,
                b,
                arrowstyle="-|>",
                mutation_scale=10,
                lw=0.9,
                color="#555555",
                connectionstyle=style,
            )
        )
    ax.set_xlim(-BOX_W / 2 - 0.45, 2 * X_GAP + BOX_W / 2 + 0.9)
    ax.set_ylim(-0.75, 5.1)
    ax.axis("off")
    ax.set_title("Course map: an arrow means 'builds on'", fontsize=10, loc="left")
    fig.tight_layout()
    # 2x: crisp on HiDPI screens. The drawing's data go into the PNG too, so that a test can tell
    # whether the committed picture is out of date without comparing pixels (fonts and
    # rasterisers differ slightly between machines).
    fig.savefig(
        path, format="png", dpi=180, metadata={"Software": None, "Description": source_data()}
    )
    plt.close(fig)


if __name__ == "__main__":
    draw(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("course_map.png"))

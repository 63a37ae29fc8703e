"""Draw the course map (book/images/course_map.png): chapters and what each builds on.

Run: .venv/bin/python book/images/make_course_map.py   (a test checks the PNGs are up to date)

It also draws the Spanish edition's map, course_map_es.png (the Spanish book shows an image's
`_es` twin in its place; tools/translations.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path as Route  # noqa: E402

from course_utils.plotting.audit import check_figure  # noqa: E402

# chapter number -> (title, part); drawn top to bottom, one column, so that the map stays
# legible on a phone (390 px: about 358 px of column, text >= 9 px).
CHAPTERS = {
    1: ("01 Convolutions", "layers"),
    2: ("02 Pooling", "layers"),
    3: ("03 Fully connected + softmax", "layers"),
    4: ("04 Dropout + batch norm", "layers"),
    5: ("05 A CNN in PyTorch", "layers"),
    6: ("06 Backpropagation", "training"),
    6.5: ("07 Activations + initialization", "training"),
    7: ("08 Optimizers", "training"),
    8: ("09 Training a classifier", "training"),
    9: ("10 What the network learned", "inside"),
    10: ("11 Occlusion + saliency", "inside"),
    11: ("12 Style transfer", "inside"),
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
    (6.5, 7),
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
TITLE = "Course map: an arrow means 'builds on'"
# The Spanish edition's words (the chapter titles and part captions of its catalogues).
SPANISH = {
    "chapters": {
        1: "01 Convoluciones",
        2: "02 Pooling",
        3: "03 Totalmente conectadas + softmax",
        4: "04 Dropout + batch norm",
        5: "05 Una CNN en PyTorch",
        6: "06 Retropropagación",
        6.5: "07 Activaciones + inicialización",
        7: "08 Optimizadores",
        8: "09 Entrenar un clasificador",
        9: "10 Qué ha aprendido la red",
        10: "11 Oclusión + saliencia",
        11: "12 Transferencia de estilo",
    },
    "parts": {
        "layers": "Las capas de una CNN",
        "training": "Entrenamiento",
        "inside": "Mirar por dentro",
    },
    "title": "Mapa del curso: una flecha significa «se apoya en»",
}
# Inches: figure width, box width and height, box centre x, a row, a part heading's row.
WIDTH, BOX_W, BOX_H, BOX_X, ROW, HEADING = 4.9, 2.75, 0.42, 2.35, 0.6, 0.4
PHONE_COLUMN_PX = 358  # a 390 px phone less the page's margins


def source_data(lang: str = "en") -> str:
    """Everything the drawing in language `lang` is made from, as one JSON string."""
    import json

    return json.dumps(
        {
            "chapters": CHAPTERS,
            "depends": DEPENDS,
            "colours": COLOURS,
            "parts": PARTS,
            "box": [WIDTH, BOX_W, BOX_H, BOX_X, ROW, HEADING],
            **({"spanish": SPANISH} if lang == "es" else {}),
        },
        sort_keys=True,
    )


def layout() -> tuple[dict[float, float], dict[str, float], float]:
    """The y of each chapter's box and of each part's heading (inches from the bottom), and the
    figure's height."""
    y, rows, headings, part = 0.05, {}, {}, None  # room for the title above
    for number, (_, this_part) in CHAPTERS.items():
        if this_part != part:
            part = this_part
            y += HEADING
            headings[part] = y
        y += ROW
        rows[number] = y
    height = y + 0.4
    flip = {n: height - v for n, v in rows.items()}
    return flip, {p: height - v - ROW + BOX_H / 2 + 0.17 for p, v in headings.items()}, height


def _arrow(ax, points: list[tuple[float, float]]) -> None:
    route = Route(points, [Route.MOVETO] + [Route.LINETO] * (len(points) - 1))
    ax.add_patch(
        FancyArrowPatch(path=route, arrowstyle="-|>", mutation_scale=10, lw=0.9, color="#555555")
    )


def draw(path: Path, lang: str = "en") -> None:
    """Write the course map to `path` as a PNG at 2x, with no timestamp (reruns: same bytes)."""
    spanish = lang == "es"
    parts = SPANISH["parts"] if spanish else PARTS
    rows, headings, height = layout()
    fig = plt.figure(figsize=(WIDTH, height), dpi=72)
    ax = fig.add_axes((0, 0, 1, 1))
    left = BOX_X - BOX_W / 2
    for part, y in headings.items():
        ax.text(0.12, y, parts[part], ha="left", va="center", fontsize=10, fontweight="bold")
    for number, (title, part) in CHAPTERS.items():
        box = FancyBboxPatch(
            (left, rows[number] - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0.03",
            fc=COLOURS[part],
            ec="#333333",
            lw=1,
        )
        ax.add_patch(box)
        title = SPANISH["chapters"][number] if spanish else title
        ax.text(BOX_X, rows[number], title, ha="center", va="center", fontsize=10)
    right = BOX_X + BOX_W / 2 + 0.04
    # Arrows that skip boxes run on the right; each its own lane, leaving below the box centre
    # and arriving above it, so that two arrows never share a stretch of line.
    lanes = {(4, 6.5): (0.4, 0.08), (5, 8): (0.2, 0.08), (8, 10): (0.2, 0.08), (9, 11): (0.4, -0.06), (1, 11): (0.6, 0.1)}
    order = list(CHAPTERS)
    for start, end in DEPENDS:
        y0, y1 = rows[start], rows[end]
        if order.index(end) == order.index(start) + 1:  # the next box down
            _arrow(ax, [(BOX_X, y0 - BOX_H / 2 - 0.04), (BOX_X, y1 + BOX_H / 2 + 0.05)])
        else:
            lane, arrive = lanes[(start, end)]
            x, y1 = right + lane, y1 + arrive
            _arrow(ax, [(right, y0 - 0.08), (x, y0 - 0.08), (x, y1), (right, y1)])
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.text(0.12, height - 0.2, SPANISH["title"] if spanish else TITLE, fontsize=10, va="center")
    check_figure(fig, column_px=PHONE_COLUMN_PX)
    # 2x: crisp on HiDPI screens. The drawing's data go into the PNG too, so that a test can tell
    # whether the committed picture is out of date without comparing pixels (fonts and
    # rasterisers differ slightly between machines).
    fig.savefig(
        path, format="png", dpi=144, metadata={"Software": None, "Description": source_data(lang)}
    )
    plt.close(fig)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    draw(folder / "course_map.png")
    draw(folder / "course_map_es.png", lang="es")

"""Figures: grids have one panel per image, feature maps are centred on 0, bad shapes refused."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils.plotting import show_feature_maps, show_images, to_numpy_image, use_course_style


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "batch",
    [
        torch.rand(5, 1, 8, 8),
        np.random.rand(5, 8, 8),
        torch.rand(5, 3, 8, 8),
        [np.random.rand(8, 8, 3)] * 5,
    ],
)
def test_show_images_draws_one_panel_per_image(batch):
    fig = show_images(batch, titles=list("abcde"), ncols=3)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 5 and [ax.get_title() for ax in drawn] == list("abcde")


def test_show_images_bad_inputs():
    with pytest.raises(ValueError, match="`images`"):
        show_images([])
    with pytest.raises(ValueError, match="`titles`"):
        show_images(np.zeros((2, 4, 4)), titles=["only one"])


def test_feature_maps_share_a_symmetric_scale_and_a_colour_bar():
    maps = np.stack([np.full((4, 4), -2.0), np.full((4, 4), 1.0)])
    fig = show_feature_maps(maps, titles=["neg", "pos"])
    images = [ax.images[0] for ax in fig.axes if ax.images and ax.get_title()]
    assert all(im.get_clim() == (-2.0, 2.0) for im in images)
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)


def test_feature_maps_bad_shape():
    with pytest.raises(ValueError, match="`maps`"):
        show_feature_maps(np.zeros((4, 4)))


def test_to_numpy_image_moves_channels_last():
    assert to_numpy_image(torch.zeros(3, 5, 7)).shape == (5, 7, 3)
    assert to_numpy_image(np.zeros((1, 5, 7))).shape == (5, 7)
    with pytest.raises(ValueError, match="`image`"):
        to_numpy_image(np.zeros(5))


def test_course_style_keeps_figures_small():
    use_course_style()
    assert plt.rcParams["figure.dpi"] <= 80


def test_animation_html_plays_offline():
    from matplotlib import animation

    from course_utils.plotting import animation_html

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    movie = animation.FuncAnimation(fig, lambda i: line.set_ydata([0, i]) or [line], frames=2)
    html = animation_html(movie).data
    assert "<script" in html and "maxcdn" not in html and 'href="http' not in html


def test_course_style_text_is_at_least_9_px_and_figures_are_saved_at_2x():
    from course_utils.plotting import DISPLAY_DPI, MIN_FONT_PT

    use_course_style()
    assert DISPLAY_DPI == 72 and MIN_FONT_PT >= 9  # at 72 px per inch, 1 pt of text is 1 CSS px
    sizes = [
        plt.rcParams[key]
        for key in (
            "font.size",
            "axes.titlesize",
            "axes.labelsize",
            "xtick.labelsize",
            "ytick.labelsize",
            "legend.fontsize",
        )
    ]
    assert all(size >= MIN_FONT_PT for size in sizes), sizes
    assert plt.rcParams["savefig.dpi"] == 2 * plt.rcParams["figure.dpi"]


def test_image_grids_fit_the_book_column():
    from course_utils.plotting import COLUMN_PX

    use_course_style()
    fig = show_images(np.zeros((16, 8, 8)), ncols=8, size=1.4)  # 8 x 1.4 in would be 806 px
    assert fig.get_figwidth() * fig.dpi <= COLUMN_PX
    assert all(ax.title.get_fontsize() >= 9 for ax in fig.axes)


def test_animation_frames_are_2x_and_shown_at_figure_size():
    import base64
    import io
    import re

    from matplotlib import animation
    from PIL import Image

    from course_utils.plotting import animation_html

    fig, ax = plt.subplots(figsize=(4, 2), dpi=72)
    (line,) = ax.plot([0, 1], [0, 1])
    movie = animation.FuncAnimation(fig, lambda i: line.set_ydata([0, i]) or [line], frames=2)
    html = animation_html(movie).data
    assert re.search(r'<img id="_anim_img\w+" width="288"', html), (
        "frames not shown at the figure's size"
    )
    frame = re.search(r'data:image/png;base64,([^"]+)"', html).group(1)
    assert Image.open(io.BytesIO(base64.b64decode(frame.replace("\\n", "")))).width == 576
    assert "course-animation" in html and "data-theme=dark" in html


def test_inline_png_is_2x_and_small():
    import io

    from PIL import Image

    from course_utils.plotting.figures import _png_2x

    use_course_style()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(np.sin(np.linspace(0, 6, 200)), label="a sine")
    ax.set(title="title", xlabel="x", ylabel="y")
    ax.legend()
    png, size = _png_2x(fig)
    image = Image.open(io.BytesIO(png))
    assert image.width // 2 == size["width"] and image.height // 2 == size["height"]
    assert 300 <= size["width"] <= 6 * 72  # shown at about its size in inches x 72, never larger
    plain = io.BytesIO()
    fig.savefig(plain, format="png", dpi=144, bbox_inches="tight")
    assert len(png) < len(plain.getvalue())
    assert _png_2x(plt.figure()) is None


# --- show_numbers (convolutions, pooling) ---------------------------------------------------------


def test_show_numbers_writes_every_value_readably_and_outlines_boxes():
    from course_utils.plotting import show_numbers

    fig, ax = plt.subplots()
    values = np.array([[-0.0, 1.5], [-3.0, 0.25]])
    shown = show_numbers(ax, values, "t", box=(0, 0, 1, 2), boxes=[(1, 1, 1, 1, "red")])
    assert shown.get_clim() == (-3.0, 3.0)  # centred on 0 by default
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    assert set(texts) == {"0", "1.5", "-3", "0.25"}  # -0.0 is written as 0
    assert texts["-3"] == "white" and texts["0"] == "black"  # dark cell, light cell
    assert [p.get_edgecolor() for p in ax.patches] == [
        matplotlib.colors.to_rgba("gold"),
        matplotlib.colors.to_rgba("red"),
    ]
    show_numbers(ax, torch.arange(4.0).reshape(2, 2), "t", cmap="Blues", limits=(0, 9))
    assert ax.images[-1].get_clim() == (0, 9) and ax.get_title() == "t"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"array": np.zeros(3)}, "`array`"),
        ({"array": np.zeros((0, 2))}, "`array`"),
        ({"limits": (2, 1)}, "`limits`"),
        ({"box": (0, 0, 1)}, "`box`"),
    ],
)
def test_show_numbers_bad_inputs(kwargs, match):
    from course_utils.plotting import show_numbers

    fig, ax = plt.subplots()
    arguments = {"array": np.ones((2, 2)), **kwargs}
    with pytest.raises(ValueError, match=match):
        show_numbers(ax, title="t", **arguments)


# --- draw_volumes (a CNN in PyTorch) --------------------------------------------------------------


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_draw_volumes_labels_come_from_the_model():
    from course_utils.models import NotesNet, describe
    from course_utils.plotting import COLUMN_PX, draw_volumes

    before = set(plt.get_fignums())
    fig = draw_volumes(NotesNet(10), (1, 1, 28, 28), title="notes")
    assert set(plt.get_fignums()) - before == {fig.number}  # exactly one new figure
    texts = _texts(fig)
    assert {"1 × 28 × 28", "32 × 24 × 24", "32 × 12 × 12", "10"} <= set(texts)
    assert {"input", "conv1", "pool", "fc1"} <= set(texts)
    assert fig.get_figwidth() * fig.dpi <= COLUMN_PX
    changed = draw_volumes(describe(NotesNet(7, conv_channels=8, kernel_size=3), (1, 1, 28, 28)))
    assert {"8 × 26 × 26", "8 × 13 × 13", "7"} <= set(_texts(changed))
    assert "32 × 24 × 24" not in _texts(changed)
    assert all(t.get_fontsize() >= 9 for ax in fig.axes for t in ax.texts)


def test_draw_volumes_on_a_hidden_model_one_box_per_shape_change():
    from torch import nn

    from course_utils.plotting import draw_volumes

    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, stride=2),  # (6, 4, 4) from 9x9
        nn.BatchNorm2d(6),  # keeps the shape: listed on the conv's block
        nn.Conv2d(6, 6, 3, padding=1),  # keeps the shape but has weights: its own block
        nn.AvgPool2d(2),  # (6, 2, 2)
        nn.Flatten(),  # 24
        nn.Linear(24, 5),
    )
    fig, ax = plt.subplots()
    assert draw_volumes(model, (2, 3, 9, 9), ax=ax) is fig
    texts = _texts(fig)  # each block's layer names (above it), then its shape (below it)
    shapes = ["3 × 9 × 9", "6 × 4 × 4", "6 × 4 × 4", "6 × 2 × 2", "24", "5"]
    assert texts[1::2] == shapes
    assert texts[0::2] == ["input", "0\n1", "2", "3", "4", "5"]  # Sequential's layer names
    assert len(ax.patches) == 3 * len(shapes)  # front, top and side of every block
    heights = [np.ptp(p.get_xy()[:, 1]) for p in ax.patches[0::3]]
    assert heights[0] > heights[1] > heights[3]  # 9 > 4 > 2 pixels tall


def test_draw_volumes_bad_inputs_raise_and_leave_no_figure():
    from torch import nn

    from course_utils.models import NotesNet, describe
    from course_utils.plotting import draw_volumes

    before = set(plt.get_fignums())
    summary = describe(NotesNet(10), (1, 1, 28, 28))
    with pytest.raises(ValueError, match="`input_shape`"):
        draw_volumes(NotesNet(10))
    with pytest.raises(ValueError, match="`input_shape`"):
        draw_volumes(summary, (1, 1, 28, 28))
    with pytest.raises(TypeError, match="`summary_or_model`"):
        draw_volumes("NotesNet")
    with pytest.raises(TypeError, match="`ax`"):
        draw_volumes(summary, ax="left")
    with pytest.raises(ValueError, match="layer `0`.*\\(1, 5, 3\\)"):
        draw_volumes(nn.Sequential(nn.Linear(4, 3)), (1, 5, 4))  # a sequence, not a volume
    assert set(plt.get_fignums()) == before


# --- draw_multichannel_conv (convolutions) --------------------------------------------------------


def _panel_numbers(fig, title):
    (ax,) = [ax for ax in fig.axes if ax.get_title() == title]
    rows, cols = ax.images[0].get_array().shape
    return np.array([float(t.get_text()) for t in ax.texts]).reshape(rows, cols)


def test_multichannel_conv_draws_what_conv2d_computes():
    import torch.nn.functional as F

    from course_utils.plotting import draw_multichannel_conv

    generator = torch.Generator().manual_seed(3)
    x = torch.randint(-2, 3, (2, 4, 6), generator=generator).double()
    weight = torch.randint(-1, 2, (3, 2, 2, 3), generator=generator).double()
    bias = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    fig = draw_multichannel_conv(x=x, weight=weight, bias=bias, title="hidden")
    expected = F.conv2d(x[None], weight, bias)[0].numpy()
    for o in range(3):
        np.testing.assert_array_equal(_panel_numbers(fig, f"output y[{o}]"), expected[o])
        for c in range(2):
            part = F.conv2d(x[None, c : c + 1], weight[o : o + 1, c : c + 1])[0, 0].numpy()
            np.testing.assert_array_equal(_panel_numbers(fig, f"corr(x[{c}], w[{o}, {c}])"), part)
    np.testing.assert_array_equal(_panel_numbers(fig, "kernel w[2, 1]"), weight[2, 1].numpy())
    example = draw_multichannel_conv(c_in=2, c_out=1)
    titles = {ax.get_title() for ax in example.axes}
    assert {"input x[1]", "kernel w[0, 1]", "output y[0]"} <= titles and "input x[2]" not in titles


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"c_in": 0}, "`c_in`"),
        ({"c_out": 9}, "`c_out`"),
        ({"x": np.zeros((2, 4, 4))}, "`weight`"),
        ({"x": np.zeros((2, 4, 4)), "weight": np.zeros((1, 3, 3, 3))}, "`x` must be"),
        ({"x": np.zeros((2, 4, 4)), "weight": np.zeros((1, 2, 5, 5))}, "larger"),
        ({"x": np.zeros((1, 4, 4)), "weight": np.zeros((2, 1, 3, 3)), "bias": [1.0]}, "`bias`"),
        ({"c_in": 2, "x": np.zeros((1, 4, 4)), "weight": np.zeros((1, 1, 3, 3))}, "disagree"),
        ({"x": np.zeros((1, 9, 9)), "weight": np.zeros((1, 1, 3, 3))}, "fit"),
    ],
)
def test_multichannel_conv_bad_inputs_raise_and_leave_no_figure(kwargs, match):
    from course_utils.plotting import draw_multichannel_conv

    before = set(plt.get_fignums())
    with pytest.raises(ValueError, match=match):
        draw_multichannel_conv(**kwargs)
    assert set(plt.get_fignums()) == before


def test_draw_volumes_never_wider_than_the_column():
    import matplotlib.pyplot as plt
    from torch import nn

    from course_utils.plotting import MAX_WIDTH_IN, draw_volumes

    layers = []
    for _ in range(8):  # many blocks: far wider than the column at full size
        layers += [nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(1)]
    fig = draw_volumes(nn.Sequential(*layers), (1, 4, 28, 28))
    try:
        assert fig.get_figwidth() <= MAX_WIDTH_IN + 1e-9
    finally:
        plt.close(fig)

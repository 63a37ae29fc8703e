"""Figures: grids have one panel per image, feature maps are centred on 0, bad shapes refused."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.plotting import show_feature_maps, show_images, to_numpy_image, use_course_style  # noqa: E402


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

    from course_utils.plotting import _png_2x

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

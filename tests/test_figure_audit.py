"""The figure text audit: overlapping text, tiny text and legends over text or data fail; a clean
figure passes; the inline formatter runs it only when COURSE_FIGURE_AUDIT asks for it."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.plotting import draw_windows, use_course_style
from course_utils.plotting.audit import (
    AUDIT_ENV,
    FigureTextError,
    check_figure,
    figure_problems,
)
from course_utils.plotting.figures import _png_2x


@pytest.fixture(autouse=True)
def _style():
    use_course_style()
    yield
    plt.close("all")


def _clean_figure():
    fig, (ax_curve, ax_image) = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
    x = np.linspace(0, 1, 50)
    ax_curve.plot(x, x**2, label="x squared")
    ax_curve.plot(x, x**3, label="x cubed")
    ax_curve.set(title="two curves", xlabel="x", ylabel="y")
    ax_curve.legend(loc="upper left")
    shown = ax_image.imshow(np.random.default_rng(0).random((8, 8)))
    ax_image.set_title("an image")
    fig.colorbar(shown, ax=ax_image, label="value")
    fig.suptitle("a clean figure")
    return fig


def test_a_clean_figure_passes():
    fig = _clean_figure()
    assert figure_problems(fig) == []
    check_figure(fig)  # does not raise


def test_overlapping_texts_fail_and_are_named():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "global minimum")
    ax.text(0.52, 0.5, "saddle point")
    with pytest.raises(FigureTextError, match="'global minimum'.*overlaps text 'saddle point'"):
        check_figure(fig)


def test_a_six_pixel_label_fails():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlabel("epoch", fontsize=6)
    problems = figure_problems(fig)
    assert len(problems) == 1 and "'epoch' (x label of axes 1) is 6.0 px" in problems[0]


def test_a_wide_figure_shrinks_its_text():
    fig, ax = plt.subplots(figsize=(14, 3))  # 1008 px shown in 676: 9 pt becomes 6 px
    ax.set_xlabel("epoch")
    assert any("'epoch'" in p and "shown 676 px wide" in p for p in figure_problems(fig))
    fig.set_size_inches(9, 3)
    assert figure_problems(fig) == []


def test_a_legend_over_text_fails():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0], label="loss")
    ax.text(0.03, 0.93, "a note", transform=ax.transAxes)
    ax.legend(loc="upper left")
    problems = figure_problems(fig)
    assert any("'a note'" in p and "under or over the legend of axes 1" in p for p in problems)


def test_a_legend_over_data_fails_and_moving_it_passes():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.full_like(x, 0.95), label="accuracy")
    ax.set_ylim(0, 1)
    legend = ax.legend(loc="upper right")
    assert any("legend of axes 1 covers the line 'accuracy'" in p for p in figure_problems(fig))
    legend.remove()
    ax.legend(loc="lower right")
    assert figure_problems(fig) == []


def test_an_annotation_on_a_curve_fails():
    fig, ax = plt.subplots()
    x = np.linspace(-1, 1, 50)
    ax.plot(x, x**2, label="loss")
    ax.annotate("global minimum", (0, 0))
    assert any("'global minimum'" in p and "lies over the line" in p for p in figure_problems(fig))


def test_a_title_into_a_colour_bar_fails():
    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2))
    shown = left.imshow(np.eye(4))
    fig.colorbar(shown, ax=left, label="value")
    left.set_title("a title far too long for its little panel")
    right.imshow(np.eye(4))
    right.axis("off")
    problems = figure_problems(fig)
    assert any("runs into the colour bar 'value'" in p for p in problems)


def test_a_second_row_title_under_a_first_row_image_fails():
    fig, axes = plt.subplots(2, 1, figsize=(2, 3))
    for ax in axes:
        ax.imshow(np.eye(8))
        ax.axis("off")
    axes[1].set_title("true: shirt\npredicted: T-shirt\np = 0.93\nsecond guess: coat")
    assert any("runs into axes 1" in p for p in figure_problems(fig))


def test_the_inline_formatter_audits_only_when_asked(monkeypatch):
    fig, ax = plt.subplots()
    ax.set_title("tiny", fontsize=5)
    monkeypatch.delenv(AUDIT_ENV, raising=False)
    assert _png_2x(fig) is not None
    monkeypatch.setenv(AUDIT_ENV, "1")
    with pytest.raises(FigureTextError, match="'tiny'"):
        _png_2x(fig)
    monkeypatch.setenv(AUDIT_ENV, "0")
    assert _png_2x(fig) is not None


def test_bad_arguments():
    with pytest.raises(TypeError, match="figure_problems: `fig` must be a matplotlib Figure"):
        figure_problems("not a figure")
    with pytest.raises(ValueError, match="`column_px` must be a positive number"):
        figure_problems(plt.figure(), column_px=0)


def test_draw_windows_marks_every_output_position():
    fig, ax = plt.subplots()
    draw_windows(ax, n=5, k=3, stride=2, padding=1)
    assert ax.get_title().endswith("3x3 output")
    assert len(ax.collections[0].get_offsets()) == 9  # one dot per output value
    assert sum(t.get_text() == "0" for t in ax.texts) == 7 * 7 - 5 * 5
    assert figure_problems(fig) == []
    with pytest.raises(ValueError, match="draw_windows: the kernel"):
        draw_windows(ax, n=2, k=5)
    with pytest.raises(ValueError, match="draw_windows: `stride` must be >= 1"):
        draw_windows(ax, n=5, k=3, stride=0)
    with pytest.raises(TypeError, match="draw_windows: `ax`"):
        draw_windows("ax", n=5, k=3)


def test_labels_side_by_side_without_a_gap_fail():
    fig, ax = plt.subplots(figsize=(4, 2))
    first = ax.text(0.1, 0.5, "16 × 14 × 14")
    fig.draw_without_rendering()
    right_edge = ax.transData.inverted().transform(first.get_window_extent().p1)[0]
    ax.text(right_edge + 0.002, 0.5, "32 × 14 × 14")
    assert any("runs into text '32 × 14 × 14'" in p for p in figure_problems(fig))


def test_a_crowded_network_drawing_staggers_its_shape_labels():
    from course_utils.models import DigitCNN
    from course_utils.plotting import draw_volumes

    fig = draw_volumes(DigitCNN(), (1, 1, 28, 28), title="DigitCNN")
    assert figure_problems(fig) == []


def test_an_animation_frame_with_a_label_cut_off_fails():
    fig, ax = plt.subplots(figsize=(4, 2))  # no layout: the x label falls off the bottom
    ax.set_xlabel("step")
    assert figure_problems(fig) == []  # an inline figure is cropped to what it draws
    assert any("'step'" in p and "cut off" in p for p in figure_problems(fig, cropped=False))
    fig.set_layout_engine("constrained")
    assert figure_problems(fig, cropped=False) == []


@pytest.mark.slow
@pytest.mark.parametrize("overlapping", [False, True])
def test_nbval_fails_a_cell_whose_figure_has_overlapping_text(tmp_path, overlapping):
    """End to end, as `make test` runs it: the kernel's figure formatter raises, nbval fails."""
    import os
    import subprocess
    import sys

    import nbformat

    second = "ax.text(0.52, 0.5, 'saddle point')\n" if overlapping else ""
    code = (
        "import matplotlib.pyplot as plt\n"
        "from course_utils.runtime import setup\n"
        "setup()\n"
        "fig, ax = plt.subplots()\n"
        "ax.text(0.5, 0.5, 'global minimum')\n" + second
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    path = tmp_path / "figure.ipynb"
    nbformat.write(notebook, path)
    env = dict(os.environ, COURSE_FIGURE_AUDIT="1")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "--nbval-lax", "-q", "-p", "no:cacheprovider"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    if overlapping:
        assert run.returncode != 0 and "FigureTextError" in run.stdout, run.stdout[-2000:]
        assert "'global minimum'" in run.stdout and "'saddle point'" in run.stdout
    else:
        assert run.returncode == 0, run.stdout[-2000:]


def test_the_kernel_explorer_figure_passes_for_every_preset(monkeypatch):
    from course_utils.data import sample_image
    from course_utils.filters import kernel_names
    from course_utils.widgets import _KernelExplorer

    monkeypatch.setenv(AUDIT_ENV, "1")  # its redraw checks its own figure
    image = sample_image("camera", size=64)
    for name in kernel_names():
        _KernelExplorer(image, name)

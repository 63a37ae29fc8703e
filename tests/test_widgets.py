"""course_utils.widgets: the kernel explorer and its filtering, live and in plain mode."""

import numpy as np
import pytest
import torch

from course_utils.filters import get_kernel, kernel_names
from course_utils.ops import conv2d
from course_utils.widgets import _KernelExplorer, filter_image, kernel_explorer

PNG_MAGIC = b"\x89PNG"


@pytest.fixture
def image():
    return np.random.default_rng(0).random((12, 10))


@pytest.fixture
def live(monkeypatch):
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")


def test_filter_image_keeps_size_and_matches_conv2d(image):
    kernel = get_kernel("sobel_x")
    result = filter_image(image, kernel)
    assert result.shape == image.shape
    expected = conv2d(image[None], kernel[None, None], padding=1)[0]
    np.testing.assert_allclose(result, expected)
    reference = torch.nn.functional.conv2d(
        torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None], padding=1
    )[0, 0]
    np.testing.assert_allclose(result, reference.numpy(), atol=1e-12)


def test_filter_image_turns_colour_to_gray(image):
    colour = np.stack([image, image, image], axis=-1)
    np.testing.assert_allclose(
        filter_image(colour, np.ones((3, 3))), filter_image(image, np.ones((3, 3)))
    )
    np.testing.assert_allclose(
        filter_image(np.moveaxis(colour, -1, 0), get_kernel("identity")), image
    )


def test_filter_image_even_kernel_shape(image):
    assert filter_image(image, np.ones((2, 4))).shape == (11, 9)  # even sizes cannot be kept


def test_filter_image_rejects_bad_input(image):
    with pytest.raises(TypeError, match="image"):
        filter_image(None, np.ones((3, 3)))
    with pytest.raises(ValueError, match="image"):
        filter_image(np.ones(10), np.ones((3, 3)))
    with pytest.raises(ValueError, match="image"):
        filter_image(np.ones((5, 5, 4)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="kernel"):
        filter_image(image, np.ones(3))
    with pytest.raises(ValueError, match="kernel"):
        filter_image(image, np.ones((13, 3)))
    with pytest.raises(TypeError, match="kernel"):
        filter_image(image, [["a", "b"], ["c", "d"]])


def test_plain_mode_prints_one_line_and_returns_none(plain, image, capsys):
    assert kernel_explorer(image) is None
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "live Jupyter kernel" in lines[0]


def test_live_mode_returns_a_widget_with_a_picture(live, image):
    import ipywidgets

    widget = kernel_explorer(image, kernel="box_blur")
    assert isinstance(widget, ipywidgets.Widget)
    pictures = [w for w in widget.children if isinstance(w, ipywidgets.Image)]
    assert len(pictures) == 1 and bytes(pictures[0].value).startswith(PNG_MAGIC)


def test_kernel_explorer_rejects_bad_input(live, image):
    with pytest.raises(ValueError, match="kernel"):
        kernel_explorer(image, kernel="blurry")
    with pytest.raises(ValueError, match="image"):
        kernel_explorer(np.ones((2, 2)))
    with pytest.raises(TypeError, match="image"):
        kernel_explorer("camera")


def test_bad_input_is_rejected_in_plain_mode_too(plain):
    with pytest.raises(ValueError, match="image"):
        kernel_explorer(np.ones(5))


@pytest.mark.parametrize("name", kernel_names())
def test_each_preset_loads_its_kernel(live, image, name):
    explorer = _KernelExplorer(image, name)
    np.testing.assert_allclose(explorer.kernel, get_kernel(name), atol=5e-5)
    np.testing.assert_allclose(explorer.filtered(), filter_image(image, explorer.kernel))


def test_editing_an_entry_switches_to_custom_and_redraws(live, image):
    explorer = _KernelExplorer(image, "identity")
    before = explorer.picture.value
    explorer.entries[4].value = 2.0
    assert explorer.preset.value == "custom"
    np.testing.assert_allclose(explorer.filtered(), 2.0 * image)
    assert explorer.picture.value != before
    assert "your own kernel" in explorer.info.value


def test_choosing_a_preset_replaces_the_entries(live, image):
    explorer = _KernelExplorer(image, "identity")
    explorer.preset.value = "sobel_y"
    np.testing.assert_allclose(explorer.kernel, get_kernel("sobel_y"))
    assert explorer.preset.value == "sobel_y"
    assert "sum of weights: 0" in explorer.info.value


def test_relu_box_zeroes_negative_values(live, image):
    explorer = _KernelExplorer(image, "sobel_x")
    assert explorer.filtered().min() < 0
    explorer.relu.value = True
    filtered = explorer.filtered()
    assert filtered.min() == 0.0
    np.testing.assert_allclose(
        filtered, np.maximum(filter_image(image, get_kernel("sobel_x")), 0.0)
    )

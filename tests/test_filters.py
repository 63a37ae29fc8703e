"""The named kernels: shapes, the properties the chapter relies on, and bad names."""

import numpy as np
import pytest

from course_utils import filters


@pytest.mark.parametrize("name", filters.kernel_names())
def test_every_kernel_is_3x3_with_a_description(name):
    kernel = filters.get_kernel(name)
    assert kernel.shape == (3, 3) and kernel.dtype == np.float64
    assert filters.describe_kernel(name)


def test_low_pass_kernels_keep_flat_regions_and_high_pass_remove_them():
    for name in ("box_blur", "gaussian_blur", "identity", "sharpen"):
        assert np.isclose(filters.get_kernel(name).sum(), 1.0), name
    for name in ("high_pass", "sobel_x", "sobel_y"):
        assert np.isclose(filters.get_kernel(name).sum(), 0.0), name


def test_sobel_y_is_sobel_x_transposed():
    assert np.array_equal(filters.get_kernel("sobel_y"), filters.get_kernel("sobel_x").T)


def test_get_kernel_returns_a_copy():
    kernel = filters.get_kernel("identity")
    kernel[1, 1] = 99
    assert filters.get_kernel("identity")[1, 1] == 1


@pytest.mark.parametrize("bad", ["blur", "", None, 3])
def test_unknown_kernel_name(bad):
    with pytest.raises(ValueError, match="`name`"):
        filters.get_kernel(bad)

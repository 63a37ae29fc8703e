"""course_utils.augment (training a classifier): random_shift and random_affine."""

import numpy as np
import pytest
import torch

from course_utils.augment import random_affine, random_shift

# --- random_shift ------------------------------------------------------------------------------


def test_random_shift_moves_each_image_by_whole_pixels_within_the_limit():
    images = torch.zeros(50, 2, 9, 9)
    images[:, :, 4, 4] = torch.arange(1, 3).view(1, 2).float()  # one bright pixel per channel
    shifted = random_shift(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    offsets = set()
    for image in shifted:
        rows, cols = torch.nonzero(image[0], as_tuple=True)
        assert len(rows) == 1, "the pixel moved, it was not blurred or duplicated"
        assert torch.equal(image[1] > 0, image[0] > 0), "both channels move together"
        offsets.add((int(rows[0]) - 4, int(cols[0]) - 4))
    assert offsets <= {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}
    assert len(offsets) > 10, "offsets vary from image to image"


def test_random_shift_is_seeded_zero_filled_and_identity_at_zero():
    images = torch.rand(8, 1, 6, 6)
    a = random_shift(images, 1, torch.Generator().manual_seed(1))
    b = random_shift(images, 1, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert torch.equal(random_shift(images, 0), images)
    full = torch.ones(200, 1, 5, 5)
    shifted = random_shift(full, 1, torch.Generator().manual_seed(0))
    lost = 25 - shifted.sum(dim=(1, 2, 3))
    assert set(lost.tolist()) <= {0.0, 5.0, 9.0}, "a shift loses a whole row and/or column"


def test_random_shift_rejects_bad_inputs():
    with pytest.raises(ValueError, match="images"):
        random_shift(torch.zeros(3, 5, 5), 1)
    with pytest.raises(ValueError, match="images"):
        random_shift(np.zeros((1, 1, 5, 5)), 1)
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(torch.zeros(1, 1, 5, 5), -1)
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(torch.zeros(1, 1, 5, 5), 1.5)


# --- random_affine -----------------------------------------------------------------------------


def _centroid(image):
    grid = torch.arange(image.shape[-1], dtype=torch.float64)
    mass = image.double().sum()
    return float((image.double().sum(0) * grid).sum() / mass), float(
        (image.double().sum(1) * grid).sum() / mass
    )


def test_random_affine_without_rotation_or_zoom_shifts_by_the_drawn_amounts():
    images = torch.zeros(6, 1, 11, 11)
    images[:, 0, 5, 5] = 1.0
    shifted = random_affine(
        images, degrees=0.0, scale=0.0, shift=2.0, generator=torch.Generator().manual_seed(3)
    )
    draws = (
        torch.rand(4 * 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    )
    dx, dy = 2 * draws[12:18], 2 * draws[18:24]  # drawn after the angles and the zooms
    for image, x, y in zip(shifted[:, 0], dx, dy, strict=True):
        assert float(image.sum()) == pytest.approx(1.0, abs=1e-5), (
            "bilinear resampling keeps the mass"
        )
        cx, cy = _centroid(image)
        assert (cx - 5, cy - 5) == pytest.approx((float(x), float(y)), abs=1e-4), (
            "+dx moves right, +dy down"
        )
    assert float(dx.abs().max()) > 0.5


def test_random_affine_identity_and_reproducibility():
    images = torch.rand(5, 2, 8, 8)
    same = random_affine(images, 0.0, 0.0, 0.0)
    assert torch.allclose(same, images, atol=1e-6)
    a = random_affine(images, generator=torch.Generator().manual_seed(0))
    b = random_affine(images, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and not torch.allclose(a, images)
    assert a.shape == images.shape and a.dtype == images.dtype


def test_random_affine_rotates_and_zooms_about_the_centre():
    images = torch.zeros(40, 1, 28, 28)
    images[:, 0, 6:22, 12:16] = 1.0  # a vertical bar through the centre
    moved = random_affine(
        images, degrees=30.0, scale=0.2, shift=0.0, generator=torch.Generator().manual_seed(1)
    )
    for image in moved[:, 0]:
        cx, cy = _centroid(image)
        assert abs(cx - 13.5) < 0.3 and abs(cy - 13.5) < 0.3, "no shift: the centre stays put"
    mass = moved.sum(dim=(1, 2, 3)) / images[0].sum()
    assert 0.6 < float(mass.min()) and float(mass.max()) < 1.5, (
        "zoom by at most 20% changes area by at most ~44%"
    )
    assert float(mass.std()) > 0.02, "the zoom varies from image to image"


def test_random_affine_rejects_bad_inputs():
    with pytest.raises(ValueError, match="images"):
        random_affine(torch.zeros(3, 5, 5))
    with pytest.raises(ValueError, match="images"):
        random_affine(torch.zeros(1, 1, 5, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="degrees"):
        random_affine(torch.zeros(1, 1, 5, 5), degrees=-1)
    with pytest.raises(ValueError, match="scale"):
        random_affine(torch.zeros(1, 1, 5, 5), scale=1.0)
    with pytest.raises(ValueError, match="shift"):
        random_affine(torch.zeros(1, 1, 5, 5), shift="2")

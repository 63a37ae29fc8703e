"""Exercise checks of the style-transfer chapter: Gram matrices, total variation, a texture."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.i18n import N_, _
from course_utils.style import (
    FeatureExtractor,
    as_image_tensor,
    brush_stroke_painting,
    gram_matrix,
    wave_painting,
)

from ._feedback import Feedback, NotYet, _compare, exercise, read_array

__all__ = [
    "check_gram_by_hand",
    "check_total_variation_by_hand",
    "check_block3_gram",
    "check_deep_layer_texture",
]

_FEATURES = np.array([[[[2.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 3.0]]]])  # ex-gram
_TV_IMAGE = np.array([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [1.0, 1.0, 1.0]])  # ex-tv


@exercise(N_("the (2, 2) Gram matrix of `exercise_features`"))
def check_gram_by_hand(answer: Any) -> Feedback:
    """Exercise ex-gram: the (2, 2) Gram matrix F F^T / (H W) of feature maps."""
    array = read_array(answer, "gram")
    if array.shape == (1, 2, 2):
        array = array[0]
    rows = _FEATURES.reshape(2, 4)
    expected = rows @ rows.T / 4
    if array.shape == (4, 4):
        return Feedback(
            False,
            _(
                "that is a 4x4 matrix over positions (F^T F); the Gram matrix is channels by "
                "channels: F F^T, with F of shape (C, H W) = (2, 4)."
            ),
        )
    if array.shape == expected.shape and np.allclose(array, expected * 4, atol=1e-6):
        return Feedback(
            False,
            _("right pattern, 4 times too large: divide by the number of positions, H W = 4."),
        )
    if array.shape == expected.shape and np.allclose(array, expected / 2, atol=1e-6):
        return Feedback(
            False,
            _(
                "right pattern, half the size: you divided by C H W = 8. The course's Gram "
                "matrix divides by the number of positions only, H W = 4 (some papers also "
                "divide by C)."
            ),
        )
    return _compare(
        array,
        expected,
        "gram",
        _(
            "G = [[1.25, 0], [0, 2.5]]; the zeros off the diagonal say that the two maps "
            "are never active at the same position."
        ),
    )


@exercise(N_("the total variation of `tv_image`, a float"))
def check_total_variation_by_hand(answer: Any) -> Feedback:
    """Exercise ex-tv: a 3x3 image's total variation, as the course defines it."""
    array = read_array(answer, "tv")
    if array.size != 1:
        return Feedback(
            False, _("`tv` should be one number, got shape {shape}.").format(shape=array.shape)
        )
    value = float(array.reshape(()))
    vertical = np.diff(_TV_IMAGE, axis=0)
    horizontal = np.diff(_TV_IMAGE, axis=1)
    expected = float((vertical**2).mean() + (horizontal**2).mean())
    if np.isclose(value, float((vertical**2).sum() + (horizontal**2).sum())):
        return Feedback(
            False, _("that is the sum of the squared differences; take the mean of each direction.")
        )
    squares = np.concatenate([vertical.ravel(), horizontal.ravel()]) ** 2
    if np.isclose(value, float(squares.mean())):
        return Feedback(
            False,
            _(
                "that is one mean over all 12 squared differences together; the course takes "
                "the mean of each direction (6 vertical, 6 horizontal) and adds the two means."
            ),
        )
    if np.isclose(value, float(np.abs(vertical).mean() + np.abs(horizontal).mean())):
        return Feedback(
            False, _("that uses absolute differences; the course's total variation squares them.")
        )
    if np.isclose(value, float((vertical**2).mean())) or np.isclose(
        value, float((horizontal**2).mean())
    ):
        return Feedback(
            False, _("that is one direction only; add the vertical and the horizontal means.")
        )
    return _compare(
        np.float64(value),
        np.float64(expected),
        "tv",
        _("{expected:.4f} = 1.25/6 (vertical) + 1/6 (horizontal).").format(expected=expected),
        atol=1e-6,
    )


def _block3_maps() -> torch.Tensor:
    """MobileNetV2's block3 maps (1, 24, 56, 56) of `wave_painting(224)` (ex-block3-gram)."""
    network = FeatureExtractor("mobilenet_v2", layers=["block3"], verbose=False)
    if network.kind != "mobilenet_v2":
        raise NotYet(
            _(
                "the MobileNetV2 ImageNet weights are not available here; get them with "
                "`python -m course_utils download mobilenet_v2` while online."
            )
        )
    with torch.no_grad():
        return network(as_image_tensor(wave_painting(224)))["block3"].double()


def _block3_mistake(array: np.ndarray, maps: torch.Tensor) -> str | None:
    """A named mistake for a wrong (24, 24) Gram matrix of ex-block3-gram, or None."""
    rows = maps[0].reshape(24, -1)
    positions = rows.shape[1]
    expected = (rows @ rows.T / positions).numpy()
    centred = rows - rows.mean(dim=1, keepdim=True)
    known = {
        "divided by C H W = 24 x 56 x 56; divide by the number of positions only, H W.": (
            expected / 24
        ),
        "not divided: divide F F^T by the number of positions, H W = 56 x 56.": (
            expected * positions
        ),
        "the means were subtracted first: that is a covariance matrix; the Gram matrix "
        "uses the raw activations.": (centred @ centred.T / positions).numpy(),
    }
    for message, value in known.items():
        if np.allclose(array, value, rtol=1e-3, atol=1e-6):
            return message
    return None


@exercise(N_("the (24, 24) Gram matrix of `block3_maps`"))
def check_block3_gram(answer: Any) -> Feedback:
    """Exercise ex-block3-gram: the Gram matrix of MobileNetV2's block3 maps."""
    array = read_array(answer, "block3_gram")
    if array.shape == (1, 24, 24):
        array = array[0]
    if array.shape == (3136, 3136):
        return Feedback(
            False,
            _(
                "that is a 3136x3136 matrix over positions (F^T F); the Gram matrix is "
                "channels by channels: F F^T, with F of shape (C, H W) = (24, 3136)."
            ),
        )
    if array.shape in ((16, 16), (32, 32)):
        return Feedback(
            False,
            _("a {side}x{side} matrix is another layer's: use block3.").format(side=array.shape[0]),
        )
    maps = _block3_maps()
    rows = maps[0].reshape(24, -1)
    expected = (rows @ rows.T / rows.shape[1]).numpy()
    if array.shape == expected.shape:
        mistake = _block3_mistake(array, maps)
        if mistake is not None:
            return Feedback(False, mistake)
    return _compare(
        array,
        expected,
        "block3_gram",
        _(
            "reshape to (24, 56 * 56), multiply by the transpose, divide by 56 * 56. The "
            "largest off-diagonal entry names the two channels most often active together."
        ),
        atol=1e-4 * float(np.abs(expected).max()),
    )


def _layout_similarity(image: torch.Tensor, reference: torch.Tensor) -> float:
    """Largest correlation of two (1, 3, H, W) images over circular shifts, after 4x4 pooling.

    Near 1 for the reference with pixel noise on it, or shifted; low for a texture that shares
    only the reference's statistics (ex-deep-texture).
    """
    a, b = (F.avg_pool2d(x.double(), 4)[0] for x in (image, reference))
    a, b = a - a.mean(dim=(1, 2), keepdim=True), b - b.mean(dim=(1, 2), keepdim=True)
    cross = torch.fft.ifft2(torch.fft.fft2(a) * torch.fft.fft2(b).conj()).real.sum(dim=0)
    return float(cross.max() / (a.norm() * b.norm() + 1e-12))


def _read_texture(answer: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The learner's texture of ex-deep-texture and the painting, as (1, 3, 64, 64) tensors."""
    try:
        image = as_image_tensor(answer, "texture")
    except (TypeError, ValueError) as error:
        raise NotYet(str(error).replace("transfer: ", "")) from None
    if tuple(image.shape[-2:]) != (64, 64):
        raise NotYet(
            _("the texture is {height}x{width}; make it 64x64 (size=64).").format(
                height=image.shape[-2], width=image.shape[-1]
            )
        )
    painting = as_image_tensor(brush_stroke_painting(64))
    if torch.allclose(image, painting, atol=1e-3):
        raise NotYet(_('that is the painting itself; start from noise (init="noise").'))
    layout = _layout_similarity(image, painting)
    if layout > 0.5:
        raise NotYet(
            _(
                "your image has the painting's layout (blurred, it correlates {layout:.2f} "
                "with the painting at the best shift; a synthesised texture stays near 0.2): "
                "it is the painting with changes, not a texture synthesised from noise. Use "
                'init="noise" and let the Gram matrices alone shape it.'
            ).format(layout=layout)
        )
    return image, painting


def _gram_errors(image: torch.Tensor, painting: torch.Tensor) -> dict[str, float]:
    """Relative Gram-matrix difference of two images at each layer of the random network."""
    network = FeatureExtractor("random", verbose=False)
    with torch.no_grad():
        mine, target = network(image), network(painting)
    return {
        name: float(
            (gram_matrix(mine[name]) - gram_matrix(target[name])).norm()
            / gram_matrix(target[name]).norm()
        )
        for name in network.layers
    }


@exercise(N_("your (64, 64, 3) texture"))
def check_deep_layer_texture(answer: Any) -> Feedback:
    """Exercise ex-deep-texture: a 64x64 texture matching conv3-conv5 only.

    The texture is synthesised from `brush_stroke_painting(64)` with the random network.
    """
    image, painting = _read_texture(answer)
    errors = _gram_errors(image, painting)
    listing = ", ".join(f"{name} {value:.2f}" for name, value in errors.items())
    deep = max(errors[name] for name in ("conv3", "conv4", "conv5"))
    if deep > 0.1:
        return Feedback(
            False,
            _(
                "the deep layers' Gram matrices are still up to {deep:.2f} (relative) away "
                'from the painting\'s; use style_layers=["conv3", "conv4", "conv5"] and enough '
                "steps. All layers: {listing}."
            ).format(deep=deep, listing=listing),
        )
    if errors["conv1"] < 0.15:
        return Feedback(
            False,
            _(
                "conv1 is matched too ({errors_conv1:.2f}): leave conv1 and conv2 out of "
                "style_layers."
            ).format(errors_conv1=errors["conv1"]),
        )
    return Feedback(
        True,
        _(
            "relative Gram differences: {listing}. conv3 to conv5 are matched, conv1 is "
            "not: the deep layers alone leave the pixel-level colours and edges free."
        ).format(listing=listing),
    )

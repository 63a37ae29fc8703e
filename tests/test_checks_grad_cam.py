"""The Grad-CAM-by-hand exercise check: the library's answer passes, plausible mistakes fail."""

import numpy as np
import torch
from torch import nn

from course_utils.checks import check_grad_cam_tiny
from course_utils.checks.attribution import _grad_cam_tiny_case
from course_utils.interpret import grad_cam


def library_answer() -> np.ndarray:
    """grad_cam on a model whose score is sum(G * A): its gradient with respect to A is G."""
    feature_maps, gradients = _grad_cam_tiny_case()
    model = nn.Sequential(nn.Identity(), nn.Flatten(), nn.Linear(18, 1, bias=False)).double()
    with torch.no_grad():
        model[2].weight.copy_(torch.from_numpy(gradients).reshape(1, 18))
    x = torch.from_numpy(feature_maps)[None]
    return grad_cam(model, x, 0, layer="0", upsample=False)[0, 0].numpy()


def test_the_library_answer_passes():
    answer = library_answer()
    assert (answer == 0).any() and (answer > 0).any()  # the ReLU matters here
    verdict = check_grad_cam_tiny(answer)
    assert verdict and "2/9" in verdict.message
    assert check_grad_cam_tiny(answer.tolist())


def test_plausible_mistakes_get_their_hint():
    feature_maps, gradients = _grad_cam_tiny_case()
    weighted = np.tensordot(gradients.mean(axis=(1, 2)), feature_maps, axes=1)
    assert "ReLU" in check_grad_cam_tiny(weighted).message
    assert "mean" in check_grad_cam_tiny(np.maximum(9 * weighted, 0)).message
    per_position = np.maximum((gradients * feature_maps).sum(axis=0), 0)
    assert "gradient x activation" in check_grad_cam_tiny(per_position).message
    right = np.maximum(weighted, 0)
    assert "maximum of 1" in check_grad_cam_tiny(right / right.max()).message
    assert not check_grad_cam_tiny(library_answer() + 0.01)


def test_placeholder_nan_and_shape_are_not_yet():
    for answer in (None, np.full((3, 3), np.nan), np.zeros(9), "map"):
        assert not check_grad_cam_tiny(answer)
    assert "None" in check_grad_cam_tiny(None).message

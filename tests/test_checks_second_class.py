"""ex-second-class: Grad-CAM of the astronaut's second class on the ImageNet network.

The right map passes (as (224, 224) or (1, 1, 224, 224)); each plausible mistake fails with a
message that names it.
"""

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.checks import check_second_class_grad_cam
from course_utils.checks.attribution import _astronaut
from course_utils.interpret import grad_cam


@pytest.fixture(scope="module")
def astronaut():
    net, x, photo = _astronaut()
    with torch.no_grad():
        top_two = net(x)[0].topk(2).indices.tolist()
    return net, x, photo, top_two


def cam(net, x, target, layer) -> torch.Tensor:
    return grad_cam(net, x, target, layer=layer)


def test_the_right_map_passes(astronaut):
    net, x, _, (_, second) = astronaut
    answer = cam(net, x, second, net.features[18])
    verdict = check_second_class_grad_cam(answer[0, 0])
    assert verdict and "football helmet" in verdict.message
    assert check_second_class_grad_cam(answer)  # (1, 1, 224, 224) is fine too
    assert check_second_class_grad_cam(answer[0, 0].numpy().tolist())


def test_plausible_mistakes_are_named(astronaut):
    net, x, photo, (first, second) = astronaut
    right = cam(net, x, second, net.features[18])[0, 0]
    with_softmax = nn.Sequential(net, nn.Softmax(dim=1))
    raw = torch.from_numpy(photo).permute(2, 0, 1)[None]
    mistakes = {
        "top class": cam(net, x, first, net.features[18]),
        "maximum of 1": right / right.max(),
        "features[17]": cam(net, x, second, net.features[17]),
        "probability": cam(with_softmax, x, second, with_softmax[0].features[18]),
        "normalization": cam(net, raw, second, net.features[18]),
        "up-sample": grad_cam(net, x, second, layer=net.features[18], upsample=False),
    }
    for name, answer in mistakes.items():
        verdict = check_second_class_grad_cam(answer)
        assert not verdict, name
        assert name in verdict.message, (name, verdict.message)


def test_a_map_with_negative_values_is_sent_to_the_relu(astronaut):
    # For this photo and class the weighted sum happens to be >= 0 everywhere, so a map
    # without the ReLU equals the right one; a map with negative values still names the ReLU.
    net, x, _, (_, second) = astronaut
    right = cam(net, x, second, net.features[18])[0, 0]
    verdict = check_second_class_grad_cam(right - 0.5 * right.max())
    assert not verdict and "positive part" in verdict.message


def test_placeholder_nan_noise_and_shape_are_not_yet(astronaut):
    net, x, _, (_, second) = astronaut
    right = cam(net, x, second, net.features[18])[0, 0].numpy()
    noisy = right + np.random.default_rng(0).uniform(0, 0.05, right.shape)
    for answer in (None, np.full((224, 224), np.nan), np.zeros((224, 224)), noisy, "map"):
        assert not check_second_class_grad_cam(answer)
    assert "None" in check_second_class_grad_cam(None).message
    assert "(224, 224)" in check_second_class_grad_cam(np.zeros((100, 100))).message

"""The check of chapter 05b's initialization exercise: right answers pass, mistakes get a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.checks_new_E import check_he_std

FAN_IN, FAN_OUT = 16 * 3 * 3, 64 * 3 * 3


def _conv(std: float | None, seed: int = 0) -> nn.Conv2d:
    """nn.Conv2d(16, 64, 3) with N(0, std) weights (None: PyTorch's default initialisation)."""
    torch.manual_seed(seed)
    layer = nn.Conv2d(16, 64, kernel_size=3)
    if std is not None:
        generator = torch.Generator().manual_seed(seed)
        nn.init.normal_(layer.weight, 0.0, std, generator=generator)
        nn.init.zeros_(layer.bias)
    return layer


def test_right_answer_passes_and_agrees_with_torch():
    std = math.sqrt(2 / FAN_IN)
    # the library's formula: gain sqrt(2) for a ReLU, divided by sqrt(fan_in)
    assert math.isclose(std, nn.init.calculate_gain("relu") / math.sqrt(FAN_IN))
    verdict = check_he_std(std, _conv(std))
    assert verdict and "0.1179" in verdict.message
    kaiming = _conv(None)
    nn.init.kaiming_normal_(kaiming.weight, nonlinearity="relu")
    assert check_he_std(torch.tensor(std), kaiming)
    assert check_he_std(np.float32(std), _conv(std, seed=3))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (math.sqrt(2 / 16), "C_in = 16 as the fan-in"),
        (math.sqrt(2 / 48), "k x k = 9"),
        (math.sqrt(2 / FAN_OUT), "fan_out"),
        (math.sqrt(1 / FAN_IN), "halves the second moment"),
        (2 / FAN_IN, "square root"),
        (math.sqrt(2 / (FAN_IN + FAN_OUT)), "Xavier"),
        (0.3, "Count the inputs"),
    ],
)
def test_wrong_std_gets_a_hint(wrong, hint):
    verdict = check_he_std(wrong, _conv(math.sqrt(2 / FAN_IN)))
    assert not verdict
    assert hint in verdict.message


@pytest.mark.parametrize(
    "layer, hint",
    [
        (None, "replace `None`"),
        (nn.Linear(144, 64), "should be an nn.Conv2d"),
        (nn.Conv2d(16, 64, kernel_size=5), "shape"),
        (_conv(None), "default initialisation"),
        (_conv(math.sqrt(1 / FAN_IN)), "std"),
        (_conv(2 / FAN_IN), "std"),
    ],
)
def test_wrong_layer_fails(layer, hint):
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict
    assert hint in verdict.message


def test_shifted_weights_fail():
    layer = _conv(math.sqrt(2 / FAN_IN))
    with torch.no_grad():
        layer.weight += 0.05
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict and "mean" in verdict.message


def test_placeholder_junk_and_non_finite():
    assert "replace `None`" in check_he_std(None, None).message
    assert not check_he_std("abc", None)
    assert not check_he_std([0.1, 0.2], None)
    assert "NaN" in check_he_std(float("nan"), _conv(0.1179)).message
    assert not check_he_std(float("inf"), _conv(0.1179))
    layer = _conv(math.sqrt(2 / FAN_IN))
    with torch.no_grad():
        layer.weight[0, 0, 0, 0] = float("nan")
    assert "NaN" in check_he_std(math.sqrt(2 / FAN_IN), layer).message

"""The check of the ImageNet exercise: MobileNetV2's block sizes (ex-block-sizes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import check_block_sizes

pytest.importorskip("torchvision")

STRIDE_2_BLOCKS = {0, 2, 4, 7, 14}  # torchvision's MobileNetV2: (t, c, n, s) settings


def sizes_for(n: int, halve=lambda n: math.ceil(n / 2)) -> list[int]:
    """Written out independently of the checker: stride-2 blocks halve, rounding up."""
    sizes = []
    for k in range(19):
        n = halve(n) if k in STRIDE_2_BLOCKS else n
        sizes.append(n)
    return sizes


RIGHT = sizes_for(200)


def test_the_answer_passes_in_any_whole_number_form():
    assert RIGHT == [100, 100, 50, 50, 25, 25, 25, 13, 13, 13, 13, 13, 13, 13, 7, 7, 7, 7, 7]
    assert check_block_sizes(RIGHT)
    assert check_block_sizes(tuple(RIGHT))
    assert check_block_sizes(np.array(RIGHT, dtype=np.float64))


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "replace `None`"),
        (sizes_for(224), "224x224 input"),
        ([200, *RIGHT[:-1]], "entering"),
        (sizes_for(200, halve=lambda n: n // 2), "25 does not become 12"),
        ([max(200 // 2 ** (k + 1), 1) for k in range(19)], "not every block halves"),
        (
            [32, 16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320, 1280],
            "channel counts",
        ),
        (RIGHT[:18], "give 19 sizes"),
        ([*RIGHT[:9], 14, *RIGHT[10:]], "wrong from `features[9]`"),
        ([99, *RIGHT[1:]], "`features[0]`, already"),
        ([*RIGHT[:5], 25.5, *RIGHT[6:]], "whole numbers"),
        ([*RIGHT[:5], float("nan"), *RIGHT[6:]], "NaN"),
        (np.array([RIGHT]), "flat list"),
        ("100, 100, 50", "block_sizes"),
    ],
)
def test_plausible_wrong_work_fails_with_a_hint(answer, hint):
    feedback = check_block_sizes(answer)
    assert not feedback
    assert hint in feedback.message, feedback.message

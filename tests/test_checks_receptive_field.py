"""The exercise check of the feature-visualization section (course_utils.checks)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import check_pooled_receptive_field


def by_hand(layers):
    """The receptive-field recursion, written out independently of featurevis."""
    size, jump, offset = 1, 1, 0
    for kernel, stride, padding in layers:
        offset -= padding * jump
        size += (kernel - 1) * jump
        jump *= stride
    return size, jump, offset


BLOCKS = [(5, 1, 2), (2, 2, 0), (3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]


def test_the_answer_passes_in_any_integer_form():
    answer = by_hand(BLOCKS)
    assert answer == (24, 8, -8)
    assert check_pooled_receptive_field(answer)
    assert check_pooled_receptive_field(list(answer))
    assert check_pooled_receptive_field(np.array(answer))
    assert check_pooled_receptive_field((24.0, 8.0, -8.0))


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "replace `None`"),
        (by_hand(BLOCKS[:-1]), "before its pooling"),
        ((24, 4, -8), "stride should be the product"),
        ((20, 8, -8), "the size is not right"),
        ((24, 8, 0), "the offset is not"),
        ((24, 8, -4), "the offset is not"),
        ((24, 8), "three numbers"),
        (7, "give the triple"),
        ((24.5, 8, -8), "whole numbers"),
        ((True, 8, -8), "whole numbers"),
    ],
)
def test_wrong_answers_get_a_hint(answer, hint):
    feedback = check_pooled_receptive_field(answer)
    assert not feedback
    assert hint in feedback.message

"""course_utils.modes.evaluating: eval mode inside the block, each submodule's own mode after."""

import pytest
from torch import nn

from course_utils.modes import evaluating


def test_eval_inside_and_each_mode_restored_even_after_an_error():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.BatchNorm1d(2)).train()
    model[2].eval()  # a mixed state must come back exactly
    before = [m.training for m in model.modules()]
    with pytest.raises(RuntimeError, match="inside"), evaluating(model):
        assert not any(m.training for m in model.modules())
        raise RuntimeError("inside")
    assert [m.training for m in model.modules()] == before


def test_a_plain_callable_has_no_mode_and_is_left_alone():
    def double(x):
        return 2 * x

    with evaluating(double):
        assert double(3) == 6

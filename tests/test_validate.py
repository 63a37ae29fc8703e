"""course_utils._validate: the shared argument checks and their messages."""

from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import _validate as v


def test_as_number_accepts_finite_numbers_and_names_the_argument():
    assert v.as_number(np.float32(0.5), "lr", "f") == 0.5
    assert isinstance(v.as_number(3, "lr", "f"), float)
    with pytest.raises(TypeError, match=r"^f: `lr` must be a number, got True$"):
        v.as_number(True, "lr", "f")
    with pytest.raises(TypeError, match="`lr`"):
        v.as_number("0.1", "lr", "f")
    with pytest.raises(ValueError, match="`lr` must be finite"):
        v.as_number(float("nan"), "lr", "f")


def test_as_int_checks_type_and_minimum_with_the_chosen_error():
    assert v.as_int(np.int64(4), "n", "f", minimum=1) == 4
    with pytest.raises(TypeError, match=r"^f: `n` must be an int, got 2.5$"):
        v.as_int(2.5, "n", "f")
    with pytest.raises(ValueError, match="`n` must be an int"):
        v.as_int(True, "n", "f", not_int=ValueError)
    with pytest.raises(ValueError, match=r"^f: `n` must be >= 1, got 0$"):
        v.as_int(0, "n", "f", minimum=1)
    assert v.as_int(-3, "n", "f") == -3


def test_as_probability_as_bool_as_path_and_as_module():
    assert v.as_probability(0, "p", "f") == 0.0
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"`p` must be a probability in \[0, 1\)"):
            v.as_probability(bad, "p", "f")
    for bad in ("0.3", True, None):
        with pytest.raises(TypeError, match=r"`p` must be a probability in \[0, 1\) \(a number\)"):
            v.as_probability(bad, "p", "f")
    assert v.as_bool(False, "b", "f") is False
    with pytest.raises(TypeError, match="`b` must be True or False"):
        v.as_bool(0, "b", "f")
    assert v.as_path("x.pt", "path", "f") == Path("x.pt")
    with pytest.raises(TypeError, match="`path` must be a str or Path, got int"):
        v.as_path(3, "path", "f")
    layer = torch.nn.Linear(2, 1)
    assert v.as_module(layer, "model", "f") is layer
    with pytest.raises(TypeError, match=r"^f: `model` must be a torch.nn.Module, got function$"):
        v.as_module(lambda x: x, "model", "f")


def test_as_device_accepts_the_cpu_and_refuses_the_rest_clearly():
    assert v.as_device("cpu", "device", "f") == torch.device("cpu")
    assert v.as_device(torch.device("cpu"), "device", "f") == torch.device("cpu")
    with pytest.raises(TypeError, match="`device`"):
        v.as_device(0.5, "device", "f")
    with pytest.raises(ValueError, match="`where` must be"):
        v.as_device("tpu", "where", "f")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="`device` is 'cuda' but CUDA is not available"):
            v.as_device("cuda", "device", "f")

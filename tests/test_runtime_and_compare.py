"""The one setup call applies the course's runtime policy; max_abs_diff compares honestly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.compare import max_abs_diff
from course_utils.runtime import Runtime, num_threads, setup


def test_setup_seeds_sets_one_thread_and_picks_the_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_NUM_THREADS", raising=False)
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    previous = torch.get_num_threads()
    try:
        assert isinstance(setup(seed=7), Runtime)
        device, generator = setup(seed=7, precision=4)
        assert device == torch.device("cpu")
        assert torch.get_num_threads() == 1
        assert np.get_printoptions()["precision"] == 4
        first = torch.rand(3, generator=generator)
        _, again = setup(seed=7, precision=4)
        assert torch.equal(first, torch.rand(3, generator=again))
    finally:
        torch.set_num_threads(previous)
        np.set_printoptions(precision=8, suppress=False)


def test_thread_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_NUM_THREADS", "2")
    assert num_threads() == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("COURSE_NUM_THREADS", bad)
        with pytest.raises(ValueError, match="COURSE_NUM_THREADS"):
            num_threads()


def test_a_gpu_is_used_only_when_asked_for(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    assert setup().device == torch.device("cpu")
    if not torch.cuda.is_available():
        monkeypatch.setenv("COURSE_DEVICE", "cuda")
        with pytest.raises(ValueError, match="COURSE_DEVICE"):
            setup()


@pytest.mark.parametrize("bad", [-1, 17, 2.5, True, "3"])
def test_setup_refuses_a_bad_precision(bad):
    with pytest.raises(ValueError, match="precision"):
        setup(precision=bad)


def test_max_abs_diff_compares_in_float64_and_refuses_mismatched_shapes():
    a = torch.tensor([1.0, 2.0], dtype=torch.float32)
    assert max_abs_diff(a, np.array([1.0, 2.5])) == 0.5
    assert max_abs_diff(np.float32(1e8), np.float32(1e8 + 8)) == 8.0
    assert np.isnan(max_abs_diff([np.nan, 0.0], [0.0, 0.0]))
    with pytest.raises(ValueError, match="same shape"):
        max_abs_diff(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(TypeError, match="`b`"):
        max_abs_diff(np.zeros(2), np.array(["x", "y"]))
    with pytest.raises(ValueError, match="empty"):
        max_abs_diff(np.zeros(0), np.zeros(0))


def test_setup_reports_bad_arguments_in_its_own_terms(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    with pytest.raises(ValueError, match=r"^setup: `device` must be a device name") as info:
        setup(device="gpu")
    assert "pick_device" not in str(info.value) and "prefer" not in str(info.value)
    with pytest.raises(ValueError, match=r"^setup: `seed` must be an int"):
        setup(seed="0")
    with pytest.raises(ValueError, match=r"^setup: `seed` must be >= 0"):
        setup(seed=-1)
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match=r"^setup: `COURSE_DEVICE` .*unset COURSE_DEVICE"):
        setup()


def test_a_setup_cell_that_ends_with_the_call_shows_nothing():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = shell.run_cell("from course_utils import setup\nsetup(seed=0)")
    assert shown.success and shown.result is not None  # the value is there, for .device
    assert shell.display_formatter.format(shown.result) == ({}, {})
    torch.set_num_threads(1)

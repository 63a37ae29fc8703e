"""seed_everything makes runs repeat; pick_device honours the request or refuses it clearly."""

import random

import numpy as np
import pytest
import torch

from course_utils.runtime import pick_device, preserved_rng, seed_everything


def _draws():
    return (
        random.random(),
        float(np.random.rand()),
        float(torch.rand(1)),
        float(torch.nn.Linear(3, 1).weight.detach().sum()),
    )


def test_seed_everything_repeats_every_generator():
    seed_everything(3)
    first = _draws()
    seed_everything(3)
    assert _draws() == first
    seed_everything(4)
    assert _draws() != first


def test_seed_everything_returns_a_seeded_generator_and_turns_on_determinism():
    a = torch.rand(3, generator=seed_everything(5))
    b = torch.rand(3, generator=seed_everything(5))
    assert torch.equal(a, b)
    assert torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_seed_everything_bad_seed(bad):
    with pytest.raises(ValueError, match="`seed`"):
        seed_everything(bad)


def test_pick_device_returns_a_usable_device(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    device = pick_device()
    assert torch.zeros(1, device=device).device.type == device.type
    assert pick_device("cpu") == torch.device("cpu")


def test_pick_device_environment_override(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")


def test_pick_device_refuses_unknown_or_missing_devices(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    with pytest.raises(ValueError, match="`prefer`"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="not available"):
            pick_device("cuda")


def test_preserved_rng_restores_every_generator_and_switch():
    seed_everything(2)
    expected = _draws()
    seed_everything(2)
    with preserved_rng():
        seed_everything(99)
        inside = _draws()
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.benchmark = True
    assert _draws() == expected and inside != expected
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.benchmark is False


def test_preserved_rng_restores_the_state_when_the_block_fails():
    seed_everything(3)
    expected = _draws()
    seed_everything(3)
    with pytest.raises(RuntimeError, match="inside"), preserved_rng():
        _draws()
        raise RuntimeError("inside")
    assert _draws() == expected

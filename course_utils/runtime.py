"""The one runtime policy every chapter starts with: seeds, CPU threads, device, figure style.

Each notebook's setup cell is its imports plus one call::

    setup(seed=0)  # or device = setup(seed=0).device, where a chapter moves tensors

The policy lives here and nowhere else:

- **Seeds.** Python, NumPy and PyTorch are seeded and PyTorch's deterministic algorithms are
  turned on, so a chapter gives the same numbers every time it runs on the same machine.
- **Threads.** One CPU thread, unless `COURSE_NUM_THREADS` says otherwise. The course's models
  are small: a second thread saves little, and a thread that waits on a busy core costs a lot.
  A fixed count also removes one reason for numbers to differ between machines.
- **Language.** English, unless the chapter is the Spanish edition's: its setup call is
  `setup(seed=0, lang="es")` (or `COURSE_LANG=es`), and the exercise feedback, the widgets'
  labels and the figures' titles and labels are in Spanish (`course_utils.i18n`). Numbers
  print the same in both.
- **Device.** The CPU, unless the learner opts in with `COURSE_DEVICE=cuda` (or `mps`), or
  `setup(device="cuda")`. The stored outputs are made on the CPU; a GPU run gives the same
  lessons with numbers that differ in the last digits, within each cell's declared tolerance.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch

from course_utils._validate import DEVICES, as_device, as_int
from course_utils.i18n import set_language
from course_utils.plotting import use_course_style

__all__ = [
    "Runtime",
    "setup",
    "seed_everything",
    "preserved_rng",
    "pick_device",
    "num_threads",
    "DEVICES",
]


class Runtime(NamedTuple):
    """What `setup` returns: the device to compute on and a seeded random generator.

    In a notebook it displays nothing, so a setup cell that ends with `setup(seed=0)` has no
    output; read `.device` or `.generator` where a chapter needs them.
    """

    device: torch.device
    generator: torch.Generator

    def _ipython_display_(self) -> None:
        """IPython calls this instead of showing the value: a setup cell stays without output."""


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch and turn on deterministic algorithms (every chapter).

    Returns a `torch.Generator` seeded with `seed`, handy for DataLoaders and dropout masks.
    """
    seed = as_int(seed, "seed", "seed_everything", minimum=0, not_int=ValueError)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS on GPUs
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Run a block without changing the caller's random state (training, looking inside it).

    Saves and restores the Python, NumPy and PyTorch generators (CPU and GPUs), and the
    deterministic-algorithms and cuDNN-benchmark switches that `seed_everything` sets, so
    code that seeds, builds or trains a model inside leaves a learner's notebook as it was.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    benchmark = torch.backends.cudnn.benchmark
    try:
        with torch.random.fork_rng():
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.backends.cudnn.benchmark = benchmark


def num_threads() -> int:
    """The CPU thread count of the course's policy: `COURSE_NUM_THREADS`, else 1 (every chapter)."""
    raw = os.environ.get("COURSE_NUM_THREADS", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"num_threads: COURSE_NUM_THREADS must be a positive integer, got {raw!r}")
    return int(raw)


def _device(prefer: object, name: str, func: str) -> torch.device:
    """`prefer` (argument `name` of `func`), else `COURSE_DEVICE`, else the CPU, checked."""
    from_env = prefer is None
    choice = (os.environ.get("COURSE_DEVICE", "").strip() or "cpu") if from_env else prefer
    try:
        return as_device(choice, "COURSE_DEVICE" if from_env else name, func)
    except (TypeError, ValueError) as exc:
        hint = " (unset COURSE_DEVICE to run on the CPU)" if from_env else ""
        raise ValueError(f"{exc}{hint}") from None


def pick_device(prefer: str | torch.device | None = None) -> torch.device:
    """The device to compute on: `prefer`, else `COURSE_DEVICE`, else the CPU (every chapter).

    A GPU is used only when asked for, so that a notebook's outputs do not depend on what
    hardware happens to be present. Asking for a device that is not available is an error.
    """
    return _device(prefer, "prefer", "pick_device")


def setup(
    seed: int = 0,
    device: str | torch.device | None = None,
    precision: int = 3,
    lang: str | None = None,
) -> Runtime:
    """The one setup call of every chapter: seeds, thread policy, device, figure style, language.

    `precision` is the number of decimals NumPy prints. `lang` is the language course_utils
    speaks from now on, "en" or "es" (the Spanish chapters pass "es"); None keeps the current
    one (`COURSE_LANG`, else English). Prints nothing. Returns `Runtime(device, generator)`.
    """
    if (
        not isinstance(precision, int | np.integer)
        or isinstance(precision, bool)
        or not 0 <= precision <= 16
    ):
        raise ValueError(f"setup: `precision` must be an int in 0..16, got {precision!r}")
    chosen = _device(device, "device", "setup")
    as_int(seed, "seed", "setup", minimum=0, not_int=ValueError)
    if lang is not None:  # the last check: a bad `lang` is refused before anything changes
        try:
            set_language(lang)
        except ValueError as exc:
            raise ValueError(str(exc).replace("set_language:", "setup:", 1)) from None
    generator = seed_everything(seed)
    torch.set_num_threads(num_threads())
    np.set_printoptions(precision=int(precision), suppress=True)
    use_course_style()
    return Runtime(chosen, generator)

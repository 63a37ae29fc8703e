"""Reproducibility and device helpers; the training loop lives here too (chapters 06-07)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["seed_everything", "pick_device"]


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch and turn on deterministic algorithms (every chapter).

    Returns a `torch.Generator` seeded with `seed`, handy for DataLoaders and dropout masks.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed_everything: `seed` must be a non-negative int, got {seed!r}")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS on GPUs
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)


def pick_device(prefer: str | None = None) -> torch.device:
    """The best available device: `COURSE_DEVICE` or `prefer` if given, else CUDA, MPS, CPU (every chapter)."""
    choice = prefer or os.environ.get("COURSE_DEVICE")
    if choice:
        if choice not in {"cpu", "cuda", "mps"}:
            raise ValueError(f"pick_device: `prefer` must be 'cpu', 'cuda' or 'mps', got {choice!r}")
        available = {"cpu": True, "cuda": torch.cuda.is_available(),
                     "mps": torch.backends.mps.is_available()}
        if not available[choice]:
            raise ValueError(f"pick_device: device {choice!r} was asked for but is not available")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")

"""What several test modules build the same way: a tiny CNN, and autograd's gradients.

Tests get these through conftest's fixtures (`tiny_cnn`, `autograd_grads`); the bad-input
battery (reliability_cases.py, also run by benchmarks/reliability.py) imports them directly.
No side effects at import, unlike conftest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def tiny_cnn(
    size: int = 8, classes: int = 3, dropout: float = 0.2, seed: int | None = 0
) -> nn.Sequential:
    """conv 1->4 (3x3, padding 1), batch norm, ReLU, max-pool 2, flatten, dropout, linear.

    For 1 x `size` x `size` inputs; small, and it has state to corrupt (batch-norm statistics,
    train and eval modes). `seed=None` keeps torch's current random state.
    """
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(4 * (size // 2) ** 2, classes),
    )


def autograd_grads(
    forward: Callable[..., torch.Tensor],
    upstream: np.ndarray | np.random.Generator,
    *arrays: np.ndarray,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Autograd's gradients of sum(forward(*arrays) * upstream) with respect to each array.

    Float64, NumPy in and out. `upstream` is an array shaped like the output, or a NumPy
    generator that draws one (standard normal). Returns (upstream, [gradient of each array]).
    """
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = forward(*tensors)
    if isinstance(upstream, np.random.Generator):
        upstream = upstream.normal(size=tuple(out.shape))
    (out * torch.from_numpy(np.asarray(upstream, dtype=np.float64))).sum().backward()
    return upstream, [t.grad.numpy() for t in tensors]

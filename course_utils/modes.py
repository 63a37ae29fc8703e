"""A model's mode, saved and restored: run a block in evaluation mode and leave the model as it was.

Used wherever the course calls a model without training it (prediction, evaluation, looking
inside a network, style features), so no higher module needs another for this.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
from torch import nn

__all__ = ["evaluating"]


@contextlib.contextmanager
def evaluating(model: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> Iterator[None]:
    """Run `model` in eval mode inside the block, then restore each submodule's own mode.

    Dropout is off and batch norm uses its running statistics inside the block; a callable
    that is not an `nn.Module` has no mode and is left alone.
    """
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training

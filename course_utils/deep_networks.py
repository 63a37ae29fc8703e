"""Deep plain MLPs on digits: build one, measure how it mixes images up, train it with SGD.

The experiment is taught in the section labelled `sec-deep-network` (batch normalization keeps
a deep network trainable) and repeated with He initialization in the section labelled
`sec-he-fixes-deep-network`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_bool, as_int, as_module, as_number

__all__ = ["make_deep", "spread_across_images", "train_sgd"]


def make_deep(batch_norm_layers: bool, depth: int = 8, width: int = 64) -> nn.Sequential:
    """A deep MLP for 28x28 digits, batch norm optional (section `sec-deep-network`).

    `Flatten`, then `depth` hidden blocks `Linear(width)` [`BatchNorm1d`] `ReLU`, then a
    `Linear(width, 10)` that gives the logits. Weights are PyTorch's default draw from the
    global generator, so `torch.manual_seed` before the call fixes them.
    """
    func = "make_deep"
    batch_norm_layers = as_bool(batch_norm_layers, "batch_norm_layers", func)
    depth = as_int(depth, "depth", func, minimum=1)
    width = as_int(width, "width", func, minimum=1)
    layers: list[nn.Module] = [nn.Flatten()]
    size = 28 * 28
    for _ in range(depth):
        layers.append(nn.Linear(size, width))
        if batch_norm_layers:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        size = width
    layers.append(nn.Linear(size, 10))
    return nn.Sequential(*layers)


def _images(x: object, func: str) -> torch.Tensor:
    """`x` as a float batch of at least 2 images, else a TypeError/ValueError naming it."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{func}: `x` must be a torch.Tensor of images, got {type(x).__name__}")
    if not x.is_floating_point() or x.ndim < 2 or len(x) < 2:
        raise ValueError(
            f"{func}: `x` must be a float batch of at least 2 images, "
            f"got dtype {x.dtype} and shape {tuple(x.shape)}"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"{func}: `x` contains NaN or infinite values")
    return x


def spread_across_images(model: nn.Sequential, x: torch.Tensor) -> list[float]:
    """After each ReLU: each unit's std across the batch, averaged over the units
    (section `sec-deep-network`).

    How much the activations still differ from one image to another, layer by layer; the model
    runs in whatever mode it is in (training mode normalises batch norm with the batch).
    """
    func = "spread_across_images"
    model = as_module(model, "model", func)
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{func}: `model` must be an nn.Sequential, got {type(model).__name__}")
    x = _images(x, func)
    spreads = []
    with torch.no_grad():
        for module in model:
            x = module(x)
            if isinstance(module, nn.ReLU):
                spreads.append(x.std(dim=0).mean().item())
    return spreads


def train_sgd(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    seed: int,
    num_epochs: int = 15,
    lr: float = 0.05,
    batch_size: int = 50,
) -> list[float]:
    """Plain SGD with cross-entropy; the training loss (eval mode) after each epoch
    (section `sec-deep-network`).

    Each epoch shuffles the data with a `torch.Generator` seeded with `seed` (the same data
    order for the same seed) and takes one step per batch of `batch_size`, in training mode.
    """
    func = "train_sgd"
    model = as_module(model, "model", func)
    x_train = _images(x_train, func)
    if not isinstance(y_train, torch.Tensor) or y_train.shape != (len(x_train),):
        raise ValueError(
            f"{func}: `y_train` must be a tensor of {len(x_train)} class indices, one per image"
        )
    seed = as_int(seed, "seed", func, minimum=0)
    num_epochs = as_int(num_epochs, "num_epochs", func, minimum=1)
    batch_size = as_int(batch_size, "batch_size", func, minimum=1)
    lr = as_number(lr, "lr", func)
    if lr <= 0:
        raise ValueError(f"{func}: `lr` must be > 0, got {lr}")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)  # the data order
    losses = []
    for _ in range(num_epochs):
        model.train()
        for batch in torch.randperm(len(x_train), generator=order).split(batch_size):
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            losses.append(F.cross_entropy(model(x_train), y_train).item())
    return losses

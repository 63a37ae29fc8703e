"""course_utils.deep_networks and data.small_digit_split: the deep-network experiment's helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.data import load_mnist_5k, small_digit_split
from course_utils.deep_networks import make_deep, spread_across_images, train_sgd


def test_small_digit_split_is_stratified_and_disjoint():
    (x_train, y_train), (x_val, y_val) = small_digit_split()
    assert tuple(x_train.shape) == (500, 1, 28, 28) and tuple(x_val.shape) == (1000, 1, 28, 28)
    assert np.bincount(y_train.numpy()).tolist() == [50] * 10
    assert np.bincount(y_val.numpy()).tolist() == [100] * 10
    images, _ = load_mnist_5k()
    flat = images.flatten(1)
    # Each chosen image is found in MNIST-5k, and no image is in both parts.
    train_rows = {bytes(row.numpy()) for row in x_train.flatten(1)}
    val_rows = {bytes(row.numpy()) for row in x_val.flatten(1)}
    assert not train_rows & val_rows
    assert train_rows | val_rows <= {bytes(row.numpy()) for row in flat}
    (again, _), _ = small_digit_split()
    assert torch.equal(again, x_train)  # fixed


@pytest.mark.parametrize("batch_norm_layers,depth,width", [(False, 8, 64), (True, 3, 5)])
def test_make_deep_builds_the_described_layers(batch_norm_layers, depth, width):
    model = make_deep(batch_norm_layers, depth=depth, width=width)
    linear = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == (
        [(784, width)] + [(width, width)] * (depth - 1) + [(width, 10)]
    )
    assert sum(isinstance(m, nn.ReLU) for m in model) == depth
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model) == (depth if batch_norm_layers else 0)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    torch.manual_seed(3)
    first = make_deep(batch_norm_layers, depth, width).state_dict()
    torch.manual_seed(3)
    second = make_deep(batch_norm_layers, depth, width).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_spread_across_images_measures_each_relu():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3, 2), nn.ReLU(), nn.Identity(), nn.ReLU())
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
        model[1].bias.zero_()
    x = torch.tensor([[1.0, 5.0, 5.0], [3.0, -5.0, 0.0]])
    # Unit 0 sees 1 and 3 (std sqrt(2)); unit 1 is 0 for both images (std 0).
    expected = (2**0.5 + 0.0) / 2
    assert spread_across_images(model, x) == pytest.approx([expected, expected])


def test_spread_shrinks_through_the_plain_deep_network():
    (x_train, _), _ = small_digit_split()
    torch.manual_seed(0)
    spreads = spread_across_images(make_deep(False).train(), x_train[:200])
    assert len(spreads) == 8 and spreads[-1] < spreads[0] / 100


def test_train_sgd_lowers_the_loss_and_repeats_exactly():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, 1, 28, 28, generator=generator)
    y = torch.arange(40) % 10

    def run() -> list[float]:
        torch.manual_seed(1)
        return train_sgd(make_deep(True, depth=2, width=16), x, y, seed=2, num_epochs=4, lr=0.1)

    losses = run()
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert run() == losses  # the same seed, the same data order, the same result


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda: make_deep(1), TypeError, "make_deep: `batch_norm_layers`"),
        (lambda: make_deep(False, depth=0), ValueError, "make_deep: `depth`"),
        (lambda: make_deep(False, width=2.5), TypeError, "make_deep: `width`"),
        (
            lambda: spread_across_images(nn.Linear(2, 2), torch.ones(2, 2)),
            TypeError,
            "spread_across_images: `model` must be an nn.Sequential",
        ),
        (
            lambda: spread_across_images(make_deep(False), np.ones((2, 784))),
            TypeError,
            "spread_across_images: `x`",
        ),
        (
            lambda: spread_across_images(make_deep(False), torch.ones(1, 784)),
            ValueError,
            "at least 2 images",
        ),
        (
            lambda: spread_across_images(make_deep(False), torch.full((2, 784), float("nan"))),
            ValueError,
            "NaN",
        ),
        (
            lambda: train_sgd("model", torch.ones(2, 784), torch.zeros(2).long(), 0),
            TypeError,
            "train_sgd: `model`",
        ),
        (
            lambda: train_sgd(make_deep(False), torch.ones(2, 784), torch.zeros(3).long(), 0),
            ValueError,
            "train_sgd: `y_train`",
        ),
        (
            lambda: train_sgd(make_deep(False), torch.ones(2, 784), torch.zeros(2).long(), 0, lr=0),
            ValueError,
            "train_sgd: `lr`",
        ),
        (
            lambda: train_sgd(make_deep(False), torch.ones(2, 784), torch.zeros(2).long(), -1),
            ValueError,
            "train_sgd: `seed`",
        ),
    ],
)
def test_deep_network_helpers_refuse_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()

"""Feature visualization by optimization and top dataset patches (course_utils.featurevis)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import nn

from course_utils.featurevis import (
    Objective,
    channel_mean,
    class_logit,
    gaussian_blur,
    receptive_field,
    top_patches,
    visualize,
)

SHAPE = (2, 1, 12, 12)


class TinyNet(nn.Module):
    """conv-bn-relu-pool, conv-relu, global average, linear: 3 classes on 12x12 images."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 5, 3)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.conv2(x))
        return self.fc(self.drop(x.mean(dim=(2, 3))))


@pytest.fixture(autouse=True)
def one_thread():
    """The course's thread policy (course_utils.runtime): tiny models, one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def model() -> TinyNet:
    torch.manual_seed(0)
    net = TinyNet()
    with torch.no_grad():  # non-trivial running statistics
        net.bn1.running_mean.uniform_(-0.2, 0.2)
        net.bn1.running_var.uniform_(0.5, 1.5)
    return net


def run(model, objective=None, **kwargs):
    settings = dict(steps=20, lr=0.05, shape=SHAPE, progress=False)
    settings.update(kwargs)
    settings.setdefault("generator", torch.Generator().manual_seed(1))
    return visualize(model, objective or class_logit([0, 2]), **settings)


def high_frequency_energy(images: torch.Tensor) -> float:
    """Share of the spectrum's energy above a quarter of the sampling frequency."""
    spectrum = torch.fft.fft2(images - images.mean(dim=(2, 3), keepdim=True)).abs() ** 2
    freq = torch.fft.fftfreq(images.shape[-1]).abs()
    high = (freq[:, None] > 0.25) | (freq[None, :] > 0.25)
    return float(spectrum[..., high].sum() / spectrum.sum())


@pytest.mark.parametrize(
    "objective", [class_logit([0, 2]), channel_mean("conv2", 3), channel_mean("bn1", [1, 2])]
)
def test_objective_increases(model, objective):
    result = run(model, objective, steps=30, lr=0.1)
    assert result.history.shape == (30, 2)
    assert (result.history[-1] > result.history[0] + 0.01).all()
    random_images = torch.rand(100, *SHAPE[1:], generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        final = objective(model.eval(), result.image)
        # each image's own objective on each random image (the pair [r, r] scores both)
        random_scores = torch.stack([objective(model, r.expand(SHAPE)) for r in random_images])
    assert (final > random_scores.amax(dim=0)).all()  # the ascent beats 100 random images


def test_image_stays_in_value_range(model):
    result = run(model, lr=0.5, value_range=(-0.5, 0.25))
    assert result.image.min() >= -0.5 and result.image.max() <= 0.25
    assert result.image.shape == SHAPE


def test_l2_makes_the_image_smaller(model):
    plain = run(model, steps=40).image
    penalised = run(model, steps=40, l2=1.0).image
    assert penalised.norm() < 0.8 * plain.norm()


def test_blur_lowers_high_frequency_energy(model):
    start = torch.rand(SHAPE, generator=torch.Generator().manual_seed(3))
    plain = run(model, start=start).image
    blurred = run(model, start=start, blur_every=1, blur_sigma=1.0).image
    assert high_frequency_energy(blurred) < 0.5 * high_frequency_energy(plain)


def test_jitter_shifts_what_the_model_sees(model):
    seen = []

    def score(net, images):
        seen.append(images.detach().clone())
        return net(images)[:, 0]

    spy = Objective("spy", score, lambda net, n: None)
    start = torch.rand(SHAPE, generator=torch.Generator().manual_seed(4))
    run(model, spy, steps=1, lr=1e-9, start=start, jitter=2)
    run(model, spy, steps=10, start=start, jitter=2)
    shifts = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    matches = [s for s in shifts if torch.equal(seen[0], torch.roll(start, s, dims=(2, 3)))]
    assert len(matches) == 1
    unshifted = sum(torch.equal(a, b) for a, b in zip(seen[1:], [start] * 10, strict=False))
    assert unshifted < 10
    no_jitter = run(model, spy, steps=1, lr=1e-9, start=start)
    assert torch.equal(seen[-1], start) and no_jitter.image.shape == SHAPE


def test_model_parameters_modes_and_grads_are_unchanged(model):
    model.train()
    model.drop.eval()  # a mixed state that a plain model.train() would not restore
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = {name: m.training for name, m in model.named_modules()}
    run(model, channel_mean(model.conv2, 1), l2=0.1, jitter=1, blur_every=2)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert {name: m.training for name, m in model.named_modules()} == modes
    assert all(p.grad is None for p in model.parameters())


def test_deterministic_with_a_generator(model):
    settings = dict(jitter=2, blur_every=3)
    first = run(model, generator=torch.Generator().manual_seed(7), **settings)
    second = run(model, generator=torch.Generator().manual_seed(7), **settings)
    other = run(model, generator=torch.Generator().manual_seed(8), **settings)
    assert torch.equal(first.image, second.image)
    assert torch.equal(first.history, second.history)
    assert not torch.equal(first.image, other.image)


@pytest.mark.parametrize(
    ("objective", "kwargs", "message"),
    [
        (channel_mean("conv9", 0), {}, "channel_mean: `layer` 'conv9' is not a submodule"),
        (channel_mean("conv2", 5), {}, r"channel_mean: `channel` must be in \[0, 5\)"),
        (channel_mean("conv2", [0, 1, 2]), {}, "channel_mean: `channel` has 3 entries"),
        (class_logit(3), {}, r"class_logit: `target` 3 must index the model's 3 classes"),
        (class_logit([0, 1, 2]), {}, "class_logit: `target` has 3 entries"),
        (class_logit(0), {"steps": 0}, "visualize: `steps` must be an int > 0"),
        (class_logit(0), {"lr": -1.0}, "visualize: `lr` must be a number > 0"),
        (class_logit(0), {"l2": -0.1}, "visualize: `l2` must be a number >= 0"),
        (class_logit(0), {"jitter": 1.5}, "visualize: `jitter` must be an int >= 0"),
        (class_logit(0), {"start": torch.zeros(1, 1, 12, 12)}, "visualize: `start` must have"),
        (class_logit(0), {"shape": (1, 12, 12)}, "visualize: `shape` must be four ints"),
        (class_logit(0), {"value_range": (1.0, 0.0)}, "visualize: `value_range` must be"),
        (class_logit(0), {"value_range": (1.0,)}, "visualize: `value_range` must be"),
    ],
)
def test_bad_inputs_raise_clear_errors(model, objective, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(model, objective, **kwargs)


def test_bad_objective_arguments():
    with pytest.raises(TypeError, match="class_logit: `target` must be an int"):
        class_logit("seven")
    with pytest.raises(ValueError, match="channel_mean: `channel` must be >= 0"):
        channel_mean("conv1", -1)
    with pytest.raises(TypeError, match="channel_mean: `layer` must be an nn.Module"):
        channel_mean(3, 0)
    with pytest.raises(TypeError, match="visualize: `objective` must come from"):
        visualize(TinyNet(), lambda m, x: m(x)[:, 0], steps=1, lr=0.1)


def test_gaussian_blur_matches_scipy():
    images = torch.rand(2, 3, 15, 15, generator=torch.Generator().manual_seed(5))
    ours = gaussian_blur(images.double(), 1.0).numpy()
    for n in range(2):
        for c in range(3):
            expected = ndimage.gaussian_filter(
                images[n, c].double().numpy(), 1.0, mode="mirror", truncate=3.0
            )
            np.testing.assert_allclose(ours[n, c], expected, atol=1e-12)
    constant = torch.full((1, 1, 6, 6), 0.3)
    assert torch.allclose(gaussian_blur(constant, 2.0), constant)
    with pytest.raises(ValueError, match="gaussian_blur: `sigma` must be a number > 0"):
        gaussian_blur(images, 0)


class LinearChain(nn.Module):
    """Convolutions and average pooling with positive weights: no cancellation, no ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(1, 2, 3, stride=2, padding=1, bias=False)
        self.p = nn.AvgPool2d(2, stride=1)
        self.b = nn.Conv2d(2, 2, 3, padding=2, dilation=2, bias=False)
        self.bn = nn.BatchNorm2d(2)
        for conv in (self.a, self.b):
            nn.init.uniform_(conv.weight, 0.1, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.b(self.p(self.a(x))))


@pytest.mark.parametrize("layer", ["a", "p", "b", "bn"])
def test_receptive_field_is_where_the_gradient_reaches(layer):
    torch.manual_seed(0)
    net = LinearChain().eval()
    size, stride, offset = receptive_field(net, layer, (1, 17, 17))
    image = torch.rand(1, 1, 17, 17, requires_grad=True)
    out = dict(net.named_children())
    x = image
    for name, module in out.items():
        x = module(x)
        if name == layer:
            break
    for i, j in [(0, 0), (x.shape[2] // 2, x.shape[3] - 1)]:
        (grad,) = torch.autograd.grad(x[0, 0, i, j], image, retain_graph=True)
        reached = grad[0, 0] != 0
        window = torch.zeros(17 + 2 * 20, 17 + 2 * 20, dtype=torch.bool)
        top, left = offset + stride * i + 20, offset + stride * j + 20
        window[top : top + size, left : left + size] = True
        assert torch.equal(reached, window[20:-20, 20:-20]), (layer, i, j)


def test_receptive_field_of_the_course_classifier_geometry():
    from course_utils.models import DigitCNN

    net = DigitCNN()
    assert receptive_field(net, "conv1", (1, 28, 28)) == (5, 1, -2)
    assert receptive_field(net, "bn2", (1, 28, 28)) == (10, 2, -4)
    assert receptive_field(net, net.bn3, (1, 28, 28)) == (20, 4, -8)


def test_receptive_field_refuses_what_it_cannot_trace(model):
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 2, 3)
            self.conv2 = nn.Conv2d(2, 2, 3)

        def forward(self, x):
            return self.conv2(F.max_pool2d(self.conv1(x), 2))

    with pytest.raises(ValueError, match="receptive_field: the input of Conv2d"):
        receptive_field(Functional(), "conv2", (1, 12, 12))
    with pytest.raises(ValueError, match="receptive_field: `layer` 'nope' is not a submodule"):
        receptive_field(model, "nope", (1, 12, 12))
    with pytest.raises(ValueError, match="receptive_field: cannot trace positions through Flatten"):
        receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(4, 4)), "1", (1, 2, 2))


def test_top_patches_match_a_brute_force(model):
    model.eval()
    images = torch.rand(30, 1, 12, 12, generator=torch.Generator().manual_seed(6))
    size, stride, offset = receptive_field(model, "conv2", (1, 12, 12))
    assert (size, stride, offset) == (8, 2, -1)
    result = top_patches(model, "conv2", 2, images, k=6, fill=-1.0, batch_size=7)
    with torch.no_grad():
        x = model.pool(F.relu(model.bn1(model.conv1(images))))
        maps = model.conv2(x)[:, 2]  # (30, 4, 4)
    best = maps.flatten(1).max(dim=1).values
    order = sorted(range(30), key=lambda n: -best[n].item())[:6]
    assert result.indices.tolist() == order
    torch.testing.assert_close(result.values, best[order])
    for rank, n in enumerate(order):
        i, j = int(result.rows[rank]), int(result.cols[rank])
        assert maps[n, i, j] == best[n]
        expected = torch.full((1, size, size), -1.0)
        for r in range(size):
            for c in range(size):
                y, x_ = offset + stride * i + r, offset + stride * j + c
                if 0 <= y < 12 and 0 <= x_ < 12:
                    expected[0, r, c] = images[n, 0, y, x_]
        assert torch.equal(result.patches[rank], expected)
    assert result.patches.shape == (6, 1, 8, 8)


def test_top_patches_bad_inputs(model):
    images = torch.rand(5, 1, 12, 12)
    with pytest.raises(ValueError, match=r"top_patches: `k` must be an int in \[1, 5\]"):
        top_patches(model, "conv2", 0, images, k=6)
    with pytest.raises(ValueError, match=r"top_patches: `channel` must be in \[0, 5\)"):
        top_patches(model, "conv2", 5, images, k=2)
    with pytest.raises(ValueError, match="top_patches: `images` must be a tensor"):
        top_patches(model, "conv2", 0, images[0], k=2)
    with pytest.raises(TypeError, match="top_patches: `images` must be floating point"):
        top_patches(model, "conv2", 0, (images * 255).to(torch.uint8), k=2)

"""course_utils.optimizers: hand-written SGD, momentum and Adam equal torch.optim; surfaces."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.optimizers import (
    SGD,
    Adam,
    IllConditionedBowl,
    PlateauSurface,
    Rosenbrock,
    Surface,
    run_optimizer,
)

SURFACES = [IllConditionedBowl(), Rosenbrock(), PlateauSurface()]

# (ours, torch's, hyper-parameters, learning rate per surface: bowl, Rosenbrock, plateau)
CASES = [
    (SGD, torch.optim.SGD, {}, (0.05, 1e-3, 0.3)),
    (SGD, torch.optim.SGD, {"weight_decay": 0.1}, (0.05, 1e-3, 0.3)),
    (SGD, torch.optim.SGD, {"momentum": 0.9}, (0.02, 2e-4, 0.3)),
    (SGD, torch.optim.SGD, {"momentum": 0.5, "weight_decay": 0.05}, (0.05, 5e-4, 0.3)),
    (Adam, torch.optim.Adam, {}, (0.1, 0.05, 0.1)),
    (
        Adam,
        torch.optim.Adam,
        {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        (0.1, 0.05, 0.1),
    ),
    (Adam, torch.optim.Adam, {"betas": (0.0, 0.5)}, (0.05, 0.01, 0.05)),
]


def _case_id(case):
    ours, _, kwargs, _ = case
    return ours.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("index", range(len(SURFACES)), ids=[type(s).__name__ for s in SURFACES])
def test_trajectories_match_torch_on_surfaces(case, index):
    ours, theirs, kwargs, lrs = case
    surface = SURFACES[index]
    mine = run_optimizer(surface, ours, 100, lr=lrs[index], **kwargs)
    reference = run_optimizer(surface, theirs, 100, lr=lrs[index], **kwargs)
    assert mine.shape == (101, 2)
    assert np.all(np.isfinite(reference))
    assert np.abs(reference[-1] - reference[0]).max() > 1e-3, "the point should move"
    assert np.abs(mine - reference).max() < 1e-6


def _tiny_problem():
    generator = torch.Generator().manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 4)
    ).double()
    for p in model.parameters():
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) * 0.3)
    images = torch.randn(32, 1, 6, 6, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 4, (32,), generator=generator)
    return model, images, labels


def _train(model, optimizer, images, labels, steps=100):
    snapshots = []
    for i in range(steps):
        batch = slice((i % 4) * 8, (i % 4) * 8 + 8)  # four mini-batches in turn
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images[batch]), labels[batch]).backward()
        optimizer.step()
        snapshots.append(torch.cat([p.detach().flatten() for p in model.parameters()]).clone())
    return torch.stack(snapshots)


@pytest.mark.parametrize(
    "case",
    [
        (SGD, torch.optim.SGD, {"lr": 0.1}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-2}),
        (Adam, torch.optim.Adam, {"lr": 1e-2}),
        (Adam, torch.optim.Adam, {"lr": 1e-2, "betas": (0.85, 0.98), "weight_decay": 1e-2}),
    ],
    ids=lambda c: c[0].__name__ + "-" + "-".join(f"{k}={v}" for k, v in c[2].items()),
)
def test_trajectories_match_torch_on_a_small_network(case):
    ours, theirs, kwargs = case
    model, images, labels = _tiny_problem()
    twin = copy.deepcopy(model)
    mine = _train(model, ours(model.parameters(), **kwargs), images, labels)
    reference = _train(twin, theirs(twin.parameters(), **kwargs), images, labels)
    assert (reference[-1] - reference[0]).abs().max() > 1e-2, "the weights should move"
    assert (mine - reference).abs().max().item() < 1e-6


def test_momentum_is_a_running_sum_of_gradients():
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    optimizer = SGD([w], lr=0.1, momentum=0.5)
    for _ in range(2):  # loss w^2 / 2: the gradient is w itself
        optimizer.zero_grad()
        (0.5 * w**2).sum().backward()
        optimizer.step()
    # step 1: v = 1, w = 0.9; step 2: v = 0.5 * 1 + 0.9 = 1.4, w = 0.9 - 0.14 = 0.76
    assert optimizer.state[w]["velocity"].item() == pytest.approx(1.4)
    assert w.item() == pytest.approx(0.76)


def test_adam_first_step_has_size_lr_per_coordinate():
    w = torch.tensor([3.0, -2.0], dtype=torch.float64, requires_grad=True)
    optimizer = Adam([w], lr=0.01)
    optimizer.zero_grad()
    (torch.tensor([100.0, 0.001], dtype=torch.float64) * w).sum().backward()
    optimizer.step()
    # bias correction makes m_hat = g and v_hat = g^2 at t = 1, so each step is lr * sign(g)
    assert torch.allclose(w.detach(), torch.tensor([2.99, -2.01], dtype=torch.float64), atol=1e-6)
    assert optimizer.state[w]["t"] == 1


def test_parameters_without_gradient_are_left_alone_and_zero_grad_clears():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    for cls in (SGD, Adam):
        optimizer = cls([a, b], lr=0.1)
        optimizer.zero_grad()
        a.sum().backward()
        optimizer.step()
        assert torch.equal(b.detach(), torch.ones(2)) and b.grad is None
        assert not torch.equal(a.detach(), torch.ones(2))
        optimizer.zero_grad()
        assert a.grad is None


def test_step_with_closure_returns_the_loss():
    w = torch.tensor([2.0], requires_grad=True)
    optimizer = SGD([w], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == pytest.approx(4.0)
    assert w.item() == pytest.approx(1.6)
    assert "SGD(lr=0.1" in repr(optimizer) and "Adam(lr=" in repr(Adam([w]))


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: type(s).__name__)
def test_surfaces_have_their_minimum_where_they_say(surface):
    minimum = np.array(surface.minimum)
    assert np.abs(surface.gradient(minimum)).max() < 1e-8
    X, Y, Z = surface.grid(201)
    assert X.shape == Y.shape == Z.shape == (201, 201)
    assert X.min() == surface.xlim[0] and Y.max() == surface.ylim[1]
    assert surface.value(minimum) <= Z.min() + 1e-12
    assert (
        surface.xlim[0] < minimum[0] < surface.xlim[1]
        and surface.ylim[0] < minimum[1] < surface.ylim[1]
    )
    start = np.array(surface.start)
    assert surface.value(start) > surface.value(minimum) + 0.1


def test_surface_values_and_gradients_by_formula():
    bowl = IllConditionedBowl(a=1.0, b=20.0)
    assert bowl.value([2.0, 1.0]) == pytest.approx(0.5 * (4 + 20))
    np.testing.assert_allclose(
        bowl.gradient([[2.0, 1.0], [0.0, -1.0]]), [[2.0, 20.0], [0.0, -20.0]]
    )
    assert bowl.condition_number == 20.0
    rosen = Rosenbrock()
    assert rosen.minimum == (1.0, 1.0)
    np.testing.assert_allclose(rosen.gradient([-1.5, 2.5]), [145.0, 50.0])
    plateau = PlateauSurface()
    local = np.array(plateau.local_minimum)
    assert np.abs(plateau.gradient(local)).max() < 1e-8
    assert plateau.value(local) > plateau.value(np.array(plateau.minimum)) + 0.5  # shallow
    # the plateau: small slopes far from the wells
    assert np.abs(plateau.gradient([-4.0, 0.0])).max() < 0.06


def test_momentum_crosses_the_plateau_and_plain_descent_does_not():
    plateau = PlateauSurface()
    plain = run_optimizer(plateau, SGD, 150, lr=0.3)
    little = run_optimizer(plateau, SGD, 150, lr=0.3, momentum=0.5)
    heavy = run_optimizer(plateau, SGD, 150, lr=0.3, momentum=0.9)
    assert plain[-1, 0] < -1.5  # still on the plateau
    assert abs(little[-1, 0] - plateau.local_minimum[0]) < 0.1  # stuck in the shallow well
    assert abs(heavy[-1, 0] - plateau.minimum[0]) < 0.1  # reached the deep one


def test_run_optimizer_start_and_divergence():
    bowl = IllConditionedBowl()
    path = run_optimizer(bowl, SGD, 5, start=(1.0, 1.0), lr=0.05)
    np.testing.assert_allclose(path[0], [1.0, 1.0])
    np.testing.assert_allclose(path[1], [0.95, 0.0])  # y: 1 - 0.05 * 20 * 1 = 0
    diverging = run_optimizer(bowl, SGD, 30, lr=0.11)  # above 2 / b = 0.1
    assert abs(diverging[-1, 1]) > abs(diverging[0, 1]) * 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"lr": 0.1, "momentum": -0.1}, "momentum"),
        ({"lr": 0.1, "weight_decay": -1e-4}, "weight_decay"),
        ({"lr": float("nan")}, "lr"),
    ],
)
def test_sgd_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": 0.0}, "lr"),
        ({"betas": (1.0, 0.999)}, "betas"),
        ({"betas": (0.9, -0.1)}, "betas"),
        ({"betas": (0.9, 1.5)}, "betas"),
        ({"eps": 0.0}, "eps"),
        ({"eps": -1e-8}, "eps"),
        ({"weight_decay": -0.1}, "weight_decay"),
    ],
)
def test_adam_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam([torch.zeros(2, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_bad_params(cls):
    with pytest.raises(ValueError, match="params.*empty"):
        cls([], lr=0.1)
    with pytest.raises(TypeError, match="params"):
        cls(torch.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError, match="params"):
        cls([1.0, 2.0], lr=0.1)
    with pytest.raises(TypeError, match="params"):
        cls([torch.zeros(2, dtype=torch.int64)], lr=0.1)
    with pytest.raises(ValueError, match="params"):
        cls([torch.zeros(2, requires_grad=True) * 2], lr=0.1)
    with pytest.raises(TypeError, match="params"):
        cls(3, lr=0.1)
    with pytest.raises(TypeError, match="lr"):
        cls([torch.zeros(2, requires_grad=True)], lr="0.1")


def test_adam_betas_must_be_a_pair():
    with pytest.raises(TypeError, match="betas"):
        Adam([torch.zeros(2, requires_grad=True)], betas=0.9)
    with pytest.raises(TypeError, match="betas"):
        Adam([torch.zeros(2, requires_grad=True)], betas=(0.9, 0.99, 0.999))


def test_run_optimizer_rejects_bad_inputs():
    bowl = IllConditionedBowl()
    with pytest.raises(ValueError, match="steps"):
        run_optimizer(bowl, SGD, 0, lr=0.1)
    with pytest.raises(TypeError, match="steps"):
        run_optimizer(bowl, SGD, 2.5, lr=0.1)
    with pytest.raises(ValueError, match="start"):
        run_optimizer(bowl, SGD, 10, start=(1.0, 2.0, 3.0), lr=0.1)
    with pytest.raises(ValueError, match="start"):
        run_optimizer(bowl, SGD, 10, start=(np.nan, 0.0), lr=0.1)
    with pytest.raises(TypeError, match="surface"):
        run_optimizer(lambda p: p.sum(), SGD, 10, lr=0.1)
    with pytest.raises(TypeError, match="optimizer_class"):
        run_optimizer(bowl, "SGD", 10, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        run_optimizer(bowl, SGD, 10, lr=-0.1)


def test_surface_rejects_bad_inputs():
    bowl = IllConditionedBowl()
    with pytest.raises(ValueError, match="points"):
        bowl.value([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="point"):
        bowl(torch.zeros(3))
    with pytest.raises(TypeError, match="point"):
        bowl([0.0, 0.0])
    with pytest.raises(ValueError, match="n"):
        bowl.grid(1)
    with pytest.raises(ValueError, match="b"):
        IllConditionedBowl(a=1.0, b=0.0)
    with pytest.raises(ValueError, match="b"):
        Rosenbrock(b=-1.0)
    assert isinstance(bowl, Surface) and "IllConditionedBowl" in repr(bowl)

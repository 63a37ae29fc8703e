"""Hand-written optimizers and 2-D test surfaces (optimizers).

`SGD` (with optional momentum) and `Adam` take the same arguments as their `torch.optim`
twins and apply exactly the same update rules (dampening 0, no Nesterov, no AMSGrad, weight
decay added to the gradient, L2 style). They work on any tensors with a `.grad`, so they can
train a real `nn.Module`:

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    optimizer.zero_grad(); loss.backward(); optimizer.step()

The surfaces are small functions of a point (x, y) with a known minimum and a plotting range;
`run_optimizer` follows any optimizer class (these or `torch.optim`'s) across one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch

from course_utils._validate import as_int, as_number

__all__ = [
    "SGD",
    "Adam",
    "Surface",
    "IllConditionedBowl",
    "Rosenbrock",
    "PlateauSurface",
    "run_optimizer",
]


def _parameters(params, func: str) -> list[torch.Tensor]:
    """The tensors to optimize as a list, or a clear error about `params`."""
    if isinstance(params, torch.Tensor):
        raise TypeError(
            f"{func}: `params` must be an iterable of tensors, such as "
            "model.parameters() or [x], not a single tensor"
        )
    try:
        tensors = list(params)
    except TypeError:
        raise TypeError(
            f"{func}: `params` must be an iterable of tensors, got {type(params).__name__}"
        ) from None
    if not tensors:
        raise ValueError(f"{func}: `params` is empty: there is nothing to optimize")
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(
                f"{func}: `params` must hold tensors, item {i} is {type(tensor).__name__}"
            )
        if not tensor.is_floating_point():
            raise TypeError(
                f"{func}: `params` must hold floating-point tensors, item {i} is {tensor.dtype}"
            )
        if not tensor.is_leaf:
            raise ValueError(
                f"{func}: `params` item {i} is not a leaf tensor (it is computed from "
                "others), so it cannot be updated in place"
            )
    return tensors


class _Optimizer:
    """What SGD and Adam share: the parameter list, per-parameter state, `zero_grad`."""

    def __init__(self, params, func: str) -> None:
        self.params = _parameters(params, func)
        self.state: dict[torch.Tensor, dict] = {p: {} for p in self.params}

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward pass (set them to None, as torch does)."""
        for p in self.params:
            p.grad = None

    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Update every parameter that has a gradient; `closure` (optional) recomputes the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    self._update(p, p.grad, self.state[p])
        return loss

    def _update(self, p: torch.Tensor, grad: torch.Tensor, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError


class SGD(_Optimizer):
    """Stochastic gradient descent, with optional momentum, as `torch.optim.SGD` (optimizers).

    For every parameter `w` with gradient `g`::

        g = g + weight_decay * w           # only when weight_decay > 0
        velocity = momentum * velocity + g # velocity starts at 0; only when momentum > 0
        w = w - lr * velocity              # or w - lr * g without momentum

    This is torch's rule with dampening 0 and nesterov False. `state[p]["velocity"]` holds
    each parameter's velocity.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        lr = as_number(lr, "lr", "SGD")
        momentum = as_number(momentum, "momentum", "SGD")
        weight_decay = as_number(weight_decay, "weight_decay", "SGD")
        if lr <= 0:
            raise ValueError(f"SGD: `lr` must be > 0, got {lr}")
        if momentum < 0:
            raise ValueError(f"SGD: `momentum` must be >= 0, got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: `weight_decay` must be >= 0, got {weight_decay}")
        super().__init__(params, "SGD")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay

    def _update(self, p: torch.Tensor, grad: torch.Tensor, state: dict) -> None:
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * p
        if self.momentum != 0:
            velocity = state.get("velocity", torch.zeros_like(p))
            velocity = self.momentum * velocity + grad
            state["velocity"] = velocity
            grad = velocity
        p -= self.lr * grad

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(_Optimizer):
    """Adam with bias correction, as `torch.optim.Adam` (optimizers).

    For every parameter `w` with gradient `g`, at each step `t = 1, 2, ...`::

        g = g + weight_decay * w         # only when weight_decay > 0; L2, not AdamW
        m = beta1 * m + (1 - beta1) * g  # running mean of the gradient
        v = beta2 * v + (1 - beta2) * g * g  # running mean of its square
        m_hat = m / (1 - beta1 ** t)     # bias correction: m and v start at 0
        v_hat = v / (1 - beta2 ** t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    `state[p]` holds "t", "m" and "v" for each parameter.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        lr = as_number(lr, "lr", "Adam")
        if isinstance(betas, str) or not isinstance(betas, Iterable) or len(tuple(betas)) != 2:
            raise TypeError(f"Adam: `betas` must be a pair (beta1, beta2), got {betas!r}")
        beta1, beta2 = (as_number(b, "betas", "Adam") for b in betas)
        eps = as_number(eps, "eps", "Adam")
        weight_decay = as_number(weight_decay, "weight_decay", "Adam")
        if lr <= 0:
            raise ValueError(f"Adam: `lr` must be > 0, got {lr}")
        for beta in (beta1, beta2):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: each of `betas` must be in [0, 1), got {tuple(betas)}")
        if eps <= 0:
            raise ValueError(f"Adam: `eps` must be > 0, got {eps}")
        if weight_decay < 0:
            raise ValueError(f"Adam: `weight_decay` must be >= 0, got {weight_decay}")
        super().__init__(params, "Adam")
        self.lr, self.betas, self.eps, self.weight_decay = lr, (beta1, beta2), eps, weight_decay

    def _update(self, p: torch.Tensor, grad: torch.Tensor, state: dict) -> None:
        beta1, beta2 = self.betas
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * p
        if not state:
            state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
        state["t"] += 1
        t = state["t"]
        state["m"] = beta1 * state["m"] + (1 - beta1) * grad
        state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, "
            f"weight_decay={self.weight_decay})"
        )


# --- 2-D test surfaces -------------------------------------------------------------------


class Surface:
    """A loss surface over points (x, y), with a known minimum and a plotting range (optimizers).

    Subclasses define `formula(x, y)` with torch operations that work elementwise. Then:
    `surface(point)` is the loss at a tensor point of shape (2,), differentiable;
    `surface.value(points)` and `surface.gradient(points)` take arrays of shape (..., 2);
    `surface.grid(n)` gives X, Y, Z arrays for a contour plot.
    """

    name: str = "surface"
    minimum: tuple[float, float] = (0.0, 0.0)
    xlim: tuple[float, float] = (-1.0, 1.0)
    ylim: tuple[float, float] = (-1.0, 1.0)
    start: tuple[float, float] = (0.5, 0.5)

    def formula(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        """The loss as a function of coordinates x and y (elementwise torch operations)."""
        raise NotImplementedError

    def __call__(self, point: torch.Tensor) -> torch.Tensor:
        """The loss at `point`, a tensor of shape (..., 2) holding (x, y) pairs."""
        if not isinstance(point, torch.Tensor):
            raise TypeError(
                f"{self.name}: `point` must be a tensor of shape (..., 2), "
                f"got {type(point).__name__}"
            )
        if point.shape[-1:] != (2,):
            raise ValueError(
                f"{self.name}: `point` must have shape (..., 2), got {tuple(point.shape)}"
            )
        return self.formula(point[..., 0], point[..., 1])

    def _points(self, points) -> torch.Tensor:
        array = np.asarray(
            points.detach().cpu() if isinstance(points, torch.Tensor) else points, dtype=np.float64
        )
        if array.shape[-1:] != (2,):
            raise ValueError(f"{self.name}: `points` must have shape (..., 2), got {array.shape}")
        return torch.from_numpy(array.copy())

    def value(self, points: np.ndarray | torch.Tensor) -> np.ndarray:
        """The loss at one point (2,) or many (..., 2), as a float64 NumPy array."""
        with torch.no_grad():
            return self(self._points(points)).numpy()

    def gradient(self, points: np.ndarray | torch.Tensor) -> np.ndarray:
        """The gradient (d/dx, d/dy) at points of shape (..., 2), by torch autograd."""
        xy = self._points(points).requires_grad_(True)
        (grad,) = torch.autograd.grad(self(xy).sum(), xy)
        return grad.numpy()

    def grid(self, n: int = 150) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """X, Y and loss Z on an n x n grid over `xlim` x `ylim`, ready for `contourf`."""
        n = as_int(n, "n", f"{self.name}.grid", minimum=2, not_int=ValueError)
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.value(np.stack([X, Y], axis=-1))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(minimum={self.minimum})"


class IllConditionedBowl(Surface):
    """The quadratic bowl 0.5 * (a x^2 + b y^2): b/a times steeper along y than x (optimizers)."""

    name = "ill-conditioned bowl"
    xlim = (-6.0, 6.0)
    ylim = (-3.0, 3.0)
    start = (-5.0, 2.0)

    def __init__(self, a: float = 1.0, b: float = 20.0) -> None:
        self.a = as_number(a, "a", "IllConditionedBowl")
        self.b = as_number(b, "b", "IllConditionedBowl")
        if self.a <= 0 or self.b <= 0:
            raise ValueError(
                f"IllConditionedBowl: curvatures `a` and `b` must be > 0, got {a}, {b}"
            )

    def formula(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """0.5 * (a x^2 + b y^2)."""
        return 0.5 * (self.a * x**2 + self.b * y**2)

    @property
    def condition_number(self) -> float:
        """Largest over smallest curvature, max(a, b) / min(a, b)."""
        return max(self.a, self.b) / min(self.a, self.b)


class Rosenbrock(Surface):
    """Rosenbrock's banana valley (a - x)^2 + b (y - x^2)^2, minimum at (a, a^2) (optimizers)."""

    name = "Rosenbrock"
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)
    start = (-1.5, 2.5)

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a = as_number(a, "a", "Rosenbrock")
        self.b = as_number(b, "b", "Rosenbrock")
        if self.b <= 0:
            raise ValueError(f"Rosenbrock: `b` must be > 0, got {b}")
        self.minimum = (self.a, self.a**2)

    def formula(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(a - x)^2 + b (y - x^2)^2."""
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2


class PlateauSurface(Surface):
    """A gently sloping plateau, a shallow local minimum, then the deep global one (optimizers).

    Along x the loss falls slowly (slope 0.05) across a plateau, dips into a shallow well near
    x = -0.5, rises over a low ridge, falls into the deep well near x = 2, and climbs a wall
    beyond x = 3; along y it is a gentle valley 0.1 y^2. Plain gradient descent crawls on the
    plateau; a little momentum stops in the shallow well; more momentum carries the iterate
    across both. `minimum` and `local_minimum` are found numerically (Newton's method).
    """

    name = "plateau and shallow minimum"
    xlim = (-5.0, 4.0)
    ylim = (-2.5, 2.5)
    start = (-4.5, 2.0)

    def __init__(self) -> None:
        self.minimum = (self._refine(2.0), 0.0)
        self.local_minimum = (self._refine(-0.5), 0.0)

    def formula(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Slope + wall + shallow well + deep well along x, plus the valley 0.1 y^2."""
        slope = 0.05 * (2.0 - x)
        wall = 0.15 * torch.nn.functional.softplus(2.0 * (x - 3.0))
        shallow_well = 0.12 * torch.exp(-((x + 0.5) ** 2) / 0.18)
        deep_well = torch.exp(-((x - 2.0) ** 2) / 0.5)
        return slope + wall - shallow_well - deep_well + 0.1 * y**2

    def _refine(self, x0: float, iterations: int = 20) -> float:
        """The minimum of the x-profile (at y = 0) nearest `x0`, by Newton's method."""
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        for _ in range(iterations):
            (slope,) = torch.autograd.grad(
                self.formula(x, torch.zeros_like(x)), x, create_graph=True
            )
            (curvature,) = torch.autograd.grad(slope, x)
            with torch.no_grad():
                x -= slope / curvature
        return float(x.detach())


def run_optimizer(
    surface: Surface,
    optimizer_class: type,
    steps: int,
    start: tuple[float, float] | None = None,
    **hyperparameters,
) -> np.ndarray:
    """Follow `optimizer_class(**hyperparameters)` for `steps` steps on `surface` (optimizers).

    `optimizer_class` is `SGD`, `Adam`, or any class built like `torch.optim` optimizers
    (`torch.optim.SGD` works too). The point starts at `start` (default `surface.start`) and
    is float64. Returns the trajectory as an array of shape (steps + 1, 2), start included.
    """
    if not isinstance(surface, Surface):
        raise TypeError(f"run_optimizer: `surface` must be a Surface, got {type(surface).__name__}")
    if not callable(optimizer_class):
        raise TypeError(
            f"run_optimizer: `optimizer_class` must be an optimizer class, got {optimizer_class!r}"
        )
    steps = as_int(steps, "steps", "run_optimizer", minimum=1)
    start = surface.start if start is None else start
    if not (
        isinstance(start, tuple | list | np.ndarray | torch.Tensor)
        and all(isinstance(v, int | float | np.number | torch.Tensor) for v in start)
        and not any(isinstance(v, bool) for v in start)
    ):
        raise TypeError(f"run_optimizer: `start` must be a point (x, y) of numbers, got {start!r}")
    start_array = np.asarray(start, dtype=np.float64)
    if start_array.shape != (2,) or not np.all(np.isfinite(start_array)):
        raise ValueError(f"run_optimizer: `start` must be a finite point (x, y), got {start!r}")
    point = torch.tensor(start_array, dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_class([point], **hyperparameters)
    trajectory = np.empty((steps + 1, 2))
    trajectory[0] = start_array
    for i in range(1, steps + 1):
        optimizer.zero_grad()
        surface(point).backward()
        optimizer.step()
        trajectory[i] = point.detach().numpy()
    return trajectory

"""Exercise checks of the optimizers chapter: momentum, a learning rate, Adam's correction."""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.i18n import N_, _
from course_utils.optimizers import SGD, IllConditionedBowl, run_optimizer

from ._feedback import Feedback, _compare, exercise, read_pair

__all__ = ["check_momentum_step", "check_bowl_learning_rate", "check_adam_bias_correction"]

_MOMENTUM_CASE = {  # ex-momentum-step
    "w": np.array([1.0, -2.0]),
    "velocity": np.array([0.5, 0.5]),
    "grad": np.array([0.2, -0.4]),
    "lr": 0.1,
    "momentum": 0.9,
}


def _momentum_hint(new_w: np.ndarray, new_velocity: np.ndarray) -> str | None:
    """What a wrong momentum step of ex-momentum-step most likely did, if it is a known slip."""
    c = _MOMENTUM_CASE
    velocity = c["momentum"] * c["velocity"] + c["grad"]

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9))

    if close(new_velocity, c["momentum"] * c["velocity"] - c["lr"] * c["grad"]):
        return _(
            "that is the other convention, v = momentum * v - lr * grad and w = w + v. "
            "torch.optim.SGD uses v = momentum * v + grad, then w = w - lr * v."
        )
    if close(new_w, c["w"] - c["lr"] * c["grad"]):
        return _(
            "that is a plain gradient-descent step: step along the new velocity, not along "
            "the gradient alone."
        )
    if close(new_velocity, c["momentum"] * c["velocity"] + (1 - c["momentum"]) * c["grad"]):
        return _(
            "you scaled the gradient by (1 - momentum): torch.optim.SGD adds the whole "
            "gradient (dampening 0)."
        )
    if close(new_velocity, velocity) and close(new_w, c["w"] - c["lr"] * c["velocity"]):
        return _(
            "the velocity is right, but you stepped with the old one: update the velocity "
            "first, then step with the new velocity."
        )
    if close(new_velocity, velocity) and close(new_w, c["w"] + c["lr"] * velocity):
        return _("the velocity is right, but the step goes uphill: subtract lr * velocity.")
    return None


@exercise(N_("the pair (new_w, new_velocity)"), pair=True)
def check_momentum_step(answer: Any) -> Feedback:
    """Exercise ex-momentum-step: one step of SGD with momentum, torch's rule."""
    new_w, new_velocity = read_pair(answer, ("new_w", "new_velocity"))
    c = _MOMENTUM_CASE
    expected_velocity = c["momentum"] * c["velocity"] + c["grad"]
    expected_w = c["w"] - c["lr"] * expected_velocity
    if new_w.shape == expected_w.shape and new_velocity.shape == expected_velocity.shape:
        hint = _momentum_hint(new_w, new_velocity)
        if hint is not None:
            return Feedback(False, hint)
    velocity_feedback = _compare(new_velocity, expected_velocity, "new_velocity", "")
    if not velocity_feedback:
        return Feedback(
            False, velocity_feedback.message + _(" The new velocity is momentum * velocity + grad.")
        )
    return _compare(
        new_w,
        expected_w,
        "new_w",
        _(
            "velocity = 0.9 * [0.5, 0.5] + [0.2, -0.4] = [0.65, 0.05], then w = w - 0.1 * "
            "velocity = [0.935, -2.005]."
        ),
    )


@exercise(N_("a learning rate, a positive number"))
def check_bowl_learning_rate(lr: Any) -> Feedback:
    """Exercise ex-learning-rate: a rate solving the b = 25 bowl in 100 steps."""
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating):
        return Feedback(
            False,
            _("the learning rate should be a number, got {type}.").format(type=type(lr).__name__),
        )
    if not np.isfinite(lr) or lr <= 0:
        return Feedback(
            False, _("the learning rate must be a positive number, got {lr}.").format(lr=lr)
        )
    bowl, steps, tolerance = IllConditionedBowl(a=1.0, b=25.0), 100, 1e-3
    path = run_optimizer(bowl, SGD, steps, lr=float(lr))
    losses = bowl.value(path)
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return Feedback(
            False,
            _(
                "with lr = {lr:g} gradient descent diverges: each step overshoots the steep "
                "y-direction by more than it gains. Stay below 2 / b = {bowl_b:g}."
            ).format(lr=lr, bowl_b=2 / bowl.b),
        )
    if losses[-1] >= tolerance:
        x, y = path[-1]
        if 0.5 * bowl.b * y**2 > 0.5 * bowl.a * x**2:
            return Feedback(
                False,
                _(
                    "loss {losses:.3g} after {steps} steps: the steep y-direction still zig-zags, "
                    "since |1 - 25 lr| = {factor:.3f} is close to 1. Go a little lower."
                ).format(losses=losses[-1], steps=steps, factor=abs(1 - bowl.b * lr)),
            )
        return Feedback(
            False,
            _(
                "loss {losses:.3g} after {steps} steps: too slow along the flat x-direction, "
                "which shrinks only by 1 - lr = {lr:.3f} per step. Go higher."
            ).format(losses=losses[-1], steps=steps, lr=1 - lr),
        )
    first = int(np.nonzero(losses < tolerance)[0][0])
    return Feedback(
        True,
        _(
            "with lr = {lr:g} the loss is below {tolerance:g} after {first} steps "
            "({losses:.2g} after {steps})."
        ).format(lr=lr, tolerance=tolerance, first=first, losses=losses[-1], steps=steps),
    )


def _adam_averages() -> tuple[list[float], float, float, float, float]:
    """Gradients 4, 2, 1 of ex-bias-correction: (gradients, m, v, beta1, beta2)."""
    gradients, beta1, beta2 = [4.0, 2.0, 1.0], 0.9, 0.999
    m = v = 0.0
    for g in gradients:
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
    return gradients, m, v, beta1, beta2


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _check_m_hat(m_hat: float, v_hat: float) -> str | None:
    """What is wrong with m_hat of ex-bias-correction (or with both), if anything."""
    gradients, m, v, beta1, _skip = _adam_averages()
    t = len(gradients)
    if _close(m_hat, m) or _close(v_hat, v):
        return _(
            "that is the raw average (m = {m:.4f}, v = {v:.6f}): the bias correction "
            "divides m by 1 - beta1**t and v by 1 - beta2**t, with t = 3."
        ).format(m=m, v=v)
    if _close(m_hat, sum(gradients) / t):
        return _(
            "that is the plain mean of the gradients; Adam's average weights recent "
            "gradients more: m = beta1 * m + (1 - beta1) * g at each step."
        )
    if not _close(m_hat, m / (1 - beta1**t)):
        for wrong_t in (1, 2, 4):
            if _close(m_hat, m / (1 - beta1**wrong_t)):
                return _(
                    "you divided by 1 - beta1**{wrong_t}; after the third gradient t = 3."
                ).format(wrong_t=wrong_t)
        return _(
            "m_hat is not right yet: run m = 0.9 * m + 0.1 * g over the three gradients, "
            "then divide by 1 - 0.9**3."
        )
    return None


@exercise(N_("the pair (m_hat, v_hat)"), pair=True)
def check_adam_bias_correction(answer: Any) -> Feedback:
    """Exercise ex-bias-correction: Adam's m_hat, v_hat after gradients 4, 2, 1."""
    pair = read_pair(answer, ("m_hat", "v_hat"))
    m_hat, v_hat = (float(a.reshape(-1)[0]) if a.size == 1 else None for a in pair)
    if m_hat is None or v_hat is None:
        return Feedback(False, _("`m_hat` and `v_hat` should each be one number."))
    gradients, m, v, beta1, beta2 = _adam_averages()
    t = len(gradients)
    expected_m, expected_v = m / (1 - beta1**t), v / (1 - beta2**t)
    wrong = _check_m_hat(m_hat, v_hat)
    if wrong is not None:
        return Feedback(False, wrong)
    if _close(v_hat, np.sqrt(expected_v)):
        return Feedback(
            False,
            _(
                "m_hat is right; v_hat is the corrected average of g**2 itself, not its square "
                "root."
            ),
        )
    if not _close(v_hat, expected_v):
        return Feedback(
            False,
            _(
                "m_hat is right; for v_hat run v = 0.999 * v + 0.001 * g**2, then divide by 1 "
                "- 0.999**3."
            ),
        )
    return Feedback(
        True,
        _(
            "m_hat = {expected_m:.4f} and v_hat = {expected_v:.4f}: the corrected averages "
            "weight the latest gradients most, and neither is pulled towards the zero "
            "start."
        ).format(expected_m=expected_m, expected_v=expected_v),
    )

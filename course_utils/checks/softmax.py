"""Exercise checks of the chapter on fully connected layers and softmax."""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.i18n import N_, _
from course_utils.ops import log_softmax, softmax

from ._by_hand import refuse_in_function
from ._feedback import (
    Feedback,
    NotYet,
    _compare,
    check_callable,
    exercise,
    learner_call,
    read_array,
    second_part,
)

__all__ = ["check_softmax_probabilities", "check_log_softmax_function", "check_cross_entropy"]


@exercise(N_("your three probabilities"))
def check_softmax_probabilities(answer: Any) -> Feedback:
    """Exercise ex-softmax: the softmax of the logits (2.0, 1.0, 0.1)."""
    array = read_array(answer, "answer")
    z = np.array([2.0, 1.0, 0.1])
    expected = np.exp(z) / np.exp(z).sum()
    array = array.reshape(-1) if array.size == 3 else array
    if array.shape == expected.shape:
        if np.allclose(array, z / z.sum(), atol=1e-4):
            return Feedback(
                False, _("you divided the logits by their sum; exponentiate them first.")
            )
        if np.allclose(array, np.exp(z), atol=1e-4):
            return Feedback(
                False, _("those are exp(z); divide them by their sum so they add up to 1.")
            )
        if np.all(np.isfinite(array)) and not np.isclose(array.sum(), 1.0, atol=1e-4):
            return Feedback(
                False,
                _("your values sum to {array_sum:.4g}; probabilities must sum to 1.").format(
                    array_sum=array.sum()
                ),
            )
    return _compare(
        array,
        expected,
        "answer",
        _("softmax(2.0, 1.0, 0.1) = (0.659, 0.242, 0.099): the largest logit gets two thirds."),
        atol=1e-4,
    )


def _log_softmax_cases() -> list[tuple[str, np.ndarray]]:
    """Test inputs for ex-log-softmax: (description, logits of shape (batch, classes))."""
    rng = np.random.default_rng(3)
    return [
        (_("one row of small logits"), np.array([[2.0, 1.0, 0.1]])),
        (_("a (5, 10) batch of random logits"), rng.normal(scale=3.0, size=(5, 10))),
        (_("logits of +-1000"), np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1001.0, -1002.0]])),
        (_("a (4, 2) batch of equal logits"), np.full((4, 2), 7.0)),
    ]


def _check_log_softmax_case(func: Any, about: str, logits: np.ndarray) -> None:
    """One case of ex-log-softmax: stop with the reason if `func(logits)` is not right."""
    expected = log_softmax(logits, axis=1)
    with np.errstate(all="ignore"):  # a naive version overflows; report it as feedback
        answer = learner_call(_("for {about} it").format(about=about), func, logits.copy())
    if answer is None:
        raise NotYet(
            _(
                "for {about} it returned None; return the log-probabilities (shape "
                "{expected_shape})."
            ).format(about=about, expected_shape=expected.shape)
        )
    array = read_array(answer, "output", finite=False)
    if not np.all(np.isfinite(array)):
        raise NotYet(
            _(
                "for {about} it returns inf or nan: exp overflows (or log(0) appears). "
                "Subtract each row's maximum before exponentiating."
            ).format(about=about)
        )
    if (
        array.shape == expected.shape
        and np.allclose(array, log_softmax(logits, axis=0), atol=1e-6)
        and not np.allclose(array, expected, atol=1e-6)
    ):
        raise NotYet(
            _(
                "for {about} you normalised down the columns (axis 0); normalise each row, "
                "over the classes (axis 1)."
            ).format(about=about)
        )
    if array.shape == expected.shape and np.allclose(array, logits, atol=1e-6):
        raise NotYet(
            _("for {about} the output equals the input; subtract the log-sum-exp.").format(
                about=about
            )
        )
    verdict = _compare(array, expected, "output", "", atol=1e-6)
    if not verdict:
        raise NotYet(_("for {about}: {message}").format(about=about, message=verdict.message))


def _library_log_softmax() -> dict[str, str]:
    """The library operations ex-log-softmax refuses, each with the reason shown."""
    names = ("log_softmax", "LogSoftmax", "logsumexp")
    return {
        name: _(
            "your function calls `{name}`, which does the stable part for you. This "
            "exercise is for writing it with NumPy: subtract each row's maximum, then the "
            "log of the sum of the exponentials, so that you see why nothing overflows."
        ).format(name=name)
        for name in names
    }


@exercise(N_("your function"))
def check_log_softmax_function(func: Any) -> Feedback:
    """Exercise ex-log-softmax: a stable `func(logits)` over each row of (N, K)."""
    check_callable(func)
    refuse_in_function(func, _library_log_softmax())
    for about, logits in _log_softmax_cases():
        _check_log_softmax_case(func, about, logits)
    return Feedback(
        True, _("it matches course_utils.ops.log_softmax on 4 cases, logits of +-1000 included.")
    )


def _cross_entropy_case() -> tuple[np.ndarray, np.ndarray]:
    """The logits and targets of ex-cross-entropy."""
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    return logits, np.array([0, 2, 1])


def _cross_entropy_hint(value: float) -> str:
    """What a wrong mean of ex-cross-entropy most likely did."""
    logits, targets = _cross_entropy_case()
    rows = np.arange(len(targets))
    losses = -log_softmax(logits, axis=1)[rows, targets]
    hints = [
        (float(losses.sum()), _("that is the sum over the batch; take the mean.")),
        (
            -float(losses.mean()),
            _("the sign is flipped: the loss is minus the log-probability, so it is positive."),
        ),
        (
            float(-np.log(softmax(logits, axis=0))[rows, targets].mean()),
            _("you normalised down the columns; the softmax runs over each row (the classes)."),
        ),
        (
            float(-log_softmax(logits, axis=1).max(axis=1).mean()),
            _("you used each row's largest probability; use the probability of the correct class."),
        ),
        (
            float(-np.log(softmax(logits, axis=1)[rows, targets]).sum() / logits.size),
            _("you divided by the number of logits (9); divide by the number of examples (3)."),
        ),
    ]
    for wrong, hint in hints:
        if abs(value - wrong) <= 1e-4:
            return hint
    return _(
        "got {value:.4g}; average -log p_y over the 3 examples, with p = softmax of each row."
    ).format(value=value)


def _check_per_example(learner_losses: Any, per_example: np.ndarray) -> None:
    """The second part of ex-cross-entropy, once the mean is right: the per-example losses."""
    with second_part(_("the mean is right; ")):
        losses = read_array(learner_losses, "per_example")
        if losses.shape != per_example.shape:
            raise NotYet(
                _(
                    "`per_example` should hold {n} losses, one per example, got shape "
                    "{losses_shape}."
                ).format(n=len(per_example), losses_shape=losses.shape)
            )
    if np.max(np.abs(losses - per_example)) > 1e-4:
        raise NotYet(_per_example_hint(losses, per_example))


def _per_example_hint(losses: np.ndarray, per_example: np.ndarray) -> str:
    """What is wrong with per-example losses of ex-cross-entropy, without giving them away."""
    start = _("the mean is right, but ")
    if np.allclose(losses, -per_example, atol=1e-4):
        return start + _("each loss has its sign flipped: the loss is -log p_y, positive.")
    if np.allclose(losses, np.exp(-per_example), atol=1e-4):
        return start + _("those are the probabilities p_y; each loss is -log p_y.")
    if np.allclose(np.sort(losses), np.sort(per_example), atol=1e-4):
        return start + _("the losses are in another order: keep the order of the examples.")
    wrong = [str(i) for i in np.flatnonzero(np.abs(losses - per_example) > 1e-4)]
    return start + _(
        "`per_example` at index {indices} is not -log p_y of that row, with p = the "
        "softmax of the row and y its target."
    ).format(indices=", ".join(wrong))


@exercise(N_("the mean cross-entropy, a number"))
def check_cross_entropy(answer: Any, per_example: Any) -> Feedback:
    """Exercise ex-cross-entropy: a 3x3 batch's losses and their mean."""
    array = read_array(answer, "answer")
    if array.size != 1:
        return Feedback(
            False,
            _("`answer` should be one number (the mean over the batch), got shape {shape}.").format(
                shape=array.shape
            ),
        )
    value = float(array.reshape(-1)[0])
    logits, targets = _cross_entropy_case()
    losses = -log_softmax(logits, axis=1)[np.arange(len(targets)), targets]
    expected = float(losses.mean())
    if abs(value - expected) > 1e-4:
        return Feedback(False, _cross_entropy_hint(value))
    if per_example is None:
        return Feedback(
            False,
            _(
                "the mean is right; now replace `None` in `per_example` with the three "
                "per-example losses."
            ),
        )
    _check_per_example(per_example, losses)
    return Feedback(
        True,
        _(
            "mean cross-entropy {expected:.4f}; the second example (loss {losses:.2f}) "
            "dominates, since it favours the wrong class."
        ).format(expected=expected, losses=losses[1]),
    )

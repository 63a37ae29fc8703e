"""Exercise checks of the optimizers chapter: right answers pass, typical mistakes are named."""

import numpy as np
import pytest
import torch

from course_utils.checks import (
    check_adam_bias_correction,
    check_bowl_learning_rate,
    check_momentum_step,
)

W, VELOCITY, GRAD, LR, MOMENTUM = (
    np.array([1.0, -2.0]),
    np.array([0.5, 0.5]),
    np.array([0.2, -0.4]),
    0.1,
    0.9,
)


def _torch_momentum_step():
    """The reference: torch.optim.SGD after a first step that leaves exactly VELOCITY behind."""
    w = torch.tensor(W + LR * VELOCITY, requires_grad=True, dtype=torch.float64)
    optimizer = torch.optim.SGD([w], lr=LR, momentum=MOMENTUM)
    w.grad = torch.tensor(VELOCITY)  # first step: the buffer becomes the gradient, w moves to W
    optimizer.step()
    w.grad = torch.tensor(GRAD)
    optimizer.step()
    return w.detach().numpy(), optimizer.state[w]["momentum_buffer"].numpy()


def test_momentum_step_right_answer_matches_torch():
    new_w, new_velocity = _torch_momentum_step()
    np.testing.assert_allclose(new_w, [0.935, -2.005])
    feedback = check_momentum_step((new_w, new_velocity))
    assert feedback, feedback
    assert check_momentum_step((torch.tensor(new_w), list(new_velocity)))


@pytest.mark.parametrize(
    "answer, words",
    [
        (None, "replace `None`"),
        ((None, None), "replace `None`"),
        (3.0, "should be the pair"),
        (("a", "b"), "array of numbers"),
        ((W - LR * GRAD, MOMENTUM * VELOCITY + GRAD), "plain gradient-descent"),
        (
            (W + MOMENTUM * VELOCITY - LR * GRAD, MOMENTUM * VELOCITY - LR * GRAD),
            "other convention",
        ),
        (
            (W - LR * (MOMENTUM * VELOCITY + 0.1 * GRAD), MOMENTUM * VELOCITY + 0.1 * GRAD),
            "dampening",
        ),
        ((W - LR * VELOCITY, MOMENTUM * VELOCITY + GRAD), "old one"),
        ((W + LR * (MOMENTUM * VELOCITY + GRAD), MOMENTUM * VELOCITY + GRAD), "uphill"),
        ((W, GRAD), "new velocity is momentum"),
        ((np.zeros(3), MOMENTUM * VELOCITY + GRAD), "shape"),
        ((W, MOMENTUM * VELOCITY + GRAD), "values differ"),
    ],
)
def test_momentum_step_mistakes(answer, words):
    feedback = check_momentum_step(answer)
    assert not feedback
    assert words in feedback.message


def test_bowl_learning_rate():
    good = check_bowl_learning_rate(2 / 26)
    assert good and "below 0.001" in good.message
    assert check_bowl_learning_rate(np.float64(0.06))
    assert "replace `None`" in check_bowl_learning_rate(None).message
    assert "number" in check_bowl_learning_rate("0.05").message
    assert "number" in check_bowl_learning_rate(True).message
    assert "positive" in check_bowl_learning_rate(-0.01).message
    assert "positive" in check_bowl_learning_rate(float("inf")).message
    for diverging in (0.081, 0.2, 1e6):
        feedback = check_bowl_learning_rate(diverging)
        assert not feedback and "diverges" in feedback.message
    slow = check_bowl_learning_rate(0.01)
    assert not slow and "Go higher" in slow.message
    zigzag = check_bowl_learning_rate(0.0795)
    assert not zigzag and "zig-zags" in zigzag.message


def _adam_reference():
    """m_hat and v_hat from torch.optim.Adam's own state after the gradients 4, 2, 1."""
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=1e-3, betas=(0.9, 0.999))
    for g in (4.0, 2.0, 1.0):
        w.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
    state = optimizer.state[w]
    t = int(state["step"])
    return (
        state["exp_avg"].item() / (1 - 0.9**t),
        state["exp_avg_sq"].item() / (1 - 0.999**t),
        state["exp_avg"].item(),
        state["exp_avg_sq"].item(),
    )


def test_adam_bias_correction_right_answer_matches_torch():
    m_hat, v_hat, _, _ = _adam_reference()
    assert m_hat == pytest.approx(0.604 / 0.271)
    feedback = check_adam_bias_correction((m_hat, v_hat))
    assert feedback, feedback
    assert check_adam_bias_correction([np.array([m_hat]), torch.tensor(v_hat)])


@pytest.mark.parametrize(
    "kind, words",
    [
        ("none", "replace `None`"),
        ("raw", "raw average"),
        ("mean", "plain mean"),
        ("t2", "1 - beta1**2"),
        ("m_wrong", "m_hat is not right"),
        ("sqrt", "not its square root"),
        ("v_wrong", "for v_hat"),
        ("arrays", "one number"),
    ],
)
def test_adam_bias_correction_mistakes(kind, words):
    m_hat, v_hat, m, v = _adam_reference()
    answer = {
        "none": (None, None),
        "raw": (m, v),
        "mean": (7 / 3, v_hat),
        "t2": (m / (1 - 0.9**2), v_hat),
        "m_wrong": (1.0, v_hat),
        "sqrt": (m_hat, np.sqrt(v_hat)),
        "v_wrong": (m_hat, 1.0),
        "arrays": ([m_hat, m_hat], v_hat),
    }[kind]
    feedback = check_adam_bias_correction(answer)
    assert not feedback
    assert words in feedback.message

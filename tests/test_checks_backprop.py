"""The backpropagation exercise checks: right answers pass; wrong ones fail with a clear message."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.checks import backprop as checks
from course_utils.checks import check_he_std

# --- ex-max-pool-routing --------------------------------------------------------------------


def _max_pool_by_autograd() -> np.ndarray:
    x = torch.tensor(checks.MAX_POOL_INPUT[None, None], requires_grad=True)
    upstream = torch.tensor(checks.MAX_POOL_UPSTREAM[None, None])
    (F.max_pool2d(x, 2) * upstream).sum().backward()
    return x.grad[0, 0].numpy()


def test_max_pool_routing_accepts_autograds_answer():
    feedback = checks.check_max_pool_routing(_max_pool_by_autograd())
    assert feedback, feedback.message
    assert checks.check_max_pool_routing(torch.tensor(_max_pool_by_autograd()))


@pytest.mark.parametrize(
    "answer,needle",
    [
        (None, "replace `None`"),
        (np.full((4, 4), np.nan), "NaN"),
        (np.zeros((2, 2)), "shape (2, 2)"),
        (np.kron(checks.MAX_POOL_UPSTREAM, np.ones((2, 2))) / 4, "average pooling"),
        ("four", "array of numbers"),
        (np.zeros((4, 4)), "values differ"),
    ],
)
def test_max_pool_routing_refuses_wrong_answers(answer, needle):
    feedback = checks.check_max_pool_routing(answer)
    assert not feedback
    assert needle in feedback.message


def _with_tie_shares(first: float, second: float) -> np.ndarray:
    answer = _max_pool_by_autograd()
    upstream = answer[2, 2]
    answer[2, 2], answer[2, 3] = first * upstream, second * upstream
    return answer


@pytest.mark.parametrize("shares", [(0.5, 0.5), (0.0, 1.0), (0.25, 0.75)])
def test_max_pool_routing_accepts_any_split_of_the_tie_and_teaches_it(shares):
    # a split of a tie is a valid subgradient: accepted, with what PyTorch picks
    feedback = checks.check_max_pool_routing(_with_tie_shares(*shares))
    assert feedback, feedback.message
    assert "no derivative at a tie" in feedback.message
    assert "PyTorch picks one" in feedback.message and "autograd would give (1, 0)" in (
        feedback.message
    )


def test_max_pool_routing_teaches_the_tie_to_pytorchs_answer_too():
    feedback = checks.check_max_pool_routing(_max_pool_by_autograd())
    assert feedback and "no derivative at a tie" in feedback.message
    assert "as PyTorch does" in feedback.message


@pytest.mark.parametrize(
    "shares, needle",
    [
        ((1.0, 1.0), "counts it twice"),
        ((0.5, 0.0), "do not add up to 1"),
        ((1.5, -0.5), "include a negative"),
    ],
)
def test_max_pool_routing_refuses_a_tie_split_that_is_no_subgradient(shares, needle):
    feedback = checks.check_max_pool_routing(_with_tie_shares(*shares))
    assert not feedback and needle in feedback.message
    assert "no derivative at a tie" in feedback.message


# --- ex-gradient-check ----------------------------------------------------------------------


def _central_differences(h: float) -> np.ndarray:
    v = checks.GRADIENT_CHECK_POINT
    grad = np.zeros_like(v)
    for i in range(v.size):
        step = np.zeros_like(v)
        step[i] = h
        f = checks.gradient_check_function
        grad[i] = (f(v + step) - f(v - step)) / (2 * h)
    return grad


def test_numerical_gradient_accepts_central_differences_and_the_right_verdict():
    feedback = checks.check_numerical_gradient(_central_differences(1e-5), False)
    assert feedback, feedback.message


def test_numerical_gradient_refuses_the_analytic_formula():
    # the shortcut: the exact derivative exp(v) (1 + v), or autograd's, instead of an estimate
    v = checks.GRADIENT_CHECK_POINT
    exact = np.exp(v) * (1 + v)
    w = torch.tensor(v, requires_grad=True)
    (torch.exp(w) * w).sum().backward()
    for shortcut in (exact, w.grad.numpy()):
        feedback = checks.check_numerical_gradient(shortcut, False)
        assert not feedback and "not a numerical estimate" in feedback.message
    for h in (1e-4, 1e-5, 1e-6):  # honest central differences, whatever the usual step
        assert checks.check_numerical_gradient(_central_differences(h), False)


def test_numerical_gradient_refuses_the_chapters_function(monkeypatch):
    from course_utils.checks import _by_hand

    answer = _central_differences(1e-5)
    cells = [
        "numeric_grad = None\ncheck_numerical_gradient(numeric_grad, analytic_is_right)",
        "numeric_grad = numerical_gradient(gradient_check_function, point)\n"
        "check_numerical_gradient(numeric_grad, False)",
    ]
    namespace = {"In": ["", *cells], "numeric_grad": answer}
    monkeypatch.setattr(_by_hand, "_namespace", lambda: namespace)
    feedback = checks.check_numerical_gradient(answer, False)
    assert not feedback and "`numerical_gradient`" in feedback.message
    namespace["In"][2] = (
        "numeric_grad = estimate(point)\ncheck_numerical_gradient(numeric_grad, False)"
    )
    assert checks.check_numerical_gradient(answer, False)


def test_numerical_gradient_matches_autograd():
    v = torch.tensor(checks.GRADIENT_CHECK_POINT, requires_grad=True)
    (torch.exp(v) * v).sum().backward()
    assert np.abs(_central_differences(1e-5) - v.grad.numpy()).max() < 1e-8


@pytest.mark.parametrize(
    "numeric,verdict,needle",
    [
        (None, False, "replace `None`"),
        ("grad", None, "replace `None`"),
        (np.array([np.nan, 0.0, 0.0]), False, "NaN"),
        (np.zeros(2), False, "shape (2,)"),
        (np.exp(checks.GRADIENT_CHECK_POINT), False, "not a numerical estimate"),
        ("forward", False, "central differences"),
        ("grad", True, "the claimed formula is wrong"),
        ("grad", "no", "True or False"),
    ],
)
def test_numerical_gradient_refuses_wrong_answers(numeric, verdict, needle):
    v, f, h = checks.GRADIENT_CHECK_POINT, checks.gradient_check_function, 1e-5
    if isinstance(numeric, str) and numeric == "grad":
        numeric = _central_differences(h)
    elif isinstance(numeric, str):  # one-sided differences: accurate only to about h
        numeric = np.array([(f(v + h * e) - f(v)) / h for e in np.eye(3)])
    feedback = checks.check_numerical_gradient(numeric, verdict)
    assert not feedback
    assert needle in feedback.message


# --- ex-conv-input-gradient -----------------------------------------------------------------


def _conv_input_gradient_by_autograd() -> np.ndarray:
    x = torch.zeros(1, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    kernel = torch.tensor(checks.CONV_KERNEL[None, None])
    (F.conv2d(x, kernel) * torch.tensor(checks.CONV_UPSTREAM[None, None])).sum().backward()
    return x.grad[0, 0].numpy()


def test_conv_input_gradient_accepts_autograds_answer():
    feedback = checks.check_conv_input_gradient(_conv_input_gradient_by_autograd())
    assert feedback, feedback.message


@pytest.mark.parametrize(
    "answer,needle",
    [
        (None, "replace `None`"),
        (np.full((3, 3), np.inf), "NaN or infinite"),
        (np.zeros((2, 2)), "weight gradient"),
        (np.zeros((4, 4)), "shape (4, 4)"),
        ("unflipped", "without flipping"),
        (np.ones((3, 3)), "values differ"),
    ],
)
def test_conv_input_gradient_refuses_wrong_answers(answer, needle):
    if isinstance(answer, str):
        padded = torch.tensor(np.pad(checks.CONV_UPSTREAM, 1)[None, None])
        answer = F.conv2d(padded, torch.tensor(checks.CONV_KERNEL[None, None]))[0, 0].numpy()
    feedback = checks.check_conv_input_gradient(answer)
    assert not feedback
    assert needle in feedback.message


"""The check of the initialization exercise: right answers pass, mistakes get a hint."""


FAN_IN, FAN_OUT = 16 * 3 * 3, 64 * 3 * 3


def _conv(std: float | None, seed: int = 0) -> nn.Conv2d:
    """nn.Conv2d(16, 64, 3) with N(0, std) weights (None: PyTorch's default initialisation)."""
    torch.manual_seed(seed)
    layer = nn.Conv2d(16, 64, kernel_size=3)
    if std is not None:
        generator = torch.Generator().manual_seed(seed)
        nn.init.normal_(layer.weight, 0.0, std, generator=generator)
        nn.init.zeros_(layer.bias)
    return layer


def test_right_answer_passes_and_agrees_with_torch():
    std = math.sqrt(2 / FAN_IN)
    # the library's formula: gain sqrt(2) for a ReLU, divided by sqrt(fan_in)
    assert math.isclose(std, nn.init.calculate_gain("relu") / math.sqrt(FAN_IN))
    verdict = check_he_std(std, _conv(std))
    assert verdict and "0.1179" in verdict.message
    kaiming = _conv(None)
    nn.init.kaiming_normal_(kaiming.weight, nonlinearity="relu")
    nn.init.zeros_(kaiming.bias)
    assert check_he_std(torch.tensor(std), kaiming)
    assert check_he_std(np.float32(std), _conv(std, seed=3))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (math.sqrt(2 / 16), "C_in = 16 as the fan-in"),
        (math.sqrt(2 / 48), "k x k = 9"),
        (math.sqrt(2 / FAN_OUT), "fan_out"),
        (math.sqrt(1 / FAN_IN), "halves the second moment"),
        (2 / FAN_IN, "square root"),
        (math.sqrt(2 / (FAN_IN + FAN_OUT)), "Xavier"),
        (0.3, "Count the inputs"),
    ],
)
def test_wrong_std_gets_a_hint(wrong, hint):
    verdict = check_he_std(wrong, _conv(math.sqrt(2 / FAN_IN)))
    assert not verdict
    assert hint in verdict.message


@pytest.mark.parametrize(
    "layer, hint",
    [
        (None, "replace `None`"),
        (nn.Linear(144, 64), "should be an nn.Conv2d"),
        (nn.Conv2d(16, 64, kernel_size=5), "shape"),
        (_conv(None), "default initialisation"),
        (_conv(math.sqrt(1 / FAN_IN)), "std"),
        (_conv(2 / FAN_IN), "std"),
    ],
)
def test_wrong_layer_fails(layer, hint):
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict
    assert hint in verdict.message


def test_shifted_weights_fail():
    layer = _conv(math.sqrt(2 / FAN_IN))
    with torch.no_grad():
        layer.weight += 0.05
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict and "mean" in verdict.message


def test_placeholder_junk_and_non_finite():
    assert "replace `None`" in check_he_std(None, None).message
    assert not check_he_std("abc", None)
    assert not check_he_std([0.1, 0.2], None)
    assert "NaN" in check_he_std(float("nan"), _conv(0.1179)).message
    assert not check_he_std(float("inf"), _conv(0.1179))
    layer = _conv(math.sqrt(2 / FAN_IN))
    with torch.no_grad():
        layer.weight[0, 0, 0, 0] = float("nan")
    assert "NaN" in check_he_std(math.sqrt(2 / FAN_IN), layer).message


def test_a_uniform_draw_with_the_right_std_fails():
    # the shortcut: kaiming_uniform_ has He's std, but the exercise asks for a normal draw
    layer = _conv(math.sqrt(2 / FAN_IN))
    nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
    assert abs(float(layer.weight.detach().std()) / math.sqrt(2 / FAN_IN) - 1) < 0.05
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict and "uniform" in verdict.message and "normal_" in verdict.message


@pytest.mark.parametrize("bias", [5.0, 0.01])
def test_biases_must_be_zero(bias):
    layer = _conv(math.sqrt(2 / FAN_IN))
    nn.init.constant_(layer.bias, bias)
    verdict = check_he_std(math.sqrt(2 / FAN_IN), layer)
    assert not verdict and "biases are not 0" in verdict.message
    no_bias = nn.Conv2d(16, 64, 3, bias=False)
    nn.init.normal_(no_bias.weight, 0.0, math.sqrt(2 / FAN_IN))
    assert "no bias" in check_he_std(math.sqrt(2 / FAN_IN), no_bias).message

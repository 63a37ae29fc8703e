"""Exercise checks of the pooling chapter and of fully connected layers and softmax."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import checks, ops
from course_utils.checks import _by_hand
from course_utils.ops import log_softmax, max_pool2d


def _learner_cells(monkeypatch, cells, **variables):
    """Pretend the learner ran `cells` in a notebook, leaving `variables` in its namespace."""
    namespace = {"In": ["", *cells], **variables}
    monkeypatch.setattr(_by_hand, "_namespace", lambda: namespace)


# --- pooling ----------------------------------------------------------------------------------

GRID = np.array(
    [[0, 3, 1, 1, 5, 2], [2, 1, 0, 4, 0, 1], [7, 2, 3, 1, 0, 0], [1, 0, 6, 2, 2, 8]], dtype=float
)


def test_max_pool_by_hand_accepts_the_right_answer():
    expected = F.max_pool2d(torch.tensor(GRID)[None, None], 2)[0, 0].numpy()
    for answer in (expected, expected.tolist(), torch.tensor(expected)):
        verdict = checks.check_max_pool_by_hand(answer)
        assert verdict and verdict.ok, verdict


@pytest.mark.parametrize(
    "answer, hint",
    [
        (None, "replace `None`"),
        (GRID.reshape(2, 2, 3, 2).mean(axis=(1, 3)), "average pooling"),
        (GRID.reshape(2, 2, 3, 2).min(axis=(1, 3)), "smallest"),
        (GRID.reshape(2, 2, 3, 2).sum(axis=(1, 3)), "sums"),
        (GRID.reshape(2, 2, 3, 2).max(axis=(1, 3)).T, "expected (2, 3)"),
        (max_pool2d(GRID[None], 2, stride=1)[0], "stride 1"),
        ([[3, 4, 5], [7, 6, 9]], "values differ"),
        ("abc", "array of numbers"),
    ],
)
def test_max_pool_by_hand_explains_mistakes(answer, hint):
    verdict = checks.check_max_pool_by_hand(answer)
    assert not verdict
    assert hint in verdict.message, verdict.message


EXERCISE_CELL = "answer = None  # your 2x3 array\ncheck_max_pool_by_hand(answer)"


@pytest.mark.parametrize(
    "work",
    [
        "answer = max_pool2d(GRID[None], 2)[0]",
        "pooled = F.max_pool2d(torch.tensor(GRID)[None], 2)\nanswer = pooled[0].numpy()",
        "layer = nn.MaxPool2d(2)\nanswer = layer(torch.tensor(GRID)[None])[0]",
    ],
)
def test_max_pool_by_hand_refuses_the_library(monkeypatch, work):
    # the shortcut: the library's pooling. The right values, but not made by hand.
    answer = ops.max_pool2d(GRID[None], 2)[0]
    _learner_cells(
        monkeypatch,
        [EXERCISE_CELL, work + "\ncheck_max_pool_by_hand(answer)"],
        answer=answer,
        pooled=answer[None],
        layer=nn.MaxPool2d(2),
    )
    verdict = checks.check_max_pool_by_hand(answer)
    assert not verdict and "library's max pooling" in verdict.message
    assert "yourself" in verdict.message


def test_max_pool_by_hand_accepts_honest_work_beside_a_library_comparison(monkeypatch):
    answer = GRID.reshape(2, 2, 3, 2).max(axis=(1, 3))
    work = (
        "answer = GRID.reshape(2, 2, 3, 2).max(axis=(1, 3))\n"
        "assert np.array_equal(answer, max_pool2d(GRID[None], 2)[0])  # a comparison is fine\n"
        "check_max_pool_by_hand(answer)"
    )
    _learner_cells(monkeypatch, [EXERCISE_CELL, work], answer=answer)
    assert checks.check_max_pool_by_hand(answer)
    # what the chapter computed with the library before the exercise is not held against it
    before = "from_library = max_pool2d(GRID[None], 2)[0]"
    _learner_cells(monkeypatch, [before, EXERCISE_CELL, work], answer=answer)
    assert checks.check_max_pool_by_hand(answer)


def _loop_max_pool(image, kernel_size, stride):
    image = np.asarray(image, dtype=float)
    out_h = (image.shape[0] - kernel_size) // stride + 1
    out_w = (image.shape[1] - kernel_size) // stride + 1
    return np.array(
        [
            [
                image[
                    i * stride : i * stride + kernel_size, j * stride : j * stride + kernel_size
                ].max()
                for j in range(out_w)
            ]
            for i in range(out_h)
        ]
    )


def test_max_pool_function_accepts_a_correct_function():
    assert checks.check_max_pool_function(_loop_max_pool)


def test_max_pool_function_refuses_library_wrappers():
    def with_ops(image, kernel_size, stride):
        return ops.max_pool2d(np.asarray(image)[None], kernel_size, stride)[0]

    def with_torch(image, kernel_size, stride):
        x = torch.tensor(image)[None, None]
        return F.max_pool2d(x, kernel_size, stride)[0, 0].numpy()

    def helper(image, k, s):
        return nn.MaxPool2d(k, s)(torch.tensor(image)[None])[0].numpy()

    def through_a_helper(image, kernel_size, stride):
        return helper(image, kernel_size, stride)

    alias = ops.max_pool2d

    def through_an_alias(image, kernel_size, stride):
        return alias(np.asarray(image)[None], kernel_size, stride)[0]

    for shortcut in (with_ops, with_torch, through_a_helper, through_an_alias):
        verdict = checks.check_max_pool_function(shortcut)
        assert not verdict and "library's max pooling" in verdict.message, shortcut.__name__


def test_max_pool_function_accepts_a_helper_named_like_the_library():
    def max_pool2d(image, kernel_size, stride):  # the learner's own, by hand
        return _loop_max_pool(image, kernel_size, stride)

    def my_max_pool(image, kernel_size, stride):
        return max_pool2d(image, kernel_size, stride)

    assert checks.check_max_pool_function(my_max_pool)


def test_max_pool_function_explains_mistakes():
    assert "replace `None`" in checks.check_max_pool_function(None).message
    assert "no parentheses" in checks.check_max_pool_function(np.zeros(3)).message
    assert "returned None" in checks.check_max_pool_function(lambda image, k, s: None).message

    def mean_pool(image, k, s):
        return F.avg_pool2d(torch.tensor(image)[None, None], k, s)[0, 0].numpy()

    assert "mean" in checks.check_max_pool_function(mean_pool).message

    def ignores_stride(image, k, s):
        return _loop_max_pool(image, k, k)

    assert "move by `stride`" in checks.check_max_pool_function(ignores_stride).message

    def crashes(image, k, s):
        raise IndexError("oops")

    assert "IndexError: oops" in checks.check_max_pool_function(crashes).message

    def zero_init_with_negative_inputs(image, k, s):  # a classic bug: start the max at 0
        return np.maximum(_loop_max_pool(image, k, s), 0.0)

    verdict = checks.check_max_pool_function(zero_init_with_negative_inputs)
    assert not verdict and "negative values" in verdict.message


def _heads(flat_inputs=128 * 4 * 4, gap_inputs=128):
    return (
        nn.Sequential(nn.Flatten(), nn.Linear(flat_inputs, 10)),
        nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(gap_inputs, 10)),
    )


def test_head_parameters():
    assert checks.check_head_parameters((20490, 1290), _heads())
    assert checks.check_head_parameters([np.int64(20490), torch.tensor(1290)], list(_heads()))
    cases = {
        None: "replace `None`",
        (1290, 20490): "swapped",
        (20480, 1290): "weights only",
        (5130, 1290): "16 positions",
        (20490, 1280): "(b) counts the weights only",
        (20490, 1300): "(b) got 1300",
        (12345, 1290): "(a) got 12345",
        (20490.0, 1290): "pair of two ints",
        (20490,): "pair of two ints",
        5: "pair of ints",
    }
    for answer, hint in cases.items():
        verdict = checks.check_head_parameters(answer, _heads())
        assert not verdict and hint in verdict.message, (answer, verdict.message)


def test_head_parameters_need_the_heads_built():
    cases = [
        (None, "replace `None`"),
        (_heads()[::-1], "should have 20,490"),  # the two heads swapped
        ((_heads()[0],), "pair of nn.Modules"),
        (
            (nn.Sequential(nn.Linear(128 * 4 * 4, 10)), _heads()[1]),
            "raised RuntimeError",
        ),  # flatten forgotten
        (
            (nn.Sequential(nn.Flatten(), nn.Linear(2048, 10, bias=False)), _heads()[1]),
            "20,480 parameters",
        ),
        (
            (_heads()[0], nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Linear(1, 10))),
            "(2, 10)",
        ),  # no flatten
        (5, "pair of nn.Modules"),
    ]
    for heads, hint in cases:
        verdict = checks.check_head_parameters((20490, 1290), heads)
        assert (
            not verdict and "your counts are right" in verdict.message and hint in verdict.message
        ), verdict.message


# --- Softmax ---------------------------------------------------------------------------------

Z = np.array([2.0, 1.0, 0.1])


def test_softmax_probabilities():
    right = torch.softmax(torch.tensor(Z), dim=0).numpy()
    assert checks.check_softmax_probabilities(right)
    assert checks.check_softmax_probabilities(right.round(4).tolist())
    assert checks.check_softmax_probabilities(right[None])  # a (1, 3) row is accepted
    cases = [
        (None, "replace `None`"),
        (Z / Z.sum(), "exponentiate them first"),
        (np.exp(Z), "divide them by their sum"),
        ([0.5, 0.3, 0.3], "sum to 1.1"),
        ([0.6, 0.3, 0.1], "values differ"),
        ([0.5, 0.5], "shape"),
    ]
    for answer, hint in cases:
        verdict = checks.check_softmax_probabilities(answer)
        assert not verdict and hint in verdict.message, (answer, verdict.message)


def test_log_softmax_function_accepts_stable_versions():
    def stable(logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    assert checks.check_log_softmax_function(stable)

    def by_columns(logits):  # a loop over the rows is fine too
        rows = [row - row.max() - np.log(np.sum(np.exp(row - row.max()))) for row in logits]
        return np.array(rows)

    assert checks.check_log_softmax_function(by_columns)


def test_log_softmax_function_refuses_the_library():
    # the shortcuts: the library's log-softmax, which does the stable part for the learner
    from scipy.special import log_softmax as scipy_log_softmax
    from scipy.special import logsumexp

    shortcuts = [
        lambda z: scipy_log_softmax(z, axis=1),
        lambda z: torch.log_softmax(torch.tensor(z), dim=1).numpy(),
        lambda z: log_softmax(z, axis=-1),
        lambda z: z - logsumexp(z, axis=1, keepdims=True),
    ]
    for shortcut in shortcuts:
        verdict = checks.check_log_softmax_function(shortcut)
        assert not verdict and "stable part for you" in verdict.message


def test_log_softmax_function_explains_mistakes():
    def naive(logits):
        return np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))

    with np.errstate(
        over="raise", divide="raise", invalid="raise"
    ):  # the check itself must not warn
        verdict = checks.check_log_softmax_function(naive)
    assert not verdict and "Subtract each row's maximum" in verdict.message
    assert "replace `None`" in checks.check_log_softmax_function(None).message
    assert "no parentheses" in checks.check_log_softmax_function(3).message
    assert "returned None" in checks.check_log_softmax_function(lambda z: None).message

    def by_hand(z, axis):  # the stable form with NumPy, over any axis
        shifted = z - z.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    wrong_axis = checks.check_log_softmax_function(lambda z: by_hand(z, 0))
    assert not wrong_axis and "axis 0" in wrong_axis.message
    identity = checks.check_log_softmax_function(lambda z: z)
    assert not identity and "equals the input" in identity.message
    softmax_only = checks.check_log_softmax_function(lambda z: np.exp(by_hand(z, 1)))
    assert not softmax_only and "values differ" in softmax_only.message

    def crashes(z):
        raise ValueError("bad")

    assert "ValueError: bad" in checks.check_log_softmax_function(crashes).message


def test_cross_entropy():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    targets = torch.tensor([0, 2, 1])
    right = F.cross_entropy(logits, targets).item()
    losses = F.cross_entropy(logits, targets, reduction="none")
    assert checks.check_cross_entropy(right, losses.numpy())
    assert checks.check_cross_entropy(torch.tensor(right), losses)
    assert checks.check_cross_entropy(np.array([right]), losses.tolist())
    total = F.cross_entropy(logits, targets, reduction="sum").item()
    wrong_axis = -torch.log_softmax(logits, dim=0)[torch.arange(3), targets].mean().item()
    by_nine = F.cross_entropy(logits, targets, reduction="sum").item() / 9
    largest = -torch.log_softmax(logits, dim=1).max(dim=1).values.mean().item()
    cases = [
        (None, "replace `None`"),
        (total, "sum over the batch"),
        (-right, "sign is flipped"),
        (wrong_axis, "down the columns"),
        (by_nine, "number of logits (9)"),
        (largest, "largest probability"),
        (0.5, "got 0.5"),
        ([right, right], "one number"),
        ("x", "array of numbers"),
    ]
    for answer, hint in cases:
        verdict = checks.check_cross_entropy(answer, losses)
        assert not verdict and hint in verdict.message, (answer, verdict.message)
    for per_example, hint in [
        (None, "replace `None`"),
        (losses[:2], "3 losses"),
        (
            -torch.log_softmax(logits, dim=1).max(dim=1).values,
            "not -log p_y",
        ),  # the largest, not the target's
        (losses.flip(0), "another order"),
        (-losses, "sign flipped"),
        (torch.exp(-losses), "probabilities p_y"),
        (losses + torch.tensor([0.0, 0.3, -0.3]), "index 1, 2"),
        ("x", "array of numbers"),
    ]:
        verdict = checks.check_cross_entropy(right, per_example)
        assert not verdict and "the mean is right" in verdict.message and hint in verdict.message, (
            verdict.message
        )


def test_cross_entropy_never_gives_the_per_example_losses_away():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    targets = torch.tensor([0, 2, 1])
    right = F.cross_entropy(logits, targets).item()
    losses = F.cross_entropy(logits, targets, reduction="none")
    for wrong in (losses.flip(0), losses + 1, torch.zeros(3), losses * torch.tensor([1, 2, 1])):
        message = checks.check_cross_entropy(right, wrong).message
        for loss in losses.tolist():  # none of the expected losses, to any usual precision
            for digits in (2, 3, 4):
                assert f"{loss:.{digits}f}" not in message, message

"""The classifier-training exercise checks accept right answers and explain wrong ones."""

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix

from course_utils.checks import (
    AUGMENTATION_OPTIONS,
    Feedback,
    check_confusion_matrix,
    check_label_preserving,
    check_steps_per_epoch,
    check_top_k_accuracy,
)

LABELS = np.array([0, 1, 2, 2, 1, 0, 2, 1, 1, 0])
PREDICTIONS = np.array([0, 2, 2, 2, 1, 0, 1, 1, 1, 2])


def _probabilities():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(200, 10, generator=generator)
    labels = torch.randint(0, 10, (200,), generator=generator)
    return torch.softmax(logits, 1), labels


@pytest.mark.parametrize(
    "check",
    [
        check_steps_per_epoch,
        check_confusion_matrix,
        lambda a: check_top_k_accuracy(a, *_probabilities()),
        check_label_preserving,
    ],
)
def test_placeholder_none_is_not_yet(check):
    feedback = check(None)
    assert isinstance(feedback, Feedback) and not feedback
    assert "None" in feedback.message


def test_steps_per_epoch():
    assert check_steps_per_epoch((28, 280))
    assert check_steps_per_epoch((28.0, 280.0))  # what np.ceil gives: whole floats count
    assert check_steps_per_epoch((np.ceil(3500 / 128), 10 * np.ceil(3500 / 128)))
    assert check_steps_per_epoch((np.int64(28), 280))
    assert "drops the last 44" in check_steps_per_epoch((27, 270)).message
    assert "round" in check_steps_per_epoch((27.34, 273.4)).message.lower()
    assert "once per batch" in check_steps_per_epoch((28, 10)).message
    assert not check_steps_per_epoch((30, 300))
    assert "pair" in check_steps_per_epoch(28).message
    assert check_steps_per_epoch((8, 24), n_samples=1000, batch_size=128, epochs=3)


def _counting(labels, predictions, n_classes):
    """An honest answer: count each (true, predicted) pair with NumPy."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    return matrix


def _by_loop(labels, predictions, n_classes):
    matrix = [[0] * n_classes for _ in range(n_classes)]
    for true, predicted in zip(labels, predictions, strict=True):
        matrix[true][predicted] += 1
    return matrix


def test_confusion_matrix_accepts_honest_counting():
    feedback = check_confusion_matrix(_counting)
    assert feedback and "3 cases" in feedback.message
    assert check_confusion_matrix(_by_loop)


def test_confusion_matrix_refuses_the_library_and_a_stored_matrix():
    # the shortcut: the chapter's own sklearn matrix. The check now runs the learner's
    # function on cases of its own, so a stored matrix cannot pass, and sklearn is refused.
    stored = confusion_matrix(LABELS, PREDICTIONS, labels=[0, 1, 2])
    assert not check_confusion_matrix(stored)
    assert not check_confusion_matrix(lambda labels, predictions, n: stored)

    def with_sklearn(labels, predictions, n_classes):
        return confusion_matrix(labels, predictions, labels=list(range(n_classes)))

    feedback = check_confusion_matrix(with_sklearn)
    assert not feedback and "`confusion_matrix`" in feedback.message
    assert "yourself" in feedback.message


def test_confusion_matrix_names_mistakes():
    transposed = check_confusion_matrix(lambda t, p, n: _counting(t, p, n).T)
    assert not transposed and "transpose" in transposed.message
    doubled = check_confusion_matrix(lambda t, p, n: 2 * _counting(t, p, n))
    assert "exactly once" in doubled.message
    assert "shape" in check_confusion_matrix(lambda t, p, n: _counting(t, p, n)[:2]).message
    assert not check_confusion_matrix(lambda t, p, n: _counting(t, t, n))
    absent = check_confusion_matrix(lambda t, p, n: _counting(t, p, max(max(t), max(p)) + 1))
    assert not absent and "never appears still has its row" in absent.message
    assert "returned None" in check_confusion_matrix(lambda t, p, n: None).message
    assert "raised" in check_confusion_matrix(lambda t, p, n: 1 / 0).message


def test_top_k_accuracy_verifies_the_classes_and_the_fraction():
    probabilities, labels = _probabilities()
    top2 = torch.topk(probabilities, 2, dim=1).indices
    expected = (top2 == labels[:, None]).any(1).float().mean()
    assert check_top_k_accuracy((top2, expected), probabilities, labels)
    assert check_top_k_accuracy(
        (top2.numpy()[:, ::-1], float(expected)), probabilities.numpy(), labels.numpy()
    )
    top1 = float((probabilities.argmax(1) == labels).float().mean())
    assert "top-1" in check_top_k_accuracy((top2, top1), probabilities, labels).message
    assert (
        "percentage"
        in check_top_k_accuracy((top2, 100 * float(expected)), probabilities, labels).message
    )
    # the right number with made-up classes fails: the classes are checked, not only the float
    made_up = torch.stack([labels, (labels + 1) % 10], dim=1)
    assert not check_top_k_accuracy((made_up, float(expected)), probabilities, labels)
    smallest = torch.topk(probabilities, 2, dim=1, largest=False).indices
    assert "least" in check_top_k_accuracy((smallest, 0.1), probabilities, labels).message
    assert (
        "one class per sample"
        in check_top_k_accuracy((top2[:, 0], top1), probabilities, labels).message
    )
    assert not check_top_k_accuracy((top2, 0.5), probabilities, labels)
    assert "array of numbers" in check_top_k_accuracy((top2, "high"), probabilities, labels).message
    top3 = torch.topk(probabilities, 3, dim=1).indices
    top3_accuracy = float((top3 == labels[:, None]).any(1).float().mean())
    assert check_top_k_accuracy((top3, top3_accuracy), probabilities, labels, k=3)
    assert "(N, classes)" in check_top_k_accuracy((top2, 0.1), probabilities[:5], labels).message


def test_label_preserving_separates_keeping_the_label_from_being_useful():
    keeps = {"shift by 2 pixels", "rotate by 10 degrees", "add faint noise", "invert the colours"}
    useful = keeps - {"invert the colours"}
    assert set(AUGMENTATION_OPTIONS) >= keeps
    assert check_label_preserving((keeps, useful))
    assert check_label_preserving((sorted(keeps), sorted(useful)))
    # the old answer: inversion was said to change the label
    assert "an inverted 3 is still a 3" in check_label_preserving((useful, useful)).message
    shift = check_label_preserving((keeps, keeps))
    assert not shift and "distribution shift" in shift.message
    assert (
        "6 into a 9" in check_label_preserving((keeps | {"rotate by 180 degrees"}, useful)).message
    )
    assert "mirrored" in check_label_preserving((keeps | {"flip left-right"}, useful)).message
    assert "also keeps" in check_label_preserving(({"invert the colours"}, set())).message
    assert "useful too" in check_label_preserving((keeps, {"shift by 2 pixels"})).message


def test_label_preserving_accepts_either_answer_on_noise_with_the_reasons():
    keeps = {"shift by 2 pixels", "rotate by 10 degrees", "add faint noise", "invert the colours"}
    with_noise = keeps - {"invert the colours"}
    without = with_noise - {"add faint noise"}
    for useful in (with_noise, without):
        feedback = check_label_preserving((keeps, useful))
        assert feedback and "exactly black" in feedback.message
        assert "robust" in feedback.message  # both sides of the argument are given
    assert "you left it out" in check_label_preserving((keeps, without)).message
    assert "you counted it as useful" in check_label_preserving((keeps, with_noise)).message
    # noise still keeps the label: leaving it out of the first set is wrong
    assert "also keeps" in check_label_preserving((keeps - {"add faint noise"}, without)).message
    assert "not options" in check_label_preserving(({"zoom"}, useful)).message
    assert "set of option names" in check_label_preserving(("shift by 2 pixels", useful)).message
    assert "pair" in check_label_preserving(keeps).message

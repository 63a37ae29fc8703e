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
        lambda a: check_confusion_matrix(a, LABELS, PREDICTIONS, n_classes=3),
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
    assert check_steps_per_epoch((np.int64(28), 280))
    assert "drops the last 44" in check_steps_per_epoch((27, 270)).message
    assert "round" in check_steps_per_epoch((27.34, 273.4)).message.lower()
    assert "once per batch" in check_steps_per_epoch((28, 10)).message
    assert not check_steps_per_epoch((30, 300))
    assert "pair" in check_steps_per_epoch(28).message
    assert check_steps_per_epoch((8, 24), n_samples=1000, batch_size=128, epochs=3)


def test_confusion_matrix_accepts_sklearns_answer_and_spots_mistakes():
    expected = confusion_matrix(LABELS, PREDICTIONS, labels=[0, 1, 2])
    feedback = check_confusion_matrix(expected, LABELS, PREDICTIONS, n_classes=3)
    assert feedback and "7 correct answers out of 10" in feedback.message
    assert check_confusion_matrix(
        torch.from_numpy(expected),
        torch.from_numpy(LABELS),
        torch.from_numpy(PREDICTIONS),
        n_classes=3,
    )
    assert (
        "transpose" in check_confusion_matrix(expected.T, LABELS, PREDICTIONS, n_classes=3).message
    )
    assert (
        "add up to"
        in check_confusion_matrix(expected * 2, LABELS, PREDICTIONS, n_classes=3).message
    )
    shuffled = expected.copy()
    shuffled[0, 0], shuffled[0, 2] = shuffled[0, 2], shuffled[0, 0]
    assert not check_confusion_matrix(shuffled, LABELS, PREDICTIONS, n_classes=3)
    assert (
        "shape"
        in check_confusion_matrix(np.zeros((2, 2)), LABELS, PREDICTIONS, n_classes=3).message
    )
    assert (
        "outside" in check_confusion_matrix(expected, LABELS + 5, PREDICTIONS, n_classes=3).message
    )
    assert (
        "differ in length"
        in check_confusion_matrix(expected, LABELS[:5], PREDICTIONS, n_classes=3).message
    )


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
    assert "not options" in check_label_preserving(({"zoom"}, useful)).message
    assert "set of option names" in check_label_preserving(("shift by 2 pixels", useful)).message
    assert "pair" in check_label_preserving(keeps).message

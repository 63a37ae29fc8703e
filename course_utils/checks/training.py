"""Exercise checks of chapter 08 (training a classifier): steps, confusion, top-k, augmentation."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._feedback import Feedback, NotYet, _compare, exercise, read_array, read_pair

__all__ = [
    "AUGMENTATION_OPTIONS",
    "check_steps_per_epoch",
    "check_confusion_matrix",
    "check_top_k_accuracy",
    "check_label_preserving",
]


@exercise("a pair (batches_per_epoch, total_steps)")
def check_steps_per_epoch(
    answer: Any, n_samples: int = 3500, batch_size: int = 128, epochs: int = 10
) -> Feedback:
    """Exercise ex-steps (chapter 08): batches per epoch and optimizer steps for a DataLoader."""
    try:
        batches, steps = answer
    except (TypeError, ValueError):
        return Feedback(
            False, f"`answer` should be a pair (batches_per_epoch, total_steps), got {answer!r}."
        )
    per_epoch = -(-n_samples // batch_size)  # ceiling: the last, smaller batch counts too
    if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in (batches, steps)):
        return Feedback(
            False,
            f"both numbers are whole counts (ints); got {answer!r}. "
            "Round the division of samples by batch size: which way?",
        )
    if batches == n_samples // batch_size and batches != per_epoch:
        return Feedback(
            False,
            f"{batches} batches drops the last {n_samples % batch_size} samples. "
            "With drop_last=False (the default) the last, smaller batch is kept: round up.",
        )
    if batches != per_epoch:
        return Feedback(
            False,
            f"{batches} batches per epoch is not right: {n_samples} samples in batches "
            f"of {batch_size} is {n_samples / batch_size:.2f} batches, rounded up.",
        )
    if steps != per_epoch * epochs:
        return Feedback(
            False,
            f"batches per epoch is right; the optimizer steps once per batch, "
            f"so over {epochs} epochs it steps {per_epoch} x {epochs} times.",
        )
    return Feedback(
        True,
        f"{per_epoch} batches per epoch ({per_epoch - 1} full ones and one of "
        f"{n_samples - (per_epoch - 1) * batch_size}), {per_epoch * epochs} steps in all.",
    )


def _labels(values: Any, name: str, n_classes: int) -> np.ndarray:
    """Class indices given with an exercise (labels, predictions) as an array, or a stop."""
    array = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise NotYet(f"`{name}` should be a 1-D array of class indices, got shape {array.shape}.")
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        raise NotYet(f"`{name}` holds classes outside 0..{n_classes - 1}.")
    return array


def _expected_confusion(labels: Any, predictions: Any, n_classes: int) -> np.ndarray:
    """The confusion matrix of ex-confusion, rows = true class, columns = predicted."""
    true = _labels(labels, "labels", n_classes)
    predicted = _labels(predictions, "predictions", n_classes)
    if true.shape != predicted.shape:
        raise NotYet(
            f"`labels` ({true.shape[0]}) and `predictions` ({predicted.shape[0]}) differ in length."
        )
    expected = np.zeros((n_classes, n_classes))
    np.add.at(expected, (true, predicted), 1)
    return expected


@exercise("your ({n_classes}, {n_classes}) confusion matrix")
def check_confusion_matrix(
    answer: Any, labels: Any, predictions: Any, n_classes: int = 10
) -> Feedback:
    """Exercise ex-confusion (chapter 08): a confusion matrix by hand (rows: true class)."""
    expected = _expected_confusion(labels, predictions, n_classes)
    matrix = read_array(answer, "matrix")
    if (
        matrix.shape == expected.shape
        and not np.array_equal(expected, expected.T)
        and np.array_equal(matrix, expected.T)
    ):
        return Feedback(
            False,
            "that is the transpose: put the true class on the rows and the "
            "predicted class on the columns (sklearn's convention).",
        )
    if matrix.shape == expected.shape and matrix.sum() != expected.sum():
        return Feedback(
            False,
            f"the entries add up to {matrix.sum():g}; every one of the "
            f"{int(expected.sum())} samples should be counted exactly once.",
        )
    return _compare(
        matrix,
        expected,
        "matrix",
        f"the diagonal holds the {int(np.trace(expected))} correct answers out of "
        f"{int(expected.sum())}.",
    )


def _read_top_classes(classes: np.ndarray, probs: np.ndarray, k: int) -> np.ndarray:
    """The (N, k) class indices of ex-top2 as ints, or a stop saying why they are not."""
    n, n_classes = probs.shape
    if classes.shape == (n,):
        raise NotYet(
            f"`top_classes` holds one class per sample; keep the {k} most probable "
            f"classes of each, an array of shape ({n}, {k})."
        )
    if classes.shape != (n, k):
        raise NotYet(f"`top_classes` has shape {classes.shape}; expected ({n}, {k}).")
    if not np.all(classes == np.round(classes)) or classes.min() < 0 or classes.max() >= n_classes:
        raise NotYet(f"`top_classes` should hold class indices 0-{n_classes - 1}.")
    return classes.astype(np.int64)


def _check_top_choice(classes: np.ndarray, probs: np.ndarray, k: int) -> None:
    """Stop unless each row of `classes` holds k distinct classes of the largest probabilities."""
    chosen = np.sort(np.take_along_axis(probs, classes, axis=1), axis=1)
    largest = np.sort(probs, axis=1)[:, -k:]
    distinct = all(len(set(row)) == k for row in classes.tolist())
    if not distinct or not np.allclose(chosen, largest, rtol=0, atol=1e-7):
        if np.allclose(chosen, np.sort(probs, axis=1)[:, :k], rtol=0, atol=1e-7):
            raise NotYet(
                f"those are the {k} *least* probable classes: take the largest "
                "probabilities (torch.topk does by default)."
            )
        raise NotYet(
            f"some rows of `top_classes` are not the {k} most probable classes of that "
            "sample: use torch.topk(probabilities, k, dim=1).indices."
        )


def _read_probabilities(probabilities: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The (N, classes) probabilities and N labels given with ex-top2, or a stop."""
    probs = read_array(probabilities, "probabilities")
    true = _labels(labels, "labels", probs.shape[1] if probs.ndim == 2 else 0)
    if probs.ndim != 2 or len(probs) != len(true):
        raise NotYet(
            f"`probabilities` should be (N, classes) with N = {len(true)}, got {probs.shape}."
        )
    return probs, true


@exercise("the pair (top_classes, accuracy)", pair=True)
def check_top_k_accuracy(answer: Any, probabilities: Any, labels: Any, k: int = 2) -> Feedback:
    """Exercise ex-top2 (chapter 08): each sample's k most probable classes, top-k accuracy.

    The answer is the pair (top_classes, accuracy): an (N, k) array of class indices and the
    fraction of samples whose label is among them. Both are recomputed from `probabilities`.
    """
    classes, accuracy = read_pair(answer, ("top_classes", "accuracy"))
    probs, true = _read_probabilities(probabilities, labels)
    classes = _read_top_classes(classes, probs, k)
    if accuracy.size != 1:
        return Feedback(False, f"`accuracy` should be one number, got shape {accuracy.shape}.")
    _check_top_choice(classes, probs, k)
    value = float(accuracy.reshape(-1)[0])
    expected = float(np.mean((classes == true[:, None]).any(axis=1)))
    top_1 = float(np.mean(probs.argmax(axis=1) == true))
    if abs(value - expected) <= 1e-6:
        return Feedback(
            True, f"top-{k} accuracy {expected:.4f}, against top-1 accuracy {top_1:.4f}."
        )
    if abs(value - 100 * expected) <= 1e-4:
        return Feedback(
            False, "the classes are right; the accuracy is a percentage: give the fraction."
        )
    if abs(value - top_1) <= 1e-6:
        return Feedback(
            False,
            f"the classes are right, but that is the ordinary (top-1) accuracy; count a "
            f"sample as right when its label is anywhere among its {k} classes.",
        )
    return Feedback(
        False,
        f"the classes are right, but they give a top-{k} accuracy of {expected:.4f}, "
        f"not {value:.4f}: the fraction of rows that contain the sample's label.",
    )


# Course data, kept with the one exercise that uses it (ex-augment); notebooks and tests
# import it as `course_utils.checks.AUGMENTATION_OPTIONS`.
#: The transformations of exercise ex-augment (what each does to a digit is the exercise).
AUGMENTATION_OPTIONS = (
    "shift by 2 pixels",
    "rotate by 10 degrees",
    "flip left-right",
    "rotate by 180 degrees",
    "add faint noise",
    "invert the colours",
)
_KEEPS_LABEL = {
    "shift by 2 pixels",
    "rotate by 10 degrees",
    "add faint noise",
    "invert the colours",
}
_USEFUL = {"shift by 2 pixels", "rotate by 10 degrees", "add faint noise"}
_CHANGES = {
    "flip left-right": "a mirrored 2, 3, 4, 5, 6, 7 or 9 is not that digit any more",
    "rotate by 180 degrees": "it turns a 6 into a 9 and a 9 into a 6",
}


def _option_set(value: Any, name: str) -> set:
    """A set of names from AUGMENTATION_OPTIONS (ex-augment), or a stop saying why not."""
    if isinstance(value, str) or not isinstance(value, set | list | tuple | frozenset):
        raise NotYet(f"`{name}` should be a set of option names, got {type(value).__name__}.")
    chosen = set(value)
    unknown = sorted(str(v) for v in chosen - set(AUGMENTATION_OPTIONS))
    if unknown:
        raise NotYet(
            f"{unknown} in `{name}` are not options; pick from {list(AUGMENTATION_OPTIONS)}."
        )
    return chosen


def _check_keeps_label(keeps: set) -> None:
    """The first set of ex-augment: the transformations that keep a digit's label."""
    for option in sorted(keeps - _KEEPS_LABEL):
        raise NotYet(f"'{option}' does not keep the label: {_CHANGES[option]}.")
    if "invert the colours" not in keeps:
        raise NotYet(
            "'invert the colours' keeps the label: an inverted 3 is still a 3, and a person "
            "reads it at once. Whether it *helps* is the second question."
        )
    for option in sorted(_KEEPS_LABEL - keeps):
        raise NotYet(f"'{option}' also keeps the label: a person still reads the same digit.")


@exercise(
    "the pair (keeps_label, useful), two sets of option names from AUGMENTATION_OPTIONS",
    pair=True,
)
def check_label_preserving(answer: Any) -> Feedback:
    """Exercise ex-augment (chapter 08): which transformations keep the label, which help.

    The answer is the pair (keeps_label, useful) of sets of names from AUGMENTATION_OPTIONS.
    """
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return Feedback(
            False, "`answer` should be the pair (keeps_label, useful), two sets of option names."
        )
    keeps = _option_set(answer[0], "keeps_label")
    useful = _option_set(answer[1], "useful")
    _check_keeps_label(keeps)
    if not useful <= keeps:
        option = sorted(useful - keeps)[0]
        return Feedback(
            False,
            f"'{option}' changes the label, so it cannot be a useful augmentation: it "
            "would teach the model something false.",
        )
    if "invert the colours" in useful:
        return Feedback(
            False,
            "inverting keeps the label, but it is not useful here: every training *and* test "
            "digit is light on black, so dark-on-light copies are images the model will never "
            "meet. Training on them moves the training distribution away from the test "
            "distribution (a distribution shift) and spends capacity on them.",
        )
    for option in sorted(_USEFUL - useful):
        return Feedback(
            False,
            f"'{option}' is useful too: it keeps the label and makes digits like those "
            "that real writers produce.",
        )
    return Feedback(
        True,
        "shifts, small rotations and faint noise keep the label and make digits like the "
        "ones the model will meet; inversion keeps the label too, but makes images unlike any "
        "test digit (a distribution shift); flips and half-turns change the label.",
    )

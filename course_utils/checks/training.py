"""Exercise checks of the chapter on training a classifier: steps, confusion, top-k, augments."""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.i18n import N_, _, gettext

from ._by_hand import refuse_in_function
from ._feedback import (
    Feedback,
    NotYet,
    _compare,
    check_callable,
    exercise,
    learner_call,
    read_array,
    read_int,
    read_pair,
)

__all__ = [
    "AUGMENTATION_OPTIONS",
    "check_steps_per_epoch",
    "check_confusion_matrix",
    "check_top_k_accuracy",
    "check_label_preserving",
]


@exercise(N_("a pair (batches_per_epoch, total_steps)"))
def check_steps_per_epoch(
    answer: Any, n_samples: int = 3500, batch_size: int = 128, epochs: int = 10
) -> Feedback:
    """Exercise ex-steps: batches per epoch and optimizer steps for a DataLoader."""
    try:
        batches, steps = answer
    except (TypeError, ValueError):
        return Feedback(
            False,
            _("`answer` should be a pair (batches_per_epoch, total_steps), got {answer!r}.").format(
                answer=answer
            ),
        )
    per_epoch = -(-n_samples // batch_size)  # ceiling: the last, smaller batch counts too
    try:  # whole floats, such as np.ceil gives (28.0), count as the whole numbers they are
        batches, steps = read_int(batches), read_int(steps)
    except NotYet:
        return Feedback(
            False,
            _(
                "both numbers are whole counts; got {answer!r}. Round the division of samples "
                "by batch size: which way?"
            ).format(answer=answer),
        )
    if batches == n_samples // batch_size and batches != per_epoch:
        return Feedback(
            False,
            _(
                "{batches} batches drops the last {left} samples. With "
                "drop_last=False (the default) the last, smaller batch is kept: round up."
            ).format(batches=batches, left=n_samples % batch_size),
        )
    if batches != per_epoch:
        return Feedback(
            False,
            _(
                "{batches} batches per epoch is not right: {n_samples} samples in batches of "
                "{batch_size} is {ratio:.2f} batches, rounded up."
            ).format(
                batches=batches,
                n_samples=n_samples,
                batch_size=batch_size,
                ratio=n_samples / batch_size,
            ),
        )
    if steps != per_epoch * epochs:
        return Feedback(
            False,
            _(
                "batches per epoch is right; the optimizer steps once per batch, so over "
                "{epochs} epochs it steps {per_epoch} x {epochs} times."
            ).format(epochs=epochs, per_epoch=per_epoch),
        )
    return Feedback(
        True,
        _(
            "{per_epoch} batches per epoch ({full} full ones and one of "
            "{last}), {total} steps in all."
        ).format(
            per_epoch=per_epoch,
            full=per_epoch - 1,
            last=n_samples - (per_epoch - 1) * batch_size,
            total=per_epoch * epochs,
        ),
    )


def _labels(values: Any, name: str, n_classes: int) -> np.ndarray:
    """Class indices given with an exercise (labels, predictions) as an array, or a stop."""
    array = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise NotYet(
            _("`{name}` should be a 1-D array of class indices, got shape {shape}.").format(
                name=name, shape=array.shape
            )
        )
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        raise NotYet(
            _("`{name}` holds classes outside 0..{n_classes}.").format(
                name=name, n_classes=n_classes - 1
            )
        )
    return array


def _confusion_cases() -> list[tuple[str, np.ndarray, np.ndarray, int]]:
    """Cases for ex-confusion, none of them the chapter's: (about, labels, predictions, n)."""
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 10, size=200)
    mostly_right = np.where(rng.random(200) < 0.8, labels, rng.integers(0, 10, size=200))
    return [
        (_("3 samples of 3 classes"), np.array([0, 2, 1]), np.array([0, 1, 1]), 3),
        (_("200 samples of 10 classes"), labels, mostly_right, 10),
        (
            _("5 samples of 5 classes, class 4 never among them"),
            np.array([0, 1, 1, 2, 3]),
            np.array([0, 1, 2, 2, 0]),
            5,
        ),
    ]


def _library_confusion() -> dict[str, str]:
    """The library counts ex-confusion refuses, each with the reason shown."""
    return {
        name: _(
            "your function calls `{name}`, which counts for you. This exercise is for "
            "counting the (true, predicted) pairs yourself with NumPy (a loop, or "
            "np.add.at), so that you know what each entry of the matrix is."
        ).format(name=name)
        for name in (
            "confusion_matrix",
            "crosstab",
            "multilabel_confusion_matrix",
            "ConfusionMatrix",
        )
    }


def _check_confusion_case(
    func: Any, about: str, true: np.ndarray, predicted: np.ndarray, n_classes: int
) -> None:
    """One case of ex-confusion: stop with the reason if `func` does not count it right."""
    expected = np.zeros((n_classes, n_classes))
    np.add.at(expected, (true, predicted), 1)
    matrix = learner_call(
        _("for {about} it").format(about=about), func, true.copy(), predicted.copy(), n_classes
    )
    if matrix is None:
        raise NotYet(
            _("for {about} it returned None; return the {n_classes}x{n_classes} counts.").format(
                about=about, n_classes=n_classes
            )
        )
    matrix = read_array(matrix, "matrix")
    if matrix.ndim == 2 and matrix.shape[0] < n_classes and matrix.shape[0] == matrix.shape[1]:
        raise NotYet(
            _(
                "for {about} it gives a {matrix_shape}x{matrix_shape} matrix: a class that "
                "never appears still has its row and column. Use `n_classes` ({n_classes}), "
                "not the largest class seen."
            ).format(about=about, matrix_shape=matrix.shape[0], n_classes=n_classes)
        )
    if matrix.shape == expected.shape and np.array_equal(matrix, expected.T):
        raise NotYet(
            _(
                "for {about} it gives the transpose: put the true class on the rows and the "
                "predicted class on the columns (sklearn's convention)."
            ).format(about=about)
        )
    if matrix.shape == expected.shape and matrix.sum() != expected.sum():
        raise NotYet(
            _(
                "for {about} the entries add up to {matrix_sum:g}; every one of the "
                "{expected_sum} samples should be counted exactly once."
            ).format(about=about, matrix_sum=matrix.sum(), expected_sum=int(expected.sum()))
        )
    verdict = _compare(matrix, expected, "matrix", "")
    if not verdict:
        raise NotYet(_("for {about}: {message}").format(about=about, message=verdict.message))


@exercise(N_("your function"))
def check_confusion_matrix(func: Any) -> Feedback:
    """Exercise ex-confusion: `func(labels, predictions, n_classes)` counts a confusion matrix.

    It runs on cases of its own (rows: true class), so the chapter's matrix cannot stand in
    for the work, and it refuses a library's confusion matrix.
    """
    check_callable(func)
    refuse_in_function(func, _library_confusion())
    for about, true, predicted, n_classes in _confusion_cases():
        _check_confusion_case(func, about, true, predicted, n_classes)
    return Feedback(
        True,
        _(
            "it counts every (true, predicted) pair once, true class on the rows, on 3 "
            "cases (one with a class that never appears)."
        ),
    )


def _read_top_classes(classes: np.ndarray, probs: np.ndarray, k: int) -> np.ndarray:
    """The (N, k) class indices of ex-top2 as ints, or a stop saying why they are not."""
    n, n_classes = probs.shape
    if classes.shape == (n,):
        raise NotYet(
            _(
                "`top_classes` holds one class per sample; keep the {k} most probable classes "
                "of each, an array of shape ({n}, {k})."
            ).format(k=k, n=n)
        )
    if classes.shape != (n, k):
        raise NotYet(
            _("`top_classes` has shape {classes_shape}; expected ({n}, {k}).").format(
                classes_shape=classes.shape, n=n, k=k
            )
        )
    if not np.all(classes == np.round(classes)) or classes.min() < 0 or classes.max() >= n_classes:
        raise NotYet(
            _("`top_classes` should hold class indices 0-{n_classes}.").format(
                n_classes=n_classes - 1
            )
        )
    return classes.astype(np.int64)


def _check_top_choice(classes: np.ndarray, probs: np.ndarray, k: int) -> None:
    """Stop unless each row of `classes` holds k distinct classes of the largest probabilities."""
    chosen = np.sort(np.take_along_axis(probs, classes, axis=1), axis=1)
    largest = np.sort(probs, axis=1)[:, -k:]
    distinct = all(len(set(row)) == k for row in classes.tolist())
    if not distinct or not np.allclose(chosen, largest, rtol=0, atol=1e-7):
        if np.allclose(chosen, np.sort(probs, axis=1)[:, :k], rtol=0, atol=1e-7):
            raise NotYet(
                _(
                    "those are the {k} *least* probable classes: take the largest probabilities "
                    "(torch.topk does by default)."
                ).format(k=k)
            )
        raise NotYet(
            _(
                "some rows of `top_classes` are not the {k} most probable classes of that "
                "sample: use torch.topk(probabilities, k, dim=1).indices."
            ).format(k=k)
        )


def _read_probabilities(probabilities: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The (N, classes) probabilities and N labels given with ex-top2, or a stop."""
    probs = read_array(probabilities, "probabilities")
    true = _labels(labels, "labels", probs.shape[1] if probs.ndim == 2 else 0)
    if probs.ndim != 2 or len(probs) != len(true):
        raise NotYet(
            _("`probabilities` should be (N, classes) with N = {n}, got {probs_shape}.").format(
                n=len(true), probs_shape=probs.shape
            )
        )
    return probs, true


@exercise(N_("the pair (top_classes, accuracy)"), pair=True)
def check_top_k_accuracy(answer: Any, probabilities: Any, labels: Any, k: int = 2) -> Feedback:
    """Exercise ex-top2: each sample's k most probable classes, top-k accuracy.

    The answer is the pair (top_classes, accuracy): an (N, k) array of class indices and the
    fraction of samples whose label is among them. Both are recomputed from `probabilities`.
    """
    classes, accuracy = read_pair(answer, ("top_classes", "accuracy"))
    probs, true = _read_probabilities(probabilities, labels)
    classes = _read_top_classes(classes, probs, k)
    if accuracy.size != 1:
        return Feedback(
            False,
            _("`accuracy` should be one number, got shape {accuracy_shape}.").format(
                accuracy_shape=accuracy.shape
            ),
        )
    _check_top_choice(classes, probs, k)
    value = float(accuracy.reshape(-1)[0])
    expected = float(np.mean((classes == true[:, None]).any(axis=1)))
    top_1 = float(np.mean(probs.argmax(axis=1) == true))
    if abs(value - expected) <= 1e-6:
        return Feedback(
            True,
            _("top-{k} accuracy {expected:.4f}, against top-1 accuracy {top_1:.4f}.").format(
                k=k, expected=expected, top_1=top_1
            ),
        )
    if abs(value - 100 * expected) <= 1e-4:
        return Feedback(
            False, _("the classes are right; the accuracy is a percentage: give the fraction.")
        )
    if abs(value - top_1) <= 1e-6:
        return Feedback(
            False,
            _(
                "the classes are right, but that is the ordinary (top-1) accuracy; count a "
                "sample as right when its label is anywhere among its {k} classes."
            ).format(k=k),
        )
    return Feedback(
        False,
        _(
            "the classes are right, but they give a top-{k} accuracy of {expected:.4f}, "
            "not {value:.4f}: the fraction of rows that contain the sample's label."
        ).format(k=k, expected=expected, value=value),
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
_USEFUL = {"shift by 2 pixels", "rotate by 10 degrees"}
_EITHER = "add faint noise"  # useful or not: the answer depends on an argument, both are given
_NOISE_REASONS = {
    True: N_(
        "you counted it as useful: it keeps the label and makes the model robust to "
        "small pixel changes; but MNIST's background is exactly black, so noisy digits "
        "are unlike every test digit, and the course's recipe does not use noise."
    ),
    False: N_(
        "you left it out: MNIST's background is exactly black, so noisy digits are "
        "unlike every test digit (the course's recipe does not use noise); but noise "
        "keeps the label and makes the model robust to small pixel changes."
    ),
}
_CHANGES = {
    "flip left-right": N_("a mirrored 2, 3, 4, 5, 6, 7 or 9 is not that digit any more"),
    "rotate by 180 degrees": N_("it turns a 6 into a 9 and a 9 into a 6"),
}


def _option_set(value: Any, name: str) -> set:
    """A set of names from AUGMENTATION_OPTIONS (ex-augment), or a stop saying why not."""
    if isinstance(value, str) or not isinstance(value, set | list | tuple | frozenset):
        raise NotYet(
            _("`{name}` should be a set of option names, got {type}.").format(
                name=name, type=type(value).__name__
            )
        )
    chosen = set(value)
    unknown = sorted(str(v) for v in chosen - set(AUGMENTATION_OPTIONS))
    if unknown:
        raise NotYet(
            _("{unknown} in `{name}` are not options; pick from {options}.").format(
                unknown=unknown, name=name, options=list(AUGMENTATION_OPTIONS)
            )
        )
    return chosen


def _check_keeps_label(keeps: set) -> None:
    """The first set of ex-augment: the transformations that keep a digit's label."""
    for option in sorted(keeps - _KEEPS_LABEL):
        raise NotYet(
            _("'{option}' does not keep the label: {change}.").format(
                option=option, change=gettext(_CHANGES[option])
            )
        )
    if "invert the colours" not in keeps:
        raise NotYet(
            _(
                "'invert the colours' keeps the label: an inverted 3 is still a 3, and a "
                "person reads it at once. Whether it *helps* is the second question."
            )
        )
    for option in sorted(_KEEPS_LABEL - keeps):
        raise NotYet(
            _("'{option}' also keeps the label: a person still reads the same digit.").format(
                option=option
            )
        )


@exercise(
    N_("the pair (keeps_label, useful), two sets of option names from AUGMENTATION_OPTIONS"),
    pair=True,
)
def check_label_preserving(answer: Any) -> Feedback:
    """Exercise ex-augment: which transformations keep the label, which help.

    The answer is the pair (keeps_label, useful) of sets of names from AUGMENTATION_OPTIONS.
    """
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return Feedback(
            False, _("`answer` should be the pair (keeps_label, useful), two sets of option names.")
        )
    keeps = _option_set(answer[0], "keeps_label")
    useful = _option_set(answer[1], "useful")
    _check_keeps_label(keeps)
    if not useful <= keeps:
        option = sorted(useful - keeps)[0]
        return Feedback(
            False,
            _(
                "'{option}' changes the label, so it cannot be a useful augmentation: it would "
                "teach the model something false."
            ).format(option=option),
        )
    if "invert the colours" in useful:
        return Feedback(
            False,
            _(
                "inverting keeps the label, but it is not useful here: every training *and* "
                "test digit is light on black, so dark-on-light copies are images the model "
                "will never meet. Training on them moves the training distribution away from "
                "the test distribution (a distribution shift) and spends capacity on them."
            ),
        )
    for option in sorted(_USEFUL - useful):
        return Feedback(
            False,
            _(
                "'{option}' is useful too: it keeps the label and makes digits like those that "
                "real writers produce."
            ).format(option=option),
        )
    return Feedback(
        True,
        _(
            "shifts and small rotations keep the label and make digits like the ones the "
            "model will meet; inversion keeps the label too, but makes images unlike any "
            "test digit (a distribution shift); flips and half-turns change the label. "
            "Faint noise can be argued either way, and {reason}"
        ).format(reason=gettext(_NOISE_REASONS[_EITHER in useful])),
    )

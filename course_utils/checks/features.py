"""Exercise checks of the chapter on what the network learned: maps, PCA, neighbours.

They read the trained digit classifier (the one the training chapter builds) through
`pretrained.trained_classifier` at call time (so tests can replace it with a fixed random
network).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils import pretrained
from course_utils.i18n import N_, _

from ._by_hand import refuse_in_answer
from ._feedback import Feedback, NotYet, _compare, exercise, read_array, read_int, read_pair

__all__ = ["check_block2_maps", "check_feature_pca", "check_feature_1nn"]


def _model_and_data() -> tuple[Any, Any]:
    """The trained digit classifier and its (train, test) split, looked up at call time."""
    return pretrained.trained_classifier(), pretrained.classifier_data()


@exercise(N_("the (8, 32, 14, 14) tensor of block-2 feature maps"))
def check_block2_maps(answer: Any) -> Feedback:
    """Exercise ex-hook: block 2's feature maps after the ReLU for 8 test digits."""
    array = read_array(answer, "block2_maps")
    refuse_in_answer(
        answer,
        "check_block2_maps",
        {
            "activations": "your maps come from `activations`, which registers the hook for "
            "you. This exercise is for writing the hook yourself (register_forward_hook on "
            "model.bn2, then remove it), so that you know what `activations` does."
        },
    )
    model, (_skip, (test_images, _skip2)) = _model_and_data()
    with torch.no_grad():
        block1 = model.pool(F.relu(model.bn1(model.conv1(test_images[:8]))))
        conv2 = model.conv2(block1)
        bn2 = model.bn2(conv2)
    expected = F.relu(bn2).numpy().astype(np.float64)
    if array.shape == (8, 32, 7, 7):
        return Feedback(
            False,
            _(
                "those maps are 7x7: they were pooled. Take the output of `bn2`, before "
                "`model.pool` halves it."
            ),
        )
    if array.shape == (8, 16, 28, 28) or array.shape == (8, 16, 14, 14):
        return Feedback(False, _("16 channels is block 1; hook `model.bn2`, which has 32."))
    if array.shape == expected.shape:
        if np.allclose(array, bn2.numpy(), atol=1e-5):
            return Feedback(
                False,
                _(
                    "that is `bn2`'s output before the ReLU (it has negative values): apply F.relu "
                    "to it."
                ),
            )
        if np.allclose(array, F.relu(conv2).numpy(), atol=1e-5) or np.allclose(
            array, conv2.numpy(), atol=1e-5
        ):
            return Feedback(
                False,
                _(
                    "that is the output of `conv2`; hook `bn2`, so batch normalization is "
                    "included, then apply the ReLU."
                ),
            )
    return _compare(
        array,
        expected,
        "block2_maps",
        _("32 maps of 14x14 per digit, after batch normalization and ReLU."),
        atol=1e-5,
    )


def _test_features() -> tuple[Any, ...]:
    """Features, labels and images of the classifier's split, and the classifier."""
    model, ((train_images, train_labels), (test_images, test_labels)) = _model_and_data()
    with torch.no_grad():
        return (
            model.features(train_images),
            train_labels,
            model.features(test_images),
            test_labels,
            train_images,
            test_images,
            model,
        )


_VARIANCE_KEPT = 0.8  # ex-pca: the share of the variance the components must keep


def _library_pca() -> dict[str, str]:
    """The library PCAs ex-pca refuses, each with the reason shown."""
    return {
        name: _(
            "your projections come from `{name}`, which does the PCA for you. This "
            "exercise is for doing it with NumPy's SVD (centre, np.linalg.svd, project), "
            "so that you see where the explained variance comes from."
        ).format(name=name)
        for name in ("PCA", "pca_by_hand", "embed", "TruncatedSVD", "pca_lowrank")
    }


def _components_needed(features: np.ndarray) -> tuple[int, np.ndarray]:
    """ex-pca: the fewest components keeping `_VARIANCE_KEPT` of the variance, and the shares."""
    singular = np.linalg.svd(features - features.mean(axis=0), compute_uv=False)
    kept = np.cumsum(singular**2) / np.sum(singular**2)
    return int(np.searchsorted(kept, _VARIANCE_KEPT) + 1), kept


def _count_hint(count: int, features: np.ndarray) -> str:
    """What a wrong number of components of ex-pca most likely comes from."""
    expected, kept = _components_needed(features)
    singular = np.linalg.svd(features - features.mean(axis=0), compute_uv=False)
    by_singular = int(np.searchsorted(np.cumsum(singular) / singular.sum(), _VARIANCE_KEPT) + 1)
    if count == expected - 1:
        return _(
            "{count} components keep {kept_count:.1%} of the variance, short of "
            "{needed:.0%}: an index found with searchsorted or argmax starts at 0, "
            "so add 1 to turn it into a count."
        ).format(count=count, kept_count=kept[count - 1], needed=_VARIANCE_KEPT)
    if count == by_singular and count != expected:
        return _(
            "you summed the singular values; the variance a component explains is its "
            "singular value *squared* (divided by N - 1, which cancels in the share)."
        )
    return _(
        "{count} components keep {share:.1%} of the variance: find the fewest "
        "whose shares s_i^2 / sum s^2 add up to at least {needed:.0%}."
    ).format(
        count=count,
        share=kept[min(max(count, 1), len(kept)) - 1],
        needed=_VARIANCE_KEPT,
    )


def _pca_hint(array: np.ndarray, features: np.ndarray) -> Feedback:
    """Compare (N, k) projections with PCA's, up to the sign of each column; name a slip."""
    k = array.shape[1]
    centred = features - features.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:k].T
    scale = np.abs(expected).max()

    def matches(candidate: np.ndarray) -> bool:
        signs = np.sign(np.sum(candidate * array, axis=0))
        signs[signs == 0] = 1
        return bool(np.abs(candidate * signs - array).max() <= 1e-3 * scale)

    if matches(expected):
        return Feedback(True, "")
    spread = features.std(axis=0)
    z_scored = centred / np.where(spread > 0, spread, 1.0)
    _skip, _skip2, vt_z = np.linalg.svd(z_scored, full_matrices=False)
    _skip, _skip2, vt_raw = np.linalg.svd(features, full_matrices=False)
    mistakes = {
        "the columns are in the wrong order: the first component has the largest singular "
        "value, and `np.linalg.svd` sorts them in decreasing order.": expected[:, ::-1],
        "those are the columns of U, scaled to length 1; the projections are U times the "
        "singular values, or the centred data times V.": u[:, :k],
        "centre the features first: subtract the mean of each column before the SVD.": (
            features @ vt_raw[:k].T
        ),
        "you divided each feature by its standard deviation (z-scored it): that is PCA of the "
        "correlations, which gives every feature the same weight. Here PCA only centres, so "
        "features that vary more count more.": z_scored @ vt_z[:k].T,
        "the components are the rows of V^T (`vt[:k]`), not its columns.": centred @ vt[:, :k],
    }
    for message, candidate in mistakes.items():
        if matches(candidate):
            return Feedback(False, message)
    return Feedback(
        False,
        _(
            "the values differ from the projections on the first principal components: "
            "centre, take `np.linalg.svd(centred, full_matrices=False)`, and project on "
            "the first rows of V^T."
        ),
    )


@exercise(N_("the pair (n_components, projections)"), pair=True)
def check_feature_pca(answer: Any) -> Feedback:
    """Exercise ex-pca: how many principal components keep 80% of the test features' variance.

    The answer is the pair (n_components, projections): the fewest components whose explained
    variance adds up to at least 80%, and the (1000, n_components) projections onto them.
    """
    try:
        count, projections = answer
    except (TypeError, ValueError):
        raise NotYet(_("`answer` should be the pair (n_components, projections).")) from None
    count = read_int(count)
    array = read_array(projections, "projections")
    refuse_in_answer(projections, "check_feature_pca", _library_pca())
    features = _test_features()[2].numpy().astype(np.float64)
    expected, kept = _components_needed(features)
    if count != expected:
        return Feedback(False, _count_hint(count, features))
    if array.shape != (len(features), count):
        if array.shape == (count, len(features)):
            return Feedback(
                False,
                _("`projections` has shape {shape}: transpose it, one row per digit.").format(
                    shape=array.shape
                ),
            )
        return Feedback(
            False,
            _("`projections` has shape {shape}; expected ({n}, {count}).").format(
                shape=array.shape, n=len(features), count=count
            ),
        )
    verdict = _pca_hint(array, features)
    if not verdict:
        return Feedback(
            False, _("the number of components is right; {message}").format(message=verdict.message)
        )
    return Feedback(
        True,
        _(
            "{count} of the 64 components keep {kept_count:.1%} of the variance (the first "
            "two, {kept:.1%}); your projections match, up to the sign of each component."
        ).format(count=count, kept_count=kept[count - 1], kept=kept[1]),
    )


def _read_nn_answer(
    nn_labels: np.ndarray, accuracy: np.ndarray, n: int
) -> tuple[torch.Tensor, float]:
    """The (nn_labels, accuracy) answer of ex-nearest as a label tensor and a number."""
    if nn_labels.shape != (n,):
        raise NotYet(
            _(
                "`nn_labels` has shape {nn_labels_shape}; expected ({n},): one label per test "
                "digit."
            ).format(nn_labels_shape=nn_labels.shape, n=n)
        )
    if not np.all(nn_labels == np.round(nn_labels)) or nn_labels.min() < 0 or nn_labels.max() > 9:
        raise NotYet(_("`nn_labels` should hold class indices 0-9, the labels of training digits."))
    if accuracy.size != 1:
        raise NotYet(
            _("`accuracy` should be one number, got shape {accuracy_shape}.").format(
                accuracy_shape=accuracy.shape
            )
        )
    return torch.as_tensor(nn_labels.astype(np.int64)), float(accuracy.reshape(-1)[0])


def _wrong_neighbours(mine: torch.Tensor, distances: torch.Tensor, train_labels: Any) -> int:
    """How many labels differ from the nearest training digit's; 0 when all are ties."""
    expected = train_labels[distances.argmin(dim=1)]
    differ = torch.nonzero(mine != expected)[:, 0]
    for i in differ.tolist():  # a tie (within rounding) between digits of two labels is fine
        same_label = distances[i][train_labels == mine[i]]
        if same_label.numel() == 0 or same_label.min() > distances[i].min() * (1 + 1e-4) + 1e-6:
            return len(differ)
    return 0


def _nn_hint(mine: torch.Tensor, distances: torch.Tensor, data: tuple[Any, ...]) -> str | None:
    """What wrong nearest-neighbour labels of ex-nearest most likely are, if a known slip."""
    _skip, train_labels, _skip2, test_labels, train_images, test_images, model = data

    def classifier() -> torch.Tensor:
        with torch.no_grad():
            return model(test_images).argmax(dim=1)

    def by_pixels() -> torch.Tensor:
        return train_labels[torch.cdist(test_images.flatten(1), train_images.flatten(1)).argmin(1)]

    def by_cosine() -> torch.Tensor:
        unit = [F.normalize(f, dim=1) for f in (data[2], data[0])]
        return train_labels[(unit[0] @ unit[1].T).argmax(dim=1)]

    def by_vote() -> torch.Tensor:
        """`mine` where each label is one of the most common among the 5 nearest, else -1."""
        votes = F.one_hot(train_labels[distances.topk(5, largest=False).indices], 10).sum(1)
        winners = votes == votes.max(dim=1, keepdim=True).values
        return torch.where(winners[torch.arange(len(mine)), mine], mine, -1)

    hints = [
        (
            lambda: test_labels,
            _(
                "those are the true test labels; label each test digit with the label of its "
                "nearest *training* digit."
            ),
        ),
        (
            by_pixels,
            _(
                "those are the nearest neighbours by raw pixels; use the 64 penultimate "
                "features (`test_features`, `train_features`)."
            ),
        ),
        (
            classifier,
            _(
                "those are the classifier's own predictions; label each test digit with the "
                "label of its nearest training digit instead."
            ),
        ),
        (
            by_cosine,
            _(
                "those are the nearest neighbours by cosine similarity (the angle between "
                "feature vectors); the exercise asks for the Euclidean distance (torch.cdist)."
            ),
        ),
        (
            by_vote,
            _(
                "that is a majority vote of the 5 nearest training digits (the chapter's "
                "k-NN); the exercise asks for the label of the *single* nearest one."
            ),
        ),
        (
            lambda: train_labels[distances.argmax(dim=1)],
            _(
                "those are the labels of the *farthest* training digits: take the smallest "
                "distance (argmin, or topk with largest=False)."
            ),
        ),
    ]
    for labels, hint in hints:  # computed one at a time: the pixel distances take a while
        if torch.equal(mine, labels()):
            return hint
    return None


@exercise(N_("the pair (nn_labels, accuracy)"), pair=True)
def check_feature_1nn(answer: Any) -> Feedback:
    """Exercise ex-nearest: 1-nearest-neighbour labels in feature space, accuracy.

    The answer is the pair (nn_labels, accuracy): the label of each test digit's nearest training
    digit (1,000 class indices), and the fraction of them that are right. Both are recomputed.
    """
    nn_labels, accuracy = read_pair(answer, ("nn_labels", "accuracy"))
    data = _test_features()
    train_features, train_labels, test_features, test_labels = data[:4]
    n = len(test_labels)
    mine, value = _read_nn_answer(nn_labels, accuracy, n)
    distances = torch.cdist(test_features, train_features)
    wrong = _wrong_neighbours(mine, distances, train_labels)
    if wrong:
        hint = _nn_hint(mine, distances, data)
        return Feedback(
            False,
            hint
            or _(
                "{wrong} of the {n} labels are not those of the nearest training digit in "
                "feature space: compute all test-to-training distances (torch.cdist) and take "
                "the label of the closest one."
            ).format(wrong=wrong, n=n),
        )
    right = float((mine == test_labels).float().mean())
    if abs(value - 100 * right) <= 0.05 and abs(value - right) > 1e-6:
        return Feedback(
            False,
            _(
                "the labels are right; the accuracy is a percentage: give a fraction between 0 "
                "and 1."
            ),
        )
    if abs(value - right) > 1e-6:
        return Feedback(
            False,
            _(
                "the labels are right, but they give an accuracy of {right:.4f}, not "
                "{value:.4f}: the fraction of test digits whose nearest neighbour's label "
                "equals their own."
            ).format(right=right, value=value),
        )
    return Feedback(
        True,
        _(
            "{right:.3f} of the test digits get the label of their nearest training digit "
            "in feature space."
        ).format(right=right),
    )

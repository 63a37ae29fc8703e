"""Exercise checks of chapter 09 (what the network learned): feature maps, PCA, neighbours, sizes.

They read chapter 08's classifier through `pretrained.trained_classifier` at call time (so tests can
replace it with a fixed random network).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils import pretrained
from course_utils.featurevis import receptive_field
from course_utils.models import DigitCNN

from ._feedback import Feedback, NotYet, _compare, exercise, read_array, read_pair

__all__ = [
    "check_block_sizes",
    "check_block2_maps",
    "check_feature_pca",
    "check_feature_1nn",
    "check_pooled_receptive_field",
]


def _model_and_data() -> tuple[Any, Any]:
    """Chapter 08's classifier and its (train, test) split, looked up at call time."""
    return pretrained.trained_classifier(), pretrained.classifier_data()


@exercise("the (8, 32, 14, 14) tensor of block-2 feature maps")
def check_block2_maps(answer: Any) -> Feedback:
    """Exercise ex-hook (chapter 09): block 2's feature maps after the ReLU for 8 test digits."""
    array = read_array(answer, "block2_maps")
    model, (_, (test_images, _)) = _model_and_data()
    with torch.no_grad():
        block1 = model.pool(F.relu(model.bn1(model.conv1(test_images[:8]))))
        conv2 = model.conv2(block1)
        bn2 = model.bn2(conv2)
    expected = F.relu(bn2).numpy().astype(np.float64)
    if array.shape == (8, 32, 7, 7):
        return Feedback(
            False,
            "those maps are 7x7: they were pooled. Take the output of `bn2`, "
            "before `model.pool` halves it.",
        )
    if array.shape == (8, 16, 28, 28) or array.shape == (8, 16, 14, 14):
        return Feedback(False, "16 channels is block 1; hook `model.bn2`, which has 32.")
    if array.shape == expected.shape:
        if np.allclose(array, bn2.numpy(), atol=1e-5):
            return Feedback(
                False,
                "that is `bn2`'s output before the ReLU (it has negative values): "
                "apply F.relu to it.",
            )
        if np.allclose(array, F.relu(conv2).numpy(), atol=1e-5) or np.allclose(
            array, conv2.numpy(), atol=1e-5
        ):
            return Feedback(
                False,
                "that is the output of `conv2`; hook `bn2`, so batch normalization "
                "is included, then apply the ReLU.",
            )
    return _compare(
        array,
        expected,
        "block2_maps",
        "32 maps of 14x14 per digit, after batch normalization and ReLU.",
        atol=1e-5,
    )


def _test_features() -> tuple[Any, ...]:
    """Features, labels and images of chapter 08's split, and the classifier (chapter 09)."""
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


def _pca_hint(array: np.ndarray, features: np.ndarray) -> Feedback:
    """Compare (1000, 2) projections with PCA's, up to the sign of each column; name a slip."""
    centred = features - features.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    scale = np.abs(expected).max()

    def matches(candidate: np.ndarray) -> bool:
        signs = np.sign(np.sum(candidate * array, axis=0))
        signs[signs == 0] = 1
        return bool(np.abs(candidate * signs - array).max() <= 1e-3 * scale)

    if matches(expected):
        return Feedback(True, "the projections on the first two principal components (up to sign).")
    if matches(expected[:, ::-1]):
        return Feedback(
            False,
            "the two columns are swapped: the first component has the largest "
            "singular value, and `np.linalg.svd` sorts them in decreasing order.",
        )
    if matches(u[:, :2]):
        return Feedback(
            False,
            "those are the columns of U, scaled to length 1; the projections are "
            "U times the singular values, or the centred data times V.",
        )
    _, _, vt_raw = np.linalg.svd(features, full_matrices=False)
    if matches(features @ vt_raw[:2].T) or matches(centred @ vt_raw[:2].T):
        return Feedback(
            False, "centre the features first: subtract the mean of each column before the SVD."
        )
    if matches(centred @ vt[:, :2]):
        return Feedback(False, "the components are the rows of V^T (`vt[:2]`), not its columns.")
    return Feedback(
        False,
        "the values differ from the projections on the first two principal "
        "components: centre, take `np.linalg.svd(centred, full_matrices=False)`, "
        "and project on the first two rows of V^T.",
    )


@exercise("the (1000, 2) array of projections")
def check_feature_pca(answer: Any) -> Feedback:
    """Exercise ex-pca (chapter 09): the test features projected on 2 principal components."""
    array = read_array(answer, "feature_pca")
    features = _test_features()[2].numpy().astype(np.float64)
    expected_shape = (len(features), 2)
    if array.shape != expected_shape:
        if array.shape == (2, len(features)):
            return Feedback(
                False, f"`feature_pca` has shape {array.shape}: transpose it, one row per digit."
            )
        return Feedback(False, f"`feature_pca` has shape {array.shape}; expected {expected_shape}.")
    return _pca_hint(array, features)


def _read_nn_answer(
    nn_labels: np.ndarray, accuracy: np.ndarray, n: int
) -> tuple[torch.Tensor, float]:
    """The (nn_labels, accuracy) answer of ex-nearest as a label tensor and a number."""
    if nn_labels.shape != (n,):
        raise NotYet(
            f"`nn_labels` has shape {nn_labels.shape}; expected ({n},): one label per test digit."
        )
    if not np.all(nn_labels == np.round(nn_labels)) or nn_labels.min() < 0 or nn_labels.max() > 9:
        raise NotYet("`nn_labels` should hold class indices 0-9, the labels of training digits.")
    if accuracy.size != 1:
        raise NotYet(f"`accuracy` should be one number, got shape {accuracy.shape}.")
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
    _, train_labels, _, test_labels, train_images, test_images, model = data

    def classifier() -> torch.Tensor:
        with torch.no_grad():
            return model(test_images).argmax(dim=1)

    def by_pixels() -> torch.Tensor:
        return train_labels[torch.cdist(test_images.flatten(1), train_images.flatten(1)).argmin(1)]

    hints = [
        (
            lambda: test_labels,
            "those are the true test labels; label each test digit with the label of "
            "its nearest *training* digit.",
        ),
        (
            by_pixels,
            "those are the nearest neighbours by raw pixels; use the 64 penultimate "
            "features (`test_features`, `train_features`).",
        ),
        (
            classifier,
            "those are the classifier's own predictions; label each test digit with the "
            "label of its nearest training digit instead.",
        ),
        (
            lambda: train_labels[distances.argmax(dim=1)],
            "those are the labels of the *farthest* training digits: take the smallest "
            "distance (argmin, or topk with largest=False).",
        ),
    ]
    for labels, hint in hints:  # computed one at a time: the pixel distances take a while
        if torch.equal(mine, labels()):
            return hint
    return None


@exercise("the pair (nn_labels, accuracy)", pair=True)
def check_feature_1nn(answer: Any) -> Feedback:
    """Exercise ex-nearest (chapter 09): 1-nearest-neighbour labels in feature space, accuracy.

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
            or f"{wrong} of the {n} labels are not those of the nearest training digit in "
            "feature space: compute all test-to-training distances (torch.cdist) and take "
            "the label of the closest one.",
        )
    right = float((mine == test_labels).float().mean())
    if abs(value - 100 * right) <= 0.05 and abs(value - right) > 1e-6:
        return Feedback(
            False,
            "the labels are right; the accuracy is a percentage: give a fraction between 0 and 1.",
        )
    if abs(value - right) > 1e-6:
        return Feedback(
            False,
            f"the labels are right, but they give an accuracy of {right:.4f}, not {value:.4f}: "
            "the fraction of test digits whose nearest neighbour's label equals their own.",
        )
    return Feedback(
        True,
        f"{right:.3f} of the test digits get the label of their nearest training digit "
        "in feature space.",
    )


def _as_triple(answer: Any) -> tuple[int, int, int]:
    """Three integers (size, stride, offset), or a "not yet" stop saying why not."""
    try:
        values = tuple(answer)
    except TypeError:
        raise NotYet(
            f"give the triple (size, stride, offset), got {type(answer).__name__}."
        ) from None
    if len(values) != 3:
        raise NotYet(f"give three numbers (size, stride, offset), got {len(values)}.")
    if not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and float(v).is_integer()
        for v in values
    ):
        raise NotYet(f"size, stride and offset are whole numbers of pixels, got {values}.")
    return tuple(int(v) for v in values)


@exercise("the triple (size, stride, offset)")
def check_pooled_receptive_field(answer: Any) -> Feedback:
    """Exercise ex-receptive-field (chapter 09): the receptive field after block 3's pooling."""
    triple = _as_triple(answer)
    model = DigitCNN()  # the geometry only: weights play no part
    expected = receptive_field(model, "pool", (1, 28, 28))  # the shared pool's last call
    if triple == expected:
        size, stride, offset = triple
        return Feedback(
            True,
            f"each of the 3x3 positions sees a {size}x{size} window, {stride} pixels from the "
            f"next, the first starting at pixel {offset} (in the padding).",
        )
    if triple == receptive_field(model, "bn3", (1, 28, 28)):
        return Feedback(False, "that is block 3 before its pooling; add the last 2x2 pooling.")
    size, stride, offset = triple
    if stride != expected[1]:
        return Feedback(False, "the stride should be the product of the strides of all layers.")
    if size != expected[0]:
        return Feedback(
            False,
            "the size is not right: each layer adds (kernel - 1) times the jump *before* that "
            "layer, the jump being the product of the strides before it.",
        )
    return Feedback(
        False,
        "size and stride are right, the offset is not: each padding p moves the start by "
        "p times the jump before that layer (poolings here have no padding).",
    )


def _mobilenet_sizes(size: int) -> list[int]:
    """The spatial size after each of MobileNetV2's 19 feature blocks for a square input."""
    from torchvision.models import mobilenet_v2

    from course_utils.models import describe

    traced = describe(mobilenet_v2(), (1, 3, size, size))  # the geometry only: no weights
    return [traced.shape_of(f"features.{k}")[2] for k in range(19)]


def _read_sizes(answer: Any) -> list[int]:
    """The answer as a list of whole numbers, or a "not yet" stop saying why not."""
    array = read_array(answer, "block_sizes")
    if array.ndim != 1:
        raise NotYet(f"give a flat list of 19 sizes, got an array of shape {array.shape}.")
    if len(array) != 19:
        raise NotYet(
            f"give 19 sizes, one per block `features[0]` to `features[18]`; got {len(array)}."
        )
    if not np.all(array == np.round(array)):
        raise NotYet("sizes are whole numbers of positions: round down inside the formula.")
    return [int(v) for v in array]


def _size_hint(sizes: list[int], expected: list[int]) -> str:
    """What a wrong list of block sizes most likely is."""
    if sizes == _mobilenet_sizes(224):
        return "those are the sizes for a 224x224 input; the exercise asks for 200x200."
    if sizes == [200, *expected[:-1]]:
        return "those are the sizes *entering* each block; give the size leaving it."
    if sizes[:4] == [32, 16, 24, 24]:
        return "those are channel counts; give the spatial size (height = width) of the maps."
    floor_halves, size = [], 200
    for before, after in zip([200, *expected[:-1]], expected, strict=True):
        size = size // 2 if after != before else size
        floor_halves.append(size)
    if sizes == floor_halves:
        return (
            "25 does not become 12: a 3x3 convolution with stride 2 and padding 1 gives "
            "floor((n + 2 - 3) / 2) + 1, which is 13 for n = 25 (it rounds odd sizes up)."
        )
    steps = list(zip([200, *sizes[:-1]], sizes, strict=True))
    if all(b <= a for a, b in steps) and sum(b < a for a, b in steps) > 5:
        return (
            "not every block halves the size: only those whose convolutions have stride 2 "
            "(read each `nn.Conv2d`'s `stride`)."
        )
    first = next(k for k, (a, b) in enumerate(zip(sizes, expected, strict=True)) if a != b)
    return (
        f"the sizes are right up to `features[{first - 1}]` and wrong from `features[{first}]`"
        if first
        else "the first block, `features[0]`, already has the wrong size"
    ) + ": apply (n + 2 * padding - kernel) // stride + 1 to every convolution in order."


@exercise("the list of 19 output sizes")
def check_block_sizes(answer: Any) -> Feedback:
    """Exercise ex-block-sizes (chapter 09): MobileNetV2's block output sizes for 200x200."""
    sizes = _read_sizes(answer)
    expected = _mobilenet_sizes(200)
    if sizes == expected:
        return Feedback(
            True,
            "200 becomes 100, 50, 25, 13 and 7 at the five stride-2 blocks "
            "(features[0], 2, 4, 7 and 14); every other block keeps the size.",
        )
    return Feedback(False, _size_hint(sizes, expected))

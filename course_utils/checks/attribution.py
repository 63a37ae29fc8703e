"""Exercise checks of the occlusion and saliency chapter: copies, guided backprop, Grad-CAM.

The probability check reads the trained digit classifier through
`pretrained.trained_classifier` at call time (so tests can replace it with a fixed random
network). The second-class Grad-CAM check runs the ImageNet network
(`imagenet.imagenet_classifier`) on scikit-image's astronaut photo.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from course_utils import pretrained
from course_utils.i18n import N_, _
from course_utils.interpret import grad_cam, imagenet_input, occlusion

from ._feedback import Feedback, _compare, exercise, read_array, read_int

__all__ = [
    "check_occlusion_copies",
    "check_guided_tiny",
    "check_probability_occlusion",
    "check_grad_cam_tiny",
    "check_second_class_grad_cam",
]


@exercise(N_("the number of masked copies, an int"))
def check_occlusion_copies(answer: Any) -> Feedback:
    """Exercise ex-copies: masked copies of a 28x28 image, window 6, stride 4."""
    answer = read_int(answer, whole_floats=False)
    per_axis = -(-(28 - 6) // 4) + 1  # ceil((28 - 6) / 4) + 1 = 7: Captum covers the border
    floor = (28 - 6) // 4 + 1  # the convolution formula, which leaves pixels 26-27 uncovered
    hints = {
        per_axis: _(
            "that is the count along one axis; the window slides along both, so square it."
        ),
        floor**2: _(
            "that is the convolution formula (floor): it leaves pixels 26-27 uncovered. "
            "Captum adds one more window, cut off at the border."
        ),
        floor: _(
            "that is the floor formula along one axis; Captum covers the border with one "
            "more window, and the window slides along both axes."
        ),
        (28 - 6 + 1) ** 2: _("that is stride 1; the window moves 4 pixels at a time."),
        (28 // 4) ** 2: _(
            "that counts non-overlapping 4x4 tiles; the window is 6 wide and moves by 4."
        ),
    }
    if answer == per_axis**2:
        return Feedback(
            True,
            _("{per_axis} positions per axis (0, 4, ..., 24), so {copies} copies.").format(
                per_axis=per_axis, copies=per_axis**2
            ),
        )
    return Feedback(
        False,
        hints.get(
            answer,
            _(
                "got {answer}; count the window's start offsets along one axis until pixel 27 "
                "is covered, then square."
            ).format(answer=answer),
        ),
    )


def _tiny_network() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W1, w2 and x of ex-guided: the score is w2 . relu(W1 x)."""
    w1 = np.array(
        [
            [1.0, -1.0, 0.5, 2.0],
            [0.5, 1.0, -1.0, 0.0],
            [-1.0, 0.5, 1.0, 1.0],
            [2.0, 0.0, -0.5, -1.0],
        ]
    )
    w2 = np.array([1.5, -2.0, 1.0, -0.5])
    x = np.array([1.0, 0.5, -1.0, 0.5])
    return w1, w2, x


@exercise(N_("the guided-backprop map, an array of 4 numbers"))
def check_guided_tiny(answer: Any) -> Feedback:
    """Exercise ex-guided: guided backprop through one ReLU, by hand."""
    array = read_array(answer, "guided_map")
    w1, w2, x = _tiny_network()
    active = (w1 @ x) > 0
    expected = w1.T @ (np.maximum(w2, 0) * active)
    if array.shape == expected.shape:
        wrong = [
            (
                w1.T @ (w2 * active),
                _(
                    "that is the plain gradient: the guided rule also drops the negative gradients "
                    "at the ReLU."
                ),
            ),
            (
                w1.T @ np.maximum(w2, 0),
                _(
                    "that is the 'deconvnet' rule (positive gradients, ignoring which units were "
                    "active): also keep the forward mask z > 0."
                ),
            ),
            (
                w1.T @ w2,
                _(
                    "you skipped the ReLU: apply both the forward mask (z > 0) and max(gradient, "
                    "0)."
                ),
            ),
            (
                w1 @ (np.maximum(w2, 0) * active),
                _("the last step multiplies by W1 transposed (W1.T @ ...), not W1."),
            ),
        ]
        for candidate, message in wrong:
            if np.allclose(array, candidate):
                return Feedback(False, message)
    return _compare(
        array,
        expected,
        "guided_map",
        _(
            "only the first hidden unit is active with a positive gradient, so the map is "
            "1.5 times the first row of W1."
        ),
    )


def _occlusion_geometry(array: np.ndarray, score: Any, image: Any, label: Any) -> str | None:
    """ex-probability: the window and stride of a probability map made with the wrong ones."""
    for window in (4, 2, 3, 5, 6, 7, 8):
        for stride in range(1, window + 1):
            if (window, stride) == (4, 2):
                continue
            wrong = occlusion(score, image, label, window, stride)[0, 0].numpy()
            if np.allclose(array, wrong, atol=1e-5):
                if stride == 2:
                    wrong_part = _("the window is not the exercise's")
                elif window == 4:
                    wrong_part = _("the stride is not the exercise's")
                else:
                    wrong_part = _("neither the window nor the stride is the exercise's")
                return _(
                    "that is the map with window {window} and stride {stride}: {wrong_part}. It "
                    "asks for a 4x4 window moved 2 pixels at a time (window=4, stride=2)."
                ).format(window=window, stride=stride, wrong_part=wrong_part)
    return None


@exercise(N_("the (28, 28) occlusion map of the probability"))
def check_probability_occlusion(answer: Any) -> Feedback:
    """Exercise ex-probability: occlusion map of the true class's probability."""
    array = read_array(answer, "probability_map")
    if array.size == 28 * 28:
        array = array.reshape(28, 28)
    elif array.ndim == 4 and array.shape[2:] == (28, 28):
        return Feedback(
            False,
            _("`probability_map` has shape {shape}; take one channel of one image: [0, 0].").format(
                shape=array.shape
            ),
        )
    model = pretrained.trained_classifier()
    _skip, (test_images, test_labels) = pretrained.classifier_data()
    image, label = test_images[:1], test_labels[:1]

    def run(score: Any) -> np.ndarray:
        return occlusion(score, image, label, window=4, stride=2)[0, 0].numpy().astype(np.float64)

    expected = run(lambda x: torch.softmax(model(x), dim=1))
    if array.shape == expected.shape:
        if np.allclose(array, run(model), atol=1e-5):
            return Feedback(
                False,
                _(
                    "that is the map of the logit; wrap the model in a function that returns "
                    "torch.softmax(model(x), dim=1)."
                ),
            )
        if np.allclose(array, run(lambda x: torch.log_softmax(model(x), dim=1)), atol=1e-5):
            return Feedback(False, _("that is the log-probability (log_softmax); use softmax."))
        if np.allclose(array, -expected, atol=1e-6):
            return Feedback(
                False, _("the sign is flipped: occlusion records score(original) - score(masked).")
            )
        geometry = _occlusion_geometry(
            array, lambda x: torch.softmax(model(x), dim=1), image, label
        )
        if geometry is not None:
            return Feedback(False, geometry)
    return _compare(
        array,
        expected,
        "probability_map",
        _(
            "the drop of the true class's probability, averaged over the windows covering "
            "each pixel."
        ),
        atol=1e-5,
    )


def _grad_cam_tiny_case() -> tuple[np.ndarray, np.ndarray]:
    """The feature maps A (2, 3, 3) and their gradients G in exercise ex-gradcam."""
    feature_maps = np.array(
        [
            [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0], [1.0, 0.0, 1.0]],
            [[0.0, 2.0, 0.0], [1.0, 1.0, 1.0], [0.0, 2.0, 1.0]],
        ]
    )
    gradients = np.array(
        [
            [[0.5, 1.0, -0.5], [0.0, 0.5, 0.0], [1.0, -1.0, 0.5]],
            [[-1.0, 0.0, -0.5], [-0.5, 0.0, -0.5], [0.0, -1.0, 0.5]],
        ]
    )
    return feature_maps, gradients


@exercise(N_("the Grad-CAM map, a 3x3 array"))
def check_grad_cam_tiny(answer: Any) -> Feedback:
    """Exercise ex-gradcam: a 3x3 Grad-CAM map from two channels, by hand."""
    array = read_array(answer, "grad_cam_map")
    feature_maps, gradients = _grad_cam_tiny_case()
    weighted = np.tensordot(gradients.mean(axis=(1, 2)), feature_maps, axes=1)
    if array.shape == weighted.shape:
        wrong = {
            "some values are negative: Grad-CAM keeps only the positive part (a ReLU).": weighted,
            "each channel's weight is the *mean* of its gradient over the 9 positions, "
            "not the sum.": np.maximum(9 * weighted, 0),
            "that weighs every position by its own gradient (gradient x activation); "
            "Grad-CAM first averages each channel's gradient over the map.": np.maximum(
                (gradients * feature_maps).sum(axis=0), 0
            ),
            "you scaled the map to a maximum of 1; give the map itself, before any scaling "
            "for display.": np.maximum(weighted, 0) / np.maximum(weighted, 0).max(),
        }
        for message, candidate in wrong.items():
            if np.allclose(array, candidate):
                return Feedback(False, message)
    return _compare(
        array,
        np.maximum(weighted, 0),
        "grad_cam_map",
        _("the channel weights are 2/9 and -1/3, so the map is ReLU(2/9 A[0] - 1/3 A[1])."),
    )


def _astronaut() -> tuple[torch.nn.Module, torch.Tensor, np.ndarray]:
    """The ImageNet network, the astronaut photo as its (1, 3, 224, 224) input, the photo."""
    from course_utils.data import sample_image
    from course_utils.imagenet import imagenet_classifier

    photo = sample_image("astronaut", 224)  # a square photo: its central square is all of it
    return imagenet_classifier(), imagenet_input(photo), photo


def _second_class_mistakes(net, x, photo, classes, expected) -> dict[str, Any]:
    """Named wrong answers of ex-second-class, each computed only when it is compared."""
    second, layer = int(classes[1]), net.features[18]
    with_softmax = torch.nn.Sequential(net, torch.nn.Softmax(dim=1))

    def cam(model, inputs, target, at) -> np.ndarray:
        return grad_cam(model, inputs, target, layer=at)[0, 0].numpy().astype(np.float64)

    raw = torch.from_numpy(photo).permute(2, 0, 1)[None]  # the photo without normalization
    return {
        "that is the map of the top class; the exercise asks for the second most probable "
        "class (logits.topk(2) gives both).": lambda: cam(net, x, int(classes[0]), layer),
        "you scaled the map to a maximum of 1; give the map itself, before any scaling "
        "for display.": lambda: expected / expected.max(),
        "that is Grad-CAM at mobilenet.features[17]; use the last block, "
        "mobilenet.features[18].": lambda: cam(net, x, second, net.features[17]),
        "that is Grad-CAM of the class's probability (after the softmax); Grad-CAM "
        "differentiates the logit.": lambda: cam(
            with_softmax, x, second, with_softmax[0].features[18]
        ),
        "that map comes from the photo without ImageNet's normalization; pass it through "
        "imagenet_input first.": lambda: cam(net, raw, second, layer),
    }


@exercise(N_("the (224, 224) Grad-CAM map"))
def check_second_class_grad_cam(answer: Any) -> Feedback:
    """Exercise ex-second-class: Grad-CAM of the astronaut's second class."""
    array = read_array(answer, "second_class_map")
    if array.ndim == 4 and array.shape[:2] == (1, 1):
        array = array[0, 0]
    if array.shape == (7, 7):
        return Feedback(
            False,
            _(
                "that is the 7x7 map of the layer; up-sample it to the photo's 224x224 "
                "(bilinear), as grad_cam does by default."
            ),
        )
    if array.shape != (224, 224):
        return Feedback(
            False,
            _("`second_class_map` has shape {shape}; expected (224, 224).").format(
                shape=array.shape
            ),
        )
    if array.min() < 0:
        return Feedback(
            False, _("some values are negative: Grad-CAM keeps only the positive part (a ReLU).")
        )
    net, x, photo = _astronaut()
    with torch.no_grad():
        classes = net(x)[0].topk(2).indices
    expected = grad_cam(net, x, int(classes[1]), layer=net.features[18])[0, 0]
    expected = expected.numpy().astype(np.float64)
    close = max(1e-4, 1e-3 * float(expected.max()))
    if not np.abs(array - expected).max() <= close:
        for message, mistake in _second_class_mistakes(net, x, photo, classes, expected).items():
            if np.allclose(array, mistake(), atol=close, rtol=0):
                return Feedback(False, message)
    from course_utils.imagenet import imagenet_categories

    name = imagenet_categories()[int(classes[1])]
    return _compare(
        array,
        expected,
        "second_class_map",
        _(
            "the second class is '{name}', and this is its Grad-CAM map at mobilenet.features[18]."
        ).format(name=name),
        atol=close,
    )

"""Exercise checks for chapter 09's Grad-CAM section (to be merged into course_utils.checks)."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Feedback, _as_array, _compare


def _ch09_grad_cam_tiny() -> tuple[np.ndarray, np.ndarray]:
    """The feature maps A (2, 3, 3) and their gradients G in exercise ex-09-gradcam."""
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


def check_grad_cam_tiny(answer) -> Feedback:
    """Exercise ex-09-gradcam (chapter 09): a 3x3 Grad-CAM map from two channels, by hand."""
    if answer is None:
        return Feedback(False, "replace `None` with the Grad-CAM map, a 3x3 array.")
    array = _as_array(answer, "grad_cam_map")
    if isinstance(array, Feedback):
        return array
    feature_maps, gradients = _ch09_grad_cam_tiny()
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
        }
        for message, candidate in wrong.items():
            if np.allclose(array, candidate):
                return Feedback(False, message)
    return _compare(
        array,
        np.maximum(weighted, 0),
        "grad_cam_map",
        "the channel weights are 2/9 and -1/3, so the map is ReLU(2/9 A[0] - 1/3 A[1]).",
    )

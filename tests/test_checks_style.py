"""The style-transfer exercise checks accept right answers and explain wrong ones."""

import numpy as np
import pytest
import torch

from course_utils.checks import (
    Feedback,
    check_block3_gram,
    check_deep_layer_texture,
    check_gram_by_hand,
    check_total_variation_by_hand,
)
from course_utils.style import (
    FeatureExtractor,
    brush_stroke_painting,
    gram_matrix,
    total_variation,
    transfer,
)

FEATURES = np.array([[[[2.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 3.0]]]])
TV_IMAGE = np.array([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [1.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    "check",
    [
        check_gram_by_hand,
        check_total_variation_by_hand,
        check_block3_gram,
        check_deep_layer_texture,
    ],
)
def test_placeholder_none_is_not_yet(check):
    feedback = check(None)
    assert isinstance(feedback, Feedback) and not feedback
    assert "None" in feedback.message


def test_gram_by_hand():
    right = gram_matrix(torch.tensor(FEATURES))[0].numpy()
    assert check_gram_by_hand(right)
    assert check_gram_by_hand(right[None])  # (1, 2, 2) is accepted too
    assert check_gram_by_hand(torch.tensor(right))
    rows = FEATURES.reshape(2, 4)
    too_large = check_gram_by_hand(rows @ rows.T)
    assert not too_large and "H W = 4" in too_large.message
    positions = check_gram_by_hand(rows.T @ rows / 2)
    assert not positions and "F^T F" in positions.message
    by_chw = check_gram_by_hand(rows @ rows.T / 8)  # divided by C H W, not H W
    assert not by_chw and "C H W = 8" in by_chw.message
    assert not check_gram_by_hand(np.zeros((2, 2)))
    assert not check_gram_by_hand("two by two")


def test_total_variation_by_hand():
    right = total_variation(torch.tensor(TV_IMAGE)[None, None]).item()
    assert right == pytest.approx(0.375)
    assert check_total_variation_by_hand(right)
    assert check_total_variation_by_hand(np.float32(right))
    assert "sum" in check_total_variation_by_hand(2.25).message
    assert "absolute" in check_total_variation_by_hand(3.5 / 6).message
    assert "one direction" in check_total_variation_by_hand(1.25 / 6).message
    joint = np.concatenate([np.diff(TV_IMAGE, axis=0).ravel(), np.diff(TV_IMAGE, axis=1).ravel()])
    one_mean = check_total_variation_by_hand(float(np.mean(joint**2)))  # 2.25 / 12
    assert not one_mean and "one mean over all 12" in one_mean.message
    assert not check_total_variation_by_hand(0.5)
    assert "one number" in check_total_variation_by_hand([1.0, 2.0]).message


@pytest.fixture(scope="module")
def painting():
    return brush_stroke_painting(64)


def _texture(painting, layers):
    image, _ = transfer(
        painting,
        painting,
        size=64,
        steps=80,
        content_weight=0.0,
        tv_weight=0.0,
        init="noise",
        style_layers=layers,
        features=FeatureExtractor("random"),
    )
    return image


def test_deep_layer_texture_accepts_a_conv3_to_conv5_texture(painting):
    feedback = check_deep_layer_texture(_texture(painting, ["conv3", "conv4", "conv5"]))
    assert feedback, feedback.message
    assert "conv1" in feedback.message and "conv5" in feedback.message


def test_deep_layer_texture_explains_wrong_answers(painting):
    assert "painting itself" in check_deep_layer_texture(painting).message
    assert "64x64" in check_deep_layer_texture(np.zeros((32, 32, 3))).message
    assert "[0, 1]" in check_deep_layer_texture(np.full((64, 64, 3), 9.0)).message
    unfinished = check_deep_layer_texture(np.full((64, 64, 3), 0.5))
    assert not unfinished and "steps" in unfinished.message
    all_layers = check_deep_layer_texture(_texture(painting, None))
    assert not all_layers and "leave conv1" in all_layers.message


def test_deep_layer_texture_wants_synthesis_not_the_painting_with_noise(painting):
    rng = np.random.default_rng(0)
    for noisy in (
        np.clip(painting + rng.normal(0, 0.13, painting.shape), 0, 1),
        np.clip(
            np.roll(painting, (20, 13), axis=(0, 1)) + rng.normal(0, 0.3, painting.shape), 0, 1
        ),
    ):
        feedback = check_deep_layer_texture(noisy.astype(np.float32))
        assert not feedback and "painting's layout" in feedback.message


# --- ex-block3-gram: the Gram matrix of a trained layer -------------------------------------


@pytest.fixture(scope="module")
def block3_maps():
    from course_utils.style import as_image_tensor, wave_painting

    network = FeatureExtractor("mobilenet_v2", layers=["block3"], verbose=False)
    assert network.kind == "mobilenet_v2"
    with torch.no_grad():
        return network(as_image_tensor(wave_painting(224)))["block3"]


def test_block3_gram_accepts_the_gram_matrix(block3_maps):
    rows = block3_maps[0].reshape(24, 56 * 56)
    right = rows @ rows.T / (56 * 56)
    assert check_block3_gram(right), check_block3_gram(right).message
    assert check_block3_gram(gram_matrix(block3_maps))  # (1, 24, 24) is accepted too
    assert check_block3_gram(right.double().numpy())


def test_block3_gram_names_the_likely_mistakes(block3_maps):
    rows = block3_maps[0].reshape(24, 56 * 56)
    right = rows @ rows.T / (56 * 56)
    by_all = check_block3_gram(right / 24)
    assert not by_all and "C H W" in by_all.message
    undivided = check_block3_gram(right * 56 * 56)
    assert not undivided and "not divided" in undivided.message
    centred = rows - rows.mean(dim=1, keepdim=True)
    covariance = check_block3_gram(centred @ centred.T / (56 * 56))
    assert not covariance and "covariance" in covariance.message
    positions = check_block3_gram(torch.zeros(3136, 3136))
    assert not positions and "F^T F" in positions.message
    other_layer = check_block3_gram(torch.eye(16))
    assert not other_layer and "block3" in other_layer.message
    nearly = check_block3_gram(right * 1.01)
    assert not nearly and "differ" in nearly.message
    assert not check_block3_gram(torch.full((24, 24), float("nan")))


def test_block3_gram_says_when_the_weights_are_missing(monkeypatch, block3_maps):
    from course_utils import imagenet

    def missing(fetch=True):
        raise imagenet.WeightsUnavailable("missing")

    monkeypatch.setattr(imagenet, "imagenet_classifier", missing)
    feedback = check_block3_gram(torch.zeros(24, 24))
    assert not feedback and "download" in feedback.message

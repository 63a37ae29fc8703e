"""The bad-input battery over the public API: each bad input gets a clear error naming the argument.

The table lives in tests/reliability_cases.py (benchmarks/reliability.py counts the same cases).
A case passes when the call raises the expected kind of error with a one-line message that
names the argument, or, for an exercise check, answers "not yet". A call that returns normally
is a silent wrong result, the failure this battery exists to catch.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from reliability_cases import acceptable_inputs, accepted, all_cases, outcome  # noqa: E402

CASES = all_cases()
ACCEPTABLE = acceptable_inputs()

# The battery's exact size, as benchmarks/RESULTS.md reports it: every one of these bad inputs
# must give a clear error (the test below), so the counts are 776 clear, 0 unclear, 0 silent,
# and the 21 acceptable inputs are all taken and read right. A case added or dropped changes
# these numbers on purpose: update them here and rerun benchmarks/reliability.py.
BAD_INPUTS = 776
ACCEPTABLE_INPUTS = 21


def test_the_battery_has_its_exact_size_and_unique_ids():
    assert len(CASES) == BAD_INPUTS
    assert len(ACCEPTABLE) == ACCEPTABLE_INPUTS
    ids = [case.id for case in CASES] + [case.id for case in ACCEPTABLE]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", ACCEPTABLE, ids=[case.id for case in ACCEPTABLE])
def test_acceptable_input_is_taken_and_read_right(case):
    verdict, detail = accepted(case)
    assert verdict == "right", f"{case.id}: {verdict}: {detail}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_a_clear_error(case):
    verdict, detail = outcome(case)
    assert verdict == "clear", (
        f"{case.id}: expected {getattr(case.error, '__name__', case.error)} naming "
        f"`{case.arg}`, got {verdict}: {detail}"
    )


# --- looking inside a model never changes it; integer images are 0-255 pixels ------------------

import numpy as np  # noqa: E402
import torch  # noqa: E402
from reliability_cases import X8, tiny_cnn  # noqa: E402

from course_utils import augment, interpret, models, style, training  # noqa: E402


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}, [
        m.training for m in model.modules()
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: interpret.activations(m, X8, "1"),
        lambda m: interpret.saliency(m, X8, 0),
        lambda m: interpret.guided_backprop(m, X8, [0, 1]),
        lambda m: interpret.occlusion(m, X8, 2, window=2, stride=2),
        lambda m: models.describe(m, (2, 1, 8, 8)),
    ],
    ids=["activations", "saliency", "guided_backprop", "occlusion", "describe"],
)
def test_inspection_runs_in_eval_mode_and_leaves_the_model_as_it_was(call):
    model = tiny_cnn().train()
    model[1].eval()  # a mixed state must come back exactly too
    weights, modes = _state(model)
    first = call(model)
    after_weights, after_modes = _state(model)
    assert after_modes == modes, "every module's own mode is restored"
    assert all(torch.equal(after_weights[k], v) for k, v in weights.items()), (
        "batch-norm statistics untouched"
    )
    assert int(model[1].num_batches_tracked) == 0
    if isinstance(first, torch.Tensor):  # dropout was off: the same answer twice
        assert torch.equal(call(model), first)


def test_feature_extractor_stays_frozen_after_a_stray_train_call():
    extractor = style.FeatureExtractor("random", verbose=False)
    image = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    expected = extractor(image)
    extractor.train()
    again = extractor(image)
    assert all(torch.equal(expected[k], again[k]) for k in expected)
    assert extractor.network.training, "the mode the caller set is restored"


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.int64, np.uint16])
def test_integer_images_are_0_255_pixels_whatever_the_integer_type(dtype):
    image = np.full((8, 8, 3), 200, dtype=dtype)
    assert torch.allclose(style.as_image_tensor(image), torch.full((1, 3, 8, 8), 200 / 255))


def test_attributions_read_uint8_images_as_0_255_pixels():
    model = tiny_cnn().eval()
    pixels = (X8 * 255).round().to(torch.uint8)
    scaled = pixels.float() / 255
    assert torch.equal(interpret.saliency(model, pixels, 1), interpret.saliency(model, scaled, 1))
    assert torch.equal(
        interpret.occlusion(model, pixels, 1, window=2, stride=2),
        interpret.occlusion(model, scaled, 1, window=2, stride=2),
    )


def test_transfer_gives_the_same_image_for_uint8_and_int64_photos():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (32, 32, 3))
    painting = rng.integers(0, 256, (32, 32, 3))
    a, _ = style.transfer(photo.astype(np.uint8), painting.astype(np.uint8), size=32, steps=2)
    b, _ = style.transfer(photo.astype(np.int64), painting, size=32, steps=2)
    np.testing.assert_array_equal(a, b)


def test_numpy_scalars_and_torch_devices_are_accepted_where_numbers_and_names_are():
    model = tiny_cnn().eval()
    features = np.random.default_rng(0).random((12, 6))
    assert interpret.embed(
        features,
        "tsne",
        seed=np.int64(0),
        perplexity=np.float64(3.0),
        pca_dims=np.int64(4),
        max_iter=np.int64(250),
    ).shape == (12, 2)
    occluded = interpret.occlusion(
        model, X8, np.int64(1), window=np.int64(2), stride=np.int32(2), max_batch=np.int64(7)
    )
    assert torch.equal(occluded, interpret.occlusion(model, X8, 1, window=2, stride=2))
    assert models.DigitCNN(n_classes=np.int64(10), dropout=np.float32(0.25)) is not None
    assert training.predict(
        model, X8, batch_size=np.int64(1), device=torch.device("cpu")
    ).shape == (2, 3)
    assert (
        augment.random_affine(X8, np.float32(5.0), np.float64(0.1), np.int64(1)).shape == X8.shape
    )

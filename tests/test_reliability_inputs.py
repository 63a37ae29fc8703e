"""The bad-input battery over the public API: each bad input gets a clear error naming the argument.

The table lives in tests/reliability_cases.py (benchmarks/reliability.py counts the same cases).
A case passes when the call raises the expected kind of error with a one-line message that
names the argument, or, for an exercise check, answers "not yet". A call that returns normally
is a silent wrong result, the failure this battery exists to catch.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from reliability_cases import acceptable_inputs, accepted, all_cases, outcome

CASES = all_cases()
ACCEPTABLE = acceptable_inputs()

# The battery's exact size, as benchmarks/RESULTS.md reports it: every one of these bad inputs
# must give a clear error (the test below), so the counts are 793 clear, 0 unclear, 0 silent,
# and the 21 acceptable inputs are all taken and read right. A case added or dropped changes
# these numbers on purpose: update them here and rerun benchmarks/reliability.py.
BAD_INPUTS = 793
ACCEPTABLE_INPUTS = 21


def test_the_battery_has_its_exact_size_and_unique_ids():
    assert len(CASES) == BAD_INPUTS
    assert len(ACCEPTABLE) == ACCEPTABLE_INPUTS
    ids = [case.id for case in CASES] + [case.id for case in ACCEPTABLE]
    assert len(ids) == len(set(ids))


def test_every_case_reads_on_one_line():
    """The battery is a table: `python tools/one_case_a_line.py` joins a case spread over lines."""
    import ast

    source = (Path(__file__).parent / "reliability_cases.py").read_text(encoding="utf-8")
    spread = [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in ("Case", "Accept")
        and node.end_lineno > node.lineno
    ]
    assert not spread, f"cases spread over several lines, starting at lines {spread}"


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
from reliability_cases import INF, NAN, X8  # noqa: E402

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
def test_inspection_runs_in_eval_mode_and_leaves_the_model_as_it_was(call, tiny_cnn):
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


def test_attributions_read_uint8_images_as_0_255_pixels(tiny_cnn):
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


def test_numpy_scalars_and_torch_devices_are_accepted_where_numbers_and_names_are(tiny_cnn):
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


# --- properties (Hypothesis): the one image policy, occlusion positions, NumPy scalars ----------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from course_utils import _validate, plotting  # noqa: E402

PROPERTY = settings(
    max_examples=60,
    deadline=None,  # the outcome never depends on the clock
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
INT_DTYPES = st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16])
SHAPES = st.sampled_from([(5, 6), (5, 6, 3), (5, 6, 4), (3, 5, 6), (5, 6, 1), (1, 5, 6)])


@PROPERTY
@given(dtype=INT_DTYPES, shape=SHAPES, data=st.data())
def test_any_integer_image_is_0_255_pixels_or_a_clear_error(dtype, shape, data):
    low, high = max(np.iinfo(dtype).min, -300), min(np.iinfo(dtype).max, 600)
    image = data.draw(hnp.arrays(dtype, shape, elements=st.integers(low, high)))
    if image.min() < 0 or image.max() > 255:
        with pytest.raises(ValueError, match=r"^to_numpy_image: integer `image` must hold 0-255"):
            plotting.to_numpy_image(image)
        return
    shown = plotting.to_numpy_image(image)
    expected = image.astype(np.float64) / 255
    if expected.ndim == 3 and expected.shape[0] in (1, 3, 4) and expected.shape[2] not in (1, 3, 4):
        expected = np.moveaxis(expected, 0, -1)
    np.testing.assert_allclose(shown, expected.squeeze(), atol=1e-6)


@PROPERTY
@given(shape=st.sampled_from([(5, 6, 3), (3, 5, 6), (5, 6, 4)]), scale=st.floats(1.2, 1e4))
def test_a_float_colour_image_outside_0_1_is_refused_never_clipped(shape, scale):
    image = np.random.default_rng(0).random(shape) * scale + 0.2  # the largest value is > 1.1
    with pytest.raises(ValueError, match=r"`image` must lie in \[0, 1\]"):
        plotting.to_numpy_image(image)
    with pytest.raises(ValueError, match=r"`image` must lie in \[0, 1\]"):
        _validate.as_unit_pixels(image, "image", "f")


@PROPERTY
@given(size=st.integers(-2, 40), window=st.integers(-2, 45), stride=st.integers(-2, 12))
def test_occlusion_positions_cover_every_pixel_or_refuse(size, window, stride):
    if size < 1 or window < 1 or stride < 1 or window > size:
        with pytest.raises(ValueError, match="occlusion_positions: `(size|window|stride)`"):
            interpret.occlusion_positions(size, window, stride)
        return
    starts = interpret.occlusion_positions(np.int64(size), np.int32(window), np.int64(stride))
    assert starts[0] == 0 and all(b - a == stride for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] >= size - window > starts[-1] - stride  # the last one reaches the edge
    if stride <= window:
        covered = {p for s in starts for p in range(s, min(s + window, size))}
        assert covered == set(range(size))


@PROPERTY
@given(
    number=st.floats(-1e6, 1e6) | st.integers(-1000, 1000) | st.sampled_from([NAN, INF, -INF]),
    kind=st.sampled_from([np.int64, np.int32, np.uint8, np.float32, np.float64, str]),
)
def test_numpy_scalars_are_numbers_and_strings_are_not(number, kind):
    if kind is str:  # '0.5', '30': a clear TypeError, never a comparison error from inside
        with pytest.raises(TypeError, match=r"^f: `x` must be a number, got '"):
            _validate.as_number(str(number), "x", "f")
        with pytest.raises(TypeError, match=r"^f: `x` must be an int, got '"):
            _validate.as_int(str(number), "x", "f")
        return
    integer = np.issubdtype(kind, np.integer)
    if integer and not (
        isinstance(number, int) and np.iinfo(kind).min <= number <= np.iinfo(kind).max
    ):
        return
    value = kind(number)
    if not np.isfinite(value):
        with pytest.raises(ValueError, match="^f: `x` must be finite"):
            _validate.as_number(value, "x", "f")
        return
    assert _validate.as_number(value, "x", "f") == float(value)
    if integer:  # accepted as the int it is, never "must be an int, got 10"
        assert _validate.as_int(value, "x", "f") == int(value)
        assert type(_validate.as_int(value, "x", "f")) is int

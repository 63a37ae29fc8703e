"""The classifier chapter's DigitCNN, its data split, and the cached `trained_classifier()`."""

import random

import numpy as np
import pytest
import torch

from course_utils import pretrained
from course_utils.checkpoints import load_checkpoint, save_checkpoint
from course_utils.data import DIGIT_CLASSES, classifier_split, load_mnist_5k, stratified_split
from course_utils.models import DigitCNN
from course_utils.pretrained import (
    CLASSIFIER_RECIPE,
    classifier_cache_path,
    classifier_data,
    trained_classifier,
)
from course_utils.training import evaluate, predict

# --- DigitCNN --------------------------------------------------------------------------------


def test_digit_cnn_shapes_and_layers():
    model = DigitCNN().eval()
    x = torch.rand(5, 1, 28, 28)
    assert model(x).shape == (5, 10)
    assert model.features(x).shape == (5, 64)
    assert (model.features(x) >= 0).all(), "the penultimate features come after a ReLU"
    assert model.conv1.weight.shape == (16, 1, 5, 5)
    kinds = {type(m).__name__ for m in model.modules()}
    assert {"Conv2d", "BatchNorm2d", "MaxPool2d", "Dropout", "Linear"} <= kinds
    assert sum(p.numel() for p in model.parameters()) < 100_000, "small enough for a CPU"
    with torch.no_grad():
        assert torch.equal(model(x), model.fc2(model.features(x))), "eval mode: dropout is off"


def test_digit_cnn_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="channels"):
        DigitCNN(channels=(8, 16))
    with pytest.raises(ValueError, match="dropout"):
        DigitCNN(dropout=1.0)
    with pytest.raises(ValueError, match="n_classes"):
        DigitCNN(n_classes=0)
    model = DigitCNN()
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\).*unsqueeze"):
        model(torch.rand(1, 28, 28))
    with pytest.raises(ValueError, match=r"got \(2, 1, 32, 32\)"):
        model(torch.rand(2, 1, 32, 32))
    with pytest.raises(TypeError, match="x"):
        model(np.zeros((1, 1, 28, 28), dtype=np.float32))


# --- the data split --------------------------------------------------------------------------


def test_classifier_data_is_the_fixed_stratified_split():
    images, labels = load_mnist_5k()
    train_idx, test_idx = classifier_split()
    expected_train, expected_test = stratified_split(labels, test_size=1000, seed=0)
    assert np.array_equal(train_idx, expected_train) and np.array_equal(test_idx, expected_test)
    assert not set(train_idx) & set(test_idx) and len(train_idx) + len(test_idx) == 5000
    (x_train, y_train), (x_test, y_test) = classifier_data()
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert torch.equal(x_test, images[torch.from_numpy(test_idx)])
    assert torch.equal(torch.bincount(y_test), torch.full((10,), 100))
    assert DIGIT_CLASSES == [str(d) for d in range(10)]


# --- trained_classifier: cache behaviour, on a 1-epoch recipe in a temporary folder -------------


@pytest.fixture
def quick_recipe(tmp_path, monkeypatch):
    """A 1-epoch recipe and an empty cache folder, so cache tests train in seconds.

    The cache is the path taken with `retrain=True` or when the shipped weights are unusable.
    """
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(CLASSIFIER_RECIPE, "epochs", 1)
    monkeypatch.setattr(pretrained, "_reference_classifier", lambda: None)
    return tmp_path


def test_the_shipped_reference_classifier_is_checked_and_accurate(monkeypatch):
    """The reference weights load (checksum verified), in eval mode, meet the chapter's bar."""
    calls = []
    monkeypatch.setattr(pretrained, "_train_classifier", lambda *args, **kwargs: calls.append(1))
    model = trained_classifier()
    assert calls == [], "the shipped weights are used, nothing is trained"
    assert not model.training and pretrained.REFERENCE_WEIGHTS.stat().st_size < 400_000
    _, (test_images, test_labels) = classifier_data()
    with torch.no_grad():
        accuracy = (model(test_images).argmax(dim=1) == test_labels).float().mean().item()
    assert accuracy >= 0.98
    again = trained_classifier()
    assert _same(_weights(model), _weights(again)), "every call gives the same network"


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_first_call_trains_and_caches_then_loads(quick_recipe):
    model = trained_classifier()
    path = classifier_cache_path()
    assert path.parent == quick_recipe and path.exists()
    assert isinstance(model, DigitCNN) and not model.training
    metadata = load_checkpoint(DigitCNN(), path)
    assert metadata["recipe"]["epochs"] == 1 and metadata["torch_version"] == torch.__version__
    written = path.stat().st_mtime_ns
    again = trained_classifier()
    assert path.stat().st_mtime_ns == written, (
        "a valid cache is loaded, not retrained and rewritten"
    )
    assert _same(_weights(again), _weights(model))
    assert again is not model


def test_training_is_deterministic_and_garbage_in_the_cache_is_retrained(quick_recipe):
    first = _weights(trained_classifier())
    path = classifier_cache_path()
    path.write_bytes(b"garbage, not a checkpoint")
    second = trained_classifier()
    assert _same(_weights(second), first), "retraining gives the same weights, bit for bit"
    assert load_checkpoint(DigitCNN(), path)["recipe"]["epochs"] == 1, "the garbage was replaced"
    (_, _), (x_test, y_test) = classifier_data()
    assert predict(second, x_test[:50]).shape == (50, 10)


def test_a_stale_or_foreign_cache_file_is_retrained(quick_recipe):
    path = classifier_cache_path()
    untrained = DigitCNN()
    save_checkpoint(untrained, path, key="an older recipe")
    model = trained_classifier()
    assert not _same(_weights(model), _weights(untrained))
    assert load_checkpoint(DigitCNN(), path)["key"] != "an older recipe"


def test_the_cache_name_changes_with_the_recipe(quick_recipe, monkeypatch):
    one_epoch = classifier_cache_path()
    monkeypatch.setitem(CLASSIFIER_RECIPE, "max_lr", 0.02)
    assert classifier_cache_path() != one_epoch
    assert classifier_cache_path().name.startswith("digit_cnn-")


def test_trained_classifier_leaves_the_callers_random_state_alone(quick_recipe):
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    expected = (torch.rand(3), random.random(), np.random.rand())
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    trained_classifier()  # trains: the cache folder is empty
    assert torch.equal(torch.rand(3), expected[0])
    assert (random.random(), np.random.rand()) == expected[1:]
    torch.manual_seed(123)
    trained_classifier()  # loads from the cache
    assert torch.equal(torch.rand(3), expected[0])


def test_training_prints_nothing_in_plain_mode(quick_recipe, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    trained_classifier()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "", (
        "cached or not, a notebook's output is the same"
    )


# --- trained_classifier: the real recipe (uses the real cache; trains once if it is empty) ------


def test_the_real_classifier_reaches_98_percent_on_the_held_out_digits():
    model = trained_classifier()
    assert not model.training
    (_, _), (x_test, y_test) = classifier_data()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_test, y_test), batch_size=500
    )
    _, accuracy = evaluate(model, loader)
    assert accuracy >= 0.98, f"test accuracy {accuracy:.4f} < 0.98"

"""Datasets and sample images load offline, with the documented shapes, and refuse bad names."""

import numpy as np
import pytest
import torch

from course_utils import cache, data


def test_mnist_5k_shapes_range_and_balance(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    images, labels = data.load_mnist_5k()
    assert images.shape == (5000, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (5000,) and labels.dtype == torch.int64
    assert float(images.min()) == 0.0 and float(images.max()) == 1.0
    assert torch.bincount(labels).tolist() == [500] * 10
    again, labels_again = data.load_mnist_5k()  # now from the .npz cache
    assert torch.equal(images, again) and torch.equal(labels, labels_again)


def test_mnist_cache_that_is_corrupt_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    (tmp_path / "mnist_5k.npz").write_bytes(b"not an npz file")
    images, _ = data.load_mnist_5k()
    assert images.shape == (5000, 1, 28, 28)


def test_stratified_split_is_fixed_disjoint_and_balanced():
    labels = torch.arange(10).repeat_interleave(50)
    train, test = data.stratified_split(labels, test_size=100, seed=0)
    train2, test2 = data.stratified_split(labels, test_size=100, seed=0)
    assert np.array_equal(test, test2) and np.array_equal(train, train2)
    assert len(test) == 100 and len(train) == 400 and not set(train) & set(test)
    assert np.bincount(labels.numpy()[test]).tolist() == [10] * 10
    _, other = data.stratified_split(labels, test_size=100, seed=1)
    assert not np.array_equal(test, other)


@pytest.mark.parametrize("test_size", [0, 500, 1.5, -3])
def test_stratified_split_bad_size(test_size):
    with pytest.raises(ValueError, match="test_size"):
        data.stratified_split(np.arange(10).repeat(50), test_size=test_size)


def test_stratified_split_bad_labels():
    with pytest.raises(ValueError, match="labels"):
        data.stratified_split(np.zeros((5, 2)))


@pytest.mark.parametrize("name", data.sample_image_names())
def test_every_sample_image_loads(name):
    image = data.sample_image(name, size=32)
    assert image.dtype == np.float32 and image.shape[:2] == (32, 32)
    assert image.ndim in (2, 3) and 0.0 <= image.min() and image.max() <= 1.0


def test_sample_image_gray_and_rectangular_size():
    image = data.sample_image("chelsea", size=(20, 30), gray=True)
    assert image.shape == (20, 30)


def test_unknown_image_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="chelsea") as info:
        data.sample_image("lena")
    assert "`name`" in str(info.value)


@pytest.mark.parametrize(
    "size,error", [("big", TypeError), ((3, 4, 5), TypeError), (0, ValueError)]
)
def test_sample_image_bad_size(size, error):
    with pytest.raises(error, match="`size`"):
        data.sample_image("camera", size=size)


def test_fashion_mnist_offline_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    # A dead proxy makes every download fail at once, online or not.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    with pytest.raises(data.DatasetUnavailable, match="Fashion-MNIST"):
        data.load_fashion_mnist(timeout=2.0)
    assert not data.fashion_mnist_available()


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    assert cache.data_dir() == tmp_path / "cache" and (tmp_path / "cache").is_dir()

